//! The one request path every service crate uses:
//! build the request → [ auth (fresh credential each attempt) → transport →
//! classify → maybe wait and retry ] → map the error → decode.
//!
//! Service crates describe an [`Operation`] and call [`Pipeline::json`] (or
//! [`Pipeline::send`]); they never loop on their own.

use crate::auth::{AuthStrategy, NoAuth};
use crate::error::{ApiError, AuthError, AuthErrorKind, Error, ErrorParser, Result};
use crate::redact;
use crate::retry::{Idempotency, RetryConfig, TokenBucket};
use crate::transport::{
    Exchange, HttpRequest, HttpResponse, HttpTransport, Reached, ReqwestTransport,
};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;
use url::Url;

/// Characters percent-encoded in a path segment (RFC 3986 `pchar` minus
/// sub-delimiters that servers split on): a `/`, `?` or `#` inside an id can
/// never change the path.
pub const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b'&')
    .add(b'+')
    .add(b';')
    .add(b'=');

/// Percent-encodes one path segment.
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, PATH_SEGMENT).to_string()
}

/// One operation of a service: what to send and how it may be retried.
///
/// ```
/// use http::Method;
/// use tenantry_core::pipeline::Operation;
/// let op = Operation::new("demo.get_user", Method::GET, "/users/{id}")
///     .param("id", "a b/c")
///     .query("detail", "full");
/// assert_eq!(op.path(), "/users/a%20b%2Fc");
/// // Every `{id}` is filled; other placeholders are left for their own call.
/// let op = Operation::new("demo.x", Method::GET, "/{id}/{idx}/{id}").param("id", "é?");
/// assert_eq!(op.path(), "/%C3%A9%3F/{idx}/%C3%A9%3F");
/// ```
#[derive(Debug, Clone)]
pub struct Operation {
    name: &'static str,
    method: Method,
    template: &'static str,
    path: std::borrow::Cow<'static, str>,
    query: Vec<(String, String)>,
    // A list, not a map: most operations carry one or two headers, and the
    // request's own map is built once, sized, in `build_request`.
    headers: Vec<(HeaderName, HeaderValue)>,
    // An input error (field, reason) is kept here and reported, before
    // anything is sent, when the operation runs.
    body: std::result::Result<Bytes, (String, String)>,
    idempotency: Idempotency,
    // Secrets the request carries where they cannot be told from other
    // values (a token in the path): masked in the answer, errors and logs.
    secrets: Vec<crate::Secret>,
    query_style: crate::encode::QueryStyle,
    success: Option<&'static [u16]>,
    // A streamed body (replaces `body`), opened at each attempt.
    multipart: Option<crate::multipart::Multipart>,
}

/// An operation declared once, as a `const` (STYLE §1.6): name, method,
/// path template, idempotency and the statuses that count as success.
/// [`op`](Self::op) starts an [`Operation`] from it, which takes the typed
/// path parameters, the query (from a serde builder), the body; then
/// [`Pipeline::call`] does path, auth, send, classify, retry, status →
/// error (through the service's parser), decoding with the field path, and
/// scrubbing.
///
/// ```
/// use tenantry_core::pipeline::Decl;
/// const GET_USER: Decl = Decl::get("demo.get_user", "/users/{id}");
/// const ACCEPT: Decl = Decl::post("demo.accept", "/commissions/{serial}/action")
///     .success(&[200, 202]);
/// let op = GET_USER.op().param("id", "a/b");
/// assert_eq!(op.path(), "/users/a%2Fb");
/// assert_eq!(ACCEPT.name, "demo.accept");
/// ```
#[derive(Debug, Clone)]
pub struct Decl {
    /// `service.operation`.
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, `{param}` placeholders included.
    pub path: &'static str,
    /// How it may be retried.
    pub idempotency: Idempotency,
    /// The statuses that are success (`None`: any 2xx).
    pub success: Option<&'static [u16]>,
    /// How the query is encoded.
    pub query_style: crate::encode::QueryStyle,
}

impl Decl {
    /// An operation with `method`, idempotent as its method says, 2xx success.
    pub const fn new(name: &'static str, method: Method, path: &'static str) -> Self {
        Decl {
            name,
            method,
            path,
            idempotency: Idempotency::FromMethod,
            success: None,
            query_style: crate::encode::QueryStyle::Form,
        }
    }
    /// A GET.
    pub const fn get(name: &'static str, path: &'static str) -> Self {
        Self::new(name, Method::GET, path)
    }
    /// A POST.
    pub const fn post(name: &'static str, path: &'static str) -> Self {
        Self::new(name, Method::POST, path)
    }
    /// A PUT.
    pub const fn put(name: &'static str, path: &'static str) -> Self {
        Self::new(name, Method::PUT, path)
    }
    /// A DELETE.
    pub const fn delete(name: &'static str, path: &'static str) -> Self {
        Self::new(name, Method::DELETE, path)
    }
    /// Safe to send twice whatever the method (the service deduplicates
    /// it, or it only reads).
    pub const fn idempotent(mut self) -> Self {
        self.idempotency = Idempotency::Idempotent;
        self
    }
    /// Never sent twice once it may have reached the server.
    pub const fn non_idempotent(mut self) -> Self {
        self.idempotency = Idempotency::NonIdempotent;
        self
    }
    /// Only these statuses are success.
    pub const fn success(mut self, statuses: &'static [u16]) -> Self {
        self.success = Some(statuses);
        self
    }
    /// The query encoding.
    pub const fn query_style(mut self, style: crate::encode::QueryStyle) -> Self {
        self.query_style = style;
        self
    }
    /// A new [`Operation`] of this declaration.
    pub fn op(&self) -> Operation {
        let mut op =
            Operation::new(self.name, self.method.clone(), self.path).idempotency(self.idempotency);
        op.success = self.success;
        op.query_style = self.query_style;
        op
    }
}

impl Operation {
    /// `name` is `service.operation`; `template` is the path with `{param}`
    /// placeholders (it is also what tracing shows).
    pub fn new(name: &'static str, method: Method, template: &'static str) -> Self {
        Operation {
            name,
            method,
            template,
            path: std::borrow::Cow::Borrowed(template),
            query: Vec::new(),
            headers: Vec::new(),
            body: Ok(Bytes::new()),
            idempotency: Idempotency::FromMethod,
            secrets: Vec::new(),
            query_style: crate::encode::QueryStyle::Form,
            success: None,
            multipart: None,
        }
    }

