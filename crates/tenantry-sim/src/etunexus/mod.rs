//! Etu Nexus: EMC v2, ER v3 and EI v3 behind the simulated CAS.
//!
//! One server answers the CAS REST endpoints and the three Shiro-protected
//! applications (`etunexus.md` §1, §2, §12): EMC2 under `/commsrv/v1`, ER3
//! under `/ER/V3/recsrv/v1`, EI3 under `/EI/V3/service/v1`, each with its
//! `shiro-cas` endpoint (see [`CasSim`]). Every API call needs the app's
//! session cookie (`JSESSIONID`, set by the ticket presentation); without a
//! live one the answer is Shiro's `302` to `/cas/login?service=…` (§2.5,
//! §12.2), which the Python reference follows to an HTML page and fails on
//! with `ValueError`, as against the real server.
//!
//! State (§12.1): groups, users with roles per application (the CAS
//! accounts follow them: `group\user` with the user's password), the app
//! catalogue and roles, data sources with exporter settings, audit events;
//! ER logics, campaigns, user filters, layouts and algorithm trainings; EI
//! gene categories, band categories and bands (with their uid sets, so
//! amounts, uid lists and uid → band look-ups are computed), fixed genes,
//! uploaded items, per-day statistics and su impersonation per session.
//!
//! Access: a user sees only their own group's data, unless a system
//! administrator (`ADMIN` on `ETU-SHIELD` in the system group, id 1). An app
//! needs a role on it (`ADMIN`, `Operator`, `Viewer`); a `Viewer` writing
//! gets `403`. Answers are bare JSON for EMC and ER and `{"data": …}` for
//! EI (§12.3); errors are `{"timestamp","status","error","message","path"}`
//! (Spring's error shape; the client never reads it) [INF].
//!
//! Control: `POST /_sim/etunexus/expire-sessions` drops every app session
//! (the next call gets the login redirect); [`EtunexusSim::expire_sessions`]
//! does the same in-process.

mod ei;
mod emc;
mod er;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::{Path as AxPath, State as AxState};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde_json::{json, Map, Value};

use crate::cas::{CasApp, CasSim};
use crate::kit::{random_token, with_type};

/// The EMC2 API base.
pub const EMC_BASE: &str = "/commsrv/v1";
/// The ER3 API base.
pub const ER_BASE: &str = "/ER/V3/recsrv/v1";
/// The EI3 API base.
pub const EI_BASE: &str = "/EI/V3/service/v1";
/// Where EI uid-list downloads are served (under the host root, §7).
pub const DOWNLOAD_BASE: &str = "/EI/V3/download";

/// `AppId` of EMC.
pub const APP_EMC: &str = "ETU-SHIELD";
/// `AppId` of ER.
pub const APP_ER: &str = "ETU-RECOMMENDER";
/// `AppId` of EI.
pub const APP_EI: &str = "ETU-INSIGHT";

/// The system group (its `ADMIN`s on `ETU-SHIELD` see every group).
pub const SEED_SYSTEM_GROUP: &str = "etunexus";
/// The system administrator's user name.
pub const SEED_ADMIN: &str = "admin";
/// The system administrator's password.
pub const SEED_ADMIN_PASSWORD: &str = "admin-pass";
/// The seeded customer group (id 2), as in the reference's quick start.
pub const SEED_GROUP: &str = "workshop";
/// The group's administrator (`ADMIN` on all three apps).
pub const SEED_GROUP_ADMIN: &str = "workshop_admin";
/// Its password.
pub const SEED_GROUP_ADMIN_PASSWORD: &str = "workshop-admin-pass";
/// The quick start's user (id 3): `Operator` on EI, `Viewer` on ER.
pub const SEED_USER: &str = "workshop_user";
/// Its password.
pub const SEED_USER_PASSWORD: &str = "workshop-user-pass";
/// A second customer group (id 3), for isolation.
pub const SEED_OTHER_GROUP: &str = "retail";
/// Its administrator.
pub const SEED_OTHER_ADMIN: &str = "retail_admin";
/// Its password.
pub const SEED_OTHER_ADMIN_PASSWORD: &str = "retail-admin-pass";

/// Bounds: users, and items of every other collection, per group.
pub const MAX_ITEMS_PER_GROUP: usize = 100_000;
/// The longest name or display name accepted.
pub const MAX_TEXT: usize = 255;
/// The longest day range of an EI statistics or timeline query.
pub const MAX_DAYS: i64 = 366;

/// The role names (`AppRoleName`).
const ROLE_NAMES: [&str; 3] = ["ADMIN", "Operator", "Viewer"];
/// The app ids.
const APP_IDS: [&str; 3] = [APP_EMC, APP_ER, APP_EI];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum App {
    Emc,
    Er,
    Ei,
}

