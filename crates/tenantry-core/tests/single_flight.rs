//! Logins are single-flight through `endpoint::Resolver` (issue #11): 20
//! concurrent first calls against a silent auth server send one login and
//! all fail together; 100 callers refused with the same token cause one
//! re-authentication; the endpoint follows a new catalog. Loopback only.

mod common;

use common::{fast_retry, transport, Counting};
use http::Method;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tenantry_core::auth::cas::CasSso;
use tenantry_core::auth::keystone::{EndpointFilter, KeystoneAuth};
use tenantry_core::auth::AuthStrategy;
use tenantry_core::error::AuthErrorKind;
use tenantry_core::{Error, Operation, Pipeline, RetryConfig, Secret};
use tenantry_sim::{CasSim, CatalogEndpoint, KeystoneSim, SimServer};

const TENANT: &str = "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d";

/// A listener that accepts connections and never answers. `finish` stops
/// it and returns how many connections it took, counting (with a direct
/// non-blocking `accept`) any still waiting in the kernel's backlog, so the
/// count is exact once the callers are done.
struct Silent {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<(tokio::net::TcpListener, usize)>,
}

impl Silent {
    async fn start() -> Silent {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            loop {
                tokio::select! {
                    r = listener.accept() => held.push(r.unwrap().0),
                    _ = &mut stopped => break,
                }
            }
            (listener, held.len())
        });
        Silent { addr, stop, task }
    }

    async fn finish(self) -> usize {
        let _ = self.stop.send(());
        let (listener, mut n) = self.task.await.unwrap();
        let listener = listener.into_std().unwrap();
        listener.set_nonblocking(true).unwrap();
        while listener.accept().is_ok() {
            n += 1;
        }
        n
    }
}

fn counting(timeout: Duration) -> Arc<Counting> {
    Arc::new(Counting {
        inner: transport(timeout),
        calls: Default::default(),
    })
}

/// Runs 20 concurrent first calls and returns their errors.
async fn twenty_calls(p: &Pipeline, path: &'static str) -> Vec<Error> {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move {
                p.json::<Value>(&Operation::new("test.call", Method::GET, path))
                    .await
            })
        })
        .collect();
    let mut errors = Vec::new();
    for t in tasks {
        errors.push(t.await.unwrap().unwrap_err());
    }
    errors
}

