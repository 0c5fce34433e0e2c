//! A Keystone v3 identity server (password method), as used by NTT ECL.
//!
//! Wire behaviour follows `ecl-sss.md` §1.2–1.7: version discovery on `/`
//! and `/v3`, `POST/GET/DELETE /v3/auth/tokens`, and a service catalog
//! whose default entries point back at this server's
//! `/_sim/svc/{type}/{region}/{interface}` probe routes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::extract::Path;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::kit::{json as json_resp, random_token, request_origin};

/// One endpoint of the service catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogEndpoint {
    /// The service type, e.g. `sss` or `sssv2`.
    pub service_type: String,
    /// The service name.
    pub name: String,
    /// `public`, `internal` or `admin`.
    pub interface: String,
    /// The region, e.g. `jp1` (also sent as `region_id`).
    pub region: String,
    /// The endpoint URL.
    pub url: String,
}

#[derive(Clone, Debug)]
struct User {
    id: String,
    name: String,
    password: String,
    domain_id: String,
}

#[derive(Clone, Debug)]
struct Project {
    id: String,
    name: String,
    domain_id: String,
}

#[derive(Debug)]
struct Token {
    body: Value,
    expires: SystemTime,
    revoked: bool,
}

#[derive(Debug)]
struct State {
    users: Vec<User>,
    projects: Vec<Project>,
    /// domain id → name.
    domains: HashMap<String, String>,
    tokens: HashMap<String, Token>,
    token_ttl: Duration,
    catalog: Option<Vec<CatalogEndpoint>>,
    issued: usize,
}

impl State {
    fn empty() -> Self {
        State {
            users: Vec::new(),
            projects: Vec::new(),
            domains: HashMap::from([("default".to_owned(), "Default".to_owned())]),
            tokens: HashMap::new(),
            token_ttl: Duration::from_secs(3600),
            catalog: None,
            issued: 0,
        }
    }
}

/// The Keystone simulator state (cheap to clone; clones share the state).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tenantry_sim::{KeystoneSim, SimServer};
/// let keystone = KeystoneSim::seeded();
/// let server = SimServer::start(keystone.router()).await?;
/// println!("auth_url = {}/v3", server.base_url());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct KeystoneSim {
    state: Arc<Mutex<State>>,
}

impl Default for KeystoneSim {
    fn default() -> Self {
        Self::new()
    }
}

/// The seeded API key (Keystone user name).
pub const SEED_USERNAME: &str = "ecl-api-key-0001";
/// The seeded API secret (Keystone password).
pub const SEED_PASSWORD: &str = "ecl-api-secret-0001";
/// The seeded user id.
pub const SEED_USER_ID: &str = "u-0001";
/// The first seeded project (tenant) id, named `tenant-one`.
pub const SEED_PROJECT_ID: &str = "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d";
/// The second seeded project (tenant) id, named `tenant-two`.
pub const SEED_PROJECT_ID_2: &str = "1c2d3e4f5a6b4c7d8e9f0a1b2c3d4e5f";

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "The request you have made requires authentication.",
    )
}

fn error(status: StatusCode, title: &str, message: &str) -> Response {
    json_resp(
        status,
        &json!({"error": {"code": status.as_u16(), "title": title, "message": message}}),
    )
}

