//! A CAS REST server with Apache Shiro CAS app logins, as used by Etu Nexus.
//!
//! Wire behaviour follows `etunexus.md` §2 and §12.2:
//!
//! * `POST /cas/v1/tickets` (form `username=G\U&password=P`, whatever the
//!   `Content-Type`) → `201` with the TGT in `Location`;
//! * `POST /cas/v1/tickets/{tgt}` (form `service=URL`) → `200 text/plain`
//!   `ST-…`;
//! * `GET {shiro_base}?ticket=ST` per app → `200` + `Set-Cookie: JSESSIONID=…`
//!   on first use, `403` for a used, unknown or mismatched ticket;
//! * `GET {api_base}/_sim/whoami` per app: a diagnostic probe that answers
//!   the session's user, or `302` to `/cas/login?service=…` like Shiro does.
//!
//! All apps are served by the one router (one origin). A client with one
//! cookie jar then sees one `JSESSIONID` cookie for every app, so presenting
//! a ticket with a live session cookie of the same user adds the app to that
//! session (the same cookie value is set again) instead of replacing it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::json;

use crate::kit::{json as json_resp, random_token, request_origin, with_type};

/// How long a service ticket stays usable.
const ST_TTL: Duration = Duration::from_secs(300);

/// One Shiro-protected application behind the CAS server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CasApp {
    /// Short name: `emc`, `er` or `ei` for the defaults.
    pub name: String,
    /// Path of the Shiro CAS endpoint (the service URL's path), e.g. `/shiro-cas`.
    pub shiro_base: String,
    /// API base path, e.g. `/commsrv/v1`.
    pub api_base: String,
}

impl CasApp {
    /// An app from its parts.
    pub fn new(
        name: impl Into<String>,
        shiro_base: impl Into<String>,
        api_base: impl Into<String>,
    ) -> Self {
        CasApp {
            name: name.into(),
            shiro_base: shiro_base.into(),
            api_base: api_base.into(),
        }
    }

    /// The three Etu Nexus apps: `emc` (`/shiro-cas`, `/commsrv/v1`), `er`
    /// (`/ER/V3/shiro-cas`, `/ER/V3/recsrv/v1`) and `ei` (`/EI/V3/shiro-cas`,
    /// `/EI/V3/service/v1`).
    pub fn defaults() -> Vec<CasApp> {
        vec![
            CasApp::new("emc", "/shiro-cas", "/commsrv/v1"),
            CasApp::new("er", "/ER/V3/shiro-cas", "/ER/V3/recsrv/v1"),
            CasApp::new("ei", "/EI/V3/shiro-cas", "/EI/V3/service/v1"),
        ]
    }
}

#[derive(Debug)]
struct Tgt {
    group: String,
    user: String,
    expires: Instant,
}

#[derive(Debug)]
struct St {
    service: String,
    group: String,
    user: String,
    used: bool,
    expires: Instant,
}

#[derive(Debug)]
struct Session {
    group: String,
    user: String,
    apps: HashSet<String>,
    expires: Instant,
}

#[derive(Debug)]
struct State {
    apps: Vec<CasApp>,
    /// (group, user) → password.
    users: HashMap<(String, String), String>,
    tgts: HashMap<String, Tgt>,
    sts: HashMap<String, St>,
    sessions: HashMap<String, Session>,
    tgt_seq: u64,
    st_seq: u64,
    session_ttl: Duration,
    tgt_ttl: Duration,
}

impl State {
    fn empty() -> Self {
        State {
            apps: Vec::new(),
            users: HashMap::new(),
            tgts: HashMap::new(),
            sts: HashMap::new(),
            sessions: HashMap::new(),
            tgt_seq: 0,
            st_seq: 0,
            session_ttl: Duration::ZERO,
            tgt_ttl: Duration::ZERO,
        }
    }

    fn purge(&mut self, now: Instant) {
        self.tgts.retain(|_, t| t.expires > now);
        self.sts.retain(|_, s| s.expires > now);
        self.sessions.retain(|_, s| s.expires > now);
    }

