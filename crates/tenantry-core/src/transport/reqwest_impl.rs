//! The reqwest (rustls) implementation of [`HttpTransport`].

use super::deadline::Deadline;
use super::{
    HttpRequest, HttpResponse, HttpTransport, Reached, TransportError, TransportErrorKind,
};
use crate::error::{Error, Result};
use bytes::{Bytes, BytesMut};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use url::Url;

thread_local! {
    /// Parsed URLs, per thread: the conversion is a pure function of the
    /// URI, so any transport may use any entry, and a per-thread table is
    /// read and written without locks or cache lines shared between cores.
    static URLS: std::cell::RefCell<Vec<CachedBase>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many distinct `scheme://authority` bases each thread keeps
/// parsed (a client talks to a handful of hosts: auth server, endpoints).
const BASE_CACHE: usize = 16;

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
    /// Whole-request timeout, answer body included (default 30 s).
    ///
    /// Deadlines are kept by one process-wide watchdog thread
    /// (`tenantry-deadlines`), not by a runtime timer per request: while a
    /// runtime timer is pending, every wait for an answer arms a kernel
    /// timer, which costs a few percent of throughput on virtual machines.
    /// It also means the timeout works on a runtime built without tokio's
    /// time driver. A deadline fires no earlier than set.
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

/// A parsed `scheme://authority/`, keyed by the two as the URI spells them.
struct CachedBase {
    scheme: Box<str>,
    authority: Box<str>,
    url: Url,
    /// The last few full URLs built on this base, by path and query: a
    /// client tends to call the same few paths again and again.
    recent: [Option<(Box<str>, Url)>; RECENT],
    next: usize,
    /// Hashes of the last few paths built but not remembered: a path is
    /// remembered on its second sighting, so one-off paths (a commission's
    /// `/commissions/{serial}/action`) neither cost a copy nor push out
    /// the paths that do repeat.
    seen: [u64; SEEN],
    next_seen: usize,
}

/// URLs remembered per base.
const RECENT: usize = 4;
/// Paths seen once, per base.
const SEEN: usize = 8;

fn path_hash(pq: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    pq.hash(&mut h);
    // 0 marks an empty entry of `seen`.
    h.finish().max(1)
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

    /// The `url::Url` reqwest needs, equal to `Url::parse(&uri.to_string())`
    /// (what reqwest's own conversion does) but cheaper: the
    /// `scheme://authority/` part is parsed once per host and cached (host
    /// parsing is most of the cost), then only the path and query are
    /// parsed onto a copy of it; the last few paths of each host that
    /// came twice are kept whole, so a path called again and again is not
    /// parsed again.
    fn url_of(&self, uri: &http::Uri, remember: bool) -> std::result::Result<Url, TransportError> {
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                Reached::Never,
                "the request URL has no scheme or host",
            ));
        };
        let authority = authority.as_str();
        let pq = uri.path_and_query().map_or("/", |p| p.as_str());
        URLS.with(|cell| {
            let mut bases = cell.borrow_mut();
            let found = bases
                .iter()
                .position(|b| &*b.scheme == scheme && &*b.authority == authority);
            let at = match found {
                Some(i) => {
                    if let Some((_, url)) =
                        bases[i].recent.iter().flatten().find(|(k, _)| &**k == pq)
                    {
                        return Ok(url.clone());
                    }
                    i
                }
                None => {
                    let base = Url::parse(&format!("{scheme}://{authority}/")).map_err(|e| {
                        TransportError::new(
                            TransportErrorKind::Other,
                            Reached::Never,
                            format!("bad request URL: {e}"),
                        )
                    })?;
                    if base.cannot_be_a_base() {
                        return Err(TransportError::new(
                            TransportErrorKind::Other,
                            Reached::Never,
                            "the request URL cannot be a base",
                        ));
                    }
                    if bases.len() >= BASE_CACHE {
                        bases.remove(0);
                    }
                    bases.push(CachedBase {
                        scheme: scheme.into(),
                        authority: authority.into(),
                        url: base,
                        recent: Default::default(),
                        next: 0,
                        seen: [0; SEEN],
                        next_seen: 0,
                    });
                    bases.len() - 1
                }
            };
            let b = &mut bases[at];
            let mut url = b.url.clone();
            let path = uri.path();
            url.set_path(if path.is_empty() { "/" } else { path });
            url.set_query(uri.query());
            // Not remembered: URLs with a query (it may carry a ticket or a
            // token: CAS service tickets do) and URLs of requests marked
            // [`SensitiveUrl`] (a TGT in the path), which must not outlive
            // the request.
            if uri.query().is_none() && remember {
                let h = path_hash(pq);
                match b.seen.iter().position(|&x| x == h) {
                    Some(i) => {
                        b.seen[i] = 0;
                        let slot = b.next % RECENT;
                        b.recent[slot] = Some((pq.into(), url.clone()));
                        b.next = b.next.wrapping_add(1);
                    }
                    None => {
                        b.seen[b.next_seen % SEEN] = h;
                        b.next_seen = b.next_seen.wrapping_add(1);
                    }
                }
            }
            Ok(url)
        })
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

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut out = String::new();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

