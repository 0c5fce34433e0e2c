//! Streamed request bodies (`tenantry_core::multipart`): the wire (reqwest's
//! multipart form, the same bytes streamed or read whole), the retry rule
//! (never again once bytes may have been sent), bad sources failing before
//! anything is sent (trace lines: `streaming_trace.rs`).

mod common;

use axum::extract::Request;
use axum::routing::post;
use axum::Router;
use common::fast_retry;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tenantry_core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry_core::http::Method;
use tenantry_core::multipart::{FileSource, Multipart};
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
use tenantry_core::transport::{Reached, TransportErrorKind};
use tenantry_core::{Decl, Error, Pipeline, ReqwestTransport, Secret};
use tenantry_sim::SimServer;

const UPLOAD_POST: Decl = Decl::post("demo.upload", "/upload");
const UPLOAD_PUT: Decl = Decl::put("demo.upload", "/upload");

/// A file in the temp dir, unique to this process and `name`.
fn temp_file(name: &str, content: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("tenantry-stream-{}-{name}", std::process::id()));
    std::fs::write(&p, content).unwrap();
    p
}

fn form(path: &PathBuf) -> Multipart {
    Multipart::new()
        .text("name", "a2")
        .file("content_file", "content.txt", FileSource::path(path))
}

fn mock_pipeline(mock: &Arc<MockTransport>) -> Pipeline {
    Pipeline::builder("demo")
        .base_url("http://127.0.0.1:9/v1")
        .transport(mock.clone())
        .retry(fast_retry())
        .build()
        .unwrap()
}

/// The boundary of a multipart request's Content-Type.
fn boundary(ct: &str) -> String {
    ct.strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{ct}"))
        .to_owned()
}

/// The body `form(..)` must produce for `content`.
fn expected_body(b: &str, content: &[u8]) -> Vec<u8> {
    let mut want = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\na2\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"content_file\"; filename=\"content.txt\"\r\n\r\n"
    )
    .into_bytes();
    want.extend_from_slice(content);
    want.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    want
}

#[tokio::test]
async fn a_transport_that_cannot_stream_gets_the_form_read_whole() {
    let path = temp_file("whole", b"hello-file\n");
    let mock = Arc::new(
        MockTransport::new().expect(
            Expect::new(Method::POST, "/v1/upload")
                .any_body()
                .reply(Reply::json(201, json!({"id": 1}))),
        ),
    );
    let v: Value = mock_pipeline(&mock)
        .call(&UPLOAD_POST.op().multipart(form(&path)))
        .await
        .unwrap();
    assert_eq!(v["id"], 1);
    let req = &mock.requests()[0];
    let b = boundary(req.headers()["content-type"].to_str().unwrap());
    assert!(
        (1..=70).contains(&b.len()) && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'),
        "an RFC 2046 boundary: {b}"
    );
    assert_eq!(
        String::from_utf8_lossy(req.body()),
        String::from_utf8_lossy(&expected_body(&b, b"hello-file\n"))
    );
    mock.verify().unwrap();
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn reqwest_streams_the_same_bytes_with_a_content_length() {
    // 1 MiB + 3 in a pattern: many 64 KiB reads, a short last one.
    let content: Vec<u8> = (0..(1 << 20) + 3).map(|i: u32| (i % 251) as u8).collect();
    let path = temp_file("loopback", &content);
    type Seen = Arc<Mutex<Vec<(Option<String>, Option<String>, Option<String>, Vec<u8>)>>>;
    let seen: Seen = Arc::default();
    let s2 = seen.clone();
    let app = Router::new().route(
        "/v1/upload",
        post(move |req: Request| {
            let seen = s2.clone();
            async move {
                // In a block: a borrow of the request (not Sync) must not
                // live across the await.
                let (ct, cl, te) = {
                    let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
                    (
                        h("content-type"),
                        h("content-length"),
                        h("transfer-encoding"),
                    )
                };
                let body = axum::body::to_bytes(req.into_body(), 4 << 20)
                    .await
                    .unwrap();
                seen.lock().unwrap().push((ct, cl, te, body.to_vec()));
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(json!({"id": 2})),
                )
            }
        }),
    );
    let server = SimServer::start(app).await.unwrap();
    let p = Pipeline::builder("demo")
        .base_url(format!("{}/v1", server.base_url()))
        .transport(Arc::new(ReqwestTransport::with_defaults().unwrap()))
        .retry(fast_retry())
        .build()
        .unwrap();
    let v: Value = p
        .call(&UPLOAD_POST.op().multipart(form(&path)))
        .await
        .unwrap();
    assert_eq!(v["id"], 2);
    let seen = seen.lock().unwrap();
    let (ct, cl, te, body) = &seen[0];
    let b = boundary(ct.as_deref().unwrap());
    assert_eq!(cl.as_deref(), Some(body.len().to_string().as_str()));
    assert_eq!(te, &None, "not chunked");
    assert!(*body == expected_body(&b, &content), "the streamed body");
    std::fs::remove_file(path).unwrap();
}

