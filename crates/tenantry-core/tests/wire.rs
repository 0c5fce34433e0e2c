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
