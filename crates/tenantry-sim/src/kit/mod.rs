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
pub(crate) fn parse_seed<T: serde::de::DeserializeOwned>(
    section: &serde_json::Value,
) -> Result<T, String> {
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

/// The longest `redirect_uri` Astakos 0.19 accepts
/// (`MAXIMUM_ALLOWED_REDIRECT_URI_LENGTH`).
pub const OAUTH2_REDIRECT_URI_LIMIT: usize = 5000;

/// Check an OAuth2 `redirect_uri` against a client's registered ones, as
/// Astakos 0.19 does (`oa2/backends/base.py` `validate_redirect_uri` and
/// `oa2/models.py` `Client.redirect_uri_is_valid`): it must be absolute,
/// at most [`OAUTH2_REDIRECT_URI_LIMIT`] characters, and either equal to a
/// registered URI or below it as a path (`registered` without its trailing
/// `/`, then `/`, then anything). A plain text prefix is not enough:
/// `https://h/ui/view.evil/x` is not below `https://h/ui/view`.
/// The error is the real server's message.
///
/// ```
/// use tenantry_sim::kit::check_oauth2_redirect_uri as check;
/// let reg = ["https://pithos.example.org/ui/view"];
/// assert!(check(&reg, "https://pithos.example.org/ui/view").is_ok());
/// assert!(check(&reg, "https://pithos.example.org/ui/view/sub?x=1").is_ok());
/// assert_eq!(
///     check(&reg, "https://pithos.example.org/ui/view.evil.example/steal"),
///     Err("Mismatching redirect uri")
/// );
/// ```
pub fn check_oauth2_redirect_uri<S: AsRef<str>>(
    registered: &[S],
    uri: &str,
) -> Result<(), &'static str> {
    // urlparse(uri).scheme: letters, digits, `+-.`, starting with a letter,
    // before the first `:`.
    let scheme_ok = uri.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if !scheme_ok {
        return Err("Redirect uri should be an absolute URI");
    }
    if uri.chars().count() > OAUTH2_REDIRECT_URI_LIMIT {
        return Err("Redirect uri length limit exceeded");
    }
    let valid = registered.iter().any(|r| {
        let r = r.as_ref();
        uri == r
            || uri
                .strip_prefix(r.trim_end_matches('/'))
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if valid {
        Ok(())
    } else {
        Err("Mismatching redirect uri")
    }
}

#[cfg(test)]
mod redirect_tests {
    use super::check_oauth2_redirect_uri as check;

    #[test]
    fn as_astakos_0_19() {
        let reg = ["https://pithos.example.org/ui/view/"];
        assert!(check(&reg, "https://pithos.example.org/ui/view/").is_ok());
        assert!(check(&reg, "https://pithos.example.org/ui/view/a/b").is_ok());
        assert_eq!(
            check(&reg, "https://pithos.example.org/ui/view"),
            Err("Mismatching redirect uri")
        );
        assert_eq!(
            check(&reg, "https://pithos.example.org/ui/viewer"),
            Err("Mismatching redirect uri")
        );
        assert_eq!(
            check(&reg, "/ui/view/"),
            Err("Redirect uri should be an absolute URI")
        );
        let long = format!("https://pithos.example.org/ui/view/{}", "a".repeat(5000));
        assert_eq!(
            check(&reg, &long),
            Err("Redirect uri length limit exceeded")
        );
        assert_eq!(
            check::<&str>(&[], "https://x/"),
            Err("Mismatching redirect uri")
        );
    }
}
