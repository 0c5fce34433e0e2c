//! The `/_sim/` control plane, TLS and Keycloak's RS256 tokens.

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tenantry_sim::{AstakosSim, CasSim, KeycloakSim, SimControl, SimOptions, SimServer, SimTls};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// A JSON body (reqwest here is built without its `json` feature).
trait JsonBody {
    fn j(self, v: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn j(self, v: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(v.to_string())
    }
}

fn hello() -> Router {
    Router::new().route("/hello", get(|| async { "hello" }))
}

#[tokio::test]
async fn health_journal_paging_filter_and_delete() {
    let server = SimServer::start(hello()).await.unwrap();
    let c = reqwest::Client::new();
    let base = server.base_url();
    for i in 0..5 {
        c.get(format!("{base}/hello?i={i}")).send().await.unwrap();
    }
    c.post(format!("{base}/other"))
        .body("x")
        .send()
        .await
        .unwrap();

    let (status, health) = send(c.get(format!("{base}/_sim/health"))).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["journal_entries"], 6);
    assert_eq!(health["service"], Value::Null);

    let (status, page) = send(c.get(format!(
        "{base}/_sim/journal?method=get&path=/hello&offset=1&limit=2"
    )))
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 5);
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["query"], "i=1");
    assert_eq!(entries[1]["query"], "i=2");
    assert_eq!(entries[0]["method"], "GET");

    let (_, posts) = send(c.get(format!("{base}/_sim/journal?path_prefix=/oth"))).await;
    assert_eq!(posts["total"], 1);
    assert_eq!(posts["entries"][0]["body"], "x");
    assert_eq!(posts["entries"][0]["body_len"], 1);

    let (status, err) = send(c.get(format!("{base}/_sim/journal?limit=0"))).await;
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("limit"));
    let (status, err) = send(c.get(format!("{base}/_sim/journal?colour=red"))).await;
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("colour"));

    // Control requests are not journaled.
    assert_eq!(server.journal().len(), 6);
    let (status, _) = send(c.delete(format!("{base}/_sim/journal"))).await;
    assert_eq!(status, 204);
    assert!(server.journal().is_empty());

    let (status, _) = send(c.put(format!("{base}/_sim/journal"))).await;
    assert_eq!(status, 405);
    // Without simulator state, reset and seed say so.
    let (status, _) = send(c.post(format!("{base}/_sim/reset"))).await;
    assert_eq!(status, 501);
}

