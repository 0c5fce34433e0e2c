//! Redaction of secrets in headers, bodies and excerpts.
//!
//! Everything that may end up in a log line or an error goes through here:
//! header values of [`SENSITIVE_HEADERS`] are masked, JSON and form fields
//! whose names look secret (`password`, `token`, `secret`, `ticket`, …) are
//! masked, and CAS tickets (`TGT-…`, `ST-…`) are masked wherever they appear.

use crate::secret::MASK;
use http::HeaderMap;

/// Header names whose values are never logged.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-auth-token",
    "x-subject-token",
    "cookie",
    "set-cookie",
    "location",
];

/// How much of a body an error keeps.
pub const EXCERPT_LIMIT: usize = 1024;

/// True when a JSON or form field of this name holds a secret.
pub fn is_sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "ticket",
        "credential",
        "api_key",
        "apikey",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// The headers as `(name, value)` pairs with secret values masked.
pub fn headers(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| {
            let name = k.as_str().to_owned();
            let value = if SENSITIVE_HEADERS.contains(&k.as_str()) {
                // A Location may carry a TGT; keep the shape, not the value.
                MASK.to_owned()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}

/// A body as text with every secret masked (JSON keys, form fields, tickets).
pub fn body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text) {
        mask_json(&mut v);
        return tickets(&v.to_string());
    }
    let trimmed = text.trim();
    let looks_like_form = !trimmed.is_empty()
        && trimmed.contains('=')
        && !trimmed.contains(char::is_whitespace)
        && !trimmed.starts_with('<');
    if looks_like_form {
        let pairs: Vec<String> = form_urlencoded::parse(trimmed.as_bytes())
            .map(|(k, v)| {
                if is_sensitive_key(&k) {
                    format!("{k}={MASK}")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        return tickets(&pairs.join("&"));
    }
    tickets(&text)
}

/// At most [`EXCERPT_LIMIT`] bytes of a redacted body, cut on a char boundary.
pub fn excerpt(bytes: &[u8]) -> String {
    // Redact on a bounded prefix: a 100 MiB body is never copied whole.
    let head = &bytes[..bytes.len().min(EXCERPT_LIMIT * 4)];
    let mut s = body(head);
    truncate(&mut s, EXCERPT_LIMIT);
    s
}

/// Cuts `s` to at most `max` bytes on a char boundary, marking the cut.
pub fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
}

fn mask_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_sensitive_key(k) && !val.is_object() && !val.is_array() {
                    *val = serde_json::Value::String(MASK.to_owned());
                } else {
                    mask_json(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json),
        _ => {}
    }
}

/// Masks CAS tickets (`TGT-…`, `ST-…`, `PGT-…`) in free text.
pub fn tickets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let prefix = ["TGT-", "PGT-", "ST-"]
            .iter()
            .find(|p| rest.starts_with(**p))
            .filter(|_| i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if let Some(p) = prefix {
            out.push_str(p);
            out.push_str(MASK);
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            i += end;
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Replaces every occurrence of each known secret value in `text` by the mask.
pub fn scrub_values(text: &str, secrets: &[&str]) -> String {
    let mut s = text.to_owned();
    for v in secrets.iter().filter(|v| v.len() >= 3) {
        if s.contains(*v) {
            s = s.replace(*v, MASK);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fields_masked() {
        let b = br#"{"user":"a","password":"pw1","nested":{"access_token":"tok"},"list":[{"client_secret":"cs"}]}"#;
        let r = body(b);
        assert!(r.contains("\"user\":\"a\""));
        for s in ["pw1", "tok", "cs"] {
            assert!(!r.contains(&format!("\"{s}\"")), "{r}");
        }
    }

    #[test]
    fn form_fields_and_tickets_masked() {
        let r = body(b"username=grp%5Cusr&password=p%40ss");
        assert_eq!(r, "username=grp\\usr&password=***");
        let r = body(b"service=x&ticket=ST-1-abc-cas");
        assert!(!r.contains("abc"), "{r}");
        let r = tickets("see TGT-12-secretpart-cas and ST-9-zz here; FIRST-1 stays");
        assert_eq!(r, "see TGT-*** and ST-*** here; FIRST-1 stays");
    }

    #[test]
    fn excerpt_is_bounded_and_char_safe() {
        let big = "é".repeat(5000);
        let e = excerpt(big.as_bytes());
        assert!(e.len() <= EXCERPT_LIMIT + '…'.len_utf8());
    }

    #[test]
    fn header_values_masked() {
        let mut h = HeaderMap::new();
        h.insert("x-auth-token", http::HeaderValue::from_static("tok-123"));
        h.insert("accept", http::HeaderValue::from_static("application/json"));
        let v = headers(&h);
        assert!(v.iter().any(|(k, v)| k == "x-auth-token" && v == "***"));
        assert!(v
            .iter()
            .any(|(k, v)| k == "accept" && v == "application/json"));
    }
}
