//! ECL SSS v1: the reference `eclsdk` 1.11.1 (Python 3.9,
//! `references/ecl.py`), [`ecl_sss::EclSssClient`] and a bare reqwest loop,
//! doing the same requests against `tenantry-sim serve --service ecl-sss`
//! whose contract holds [`USERS`] users (loaded from a seed file at start).
//!
//! Workloads (keep `references/ecl.py` in step):
//!
//! * `list`: `GET {sss}/users` as the contract's super user, answering all
//!   [`USERS`] users (about 1.6 MB of JSON), every one decoded;
//! * `create-delete`: `POST {sss}/users` (`{"login_id", "mail_address",
//!   "notify_password": "false"}`, a login id unique to the measurement and
//!   operation), then `DELETE {sss}/users/{user_id}` of the user it made.
//!
//! All three log in to the simulated Keystone once per client (password
//! auth scoped to the seeded tenant) and reuse the token.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use ecl_sss::{EclSssClient, Secret, TenantId, TransportConfig, UserId};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::{json_answer, op, BenchError, Contender, External, InProcess, Mode, Plan, Workload};

/// The end-user contract the simulator seeds (its seed line confirms it):
/// the bulk users go there.
pub const CONTRACT: &str = "econ1000000010";
/// Users of the benchmark's contract, the seeded ones included.
pub const USERS: usize = 10_000;
/// Users the simulator seeds in that contract itself (its super user and
/// one ordinary user); the seed file adds the rest.
pub const SEEDED_USERS: usize = 2;
/// Listings per measurement (full run).
pub const LISTS: u64 = 20;
/// Create + delete pairs per measurement (full run).
pub const CREATES: u64 = 1_000;
/// The in-flight mode.
pub const IN_FLIGHT: usize = 64;
/// Idle connections kept per host by both Rust clients.
pub const POOL: usize = 64;

/// A per-process counter making each measurement's login ids unique, so a
/// user left over by a failed run never collides with a new one.
static RUN: AtomicU64 = AtomicU64::new(0);

/// What the benchmark needs from the simulator's seed
/// (`services.ecl-sss`).
#[derive(Debug, Clone)]
pub struct Seed {
    /// `{base}/v3`.
    pub auth_url: String,
    /// `{base}/api/v1.0` (the bare loop uses it as is; the clients find it
    /// in the Keystone catalog).
    pub sss_url: String,
    /// The super user's API key.
    pub username: String,
    /// Its API secret.
    pub password: String,
    /// The tenant the token is scoped to.
    pub project_id: String,
    /// The super user's domain.
    pub user_domain_id: String,
    /// The contract the bulk users go to.
    pub contract_id: String,
}

impl Seed {
    /// Reads `services.ecl-sss` (or an ecl-sss object given directly).
    pub fn from_json(v: &Value) -> Result<Self, BenchError> {
        let v = v.get("services").map_or(v, |s| &s["ecl-sss"]);
        let s = |k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("ecl-sss seed: no `{k}`"))
        };
        Ok(Seed {
            auth_url: s("auth_url")?,
            sss_url: s("sss_url")?.trim_end_matches('/').to_owned(),
            username: s("username")?,
            password: s("password")?,
            project_id: s("project_id")?,
            user_domain_id: s("user_domain_id")?,
            contract_id: s("contract_id")?,
        })
    }
}

/// The seed file that fills `contract` up to [`USERS`] users: `{"ecl-sss":
/// {"users": [...]}}` (ids `ecid2000000000`…, login ids `bulk-<i>`).
pub fn bulk_seed(contract: &str) -> Value {
    let users: Vec<Value> = (0..USERS - SEEDED_USERS)
        .map(|i| {
            json!({
                "user_id": format!("ecid{}", 2_000_000_000 + i),
                "contract_id": contract,
                "login_id": format!("bulk-{i}"),
                "mail_address": format!("bulk-{i}@example.com"),
                "keystone_name": format!("bulk-key-{i}"),
                "keystone_password": format!("bulk-secret-{i}"),
            })
        })
        .collect();
    json!({ "ecl-sss": { "users": users } })
}

/// The two workloads; `scale` divides the operation counts (10 for
/// `--quick`).
pub fn workloads(scale: u64) -> Vec<Workload> {
    let scale = scale.max(1);
    vec![
        Workload::new(
            "list",
            format!("list {USERS} users"),
            (LISTS / scale).max(1),
        ),
        Workload::new("create-delete", "create+delete user", CREATES / scale),
    ]
}

fn unknown(workload: &str) -> BenchError {
    format!("unknown ecl workload `{workload}`")
}