impl App {
    fn cas_name(self) -> &'static str {
        match self {
            App::Emc => "emc",
            App::Er => "er",
            App::Ei => "ei",
        }
    }
    fn app_id(self) -> &'static str {
        match self {
            App::Emc => APP_EMC,
            App::Er => APP_ER,
            App::Ei => APP_EI,
        }
    }
    fn base(self) -> &'static str {
        match self {
            App::Emc => EMC_BASE,
            App::Er => ER_BASE,
            App::Ei => EI_BASE,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub create_time: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct User {
    pub id: i64,
    pub group_id: i64,
    pub name: String,
    pub display_name: String,
    pub password: String,
    pub department: String,
    pub mail: String,
    /// (roleName, appId).
    pub roles: Vec<(String, String)>,
    pub create_time: i64,
    pub last_update_time: i64,
}

impl User {
    pub(crate) fn role(&self, app_id: &str) -> Option<&str> {
        self.roles
            .iter()
            .find(|(_, a)| a == app_id)
            .map(|(r, _)| r.as_str())
    }
}

/// An EI band and the uids it holds.
#[derive(Clone, Debug)]
pub(crate) struct Band {
    pub value: Map<String, Value>,
    pub owner: i64,
    pub group_id: i64,
    pub uids: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub seq: HashMap<&'static str, i64>,
    pub groups: BTreeMap<i64, Group>,
    pub users: BTreeMap<i64, User>,
    pub apps: Vec<Value>,
    /// app id → permission catalogue.
    pub permissions: BTreeMap<String, Vec<Value>>,
    /// app id → role name → permissions.
    pub roles: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    pub data_sources: BTreeMap<i64, Map<String, Value>>,
    pub exporters: BTreeMap<i64, Map<String, Value>>,
    /// (group id, event).
    pub audit: Vec<(i64, Value)>,
    pub logics: BTreeMap<i64, Map<String, Value>>,
    pub campaigns: BTreeMap<i64, Map<String, Value>>,
    /// filter → (object, group id, uid count).
    pub user_filters: BTreeMap<i64, (Map<String, Value>, i64, usize)>,
    pub layouts: BTreeMap<i64, Map<String, Value>>,
    pub trainings: BTreeMap<i64, (Map<String, Value>, i64)>,
    pub gene_categories: Vec<Value>,
    /// id → (category without bands, owner user id).
    pub band_categories: BTreeMap<i64, (Map<String, Value>, i64)>,
    pub bands: BTreeMap<i64, Band>,
    /// group id → fixed gene categories.
    pub fixed_genes: BTreeMap<i64, Vec<Value>>,
    /// group id → uid → gene id → value.
    pub uid_genes: BTreeMap<i64, BTreeMap<String, BTreeMap<String, String>>>,
    /// group id → item count.
    pub items: BTreeMap<i64, usize>,
    /// (group id, YYYY-MM-DD, item name) → count.
    pub stats: BTreeMap<(i64, String, String), u64>,
    /// JSESSIONID → impersonated user id.
    pub su: HashMap<String, i64>,
    /// download token → (owner user id, CSV).
    pub downloads: HashMap<String, (i64, String)>,
}

impl State {
    pub(crate) fn next(&mut self, collection: &'static str) -> i64 {
        let n = self.seq.entry(collection).or_insert(0);
        *n += 1;
        *n
    }

    pub(crate) fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.groups.values().find(|g| g.name == name)
    }

    pub(crate) fn user_by_login(&self, group: &str, user: &str) -> Option<&User> {
        let g = self.group_by_name(group)?;
        self.users
            .values()
            .find(|u| u.group_id == g.id && u.name == user)
    }

    pub(crate) fn audit(&mut self, caller: &Caller, method: &str, args: &str) {
        let event = json!({
            "eventTime": now_ms(),
            "userId": caller.user.id,
            "groupUser": caller.login(),
            "msg": format!("[Method]{method};[Arguments]{args};"),
        });
        self.audit.push((caller.user.group_id, event));
        if self.audit.len() > MAX_ITEMS_PER_GROUP {
            self.audit.remove(0);
        }
    }

    pub(crate) fn count_stat(&mut self, group_id: i64, item: &str) {
        *self
            .stats
            .entry((group_id, today(), item.to_owned()))
            .or_insert(0) += 1;
    }
}

/// The Etu Nexus simulator (cheap to clone; clones share the state and the
/// CAS behind it).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tenantry_sim::{EtunexusSim, SimServer, SimOptions, SimTls};
/// let sim = EtunexusSim::seeded();
/// let server = SimServer::start_with(
///     sim.router(),
///     SimOptions::new().tls(SimTls::self_signed()?),
/// ).await?;
/// println!("{}", sim.seed_json(&server.base_url()));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct EtunexusSim {
    state: Arc<Mutex<State>>,
    cas: CasSim,
}

impl Default for EtunexusSim {
    fn default() -> Self {
        Self::new()
    }
}

/// The server clock in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    let ns = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(ns).unwrap_or(i64::MAX)
}

