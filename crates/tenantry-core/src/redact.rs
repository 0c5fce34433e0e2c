//! Redaction of secrets in headers, bodies, excerpts and log lines: the one
//! place every service uses.
//!
//! Redaction holds by construction, in this order:
//!
//! 1. **Parse first.** A JSON body is parsed whole (the transport already
//!    caps its size), then every string under a sensitive key
//!    ([`is_sensitive_key`]) is masked at any depth, as is the `id` (or
//!    `value`, `key`) of an object held under a sensitive key
//!    (`{"token": {"id": …}}`). A form body is masked field by field.
//! 2. **Then mask known values.** Every secret registered with a
//!    [`Scrubber`] (the credentials a request carried, a token passed as an
//!    argument, the auth strategy's password) is masked in every form a
//!    server may echo it in: raw, JSON-escaped, URL-encoded, HTML-escaped,
//!    and base64 (also inside a longer base64 text such as
//!    `Basic base64(id:secret)`).
//! 3. **Text that does not parse** (HTML, plain text, cut JSON) gets step 2
//!    plus a scan for `"key": "value"` and `key=value` with a sensitive key,
//!    and CAS tickets (`TGT-…`, `ST-…`, `PGT-…`) are masked wherever they
//!    appear.
//! 4. **Then truncate** to [`EXCERPT_LIMIT`], so a secret past the cut can
//!    never be left half-masked.
//!
//! The pipeline builds one [`Scrubber`] per request (see
//! [`Scrubber::request`]), uses it on its trace lines and errors, and
//! attaches it to the answer ([`Scrubber::of`]) for service crates that
//! build their own errors.
//!
//! ```
//! use tenantry_core::redact::Scrubber;
//! let s = Scrubber::new().with_secret("tok-validated-123");
//! let page = "<html>token tok-validated-123 not found</html>";
//! assert_eq!(s.text(page), "<html>token *** not found</html>");
//! let json = br#"{"auth":{"token":{"id":"callers-own-token"}},"n":1}"#;
//! assert_eq!(s.body(json), r#"{"auth":{"token":{"id":"***"}},"n":1}"#);
//! ```

use crate::secret::MASK;
use crate::transport::{HttpRequest, HttpResponse};
use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

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

/// The name index of a credential header value whose name is not known
/// (see [`Scrubber::merge`]).
const UNNAMED: u8 = u8::MAX;

/// How much of a body an error keeps.
pub const EXCERPT_LIMIT: usize = 1024;

/// Field names (lower case, `-` read as `_`) that hold a secret whatever
/// their value. [`is_sensitive_key`] also matches any name containing one
/// of [`SENSITIVE_KEY_PARTS`].
pub const SENSITIVE_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "ticket",
    "secret",
    "client_secret",
    "api_key",
    "apikey",
    "credential",
    "credentials",
    "authorization",
    "cookie",
    "assertion",
    "private_key",
];

/// Parts of field names that make the field secret (`user_password`,
/// `X-Auth-Token`, `app_secret`, …).
pub const SENSITIVE_KEY_PARTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "ticket",
    "credential",
    "api_key",
    "apikey",
];

/// Fields of an object held under a sensitive key that are masked too
/// (`{"token": {"id": …}}`).
const UNDER_SENSITIVE: &[&str] = &["id", "value", "key"];

/// The shortest value masked as a known secret (shorter ones would mask
/// ordinary text).
const MIN_SECRET_LEN: usize = 3;

/// The shortest base64 fragment masked (shorter ones match by chance).
const MIN_BASE64_LEN: usize = 8;

/// True when a JSON or form field of this name holds a secret.
pub fn is_sensitive_key(key: &str) -> bool {
    let k = normalize_key(key);
    SENSITIVE_KEYS.contains(&k.as_ref()) || SENSITIVE_KEY_PARTS.iter().any(|s| k.contains(s))
}

fn normalize_key(key: &str) -> Cow<'_, str> {
    if key.bytes().any(|b| b.is_ascii_uppercase() || b == b'-') {
        Cow::Owned(key.to_ascii_lowercase().replace('-', "_"))
    } else {
        Cow::Borrowed(key)
    }
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
                tickets(&String::from_utf8_lossy(v.as_bytes()))
            };
            (name, value)
        })
        .collect()
}

