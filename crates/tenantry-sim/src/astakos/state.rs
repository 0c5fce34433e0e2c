//! The simulator's data model and rules (quotaholder, projects,
//! applications, memberships). Every operation returns the JSON answer or
//! a [`Fault`] shaped like the real server's.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use http::StatusCode;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::{
    Commission, CommissionState, Feedback, Provision, ADMIN_TOKEN, ADMIN_UUID, ALICE_TOKEN,
    ALICE_UUID, BOB_TOKEN, BOB_UUID, CAROL_TOKEN, CAROL_UUID, CYCLADES_TOKEN, ERESEARCH_ID,
    OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET, OAUTH2_REDIRECT_URI, PITHOS_TOKEN, TEACHING_ID,
};
use crate::kit::random_token;

const GIB: i64 = 1 << 30;

/// An error answer: a status and a JSON body (or an empty body).
#[derive(Debug)]
pub(super) struct Fault {
    pub status: StatusCode,
    pub body: Option<Value>,
}

fn fault_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "notAllowed",
        409 => "conflict",
        411 => "lengthRequired",
        413 => "overLimit",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "internalServerError",
    }
}

impl Fault {
    /// A generic `{"<name>": {"code","message","details"}}` fault.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Fault {
        let message = message.into();
        Fault {
            status,
            body: Some(json!({fault_name(status): {
                "code": status.as_u16(), "message": message, "details": ""}})),
        }
    }
    /// A quotaholder fault (no `details`, optional `data`).
    pub fn custom(status: StatusCode, message: impl Into<String>, data: Option<Value>) -> Fault {
        let mut inner = json!({"code": status.as_u16(), "message": message.into()});
        if let Some(d) = data {
            inner["data"] = d;
        }
        Fault {
            status,
            body: Some(json!({ fault_name(status): inner })),
        }
    }
    /// A status with an empty body.
    pub fn empty(status: StatusCode) -> Fault {
        Fault { status, body: None }
    }
    pub fn bad_request(m: impl Into<String>) -> Fault {
        Fault::new(StatusCode::BAD_REQUEST, m)
    }
    pub fn forbidden(m: impl Into<String>) -> Fault {
        Fault::new(StatusCode::FORBIDDEN, m)
    }
    pub fn not_found(m: impl Into<String>) -> Fault {
        Fault::new(StatusCode::NOT_FOUND, m)
    }
    pub fn conflict(m: impl Into<String>) -> Fault {
        Fault::new(StatusCode::CONFLICT, m)
    }
}

pub(super) type Answer = Result<Value, Fault>;

pub(super) fn now_iso() -> String {
    iso(SystemTime::now())
}

pub(super) fn iso(t: SystemTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]+00:00"
    );
    OffsetDateTime::from(t).format(&fmt).unwrap_or_default()
}

#[derive(Clone, Debug)]
pub(super) struct User {
    pub uuid: String,
    pub email: String,
    pub realname: String,
    pub token: String,
    pub admin: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Component {
    pub name: String,
    pub token: String,
}

#[derive(Clone, Debug)]
pub(super) struct Resource {
    pub name: String,
    /// Empty: no unit (`null` on the wire).
    pub unit: String,
    pub description: String,
    pub base_default: i64,
    /// The registering service (`service_origin`, shown as `service`).
    pub service: String,
    /// `api_visible`: shown by `/resources`, `/quotas` and project
    /// resources, and allowed in applications.
    pub api_visible: bool,
}

impl Resource {
    pub fn component(&self) -> &str {
        self.name.split('.').next().unwrap_or_default()
    }
}

/// The service a resource is registered by (`service_origin`), as the
/// 0.19 components' `services.py` declare them.
fn service_origin(name: &str) -> String {
    let component = name.split('.').next().unwrap_or_default();
    match component {
        "astakos" => "astakos_account".to_owned(),
        "pithos" => "pithos_object-store".to_owned(),
        "cyclades" if name.starts_with("cyclades.network.") || name == "cyclades.floating_ip" => {
            "cyclades_network".to_owned()
        }
        "cyclades" => "cyclades_compute".to_owned(),
        other => other.to_owned(),
    }
}

/// Resources registered with `api_visible: False` in 0.19.
fn api_visible(name: &str) -> bool {
    !matches!(
        name,
        "astakos.pending_app" | "cyclades.total_cpu" | "cyclades.total_ram"
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ProjectState {
    Uninitialized,
    Active,
    Suspended,
    Terminated,
    Deleted,
}

impl ProjectState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectState::Uninitialized => "uninitialized",
            ProjectState::Active => "active",
            ProjectState::Suspended => "suspended",
            ProjectState::Terminated => "terminated",
            ProjectState::Deleted => "deleted",
        }
    }
    fn parse(s: &str) -> Option<ProjectState> {
        Some(match s {
            "uninitialized" => ProjectState::Uninitialized,
            "active" => ProjectState::Active,
            "suspended" => ProjectState::Suspended,
            "terminated" => ProjectState::Terminated,
            "deleted" => ProjectState::Deleted,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AppState {
    Pending,
    Approved,
    Replaced,
    Denied,
    Dismissed,
    Cancelled,
}

impl AppState {
    /// `APPLICATION_STATE_DISPLAY`, as conflict messages show it.
    fn display(self) -> &'static str {
        match self {
            AppState::Pending => "Pending review",
            AppState::Approved => "Approved",
            AppState::Replaced => "Replaced",
            AppState::Denied => "Denied",
            AppState::Dismissed => "Dismissed",
            AppState::Cancelled => "Cancelled",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            AppState::Pending => "pending",
            AppState::Approved => "approved",
            AppState::Replaced => "replaced",
            AppState::Denied => "denied",
            AppState::Dismissed => "dismissed",
            AppState::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MembershipState {
    Requested,
    Accepted,
    LeaveRequested,
    Rejected,
    Cancelled,
    Removed,
}

impl MembershipState {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipState::Requested => "requested",
            MembershipState::Accepted => "accepted",
            MembershipState::LeaveRequested => "leave_requested",
            MembershipState::Rejected => "rejected",
            MembershipState::Cancelled => "cancelled",
            MembershipState::Removed => "removed",
        }
    }
    fn is_active(self) -> bool {
        matches!(
            self,
            MembershipState::Accepted | MembershipState::LeaveRequested
        )
    }
}

/// The fields an application proposes (and an approved project carries).
#[derive(Clone, Debug)]
pub(super) struct Spec {
    pub name: String,
    pub owner: String,
    pub homepage: String,
    pub description: String,
    pub comments: String,
    pub start_date: Option<String>,
    pub end_date: String,
    pub join_policy: String,
    pub leave_policy: String,
    pub max_members: Option<i64>,
    pub private: bool,
    /// resource → (member_capacity, project_capacity).
    pub resources: BTreeMap<String, (i64, i64)>,
}

#[derive(Clone, Debug)]
pub(super) struct Project {
    pub id: String,
    pub state: ProjectState,
    pub is_base: bool,
    pub spec: Spec,
    pub creation_date: String,
    pub deactivation_date: Option<String>,
    pub last_app: Option<u64>,
}

#[derive(Clone, Debug)]
pub(super) struct Application {
    pub id: u64,
    pub project: String,
    pub state: AppState,
    pub applicant: String,
    /// The project's spec once this application is approved.
    pub spec: Spec,
    /// The fields the application named (the others show as `null`).
    pub given: Vec<&'static str>,
    /// The resources it asked for.
    pub grants: BTreeMap<String, (i64, i64)>,
}

#[derive(Clone, Debug)]
pub(super) struct Membership {
    pub id: u64,
    pub user: String,
    pub project: String,
    pub state: MembershipState,
    pub log: Vec<(String, String)>,
}

impl Membership {
    fn set(&mut self, state: MembershipState) {
        self.state = state;
        self.log.push((state.as_str().to_owned(), now_iso()));
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Holding {
    pub limit: i64,
    pub usage_min: i64,
    pub usage_max: i64,
}

pub(super) type HoldingKey = (String, Option<String>, String);

#[derive(Clone, Debug)]
pub(super) struct OAuthClient {
    pub id: String,
    pub secret: String,
    pub redirect_uri: String,
}

#[derive(Clone, Debug)]
pub(super) struct AuthCode {
    pub user: String,
    pub client: String,
    pub redirect_uri: String,
    pub scope: String,
}

#[derive(Clone, Debug)]
pub(super) struct AccessToken {
    pub user: String,
    pub scope: String,
    pub expires: SystemTime,
}

/// Who called, from `X-Auth-Token`.
#[derive(Clone, Debug)]
pub(super) enum Caller {
    User(User),
    Service(String),
}

#[derive(Debug)]
pub(super) struct State {
    pub users: Vec<User>,
    pub components: Vec<Component>,
    pub resources: Vec<Resource>,
    pub projects: Vec<Project>,
    pub applications: BTreeMap<u64, Application>,
    pub memberships: Vec<Membership>,
    pub holdings: BTreeMap<HoldingKey, Holding>,
    pub overrides: BTreeMap<HoldingKey, i64>,
    pub commissions: BTreeMap<u64, Commission>,
    pub issue_times: HashMap<u64, String>,
    pub feedback: Vec<Feedback>,
    pub oauth_clients: Vec<OAuthClient>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub token_expires: String,
    next_serial: u64,
    next_app: u64,
    next_membership: u64,
}

/// A JSON integer exactly (Python ints are unbounded; serde_json reads
/// up to u64/i64). Floats and everything else are not integers.
fn wire_i128(v: &Value) -> Option<i128> {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
}

/// An exact integer back on the wire (beyond 64 bits, which only a sum of
/// wire quantities reaches, as the nearest float).
fn wire_int(q: i128) -> Value {
    if let Ok(v) = i64::try_from(q) {
        json!(v)
    } else if let Ok(v) = u64::try_from(q) {
        json!(v)
    } else {
        #[allow(clippy::cast_precision_loss)]
        let f = q as f64;
        json!(f)
    }
}

/// Python 2's `repr` of a decoded JSON value, as the quotaholder's
/// messages show holding keys (`u'user:…'`, `None`, `5`, `True`).
fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            // Single quotes unless the text has one and no double quote.
            let q = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = format!("u{q}");
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == q => {
                        out.push('\\');
                        out.push(c);
                    }
                    ' '..='~' => out.push(c),
                    c if u32::from(c) <= 0xff => out.push_str(&format!("\\x{:02x}", u32::from(c))),
                    c if u32::from(c) <= 0xffff => {
                        out.push_str(&format!("\\u{:04x}", u32::from(c)))
                    }
                    c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
                }
            }
            out.push(q);
            out
        }
        other => other.to_string(),
    }
}

/// What the real server answers when a holding's new value does not fit
/// its bigint column: the database refuses the write, the transaction is
/// rolled back (nothing changes) and `api_method` answers 500.
fn out_of_range(key: &HoldingKey) -> Fault {
    let mut f = Fault::new(StatusCode::INTERNAL_SERVER_ERROR, "Unexpected error");
    if let Some(body) = f.body.as_mut() {
        body["internalServerError"]["details"] = json!(format!(
            "bigint out of range for holding ({}, {}, {})",
            key.0,
            key.1.as_deref().unwrap_or("None"),
            key.2
        ));
    }
    f
}

/// `usage_max - usage_min`, exactly (both are bigints; the difference of
/// two can exceed one, so it goes on the wire through [`wire_int`]).
pub(super) fn pending(h: &Holding) -> Value {
    wire_int(i128::from(h.usage_max) - i128::from(h.usage_min))
}

fn holder_user(uuid: &str) -> String {
    format!("user:{uuid}")
}

fn holder_project(id: &str) -> String {
    format!("project:{id}")
}

impl State {
    pub fn new() -> State {
        let mut st = State {
            users: Vec::new(),
            components: Vec::new(),
            resources: Vec::new(),
            projects: Vec::new(),
            applications: BTreeMap::new(),
            memberships: Vec::new(),
            holdings: BTreeMap::new(),
            overrides: BTreeMap::new(),
            commissions: BTreeMap::new(),
            issue_times: HashMap::new(),
            feedback: Vec::new(),
            oauth_clients: vec![OAuthClient {
                id: OAUTH2_CLIENT_ID.to_owned(),
                secret: OAUTH2_CLIENT_SECRET.to_owned(),
                redirect_uri: OAUTH2_REDIRECT_URI.to_owned(),
            }],
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            token_expires: iso(SystemTime::now() + Duration::from_secs(30 * 24 * 3600)),
            next_serial: 1,
            next_app: 1,
            next_membership: 1,
        };
        st.add_component("astakos", "");
        st.add_component("cyclades", CYCLADES_TOKEN);
        st.add_component("pithos", PITHOS_TOKEN);
        let res: [(&str, &str, &str, i64); 10] = [
            (
                "astakos.pending_app",
                "",
                "Number of pending project applications",
                2,
            ),
            ("cyclades.vm", "", "Number of virtual machines", 2),
            (
                "cyclades.cpu",
                "",
                "Number of virtual machine processors of running servers",
                8,
            ),
            (
                "cyclades.ram",
                "bytes",
                "Virtual machine memory size of running servers",
                8 * GIB,
            ),
            // Registered by Cyclades 0.19 with api_visible False: only the
            // service quota calls show them.
            (
                "cyclades.total_cpu",
                "",
                "Number of virtual machine processors",
                8,
            ),
            (
                "cyclades.total_ram",
                "bytes",
                "Virtual machine memory size",
                8 * GIB,
            ),
            (
                "cyclades.disk",
                "bytes",
                "Virtual machine disk size",
                40 * GIB,
            ),
            (
                "cyclades.floating_ip",
                "",
                "Number of Floating IP addresses",
                1,
            ),
            (
                "cyclades.network.private",
                "",
                "Number of private networks",
                2,
            ),
            (
                "pithos.diskspace",
                "bytes",
                "Pithos account diskspace",
                20 * GIB,
            ),
        ];
        for (name, unit, desc, dflt) in res {
            st.add_resource(name, unit, desc, dflt);
        }
        st
    }

