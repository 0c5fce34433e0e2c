//! Over a real socket (httpmock): what reaches the server, headers the
//! transport adds included.

use astakos_client::{AstakosClient, RetryConfig, Secret};
use httpmock::prelude::*;
use serde_json::json;

const TOKEN: &str = "skzleaFlBl+fasFdaf24sx";

fn catalog(base: &str) -> serde_json::Value {
    json!({"access": {"serviceCatalog": [
        {"endpoints": [{"SNF:uiURL": format!("{base}/ui_prefix"),
                        "publicURL": format!("https://elsewhere.example.org/account_prefix"),
                        "region": "default", "versionId": "v1.0"}],
         "name": "astakos_account", "type": "account"}]}})
}

#[tokio::test]
async fn discovery_and_quotas_on_the_wire() {
    let server = MockServer::start_async().await;
    let discovery = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/identity/v2.0/tokens")
                .header("content-length", "0")
                .header("content-type", "application/json")
                .header("x-auth-token", TOKEN)
                .header("x-client-ip", "10.1.2.3")
                .body("");
            then.status(200).json_body(catalog(&server.base_url()));
        })
        .await;
    let quotas = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/account_prefix/quotas")
                .header("content-length", "0")
                .header("x-auth-token", TOKEN)
                .matches(|req| {
                    !req.headers
                        .as_ref()
                        .map(|h| {
                            h.iter()
                                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                        })
                        .unwrap_or(false)
                });
            then.status(200).json_body(
                json!({"system": {"cyclades.vm": {"limit": 2, "usage": 1, "pending": 0}}}),
            );
        })
        .await;
    let commission = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/account_prefix/commissions")
                .header("content-type", "application/json")
                .json_body(json!({"force": false, "auto_accept": false, "name": "",
                    "provisions": [
                      {"holder": "user:u1", "source": "project:p1", "resource": "cyclades.vm", "quantity": 1},
                      {"holder": "project:p1", "source": null, "resource": "cyclades.vm", "quantity": 1}]}));
            then.status(201).json_body(json!({"serial": 57}));
        })
        .await;
    let client = AstakosClient::builder(
        format!("{}/identity/v2.0", server.base_url()),
        Secret::new(TOKEN),
    )
    .retry(RetryConfig::disabled())
    .default_header("X-Client-IP", "10.1.2.3")
    .build()
    .unwrap();
    client.quotas().get().await.unwrap();
    assert_eq!(discovery.hits_async().await, 1);
    assert_eq!(quotas.hits_async().await, 1);
    client.quotas().get().await.unwrap();
    assert_eq!(discovery.hits_async().await, 1);
    assert_eq!(quotas.hits_async().await, 2);
    let serial = client
        .commissions()
        .issue_one(&astakos_client::Uuid::new("u1").unwrap())
        .provision(
            (
                &astakos_client::ProjectId::new("p1").unwrap(),
                "cyclades.vm",
            ),
            1,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(serial.get(), 57);
    commission.assert_async().await;
}

#[tokio::test]
async fn redirects_are_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/identity/v2.0/tokens");
            then.status(302)
                .header("location", "https://example.org/")
                .body("302 Found");
        })
        .await;
    let client = AstakosClient::builder(
        format!("{}/identity/v2.0", server.base_url()),
        Secret::new(TOKEN),
    )
    .build()
    .unwrap();
    let e = client.identity().authenticate().send().await.unwrap_err();
    assert_eq!(e.status(), Some(302));
    assert!(matches!(e, astakos_client::Error::Api(_)), "{e:?}");
}