/// Today (UTC) as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl EtunexusSim {
    /// No group, no user, no resource; the app catalogue only.
    pub fn new() -> Self {
        let sim = EtunexusSim {
            state: Arc::new(Mutex::new(State::default())),
            cas: CasSim::with_apps(CasApp::defaults()),
        };
        sim.load_catalogue();
        sim
    }

    /// The built-in seed: the system group `etunexus` (id 1) with its
    /// administrator ([`SEED_ADMIN`]); group `workshop` (id 2) with
    /// [`SEED_GROUP_ADMIN`] (id 2) and [`SEED_USER`] (id 3, the quick
    /// start's user); group `retail` (id 3) with [`SEED_OTHER_ADMIN`]; a
    /// behavior and an item data source for `workshop`, EI gene
    /// categories and per-uid gene values for both customer groups.
    pub fn seeded() -> Self {
        let sim = Self::new();
        sim.load_builtin();
        sim
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The CAS server in front (its accounts are this simulator's users).
    pub fn cas(&self) -> &CasSim {
        &self.cas
    }

    /// Drop every app session: the next API call of every client gets the
    /// login redirect (`POST /_sim/etunexus/expire-sessions` does the same).
    pub fn expire_sessions(&self) {
        self.cas.expire_sessions();
        self.lock().su.clear();
    }

    /// The id of user `group\name`, if it exists.
    pub fn user_id(&self, group: &str, name: &str) -> Option<i64> {
        self.lock().user_by_login(group, name).map(|u| u.id)
    }

    /// The names of the users of group `group` (by name).
    pub fn user_names(&self, group: &str) -> Vec<String> {
        let st = self.lock();
        let Some(g) = st.group_by_name(group) else {
            return Vec::new();
        };
        st.users
            .values()
            .filter(|u| u.group_id == g.id)
            .map(|u| u.name.clone())
            .collect()
    }

    /// The roles (`(roleName, appId)`) of user `group\name`.
    pub fn user_roles(&self, group: &str, name: &str) -> Option<Vec<(String, String)>> {
        self.lock()
            .user_by_login(group, name)
            .map(|u| u.roles.clone())
    }

    /// The id of group `name`, if it exists.
    pub fn group_id(&self, name: &str) -> Option<i64> {
        self.lock().group_by_name(name).map(|g| g.id)
    }

    /// How many objects a collection holds: `groups`, `users`,
    /// `data_sources`, `logics`, `campaigns`, `user_filters`, `layouts`,
    /// `trainings`, `band_categories`, `bands`, `audit`.
    pub fn count(&self, collection: &str) -> usize {
        let st = self.lock();
        match collection {
            "groups" => st.groups.len(),
            "users" => st.users.len(),
            "data_sources" => st.data_sources.len(),
            "logics" => st.logics.len(),
            "campaigns" => st.campaigns.len(),
            "user_filters" => st.user_filters.len(),
            "layouts" => st.layouts.len(),
            "trainings" => st.trainings.len(),
            "band_categories" => st.band_categories.len(),
            "bands" => st.bands.len(),
            "audit" => st.audit.len(),
            _ => 0,
        }
    }

    /// Adds `n` users `bulk-{i}` (no role, no CAS account) to group
    /// `group` (for benchmarks); returns how many were added (fewer at the
    /// bound, none for an unknown group). The names continue past those
    /// the group already holds, so calling it again adds more users.
    pub fn add_bulk_users(&self, group: &str, n: usize) -> usize {
        let mut st = self.lock();
        let Some(gid) = st.group_by_name(group).map(|g| g.id) else {
            return 0;
        };
        let names: std::collections::HashSet<String> = st
            .users
            .values()
            .filter(|u| u.group_id == gid)
            .map(|u| u.name.clone())
            .collect();
        let room = MAX_ITEMS_PER_GROUP.saturating_sub(names.len());
        let t = now_ms();
        let mut added = 0;
        let mut i = 0usize;
        while added < n.min(room) {
            let (name, display_name) = (format!("bulk-{i}"), format!("Bulk {i}"));
            i += 1;
            if names.contains(&name) {
                continue;
            }
            let id = st.next("users");
            st.users.insert(
                id,
                User {
                    id,
                    group_id: gid,
                    name,
                    display_name,
                    password: random_token(16),
                    department: String::new(),
                    mail: String::new(),
                    roles: Vec::new(),
                    create_time: t,
                    last_update_time: t,
                },
            );
            added += 1;
        }
        added
    }

    fn load_catalogue(&self) {
        let mut st = self.lock();
        st.apps = vec![
            json!({"id": APP_EMC, "version": "2.1.0", "console": "https://emc.online.etunexus.com/",
                   "image": "https://emc.online.etunexus.com/img/emc.png"}),
            json!({"id": APP_ER, "version": "3.0.2", "console": "https://erhome.online.etunexus.com/ER/V3/",
                   "image": "https://emc.online.etunexus.com/img/er.png"}),
            json!({"id": APP_EI, "version": "3.1.0", "console": "https://eihome.online.etunexus.com/EI/V3/",
                   "image": "https://emc.online.etunexus.com/img/ei.png"}),
        ];
        let catalogue: [(&str, &[(&str, &str)]); 3] = [
            (
                APP_EMC,
                &[
                    ("ACCOUNT", "GROUP"),
                    ("ACCOUNT", "USER"),
                    ("DATA", "DATA_SOURCE"),
                    ("SYSTEM", "AUDIT"),
                ],
            ),
            (
                APP_ER,
                &[
                    ("RECOMMEND", "LOGIC"),
                    ("RECOMMEND", "CAMPAIGN"),
                    ("RECOMMEND", "USER_FILTER"),
                    ("RECOMMEND", "LAYOUT"),
                ],
            ),
            (
                APP_EI,
                &[
                    ("INSIGHT", "BAND"),
                    ("INSIGHT", "BAND_CATEGORY"),
                    ("INSIGHT", "GENE"),
                    ("INSIGHT", "STATISTICS"),
                ],
            ),
        ];
        for (app, perms) in catalogue {
            let list: Vec<Value> = perms
                .iter()
                .map(|(c, id)| json!({"category": c, "id": id, "level": 3}))
                .collect();
            let mut roles = BTreeMap::new();
            for (role, level) in [("ADMIN", 3), ("Operator", 2), ("Viewer", 1)] {
                let p: Vec<Value> = perms
                    .iter()
                    .map(|(c, id)| json!({"category": c, "id": id, "level": level}))
                    .collect();
                roles.insert(role.to_owned(), p);
            }
            st.permissions.insert(app.to_owned(), list);
            st.roles.insert(app.to_owned(), roles);
        }
    }

    fn add_group_raw(&self, name: &str, display: &str, create_time: i64) -> i64 {
        let mut st = self.lock();
        let id = st.next("groups");
        st.groups.insert(
            id,
            Group {
                id,
                name: name.into(),
                display_name: display.into(),
                create_time,
            },
        );
        id
    }

    fn add_user_raw(
        &self,
        group_id: i64,
        name: &str,
        display: &str,
        password: &str,
        roles: &[(&str, &str)],
        create_time: i64,
    ) -> i64 {
        let group = {
            let mut st = self.lock();
            let id = st.next("users");
            st.users.insert(
                id,
                User {
                    id,
                    group_id,
                    name: name.into(),
                    display_name: display.into(),
                    password: password.into(),
                    department: String::new(),
                    mail: String::new(),
                    roles: roles
                        .iter()
                        .map(|(r, a)| ((*r).to_owned(), (*a).to_owned()))
                        .collect(),
                    create_time,
                    last_update_time: create_time,
                },
            );
            st.groups
                .get(&group_id)
                .map(|g| g.name.clone())
                .unwrap_or_default()
        };
        self.cas.add_user(&group, name, password);
        self.user_id(&group, name).unwrap_or(0)
    }

    fn load_builtin(&self) {
        let all_admin = [("ADMIN", APP_EMC), ("ADMIN", APP_ER), ("ADMIN", APP_EI)];
        let sys = self.add_group_raw(SEED_SYSTEM_GROUP, "Etu Nexus", 1_483_228_800_000);
        self.add_user_raw(
            sys,
            SEED_ADMIN,
            "Administrator",
            SEED_ADMIN_PASSWORD,
            &all_admin,
            1_483_228_800_000,
        );
        let ws = self.add_group_raw(SEED_GROUP, "Workshop Sample", 1_484_113_449_499);
        self.add_user_raw(
            ws,
            SEED_GROUP_ADMIN,
            "Workshop Admin",
            SEED_GROUP_ADMIN_PASSWORD,
            &all_admin,
            1_484_113_500_000,
        );
        self.add_user_raw(
            ws,
            SEED_USER,
            "Workshop User",
            SEED_USER_PASSWORD,
            &[("Operator", APP_EI), ("Viewer", APP_ER)],
            1_484_129_656_168,
        );
        let rt = self.add_group_raw(SEED_OTHER_GROUP, "Retail Sample", 1_484_200_000_000);
        self.add_user_raw(
            rt,
            SEED_OTHER_ADMIN,
            "Retail Admin",
            SEED_OTHER_ADMIN_PASSWORD,
            &all_admin,
            1_484_200_100_000,
        );
        let mut st = self.lock();
        for (gid, name, display, ct, ty) in [
            (
                ws,
                "ws_behavior",
                "Workshop behavior",
                "behavior",
                "EVENT_COLLECTOR",
            ),
            (ws, "ws_item", "Workshop items", "item", "IMPORTER"),
            (
                rt,
                "rt_behavior",
                "Retail behavior",
                "behavior",
                "EVENT_COLLECTOR",
            ),
        ] {
            let id = st.next("data_sources");
            let mut ds = json!({
                "id": id, "groupId": gid, "name": name, "displayName": display,
                "appIds": [APP_ER, APP_EI], "contentType": ct, "type": ty,
            });
            if ty == "EVENT_COLLECTOR" {
                ds["eventCollector"] = json!({"hostName": "*"});
            }
            if let Value::Object(m) = ds {
                st.data_sources.insert(id, m);
            }
            st.exporters
                .insert(id, emc::default_exporter(1_484_113_449_499));
        }
        st.gene_categories = ei::seed_gene_categories();
        for (gid, prefix) in [(ws, "ws"), (rt, "rt")] {
            let mut uids = BTreeMap::new();
            for i in 1..=10u32 {
                let mut genes = BTreeMap::new();
                genes.insert(
                    "gender".to_owned(),
                    if i % 2 == 0 { "female" } else { "male" }.to_owned(),
                );
                genes.insert("age".to_owned(), (18 + i * 4).to_string());
                genes.insert(
                    "city".to_owned(),
                    ["taipei", "hsinchu", "taichung"][(i % 3) as usize].to_owned(),
                );
                uids.insert(format!("{prefix}-u{i:02}"), genes);
            }
            st.uid_genes.insert(gid, uids);
        }
    }

    /// The seed object for this simulator served at `base_url`:
    /// `{"url","host","group","username","password","apps":[…],
    /// "workshop":{…},"retail":{…}}`; the top level is the system
    /// administrator, `host` is the `host[:port]` the reference takes as
    /// `cas_host` and `host` of each app.
    pub fn seed_json(&self, base_url: &str) -> Value {
        let host = base_url
            .split_once("://")
            .map(|(_, h)| h)
            .unwrap_or(base_url)
            .trim_end_matches('/');
        let st = self.lock();
        let id = |g: &str, u: &str| st.user_by_login(g, u).map(|u| u.id);
        let gid = |g: &str| st.group_by_name(g).map(|g| g.id);
        let apps: Vec<Value> = CasApp::defaults()
            .iter()
            .map(|a| {
                json!({
                    "name": a.name,
                    "service_url": format!("{base_url}{}", a.shiro_base),
                    "api_url": format!("{base_url}{}", a.api_base),
                })
            })
            .collect();
        let ds: Vec<Value> = st
            .data_sources
            .values()
            .filter(|d| d.get("groupId").and_then(Value::as_i64) == gid(SEED_GROUP))
            .map(|d| json!({"id": d["id"], "name": d["name"], "contentType": d["contentType"]}))
            .collect();
        json!({
            "url": base_url,
            "host": host,
            "group": SEED_SYSTEM_GROUP,
            "username": SEED_ADMIN,
            "password": SEED_ADMIN_PASSWORD,
            "group_id": gid(SEED_SYSTEM_GROUP),
            "user_id": id(SEED_SYSTEM_GROUP, SEED_ADMIN),
            "apps": apps,
            "workshop": {
                "group": SEED_GROUP,
                "group_id": gid(SEED_GROUP),
                "admin": {"username": SEED_GROUP_ADMIN, "password": SEED_GROUP_ADMIN_PASSWORD,
                          "user_id": id(SEED_GROUP, SEED_GROUP_ADMIN)},
                "user": {"username": SEED_USER, "password": SEED_USER_PASSWORD,
                         "user_id": id(SEED_GROUP, SEED_USER)},
                "data_sources": ds,
                "uids": st.uid_genes.get(&gid(SEED_GROUP).unwrap_or(0))
                    .map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default(),
            },
            "retail": {
                "group": SEED_OTHER_GROUP,
                "group_id": gid(SEED_OTHER_GROUP),
                "admin": {"username": SEED_OTHER_ADMIN, "password": SEED_OTHER_ADMIN_PASSWORD,
                          "user_id": id(SEED_OTHER_GROUP, SEED_OTHER_ADMIN)},
            },
        })
    }

    /// CAS (tickets and the three `shiro-cas` endpoints), EMC2, ER3, EI3,
    /// the uid-list downloads and `POST /_sim/etunexus/expire-sessions`, on
    /// one router.
    pub fn router(&self) -> Router {
        let apps = Router::new()
            .route(&format!("{EMC_BASE}/{{*rest}}"), any(handle_emc))
            .route(&format!("{ER_BASE}/{{*rest}}"), any(handle_er))
            .route(&format!("{EI_BASE}/{{*rest}}"), any(handle_ei))
            .route(&format!("{DOWNLOAD_BASE}/{{token}}"), get(download))
            .route("/_sim/etunexus/expire-sessions", post(expire))
            .with_state(self.clone());
        self.cas.router().merge(apps)
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default)]
    groups: Vec<SeedGroup>,
    #[serde(default)]
    users: Vec<SeedUser>,
    /// `[{"group", "count"}]`: [`EtunexusSim::add_bulk_users`], after the
    /// groups and users.
    #[serde(default)]
    bulk_users: Vec<SeedBulk>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBulk {
    group: String,
    count: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedGroup {
    name: String,
    #[serde(default)]
    display_name: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    group: String,
    username: String,
    password: String,
    #[serde(default)]
    display_name: String,
    /// `[{"roleName","appId"}]`.
    #[serde(default)]
    roles: Vec<SeedRole>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct SeedRole {
    role_name: String,
    app_id: String,
}

/// `POST /_sim/reset` and the `etunexus` section of a seed file:
/// `{"groups": [{"name", "display_name"?}], "users": [{"group", "username",
/// "password", "display_name"?, "roles"?: [{"roleName", "appId"}]}],
/// "bulk_users": [{"group", "count"}]}` (bulk users: `bulk-{i}`, no role,
/// no CAS account; for benchmarks).
impl crate::kit::SimControl for EtunexusSim {
    fn service(&self) -> &'static str {
        "etunexus"
    }

    fn reset(&self) {
        self.cas.clear();
        *self.lock() = State::default();
        self.load_catalogue();
        self.load_builtin();
    }

    fn load_seed(&self, section: &Value) -> Result<(), String> {
        let seed: Seed = crate::kit::parse_seed(section)?;
        {
            let st = self.lock();
            let mut groups: Vec<&str> = st.groups.values().map(|g| g.name.as_str()).collect();
            for (i, g) in seed.groups.iter().enumerate() {
                crate::kit::non_empty(&format!("groups[{i}].name"), &g.name)?;
                if g.name.contains('\\') {
                    return Err(format!("`groups[{i}].name` must not hold a backslash"));
                }
                if groups.contains(&g.name.as_str()) {
                    return Err(format!("`groups[{i}].name` already exists"));
                }
                groups.push(&g.name);
            }
            for (i, u) in seed.users.iter().enumerate() {
                if !groups.contains(&u.group.as_str()) {
                    return Err(format!("`users[{i}].group` is not a known group"));
                }
                crate::kit::non_empty(&format!("users[{i}].username"), &u.username)?;
                crate::kit::non_empty(&format!("users[{i}].password"), &u.password)?;
                if u.username.contains('\\') {
                    return Err(format!("`users[{i}].username` must not hold a backslash"));
                }
                for (j, r) in u.roles.iter().enumerate() {
                    if !ROLE_NAMES.contains(&r.role_name.as_str()) {
                        return Err(format!("`users[{i}].roles[{j}].roleName` is not a role"));
                    }
                    if !APP_IDS.contains(&r.app_id.as_str()) {
                        return Err(format!("`users[{i}].roles[{j}].appId` is not an app"));
                    }
                }
            }
            for (i, b) in seed.bulk_users.iter().enumerate() {
                if !groups.contains(&b.group.as_str()) {
                    return Err(format!("`bulk_users[{i}].group` is not a known group"));
                }
                if b.count > MAX_ITEMS_PER_GROUP {
                    return Err(format!(
                        "`bulk_users[{i}].count` is over the bound ({MAX_ITEMS_PER_GROUP} users per group)"
                    ));
                }
            }
        }
        for g in &seed.groups {
            let display = if g.display_name.is_empty() {
                &g.name
            } else {
                &g.display_name
            };
            self.add_group_raw(&g.name, display, now_ms());
        }
        for u in &seed.users {
            let Some(gid) = self.group_id(&u.group) else {
                continue;
            };
            let roles: Vec<(&str, &str)> = u
                .roles
                .iter()
                .map(|r| (r.role_name.as_str(), r.app_id.as_str()))
                .collect();
            let display = if u.display_name.is_empty() {
                &u.username
            } else {
                &u.display_name
            };
            self.add_user_raw(gid, &u.username, display, &u.password, &roles, now_ms());
        }
        for b in &seed.bulk_users {
            self.add_bulk_users(&b.group, b.count);
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ answers

/// An error answer: status and message (the body is built with the path).
#[derive(Debug)]
pub(crate) struct Fail(pub StatusCode, pub String);

pub(crate) type Answer = Result<Value, Fail>;

pub(crate) fn bad(msg: impl Into<String>) -> Fail {
    Fail(StatusCode::BAD_REQUEST, msg.into())
}

pub(crate) fn not_found(what: &str, id: impl std::fmt::Display) -> Fail {
    Fail(StatusCode::NOT_FOUND, format!("{what} {id} is not found"))
}

pub(crate) fn forbidden() -> Fail {
    Fail(
        StatusCode::FORBIDDEN,
        "Access is denied: no permission for this operation".into(),
    )
}

pub(crate) fn conflict(msg: impl Into<String>) -> Fail {
    Fail(StatusCode::CONFLICT, msg.into())
}

fn error_response(f: &Fail, path: &str) -> Response {
    let body = json!({
        "timestamp": now_ms(),
        "status": f.0.as_u16(),
        "error": f.0.canonical_reason().unwrap_or(""),
        "message": f.1,
        "path": path,
    });
    with_type(f.0, body.to_string(), "application/json;charset=UTF-8")
}

/// The signed-in user of a request, as the app sees it.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// The effective user (the impersonated one under EI su).
    pub user: User,
    /// The user who logged in.
    pub real: User,
    pub group_name: String,
    pub system_admin: bool,
    pub session_ids: Vec<String>,
}

impl Caller {
    pub(crate) fn login(&self) -> String {
        format!("{}\\{}", self.group_name, self.user.name)
    }

    /// The caller may read group `gid`'s data.
    pub(crate) fn check_group(&self, gid: i64) -> Result<(), Fail> {
        if self.system_admin || self.user.group_id == gid {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// The caller may change things in `app`: `ADMIN` or `Operator`.
    pub(crate) fn check_write(&self, app_id: &str) -> Result<(), Fail> {
        match self.user.role(app_id) {
            Some("ADMIN") | Some("Operator") => Ok(()),
            _ if self.system_admin => Ok(()),
            _ => Err(forbidden()),
        }
    }

    pub(crate) fn require_system_admin(&self) -> Result<(), Fail> {
        if self.system_admin {
            Ok(())
        } else {
            Err(forbidden())
        }
    }
}

/// A parsed request.
pub(crate) struct Req<'a> {
    pub method: Method,
    pub segs: Vec<String>,
    pub query: HashMap<String, String>,
    pub body: &'a [u8],
    /// Multipart parts: (name, file name, bytes).
    pub parts: Vec<(String, Option<String>, Bytes)>,
}

impl Req<'_> {
    /// The JSON body as an object.
    pub(crate) fn object(&self) -> Result<Map<String, Value>, Fail> {
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(bad("The request body must be a JSON object")),
            Err(e) => Err(bad(format!("JSON parse error: {e}"))),
        }
    }

    /// The form body (EI band categories).
    pub(crate) fn form(&self) -> HashMap<String, String> {
        crate::kit::form_map(self.body)
    }

    /// A multipart text part.
    pub(crate) fn part(&self, name: &str) -> Option<String> {
        self.parts
            .iter()
            .find(|(n, f, _)| n == name && f.is_none())
            .map(|(_, _, b)| String::from_utf8_lossy(b).into_owned())
    }

    /// The multipart file part (`file`), if it has content.
    pub(crate) fn file(&self) -> Option<&Bytes> {
        self.parts
            .iter()
            .find(|(n, f, b)| n == "file" && f.is_some() && !b.is_empty())
            .map(|(_, _, b)| b)
    }

    pub(crate) fn q(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }
}

/// A path id: decimal, positive.
pub(crate) fn path_id(s: &str, what: &str) -> Result<i64, Fail> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| bad(format!("Invalid {what} id: {s}")))
}

/// A non-empty string field of at most [`MAX_TEXT`] characters.
pub(crate) fn req_text(m: &Map<String, Value>, key: &str) -> Result<String, Fail> {
    match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= MAX_TEXT => Ok(s.clone()),
        Some(Value::String(s)) if !s.is_empty() => Err(bad(format!("{key} is too long"))),
        _ => Err(bad(format!("{key} is required"))),
    }
}