/// The login id and e-mail address of operation `i` of measurement `run`.
fn login(run: u64, i: u64) -> (String, String) {
    let id = format!("bench-{}-{run}-{i}", std::process::id());
    let mail = format!("{id}@example.com");
    (id, mail)
}

/// tenantry's client, as a user would build it (default retry policy,
/// timeouts on, the SSS endpoint from the Keystone catalog), with a
/// 64-connection pool.
pub fn tenantry(seed: &Seed) -> Result<InProcess, BenchError> {
    let seed = seed.clone();
    let project = TenantId::new(seed.project_id.as_str()).map_err(|e| e.to_string())?;
    Ok(InProcess::new(
        "tenantry",
        move |workload: &str, _mode: Mode| {
            let built = EclSssClient::builder(seed.auth_url.clone())
                .username(seed.username.clone())
                .password(Secret::new(seed.password.clone()))
                .project_id(project.clone())
                .user_domain_id(seed.user_domain_id.clone())
                .transport_config(TransportConfig::default().pool_max_idle_per_host(POOL))
                .build()
                .map_err(|e| e.to_string());
            let workload = workload.to_owned();
            async move {
                let client = built?;
                match workload.as_str() {
                    "list" => Ok(op(move |_| {
                        let client = client.clone();
                        async move {
                            let users = client.users().list().await.map_err(|e| e.to_string())?;
                            expect_users(users.len())
                        }
                    })),
                    "create-delete" => {
                        let run = RUN.fetch_add(1, Ordering::Relaxed);
                        Ok(op(move |i| {
                            let client = client.clone();
                            async move {
                                let (login_id, mail) = login(run, i);
                                let users = client.users();
                                let user = users
                                    .create()
                                    .login_id(login_id)
                                    .mail_address(mail)
                                    .send()
                                    .await
                                    .map_err(|e| e.to_string())?;
                                let id: UserId =
                                    user.user_id.ok_or("the created user has no user_id")?;
                                users.delete(&id).await.map_err(|e| e.to_string())
                            }
                        }))
                    }
                    other => Err(unknown(other)),
                }
            }
        },
    ))
}

/// A listing must hold every user of the contract.
fn expect_users(n: usize) -> Result<(), BenchError> {
    if n == USERS {
        Ok(())
    } else {
        Err(format!("listed {n} users, expected {USERS}"))
    }
}

/// The body of `POST /users`, in the order tenantry sends its fields.
#[derive(serde::Serialize)]
struct NewUser<'a> {
    login_id: &'a str,
    mail_address: &'a str,
    notify_password: &'static str,
}

/// Keystone v3 password auth scoped to the seeded tenant: the token in
/// `X-Subject-Token`.
async fn keystone_token(client: &reqwest::Client, seed: &Seed) -> Result<HeaderValue, BenchError> {
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": seed.username,
            "domain": {"id": seed.user_domain_id},
            "password": seed.password,
        }}},
        "scope": {"project": {"id": seed.project_id}},
    }});
    let resp = client
        .post(format!(
            "{}/auth/tokens",
            seed.auth_url.trim_end_matches('/')
        ))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("keystone login: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("keystone login: HTTP {}", resp.status()));
    }
    let mut token = resp
        .headers()
        .get("x-subject-token")
        .cloned()
        .ok_or("keystone login: no X-Subject-Token")?;
    token.set_sensitive(true);
    Ok(token)
}

