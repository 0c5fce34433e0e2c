//! Keycloak prior token (issue #17, `squonk2-as.md` §2.4): its expiry is
//! read from the JWT without a network call; used while more than the
//! skew is left (no token request at all), else one login; a malformed
//! one means a login, never a panic; never shown in Debug or errors.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tenantry_core::auth::bearer::{token_expiry, BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry_core::auth::AuthStrategy;
use tenantry_core::http::Method;
use tenantry_core::{Operation, Pipeline, Secret};
use tenantry_sim::{KeycloakSim, SimServer};

const SKEW: Duration = Duration::from_secs(60);

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(payload)
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A JWT that expires `left` seconds from now (negative: in the past).
fn jwt_expiring_in(left: i64) -> String {
    let exp = unix_now() as i64 + left;
    jwt(&format!(r#"{{"exp":{exp},"sub":"dlister"}}"#))
}

async fn keycloak() -> (KeycloakSim, SimServer) {
    let sim = KeycloakSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    (sim, server)
}

fn provider(server: &SimServer, password: &str, prior: Option<&str>) -> KeycloakProvider {
    let mut b = KeycloakProvider::builder(server.base_url(), "squonk2", "account-server-api")
        .grant(KeycloakGrant::Password {
            username: "dlister".into(),
            password: Secret::new(password),
        })
        .refresh_skew(SKEW);
    if let Some(p) = prior {
        b = b.prior_token(Secret::new(p));
    }
    b.build().unwrap()
}

fn pipeline(server: &SimServer, p: KeycloakProvider) -> Pipeline {
    Pipeline::builder("squonk2-as")
        .base_url(server.base_url())
        .auth(Arc::new(BearerAuth::Keycloak(p)))
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn whoami() -> Operation {
    Operation::new("test.whoami", Method::GET, "/_sim/whoami")
}

/// A real token from the simulated Keycloak (RS256, `exp` = now + ttl).
async fn issued_token(server: &SimServer) -> String {
    let p = provider(server, "dlister-pass", None);
    let t = tenantry_core::ReqwestTransport::with_defaults().unwrap();
    p.access_token(&t).await.unwrap().expose().to_owned()
}

#[test]
fn expiry_is_read_from_the_payload_and_garbage_is_none() {
    let at = |s: u64| Some(UNIX_EPOCH + Duration::from_secs(s));
    let table: Vec<(String, Option<SystemTime>)> = vec![
        (jwt(r#"{"exp":1700000000}"#), at(1_700_000_000)),
        (jwt(r#"{"exp":1700000000.75,"iat":1}"#), at(1_700_000_000)),
        (jwt(r#"{"exp":-5}"#), at(0)),
        // Padded base64url is accepted too.
        (format!("{}.{}=.s", b64("{}"), b64(r#"{"exp":12}"#)), at(12)),
        (jwt(r#"{"exp":"1700000000"}"#), None),
        (jwt(r#"{"iat":1700000000}"#), None),
        (jwt(r#"{"exp":1e400}"#), None),
        (jwt(r#"{"exp":18446744073709551615}"#), None),
        (jwt("not json"), None),
        (jwt("[1,2]"), None),
        ("".to_owned(), None),
        ("abc".to_owned(), None),
        ("a.b".to_owned(), None),
        ("a.b.c.d.e".to_owned(), None),
        ("a.!!!.c".to_owned(), None),
        ("..".to_owned(), None),
        (format!("x.{}.y", "\u{00e9}"), None),
    ];
    for (token, want) in table {
        assert_eq!(token_expiry(&token), want, "{token:?}");
    }
}

#[tokio::test]
async fn a_valid_prior_token_is_used_with_no_token_request_at_all() {
    let (sim, server) = keycloak().await;
    // Issued by the simulator (300 s left), then "saved" and reused.
    let prior = issued_token(&server).await;
    let before = sim.token_requests();
    server.journal().clear();
    let p = pipeline(&server, provider(&server, "dlister-pass", Some(&prior)));
    for _ in 0..3 {
        let who: Value = p.json(&whoami()).await.unwrap();
        assert_eq!(who["username"], "dlister");
    }
    assert_eq!(sim.token_requests(), before, "no token request");
    let entries = server.journal().entries();
    assert_eq!(entries.len(), 3, "only the three calls");
    for e in &entries {
        assert_eq!(e.path, "/_sim/whoami");
        assert_eq!(
            e.header("authorization"),
            Some(format!("Bearer {prior}").as_str())
        );
    }
}

#[tokio::test]
async fn a_prior_token_with_less_than_the_skew_left_means_one_login() {
    let (sim, server) = keycloak().await;
    // A real token with 30 s left (the reference's captured case) and a
    // hand-made one already expired.
    sim.set_access_ttl(Duration::from_secs(30));
    let short = issued_token(&server).await;
    sim.set_access_ttl(Duration::from_secs(300));
    for prior in [short, jwt_expiring_in(-3600)] {
        let before = sim.token_requests();
        server.journal().clear();
        let p = pipeline(&server, provider(&server, "dlister-pass", Some(&prior)));
        for _ in 0..2 {
            let _: Value = p.json(&whoami()).await.unwrap();
        }
        assert_eq!(sim.token_requests(), before + 1, "one login");
        let entries = server.journal().entries();
        assert_eq!(entries[0].method, "POST");
        let sent = entries[1].header("authorization").unwrap();
        assert!(
            !sent.contains(prior.as_str()),
            "the prior token is not sent"
        );
    }
}

#[tokio::test]
async fn a_malformed_prior_token_means_a_login_never_a_panic() {
    let (sim, server) = keycloak().await;
    for prior in [
        "not-a-jwt",
        "a.b.c",
        "",
        "\u{0}\u{1}.\u{2}.",
        &jwt(r#"{"exp":"soon"}"#),
        &jwt(r#"{"exp":1e999}"#),
        &jwt(r#"{"exp":18446744073709551615}"#),
    ] {
        let before = sim.token_requests();
        let p = pipeline(&server, provider(&server, "dlister-pass", Some(prior)));
        let who: Value = p.json(&whoami()).await.unwrap();
        assert_eq!(who["username"], "dlister", "{prior:?}");
        assert_eq!(sim.token_requests(), before + 1, "{prior:?}: one login");
    }
}

#[tokio::test]
async fn a_prior_token_the_server_refuses_gets_one_login_and_a_replay() {
    let (sim, server) = keycloak().await;
    // Unexpired by its `exp`, but not one the server issued.
    let forged = jwt_expiring_in(3600);
    let before = sim.token_requests();
    let p = pipeline(&server, provider(&server, "dlister-pass", Some(&forged)));
    let who: Value = p.json(&whoami()).await.unwrap();
    assert_eq!(who["username"], "dlister");
    assert_eq!(sim.token_requests(), before + 1);
    let paths: Vec<String> = server
        .journal()
        .entries()
        .iter()
        .map(|e| e.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/_sim/whoami",
            "/realms/squonk2/protocol/openid-connect/token",
            "/_sim/whoami"
        ]
    );
}

#[tokio::test]
async fn the_prior_token_never_shows_in_debug_or_errors() {
    let (_sim, server) = keycloak().await;
    let forged = jwt_expiring_in(3600);
    // Refused by the server, then the login fails (wrong password).
    let builder = KeycloakProvider::builder(server.base_url(), "squonk2", "account-server-api")
        .grant(KeycloakGrant::Password {
            username: "dlister".into(),
            password: Secret::new("wrong-password"),
        })
        .refresh_skew(SKEW)
        .prior_token(Secret::new(forged.clone()));
    let shown_builder = format!("{builder:?}");
    let prov = builder.build().unwrap();
    let p = pipeline(&server, prov.clone());
    let e = p.json::<Value>(&whoami()).await.unwrap_err();
    let shown = format!("{shown_builder}\n{prov:?}\n{p:?}\n{e}\n{e:?}");
    let payload = forged.split('.').nth(1).unwrap();
    assert!(
        !shown.contains(&forged) && !shown.contains(payload),
        "{shown}"
    );
    // And the provider's scrubber masks it should a server echo it.
    let echoed = format!("token was {forged}");
    assert!(!BearerAuth::Keycloak(prov).scrub(&echoed).contains(&forged));
}

#[tokio::test]
async fn a_prior_token_offered_to_a_built_provider() {
    let (sim, server) = keycloak().await;
    let prior = issued_token(&server).await;
    let prov = provider(&server, "dlister-pass", None);
    assert!(!prov.offer_prior_token(Secret::new("garbage")));
    assert!(!prov.offer_prior_token(Secret::new(jwt_expiring_in(59))));
    assert!(prov.offer_prior_token(Secret::new(prior.clone())));
    let before = sim.token_requests();
    let _: Value = pipeline(&server, prov).json(&whoami()).await.unwrap();
    assert_eq!(sim.token_requests(), before);
}
