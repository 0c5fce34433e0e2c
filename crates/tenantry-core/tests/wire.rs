//! What the pipeline puts on the wire, checked with httpmock.

use httpmock::prelude::*;
use std::sync::Arc;
use tenantry_core::auth::header::HeaderToken;
use tenantry_core::http::Method;
use tenantry_core::{Error, Operation, Pipeline, RetryConfig, Secret};

#[tokio::test]
async fn path_params_are_encoded_query_is_form_encoded_body_is_json() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/users/a%20b%2Fc%3Fd/keys")
                .query_param("name", "U 1&x")
                .header("x-auth-token", "tok-123")
                .header("content-type", "application/json")
                .json_body(serde_json::json!({"label": "k", "n": 3}));
            then.status(201).json_body(serde_json::json!({"id": "k-1"}));
        })
        .await;
    let p = Pipeline::builder("test")
        .base_url(format!("{}/api/", server.base_url()))
        .auth(Arc::new(
            HeaderToken::x_auth_token(Secret::new("tok-123")).unwrap(),
        ))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let v: serde_json::Value = p
        .json(
            &Operation::new("test.create_key", Method::POST, "/users/{id}/keys")
                .param("id", "a b/c?d")
                .query("name", "U 1&x")
                .json(&serde_json::json!({"label": "k", "n": 3})),
        )
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(v["id"], "k-1");
}

