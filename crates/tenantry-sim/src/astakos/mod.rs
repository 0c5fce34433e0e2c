//! A stateful Astakos (Synnefo identity, quota and project service)
//! simulator, faithful enough for the Python `astakosclient` 0.19.
//!
//! Wire behaviour follows `astakos.md` (the real 0.19 server where it and
//! the `tests.py` mock differ):
//!
//! * identity under [`AUTH_PATH`]: `POST tokens` (authenticate with a body,
//!   public catalog discovery without one) and `GET tokens/{id}[?belongsTo]`
//!   (OAuth2 access-token validation);
//! * the account API under [`ACCOUNT_PREFIX`]: user catalogs, resources,
//!   feedback, quotas, commissions, projects (with applications) and
//!   memberships;
//! * the UI's `GET {UI_PREFIX}/get_services`;
//! * OAuth2 under [`OAUTH2_PREFIX`]: `GET auth` (the sim takes the user from
//!   `X-Auth-Token` instead of a login session and redirects with a code)
//!   and `POST token` (authorization-code grant, client credentials in
//!   Basic).
//!
//! Catalog URLs are built from the request's `Host`, so they point back at
//! whatever port the server runs on.
//!
//! Answers follow the real server's code (`snf-astakos-app` at tag 0.19:
//! `astakos/api/*.py`, `astakos/im/functions.py`, `astakos/quotaholder_app/`):
//! JSON is written as `json.dumps` writes it (non-ASCII as `\uXXXX`); a token
//! of the wrong kind (user/component) is a 401 like an unknown one; project
//! applications are validated (domain-form name, capacities, zoned future
//! end date) before the pending-application limit is charged; projects are
//! visible as `project_check_allowed` says; membership actions run the real
//! per-action checks (state 409, permission 403, project 409); only
//! API-visible resources are listed. Quota arithmetic is exact: a commission
//! whose result does not fit a bigint is refused (500, as the database
//! refuses it) and changes nothing.
//!
//! Quota counters follow the Astakos quotaholder: a holding has a limit and
//! `usage_min`/`usage_max`; a pending positive provision raises `usage_max`,
//! a pending negative one lowers `usage_min`; accepting moves the other
//! bound, rejecting undoes the move. On the wire (and in
//! [`AstakosSim::quota`]) `usage` is `usage_max` (it includes pending) and
//! `pending` is `usage_max - usage_min`.

mod http;
mod pyjson;
mod state;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use serde_json::{json, Value};

use state::State;

/// The identity path (`auth_url` = `{base}{AUTH_PATH}`).
pub const AUTH_PATH: &str = "/identity/v2.0";
/// The account API prefix (the `astakos_account` publicURL path).
pub const ACCOUNT_PREFIX: &str = "/account/v1.0";
/// The UI prefix (the `SNF:uiURL` path).
pub const UI_PREFIX: &str = "/ui";
/// The OAuth2 prefix (the `astakos_oauth2` publicURL path).
pub const OAUTH2_PREFIX: &str = "/oauth2/";

/// Seeded user Alice (`alice@example.org`), owner of the `eresearch` project.
pub const ALICE_UUID: &str = "5ee1a5b8-6a0c-4d2f-9d3b-7c1e2a4f6b01";
/// Alice's token.
pub const ALICE_TOKEN: &str = "aLiCe0kSDFg3Lq5pXv9Tz1";
/// Seeded user Bob (`bob@example.org`), owner of the `teaching` project.
pub const BOB_UUID: &str = "b0b0c4e2-3f5a-4b7d-8e9f-0a1b2c3d4e02";
/// Bob's token.
pub const BOB_TOKEN: &str = "b0BtOk7Hn2Wq8Rr4Yc6Ue0";
/// Seeded user Carol (`carol@example.org`), with a pending request to join
/// `eresearch`.
pub const CAROL_UUID: &str = "ca201e5d-7b8c-4e9f-a0b1-c2d3e4f5a603";
/// Carol's token.
pub const CAROL_TOKEN: &str = "cArOlT9kMn3Bv5Cx7Zl1Qw";
/// Seeded project administrator (`admin@example.org`).
pub const ADMIN_UUID: &str = "ad314e0f-1a2b-4c3d-9e8f-7a6b5c4d3e04";
/// The administrator's token.
pub const ADMIN_TOKEN: &str = "aDmInTk4Rf6Gh8Jk0Lp2Os";
/// The Cyclades component token (a service token).
pub const CYCLADES_TOKEN: &str = "cYcLaDeS-0123456789abcdef";
/// The Pithos component token (a service token).
pub const PITHOS_TOKEN: &str = "pItHoS-fedcba9876543210";
/// Project `eresearch` (owner Alice; members Alice and Bob; Carol
/// requested; moderated join, auto leave).
pub const ERESEARCH_ID: &str = "e7e5ea7c-0d1e-4f2a-8b3c-4d5e6f7a8b10";
/// Project `teaching` (owner Bob; member Bob; auto join, moderated leave).
pub const TEACHING_ID: &str = "7eac0123-4567-489a-bcde-f0123456789b";
/// The seeded OAuth2 client id.
pub const OAUTH2_CLIENT_ID: &str = "pithos-view";
/// The seeded OAuth2 client secret.
pub const OAUTH2_CLIENT_SECRET: &str = "pithos-view-s3cret";
/// The seeded OAuth2 client's registered redirect URI (a prefix).
pub const OAUTH2_REDIRECT_URI: &str = "https://pithos.example.org/ui/view";