    fn app(&self, name: &str) -> Option<&CasApp> {
        self.apps.iter().find(|a| a.name == name)
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CasSeed {
    #[serde(default)]
    users: Vec<CasSeedUser>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CasSeedUser {
    group: String,
    username: String,
    password: String,
}

/// `POST /_sim/reset` and the `cas` section of a seed file:
/// `{"users": [{"group", "username", "password"}]}`.
impl crate::kit::SimControl for CasSim {
    fn service(&self) -> &'static str {
        "cas"
    }

    /// Back to [`CasSim::seeded`]'s users, no ticket or session; the apps
    /// and lifetimes stay as configured.
    fn reset(&self) {
        let mut st = self.lock();
        let fresh = CasSim::with_apps(st.apps.clone());
        fresh.add_user("workshop", "alice", "alice-pass");
        fresh.add_user("workshop", "bob", "bob-pass");
        let mut new = std::mem::replace(&mut *fresh.lock(), State::empty());
        new.session_ttl = st.session_ttl;
        new.tgt_ttl = st.tgt_ttl;
        *st = new;
    }

    fn load_seed(&self, section: &serde_json::Value) -> Result<(), String> {
        let seed: CasSeed = crate::kit::parse_seed(section)?;
        for (i, u) in seed.users.iter().enumerate() {
            crate::kit::non_empty(&format!("users[{i}].group"), &u.group)?;
            crate::kit::non_empty(&format!("users[{i}].username"), &u.username)?;
            if u.group.contains('\\') || u.username.contains('\\') {
                return Err(format!("users[{i}]: a backslash separates group and user"));
            }
        }
        for u in &seed.users {
            self.add_user(&u.group, &u.username, &u.password);
        }
        Ok(())
    }
}
/// The CAS simulator state (cheap to clone; clones share the state).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tenantry_sim::{CasSim, SimServer};
/// let cas = CasSim::seeded(); // workshop\alice / alice-pass, workshop\bob / bob-pass
/// let server = SimServer::start(cas.router()).await?;
/// println!("CAS at {}/cas/v1/tickets", server.base_url());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CasSim {
    state: Arc<Mutex<State>>,
}

impl Default for CasSim {
    fn default() -> Self {
        Self::new()
    }
}

impl CasSim {
    /// A CAS server with the default apps ([`CasApp::defaults`]) and no user.
    pub fn new() -> Self {
        Self::with_apps(CasApp::defaults())
    }

    /// A CAS server with these apps and no user.
    pub fn with_apps(apps: Vec<CasApp>) -> Self {
        CasSim {
            state: Arc::new(Mutex::new(State {
                apps,
                session_ttl: Duration::from_secs(30 * 60),
                tgt_ttl: Duration::from_secs(8 * 3600),
                ..State::empty()
            })),
        }
    }

