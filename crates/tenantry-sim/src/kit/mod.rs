//! The shared simulator kit: the server, the request journal and fault
//! injection, plus small helpers the simulators share.
//!
//! Any [`axum::Router`] passed to [`SimServer::start`] gets the journal, the
//! faults, the limits of [`SimOptions`] and the `/_sim/` control plane for
//! free.

mod control;
mod fault;
mod journal;
mod server;
mod tls;

pub use control::SimControl;
pub use fault::{Fault, FaultRule, Faults, PathMatch};
pub use journal::{Journal, JournalEntry, DEFAULT_JOURNAL_BODY_BYTES, DEFAULT_JOURNAL_ENTRIES};
pub use server::{
    ConnKill, SimOptions, SimServer, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
};
pub use tls::SimTls;


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

/// Parse a seed section with `serde`, naming the wrong field on error.
pub(crate) fn parse_seed<T: serde::de::DeserializeOwned>(section: &serde_json::Value) -> Result<T, String> {
    serde_json::from_value(section.clone()).map_err(|e| e.to_string())
}

/// An error unless `value` (the field `field`) is non-empty.
pub(crate) fn non_empty(field: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err(format!("`{field}` must not be empty"))
    } else {
        Ok(())
    }
}