/// An optional string field (`None` when absent or null).
pub(crate) fn opt_text(m: &Map<String, Value>, key: &str) -> Result<Option<String>, Fail> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(bad(format!("{key} is too long"))),
        Some(_) => Err(bad(format!("{key} must be a string"))),
    }
}

/// Decode a path segment leniently (the reference sends ids raw).
fn decode(seg: &str) -> String {
    percent_decode(seg)
}

pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query as a map; values are taken raw except for percent escapes
/// (no `+` → space: the reference never encodes, so `+` is literal).
fn query_map(q: Option<&str>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        map.entry(percent_decode(k))
            .or_insert_with(|| percent_decode(v));
    }
    map
}

fn cookie_header(headers: &HeaderMap) -> String {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

fn session_ids(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .filter_map(|part| {
            let (name, value) = part.trim().split_once('=')?;
            (name.trim() == "JSESSIONID").then(|| value.trim().trim_matches('"').to_owned())
        })
        .collect()
}

impl EtunexusSim {
    /// The caller of a request to `app`, or `None` without a live session
    /// (or when the session's user is gone or has no role on the app).
    fn caller(&self, app: App, headers: &HeaderMap) -> Result<Caller, bool> {
        let cookie = cookie_header(headers);
        let Some(login) = self.cas.session_user(app.cas_name(), &cookie) else {
            return Err(false);
        };
        let (group, name) = login.split_once('\\').unwrap_or(("", login.as_str()));
        let st = self.lock();
        let Some(real) = st.user_by_login(group, name).cloned() else {
            return Err(false);
        };
        let ids = session_ids(&cookie);
        let mut user = real.clone();
        if app == App::Ei {
            if let Some(su) = ids.iter().find_map(|id| st.su.get(id)) {
                if let Some(u) = st.users.get(su) {
                    user = u.clone();
                }
            }
        }
        let system_admin = real.group_id == 1
            && st
                .groups
                .get(&1)
                .is_some_and(|g| g.name == SEED_SYSTEM_GROUP)
            && real.role(APP_EMC) == Some("ADMIN");
        let group_name = st
            .groups
            .get(&user.group_id)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        if real.role(app.app_id()).is_none() && !system_admin {
            return Err(true);
        }
        Ok(Caller {
            user,
            real,
            group_name,
            system_admin,
            session_ids: ids,
        })
    }

    async fn handle(
        &self,
        app: App,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let path = uri.path().to_owned();
        let caller = match self.caller(app, &headers) {
            Ok(c) => c,
            Err(false) => return self.cas.login_redirect(app.cas_name(), &headers),
            Err(true) => return error_response(&forbidden(), &path),
        };
        let rest = path.strip_prefix(app.base()).unwrap_or("");
        let segs: Vec<String> = rest
            .trim_start_matches('/')
            .split('/')
            .map(decode)
            .collect();
        let parts = match multipart_parts(&headers, &body).await {
            Ok(p) => p,
            Err(f) => return error_response(&f, &path),
        };
        let req = Req {
            method,
            segs,
            query: query_map(uri.query()),
            body: &body,
            parts,
        };
        let outcome = {
            let mut st = self.lock();
            match app {
                App::Emc => emc::dispatch(&mut st, &self.cas, &caller, &req),
                App::Er => er::dispatch(&mut st, &caller, &req),
                App::Ei => ei::dispatch(&mut st, &caller, &req),
            }
        };
        match outcome {
            Ok(v) => {
                let v = if app == App::Ei {
                    json!({ "data": v })
                } else {
                    v
                };
                with_type(
                    StatusCode::OK,
                    v.to_string(),
                    "application/json;charset=UTF-8",
                )
            }
            Err(f) => error_response(&f, &path),
        }
    }
}

/// The parts of a `multipart/form-data` body (none for other types).
async fn multipart_parts(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, Option<String>, Bytes)>, Fail> {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(Vec::new());
    };
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Ok(Vec::new());
    }
    let boundary = multer::parse_boundary(ct).map_err(|e| bad(format!("Bad multipart: {e}")))?;
    let data = body.clone();
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(data) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                let file = field.file_name().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| bad(format!("Bad multipart: {e}")))?;
                out.push((name, file, bytes));
            }
            Ok(None) => break,
            Err(e) => return Err(bad(format!("Bad multipart: {e}"))),
        }
    }
    Ok(out)
}