    /// Appends the fields of a serde builder as query pairs, in field order
    /// (`skip_serializing_if` leaves out what is unset); encoded in the
    /// operation's [`QueryStyle`](crate::encode::QueryStyle).
    pub fn query_from<T: serde::Serialize + ?Sized>(mut self, query: &T) -> Self {
        match crate::encode::query_pairs(query) {
            Ok(pairs) => self.query.extend(pairs),
            Err(e) => self.body = Err(input_error(e)),
        }
        self
    }

    /// A JSON body written as Python's `json.dumps` writes it (for wire
    /// parity with a Python reference client), `Content-Type:
    /// application/json`.
    pub fn python_json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.multipart = None;
        self.body = crate::encode::python_json(body)
            .map(Bytes::from)
            .map_err(input_error);
        self.set_header(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self
    }

    /// Whether `status` is a success for this operation.
    pub fn is_success(&self, status: u16) -> bool {
        match self.success {
            Some(list) => list.contains(&status),
            None => (200..300).contains(&status),
        }
    }

    /// Fills `{name}` in the path with `value`, percent-encoded.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        // Found and written in one pass: no placeholder string, no
        // intermediate encoded copy (every path parameter of every request
        // goes through here).
        let is_placeholder = |rest: &str| {
            rest.strip_prefix(name)
                .is_some_and(|after| after.starts_with('}'))
        };
        let path: &str = &self.path;
        if !path
            .match_indices('{')
            .any(|(i, _)| is_placeholder(&path[i + 1..]))
        {
            return self;
        }
        let mut out = String::with_capacity(path.len() + value.len());
        let mut rest = path;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            if is_placeholder(&rest[i + 1..]) {
                out.extend(utf8_percent_encode(value, PATH_SEGMENT));
                rest = &rest[i + name.len() + 2..];
            } else {
                out.push('{');
                rest = &rest[i + 1..];
            }
        }
        out.push_str(rest);
        self.path = std::borrow::Cow::Owned(out);
        self
    }

    /// Appends the path verbatim (already encoded), for paths built elsewhere.
    pub fn raw_path(mut self, path: impl Into<String>) -> Self {
        self.path = std::borrow::Cow::Owned(path.into());
        self
    }

    /// Adds a query parameter (form-encoded: space as `+`).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds a query parameter when `value` is `Some`.
    pub fn query_opt(self, key: impl Into<String>, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header (an invalid one is reported when the operation runs).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        match HeaderValue::from_str(value) {
            Ok(v) => self.headers.push((HeaderName::from_static(name), v)),
            Err(_) => self.body = Err((name.to_owned(), "not a valid header value".to_owned())),
        }
        self
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.multipart = None;
        self.body = serde_json::to_vec(body)
            .map(Bytes::from)
            .map_err(|e| ("body".to_owned(), format!("cannot encode as JSON: {e}")));
        self.set_header(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self
    }

    /// A form body (`application/x-www-form-urlencoded`), every value encoded.
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        self.multipart = None;
        self.body = Ok(crate::auth::form(pairs));
        self.set_header(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }

    /// A raw body with its content type.
    pub fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.multipart = None;
        self.body = Ok(body.into());
        self.set_header(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        self
    }

    /// A raw body with a content type built at run time (a multipart
    /// body's `boundary`, say); an invalid one is reported, before
    /// anything is sent, when the operation runs.
    ///
    /// ```
    /// use tenantry_core::{Decl, Pipeline};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// const UPLOAD: Decl = Decl::post("demo.upload", "/files");
    /// let op = UPLOAD.op().body_with_type("multipart/form-data; boundary=ab12", "--ab12--\r\n");
    /// # let _ = op;
    /// let bad = UPLOAD.op().body_with_type("text/plain\n", "x");
    /// let p = Pipeline::builder("demo").base_url("http://127.0.0.1:9").build().unwrap();
    /// let e = p.call::<serde_json::Value>(&bad).await.unwrap_err();
    /// assert!(matches!(e, tenantry_core::Error::InvalidInput { ref field, .. } if field == "content-type"));
    /// # }
    /// ```
    pub fn body_with_type(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        match HeaderValue::from_str(content_type) {
            Ok(v) => {
                self.multipart = None;
                self.body = Ok(body.into());
                self.set_header(http::header::CONTENT_TYPE, v);
            }
            Err(_) => {
                self.body = Err((
                    "content-type".to_owned(),
                    "not a valid header value".to_owned(),
                ))
            }
        }
        self
    }

    /// A streamed `multipart/form-data` body (see [`crate::multipart`]):
    /// its files are opened at each attempt and read while the request is
    /// sent; its `Content-Type` (with the boundary) is set then. Such a
    /// request is never sent again once bytes may have been sent, whatever
    /// its method or idempotency; only a failure that surely never reached
    /// the server is retried, and only when the form
    /// [is replayable](crate::multipart::Multipart::is_replayable). A
    /// rejected credential (a 401: the server did nothing) logs in again
    /// and sends a replayable form once more, as any request; a form with
    /// an open file is not replayed (the next call logs in again).
    ///
    /// ```
    /// use tenantry_core::multipart::{FileSource, Multipart};
    /// use tenantry_core::Decl;
    /// const UPLOAD: Decl = Decl::post("demo.upload", "/files");
    /// let op = UPLOAD
    ///     .op()
    ///     .multipart(Multipart::new().file("f", "a.bin", FileSource::path("a.bin")));
    /// assert!(op.is_streamed());
    /// ```
    pub fn multipart(mut self, form: crate::multipart::Multipart) -> Self {
        self.multipart = Some(form);
        self.headers
            .retain(|(k, _)| *k != http::header::CONTENT_TYPE);
        if self.body.is_ok() {
            self.body = Ok(Bytes::new());
        }
        self
    }

    /// Whether the body is streamed ([`multipart`](Self::multipart)).
    pub fn is_streamed(&self) -> bool {
        self.multipart.is_some()
    }

    /// Replaces every value of `name` with `value`.
    fn set_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, value));
    }

    /// Registers a secret this request carries where it cannot be told
    /// from an ordinary value (a token in the path, say), so that it is
    /// masked in the answer's errors and in every log line. Credential
    /// headers and sensitive query or body fields are registered
    /// automatically (see [`redact::Scrubber::add_request`]).
    pub fn secret(mut self, secret: &crate::Secret) -> Self {
        self.secrets.push(secret.clone());
        self
    }

    /// Overrides the method-based idempotency (for example a POST the
    /// service deduplicates).
    pub fn idempotency(mut self, i: Idempotency) -> Self {
        self.idempotency = i;
        self
    }

    /// The operation name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The path as it will be sent (placeholders filled, no query).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }
}

