//! The reqwest (rustls) implementation of [`HttpTransport`].

use super::{
    Exchange, HttpRequest, HttpResponse, HttpTransport, Reached, StreamingRequest, TransportError,
    TransportErrorKind,
};
use crate::error::{Error, Result};
use bytes::{Bytes, BytesMut};
use std::time::Duration;

/// Settings of [`ReqwestTransport`]: pool, timeouts, body cap, user agent, TLS.
///
/// ```
/// use std::time::Duration;
/// use tenantry_core::transport::{ReqwestTransport, TransportConfig};
/// let t = ReqwestTransport::new(
///     TransportConfig::default()
///         .timeout(Duration::from_secs(10))
///         .max_body_bytes(1 << 20),
/// )?;
/// # let _ = t;
/// # Ok::<(), tenantry_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransportConfig {
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) pool_idle_timeout: Option<Duration>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_body_bytes: u64,
    pub(crate) user_agent: String,
    pub(crate) verify_tls: bool,
    /// Extra trusted root certificates (PEM), besides the built-in roots.
    pub(crate) root_certificates_pem: Vec<String>,
}

/// The default response-size cap: 16 MiB.
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            pool_max_idle_per_host: 32,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: DEFAULT_MAX_BODY,
            user_agent: concat!("tenantry/", env!("CARGO_PKG_VERSION")).to_owned(),
            verify_tls: true,
            root_certificates_pem: Vec::new(),
        }
    }
}

impl TransportConfig {
    /// Idle connections kept per host (default 32; the reference clients'
    /// `pool_size` maps here).
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }
    /// How long an idle connection is kept (default 90 s; `None` = forever).
    pub fn pool_idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.pool_idle_timeout = d;
        self
    }
    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// Whole-request timeout, answer body included (default 30 s): reqwest's
    /// per-request timeout.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// Largest answer body accepted (default 16 MiB). Enforced while
    /// streaming: a larger body is cut off, never buffered whole.
    pub fn max_body_bytes(mut self, n: u64) -> Self {
        self.max_body_bytes = n;
        self
    }
    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Verify TLS certificates and host names (default true). Turning this
    /// off (as the reference clients allow) is logged as a warning.
    pub fn verify_tls(mut self, verify: bool) -> Self {
        self.verify_tls = verify;
        self
    }
    /// Trust this root certificate (PEM) as well as the built-in roots:
    /// the way to talk to a server with a private or self-signed
    /// certificate (`tenantry-sim serve --tls` prints the path of its PEM)
    /// with verification left on. May be called more than once, and a PEM
    /// may hold several certificates; one that holds none fails
    /// [`ReqwestTransport::new`].
    pub fn add_root_certificate_pem(mut self, pem: impl Into<String>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }
    /// The configured whole-request timeout.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }
    /// The configured `User-Agent` (default `tenantry/<version>`).
    pub fn get_user_agent(&self) -> &str {
        &self.user_agent
    }
}

/// [`HttpTransport`] over reqwest with rustls. Clones share one pool.
///
/// Redirects are not followed: every service here answers 3xx only where the
/// caller must see it (CAS login pages, for one).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body: u64,
    timeout: Option<Duration>,
}

impl ReqwestTransport {
    /// Builds the transport.
    pub fn new(config: TransportConfig) -> Result<Self> {
        if !config.verify_tls {
            tracing::warn!("TLS certificate verification is OFF: answers can be forged");
        }
        let mut b = reqwest::Client::builder()
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .pool_idle_timeout(config.pool_idle_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(!config.verify_tls)
            .tcp_nodelay(true)
            // reqwest's own retry layer re-sends HTTP/2 streams the server
            // refused, and to be able to, clones every request (headers,
            // extensions) before sending it. Tenantry's retry policy
            // re-sends those itself (`classify` marks them never
            // processed), so that copy is not made.
            .retry(reqwest::retry::never().max_retries_per_request(0));
        if !config.verify_tls {
            b = b.danger_accept_invalid_hostnames(true);
        }
        for (i, pem) in config.root_certificates_pem.iter().enumerate() {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                Error::Config(format!(
                    "root certificate {i} is not a PEM certificate: {e}"
                ))
            })?;
            if certs.is_empty() {
                return Err(Error::Config(format!(
                    "root certificate {i} holds no PEM certificate"
                )));
            }
            for cert in certs {
                b = b.add_root_certificate(cert);
            }
        }
        let client = b
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(ReqwestTransport {
            client,
            max_body: config.max_body_bytes,
            timeout: Some(config.timeout),
        })
    }

    /// Wraps an existing reqwest client (its own pool, TLS and proxy
    /// settings); `config` gives the body cap and the whole-exchange timeout.
    pub fn from_client(client: reqwest::Client, config: &TransportConfig) -> Self {
        ReqwestTransport {
            client,
            max_body: config.max_body_bytes,
            timeout: Some(config.timeout),
        }
    }

    /// With the default [`TransportConfig`].
    pub fn with_defaults() -> Result<Self> {
        Self::new(TransportConfig::default())
    }
}