    pub fn seed(&mut self) {
        self.add_user(
            ALICE_UUID,
            "alice@example.org",
            "Alice Liddell",
            ALICE_TOKEN,
            false,
        );
        self.add_user(BOB_UUID, "bob@example.org", "Bob Builder", BOB_TOKEN, false);
        self.add_user(
            CAROL_UUID,
            "carol@example.org",
            "Carol Danvers",
            CAROL_TOKEN,
            false,
        );
        self.add_user(
            ADMIN_UUID,
            "admin@example.org",
            "Astakos Admin",
            ADMIN_TOKEN,
            true,
        );
        let mut res = BTreeMap::new();
        res.insert("cyclades.vm".to_owned(), (5, 20));
        res.insert("cyclades.cpu".to_owned(), (16, 64));
        res.insert("cyclades.ram".to_owned(), (16 * GIB, 64 * GIB));
        res.insert("cyclades.disk".to_owned(), (100 * GIB, 400 * GIB));
        res.insert("pithos.diskspace".to_owned(), (50 * GIB, 200 * GIB));
        self.seed_project(
            ERESEARCH_ID,
            Spec {
                name: "eresearch".to_owned(),
                owner: ALICE_UUID.to_owned(),
                homepage: "https://eresearch.example.org".to_owned(),
                description: "Research computing for the e-research group".to_owned(),
                comments: String::new(),
                start_date: Some("2024-01-01T00:00:00+00:00".to_owned()),
                end_date: "2030-12-31T00:00:00+00:00".to_owned(),
                join_policy: "moderated".to_owned(),
                leave_policy: "auto".to_owned(),
                max_members: Some(10),
                private: false,
                resources: res,
            },
            &[
                (ALICE_UUID, MembershipState::Accepted),
                (BOB_UUID, MembershipState::Accepted),
                (CAROL_UUID, MembershipState::Requested),
            ],
        );
        let mut res = BTreeMap::new();
        res.insert("cyclades.vm".to_owned(), (1, 30));
        res.insert("cyclades.cpu".to_owned(), (2, 60));
        res.insert("cyclades.ram".to_owned(), (2 * GIB, 60 * GIB));
        res.insert("pithos.diskspace".to_owned(), (5 * GIB, 100 * GIB));
        self.seed_project(
            TEACHING_ID,
            Spec {
                name: "teaching".to_owned(),
                owner: BOB_UUID.to_owned(),
                homepage: String::new(),
                description: "Lab machines for the teaching semester".to_owned(),
                comments: String::new(),
                start_date: None,
                end_date: "2029-06-30T00:00:00+00:00".to_owned(),
                join_policy: "auto".to_owned(),
                leave_policy: "moderated".to_owned(),
                max_members: Some(30),
                private: false,
                resources: res,
            },
            &[(BOB_UUID, MembershipState::Accepted)],
        );
        self.sync_holdings();
        // Some existing usage in Alice's base project (user and project
        // holdings move together, as Cyclades commits them).
        let src = holder_project(ALICE_UUID);
        for (res, q) in [
            ("cyclades.vm", 1),
            ("cyclades.cpu", 1),
            ("cyclades.total_cpu", 1),
            ("cyclades.ram", GIB),
            ("cyclades.total_ram", GIB),
            ("cyclades.disk", 10 * GIB),
        ] {
            for key in [
                (holder_user(ALICE_UUID), Some(src.clone()), res.to_owned()),
                (src.clone(), None, res.to_owned()),
            ] {
                if let Some(h) = self.holdings.get_mut(&key) {
                    h.usage_min += q;
                    h.usage_max += q;
                }
            }
        }
    }

    fn seed_project(&mut self, id: &str, spec: Spec, members: &[(&str, MembershipState)]) {
        let app_id = self.next_app;
        self.next_app += 1;
        let date = now_iso();
        self.applications.insert(
            app_id,
            Application {
                id: app_id,
                project: id.to_owned(),
                state: AppState::Approved,
                applicant: spec.owner.clone(),
                spec: spec.clone(),
                given: vec![
                    "owner",
                    "name",
                    "homepage",
                    "description",
                    "start_date",
                    "end_date",
                    "comments",
                    "join_policy",
                    "leave_policy",
                    "max_members",
                    "private",
                ],
                grants: spec.resources.clone(),
            },
        );
        self.projects.push(Project {
            id: id.to_owned(),
            state: ProjectState::Active,
            is_base: false,
            spec,
            creation_date: date,
            deactivation_date: None,
            last_app: Some(app_id),
        });
        for (user, state) in members {
            self.new_membership(user, id, &[MembershipState::Requested, *state]);
        }
    }

    fn new_membership(&mut self, user: &str, project: &str, states: &[MembershipState]) -> u64 {
        let id = self.next_membership;
        self.next_membership += 1;
        let mut m = Membership {
            id,
            user: user.to_owned(),
            project: project.to_owned(),
            state: MembershipState::Requested,
            log: Vec::new(),
        };
        for s in states {
            if m.log.last().map(|(n, _)| n.as_str()) != Some(s.as_str()) {
                m.set(*s);
            }
        }
        self.memberships.push(m);
        id
    }

    pub fn add_component(&mut self, name: &str, token: &str) {
        self.components.retain(|c| c.name != name);
        self.components.push(Component {
            name: name.to_owned(),
            token: token.to_owned(),
        });
    }

    pub fn add_resource(&mut self, name: &str, unit: &str, description: &str, base_default: i64) {
        self.resources.retain(|r| r.name != name);
        self.resources.push(Resource {
            name: name.to_owned(),
            unit: unit.to_owned(),
            description: description.to_owned(),
            base_default,
            service: service_origin(name),
            api_visible: api_visible(name),
        });
    }

    pub fn add_user(&mut self, uuid: &str, email: &str, realname: &str, token: &str, admin: bool) {
        self.users.retain(|u| u.uuid != uuid);
        self.users.push(User {
            uuid: uuid.to_owned(),
            email: email.to_owned(),
            realname: realname.to_owned(),
            token: token.to_owned(),
            admin,
        });
        if !self.projects.iter().any(|p| p.id == uuid) {
            self.projects.push(Project {
                id: uuid.to_owned(),
                state: ProjectState::Active,
                is_base: true,
                spec: Spec {
                    name: format!("system:{uuid}"),
                    owner: uuid.to_owned(),
                    homepage: String::new(),
                    description: format!("system project for user {email}"),
                    comments: String::new(),
                    start_date: None,
                    end_date: "2199-12-31T00:00:00+00:00".to_owned(),
                    join_policy: "closed".to_owned(),
                    leave_policy: "closed".to_owned(),
                    max_members: Some(1),
                    private: true,
                    resources: BTreeMap::new(),
                },
                creation_date: now_iso(),
                deactivation_date: None,
                last_app: None,
            });
            self.new_membership(uuid, uuid, &[MembershipState::Accepted]);
        }
        self.sync_holdings();
    }

    /// Resolve `X-Auth-Token`.
    pub fn caller(&self, token: &str) -> Option<Caller> {
        if token.is_empty() {
            return None;
        }
        if let Some(u) = self.users.iter().find(|u| u.token == token) {
            return Some(Caller::User(u.clone()));
        }
        self.components
            .iter()
            .find(|c| !c.token.is_empty() && c.token == token)
            .map(|c| Caller::Service(c.name.clone()))
    }

    pub fn user(&self, uuid: &str) -> Option<&User> {
        self.users.iter().find(|u| u.uuid == uuid)
    }

