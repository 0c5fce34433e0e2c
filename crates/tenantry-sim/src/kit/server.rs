//! The HTTP server every simulator runs on.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use http::{header, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use super::control::{self, ControlRoute, SimControl};
use super::fault::{Fault, Faults};
use super::journal::{Journal, JournalEntry, DEFAULT_JOURNAL_BODY_BYTES, DEFAULT_JOURNAL_ENTRIES};
use super::tls::SimTls;

/// A handle that drops the TCP connection a request arrived on.
///
/// The server puts one into the extensions of every request it passes to a
/// router, so a route can also cut its own connection:
/// `Extension(kill): Extension<ConnKill>` then `kill.kill()`. The connection
/// is closed (with a TCP reset where possible) without any further bytes.
#[derive(Clone, Debug, Default)]
pub struct ConnKill(Arc<Notify>);

impl ConnKill {
    /// Ask the connection task to drop the connection now.
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// The default largest request body: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;
/// The default time a client has to send a request's headers (also the
/// longest a kept-alive connection may sit idle): 30 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The default most connections served at once: 1,024.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// How a [`SimServer`] runs: address, TLS, limits and control-plane hooks.
///
/// Every limit has a default a test run never reaches.
///
/// ```
/// use std::time::Duration;
/// use tenantry_sim::SimOptions;
/// let opts = SimOptions::new()
///     .max_body_bytes(1024)
///     .journal_limits(100, 256)
///     .header_read_timeout(Duration::from_secs(2))
///     .max_connections(16);
/// # let _ = opts;
/// ```
#[derive(Clone, Debug)]
pub struct SimOptions {
    addr: SocketAddr,
    max_body_bytes: u64,
    journal_entries: usize,
    journal_body_bytes: usize,
    header_read_timeout: Duration,
    max_connections: usize,
    tls: Option<SimTls>,
    control: Option<Arc<dyn SimControl>>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            journal_entries: DEFAULT_JOURNAL_ENTRIES,
            journal_body_bytes: DEFAULT_JOURNAL_BODY_BYTES,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            tls: None,
            control: None,
        }
    }
}

impl SimOptions {
    /// The defaults: `127.0.0.1`, a port chosen by the system, plain HTTP.
    pub fn new() -> Self {
        Self::default()
    }

    /// Listen on this address (port 0 lets the system choose).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The largest request body read (default 16 MiB). A larger one is
    /// answered `413` without being read (when `Content-Length` announces
    /// it) or as soon as it passes the limit, and is never journaled.
    pub fn max_body_bytes(mut self, n: u64) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Keep the last `entries` requests in the journal (default 4,096),
    /// each body cut to `body_bytes` (default 64 KiB).
    pub fn journal_limits(mut self, entries: usize, body_bytes: usize) -> Self {
        self.journal_entries = entries;
        self.journal_body_bytes = body_bytes;
        self
    }