fn assert_unavailable(errors: &[Error]) {
    for e in errors {
        match e {
            Error::Auth(a) => assert_eq!(a.kind, AuthErrorKind::Unavailable, "{e}"),
            other => panic!("expected an auth error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn keystone_twenty_first_calls_against_a_silent_server_send_one_login() {
    let silent = Silent::start().await;
    let t = counting(Duration::from_millis(400));
    let auth = KeystoneAuth::builder(format!("http://{}/v3", silent.addr))
        .user_name("key", "default")
        .password(Secret::new("secret"))
        .project_id(TENANT)
        .skip_discovery()
        .build()
        .unwrap();
    let p = Pipeline::builder("ecl-sss")
        .auth(Arc::new(auth))
        .transport(t.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let errors = twenty_calls(&p, "/whoami").await;
    assert_unavailable(&errors);
    assert_eq!(
        t.calls.load(Ordering::SeqCst),
        1,
        "one login for 20 callers"
    );
    // The next call tries again (the failure was not cached).
    let e = p
        .json::<Value>(&Operation::new("test.call", Method::GET, "/whoami"))
        .await
        .unwrap_err();
    assert_unavailable(&[e]);
    assert_eq!(t.calls.load(Ordering::SeqCst), 2);
    assert_eq!(silent.finish().await, 2, "connections seen by the server");
}

#[tokio::test]
async fn keystone_discovery_is_single_flight_too() {
    let silent = Silent::start().await;
    let t = counting(Duration::from_millis(400));
    let auth = KeystoneAuth::builder(format!("http://{}/v3", silent.addr))
        .user_name("key", "default")
        .password(Secret::new("secret"))
        .project_id(TENANT)
        .build()
        .unwrap();
    let p = Pipeline::builder("ecl-sss")
        .auth(Arc::new(auth))
        .transport(t.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    assert_unavailable(&twenty_calls(&p, "/whoami").await);
    assert_eq!(t.calls.load(Ordering::SeqCst), 1, "one version discovery");
    assert_eq!(silent.finish().await, 1);
}

#[tokio::test]
async fn cas_twenty_first_calls_against_a_silent_server_send_one_login() {
    let silent = Silent::start().await;
    let t = counting(Duration::from_millis(400));
    let base = format!("http://{}", silent.addr);
    let sso = CasSso::new(&base, "workshop", "alice", Secret::new("pw")).unwrap();
    let app = sso.application(&format!("{base}/shiro-cas")).unwrap();
    let p = Pipeline::builder("etunexus")
        .base_url(format!("{base}/commsrv/v1"))
        .auth(Arc::new(app))
        .transport(t.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    assert_unavailable(&twenty_calls(&p, "/_sim/whoami").await);
    assert_eq!(t.calls.load(Ordering::SeqCst), 1, "one TGT request");
    assert_eq!(silent.finish().await, 1);
}

async fn keystone() -> (KeystoneSim, SimServer) {
    let sim = KeystoneSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    (sim, server)
}

fn keystone_auth(server: &SimServer) -> KeystoneAuth {
    KeystoneAuth::builder(format!("{}/v3", server.base_url()))
        .user_name("ecl-api-key-0001", "default")
        .password(Secret::new("ecl-api-secret-0001"))
        .project_id(TENANT)
        .endpoint_filter(EndpointFilter {
            service_type: "sss".into(),
            interface: "public".into(),
            region: Some("jp1".into()),
        })
        .build()
        .unwrap()
}

fn whoami() -> Operation {
    Operation::new("test.whoami", Method::GET, "/whoami")
}

#[tokio::test]
async fn keystone_hundred_callers_after_a_401_share_one_reauthentication() {
    let (sim, server) = keystone().await;
    let auth = keystone_auth(&server);
    let p = Pipeline::builder("ecl-sss")
        .auth(Arc::new(auth.clone()))
        .retry(fast_retry())
        .build()
        .unwrap();
    let _: Value = p.json(&whoami()).await.unwrap();
    let first = auth.token(p.transport().as_ref()).await.unwrap();
    sim.revoke(first.token.expose());
    let issued = sim.tokens_issued();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.json::<Value>(&whoami()).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap()["project_id"], TENANT);
    }
    assert_eq!(sim.tokens_issued() - issued, 1, "one re-authentication");
    assert_eq!(server.journal().count("POST", "/v3/auth/tokens"), 2);
    let second = auth.token(p.transport().as_ref()).await.unwrap();
    assert_ne!(second.token.expose(), first.token.expose());
    // Every refused call was sent with the old token, every retry with the new.
    let probes = server.journal().filter(|e| e.path.ends_with("/whoami"));
    let old = probes
        .iter()
        .filter(|e| e.header("x-auth-token") == Some(first.token.expose()))
        .count();
    let new = probes
        .iter()
        .filter(|e| e.header("x-auth-token") == Some(second.token.expose()))
        .count();
    assert_eq!(old + new, probes.len());
    assert_eq!(new, 100, "each caller succeeded once with the new token");
}

#[tokio::test]
async fn keystone_endpoint_follows_a_new_catalog() {
    let (sim, server) = keystone().await;
    let auth = keystone_auth(&server);
    let p = Pipeline::builder("ecl-sss")
        .auth(Arc::new(auth.clone()))
        .retry(fast_retry())
        .build()
        .unwrap();
    let who: Value = p.json(&whoami()).await.unwrap();
    assert_eq!(who["region"], "jp1");
    let t = p.transport().clone();
    let before = auth.endpoint(t.as_ref()).await.unwrap().unwrap();
    assert!(before.path().ends_with("/sss/jp1/public"), "{before}");
    // The service moves: jp1's public sss endpoint now points at the jp2
    // probe. The cached token keeps the old catalog until it is refused.
    let origin = server.base_url();
    let mut catalog = KeystoneSim::default_catalog(&origin);
    for e in &mut catalog {
        if e.service_type == "sss" && e.region == "jp1" && e.interface == "public" {
            e.url = format!("{origin}/_sim/svc/sss/jp2/public");
        }
    }
    assert!(catalog
        .iter()
        .any(|e: &CatalogEndpoint| e.url.ends_with("jp2/public")));
    sim.set_catalog(catalog);
    let first = auth.token(t.as_ref()).await.unwrap();
    sim.revoke(first.token.expose());
    // Refused → one new login → the new catalog → the retry goes there.
    let who: Value = p.json(&whoami()).await.unwrap();
    assert_eq!(who["region"], "jp2", "the new catalog's endpoint");
    let after = auth.endpoint(t.as_ref()).await.unwrap().unwrap();
    assert!(after.path().ends_with("/sss/jp2/public"), "{after}");
    let probes = server.journal().filter(|e| e.path.ends_with("/whoami"));
    let paths: Vec<&str> = probes.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/_sim/svc/sss/jp1/public/whoami",
            "/_sim/svc/sss/jp1/public/whoami",
            "/_sim/svc/sss/jp2/public/whoami"
        ]
    );
    assert_eq!(server.journal().count("POST", "/v3/auth/tokens"), 2);
}

#[tokio::test]
async fn cas_hundred_callers_after_an_expired_session_share_one_login() {
    let sim = CasSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    let base = server.base_url();
    let sso = CasSso::new(&base, "workshop", "alice", Secret::new("alice-pass")).unwrap();
    let app = sso.application(&format!("{base}/shiro-cas")).unwrap();
    let p = Pipeline::builder("etunexus")
        .base_url(format!("{base}/commsrv/v1"))
        .auth(Arc::new(app))
        .retry(fast_retry())
        .build()
        .unwrap();
    let op = Operation::new("test.whoami", Method::GET, "/_sim/whoami");
    let _: Value = p.json(&op).await.unwrap();
    sim.expire_sessions();
    server.journal().clear();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (p, op) = (p.clone(), op.clone());
            tokio::spawn(async move { p.json::<Value>(&op).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap()["username"], "alice");
    }
    let j = server.journal();
    let tickets = j.filter(|e| e.method == "POST" && e.path.starts_with("/cas/v1/tickets/"));
    assert_eq!(tickets.len(), 1, "one service ticket for 100 callers");
    assert_eq!(j.count("GET", "/shiro-cas"), 1, "one validation");
    assert_eq!(j.count("POST", "/cas/v1/tickets"), 0, "the TGT was kept");
}