#[derive(Debug)]
struct Inner {
    service: &'static str,
    base_url: Option<Url>,
    transport: Arc<dyn HttpTransport>,
    auth: Arc<dyn AuthStrategy>,
    retry: RetryConfig,
    bucket: Arc<TokenBucket>,
    error_parser: Option<ErrorParser>,
    headers: HeaderMap,
}

/// Transport + auth + retry for one service. Cheap to clone: clones share
/// the connection pool and the credential cache.
#[derive(Debug, Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

/// Builder of [`Pipeline`].
#[derive(Debug)]
pub struct PipelineBuilder {
    service: &'static str,
    base_url: Option<String>,
    transport: Option<Arc<dyn HttpTransport>>,
    auth: Arc<dyn AuthStrategy>,
    retry: RetryConfig,
    bucket: Option<Arc<TokenBucket>>,
    error_parser: Option<ErrorParser>,
    headers: Vec<(String, String)>,
}

impl PipelineBuilder {
    /// The service root; paths are appended to it. Optional when the auth
    /// strategy supplies the endpoint (Keystone).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// The transport (default: [`ReqwestTransport`] with default settings).
    pub fn transport(mut self, t: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(t);
        self
    }
    /// The auth strategy (default: none).
    pub fn auth(mut self, a: Arc<dyn AuthStrategy>) -> Self {
        self.auth = a;
        self
    }
    /// The retry policy (default: [`RetryConfig::standard`]).
    pub fn retry(mut self, r: RetryConfig) -> Self {
        self.retry = r;
        self
    }
    /// The retry token bucket (default: a fresh
    /// [`TokenBucket::default`], shared by this pipeline's clones); pass
    /// one bucket to several pipelines to make them share it.
    pub fn token_bucket(mut self, b: Arc<TokenBucket>) -> Self {
        self.bucket = Some(b);
        self
    }
    /// The service's error-format parser: it fills [`ApiError`]'s code,
    /// message and typed detail from an error answer (default: none, the
    /// raw text).
    pub fn error_parser(mut self, p: ErrorParser) -> Self {
        self.error_parser = Some(p);
        self
    }
    /// A header sent on every request of this pipeline.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Validates and builds.
    pub fn build(self) -> Result<Pipeline> {
        let base_url = self
            .base_url
            .map(|u| {
                let u = Url::parse(u.trim())
                    .map_err(|e| Error::Config(format!("bad base URL `{u}`: {e}")))?;
                if u.cannot_be_a_base() || !matches!(u.scheme(), "http" | "https") {
                    return Err(Error::Config(format!(
                        "base URL `{u}` is not an http(s) URL"
                    )));
                }
                Ok(u)
            })
            .transpose()?;
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::with_defaults()?),
        };
        let mut headers = HeaderMap::new();
        for (k, v) in self.headers {
            let name = HeaderName::try_from(k.as_str())
                .map_err(|_| Error::Config(format!("`{k}` is not a header name")))?;
            let value = HeaderValue::from_str(&v)
                .map_err(|_| Error::Config(format!("bad value for header `{k}`")))?;
            headers.append(name, value);
        }
        Ok(Pipeline {
            inner: Arc::new(Inner {
                service: self.service,
                base_url,
                transport,
                auth: self.auth,
                retry: self.retry,
                bucket: self.bucket.unwrap_or_default(),
                error_parser: self.error_parser,
                headers,
            }),
        })
    }
}

