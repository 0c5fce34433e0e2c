//! The Keycloak (Squonk2) simulator.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use tenantry_sim::{KeycloakSim, SimServer};

async fn start() -> (KeycloakSim, SimServer) {
    let kc = KeycloakSim::seeded();
    let server = SimServer::start(kc.router()).await.unwrap();
    (kc, server)
}

async fn token(base: &str, realm: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let resp = reqwest::Client::new()
        .post(format!(
            "{base}/realms/{realm}/protocol/openid-connect/token"
        ))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_str(&resp.text().await.unwrap()).unwrap(),
    )
}

async fn password_grant(base: &str, user: &str, password: &str) -> (u16, Value) {
    token(
        base,
        "squonk2",
        &[
            ("client_id", "account-server-api"),
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
        ],
    )
    .await
}

async fn whoami(base: &str, token: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{base}/_sim/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_str(&resp.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn password_grant_and_probe() {
    let (kc, server) = start().await;
    let base = server.base_url();
    let (status, body) = password_grant(&base, "dlister", "dlister-pass").await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 1800);
    assert_eq!(body["not-before-policy"], 0);
    assert_eq!(body["scope"], "profile email");
    assert!(body["session_state"].is_string());
    assert!(body["refresh_token"].is_string());
    let access = body["access_token"].as_str().unwrap();

    let parts: Vec<_> = access.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(payload["preferred_username"], "dlister");
    assert_eq!(payload["azp"], "account-server-api");
    assert_eq!(payload["typ"], "Bearer");
    assert_eq!(payload["iss"], format!("{base}/realms/squonk2"));
    assert_eq!(
        payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap(),
        300
    );
    assert!(payload["sub"].is_string() && payload["jti"].is_string());

    assert_eq!(kc.validate(access).as_deref(), Some("dlister"));
    let (status, who) = whoami(&base, access).await;
    assert_eq!(status, 200);
    assert_eq!(who["username"], "dlister");
    let (status, who) = whoami(&base, "not-a-token").await;
    assert_eq!(status, 401);
    assert_eq!(who["error"], "invalid_token");
    assert_eq!(kc.token_requests(), 1);
}

#[tokio::test]
async fn refresh_grant() {
    let (kc, server) = start().await;
    let base = server.base_url();
    let (_, body) = password_grant(&base, "admin", "admin-pass").await;
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, refreshed) = token(
        &base,
        "squonk2",
        &[
            ("client_id", "account-server-api"),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let access = refreshed["access_token"].as_str().unwrap();
    assert_ne!(access, body["access_token"].as_str().unwrap());
    assert_eq!(refreshed["session_state"], body["session_state"]);
    assert_eq!(kc.validate(access).as_deref(), Some("admin"));

    let (status, err) = token(
        &base,
        "squonk2",
        &[
            ("client_id", "account-server-api"),
            ("grant_type", "refresh_token"),
            ("refresh_token", "bogus"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");

    // An expired refresh token is refused too (a zero lifetime: expired
    // as soon as it is issued, with no sleep to race against).
    kc.set_refresh_ttl(Duration::ZERO);
    let (_, body) = password_grant(&base, "admin", "admin-pass").await;
    let (status, err) = token(
        &base,
        "squonk2",
        &[
            ("client_id", "account-server-api"),
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");
    assert_eq!(kc.token_requests(), 5);
}

#[tokio::test]
async fn errors_and_confidential_client() {
    let (kc, server) = start().await;
    let base = server.base_url();
    let (status, err) = password_grant(&base, "dlister", "wrong").await;
    assert_eq!(status, 401);
    assert_eq!(err["error"], "invalid_grant");
    assert!(err["error_description"].is_string());

    let conf = |secret: Option<&'static str>| {
        let mut form = vec![
            ("client_id", "account-server-confidential"),
            ("grant_type", "password"),
            ("username", "dlister"),
            ("password", "dlister-pass"),
        ];
        if let Some(s) = secret {
            form.push(("client_secret", s));
        }
        form
    };
    let (status, err) = token(&base, "squonk2", &conf(None)).await;
    assert_eq!(status, 401);
    assert_eq!(err["error"], "invalid_client");
    let (status, err) = token(&base, "squonk2", &conf(Some("nope"))).await;
    assert_eq!(status, 401);
    assert_eq!(err["error"], "invalid_client");
    let (status, ok) = token(&base, "squonk2", &conf(Some("conf-secret"))).await;
    assert_eq!(status, 200);
    assert!(ok["access_token"].is_string());

    let (status, err) = token(
        &base,
        "squonk2",
        &[
            ("client_id", "who"),
            ("grant_type", "password"),
            ("username", "dlister"),
            ("password", "dlister-pass"),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(err["error"], "invalid_client");
    let (status, err) = token(
        &base,
        "squonk2",
        &[
            ("client_id", "account-server-api"),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "unsupported_grant_type");
    let (status, err) = token(
        &base,
        "other",
        &[
            ("client_id", "account-server-api"),
            ("grant_type", "password"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(err["error"], "Realm does not exist");
    assert_eq!(kc.token_requests(), 7);
}

#[tokio::test]
async fn expiry_and_realm_document() {
    let (kc, server) = start().await;
    let base = server.base_url();
    let (_, body) = password_grant(&base, "dlister", "dlister-pass").await;
    let access = body["access_token"].as_str().unwrap();
    kc.expire_all_tokens();
    assert_eq!(whoami(&base, access).await.0, 401);
    assert!(kc.validate(access).is_none());

    // The default lifetime: valid. A zero lifetime: expired as soon as it
    // is issued (no sleep to race against a loaded machine).
    let (_, body) = password_grant(&base, "dlister", "dlister-pass").await;
    assert_eq!(
        whoami(&base, body["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    kc.set_access_ttl(Duration::ZERO);
    let (_, body) = password_grant(&base, "dlister", "dlister-pass").await;
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(whoami(&base, access).await.0, 401);

    let resp = reqwest::get(format!("{base}/realms/squonk2"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(doc["realm"], "squonk2");
    assert!(doc["public_key"].is_string());
    assert_eq!(
        doc["token-service"],
        format!("{base}/realms/squonk2/protocol/openid-connect")
    );
    assert_eq!(
        doc["account-service"],
        format!("{base}/realms/squonk2/account")
    );
    assert_eq!(doc["tokens-not-before"], 0);
    let missing = reqwest::get(format!("{base}/realms/nope")).await.unwrap();
    assert_eq!(missing.status(), 404);
}
