//! The shared simulator kit: the server, the request journal and fault
//! injection, plus small helpers the simulators share.
//!
//! Any [`axum::Router`] passed to [`SimServer::start`] gets the journal and
//! the faults for free.

mod fault;
mod journal;
mod server;

pub use fault::{Fault, FaultRule, Faults, PathMatch};
pub use journal::{Journal, JournalEntry};
pub use server::{ConnKill, SimServer};

use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use rand::distributions::Alphanumeric;
use rand::Rng;

/// The origin (`scheme://host[:port]`) a request was sent to, from its
/// `Host` header (and `X-Forwarded-Proto`, when present; otherwise `http`).
pub fn request_origin(headers: &HeaderMap) -> String {
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or("http");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty())
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// A random alphanumeric string of this length.
pub(crate) fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A JSON response with this status.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    with_type(status, value.to_string(), "application/json")
}

/// A response with this status, body and content type.
pub(crate) fn with_type(status: StatusCode, body: impl Into<Body>, content_type: &str) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// Decode an `application/x-www-form-urlencoded` body; the first value of
/// each name wins.
pub(crate) fn form_map(body: &[u8]) -> std::collections::HashMap<String, String> {
    let mut map = std::collections::HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}