    /// The time a client has to send a request's headers, from its first
    /// byte or from the end of the previous answer (default 30 s); a
    /// connection that takes longer is closed. This also ends idle
    /// kept-alive connections.
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// The most connections served at once (default 1,024, at least 1).
    /// When a new one arrives at the limit, the oldest idle connection is
    /// closed to make room; if every connection has a request in flight,
    /// the new one is closed at once.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Serve HTTPS with this certificate.
    pub fn tls(mut self, tls: SimTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The simulator state behind `POST /_sim/reset` and `POST /_sim/seed`.
    pub fn control(mut self, control: Arc<dyn SimControl>) -> Self {
        self.control = Some(control);
        self
    }
}

/// A running simulator server bound to a local TCP port.
///
/// Every request is recorded in its [`Journal`] and checked against its
/// [`Faults`] before the router sees it, except the control plane under
/// `/_sim/` (`health`, `reset`, `journal`, `faults`, `seed`: see the crate
/// README), which neither is journaled nor can be faulted. Dropping the
/// value (or calling [`SimServer::shutdown`]) stops the server and closes
/// every connection.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use axum::{routing::get, Router};
/// use tenantry_sim::{Fault, FaultRule, SimServer};
///
/// let server = SimServer::start(Router::new().route("/ping", get(|| async { "pong" }))).await?;
/// server.faults().add(FaultRule::path("/ping", Fault::status(503)).times(1));
/// let url = format!("{}/ping", server.base_url());
/// // ... the first GET of `url` gets a 503, the next ones "pong".
/// assert_eq!(server.journal().count("GET", "/ping"), 0);
/// # let _ = url;
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SimServer {
    addr: SocketAddr,
    journal: Journal,
    faults: Faults,
    tls: Option<SimTls>,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Serve `router` on `127.0.0.1` with a port chosen by the system.
    pub async fn start(router: Router) -> std::io::Result<SimServer> {
        Self::start_with(router, SimOptions::new()).await
    }

    /// Serve `router` on this address (port 0 lets the system choose).
    pub async fn start_on(router: Router, addr: SocketAddr) -> std::io::Result<SimServer> {
        Self::start_with(router, SimOptions::new().addr(addr)).await
    }

    /// Serve `router` as `options` say.
    pub async fn start_with(router: Router, options: SimOptions) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind(options.addr).await?;
        let addr = listener.local_addr()?;
        let journal = Journal::with_limits(options.journal_entries, options.journal_body_bytes);
        let faults = Faults::new();
        let (stop_tx, stop_rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            max_body: options.max_body_bytes,
            header_read_timeout: options.header_read_timeout,
            max_connections: options.max_connections,
            tls: options.tls.clone(),
            control: options.control,
            seeds: Mutex::new(Vec::new()),
            conns: Arc::new(ConnTable::default()),
        });
        let kit = Kit {
            router,
            journal: journal.clone(),
            faults: faults.clone(),
            shared: shared.clone(),
        };
        let task = tokio::spawn(accept_loop(listener, kit, stop_rx));
        Ok(SimServer {
            addr,
            journal,
            faults,
            tls: options.tls,
            shared,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (`https://` with TLS; no
    /// trailing slash). A server bound to an unspecified address
    /// (`0.0.0.0`) names `127.0.0.1`.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() {
                Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        format!("{scheme}://{addr}")
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The PEM of the server's certificate, when it serves HTTPS.
    pub fn tls_cert_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(SimTls::cert_pem)
    }

    /// A handle on the request journal.
    pub fn journal(&self) -> Journal {
        self.journal.clone()
    }

    /// A handle on the fault rules.
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }

    /// How many connections are open now.
    pub fn open_connections(&self) -> usize {
        self.shared.conns.len()
    }

    /// Load this server's section of a seed file (as `POST /_sim/seed`
    /// does; it is applied again after each reset). `Ok(false)` when the
    /// seed has no section for this service; an error names the wrong
    /// field, or says this server has no [`SimControl`].
    pub fn load_seed(&self, seed: &serde_json::Value) -> Result<bool, String> {
        let Some(control) = &self.shared.control else {
            return Err("this server has no simulator state to seed".to_owned());
        };
        control::load_seed_file(control.as_ref(), &self.shared.seeds, seed)
    }

    /// Stop accepting, close every connection and wait until that is done.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            // Aborting the accept loop drops its JoinSet, which aborts every
            // connection task.
            task.abort();
        }
    }
}

/// One open connection, as the accept loop sees it.
#[derive(Debug, Default)]
struct ConnSlot {
    in_flight: AtomicUsize,
    evict: Notify,
}

/// The open connections by age (ids count up).
#[derive(Debug, Default)]
pub(crate) struct ConnTable {
    slots: Mutex<BTreeMap<u64, Arc<ConnSlot>>>,
    next: AtomicU64,
}

