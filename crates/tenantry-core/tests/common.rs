//! Shared helpers for tenantry-core's integration tests (loopback only).
#![allow(dead_code)]

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tenantry_core::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use tenantry_core::{Pipeline, ReqwestTransport, RetryConfig, TransportConfig};

/// A little JSON service: `GET /items`, `POST /items` (echoes the body),
/// `GET /typed` (a count that is a string: wrong type for `Counted`).
pub fn items_router() -> Router {
    Router::new()
        .route(
            "/items",
            get(|| async { Json(json!({"count": 2, "items": ["a", "b"]})) }).post(
                |Json(v): Json<Value>| async move {
                    (axum::http::StatusCode::CREATED, Json(json!({"created": v})))
                },
            ),
        )
        .route(
            "/typed",
            get(|| async { Json(json!({"count": "two", "items": []})) }),
        )
        .route(
            "/stream",
            get(|| async {
                // 100 MiB in 64 KiB chunks, no Content-Length: the cap must cut it while streaming.
                let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
                let s = futures::stream::iter(
                    (0..1600).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
                );
                axum::body::Body::from_stream(s)
            }),
        )
        .route("/pieces", get(|| async { pieces(false) }))
        .route("/pieces-len", get(|| async { pieces(true) }))
        .route(
            "/echo",
            post(|body: String| async move { (axum::http::StatusCode::BAD_REQUEST, body) }),
        )
}

/// A `Counted` body sent in three chunks 20 ms apart (so they arrive
/// apart), with or without a `Content-Length`.
fn pieces(declared: bool) -> axum::response::Response {
    use futures::StreamExt;
    const PARTS: [&str; 3] = ["{\"count\": 2, ", "\"items\": [\"a\", ", "\"b\"]}"];
    let s = futures::stream::iter(PARTS).then(|p| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(p.as_bytes()))
    });
    let mut resp = axum::response::Response::new(axum::body::Body::from_stream(s));
    if declared {
        let len: usize = PARTS.iter().map(|p| p.len()).sum();
        resp.headers_mut()
            .insert(axum::http::header::CONTENT_LENGTH, len.into());
    }
    resp
}

#[derive(Debug, serde::Deserialize, PartialEq)]
pub struct Counted {
    pub count: u64,
    pub items: Vec<String>,
}

pub fn fast_retry() -> RetryConfig {
    RetryConfig::standard()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

pub fn transport(timeout: Duration) -> Arc<dyn HttpTransport> {
    Arc::new(
        ReqwestTransport::new(
            TransportConfig::default()
                .timeout(timeout)
                .connect_timeout(Duration::from_secs(2)),
        )
        .unwrap(),
    )
}

pub fn pipeline(base: &str, retry: RetryConfig) -> Pipeline {
    Pipeline::builder("test")
        .base_url(base)
        .transport(transport(Duration::from_secs(5)))
        .retry(retry)
        .build()
        .unwrap()
}

/// Counts what passes through to the inner transport.
#[derive(Debug)]
pub struct Counting {
    pub inner: Arc<dyn HttpTransport>,
    pub calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl HttpTransport for Counting {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.send(request).await
    }
}
