//! A Keycloak token endpoint (password and refresh-token grants), as used by
//! the Squonk2 Account Server client.
//!
//! Wire behaviour follows `squonk2-as.md` §2 and §7.
//!
//! Access and refresh tokens are RS256 JWTs signed with a 2048-bit RSA key
//! made once per process (the first time a `KeycloakSim` is created). As
//! Keycloak does, the realm document `GET /realms/{realm}` carries the key as
//! `public_key` (base64 DER SubjectPublicKeyInfo, no PEM armour), and
//! `GET /realms/{realm}/protocol/openid-connect/certs` is the JWKS, so a
//! client can verify a prior token (§2.4). Access tokens carry `exp`, `iat`,
//! `jti`, `iss`, `aud`, `sub`, `typ`, `azp`, `session_state`, `scope`,
//! `preferred_username` and `realm_access.roles`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use bytes::Bytes;
use http::{header, HeaderMap, StatusCode};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

use crate::kit::{form_map, json as json_resp, request_origin};

#[derive(Debug, Clone)]
struct Grant {
    username: String,
    client_id: String,
    session_state: String,
    expires: SystemTime,
}

#[derive(Debug)]
struct State {
    realm: String,
    /// client id → secret (None for a public client).
    clients: HashMap<String, Option<String>>,
    /// username → (password, subject id).
    users: HashMap<String, (String, String)>,
    access: HashMap<String, Grant>,
    refresh: HashMap<String, Grant>,
    access_ttl: Duration,
    refresh_ttl: Duration,
    token_requests: usize,
}