    fn project_idx(&self, id: &str) -> Option<usize> {
        self.projects.iter().position(|p| p.id == id)
    }

    fn capacities(&self, p: &Project, resource: &Resource) -> (i64, i64) {
        if p.is_base {
            (resource.base_default, resource.base_default)
        } else {
            // The skeleton an approved project is filled from: a resource
            // the application did not name gets its `project_default`, 0
            // for an API-visible resource and PRACTICALLY_INFINITE for the
            // others (`register.add_resource`).
            let default = if resource.api_visible {
                0
            } else {
                PRACTICALLY_INFINITE
            };
            p.spec
                .resources
                .get(&resource.name)
                .copied()
                .unwrap_or((default, default))
        }
    }

    /// Recompute every holding's limit from projects and memberships
    /// (holdings are created on first need and never deleted).
    pub fn sync_holdings(&mut self) {
        let mut limits: BTreeMap<HoldingKey, i64> = BTreeMap::new();
        for p in &self.projects {
            if matches!(p.state, ProjectState::Uninitialized | ProjectState::Deleted) {
                continue;
            }
            let active = p.state == ProjectState::Active;
            let src = holder_project(&p.id);
            for r in &self.resources {
                let (_, project) = self.capacities(p, r);
                limits.insert(
                    (src.clone(), None, r.name.clone()),
                    if active { project } else { 0 },
                );
            }
            for m in self.memberships.iter().filter(|m| m.project == p.id) {
                let on = active && m.state.is_active();
                for r in &self.resources {
                    let key = (holder_user(&m.user), Some(src.clone()), r.name.clone());
                    if !on && !self.holdings.contains_key(&key) {
                        continue;
                    }
                    let (member, _) = self.capacities(p, r);
                    limits.insert(key, if on { member } else { 0 });
                }
            }
        }
        for (k, v) in &self.overrides {
            limits.insert(k.clone(), *v);
        }
        for (k, limit) in limits {
            self.holdings.entry(k).or_default().limit = limit;
        }
    }

    fn leaf(&self, user: &str, project: &str, resource: &str) -> Value {
        let src = holder_project(project);
        let u = self
            .holdings
            .get(&(holder_user(user), Some(src.clone()), resource.to_owned()))
            .copied()
            .unwrap_or_default();
        let p = self
            .holdings
            .get(&(src, None, resource.to_owned()))
            .copied()
            .unwrap_or_default();
        json!({
            "limit": u.limit, "usage": u.usage_max, "pending": pending(&u),
            "project_limit": p.limit, "project_usage": p.usage_max,
            "project_pending": pending(&p),
        })
    }

    // ---------------------------------------------------------------- identity

    pub fn catalog_user_projects(&self, uuid: &str) -> Vec<String> {
        self.memberships
            .iter()
            .filter(|m| m.user == uuid && m.state.is_active())
            .map(|m| m.project.clone())
            .collect()
    }

    pub fn issue_code(
        &mut self,
        user: &str,
        client: &str,
        redirect_uri: &str,
        scope: &str,
    ) -> String {
        let code = random_token(32);
        self.codes.insert(
            code.clone(),
            AuthCode {
                user: user.to_owned(),
                client: client.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                scope: scope.to_owned(),
            },
        );
        code
    }

    // ---------------------------------------------------------------- catalogs

