//! NTT Enterprise Cloud 2.0 SSS v1, behind its own simulated Keystone.
//!
//! One server answers both: Keystone v3 (`/v3`, `/v3/auth/tokens`, see
//! [`KeystoneSim`]) and SSS v1 under `/api/v1.0/` — users, tenants, role
//! assignments, API keys, channels, contracts, billing, IAM groups and IAM
//! roles (`ecl-sss.md` §2). The token's catalog lists the SSS root as types
//! `sss` (the v1.0 root) and `sssv2` (what eclsdk 1.11.1 looks up), regions
//! `jp1` and `jp2`, interfaces `public` and `admin`.
//!
//! Every SSS request needs a valid `X-Auth-Token`; the token's user is an
//! SSS user, and it sees only its own contract (a partner also sees the
//! end-user contracts of its channels). Statuses and error bodies follow
//! the notes: `{"message": …}` for SSS errors, `{"errorCode", "errorMessage"}`
//! for IAM, `{"fault": {"faultstring": …}}` from the gateway for a missing
//! or bad token; creates answer 201, `PUT /users/{id}` and deletes 204.
//! Where the notes are silent (which of 403/404 for another contract's
//! resource, the exact messages) the choices are marked `[INF]`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::keystone::{CatalogEndpoint, KeystoneSim};
use crate::kit::{json as json_resp, random_token, request_origin};

/// The SSS root under the server.
pub const API_ROOT: &str = "/api/v1.0";

/// Seeded end-user contract.
pub const SEED_CONTRACT_ID: &str = "econ1000000010";
/// Its owner (super user).
pub const SEED_OWNER_ID: &str = "ecid1000000010";
/// The owner's API key (Keystone user name).
pub const SEED_OWNER_KEY: &str = "ecl-api-key-0001";
/// The owner's API secret.
pub const SEED_OWNER_SECRET: &str = "ecl-api-secret-0001";
/// A seeded ordinary user of the same contract.
pub const SEED_USER_ID: &str = "ecid1000000011";
/// Its API key.
pub const SEED_USER_KEY: &str = "ecl-api-key-0002";
/// Its API secret.
pub const SEED_USER_SECRET: &str = "ecl-api-secret-0002";
/// The end-user contract's tenant (Keystone project), `tenant-one`, jp1.
pub const SEED_TENANT_ID: &str = "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d";
/// The partner's contract.
pub const SEED_PARTNER_CONTRACT_ID: &str = "econ1000000001";
/// The partner's owner.
pub const SEED_PARTNER_ID: &str = "ecid1000000001";
/// The partner's API key.
pub const SEED_PARTNER_KEY: &str = "ecl-partner-key-0001";
/// The partner's API secret.
pub const SEED_PARTNER_SECRET: &str = "ecl-partner-secret-0001";
/// The partner's tenant, `partner-tenant`, jp1.
pub const SEED_PARTNER_TENANT_ID: &str = "1c2d3e4f5a6b4c7d8e9f0a1b2c3d4e5f";
/// The partner's own (management) channel.
pub const SEED_PARTNER_CHANNEL: &str = "ch0000000001";
/// The partner's end-user channel (holds the end-user contracts).
pub const SEED_END_USER_CHANNEL: &str = "ch0000000002";
/// The seeded IAM role of the end-user contract (`sss_get_role`).
pub const SEED_IAM_ROLE_ID: &str = "e8422cea-6449-11e6-82d8-7f1d195e00b5";
/// The seeded IAM group (`readers`, holding the role and the ordinary user).
pub const SEED_IAM_GROUP_ID: &str = "09d98eda-6421-11e6-9827-e1e34fb8c324";

/// The regions a tenant may be created in.
pub const REGIONS: &[&str] = &[
    "jp1", "jp2", "jp3", "jp4", "jp5", "us1", "uk1", "sg1", "au1", "hk1", "de1", "lab3ec",
];

/// Bounds: users per contract, and items of every other kind per contract.
pub const MAX_USERS_PER_CONTRACT: usize = 100_000;
/// See [`MAX_USERS_PER_CONTRACT`].
pub const MAX_ITEMS_PER_CONTRACT: usize = 10_000;
/// The longest name, login id, e-mail or description accepted.
pub const MAX_TEXT: usize = 255;

#[derive(Clone, Debug)]
struct Contract {
    id: String,
    channel_id: String,
    status: &'static str,
    owner_user_id: String,
    customer_number: String,
    start_time: String,
    end_time: String,
    partner: bool,
}

#[derive(Clone, Debug)]
struct Channel {
    id: String,
    name: String,
    language: String,
    management: bool,
    parent: Option<String>,
    /// The partner contract that manages it.
    partner_contract: String,
}

#[derive(Clone, Debug)]
struct User {
    id: String,
    login_id: String,
    mail_address: String,
    contract_id: String,
    owner: bool,
    keystone_name: String,
    keystone_password: String,
    start_time: String,
}

#[derive(Clone, Debug)]
struct Tenant {
    id: String,
    name: String,
    description: String,
    region: String,
    contract_id: String,
    start_time: String,
}

#[derive(Clone, Debug)]
struct IamGroup {
    id: String,
    name: String,
    description: String,
    contract_id: String,
    roles: Vec<String>,
    users: Vec<String>,
}

#[derive(Clone, Debug)]
struct IamRole {
    id: String,
    name: String,
    description: String,
    contract_id: String,
    resources: Value,
}

#[derive(Debug, Default)]
struct State {
    contracts: BTreeMap<String, Contract>,
    channels: BTreeMap<String, Channel>,
    users: BTreeMap<String, User>,
    tenants: BTreeMap<String, Tenant>,
    /// (user id, tenant id).
    roles: BTreeSet<(String, String)>,
    iam_groups: BTreeMap<String, IamGroup>,
    iam_roles: BTreeMap<String, IamRole>,
    next_user: u64,
    next_contract: u64,
    /// Requests answered per operation, for tests.
    calls: HashMap<String, usize>,
}

/// The SSS simulator (cheap to clone; clones share the state and the
/// Keystone behind it).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tenantry_sim::{EclSssSim, SimServer};
/// let sss = EclSssSim::seeded();
/// let server = SimServer::start(sss.router()).await?;
/// println!("{}", sss.seed_json(&server.base_url()));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct EclSssSim {
    state: Arc<Mutex<State>>,
    keystone: KeystoneSim,
}

impl Default for EclSssSim {
    fn default() -> Self {
        Self::new()
    }
}

/// `YYYY-MM-DD hh:mm:ss`, UTC.
fn now_text() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::now_utc().format(&fmt).unwrap_or_default()
}

fn is_digits_after(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|r| r.len() == 10 && r.bytes().all(|b| b.is_ascii_digit()))
}

impl EclSssSim {
    /// No contract, no user (its Keystone has no user either).
    pub fn new() -> Self {
        let keystone = KeystoneSim::new();
        keystone.set_catalog(Self::catalog("{origin}"));
        EclSssSim {
            state: Arc::new(Mutex::new(State {
                next_user: 1_000_001_000,
                next_contract: 1_000_001_000,
                ..State::default()
            })),
            keystone,
        }
    }

    /// The built-in seed: a partner contract ([`SEED_PARTNER_CONTRACT_ID`],
    /// channels [`SEED_PARTNER_CHANNEL`] and [`SEED_END_USER_CHANNEL`]) and
    /// an end-user contract ([`SEED_CONTRACT_ID`]) in its end-user channel,
    /// with its owner ([`SEED_OWNER_KEY`]), an ordinary user
    /// ([`SEED_USER_KEY`]), tenant `tenant-one`, and an IAM group `readers`
    /// holding IAM role `sss_get_role` and the ordinary user.
    pub fn seeded() -> Self {
        let sim = Self::new();
        sim.load_builtin();
        sim
    }