impl Pipeline {
    /// Starts a builder for `service` (the name tracing shows).
    pub fn builder(service: &'static str) -> PipelineBuilder {
        PipelineBuilder {
            service,
            base_url: None,
            transport: None,
            auth: Arc::new(NoAuth),
            retry: RetryConfig::standard(),
            bucket: None,
            error_parser: None,
            headers: Vec::new(),
        }
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn HttpTransport> {
        &self.inner.transport
    }

    /// The auth strategy.
    pub fn auth(&self) -> &Arc<dyn AuthStrategy> {
        &self.inner.auth
    }

    /// The retry policy.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The retry token bucket, shared by every clone of this pipeline.
    pub fn token_bucket(&self) -> &Arc<TokenBucket> {
        &self.inner.bucket
    }

    /// The configured base URL (used when the auth strategy supplies no
    /// endpoint of its own); borrowed, not copied, for every attempt.
    fn configured_base(&self) -> Result<&Url> {
        self.inner
            .base_url
            .as_ref()
            .ok_or_else(|| Error::Config(format!("{}: no base URL configured", self.inner.service)))
    }

    /// The request of `op` on `base`, and its URL (parsed; the request's
    /// URI is the same URL).
    fn build_request(&self, base: &Url, op: &Operation) -> Result<(HttpRequest, Url)> {
        let body = op.body.clone().map_err(|(field, reason)| {
            Error::invalid_input(field, format!("{}: {reason}", op.name))
        })?;
        let url = request_url(base, op).map_err(|e| bad_url(op.name, e))?;
        let uri = http::Uri::try_from(url.as_str()).map_err(|e| bad_url(op.name, e))?;
        let mut req = http::Request::new(body);
        *req.method_mut() = op.method.clone();
        *req.uri_mut() = uri;
        let headers = req.headers_mut();
        for (k, v) in &self.inner.headers {
            // The operation's own value wins over a default.
            if !op.headers.iter().any(|(name, _)| name == k) {
                headers.append(k.clone(), v.clone());
            }
        }
        for (k, v) in &op.headers {
            headers.append(k.clone(), v.clone());
        }
        Ok((req, url))
    }

    /// Sends `op`; any final status is returned as it is (no status check).
    /// A non-2xx answer carries the request's [`redact::Scrubber`] (see
    /// [`redact::Scrubber::of`]).
    pub async fn send_raw(&self, op: &Operation) -> Result<HttpResponse> {
        let (mut resp, scrubber) = self.send_scrubbed(op).await?;
        if !resp.status().is_success() {
            scrubber.attach(&mut resp);
        }
        Ok(resp)
    }

    /// [`send_raw`](Self::send_raw), with the scrubber that knows every
    /// secret the request carried, for errors built from the answer (a
    /// 2xx body that does not decode, say) and for showing it.
    pub async fn send_scrubbed(&self, op: &Operation) -> Result<(HttpResponse, redact::Scrubber)> {
        let span = tracing::info_span!(
            "tenantry.request",
            service = self.inner.service,
            operation = op.name,
            method = %op.method,
            path = op.template,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let mut attempts: u32 = 0;
        // Entered on every poll only when a subscriber listens to it;
        // otherwise the run is awaited bare.
        let result = if span.is_disabled() {
            self.run(op, &span, started, &mut attempts, None).await
        } else {
            self.run(op, &span, started, &mut attempts, None)
                .instrument(span.clone())
                .await
        };
        // One line per request (the CLI's `-v`): what was asked, what came
        // back, how long it took, in how many attempts.
        if tracing::enabled!(target: "tenantry::request", tracing::Level::INFO) {
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match &result {
                Ok((resp, _)) => tracing::info!(
                    target: "tenantry::request",
                    "{} {} {} -> {} in {elapsed_ms} ms ({attempts} attempt{})",
                    op.name, op.method, op.template, resp.status().as_u16(),
                    if attempts == 1 { "" } else { "s" },
                ),
                Err(e) => tracing::info!(
                    target: "tenantry::request",
                    "{} {} {} -> failed in {elapsed_ms} ms ({attempts} attempt{}): {}",
                    op.name, op.method, op.template,
                    if attempts == 1 { "" } else { "s" },
                    error_kind(e),
                ),
            }
        }
        result
    }

    /// The one attempt loop of every request: a fresh credential per
    /// attempt, one new login after a rejection, the retry policy and its
    /// token bucket. With `download`, the request is a download: a
    /// successful answer comes back with its head only, its body left in
    /// `download` (see [`open_stream`](Self::open_stream)).
    ///
    /// The steps most requests never take (a streamed body, a trace line,
    /// a rejection, a retry) are functions of their own, boxed where they
    /// wait, and so is an attempt's preparation ([`prepare`](Self::prepare)),
    /// which ends before the answer is awaited: the loop keeps only what
    /// every request needs while it waits.
    async fn run(
        &self,
        op: &Operation,
        span: &tracing::Span,
        started: Instant,
        attempts: &mut u32,
        mut download: Option<&mut Option<Download>>,
    ) -> Result<(HttpResponse, redact::Scrubber)> {
        let idempotent = op.idempotency.is_idempotent(&op.method);
        let auth = self.inner.auth.as_ref();
        let mut attempt: u32 = 0;
        let mut relogged = false;
        loop {
            attempt += 1;
            *attempts = attempt;
            span.record("attempt", attempt);
            let (scrubber, sending) = Box::pin(self.prepare(op, download.as_deref_mut())).await?;
            let outcome = sending.await;
            if let Ok(resp) = &outcome {
                span.record("status", resp.status().as_u16());
                if tracing::enabled!(tracing::Level::TRACE) {
                    trace_received(auth, &scrubber, resp);
                }
                if auth.is_rejection(resp) {
                    let step = Box::pin(self.rejected(op, resp, &scrubber, relogged, attempt));
                    match step.await {
                        Rejected::Again => {
                            relogged = true;
                            attempt -= 1;
                            continue;
                        }
                        Rejected::Fail(e) => {
                            record_elapsed(span, started);
                            return Err(e);
                        }
                        Rejected::Keep => {}
                    }
                }
            }
            if let Some(wait) = self.retry_wait(op, attempt, idempotent, &outcome) {
                drop(outcome);
                Box::pin(tokio::time::sleep(wait)).await;
                continue;
            }
            if outcome.as_ref().is_ok_and(|r| r.status().is_success()) {
                self.inner.bucket.reward();
            }
            record_elapsed(span, started);
            return outcome.map(|r| (r, scrubber)).map_err(Error::from);
        }
    }

    /// One attempt up to sending: the request built against this
    /// attempt's base, its streamed body opened, its credential applied,
    /// its scrubber made; the exchange is started, not awaited.
    ///
    /// A function of its own, boxed by [`run`](Self::run), so that the
    /// request and its URL (344 bytes) live in this short future and not
    /// in `run`'s, which every request keeps for its whole exchange: rustc
    /// gives a local that is live across several awaits its own bytes in
    /// the future for its whole scope, moved out or not. `run`'s future
    /// went from 760 to 392 bytes, and every caller's shrinks with it (an
    /// Astakos lookup's from 1,376 to 1,008 bytes); the box is one more
    /// allocation per attempt, of 456 bytes, freed before the exchange.
    async fn prepare<'a>(
        &'a self,
        op: &'a Operation,
        download: Option<&'a mut Option<Download>>,
    ) -> Result<(redact::Scrubber, Exchange<'a>)> {
        let transport = self.inner.transport.as_ref();
        let auth = self.inner.auth.as_ref();
        // The base for this attempt: the auth strategy's endpoint when it
        // supplies one (Keystone's catalog), else the configured one.
        let (mut req, url) = {
            let endpoint = auth.endpoint(transport).await?;
            let base = match &endpoint {
                Some(u) => u,
                None => self.configured_base()?,
            };
            self.build_request(base, op)?
        };
        // A streamed body's files are opened (a bad one fails before
        // anything is sent, a login included).
        let streamed = match &op.multipart {
            Some(m) => Some(Box::pin(open_body(m, &mut req)).await?),
            None => None,
        };
        // A fresh credential on every attempt.
        auth.apply(&mut req, transport).await?;
        // Every secret the request carries, for its answer, its errors and
        // the trace lines; and the credential sent, for the auth strategy
        // should it be refused.
        let scrubber = request_scrubber(op, &req);
        if tracing::enabled!(tracing::Level::TRACE) {
            trace_sending(auth, &scrubber, &req, streamed.as_deref());
        }
        let sending: Exchange<'a> = if let Some(body) = streamed {
            transport.send_streaming(req.map(|_| *body))
        } else if let Some(slot) = download {
            Box::pin(self.open_stream(op, req, slot))
        } else {
            transport.send_parsed(req, url)
        };
        Ok((scrubber, sending))
    }

