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
    pub unit: String,
    pub description: String,
    pub base_default: i64,
}

impl Resource {
    pub fn component(&self) -> &str {
        self.name.split('.').next().unwrap_or_default()
    }
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
    pub spec: Spec,
    pub date: String,
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

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
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
        let res: [(&str, &str, &str, i64); 8] = [
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
                "Number of virtual machine processors",
                8,
            ),
            ("cyclades.ram", "bytes", "Virtual machine memory", 8 * GIB),
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
                "Pithos account quota",
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
                start_date: Some("2024-01-01T00:00:00.000000+00:00".to_owned()),
                end_date: "2030-12-31T00:00:00.000000+00:00".to_owned(),
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
                end_date: "2029-06-30T00:00:00.000000+00:00".to_owned(),
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
            ("cyclades.ram", GIB),
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
                date: date.clone(),
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
                    end_date: "2199-12-31T00:00:00.000000+00:00".to_owned(),
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
            p.spec
                .resources
                .get(&resource.name)
                .copied()
                .unwrap_or((0, 0))
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
            "limit": u.limit, "usage": u.usage_max, "pending": u.usage_max - u.usage_min,
            "project_limit": p.limit, "project_usage": p.usage_max,
            "project_pending": p.usage_max - p.usage_min,
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

    pub fn user_catalogs(&self, body: &Value, service: bool) -> Answer {
        let Some(obj) = body.as_object() else {
            return Err(Fault::bad_request("Request body should be a json dict."));
        };
        let list = |key: &str| -> Result<Option<Vec<String>>, Fault> {
            match obj.get(key) {
                None => Ok(Some(Vec::new())),
                Some(Value::Null) => Ok(if service { None } else { Some(Vec::new()) }),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            Fault::bad_request(format!("Invalid {key}: expected a list of strings"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(Fault::bad_request(format!(
                    "Invalid {key}: expected a list of strings"
                ))),
            }
        };
        let uuids = list("uuids")?;
        let names = list("displaynames")?;
        let mut uc = Map::new();
        for u in &self.users {
            if uuids.as_ref().is_none_or(|l| l.contains(&u.uuid)) {
                uc.insert(u.uuid.clone(), json!(u.email));
            }
        }
        let mut dc = Map::new();
        for u in &self.users {
            let hit = match &names {
                None => Some(u.email.clone()),
                Some(l) => l.iter().find(|n| n.eq_ignore_ascii_case(&u.email)).cloned(),
            };
            if let Some(n) = hit {
                dc.insert(n, json!(u.uuid));
            }
        }
        Ok(json!({"uuid_catalog": uc, "displayname_catalog": dc}))
    }

    pub fn resources_json(&self) -> Value {
        let mut out = Map::new();
        for r in &self.resources {
            out.insert(
                r.name.clone(),
                json!({
                    "service": r.component(),
                    "service_type": r.name.split('.').next().map(|c| match c {
                        "cyclades" => "compute",
                        "pithos" => "object-store",
                        _ => "account",
                    }),
                    "service_origin": format!("{}_{}", r.component(), match r.component() {
                        "cyclades" => "compute",
                        "pithos" => "object-store",
                        _ => "account",
                    }),
                    "unit": r.unit,
                    "description": r.description,
                    "ui_visible": true,
                    "api_visible": true,
                    "allow_in_projects": r.name != "astakos.pending_app",
                }),
            );
        }
        Value::Object(out)
    }

    // ---------------------------------------------------------------- quotas

    pub fn user_quotas(&self, uuid: &str) -> Value {
        let mut out = Map::new();
        for pid in self.catalog_user_projects(uuid) {
            let mut res = Map::new();
            for r in &self.resources {
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
                               "project_pending": h.usage_max - h.usage_min}),
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

    /// Apply provisions to the holdings (all or nothing).
    fn provide(&mut self, provisions: &[Provision], force: bool) -> Result<(), Fault> {
        let mut staged: BTreeMap<HoldingKey, Holding> = BTreeMap::new();
        for p in provisions {
            let key = (p.holder.clone(), p.source.clone(), p.resource.clone());
            let prov = json!({"holder": p.holder, "source": p.source,
                              "resource": p.resource, "quantity": p.quantity});
            let current = match staged.get(&key).or_else(|| self.holdings.get(&key)) {
                Some(h) => *h,
                None => {
                    return Err(Fault::custom(
                        StatusCode::NOT_FOUND,
                        format!(
                            "There is no such holding ({}, {}, {})",
                            p.holder,
                            p.source.as_deref().unwrap_or("None"),
                            p.resource
                        ),
                        Some(json!({"provision": prov, "name": "NoHoldingError"})),
                    ))
                }
            };
            let mut h = current;
            if p.quantity >= 0 {
                if !force && h.usage_max.saturating_add(p.quantity) > h.limit {
                    return Err(Fault::custom(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "Limit for resource '{}' exceeded: limit {}, usage {}, requested {}",
                            p.resource, h.limit, h.usage_max, p.quantity
                        ),
                        Some(json!({"provision": prov, "name": "NoCapacityError",
                                    "limit": h.limit, "usage": h.usage_max})),
                    ));
                }
                h.usage_max = h.usage_max.saturating_add(p.quantity);
            } else {
                if h.usage_min.saturating_add(p.quantity) < 0 {
                    return Err(Fault::custom(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "Cannot release {} of resource '{}': usage {}",
                            -p.quantity, p.resource, h.usage_min
                        ),
                        Some(json!({"provision": prov, "name": "NoQuantityError",
                                    "limit": 0, "usage": h.usage_min})),
                    ));
                }
                h.usage_min = h.usage_min.saturating_add(p.quantity);
            }
            staged.insert(key, h);
        }
        self.holdings.extend(staged);
        Ok(())
    }

    fn finish(&mut self, serial: u64, accept: bool) {
        let Some(c) = self.commissions.get_mut(&serial) else {
            return;
        };
        c.state = if accept {
            CommissionState::Accepted
        } else {
            CommissionState::Rejected
        };
        let provisions = c.provisions.clone();
        for p in provisions {
            let key = (p.holder, p.source, p.resource);
            if let Some(h) = self.holdings.get_mut(&key) {
                match (accept, p.quantity >= 0) {
                    (true, true) => h.usage_min += p.quantity,
                    (true, false) => h.usage_max += p.quantity,
                    (false, true) => h.usage_max -= p.quantity,
                    (false, false) => h.usage_min -= p.quantity,
                }
            }
        }
    }

    pub fn issue_commission(&mut self, client: &str, body: &Value) -> Answer {
        let Some(obj) = body.as_object() else {
            return Err(Fault::custom(
                StatusCode::BAD_REQUEST,
                "Request body should be a json dict.",
                None,
            ));
        };
        let bad = |m: String| Fault::custom(StatusCode::BAD_REQUEST, m, None);
        let force = match obj.get("force") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad("Invalid 'force' field".into())),
        };
        let auto_accept = match obj.get("auto_accept") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad("Invalid 'auto_accept' field".into())),
        };
        let name = match obj.get("name") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(bad("Invalid 'name' field".into())),
        };
        let Some(list) = obj.get("provisions").and_then(Value::as_array) else {
            return Err(bad("Provisions field should be a list".into()));
        };
        let mut provisions: Vec<Provision> = Vec::new();
        for item in list {
            let parsed = (|| {
                let holder = item.get("holder")?.as_str()?.to_owned();
                let source = match item.get("source")? {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    _ => return None,
                };
                let resource = item.get("resource")?.as_str()?.to_owned();
                let quantity = int(item.get("quantity")?)?;
                Some(Provision {
                    holder,
                    source,
                    resource,
                    quantity,
                })
            })();
            let Some(p) = parsed else {
                return Err(bad(format!("Malformed provision {item}")));
            };
            match provisions
                .iter_mut()
                .find(|x| x.holder == p.holder && x.source == p.source && x.resource == p.resource)
            {
                Some(x) => x.quantity = x.quantity.saturating_add(p.quantity),
                None => provisions.push(p),
            }
        }
        self.provide(&provisions, force)?;
        let serial = self.next_serial;
        self.next_serial += 1;
        self.commissions.insert(
            serial,
            Commission {
                serial,
                client: client.to_owned(),
                name,
                provisions,
                state: CommissionState::Pending,
            },
        );
        self.issue_times.insert(serial, now_iso());
        if auto_accept {
            self.finish(serial, true);
        }
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

    pub fn commission_action(&mut self, client: &str, serial: u64, body: &Value) -> Answer {
        let Some(obj) = body.as_object() else {
            return Err(Fault::custom(
                StatusCode::BAD_REQUEST,
                "Request body should be a json dict.",
                None,
            ));
        };
        let accept = obj.contains_key("accept");
        let reject = obj.contains_key("reject");
        if accept == reject {
            return Err(Fault::custom(
                StatusCode::BAD_REQUEST,
                "Exactly one of 'accept' and 'reject' is required.",
                None,
            ));
        }
        if !self.pending_for(client, serial) {
            return Err(Fault::empty(StatusCode::NOT_FOUND));
        }
        self.finish(serial, accept);
        Ok(Value::Null)
    }

    pub fn resolve_commissions(&mut self, client: &str, body: &Value) -> Answer {
        let bad = |m: &str| Fault::custom(StatusCode::BAD_REQUEST, m, None);
        let Some(obj) = body.as_object() else {
            return Err(bad("Request body should be a json dict."));
        };
        let list = |key: &str| -> Result<Vec<u64>, Fault> {
            match obj.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| v.as_u64().ok_or_else(|| bad("Serials should be integers")))
                    .collect(),
                Some(_) => Err(bad("Accept and reject fields should be lists")),
            }
        };
        let mut accept = list("accept")?;
        let mut reject = list("reject")?;
        accept.sort_unstable();
        accept.dedup();
        reject.sort_unstable();
        reject.dedup();
        let conflicting: Vec<u64> = accept
            .iter()
            .copied()
            .filter(|s| reject.contains(s))
            .collect();
        let (mut accepted, mut rejected, mut not_found) = (Vec::new(), Vec::new(), Vec::new());
        for (set, ok) in [(&accept, true), (&reject, false)] {
            for s in set.iter().filter(|s| !conflicting.contains(s)) {
                if self.pending_for(client, *s) {
                    self.finish(*s, ok);
                    if ok {
                        accepted.push(*s);
                    } else {
                        rejected.push(*s);
                    }
                } else {
                    not_found.push(*s);
                }
            }
        }
        let mut failed: Vec<Value> = not_found
            .iter()
            .map(|s| json!([s, {"itemNotFound": {"message": format!("serial {s} does not exist"), "code": 404}}]))
            .collect();
        failed.extend(conflicting.iter().map(|s| {
            json!([s, {"badRequest": {"message": format!("cannot both accept and reject serial {s}"), "code": 400}}])
        }));
        Ok(json!({"accepted": accepted, "rejected": rejected, "failed": failed}))
    }

    // --------------------------------------------------------------- projects

    fn related(&self, p: &Project, uuid: &str) -> bool {
        p.spec.owner == uuid
            || self
                .memberships
                .iter()
                .any(|m| m.project == p.id && m.user == uuid)
            || self
                .applications
                .values()
                .any(|a| a.project == p.id && a.applicant == uuid)
    }

    fn visible(&self, p: &Project, u: &User) -> bool {
        u.admin || self.related(p, &u.uuid) || (!p.spec.private && p.state != ProjectState::Deleted)
    }

    fn resources_of(&self, p_is_base: bool, spec: &Spec) -> Value {
        let mut res = Map::new();
        for r in &self.resources {
            let caps = if p_is_base {
                Some((r.base_default, r.base_default))
            } else {
                spec.resources.get(&r.name).copied()
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

    fn app_json(&self, a: &Application) -> Value {
        json!({
            "id": a.id,
            "state": a.state.as_str(),
            "name": a.spec.name,
            "owner": a.spec.owner,
            "applicant": a.applicant,
            "homepage": a.spec.homepage,
            "description": a.spec.description,
            "start_date": a.spec.start_date,
            "end_date": a.spec.end_date,
            "comments": a.spec.comments,
            "join_policy": a.spec.join_policy,
            "leave_policy": a.spec.leave_policy,
            "max_members": a.spec.max_members,
            "private": a.spec.private,
            "date": a.date,
            "resources": self.resources_of(false, &a.spec),
        })
    }

    fn project_json(&self, p: &Project, u: &User) -> Value {
        let mut v = json!({
            "id": p.id,
            "state": p.state.as_str(),
            "creation_date": p.creation_date,
            "name": p.spec.name,
            "owner": p.spec.owner,
            "homepage": p.spec.homepage,
            "description": p.spec.description,
            "end_date": p.spec.end_date,
            "join_policy": p.spec.join_policy,
            "leave_policy": p.spec.leave_policy,
            "max_members": p.spec.max_members,
            "private": p.spec.private,
            "system_project": p.is_base,
            "resources": self.resources_of(p.is_base, &p.spec),
        });
        if let Some(d) = &p.deactivation_date {
            v["deactivation_date"] = json!(d);
        }
        if let Some(a) = p.last_app.and_then(|id| self.applications.get(&id)) {
            if u.admin || p.spec.owner == u.uuid || a.applicant == u.uuid {
                v["last_application"] = self.app_json(a);
            }
        }
        v
    }

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
                    .ok_or_else(|| Fault::bad_request(format!("Unrecognized state '{s}'")))?,
            ),
        };
        let mode = mode.unwrap_or("default");
        if !["default", "member", "related", "active"].contains(&mode) {
            return Err(Fault::bad_request(format!("Unrecognized mode '{mode}'")));
        }
        let list: Vec<Value> = self
            .projects
            .iter()
            .filter(|p| match mode {
                "member" => self
                    .memberships
                    .iter()
                    .any(|m| m.project == p.id && m.user == u.uuid && m.state.is_active()),
                "related" => self.related(p, &u.uuid),
                "active" => p.state == ProjectState::Active && self.visible(p, u),
                _ => self.visible(p, u),
            })
            .filter(|p| match state {
                Some(s) => p.state == s,
                None => p.state != ProjectState::Deleted,
            })
            .filter(|p| name.is_none_or(|n| p.spec.name == n))
            .filter(|p| owner.is_none_or(|o| p.spec.owner == o))
            .map(|p| self.project_json(p, u))
            .collect();
        Ok(Value::Array(list))
    }

    pub fn get_project(&self, u: &User, id: &str) -> Answer {
        match self.projects.iter().find(|p| p.id == id) {
            Some(p) if self.visible(p, u) => Ok(self.project_json(p, u)),
            _ => Err(Fault::not_found(format!("Project {id} does not exist."))),
        }
    }

    /// Parse project specs over `base` (all keys optional when `base` is
    /// given; `name` and `end_date` required otherwise).
    fn parse_spec(&self, u: &User, body: &Value, base: Option<&Spec>) -> Result<Spec, Fault> {
        let Some(obj) = body.as_object() else {
            return Err(Fault::bad_request(
                "Malformed request: expected a json object.",
            ));
        };
        let bad = Fault::bad_request;
        let text = |k: &str| -> Result<Option<String>, Fault> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(format!("Invalid {k}"))),
            }
        };
        let name = match (text("name")?, base) {
            (Some(n), _) if !n.trim().is_empty() => n,
            (Some(_), _) => return Err(bad("Name missing".to_owned())),
            (None, Some(b)) => b.name.clone(),
            (None, None) => return Err(bad("Name missing".to_owned())),
        };
        let end_date = match (text("end_date")?, base) {
            (Some(d), _) => {
                if !valid_date(&d) {
                    return Err(bad(format!("Invalid end_date '{d}'")));
                }
                d
            }
            (None, Some(b)) => b.end_date.clone(),
            (None, None) => return Err(bad("Missing end date".to_owned())),
        };
        let start_date = match text("start_date")? {
            Some(d) if !valid_date(&d) => return Err(bad(format!("Invalid start_date '{d}'"))),
            Some(d) => Some(d),
            None => base.and_then(|b| b.start_date.clone()),
        };
        let owner = match text("owner")? {
            Some(o) => {
                if self.user(&o).is_none() {
                    return Err(bad(format!("User '{o}' does not exist")));
                }
                if o != u.uuid && !u.admin {
                    return Err(Fault::forbidden("Only admins can set the project owner."));
                }
                o
            }
            None => base
                .map(|b| b.owner.clone())
                .unwrap_or_else(|| u.uuid.clone()),
        };
        let policy = |k: &str, dflt: &str| -> Result<String, Fault> {
            match text(k)? {
                Some(p) if ["auto", "moderated", "closed"].contains(&p.as_str()) => Ok(p),
                Some(p) => Err(bad(format!("Invalid {k} '{p}'"))),
                None => Ok(dflt.to_owned()),
            }
        };
        let join_policy = policy(
            "join_policy",
            base.map_or("moderated", |b| b.join_policy.as_str()),
        )?;
        let leave_policy = policy(
            "leave_policy",
            base.map_or("auto", |b| b.leave_policy.as_str()),
        )?;
        let max_members = match obj.get("max_members") {
            None => base.and_then(|b| b.max_members),
            Some(Value::Null) => None,
            Some(v) => match v.as_i64() {
                Some(n) if n >= 0 => Some(n),
                _ => return Err(bad("Invalid max_members".to_owned())),
            },
        };
        let private = match obj.get("private") {
            None | Some(Value::Null) => base.is_some_and(|b| b.private),
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad("Invalid private".to_owned())),
        };
        let mut resources = base.map(|b| b.resources.clone()).unwrap_or_default();
        match obj.get("resources") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (res, caps) in map {
                    if !self
                        .resources
                        .iter()
                        .any(|r| r.name == *res && r.name != "astakos.pending_app")
                    {
                        return Err(bad(format!("Resource {res} does not exist")));
                    }
                    let cap = |k: &str| caps.get(k).and_then(Value::as_i64).filter(|n| *n >= 0);
                    match (cap("member_capacity"), cap("project_capacity")) {
                        (Some(m), Some(p)) => {
                            resources.insert(res.clone(), (m, p));
                        }
                        _ => return Err(bad(format!("Malformed resource {res}"))),
                    }
                }
            }
            Some(_) => return Err(bad("Invalid resources".to_owned())),
        }
        Ok(Spec {
            name,
            owner,
            homepage: text("homepage")?
                .or_else(|| base.map(|b| b.homepage.clone()))
                .unwrap_or_default(),
            description: text("description")?
                .or_else(|| base.map(|b| b.description.clone()))
                .unwrap_or_default(),
            comments: text("comments")?.unwrap_or_default(),
            start_date,
            end_date,
            join_policy,
            leave_policy,
            max_members,
            private,
            resources,
        })
    }

    /// Charge (+1) or release (-1) the applicant's pending-application
    /// holding in their base project.
    fn pending_app(&mut self, user: &User, delta: i64) -> Result<(), Fault> {
        let key = (
            holder_user(&user.uuid),
            Some(holder_project(&user.uuid)),
            "astakos.pending_app".to_owned(),
        );
        let Some(h) = self.holdings.get_mut(&key) else {
            return Ok(());
        };
        if delta > 0 && !user.admin && h.usage_max + delta > h.limit {
            return Err(Fault::conflict(format!(
                "You have reached the maximum number of pending project applications ({}).",
                h.limit
            )));
        }
        h.usage_min = (h.usage_min + delta).max(0);
        h.usage_max = (h.usage_max + delta).max(0);
        Ok(())
    }

    fn release_app(&mut self, app_id: u64) {
        let Some(applicant) = self
            .applications
            .get(&app_id)
            .and_then(|a| self.user(&a.applicant))
            .cloned()
        else {
            return;
        };
        let _ = self.pending_app(&applicant, -1);
    }

    pub fn create_project(&mut self, u: &User, body: &Value) -> Answer {
        let spec = self.parse_spec(u, body, None)?;
        self.pending_app(u, 1)?;
        let id = uuid::Uuid::new_v4().to_string();
        let app_id = self.next_app;
        self.next_app += 1;
        let date = now_iso();
        self.applications.insert(
            app_id,
            Application {
                id: app_id,
                project: id.clone(),
                state: AppState::Pending,
                applicant: u.uuid.clone(),
                spec: spec.clone(),
                date: date.clone(),
            },
        );
        self.projects.push(Project {
            id: id.clone(),
            state: ProjectState::Uninitialized,
            is_base: false,
            spec,
            creation_date: date,
            deactivation_date: None,
            last_app: Some(app_id),
        });
        Ok(json!({"id": id, "application": app_id}))
    }

    pub fn modify_project(&mut self, u: &User, id: &str, body: &Value) -> Answer {
        let Some(idx) = self
            .project_idx(id)
            .filter(|i| self.visible(&self.projects[*i], u))
        else {
            return Err(Fault::not_found(format!("Project {id} does not exist.")));
        };
        let p = self.projects[idx].clone();
        if p.is_base && !u.admin {
            return Err(Fault::forbidden("Only admins can modify a system project."));
        }
        if !(u.admin || p.spec.owner == u.uuid) {
            return Err(Fault::forbidden(
                "Only the project owner can modify a project.",
            ));
        }
        if matches!(p.state, ProjectState::Deleted | ProjectState::Terminated) {
            return Err(Fault::conflict(format!(
                "Cannot modify a project in state '{}'.",
                p.state.as_str()
            )));
        }
        let base_spec = match p.last_app.and_then(|a| self.applications.get(&a)) {
            Some(a) if p.state == ProjectState::Uninitialized => a.spec.clone(),
            _ => p.spec.clone(),
        };
        let spec = self.parse_spec(u, body, Some(&base_spec))?;
        self.pending_app(u, 1)?;
        let pending: Vec<u64> = self
            .applications
            .values()
            .filter(|a| a.project == id && a.state == AppState::Pending)
            .map(|a| a.id)
            .collect();
        for a in pending {
            self.release_app(a);
            if let Some(app) = self.applications.get_mut(&a) {
                app.state = AppState::Replaced;
            }
        }
        let app_id = self.next_app;
        self.next_app += 1;
        self.applications.insert(
            app_id,
            Application {
                id: app_id,
                project: id.to_owned(),
                state: AppState::Pending,
                applicant: u.uuid.clone(),
                spec: spec.clone(),
                date: now_iso(),
            },
        );
        let p = &mut self.projects[idx];
        p.last_app = Some(app_id);
        if p.state == ProjectState::Uninitialized {
            p.spec = spec;
        }
        Ok(json!({"id": id, "application": app_id}))
    }

    pub fn project_action(&mut self, u: &User, id: &str, body: &Value) -> Answer {
        let Some(idx) = self
            .project_idx(id)
            .filter(|i| self.visible(&self.projects[*i], u))
        else {
            return Err(Fault::not_found(format!("Project {id} does not exist.")));
        };
        let Some((action, args)) = body
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            return Err(Fault::bad_request("Exactly one action is required."));
        };
        let action = action.as_str();
        match action {
            "suspend" | "unsuspend" | "terminate" | "reinstate" => {
                if !u.admin {
                    return Err(Fault::forbidden(format!(
                        "You are not allowed to {action} projects."
                    )));
                }
                let p = &self.projects[idx];
                use ProjectState as S;
                let next = match (action, p.state) {
                    ("terminate", _) if p.is_base => {
                        return Err(Fault::conflict("Cannot terminate a system project."))
                    }
                    ("suspend", S::Active) => S::Suspended,
                    ("unsuspend", S::Suspended) => S::Active,
                    ("terminate", S::Active | S::Suspended) => S::Terminated,
                    ("reinstate", S::Terminated) => S::Active,
                    (_, s) => {
                        return Err(Fault::conflict(format!(
                            "Cannot {action} project {id}: it is {}.",
                            s.as_str()
                        )))
                    }
                };
                let p = &mut self.projects[idx];
                p.state = next;
                p.deactivation_date = (next != S::Active).then(now_iso);
                self.sync_holdings();
                Ok(Value::Null)
            }
            "approve" | "deny" | "dismiss" | "cancel" => {
                let app_id = match args.get("app_id") {
                    Some(Value::Number(n)) => n.as_u64(),
                    Some(Value::String(s)) => s.parse().ok(),
                    _ => None,
                };
                let Some(app_id) = app_id else {
                    return Err(Fault::bad_request("Missing or invalid app_id."));
                };
                self.application_action(u, idx, app_id, action)
            }
            other => Err(Fault::bad_request(format!("Unknown action '{other}'."))),
        }
    }

    fn application_action(&mut self, u: &User, idx: usize, app_id: u64, action: &str) -> Answer {
        let pid = self.projects[idx].id.clone();
        let Some(app) = self
            .applications
            .get(&app_id)
            .filter(|a| a.project == pid)
            .cloned()
        else {
            return Err(Fault::not_found(format!(
                "Application {app_id} does not exist for project {pid}."
            )));
        };
        let admin_only = matches!(action, "approve" | "deny");
        if admin_only && !u.admin {
            return Err(Fault::forbidden(format!(
                "You are not allowed to {action} applications."
            )));
        }
        if !(admin_only || u.admin || app.applicant == u.uuid) {
            return Err(Fault::forbidden(format!(
                "Only the applicant can {action} application {app_id}."
            )));
        }
        let required = if action == "dismiss" {
            AppState::Denied
        } else {
            AppState::Pending
        };
        if app.state != required {
            return Err(Fault::conflict(format!(
                "Cannot {action} application {app_id} in state '{}'.",
                app.state.as_str()
            )));
        }
        let next = match action {
            "approve" => AppState::Approved,
            "deny" => AppState::Denied,
            "dismiss" => AppState::Dismissed,
            _ => AppState::Cancelled,
        };
        if app.state == AppState::Pending {
            self.release_app(app_id);
        }
        if let Some(a) = self.applications.get_mut(&app_id) {
            a.state = next;
        }
        let p = &mut self.projects[idx];
        match next {
            AppState::Approved => {
                p.spec = app.spec.clone();
                if p.state == ProjectState::Uninitialized {
                    p.state = ProjectState::Active;
                }
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

    fn can_moderate(&self, u: &User, project: &str) -> bool {
        u.admin
            || self
                .projects
                .iter()
                .any(|p| p.id == project && p.spec.owner == u.uuid)
    }

    fn allowed_actions(&self, m: &Membership, u: &User) -> Vec<&'static str> {
        let moderator = self.can_moderate(u, &m.project);
        let member = m.user == u.uuid;
        let mut out = Vec::new();
        match m.state {
            MembershipState::Requested | MembershipState::LeaveRequested => {
                if moderator {
                    out.extend(["accept", "reject"]);
                }
                if member {
                    out.push("cancel");
                }
            }
            MembershipState::Accepted => {
                if member {
                    out.push("leave");
                }
                if moderator {
                    out.push("remove");
                }
            }
            _ => {}
        }
        out
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

    fn membership_visible(&self, m: &Membership, u: &User) -> bool {
        m.user == u.uuid || self.can_moderate(u, &m.project)
    }

    pub fn get_memberships(&self, u: &User, project: Option<&str>) -> Answer {
        if let Some(pid) = project {
            match self.projects.iter().find(|p| p.id == pid) {
                Some(p) if self.visible(p, u) => {}
                _ => return Err(Fault::not_found(format!("Project {pid} does not exist."))),
            }
        }
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
        let Some(m) = self.memberships.iter().find(|m| m.id == id) else {
            return Err(Fault::not_found(format!("Membership {id} does not exist.")));
        };
        if !self.membership_visible(m, u) {
            return Err(Fault::forbidden(
                "You are not allowed to view this membership.",
            ));
        }
        Ok(self.membership_json(m, u))
    }

    fn active_members(&self, project: &str) -> i64 {
        self.memberships
            .iter()
            .filter(|m| m.project == project && m.state.is_active())
            .count() as i64
    }

    fn check_room(&self, p: &Project) -> Result<(), Fault> {
        if p.spec
            .max_members
            .is_some_and(|max| self.active_members(&p.id) >= max)
        {
            return Err(Fault::conflict(format!(
                "Project {} has reached its maximum number of members.",
                p.id
            )));
        }
        Ok(())
    }

    fn upsert_membership(&mut self, user: &str, project: &str, state: MembershipState) -> u64 {
        if let Some(m) = self
            .memberships
            .iter_mut()
            .find(|m| m.user == user && m.project == project)
        {
            m.set(state);
            return m.id;
        }
        let states: &[MembershipState] = if state == MembershipState::Requested {
            &[MembershipState::Requested]
        } else {
            &[MembershipState::Requested, state]
        };
        self.new_membership(user, project, states)
    }

    pub fn post_memberships(&mut self, u: &User, body: &Value) -> Answer {
        let Some((action, args)) = body
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            return Err(Fault::bad_request("Unacceptable action."));
        };
        let pid = match args.get("project") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(Fault::bad_request("Missing project.")),
        };
        let Some(p) = self
            .projects
            .iter()
            .find(|p| p.id == pid)
            .filter(|p| self.visible(p, u))
            .cloned()
        else {
            return Err(Fault::not_found(format!("Project {pid} does not exist.")));
        };
        if p.state != ProjectState::Active || p.is_base {
            return Err(Fault::conflict(format!(
                "Project {pid} does not accept new members."
            )));
        }
        let existing = |st: &State, user: &str| {
            st.memberships
                .iter()
                .find(|m| m.user == user && m.project == pid)
                .map(|m| m.state)
        };
        match action.as_str() {
            "join" => {
                if let Some(s) = existing(self, &u.uuid).filter(|s| {
                    matches!(
                        s,
                        MembershipState::Requested
                            | MembershipState::Accepted
                            | MembershipState::LeaveRequested
                    )
                }) {
                    return Err(Fault::conflict(format!(
                        "Membership already exists (state '{}').",
                        s.as_str()
                    )));
                }
                let state = match p.spec.join_policy.as_str() {
                    "closed" => {
                        return Err(Fault::conflict(format!(
                            "Project {pid} does not accept join requests."
                        )))
                    }
                    "auto" => {
                        self.check_room(&p)?;
                        MembershipState::Accepted
                    }
                    _ => MembershipState::Requested,
                };
                let id = self.upsert_membership(&u.uuid, &pid, state);
                self.sync_holdings();
                Ok(json!({ "id": id }))
            }
            "enroll" => {
                if !self.can_moderate(u, &pid) {
                    return Err(Fault::forbidden(
                        "Only the project owner can enroll members.",
                    ));
                }
                let Some(email) = args.get("user").and_then(Value::as_str) else {
                    return Err(Fault::bad_request("Missing user."));
                };
                let Some(target) = self
                    .users
                    .iter()
                    .find(|x| x.email.eq_ignore_ascii_case(email))
                    .map(|x| x.uuid.clone())
                else {
                    return Err(Fault::bad_request(format!(
                        "User '{email}' does not exist."
                    )));
                };
                if existing(self, &target).is_some_and(|s| s.is_active()) {
                    return Err(Fault::conflict(format!(
                        "User '{email}' is already a member."
                    )));
                }
                self.check_room(&p)?;
                let id = self.upsert_membership(&target, &pid, MembershipState::Accepted);
                self.sync_holdings();
                Ok(json!({ "id": id }))
            }
            other => Err(Fault::bad_request(format!(
                "Unacceptable action '{other}'."
            ))),
        }
    }

    pub fn membership_action(&mut self, u: &User, id: u64, body: &Value) -> Answer {
        let Some(idx) = self.memberships.iter().position(|m| m.id == id) else {
            return Err(Fault::not_found(format!("Membership {id} does not exist.")));
        };
        let Some(action) = body
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.keys().next())
            .cloned()
        else {
            return Err(Fault::bad_request("Exactly one action is required."));
        };
        if !["accept", "reject", "cancel", "remove", "leave"].contains(&action.as_str()) {
            return Err(Fault::bad_request(format!("Unknown action '{action}'.")));
        }
        let m = self.memberships[idx].clone();
        if !self.membership_visible(&m, u) {
            return Err(Fault::forbidden(
                "You are not allowed to act on this membership.",
            ));
        }
        let Some(p) = self.projects.iter().find(|p| p.id == m.project).cloned() else {
            return Err(Fault::not_found(format!(
                "Project {} does not exist.",
                m.project
            )));
        };
        if !self.allowed_actions(&m, u).contains(&action.as_str()) {
            let moderator_action = matches!(action.as_str(), "accept" | "reject" | "remove");
            let member_action = matches!(action.as_str(), "cancel" | "leave");
            let permitted = (moderator_action && self.can_moderate(u, &m.project))
                || (member_action && m.user == u.uuid);
            if !permitted {
                return Err(Fault::forbidden(format!(
                    "You are not allowed to {action} this membership."
                )));
            }
            return Err(Fault::conflict(format!(
                "Action '{action}' is not allowed for a membership in state '{}'.",
                m.state.as_str()
            )));
        }
        if p.is_base || (p.state != ProjectState::Active && action == "accept") {
            return Err(Fault::conflict(format!("Project {} is not active.", p.id)));
        }
        use MembershipState as M;
        let next = match (action.as_str(), m.state) {
            ("accept", M::Requested) => {
                self.check_room(&p)?;
                M::Accepted
            }
            ("accept", _) => M::Removed,
            ("reject", M::Requested) => M::Rejected,
            ("reject", _) => M::Accepted,
            ("cancel", M::Requested) => M::Cancelled,
            ("cancel", _) => M::Accepted,
            ("remove", _) => M::Removed,
            _ => match p.spec.leave_policy.as_str() {
                "auto" => M::Removed,
                "moderated" => M::LeaveRequested,
                _ => {
                    return Err(Fault::conflict(format!(
                        "Project {} does not allow members to leave.",
                        p.id
                    )))
                }
            },
        };
        self.memberships[idx].set(next);
        self.sync_holdings();
        Ok(Value::Null)
    }
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}