/// A body as text with every secret masked (JSON keys, form fields, tickets).
pub fn body(bytes: &[u8]) -> String {
    Scrubber::new().body(bytes)
}

/// At most [`EXCERPT_LIMIT`] bytes of a redacted body, cut on a char
/// boundary. The whole body is redacted before the cut.
pub fn excerpt(bytes: &[u8]) -> String {
    Scrubber::new().excerpt(bytes)
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

/// Replaces every occurrence of each known secret value in `text` by the
/// mask, in every encoded form (see [`Scrubber`]).
pub fn scrub_values(text: &str, secrets: &[&str]) -> String {
    let mut s = Scrubber::new();
    for v in secrets {
        s.add_secret(v);
    }
    s.values_only(text)
}

/// The secrets one request carried, and the sensitive keys of its service:
/// masks them in the request's answer, its errors and its log lines.
///
/// Cheap to build on every request: it keeps the sensitive header values
/// and the body as shared bytes (a request's first credential header and
/// its body inline, so building one allocates nothing), and only works out
/// the secrets (and their encoded forms) when something is scrubbed.
/// `Debug` shows counts only.
#[derive(Clone, Default)]
pub struct Scrubber {
    /// The first credential header value of the request.
    header: Option<HeaderValue>,
    /// Its name, as an index in [`SENSITIVE_HEADERS`] ([`UNNAMED`] for a
    /// value merged in from another scrubber).
    header_name: u8,
    /// The request body: its sensitive fields are secrets.
    body: Bytes,
    /// Everything else registered.
    more: Option<Box<Parts>>,
}

#[derive(Clone, Default)]
struct Parts {
    /// Secret values registered as such.
    values: Vec<Box<str>>,
    /// Values of the request's other credential headers, with their
    /// names (as `header_name`).
    headers: Vec<(u8, HeaderValue)>,
    /// Request bodies and query strings: their sensitive fields are secrets.
    sources: Vec<Bytes>,
    /// Extra sensitive field names of the service.
    keys: Vec<Cow<'static, str>>,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.more.as_deref();
        let (header, body) = (self.header.is_some(), !self.body.is_empty());
        f.debug_struct("Scrubber")
            .field("values", &p.map_or(0, |p| p.values.len()))
            .field(
                "headers",
                &(p.map_or(0, |p| p.headers.len()) + usize::from(header)),
            )
            .field(
                "sources",
                &(p.map_or(0, |p| p.sources.len()) + usize::from(body)),
            )
            .finish()
    }
}

impl Scrubber {
    /// A scrubber that knows no secret value yet (it still masks sensitive
    /// keys and CAS tickets).
    pub const fn new() -> Self {
        Scrubber {
            header: None,
            header_name: UNNAMED,
            body: Bytes::new(),
            more: None,
        }
    }

    fn parts(&mut self) -> &mut Parts {
        self.more.get_or_insert_with(Box::default)
    }

    /// The credential header values registered.
    fn header_values(&self) -> impl Iterator<Item = &HeaderValue> {
        self.named_headers().map(|(_, v)| v)
    }

    /// The credential header values registered, with their names (an
    /// index in [`SENSITIVE_HEADERS`], or [`UNNAMED`]), in the request's
    /// order.
    fn named_headers(&self) -> impl Iterator<Item = (u8, &HeaderValue)> {
        let more = self.more.as_deref().map_or(&[][..], |p| &p.headers[..]);
        let first = self.header.as_ref().map(|v| (self.header_name, v));
        first.into_iter().chain(more.iter().map(|(n, v)| (*n, v)))
    }