#[tokio::test]
async fn a_static_token_refused_is_not_resent_and_keeps_the_status() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/quotas")
                .header("x-auth-token", "stale");
            then.status(401)
                .body(r#"{"unauthorized": {"code": 401, "message": "Invalid token"}}"#);
        })
        .await;
    let p = Pipeline::builder("test")
        .base_url(server.base_url())
        .auth(Arc::new(
            HeaderToken::x_auth_token(Secret::new("stale")).unwrap(),
        ))
        .build()
        .unwrap();
    let err = p
        .send(&Operation::new("test.quotas", Method::GET, "/quotas"))
        .await
        .unwrap_err();
    m.assert_hits_async(1).await;
    match err {
        Error::Api(a) => {
            assert_eq!(a.status, 401);
            assert!(a.excerpt.contains("Invalid token"));
            assert!(
                a.message.contains("Invalid token"),
                "raw text: {}",
                a.message
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Operations as declarations, as one table through `MockTransport`: each
/// row is (operation, the request it must send, the canned answer, the
/// value or error the caller gets).
#[tokio::test]
async fn declared_operations_table() {
    use serde_json::{json, Value};
    use tenantry_core::encode::QueryStyle;
    use tenantry_core::pipeline::Decl;
    use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
    use tenantry_core::ParsedError;

    const LIST: Decl = Decl::get("t.list", "/items");
    const GET: Decl = Decl::get("t.get", "/items/{id}");
    const CREATE: Decl = Decl::post("t.create", "/items");
    const ACCEPT: Decl = Decl::post("t.accept", "/items/{id}/accept").success(&[202]);
    const PY_LIST: Decl = Decl::get("t.py_list", "/items").query_style(QueryStyle::PythonQuotePlus);

    #[derive(serde::Serialize)]
    struct ListQuery {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        state: Option<String>,
        limit: u32,
    }
    fn parser(_: u16, _: &http::HeaderMap, body: &[u8]) -> Option<ParsedError> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let e = v.get("error")?;
        Some(ParsedError::new(
            e["code"].as_str().map(str::to_owned),
            e["message"].as_str().map(str::to_owned),
        ))
    }
    #[derive(Debug)]
    enum Want {
        Value(Value),
        Api(u16, Option<&'static str>, &'static str),
        Decode(&'static str),
        Input(&'static str),
    }
    use Want::*;
    let q = |name: Option<&str>| ListQuery {
        name: name.map(str::to_owned),
        state: None,
        limit: 2,
    };
    let rows: Vec<(Operation, Option<Expect>, Want)> = vec![
        (
            LIST.op().query_from(&q(None)),
            Some(
                Expect::new(Method::GET, "/v1/items")
                    .query("limit=2")
                    .header("x-auth-token", "tok-s3cret")
                    .reply(Reply::json(200, json!([1, 2]))),
            ),
            Value(json!([1, 2])),
        ),
        (
            LIST.op().query_from(&q(Some("a b*~"))),
            Some(
                Expect::new(Method::GET, "/v1/items")
                    .query("name=a+b*%7E&limit=2")
                    .reply(Reply::json(200, json!([]))),
            ),
            Value(json!([])),
        ),
        (
            PY_LIST.op().query_from(&q(Some("a b*~"))),
            Some(
                Expect::new(Method::GET, "/v1/items")
                    .query("name=a+b%2A%7E&limit=2")
                    .reply(Reply::json(200, json!([]))),
            ),
            Value(json!([])),
        ),
        (
            GET.op().param("id", "x/y z"),
            Some(
                Expect::new(Method::GET, "/v1/items/x%2Fy%20z").reply(Reply::json(
                    404,
                    json!({"error": {"code": "nope", "message": "no item"}}),
                )),
            ),
            Api(404, Some("nope"), "no item"),
        ),
        (
            GET.op().param("id", "1"),
            Some(
                Expect::new(Method::GET, "/v1/items/1")
                    .reply(Reply::text(500, "upstream broke; token tok-s3cret")),
            ),
            Api(500, None, "upstream broke; token ***"),
        ),
        (
            // Keys in sorted order: the bytes are the same whether or not
            // serde_json's `preserve_order` is on (the CLI turns it on).
            CREATE.op().python_json(&json!({"n": [1, 2], "name": "é"})),
            Some(
                Expect::new(Method::POST, "/v1/items")
                    .header("content-type", "application/json")
                    .body(r#"{"n": [1, 2], "name": "\u00e9"}"#)
                    .reply(Reply::status(201)),
            ),
            Value(Value::Null),
        ),
        (
            ACCEPT.op().param("id", "7"),
            Some(Expect::new(Method::POST, "/v1/items/7/accept").reply(Reply::status(200))),
            Api(200, None, "OK"),
        ),
        (
            ACCEPT.op().param("id", "7"),
            Some(
                Expect::new(Method::POST, "/v1/items/7/accept")
                    .reply(Reply::json(202, json!({"n": "x"}))),
            ),
            Value(json!({"n": "x"})),
        ),
        (
            GET.op().param("id", "2"),
            Some(
                Expect::new(Method::GET, "/v1/items/2")
                    .reply(Reply::text(200, "<html>tok-s3cret</html>")),
            ),
            Decode("."),
        ),
        (
            LIST.op().query_from(&json!({"nested": {"a": 1}})),
            None,
            Input("query"),
        ),
    ];
    for (i, (op, expect, want)) in rows.into_iter().enumerate() {
        let mock = Arc::new(MockTransport::new());
        if let Some(e) = expect {
            mock.push(e);
        }
        let p = Pipeline::builder("test")
            .base_url("http://127.0.0.1:9/v1")
            .auth(Arc::new(
                HeaderToken::x_auth_token(Secret::new("tok-s3cret")).unwrap(),
            ))
            .transport(mock.clone())
            .error_parser(parser)
            .retry(RetryConfig::disabled())
            .build()
            .unwrap();
        let got = p.call::<Value>(&op).await;
        match (&want, &got) {
            (Value(v), Ok(g)) => assert_eq!(g, v, "row {i}"),
            (Api(status, code, message), Err(Error::Api(a))) => {
                assert_eq!(
                    (a.status, a.code.as_deref(), a.message.as_str()),
                    (*status, *code, *message),
                    "row {i}"
                );
                assert!(
                    !a.excerpt.contains("s3cret") && !a.message.contains("s3cret"),
                    "row {i}: scrubbed"
                );
            }
            (
                Decode(path),
                Err(Error::Decode {
                    path: p, excerpt, ..
                }),
            ) => {
                assert_eq!(p, path, "row {i}");
                assert!(!excerpt.contains("s3cret"), "row {i}: scrubbed: {excerpt}");
            }
            (Input(field), Err(Error::InvalidInput { field: f, .. })) => {
                assert_eq!(f, field, "row {i}")
            }
            _ => panic!("row {i}: want {want:?}, got {got:?}"),
        }
        mock.verify().unwrap_or_else(|e| panic!("row {i}: {e}"));
    }
}

/// The reqwest transport sends to the request's URI, not to the URL the
/// pipeline parsed with it, when something between the two changed the
/// URI (here a wrapping transport): the parsed URL is used only while it
/// names the same resource.
#[tokio::test]
async fn a_uri_changed_after_the_pipeline_is_the_one_sent() {
    use tenantry_core::transport::{
        HttpRequest, HttpResponse, HttpTransport, ReqwestTransport, TransportError,
    };
    #[derive(Debug)]
    struct Rewrite(ReqwestTransport);
    #[async_trait::async_trait]
    impl HttpTransport for Rewrite {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.0.send(req).await
        }
        async fn send_parsed(
            &self,
            mut req: HttpRequest,
            url: url::Url,
        ) -> Result<HttpResponse, TransportError> {
            let moved = req.uri().to_string().replace("/old", "/new");
            *req.uri_mut() = moved.parse().unwrap();
            self.0.send_parsed(req, url).await
        }
    }
    let server = MockServer::start_async().await;
    let new = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/new").query_param("q", "1");
            then.status(200).json_body(serde_json::json!({"at": "new"}));
        })
        .await;
    let p = Pipeline::builder("test")
        .base_url(format!("{}/api", server.base_url()))
        .transport(Arc::new(Rewrite(
            ReqwestTransport::with_defaults().unwrap(),
        )))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let v: serde_json::Value = p
        .json(&Operation::new("test.get", Method::GET, "/old").query("q", "1"))
        .await
        .unwrap();
    new.assert_async().await;
    assert_eq!(v["at"], "new");
}