    fn load_builtin(&self) {
        let t = "2018-07-26 08:40:01".to_owned();
        {
            let mut st = self.lock();
            st.channels.insert(
                SEED_PARTNER_CHANNEL.into(),
                Channel {
                    id: SEED_PARTNER_CHANNEL.into(),
                    name: "partner_channel".into(),
                    language: "en".into(),
                    management: true,
                    parent: None,
                    partner_contract: SEED_PARTNER_CONTRACT_ID.into(),
                },
            );
            st.channels.insert(
                SEED_END_USER_CHANNEL.into(),
                Channel {
                    id: SEED_END_USER_CHANNEL.into(),
                    name: "end_user_channel".into(),
                    language: "ja".into(),
                    management: false,
                    parent: Some(SEED_PARTNER_CHANNEL.into()),
                    partner_contract: SEED_PARTNER_CONTRACT_ID.into(),
                },
            );
            for (id, channel, owner, partner) in [
                (
                    SEED_PARTNER_CONTRACT_ID,
                    SEED_PARTNER_CHANNEL,
                    SEED_PARTNER_ID,
                    true,
                ),
                (
                    SEED_CONTRACT_ID,
                    SEED_END_USER_CHANNEL,
                    SEED_OWNER_ID,
                    false,
                ),
            ] {
                st.contracts.insert(
                    id.into(),
                    Contract {
                        id: id.into(),
                        channel_id: channel.into(),
                        status: "enable",
                        owner_user_id: owner.into(),
                        customer_number: format!("N{}", &id[4..]),
                        start_time: t.clone(),
                        end_time: String::new(),
                        partner,
                    },
                );
            }
        }
        for (id, login, contract, owner, key, secret) in [
            (
                SEED_PARTNER_ID,
                "partner-owner",
                SEED_PARTNER_CONTRACT_ID,
                true,
                SEED_PARTNER_KEY,
                SEED_PARTNER_SECRET,
            ),
            (
                SEED_OWNER_ID,
                "owner",
                SEED_CONTRACT_ID,
                true,
                SEED_OWNER_KEY,
                SEED_OWNER_SECRET,
            ),
            (
                SEED_USER_ID,
                "user",
                SEED_CONTRACT_ID,
                false,
                SEED_USER_KEY,
                SEED_USER_SECRET,
            ),
        ] {
            self.insert_user(User {
                id: id.into(),
                login_id: login.into(),
                mail_address: format!("{login}@example.com"),
                contract_id: contract.into(),
                owner,
                keystone_name: key.into(),
                keystone_password: secret.into(),
                start_time: t.clone(),
            });
        }
        for (id, name, contract) in [
            (SEED_TENANT_ID, "tenant-one", SEED_CONTRACT_ID),
            (
                SEED_PARTNER_TENANT_ID,
                "partner-tenant",
                SEED_PARTNER_CONTRACT_ID,
            ),
        ] {
            self.insert_tenant(Tenant {
                id: id.into(),
                name: name.into(),
                description: format!("{name} (seed)"),
                region: "jp1".into(),
                contract_id: contract.into(),
                start_time: t.clone(),
            });
        }
        let mut st = self.lock();
        st.roles
            .insert((SEED_USER_ID.into(), SEED_TENANT_ID.into()));
        st.iam_roles.insert(
            SEED_IAM_ROLE_ID.into(),
            IamRole {
                id: SEED_IAM_ROLE_ID.into(),
                name: "sss_get_role".into(),
                description: "SSS read only".into(),
                contract_id: SEED_CONTRACT_ID.into(),
                resources: json!([{"basePath": "/ecl-sss", "ipAddress": "*", "path": "*", "verb": "GET"}]),
            },
        );
        st.iam_groups.insert(
            SEED_IAM_GROUP_ID.into(),
            IamGroup {
                id: SEED_IAM_GROUP_ID.into(),
                name: "readers".into(),
                description: "read only users".into(),
                contract_id: SEED_CONTRACT_ID.into(),
                roles: vec![SEED_IAM_ROLE_ID.into()],
                users: vec![SEED_USER_ID.into()],
            },
        );
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The Keystone behind this SSS (its users are the SSS users).
    pub fn keystone(&self) -> &KeystoneSim {
        &self.keystone
    }

    /// The catalog for an SSS root at `base` (`{origin}` is allowed): types
    /// `sss` and `sssv2`, regions `jp1` and `jp2`, interfaces `public` and
    /// `admin`, all at `{base}/api/v1.0`.
    pub fn catalog(base: &str) -> Vec<CatalogEndpoint> {
        let mut out = Vec::new();
        for ty in ["sss", "sssv2"] {
            for region in ["jp1", "jp2"] {
                for interface in ["public", "admin"] {
                    out.push(CatalogEndpoint {
                        service_type: ty.into(),
                        name: ty.into(),
                        interface: interface.into(),
                        region: region.into(),
                        url: format!("{base}{API_ROOT}"),
                    });
                }
            }
        }
        out
    }

    fn insert_user(&self, u: User) {
        // The Keystone user id is the SSS user id.
        self.keystone
            .add_user(&u.id, &u.keystone_name, &u.keystone_password, "default");
        let tenants: Vec<String> = {
            let st = self.lock();
            st.tenants
                .values()
                .filter(|t| u.owner && t.contract_id == u.contract_id)
                .map(|t| t.id.clone())
                .collect()
        };
        let mut st = self.lock();
        for t in tenants {
            st.roles.insert((u.id.clone(), t));
        }
        st.users.insert(u.id.clone(), u);
    }

    fn insert_tenant(&self, t: Tenant) {
        self.keystone.add_project(&t.id, &t.name, "default");
        let mut st = self.lock();
        let owners: Vec<String> = st
            .users
            .values()
            .filter(|u| u.owner && u.contract_id == t.contract_id)
            .map(|u| u.id.clone())
            .collect();
        for o in owners {
            st.roles.insert((o, t.id.clone()));
        }
        st.tenants.insert(t.id.clone(), t);
    }

    /// Adds `n` ordinary users to `contract` (for benchmarks): user ids
    /// from the counter, login ids `bulk-{i}`. Returns how many were added
    /// (fewer when the bound is reached).
    pub fn add_bulk_users(&self, contract: &str, n: usize) -> usize {
        let mut added = 0;
        for i in 0..n {
            let id = {
                let mut st = self.lock();
                let count = st
                    .users
                    .values()
                    .filter(|u| u.contract_id == contract)
                    .count();
                if !st.contracts.contains_key(contract) || count >= MAX_USERS_PER_CONTRACT {
                    break;
                }
                st.next_user += 1;
                format!("ecid{}", st.next_user)
            };
            self.insert_user(User {
                id,
                login_id: format!("bulk-{i}"),
                mail_address: format!("bulk-{i}@example.com"),
                contract_id: contract.into(),
                owner: false,
                keystone_name: random_token(32),
                keystone_password: random_token(16),
                start_time: now_text(),
            });
            added += 1;
        }
        added
    }

    /// How many requests `operation` (`list_users`, `create_user`, …)
    /// answered, whatever the outcome.
    pub fn calls(&self, operation: &str) -> usize {
        self.lock().calls.get(operation).copied().unwrap_or(0)
    }

    /// The number of users of `contract`.
    pub fn user_count(&self, contract: &str) -> usize {
        self.lock()
            .users
            .values()
            .filter(|u| u.contract_id == contract)
            .count()
    }

    /// The current API key and secret of a user.
    pub fn credentials(&self, user_id: &str) -> Option<(String, String)> {
        self.lock()
            .users
            .get(user_id)
            .map(|u| (u.keystone_name.clone(), u.keystone_password.clone()))
    }

    /// The seed object for this simulator served at `base_url`:
    /// `{"url","auth_url","username","password","user_domain_id","project_id",
    /// "user_id","contract_id","user":{…},"partner":{…}}` (the top level is
    /// the end-user contract's owner).
    pub fn seed_json(&self, base_url: &str) -> Value {
        json!({
            "url": base_url,
            "auth_url": format!("{base_url}/v3"),
            "sss_url": format!("{base_url}{API_ROOT}"),
            "username": SEED_OWNER_KEY,
            "password": SEED_OWNER_SECRET,
            "user_domain_id": "default",
            "project_id": SEED_TENANT_ID,
            "user_id": SEED_OWNER_ID,
            "contract_id": SEED_CONTRACT_ID,
            "user": {"username": SEED_USER_KEY, "password": SEED_USER_SECRET,
                     "user_id": SEED_USER_ID, "project_id": SEED_TENANT_ID},
            "partner": {"username": SEED_PARTNER_KEY, "password": SEED_PARTNER_SECRET,
                        "user_id": SEED_PARTNER_ID, "project_id": SEED_PARTNER_TENANT_ID,
                        "contract_id": SEED_PARTNER_CONTRACT_ID,
                        "channel_id": SEED_PARTNER_CHANNEL,
                        "end_user_channel_id": SEED_END_USER_CHANNEL},
            "iam_group_id": SEED_IAM_GROUP_ID,
            "iam_role_id": SEED_IAM_ROLE_ID,
        })
    }

    /// Keystone (`/v3…`) and SSS (`/api/v1.0/…`) on one router.
    pub fn router(&self) -> Router {
        let sss = Router::new()
            .route(&format!("{API_ROOT}/{{*rest}}"), any(handle))
            .with_state(self.clone());
        self.keystone.router().merge(sss)
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default)]
    users: Vec<SeedUser>,
    #[serde(default)]
    tenants: Vec<SeedTenant>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    user_id: String,
    contract_id: String,
    login_id: String,
    #[serde(default)]
    mail_address: String,
    keystone_name: String,
    keystone_password: String,
    #[serde(default)]
    contract_owner: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedTenant {
    tenant_id: String,
    tenant_name: String,
    region: String,
    contract_id: String,
    #[serde(default)]
    description: String,
}

/// `POST /_sim/reset` and the `ecl-sss` section of a seed file:
/// `{"users": [{"user_id", "contract_id", "login_id", "mail_address"?,
/// "keystone_name", "keystone_password", "contract_owner"?}],
/// "tenants": [{"tenant_id", "tenant_name", "region", "contract_id",
/// "description"?}]}`; contracts must exist (the built-in ones).
impl crate::kit::SimControl for EclSssSim {
    fn service(&self) -> &'static str {
        "ecl-sss"
    }