    /// The first value of each header of `names` the request carried (the
    /// credential it sent, for an auth strategy that was refused it): kept
    /// here, so the request path does not copy it a second time.
    pub(crate) fn sent_headers(&self, names: &[&'static str]) -> http::HeaderMap {
        let mut out = http::HeaderMap::new();
        for (i, v) in self.named_headers() {
            let Some(name) = SENSITIVE_HEADERS.get(usize::from(i)) else {
                continue;
            };
            if names.contains(name) && !out.contains_key(*name) {
                out.insert(http::HeaderName::from_static(name), v.clone());
            }
        }
        out
    }

    /// The bodies and query strings registered.
    fn source_list(&self) -> impl Iterator<Item = &Bytes> {
        let more = self.more.as_deref().map_or(&[][..], |p| &p.sources[..]);
        std::iter::once(&self.body)
            .filter(|b| !b.is_empty())
            .chain(more)
    }

    /// Registers a secret value.
    pub fn add_secret(&mut self, value: &str) {
        if value.len() >= MIN_SECRET_LEN {
            self.parts().values.push(value.into());
        }
    }

    /// [`add_secret`](Self::add_secret), chained.
    pub fn with_secret(mut self, value: &str) -> Self {
        self.add_secret(value);
        self
    }

    /// Registers an extra sensitive field name for this service (besides
    /// [`SENSITIVE_KEYS`]).
    pub fn add_key(&mut self, key: impl Into<Cow<'static, str>>) {
        let key: Cow<'static, str> = key.into();
        let key = match normalize_key(&key) {
            Cow::Borrowed(_) => key,
            Cow::Owned(k) => Cow::Owned(k),
        };
        self.parts().keys.push(key);
    }

    /// [`add_key`](Self::add_key), chained.
    pub fn with_key(mut self, key: impl Into<Cow<'static, str>>) -> Self {
        self.add_key(key);
        self
    }

    /// Registers a request body (or query string): the values of its
    /// sensitive fields (JSON at any depth, or form) are secrets.
    pub fn add_source(&mut self, body: Bytes) {
        if !body.is_empty() {
            self.parts().sources.push(body);
        }
    }

    /// Registers every secret `request` carries: the values of its
    /// credential headers ([`SENSITIVE_HEADERS`]; `Basic` is decoded), the
    /// sensitive fields of its query and body. A secret in the path (a
    /// token being validated) cannot be told from an id: register it with
    /// [`add_secret`](Self::add_secret) (`Operation::secret` does).
    pub fn add_request(&mut self, request: &HttpRequest) {
        // One pass over the (few) headers; names are already lower case.
        for (name, v) in request.headers() {
            let Some(i) = SENSITIVE_HEADERS.iter().position(|h| *h == name.as_str()) else {
                continue;
            };
            // Fewer than 256 names: the index fits.
            let i = i as u8;
            if self.header.is_none() {
                self.header = Some(v.clone());
                self.header_name = i;
            } else {
                self.parts().headers.push((i, v.clone()));
            }
        }
        if let Some(q) = request.uri().query() {
            self.add_source(Bytes::copy_from_slice(q.as_bytes()));
        }
        let body = request.body();
        if self.body.is_empty() {
            self.body = body.clone();
        } else {
            self.add_source(body.clone());
        }
    }

    /// A scrubber for `request` (see [`add_request`](Self::add_request)).
    pub fn request(request: &HttpRequest) -> Self {
        let mut s = Scrubber::new();
        s.add_request(request);
        s
    }

    /// Adds everything `other` knows.
    pub fn merge(&mut self, other: &Scrubber) {
        if other.header.is_none() && other.body.is_empty() && other.more.is_none() {
            return;
        }
        let headers: Vec<(u8, HeaderValue)> = other
            .header_values()
            .map(|v| (UNNAMED, v.clone()))
            .collect();
        let sources: Vec<Bytes> = other.source_list().cloned().collect();
        let p = self.parts();
        p.headers.extend(headers);
        p.sources.extend(sources);
        if let Some(o) = other.more.as_deref() {
            p.values.extend(o.values.iter().cloned());
            p.keys.extend(o.keys.iter().cloned());
        }
    }

    /// Stores this scrubber in the answer's extensions, for
    /// [`of`](Self::of).
    pub fn attach(self, response: &mut HttpResponse) {
        response.extensions_mut().insert(self);
    }

    /// The scrubber of the request that got `response` (empty when none
    /// was attached: keys and tickets are still masked).
    pub fn of(response: &HttpResponse) -> Scrubber {
        response
            .extensions()
            .get::<Scrubber>()
            .cloned()
            .unwrap_or_default()
    }

    /// Takes the scrubber out of the answer's extensions (no copy; empty
    /// when none was attached).
    pub fn take(response: &mut HttpResponse) -> Scrubber {
        response
            .extensions_mut()
            .remove::<Scrubber>()
            .unwrap_or_default()
    }

    /// True for a field name this scrubber treats as secret.
    pub fn is_sensitive_key(&self, key: &str) -> bool {
        is_sensitive_key(key)
            || self.more.as_deref().is_some_and(|p| {
                let k = normalize_key(key);
                p.keys.contains(&k)
            })
    }

    /// The secret values known, each in every form it may be echoed in,
    /// longest first.
    fn needles(&self) -> Vec<String> {
        let mut raw: Vec<String> = match self.more.as_deref() {
            Some(p) => p.values.iter().map(|v| v.to_string()).collect(),
            None => Vec::new(),
        };
        for h in self.header_values() {
            header_secrets(h, &mut raw);
        }
        for src in self.source_list() {
            self.source_secrets(src, &mut raw);
        }
        if raw.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for v in raw.iter().filter(|v| v.len() >= MIN_SECRET_LEN) {
            forms(v, &mut out);
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out.dedup();
        out
    }

    fn source_secrets(&self, src: &[u8], out: &mut Vec<String>) {
        if let Ok(v) = serde_json::from_slice::<Value>(src) {
            self.collect_json(&v, false, out);
            return;
        }
        let Ok(text) = std::str::from_utf8(src) else {
            return;
        };
        if looks_like_form(text) {
            for (k, v) in form_urlencoded::parse(text.trim().as_bytes()) {
                if self.is_sensitive_key(&k) {
                    out.push(v.into_owned());
                }
            }
        }
    }

    fn collect_json(&self, v: &Value, under: bool, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, val) in map {
                    let s = self.is_sensitive_key(k)
                        || (under && UNDER_SENSITIVE.contains(&k.as_str()));
                    match val {
                        Value::String(x) if s => out.push(x.clone()),
                        _ => self.collect_json(val, s, out),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(x) if under => out.push(x.clone()),
                        _ => self.collect_json(item, under, out),
                    }
                }
            }
            _ => {}
        }
    }

    fn mask_json(&self, v: &mut Value, under: bool) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    let s = self.is_sensitive_key(k)
                        || (under && UNDER_SENSITIVE.contains(&k.as_str()));
                    match val {
                        Value::String(_) if s => *val = Value::String(MASK.to_owned()),
                        _ => self.mask_json(val, s),
                    }
                }
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    match item {
                        Value::String(_) if under => *item = Value::String(MASK.to_owned()),
                        _ => self.mask_json(item, under),
                    }
                }
            }
            _ => {}
        }
    }

    /// Masks the known values (every form) in `text`, nothing else.
    fn values_only(&self, text: &str) -> String {
        let mut s = text.to_owned();
        for n in self.needles() {
            if s.contains(n.as_str()) {
                s = s.replace(n.as_str(), MASK);
            }
        }
        s
    }

    /// Masks only the known values (every encoded form) in `text`, and
    /// changes nothing else (for output that must stay as it is otherwise).
    pub fn known_values(&self, text: &str) -> String {
        self.values_only(text)
    }

    /// Free text (a log line, an error message, an HTML page): known
    /// values in every form, `key: value` / `key=value` pairs with a
    /// sensitive key, and CAS tickets are masked.
    pub fn text(&self, text: &str) -> String {
        tickets(&self.mask_pairs(&self.values_only(text)))
    }

    /// A whole body with every secret masked: JSON is parsed and masked by
    /// key at any depth, a form field by field; then known values and
    /// tickets are masked everywhere.
    pub fn body(&self, bytes: &[u8]) -> String {
        if let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
            self.mask_json(&mut v, false);
            return tickets(&self.values_only(&v.to_string()));
        }
        let text = String::from_utf8_lossy(bytes);
        if looks_like_form(&text) {
            let pairs: Vec<String> = form_urlencoded::parse(text.trim().as_bytes())
                .map(|(k, v)| {
                    if self.is_sensitive_key(&k) {
                        format!("{k}={MASK}")
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            return tickets(&self.values_only(&pairs.join("&")));
        }
        self.text(&text)
    }

    /// [`body`](Self::body), then cut to [`EXCERPT_LIMIT`] bytes.
    pub fn excerpt(&self, bytes: &[u8]) -> String {
        let mut s = self.body(bytes);
        truncate(&mut s, EXCERPT_LIMIT);
        s
    }

    /// Masks the value after a sensitive key in `"key": "value"`,
    /// `key: value` and `key=value` (text that did not parse: cut JSON,
    /// HTML, a log line).
    fn mask_pairs(&self, text: &str) -> String {
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < b.len() {
            if !is_key_byte(b[i]) || (i > 0 && is_key_byte(b[i - 1])) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && is_key_byte(b[i]) {
                i += 1;
            }
            let key = &text[start..i];
            // `astakos.validate_token: HTTP 404`, `/tokens/x`: a name or a
            // path, not a field.
            if start > 0 && matches!(b[start - 1], b'.' | b'/' | b'{') {
                continue;
            }
            let mut j = i;
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                j += 1;
            }
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            if j >= b.len() || !(b[j] == b':' || b[j] == b'=') || !self.is_sensitive_key(key) {
                continue;
            }
            j += 1;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            let (vstart, vend) = if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let mut k = j + 1;
                while k < b.len() && b[k] != q {
                    if b[k] == b'\\' {
                        k += 1;
                    }
                    k += 1;
                }
                (j + 1, k.min(b.len()))
            } else {
                let mut k = j;
                while k < b.len() && !b" \t\r\n&\"'<>,;{}[]".contains(&b[k]) {
                    k += 1;
                }
                (j, k)
            };
            let value = &text[vstart..vend];
            // `"code": 404`, `token=***`: nothing secret to hide.
            let harmless = value.is_empty()
                || value == MASK
                || (value.len() <= 3 && value.bytes().all(|c| c.is_ascii_digit()))
                || matches!(value, "null" | "true" | "false");
            if !harmless {
                out.push_str(&text[copied..vstart]);
                out.push_str(MASK);
                copied = vend;
            }
            i = vend.max(i);
        }
        out.push_str(&text[copied..]);
        out
    }
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn looks_like_form(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.contains('=') && !t.contains(char::is_whitespace) && !t.starts_with('<')
}

