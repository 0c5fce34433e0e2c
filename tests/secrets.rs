//! The planted-secret matrix kit (#12), shared by the library matrix
//! (`tests/secrets_matrix.rs`) and the CLI matrix
//! (`crates/tenantry-cli/tests/secrets_matrix.rs`).
//!
//! - [`Echo`] wraps any simulator's router (or serves alone): while a rule
//!   is set, a matching request is answered with an echo of everything it
//!   carried (method, path, query, every header, the body) in one of the
//!   [`SHAPES`] and with one of the [`ANSWERS`] statuses; other requests
//!   reach the simulator as usual (so logins and discovery still work).
//! - [`leaks`] is the oracle: it looks for each planted secret in a text
//!   raw, percent-decoded, form-decoded, HTML-unescaped, JSON-unescaped and
//!   inside every base64 run (decoded at each offset), independently of how
//!   the library masks.
//! - [`Planted`] holds a row's distinct secrets.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use std::sync::{Arc, Mutex};

/// How an echo is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Plain text: the request as it came.
    Raw,
    /// JSON: headers as an object, the body parsed (nested) and as text.
    Json,
    /// An HTML error page with the request in it (HTML-escaped).
    Html,
    /// JSON over the excerpt size: 6 KiB of filler first, then the echo.
    BigJson,
    /// Text over the excerpt size: 6 KiB of filler first, then the echo.
    BigText,
    /// The request base64-encoded, whole and value by value.
    Base64,
}

/// Every shape.
pub const SHAPES: [Shape; 6] = [
    Shape::Raw,
    Shape::Json,
    Shape::Html,
    Shape::BigJson,
    Shape::BigText,
    Shape::Base64,
];

/// Success, 4xx, 5xx (500 is not retried, so each case is one exchange).
pub const ANSWERS: [u16; 3] = [200, 400, 500];

/// Which requests to echo, and how.
#[derive(Clone, Debug)]
pub struct EchoRule {
    /// Method to match (`None`: any).
    pub method: Option<&'static str>,
    /// Path prefix to match.
    pub prefix: String,
    /// Status of the echo.
    pub status: u16,
    /// Shape of the echo.
    pub shape: Shape,
}

/// A switchable echo in front of a router. Clones share the rule.
#[derive(Clone, Default, Debug)]
pub struct Echo(Arc<Mutex<Option<EchoRule>>>);

impl Echo {
    /// Sets (or clears) the rule.
    pub fn set(&self, rule: Option<EchoRule>) {
        *self.0.lock().unwrap() = rule;
    }

    /// `router` with the echo in front of it.
    pub fn wrap(&self, router: Router) -> Router {
        router.layer(axum::middleware::from_fn_with_state(self.clone(), echo_mw))
    }

    /// An echo alone (unmatched requests: 404).
    pub fn router(&self) -> Router {
        self.wrap(Router::new())
    }
}

async fn echo_mw(State(echo): State<Echo>, req: Request, next: Next) -> Response {
    let rule = echo.0.lock().unwrap().clone().filter(|r| {
        req.uri().path().starts_with(&r.prefix) && r.method.is_none_or(|m| req.method() == m)
    });
    let Some(rule) = rule else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let (ctype, text) = echo_body(rule.shape, &parts, &body);
    let status = http::StatusCode::from_u16(rule.status).unwrap();
    (status, [(http::header::CONTENT_TYPE, ctype)], text).into_response()
}

