//! Planted secrets never appear in Debug, Display, errors or tracing output.

mod common;

use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tenantry_core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry_core::auth::cas::CasSso;
use tenantry_core::auth::header::HeaderToken;
use tenantry_core::auth::keystone::KeystoneAuth;
use tenantry_core::http::Method;
use tenantry_core::{Operation, Pipeline, Secret};
use tenantry_sim::{CasSim, Fault, FaultRule, KeycloakSim, KeystoneSim, SimServer};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_clean(what: &str, text: &str, planted: &[&str]) {
    for p in planted {
        assert!(!text.contains(p), "{what} leaks {p:?}:\n{text}");
    }
}

#[tokio::test]
async fn planted_secrets_never_show() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let cas_pw = "planted-cas-password-1";
    let ks_pw = "planted-keystone-secret-2";
    let kc_pw = "planted-keycloak-password-3";
    let static_tok = "planted-static-token-4";
    let mut out = String::new();

    // CAS: a good login (TGT, ST, cookie are secrets too), then a refused call.
    let cas = CasSim::seeded();
    cas.add_user("workshop", "carol", cas_pw);
    let cas_server = SimServer::start(cas.router()).await.unwrap();
    let base = cas_server.base_url();
    let sso = CasSso::new(&base, "workshop", "carol", Secret::new(cas_pw)).unwrap();
    let app = sso.application(&format!("{base}/shiro-cas")).unwrap();
    let p = Pipeline::builder("etunexus")
        .base_url(format!("{base}/commsrv/v1"))
        .auth(Arc::new(app.clone()))
        .retry(fast_retry())
        .build()
        .unwrap();
    let _: serde_json::Value = p
        .json(&Operation::new("t.whoami", Method::GET, "/_sim/whoami"))
        .await
        .unwrap();
    cas_server.faults().add(FaultRule::path(
        "/commsrv/v1/_sim/whoami",
        Fault::status(401),
    ));
    let e = p
        .json::<serde_json::Value>(&Operation::new("t.whoami", Method::GET, "/_sim/whoami"))
        .await
        .unwrap_err();
    out += &format!("{e}\n{e:?}\n{sso:?}\n{app:?}\n{p:?}\n");
    let bad = CasSso::new(
        &base,
        "workshop",
        "carol",
        Secret::new("wrong-but-planted-5"),
    )
    .unwrap();
    let e = Pipeline::builder("etunexus")
        .base_url(format!("{base}/commsrv/v1"))
        .auth(Arc::new(
            bad.application(&format!("{base}/shiro-cas")).unwrap(),
        ))
        .build()
        .unwrap()
        .send(&Operation::new("t.whoami", Method::GET, "/_sim/whoami"))
        .await
        .unwrap_err();
    out += &format!("{e}\n{e:?}\n");
    // Tickets and cookies the sim issued, read from its journal.
    let mut issued: Vec<String> = Vec::new();
    for entry in cas_server.journal().entries() {
        if let Some(t) = entry.path.strip_prefix("/cas/v1/tickets/") {
            issued.push(t.replace("%2D", "-"));
        }
        for (k, v) in entry.query_pairs() {
            if k == "ticket" {
                issued.push(v);
            }
        }
        if let Some(c) = entry.header("cookie") {
            issued.push(c.trim_start_matches("JSESSIONID=").to_owned());
        }
    }
    assert!(issued.len() >= 3, "{issued:?}");

    // Keystone: login, then a failed login whose answer body is an echo.
    let ks = KeystoneSim::seeded();
    ks.add_user("u-planted", "planted-user", ks_pw, "default");
    let ks_server = SimServer::start(ks.router()).await.unwrap();
    let auth = KeystoneAuth::builder(format!("{}/v3", ks_server.base_url()))
        .user_name("planted-user", "default")
        .password(Secret::new(ks_pw))
        .build()
        .unwrap();
    let tok = auth.token(p.transport().as_ref()).await.unwrap();
    issued.push(tok.token.expose().to_owned());
    out += &format!("{auth:?}\n{tok:?}\n");
    // The echo route answers 400 with the request body: the password inside
    // must be masked in the error.
    let echo = SimServer::start(items_router()).await.unwrap();
    let echoing = KeystoneAuth::builder(format!("{}/echo", echo.base_url()))
        .user_name("planted-user", "default")
        .password(Secret::new(ks_pw))
        .skip_discovery()
        .build()
        .unwrap();
    let e = echoing.token(p.transport().as_ref()).await.unwrap_err();
    out += &format!("{e}\n{e:?}\n");

    // Keycloak: token, refresh token, a refused password.
    let kc = KeycloakSim::seeded();
    kc.add_user("planted", kc_pw);
    let kc_server = SimServer::start(kc.router()).await.unwrap();
    let prov = KeycloakProvider::builder(
        kc_server.base_url(),
        "squonk2",
        "account-server-confidential",
    )
    .client_secret(Secret::new("conf-secret"))
    .grant(KeycloakGrant::Password {
        username: "planted".into(),
        password: Secret::new(kc_pw),
    })
    .refresh_skew(Duration::from_secs(1))
    .build()
    .unwrap();
    let access = prov.access_token(p.transport().as_ref()).await.unwrap();
    issued.push(access.expose().to_owned());
    let bp = Pipeline::builder("squonk2")
        .base_url(kc_server.base_url())
        .auth(Arc::new(BearerAuth::Keycloak(prov.clone())))
        .build()
        .unwrap();
    let _: serde_json::Value = bp
        .json(&Operation::new("t.whoami", Method::GET, "/_sim/whoami"))
        .await
        .unwrap();
    out += &format!("{prov:?}\n{bp:?}\n{access:?}\n{access}\n");

    // Static token refused.
    let sp = Pipeline::builder("astakos")
        .base_url(kc_server.base_url())
        .auth(Arc::new(
            HeaderToken::x_auth_token(Secret::new(static_tok)).unwrap(),
        ))
        .build()
        .unwrap();
    let e = sp
        .send(&Operation::new("t.whoami", Method::GET, "/_sim/whoami"))
        .await
        .unwrap_err();
    out += &format!("{e}\n{e:?}\n{sp:?}\n");

    let traced = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(traced.contains("tenantry.request"), "spans were captured");
    let mut planted: Vec<&str> = vec![
        cas_pw,
        ks_pw,
        kc_pw,
        static_tok,
        "wrong-but-planted-5",
        "conf-secret",
    ];
    planted.extend(issued.iter().map(String::as_str).filter(|s| s.len() > 8));
    assert_clean("Debug/Display/errors", &out, &planted);
    assert_clean("tracing", &traced, &planted);
}
