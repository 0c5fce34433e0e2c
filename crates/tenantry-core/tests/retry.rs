//! The retry policy against a simulated server: what was sent, how often.

mod common;

use common::*;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantry_core::http::Method;
use tenantry_core::transport::{Reached, TransportErrorKind};
use tenantry_core::{Error, Idempotency, Operation, Pipeline, RetryConfig};
use tenantry_sim::{Fault, FaultRule, SimServer};

#[tokio::test]
async fn get_after_two_503s_succeeds_on_the_third_attempt() {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults().add(
        FaultRule::path("/items", Fault::status(503))
            .method("GET")
            .times(2),
    );
    let p = pipeline(&sim.base_url(), fast_retry());
    let got: Counted = p
        .json(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap();
    assert_eq!(
        got,
        Counted {
            count: 2,
            items: vec!["a".into(), "b".into()]
        }
    );
    let j = sim.journal();
    assert_eq!(j.count("GET", "/items"), 3, "{:?}", j.entries());
}

#[tokio::test]
async fn post_on_503_is_sent_once_and_fails_with_the_status() {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults()
        .add(FaultRule::path("/items", Fault::status(503)));
    let p = pipeline(&sim.base_url(), fast_retry());
    let err = p
        .json::<serde_json::Value>(
            &Operation::new("test.create", Method::POST, "/items")
                .json(&serde_json::json!({"n": 1})),
        )
        .await
        .unwrap_err();
    match &err {
        Error::Api(a) => {
            assert_eq!(a.status, 503);
            assert_eq!(a.operation, "test.create");
            assert!(!a.excerpt.is_empty());
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(sim.journal().count("POST", "/items"), 1);
}

#[tokio::test]
async fn post_marked_idempotent_is_retried_on_503() {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults()
        .add(FaultRule::path("/items", Fault::status(503)).times(1));
    let p = pipeline(&sim.base_url(), fast_retry());
    let v: serde_json::Value = p
        .json(
            &Operation::new("test.upsert", Method::POST, "/items")
                .json(&serde_json::json!({"n": 7}))
                .idempotency(Idempotency::Idempotent),
        )
        .await
        .unwrap();
    assert_eq!(v["created"]["n"], 7);
    let posts = sim.journal().filter(|e| e.method == "POST");
    assert_eq!(posts.len(), 2);
    assert!(posts
        .iter()
        .all(|e| e.json() == Some(serde_json::json!({"n": 7}))));
}

#[tokio::test]
async fn post_reset_after_the_body_reached_the_server_is_not_resent() {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults()
        .add(FaultRule::path("/items", Fault::ResetAfterBody).times(1));
    let p = pipeline(&sim.base_url(), fast_retry());
    let err = p
        .send(
            &Operation::new("test.create", Method::POST, "/items")
                .json(&serde_json::json!({"n": 1})),
        )
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.reached_server(), Reached::Maybe, "{t:?}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(sim.journal().count("POST", "/items"), 1);
}

#[tokio::test]
async fn get_reset_is_retried() {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults()
        .add(FaultRule::path("/items", Fault::ResetBeforeBody).times(1));
    let p = pipeline(&sim.base_url(), fast_retry());
    let got: Counted = p
        .json(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap();
    assert_eq!(got.count, 2);
    assert_eq!(sim.journal().count("GET", "/items"), 2);
}

#[tokio::test]
async fn post_to_a_closed_port_is_retried() {
    // A socket bound but never listening: connecting is refused, and the
    // port stays ours for the whole test (no other process can take it).
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = reserved.local_addr().unwrap().port();
    let counting = Arc::new(Counting {
        inner: transport(Duration::from_secs(2)),
        calls: Default::default(),
    });
    let p = Pipeline::builder("test")
        .base_url(format!("http://127.0.0.1:{port}"))
        .transport(counting.clone())
        .retry(fast_retry().max_attempts(3))
        .build()
        .unwrap();
    let err = p
        .send(&Operation::new("test.create", Method::POST, "/items").json(&serde_json::json!({})))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.kind(), TransportErrorKind::Connect);
            assert_eq!(t.reached_server(), Reached::Never);
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
    assert_eq!(
        counting.calls.load(Ordering::SeqCst),
        3,
        "a never-sent POST is retried"
    );
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults().add(
        FaultRule::path("/items", Fault::retry_after(503, 1))
            .method("GET")
            .times(1),
    );
    // Backoff alone would wait at most 20 ms: only Retry-After explains a 1 s gap.
    let p = pipeline(
        &sim.base_url(),
        fast_retry().max_backoff(Duration::from_secs(5)),
    );
    let started = Instant::now();
    let got: Counted = p
        .json(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap();
    assert_eq!(got.count, 2);
    let entries = sim.journal().filter(|e| e.path == "/items");
    assert_eq!(entries.len(), 2);
    let gap = entries[1]
        .at
        .duration_since(entries[0].at)
        .unwrap_or_default();
    assert!(
        gap >= Duration::from_millis(950),
        "second attempt came after {gap:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn disabled_retry_sends_once() {
    let sim = SimServer::start(items_router()).await.unwrap();
    sim.faults()
        .add(FaultRule::path("/items", Fault::status(503)));
    let p = pipeline(&sim.base_url(), RetryConfig::disabled());
    let err = p
        .send(&Operation::new("test.list", Method::GET, "/items"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(sim.journal().count("GET", "/items"), 1);
}

/// The retry token bucket (capacity 500, 5 per retry, 10 per timeout, +1
/// per success) is shared by the clones of a pipeline: 50 failing GETs, half
/// through a clone, make 100 retries and empty it; the next GET is sent
/// once; a success puts one token back.
#[tokio::test]
async fn the_shared_token_bucket_runs_dry_and_refills_on_success() {
    use tenantry_core::retry::TokenBucket;
    use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
    let mock = Arc::new(
        MockTransport::new()
            .expect(
                Expect::new(Method::GET, "/v1/items")
                    .reply(Reply::status(503))
                    .times(150),
            )
            .expect(Expect::new(Method::GET, "/v1/items").reply(Reply::status(503)))
            .expect(Expect::new(Method::GET, "/v1/items").reply(Reply::json(
                200,
                serde_json::json!({"count": 0, "items": []}),
            ))),
    );
    let p = Pipeline::builder("test")
        .base_url("http://127.0.0.1:9/v1")
        .transport(mock.clone())
        .retry(RetryConfig::standard().initial_backoff(Duration::ZERO))
        .build()
        .unwrap();
    let clone = p.clone();
    let op = Operation::new("test.list", Method::GET, "/items");
    for i in 0..50 {
        let via = if i % 2 == 0 { &p } else { &clone };
        let e = via.json::<Counted>(&op).await.unwrap_err();
        assert_eq!(e.status(), Some(503), "{e:?}");
    }
    assert_eq!(p.token_bucket().available(), 0);
    assert_eq!(
        mock.requests().len(),
        150,
        "3 attempts each while tokens last"
    );
    // Dry: one attempt only.
    let e = clone.json::<Counted>(&op).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(mock.requests().len(), 151);
    // A success refills by one.
    p.json::<Counted>(&op).await.unwrap();
    assert_eq!(
        clone.token_bucket().available(),
        TokenBucket::SUCCESS_REWARD
    );
    mock.verify().unwrap();
}

/// A retry after a timeout costs 10 tokens, after a 503 5.
#[tokio::test]
async fn a_timeout_retry_costs_more_than_a_status_retry() {
    use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
    let mock = Arc::new(
        MockTransport::new()
            .expect(
                Expect::new(Method::GET, "/items")
                    .reply(Reply::fail(TransportErrorKind::Timeout, Reached::Maybe)),
            )
            .expect(Expect::new(Method::GET, "/items").reply(Reply::status(503)))
            .expect(Expect::new(Method::GET, "/items").reply(Reply::status(404))),
    );
    let p = Pipeline::builder("test")
        .base_url("http://127.0.0.1:9")
        .transport(mock.clone())
        .retry(RetryConfig::standard().initial_backoff(Duration::ZERO))
        .build()
        .unwrap();
    let e = p
        .send(&Operation::new("test.get", Method::GET, "/items"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(
        p.token_bucket().available(),
        500 - 10 - 5,
        "a 404 is no success"
    );
    mock.verify().unwrap();
}

/// 20 concurrent first calls against a server that never answers share one
/// discovery: one request is sent, every caller fails when its one timeout
/// passes (about 1 timeout in all, not 20 one after another).
#[tokio::test]
async fn a_dead_discovery_fails_all_waiters_at_once() {
    use tenantry_core::endpoint::Resolver;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let acc = accepted.clone();
    // Accepts and holds every connection, never answers.
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            acc.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    let timeout = Duration::from_millis(400);
    let counting = Arc::new(Counting {
        inner: transport(timeout),
        calls: Default::default(),
    });
    let p = Pipeline::builder("test")
        .base_url(format!("http://{addr}"))
        .transport(counting.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let resolver = Arc::new(Resolver::<String>::new());
    let started = Instant::now();
    let mut calls = Vec::new();
    for _ in 0..20 {
        let (p, resolver) = (p.clone(), resolver.clone());
        calls.push(tokio::spawn(async move {
            resolver
                .get_or_discover(move || async move {
                    let op = Operation::new("test.discover", Method::POST, "/tokens")
                        .idempotency(Idempotency::Idempotent);
                    p.json::<serde_json::Value>(&op)
                        .await
                        .map(|_| "/base".to_owned())
                })
                .await
        }));
    }
    for c in calls {
        let e = c.await.unwrap().unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
    }
    let elapsed = started.elapsed();
    assert_eq!(
        counting.calls.load(Ordering::SeqCst),
        1,
        "one discovery request"
    );
    assert!(accepted.load(Ordering::SeqCst) <= 1);
    assert!(elapsed >= timeout, "{elapsed:?}");
    // Serial discoveries would take 20 timeouts (8 s); shared, one.
    assert!(elapsed < timeout * 10, "{elapsed:?}");
    server.abort();
}