#[tokio::test]
async fn faults_over_http_add_list_apply_and_remove() {
    let server = SimServer::start(hello()).await.unwrap();
    let c = reqwest::Client::new();
    let base = server.base_url();

    let (status, rule) = send(c.post(format!("{base}/_sim/faults")).j(&json!({
        "path": "/hello", "method": "GET", "times": 2,
        "fault": {"kind": "status", "status": 503, "headers": [["Retry-After", "3"]]}
    })))
    .await;
    assert_eq!(status, 201, "{rule}");
    let id = rule["id"].as_u64().unwrap();
    // A fault on every path does not block the control plane.
    let (status, every) = send(
        c.post(format!("{base}/_sim/faults"))
            .j(&json!({"fault": {"kind": "html", "status": 502}, "probability": 0.0})),
    )
    .await;
    assert_eq!(status, 201);

    let (_, list) = send(c.get(format!("{base}/_sim/faults"))).await;
    let rules = list["faults"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["id"], id);
    assert_eq!(rules[0]["path"], "/hello");
    assert_eq!(rules[0]["times"], 2);
    assert_eq!(rules[1]["probability"], 0.0);

    let r = c.get(format!("{base}/hello")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "3");
    let (_, list) = send(c.get(format!("{base}/_sim/faults"))).await;
    assert_eq!(list["faults"][0]["times"], 1);

    let (status, _) = send(c.delete(format!("{base}/_sim/faults/{id}"))).await;
    assert_eq!(status, 204);
    let (status, _) = send(c.delete(format!("{base}/_sim/faults/{id}"))).await;
    assert_eq!(status, 404);
    // The probability-0 rule never fires.
    let r = c.get(format!("{base}/hello")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let (status, err) = send(
        c.post(format!("{base}/_sim/faults"))
            .j(&json!({"fault": {"kind": "latency"}})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("ms"), "{err}");

    let (status, _) = send(c.delete(format!("{base}/_sim/faults"))).await;
    assert_eq!(status, 204);
    assert!(server.faults().rules().is_empty());
    let _ = every;
}

async fn cas_login(c: &reqwest::Client, base: &str, user: &str, pw: &str) -> u16 {
    c.post(format!("{base}/cas/v1/tickets"))
        .form(&[("username", user), ("password", pw)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn seed_then_reset_keeps_the_seed_and_drops_the_rest() {
    let cas = CasSim::seeded();
    let server = SimServer::start_with(
        cas.router(),
        SimOptions::new().control(Arc::new(cas.clone())),
    )
    .await
    .unwrap();
    let c = reqwest::Client::new();
    let base = server.base_url();
    assert_eq!(
        cas_login(&c, &base, "workshop\\carol", "carol-pass").await,
        401
    );

    let seed = json!({"cas": {"users": [
        {"group": "workshop", "username": "carol", "password": "carol-pass"}
    ]}});
    let (status, body) = send(c.post(format!("{base}/_sim/seed")).j(&seed)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        cas_login(&c, &base, "workshop\\carol", "carol-pass").await,
        201
    );
    cas.add_user("workshop", "dave", "dave-pass");
    assert_eq!(cas.tgt_count(), 1);

    let (status, body) = send(c.post(format!("{base}/_sim/reset"))).await;
    assert_eq!(status, 200, "{body}");
    // The in-process handle sees the same state.
    assert_eq!(cas.tgt_count(), 0);
    assert_eq!(
        cas_login(&c, &base, "workshop\\dave", "dave-pass").await,
        401
    );
    assert_eq!(
        cas_login(&c, &base, "workshop\\carol", "carol-pass").await,
        201
    );
    assert_eq!(
        cas_login(&c, &base, "workshop\\alice", "alice-pass").await,
        201
    );
    assert_eq!(server.journal().len(), 3);

    // Bad seeds name the field and change nothing.
    let (status, err) = send(c.post(format!("{base}/_sim/seed")).j(&json!({
        "cas": {"users": [{"group": "w", "username": "x", "pasword": "y"}]}
    })))
    .await;
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("pasword"), "{err}");
    let (status, err) = send(c.post(format!("{base}/_sim/seed")).j(&json!({"kas": {}}))).await;
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("kas"), "{err}");
    let (status, _) = send(
        c.post(format!("{base}/_sim/seed"))
            .j(&json!({"keystone": {}})),
    )
    .await;
    assert_eq!(status, 400);
}

/// The Astakos simulator over the control plane: a user from a loaded seed
/// can authenticate; reset brings back the built-in seed plus the loaded
/// seeds, and drops what was added otherwise (in the in-process handle
/// too). A bad seed names its field and changes nothing.
#[tokio::test]
async fn astakos_seed_and_reset_over_http() {
    let sim = AstakosSim::seeded();
    let server = SimServer::start_with(
        sim.router(),
        SimOptions::new().control(Arc::new(sim.clone())),
    )
    .await
    .unwrap();
    let c = reqwest::Client::new();
    let base = server.base_url();
    let uuid = "0e5c2f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
    let whoami = |token: &'static str| {
        c.post(format!("{base}/identity/v2.0/tokens"))
            .header("X-Auth-Token", token)
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"auth": {{"token": {{"id": "{token}"}}}}}}"#))
    };
    assert_eq!(send(whoami("ops-token-1")).await.0, 401);
    let seed = json!({"astakos": {
        "users": [{"uuid": uuid, "display_name": "ops@example.org", "realname": "Ops Person",
                   "token": "ops-token-1"}],
        "components": [{"name": "ops", "token": "ops-component-token"}]
    }});
    let (status, body) = send(c.post(format!("{base}/_sim/seed")).j(&seed)).await;
    assert_eq!(status, 200, "{body}");
    let (status, who) = send(whoami("ops-token-1")).await;
    assert_eq!(status, 200, "{who}");
    assert_eq!(who["access"]["user"]["id"], uuid);
    assert_eq!(who["access"]["user"]["name"], "Ops Person");
    // A change through the in-process handle, seen by reset.
    sim.add_user(
        "7a1c2f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
        "x@example.org",
        "X",
        "x-token-1",
    );
    assert!(sim
        .quota(&format!("project:{uuid}"), None, "cyclades.vm")
        .is_some());

    assert_eq!(send(whoami("x-token-1")).await.0, 200);

    // Reset: the built-in seed plus the seeds loaded so far; what was
    // added otherwise is gone, in the in-process handle too.
    let (status, body) = send(c.post(format!("{base}/_sim/reset"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["seeds"], 1, "{body}");
    assert_eq!(send(whoami("ops-token-1")).await.0, 200);
    assert_eq!(send(whoami("x-token-1")).await.0, 401);
    assert!(sim
        .quota(
            "project:7a1c2f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
            None,
            "cyclades.vm"
        )
        .is_none());

    // Bad seeds name the field and change nothing.
    for (bad, field) in [
        (
            json!({"users": [{"uuid": "nope", "display_name": "a", "token": "t"}]}),
            "users[0].uuid",
        ),
        (
            json!({"users": [{"uuid": uuid, "display_name": "", "token": "t"}]}),
            "users[0].display_name",
        ),
        (json!({"components": [{"name": "c"}]}), "token"),
    ] {
        let (status, err) = send(
            c.post(format!("{base}/_sim/seed"))
                .j(&json!({"astakos": bad})),
        )
        .await;
        assert_eq!(status, 400);
        assert!(
            err["error"].as_str().unwrap().contains(field),
            "{field}: {err}"
        );
    }
    assert_eq!(send(whoami("t")).await.0, 401);
}

#[tokio::test]
async fn tls_is_trusted_through_the_root_certificate_only() {
    let tls = SimTls::self_signed().unwrap();
    let server = SimServer::start_with(hello(), SimOptions::new().tls(tls.clone()))
        .await
        .unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    assert_eq!(server.tls_cert_pem(), Some(tls.cert_pem()));
    assert!(tls.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(tls.cert_pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{}/hello", server.addr().port());
        let r = trusting.get(&url).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hello");
    }
    let plain = reqwest::Client::new();
    let err = plain
        .get(format!("{}/hello", server.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // Routes see https as the scheme (X-Forwarded-Proto), the journal the raw request.
    let entries = server.journal().entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].header("x-forwarded-proto"), None);
}

#[tokio::test]
async fn keycloak_tokens_are_rs256_and_verify_with_the_published_key() {
    use base64::Engine;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;

    let kc = KeycloakSim::seeded();
    let server = SimServer::start(kc.router()).await.unwrap();
    let c = reqwest::Client::new();
    let realm = format!("{}/realms/squonk2", server.base_url());
    let (status, tok) = send(
        c.post(format!("{realm}/protocol/openid-connect/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "account-server-api"),
                ("username", "dlister"),
                ("password", "dlister-pass"),
            ]),
    )
    .await;
    assert_eq!(status, 200, "{tok}");
    let access = tok["access_token"].as_str().unwrap();

    // The realm's public_key (base64 DER SPKI, as Keycloak publishes it).
    let (_, doc) = send(c.get(&realm)).await;
    let der = base64::engine::general_purpose::STANDARD
        .decode(doc["public_key"].as_str().unwrap())
        .unwrap();
    let public = rsa::RsaPublicKey::from_public_key_der(&der).unwrap();
    assert_eq!(public.n().bits(), 2048);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        &b64.encode(public.n().to_bytes_be()),
        &b64.encode(public.e().to_bytes_be()),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["account"]);
    validation.set_issuer(&[realm.as_str()]);
    let data = jsonwebtoken::decode::<Value>(access, &key, &validation).unwrap();
    let claims = data.claims;
    assert_eq!(claims["preferred_username"], "dlister");
    assert_eq!(claims["azp"], "account-server-api");
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());
    assert!(claims["realm_access"]["roles"].as_array().is_some());

    // The JWKS has the same key under the token's kid.
    let (_, jwks) = send(c.get(format!("{realm}/protocol/openid-connect/certs"))).await;
    let jwk = &jwks["keys"][0];
    assert_eq!(jwk["kid"].as_str(), data.header.kid.as_deref());
    assert_eq!(jwk["alg"], "RS256");
    let jwk_key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    jsonwebtoken::decode::<Value>(access, &jwk_key, &validation).unwrap();

    // A tampered token does not verify.
    let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
    parts[1] = b64.encode(
        serde_json::to_vec(&json!({"preferred_username": "admin", "exp": u32::MAX})).unwrap(),
    );
    assert!(jsonwebtoken::decode::<Value>(&parts.join("."), &key, &validation).is_err());
    assert!(kc.public_key_pem().unwrap().contains("BEGIN PUBLIC KEY"));
    assert_eq!(kc.service(), "keycloak");
}