fn timestamp(t: SystemTime) -> String {
    let dt = OffsetDateTime::from(t);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    dt.format(&fmt).unwrap_or_default()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeystoneSeed {
    #[serde(default)]
    users: Vec<KeystoneSeedUser>,
    #[serde(default)]
    projects: Vec<KeystoneSeedProject>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeystoneSeedUser {
    id: String,
    name: String,
    password: String,
    #[serde(default = "default_domain")]
    domain_id: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeystoneSeedProject {
    id: String,
    name: String,
    #[serde(default = "default_domain")]
    domain_id: String,
}

fn default_domain() -> String {
    "default".to_owned()
}

/// `POST /_sim/reset` and the `keystone` section of a seed file:
/// `{"users": [{"id", "name", "password", "domain_id"?}],
/// "projects": [{"id", "name", "domain_id"?}]}` (`domain_id` defaults to
/// `default`).
impl crate::kit::SimControl for KeystoneSim {
    fn service(&self) -> &'static str {
        "keystone"
    }

    /// Back to [`KeystoneSim::seeded`]'s users and projects, no token; the
    /// catalog and token lifetime stay as configured.
    fn reset(&self) {
        let fresh = KeystoneSim::seeded();
        let mut new = std::mem::replace(&mut *fresh.lock(), State::empty());
        let mut st = self.lock();
        new.catalog = st.catalog.take();
        new.token_ttl = st.token_ttl;
        *st = new;
    }

    fn load_seed(&self, section: &serde_json::Value) -> Result<(), String> {
        let seed: KeystoneSeed = crate::kit::parse_seed(section)?;
        for (i, u) in seed.users.iter().enumerate() {
            crate::kit::non_empty(&format!("users[{i}].id"), &u.id)?;
            crate::kit::non_empty(&format!("users[{i}].name"), &u.name)?;
            crate::kit::non_empty(&format!("users[{i}].domain_id"), &u.domain_id)?;
        }
        for (i, p) in seed.projects.iter().enumerate() {
            crate::kit::non_empty(&format!("projects[{i}].id"), &p.id)?;
            crate::kit::non_empty(&format!("projects[{i}].name"), &p.name)?;
            crate::kit::non_empty(&format!("projects[{i}].domain_id"), &p.domain_id)?;
        }
        for u in &seed.users {
            self.add_user(&u.id, &u.name, &u.password, &u.domain_id);
        }
        for p in &seed.projects {
            self.add_project(&p.id, &p.name, &p.domain_id);
        }
        Ok(())
    }
}

impl KeystoneSim {
    /// An empty server: domain `default` (`Default`), no user, no project.
    pub fn new() -> Self {
        KeystoneSim {
            state: Arc::new(Mutex::new(State::empty())),
        }
    }

    /// User [`SEED_USERNAME`] / [`SEED_PASSWORD`] (id [`SEED_USER_ID`],
    /// domain `default`) and projects [`SEED_PROJECT_ID`] (`tenant-one`) and
    /// [`SEED_PROJECT_ID_2`] (`tenant-two`).
    pub fn seeded() -> Self {
        let sim = Self::new();
        sim.add_user(SEED_USER_ID, SEED_USERNAME, SEED_PASSWORD, "default");
        sim.add_project(SEED_PROJECT_ID, "tenant-one", "default");
        sim.add_project(SEED_PROJECT_ID_2, "tenant-two", "default");
        sim
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add a user (in an existing or new domain; a new domain's name is its id).
    pub fn add_user(&self, id: &str, name: &str, password: &str, domain_id: &str) {
        let mut st = self.lock();
        st.domains
            .entry(domain_id.to_owned())
            .or_insert_with(|| domain_id.to_owned());
        st.users.retain(|u| u.id != id);
        st.users.push(User {
            id: id.to_owned(),
            name: name.to_owned(),
            password: password.to_owned(),
            domain_id: domain_id.to_owned(),
        });
    }

    /// Forget every user, project and token (the catalog and token
    /// lifetime stay as configured).
    pub fn clear_identities(&self) {
        let mut st = self.lock();
        let mut new = State::empty();
        new.catalog = st.catalog.take();
        new.token_ttl = st.token_ttl;
        *st = new;
    }

    /// Remove a user (its tokens stay valid until they expire or are
    /// revoked, as in Keystone; new logins fail).
    pub fn remove_user(&self, id: &str) {
        self.lock().users.retain(|u| u.id != id);
    }

    /// Remove a project: new tokens cannot be scoped to it.
    pub fn remove_project(&self, id: &str) {
        self.lock().projects.retain(|p| p.id != id);
    }

    /// Revoke every token issued to this user id.
    pub fn revoke_user_tokens(&self, user_id: &str) {
        for t in self.lock().tokens.values_mut() {
            if t.body["user"]["id"] == user_id {
                t.revoked = true;
            }
        }
    }

    /// Add a project (tenant); every user may scope to every project.
    pub fn add_project(&self, id: &str, name: &str, domain_id: &str) {
        let mut st = self.lock();
        st.domains
            .entry(domain_id.to_owned())
            .or_insert_with(|| domain_id.to_owned());
        st.projects.retain(|p| p.id != id);
        st.projects.push(Project {
            id: id.to_owned(),
            name: name.to_owned(),
            domain_id: domain_id.to_owned(),
        });
    }

    /// Set the lifetime of new tokens (default 1 hour).
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.lock().token_ttl = ttl;
    }

    /// Make every token issued so far invalid (expired).
    pub fn expire_all_tokens(&self) {
        let now = SystemTime::now();
        for t in self.lock().tokens.values_mut() {
            t.expires = now;
        }
    }

    /// Revoke one token.
    pub fn revoke(&self, token: &str) {
        if let Some(t) = self.lock().tokens.get_mut(token) {
            t.revoked = true;
        }
    }

    /// The `token` object of a valid (issued, unexpired, unrevoked) token.
    pub fn validate(&self, token: &str) -> Option<Value> {
        let st = self.lock();
        let t = st.tokens.get(token)?;
        (!t.revoked && t.expires > SystemTime::now()).then(|| t.body.clone())
    }

    /// How many tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.lock().issued
    }

    /// Replace the service catalog put into scoped tokens (`{origin}` in a
    /// URL stands for the server as the client reached it).
    pub fn set_catalog(&self, catalog: Vec<CatalogEndpoint>) {
        self.lock().catalog = Some(catalog);
    }

    /// The catalog set with [`set_catalog`](Self::set_catalog) (empty until
    /// then: the default one is built per request from its `Host`, see
    /// [`default_catalog`](Self::default_catalog)).
    pub fn catalog(&self) -> Vec<CatalogEndpoint> {
        self.lock().catalog.clone().unwrap_or_default()
    }

    /// The default catalog for a server reached at `origin`
    /// (`http://host:port`): types `sss` and `sssv2`, interfaces `public` and
    /// `admin`, regions `jp1` and `jp2`, URL
    /// `{origin}/_sim/svc/{type}/{region}/{interface}`.
    pub fn default_catalog(origin: &str) -> Vec<CatalogEndpoint> {
        let mut out = Vec::new();
        for ty in ["sss", "sssv2"] {
            for region in ["jp1", "jp2"] {
                for interface in ["public", "admin"] {
                    out.push(CatalogEndpoint {
                        service_type: ty.to_owned(),
                        name: ty.to_owned(),
                        interface: interface.to_owned(),
                        region: region.to_owned(),
                        url: format!("{origin}/_sim/svc/{ty}/{region}/{interface}"),
                    });
                }
            }
        }
        out
    }

    /// The seed object for this simulator served at `base_url`:
    /// `{"url","auth_url","username","password","user_domain_id","project_id"}`.
    pub fn seed_json(&self, base_url: &str) -> Value {
        json!({
            "url": base_url,
            "auth_url": format!("{base_url}/v3"),
            "username": SEED_USERNAME,
            "password": SEED_PASSWORD,
            "user_domain_id": "default",
            "project_id": SEED_PROJECT_ID,
        })
    }

    /// The axum router: discovery, `/v3/auth/tokens` and the probes
    /// `/_sim/whoami` and `/_sim/svc/{type}/{region}/{interface}/whoami`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(versions))
            .route("/v3", get(version))
            .route("/v3/", get(version))
            .route(
                "/v3/auth/tokens",
                get(get_token).post(issue_token).delete(delete_token),
            )
            .route("/_sim/whoami", get(whoami))
            .route(
                "/_sim/svc/{type}/{region}/{interface}/whoami",
                get(svc_whoami),
            )
            .with_state(self.clone())
    }

    fn catalog_json(&self, origin: &str) -> Value {
        let eps = self
            .lock()
            .catalog
            .clone()
            .unwrap_or_else(|| Self::default_catalog(origin));
        let mut services: Vec<(String, String, Vec<Value>)> = Vec::new();
        for ep in eps {
            // `{origin}` in a set catalog's URL: the server as the client
            // reached it (so a catalog set before the port is known works).
            let endpoint = json!({
                "id": uuid::Uuid::new_v4().simple().to_string(),
                "interface": ep.interface,
                "region": ep.region,
                "region_id": ep.region,
                "url": ep.url.replace("{origin}", origin),
            });
            match services
                .iter_mut()
                .find(|(t, n, _)| *t == ep.service_type && *n == ep.name)
            {
                Some((_, _, list)) => list.push(endpoint),
                None => services.push((ep.service_type, ep.name, vec![endpoint])),
            }
        }
        Value::Array(
            services
                .into_iter()
                .map(|(ty, name, endpoints)| {
                    json!({
                        "type": ty,
                        "name": name,
                        "id": uuid::Uuid::new_v4().simple().to_string(),
                        "endpoints": endpoints,
                    })
                })
                .collect(),
        )
    }
}

fn version_entry(origin: &str) -> Value {
    json!({
        "id": "v3.4",
        "status": "stable",
        "updated": "2015-03-30T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{origin}/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    })
}

async fn versions(headers: HeaderMap) -> Response {
    let origin = request_origin(&headers);
    json_resp(
        StatusCode::MULTIPLE_CHOICES,
        &json!({"versions": {"values": [version_entry(&origin)]}}),
    )
}

async fn version(headers: HeaderMap) -> Response {
    let origin = request_origin(&headers);
    json_resp(StatusCode::OK, &json!({"version": version_entry(&origin)}))
}

fn domain_ref(st: &State, v: &Value) -> Option<String> {
    if let Some(id) = v.get("id").and_then(Value::as_str) {
        return st.domains.contains_key(id).then(|| id.to_owned());
    }
    let name = v.get("name").and_then(Value::as_str)?;
    st.domains
        .iter()
        .find(|(_, n)| n.as_str() == name)
        .map(|(id, _)| id.clone())
}

async fn issue_token(
    axum::extract::State(sim): axum::extract::State<KeystoneSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bad = |msg: &str| error(StatusCode::BAD_REQUEST, "Bad Request", msg);
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad("Expecting to find valid JSON in request body.");
    };
    let auth = &body["auth"];
    let identity = &auth["identity"];
    let methods_ok = identity["methods"]
        .as_array()
        .is_some_and(|m| m.iter().any(|x| x == "password"));
    let user_req = &identity["password"]["user"];
    if !methods_ok || !user_req.is_object() {
        return bad("Expecting to find identity password user in auth.");
    }
    let Some(password) = user_req["password"].as_str() else {
        return bad("Expecting to find password in user.");
    };
    let by_id = user_req["id"].as_str();
    let by_name = user_req["name"].as_str();
    if by_id.is_none() && (by_name.is_none() || !user_req["domain"].is_object()) {
        return bad("Expecting to find user id, or user name and domain.");
    }
    let scope = &auth["scope"];
    let origin = request_origin(&headers);

    let (mut token, scoped, ttl) = {
        let st = sim.lock();
        let user = match (by_id, by_name) {
            (Some(id), _) => st.users.iter().find(|u| u.id == id),
            (None, Some(name)) => match domain_ref(&st, &user_req["domain"]) {
                Some(dom) => st
                    .users
                    .iter()
                    .find(|u| u.name == name && u.domain_id == dom),
                None => None,
            },
            (None, None) => None,
        };
        let Some(user) = user.filter(|u| u.password == password).cloned() else {
            return unauthorized();
        };
        let domain_json = |id: &str| json!({"id": id, "name": st.domains.get(id).cloned().unwrap_or_else(|| id.to_owned())});
        let mut token = json!({
            "methods": ["password"],
            "user": {
                "id": user.id,
                "name": user.name,
                "domain": domain_json(&user.domain_id),
                "password_expires_at": null,
            },
            "audit_ids": [random_token(22)],
            "is_domain": false,
        });
        let mut scoped = false;
        if scope.is_object() {
            let project_req = &scope["project"];
            if project_req.is_object() {
                let project = if let Some(id) = project_req["id"].as_str() {
                    st.projects.iter().find(|p| p.id == id)
                } else if let Some(name) = project_req["name"].as_str() {
                    match domain_ref(&st, &project_req["domain"]) {
                        Some(dom) => st
                            .projects
                            .iter()
                            .find(|p| p.name == name && p.domain_id == dom),
                        None => None,
                    }
                } else {
                    return bad("Expecting to find project id or name in scope.");
                };
                let Some(project) = project else {
                    return unauthorized();
                };
                token["project"] = json!({
                    "id": project.id,
                    "name": project.name,
                    "domain": domain_json(&project.domain_id),
                });
                scoped = true;
            } else if scope["domain"].is_object() {
                let Some(dom) = domain_ref(&st, &scope["domain"]) else {
                    return unauthorized();
                };
                token["domain"] = domain_json(&dom);
                scoped = true;
            } else {
                return bad("Unsupported scope.");
            }
        }
        if scoped {
            token["roles"] =
                json!([{"id": "9fe2ff9ee4384b1894a90878d3e92bab", "name": "_member_"}]);
        }
        (token, scoped, st.token_ttl)
    };
    if scoped {
        token["catalog"] = sim.catalog_json(&origin);
    }
    let now = SystemTime::now();
    let expires = now + ttl;
    token["issued_at"] = json!(timestamp(now));
    token["expires_at"] = json!(timestamp(expires));
    let id = format!("gAAAAA{}", random_token(120));
    {
        let mut st = sim.lock();
        st.issued += 1;
        st.tokens.insert(
            id.clone(),
            Token {
                body: token.clone(),
                expires,
                revoked: false,
            },
        );
    }
    let mut resp = json_resp(StatusCode::CREATED, &json!({"token": token}));
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-subject-token", v);
    }
    resp
}

fn header_token<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", "Could not find token.")
}