    /// A refused credential: fail if it was refused right after a fresh
    /// login; otherwise forget it and, if a new login can help and the
    /// body can be sent again, go again once.
    async fn rejected(
        &self,
        op: &Operation,
        resp: &HttpResponse,
        scrubber: &redact::Scrubber,
        relogged: bool,
        attempt: u32,
    ) -> Rejected {
        let auth = self.inner.auth.as_ref();
        if relogged {
            let mut e = AuthError::from_answer(
                AuthErrorKind::Rejected,
                format!("{}: credentials refused after a fresh login", op.name),
                resp.status().as_u16(),
                resp.body(),
            );
            e.excerpt = auth.scrub(&scrubber.excerpt(resp.body()));
            return Rejected::Fail(e.into());
        }
        let sent = scrubber.sent_headers(&CREDENTIAL_HEADERS);
        if op.multipart.as_ref().is_some_and(|m| !m.is_replayable()) {
            // A body that cannot be read again (an open file): not
            // replayed; the next call logs in again. A refused request did
            // nothing, so a form read from paths or bytes is sent again
            // once.
            if auth.invalidate(&sent).await {
                tracing::debug!(
                    attempt,
                    "credentials refused; a streamed body is not sent again"
                );
            }
            Rejected::Keep
        } else if auth.invalidate(&sent).await {
            tracing::debug!(attempt, "credentials refused; logging in again once");
            Rejected::Again
        } else {
            Rejected::Keep
        }
    }

    /// How long to wait before sending again, if the retry policy says to
    /// and the token bucket has the tokens (taken here).
    fn retry_wait(
        &self,
        op: &Operation,
        attempt: u32,
        idempotent: bool,
        outcome: &std::result::Result<HttpResponse, crate::transport::TransportError>,
    ) -> Option<std::time::Duration> {
        let decision = self
            .inner
            .retry
            .decide(attempt, idempotent, outcome.as_ref());
        let (wait, reason) = decision?;
        // A streamed body: again only if surely never sent, and only if it
        // can be read again.
        if let Some(m) = &op.multipart {
            if !(m.is_replayable()
                && matches!(outcome, Err(e) if e.reached_server() == Reached::Never))
            {
                tracing::debug!(
                    attempt,
                    ?reason,
                    "not retrying: a streamed body may have been sent"
                );
                return None;
            }
        }
        let cost = TokenBucket::cost_of(outcome.as_ref());
        if !self.inner.bucket.try_acquire(cost) {
            tracing::debug!(
                attempt,
                ?reason,
                cost,
                "retry token bucket empty: not retrying"
            );
            return None;
        }
        tracing::debug!(
            attempt,
            ?reason,
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        Some(wait)
    }

    /// Sends `op` and requires a 2xx answer.
    pub async fn send(&self, op: &Operation) -> Result<HttpResponse> {
        let resp = self.send_raw(op).await?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(self.status_error(op.name, &resp))
        }
    }

    /// The whole request path for one operation: sends `op` (auth, retry),
    /// maps a status the operation does not accept to [`Error::Api`]
    /// through the service's error parser, and decodes the JSON answer
    /// (an empty body decodes as `null`) with the path of a bad field in
    /// [`Error::Decode`], its excerpt scrubbed. For an answer that carries
    /// nothing, decode into `serde::de::IgnoredAny`.
    pub async fn call<T: DeserializeOwned>(&self, op: &Operation) -> Result<T> {
        let (mut resp, scrubber) = self.send_scrubbed(op).await?;
        if !op.is_success(resp.status().as_u16()) {
            scrubber.attach(&mut resp);
            return Err(self.status_error(op.name, &resp));
        }
        if resp.body().iter().all(u8::is_ascii_whitespace) {
            return decode_slice(op.name, resp.status().as_u16(), b"null")
                .map_err(|e| self.scrub_error(e, &resp, &scrubber));
        }
        self.decode_with(op.name, &resp, &scrubber)
    }

    /// Sends `op`, requires a 2xx answer and decodes its JSON body.
    pub async fn json<T: DeserializeOwned>(&self, op: &Operation) -> Result<T> {
        let (mut resp, scrubber) = self.send_scrubbed(op).await?;
        if !resp.status().is_success() {
            scrubber.attach(&mut resp);
            return Err(self.status_error(op.name, &resp));
        }
        self.decode_with(op.name, &resp, &scrubber)
    }

    /// Masks the auth strategy's own secret values in `text` (for service
    /// crates that build their own error excerpts).
    pub fn scrub(&self, text: &str) -> String {
        self.inner.auth.scrub(text)
    }

    /// [`Error::Api`] for an answer, read through the service's error
    /// parser, its message and excerpt redacted and scrubbed.
    pub fn status_error(&self, operation: &str, resp: &HttpResponse) -> Error {
        let scrubber = redact::Scrubber::of(resp);
        let auth = &self.inner.auth;
        Error::Api(Box::new(ApiError::from_answer_with_excerpt(
            operation,
            resp.status().as_u16(),
            resp.headers(),
            resp.body(),
            self.inner.error_parser,
            auth.scrub(&scrubber.excerpt(resp.body())),
            |t| auth.scrub(&scrubber.text(t)),
        )))
    }

    /// Decodes a JSON body; a failure names the serde path of the bad field.
    pub fn decode<T: DeserializeOwned>(&self, operation: &str, resp: &HttpResponse) -> Result<T> {
        self.decode_with(operation, resp, &redact::Scrubber::of(resp))
    }

    fn decode_with<T: DeserializeOwned>(
        &self,
        operation: &str,
        resp: &HttpResponse,
        scrubber: &redact::Scrubber,
    ) -> Result<T> {
        decode(operation, resp).map_err(|e| self.scrub_error(e, resp, scrubber))
    }