    /// The default apps plus group `workshop` with users `alice`
    /// (`alice-pass`) and `bob` (`bob-pass`).
    pub fn seeded() -> Self {
        let sim = Self::new();
        sim.add_user("workshop", "alice", "alice-pass");
        sim.add_user("workshop", "bob", "bob-pass");
        sim
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add (or replace the password of) a user; the CAS login name is
    /// `group\user`.
    pub fn add_user(&self, group: &str, user: &str, password: &str) {
        self.lock()
            .users
            .insert((group.to_owned(), user.to_owned()), password.to_owned());
    }

    /// Remove a user (its TGTs and sessions stay until they expire; the
    /// services behind check the user on every call).
    pub fn remove_user(&self, group: &str, user: &str) {
        self.lock()
            .users
            .remove(&(group.to_owned(), user.to_owned()));
    }

    /// Forget every user, ticket and session (the apps and lifetimes stay).
    pub fn clear(&self) {
        let mut st = self.lock();
        st.users.clear();
        st.tgts.clear();
        st.sts.clear();
        st.sessions.clear();
    }

    /// The apps this server logs in to.
    pub fn apps(&self) -> Vec<CasApp> {
        self.lock().apps.clone()
    }

    /// Set the idle lifetime of app sessions (default 30 minutes); each
    /// successful use of a session extends it by this much.
    pub fn set_session_ttl(&self, ttl: Duration) {
        self.lock().session_ttl = ttl;
    }

    /// Set the lifetime of new TGTs (default 8 hours).
    pub fn set_tgt_ttl(&self, ttl: Duration) {
        self.lock().tgt_ttl = ttl;
    }

    /// Invalidate every app session.
    pub fn expire_sessions(&self) {
        self.lock().sessions.clear();
    }

    /// Invalidate every TGT.
    pub fn expire_tgts(&self) {
        self.lock().tgts.clear();
    }

    /// How many live app sessions (distinct `JSESSIONID` values) exist.
    pub fn session_count(&self) -> usize {
        let mut st = self.lock();
        st.purge(Instant::now());
        st.sessions.len()
    }

    /// How many live TGTs exist.
    pub fn tgt_count(&self) -> usize {
        let mut st = self.lock();
        st.purge(Instant::now());
        st.tgts.len()
    }

    /// The user (`group\user`) of a live session of app `app_name` found in
    /// a `Cookie` header value (any of its `JSESSIONID` cookies), or `None`.
    /// A successful look-up extends the session's lifetime.
    ///
    /// Service simulators use this to protect their routes.
    pub fn session_user(&self, app_name: &str, cookie_header: &str) -> Option<String> {
        let now = Instant::now();
        let mut st = self.lock();
        st.purge(now);
        let ttl = st.session_ttl;
        for id in session_ids(cookie_header) {
            if let Some(s) = st.sessions.get_mut(id) {
                if s.apps.contains(app_name) {
                    s.expires = now + ttl;
                    return Some(format!("{}\\{}", s.group, s.user));
                }
            }
        }
        None
    }

    /// The seed object for this simulator served at `base_url`:
    /// `{"url","group","username","password","apps":[{"name","service_url","api_url"}]}`
    /// (the credentials are the seeded `workshop\alice`).
    pub fn seed_json(&self, base_url: &str) -> serde_json::Value {
        let apps: Vec<_> = self
            .apps()
            .iter()
            .map(|a| {
                json!({
                    "name": a.name,
                    "service_url": format!("{base_url}{}", a.shiro_base),
                    "api_url": format!("{base_url}{}", a.api_base),
                })
            })
            .collect();
        json!({
            "url": base_url,
            "group": "workshop",
            "username": "alice",
            "password": "alice-pass",
            "apps": apps,
        })
    }

    /// The axum router serving the CAS endpoints, each app's Shiro CAS
    /// endpoint and each app's `{api_base}/_sim/whoami` probe.
    pub fn router(&self) -> Router {
        let mut router = Router::new()
            .route("/cas/v1/tickets", post(create_tgt))
            .route("/cas/v1/tickets/{tgt}", post(create_st))
            .route("/cas/login", get(login_page));
        for app in self.apps() {
            let name = app.name.clone();
            router = router.route(
                &app.shiro_base,
                get(
                    move |axum::extract::State(sim): axum::extract::State<CasSim>,
                          headers: HeaderMap,
                          RawQuery(q): RawQuery| async move {
                        shiro_validate(&sim, &name, &headers, q.as_deref())
                    },
                ),
            );
            let name = app.name.clone();
            router = router.route(
                &format!("{}/_sim/whoami", app.api_base),
                get(
                    move |axum::extract::State(sim): axum::extract::State<CasSim>,
                          headers: HeaderMap| async move {
                        whoami(&sim, &name, &headers)
                    },
                ),
            );
        }
        router.with_state(self.clone())
    }

    /// The answer for a request to app `app_name` without a valid session:
    /// `302` to `{origin}/cas/login?service=<the app's service URL>`, like
    /// Shiro. Service simulators can return it from protected routes.
    pub fn login_redirect(&self, app_name: &str, headers: &HeaderMap) -> Response {
        let origin = request_origin(headers);
        let shiro = self
            .lock()
            .app(app_name)
            .map(|a| a.shiro_base.clone())
            .unwrap_or_default();
        let service = format!("{origin}{shiro}");
        let encoded: String = form_urlencoded::byte_serialize(service.as_bytes()).collect();
        let mut resp = with_type(StatusCode::FOUND, "", "text/html;charset=UTF-8");
        if let Ok(v) = HeaderValue::from_str(&format!("{origin}/cas/login?service={encoded}")) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        resp
    }
}

fn session_ids(cookie_header: &str) -> impl Iterator<Item = &str> {
    cookie_header.split(';').filter_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        (name.trim() == "JSESSIONID").then(|| value.trim().trim_matches('"'))
    })
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    with_type(status, body.into(), "text/plain;charset=UTF-8")
}