    fn reset(&self) {
        self.keystone.clear_identities();
        {
            let mut st = self.lock();
            *st = State {
                next_user: 1_000_001_000,
                next_contract: 1_000_001_000,
                ..State::default()
            };
        }
        self.load_builtin();
    }

    fn load_seed(&self, section: &Value) -> Result<(), String> {
        let seed: Seed = crate::kit::parse_seed(section)?;
        {
            let st = self.lock();
            for (i, u) in seed.users.iter().enumerate() {
                if !is_digits_after(&u.user_id, "ecid") {
                    return Err(format!("`users[{i}].user_id` must be ecid and 10 digits"));
                }
                if !st.contracts.contains_key(&u.contract_id) {
                    return Err(format!("`users[{i}].contract_id` is not a known contract"));
                }
                crate::kit::non_empty(&format!("users[{i}].login_id"), &u.login_id)?;
                crate::kit::non_empty(&format!("users[{i}].keystone_name"), &u.keystone_name)?;
                crate::kit::non_empty(
                    &format!("users[{i}].keystone_password"),
                    &u.keystone_password,
                )?;
            }
            for (i, t) in seed.tenants.iter().enumerate() {
                let hex = t.tenant_id.len() == 32
                    && t.tenant_id
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !hex {
                    return Err(format!("`tenants[{i}].tenant_id` must be 32 lowercase hex"));
                }
                if !st.contracts.contains_key(&t.contract_id) {
                    return Err(format!(
                        "`tenants[{i}].contract_id` is not a known contract"
                    ));
                }
                if !REGIONS.contains(&t.region.as_str()) {
                    return Err(format!("`tenants[{i}].region` is not a known region"));
                }
                crate::kit::non_empty(&format!("tenants[{i}].tenant_name"), &t.tenant_name)?;
            }
        }
        for u in seed.users {
            self.insert_user(User {
                id: u.user_id,
                mail_address: if u.mail_address.is_empty() {
                    format!("{}@example.com", u.login_id)
                } else {
                    u.mail_address
                },
                login_id: u.login_id,
                contract_id: u.contract_id,
                owner: u.contract_owner,
                keystone_name: u.keystone_name,
                keystone_password: u.keystone_password,
                start_time: now_text(),
            });
        }
        for t in seed.tenants {
            self.insert_tenant(Tenant {
                id: t.tenant_id,
                name: t.tenant_name,
                description: t.description,
                region: t.region,
                contract_id: t.contract_id,
                start_time: now_text(),
            });
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ answers

/// An error answer: its status and JSON body.
#[derive(Debug)]
struct Fail(StatusCode, Value);

impl Fail {
    fn response(self) -> Response {
        json_resp(self.0, &self.1)
    }
}

type Answer = Result<(StatusCode, Value), Fail>;

fn message(status: StatusCode, text: &str) -> Fail {
    Fail(status, json!({"message": text}))
}

fn iam_error(status: StatusCode, code: &str, text: &str) -> Fail {
    Fail(status, json!({"errorCode": code, "errorMessage": text}))
}

fn not_found(what: &str) -> Fail {
    message(StatusCode::NOT_FOUND, &format!("{what} not found"))
}

fn forbidden() -> Fail {
    message(
        StatusCode::FORBIDDEN,
        "This user is not permitted to perform this operation",
    )
}

fn bad(text: &str) -> Fail {
    message(StatusCode::BAD_REQUEST, text)
}

fn no_content() -> Answer {
    Ok((StatusCode::NO_CONTENT, Value::Null))
}

/// The caller: the SSS user of a valid token.
struct Caller {
    user: User,
    contract: Contract,
}

impl Caller {
    fn require_owner(&self) -> Result<(), Fail> {
        if self.user.owner {
            Ok(())
        } else {
            Err(forbidden())
        }
    }
    fn require_partner(&self) -> Result<(), Fail> {
        if self.contract.partner {
            Ok(())
        } else {
            // Partner-only APIs (channels, contracts): the real 403 shape.
            Err(message(
                StatusCode::FORBIDDEN,
                "This API is only available for partner users",
            ))
        }
    }
}

struct Req<'a> {
    origin: String,
    query: HashMap<String, String>,
    body: &'a [u8],
}

impl Req<'_> {
    /// The body as a JSON object (`{}` when empty).
    fn object(&self) -> Result<serde_json::Map<String, Value>, Fail> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(bad("The request body must be a JSON object")),
        }
    }
}

