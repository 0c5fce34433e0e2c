//! Bad answers give typed errors that keep status and excerpt: no panic, no hang.

mod common;

use common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantry_core::http::Method;
use tenantry_core::transport::TransportErrorKind;
use tenantry_core::{Error, Operation, Pipeline, ReqwestTransport, RetryConfig, TransportConfig};
use tenantry_sim::{Fault, FaultRule, SimServer};

async fn sim_with(fault: Fault) -> SimServer {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults().add(FaultRule::path("/items", fault));
    sim
}

#[tokio::test]
async fn html_instead_of_json_is_a_decode_error_with_excerpt() {
    let sim = sim_with(Fault::Html { status: 200 }).await;
    let p = pipeline(&sim.base_url(), RetryConfig::disabled());
    let err = p
        .json::<Counted>(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            excerpt,
            operation,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(operation, "test.list");
            assert!(excerpt.to_ascii_lowercase().contains("<html"), "{excerpt}");
        }
        other => panic!("expected decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn html_error_page_keeps_status_and_excerpt() {
    let sim = sim_with(Fault::Html { status: 502 }).await;
    let p = pipeline(&sim.base_url(), RetryConfig::disabled());
    let err = p
        .json::<Counted>(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err
        .excerpt()
        .unwrap_or("")
        .to_ascii_lowercase()
        .contains("<html"));
    assert!(err.to_string().contains("502"));
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let sim = sim_with(Fault::TruncatedJson).await;
    let p = pipeline(&sim.base_url(), RetryConfig::disabled());
    let err = p
        .json::<Counted>(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            message,
            excerpt,
            ..
        } => {
            assert_eq!(*status, 200);
            assert!(message.contains("EOF"), "{message}");
            assert!(excerpt.starts_with("{\"count\""), "{excerpt}");
        }
        other => panic!("expected decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_typed_json_names_the_field() {
    let sim = SimServer::start(items_router()).await.unwrap();
    let p = pipeline(&sim.base_url(), RetryConfig::disabled());
    let err = p
        .json::<Counted>(&Operation::new("test.typed", Method::GET, "/typed"))
        .await
        .unwrap_err();
    match &err {
        Error::Decode { path, excerpt, .. } => {
            assert_eq!(path, "count");
            assert!(excerpt.contains("two"));
        }
        other => panic!("expected decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_100_mib_body_is_cut_at_the_cap() {
    let sim = sim_with(Fault::HugeBody {
        bytes: 100 * 1024 * 1024,
    })
    .await;
    let p = pipeline(&sim.base_url(), RetryConfig::disabled());
    let err = p
        .json::<Counted>(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap_err();
    match &err {
        Error::BodyTooLarge { status, limit } => {
            assert_eq!(*status, 200);
            assert_eq!(*limit, 16 * 1024 * 1024);
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn a_100_mib_chunked_body_without_length_is_cut_while_streaming() {
    let sim = SimServer::start(items_router()).await.unwrap();
    let t = Arc::new(
        ReqwestTransport::new(TransportConfig::default().max_body_bytes(1024 * 1024)).unwrap(),
    );
    let p = Pipeline::builder("test")
        .base_url(sim.base_url())
        .transport(t)
        .build()
        .unwrap();
    let err = p
        .send(&Operation::new("test.stream", Method::GET, "/stream"))
        .await
        .unwrap_err();
    match &err {
        Error::BodyTooLarge { status, limit } => {
            assert_eq!(*status, 200);
            assert_eq!(*limit, 1024 * 1024);
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    assert_eq!(
        sim.journal().count("GET", "/stream"),
        1,
        "a too-large body is not retried"
    );
}

/// A body in several chunks is read whole, with or without a declared
/// length (the transport keeps a lone chunk as it is and joins several).
#[tokio::test]
async fn a_body_in_several_chunks_is_read_whole() {
    let sim = SimServer::start(items_router()).await.unwrap();
    let p = Pipeline::builder("test")
        .base_url(sim.base_url())
        .build()
        .unwrap();
    for path in ["/pieces", "/pieces-len"] {
        let op = Operation::new("test.pieces", Method::GET, "/pieces");
        let resp = p.send(&op.raw_path(path.to_owned())).await.unwrap();
        let declared = resp.headers().get("content-length").is_some();
        assert_eq!(declared, path == "/pieces-len", "{path}");
        let got: Counted = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(
            got,
            Counted {
                count: 2,
                items: vec!["a".into(), "b".into()]
            },
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let sim = sim_with(Fault::Hang).await;
    let t = Arc::new(
        ReqwestTransport::new(TransportConfig::default().timeout(Duration::from_millis(300)))
            .unwrap(),
    );
    let p = Pipeline::builder("test")
        .base_url(sim.base_url())
        .transport(t)
        .retry(fast_retry().max_attempts(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = p
        .json::<Counted>(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Timeout),
        other => panic!("{other:?}"),
    }
    // Two attempts of 300 ms each: bounded, not a hang.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        sim.journal().count("GET", "/items"),
        2,
        "a GET that timed out is retried"
    );
}

#[tokio::test]
async fn a_slow_post_that_timed_out_is_not_resent() {
    let sim = sim_with(Fault::Hang).await;
    let t = Arc::new(
        ReqwestTransport::new(TransportConfig::default().timeout(Duration::from_millis(300)))
            .unwrap(),
    );
    let p = Pipeline::builder("test")
        .base_url(sim.base_url())
        .transport(t)
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = p
        .send(&Operation::new("test.create", Method::POST, "/items").json(&serde_json::json!({})))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(sim.journal().count("POST", "/items"), 1);
}

#[test]
fn bad_base_urls_are_config_errors() {
    for bad in ["not a url", "mailto:x@y", "ftp://host/x"] {
        let err = Pipeline::builder("test").base_url(bad).build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
    }
}

/// The timeout covers the whole exchange, answer body included: a server
/// that sends its headers and then stalls in the body times out too.
#[tokio::test]
async fn a_body_that_stalls_times_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        // Read the whole request head before answering, so the client is
        // surely waiting when the answer is written.
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            assert!(n > 0, "client closed before sending its request");
            head.extend_from_slice(&buf[..n]);
        }
        sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"count\"")
            .await
            .unwrap();
        // Hold the connection open, body unfinished.
        futures::future::pending::<()>().await;
    });
    let t = Arc::new(
        ReqwestTransport::new(TransportConfig::default().timeout(Duration::from_millis(300)))
            .unwrap(),
    );
    let p = Pipeline::builder("test")
        .base_url(format!("http://{addr}"))
        .transport(t)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = p
        .json::<Counted>(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    server.abort();
}
