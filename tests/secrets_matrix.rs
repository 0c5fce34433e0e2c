//! The planted-secret matrix through the library (#12).
//!
//! Rows: each auth strategy (CAS, Keystone, Keycloak bearer, static header)
//! on the core pipeline, and each service client (Astakos, ECL SSS over
//! Keystone, Squonk2 AS over Keycloak; add a row per new service to
//! [`TARGETS`] and [`run_target`]). Each row has targets: a login whose
//! auth server echoes (CAS, Keystone, Keycloak) and a call whose service
//! echoes. Keycloak's four secrets each have targets: the password and the
//! client secret (password login), the refresh token (refresh-token
//! login), the access token (a call after a login; a prior token reused
//! with no login), through core's provider and through the Squonk2 client
//! (whose asset create also carries a content string, a secret, in a
//! streamed multipart body). Etu Nexus's four CAS secrets each have a
//! target through the `etunexus` client (an EMC2 call against the Etu
//! Nexus simulator over TLS, the echo at one step of the CAS flow): the
//! password (the TGT request), the ticket-granting ticket (the
//! service-ticket request's path), the service ticket (its presentation to
//! `shiro-cas`), the session cookie (the EMC2 call), and a new user's
//! password in a create body; the tickets and cookies the simulator issued
//! are read from its journal and planted for the case.
//! Each target is driven through every answer
//! ([`ANSWERS`]: success, 401, 404, 500) and every echo shape ([`SHAPES`]:
//! raw, nested JSON, HTML, JSON and text over the excerpt size, base64).
//! The echo carries everything the request carried, so every planted
//! secret the request held comes back. Checked: `Display` and `Debug` of
//! the error (or the fact of success: a success value is the server's own
//! data, which the CLI masks on output, see the CLI matrix), `Debug` of the
//! client, pipeline and strategy, and every tracing line at TRACE (the most
//! verbose level: the lines of every lower level are a subset).
//!
//! The six leaks of #12 are cases of this matrix (see [`SIX_LEAKS`]); each
//! also has a unit test in `tenantry-core/src/redact.rs`.

use astakos_client::AstakosClient;
use base64::Engine as _;
use squonk2_as::models::AssetScope;
use squonk2_as::Squonk2Client;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tenantry::core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry::core::auth::cas::CasSso;
use tenantry::core::auth::header::HeaderToken;
use tenantry::core::auth::keystone::KeystoneAuth;
use tenantry::core::auth::AuthStrategy;
use tenantry::core::http::Method;
use tenantry::core::TransportConfig;
use tenantry::core::{HttpTransport, Operation, Pipeline, ReqwestTransport, RetryConfig, Secret};
use tenantry::ecl::EclSssClient;
use tenantry::etunexus::models::emc::User;
use tenantry::etunexus::{Cas, Emc2, GroupId};
use tenantry_sim::ecl_sss::{SEED_OWNER_ID, SEED_TENANT_ID};
use tenantry_sim::{
    AstakosSim, CasSim, EclSssSim, EtunexusSim, KeycloakSim, KeystoneSim, SimControl, SimOptions,
    SimServer, SimTls,
};
use tenantry_tests::secrets::{assert_clean, Echo, EchoRule, Planted, SHAPES};

/// Success, refused (a renewable strategy logs in again once, then
/// fails), not found, server error.
const ANSWERS: [u16; 4] = [200, 401, 404, 500];

/// `(row, target)`: every target of the matrix.
const TARGETS: &[(&str, &str)] = &[
    ("cas", "login"),
    ("cas", "call"),
    ("keystone", "login"),
    ("keystone", "call"),
    ("keycloak", "login"),
    ("keycloak", "call"),
    ("static-header", "call"),
    ("astakos", "authenticate"),
    ("astakos", "validate_token"),
    ("astakos", "oauth2_token"),
    ("astakos", "get_quotas"),
    // ECL SSS behind its Keystone: the API secret in the login, the token
    // on the call, a user's password in a create body.
    ("ecl", "login"),
    ("ecl", "list_users"),
    ("ecl", "create_user"),
    // Keycloak's refresh token (a refresh-token login) and a prior access
    // token (reused with no login) on core's provider.
    ("keycloak", "refresh_login"),
    ("keycloak", "prior_call"),
    // Squonk2 AS behind Keycloak: the password login, a call with the
    // issued token, a call with a prior token, an asset's content string
    // in a streamed multipart body.
    ("squonk2", "login"),
    ("squonk2", "account"),
    ("squonk2", "prior_account"),
    ("squonk2", "create_asset"),
    // Etu Nexus through its client (Emc2 over TLS): the echo at each CAS
    // step (the password, the TGT, the service ticket), on an EMC2 call
    // (the session cookie) and on a user create (a password in the body).
    ("etunexus", "cas_login"),
    ("etunexus", "service_ticket"),
    ("etunexus", "ticket_validation"),
    ("etunexus", "groups"),
    ("etunexus", "create_user"),
];