/// The realm signing key: made once per process.
struct SigningKey {
    encoding: jsonwebtoken::EncodingKey,
    kid: String,
    /// Base64 (standard) DER SubjectPublicKeyInfo: the realm's `public_key`.
    public_key: String,
    /// The JWKS `n` and `e` (base64url, no padding).
    n: String,
    e: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn make_key() -> Result<SigningKey, String> {
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
        .map_err(|e| format!("RSA key generation failed: {e}"))?;
    let der = private
        .to_pkcs1_der()
        .map_err(|e| format!("RSA key encoding failed: {e}"))?;
    let public = private.to_public_key();
    let spki = public
        .to_public_key_der()
        .map_err(|e| format!("RSA public key encoding failed: {e}"))?;
    Ok(SigningKey {
        encoding: jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
        kid: uuid::Uuid::new_v4().simple().to_string(),
        public_key: STANDARD.encode(spki.as_bytes()),
        n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    })
}

/// The process's signing key (made on first use), or why there is none.
fn signing_key() -> Result<&'static SigningKey, &'static str> {
    static KEY: OnceLock<Result<SigningKey, String>> = OnceLock::new();
    KEY.get_or_init(make_key).as_ref().map_err(String::as_str)
}

/// The Keycloak simulator state (cheap to clone; clones share the state).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tenantry_sim::{KeycloakSim, SimServer};
/// let keycloak = KeycloakSim::seeded(); // realm squonk2, user dlister / dlister-pass
/// let server = SimServer::start(keycloak.router()).await?;
/// println!(
///     "token endpoint: {}/realms/squonk2/protocol/openid-connect/token",
///     server.base_url()
/// );
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct KeycloakSim {
    state: Arc<Mutex<State>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeycloakSeed {
    #[serde(default)]
    clients: Vec<KeycloakSeedClient>,
    #[serde(default)]
    users: Vec<KeycloakSeedUser>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeycloakSeedClient {
    client_id: String,
    secret: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeycloakSeedUser {
    username: String,
    password: String,
}

/// `POST /_sim/reset` and the `keycloak` section of a seed file:
/// `{"clients": [{"client_id", "secret"?}], "users": [{"username", "password"}]}`
/// (a client without `secret` is public).
impl crate::kit::SimControl for KeycloakSim {
    fn service(&self) -> &'static str {
        "keycloak"
    }

    /// Back to [`KeycloakSim::seeded`]'s clients and users in the same
    /// realm, no token; the token lifetimes stay as configured.
    fn reset(&self) {
        let realm = self.realm();
        let fresh = KeycloakSim::new(&realm);
        fresh.add_client("account-server-api", None);
        fresh.add_client("account-server-confidential", Some("conf-secret"));
        fresh.add_user("dlister", "dlister-pass");
        fresh.add_user("admin", "admin-pass");
        let mut st = self.lock();
        let mut new = fresh.lock();
        new.access_ttl = st.access_ttl;
        new.refresh_ttl = st.refresh_ttl;
        std::mem::swap(&mut *st, &mut *new);
    }

    fn load_seed(&self, section: &Value) -> Result<(), String> {
        let seed: KeycloakSeed = crate::kit::parse_seed(section)?;
        for (i, c) in seed.clients.iter().enumerate() {
            crate::kit::non_empty(&format!("clients[{i}].client_id"), &c.client_id)?;
        }
        for (i, u) in seed.users.iter().enumerate() {
            crate::kit::non_empty(&format!("users[{i}].username"), &u.username)?;
        }
        for c in &seed.clients {
            self.add_client(&c.client_id, c.secret.as_deref());
        }
        for u in &seed.users {
            self.add_user(&u.username, &u.password);
        }
        Ok(())
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_resp(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

impl KeycloakSim {
    /// A server with one realm of this name and no client or user.
    ///
    /// The process's RSA signing key is made here the first time (a
    /// fraction of a second).
    pub fn new(realm: &str) -> Self {
        if let Err(e) = signing_key() {
            tracing::error!(error = e, "Keycloak simulator without a signing key");
        }
        KeycloakSim {
            state: Arc::new(Mutex::new(State {
                realm: realm.to_owned(),
                clients: HashMap::new(),
                users: HashMap::new(),
                access: HashMap::new(),
                refresh: HashMap::new(),
                access_ttl: Duration::from_secs(300),
                refresh_ttl: Duration::from_secs(1800),
                token_requests: 0,
            })),
        }
    }

    /// Realm `squonk2`; public client `account-server-api`; confidential
    /// client `account-server-confidential` (secret `conf-secret`); users
    /// `dlister` / `dlister-pass` and `admin` / `admin-pass`.
    pub fn seeded() -> Self {
        let sim = Self::new("squonk2");
        sim.add_client("account-server-api", None);
        sim.add_client("account-server-confidential", Some("conf-secret"));
        sim.add_user("dlister", "dlister-pass");
        sim.add_user("admin", "admin-pass");
        sim
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add a client; `secret: None` makes it public.
    pub fn add_client(&self, client_id: &str, secret: Option<&str>) {
        self.lock()
            .clients
            .insert(client_id.to_owned(), secret.map(str::to_owned));
    }

    /// Add a user (or change its password).
    pub fn add_user(&self, username: &str, password: &str) {
        let mut st = self.lock();
        let sub = st
            .users
            .get(username)
            .map(|(_, sub)| sub.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        st.users
            .insert(username.to_owned(), (password.to_owned(), sub));
    }

    /// The realm name.
    pub fn realm(&self) -> String {
        self.lock().realm.clone()
    }

    /// Set the lifetime of new access tokens (default 300 s).
    pub fn set_access_ttl(&self, ttl: Duration) {
        self.lock().access_ttl = ttl;
    }

    /// Set the lifetime of new refresh tokens (default 1800 s).
    pub fn set_refresh_ttl(&self, ttl: Duration) {
        self.lock().refresh_ttl = ttl;
    }

    /// Make every access and refresh token issued so far invalid.
    pub fn expire_all_tokens(&self) {
        let mut st = self.lock();
        st.access.clear();
        st.refresh.clear();
    }

    /// The username of a valid (issued, unexpired) access token.
    pub fn validate(&self, token: &str) -> Option<String> {
        let st = self.lock();
        let g = st.access.get(token)?;
        (g.expires > SystemTime::now()).then(|| g.username.clone())
    }

    /// How many token requests were received (successful or not).
    pub fn token_requests(&self) -> usize {
        self.lock().token_requests
    }

    /// The seed object for this simulator served at `base_url`:
    /// `{"url","realm","client_id","username","password"}`.
    pub fn seed_json(&self, base_url: &str) -> Value {
        json!({
            "url": base_url,
            "realm": self.realm(),
            "client_id": "account-server-api",
            "username": "dlister",
            "password": "dlister-pass",
        })
    }

    /// The realm's public key in PEM form (what a client verifies tokens
    /// with), if the key could be made.
    pub fn public_key_pem(&self) -> Option<String> {
        let key = signing_key().ok()?;
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in key.public_key.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        Some(pem)
    }

    /// The axum router: the token endpoint, the realm document, the JWKS
    /// and the `/_sim/whoami` probe.
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/realms/{realm}/protocol/openid-connect/token",
                post(token_endpoint),
            )
            .route("/realms/{realm}/protocol/openid-connect/certs", get(certs))
            .route("/realms/{realm}", get(realm_doc))
            .route("/_sim/whoami", get(whoami))
            .with_state(self.clone())
    }

    fn issue(
        &self,
        st: &mut State,
        issuer: &str,
        grant: Grant,
        sub: &str,
    ) -> Result<Value, &'static str> {
        let now = SystemTime::now();
        let access_exp = now + st.access_ttl;
        let refresh_exp = now + st.refresh_ttl;
        let access = jwt(&json!({
            "exp": unix(access_exp),
            "iat": unix(now),
            "jti": uuid::Uuid::new_v4().to_string(),
            "iss": issuer,
            "aud": "account",
            "sub": sub,
            "typ": "Bearer",
            "azp": grant.client_id,
            "session_state": grant.session_state,
            "realm_access": {"roles": [format!("default-roles-{}", st.realm), "offline_access", "uma_authorization"]},
            "scope": "profile email",
            "preferred_username": grant.username,
        }))?;
        let refresh = jwt(&json!({
            "exp": unix(refresh_exp),
            "iat": unix(now),
            "jti": uuid::Uuid::new_v4().to_string(),
            "iss": issuer,
            "aud": issuer,
            "sub": sub,
            "typ": "Refresh",
            "azp": grant.client_id,
            "session_state": grant.session_state,
            "scope": "profile email",
        }))?;
        let session_state = grant.session_state.clone();
        st.access.insert(
            access.clone(),
            Grant {
                expires: access_exp,
                ..grant.clone()
            },
        );
        st.refresh.insert(
            refresh.clone(),
            Grant {
                expires: refresh_exp,
                ..grant
            },
        );
        Ok(json!({
            "access_token": access,
            "expires_in": st.access_ttl.as_secs(),
            "refresh_expires_in": st.refresh_ttl.as_secs(),
            "refresh_token": refresh,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "session_state": session_state,
            "scope": "profile email",
        }))
    }
}

/// An RS256 JWT of `payload`, signed with the process's key.
fn jwt(payload: &Value) -> Result<String, &'static str> {
    let key = signing_key()?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, payload, &key.encoding).map_err(|_| "JWT signing failed")
}

fn issued(result: Result<Value, &'static str>) -> Response {
    match result {
        Ok(body) => json_resp(StatusCode::OK, &body),
        Err(e) => json_resp(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": "unknown_error", "error_description": e}),
        ),
    }
}

fn realm_missing() -> Response {
    json_resp(
        StatusCode::NOT_FOUND,
        &json!({"error": "Realm does not exist"}),
    )
}

async fn token_endpoint(
    axum::extract::State(sim): axum::extract::State<KeycloakSim>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = form_map(&body);
    let issuer = format!("{}/realms/{realm}", request_origin(&headers));
    let mut st = sim.lock();
    st.token_requests += 1;
    if st.realm != realm {
        return realm_missing();
    }
    let Some(grant_type) = form.get("grant_type") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing form parameter: grant_type",
        );
    };
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    match st.clients.get(&client_id) {
        None => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            )
        }
        Some(Some(secret)) if form.get("client_secret") != Some(secret) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            )
        }
        Some(_) => {}
    }
    match grant_type.as_str() {
        "password" => {
            let user = form.get("username").cloned().unwrap_or_default();
            let password = form.get("password");
            let sub = match st.users.get(&user) {
                Some((pw, sub)) if Some(pw) == password => sub.clone(),
                _ => {
                    return oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_grant",
                        "Invalid user credentials",
                    )
                }
            };
            let grant = Grant {
                username: user,
                client_id,
                session_state: uuid::Uuid::new_v4().to_string(),
                expires: SystemTime::now(),
            };
            issued(sim.issue(&mut st, &issuer, grant, &sub))
        }
        "refresh_token" => {
            let token = form.get("refresh_token").cloned().unwrap_or_default();
            let Some(grant) = st.refresh.get(&token).cloned() else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid refresh token",
                );
            };
            if grant.expires <= SystemTime::now() {
                st.refresh.remove(&token);
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Token is not active",
                );
            }
            if grant.client_id != client_id {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid refresh token. Token client and authorized client don't match",
                );
            }
            let Some(sub) = st.users.get(&grant.username).map(|(_, s)| s.clone()) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "User not found");
            };
            issued(sim.issue(&mut st, &issuer, grant, &sub))
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
    }
}