impl ConnTable {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<ConnSlot>>> {
        // Each change is one insert or remove: valid after a panic.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Register a new connection unless `max` are open and none is idle;
    /// at the limit, the oldest idle one is told to close.
    fn admit(self: &Arc<Self>, max: usize) -> Option<ConnGuard> {
        let mut slots = self.lock();
        if slots.len() >= max {
            let idle = slots
                .iter()
                .find(|(_, s)| s.in_flight.load(Ordering::Acquire) == 0)
                .map(|(id, _)| *id)?;
            if let Some(slot) = slots.remove(&idle) {
                slot.evict.notify_one();
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(ConnSlot::default());
        slots.insert(id, slot.clone());
        Some(ConnGuard {
            table: self.clone(),
            id,
            slot,
        })
    }
}

/// Removes its connection from the table when the connection task ends.
struct ConnGuard {
    table: Arc<ConnTable>,
    id: u64,
    slot: Arc<ConnSlot>,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        self.table.lock().remove(&self.id);
    }
}

/// Counts a request in flight on its connection while alive.
struct InFlight(Arc<ConnSlot>);

impl InFlight {
    fn new(slot: &Arc<ConnSlot>) -> Self {
        slot.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(slot.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How long a connection closed to make room (over the connection limit)
/// may take to finish before it is dropped.
const EVICTION_GRACE: Duration = Duration::from_secs(1);

/// What every connection of one server shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) max_body: u64,
    header_read_timeout: Duration,
    max_connections: usize,
    tls: Option<SimTls>,
    pub(crate) control: Option<Arc<dyn SimControl>>,
    /// Seeds loaded through `/_sim/seed` (or `serve --seed`), applied
    /// again after each reset.
    pub(crate) seeds: Mutex<Vec<serde_json::Value>>,
    pub(crate) conns: Arc<ConnTable>,
}

#[derive(Clone)]
pub(crate) struct Kit {
    pub(crate) router: Router,
    pub(crate) journal: Journal,
    pub(crate) faults: Faults,
    pub(crate) shared: Arc<Shared>,
}

async fn accept_loop(listener: TcpListener, kit: Kit, mut stop: oneshot::Receiver<()>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let Some(guard) = kit.shared.conns.admit(kit.shared.max_connections) else {
                        // Every connection is busy: refuse this one at once
                        // rather than let connections pile up.
                        tracing::debug!("connection limit reached; closing a new connection");
                        drop(stream);
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_tcp(stream, kit.clone(), guard));
                }
                Err(err) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::debug!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    conns.shutdown().await;
}

type BoxFut = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

async fn serve_tcp(stream: TcpStream, kit: Kit, guard: ConnGuard) {
    let Some(tls) = kit.shared.tls.clone() else {
        serve_connection(stream, kit, guard, |s: &TcpStream| {
            let _ = s.set_zero_linger();
        })
        .await;
        return;
    };
    // The handshake counts against the header read timeout too.
    let handshake = tls.acceptor().accept(stream);
    let stream = match tokio::time::timeout(kit.shared.header_read_timeout, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => {
            tracing::debug!(%err, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            return;
        }
    };
    serve_connection(
        stream,
        kit,
        guard,
        |s: &tokio_rustls::server::TlsStream<TcpStream>| {
            let _ = s.get_ref().0.set_zero_linger();
        },
    )
    .await;
}

async fn serve_connection<S>(stream: S, kit: Kit, guard: ConnGuard, linger0: fn(&S))
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let kill = ConnKill::default();
    let svc_kill = kill.clone();
    let slot = guard.slot.clone();
    let header_read_timeout = kit.shared.header_read_timeout;
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| -> BoxFut {
        let in_flight = InFlight::new(&slot);
        let fut = handle(kit.clone(), svc_kill.clone(), req);
        Box::pin(async move {
            let resp = fut.await;
            drop(in_flight);
            resp
        })
    });
    let mut conn = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(stream), svc);
    // Set when the connection was evicted: how long it may take to finish.
    let mut evicted: Option<Pin<Box<tokio::time::Sleep>>> = None;
    loop {
        tokio::select! {
            res = &mut conn => {
                if let Err(err) = res {
                    tracing::debug!(%err, "connection ended with an error");
                }
                break;
            }
            _ = guard.slot.evict.notified(), if evicted.is_none() => {
                // Over the connection limit and idle: finish politely, which
                // closes an idle connection at once ...
                Pin::new(&mut conn).graceful_shutdown();
                evicted = Some(Box::pin(tokio::time::sleep(EVICTION_GRACE)));
            }
            _ = async {
                match evicted.as_mut() {
                    Some(grace) => grace.as_mut().await,
                    None => std::future::pending().await,
                }
            }, if evicted.is_some() => {
                // ... but not one in the middle of a (slow) request head.
                break;
            }
            _ = kill.0.notified() => {
                // SO_LINGER 0: the close sends a TCP reset.
                let parts = conn.into_parts();
                linger0(parts.io.inner());
                drop(parts);
                break;
            }
        }
    }
    drop(guard);
}
async fn handle(
    kit: Kit,
    kill: ConnKill,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (mut parts, body) = req.into_parts();
    let control_route = control::route(&parts.method, parts.uri.path());
    if let Some(route) = control_route {
        return Ok(run_control(&kit, route, &parts, body).await);
    }
    parts.extensions.insert(kill.clone());
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut entry = JournalEntry {
        seq: 0,
        method,
        path,
        query,
        headers,
        body: Bytes::new(),
        body_len: announced.unwrap_or(0),
        at: SystemTime::now(),
    };
    if kit.shared.tls.is_some() {
        // Simulators build their own URLs from the Host header and
        // X-Forwarded-Proto (see `request_origin`); the journal keeps the
        // headers as they came.
        parts.headers.insert(
            HeaderName::from_static("x-forwarded-proto"),
            HeaderValue::from_static("https"),
        );
    }
    let max_body = kit.shared.max_body;
    if announced.is_some_and(|n| n > max_body) {
        // Refused unread: hyper closes the connection after this answer
        // rather than read the body.
        kit.journal.record(entry);
        return Ok(too_large(max_body));
    }
    let fault = kit.faults.take(&entry.method, &entry.path);

    if matches!(fault, Some(Fault::ResetBeforeBody)) {
        kit.journal.record(entry);
        return kill_and_wait(&kill).await;
    }
    let limit = usize::try_from(max_body).unwrap_or(usize::MAX);
    match Limited::new(body, limit).collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            entry.body_len = bytes.len() as u64;
            entry.body = bytes;
        }
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            // A chunked body over the limit: more than `max_body` bytes.
            entry.body_len = max_body.saturating_add(1);
            kit.journal.record(entry);
            return Ok(too_large(max_body));
        }
        Err(err) => {
            tracing::debug!(%err, "reading the request body failed");
            kit.journal.record(entry);
            return kill_and_wait(&kill).await;
        }
    }
    let body = entry.body.clone();
    kit.journal.record(entry);
    let req = Request::from_parts(parts, Body::from(body));

    let Some(fault) = fault else {
        return Ok(run_route(&kit.router, req).await);
    };
    match fault {
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            Ok(run_route(&kit.router, req).await)
        }
        Fault::Status {
            status,
            headers,
            body,
        } => Ok(status_response(status, &headers, body)),
        Fault::ResetBeforeBody => kill_and_wait(&kill).await,
        Fault::ResetAfterBody => {
            let resp = run_route(&kit.router, req).await;
            // Drain the body too, in case the route does work while streaming.
            let _ = resp.into_body().collect().await;
            kill_and_wait(&kill).await
        }
        Fault::TruncatedJson => {
            let resp = run_route(&kit.router, req).await;
            Ok(truncate(resp).await)
        }
        Fault::Html { status } => Ok(html_response(status)),
        Fault::HugeBody { bytes } => Ok(huge_response(bytes)),
        Fault::Hang => futures::future::pending().await,
    }
}

