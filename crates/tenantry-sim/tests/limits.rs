//! The server's bounds: body size, journal, header read timeout and
//! connection limit. Small, configured limits; every wait is for an event
//! (with a generous outer timeout), never a fixed sleep.

use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use tenantry_sim::{Fault, FaultRule, SimOptions, SimServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough for a loaded machine; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(30);

fn router() -> Router {
    Router::new()
        .route("/echo", post(|body: String| async move { body }))
        .route("/hello", get(|| async { "hello" }))
}

async fn start(opts: SimOptions) -> SimServer {
    SimServer::start_with(router(), opts).await.unwrap()
}

/// Read until the peer closes (EOF or reset); what was read.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf))
            .await
            .expect("the server never closed the connection")
        {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

/// Wait (bounded) until the server counts `n` open connections.
async fn wait_for_connections(server: &SimServer, n: usize) {
    tokio::time::timeout(PATIENCE, async {
        while server.open_connections() != n {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never {n} connections, {}", server.open_connections()));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_unread_and_not_journaled() {
    let server = start(SimOptions::new().max_body_bytes(1024)).await;
    let client = reqwest::Client::new();
    let url = format!("{}/echo", server.base_url());

    let ok = client
        .post(&url)
        .body(vec![b'a'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap().len(), 1024);

    let big = client
        .post(&url)
        .body(vec![b'b'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    let v: serde_json::Value = serde_json::from_str(&big.text().await.unwrap()).unwrap();
    assert_eq!(v["limit_bytes"], 1024);

    // Chunked (no Content-Length): cut off once past the limit.
    let chunks = futures::stream::iter(
        (0..8).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'c'; 512]))),
    );
    let chunked = client
        .post(&url)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), 413);

    let entries = server.journal().entries();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].body.len(), 1024);
    assert!(entries[1].body.is_empty());
    assert_eq!(entries[1].body_len, 4096);
    assert!(entries[1].body_truncated());
    assert!(entries[2].body.is_empty());
    assert_eq!(entries[2].body_len, 1025);
}

#[tokio::test]
async fn the_journal_keeps_the_last_entries_with_cut_bodies() {
    let server = start(SimOptions::new().journal_limits(2, 8)).await;
    let client = reqwest::Client::new();
    for body in ["first request", "second request", "third request"] {
        let r = client
            .post(format!("{}/echo", server.base_url()))
            .body(body)
            .send()
            .await
            .unwrap();
        // The route still sees the whole body.
        assert_eq!(r.text().await.unwrap(), body);
    }
    let j = server.journal();
    let bodies: Vec<_> = j.entries().iter().map(|e| e.body_str()).collect();
    assert_eq!(bodies, ["second r", "third re"]);
    assert_eq!(j.dropped(), 1);
    assert_eq!(j.entries()[1].body_len, 13);
    assert_eq!(j.entries()[1].seq, 3);
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed() {
    let server = start(SimOptions::new().header_read_timeout(Duration::from_millis(300))).await;
    // Slowloris: half a request head, then nothing.
    let mut slow = TcpStream::connect(server.addr()).await.unwrap();
    slow.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Idle: connects, never sends.
    let mut idle = TcpStream::connect(server.addr()).await.unwrap();
    // Kept alive after one answer, then idle.
    let mut kept = TcpStream::connect(server.addr()).await.unwrap();
    kept.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();

    let slow_got = read_until_closed(&mut slow).await;
    assert!(
        slow_got.is_empty() || slow_got.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&slow_got)
    );
    read_until_closed(&mut idle).await;
    let kept_got = String::from_utf8(read_until_closed(&mut kept).await).unwrap();
    assert!(kept_got.starts_with("HTTP/1.1 200"), "{kept_got}");
    assert!(kept_got.ends_with("hello"), "{kept_got}");
    wait_for_connections(&server, 0).await;
}

#[tokio::test]
async fn at_the_connection_limit_the_oldest_idle_connection_makes_room() {
    let server = start(SimOptions::new().max_connections(2)).await;
    let mut first = TcpStream::connect(server.addr()).await.unwrap();
    wait_for_connections(&server, 1).await;
    let _second = TcpStream::connect(server.addr()).await.unwrap();
    wait_for_connections(&server, 2).await;

    // A third connection is served ...
    let r = reqwest::get(format!("{}/hello", server.base_url()))
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "hello");
    // ... and the oldest idle one was closed to make room.
    assert!(read_until_closed(&mut first).await.is_empty());
}

#[tokio::test]
async fn at_the_connection_limit_with_every_connection_busy_a_new_one_is_closed() {
    let server = start(SimOptions::new().max_connections(1)).await;
    server
        .faults()
        .add(FaultRule::path("/hello", Fault::Hang).times(1));
    let mut busy = TcpStream::connect(server.addr()).await.unwrap();
    busy.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // The hanging request is in flight once the journal has it.
    tokio::time::timeout(PATIENCE, async {
        while server.journal().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    let mut refused = TcpStream::connect(server.addr()).await.unwrap();
    let _ = refused
        .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert!(read_until_closed(&mut refused).await.is_empty());
    assert_eq!(server.open_connections(), 1);
    assert_eq!(server.journal().len(), 1);
}

#[tokio::test]
async fn at_the_connection_limit_a_slow_request_head_is_dropped_to_make_room() {
    // The header timeout is out of reach: only the limit can close it.
    let server = start(
        SimOptions::new()
            .max_connections(1)
            .header_read_timeout(Duration::from_secs(3600)),
    )
    .await;
    let mut slow = TcpStream::connect(server.addr()).await.unwrap();
    slow.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    wait_for_connections(&server, 1).await;
    let r = reqwest::get(format!("{}/hello", server.base_url()))
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "hello");
    assert!(read_until_closed(&mut slow).await.is_empty());
}
