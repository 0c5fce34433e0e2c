//! The Keystone v3 (ECL) simulator.

use std::time::Duration;

use serde_json::{json, Value};
use tenantry_sim::keystone::{SEED_PASSWORD, SEED_PROJECT_ID, SEED_USERNAME};
use tenantry_sim::{CatalogEndpoint, KeystoneSim, SimServer};

async fn start() -> (KeystoneSim, SimServer) {
    let ks = KeystoneSim::seeded();
    let server = SimServer::start(ks.router()).await.unwrap();
    (ks, server)
}

fn password_body(password: &str, scope: Option<Value>) -> Value {
    let mut body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": SEED_USERNAME, "password": password, "domain": {"id": "default"}}}}}});
    if let Some(scope) = scope {
        body["auth"]["scope"] = scope;
    }
    body
}

async fn post_token(base: &str, body: &Value) -> (reqwest::StatusCode, Option<String>, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/v3/auth/tokens"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let token = resp
        .headers()
        .get("x-subject-token")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    (status, token, body)
}

async fn get_json(url: &str, token: Option<&str>) -> (reqwest::StatusCode, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.header("X-Auth-Token", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn is_timestamp(s: &str) -> bool {
    // 2022-12-12T08:56:28.000000Z
    s.len() == 27 && s.as_bytes()[10] == b'T' && s.ends_with('Z') && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn discovery_documents() {
    let (_ks, server) = start().await;
    let base = server.base_url();
    let (_, multi) = get_json(&format!("{base}/"), None).await;
    let v = &multi["versions"]["values"][0];
    assert_eq!(v["id"], "v3.4");
    assert_eq!(v["links"][0]["href"], format!("{base}/v3/"));
    for path in ["/v3", "/v3/"] {
        let (status, single) = get_json(&format!("{base}{path}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(single["version"]["id"], "v3.4");
        assert_eq!(single["version"]["status"], "stable");
        assert_eq!(single["version"]["links"][0]["rel"], "self");
        assert_eq!(single["version"]["links"][0]["href"], format!("{base}/v3/"));
        assert!(single["version"]["media-types"].is_array());
    }
}

#[tokio::test]
async fn scoped_token_with_catalog_and_probe() {
    let (ks, server) = start().await;
    let base = server.base_url();
    let body = password_body(
        SEED_PASSWORD,
        Some(json!({"project": {"id": SEED_PROJECT_ID}})),
    );
    let (status, token, body) = post_token(&base, &body).await;
    assert_eq!(status, 201);
    let token = token.expect("X-Subject-Token");
    assert_eq!(ks.tokens_issued(), 1);
    let t = &body["token"];
    assert_eq!(t["methods"], json!(["password"]));
    assert_eq!(t["user"]["id"], "u-0001");
    assert_eq!(t["user"]["name"], SEED_USERNAME);
    assert_eq!(t["user"]["domain"]["id"], "default");
    assert_eq!(t["project"]["id"], SEED_PROJECT_ID);
    assert_eq!(t["project"]["name"], "tenant-one");
    assert_eq!(t["is_domain"], false);
    assert!(t["roles"].as_array().is_some_and(|r| !r.is_empty()));
    assert!(t["audit_ids"].as_array().is_some_and(|r| r.len() == 1));
    assert!(is_timestamp(t["issued_at"].as_str().unwrap()));
    assert!(is_timestamp(t["expires_at"].as_str().unwrap()));
    assert!(t["expires_at"].as_str().unwrap() > t["issued_at"].as_str().unwrap());

    let catalog = t["catalog"].as_array().unwrap();
    let types: Vec<_> = catalog
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"sss") && types.contains(&"sssv2"));
    let sssv2 = catalog.iter().find(|s| s["type"] == "sssv2").unwrap();
    assert!(sssv2["id"].is_string() && sssv2["name"].is_string());
    let eps = sssv2["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 4);
    let public_jp1 = eps
        .iter()
        .find(|e| e["interface"] == "public" && e["region_id"] == "jp1")
        .unwrap();
    assert_eq!(public_jp1["region"], "jp1");
    assert!(public_jp1["id"].is_string());
    let url = public_jp1["url"].as_str().unwrap();
    assert_eq!(url, format!("{base}/_sim/svc/sssv2/jp1/public"));

    let (status, who) = get_json(&format!("{url}/whoami"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        who,
        json!({"service_type":"sssv2","region":"jp1","interface":"public","user":SEED_USERNAME,"project_id":SEED_PROJECT_ID})
    );
    let (status, who) = get_json(&format!("{base}/_sim/whoami"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(who["project_id"], SEED_PROJECT_ID);
    assert_eq!(
        ks.validate(&token).unwrap()["project"]["id"],
        SEED_PROJECT_ID
    );

    // No token → 401 with the Keystone error shape.
    let (status, err) = get_json(&format!("{url}/whoami"), None).await;
    assert_eq!(status, 401);
    assert_eq!(err["error"]["code"], 401);
    assert_eq!(err["error"]["title"], "Unauthorized");
}

#[tokio::test]
async fn unscoped_and_other_scopes() {
    let (_ks, server) = start().await;
    let base = server.base_url();
    let (status, token, body) = post_token(&base, &password_body(SEED_PASSWORD, None)).await;
    assert_eq!(status, 201);
    assert!(token.is_some());
    assert!(body["token"].get("catalog").is_none());
    assert!(body["token"].get("project").is_none());

    let by_name = password_body(
        SEED_PASSWORD,
        Some(json!({"project": {"name": "tenant-two", "domain": {"name": "Default"}}})),
    );
    let (status, _, body) = post_token(&base, &by_name).await;
    assert_eq!(status, 201);
    assert_eq!(body["token"]["project"]["name"], "tenant-two");
    assert_eq!(body["token"]["project"]["id"].as_str().unwrap().len(), 32);

    let by_id = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": "u-0001", "password": SEED_PASSWORD}}}, "scope": {"project": {"id": SEED_PROJECT_ID}}}});
    let (status, _, _) = post_token(&base, &by_id).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn auth_errors() {
    let (ks, server) = start().await;
    let base = server.base_url();
    let scope = json!({"project": {"id": SEED_PROJECT_ID}});
    let (status, token, body) = post_token(&base, &password_body("wrong", Some(scope))).await;
    assert_eq!(status, 401);
    assert!(token.is_none());
    assert_eq!(
        body,
        json!({"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}})
    );
    let unknown_project = json!({"project": {"id": "00000000000000000000000000000000"}});
    let (status, _, _) =
        post_token(&base, &password_body(SEED_PASSWORD, Some(unknown_project))).await;
    assert_eq!(status, 401);

    let resp = reqwest::Client::new()
        .post(format!("{base}/v3/auth/tokens"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], 400);
    let (status, _, _) = post_token(&base, &json!({"auth": {}})).await;
    assert_eq!(status, 400);
    assert_eq!(ks.tokens_issued(), 0);
}

#[tokio::test]
async fn expiry_and_revocation() {
    let (ks, server) = start().await;
    let base = server.base_url();
    let scope = json!({"project": {"id": SEED_PROJECT_ID}});
    let body = password_body(SEED_PASSWORD, Some(scope));
    let whoami = format!("{base}/_sim/svc/sss/jp1/public/whoami");

    // Expire everything.
    let (_, token, _) = post_token(&base, &body).await;
    let token = token.unwrap();
    assert_eq!(get_json(&whoami, Some(&token)).await.0, 200);
    ks.expire_all_tokens();
    assert_eq!(get_json(&whoami, Some(&token)).await.0, 401);

    // A zero TTL: expired as soon as it is issued (no sleep to race
    // against a loaded machine; the default TTL's token was valid above).
    ks.set_token_ttl(Duration::ZERO);
    let (_, token, _) = post_token(&base, &body).await;
    let token = token.unwrap();
    assert_eq!(get_json(&whoami, Some(&token)).await.0, 401);
    ks.set_token_ttl(Duration::from_secs(3600));

    // Validate and revoke over HTTP.
    let (_, admin, _) = post_token(&base, &body).await;
    let (_, subject, _) = post_token(&base, &body).await;
    let (admin, subject) = (admin.unwrap(), subject.unwrap());
    let c = reqwest::Client::new();
    let resp = c
        .get(format!("{base}/v3/auth/tokens"))
        .header("X-Auth-Token", &admin)
        .header("X-Subject-Token", &subject)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["token"]["project"]["id"], SEED_PROJECT_ID);
    let resp = c
        .delete(format!("{base}/v3/auth/tokens"))
        .header("X-Auth-Token", &admin)
        .header("X-Subject-Token", &subject)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(get_json(&whoami, Some(&subject)).await.0, 401);
    let resp = c
        .get(format!("{base}/v3/auth/tokens"))
        .header("X-Auth-Token", &admin)
        .header("X-Subject-Token", &subject)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // Revoke through the API.
    ks.revoke(&admin);
    assert!(ks.validate(&admin).is_none());
    assert_eq!(get_json(&whoami, Some(&admin)).await.0, 401);
}

#[tokio::test]
async fn custom_catalog() {
    let (ks, server) = start().await;
    assert!(ks.catalog().is_empty());
    let custom = vec![CatalogEndpoint {
        service_type: "sss".into(),
        name: "sss".into(),
        interface: "public".into(),
        region: "jp5".into(),
        url: "https://sss-jp5.example/api/v1.0".into(),
    }];
    ks.set_catalog(custom.clone());
    assert_eq!(ks.catalog(), custom);
    let body = password_body(
        SEED_PASSWORD,
        Some(json!({"project": {"id": SEED_PROJECT_ID}})),
    );
    let (_, _, body) = post_token(&server.base_url(), &body).await;
    let catalog = body["token"]["catalog"].as_array().unwrap();
    assert_eq!(catalog.len(), 1);
    assert_eq!(
        catalog[0]["endpoints"][0]["url"],
        "https://sss-jp5.example/api/v1.0"
    );
    assert_eq!(catalog[0]["endpoints"][0]["region_id"], "jp5");
}