/// The secrets in one credential header value: the whole value, and for
/// `Authorization` its credential (`Basic` decoded), for cookies each value.
fn header_secrets(h: &HeaderValue, out: &mut Vec<String>) {
    let v = String::from_utf8_lossy(h.as_bytes());
    let v = v.trim();
    out.push(v.to_owned());
    if let Some((scheme, rest)) = v.split_once(' ') {
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            out.push(rest.to_owned());
            if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) {
                let decoded = String::from_utf8_lossy(&decoded).into_owned();
                if let Some((_, secret)) = decoded.split_once(':') {
                    out.push(secret.to_owned());
                }
                out.push(decoded);
            }
            return;
        }
        if scheme.bytes().all(|c| c.is_ascii_alphabetic()) && !rest.contains(' ') {
            // `Bearer x`, `Token x`.
            out.push(rest.to_owned());
            return;
        }
    }
    if v.contains('=') {
        // Cookies: every value.
        for pair in v.split(';') {
            if let Some((_, value)) = pair.split_once('=') {
                out.push(value.trim().to_owned());
            }
        }
    }
}

/// Unreserved characters pass; everything else is `%XX` (RFC 3986).
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `v` in every form a server may echo it in.
fn forms(v: &str, out: &mut Vec<String>) {
    let mut push = |s: String| {
        if s.len() >= MIN_SECRET_LEN && !out.contains(&s) {
            out.push(s);
        }
    };
    push(v.to_owned());
    if let Ok(json) = serde_json::to_string(v) {
        push(json.trim_matches('"').to_owned());
    }
    push(form_urlencoded::byte_serialize(v.as_bytes()).collect());
    push(utf8_percent_encode(v, STRICT).to_string());
    push(crate::pipeline::encode_segment(v));
    push(
        v.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;"),
    );
    push(v.replace('\'', "&#x27;").replace('"', "&#34;"));
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for engine in engines {
        for fragment in base64_fragments(&engine, v.as_bytes()) {
            push(fragment);
        }
    }
}