/// The six leaks of #12 and the matrix cases that show each fixed.
const SIX_LEAKS: &[(&str, &str, u16, &str)] = &[
    (
        "1: caller's token in authenticate's body at trace",
        "astakos/authenticate",
        200,
        "Json",
    ),
    (
        "2: OAuth2 code in a form body at trace",
        "astakos/oauth2_token",
        200,
        "Raw",
    ),
    (
        "3: nested token.id in an error body",
        "astakos/authenticate",
        404,
        "Json",
    ),
    (
        "4: secrets in an error body over 4 KiB",
        "keycloak/login",
        401,
        "BigJson",
    ),
    (
        "5: Authorization Basic echoed back",
        "astakos/oauth2_token",
        404,
        "Base64",
    ),
    (
        "6: a validated token echoed in a 404 page",
        "astakos/validate_token",
        404,
        "Html",
    ),
];

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

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(c.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        c
    })
}

const CAS_GROUP: &str = "workshop";
const CAS_USER: &str = "planted-carol";
const CAS_PW: &str = "cas-pw/Planted+1&x";
const KS_USER: &str = "planted-kuser";
const KS_PW: &str = "keystone-api-Secret+2";
const KC_USER: &str = "planted-kc";
const KC_PW: &str = "keycloak-pw-Planted3";
const KC_CLIENT: &str = "planted-client";
const KC_CLIENT_SECRET: &str = "kc-client-Secret/4";
const STATIC_TOKEN: &str = "static-header-Token5";
const ASTAKOS_TOKEN: &str = "astakos-user-Token6";
const VALIDATED: &str = "validated-arg-Token7";
const OAUTH_ID: &str = "pithos-view";
const OAUTH_SECRET: &str = "oauth-client-Secret8";
const OAUTH_CODE: &str = "authz-code-Planted9";
const ECL_KEY: &str = "planted-ecl-api-key";
const ECL_SECRET: &str = "ecl-api-Secret+10/x";
const ECL_USER_PW: &str = "ecl-new-user-Password11";
const KC_REFRESH: &str = "kc-refresh-Token12/x+";
const SQ_CONTENT: &str = "asset-content-Secret13";
const ETU_USER: &str = "planted-etu";
const ETU_PW: &str = "etu-cas-pw/Planted+15&x";
const ETU_NEW_PW: &str = "etu-new-user-Password16";

/// A prior access token: a JWT whose `exp` (2100-01-01) leaves it usable,
/// so it is sent as it is, with no login.
fn kc_prior() -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.cGxhbnRlZC1zaWduYXR1cmUtMTQ",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(r#"{"exp":4102444800,"sub":"planted-prior-14"}"#)
    )
}

/// The simulators behind one echo, the logged-in strategies and the
/// secrets planted in them.
struct World {
    echo: Echo,
    cas_url: String,
    ks_url: String,
    kc_url: String,
    astakos_url: String,
    ecl_url: String,
    echo_url: String,
    /// The Etu Nexus simulator (TLS): `host:port`, the workshop group id,
    /// a transport trusting its certificate, its journal.
    etu_host: String,
    etu_gid: GroupId,
    etu_transport: Arc<dyn HttpTransport>,
    etu_journal: tenantry_sim::Journal,
    /// How many TGTs, service tickets and session cookies the Etu Nexus
    /// cases planted (each kind must be seen).
    etu_seen: Mutex<[usize; 3]>,
    transport: Arc<dyn HttpTransport>,
    keystone: KeystoneAuth,
    keycloak: KeycloakProvider,
    planted: Planted,
    /// Credentials a case obtained (ECL tokens), planted for that case.
    issued: Mutex<Vec<String>>,
    _servers: Vec<SimServer>,
}