    /// A decode error's message and excerpt with every secret of the
    /// request and the auth strategy's own masked.
    fn scrub_error(&self, e: Error, resp: &HttpResponse, scrubber: &redact::Scrubber) -> Error {
        match e {
            Error::Decode {
                operation,
                status,
                path,
                message,
                ..
            } => Error::Decode {
                operation,
                status,
                path,
                message: self.inner.auth.scrub(&scrubber.text(&message)),
                excerpt: self.inner.auth.scrub(&scrubber.excerpt(resp.body())),
            },
            other => other,
        }
    }
}

/// The URL of `op` on `base`: the base's path, then the operation's path
/// and query.
///
/// Resolved as a path-absolute reference against the parsed base
/// ([`Url::join`]), so the scheme and host are taken as they are, not
/// parsed again: parsing a whole URL per request (what
/// `reqwest::Client::post(String)` does) spends most of its time on the
/// host (IDNA processing). The URL goes to the transport with the request
/// ([`HttpTransport::send_parsed`]), so reqwest does not parse it either.
/// Callgrind, `tenantry-bench astakos`, 2,000 more commissions (4,000
/// requests; from the difference of a 6,000- and a 2,000-request run):
/// tenantry from 171.4k to 164.5k instructions per commission (-4.0%; the
/// bare reqwest floor, which parses its URL strings, 165.9k).
fn request_url(base: &Url, op: &Operation) -> std::result::Result<Url, url::ParseError> {
    let root = base.path().trim_end_matches('/');
    // Sized once: the query is usually empty, or short.
    let mut path = String::with_capacity(root.len() + 1 + op.path.len() + 16 * op.query.len());
    path.push_str(root);
    push_path_and_query(&mut path, op);
    if path.is_empty() {
        path.push('/');
    }
    if path.starts_with('/') && !path.starts_with("//") {
        base.join(&path)
    } else {
        // Not path-absolute (a raw path such as `//x` would name a host):
        // the whole URL, parsed.
        Url::parse(&format!("{}{path}", &base[..url::Position::BeforePath]))
    }
}

/// Appends the operation's path and its encoded query.
fn push_path_and_query(out: &mut String, op: &Operation) {
    if !op.path.is_empty() && !op.path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&op.path);
    if !op.query.is_empty() {
        out.push(if op.path.contains('?') { '&' } else { '?' });
        out.push_str(&crate::encode::encode_pairs(&op.query, op.query_style));
    }
}

/// What [`Pipeline::rejected`] decided.
enum Rejected {
    /// Log in again and resend.
    Again,
    /// Fail with this error.
    Fail(Error),
    /// Keep the answer (the retry policy sees it as it is).
    Keep,
}

/// Opens a streamed body for one attempt and sets its `Content-Type`
/// (boxed: the loop carries a pointer, not the form).
async fn open_body(
    m: &crate::multipart::Multipart,
    req: &mut HttpRequest,
) -> Result<Box<crate::transport::StreamingBody>> {
    let body = m.open().await?;
    req.headers_mut()
        .insert(http::header::CONTENT_TYPE, body.content_type().clone());
    Ok(Box::new(body))
}

/// The `sending` trace line: headers redacted, body scrubbed.
#[cold]
fn trace_sending(
    auth: &dyn AuthStrategy,
    scrubber: &redact::Scrubber,
    req: &HttpRequest,
    streamed: Option<&crate::transport::StreamingBody>,
) {
    let body = match streamed {
        Some(b) => b.describe(),
        None => auth.scrub(&scrubber.excerpt(req.body())),
    };
    tracing::trace!(headers = ?redact::headers(req.headers()), body = %body, "sending");
}

/// The `received` trace line: headers redacted, body scrubbed.
#[cold]
fn trace_received(auth: &dyn AuthStrategy, scrubber: &redact::Scrubber, resp: &HttpResponse) {
    tracing::trace!(
        status = resp.status().as_u16(),
        headers = ?redact::headers(resp.headers()),
        body = %auth.scrub(&scrubber.excerpt(resp.body())),
        "received"
    );
}

/// An [`Error::InvalidInput`]'s field and reason.
fn input_error(e: Error) -> (String, String) {
    match e {
        Error::InvalidInput { field, reason } => (field, reason),
        other => ("input".to_owned(), other.to_string()),
    }
}

/// The scrubber of one request: its credential headers, sensitive query
/// and body fields, and the secrets the operation registered.
fn request_scrubber(op: &Operation, req: &HttpRequest) -> redact::Scrubber {
    let mut s = redact::Scrubber::request(req);
    for secret in &op.secrets {
        s.add_secret(secret.expose());
    }
    s
}

fn bad_url(operation: &str, e: impl std::fmt::Display) -> Error {
    Error::Config(format!("{operation}: cannot build the request URL: {e}"))
}

/// The credential headers [`AuthStrategy::invalidate`] is shown, in this
/// order.
const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "cookie", "x-auth-token"];

/// A short word for a failure in the request log line (never its text,
/// which may quote an answer).
fn error_kind(e: &Error) -> String {
    match e {
        Error::Transport(t) => format!("transport {:?}", t.kind()),
        Error::Auth(a) => format!("auth {:?}", a.kind),
        Error::BodyTooLarge { status, .. } => format!("body too large (HTTP {status})"),
        Error::InvalidInput { field, .. } => format!("invalid input `{field}`"),
        Error::Config(_) => "configuration".to_owned(),
        Error::Api(a) => format!("HTTP {}", a.status),
        Error::Decode { status, .. } => format!("undecodable answer (HTTP {status})"),
    }
}

/// Records the elapsed time on the span, when anyone listens.
fn record_elapsed(span: &tracing::Span, started: Instant) {
    if !span.is_disabled() {
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
    }
}

/// Decodes a JSON body with the serde path of a bad field in the error.
pub fn decode<T: DeserializeOwned>(operation: &str, resp: &HttpResponse) -> Result<T> {
    decode_slice(operation, resp.status().as_u16(), resp.body())
}