/// `413` for a body over the server's limit.
fn too_large(max_body: u64) -> Response<Body> {
    let body = serde_json::json!({
        "error": "request body too large",
        "limit_bytes": max_body,
    });
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Read a control-plane request's body (bounded) and run it.
async fn run_control(
    kit: &Kit,
    route: ControlRoute,
    parts: &http::request::Parts,
    body: Incoming,
) -> Response<Body> {
    let limit = usize::try_from(kit.shared.max_body).unwrap_or(usize::MAX);
    let body = match Limited::new(body, limit).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return too_large(kit.shared.max_body),
    };
    control::run(kit, route, parts.uri.query(), &body)
}

async fn kill_and_wait(kill: &ConnKill) -> Result<Response<Body>, Infallible> {
    kill.kill();
    futures::future::pending().await
}

async fn run_route(router: &Router, req: Request<Body>) -> Response<Body> {
    match router.clone().oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn status_response(status: u16, headers: &[(String, String)], body: String) -> Response<Body> {
    let trimmed = body.trim_start();
    let content_type = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status_code(status);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            resp.headers_mut().insert(n, v);
        }
    }
    resp
}

fn html_response(status: u16) -> Response<Body> {
    let code = status_code(status);
    let reason = code.canonical_reason().unwrap_or("Error");
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{} {}</title></head>\
         <body><h1>{} {}</h1><p>The server could not handle this request.</p></body></html>\n",
        code.as_u16(),
        reason,
        code.as_u16(),
        reason
    );
    let mut resp = Response::new(Body::from(page));
    *resp.status_mut() = code;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

async fn truncate(resp: Response<Body>) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    let full = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let cut = full.slice(..full.len() / 2);
    parts.headers.remove(header::TRANSFER_ENCODING);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(cut.len()));
    Response::from_parts(parts, Body::from(cut))
}

const CHUNK: u64 = 64 * 1024;

/// Byte `i` of a `total`-byte JSON-ish array: `[0,0,…,0]` (a space before
/// `]` when the length needs padding).
fn huge_byte(i: u64, total: u64) -> u8 {
    if i == 0 {
        return b'[';
    }
    if i + 1 == total {
        return b']';
    }
    let inner = total.saturating_sub(2);
    let j = i - 1;
    if inner.is_multiple_of(2) && j + 1 == inner {
        b' '
    } else if j.is_multiple_of(2) {
        b'0'
    } else {
        b','
    }
}

fn huge_response(total: u64) -> Response<Body> {
    let stream = futures::stream::unfold(0u64, move |pos| async move {
        if pos >= total {
            return None;
        }
        let end = (pos + CHUNK).min(total);
        let chunk: Vec<u8> = (pos..end).map(|i| huge_byte(i, total)).collect();
        Some((Ok::<Bytes, std::io::Error>(Bytes::from(chunk)), end))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    resp
}

#[cfg(test)]
mod tests {
    use super::huge_byte;

    fn render(total: u64) -> String {
        (0..total).map(|i| huge_byte(i, total) as char).collect()
    }

    #[test]
    fn huge_body_shape() {
        assert_eq!(render(2), "[]");
        assert_eq!(render(3), "[0]");
        assert_eq!(render(4), "[0 ]");
        assert_eq!(render(5), "[0,0]");
        for n in 2..50 {
            let s = render(n);
            assert_eq!(s.len() as u64, n);
            assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok(), "{s}");
        }
    }
}