/// The base64 text of `v` at each of the three byte alignments it can have
/// inside a longer encoded text: only the characters that depend on `v`'s
/// bytes alone (so `base64("id:" + v)` contains one of them).
fn base64_fragments(engine: &impl Engine, v: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for shift in 0..3usize {
        let mut buf = vec![0u8; shift];
        buf.extend_from_slice(v);
        let enc = engine.encode(&buf);
        // Char c covers bits [6c, 6c + 6); v covers [8 shift, 8 (shift + len)).
        let start = (8 * shift).div_ceil(6);
        let end = (8 * (shift + v.len())) / 6;
        if end > start && end - start >= MIN_BASE64_LEN && end <= enc.len() {
            out.push(enc[start..end].to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The credential a refused request sent is the first value of each
    /// credential header, in the request's order; a merged-in value (name
    /// unknown) is not one of them.
    #[test]
    fn sent_headers_are_the_first_of_each_name() {
        let req = http::Request::builder()
            .uri("http://h/x")
            .header("cookie", "a=1")
            .header("accept", "application/json")
            .header("x-auth-token", "tok-1")
            .header("cookie", "b=2")
            .header("authorization", "Bearer abc")
            .body(Bytes::new())
            .unwrap();
        let mut s = Scrubber::request(&req);
        let other = http::Request::builder()
            .uri("http://h/login")
            .header("x-subject-token", "other")
            .body(Bytes::new())
            .unwrap();
        s.merge(&Scrubber::request(&other));
        let sent = s.sent_headers(&["authorization", "cookie", "x-auth-token", "x-subject-token"]);
        assert_eq!(sent.len(), 3);
        assert_eq!(sent["cookie"], "a=1");
        assert_eq!(sent["x-auth-token"], "tok-1");
        assert_eq!(sent["authorization"], "Bearer abc");
        assert!(Scrubber::new().sent_headers(&["cookie"]).is_empty());
    }

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

    // The six leaks of issue #12, each at the level of this module (the
    // pipeline, client and CLI tests drive them end to end).

    /// Leaks 1 and 3: `{"auth":{"token":{"id":…}}}` (a request body at
    /// trace level, an error body) — the `id` under `token` is masked.
    #[test]
    fn leak_1_3_id_under_token() {
        let b = br#"{"auth":{"token":{"id":"callers-token-xyz"},"tenantName":"t1"}}"#;
        let r = body(b);
        assert!(!r.contains("callers-token-xyz"), "{r}");
        assert!(r.contains("\"tenantName\":\"t1\""), "{r}");
        let r = excerpt(br#"{"error":{"token":{"id":"echoed-token-abc","expires":"x"}}}"#);
        assert!(!r.contains("echoed-token-abc"), "{r}");
        // A list of tokens, and a number under `code` stays.
        let r = body(br#"{"tokens":["tok-aaa-111"],"error":{"code":404}}"#);
        assert!(!r.contains("tok-aaa-111") && r.contains("404"), "{r}");
    }

    /// Leak 2: an OAuth2 authorization `code` in a form body.
    #[test]
    fn leak_2_authorization_code_in_form() {
        let r = body(b"grant_type=authorization_code&code=authz-code-777&redirect_uri=x");
        assert!(!r.contains("authz-code-777"), "{r}");
        assert!(r.contains("grant_type=authorization_code"), "{r}");
        // As free text too (a line that does not parse).
        let r = Scrubber::new().text("got code=authz-code-777 from the callback");
        assert!(!r.contains("authz-code-777"), "{r}");
    }

    /// Leak 4: a secret in a JSON body over 4 KiB is masked (the body is
    /// parsed whole, then cut).
    #[test]
    fn leak_4_secret_in_big_body() {
        let filler = "x".repeat(6000);
        let b = format!(
            r#"{{"filler":"{filler}","password":"pw-late-999","access_token":"at-late-888"}}"#
        );
        let r = excerpt(b.as_bytes());
        assert!(!r.contains("pw-late-999") && !r.contains("at-late-888"));
        // Key order: a secret early, then filler: masked and still cut.
        let b = format!(r#"{{"access_token":"at-early-777","filler":"{filler}"}}"#);
        let r = excerpt(b.as_bytes());
        assert!(!r.contains("at-early-777"), "{r}");
        assert!(r.len() <= EXCERPT_LIMIT + 3);
        // Cut JSON from the server: the key scan still masks it.
        let r = excerpt(br#"{"refresh_token": "rt-cut-666", "x": "#);
        assert!(!r.contains("rt-cut-666"), "{r}");
    }

    /// Leak 5: `Authorization: Basic base64(id:secret)` echoed back, raw or
    /// decoded, and the secret's own base64 inside other text.
    #[test]
    fn leak_5_basic_echoed() {
        let basic = base64::engine::general_purpose::STANDARD.encode("my-client:cl-secret-555");
        let mut req = http::Request::new(Bytes::new());
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Basic {basic}")).unwrap(),
        );
        let s = Scrubber::request(&req);
        for echo in [
            format!("<p>you sent Basic {basic}</p>"),
            "<p>you sent my-client:cl-secret-555</p>".to_owned(),
            "<p>bad secret cl-secret-555</p>".to_owned(),
        ] {
            let r = s.text(&echo);
            assert!(!r.contains(&basic) && !r.contains("cl-secret-555"), "{r}");
        }
        // Only the secret registered: its base64 at any alignment.
        let s = Scrubber::new().with_secret("cl-secret-555");
        for prefix in ["", "a", "ab", "abc:", "other-client:"] {
            let enc =
                base64::engine::general_purpose::STANDARD.encode(format!("{prefix}cl-secret-555"));
            let r = s.text(&format!("echo {enc} end"));
            assert!(!r.contains(&enc), "{prefix}: {r}");
        }
    }

    /// Leak 6: a token that is not the client's own (validated, in a path)
    /// echoed in an HTML 404 page, raw or URL-encoded.
    #[test]
    fn leak_6_validated_token_in_html() {
        let s = Scrubber::new().with_secret("val/tok+en 6");
        let page = "<html><body>Token val/tok+en 6 (val%2Ftok%2Ben%206, val%2Ftok%2Ben+6) not found at /tokens/val%2Ftok%2Ben%206</body></html>";
        let r = s.excerpt(page.as_bytes());
        assert!(!r.contains("val"), "{r}");
        assert!(r.contains("not found"), "{r}");
    }

    #[test]
    fn cookies_bearer_and_per_service_keys() {
        let mut req = http::Request::new(Bytes::from_static(br#"{"acct_pin":"pin-0042"}"#));
        req.headers_mut().insert(
            "cookie",
            HeaderValue::from_static("JSESSIONID=sess-abc-123; lang=en"),
        );
        req.headers_mut()
            .insert("x-auth-token", HeaderValue::from_static("hdr-token-456"));
        let s = Scrubber::request(&req).with_key("acct_pin");
        let r = s.text("sess-abc-123 hdr-token-456 pin-0042 lang");
        assert_eq!(r, "*** *** *** lang");
        let r = s.body(br#"{"acct_pin":"other"}"#);
        assert_eq!(r, r#"{"acct_pin":"***"}"#);
        assert!(!format!("{s:?}").contains("sess"));
    }

    /// A request's first credential header and its body are kept inline:
    /// they still reach a merged scrubber, with the second header and
    /// the query that go to the shared parts.
    #[test]
    fn inline_request_parts_survive_a_merge() {
        let mut req = http::Request::new(Bytes::from_static(br#"{"password":"body-pw-321"}"#));
        *req.uri_mut() = http::Uri::from_static("http://h/x?api_key=query-key-654");
        req.headers_mut()
            .insert("x-auth-token", HeaderValue::from_static("hdr-tok-111"));
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_static("Bearer hdr-bearer-222"),
        );
        let mut merged = Scrubber::new();
        merged.merge(&Scrubber::request(&req));
        let r = merged.text("hdr-tok-111 hdr-bearer-222 body-pw-321 query-key-654 ok");
        assert_eq!(r, "*** *** *** *** ok");
        assert_eq!(
            format!("{merged:?}"),
            "Scrubber { values: 0, headers: 2, sources: 2 }"
        );
    }

    #[test]
    fn pairs_in_free_text() {
        let s = Scrubber::new();
        let r = s.text(r#"password: hunter22, "client_secret" : "c s", code=404 token=***"#);
        assert_eq!(
            r,
            r#"password: ***, "client_secret" : "***", code=404 token=***"#
        );
    }
}