async fn create_tgt(
    axum::extract::State(sim): axum::extract::State<CasSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = crate::kit::form_map(&body);
    let (Some(login), Some(password)) = (form.get("username"), form.get("password")) else {
        return text(
            StatusCode::UNAUTHORIZED,
            "error.authentication.credentials.bad",
        );
    };
    let Some((group, user)) = login.split_once('\\') else {
        return text(
            StatusCode::UNAUTHORIZED,
            "error.authentication.credentials.bad",
        );
    };
    let tgt = {
        let mut st = sim.lock();
        let key = (group.to_owned(), user.to_owned());
        if st.users.get(&key) != Some(password) {
            return text(
                StatusCode::UNAUTHORIZED,
                "error.authentication.credentials.bad",
            );
        }
        st.tgt_seq += 1;
        let id = format!("TGT-{}-{}-cas", st.tgt_seq, random_token(32));
        let expires = Instant::now() + st.tgt_ttl;
        st.tgts.insert(
            id.clone(),
            Tgt {
                group: key.0,
                user: key.1,
                expires,
            },
        );
        id
    };
    let location = format!("{}/cas/v1/tickets/{tgt}", request_origin(&headers));
    let page = format!(
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\"><html><head><title>201 Created</title></head>\
         <body><h1>TGT Created</h1><form action=\"{location}\" method=\"POST\">Service:\
         <input type=\"text\" name=\"service\" value=\"\"><br><input type=\"submit\" value=\"Submit\"></form></body></html>"
    );
    let mut resp = with_type(StatusCode::CREATED, page, "text/html;charset=UTF-8");
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn create_st(
    axum::extract::State(sim): axum::extract::State<CasSim>,
    Path(tgt): Path<String>,
    body: Bytes,
) -> Response {
    let form = crate::kit::form_map(&body);
    let now = Instant::now();
    let mut st = sim.lock();
    st.purge(now);
    let Some(t) = st.tgts.get(&tgt) else {
        return text(
            StatusCode::NOT_FOUND,
            format!("TGT {tgt} could not be found or is expired"),
        );
    };
    let (group, user) = (t.group.clone(), t.user.clone());
    let Some(service) = form.get("service").filter(|s| !s.is_empty()) else {
        return text(StatusCode::BAD_REQUEST, "service is required");
    };
    st.st_seq += 1;
    let id = format!("ST-{}-{}-cas", st.st_seq, random_token(20));
    st.sts.insert(
        id.clone(),
        St {
            service: service.clone(),
            group,
            user,
            used: false,
            expires: now + ST_TTL,
        },
    );
    text(StatusCode::OK, id)
}

async fn login_page() -> Response {
    with_type(
        StatusCode::OK,
        "<!DOCTYPE html><html><head><title>CAS &#8211; Central Authentication Service</title></head>\
         <body><form id=\"fm1\" method=\"post\"><input id=\"username\" name=\"username\" type=\"text\">\
         <input id=\"password\" name=\"password\" type=\"password\">\
         <input type=\"hidden\" name=\"execution\" value=\"sim\"><input type=\"submit\" name=\"submit\" value=\"LOGIN\">\
         </form></body></html>",
        "text/html;charset=UTF-8",
    )
}

fn service_path(service: &str) -> String {
    let path = match url::Url::parse(service) {
        Ok(u) => u.path().to_owned(),
        Err(_) => service.to_owned(),
    };
    path.trim_end_matches('/').to_owned()
}

fn shiro_validate(
    sim: &CasSim,
    app_name: &str,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Response {
    let forbidden = || text(StatusCode::FORBIDDEN, "Forbidden");
    let ticket = query
        .map(|q| crate::kit::form_map(q.as_bytes()))
        .and_then(|m| m.get("ticket").cloned());
    let Some(ticket) = ticket else {
        return forbidden();
    };
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    let now = Instant::now();
    let mut st = sim.lock();
    st.purge(now);
    let Some(shiro_base) = st.app(app_name).map(|a| a.shiro_base.clone()) else {
        return forbidden();
    };
    let Some(ticket) = st.sts.get_mut(&ticket) else {
        return forbidden();
    };
    if ticket.used {
        return forbidden();
    }
    // A CAS ticket is consumed by any validation attempt.
    ticket.used = true;
    if service_path(&ticket.service) != shiro_base.trim_end_matches('/') {
        return forbidden();
    }
    let (group, user) = (ticket.group.clone(), ticket.user.clone());
    let ttl = st.session_ttl;
    let existing = session_ids(&cookie)
        .find(|id| {
            st.sessions
                .get(*id)
                .is_some_and(|s| s.group == group && s.user == user)
        })
        .map(str::to_owned);
    let id = match existing {
        Some(id) => {
            if let Some(s) = st.sessions.get_mut(&id) {
                s.apps.insert(app_name.to_owned());
                s.expires = now + ttl;
            }
            id
        }
        None => {
            let id = random_token(32).to_ascii_uppercase();
            st.sessions.insert(
                id.clone(),
                Session {
                    group,
                    user,
                    apps: HashSet::from([app_name.to_owned()]),
                    expires: now + ttl,
                },
            );
            id
        }
    };
    drop(st);
    let mut resp = with_type(
        StatusCode::OK,
        "<!DOCTYPE html><html><body>Logged in</body></html>",
        "text/html;charset=UTF-8",
    );
    if let Ok(v) = HeaderValue::from_str(&format!("JSESSIONID={id}; Path=/; HttpOnly")) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn whoami(sim: &CasSim, app_name: &str, headers: &HeaderMap) -> Response {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    match sim.session_user(app_name, &cookie) {
        Some(login) => {
            let (group, username) = login.split_once('\\').unwrap_or(("", login.as_str()));
            json_resp(
                StatusCode::OK,
                &json!({
                    "app": app_name,
                    "user": login,
                    "group": group,
                    "username": username,
                }),
            )
        }
        None => sim.login_redirect(app_name, headers),
    }
}