/// [`decode`] for a body already taken out of its answer (`status` is
/// kept in the error).
pub fn decode_slice<T: DeserializeOwned>(operation: &str, status: u16, body: &[u8]) -> Result<T> {
    // The fast path decodes directly; only a failure pays for path tracking.
    if let Ok(v) = serde_json::from_slice(body) {
        return Ok(v);
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    tracked(
        operation,
        status,
        serde_path_to_error::deserialize(de),
        || redact::excerpt(body),
    )
}

/// The outcome of a path-tracking decode, its failure as [`Error::Decode`].
fn tracked<T>(
    operation: &str,
    status: u16,
    outcome: std::result::Result<T, serde_path_to_error::Error<serde_json::Error>>,
    excerpt: impl FnOnce() -> String,
) -> Result<T> {
    outcome.map_err(|e| Error::Decode {
        operation: operation.to_owned(),
        status,
        path: e.path().to_string(),
        // serde quotes the bad value, which is the server's data.
        message: redact::Scrubber::new().text(&e.inner().to_string()),
        excerpt: excerpt(),
    })
}

/// [`decode_slice`] for a part of an answer already parsed as JSON (one
/// member of an envelope, say): decoded straight from the value; only a
/// failure pays for path tracking and for writing the value out as the
/// error's excerpt.
///
/// ```
/// use serde_json::json;
/// use std::collections::BTreeMap;
/// use tenantry_core::pipeline::decode_value;
///
/// let v = json!({"a": 1, "b": "two"});
/// let e = decode_value::<BTreeMap<String, u32>>("demo.op", 200, &v).unwrap_err();
/// match e {
///     tenantry_core::Error::Decode { path, excerpt, .. } => {
///         assert_eq!(path, "b");
///         assert!(excerpt.contains("two"));
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn decode_value<T: DeserializeOwned>(
    operation: &str,
    status: u16,
    value: &serde_json::Value,
) -> Result<T> {
    if let Ok(v) = T::deserialize(value) {
        return Ok(v);
    }
    tracked(
        operation,
        status,
        serde_path_to_error::deserialize(value),
        || redact::excerpt(value.to_string().as_bytes()),
    )
}

/// A successful answer whose body is being downloaded: its first chunk
/// already read (so a failure before it could still be retried), the rest
/// still to come.
struct Download {
    first: Option<Bytes>,
    body: crate::transport::AnswerBody,
}

/// A local write failure while downloading: the destination, not the
/// server, failed.
fn write_error(operation: &str, e: &std::io::Error) -> Error {
    Error::Transport(crate::transport::TransportError::new(
        crate::transport::TransportErrorKind::Io,
        Reached::Maybe,
        format!("{operation}: cannot write the answer to its destination: {e}"),
    ))
}

impl Pipeline {
    /// Sends `op` and writes a successful answer's body to `out` as it
    /// arrives, never holding it whole; returns the bytes written (after
    /// flushing `out`). No size cap: that is the point.
    ///
    /// The rest is [`call`](Self::call)'s: auth (a fresh credential on
    /// every attempt, one new login after a rejection), retries by the
    /// policy, but only before the first body byte is written (a failure
    /// of the head or of the first chunk of an idempotent request is
    /// retried; one after that is returned, `out` holding what came); a
    /// status the operation does not accept is [`Error::Api`] from the
    /// error body read within the transport's cap and scrubbed, and
    /// nothing is written. The transport's timeout bounds the wait for the
    /// head and then each wait for more of the body
    /// ([`ReqwestTransport`]): a stalled body is
    /// [`TransportErrorKind::Timeout`](crate::transport::TransportErrorKind::Timeout),
    /// never a hang. A transport that cannot stream (a mock) hands over
    /// the body read whole ([`HttpTransport::send_download`]'s default).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
    /// use tenantry_core::{Decl, Pipeline, RetryConfig};
    /// const EXPORT: Decl = Decl::get("demo.export", "/exports/{id}");
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> tenantry_core::Result<()> {
    /// let mock = Arc::new(MockTransport::new());
    /// mock.push(Expect::new(http::Method::GET, "/exports/7").reply(Reply::text(200, "a,b\n1,2\n")));
    /// mock.push(Expect::new(http::Method::GET, "/exports/8").reply(Reply::text(404, "no export 8")));
    /// let p = Pipeline::builder("demo")
    ///     .base_url("http://demo.test")
    ///     .transport(mock.clone())
    ///     .retry(RetryConfig::disabled())
    ///     .build()?;
    /// let mut out: Vec<u8> = Vec::new(); // or a `tokio::fs::File`: `download_to`
    /// let n = p.download(&EXPORT.op().param("id", "7"), &mut out).await?;
    /// assert_eq!((n, out.as_slice()), (8, &b"a,b\n1,2\n"[..]));
    /// let mut none: Vec<u8> = Vec::new();
    /// let e = p.download(&EXPORT.op().param("id", "8"), &mut none).await.unwrap_err();
    /// assert_eq!(e.status(), Some(404));
    /// assert!(none.is_empty(), "an error answer is never written");
    /// # mock.verify().unwrap(); Ok(()) }
    /// ```
    ///
    /// [`ReqwestTransport`]: crate::transport::ReqwestTransport
    /// [`HttpTransport::send_download`]: crate::transport::HttpTransport::send_download
    pub async fn download<W>(&self, op: &Operation, out: &mut W) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + ?Sized,
    {
        let started = Instant::now();
        let span = self.download_span(op);
        let mut attempts: u32 = 0;
        let result = async {
            let d = self.open_download(op, &span, &mut attempts).await?;
            d.write_to(op.name, out).await
        }
        .instrument(span.clone())
        .await;
        self.log_download(op, started, attempts, &result);
        result
    }

    /// [`download`](Self::download) into the file at `path`, created (or
    /// truncated) only once a successful answer has begun: an error answer
    /// leaves an existing file as it was. A file that cannot be created is
    /// [`Error::InvalidInput`] naming `path`; one the download fails
    /// midway keeps the bytes written so far.
    ///
    /// ```no_run
    /// use tenantry_core::{Decl, Pipeline};
    /// const EXPORT: Decl = Decl::get("demo.export", "/exports/{id}");
    /// # async fn run(p: Pipeline) -> tenantry_core::Result<()> {
    /// let bytes = p.download_to(&EXPORT.op().param("id", "7"), "/tmp/export-7.csv").await?;
    /// # let _ = bytes; Ok(()) }
    /// ```
    pub async fn download_to(
        &self,
        op: &Operation,
        path: impl AsRef<std::path::Path>,
    ) -> Result<u64> {
        let path = path.as_ref();
        let started = Instant::now();
        let span = self.download_span(op);
        let mut attempts: u32 = 0;
        let result = async {
            let d = self.open_download(op, &span, &mut attempts).await?;
            let mut file = tokio::fs::File::create(path).await.map_err(|e| {
                Error::invalid_input(
                    "path",
                    format!("{}: cannot create {}: {e}", op.name, path.display()),
                )
            })?;
            d.write_to(op.name, &mut file).await
        }
        .instrument(span.clone())
        .await;
        self.log_download(op, started, attempts, &result);
        result
    }

    fn download_span(&self, op: &Operation) -> tracing::Span {
        tracing::info_span!(
            "tenantry.request",
            service = self.inner.service,
            operation = op.name,
            method = %op.method,
            path = op.template,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        )
    }

    /// The one request line (the CLI's `-v`) of a download.
    fn log_download(&self, op: &Operation, started: Instant, attempts: u32, result: &Result<u64>) {
        if tracing::enabled!(target: "tenantry::request", tracing::Level::INFO) {
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let s = if attempts == 1 { "" } else { "s" };
            match result {
                Ok(n) => tracing::info!(
                    target: "tenantry::request",
                    "{} {} {} -> {n} bytes downloaded in {elapsed_ms} ms ({attempts} attempt{s})",
                    op.name, op.method, op.template,
                ),
                Err(e) => tracing::info!(
                    target: "tenantry::request",
                    "{} {} {} -> download failed in {elapsed_ms} ms ({attempts} attempt{s}): {}",
                    op.name, op.method, op.template, error_kind(e),
                ),
            }
        }
    }

    /// Runs a download up to a successful answer whose first chunk has
    /// arrived, through [`run`](Self::run)'s loop.
    async fn open_download(
        &self,
        op: &Operation,
        span: &tracing::Span,
        attempts: &mut u32,
    ) -> Result<Download> {
        if op.multipart.is_some() {
            return Err(Error::invalid_input(
                "body",
                format!("{}: a download cannot send a streamed body", op.name),
            ));
        }
        let mut slot = None;
        let (mut resp, scrubber) = self
            .run(op, span, Instant::now(), attempts, Some(&mut slot))
            .await?;
        match slot {
            Some(download) => Ok(download),
            // The final answer was not one to download (an error status).
            None => {
                scrubber.attach(&mut resp);
                Err(self.status_error(op.name, &resp))
            }
        }
    }

    /// One attempt of a download: the answer's head, then, for a status the
    /// operation accepts, its first chunk (a failure before that is still
    /// the retry policy's to decide); the body is left in `slot` and the
    /// answer returned carries the head only. Any other answer (an error, a
    /// login page) is read whole, within the transport's cap.
    async fn open_stream(
        &self,
        op: &Operation,
        req: HttpRequest,
        slot: &mut Option<Download>,
    ) -> std::result::Result<HttpResponse, crate::transport::TransportError> {
        let (parts, mut body) = self.inner.transport.send_download(req).await?.into_parts();
        let head = http::Response::from_parts(parts, Bytes::new());
        let status = head.status().as_u16();
        if !op.is_success(status) || self.inner.auth.is_rejection(&head) {
            return body.collect(status).await.map(|b| head.map(|_| b));
        }
        match body.next_chunk().await {
            Some(Err(e)) => Err(e),
            first => {
                *slot = Some(Download {
                    first: first.and_then(std::result::Result::ok),
                    body,
                });
                Ok(head)
            }
        }
    }
}

impl Download {
    /// Writes the body to `out` as it arrives, counting the bytes (checked),
    /// then flushes `out`.
    async fn write_to<W>(mut self, operation: &str, out: &mut W) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + ?Sized,
    {
        use tokio::io::AsyncWriteExt;
        let mut total: u64 = 0;
        let mut next = self.first.take();
        loop {
            let chunk = match next.take() {
                Some(c) => c,
                None => match self.body.next_chunk().await {
                    None => break,
                    Some(c) => c?,
                },
            };
            out.write_all(&chunk)
                .await
                .map_err(|e| write_error(operation, &e))?;
            total = total.checked_add(chunk.len() as u64).ok_or_else(|| {
                Error::Transport(crate::transport::TransportError::new(
                    crate::transport::TransportErrorKind::Other,
                    Reached::Maybe,
                    format!("{operation}: the answer is longer than 2^64 bytes"),
                ))
            })?;
        }
        out.flush().await.map_err(|e| write_error(operation, &e))?;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL resolved against the parsed base is the one the whole
    /// string gave when it was parsed per request: base path kept, query
    /// appended, a raw path naming no other host.
    #[test]
    fn request_url_is_the_base_path_then_the_operation() {
        let op = |path: &'static str| Operation::new("t.op", Method::GET, path);
        let rows: Vec<(&str, Operation, &str)> = vec![
            ("http://h:8080/", op("/x"), "http://h:8080/x"),
            (
                "http://h/v1/",
                op("/users/{id}").param("id", "a/b c"),
                "http://h/v1/users/a%2Fb%20c",
            ),
            ("http://h/v1", op("users"), "http://h/v1/users"),
            ("http://h", op(""), "http://h/"),
            (
                "http://h/",
                op("/q").query("n", "U 1&x"),
                "http://h/q?n=U+1%26x",
            ),
            (
                "http://h/",
                op("/q").raw_path("/x?y=1").query("z", "2"),
                "http://h/x?y=1&z=2",
            ),
            ("https://h/a/", op("/b/../c"), "https://h/a/c"),
            (
                "http://h/",
                op("/x").raw_path("//evil/x"),
                "http://h//evil/x",
            ),
            (
                "http://h/?a=1",
                op("/x").raw_path("//evil/x"),
                "http://h//evil/x",
            ),
        ];
        for (base, op, want) in rows {
            let base = Url::parse(base).unwrap();
            let got = request_url(&base, &op).unwrap();
            assert_eq!(got.as_str(), want, "{base} + {}", op.path());
            assert_eq!(got.host_str(), base.host_str());
            // What parsing the whole string gives (the former way, which
            // a base with a query got wrong: its query swallowed the path).
            if base.query().is_none() {
                let mut whole = base.as_str().trim_end_matches('/').to_owned();
                push_path_and_query(&mut whole, &op);
                assert_eq!(Url::parse(&whole).unwrap(), got, "{whole}");
            }
        }
    }
}