/// One row: the method, whether the file is open (not a path), the
/// scripted outcomes, and how many attempts must be made.
struct Row {
    what: &'static str,
    decl: Decl,
    open_file: bool,
    replies: Vec<Reply>,
    attempts: usize,
}

#[tokio::test]
async fn a_streamed_body_is_never_sent_again_once_bytes_may_have_been_sent() {
    let never = || Reply::fail(TransportErrorKind::Connect, Reached::Never);
    let rows = [
        Row {
            what: "PUT answered 503 (retried if buffered)",
            decl: UPLOAD_PUT,
            open_file: false,
            replies: vec![Reply::status(503)],
            attempts: 1,
        },
        Row {
            what: "PUT answered 429",
            decl: UPLOAD_PUT,
            open_file: false,
            replies: vec![Reply::status(429)],
            attempts: 1,
        },
        Row {
            what: "PUT, connection broken mid-way",
            decl: UPLOAD_PUT,
            open_file: false,
            replies: vec![Reply::fail(TransportErrorKind::Io, Reached::Maybe)],
            attempts: 1,
        },
        Row {
            what: "PUT, timed out",
            decl: UPLOAD_PUT,
            open_file: false,
            replies: vec![Reply::fail(TransportErrorKind::Timeout, Reached::Maybe)],
            attempts: 1,
        },
        Row {
            what: "idempotent POST answered 502",
            decl: UPLOAD_POST.idempotent(),
            open_file: false,
            replies: vec![Reply::status(502)],
            attempts: 1,
        },
        Row {
            what: "POST refused at connect: a path is opened again",
            decl: UPLOAD_POST,
            open_file: false,
            replies: vec![never(), never(), Reply::json(201, json!({}))],
            attempts: 3,
        },
        Row {
            what: "PUT refused at connect: an open file is sent once",
            decl: UPLOAD_PUT,
            open_file: true,
            replies: vec![never()],
            attempts: 1,
        },
    ];
    let content = b"0123456789abcdef".repeat(1000);
    for row in rows {
        let path = temp_file("retry", &content);
        let source = if row.open_file {
            FileSource::file(tokio::fs::File::open(&path).await.unwrap())
        } else {
            FileSource::path(&path)
        };
        let m = Multipart::new().file("f", "x.bin", source);
        let mock = Arc::new(MockTransport::new());
        for r in &row.replies {
            mock.push(
                Expect::new(row.decl.method.clone(), "/v1/upload")
                    .any_body()
                    .reply(r.clone()),
            );
        }
        let _ = mock_pipeline(&mock)
            .call::<Value>(&row.decl.op().multipart(m))
            .await;
        let reqs = mock.requests();
        assert_eq!(reqs.len(), row.attempts, "{}", row.what);
        for r in &reqs {
            // Every attempt carried the whole file.
            let b = boundary(r.headers()["content-type"].to_str().unwrap());
            let text = String::from_utf8_lossy(r.body()).into_owned();
            assert!(text.ends_with(&format!("\r\n--{b}--\r\n")), "{}", row.what);
            assert_eq!(
                r.body()
                    .windows(content.len())
                    .filter(|w| *w == content)
                    .count(),
                1,
                "{}",
                row.what
            );
        }
        mock.verify()
            .unwrap_or_else(|e| panic!("{}: {e}", row.what));
        std::fs::remove_file(path).unwrap();
    }

    // The contrast: the same PUT with a buffered body is retried on a 503.
    let mock = Arc::new(MockTransport::new());
    for r in [Reply::status(503), Reply::json(200, json!({}))] {
        mock.push(Expect::new(Method::PUT, "/v1/upload").any_body().reply(r));
    }
    let _: Value = mock_pipeline(&mock)
        .call(&UPLOAD_PUT.op().body("text/plain", "x"))
        .await
        .unwrap();
    assert_eq!(mock.requests().len(), 2);
    mock.verify().unwrap();
}

