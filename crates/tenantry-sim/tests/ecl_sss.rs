//! The ECL SSS simulator over HTTP: its Keystone and SSS on one port, the
//! gateway's 401, unknown paths and methods, and the control plane (seed,
//! reset) — the rest of its behaviour is exercised through the client in
//! `crates/ecl-sss/tests/sim.rs`.

use std::sync::Arc;

use serde_json::{json, Value};
use tenantry_sim::ecl_sss::*;
use tenantry_sim::{EclSssSim, SimOptions, SimServer};

async fn start() -> (EclSssSim, SimServer) {
    let sim = EclSssSim::seeded();
    let server = SimServer::start_with(
        sim.router(),
        SimOptions::new().control(Arc::new(sim.clone())),
    )
    .await
    .unwrap();
    (sim, server)
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value, reqwest::header::HeaderMap) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body, headers)
}

fn post_json(c: &reqwest::Client, url: String, v: &Value) -> reqwest::RequestBuilder {
    c.post(url)
        .header("content-type", "application/json")
        .body(v.to_string())
}

/// A token for `name`/`password`, or the login's status.
async fn login(c: &reqwest::Client, base: &str, name: &str, password: &str) -> Result<String, u16> {
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": name, "password": password, "domain": {"id": "default"}}}},
        "scope": {"project": {"id": SEED_TENANT_ID}}}});
    let (status, _, headers) = send(post_json(c, format!("{base}/v3/auth/tokens"), &body)).await;
    match headers.get("x-subject-token") {
        Some(t) if status == 201 => Ok(t.to_str().unwrap().to_owned()),
        _ => Err(status),
    }
}

#[tokio::test]
async fn gateway_401_unknown_paths_and_methods() {
    let (_sim, server) = start().await;
    let c = reqwest::Client::new();
    let base = server.base_url();
    let (status, body, _) = send(c.get(format!("{base}/api/v1.0/users"))).await;
    assert_eq!(status, 401);
    assert!(body["fault"]["faultstring"].is_string(), "{body}");
    let (status, _, _) = send(
        c.get(format!("{base}/api/v1.0/users"))
            .header("x-auth-token", "nope"),
    )
    .await;
    assert_eq!(status, 401);

    let token = login(&c, &base, SEED_OWNER_KEY, SEED_OWNER_SECRET)
        .await
        .unwrap();
    let (status, body, _) = send(
        c.get(format!("{base}/api/v1.0/users"))
            .header("x-auth-token", &token),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["contract_id"], SEED_CONTRACT_ID);
    let (status, body, _) = send(
        c.get(format!("{base}/api/v1.0/nothing"))
            .header("x-auth-token", &token),
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string(), "{body}");
    let (status, _, headers) = send(
        c.patch(format!("{base}/api/v1.0/users"))
            .header("x-auth-token", &token),
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(headers.get("allow").unwrap(), "GET, POST");
    // The catalog points both SSS types at this server's /api/v1.0.
    let catalog = EclSssSim::catalog(&base);
    assert!(catalog.iter().all(|e| e.url == format!("{base}/api/v1.0")));
    assert!(
        catalog.iter().any(|e| e.service_type == "sss")
            && catalog.iter().any(|e| e.service_type == "sssv2")
    );
}

#[tokio::test]
async fn seed_and_reset_over_the_control_plane() {
    let (sim, server) = start().await;
    let c = reqwest::Client::new();
    let base = server.base_url();
    assert_eq!(
        login(&c, &base, "seeded-key", "seeded-secret").await,
        Err(401)
    );

    let seed = json!({"ecl-sss": {
        "users": [{"user_id": "ecid1000000500", "contract_id": SEED_CONTRACT_ID, "login_id": "seeded",
                   "keystone_name": "seeded-key", "keystone_password": "seeded-secret"}],
        "tenants": [{"tenant_id": "0123456789abcdef0123456789abcdef", "tenant_name": "seeded-tenant",
                     "region": "jp2", "contract_id": SEED_CONTRACT_ID}]}});
    let (status, body, _) = send(post_json(&c, format!("{base}/_sim/seed"), &seed)).await;
    assert_eq!(status, 200, "{body}");
    let token = login(&c, &base, "seeded-key", "seeded-secret")
        .await
        .unwrap();
    let (_, users, _) = send(
        c.get(format!("{base}/api/v1.0/users"))
            .header("x-auth-token", &token),
    )
    .await;
    assert_eq!(users["users"].as_array().unwrap().len(), 3);
    let (_, tenants, _) = send(
        c.get(format!("{base}/api/v1.0/tenants"))
            .header("x-auth-token", &token),
    )
    .await;
    assert_eq!(tenants["tenants"].as_array().unwrap().len(), 2);

    // State made through the API (a rotated key) goes at a reset; the
    // built-in seed and the loaded seed come back.
    let owner = login(&c, &base, SEED_OWNER_KEY, SEED_OWNER_SECRET)
        .await
        .unwrap();
    let (status, _, _) = send(
        c.put(format!("{base}/api/v1.0/keys/{SEED_USER_ID}"))
            .header("x-auth-token", &owner),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        login(&c, &base, SEED_USER_KEY, SEED_USER_SECRET).await,
        Err(401)
    );
    let (status, body, _) = send(c.post(format!("{base}/_sim/reset"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(login(&c, &base, SEED_USER_KEY, SEED_USER_SECRET)
        .await
        .is_ok());
    assert!(login(&c, &base, "seeded-key", "seeded-secret")
        .await
        .is_ok());
    assert_eq!(sim.user_count(SEED_CONTRACT_ID), 3);

    // Bad seeds name the field and change nothing.
    for (bad, field) in [
        (
            json!({"ecl-sss": {"users": [{"user_id": "u1", "contract_id": SEED_CONTRACT_ID, "login_id": "x",
            "keystone_name": "k", "keystone_password": "p"}]}}),
            "users[0].user_id",
        ),
        (
            json!({"ecl-sss": {"users": [{"user_id": "ecid1000000501", "contract_id": "econ1999999999",
            "login_id": "x", "keystone_name": "k", "keystone_password": "p"}]}}),
            "users[0].contract_id",
        ),
        (
            json!({"ecl-sss": {"tenants": [{"tenant_id": "0123456789abcdef0123456789abcdef",
            "tenant_name": "t", "region": "mars1", "contract_id": SEED_CONTRACT_ID}]}}),
            "tenants[0].region",
        ),
        (
            json!({"ecl-sss": {"users": [{"user_id": "ecid1000000501", "contract": "x"}]}}),
            "contract",
        ),
    ] {
        let (status, err, _) = send(post_json(&c, format!("{base}/_sim/seed"), &bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            err["error"].as_str().unwrap().contains(field),
            "{err} should name {field}"
        );
    }
    assert_eq!(sim.user_count(SEED_CONTRACT_ID), 3);
}