// Written out instead of `#[async_trait]`: the request is turned into
// reqwest's 16-byte pending future *before* the state machine is boxed, so the
// box (allocated for every request) holds neither the request nor its
// conversions, about 800 bytes instead of about 2 KiB.
impl HttpTransport for ReqwestTransport {
    fn send<'life0, 'async_trait>(
        &'life0 self,
        request: HttpRequest,
    ) -> Pin<
        Box<
            dyn Future<Output = std::result::Result<HttpResponse, TransportError>>
                + Send
                + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        let pending = match self.start(request) {
            Ok(p) => p,
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        };
        let limit = self.timeout;
        Box::pin(async move {
            // One deadline for the whole exchange, answer body included,
            // kept by the watchdog thread (see `deadline`), not a runtime
            // timer.
            let Some(limit) = limit else {
                return self.finish(pending).await;
            };
            let deadline = Deadline::start(limit);
            let mut finishing = std::pin::pin!(self.finish(pending));
            std::future::poll_fn(|cx| {
                if deadline.expired(cx) {
                    return Poll::Ready(Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        Reached::Maybe,
                        format!("no complete answer within {limit:?}"),
                    )));
                }
                finishing.as_mut().poll(cx)
            })
            .await
        })
    }
}

impl ReqwestTransport {
    /// Converts the request and hands it to reqwest (nothing is sent until
    /// the returned future is polled).
    fn start(
        &self,
        request: HttpRequest,
    ) -> std::result::Result<
        impl Future<Output = std::result::Result<reqwest::Response, reqwest::Error>> + Send + 'static,
        TransportError,
    > {
        let remember = request.extensions().get::<super::SensitiveUrl>().is_none();
        let url = self.url_of(request.uri(), remember)?;
        let (parts, body) = request.into_parts();
        let mut req = reqwest::Request::new(parts.method, url);
        *req.headers_mut() = parts.headers;
        *req.version_mut() = parts.version;
        *req.body_mut() = Some(body.into());
        Ok(self.client.execute(req))
    }