async fn realm_doc(
    axum::extract::State(sim): axum::extract::State<KeycloakSim>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Response {
    if sim.realm() != realm {
        return realm_missing();
    }
    let base = format!("{}/realms/{realm}", request_origin(&headers));
    let public_key = signing_key().map(|k| k.public_key.clone()).ok();
    json_resp(
        StatusCode::OK,
        &json!({
            "realm": realm,
            "public_key": public_key,
            "token-service": format!("{base}/protocol/openid-connect"),
            "account-service": format!("{base}/account"),
            "tokens-not-before": 0,
        }),
    )
}

async fn certs(
    axum::extract::State(sim): axum::extract::State<KeycloakSim>,
    Path(realm): Path<String>,
) -> Response {
    if sim.realm() != realm {
        return realm_missing();
    }
    let keys: Vec<Value> = signing_key()
        .map(|k| {
            vec![json!({
                "kid": k.kid,
                "kty": "RSA",
                "alg": "RS256",
                "use": "sig",
                "n": k.n,
                "e": k.e,
            })]
        })
        .unwrap_or_default();
    json_resp(StatusCode::OK, &json!({ "keys": keys }))
}

async fn whoami(
    axum::extract::State(sim): axum::extract::State<KeycloakSim>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match token.and_then(|t| sim.validate(t)) {
        Some(username) => json_resp(StatusCode::OK, &json!({"username": username})),
        None => json_resp(StatusCode::UNAUTHORIZED, &json!({"error": "invalid_token"})),
    }
}
