//! Each auth flow against its simulated server: what was sent, expiry, one re-login.

mod common;

use common::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tenantry_core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry_core::auth::cas::CasSso;
use tenantry_core::auth::keystone::{EndpointFilter, KeystoneAuth};
use tenantry_core::http::Method;
use tenantry_core::{AuthErrorKind, Error, Operation, Pipeline, Secret};
use tenantry_sim::{CasSim, Fault, FaultRule, KeycloakSim, KeystoneSim, SimServer};

// ---------------------------------------------------------------- CAS

async fn cas() -> (CasSim, SimServer) {
    let sim = CasSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    (sim, server)
}

fn cas_pipeline(server: &SimServer, password: &str) -> Pipeline {
    let base = server.base_url();
    let sso = CasSso::new(&base, "workshop", "alice", Secret::new(password)).unwrap();
    let app = sso.application(&format!("{base}/shiro-cas")).unwrap();
    Pipeline::builder("etunexus")
        .base_url(format!("{base}/commsrv/v1"))
        .auth(Arc::new(app))
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn whoami() -> Operation {
    Operation::new("test.whoami", Method::GET, "/_sim/whoami")
}

#[tokio::test]
async fn cas_login_sends_tgt_st_and_validation_then_uses_the_cookie() {
    let (_sim, server) = cas().await;
    let p = cas_pipeline(&server, "alice-pass");
    let me: Value = p.json(&whoami()).await.unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["app"], "emc");

    let e = server.journal().entries();
    let steps: Vec<(String, String)> = e
        .iter()
        .map(|e| (e.method.clone(), e.path.clone()))
        .collect();
    assert_eq!(steps[0], ("POST".into(), "/cas/v1/tickets".into()));
    assert_eq!(steps[1].0, "POST");
    assert!(steps[1].1.starts_with("/cas/v1/tickets/TGT-"), "{steps:?}");
    assert_eq!(steps[2], ("GET".into(), "/shiro-cas".into()));
    assert_eq!(steps[3], ("GET".into(), "/commsrv/v1/_sim/whoami".into()));
    assert_eq!(steps.len(), 4);

    let tgt_form = e[0].form();
    assert!(
        tgt_form.contains(&("username".into(), "workshop\\alice".into())),
        "{tgt_form:?}"
    );
    assert!(tgt_form.contains(&("password".into(), "alice-pass".into())));
    assert_eq!(
        e[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let st_form = e[1].form();
    assert_eq!(
        st_form,
        vec![(
            "service".to_owned(),
            format!("{}/shiro-cas", server.base_url())
        )]
    );
    let ticket = e[2].query_pairs();
    assert_eq!(ticket.len(), 1);
    assert_eq!(ticket[0].0, "ticket");
    assert!(ticket[0].1.starts_with("ST-"));
    assert!(e[3].header("cookie").unwrap_or("").contains("JSESSIONID="));

    // A second call reuses the session: one more request, no login.
    let _: Value = p.json(&whoami()).await.unwrap();
    assert_eq!(server.journal().len(), 5);
}

#[tokio::test]
async fn cas_expired_session_logs_in_again_once_with_a_new_ticket() {
    let (sim, server) = cas().await;
    let p = cas_pipeline(&server, "alice-pass");
    let _: Value = p.json(&whoami()).await.unwrap();
    sim.expire_sessions();
    server.journal().clear();
    let me: Value = p.json(&whoami()).await.unwrap();
    assert_eq!(me["username"], "alice");
    let steps: Vec<String> = server
        .journal()
        .entries()
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    // refused (302 to /cas/login) → new ST from the cached TGT → validation → retried call
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert_eq!(steps[0], "GET /commsrv/v1/_sim/whoami");
    assert!(
        steps[1].starts_with("POST /cas/v1/tickets/TGT-"),
        "TGT reused: {steps:?}"
    );
    assert_eq!(steps[2], "GET /shiro-cas");
    assert_eq!(steps[3], "GET /commsrv/v1/_sim/whoami");
}

#[tokio::test]
async fn cas_expired_tgt_gets_a_new_tgt() {
    let (sim, server) = cas().await;
    let p = cas_pipeline(&server, "alice-pass");
    let _: Value = p.json(&whoami()).await.unwrap();
    sim.expire_sessions();
    sim.expire_tgts();
    server.journal().clear();
    let _: Value = p.json(&whoami()).await.unwrap();
    let steps: Vec<String> = server
        .journal()
        .entries()
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert_eq!(steps.len(), 6, "{steps:?}");
    assert!(steps[1].starts_with("POST /cas/v1/tickets/TGT-"));
    assert_eq!(
        steps[2], "POST /cas/v1/tickets",
        "a fresh TGT after the 404"
    );
    assert!(steps[3].starts_with("POST /cas/v1/tickets/TGT-"));
}

#[tokio::test]
async fn cas_session_refused_after_relogin_is_a_typed_auth_error() {
    let (_sim, server) = cas().await;
    server.faults().add(FaultRule::path(
        "/commsrv/v1/_sim/whoami",
        Fault::status(401),
    ));
    let p = cas_pipeline(&server, "alice-pass");
    let err = p.json::<Value>(&whoami()).await.unwrap_err();
    match &err {
        Error::Auth(a) => {
            assert_eq!(a.kind, AuthErrorKind::Rejected);
            assert_eq!(a.status, Some(401));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.journal().count("GET", "/commsrv/v1/_sim/whoami"),
        2,
        "one re-login, then fail"
    );
    assert_eq!(server.journal().count("GET", "/shiro-cas"), 2);
}

#[tokio::test]
async fn cas_wrong_password_is_invalid_credentials_and_nothing_else_is_sent() {
    let (_sim, server) = cas().await;
    let p = cas_pipeline(&server, "wrong");
    let err = p.json::<Value>(&whoami()).await.unwrap_err();
    match &err {
        Error::Auth(a) => {
            assert_eq!(a.kind, AuthErrorKind::InvalidCredentials);
            assert_eq!(a.status, Some(401));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.journal().len(), 1, "no /tickets/None, no API call");
}

// ---------------------------------------------------------------- Keystone

async fn keystone() -> (KeystoneSim, SimServer) {
    let sim = KeystoneSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    (sim, server)
}

const TENANT: &str = "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d";

fn keystone_auth(server: &SimServer, region: Option<&str>) -> KeystoneAuth {
    KeystoneAuth::builder(format!("{}/v3", server.base_url()))
        .user_name("ecl-api-key-0001", "default")
        .password(Secret::new("ecl-api-secret-0001"))
        .project_id(TENANT)
        .endpoint_filter(EndpointFilter {
            service_type: "sss".into(),
            interface: "public".into(),
            region: region.map(str::to_owned),
        })
        .build()
        .unwrap()
}

fn keystone_pipeline(auth: KeystoneAuth) -> Pipeline {
    Pipeline::builder("ecl-sss")
        .auth(Arc::new(auth))
        .retry(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test]
async fn keystone_discovers_logs_in_and_uses_the_catalog_endpoint() {
    let (_sim, server) = keystone().await;
    let p = keystone_pipeline(keystone_auth(&server, Some("jp2")));
    let who: Value = p
        .json(&Operation::new("test.whoami", Method::GET, "/whoami"))
        .await
        .unwrap();
    assert_eq!(who["region"], "jp2");
    assert_eq!(who["service_type"], "sss");
    assert_eq!(who["interface"], "public");
    assert_eq!(who["project_id"], TENANT);

    let e = server.journal().entries();
    assert_eq!(e[0].method, "GET");
    assert_eq!(e[0].path, "/v3", "discovery at auth_url as given");
    assert!(e[0].header("x-auth-token").is_none());
    assert_eq!(e[1].method, "POST");
    assert_eq!(e[1].path, "/v3/auth/tokens");
    assert_eq!(
        e[1].json(),
        Some(
            serde_json::json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "ecl-api-key-0001", "password": "ecl-api-secret-0001", "domain": {"id": "default"}}}},
            "scope": {"project": {"id": TENANT}}}})
        )
    );
    assert_eq!(e[2].path, "/_sim/svc/sss/jp2/public/whoami");
    assert!(e[2].header("x-auth-token").is_some_and(|t| !t.is_empty()));
    assert_eq!(e.len(), 3);

    // Cached: the next call sends no login.
    let _: Value = p
        .json(&Operation::new("test.whoami", Method::GET, "/whoami"))
        .await
        .unwrap();
    assert_eq!(server.journal().count("POST", "/v3/auth/tokens"), 1);
}

