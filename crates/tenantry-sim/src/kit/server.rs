//! The HTTP server every simulator runs on.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use http::{header, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use super::fault::{Fault, Faults};
use super::journal::{Journal, JournalEntry};

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

/// A running simulator server bound to a local TCP port.
///
/// Every request is recorded in its [`Journal`] and checked against its
/// [`Faults`] before the router sees it. Dropping the value (or calling
/// [`SimServer::shutdown`]) stops the server and closes every connection.
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
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Serve `router` on `127.0.0.1` with a port chosen by the system.
    pub async fn start(router: Router) -> std::io::Result<SimServer> {
        Self::start_on(router, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Serve `router` on this address (port 0 lets the system choose).
    pub async fn start_on(router: Router, addr: SocketAddr) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let journal = Journal::new();
        let faults = Faults::new();
        let (stop_tx, stop_rx) = oneshot::channel();
        let kit = Kit {
            router,
            journal: journal.clone(),
            faults: faults.clone(),
        };
        let task = tokio::spawn(accept_loop(listener, kit, stop_rx));
        Ok(SimServer {
            addr,
            journal,
            faults,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle on the request journal.
    pub fn journal(&self) -> Journal {
        self.journal.clone()
    }

    /// A handle on the fault rules.
    pub fn faults(&self) -> Faults {
        self.faults.clone()
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

#[derive(Clone)]
struct Kit {
    router: Router,
    journal: Journal,
    faults: Faults,
}

async fn accept_loop(listener: TcpListener, kit: Kit, mut stop: oneshot::Receiver<()>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, kit.clone()));
                }
                Err(err) => {
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

async fn serve_connection(stream: TcpStream, kit: Kit) {
    let kill = ConnKill::default();
    let svc_kill = kill.clone();
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| -> BoxFut {
        Box::pin(handle(kit.clone(), svc_kill.clone(), req))
    });
    let mut conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        res = &mut conn => {
            if let Err(err) = res {
                tracing::debug!(%err, "connection ended with an error");
            }
        }
        _ = kill.0.notified() => {
            let parts = conn.into_parts();
            // SO_LINGER 0: the close sends a TCP reset.
            let _ = parts.io.inner().set_zero_linger();
            drop(parts);
        }
    }
}

async fn handle(
    kit: Kit,
    kill: ConnKill,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (mut parts, body) = req.into_parts();
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
    let mut entry = JournalEntry {
        method,
        path,
        query,
        headers,
        body: Bytes::new(),
        at: SystemTime::now(),
    };
    let fault = kit.faults.take(&entry.method, &entry.path);

    if matches!(fault, Some(Fault::ResetBeforeBody)) {
        kit.journal.record(entry);
        return kill_and_wait(&kill).await;
    }
    match body.collect().await {
        Ok(collected) => entry.body = collected.to_bytes(),
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