async fn world() -> World {
    let echo = Echo::default();
    let cas = CasSim::seeded();
    cas.add_user(CAS_GROUP, CAS_USER, CAS_PW);
    let ks = KeystoneSim::seeded();
    ks.add_user("u-planted", KS_USER, KS_PW, "default");
    let kc = KeycloakSim::seeded();
    kc.add_client(KC_CLIENT, Some(KC_CLIENT_SECRET));
    kc.add_user(KC_USER, KC_PW);
    let astakos = AstakosSim::seeded();
    astakos.add_user(
        "uuid-planted",
        "planted@example.org",
        "Planted",
        ASTAKOS_TOKEN,
    );
    // The ECL contract owner's API key pair is planted (the seeded owner's
    // Keystone identity replaced, same user id).
    let ecl = EclSssSim::seeded();
    let cas_srv = SimServer::start(echo.wrap(cas.router())).await.unwrap();
    let ks_srv = SimServer::start(echo.wrap(ks.router())).await.unwrap();
    let kc_srv = SimServer::start(echo.wrap(kc.router())).await.unwrap();
    let astakos_srv = SimServer::start(echo.wrap(astakos.router())).await.unwrap();
    let ecl_srv = SimServer::start(echo.wrap(ecl.router())).await.unwrap();
    ecl.keystone()
        .add_user(SEED_OWNER_ID, ECL_KEY, ECL_SECRET, "default");
    let echo_srv = SimServer::start(echo.router()).await.unwrap();
    // Etu Nexus behind the echo, over TLS (the client speaks HTTPS only),
    // with a planted group administrator of `workshop`.
    let etu = EtunexusSim::seeded();
    etu.load_seed(&serde_json::json!({"users": [{
        "group": "workshop", "username": ETU_USER, "password": ETU_PW,
        "roles": [{"roleName": "ADMIN", "appId": "ETU-SHIELD"}],
    }]}))
    .unwrap();
    let etu_srv = SimServer::start_with(
        echo.wrap(etu.router()),
        SimOptions::new().tls(SimTls::self_signed().unwrap()),
    )
    .await
    .unwrap();
    let etu_transport: Arc<dyn HttpTransport> = Arc::new(
        ReqwestTransport::new(
            TransportConfig::default().add_root_certificate_pem(etu_srv.tls_cert_pem().unwrap()),
        )
        .unwrap(),
    );
    let transport: Arc<dyn HttpTransport> = Arc::new(ReqwestTransport::with_defaults().unwrap());

    let mut planted = Planted::default();
    for (what, v) in [
        ("CAS password", CAS_PW),
        ("Keystone API secret", KS_PW),
        ("Keycloak password", KC_PW),
        ("Keycloak client secret", KC_CLIENT_SECRET),
        ("static token", STATIC_TOKEN),
        ("ECL API secret (Keystone password)", ECL_SECRET),
        ("ECL user password (create body)", ECL_USER_PW),
        ("Keycloak refresh token", KC_REFRESH),
        ("Keycloak prior token", &kc_prior()),
        ("Squonk2 asset content string", SQ_CONTENT),
        ("Etu Nexus CAS password", ETU_PW),
        ("Etu Nexus new user's password (create body)", ETU_NEW_PW),
        ("Astakos token", ASTAKOS_TOKEN),
        ("validated token (argument)", VALIDATED),
        ("OAuth2 client secret", OAUTH_SECRET),
        ("OAuth2 authorization code", OAUTH_CODE),
    ] {
        planted.add(what, v);
    }
    planted.add(
        "Basic credentials",
        base64::engine::general_purpose::STANDARD.encode(format!("{OAUTH_ID}:{OAUTH_SECRET}")),
    );
    planted.add(
        "Basic credentials (decoded)",
        format!("{OAUTH_ID}:{OAUTH_SECRET}"),
    );

    // Logged in once: the issued Keystone token and Keycloak access token
    // are planted too.
    let ks_url = ks_srv.base_url();
    let keystone = keystone_auth(&ks_url, &echo_srv.base_url());
    let tok = keystone.token(transport.as_ref()).await.unwrap();
    planted.add("Keystone token", tok.token.expose());
    let kc_url = kc_srv.base_url();
    let keycloak = keycloak_provider(&kc_url);
    let access = keycloak.access_token(transport.as_ref()).await.unwrap();
    planted.add("Keycloak access token", access.expose());

    World {
        echo,
        cas_url: cas_srv.base_url(),
        ks_url,
        kc_url,
        astakos_url: astakos_srv.base_url(),
        ecl_url: ecl_srv.base_url(),
        echo_url: echo_srv.base_url(),
        etu_host: etu_srv
            .base_url()
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_owned(),
        etu_gid: GroupId::new(etu.group_id("workshop").unwrap() as u64).unwrap(),
        etu_transport,
        etu_journal: etu_srv.journal(),
        etu_seen: Mutex::new([0; 3]),
        transport,
        keystone,
        keycloak,
        planted,
        issued: Mutex::new(Vec::new()),
        _servers: vec![
            cas_srv,
            ks_srv,
            kc_srv,
            astakos_srv,
            ecl_srv,
            echo_srv,
            etu_srv,
        ],
    }
}

