//! End to end, in-process: the three logins the `tenantry` CLI performs,
//! through the umbrella crate against `Simulators::start_all()`, checking
//! what the simulators' journals saw. (The binary itself is tested in
//! `crates/tenantry-cli/tests/cli.rs`, where `CARGO_BIN_EXE_tenantry` exists.)

use std::sync::Arc;
use tenantry::core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry::core::auth::cas::CasSso;
use tenantry::core::auth::keystone::{EndpointFilter, KeystoneAuth};
use tenantry::core::http::Method;
use tenantry::core::{HttpTransport, Operation, Pipeline, ReqwestTransport, Secret};
use tenantry_sim::Simulators;
use tenantry_tests::field;

/// The string at `pointer` in the simulators' seed.
fn seed_str(seed: &serde_json::Value, pointer: &str) -> String {
    match seed.pointer(pointer).and_then(serde_json::Value::as_str) {
        Some(s) => s.to_owned(),
        None => panic!("the simulator seed has no string at {pointer}: {seed}"),
    }
}

fn transport() -> Arc<dyn HttpTransport> {
    Arc::new(ReqwestTransport::with_defaults().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_login_and_transparent_relogin() {
    let sims = Simulators::start_all().await.unwrap();
    let seed = sims.seed_json();
    let app_url = |k: &str| {
        let apps = seed["cas"]["apps"].as_array().unwrap();
        let emc = apps.iter().find(|a| a["name"] == "emc").unwrap();
        emc[k].as_str().unwrap().to_owned()
    };
    let service_url = app_url("service_url");
    let sso = CasSso::new(
        &seed_str(&seed, "/cas/url"),
        seed_str(&seed, "/cas/group"),
        seed_str(&seed, "/cas/username"),
        Secret::new(seed_str(&seed, "/cas/password")),
    )
    .unwrap();
    let app = sso.application(&service_url).unwrap();
    let pipeline = Pipeline::builder("etunexus")
        .base_url(app_url("api_url"))
        .transport(transport())
        .auth(Arc::new(app.clone()))
        .build()
        .unwrap();
    let op = Operation::new("etunexus.whoami", Method::GET, "/_sim/whoami");
    let who: serde_json::Value = pipeline.json(&op).await.unwrap();
    assert_eq!(who["user"], "workshop\\alice");
    assert!(app.has_session().await);

    let j = sims.cas_server.journal().entries();
    let steps: Vec<(&str, &str)> = j
        .iter()
        .map(|e| (e.method.as_str(), e.path.as_str()))
        .collect();
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert_eq!(steps[0], ("POST", "/cas/v1/tickets"));
    assert_eq!(steps[1].0, "POST");
    assert!(steps[1].1.starts_with("/cas/v1/tickets/TGT-"));
    assert_eq!(steps[2], ("GET", "/shiro-cas"));
    assert_eq!(steps[3], ("GET", "/commsrv/v1/_sim/whoami"));
    // TGT form: login as group\user; password present (its value not compared here).
    let tgt_form = j[0].form();
    assert_eq!(field(&tgt_form, "username"), Some("workshop\\alice"));
    assert!(field(&tgt_form, "password").is_some_and(|p| !p.is_empty()));
    assert_eq!(field(&j[1].form(), "service"), Some(service_url.as_str()));
    assert!(field(&j[2].query_pairs(), "ticket").is_some_and(|t| t.starts_with("ST-")));
    assert!(j[3]
        .header("cookie")
        .is_some_and(|c| c.contains("JSESSIONID=")));

    // Expired sessions: one refused call, a new ST with the cached TGT, a
    // validation, the call again.
    sims.cas.expire_sessions();
    let who: serde_json::Value = pipeline.json(&op).await.unwrap();
    assert_eq!(who["user"], "workshop\\alice");
    let again: Vec<(String, String)> = sims.cas_server.journal().entries()[4..]
        .iter()
        .map(|e| (e.method.clone(), e.path.clone()))
        .collect();
    assert_eq!(again.len(), 4, "{again:?}");
    assert_eq!(again[0].1, "/commsrv/v1/_sim/whoami");
    assert!(again[1].1.starts_with("/cas/v1/tickets/TGT-"));
    assert_eq!(again[2].1, "/shiro-cas");
    assert_eq!(again[3].1, "/commsrv/v1/_sim/whoami");
    assert_eq!(
        sims.cas_server.journal().count("POST", "/cas/v1/tickets"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystone_login_catalog_endpoint_and_call() {
    let sims = Simulators::start_all().await.unwrap();
    let seed = sims.seed_json();
    let project = seed_str(&seed, "/keystone/project_id");
    let ks = KeystoneAuth::builder(seed_str(&seed, "/keystone/auth_url"))
        .user_name(
            seed_str(&seed, "/keystone/username"),
            seed_str(&seed, "/keystone/user_domain_id"),
        )
        .password(Secret::new(seed_str(&seed, "/keystone/password")))
        .project_id(project.clone())
        .endpoint_filter(EndpointFilter {
            service_type: "sss".into(),
            interface: "public".into(),
            region: Some("jp1".into()),
        })
        .build()
        .unwrap();
    let t = transport();
    let token = ks.token(t.as_ref()).await.unwrap();
    assert_eq!(token.info["project"]["id"], project.as_str());
    assert!(token.expires_at.unix_timestamp() > 0);
    assert!(token.info["expires_at"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z')));
    let endpoint = ks.service_url(t.as_ref()).await.unwrap();
    assert!(
        endpoint.path().ends_with("/_sim/svc/sss/jp1/public"),
        "{endpoint}"
    );

    let pipeline = Pipeline::builder("ecl")
        .transport(t)
        .auth(Arc::new(ks))
        .build()
        .unwrap();
    let who: serde_json::Value = pipeline
        .json(&Operation::new("ecl.whoami", Method::GET, "/whoami"))
        .await
        .unwrap();
    assert_eq!(who["project_id"], project.as_str());
    assert_eq!(who["region"], "jp1");

    let j = sims.keystone_server.journal();
    assert_eq!(
        j.count("POST", "/v3/auth/tokens"),
        1,
        "one login for token, endpoint and call"
    );
    let login = j.filter(|e| e.method == "POST" && e.path == "/v3/auth/tokens");
    let body = login[0].json().unwrap();
    assert_eq!(body["auth"]["identity"]["methods"][0], "password");
    assert_eq!(
        body["auth"]["identity"]["password"]["user"]["name"],
        "ecl-api-key-0001"
    );
    assert_eq!(
        body["auth"]["identity"]["password"]["user"]["domain"]["id"],
        "default"
    );
    assert_eq!(body["auth"]["scope"]["project"]["id"], project.as_str());
    let call = j.filter(|e| e.path.ends_with("/whoami"));
    assert!(call[0].header("x-auth-token").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keycloak_login_and_single_renewal_under_concurrency() {
    let sims = Simulators::start_all().await.unwrap();
    let seed = sims.seed_json();
    let url = seed_str(&seed, "/keycloak/url");
    let provider = KeycloakProvider::builder(
        url.as_str(),
        seed_str(&seed, "/keycloak/realm"),
        seed_str(&seed, "/keycloak/client_id"),
    )
    .grant(KeycloakGrant::Password {
        username: seed_str(&seed, "/keycloak/username"),
        password: Secret::new(seed_str(&seed, "/keycloak/password")),
    })
    .build()
    .unwrap();
    let pipeline = Pipeline::builder("squonk2")
        .base_url(url)
        .transport(transport())
        .auth(Arc::new(BearerAuth::Keycloak(provider)))
        .build()
        .unwrap();
    let op = Operation::new("squonk2.whoami", Method::GET, "/_sim/whoami");
    let who: serde_json::Value = pipeline.json(&op).await.unwrap();
    assert_eq!(who["username"], "dlister");
    assert_eq!(sims.keycloak.token_requests(), 1);
    let j = sims.keycloak_server.journal().entries();
    let form = j[0].form();
    assert_eq!(j[0].path, "/realms/squonk2/protocol/openid-connect/token");
    assert_eq!(field(&form, "grant_type"), Some("password"));
    assert_eq!(field(&form, "client_id"), Some("account-server-api"));
    assert_eq!(field(&form, "username"), Some("dlister"));
    assert!(field(&form, "client_secret").is_none());

    sims.keycloak.expire_all_tokens();
    let mark = sims.keycloak_server.journal().len();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let (p, op) = (pipeline.clone(), op.clone());
        set.spawn(async move { p.json::<serde_json::Value>(&op).await });
    }
    while let Some(r) = set.join_next().await {
        assert_eq!(r.unwrap().unwrap()["username"], "dlister");
    }
    // One renewal for all five: the (revoked) refresh token is tried once,
    // then one password grant.
    let grants: Vec<String> = sims.keycloak_server.journal().entries()[mark..]
        .iter()
        .filter(|e| e.path.ends_with("/token"))
        .map(|e| field(&e.form(), "grant_type").unwrap_or("").to_owned())
        .collect();
    assert_eq!(grants, ["refresh_token", "password"]);
    assert_eq!(sims.keycloak.token_requests(), 3);
}