/// The echo of one request in `shape`: `(content type, body)`.
pub fn echo_body(
    shape: Shape,
    parts: &http::request::Parts,
    body: &[u8],
) -> (&'static str, String) {
    let body_text = String::from_utf8_lossy(body).into_owned();
    let mut raw = format!("{} {}\n", parts.method, parts.uri);
    let mut headers = serde_json::Map::new();
    for (k, v) in &parts.headers {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        raw.push_str(&format!("{k}: {v}\n"));
        headers.insert(k.as_str().to_owned(), v.into());
    }
    raw.push('\n');
    raw.push_str(&body_text);
    let parsed = serde_json::from_slice::<serde_json::Value>(body)
        .unwrap_or_else(|_| serde_json::Value::String(body_text.clone()));
    let json = serde_json::json!({
        "error": {
            "message": format!("cannot serve {} {}", parts.method, parts.uri),
            "request": {"uri": parts.uri.to_string(), "headers": headers, "body": parsed},
            "detail": raw,
        }
    })
    .to_string();
    let filler = "x".repeat(6 * 1024);
    let html_escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    match shape {
        Shape::Raw => ("text/plain", raw),
        Shape::Json => ("application/json", json),
        Shape::Html => (
            "text/html",
            format!(
                "<html><head><title>Error</title></head><body><h1>Not here</h1><pre>{}</pre><a href=\"{}\">retry</a></body></html>",
                html_escape(&raw),
                html_escape(&parts.uri.to_string())
            ),
        ),
        Shape::BigJson => (
            "application/json",
            format!(r#"{{"padding":"{filler}","echo":{json}}}"#),
        ),
        Shape::BigText => ("text/plain", format!("{filler}\n{raw}")),
        Shape::Base64 => {
            let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
            let mut out = format!("request: {}\n", b64(raw.as_bytes()));
            for (k, v) in &parts.headers {
                out.push_str(&format!("{k}: {}\n", b64(v.as_bytes())));
            }
            out.push_str(&format!("uri: {}\nbody: {}\n", b64(parts.uri.to_string().as_bytes()), b64(body)));
            ("text/plain", out)
        }
    }
}

/// A row's planted secrets: `(what, value)`.
#[derive(Clone, Debug, Default)]
pub struct Planted(pub Vec<(String, String)>);

impl Planted {
    /// Adds one.
    pub fn add(&mut self, what: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        assert!(
            value.len() >= 8,
            "planted secrets must be distinctive: {what}"
        );
        self.0.push((what.to_owned(), value));
        self
    }
}

/// The secrets of `planted` found in `text`, each with the view it was
/// found in (`raw`, `percent-decoded`, `base64 run …`).
pub fn leaks(text: &str, planted: &Planted) -> Vec<String> {
    let mut views: Vec<(String, String)> = vec![("raw".into(), text.to_owned())];
    views.push((
        "percent-decoded".into(),
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned(),
    ));
    views.push((
        "form-decoded".into(),
        percent_encoding::percent_decode_str(&text.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned(),
    ));
    views.push((
        "html-unescaped".into(),
        text.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    ));
    views.push((
        "json-unescaped".into(),
        text.replace("\\\"", "\"")
            .replace("\\\\", "\\")
            .replace("\\/", "/"),
    ));
    for run in base64_runs(text) {
        for decoded in decode_all_offsets(run) {
            views.push((format!("base64 run {run:.24}…"), decoded));
        }
    }
    let mut found = Vec::new();
    for (what, value) in &planted.0 {
        if let Some((view, _)) = views.iter().find(|(_, v)| v.contains(value.as_str())) {
            found.push(format!("{what} ({view})"));
        }
    }
    found
}

fn base64_runs(text: &str) -> Vec<&str> {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_');
    text.split(|c: char| !is_b64(c))
        .filter(|r| r.len() >= 12)
        .collect()
}

fn decode_all_offsets(run: &str) -> Vec<String> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let engines = [
        GeneralPurpose::new(&base64::alphabet::STANDARD, config),
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config),
    ];
    let mut out = Vec::new();
    let clean = run.trim_end_matches('=');
    for start in 0..4 {
        if start >= clean.len() {
            break;
        }
        let mut part = &clean[start..];
        if part.len() % 4 == 1 {
            part = &part[..part.len() - 1];
        }
        for engine in &engines {
            if let Ok(bytes) = engine.decode(part) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    out
}

/// Panics with every leak of `planted` in `text`, naming the case.
pub fn assert_clean(case: &str, channel: &str, text: &str, planted: &Planted) {
    let found = leaks(text, planted);
    assert!(
        found.is_empty(),
        "{case}: {channel} leaks {found:?}:\n{text:.6000}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_sees_every_form() {
        let mut p = Planted::default();
        p.add("pw", "planted/pw+1&x");
        let b64 = base64::engine::general_purpose::STANDARD.encode("id:planted/pw+1&x");
        for text in [
            "raw planted/pw+1&x".to_owned(),
            "q=planted%2Fpw%2B1%26x".to_owned(),
            "q=planted%2Fpw+1%26x".to_owned(),
            "<p>planted/pw+1&amp;x</p>".to_owned(),
            format!("Basic {b64}"),
            format!("xx{b64}yy"),
        ] {
            assert_eq!(leaks(&text, &p).len(), 1, "{text}");
        }
        assert!(leaks("planted/pw+*** and ***", &p).is_empty());
    }
}