async fn get_token(
    axum::extract::State(sim): axum::extract::State<KeystoneSim>,
    headers: HeaderMap,
) -> Response {
    if header_token(&headers, "x-auth-token")
        .and_then(|t| sim.validate(t))
        .is_none()
    {
        return unauthorized();
    }
    match header_token(&headers, "x-subject-token").and_then(|t| sim.validate(t)) {
        Some(token) => {
            let mut resp = json_resp(StatusCode::OK, &json!({"token": token}));
            if let Some(v) = headers.get("x-subject-token") {
                resp.headers_mut().insert("x-subject-token", v.clone());
            }
            resp
        }
        None => not_found(),
    }
}

async fn delete_token(
    axum::extract::State(sim): axum::extract::State<KeystoneSim>,
    headers: HeaderMap,
) -> Response {
    if header_token(&headers, "x-auth-token")
        .and_then(|t| sim.validate(t))
        .is_none()
    {
        return unauthorized();
    }
    match header_token(&headers, "x-subject-token") {
        Some(t) if sim.validate(t).is_some() => {
            sim.revoke(t);
            let mut resp = Response::new(axum::body::Body::empty());
            *resp.status_mut() = StatusCode::NO_CONTENT;
            resp
        }
        _ => not_found(),
    }
}

fn caller(sim: &KeystoneSim, headers: &HeaderMap) -> Option<(String, Value)> {
    let token = sim.validate(header_token(headers, "x-auth-token")?)?;
    let user = token["user"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let project = token["project"]["id"].clone();
    Some((user, project))
}

async fn whoami(
    axum::extract::State(sim): axum::extract::State<KeystoneSim>,
    headers: HeaderMap,
) -> Response {
    match caller(&sim, &headers) {
        Some((user, project_id)) => json_resp(
            StatusCode::OK,
            &json!({"user": user, "project_id": project_id}),
        ),
        None => unauthorized(),
    }
}

async fn svc_whoami(
    axum::extract::State(sim): axum::extract::State<KeystoneSim>,
    Path((ty, region, interface)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    match caller(&sim, &headers) {
        Some((user, project_id)) => json_resp(
            StatusCode::OK,
            &json!({
                "service_type": ty,
                "region": region,
                "interface": interface,
                "user": user,
                "project_id": project_id,
            }),
        ),
        None => unauthorized(),
    }
}