fn classify(e: &reqwest::Error) -> TransportError {
    // Never put the URL in the message: it may carry a ticket in its query.
    let e2 = e.without_url_ref();
    let msg = format!("{e2}{}", source_chain(e));
    if refused_h2_stream(e) {
        return TransportError::new(TransportErrorKind::Io, Reached::Never, msg);
    }
    if e.is_connect() {
        let kind = if msg.to_ascii_lowercase().contains("tls") || msg.contains("certificate") {
            TransportErrorKind::Tls
        } else {
            TransportErrorKind::Connect
        };
        return TransportError::new(kind, Reached::Never, msg);
    }
    if e.is_timeout() {
        return TransportError::new(TransportErrorKind::Timeout, Reached::Maybe, msg);
    }
    if e.is_builder() {
        return TransportError::new(TransportErrorKind::Other, Reached::Never, msg);
    }
    if e.is_request() || e.is_body() || e.is_decode() {
        return TransportError::new(TransportErrorKind::Io, Reached::Maybe, msg);
    }
    TransportError::new(TransportErrorKind::Other, Reached::Maybe, msg)
}

/// An HTTP/2 stream the server declined before processing it: reset with
/// REFUSED_STREAM, or cut by a graceful GOAWAY (RFC 9113 §8.7: safe to send
/// again, whatever the method).
fn refused_h2_stream(e: &reqwest::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = cur {
        if let Some(h2) = err.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && ((h2.is_reset() && h2.reason() == Some(h2::Reason::REFUSED_STREAM))
                    || (h2.is_go_away() && h2.reason() == Some(h2::Reason::NO_ERROR)));
        }
        cur = err.source();
    }
    false
}

/// reqwest's `Url` for a request's URI: its scheme, authority and path
/// (with the query) joined into one string that is parsed once. A URI
/// without a scheme or host is refused as `url` refuses a relative URL.
fn reqwest_url(uri: &http::Uri) -> std::result::Result<reqwest::Url, url::ParseError> {
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return reqwest::Url::parse(&uri.to_string());
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let authority = authority.as_str();
    let mut s = String::with_capacity(scheme.len() + 3 + authority.len() + path.len());
    s.push_str(scheme);
    s.push_str("://");
    s.push_str(authority);
    s.push_str(path);
    reqwest::Url::parse(&s)
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}
impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let s = self.to_string();
        match self.url() {
            Some(u) => s.replace(u.as_str(), "<url>"),
            None => s,
        }
    }
}