    /// `get_uuid_displayname_catalogs` (`POST user_catalogs`, and the
    /// service variant where `uuids: null` means every user).
    pub fn user_catalogs(&self, raw: &[u8], service: bool) -> Answer {
        let Ok(body) = serde_json::from_slice::<Value>(raw) else {
            return Err(Fault::bad_request("Request body should be json formatted."));
        };
        let Some(obj) = body.as_object() else {
            return Err(Fault::bad_request(
                "Request body should be a json formatted dictionary",
            ));
        };
        let uuids: Option<Vec<&str>> = match obj.get("uuids") {
            None => Some(Vec::new()),
            Some(Value::Null) => (!service).then(Vec::new),
            Some(Value::Array(a)) => Some(a.iter().filter_map(Value::as_str).collect()),
            Some(_) => Some(Vec::new()),
        };
        // Checked before the `None` default applies: `null` is refused for
        // users and services alike.
        let names = match obj.get("displaynames") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str().ok_or_else(|| {
                        Fault::bad_request("Items in 'displaynames' must be strings")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(Value::Null) => return Err(Fault::bad_request("Invalid displaynames: None")),
            Some(other) => {
                return Err(Fault::bad_request(format!("Invalid displaynames: {other}")))
            }
        };
        let mut uc = Map::new();
        for u in &self.users {
            if uuids.as_ref().is_none_or(|l| l.contains(&u.uuid.as_str())) {
                uc.insert(u.uuid.clone(), json!(u.email));
            }
        }
        // `displayname_catalog`: matched lower-cased, keyed by the name as
        // sent (the last spelling sent wins).
        let mut lmap: HashMap<String, &str> = HashMap::new();
        for n in &names {
            lmap.insert(n.to_lowercase(), n);
        }
        let mut dc = Map::new();
        for u in &self.users {
            if let Some(n) = lmap.get(&u.email.to_lowercase()) {
                dc.insert((*n).to_owned(), json!(u.uuid));
            }
        }
        Ok(json!({"uuid_catalog": uc, "displayname_catalog": dc}))
    }

    /// `GET /resources`: the API-visible resources, `Resource.get_info()`.
    pub fn resources_json(&self) -> Value {
        let mut out = Map::new();
        for r in self.resources.iter().filter(|r| r.api_visible) {
            out.insert(
                r.name.clone(),
                json!({
                    "service": r.service,
                    "description": r.description,
                    "unit": (!r.unit.is_empty()).then_some(&r.unit),
                    "ui_visible": true,
                    "api_visible": true,
                }),
            );
        }
        Value::Object(out)
    }

    // ---------------------------------------------------------------- quotas

    /// `GET /quotas`: API-visible resources, from the projects the user
    /// is actually accepted in (`accepted`, `leave_requested`) that are
    /// not deleted.
    pub fn user_quotas(&self, uuid: &str) -> Value {
        let mut out = Map::new();
        for pid in self.catalog_user_projects(uuid) {
            let hidden = self
                .projects
                .iter()
                .any(|p| p.id == pid && p.state == ProjectState::Deleted);
            if hidden {
                continue;
            }
            let mut res = Map::new();
            for r in self.resources.iter().filter(|r| r.api_visible) {
                res.insert(r.name.clone(), self.leaf(uuid, &pid, &r.name));
            }
            out.insert(pid, Value::Object(res));
        }
        Value::Object(out)
    }

    pub fn service_quotas(
        &self,
        component: &str,
        users: Option<&str>,
        projects: Option<&str>,
    ) -> Answer {
        let split = |s: &str| -> Vec<String> {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let user_filter = users.map(split);
        let project_filter = projects.map(split);
        let mut out = Map::new();
        for u in &self.users {
            if user_filter.as_ref().is_some_and(|f| !f.contains(&u.uuid)) {
                continue;
            }
            let mut per_project = Map::new();
            for ((holder, source, _), _) in self.holdings.iter() {
                let (Some(src), true) = (source, *holder == holder_user(&u.uuid)) else {
                    continue;
                };
                let pid = src.trim_start_matches("project:");
                if per_project.contains_key(pid)
                    || project_filter
                        .as_ref()
                        .is_some_and(|f| !f.iter().any(|x| x == pid))
                {
                    continue;
                }
                let mut res = Map::new();
                for r in self.resources.iter().filter(|r| r.component() == component) {
                    res.insert(r.name.clone(), self.leaf(&u.uuid, pid, &r.name));
                }
                per_project.insert(pid.to_owned(), Value::Object(res));
            }
            if !per_project.is_empty() {
                out.insert(u.uuid.clone(), Value::Object(per_project));
            }
        }
        if out.is_empty() {
            if let Some(raw) = users {
                return Err(Fault::not_found(format!("No user with UUID '{raw}'")));
            }
        }
        Ok(Value::Object(out))
    }

    pub fn service_project_quotas(&self, component: &str, projects: Option<&str>) -> Answer {
        let filter: Option<Vec<&str>> =
            projects.map(|s| s.split(',').filter(|x| !x.is_empty()).collect());
        let mut out = Map::new();
        for p in &self.projects {
            if filter.as_ref().is_some_and(|f| !f.contains(&p.id.as_str())) {
                continue;
            }
            let src = holder_project(&p.id);
            let mut res = Map::new();
            for r in self.resources.iter().filter(|r| r.component() == component) {
                if let Some(h) = self.holdings.get(&(src.clone(), None, r.name.clone())) {
                    res.insert(
                        r.name.clone(),
                        json!({"project_limit": h.limit, "project_usage": h.usage_max,
                               "project_pending": pending(h)}),
                    );
                }
            }
            if !res.is_empty() {
                out.insert(p.id.clone(), Value::Object(res));
            }
        }
        if out.is_empty() {
            if let Some(raw) = projects {
                return Err(Fault::not_found(format!("No project with UUID '{raw}'")));
            }
        }
        Ok(Value::Object(out))
    }

    // ------------------------------------------------------------ commissions

    /// Stage provisions (summed per holding, exactly: Python adds without
    /// overflow) on a copy of the holdings they touch, as the quotaholder's
    /// `issue_commission` does: an allocation is checked against the limit
    /// unless `force`, a release is always checked against `usage_min`.
    /// Nothing is written; the caller commits the staged holdings.
    fn stage(
        &self,
        provisions: &[(HoldingKey, i128)],
        force: bool,
    ) -> Result<BTreeMap<HoldingKey, Holding>, Fault> {
        let mut staged: BTreeMap<HoldingKey, Holding> = BTreeMap::new();
        for (key, quantity) in provisions {
            let quantity = *quantity;
            let (holder, source, resource) = key;
            let prov = json!({"holder": holder, "source": source,
                              "resource": resource, "quantity": wire_int(quantity)});
            let Some(mut h) = staged.get(key).or_else(|| self.holdings.get(key)).copied() else {
                let py = |s: &str| py_repr(&json!(s));
                return Err(Fault::custom(
                    StatusCode::NOT_FOUND,
                    format!(
                        "There is no such holding ({}, {}, {})",
                        py(holder),
                        source.as_deref().map_or("None".to_owned(), py),
                        py(resource)
                    ),
                    Some(json!({"provision": prov, "name": "NoHoldingError"})),
                ));
            };
            if quantity >= 0 {
                let new_max = i128::from(h.usage_max) + quantity;
                if !force && new_max > i128::from(h.limit) {
                    return Err(Fault::custom(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("{holder} has not enough capacity of {resource}."),
                        Some(json!({"provision": prov, "name": "NoCapacityError",
                                    "limit": h.limit, "usage": h.usage_max})),
                    ));
                }
                h.usage_max = i64::try_from(new_max).map_err(|_| out_of_range(key))?;
            } else {
                let new_min = i128::from(h.usage_min) + quantity;
                if new_min < 0 {
                    return Err(Fault::custom(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("{holder} attempts to release more {resource} than it contains."),
                        Some(json!({"provision": prov, "name": "NoQuantityError",
                                    "limit": 0, "usage": h.usage_min})),
                    ));
                }
                // 0 <= new_min <= usage_min: always an i64.
                h.usage_min = i64::try_from(new_min).map_err(|_| out_of_range(key))?;
            }
            staged.insert(key.clone(), h);
        }
        Ok(staged)
    }

    /// Accept (or reject) a commission's provisions on `scratch` (holdings
    /// are copied in from the live ones on first touch): accepting moves
    /// the other bound, rejecting undoes the move. Checked: a result a
    /// bigint column cannot hold fails the whole request.
    fn settle(
        &self,
        scratch: &mut BTreeMap<HoldingKey, Holding>,
        provisions: &[Provision],
        accept: bool,
    ) -> Result<(), Fault> {
        for p in provisions {
            let key = (p.holder.clone(), p.source.clone(), p.resource.clone());
            let Some(mut h) = scratch
                .get(&key)
                .or_else(|| self.holdings.get(&key))
                .copied()
            else {
                // The quotaholder's CorruptedError: a 500.
                return Err(Fault::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Corrupted provision '{key:?}'"),
                ));
            };
            let q = p.quantity;
            let moved = match (accept, q >= 0) {
                (true, true) => h.usage_min.checked_add(q).map(|v| h.usage_min = v),
                (true, false) => h.usage_max.checked_add(q).map(|v| h.usage_max = v),
                (false, true) => h.usage_max.checked_sub(q).map(|v| h.usage_max = v),
                (false, false) => h.usage_min.checked_sub(q).map(|v| h.usage_min = v),
            };
            if moved.is_none() {
                return Err(out_of_range(&key));
            }
            scratch.insert(key, h);
        }
        Ok(())
    }

    pub fn issue_commission(&mut self, client: &str, body: &Value) -> Answer {
        let Some(obj) = body.as_object() else {
            return Err(Fault::bad_request("Request should be a JSON dict"));
        };
        let bad = |m: &str| Fault::bad_request(m);
        let list = match obj.get("provisions") {
            None | Some(Value::Null) => return Err(bad("Provisions are missing.")),
            Some(Value::Array(l)) => l,
            Some(_) => return Err(bad("Provisions should be a list.")),
        };
        // Summed exactly per holding, in first-seen order.
        let mut merged: Vec<(HoldingKey, i128)> = Vec::new();
        // A provision whose holder, source or resource is not a string
        // (source: or null) names no holding: the real server looks it up
        // like any other and answers NoHoldingError.
        let mut impossible: Option<Fault> = None;
        for item in list {
            // `_provisions_to_list`: the four keys present, an integer
            // quantity.
            let parsed = (|| {
                let (h, src, r) = (
                    item.get("holder")?,
                    item.get("source")?,
                    item.get("resource")?,
                );
                Some(((h, src, r), wire_i128(item.get("quantity")?)?))
            })();
            let Some(((h, src, r), quantity)) = parsed else {
                return Err(bad(&format!("Malformed provision {item}")));
            };
            let key = match (h, src, r) {
                (Value::String(h), Value::Null | Value::String(_), Value::String(r)) => {
                    (h.clone(), src.as_str().map(str::to_owned), r.clone())
                }
                _ => {
                    if impossible.is_none() {
                        impossible = Some(Fault::custom(
                            StatusCode::NOT_FOUND,
                            format!(
                                "There is no such holding ({}, {}, {})",
                                py_repr(h),
                                py_repr(src),
                                py_repr(r)
                            ),
                            Some(json!({"name": "NoHoldingError", "provision": {
                                "holder": h, "source": src, "resource": r,
                                "quantity": wire_int(quantity)}})),
                        ));
                    }
                    continue;
                }
            };
            match merged.iter_mut().find(|(k, _)| *k == key) {
                Some((_, q)) => *q = q.saturating_add(quantity),
                None => merged.push((key, quantity)),
            }
        }
        let force = match obj.get("force") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad("\"force\" option should be a boolean.")),
        };
        let auto_accept = match obj.get("auto_accept") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad("\"auto_accept\" option should be a boolean.")),
        };
        let name = match obj.get("name") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(bad("Commission name should be a string.")),
        };
        if let Some(f) = impossible {
            return Err(f);
        }
        let mut staged = self.stage(&merged, force)?;
        // Staging succeeded, so every quantity fits a bigint column.
        let mut provisions = Vec::with_capacity(merged.len());
        for ((holder, source, resource), quantity) in merged {
            let key = (holder.clone(), source.clone(), resource.clone());
            let quantity = i64::try_from(quantity).map_err(|_| out_of_range(&key))?;
            provisions.push(Provision {
                holder,
                source,
                resource,
                quantity,
            });
        }
        if auto_accept {
            self.settle(&mut staged, &provisions, true)?;
        }
        let serial = self.next_serial;
        self.next_serial = serial
            .checked_add(1)
            .ok_or_else(|| Fault::new(StatusCode::INTERNAL_SERVER_ERROR, "Unexpected error"))?;
        self.holdings.extend(staged);
        self.commissions.insert(
            serial,
            Commission {
                serial,
                client: client.to_owned(),
                name,
                provisions,
                state: if auto_accept {
                    CommissionState::Accepted
                } else {
                    CommissionState::Pending
                },
            },
        );
        self.issue_times.insert(serial, now_iso());
        Ok(json!({ "serial": serial }))
    }

    fn pending_for(&self, client: &str, serial: u64) -> bool {
        self.commissions
            .get(&serial)
            .is_some_and(|c| c.client == client && c.state == CommissionState::Pending)
    }

    pub fn pending_commissions(&self, client: &str) -> Value {
        json!(self
            .commissions
            .values()
            .filter(|c| c.client == client && c.state == CommissionState::Pending)
            .map(|c| c.serial)
            .collect::<Vec<_>>())
    }

    pub fn commission_info(&self, client: &str, serial: u64) -> Answer {
        if !self.pending_for(client, serial) {
            return Err(Fault::empty(StatusCode::NOT_FOUND));
        }
        let c = self
            .commissions
            .get(&serial)
            .ok_or_else(|| Fault::empty(StatusCode::NOT_FOUND))?;
        Ok(json!({
            "serial": c.serial,
            "issue_time": self.issue_times.get(&serial).cloned().unwrap_or_default(),
            "name": c.name,
            "provisions": c.provisions.iter().map(|p| json!({
                "holder": p.holder, "source": p.source, "resource": p.resource,
                "quantity": p.quantity})).collect::<Vec<_>>(),
        }))
    }

    /// Resolve pending commissions of `client` (all or nothing: the
    /// holdings and the commissions change only if every one settles).
    /// Returns the serials resolved and those not found.
    fn resolve(&mut self, client: &str, actions: &[(i128, bool)]) -> Result<Resolved, Fault> {
        let mut scratch = BTreeMap::new();
        let (mut accepted, mut rejected, mut not_found) = (Vec::new(), Vec::new(), Vec::new());
        for &(wire_serial, accept) in actions {
            let Some(serial) = u64::try_from(wire_serial)
                .ok()
                .filter(|s| self.pending_for(client, *s))
            else {
                not_found.push(wire_serial);
                continue;
            };
            let provisions = self
                .commissions
                .get(&serial)
                .map(|c| c.provisions.clone())
                .unwrap_or_default();
            self.settle(&mut scratch, &provisions, accept)?;
            if accept {
                accepted.push(serial);
            } else {
                rejected.push(serial);
            }
        }
        self.holdings.extend(scratch);
        for (set, state) in [
            (&accepted, CommissionState::Accepted),
            (&rejected, CommissionState::Rejected),
        ] {
            for s in set {
                if let Some(c) = self.commissions.get_mut(s) {
                    c.state = state;
                }
            }
        }
        Ok((accepted, rejected, not_found))
    }

    pub fn commission_action(&mut self, client: &str, serial: u64, body: &Value) -> Answer {
        let Some(obj) = body.as_object() else {
            return Err(Fault::bad_request("Request should be a JSON dict"));
        };
        let accept = obj.contains_key("accept");
        let reject = obj.contains_key("reject");
        if accept == reject {
            return Err(Fault::bad_request(
                "Specify either accept or reject action.",
            ));
        }
        let (accepted, rejected, _) = self.resolve(client, &[(i128::from(serial), accept)])?;
        if accepted.is_empty() && rejected.is_empty() {
            return Err(Fault::empty(StatusCode::NOT_FOUND));
        }
        Ok(Value::Null)
    }

    pub fn resolve_commissions(&mut self, client: &str, body: &Value) -> Answer {
        let bad = |m: &str| Fault::bad_request(m);
        let Some(obj) = body.as_object() else {
            return Err(bad("Request should be a JSON dict"));
        };
        let list = |key: &str| -> Result<Vec<Value>, Fault> {
            match obj.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(a)) => Ok(a.clone()),
                Some(_) => Err(bad(
                    "\"accept\" and \"reject\" should reference lists of serials.",
                )),
            }
        };
        let (accept, reject) = (list("accept")?, list("reject")?);
        let mut accept_s = Vec::new();
        let mut reject_s = Vec::new();
        for (from, to) in [(&accept, &mut accept_s), (&reject, &mut reject_s)] {
            for v in from {
                // A negative serial is an integer that names nothing.
                to.push(wire_i128(v).ok_or_else(|| bad("Serials should be integer."))?);
            }
        }
        // `dict.fromkeys(accept, True)`, then each reject either conflicts
        // with an accept or is a reject. Python walks small-int keys in
        // ascending order, so the answers list serials ascending.
        let mut actions: Vec<(i128, bool)> = Vec::new();
        let mut conflicting: Vec<i128> = Vec::new();
        for s in accept_s {
            if !actions.iter().any(|(x, _)| *x == s) {
                actions.push((s, true));
            }
        }
        for s in reject_s {
            match actions.iter().position(|(x, _)| *x == s) {
                Some(i) if actions[i].1 => {
                    actions.remove(i);
                    if !conflicting.contains(&s) {
                        conflicting.push(s);
                    }
                }
                Some(_) => {}
                None => actions.push((s, false)),
            }
        }
        actions.sort_unstable();
        conflicting.sort_unstable();
        let (accepted, rejected, not_found) = self.resolve(client, &actions)?;
        let mut failed: Vec<Value> = not_found
            .iter()
            .map(|s| json!([wire_int(*s), {"itemNotFound": {"message": format!("serial {s} does not exist"), "code": 404}}]))
            .collect();
        failed.extend(conflicting.iter().map(|s| {
            json!([wire_int(*s), {"badRequest": {"message": format!("cannot both accept and reject serial {s}"), "code": 400}}])
        }));
        Ok(json!({"accepted": accepted, "rejected": rejected, "failed": failed}))
    }

    // --------------------------------------------------------------- projects

    /// The project's owner, if a user is the owner (a system project has
    /// none: `owner` is `null` and only admins pass the owner checks).
    fn owns(p: &Project, uuid: &str) -> bool {
        !p.is_base && p.spec.owner == uuid
    }

    fn any_accepted(&self, project: &str, uuid: &str) -> bool {
        self.memberships
            .iter()
            .any(|m| m.project == project && m.user == uuid && m.state.is_active())
    }

    /// `project_check_allowed(level=ANY_LEVEL)`: admins, the owner, any
    /// accepted member, and everybody for an active public project. An
    /// application's applicant is none of these by being the applicant.
    fn visible(&self, p: &Project, u: &User) -> bool {
        u.admin
            || Self::owns(p, &u.uuid)
            || (p.state == ProjectState::Active && !p.spec.private)
            || self.any_accepted(&p.id, &u.uuid)
    }

    /// `project_check_allowed(level=OWNER_LEVEL)`: admins and the owner.
    fn owner_level(p: &Project, u: &User) -> bool {
        u.admin || Self::owns(p, &u.uuid)
    }

    /// A project's `resources`: its quotas for the API-visible resources.
    /// An initialized project was filled from the skeleton at approval, so
    /// it carries every resource (0 where the application named none).
    fn resources_of(&self, p: &Project) -> Value {
        let mut res = Map::new();
        for r in self.resources.iter().filter(|r| r.api_visible) {
            let caps = if p.is_base {
                Some((r.base_default, r.base_default))
            } else if p.state == ProjectState::Uninitialized {
                p.spec.resources.get(&r.name).copied()
            } else {
                Some(p.spec.resources.get(&r.name).copied().unwrap_or((0, 0)))
            };
            if let Some((m, p)) = caps {
                res.insert(
                    r.name.clone(),
                    json!({"member_capacity": m, "project_capacity": p}),
                );
            }
        }
        Value::Object(res)
    }

    /// `_application_details`: what the application asked for (`null` for
    /// what a modification left unchanged).
    fn app_json(&self, a: &Application) -> Value {
        let given = |k: &str| a.given.contains(&k);
        let field = |k: &str, v: Value| if given(k) { v } else { Value::Null };
        let mut res = Map::new();
        for (name, (m, p)) in &a.grants {
            if self
                .resources
                .iter()
                .any(|r| r.name == *name && r.api_visible)
            {
                res.insert(
                    name.clone(),
                    json!({"member_capacity": m, "project_capacity": p}),
                );
            }
        }
        json!({
            "id": a.id,
            "state": a.state.as_str(),
            "name": field("name", json!(a.spec.name)),
            "owner": field("owner", json!(a.spec.owner)),
            "applicant": a.applicant,
            "homepage": field("homepage", json!(a.spec.homepage)),
            "description": field("description", json!(a.spec.description)),
            "start_date": field("start_date", json!(a.spec.start_date)),
            "end_date": field("end_date", json!(a.spec.end_date)),
            "comments": field("comments", json!(a.spec.comments)),
            "join_policy": field("join_policy", json!(a.spec.join_policy)),
            "leave_policy": field("leave_policy", json!(a.spec.leave_policy)),
            "max_members": field("max_members", json!(a.spec.max_members)),
            "private": field("private", json!(a.spec.private)),
            "resources": res,
        })
    }

    fn project_json(&self, p: &Project, u: &User) -> Value {
        let mut v = json!({
            "id": p.id,
            "state": p.state.as_str(),
            "creation_date": p.creation_date,
            "name": p.spec.name,
            "owner": (!p.is_base).then_some(&p.spec.owner),
            "homepage": p.spec.homepage,
            "description": p.spec.description,
            "end_date": p.spec.end_date,
            "join_policy": p.spec.join_policy,
            "leave_policy": p.spec.leave_policy,
            "max_members": p.spec.max_members,
            "private": p.spec.private,
            "system_project": p.is_base,
            "resources": self.resources_of(p),
        });
        // `project_check_allowed(level=APPLICANT_LEVEL)`: admins and the
        // owner see the last application and the deactivation date.
        if Self::owner_level(p, u) {
            if let Some(a) = p.last_app.and_then(|id| self.applications.get(&id)) {
                v["last_application"] = self.app_json(a);
            }
            if let Some(d) = &p.deactivation_date {
                v["deactivation_date"] = json!(d);
            }
        }
        v
    }

    /// `GET /projects` (`_get_projects`): filters `name`, `owner`,
    /// `state`; `mode` `default`/`related` (member or owner), `member`
    /// (actually accepted in an active project), `active` (active and
    /// public); admins see every project in `default`, `related` and
    /// `active`. Deleted projects are not hidden.
    pub fn get_projects(
        &self,
        u: &User,
        name: Option<&str>,
        state: Option<&str>,
        owner: Option<&str>,
        mode: Option<&str>,
    ) -> Answer {
        let state = match state {
            None => None,
            Some(s) => Some(
                ProjectState::parse(s)
                    .ok_or_else(|| Fault::bad_request(format!("Unrecognized state {s}")))?,
            ),
        };
        let mode = mode.unwrap_or("default");
        if !["default", "member", "related", "active"].contains(&mode) {
            return Err(Fault::bad_request(format!("Unrecognized mode '{mode}'.")));
        }
        let list: Vec<Value> =
            self.projects
                .iter()
                .filter(|p| match mode {
                    "member" => {
                        p.state == ProjectState::Active
                            && self.memberships.iter().any(|m| {
                                m.project == p.id && m.user == u.uuid && m.state.is_active()
                            })
                    }
                    "active" => u.admin || (p.state == ProjectState::Active && !p.spec.private),
                    _ => u.admin || Self::owns(p, &u.uuid) || self.any_accepted(&p.id, &u.uuid),
                })
                .filter(|p| state.is_none_or(|s| p.state == s))
                .filter(|p| name.is_none_or(|n| p.spec.name == n))
                .filter(|p| owner.is_none_or(|o| Self::owns(p, o)))
                .map(|p| self.project_json(p, u))
                .collect();
        Ok(Value::Array(list))
    }

    /// `GET /projects/{id}`: 404 for no such project, 403 for a project
    /// the caller may not see (an unapproved or private one of someone
    /// else).
    pub fn get_project(&self, u: &User, id: &str) -> Answer {
        let Some(p) = self.projects.iter().find(|p| p.id == id) else {
            return Err(unknown_project(id));
        };
        if !self.visible(p, u) {
            return Err(not_allowed());
        }
        Ok(self.project_json(p, u))
    }

    /// The API-level checks of `submit_new_project` /
    /// `submit_modification` and then `submit_application`'s validation,
    /// in the real server's order. `modify` names the caller and the project
    /// being modified; its index comes back with the submission.
    fn parse_spec(
        &self,
        body: &Value,
        modify: Option<(&User, &str)>,
    ) -> Result<(Submitted, Option<usize>), Fault> {
        let modifying = modify.is_some();
        // `app_data.get(...)` on a list or a string: a Python error (500).
        let Some(obj) = body.as_object() else {
            return Err(unexpected());
        };
        let bad = |m: &str| Fault::bad_request(m);
        let mut given: Vec<&'static str> = Vec::new();
        let present = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
        // owner
        let owner = match obj.get("owner") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_str().and_then(|o| self.user(o)) {
                Some(o) => Some(o.uuid.clone()),
                None => return Err(bad("User does not exist.")),
            },
        };
        if !modifying && !obj.contains_key("name") {
            return Err(bad("Name missing."));
        }
        let policy = |k: &str, what: &str| -> Result<Option<String>, Fault> {
            match obj.get(k) {
                None => Ok(None),
                Some(Value::String(p)) if ["auto", "moderated", "closed"].contains(&p.as_str()) => {
                    Ok(Some(p.clone()))
                }
                Some(Value::Null) if modifying => Ok(None),
                Some(_) => Err(bad(&format!("Invalid {what} policy"))),
            }
        };
        let join_policy = policy("join_policy", "join")?;
        let leave_policy = policy("leave_policy", "leave")?;
        if !modifying && !present("end_date") {
            return Err(bad("Missing end date"));
        }
        let max_members = match obj.get("max_members") {
            None => None,
            Some(Value::Null) if modifying => None,
            Some(v) => Some(parse_units(v).ok_or_else(|| bad("Invalid max_members"))?),
        };
        let boolean = |k: &str| -> Result<Option<bool>, Fault> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(_) => Err(bad(&format!("{k} must be boolean"))),
            }
        };
        let text = |k: &str| -> Result<Option<String>, Fault> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(&format!("{k} must be string"))),
            }
        };
        let private = boolean("private")?;
        let homepage = text("homepage")?;
        let description = text("description")?;
        let comments = text("comments")?;
        // submit_application: the project being modified (404, 403, 409),
        // then the resources, the name, ...
        let (idx, base_spec) = match modify {
            None => (None, None),
            Some((u, id)) => {
                let idx = self.project_idx(id).ok_or_else(|| unknown_project(id))?;
                let p = &self.projects[idx];
                if !Self::owner_level(p, u) {
                    return Err(not_allowed());
                }
                if matches!(p.state, ProjectState::Uninitialized | ProjectState::Deleted) {
                    return Err(Fault::conflict("Cannot modify an uninitialized project."));
                }
                (Some(idx), Some(p.spec.clone()))
            }
        };
        let base = base_spec.as_ref();
        let grants = self.validate_resource_policies(obj.get("resources"))?;
        let name = match obj.get("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(n)) => Some(n.clone()),
            // `len()` and the regex of a non-string: a 500 in Python.
            Some(_) => return Err(bad("Project name should be in domain format")),
        };
        if let Some(n) = &name {
            if n.chars().count() > 80 {
                return Err(bad("'name' value exceeds max length 80"));
            }
            if !valid_project_name(n) {
                return Err(bad("Project name should be in domain format"));
            }
        }
        if homepage.as_ref().is_some_and(|h| h.chars().count() > 255) {
            return Err(bad("'homepage' value exceeds max length 255"));
        }
        for (k, v) in [("description", &description), ("comments", &comments)] {
            if v.as_ref().is_some_and(|t| t.chars().count() > 4096) {
                return Err(bad(&format!("'{k}' value exceeds max length 4096")));
            }
        }
        if max_members.is_some_and(|m| m < 0) {
            return Err(bad("max_members out of range"));
        }
        // Kept as the real server keeps them: a UTC value, shown with
        // `isoformat` (`+00:00`, microseconds only when not zero).
        let date = |k: &str| -> Result<Option<(String, OffsetDateTime)>, Fault> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_str()
                    .and_then(parse_iso_date)
                    .map(|d| Some((py_isoformat(d), d)))
                    .ok_or_else(|| bad(&format!("Invalid {k}"))),
            }
        };
        let start_date = date("start_date")?;
        let end_date = date("end_date")?;
        if end_date
            .as_ref()
            .is_some_and(|(_, d)| *d < OffsetDateTime::now_utc())
        {
            return Err(bad("'end_date' must be in the future"));
        }
        let new_project = base.is_none();
        for (k, on) in [
            ("owner", owner.is_some() || new_project),
            ("name", name.is_some()),
            ("homepage", homepage.is_some() || new_project),
            ("description", description.is_some() || new_project),
            ("start_date", start_date.is_some()),
            ("end_date", end_date.is_some()),
            ("comments", comments.is_some() || new_project),
            ("join_policy", join_policy.is_some() || new_project),
            ("leave_policy", leave_policy.is_some() || new_project),
            ("max_members", max_members.is_some() || new_project),
            ("private", private.is_some() || new_project),
        ] {
            if on {
                given.push(k);
            }
        }
        let b = |f: fn(&Spec) -> String, dflt: &str| base.map_or(dflt.to_owned(), f);
        let mut resources = base.map(|b| b.resources.clone()).unwrap_or_default();
        resources.extend(grants.iter().map(|(k, v)| (k.clone(), *v)));
        let spec = Spec {
            name: name.unwrap_or_else(|| b(|s| s.name.clone(), "")),
            owner: owner.unwrap_or_else(|| b(|s| s.owner.clone(), "")),
            homepage: homepage.unwrap_or_else(|| b(|s| s.homepage.clone(), "")),
            description: description.unwrap_or_else(|| b(|s| s.description.clone(), "")),
            comments: comments.unwrap_or_default(),
            start_date: start_date
                .map(|d| d.0)
                .or_else(|| base.and_then(|b| b.start_date.clone())),
            end_date: end_date
                .map(|d| d.0)
                .unwrap_or_else(|| b(|s| s.end_date.clone(), "")),
            join_policy: join_policy.unwrap_or_else(|| b(|s| s.join_policy.clone(), "moderated")),
            leave_policy: leave_policy.unwrap_or_else(|| b(|s| s.leave_policy.clone(), "auto")),
            max_members: max_members
                .or_else(|| base.and_then(|b| b.max_members))
                .or(base.is_none().then_some(PRACTICALLY_INFINITE)),
            private: private.unwrap_or_else(|| base.is_some_and(|b| b.private)),
            resources,
        };
        Ok((
            Submitted {
                spec,
                given,
                grants,
            },
            idx,
        ))
    }

    /// `validate_resource_policies`: a dict of API-visible resources, each
    /// with integer capacities, non-negative, member ≤ project.
    fn validate_resource_policies(
        &self,
        policies: Option<&Value>,
    ) -> Result<BTreeMap<String, (i64, i64)>, Fault> {
        let malformed = || Fault::bad_request("Malformed resource policies");
        let map = match policies {
            None => return Ok(BTreeMap::new()),
            Some(Value::Object(m)) => m,
            Some(_) => return Err(malformed()),
        };
        if map
            .keys()
            .any(|k| !self.resources.iter().any(|r| r.name == *k && r.api_visible))
        {
            return Err(malformed());
        }
        let mut out = BTreeMap::new();
        for (name, specs) in map {
            let cap = |k: &str| specs.get(k).and_then(wire_i128);
            let (Some(p), Some(m)) = (cap("project_capacity"), cap("member_capacity")) else {
                return Err(malformed());
            };
            if p > i128::from(i64::MAX) || m > i128::from(i64::MAX) {
                return Err(Fault::bad_request(format!(
                    "Quota limit exceeds max value {}",
                    i64::MAX
                )));
            }
            if p < 0 || m < 0 {
                return Err(Fault::bad_request("Negative quota limit is not allowed"));
            }
            if p < m {
                return Err(Fault::bad_request(format!(
                    "Project quota limit is less than member limit for resource '{name}'"
                )));
            }
            // Both are in 0..=i64::MAX here.
            let (Ok(m), Ok(p)) = (i64::try_from(m), i64::try_from(p)) else {
                return Err(malformed());
            };
            out.insert(name.clone(), (m, p));
        }
        Ok(out)
    }

    /// `qh_add_pending_app` (+1 for the caller; minus the pending
    /// applications the new one replaces, per applicant) as one commission
    /// on `astakos.pending_app` in each applicant's system project (user
    /// and project holdings), forced for admins. Nothing changes unless it
    /// all fits.
    fn charge_pending_app(&mut self, u: &User, project: Option<&str>) -> Result<(), Fault> {
        let mut deltas: Vec<(String, i64)> = vec![(u.uuid.clone(), 1)];
        if let Some(pid) = project {
            for a in self
                .applications
                .values()
                .filter(|a| a.project == pid && a.state == AppState::Pending)
            {
                match deltas.iter_mut().find(|(x, _)| *x == a.applicant) {
                    Some((_, d)) => *d -= 1,
                    None => deltas.push((a.applicant.clone(), -1)),
                }
            }
        }
        let mut provisions = Vec::new();
        for (user, q) in deltas {
            let src = holder_project(&user);
            provisions.push((
                (
                    holder_user(&user),
                    Some(src.clone()),
                    PENDING_APP.to_owned(),
                ),
                i128::from(q),
            ));
            provisions.push(((src, None, PENDING_APP.to_owned()), i128::from(q)));
        }
        provisions.retain(|(k, _)| self.holdings.contains_key(k));
        let mut staged = match self.stage(&provisions, u.admin) {
            Ok(s) => s,
            Err(f) if f.status == StatusCode::PAYLOAD_TOO_LARGE => {
                let limit = f
                    .body
                    .as_ref()
                    .and_then(|b| b["overLimit"]["data"]["limit"].as_i64())
                    .unwrap_or_default();
                return Err(Fault::conflict(format!(
                    "You have reached the maximum number of pending project applications: {limit}."
                )));
            }
            Err(f) => return Err(f),
        };
        let accepted: Vec<Provision> = provisions
            .into_iter()
            .filter_map(|((holder, source, resource), q)| {
                Some(Provision {
                    holder,
                    source,
                    resource,
                    quantity: i64::try_from(q).ok()?,
                })
            })
            .collect();
        self.settle(&mut staged, &accepted, true)?;
        self.holdings.extend(staged);
        Ok(())
    }

    /// `qh_release_pending_app`: -1 on the applicant's pending-application
    /// holdings (a release is checked; it cannot fail on a consistent
    /// state, and if it did nothing would change).
    fn release_pending_app(&mut self, applicant: &str) -> Result<(), Fault> {
        let src = holder_project(applicant);
        let mut provisions = vec![
            (
                (
                    holder_user(applicant),
                    Some(src.clone()),
                    PENDING_APP.to_owned(),
                ),
                -1i128,
            ),
            ((src, None, PENDING_APP.to_owned()), -1i128),
        ];
        provisions.retain(|(k, _)| self.holdings.contains_key(k));
        let mut staged = self.stage(&provisions, false)?;
        let accepted: Vec<Provision> = provisions
            .into_iter()
            .map(|((holder, source, resource), _)| Provision {
                holder,
                source,
                resource,
                quantity: -1,
            })
            .collect();
        self.settle(&mut staged, &accepted, true)?;
        self.holdings.extend(staged);
        Ok(())
    }

    fn new_app_id(&mut self) -> u64 {
        let id = self.next_app;
        self.next_app = self.next_app.saturating_add(1);
        id
    }

    /// `POST /projects`: validate everything, then charge the pending
    /// application (409 at the limit), then create the uninitialized
    /// project with its pending application.
    pub fn create_project(&mut self, u: &User, body: &Value) -> Answer {
        let (mut sub, _) = self.parse_spec(body, None)?;
        if sub.spec.owner.is_empty() {
            sub.spec.owner = u.uuid.clone();
        }
        self.charge_pending_app(u, None)?;
        let id = uuid::Uuid::new_v4().to_string();
        let app_id = self.new_app_id();
        let date = now_iso();
        self.applications.insert(
            app_id,
            Application {
                id: app_id,
                project: id.clone(),
                state: AppState::Pending,
                applicant: u.uuid.clone(),
                spec: sub.spec.clone(),
                given: sub.given,
                grants: sub.grants,
            },
        );
        self.projects.push(Project {
            id: id.clone(),
            state: ProjectState::Uninitialized,
            is_base: false,
            spec: sub.spec,
            creation_date: date,
            deactivation_date: None,
            last_app: Some(app_id),
        });
        Ok(json!({"id": id, "application": app_id}))
    }

    /// `PUT /projects/{id}` (`submit_modification`).
    pub fn modify_project(&mut self, u: &User, id: &str, body: &Value) -> Answer {
        // Field checks, then the project (404, 403, 409), then validation.
        let (sub, idx) = self.parse_spec(body, Some((u, id)))?;
        let Some(idx) = idx else {
            return Err(unknown_project(id));
        };
        let p = self.projects[idx].clone();
        if p.is_base
            && ["owner", "name", "homepage", "description"]
                .iter()
                .any(|k| sub.given.contains(k))
        {
            return Err(Fault::conflict(
                "Cannot modify fields 'owner', 'name', 'homepage', and 'description' of a \
                 system project.",
            ));
        }
        self.charge_pending_app(u, Some(id))?;
        for a in self.applications.values_mut() {
            if a.project == id && a.state == AppState::Pending {
                a.state = AppState::Replaced;
            }
        }
        let app_id = self.new_app_id();
        self.applications.insert(
            app_id,
            Application {
                id: app_id,
                project: id.to_owned(),
                state: AppState::Pending,
                applicant: u.uuid.clone(),
                spec: sub.spec,
                given: sub.given,
                grants: sub.grants,
            },
        );
        self.projects[idx].last_app = Some(app_id);
        Ok(json!({"id": id, "application": app_id}))
    }

    /// `POST /projects/{id}/action`.
    pub fn project_action(&mut self, u: &User, id: &str, body: &Value) -> Answer {
        if !body.is_object() {
            return Err(Fault::bad_request("Invalid input data"));
        }
        let (action, data) = get_action(
            &[
                "terminate",
                "suspend",
                "unsuspend",
                "reinstate",
                "approve",
                "deny",
                "dismiss",
                "cancel",
            ],
            body,
        )?;
        // `action_data.get("reason", "")` and `action_data["app_id"]` on
        // something that is not a dict with an app id: Python raises, the
        // server answers 500.
        let Some(data) = data.as_object() else {
            return Err(unexpected());
        };
        match action {
            "terminate" | "suspend" | "unsuspend" | "reinstate" => {
                let Some(idx) = self.project_idx(id) else {
                    return Err(unknown_project(id));
                };
                if !u.admin {
                    return Err(not_allowed());
                }
                let p = &self.projects[idx];
                use ProjectState as S;
                let alive = matches!(p.state, S::Active | S::Suspended);
                let next = match action {
                    "terminate" if !alive => {
                        return Err(Fault::conflict(format!("Project {id} is not alive.")))
                    }
                    "terminate" if p.is_base => {
                        return Err(Fault::conflict(format!(
                            "Cannot terminate: {id} is a system project."
                        )))
                    }
                    "terminate" => S::Terminated,
                    "suspend" if !alive => {
                        return Err(Fault::conflict(format!("Project {id} is not alive.")))
                    }
                    "suspend" if p.state == S::Suspended => {
                        return Err(Fault::conflict(format!("Project {id} is suspended.")))
                    }
                    "suspend" => S::Suspended,
                    "unsuspend" if p.state != S::Suspended => {
                        return Err(Fault::conflict(format!("Project {id} is not suspended.")))
                    }
                    "unsuspend" => S::Active,
                    _ if p.state != S::Terminated => {
                        return Err(Fault::conflict(format!("Project {id} is not terminated.")))
                    }
                    _ => {
                        self.check_conflicting_projects(idx, &p.spec.name)?;
                        S::Active
                    }
                };
                let p = &mut self.projects[idx];
                p.state = next;
                if next != S::Active {
                    p.deactivation_date = Some(now_iso());
                }
                self.sync_holdings();
                Ok(Value::Null)
            }
            _ => {
                let app_id = match data.get("app_id") {
                    // `ProjectApplication.objects.get(id=None)`: not found.
                    Some(Value::Null) => None,
                    Some(Value::Number(n)) => n.as_u64(),
                    Some(Value::String(s)) => match s.parse::<u64>() {
                        Ok(n) => Some(n),
                        Err(_) => return Err(unexpected()),
                    },
                    _ => return Err(unexpected()),
                };
                self.application_action(u, id, app_id, action)
            }
        }
    }

    /// `check_conflicting_projects`: another alive project already holds
    /// the name.
    fn check_conflicting_projects(&self, idx: usize, name: &str) -> Result<(), Fault> {
        let me = &self.projects[idx];
        if let Some(other) = self.projects.iter().find(|p| {
            p.id != me.id
                && p.spec.name == name
                && matches!(p.state, ProjectState::Active | ProjectState::Suspended)
        }) {
            return Err(Fault::conflict(format!(
                "cannot approve: project with name '{name}' already exists (id: {})",
                other.id
            )));
        }
        Ok(())
    }

    fn application_action(
        &mut self,
        u: &User,
        pid: &str,
        app_id: Option<u64>,
        action: &str,
    ) -> Answer {
        let Some(app) = app_id.and_then(|a| self.applications.get(&a)).cloned() else {
            return Err(Fault::not_found(format!(
                "There is no project application identified by {}.",
                app_id.map_or("None".to_owned(), |a| a.to_string())
            )));
        };
        let Some(idx) = self.project_idx(&app.project) else {
            return Err(unknown_project(&app.project));
        };
        // check_app_relevant
        if app.project != pid || self.projects[idx].last_app != Some(app.id) {
            return Err(Fault::conflict(format!(
                "{} is not a pending application for project {pid}.",
                app.id
            )));
        }
        // app_check_allowed: approve/deny are for admins, cancel/dismiss
        // for admins and the applicant.
        let allowed =
            u.admin || (matches!(action, "cancel" | "dismiss") && app.applicant == u.uuid);
        if !allowed {
            return Err(not_allowed());
        }
        let required = if action == "dismiss" {
            AppState::Denied
        } else {
            AppState::Pending
        };
        if app.state != required {
            return Err(Fault::conflict(format!(
                "Cannot {action} application {} in state '{}'",
                app.id,
                app.state.display()
            )));
        }
        // `if application.name:` a modification that leaves the name alone
        // is not checked.
        if action == "approve" && app.given.contains(&"name") {
            self.check_conflicting_projects(idx, &app.spec.name)?;
        }
        if matches!(action, "approve" | "deny" | "cancel") {
            self.release_pending_app(&app.applicant)?;
        }
        let next = match action {
            "approve" => AppState::Approved,
            "deny" => AppState::Denied,
            "dismiss" => AppState::Dismissed,
            _ => AppState::Cancelled,
        };
        if let Some(a) = self.applications.get_mut(&app.id) {
            a.state = next;
        }
        let p = &mut self.projects[idx];
        match next {
            AppState::Approved => {
                p.spec = app.spec.clone();
                p.state = ProjectState::Active;
            }
            AppState::Dismissed | AppState::Cancelled if p.state == ProjectState::Uninitialized => {
                p.state = ProjectState::Deleted;
            }
            _ => {}
        }
        self.sync_holdings();
        Ok(Value::Null)
    }

    // ------------------------------------------------------------ memberships

    fn membership_by_id(&self, id: u64) -> Result<usize, Fault> {
        self.memberships
            .iter()
            .position(|m| m.id == id)
            .ok_or_else(|| Fault::not_found(NOT_MEMBERSHIP_REQUEST))
    }

    fn project_of(&self, m: &Membership) -> Result<Project, Fault> {
        self.projects
            .iter()
            .find(|p| p.id == m.project)
            .cloned()
            .ok_or_else(|| unknown_project(&m.project))
    }

    fn approved_members(&self, project: &str) -> i64 {
        let n = self
            .memberships
            .iter()
            .filter(|m| m.project == project && m.state.is_active())
            .count();
        i64::try_from(n).unwrap_or(i64::MAX)
    }

    fn check_alive(p: &Project) -> Result<(), Fault> {
        if matches!(p.state, ProjectState::Active | ProjectState::Suspended) {
            Ok(())
        } else {
            Err(Fault::conflict(format!("Project {} is not alive.", p.id)))
        }
    }

    /// `accept_membership_project_checks`: owner level, alive, join not
    /// closed, room for one more.
    fn accept_project_checks(&self, p: &Project, u: &User) -> Result<(), Fault> {
        if !Self::owner_level(p, u) {
            return Err(not_allowed());
        }
        Self::check_alive(p)?;
        if p.spec.join_policy == "closed" {
            return Err(Fault::conflict(JOIN_CLOSED));
        }
        if p.spec
            .max_members
            .is_some_and(|max| self.approved_members(&p.id).saturating_add(1) > max)
        {
            return Err(Fault::conflict(MEMBER_LIMIT));
        }
        Ok(())
    }

    /// The real server's per-action checks (`MEMBERSHIP_ACTION_CHECKS`),
    /// in its order: the state (409), who asks (403), the project (409).
    fn membership_check(&self, m: &Membership, u: &User, action: &str) -> Result<(), Fault> {
        use MembershipState as M;
        let p = self.project_of(m)?;
        let person = m.user == u.uuid;
        match action {
            "accept" => {
                if m.state != M::Requested {
                    return Err(Fault::conflict(NOT_MEMBERSHIP_REQUEST));
                }
                self.accept_project_checks(&p, u)
            }
            "reject" => {
                if m.state != M::Requested {
                    return Err(Fault::conflict(NOT_MEMBERSHIP_REQUEST));
                }
                if !Self::owner_level(&p, u) {
                    return Err(not_allowed());
                }
                Self::check_alive(&p)
            }
            "cancel" => {
                if m.state != M::Requested {
                    return Err(Fault::conflict(NOT_MEMBERSHIP_REQUEST));
                }
                if !(u.admin || person) {
                    return Err(not_allowed());
                }
                Self::check_alive(&p)
            }
            "remove" => {
                if !m.state.is_active() {
                    return Err(Fault::conflict(NOT_ACCEPTED_MEMBERSHIP));
                }
                if !Self::owner_level(&p, u) {
                    return Err(not_allowed());
                }
                Self::check_alive(&p)?;
                if p.spec.leave_policy == "closed" {
                    return Err(Fault::conflict(LEAVE_CLOSED));
                }
                Ok(())
            }
            _ => {
                // leave
                if !m.state.is_active() {
                    return Err(Fault::conflict(NOT_ACCEPTED_MEMBERSHIP));
                }
                if !(u.admin || person) {
                    return Err(not_allowed());
                }
                Self::check_alive(&p)?;
                if p.spec.leave_policy == "closed" {
                    return Err(Fault::conflict(LEAVE_CLOSED));
                }
                Ok(())
            }
        }
    }

    fn allowed_actions(&self, m: &Membership, u: &User) -> Vec<&'static str> {
        ["leave", "cancel", "accept", "reject", "remove"]
            .into_iter()
            .filter(|a| self.membership_check(m, u, a).is_ok())
            .collect()
    }

    fn membership_json(&self, m: &Membership, u: &User) -> Value {
        let mut v = json!({
            "id": m.id,
            "user": m.user,
            "project": m.project,
            "state": m.state.as_str(),
            "allowed_actions": self.allowed_actions(m, u),
        });
        for (state, date) in &m.log {
            v[state.as_str()] = json!(date);
        }
        v
    }

    /// `membership_check_allowed` (owner level, or the member).
    fn membership_visible(&self, m: &Membership, u: &User) -> bool {
        m.user == u.uuid
            || u.admin
            || self
                .projects
                .iter()
                .any(|p| p.id == m.project && Self::owns(p, &u.uuid))
    }

    /// `GET /projects/memberships[?project=]`: the caller's memberships and
    /// those of projects they own (admins: all); the project is a plain
    /// filter.
    pub fn get_memberships(&self, u: &User, project: Option<&str>) -> Answer {
        Ok(Value::Array(
            self.memberships
                .iter()
                .filter(|m| project.is_none_or(|p| m.project == p))
                .filter(|m| self.membership_visible(m, u))
                .map(|m| self.membership_json(m, u))
                .collect(),
        ))
    }

    pub fn get_membership(&self, u: &User, id: u64) -> Answer {
        let m = &self.memberships[self.membership_by_id(id)?];
        if !self.membership_visible(m, u) {
            return Err(not_allowed());
        }
        Ok(self.membership_json(m, u))
    }

    /// `get_project_for_update` of a membership action's project id: a
    /// string is a uuid; an integer is an internal id, which no simulated
    /// project exposes.
    fn project_by_wire_id(&self, id: &Value) -> Result<usize, Fault> {
        let shown = match id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        id.as_str()
            .and_then(|s| self.project_idx(s))
            .ok_or_else(|| unknown_project(&shown))
    }

    pub fn post_memberships(&mut self, u: &User, body: &Value) -> Answer {
        let (action, data) = get_action(&["join", "enroll"], body)?;
        let Some(data) = data.as_object() else {
            return Err(unexpected());
        };
        let pid = match data.get("project") {
            Some(v @ Value::String(_)) => v.clone(),
            Some(v @ Value::Number(n)) if n.is_i64() || n.is_u64() => v.clone(),
            Some(other) => {
                let shown = match other {
                    Value::Null => "None".to_owned(),
                    o => o.to_string(),
                };
                return Err(Fault::bad_request(format!("Invalid project ID: {shown}")));
            }
            None => return Err(Fault::bad_request("Invalid project ID: None")),
        };
        if action == "join" {
            let idx = self.project_by_wire_id(&pid)?;
            let p = self.projects[idx].clone();
            Self::check_alive(&p)?;
            if p.spec.join_policy == "closed" {
                return Err(Fault::conflict(JOIN_CLOSED));
            }
            let existing = self
                .memberships
                .iter()
                .position(|m| m.user == u.uuid && m.project == p.id);
            let midx = match existing {
                Some(i) => {
                    use MembershipState as M;
                    if matches!(
                        self.memberships[i].state,
                        M::Requested | M::Accepted | M::LeaveRequested
                    ) {
                        return Err(Fault::conflict("Request or membership already exists."));
                    }
                    self.memberships[i].set(M::Requested);
                    i
                }
                None => {
                    self.new_membership(&u.uuid, &p.id, &[MembershipState::Requested]);
                    self.memberships.len() - 1
                }
            };
            let room = p
                .spec
                .max_members
                .is_none_or(|max| self.approved_members(&p.id).saturating_add(1) <= max);
            if p.spec.join_policy == "auto" && room {
                self.memberships[midx].set(MembershipState::Accepted);
                self.sync_holdings();
            }
            return Ok(json!({ "id": self.memberships[midx].id }));
        }
        // enroll: the user (by e-mail) first, then the project; both
        // unknowns are conflicts.
        let email = data.get("user");
        let target = email
            .and_then(Value::as_str)
            .and_then(|e| self.users.iter().find(|x| x.email == e))
            .map(|x| x.uuid.clone());
        let Some(target) = target else {
            let shown = match email {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => "None".to_owned(),
                Some(o) => o.to_string(),
            };
            return Err(Fault::conflict(format!("Unknown users: {shown}")));
        };
        let idx = self
            .project_by_wire_id(&pid)
            .map_err(|f| Fault::conflict(fault_message(&f)))?;
        let p = self.projects[idx].clone();
        self.accept_project_checks(&p, u)?;
        let existing = self
            .memberships
            .iter()
            .position(|m| m.user == target && m.project == p.id);
        let id = match existing {
            Some(i) => {
                if self.memberships[i].state.is_active() {
                    return Err(Fault::conflict("Membership already exists."));
                }
                self.memberships[i].set(MembershipState::Accepted);
                self.memberships[i].id
            }
            None => self.new_membership(&target, &p.id, &[MembershipState::Accepted]),
        };
        self.sync_holdings();
        Ok(json!({ "id": id }))
    }

    /// `POST /projects/memberships/{id}/action`.
    pub fn membership_action(&mut self, u: &User, id: u64, body: &Value) -> Answer {
        let (action, _reason) =
            get_action(&["leave", "cancel", "accept", "reject", "remove"], body)?;
        let idx = self.membership_by_id(id)?;
        let m = self.memberships[idx].clone();
        self.membership_check(&m, u, action)?;
        let p = self.project_of(&m)?;
        use MembershipState as M;
        let next = match action {
            "accept" => M::Accepted,
            "reject" => M::Rejected,
            "cancel" => M::Cancelled,
            "remove" => M::Removed,
            _ if p.spec.leave_policy == "auto" => M::Removed,
            _ => M::LeaveRequested,
        };
        self.memberships[idx].set(next);
        self.sync_holdings();
        Ok(Value::Null)
    }
}