#[tokio::test]
async fn keystone_revoked_token_reauthenticates_once() {
    let (sim, server) = keystone().await;
    let auth = keystone_auth(&server, Some("jp1"));
    let p = keystone_pipeline(auth.clone());
    let _: Value = p
        .json(&Operation::new("test.whoami", Method::GET, "/whoami"))
        .await
        .unwrap();
    let first = auth.token(p.transport().as_ref()).await.unwrap();
    sim.revoke(first.token.expose());
    let _: Value = p
        .json(&Operation::new("test.whoami", Method::GET, "/whoami"))
        .await
        .unwrap();
    assert_eq!(server.journal().count("POST", "/v3/auth/tokens"), 2);
    let probes = server.journal().filter(|e| e.path.ends_with("/whoami"));
    assert_eq!(probes.len(), 3);
    assert_eq!(probes[1].header("x-auth-token"), Some(first.token.expose()));
    assert_ne!(probes[2].header("x-auth-token"), Some(first.token.expose()));
}

#[tokio::test]
async fn keystone_token_near_expiry_is_refreshed_before_use() {
    let (sim, server) = keystone().await;
    // Tokens live 4 s, inside the 120 s margin: refreshed after half their
    // life (2 s: the two calls below have that long, loaded machine or not).
    sim.set_token_ttl(Duration::from_secs(4));
    let p = keystone_pipeline(keystone_auth(&server, None));
    let whoami = Operation::new("test.whoami", Method::GET, "/whoami");
    let _: Value = p.json(&whoami).await.unwrap();
    let _: Value = p.json(&whoami).await.unwrap();
    assert_eq!(
        server.journal().count("POST", "/v3/auth/tokens"),
        1,
        "no login per call"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let _: Value = p.json(&whoami).await.unwrap();
    assert_eq!(
        server.journal().count("POST", "/v3/auth/tokens"),
        2,
        "refreshed before expiry"
    );
    let probes = server.journal().filter(|e| e.path.ends_with("/whoami"));
    assert_eq!(
        probes.len(),
        3,
        "no request was refused: the token never expired in use"
    );
    assert_ne!(
        probes[1].header("x-auth-token"),
        probes[2].header("x-auth-token")
    );
}

#[tokio::test]
async fn keystone_wrong_password_and_unknown_region() {
    let (_sim, server) = keystone().await;
    let auth = KeystoneAuth::builder(format!("{}/v3", server.base_url()))
        .user_name("ecl-api-key-0001", "default")
        .password(Secret::new("nope"))
        .project_id(TENANT)
        .build()
        .unwrap();
    let err = keystone_pipeline(auth)
        .json::<Value>(&Operation::new("t", Method::GET, "/whoami"))
        .await
        .unwrap_err();
    match &err {
        Error::Auth(a) => {
            assert_eq!(a.kind, AuthErrorKind::InvalidCredentials);
            assert_eq!(a.status, Some(401));
            assert!(
                a.excerpt.contains("requires authentication"),
                "{}",
                a.excerpt
            );
        }
        other => panic!("{other:?}"),
    }
    let err = keystone_pipeline(keystone_auth(&server, Some("jp9")))
        .json::<Value>(&Operation::new("t", Method::GET, "/whoami"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("public endpoint for sss service in jp9 region not found"),
        "{err}"
    );
}

// ---------------------------------------------------------------- Keycloak

async fn keycloak() -> (KeycloakSim, SimServer) {
    let sim = KeycloakSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    (sim, server)
}

fn provider(server: &SimServer, password: &str, skew: Duration) -> KeycloakProvider {
    KeycloakProvider::builder(server.base_url(), "squonk2", "account-server-api")
        .grant(KeycloakGrant::Password {
            username: "dlister".into(),
            password: Secret::new(password),
        })
        .refresh_skew(skew)
        .build()
        .unwrap()
}

fn bearer_pipeline(server: &SimServer, p: KeycloakProvider) -> Pipeline {
    Pipeline::builder("squonk2-as")
        .base_url(server.base_url())
        .auth(Arc::new(BearerAuth::Keycloak(p)))
        .retry(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test]
async fn keycloak_password_grant_then_bearer() {
    let (_sim, server) = keycloak().await;
    let p = bearer_pipeline(
        &server,
        provider(&server, "dlister-pass", Duration::from_secs(30)),
    );
    let who: Value = p.json(&whoami()).await.unwrap();
    assert_eq!(who["username"], "dlister");
    let e = server.journal().entries();
    assert_eq!(e[0].method, "POST");
    assert_eq!(e[0].path, "/realms/squonk2/protocol/openid-connect/token");
    let keys: Vec<String> = e[0].form().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        ["client_id", "grant_type", "username", "password"],
        "the reference's field order"
    );
    assert!(e[0]
        .form()
        .contains(&("grant_type".into(), "password".into())));
    assert!(e[1]
        .header("authorization")
        .is_some_and(|a| a.starts_with("Bearer ") && a.len() > 20));
}

#[tokio::test]
async fn keycloak_password_with_specials_is_encoded() {
    let (sim, server) = keycloak().await;
    sim.add_user("odd", "p&ss w+rd%");
    let prov = KeycloakProvider::builder(server.base_url(), "squonk2", "account-server-api")
        .grant(KeycloakGrant::Password {
            username: "odd".into(),
            password: Secret::new("p&ss w+rd%"),
        })
        .build()
        .unwrap();
    let who: Value = bearer_pipeline(&server, prov)
        .json(&whoami())
        .await
        .unwrap();
    assert_eq!(who["username"], "odd");
    let body = server.journal().entries()[0].body_str();
    assert!(body.contains("password=p%26ss+w%2Brd%25"), "{body}");
}

#[tokio::test]
async fn keycloak_expired_token_uses_the_refresh_grant() {
    let (sim, server) = keycloak().await;
    sim.set_access_ttl(Duration::from_secs(1));
    let p = bearer_pipeline(&server, provider(&server, "dlister-pass", Duration::ZERO));
    let _: Value = p.json(&whoami()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let _: Value = p.json(&whoami()).await.unwrap();
    let grants: Vec<String> = server
        .journal()
        .filter(|e| e.method == "POST")
        .iter()
        .flat_map(|e| {
            e.form()
                .into_iter()
                .filter(|(k, _)| k == "grant_type")
                .map(|(_, v)| v)
        })
        .collect();
    assert_eq!(grants, ["password", "refresh_token"]);
}

#[tokio::test]
async fn keycloak_is_single_flight_for_100_concurrent_callers() {
    let (sim, server) = keycloak().await;
    sim.set_access_ttl(Duration::from_secs(1));
    let p = bearer_pipeline(&server, provider(&server, "dlister-pass", Duration::ZERO));
    let _: Value = p.json(&whoami()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // the cached token has expired
    let before = sim.token_requests();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.json::<Value>(&whoami()).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap()["username"], "dlister");
    }
    assert_eq!(sim.token_requests() - before, 1);
    let token_posts = server
        .journal()
        .count("POST", "/realms/squonk2/protocol/openid-connect/token");
    assert_eq!(
        token_posts, 2,
        "one initial login, one refresh for 100 callers"
    );
}

#[tokio::test]
async fn keycloak_server_side_expiry_refreshes_once_for_many_callers() {
    let (sim, server) = keycloak().await;
    let p = bearer_pipeline(
        &server,
        provider(&server, "dlister-pass", Duration::from_secs(30)),
    );
    let _: Value = p.json(&whoami()).await.unwrap();
    sim.expire_all_tokens();
    let before = sim.token_requests();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.json::<Value>(&whoami()).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    // One flight: the refresh token was revoked with the rest, so the one
    // refresh attempt falls back to the password grant; nobody else asks.
    assert_eq!(sim.token_requests() - before, 2);
    let grants: Vec<String> = server
        .journal()
        .filter(|e| e.method == "POST")
        .iter()
        .flat_map(|e| {
            e.form()
                .into_iter()
                .filter(|(k, _)| k == "grant_type")
                .map(|(_, v)| v)
        })
        .collect();
    assert_eq!(grants, ["password", "refresh_token", "password"]);
}

#[tokio::test]
async fn keycloak_wrong_password_is_invalid_credentials_with_status() {
    let (_sim, server) = keycloak().await;
    let err = bearer_pipeline(&server, provider(&server, "bad", Duration::from_secs(30)))
        .json::<Value>(&whoami())
        .await
        .unwrap_err();
    match &err {
        Error::Auth(a) => {
            assert_eq!(a.kind, AuthErrorKind::InvalidCredentials);
            assert_eq!(a.status, Some(401));
            assert!(a.excerpt.contains("invalid_grant"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.journal().len(), 1);
}
