//! The SSS error formats (`ecl-sss.md` §5.2), read into core's
//! [`ApiError`](tenantry_core::ApiError): `code` and `message` come from the
//! first shape that matches; an answer in none of them keeps its raw text.
//!
//! | Body | `code` | `message` |
//! |---|---|---|
//! | `{"fault": {"faultstring": m}}` (API gateway) | `fault` | `m` |
//! | `{"SSSError": {"type": t, "message": m}}` | `t` | `m` |
//! | `{"errorMessage": m, "errorCode"?: c}` (IAM) | `c` | `m` |
//! | `{"message": m}` (the usual SSS error) | – | `m` |
//! | `{"error": {"message": m, "title": t}}` (Keystone) | `t` | `m` |
//!
//! Unlike the reference, an IAM `errorMessage` keeps its text (§6.2.8).

use serde_json::Value;
use tenantry_core::ParsedError;

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The pipeline's [`ErrorParser`](tenantry_core::ErrorParser) for SSS.
///
/// ```
/// use ecl_sss::error::parse_error;
/// let p = parse_error(409, &Default::default(), br#"{"message": "login_id already exists"}"#).unwrap();
/// assert_eq!(p.message.as_deref(), Some("login_id already exists"));
/// assert!(parse_error(500, &Default::default(), b"<html>oops</html>").is_none());
/// ```
pub fn parse_error(_status: u16, _headers: &http::HeaderMap, body: &[u8]) -> Option<ParsedError> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    let obj = doc.as_object()?;
    if let Some(m) = text(obj.get("fault").and_then(|f| f.get("faultstring"))) {
        return Some(ParsedError::new(Some("fault".to_owned()), Some(m)));
    }
    if let Some(e) = obj.get("SSSError").and_then(Value::as_object) {
        let m = text(e.get("message"));
        let code = text(e.get("type"));
        if m.is_some() || code.is_some() {
            return Some(ParsedError::new(code, m));
        }
    }
    if let Some(m) = text(obj.get("errorMessage")) {
        return Some(ParsedError::new(text(obj.get("errorCode")), Some(m)));
    }
    if let Some(m) = text(obj.get("message")) {
        return Some(ParsedError::new(None, Some(m)));
    }
    if let Some(e) = obj.get("error").and_then(Value::as_object) {
        let m = text(e.get("message"));
        if m.is_some() {
            return Some(ParsedError::new(text(e.get("title")), m));
        }
    }
    None
}

use tenantry_core::http;

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
            parse(r#"{"fault": {"faultstring": "gw"}}"#),
            Some((s("fault"), s("gw")))
        );
        assert_eq!(
            parse(r#"{"SSSError": {"type": "BadRequest", "message": "bad", "detail": "d"}}"#),
            Some((s("BadRequest"), s("bad")))
        );
        assert_eq!(
            parse(r#"{"errorMessage": "no such role", "errorCode": "IAM-404", "message": "x"}"#),
            Some((s("IAM-404"), s("no such role")))
        );
        assert_eq!(
            parse(r#"{"message": "Invalid login_id"}"#),
            Some((None, s("Invalid login_id")))
        );
        assert_eq!(
            parse(r#"{"error": {"code": 401, "message": "auth", "title": "Unauthorized"}}"#),
            Some((s("Unauthorized"), s("auth")))
        );
        assert_eq!(parse(r#"{"other": 1}"#), None);
        assert_eq!(parse("[1]"), None);
        assert_eq!(parse("not json"), None);
    }
}