    /// Awaits the answer and reads its body within the cap.
    async fn finish(
        &self,
        pending: impl Future<Output = std::result::Result<reqwest::Response, reqwest::Error>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A URL that may carry a credential (a query, or a request marked
    /// [`SensitiveUrl`](crate::transport::SensitiveUrl) by an auth strategy)
    /// is never kept; a plain one is, once it repeats.
    #[test]
    fn urls_with_credentials_are_not_remembered() {
        let t = ReqwestTransport::with_defaults().unwrap();
        let remembered = |t: &ReqwestTransport| -> Vec<String> {
            let _ = t;
            URLS.with(|c| {
                c.borrow()
                    .iter()
                    .filter(|b| &*b.authority == "127.0.0.1:1")
                    .flat_map(|b| b.recent.iter().flatten().map(|(k, _)| k.to_string()))
                    .collect()
            })
        };
        let ticket: http::Uri = "http://127.0.0.1:1/shiro-cas?ticket=ST-1-secret"
            .parse()
            .unwrap();
        t.url_of(&ticket, true).unwrap();
        let tgt: http::Uri = "http://127.0.0.1:1/cas/v1/tickets/TGT-1-secret"
            .parse()
            .unwrap();
        t.url_of(&tgt, false).unwrap();
        assert!(remembered(&t).is_empty(), "{:?}", remembered(&t));
        // Marked or with a query: not even on a second sighting.
        t.url_of(&ticket, true).unwrap();
        t.url_of(&tgt, false).unwrap();
        assert!(remembered(&t).is_empty(), "{:?}", remembered(&t));
        // A plain path is remembered on its second sighting.
        let plain: http::Uri = "http://127.0.0.1:1/account/v1.0/quotas".parse().unwrap();
        t.url_of(&plain, true).unwrap();
        assert!(remembered(&t).is_empty(), "{:?}", remembered(&t));
        t.url_of(&plain, true).unwrap();
        assert_eq!(remembered(&t), vec!["/account/v1.0/quotas".to_owned()]);
        // One-off paths are never remembered and do not push it out.
        for serial in 0..100 {
            let action: http::Uri =
                format!("http://127.0.0.1:1/account/v1.0/commissions/{serial}/action")
                    .parse()
                    .unwrap();
            t.url_of(&action, true).unwrap();
        }
        assert_eq!(remembered(&t), vec!["/account/v1.0/quotas".to_owned()]);

        // The auth strategies' requests carry the mark.
        let req = crate::auth::request(
            http::Method::POST,
            &Url::parse("http://127.0.0.1:1/cas/v1/tickets/TGT-1-secret").unwrap(),
            &[],
            Bytes::new(),
        )
        .unwrap();
        assert!(req
            .extensions()
            .get::<crate::transport::SensitiveUrl>()
            .is_some());
    }

    /// The cached conversion gives exactly what reqwest's own
    /// `Url::parse(&uri.to_string())` gives, for every shape of URI the
    /// pipeline can build, whether the base was cached or not.
    #[test]
    fn url_of_matches_a_full_parse() {
        let t = ReqwestTransport::with_defaults().unwrap();
        let cases = [
            "http://127.0.0.1:8080/items",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/a/../b/./c",
            "http://127.0.0.1:8080/a%20b/%7Ec?x=1&y=a+b&z=%2F",
            "http://127.0.0.1:8080/q?",
            "http://127.0.0.1:8080/q?a=%zz&b=!$'()*,;:@&c=~",
            "https://Example.COM/x//y?z",
            "https://example.com:443/default-port",
            "http://example.com:80/default-port",
            "http://user:pw@example.com:81/userinfo",
            "http://[::1]:9000/v6?q=1",
            "http://xn--nxasmq6b.example/idn",
            "HTTP://EXAMPLE.com/upper-scheme",
            "http://example.com/%2e%2E/dots",
            "http://example.com/a/b/..",
        ];
        for round in 0..2 {
            for c in cases {
                let uri: http::Uri = c.parse().unwrap();
                let want = Url::parse(&uri.to_string()).unwrap();
                // Built, then remembered: both give the same URL.
                for call in 0..3 {
                    let got = t.url_of(&uri, true).unwrap();
                    assert_eq!(
                        got.as_str(),
                        want.as_str(),
                        "{c} (round {round}, call {call})"
                    );
                    assert_eq!(got.host(), want.host(), "{c}");
                    assert_eq!(got.port(), want.port(), "{c}");
                    assert_eq!(got.path(), want.path(), "{c}");
                    assert_eq!(got.query(), want.query(), "{c}");
                }
            }
        }
        let cached = URLS.with(|c| c.borrow().len());
        assert!((1..=BASE_CACHE).contains(&cached), "{cached}");
        let relative: http::Uri = "/no/host".parse().unwrap();
        assert_eq!(
            t.url_of(&relative, true).unwrap_err().kind(),
            TransportErrorKind::Other
        );
    }
}