/// Serials accepted, rejected, and not found (as sent).
type Resolved = (Vec<u64>, Vec<u64>, Vec<i128>);

/// What an application submission carries: the spec to apply on
/// approval, which fields it named, and the resources it asked for.
struct Submitted {
    spec: Spec,
    given: Vec<&'static str>,
    grants: BTreeMap<String, (i64, i64)>,
}

const PENDING_APP: &str = "astakos.pending_app";
/// `units.PRACTICALLY_INFINITE`: a new project's `max_members` default.
const PRACTICALLY_INFINITE: i64 = i64::MAX;
const NOT_MEMBERSHIP_REQUEST: &str = "This is not a valid membership request.";
const NOT_ACCEPTED_MEMBERSHIP: &str = "This is not an accepted membership.";
const JOIN_CLOSED: &str = "The Project's member join policy is closed.";
const LEAVE_CLOSED: &str = "The project's member leave policy is closed.";
const MEMBER_LIMIT: &str = "You have reached the maximum number of members for this Project.";

fn unknown_project(id: &str) -> Fault {
    Fault::not_found(format!("There is no project identified by {id}."))
}

fn not_allowed() -> Fault {
    Fault::forbidden("You do not have the permissions to perform this action.")
}

/// A Python exception in a view: `api_method` answers 500.
fn unexpected() -> Fault {
    Fault::new(StatusCode::INTERNAL_SERVER_ERROR, "Unexpected error")
}

