//! The Account Server's error bodies (`squonk2-as.md` §4.5, §7), read into
//! core's [`ApiError`](tenantry_core::ApiError). The reference throws them
//! away (§3.2, quirk 2); tenantry keeps the server's message:
//!
//! | Body | `code` | `message` |
//! |---|---|---|
//! | `{"error": m}` (the AS's own errors) | – | `m` |
//! | `{"title": t, "detail": d, "status": n}` (Connexion validation, `application/problem+json`) | `t` | `d` (or `t`) |
//!
//! An answer in neither shape keeps its raw text (status and excerpt).

use serde_json::Value;
use tenantry_core::{http, ParsedError};

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The pipeline's [`ErrorParser`](tenantry_core::ErrorParser) for the AS.
///
/// ```
/// use squonk2_as::error::parse_error;
/// let p = parse_error(404, &Default::default(), br#"{"error": "Unit unit-1 not found"}"#).unwrap();
/// assert_eq!(p.message.as_deref(), Some("Unit unit-1 not found"));
/// assert!(parse_error(500, &Default::default(), b"<html>oops</html>").is_none());
/// ```
pub fn parse_error(_status: u16, _headers: &http::HeaderMap, body: &[u8]) -> Option<ParsedError> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    let obj = doc.as_object()?;
    if let Some(m) = text(obj.get("error")) {
        return Some(ParsedError::new(None, Some(m)));
    }
    let title = text(obj.get("title"));
    let detail = text(obj.get("detail"));
    if title.is_some() || detail.is_some() {
        return Some(ParsedError::new(title.clone(), detail.or(title)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Option<(Option<String>, Option<String>)> {
        parse_error(400, &http::HeaderMap::new(), body.as_bytes()).map(|p| (p.code, p.message))
    }

    #[test]
    fn every_shape() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            parse(r#"{"error": "No such unit"}"#),
            Some((None, s("No such unit")))
        );
        assert_eq!(
            parse(
                r#"{"title": "Bad Request", "detail": "'name' is a required property", "status": 400}"#
            ),
            Some((s("Bad Request"), s("'name' is a required property")))
        );
        assert_eq!(
            parse(r#"{"title": "Forbidden"}"#),
            Some((s("Forbidden"), s("Forbidden")))
        );
        assert_eq!(parse(r#"{"error": ""}"#), None);
        assert_eq!(parse(r#"{"other": 1}"#), None);
        assert_eq!(parse("[1]"), None);
        assert_eq!(parse("not json"), None);
    }
}