async fn handle_emc(
    AxState(sim): AxState<EtunexusSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.handle(App::Emc, method, uri, headers, body).await
}

async fn handle_er(
    AxState(sim): AxState<EtunexusSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.handle(App::Er, method, uri, headers, body).await
}

async fn handle_ei(
    AxState(sim): AxState<EtunexusSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.handle(App::Ei, method, uri, headers, body).await
}

async fn download(
    AxState(sim): AxState<EtunexusSim>,
    AxPath(token): AxPath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let caller = match sim.caller(App::Ei, &headers) {
        Ok(c) => c,
        Err(false) => return sim.cas.login_redirect("ei", &headers),
        Err(true) => return error_response(&forbidden(), uri.path()),
    };
    let found = sim.lock().downloads.get(&token).cloned();
    match found {
        Some((owner, csv)) if owner == caller.user.id || caller.system_admin => {
            let mut resp = with_type(StatusCode::OK, csv, "text/csv;charset=UTF-8");
            if let Ok(v) = HeaderValue::from_str("attachment; filename=\"uidlist.csv\"") {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Some(_) => error_response(&forbidden(), uri.path()),
        None => error_response(&not_found("Download", &token), uri.path()),
    }
}

async fn expire(AxState(sim): AxState<EtunexusSim>) -> Response {
    sim.expire_sessions();
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

/// `405` for a known path with another method.
pub(crate) fn method_not_allowed() -> Fail {
    Fail(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request method not supported".into(),
    )
}

/// `404` for an unknown path.
pub(crate) fn no_route() -> Fail {
    Fail(StatusCode::NOT_FOUND, "No message available".into())
}

/// A JSON integer field.
pub(crate) fn int_field(m: &Map<String, Value>, key: &str) -> Option<i64> {
    m.get(key).and_then(Value::as_i64)
}

/// The CSV rows (header, then records) of an upload, or a `400`.
pub(crate) fn csv_with_uid(file: Option<&Bytes>) -> Result<(Vec<String>, Vec<Vec<String>>), Fail> {
    let Some(file) = file else {
        return Err(bad("file is required"));
    };
    let text = std::str::from_utf8(file).map_err(|_| bad("The file must be UTF-8 CSV"))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    if !header.iter().any(|h| h == "uid") {
        return Err(bad("The CSV file must have a uid column"));
    }
    let rows = lines
        .map(|l| l.split(',').map(|s| s.trim().to_owned()).collect())
        .collect();
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::SimControl;

    #[test]
    fn a_seed_file_adds_bulk_users_to_a_new_group() {
        let sim = EtunexusSim::seeded();
        let before = sim.count("users");
        sim.load_seed(&json!({
            "groups": [{"name": "bench"}],
            "bulk_users": [{"group": "bench", "count": 10_000}],
        }))
        .unwrap();
        let mut names = sim.user_names("bench");
        assert_eq!(names.len(), 10_000);
        assert_eq!(sim.count("users"), before + 10_000);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 10_000, "names are unique");
        assert!(names.contains(&"bulk-0".to_owned()) && names.contains(&"bulk-9999".to_owned()));
        // The other groups are untouched; bulk users have no role.
        assert_eq!(sim.user_names(SEED_GROUP).len(), 2);
        assert_eq!(sim.user_roles("bench", "bulk-7"), Some(Vec::new()));

        // More of them continue the names instead of repeating them.
        assert_eq!(sim.add_bulk_users("bench", 3), 3);
        let mut names = sim.user_names("bench");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 10_003);
        assert!(names.contains(&"bulk-10002".to_owned()));
        assert_eq!(sim.add_bulk_users("nowhere", 3), 0);
    }

    #[test]
    fn bad_bulk_sections_are_refused_naming_the_field() {
        let sim = EtunexusSim::seeded();
        let before = sim.count("users");
        let e = sim
            .load_seed(&json!({"bulk_users": [{"group": "nowhere", "count": 1}]}))
            .unwrap_err();
        assert!(e.contains("bulk_users[0].group"), "{e}");
        let e = sim
            .load_seed(
                &json!({"bulk_users": [{"group": SEED_GROUP, "count": MAX_ITEMS_PER_GROUP + 1}]}),
            )
            .unwrap_err();
        assert!(e.contains("bulk_users[0].count"), "{e}");
        let e = sim
            .load_seed(&json!({"bulk_users": [{"group": SEED_GROUP}]}))
            .unwrap_err();
        assert!(e.contains("count"), "{e}");
        assert_eq!(sim.count("users"), before, "nothing was added");
    }
}