fn fault_message(f: &Fault) -> String {
    f.body
        .as_ref()
        .and_then(|b| b.as_object())
        .and_then(|o| o.values().next())
        .and_then(|v| v["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// `get_action`: exactly one of the known actions among the body's keys
/// (other keys are ignored).
fn get_action<'a, 'b>(actions: &[&'a str], body: &'b Value) -> Result<(&'a str, &'b Value), Fault> {
    let Some(obj) = body.as_object() else {
        return Err(Fault::bad_request("Request should be a JSON dict"));
    };
    let mut found = None;
    for a in actions {
        if let Some(v) = obj.get(*a) {
            if found.is_some() {
                return Err(Fault::bad_request("Multiple actions not supported"));
            }
            found = Some((*a, v));
        }
    }
    found.ok_or_else(|| Fault::bad_request("No recognized action"))
}

/// `DOMAIN_VALUE_REGEX`:
/// `^([a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,6}$`.
fn valid_project_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else {
        return false;
    };
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
    };
    !rest.is_empty()
        && rest.iter().all(|l| label_ok(l))
        && (2..=6).contains(&tld.len())
        && tld.bytes().all(|c| c.is_ascii_alphabetic())
}

/// Python's `datetime.isoformat()` of the UTC value, with the `+00:00`
/// that `synnefo.util.date.isoformat` adds.
fn py_isoformat(d: OffsetDateTime) -> String {
    let d = d.to_offset(time::UtcOffset::UTC);
    let micro = d.microsecond();
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    );
    if micro != 0 {
        out.push_str(&format!(".{micro:06}"));
    }
    out.push_str("+00:00");
    out
}

/// `units.parse` for `max_members`: an integer, or a string of digits.
fn parse_units(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `synnefo.util.date.isoparse` for the ISO forms clients send: a date
/// and time (`T` or space), optional fraction, and a zone (`Z`, `UTC`,
/// `GMT` or `±HH[:MM]`). The real function converts the parsed value with
/// `astimezone`, which Python 2 refuses for a value without a zone, so a
/// date without one is invalid there (400 `Invalid end_date`), and so it
/// is here.
fn parse_iso_date(s: &str) -> Option<OffsetDateTime> {
    use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};
    let num = |t: &str| -> Option<u32> {
        (!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (d, t) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut dp = d.split('-');
    let (y, m, day) = (dp.next()?, dp.next()?, dp.next()?);
    if dp.next().is_some() || y.len() != 4 || m.len() != 2 || day.len() != 2 {
        return None;
    }
    let month = Month::try_from(u8::try_from(num(m)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::try_from(num(y)?).ok()?,
        month,
        u8::try_from(num(day)?).ok()?,
    )
    .ok()?;
    let t = t?;
    let (clock, offset) = if let Some(c) = ["Z", " UTC", "UTC", " GMT", "GMT"]
        .iter()
        .find_map(|z| t.strip_suffix(z))
    {
        (c, UtcOffset::UTC)
    } else if let Some(i) = t.rfind(['+', '-']) {
        let (c, o) = t.split_at(i);
        let sign: i8 = if o.starts_with('-') { -1 } else { 1 };
        let o = o[1..].replace(':', "");
        if o.len() != 4 && o.len() != 2 {
            return None;
        }
        let hh = i8::try_from(num(&o[..2])?).ok()?;
        let mm = if o.len() == 4 {
            i8::try_from(num(&o[2..])?).ok()?
        } else {
            0
        };
        (c, UtcOffset::from_hms(sign * hh, sign * mm, 0).ok()?)
    } else {
        return None;
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let h = u8::try_from(num(parts.next()?)?).ok()?;
    let mi = parts.next().map_or(Some(0), num)?;
    let sec = parts.next().map_or(Some(0), num)?;
    if parts.next().is_some() {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 => num(f)? * 10u32.pow(9 - f.len() as u32),
        Some(_) => return None,
    };
    let time =
        Time::from_hms_nano(h, u8::try_from(mi).ok()?, u8::try_from(sec).ok()?, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_repr_is_pythons() {
        // python2 -c "print repr(u\"a'b\"), repr(u'\xe9\n\u2603\U0001f600'), repr(u'a\"b\'c')"
        assert_eq!(py_repr(&json!("a'b")), r#"u"a'b""#);
        assert_eq!(py_repr(&json!("é\n☃😀")), r"u'\xe9\n\u2603\U0001f600'");
        assert_eq!(py_repr(&json!("a\"b'c")), r#"u'a"b\'c'"#);
        assert_eq!(py_repr(&json!(null)), "None");
        assert_eq!(py_repr(&json!(5)), "5");
    }

    #[test]
    fn dates_need_a_zone_and_render_as_isoformat() {
        let d = parse_iso_date("2031-01-01T02:30:00.5+02:00").unwrap();
        assert_eq!(py_isoformat(d), "2031-01-01T00:30:00.500000+00:00");
        assert_eq!(
            py_isoformat(parse_iso_date("2031-01-01T00:00:00Z").unwrap()),
            "2031-01-01T00:00:00+00:00"
        );
        for bad in [
            "2031-01-01",
            "2031-01-01T00:00:00",
            "soon",
            "2031-13-01T00:00:00Z",
            "",
        ] {
            assert!(parse_iso_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn project_names_are_domains() {
        for ok in ["lab.example.org", "a.io", "x-1.example.museum"] {
            assert!(valid_project_name(ok), "{ok}");
        }
        for bad in [
            "lab",
            "not a domain",
            "-a.example.org",
            "a..org",
            "a.example.o",
            "a.example.1org",
        ] {
            assert!(!valid_project_name(bad), "{bad}");
        }
    }
}