/// A string field: `Ok(None)` when absent or null, 400 when not a string or
/// too long.
fn text(m: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>, Fail> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(bad(&format!("{key} is too long"))),
        Some(_) => Err(bad(&format!("Invalid {key}"))),
    }
}

fn required(m: &serde_json::Map<String, Value>, key: &str) -> Result<String, Fail> {
    text(m, key)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad(&format!("{key} is required")))
}

fn check_mail(mail: &str) -> Result<(), Fail> {
    let ok = mail
        .split_once('@')
        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'));
    if ok {
        Ok(())
    } else {
        Err(bad("Invalid mail_address"))
    }
}

/// `"true"` / `"false"` (strings, as the API documents).
fn flag(v: Option<&str>, key: &str) -> Result<bool, Fail> {
    match v {
        None => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(bad(&format!("Invalid {key}"))),
    }
}

fn iam_name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_TEXT
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@-._".contains(&b))
}

fn dashed_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

fn user_json(u: &User, credentials: bool, origin: &str) -> Value {
    let mut v = json!({
        "user_id": u.id,
        "login_id": u.login_id,
        "mail_address": u.mail_address,
        "contract_owner": u.owner,
        "contract_id": u.contract_id,
        "start_time": u.start_time,
        "login_integration": "",
        "external_reference_id": u.contract_id,
        "keystone_endpoint": origin,
        "sss_endpoint": format!("{origin}/api"),
    });
    if credentials {
        v["keystone_name"] = json!(u.keystone_name);
        v["keystone_password"] = json!(u.keystone_password);
    }
    v
}

fn tenant_json(t: &Tenant) -> Value {
    json!({"tenant_id": t.id, "tenant_name": t.name, "description": t.description,
           "region": t.region, "contract_id": t.contract_id, "start_time": t.start_time})
}

fn contract_json(st: &State, c: &Contract, origin: &str) -> Value {
    let channel = st.channels.get(&c.channel_id);
    json!({
        "contract_id": c.id,
        "status": c.status,
        "customer_number": c.customer_number,
        "channel_name": channel.map(|ch| ch.name.clone()).unwrap_or_default(),
        "channel_id": c.channel_id,
        "management_channel": channel.is_some_and(|ch| ch.management),
        "contract_owner_user_id": c.owner_user_id,
        "start_time": c.start_time,
        "end_time": c.end_time,
        "login_integration": "",
        "sss_endpoint": format!("{origin}/api"),
        "keystone_endpoint": origin,
        "company_code": format!("C{}", &c.id[4..]),
        "glass_customer_id": "",
        "glass_user_id": "",
    })
}

fn iam_group_json(st: &State, g: &IamGroup) -> Value {
    let roles: Vec<Value> = g
        .roles
        .iter()
        .filter_map(|r| st.iam_roles.get(r))
        .map(|r| json!({"iam_role_id": r.id, "iam_role_name": r.name}))
        .collect();
    json!({"iam_group_id": g.id, "iam_group_name": g.name, "description": g.description,
           "contract_id": g.contract_id, "iam_roles": roles})
}

fn iam_role_json(r: &IamRole) -> Value {
    json!({"iam_role_id": r.id, "iam_role_name": r.name, "description": r.description,
           "contract_id": r.contract_id, "resources": r.resources})
}

// ------------------------------------------------------------------ routing

