//! Etu Nexus error answers, read into core's
//! [`ApiError`](tenantry_core::ApiError). The reference parses no error
//! body (§11); tenantry keeps the server's message when the body is a JSON
//! object with a `message`, `error` or `msg` text (Spring's and EI's
//! shapes), and the raw text otherwise.

use serde_json::Value;
use tenantry_core::{http, ParsedError};

/// The pipeline's [`ErrorParser`](tenantry_core::ErrorParser) for EMC, ER
/// and EI.
///
/// ```
/// use etunexus::error::parse_error;
/// let p = parse_error(404, &Default::default(), br#"{"message": "no group 9"}"#).unwrap();
/// assert_eq!(p.message.as_deref(), Some("no group 9"));
/// assert!(parse_error(500, &Default::default(), b"<html>oops</html>").is_none());
/// ```
pub fn parse_error(_status: u16, _headers: &http::HeaderMap, body: &[u8]) -> Option<ParsedError> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    let obj = doc.as_object()?;
    let text = |k: &str| match obj.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let message = text("message").or_else(|| text("msg"));
    let code = text("error");
    if message.is_none() && code.is_none() {
        return None;
    }
    Some(ParsedError::new(code.clone(), message.or(code)))
}