fn keystone_auth(ks_url: &str, echo_url: &str) -> KeystoneAuth {
    KeystoneAuth::builder(format!("{ks_url}/v3"))
        .user_name(KS_USER, "default")
        .password(Secret::new(KS_PW))
        .endpoint_override(format!("{echo_url}/api"))
        .skip_discovery()
        .build()
        .unwrap()
}

fn keycloak_provider(kc_url: &str) -> KeycloakProvider {
    keycloak_builder(kc_url).build().unwrap()
}

fn keycloak_builder(kc_url: &str) -> tenantry::core::auth::bearer::KeycloakProviderBuilder {
    KeycloakProvider::builder(kc_url, "squonk2", KC_CLIENT)
        .client_secret(Secret::new(KC_CLIENT_SECRET))
        .grant(KeycloakGrant::Password {
            username: KC_USER.into(),
            password: Secret::new(KC_PW),
        })
        .refresh_skew(Duration::from_secs(1))
}

fn no_retry() -> RetryConfig {
    RetryConfig::disabled()
}

/// What a typed call expects: an echo never decodes into it.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Expected {
    expected_field: u64,
}

fn outcome<T, E: std::fmt::Display + std::fmt::Debug>(r: Result<T, E>) -> String {
    match r {
        Ok(_) => "ok\n".to_owned(),
        Err(e) => format!("{e}\n{e:?}\n"),
    }
}

/// The echo rule of a target: `(method, path prefix)`.
fn rule(row: &str, target: &str) -> (Option<&'static str>, &'static str) {
    match (row, target) {
        ("cas", "login") => (Some("POST"), "/cas/v1/tickets"),
        ("keystone", "login") => (Some("POST"), "/v3/auth/tokens"),
        ("keycloak", "login") => (Some("POST"), "/realms/"),
        (_, "call") => (None, "/api"),
        ("astakos", "authenticate") => (Some("POST"), "/identity/v2.0/tokens"),
        ("astakos", "validate_token") => (Some("GET"), "/identity/v2.0/tokens/"),
        ("astakos", "oauth2_token") => (Some("POST"), "/oauth2/"),
        ("astakos", "get_quotas") => (Some("GET"), "/account/v1.0/quotas"),
        ("ecl", "login") => (Some("POST"), "/v3/auth/tokens"),
        ("ecl", "list_users") => (Some("GET"), "/api/v1.0/users"),
        ("ecl", "create_user") => (Some("POST"), "/api/v1.0/users"),
        ("keycloak", "refresh_login") | ("squonk2", "login") => (Some("POST"), "/realms/"),
        ("keycloak", "prior_call") | ("squonk2", _) => (None, "/api"),
        ("etunexus", "cas_login") => (Some("POST"), "/cas/v1/tickets"),
        ("etunexus", "service_ticket") => (Some("POST"), "/cas/v1/tickets/"),
        ("etunexus", "ticket_validation") => (Some("GET"), "/shiro-cas"),
        ("etunexus", "groups") => (Some("GET"), "/commsrv/v1/group"),
        ("etunexus", "create_user") => (Some("POST"), "/commsrv/v1/group/"),
        other => panic!("no rule for {other:?}"),
    }
}