async fn handle(
    AxState(sim): AxState<EclSssSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().strip_prefix(API_ROOT).unwrap_or("");
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let req = Req {
        origin: request_origin(&headers),
        query: uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        body: &body,
    };
    let Some((name, allowed)) = operation(&method, &segs) else {
        return message(StatusCode::NOT_FOUND, "The resource could not be found").response();
    };
    if name.is_empty() {
        let mut r = message(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed").response();
        if let Ok(v) = http::HeaderValue::from_str(allowed) {
            r.headers_mut().insert(http::header::ALLOW, v);
        }
        return r;
    }
    *sim.lock().calls.entry(name.to_owned()).or_default() += 1;
    let caller = match sim.caller(&headers) {
        Some(c) => c,
        None => {
            return json_resp(
                StatusCode::UNAUTHORIZED,
                &json!({"fault": {"faultstring": "Invalid or expired token"}}),
            )
        }
    };
    let outcome = sim.dispatch(name, &segs, &caller, &req);
    match outcome {
        Ok((StatusCode::NO_CONTENT, _)) => {
            let mut r = Response::new(axum::body::Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Ok((status, v)) => json_resp(status, &v),
        Err(f) => f.response(),
    }
}

/// The operation for a method and path: `Some((name, _))`, or
/// `Some(("", allowed))` for a known path with another method, `None` for
/// an unknown path.
fn operation(method: &Method, segs: &[&str]) -> Option<(&'static str, &'static str)> {
    let m = method.as_str();
    let pick = |table: &[(&str, &'static str)], allowed: &'static str| {
        table
            .iter()
            .find(|(mm, _)| *mm == m)
            .map(|(_, n)| (*n, allowed))
            .or(Some(("", allowed)))
    };
    match segs {
        ["users"] => pick(
            &[("GET", "list_users"), ("POST", "create_user")],
            "GET, POST",
        ),
        ["users", _] => pick(
            &[
                ("GET", "get_user"),
                ("PUT", "update_user"),
                ("DELETE", "delete_user"),
            ],
            "GET, PUT, DELETE",
        ),
        ["tenants"] => pick(
            &[("GET", "list_tenants"), ("POST", "create_tenant")],
            "GET, POST",
        ),
        ["tenants", _] => pick(&[("DELETE", "delete_tenant")], "DELETE"),
        ["roles"] => pick(&[("POST", "create_role")], "POST"),
        ["roles", "tenants", _, "users", _] => pick(&[("DELETE", "delete_role")], "DELETE"),
        ["keys", _] => pick(&[("PUT", "update_api_key")], "PUT"),
        ["channels"] => pick(&[("GET", "list_channels")], "GET"),
        ["contracts"] => pick(
            &[("GET", "list_contracts"), ("POST", "create_contract")],
            "GET, POST",
        ),
        ["contracts", _] => pick(
            &[("GET", "get_contract"), ("DELETE", "delete_contract")],
            "GET, DELETE",
        ),
        ["contracts", _, "billing", _] => pick(&[("GET", "get_billing")], "GET"),
        ["contracts", _, "billing", _, "target_contract", _] => {
            pick(&[("GET", "get_target_billing")], "GET")
        }
        ["iam", "groups"] => pick(
            &[("GET", "list_iam_groups"), ("POST", "create_iam_group")],
            "GET, POST",
        ),
        ["iam", "groups", _] => pick(&[("DELETE", "delete_iam_group")], "DELETE"),
        ["iam", "groups", _, "roles", _] => pick(
            &[("PUT", "assign_iam_role"), ("DELETE", "unassign_iam_role")],
            "PUT, DELETE",
        ),
        ["iam", "groups", _, "users"] => pick(&[("GET", "iam_group_users")], "GET"),
        ["iam", "groups", _, "users", _] => pick(
            &[("PUT", "assign_iam_user"), ("DELETE", "unassign_iam_user")],
            "PUT, DELETE",
        ),
        ["iam", "roles"] => pick(
            &[("GET", "list_iam_roles"), ("POST", "create_iam_role")],
            "GET, POST",
        ),
        ["iam", "roles", _] => pick(
            &[("GET", "get_iam_role"), ("DELETE", "delete_iam_role")],
            "GET, DELETE",
        ),
        _ => None,
    }
}

impl EclSssSim {
    fn caller(&self, headers: &HeaderMap) -> Option<Caller> {
        let token = headers.get("x-auth-token")?.to_str().ok()?;
        let info = self.keystone.validate(token)?;
        let user_id = info["user"]["id"].as_str()?;
        let st = self.lock();
        let user = st.users.get(user_id)?.clone();
        let contract = st.contracts.get(&user.contract_id)?.clone();
        (contract.status == "enable").then_some(Caller { user, contract })
    }

    fn dispatch(&self, name: &str, segs: &[&str], c: &Caller, r: &Req<'_>) -> Answer {
        let seg = |i: usize| segs.get(i).copied().unwrap_or("");
        match name {
            "list_users" => self.list_users(c),
            "create_user" => self.create_user(c, r),
            "get_user" => self.get_user(c, seg(1), r),
            "update_user" => self.update_user(c, seg(1), r),
            "delete_user" => self.delete_user(c, seg(1)),
            "list_tenants" => self.list_tenants(c),
            "create_tenant" => self.create_tenant(c, r),
            "delete_tenant" => self.delete_tenant(c, seg(1)),
            "create_role" => self.create_role(c, r),
            "delete_role" => self.delete_role(c, seg(2), seg(4)),
            "update_api_key" => self.update_api_key(c, seg(1)),
            "list_channels" => self.list_channels(c, r),
            "list_contracts" => self.list_contracts(c, r),
            "create_contract" => self.create_contract(c, r),
            "get_contract" => self.get_contract(c, seg(1), r),
            "delete_contract" => self.delete_contract(c, seg(1)),
            "get_billing" => self.billing(c, seg(1), seg(3), None),
            "get_target_billing" => self.billing(c, seg(1), seg(3), Some(seg(5))),
            "list_iam_groups" => self.list_iam_groups(c, r),
            "create_iam_group" => self.create_iam_group(c, r),
            "delete_iam_group" => self.delete_iam_group(c, seg(2)),
            "assign_iam_role" => self.assign_iam_role(c, seg(2), seg(4)),
            "unassign_iam_role" => self.unassign_iam_role(c, seg(2), seg(4)),
            "iam_group_users" => self.iam_group_users(c, seg(2)),
            "assign_iam_user" => self.assign_iam_user(c, seg(2), seg(4)),
            "unassign_iam_user" => self.unassign_iam_user(c, seg(2), seg(4)),
            "list_iam_roles" => self.list_iam_roles(c, r),
            "create_iam_role" => self.create_iam_role(c, r),
            "get_iam_role" => self.get_iam_role(c, seg(2)),
            "delete_iam_role" => self.delete_iam_role(c, seg(2)),
            _ => Err(message(
                StatusCode::NOT_FOUND,
                "The resource could not be found",
            )),
        }
    }

    // ------------------------------------------------------------- users

    fn list_users(&self, c: &Caller) -> Answer {
        let st = self.lock();
        let users: Vec<Value> = st
            .users
            .values()
            .filter(|u| u.contract_id == c.contract.id)
            .map(|u| {
                json!({"user_id": u.id, "login_id": u.login_id, "mail_address": u.mail_address,
                       "contract_owner": u.owner, "contract_id": u.contract_id,
                       "start_time": u.start_time})
            })
            .collect();
        Ok((
            StatusCode::OK,
            json!({"contract_id": c.contract.id, "users": users}),
        ))
    }

    /// A user of the caller's contract (another contract's is not found
    /// [INF]).
    fn own_user(&self, c: &Caller, id: &str) -> Result<User, Fail> {
        self.lock()
            .users
            .get(id)
            .filter(|u| u.contract_id == c.contract.id)
            .cloned()
            .ok_or_else(|| not_found("User"))
    }

    fn get_user(&self, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let u = self.own_user(c, id)?;
        // Credentials for the user itself and the super user only [INF].
        let creds = c.user.owner || c.user.id == u.id;
        Ok((StatusCode::OK, user_json(&u, creds, &r.origin)))
    }

    fn create_user(&self, c: &Caller, r: &Req<'_>) -> Answer {
        c.require_owner()?;
        let m = r.object()?;
        let login_id = required(&m, "login_id")?;
        let mail = required(&m, "mail_address")?;
        check_mail(&mail)?;
        // Always sent by the clients; a string "true"/"false".
        let notify = match m.get("notify_password") {
            Some(Value::String(s)) => flag(Some(s), "notify_password")?,
            None => return Err(bad("notify_password is required")),
            Some(_) => return Err(bad("Invalid notify_password")),
        };
        let _ = notify;
        let password = match text(&m, "password")? {
            Some(p) if p.len() < 8 => return Err(bad("password must be at least 8 characters")),
            Some(p) => p,
            None => random_token(12),
        };
        let id = {
            let mut st = self.lock();
            if st.users.values().any(|u| u.login_id == login_id) {
                return Err(message(StatusCode::CONFLICT, "login_id already exists"));
            }
            let count = st
                .users
                .values()
                .filter(|u| u.contract_id == c.contract.id)
                .count();
            if count >= MAX_USERS_PER_CONTRACT {
                return Err(bad("The number of users has reached the limit"));
            }
            st.next_user += 1;
            format!("ecid{}", st.next_user)
        };
        let u = User {
            id,
            login_id,
            mail_address: mail,
            contract_id: c.contract.id.clone(),
            owner: false,
            keystone_name: random_token(32),
            keystone_password: random_token(16),
            start_time: now_text(),
        };
        self.insert_user(u.clone());
        let mut v = user_json(&u, true, &r.origin);
        v["password"] = json!(password);
        Ok((StatusCode::CREATED, v))
    }

    fn update_user(&self, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let u = self.own_user(c, id)?;
        if !c.user.owner && c.user.id != u.id {
            return Err(forbidden());
        }
        let m = r.object()?;
        let login_id = text(&m, "login_id")?.filter(|s| !s.is_empty());
        let mail = text(&m, "mail_address")?.filter(|s| !s.is_empty());
        if let Some(mail) = &mail {
            check_mail(mail)?;
        }
        if let Some(p) = text(&m, "new_password")?.filter(|s| !s.is_empty()) {
            if p.len() < 8 {
                return Err(bad("new_password must be at least 8 characters"));
            }
        }
        let mut st = self.lock();
        if let Some(l) = &login_id {
            if st.users.values().any(|o| &o.login_id == l && o.id != u.id) {
                return Err(message(StatusCode::CONFLICT, "login_id already exists"));
            }
        }
        if let Some(user) = st.users.get_mut(&u.id) {
            if let Some(l) = login_id {
                user.login_id = l;
            }
            if let Some(mail) = mail {
                user.mail_address = mail;
            }
        }
        no_content()
    }

    fn delete_user(&self, c: &Caller, id: &str) -> Answer {
        c.require_owner()?;
        let u = self.own_user(c, id)?;
        if u.owner {
            return Err(message(
                StatusCode::FORBIDDEN,
                "The contract owner user cannot be deleted",
            ));
        }
        {
            let mut st = self.lock();
            st.users.remove(&u.id);
            st.roles.retain(|(user, _)| *user != u.id);
            for g in st.iam_groups.values_mut() {
                g.users.retain(|x| *x != u.id);
            }
        }
        self.keystone.remove_user(&u.id);
        self.keystone.revoke_user_tokens(&u.id);
        no_content()
    }

    // ----------------------------------------------------------- tenants

    fn list_tenants(&self, c: &Caller) -> Answer {
        let st = self.lock();
        let tenants: Vec<Value> = st
            .tenants
            .values()
            .filter(|t| t.contract_id == c.contract.id)
            .map(tenant_json)
            .collect();
        Ok((
            StatusCode::OK,
            json!({"contract_id": c.contract.id, "tenants": tenants}),
        ))
    }

    fn create_tenant(&self, c: &Caller, r: &Req<'_>) -> Answer {
        c.require_owner()?;
        let m = r.object()?;
        let name = required(&m, "tenant_name")?;
        let description = text(&m, "description")?.ok_or_else(|| bad("description is required"))?;
        let region = required(&m, "region")?;
        if !REGIONS.contains(&region.as_str()) {
            return Err(bad("Invalid region"));
        }
        if let Some(other) = text(&m, "contract_id")? {
            if other != c.contract.id {
                return Err(forbidden());
            }
        }
        {
            let st = self.lock();
            let mine = st
                .tenants
                .values()
                .filter(|t| t.contract_id == c.contract.id);
            if mine.clone().any(|t| t.name == name && t.region == region) {
                return Err(message(StatusCode::CONFLICT, "tenant_name already exists"));
            }
            if mine.count() >= MAX_ITEMS_PER_CONTRACT {
                return Err(bad("The number of tenants has reached the limit"));
            }
        }
        let t = Tenant {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name,
            description,
            region,
            contract_id: c.contract.id.clone(),
            start_time: now_text(),
        };
        self.insert_tenant(t.clone());
        Ok((StatusCode::CREATED, tenant_json(&t)))
    }

    fn delete_tenant(&self, c: &Caller, id: &str) -> Answer {
        c.require_owner()?;
        {
            let mut st = self.lock();
            if st
                .tenants
                .get(id)
                .is_none_or(|t| t.contract_id != c.contract.id)
            {
                return Err(not_found("Tenant"));
            }
            st.tenants.remove(id);
            st.roles.retain(|(_, t)| t != id);
        }
        self.keystone.remove_project(id);
        no_content()
    }

    // ------------------------------------------------------------- roles

    fn create_role(&self, c: &Caller, r: &Req<'_>) -> Answer {
        c.require_owner()?;
        let m = r.object()?;
        let user_id = required(&m, "user_id")?;
        let tenant_id = required(&m, "tenant_id")?;
        let u = self.own_user(c, &user_id)?;
        let mut st = self.lock();
        let t = st
            .tenants
            .get(&tenant_id)
            .filter(|t| t.contract_id == c.contract.id)
            .cloned()
            .ok_or_else(|| not_found("Tenant"))?;
        if !st.roles.insert((u.id.clone(), t.id.clone())) {
            return Err(message(StatusCode::CONFLICT, "The role already exists"));
        }
        Ok((
            StatusCode::CREATED,
            json!({"user_id": u.id, "tenant_id": t.id, "tenant_name": t.name,
                   "region_id": t.region, "region_name": t.region, "role_name": "_member_"}),
        ))
    }

    fn delete_role(&self, c: &Caller, tenant_id: &str, user_id: &str) -> Answer {
        c.require_owner()?;
        let u = self.own_user(c, user_id)?;
        let mut st = self.lock();
        if st
            .tenants
            .get(tenant_id)
            .is_none_or(|t| t.contract_id != c.contract.id)
        {
            return Err(not_found("Tenant"));
        }
        if u.owner {
            return Err(message(
                StatusCode::FORBIDDEN,
                "The role of the contract owner cannot be deleted",
            ));
        }
        if !st.roles.remove(&(u.id.clone(), tenant_id.to_owned())) {
            return Err(not_found("Role"));
        }
        no_content()
    }

    // ---------------------------------------------------------- API keys

    fn update_api_key(&self, c: &Caller, user_id: &str) -> Answer {
        let u = self.own_user(c, user_id)?;
        if !c.user.owner && c.user.id != u.id {
            return Err(forbidden());
        }
        let (name, secret) = (random_token(32), random_token(16));
        if let Some(user) = self.lock().users.get_mut(&u.id) {
            user.keystone_name = name.clone();
            user.keystone_password = secret.clone();
        }
        // The old pair stops working at once.
        self.keystone.add_user(&u.id, &name, &secret, "default");
        Ok((
            StatusCode::OK,
            json!({"user_id": u.id, "keystone_name": name, "keystone_password": secret,
                   "status": "Success"}),
        ))
    }

    // ---------------------------------------------- channels, contracts

    fn list_channels(&self, c: &Caller, r: &Req<'_>) -> Answer {
        c.require_partner()?;
        let with_contracts = flag(
            r.query.get("get_contracts").map(String::as_str),
            "get_contracts",
        )?;
        let st = self.lock();
        let channels: Vec<Value> = st
            .channels
            .values()
            .filter(|ch| ch.partner_contract == c.contract.id)
            .map(|ch| {
                let mut v = json!({"channel_id": ch.id, "channel_name": ch.name,
                    "language": ch.language, "management_channel": ch.management,
                    "parent_channel_id": ch.parent});
                if with_contracts {
                    v["contracts"] = st
                        .contracts
                        .values()
                        .filter(|k| k.channel_id == ch.id)
                        .map(|k| json!({"contract_id": k.id, "status": k.status}))
                        .collect();
                }
                v
            })
            .collect();
        Ok((StatusCode::OK, json!({"channels": channels})))
    }

    /// A contract the caller may see: its own, or (partner) one in its
    /// channels.
    fn visible_contract(&self, c: &Caller, id: &str) -> Option<Contract> {
        let st = self.lock();
        let k = st.contracts.get(id)?;
        let managed = c.contract.partner
            && st
                .channels
                .get(&k.channel_id)
                .is_some_and(|ch| ch.partner_contract == c.contract.id);
        (k.id == c.contract.id || managed).then(|| k.clone())
    }

    fn list_contracts(&self, c: &Caller, r: &Req<'_>) -> Answer {
        c.require_partner()?;
        let channel = r
            .query
            .get("channel_id")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("channel_id is required"))?;
        let deleted = flag(
            r.query.get("include_deleted").map(String::as_str),
            "include_deleted",
        )?;
        let st = self.lock();
        if st
            .channels
            .get(channel)
            .is_none_or(|ch| ch.partner_contract != c.contract.id)
        {
            return Err(not_found("Channel"));
        }
        let contracts: Vec<Value> = st
            .contracts
            .values()
            .filter(|k| &k.channel_id == channel && (deleted || k.status == "enable"))
            .map(|k| contract_json(&st, k, &r.origin))
            .collect();
        Ok((StatusCode::OK, json!({"contracts": contracts})))
    }

    fn create_contract(&self, c: &Caller, r: &Req<'_>) -> Answer {
        c.require_partner()?;
        let m = r.object()?;
        let login_id = required(&m, "login_id")?;
        // The API's field is `mail_address` (eclsdk sends `mail_addresss`,
        // which the service does not know: the request lacks the mail).
        let mail = required(&m, "mail_address")?;
        check_mail(&mail)?;
        let channel = required(&m, "channel_id")?;
        let notify = text(&m, "notify_password")?;
        flag(notify.as_deref(), "notify_password")?;
        let password = match text(&m, "password")?.filter(|p| !p.is_empty()) {
            Some(p) if p.len() < 8 => return Err(bad("password must be at least 8 characters")),
            Some(p) => p,
            None => random_token(12),
        };
        let reference = text(&m, "external_reference_id")?.filter(|s| !s.is_empty());
        let (contract, user) = {
            let mut st = self.lock();
            let ch = st
                .channels
                .get(&channel)
                .filter(|ch| ch.partner_contract == c.contract.id && !ch.management)
                .ok_or_else(|| not_found("Channel"))?
                .id
                .clone();
            if st.users.values().any(|u| u.login_id == login_id) {
                return Err(message(StatusCode::CONFLICT, "login_id already exists"));
            }
            if st.contracts.values().filter(|k| k.channel_id == ch).count()
                >= MAX_ITEMS_PER_CONTRACT
            {
                return Err(bad("The number of contracts has reached the limit"));
            }
            st.next_contract += 1;
            st.next_user += 1;
            let id = format!("econ{}", st.next_contract);
            let user_id = format!("ecid{}", st.next_user);
            let k = Contract {
                customer_number: reference.clone().unwrap_or_else(|| id.clone()),
                id,
                channel_id: ch,
                status: "enable",
                owner_user_id: user_id.clone(),
                start_time: now_text(),
                end_time: String::new(),
                partner: false,
            };
            st.contracts.insert(k.id.clone(), k.clone());
            let u = User {
                id: user_id,
                login_id,
                mail_address: mail,
                contract_id: k.id.clone(),
                owner: true,
                keystone_name: random_token(32),
                keystone_password: random_token(16),
                start_time: now_text(),
            };
            (k, u)
        };
        self.insert_user(user.clone());
        let st = self.lock();
        let mut v = contract_json(&st, &contract, &r.origin);
        for (k, val) in [
            ("login_id", json!(user.login_id)),
            ("mail_address", json!(user.mail_address)),
            ("user_id", json!(user.id)),
            ("keystone_name", json!(user.keystone_name)),
            ("keystone_password", json!(user.keystone_password)),
            ("password", json!(password)),
            ("external_reference_id", json!(contract.customer_number)),
        ] {
            v[k] = val;
        }
        Ok((StatusCode::CREATED, v))
    }

    fn get_contract(&self, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let k = self
            .visible_contract(c, id)
            .ok_or_else(|| not_found("Contract"))?;
        let st = self.lock();
        Ok((StatusCode::OK, contract_json(&st, &k, &r.origin)))
    }

    fn delete_contract(&self, c: &Caller, id: &str) -> Answer {
        c.require_partner()?;
        let k = self
            .visible_contract(c, id)
            .filter(|k| k.id != c.contract.id)
            .ok_or_else(|| not_found("Contract"))?;
        if k.status == "deleted" {
            return Err(not_found("Contract"));
        }
        let users: Vec<String> = {
            let mut st = self.lock();
            if let Some(kk) = st.contracts.get_mut(&k.id) {
                kk.status = "deleted";
                kk.end_time = now_text();
            }
            st.users
                .values()
                .filter(|u| u.contract_id == k.id)
                .map(|u| u.id.clone())
                .collect()
        };
        for u in users {
            self.keystone.remove_user(&u);
            self.keystone.revoke_user_tokens(&u);
        }
        no_content()
    }

    fn billing(&self, c: &Caller, contract: &str, month: &str, target: Option<&str>) -> Answer {
        let (y, mo) = parse_month(month).ok_or_else(|| bad("Invalid target_month"))?;
        let now = OffsetDateTime::now_utc();
        let current = (now.year(), u8::from(now.month()));
        if (y, mo) > current {
            return Err(bad("Invalid target_month"));
        }
        let billed = match target {
            None => self
                .visible_contract(c, contract)
                .ok_or_else(|| not_found("Contract"))?,
            Some(t) => {
                c.require_partner()?;
                if contract != c.contract.id {
                    return Err(forbidden());
                }
                self.visible_contract(c, t)
                    .ok_or_else(|| not_found("Contract"))?
            }
        };
        let days = days_in_month(y, mo);
        // A deterministic charge per contract and month.
        let seed: u64 = billed
            .id
            .bytes()
            .chain(month.bytes())
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let mut v = json!({
            "contract_id": billed.id,
            "customer_number": billed.customer_number,
            "charge_status": if (y, mo) == current { "estimated" } else { "fixed" },
            "cycle_start_time": format!("{y:04}-{mo:02}-01 00:00:00"),
            "cycle_end_time": format!("{y:04}-{mo:02}-{days:02} 23:59:59"),
            "charge_data": {"currency": "JPY", "total_charge": seed % 1_000_000,
                            "items": [{"name": "ecl-sss", "charge": seed % 1_000}]},
        });
        if target.is_some() {
            v["owner_contract_id"] = json!(c.contract.id);
        }
        Ok((StatusCode::OK, v))
    }

    // --------------------------------------------------------------- IAM

    /// The contract an IAM call works on: the caller's, or the same given
    /// explicitly; another one is refused.
    fn iam_contract(&self, c: &Caller, given: Option<&str>) -> Result<String, Fail> {
        match given {
            None | Some("") => Ok(c.contract.id.clone()),
            Some(k) if k == c.contract.id => Ok(k.to_owned()),
            Some(_) => Err(iam_error(
                StatusCode::FORBIDDEN,
                "IAM-4030",
                "The contract is not accessible",
            )),
        }
    }

    fn list_iam_groups(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let k = self.iam_contract(c, r.query.get("contract_id").map(String::as_str))?;
        let st = self.lock();
        let groups: Vec<Value> = st
            .iam_groups
            .values()
            .filter(|g| g.contract_id == k)
            .map(|g| iam_group_json(&st, g))
            .collect();
        Ok((StatusCode::OK, json!({"iam_groups": groups})))
    }

    fn create_iam_group(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let name = text(&m, "iam_group_name")?.unwrap_or_default();
        if !iam_name_ok(&name) {
            return Err(iam_error(
                StatusCode::BAD_REQUEST,
                "IAM-4000",
                "iam_group_name is invalid",
            ));
        }
        let k = self.iam_contract(c, text(&m, "contract_id")?.as_deref())?;
        let description = text(&m, "description")?.unwrap_or_default();
        let mut st = self.lock();
        let mine = st.iam_groups.values().filter(|g| g.contract_id == k);
        if mine.clone().any(|g| g.name == name) {
            return Err(iam_error(
                StatusCode::CONFLICT,
                "IAM-4090",
                "iam_group_name already exists",
            ));
        }
        if mine.count() >= MAX_ITEMS_PER_CONTRACT {
            return Err(iam_error(
                StatusCode::BAD_REQUEST,
                "IAM-4001",
                "Too many IAM groups",
            ));
        }
        let g = IamGroup {
            id: dashed_uuid(),
            name,
            description,
            contract_id: k,
            roles: Vec::new(),
            users: Vec::new(),
        };
        st.iam_groups.insert(g.id.clone(), g.clone());
        Ok((
            StatusCode::CREATED,
            json!({"contract_id": g.contract_id, "iam_group_id": g.id,
                   "iam_group_name": g.name, "description": g.description}),
        ))
    }

    fn own_group<'s>(st: &'s mut State, c: &Caller, id: &str) -> Result<&'s mut IamGroup, Fail> {
        st.iam_groups
            .get_mut(id)
            .filter(|g| g.contract_id == c.contract.id)
            .ok_or_else(|| {
                iam_error(
                    StatusCode::NOT_FOUND,
                    "IAM-4040",
                    "The IAM group is not found",
                )
            })
    }

    fn delete_iam_group(&self, c: &Caller, id: &str) -> Answer {
        let mut st = self.lock();
        Self::own_group(&mut st, c, id)?;
        st.iam_groups.remove(id);
        no_content()
    }

    fn assign_iam_role(&self, c: &Caller, group: &str, role: &str) -> Answer {
        let mut st = self.lock();
        let r = st
            .iam_roles
            .get(role)
            .filter(|r| r.contract_id == c.contract.id)
            .cloned()
            .ok_or_else(|| {
                iam_error(
                    StatusCode::NOT_FOUND,
                    "IAM-4041",
                    "The IAM role is not found",
                )
            })?;
        let g = Self::own_group(&mut st, c, group)?;
        if g.roles.contains(&r.id) {
            return Err(iam_error(
                StatusCode::CONFLICT,
                "IAM-4091",
                "The IAM role is already assigned",
            ));
        }
        g.roles.push(r.id.clone());
        Ok((
            StatusCode::OK,
            json!({"iam_group_id": g.id, "iam_group_name": g.name, "iam_role_id": r.id,
                   "iam_role_name": r.name}),
        ))
    }

    fn unassign_iam_role(&self, c: &Caller, group: &str, role: &str) -> Answer {
        let mut st = self.lock();
        let g = Self::own_group(&mut st, c, group)?;
        let before = g.roles.len();
        g.roles.retain(|r| r != role);
        if g.roles.len() == before {
            return Err(iam_error(
                StatusCode::NOT_FOUND,
                "IAM-4042",
                "The IAM role is not assigned to the IAM group",
            ));
        }
        no_content()
    }

    fn iam_group_users(&self, c: &Caller, group: &str) -> Answer {
        let mut st = self.lock();
        let g = Self::own_group(&mut st, c, group)?;
        let users: Vec<Value> = g.users.iter().map(|u| json!({"user_id": u})).collect();
        Ok((
            StatusCode::OK,
            json!({"iam_group_id": g.id, "iam_group_name": g.name,
                   "description": g.description, "users": users}),
        ))
    }

    fn assign_iam_user(&self, c: &Caller, group: &str, user: &str) -> Answer {
        let u = self
            .own_user(c, user)
            .map_err(|_| iam_error(StatusCode::NOT_FOUND, "IAM-4043", "The user is not found"))?;
        let mut st = self.lock();
        let g = Self::own_group(&mut st, c, group)?;
        if g.users.contains(&u.id) {
            return Err(iam_error(
                StatusCode::CONFLICT,
                "IAM-4092",
                "The user is already assigned",
            ));
        }
        g.users.push(u.id.clone());
        Ok((
            StatusCode::OK,
            json!({"iam_group_id": g.id, "iam_group_name": g.name, "user_id": u.id}),
        ))
    }

    fn unassign_iam_user(&self, c: &Caller, group: &str, user: &str) -> Answer {
        let mut st = self.lock();
        let g = Self::own_group(&mut st, c, group)?;
        let before = g.users.len();
        g.users.retain(|u| u != user);
        if g.users.len() == before {
            return Err(iam_error(
                StatusCode::NOT_FOUND,
                "IAM-4044",
                "The user is not assigned to the IAM group",
            ));
        }
        no_content()
    }

    fn list_iam_roles(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let k = self.iam_contract(c, r.query.get("contract_id").map(String::as_str))?;
        let st = self.lock();
        let roles: Vec<Value> = st
            .iam_roles
            .values()
            .filter(|x| x.contract_id == k)
            .map(|x| json!({"iam_role_id": x.id, "iam_role_name": x.name, "description": x.description}))
            .collect();
        Ok((StatusCode::OK, json!({"iam_roles": roles})))
    }

    fn get_iam_role(&self, c: &Caller, id: &str) -> Answer {
        let st = self.lock();
        let r = st
            .iam_roles
            .get(id)
            .filter(|r| r.contract_id == c.contract.id)
            .ok_or_else(|| {
                iam_error(
                    StatusCode::NOT_FOUND,
                    "IAM-4041",
                    "The IAM role is not found",
                )
            })?;
        Ok((StatusCode::OK, iam_role_json(r)))
    }

    fn create_iam_role(&self, c: &Caller, r: &Req<'_>) -> Answer {
        if !c.user.owner {
            return Err(iam_error(
                StatusCode::FORBIDDEN,
                "IAM-4031",
                "Only the super user can create IAM roles",
            ));
        }
        let m = r.object()?;
        let name = text(&m, "iam_role_name")?.unwrap_or_default();
        if !iam_name_ok(&name) {
            return Err(iam_error(
                StatusCode::BAD_REQUEST,
                "IAM-4000",
                "iam_role_name is invalid",
            ));
        }
        let resources = m.get("resources").cloned().unwrap_or(Value::Null);
        let rules_ok = resources.as_array().is_some_and(|rules| {
            rules.iter().all(|rule| {
                rule.as_object().is_some_and(|o| {
                    o.get("verb").is_none_or(|v| {
                        v.as_str()
                            .is_some_and(|v| ["GET", "PUT", "POST", "DELETE", "*"].contains(&v))
                    }) && ["basePath", "ipAddress", "path"]
                        .iter()
                        .all(|k| o.get(*k).is_none_or(Value::is_string))
                })
            })
        });
        if !rules_ok {
            return Err(iam_error(
                StatusCode::BAD_REQUEST,
                "IAM-4002",
                "resources is invalid",
            ));
        }
        let k = self.iam_contract(c, text(&m, "contract_id")?.as_deref())?;
        let description = text(&m, "description")?.unwrap_or_default();
        let mut st = self.lock();
        let mine = st.iam_roles.values().filter(|x| x.contract_id == k);
        if mine.clone().any(|x| x.name == name) {
            return Err(iam_error(
                StatusCode::CONFLICT,
                "IAM-4093",
                "iam_role_name already exists",
            ));
        }
        if mine.count() >= MAX_ITEMS_PER_CONTRACT {
            return Err(iam_error(
                StatusCode::BAD_REQUEST,
                "IAM-4001",
                "Too many IAM roles",
            ));
        }
        let role = IamRole {
            id: dashed_uuid(),
            name,
            description,
            contract_id: k,
            resources,
        };
        st.iam_roles.insert(role.id.clone(), role.clone());
        Ok((StatusCode::CREATED, iam_role_json(&role)))
    }

    fn delete_iam_role(&self, c: &Caller, id: &str) -> Answer {
        let mut st = self.lock();
        if st
            .iam_roles
            .get(id)
            .is_none_or(|r| r.contract_id != c.contract.id)
        {
            return Err(iam_error(
                StatusCode::NOT_FOUND,
                "IAM-4041",
                "The IAM role is not found",
            ));
        }
        st.iam_roles.remove(id);
        for g in st.iam_groups.values_mut() {
            g.roles.retain(|r| r != id);
        }
        no_content()
    }
}

/// `YYYY-MM` with a month from 1 to 12.
fn parse_month(s: &str) -> Option<(i32, u8)> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u8 = m.parse().ok()?;
    (1..=12).contains(&m).then_some((y, m))
}

fn days_in_month(y: i32, m: u8) -> u8 {
    time::Month::try_from(m)
        .map(|mm| mm.length(y))
        .unwrap_or(30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_operations() {
        assert_eq!(parse_month("2024-02"), Some((2024, 2)));
        assert_eq!(parse_month("2024-13"), None);
        assert_eq!(parse_month("2024-2"), None);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(
            operation(&Method::GET, &["users"]).map(|o| o.0),
            Some("list_users")
        );
        assert_eq!(operation(&Method::PATCH, &["users"]).map(|o| o.0), Some(""));
        assert_eq!(operation(&Method::GET, &["nope"]), None);
    }
}
