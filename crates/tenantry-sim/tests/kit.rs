//! The kit: journal, faults and the server's connection handling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use axum::Router;
use futures::StreamExt;
use tenantry_sim::{CasSim, Fault, FaultRule, SimServer};

/// A router with a side effect: every POST /echo bumps the counter.
fn echo_router(counter: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route(
            "/echo",
            post(move |body: String| {
                let counter = counter.clone();
                async move {
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    axum::Json(serde_json::json!({
                        "count": n,
                        "received": body,
                        "padding": "some padding so that half of it is clearly not JSON",
                    }))
                }
            }),
        )
        .route("/hello", get(|| async { "hello" }))
}

async fn start() -> (SimServer, Arc<AtomicUsize>) {
    let counter = Arc::new(AtomicUsize::new(0));
    let server = SimServer::start(echo_router(counter.clone()))
        .await
        .unwrap();
    (server, counter)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

#[tokio::test]
async fn journal_records_method_path_query_headers_body() {
    let (server, _) = start().await;
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert!(!server.base_url().ends_with('/'));
    let resp = client()
        .post(format!("{}/echo?x=1&y=two%20words", server.base_url()))
        .header("X-Test-Header", "abc")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("a=1&b=x%5Cy")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    client()
        .get(format!("{}/hello", server.base_url()))
        .send()
        .await
        .unwrap();

    let journal = server.journal();
    assert_eq!(journal.len(), 2);
    assert!(!journal.is_empty());
    let entries = journal.entries();
    let e = &entries[0];
    assert_eq!(e.method, "POST");
    assert_eq!(e.path, "/echo");
    assert_eq!(e.query.as_deref(), Some("x=1&y=two%20words"));
    assert_eq!(e.header("x-test-header"), Some("abc"));
    assert_eq!(e.header("X-TEST-HEADER"), Some("abc"));
    assert!(e.headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
    assert_eq!(e.body_str(), "a=1&b=x%5Cy");
    assert_eq!(
        e.form(),
        vec![("a".into(), "1".into()), ("b".into(), "x\\y".into())]
    );
    assert_eq!(
        e.query_pairs(),
        vec![("x".into(), "1".into()), ("y".into(), "two words".into())]
    );
    assert!(e.json().is_none());
    assert_eq!(entries[1].query, None);
    assert_eq!(journal.count("POST", "/echo"), 1);
    assert_eq!(journal.count("GET", "/echo"), 0);
    assert_eq!(journal.count("GET", "/hello"), 1);
    assert_eq!(journal.filter(|e| e.method == "GET").len(), 1);
    journal.clear();
    assert!(server.journal().is_empty());
}

#[tokio::test]
async fn journal_records_unknown_routes_and_json() {
    let (server, _) = start().await;
    let resp = client()
        .put(format!("{}/nowhere", server.base_url()))
        .body(r#"{"k":[1,2]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let e = &server.journal().entries()[0];
    assert_eq!(e.method, "PUT");
    assert_eq!(e.json().unwrap()["k"][1], 2);
}

#[tokio::test]
async fn status_fault_applies_n_times_then_normal() {
    let (server, counter) = start().await;
    server.faults().add(
        FaultRule::path("/echo", Fault::retry_after(503, 7))
            .method("POST")
            .times(2),
    );
    let c = client();
    let url = format!("{}/echo", server.base_url());
    // Another method is not affected.
    assert_eq!(
        c.get(format!("{}/hello", server.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for _ in 0..2 {
        let resp = c.post(&url).body("x").send().await.unwrap();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers()["retry-after"], "7");
        let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(body["status"], 503);
    }
    assert_eq!(counter.load(Ordering::SeqCst), 0, "route must not run");
    let resp = c.post(&url).body("x").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(counter.load(Ordering::SeqCst), 1);
    // Every request was journaled, faulted or not.
    assert_eq!(server.journal().count("POST", "/echo"), 3);
}

#[tokio::test]
async fn prefix_any_and_clear() {
    let (server, _) = start().await;
    let c = client();
    server
        .faults()
        .add(FaultRule::prefix("/hel", Fault::status(418)));
    let hello = format!("{}/hello", server.base_url());
    assert_eq!(c.get(&hello).send().await.unwrap().status(), 418);
    assert_eq!(c.get(&hello).send().await.unwrap().status(), 418);
    server.faults().clear();
    assert_eq!(c.get(&hello).send().await.unwrap().status(), 200);
    server
        .faults()
        .add(FaultRule::any(Fault::status(500)).times(1));
    assert_eq!(c.get(&hello).send().await.unwrap().status(), 500);
    assert_eq!(c.get(&hello).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn reset_before_body_drops_connection_without_running_route() {
    let (server, counter) = start().await;
    server
        .faults()
        .add(FaultRule::path("/echo", Fault::ResetBeforeBody).times(1));
    let err = client()
        .post(format!("{}/echo", server.base_url()))
        .body("payload")
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(counter.load(Ordering::SeqCst), 0);
    let entries = server.journal().entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].path, "/echo");
    assert!(entries[0].body.is_empty());
    assert!(entries[0].header("content-length").is_some());
    // The server still works afterwards.
    let resp = client()
        .post(format!("{}/echo", server.base_url()))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn reset_after_body_runs_route_but_sends_nothing() {
    let (server, counter) = start().await;
    server
        .faults()
        .add(FaultRule::path("/echo", Fault::ResetAfterBody).times(1));
    let err = client()
        .post(format!("{}/echo", server.base_url()))
        .body("payload")
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(
        counter.load(Ordering::SeqCst),
        1,
        "the side effect happened"
    );
    assert_eq!(server.journal().entries()[0].body_str(), "payload");
}

#[tokio::test]
async fn reset_after_body_on_cas_still_issues_the_tgt() {
    let cas = CasSim::seeded();
    let server = SimServer::start(cas.router()).await.unwrap();
    server.faults().add(
        FaultRule::path("/cas/v1/tickets", Fault::ResetAfterBody)
            .method("POST")
            .times(1),
    );
    assert_eq!(cas.tgt_count(), 0);
    let res = client()
        .post(format!("{}/cas/v1/tickets", server.base_url()))
        .body("username=workshop%5Calice&password=alice-pass")
        .send()
        .await;
    assert!(res.is_err());
    assert_eq!(cas.tgt_count(), 1);
}

#[tokio::test]
async fn truncated_json_sends_half_the_body() {
    let (server, _) = start().await;
    let c = client();
    let url = format!("{}/echo", server.base_url());
    let full = c.post(&url).body("abc").send().await.unwrap();
    let full_len = full.bytes().await.unwrap().len();
    server
        .faults()
        .add(FaultRule::path("/echo", Fault::TruncatedJson));
    let resp = c.post(&url).body("abc").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let declared: usize = resp.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = resp.bytes().await.unwrap();
    assert_eq!(body.len(), declared);
    assert_eq!(body.len(), full_len / 2);
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
}

#[tokio::test]
async fn html_fault() {
    let (server, counter) = start().await;
    server
        .faults()
        .add(FaultRule::path("/echo", Fault::Html { status: 502 }));
    let resp = client()
        .post(format!("{}/echo", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("<html>"));
    assert_eq!(counter.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn huge_body_is_streamed_with_exact_length() {
    let (server, _) = start().await;
    const N: u64 = 5 * 1024 * 1024 + 3;
    server
        .faults()
        .add(FaultRule::path("/hello", Fault::HugeBody { bytes: N }));
    let resp = client()
        .get(format!("{}/hello", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let mut stream = resp.bytes_stream();
    let mut total = 0u64;
    let mut chunks = 0;
    let mut first = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        if first.is_none() {
            first = chunk.first().copied();
        }
        total += chunk.len() as u64;
        chunks += 1;
    }
    assert_eq!(total, N);
    assert!(chunks > 1);
    assert_eq!(first, Some(b'['));
}

#[tokio::test]
async fn hang_never_answers() {
    let (server, _) = start().await;
    server.faults().add(FaultRule::path("/hello", Fault::Hang));
    let c = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c
        .get(format!("{}/hello", server.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(server.journal().count("GET", "/hello"), 1);
}

#[tokio::test]
async fn latency_delays_then_answers() {
    let (server, counter) = start().await;
    server.faults().add(FaultRule::path(
        "/echo",
        Fault::Latency(Duration::from_millis(250)),
    ));
    let started = Instant::now();
    let resp = client()
        .post(format!("{}/echo", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keep_alive_and_shutdown() {
    let (server, _) = start().await;
    let c = client();
    let url = format!("{}/hello", server.base_url());
    for _ in 0..3 {
        assert_eq!(
            c.get(&url).send().await.unwrap().text().await.unwrap(),
            "hello"
        );
    }
    server.shutdown().await;
    let err = c.get(&url).send().await.unwrap_err();
    assert!(err.is_connect() || err.is_request(), "{err}");
}

#[tokio::test]
async fn dropping_the_server_stops_a_hanging_connection() {
    let (server, _) = start().await;
    server.faults().add(FaultRule::any(Fault::Hang));
    let url = format!("{}/hello", server.base_url());
    let pending = tokio::spawn(async move {
        reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(server);
    let res = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("the client must see the connection close")
        .unwrap();
    let err = res.unwrap_err();
    assert!(!err.is_timeout(), "{err}");
}