/// One provision of a commission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provision {
    /// `user:<uuid>` or `project:<id>`.
    pub holder: String,
    /// `project:<id>` for user holdings, `None` for project holdings.
    pub source: Option<String>,
    /// The resource name, e.g. `cyclades.vm`.
    pub resource: String,
    /// Positive: allocate; negative: release.
    pub quantity: i64,
}

/// Where a commission stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommissionState {
    /// Issued, not resolved.
    Pending,
    /// Accepted (also what `auto_accept` gives).
    Accepted,
    /// Rejected (its pending quantities were released).
    Rejected,
}

/// A commission as the simulator keeps it (also after resolution, which
/// the wire API no longer shows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commission {
    /// The serial.
    pub serial: u64,
    /// The issuing component (`cyclades`, `pithos`, ...).
    pub client: String,
    /// The commission's name.
    pub name: String,
    /// The provisions, summed per holding, in first-seen order.
    pub provisions: Vec<Provision>,
    /// Pending, accepted or rejected.
    pub state: CommissionState,
}

/// A feedback message sent with `POST {ACCOUNT_PREFIX}/feedback`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    /// The sender's uuid.
    pub user: String,
    /// `feedback_msg`.
    pub message: String,
    /// `feedback_data` (empty when absent).
    pub data: String,
}

/// The Astakos simulator state (cheap to clone; clones share the state).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tenantry_sim::{AstakosSim, SimServer};
/// let astakos = AstakosSim::seeded();
/// let server = SimServer::start(astakos.router()).await?;
/// println!("{}", astakos.seed_json(&server.base_url()));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AstakosSim {
    state: Arc<Mutex<State>>,
}

impl Default for AstakosSim {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AstakosSeed {
    #[serde(default)]
    users: Vec<AstakosSeedUser>,
    #[serde(default)]
    components: Vec<AstakosSeedComponent>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AstakosSeedUser {
    uuid: String,
    display_name: String,
    #[serde(default)]
    realname: String,
    token: String,
    #[serde(default)]
    admin: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AstakosSeedComponent {
    name: String,
    token: String,
}

/// `POST /_sim/reset` and the `astakos` section of a seed file:
/// `{"users": [{"uuid", "display_name", "realname"?, "token", "admin"?}],
/// "components": [{"name", "token"}]}` (each user gets its base project
/// with the default base quotas).
impl crate::kit::SimControl for AstakosSim {
    fn service(&self) -> &'static str {
        "astakos"
    }

    /// Back to [`AstakosSim::seeded`]. The only place a poisoned state is
    /// recovered: it is replaced whole, so nothing half-changed survives.
    fn reset(&self) {
        let mut fresh = State::new();
        fresh.seed();
        let mut st = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *st = fresh;
        drop(st);
        self.state.clear_poison();
    }

    fn load_seed(&self, section: &Value) -> Result<(), String> {
        let seed: AstakosSeed = crate::kit::parse_seed(section)?;
        for (i, u) in seed.users.iter().enumerate() {
            if uuid::Uuid::parse_str(&u.uuid).is_err() {
                return Err(format!("`users[{i}].uuid` is not a uuid"));
            }
            crate::kit::non_empty(&format!("users[{i}].display_name"), &u.display_name)?;
            crate::kit::non_empty(&format!("users[{i}].token"), &u.token)?;
        }
        for (i, c) in seed.components.iter().enumerate() {
            crate::kit::non_empty(&format!("components[{i}].name"), &c.name)?;
            crate::kit::non_empty(&format!("components[{i}].token"), &c.token)?;
        }
        let mut st = self
            .try_lock()
            .ok_or("the simulator state is poisoned: reset it")?;
        for u in &seed.users {
            st.add_user(&u.uuid, &u.display_name, &u.realname, &u.token, u.admin);
        }
        for c in &seed.components {
            st.add_component(&c.name, &c.token);
        }
        Ok(())
    }
}

impl AstakosSim {
    /// A server with the standard components (`astakos`, `cyclades`,
    /// `pithos`, the last two with the tokens [`CYCLADES_TOKEN`] and
    /// [`PITHOS_TOKEN`]), their resources with default base quotas, the
    /// OAuth2 client [`OAUTH2_CLIENT_ID`], and no user or project.
    pub fn new() -> Self {
        AstakosSim {
            state: Arc::new(Mutex::new(State::new())),
        }
    }

