//! HTTP/2 streams the server declined: tenantry's retry policy re-sends a
//! stream refused before processing (even a POST), and only that.

mod common;

use bytes::Bytes;
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tenantry_core::http::Method;
use tenantry_core::transport::{Reached, TransportErrorKind};
use tenantry_core::{Error, Operation, Pipeline, ReqwestTransport, TransportConfig};

/// What one stream carried: method, path, content-type, body.
type Seen = (String, String, Option<String>, Vec<u8>);

/// An h2c server whose first stream gets `first` (a reset with that
/// reason, after its request is read whole); later streams get a `Counted`
/// body. Returns its address and what each stream carried.
async fn h2_server(first: h2::Reason) -> (std::net::SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(AtomicUsize::new(0));
    let journal = seen.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (counter, journal) = (counter.clone(), journal.clone());
            tokio::spawn(async move {
                let Ok(mut conn) = h2::server::handshake(sock).await else {
                    return;
                };
                while let Some(Ok((req, mut respond))) = conn.accept().await {
                    let (head, mut body) = req.into_parts();
                    let mut bytes = Vec::new();
                    while let Some(Ok(chunk)) = body.data().await {
                        let _ = body.flow_control().release_capacity(chunk.len());
                        bytes.extend_from_slice(&chunk);
                    }
                    journal.lock().unwrap().push((
                        head.method.to_string(),
                        head.uri.path().to_owned(),
                        head.headers
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned),
                        bytes,
                    ));
                    if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                        respond.send_reset(first);
                        continue;
                    }
                    let head = http::Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(())
                        .unwrap();
                    let mut body = respond.send_response(head, false).unwrap();
                    body.send_data(
                        Bytes::from_static(br#"{"count": 2, "items": ["a", "b"]}"#),
                        true,
                    )
                    .unwrap();
                }
            });
        }
    });
    (addr, seen)
}

/// A pipeline over h2c (prior knowledge), with reqwest's own retry off as
/// `ReqwestTransport::new` sets it.
fn h2_pipeline(addr: std::net::SocketAddr) -> Pipeline {
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
        .unwrap();
    let t = Arc::new(ReqwestTransport::from_client(
        client,
        &TransportConfig::default(),
    ));
    Pipeline::builder("test")
        .base_url(format!("http://{addr}"))
        .transport(t)
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn create() -> Operation {
    Operation::new("test.create", Method::POST, "/items")
        .body("application/json", &br#"{"name": "x"}"#[..])
}

/// The request `create()` sends.
fn sent_create() -> Seen {
    (
        "POST".into(),
        "/items".into(),
        Some("application/json".into()),
        br#"{"name": "x"}"#.to_vec(),
    )
}

#[tokio::test]
async fn a_refused_stream_is_sent_again_even_for_a_post() {
    let (addr, seen) = h2_server(h2::Reason::REFUSED_STREAM).await;
    let got: Counted = h2_pipeline(addr).json(&create()).await.unwrap();
    assert_eq!(
        got,
        Counted {
            count: 2,
            items: vec!["a".into(), "b".into()]
        }
    );
    // Refused once, then the same request sent again.
    assert_eq!(*seen.lock().unwrap(), vec![sent_create(), sent_create()]);
}

#[tokio::test]
async fn a_stream_reset_for_another_reason_is_not_sent_again() {
    let (addr, seen) = h2_server(h2::Reason::INTERNAL_ERROR).await;
    let err = h2_pipeline(addr)
        .json::<Counted>(&create())
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.reached_server(), Reached::Maybe, "{t}");
            assert_ne!(t.kind(), TransportErrorKind::Timeout);
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    // A POST that may have been processed is not re-sent.
    assert_eq!(*seen.lock().unwrap(), vec![sent_create()]);
}