/// The same requests with a plain `reqwest::Client` (same pool size, same
/// headers, no retries, no tracing, answers parsed as `serde_json::Value`):
/// the fair floor for any client built on reqwest. Like tenantry it logs in
/// to Keystone once (in the warm-up's setup) and reuses the token, pays for
/// a per-request timeout (tenantry's default) and serializes each create
/// body per request from data with serde_json (as tenantry does). It takes
/// the SSS URL from the seed instead of the catalog.
pub fn bare(seed: &Seed) -> InProcess {
    let seed = seed.clone();
    InProcess::new("bare", move |workload: &str, _mode: Mode| {
        let built = reqwest::Client::builder()
            .pool_max_idle_per_host(POOL)
            .user_agent(TransportConfig::default().get_user_agent())
            .build()
            .map_err(|e| e.to_string());
        let (seed, workload) = (seed.clone(), workload.to_owned());
        async move {
            let client = built?;
            let token = keystone_token(&client, &seed).await?;
            let timeout = TransportConfig::default().get_timeout();
            let users_url = format!("{}/users", seed.sss_url);
            match workload.as_str() {
                "list" => Ok(op(move |_| {
                    // The headers in the order tenantry sends them.
                    let sent = client
                        .get(users_url.clone())
                        .header(ACCEPT, "application/json")
                        .header("x-auth-token", token.clone())
                        .timeout(timeout)
                        .send();
                    async move {
                        let v = json_answer(sent.await).await?;
                        match v.get("users") {
                            Some(Value::Array(a)) => expect_users(a.len()),
                            _ => Err("no users in the answer".to_owned()),
                        }
                    }
                })),
                "create-delete" => {
                    let run = RUN.fetch_add(1, Ordering::Relaxed);
                    Ok(op(move |i| {
                        let (client, token) = (client.clone(), token.clone());
                        let users_url = users_url.clone();
                        async move {
                            let (login_id, mail) = login(run, i);
                            let body = serde_json::to_vec(&NewUser {
                                login_id: &login_id,
                                mail_address: &mail,
                                notify_password: "false",
                            })
                            .map_err(|e| e.to_string())?;
                            let sent = client
                                .post(users_url.as_str())
                                .header(ACCEPT, "application/json")
                                .header(CONTENT_TYPE, "application/json")
                                .header("x-auth-token", token.clone())
                                .timeout(timeout)
                                .body(body)
                                .send()
                                .await;
                            let v = json_answer(sent).await?;
                            let id = v["user_id"]
                                .as_str()
                                .ok_or_else(|| format!("no user_id in {v}"))?;
                            let sent = client
                                .delete(format!("{users_url}/{id}"))
                                .header(ACCEPT, "application/json")
                                .header("x-auth-token", token)
                                .timeout(timeout)
                                .send()
                                .await;
                            json_answer(sent).await.map(drop)
                        }
                    }))
                }
                other => Err(unknown(other)),
            }
        }
    })
}

/// The reference client: `python references/ecl.py SEED WORKLOAD N C`.
/// eclsdk decodes a listing of [`USERS`] users far more slowly than the
/// Rust clients, so it lists a tenth as often (its rate is still per
/// operation).
pub fn reference(python: &Path, script: &Path, seed_line: &str) -> External {
    External::new(
        "eclsdk",
        python,
        [script.as_os_str().to_owned(), seed_line.into()],
    )
    .ops(|workload, ops| {
        if workload == "list" {
            (ops / 10).max(2)
        } else {
            ops
        }
    })
}

/// The ECL plan: both workloads, sequential and [`IN_FLIGHT`] in flight,
/// eclsdk / tenantry / bare, target tenantry ≥ 0.95 × bare.
pub fn plan(
    seed: &Seed,
    reference: External,
    scale: u64,
    repeats: u32,
    pairs: u32,
    pair_times: u64,
) -> Result<Plan, BenchError> {
    let contenders: Vec<Box<dyn Contender>> = vec![
        Box::new(reference),
        Box::new(tenantry(seed)?),
        Box::new(bare(seed)),
    ];
    Ok(Plan {
        title: format!(
            "ECL SSS client throughput against tenantry-sim, a contract of {USERS} users ({} cores; sim, eclsdk and Rust in separate processes)",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ),
        workloads: workloads(scale),
        modes: vec![Mode::Sequential, Mode::InFlight(IN_FLIGHT)],
        contenders,
        baseline: "eclsdk".into(),
        floor: "bare".into(),
        subject: "tenantry".into(),
        target: 0.95,
        repeats,
        pairs,
        pair_times,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bulk_seed_fills_the_contract_with_valid_ids() {
        let s = bulk_seed("econ1000000010");
        let users = s["ecl-sss"]["users"].as_array().unwrap();
        assert_eq!(users.len() + SEEDED_USERS, USERS);
        for u in [&users[0], &users[users.len() - 1]] {
            let id = u["user_id"].as_str().unwrap();
            assert!(id.parse::<UserId>().is_ok(), "{id}");
        }
        let mut logins: Vec<&str> = users
            .iter()
            .map(|u| u["login_id"].as_str().unwrap())
            .collect();
        logins.sort_unstable();
        logins.dedup();
        assert_eq!(logins.len(), users.len(), "login ids are unique");
    }

    #[test]
    fn the_bare_create_body_is_what_tenantry_sends() {
        // tenantry's `CreateUser` without a password: the three fields in
        // this order, serialized by serde_json.
        let body = serde_json::to_vec(&NewUser {
            login_id: "a",
            mail_address: "a@example.com",
            notify_password: "false",
        })
        .unwrap();
        assert_eq!(
            body,
            br#"{"login_id":"a","mail_address":"a@example.com","notify_password":"false"}"#
        );
    }
}
