//! Streamed answers (`Pipeline::download`, `download_to`) over a real
//! loopback server: a body larger than the transport's cap written to a
//! file as it arrives, an error answer read capped into a typed error with
//! its excerpt (no file touched), a body that stalls midway → a typed
//! timeout, and the retry rule (again only before the first body byte).

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use common::{fast_retry, transport};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tenantry_core::transport::TransportErrorKind;
use tenantry_core::{Decl, Error, Pipeline};
use tenantry_sim::SimServer;

const EXPORT: Decl = Decl::get("demo.export", "/exports/{name}");
const CHUNK: usize = 64 * 1024;
/// 40 MiB + 5: well past the transport's 16 MiB body cap.
const BIG: usize = 40 * 1024 * 1024 + 5;

/// Byte `i` of the big body (a pattern that catches a lost or repeated
/// chunk: 251 is prime to the chunk size).
fn byte(i: usize) -> u8 {
    (i % 251) as u8
}

/// The big body, generated chunk by chunk as it is sent.
fn big_body() -> Body {
    let chunks = (0..BIG.div_ceil(CHUNK)).map(|c| {
        let start = c * CHUNK;
        let end = (start + CHUNK).min(BIG);
        Ok::<_, std::io::Error>(Bytes::from((start..end).map(byte).collect::<Vec<u8>>()))
    });
    Body::from_stream(futures::stream::iter(chunks))
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tenantry-download-{}-{name}", std::process::id()))
}

/// The app on 127.0.0.1, and a pipeline to it whose transport waits
/// `timeout` for an answer's head and for each chunk of its body.
async fn serve(app: Router, timeout: Duration) -> (SimServer, Pipeline) {
    let server = SimServer::start(app).await.unwrap();
    let p = Pipeline::builder("demo")
        .base_url(server.base_url())
        .transport(transport(timeout))
        .retry(fast_retry())
        .build()
        .unwrap();
    (server, p)
}

#[tokio::test]
async fn a_body_larger_than_the_cap_is_written_to_a_file_as_it_arrives() {
    let app = Router::new().route("/exports/big", get(|| async { big_body() }));
    let (_server, p) = serve(app, Duration::from_secs(30)).await;
    let path = temp_path("big");
    let n = p
        .download_to(&EXPORT.op().param("name", "big"), &path)
        .await
        .unwrap();
    assert_eq!(n, BIG as u64);
    let got = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(got.len(), BIG);
    if let Some(i) = (0..BIG).find(|&i| got[i] != byte(i)) {
        panic!("byte {i} differs: {} != {}", got[i], byte(i));
    }
    // The same answer through `call` is cut at the cap: the download is
    // what lifts it.
    let e = p
        .call::<serde::de::IgnoredAny>(&EXPORT.op().param("name", "big"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { .. }), "{e:?}");
}

#[tokio::test]
async fn an_error_answer_is_a_typed_api_error_with_its_excerpt_and_no_file() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/exports/missing",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async { (StatusCode::NOT_FOUND, "no export called missing").into_response() }
        }),
    );
    let (_server, p) = serve(app, Duration::from_secs(30)).await;
    let path = temp_path("missing");
    std::fs::write(&path, b"kept").unwrap();
    let e = p
        .download_to(&EXPORT.op().param("name", "missing"), &path)
        .await
        .unwrap_err();
    let api = e.api().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(api.status, 404);
    assert_eq!(api.operation, "demo.export");
    assert!(api.excerpt.contains("no export called missing"), "{api:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 1, "a 404 is not retried");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"kept",
        "an error answer leaves the file alone"
    );
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_body_that_stalls_midway_is_a_typed_timeout_not_a_hang() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/exports/stall",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async {
                use futures::StreamExt;
                let first = futures::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(b"first part,"))
                });
                // Then nothing, ever.
                Response::new(Body::from_stream(first.chain(futures::stream::pending())))
            }
        }),
    );
    let (_server, p) = serve(app, Duration::from_millis(700)).await;
    let mut out: Vec<u8> = Vec::new();
    // The guard is far above the 700 ms timeout: only a hang trips it.
    let e = tokio::time::timeout(
        Duration::from_secs(30),
        p.download(&EXPORT.op().param("name", "stall"), &mut out),
    )
    .await
    .expect("the download hung")
    .unwrap_err();
    match &e {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Timeout, "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(out, b"first part,", "what came before the stall is kept");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "not retried once bytes were written"
    );
}

#[tokio::test]
async fn failures_before_the_first_byte_are_retried_and_after_it_are_not() {
    // Attempt 1: 503. Attempt 2: 200 whose body breaks before any byte.
    // Attempt 3: the body.
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let cuts = Arc::new(AtomicUsize::new(0));
    let c = cuts.clone();
    let app = Router::new()
        .route(
            "/exports/flaky",
            get(move || {
                let n = h.fetch_add(1, Ordering::SeqCst);
                async move {
                    match n {
                        0 => (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response(),
                        1 => {
                            let broken = futures::stream::once(async {
                                tokio::time::sleep(Duration::from_millis(20)).await;
                                Err::<Bytes, _>(std::io::Error::other("broken"))
                            });
                            Response::new(Body::from_stream(broken))
                        }
                        _ => "uid\nu1\nu2\n".into_response(),
                    }
                }
            }),
        )
        .route(
            "/exports/cut",
            get(move || async move {
                use futures::StreamExt;
                c.fetch_add(1, Ordering::SeqCst);
                let s = futures::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(b"uid\nu1\n"))
                })
                .chain(futures::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Err::<Bytes, _>(std::io::Error::other("cut"))
                }));
                Response::new(Body::from_stream(s))
            }),
        );
    let (_server, p) = serve(app, Duration::from_secs(30)).await;
    let mut out: Vec<u8> = Vec::new();
    let n = p
        .download(&EXPORT.op().param("name", "flaky"), &mut out)
        .await
        .unwrap();
    assert_eq!((n, out.as_slice()), (10, &b"uid\nu1\nu2\n"[..]));
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    let mut out: Vec<u8> = Vec::new();
    let e = p
        .download(&EXPORT.op().param("name", "cut"), &mut out)
        .await
        .unwrap_err();
    match &e {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Io, "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(out, b"uid\nu1\n");
    assert_eq!(
        cuts.load(Ordering::SeqCst),
        1,
        "not retried once bytes were written"
    );
}