    /// [`new`](Self::new) plus users Alice, Bob, Carol and the admin (each
    /// with a base project whose id is the user's uuid), projects
    /// [`ERESEARCH_ID`] and [`TEACHING_ID`] with memberships, and some usage
    /// in Alice's base project (1 VM, 1 CPU, 1 GiB RAM, 10 GiB disk).
    pub fn seeded() -> Self {
        let sim = Self::new();
        {
            let mut st = sim.lock();
            st.seed();
        }
        sim
    }

    /// The state for the HTTP layer: `None` when an earlier panic poisoned
    /// the lock (answered with a 500, never silently recovered).
    fn try_lock(&self) -> Option<MutexGuard<'_, State>> {
        self.state.lock().ok()
    }

    /// The state for the in-process API. A poisoned lock means a handler
    /// panicked half-way through a change; the state may be inconsistent,
    /// so this fails loudly instead of handing it out.
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(_) => panic!(
                "the Astakos simulator state is poisoned: a request handler panicked \
                 while changing it, so it may be inconsistent"
            ),
        }
    }

    /// Add an active user with this uuid, display name (email), real name
    /// and token, and its base project (id = uuid, default base quotas).
    /// Replaces a user with the same uuid.
    pub fn add_user(&self, uuid: &str, display_name: &str, realname: &str, token: &str) {
        self.lock()
            .add_user(uuid, display_name, realname, token, false);
    }

    /// Make a user a project administrator (may approve and deny
    /// applications, suspend, terminate ... projects, and see them all).
    pub fn set_admin(&self, uuid: &str, admin: bool) {
        if let Some(u) = self.lock().users.iter_mut().find(|u| u.uuid == uuid) {
            u.admin = admin;
        }
    }

    /// Add (or replace) a component with a service token. Its resources are
    /// those whose name starts with `<name>.`.
    pub fn add_component(&self, name: &str, token: &str) {
        self.lock().add_component(name, token);
    }

    /// Register a resource (`<component>.<name>`) with a unit, a description
    /// and the default base quota every user's base project gets.
    pub fn add_resource(&self, name: &str, unit: &str, description: &str, base_default: i64) {
        let mut st = self.lock();
        st.add_resource(name, unit, description, base_default);
        st.sync_holdings();
    }

    /// Pin the limit of a holding (`holder` `user:<uuid>`/`project:<id>`,
    /// `source` `Some("project:<id>")`/`None`), creating the holding if
    /// needed. The pin survives later project/membership changes.
    pub fn set_limit(&self, holder: &str, source: Option<&str>, resource: &str, limit: i64) {
        let mut st = self.lock();
        st.overrides.insert(
            (
                holder.to_owned(),
                source.map(str::to_owned),
                resource.to_owned(),
            ),
            limit,
        );
        st.sync_holdings();
    }

    /// `(limit, usage, pending)` of a holding, as the wire reports them
    /// (`usage` includes pending), or `None` if there is no such holding.
    pub fn quota(
        &self,
        holder: &str,
        source: Option<&str>,
        resource: &str,
    ) -> Option<(i64, i64, i64)> {
        let st = self.lock();
        let h = st.holdings.get(&(
            holder.to_owned(),
            source.map(str::to_owned),
            resource.to_owned(),
        ))?;
        Some((
            h.limit,
            h.usage_max,
            h.usage_max.saturating_sub(h.usage_min),
        ))
    }

    /// A commission by serial (pending or resolved).
    pub fn commission(&self, serial: u64) -> Option<Commission> {
        self.lock().commissions.get(&serial).cloned()
    }

    /// The serials of all pending commissions (every client), ascending.
    pub fn pending_serials(&self) -> Vec<u64> {
        self.lock()
            .commissions
            .values()
            .filter(|c| c.state == CommissionState::Pending)
            .map(|c| c.serial)
            .collect()
    }

    /// Every feedback message received, oldest first.
    pub fn feedback(&self) -> Vec<Feedback> {
        self.lock().feedback.clone()
    }

    /// The state of a project (`uninitialized`, `active`, `suspended`,
    /// `terminated`, `deleted`).
    pub fn project_state(&self, id: &str) -> Option<String> {
        self.lock()
            .projects
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.state.as_str().to_owned())
    }

    /// The state of the membership of `user` in `project` (`requested`,
    /// `accepted`, `leave_requested`, `rejected`, `cancelled`, `removed`).
    pub fn membership_state(&self, project: &str, user: &str) -> Option<String> {
        self.lock()
            .memberships
            .iter()
            .rev()
            .find(|m| m.project == project && m.user == user)
            .map(|m| m.state.as_str().to_owned())
    }

    /// Issue a one-time OAuth2 authorization code for `user` and the seeded
    /// (or any registered) client, as `GET {OAUTH2_PREFIX}auth` does.
    pub fn issue_auth_code(&self, user: &str, client_id: &str, redirect_uri: &str) -> String {
        self.lock()
            .issue_code(user, client_id, redirect_uri, redirect_uri)
    }

    /// The seed object for this simulator served at `base_url`:
    /// `{"url","auth_url","account_url","ui_url","oauth2_url",
    /// "user_token","user_uuid","admin_token","service_token",
    /// "service_tokens":{component:token},
    /// "users":[{"uuid","name","realname","token","admin"}],
    /// "projects":{"eresearch","teaching"},"resources":[..],
    /// "oauth2_client":{"id","secret","redirect_uri"}}`.
    /// `users[].name` is the display name (email); each user's base
    /// project id is its uuid.
    pub fn seed_json(&self, base_url: &str) -> Value {
        let st = self.lock();
        let users: Vec<Value> = st
            .users
            .iter()
            .map(|u| {
                json!({"uuid": u.uuid, "name": u.email, "realname": u.realname,
                       "token": u.token, "admin": u.admin})
            })
            .collect();
        let services: BTreeMap<&str, &str> = st
            .components
            .iter()
            .filter(|c| !c.token.is_empty())
            .map(|c| (c.name.as_str(), c.token.as_str()))
            .collect();
        let mut projects = serde_json::Map::new();
        for p in st.projects.iter().filter(|p| !p.is_base) {
            projects.insert(p.spec.name.clone(), json!(p.id));
        }
        let token_of = |uuid: &str| {
            st.users
                .iter()
                .find(|u| u.uuid == uuid)
                .map(|u| u.token.clone())
        };
        json!({
            "url": base_url,
            "auth_url": format!("{base_url}{AUTH_PATH}"),
            "account_url": format!("{base_url}{ACCOUNT_PREFIX}"),
            "ui_url": format!("{base_url}{UI_PREFIX}"),
            "oauth2_url": format!("{base_url}{OAUTH2_PREFIX}"),
            "user_uuid": ALICE_UUID,
            "user_token": token_of(ALICE_UUID),
            "admin_token": token_of(ADMIN_UUID),
            "service_token": services.get("cyclades"),
            "service_tokens": services,
            "users": users,
            "projects": projects,
            "resources": st.resources.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            "oauth2_client": {"id": OAUTH2_CLIENT_ID, "secret": OAUTH2_CLIENT_SECRET,
                              "redirect_uri": OAUTH2_REDIRECT_URI},
        })
    }

    /// The axum router (every route; unmatched paths under
    /// [`ACCOUNT_PREFIX`] or [`AUTH_PATH`] answer 400 `API endpoint not
    /// found`, other unmatched paths 404, a wrong method 405 with `Allow`).
    /// JSON answers are written as Django's `json.dumps` writes them
    /// (non-ASCII as `\uXXXX`). If a panic ever poisoned the state, every
    /// request answers 500 instead of working on a half-changed state.
    pub fn router(&self) -> Router {
        http::router(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::http::Request;
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_poisoned_state_is_reported_not_recovered() {
        let sim = AstakosSim::seeded();
        let state = Arc::clone(&sim.state);
        let joined = std::thread::spawn(move || {
            let _guard = state.lock();
            panic!("a handler panicking half-way through a change");
        })
        .join();
        assert!(joined.is_err());
        assert!(sim.state.is_poisoned());
        // Over HTTP: a 500 fault, as the real server's `api_method` answers
        // an unexpected error.
        let req = Request::get(format!("{ACCOUNT_PREFIX}/quotas"))
            .header("x-auth-token", ALICE_TOKEN)
            .body(Body::empty())
            .unwrap();
        let resp = sim.router().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 500);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["internalServerError"]["code"], 500);
        assert!(
            v["internalServerError"]["message"]
                .as_str()
                .unwrap()
                .contains("poisoned"),
            "{v}"
        );
        // In process: a loud failure, not stale data.
        let sim2 = sim.clone();
        let got = std::panic::catch_unwind(move || sim2.pending_serials());
        assert!(got.is_err());
    }
}