fn keycloak(mock: &Arc<MockTransport>) -> Pipeline {
    let kc = KeycloakProvider::builder("http://kc.test/auth", "squonk2", "as")
        .grant(KeycloakGrant::Password {
            username: "u".into(),
            password: Secret::new("pw"),
        })
        .build()
        .unwrap();
    Pipeline::builder("demo")
        .base_url("http://127.0.0.1:9/v1")
        .transport(mock.clone())
        .auth(Arc::new(BearerAuth::Keycloak(kc)))
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn token(t: &str) -> Expect {
    Expect::new(
        Method::POST,
        "/auth/realms/squonk2/protocol/openid-connect/token",
    )
    .any_body()
    .reply(Reply::json(
        200,
        json!({"access_token": t, "expires_in": 300}),
    ))
}

fn rejected_then(mock: MockTransport, then: Reply) -> Arc<MockTransport> {
    Arc::new(
        mock.expect(token("tok-1"))
            .expect(
                Expect::new(Method::POST, "/v1/upload")
                    .header("authorization", "Bearer tok-1")
                    .any_body()
                    .reply(Reply::json(401, json!({"error": "expired"}))),
            )
            .expect(token("tok-2"))
            .expect(
                Expect::new(Method::POST, "/v1/upload")
                    .header("authorization", "Bearer tok-2")
                    .any_body()
                    .reply(then),
            ),
    )
}

#[tokio::test]
async fn a_401_logs_in_again_and_sends_a_form_read_from_paths_once_more() {
    let path = temp_file("401-path", b"data");
    let mock = rejected_then(MockTransport::new(), Reply::json(201, json!({"id": 3})));
    let p = keycloak(&mock);
    let v: Value = p
        .call(&UPLOAD_POST.op().multipart(form(&path)))
        .await
        .unwrap();
    assert_eq!(v["id"], 3);
    let sent = mock.requests();
    assert_eq!(sent.len(), 4, "login, refused upload, login, upload");
    // The same form both times, the file read again.
    let (first, second) = (&sent[1], &sent[3]);
    let b1 = boundary(first.headers()["content-type"].to_str().unwrap());
    let b2 = boundary(second.headers()["content-type"].to_str().unwrap());
    assert_eq!(
        first.body().as_ref(),
        expected_body(&b1, b"data").as_slice()
    );
    assert_eq!(
        second.body().as_ref(),
        expected_body(&b2, b"data").as_slice()
    );
    mock.verify().unwrap();
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn a_401_twice_fails_typed_after_one_fresh_login() {
    let path = temp_file("401-twice", b"data");
    let mock = rejected_then(
        MockTransport::new(),
        Reply::json(401, json!({"error": "no"})),
    );
    let p = keycloak(&mock);
    let e = p
        .call::<Value>(&UPLOAD_POST.op().multipart(form(&path)))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    assert_eq!(mock.requests().len(), 4, "one fresh login, no more");
    mock.verify().unwrap();
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn a_401_drops_the_token_but_does_not_replay_an_open_file() {
    let path = temp_file("401-open", b"data");
    let open_form = |f: tokio::fs::File| {
        Multipart::new()
            .text("name", "a")
            .file("content_file", "a.txt", FileSource::file(f))
    };
    let mock = rejected_then(MockTransport::new(), Reply::json(201, json!({"id": 3})));
    let p = keycloak(&mock);
    let f = tokio::fs::File::open(&path).await.unwrap();
    let e = p
        .call::<Value>(&UPLOAD_POST.op().multipart(open_form(f)))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    assert_eq!(mock.requests().len(), 2, "no replay");
    // The next call logs in again.
    let f = tokio::fs::File::open(&path).await.unwrap();
    let v: Value = p
        .call(&UPLOAD_POST.op().multipart(open_form(f)))
        .await
        .unwrap();
    assert_eq!(v["id"], 3);
    mock.verify().unwrap();
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn a_bad_source_fails_naming_its_part_before_anything_is_sent() {
    // Not even the Keycloak login goes out.
    let mock = Arc::new(MockTransport::new());
    let p = keycloak(&mock);
    let m = Multipart::new().text("name", "a").file(
        "content_file",
        "x",
        FileSource::path("/nonexistent/tenantry-upload"),
    );
    match p
        .call::<Value>(&UPLOAD_POST.op().multipart(m))
        .await
        .unwrap_err()
    {
        Error::InvalidInput { field, reason } => {
            assert_eq!(field, "content_file");
            assert!(reason.contains("cannot open"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(mock.requests().is_empty());
    mock.verify().unwrap();
}