/// Drives one target; returns every Debug/Display the library produced.
async fn run_target(w: &World, row: &str, target: &str) -> String {
    let call = Operation::new("matrix.call", Method::GET, "/items").query("page", "1");
    let t = &w.transport;
    match (row, target) {
        ("cas", _) => {
            let sso = CasSso::new(&w.cas_url, CAS_GROUP, CAS_USER, Secret::new(CAS_PW)).unwrap();
            let app = sso
                .application(&format!("{}/shiro-cas", w.cas_url))
                .unwrap();
            let mut out = format!("{sso:?}\n{app:?}\n");
            if target == "login" {
                let mut scratch = tenantry::core::http::Request::new(Default::default());
                *scratch.uri_mut() = format!("{}/shiro-cas", w.cas_url).parse().unwrap();
                out += &outcome(app.apply(&mut scratch, t.as_ref()).await);
            } else {
                let p = Pipeline::builder("etunexus")
                    .base_url(format!("{}/api", w.echo_url))
                    .transport(t.clone())
                    .auth(Arc::new(app))
                    .retry(no_retry())
                    .build()
                    .unwrap();
                out += &format!("{p:?}\n");
                out += &outcome(p.json::<Expected>(&call).await);
            }
            out
        }
        ("keystone", "login") => {
            let ks = KeystoneAuth::builder(format!("{}/v3", w.ks_url))
                .user_name(KS_USER, "default")
                .password(Secret::new(KS_PW))
                .skip_discovery()
                .build()
                .unwrap();
            format!("{ks:?}\n{}", outcome(ks.token(t.as_ref()).await))
        }
        ("keystone", "call") => {
            let p = Pipeline::builder("ecl")
                .transport(t.clone())
                .auth(Arc::new(w.keystone.clone()))
                .retry(no_retry())
                .build()
                .unwrap();
            format!("{p:?}\n{}", outcome(p.json::<Expected>(&call).await))
        }
        ("keycloak", "login") => {
            let kc = keycloak_provider(&w.kc_url);
            format!("{kc:?}\n{}", outcome(kc.access_token(t.as_ref()).await))
        }
        ("keycloak", "call") => {
            let p = Pipeline::builder("squonk2")
                .base_url(format!("{}/api", w.echo_url))
                .transport(t.clone())
                .auth(Arc::new(BearerAuth::Keycloak(w.keycloak.clone())))
                .retry(no_retry())
                .build()
                .unwrap();
            format!("{p:?}\n{}", outcome(p.json::<Expected>(&call).await))
        }
        ("static-header", "call") => {
            let p = Pipeline::builder("astakos")
                .base_url(format!("{}/api", w.echo_url))
                .transport(t.clone())
                .auth(Arc::new(
                    HeaderToken::x_auth_token(Secret::new(STATIC_TOKEN)).unwrap(),
                ))
                .retry(no_retry())
                .build()
                .unwrap();
            format!("{p:?}\n{}", outcome(p.json::<Expected>(&call).await))
        }
        ("astakos", op) => {
            let c = AstakosClient::builder(
                format!("{}/identity/v2.0", w.astakos_url),
                Secret::new(ASTAKOS_TOKEN),
            )
            .transport(t.clone())
            .retry(no_retry())
            .build()
            .unwrap();
            let out = format!("{c:?}\n");
            let result = match op {
                "authenticate" => outcome(c.identity().authenticate().send().await),
                "validate_token" => outcome(
                    c.identity()
                        .validate_token()
                        .token_id(Secret::new(VALIDATED))
                        .send()
                        .await,
                ),
                "oauth2_token" => {
                    let req = c
                        .identity()
                        .oauth2_token()
                        .client_id(OAUTH_ID)
                        .client_secret(Secret::new(OAUTH_SECRET))
                        .code(Secret::new(OAUTH_CODE))
                        .redirect_uri("https://app.example.org/cb");
                    let shown = format!("{req:?}\n");
                    shown + &outcome(req.send().await)
                }
                "get_quotas" => outcome(c.quotas().get().await),
                other => panic!("no astakos target {other}"),
            };
            out + &result
        }
        ("ecl", op) => {
            let c = EclSssClient::builder(format!("{}/v3", w.ecl_url))
                .username(ECL_KEY)
                .password(Secret::new(ECL_SECRET))
                .project_id(SEED_TENANT_ID.parse().unwrap())
                .region("jp1")
                .transport(t.clone())
                .retry(no_retry())
                .build()
                .unwrap();
            let mut out = format!("{c:?}\n");
            if op != "login" {
                // Logged in first (not echoed): the token is planted.
                let tok = c.auth().token(t.as_ref()).await.unwrap();
                w.issued.lock().unwrap().push(tok.token.expose().to_owned());
            }
            out += &match op {
                "login" => outcome(c.users().list().await),
                "list_users" => outcome(c.users().list().await),
                "create_user" => {
                    let req = c
                        .users()
                        .create()
                        .login_id("planted-login")
                        .mail_address("planted@example.org")
                        .password(Secret::new(ECL_USER_PW));
                    let shown = format!("{req:?}\n");
                    shown + &outcome(req.send().await)
                }
                other => panic!("no ecl target {other}"),
            };
            // A 401 made it log in again: that token too.
            if let Ok(tok) = c.auth().token(t.as_ref()).await {
                w.issued.lock().unwrap().push(tok.token.expose().to_owned());
            }
            out
        }
        ("keycloak", "refresh_login") => {
            let kc = KeycloakProvider::builder(&w.kc_url, "squonk2", KC_CLIENT)
                .client_secret(Secret::new(KC_CLIENT_SECRET))
                .grant(KeycloakGrant::RefreshToken(Secret::new(KC_REFRESH)))
                .build()
                .unwrap();
            format!("{kc:?}\n{}", outcome(kc.access_token(t.as_ref()).await))
        }
        ("keycloak", "prior_call") => {
            let kc = keycloak_builder(&w.kc_url)
                .prior_token(Secret::new(kc_prior()))
                .build()
                .unwrap();
            let p = Pipeline::builder("squonk2")
                .base_url(format!("{}/api", w.echo_url))
                .transport(t.clone())
                .auth(Arc::new(BearerAuth::Keycloak(kc.clone())))
                .retry(no_retry())
                .build()
                .unwrap();
            let out = format!(
                "{kc:?}\n{p:?}\n{}",
                outcome(p.json::<Expected>(&call).await)
            );
            // A 401 made it log in: that token too.
            if let Ok(tok) = kc.access_token(t.as_ref()).await {
                w.issued.lock().unwrap().push(tok.expose().to_owned());
            }
            out
        }
        ("squonk2", op) => {
            let kc = Squonk2Client::keycloak(&w.kc_url, "squonk2", KC_CLIENT)
                .client_secret(Secret::new(KC_CLIENT_SECRET))
                .grant(KeycloakGrant::Password {
                    username: KC_USER.into(),
                    password: Secret::new(KC_PW),
                })
                .build()
                .unwrap();
            let mut b = Squonk2Client::builder(format!("{}/api", w.echo_url))
                .keycloak(kc.clone())
                .transport(t.clone())
                .retry(no_retry());
            if op == "prior_account" {
                b = b.prior_token(Secret::new(kc_prior()));
            }
            let c = b.build().unwrap();
            let mut out = format!("{c:?}\n");
            out += &match op {
                "login" | "account" | "prior_account" => outcome(c.account().await),
                "create_asset" => {
                    let req = c
                        .assets()
                        .create()
                        .name("planted-asset")
                        .scope(AssetScope::User)
                        .scope_id(KC_USER)
                        .secret(true)
                        .content_string(SQ_CONTENT);
                    let shown = format!("{req:?}\n");
                    shown + &outcome(req.send().await)
                }
                other => panic!("no squonk2 target {other}"),
            };
            // The token this client was issued (none if its login was
            // the echo): planted for this case.
            if let Ok(tok) = kc.access_token(t.as_ref()).await {
                w.issued.lock().unwrap().push(tok.expose().to_owned());
            }
            out
        }
        ("etunexus", op) => {
            let cas = Cas::builder("workshop", ETU_USER, Secret::new(ETU_PW))
                .host(&w.etu_host)
                .app_host(&w.etu_host)
                .transport(w.etu_transport.clone())
                .retry(no_retry())
                .build()
                .unwrap();
            let emc = Emc2::new(&cas).unwrap();
            let mut out = format!("{cas:?}\n{emc:?}\n");
            out += &match op {
                "create_user" => {
                    let u = User::new("planted-new", "Planted New", Secret::new(ETU_NEW_PW));
                    let shown = format!("{u:?}\n");
                    shown + &outcome(emc.users().create(&w.etu_gid, &u).await)
                }
                "cas_login" | "service_ticket" | "ticket_validation" | "groups" => {
                    outcome(emc.groups().list().await)
                }
                other => panic!("no etunexus target {other}"),
            };
            out += &format!("{cas:?}\n{emc:?}\n");
            // Every ticket and cookie the simulator issued (as the client
            // sent them back: the TGT in a path, the service ticket in a
            // query, the session cookie in a header): planted for the case.
            let mut issued = w.issued.lock().unwrap();
            let mut seen = w.etu_seen.lock().unwrap();
            for e in w.etu_journal.entries() {
                if let Some(tgt) = e.path.strip_prefix("/cas/v1/tickets/") {
                    issued.push(tgt.to_owned());
                    seen[0] += 1;
                }
                for (k, v) in e.query_pairs() {
                    if k == "ticket" {
                        issued.push(v);
                        seen[1] += 1;
                    }
                }
                if let Some(c) = e.header("cookie") {
                    for v in c
                        .split(';')
                        .filter_map(|p| p.trim().strip_prefix("JSESSIONID="))
                    {
                        issued.push(v.to_owned());
                        seen[2] += 1;
                    }
                }
            }
            w.etu_journal.clear();
            out
        }
        other => panic!("no target {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_secret_matrix_library() {
    let cap = capture();
    let w = world().await;
    let mut cases = 0usize;
    let mut seen_leak_cases = Vec::new();
    for (row, target) in TARGETS {
        let (method, prefix) = rule(row, target);
        for status in ANSWERS {
            for shape in SHAPES {
                let case = format!("{row}/{target} HTTP {status} {shape:?}");
                cap.0.lock().unwrap().clear();
                w.echo.set(Some(EchoRule {
                    method,
                    prefix: prefix.to_owned(),
                    status,
                    shape,
                }));
                let out = run_target(&w, row, target).await;
                w.echo.set(None);
                let traced = String::from_utf8_lossy(&cap.0.lock().unwrap()).into_owned();
                let mut planted = w.planted.clone();
                for (i, tok) in w.issued.lock().unwrap().drain(..).enumerate() {
                    planted.add(&format!("issued token #{i}"), tok);
                }
                // Every case reached its echo (and logged it at trace).
                assert!(
                    traced.contains("tenantry.request") || target.ends_with("login"),
                    "{case}: nothing traced"
                );
                assert_clean(&case, "Debug/Display", &out, &planted);
                assert_clean(&case, "tracing (TRACE)", &traced, &planted);
                let key = format!("{row}/{target}");
                if SIX_LEAKS
                    .iter()
                    .any(|(_, k, s, sh)| *k == key && *s == status && *sh == format!("{shape:?}"))
                {
                    seen_leak_cases.push(case.clone());
                }
                cases += 1;
            }
        }
    }
    println!(
        "planted-secret matrix (library): {cases} cases = {} targets x {} answers x {} shapes, {} planted secrets",
        TARGETS.len(),
        ANSWERS.len(),
        SHAPES.len(),
        w.planted.0.len()
    );
    assert_eq!(cases, TARGETS.len() * ANSWERS.len() * SHAPES.len());
    assert_eq!(cases, 600);
    // The Etu Nexus rows planted each issued CAS secret (TGT, service
    // ticket, session cookie) in some case: the echo saw each of them.
    let seen = *w.etu_seen.lock().unwrap();
    assert!(seen.iter().all(|&n| n > 0), "TGTs, STs, cookies: {seen:?}");
    assert_eq!(
        seen_leak_cases.len(),
        SIX_LEAKS.len(),
        "{seen_leak_cases:?}"
    );
}