pub(super) fn source_chain(e: &dyn std::error::Error) -> String {
    let mut out = String::new();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

#[async_trait::async_trait]
impl HttpTransport for ReqwestTransport {
    // `send` and `send_parsed` are written out (not `async fn`): the
    // request is built before the future, so the boxed future holds the
    // exchange only, not the request and its URL as well (~320 bytes
    // instead of ~1.8 KiB allocated and copied per request). reqwest's
    // `execute` (which starts the deadline's timer, so it needs the tokio
    // runtime) runs when these are called; the pipeline awaits them at once.
    fn send<'a, 'f>(&'a self, request: HttpRequest) -> Exchange<'f>
    where
        'a: 'f,
        Self: 'f,
    {
        let built = reqwest_url(request.uri())
            .map_err(|e| bad_request(&e))
            .map(|url| self.request(request, url));
        self.exchange(built)
    }

    /// The pipeline's URL, used as it is while it names the request's URI
    /// (see `pipeline::request_url` for what that saves); otherwise the URI
    /// is parsed, as in [`send`](Self::send).
    fn send_parsed<'a, 'f>(&'a self, request: HttpRequest, url: reqwest::Url) -> Exchange<'f>
    where
        'a: 'f,
        Self: 'f,
    {
        if !names(&url, request.uri()) {
            return self.send(request);
        }
        self.exchange(Ok(self.request(request, url)))
    }

    /// Streams the body: reqwest's own multipart form, each file part
    /// read while it is sent, `Content-Length` from the part lengths. The
    /// timeout covers the whole exchange, upload included.
    async fn send_streaming(
        &self,
        request: StreamingRequest,
    ) -> std::result::Result<HttpResponse, TransportError> {
        let (parts, body) = request.into_parts();
        let url = reqwest_url(&parts.uri).map_err(|e| bad_request(&e))?;
        let mut headers = parts.headers;
        // `multipart` sets both, with the form's boundary.
        headers.remove(http::header::CONTENT_TYPE);
        headers.remove(http::header::CONTENT_LENGTH);
        let mut builder = self
            .client
            .request(parts.method, url)
            .version(parts.version)
            .headers(headers)
            .multipart(body.into_form());
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        let req = builder
            .build()
            .map_err(|e| bad_request(&e.without_url_ref()))?;
        self.finish(self.client.execute(req)).await
    }

    /// Streams the answer's body: no whole-exchange deadline (a large
    /// download may take longer than any fixed one) but the configured
    /// timeout twice over: for the answer's head, then for each chunk of
    /// the body (a stalled body is a [`Timeout`](TransportErrorKind::Timeout)
    /// error, never a hang). Tokio's timer, no thread of its own.
    async fn send_download(
        &self,
        request: HttpRequest,
    ) -> std::result::Result<super::StreamedResponse, TransportError> {
        let req =
            reqwest::Request::try_from(request).map_err(|e| bad_request(&e.without_url_ref()))?;
        let idle = self.timeout;
        let stalled = |what: &str, t: Duration| {
            TransportError::new(
                TransportErrorKind::Timeout,
                Reached::Maybe,
                format!("no {what} within {} ms", t.as_millis()),
            )
        };
        let pending = self.client.execute(req);
        let mut resp = match idle {
            Some(t) => tokio::time::timeout(t, pending)
                .await
                .map_err(|_| stalled("answer", t))?,
            None => pending.await,
        }
        .map_err(|e| classify(&e))?;
        let mut head = http::Response::new(());
        *head.status_mut() = resp.status();
        *head.version_mut() = resp.version();
        *head.headers_mut() = std::mem::take(resp.headers_mut());
        let chunks = futures::stream::try_unfold(resp, move |mut resp| async move {
            let next = match idle {
                Some(t) => tokio::time::timeout(t, resp.chunk())
                    .await
                    .map_err(|_| stalled("body bytes", t))?,
                None => resp.chunk().await,
            };
            Ok(next.map_err(|e| classify(&e))?.map(|chunk| (chunk, resp)))
        });
        Ok(head.map(|()| super::AnswerBody::new(chunks, self.max_body)))
    }
}

/// Whether `url` is `uri` (compared part by part, without writing either
/// out).
fn names(url: &reqwest::Url, uri: &http::Uri) -> bool {
    use url::Position;
    uri.scheme_str() == Some(url.scheme())
        && uri.authority().map(|a| a.as_str())
            == Some(&url[Position::BeforeUsername..Position::AfterPort])
        && uri.path_and_query().map_or("/", |p| p.as_str())
            == &url[Position::BeforePath..Position::AfterQuery]
}

/// A request that could not be turned into reqwest's.
fn bad_request(e: &dyn std::fmt::Display) -> TransportError {
    TransportError::new(
        TransportErrorKind::Other,
        Reached::Never,
        format!("bad request: {e}"),
    )
}

impl ReqwestTransport {
    /// reqwest's request for `request`, sent to `url` (its URI, parsed).
    fn request(&self, request: HttpRequest, url: reqwest::Url) -> reqwest::Request {
        let (parts, body) = request.into_parts();
        // Built from its parts, not with `Request::try_from`, which writes
        // the URI out with `Display` before parsing it again.
        let mut req = reqwest::Request::new(parts.method, url);
        *req.headers_mut() = parts.headers;
        *req.version_mut() = parts.version;
        *req.body_mut() = Some(body.into());
        // One deadline for the whole exchange, answer body included.
        *req.timeout_mut() = self.timeout;
        req
    }

    /// Sends a built request and reads the answer (a request that could
    /// not be built fails without being sent).
    fn exchange<'f>(
        &'f self,
        built: std::result::Result<reqwest::Request, TransportError>,
    ) -> Exchange<'f> {
        match built {
            Ok(req) => Box::pin(self.finish(self.client.execute(req))),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    /// Awaits the answer and reads its body within the cap.
    async fn finish(
        &self,
        pending: impl std::future::Future<
            Output = std::result::Result<reqwest::Response, reqwest::Error>,
        >,
    ) -> std::result::Result<HttpResponse, TransportError> {
        let mut resp = pending.await.map_err(|e| classify(&e))?;
        let status = resp.status();
        let declared = resp.content_length();
        if declared.is_some_and(|len| len > self.max_body) {
            return Err(TransportError::body_too_large(
                status.as_u16(),
                self.max_body,
            ));
        }
        // Read chunk by chunk, counting against the cap (a body without a
        // declared length is cut while streaming). Not `Response::bytes()`:
        // its collecting future is 424 bytes, kept in this one for every
        // request; `chunk()`'s is 32. Most answers arrive in one chunk:
        // keep it as it is, copy only when there are several.
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        let mut total: u64 = 0;
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
            total += chunk.len() as u64;
            if total > self.max_body {
                return Err(TransportError::body_too_large(
                    status.as_u16(),
                    self.max_body,
                ));
            }
            match first.take() {
                None if buf.is_empty() => first = Some(chunk),
                None => buf.extend_from_slice(&chunk),
                Some(f) => {
                    buf.reserve(declared.unwrap_or(0).min(self.max_body).min(1 << 20) as usize);
                    buf.extend_from_slice(&f);
                    buf.extend_from_slice(&chunk);
                }
            }
        }
        let body = match first {
            Some(f) => f,
            None => buf.freeze(),
        };
        let mut out = http::Response::new(body);
        *out.status_mut() = status;
        *out.version_mut() = resp.version();
        *out.headers_mut() = std::mem::take(resp.headers_mut());
        Ok(out)
    }
}
