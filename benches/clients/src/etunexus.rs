//! Etu Nexus (EMC v2 behind CAS): the reference `etunexus` 0.6.8 (Python
//! 2.7, `references/etunexus.py`), [`etunexus::Emc2`] and a bare reqwest
//! loop, doing the same requests over HTTPS against `tenantry-sim serve
//! --service etunexus --tls`, whose group [`GROUP`] holds [`USERS`] users
//! (loaded from a seed file at start). Every contender verifies the
//! simulator's self-signed certificate: the Rust ones add it as a root,
//! the reference trusts it through `SSL_CERT_FILE` (Python's trust
//! environment, as the conformance script does).
//!
//! Workloads (keep `references/etunexus.py` in step):
//!
//! * `quick-start`: the seed's quick start, five calls: `GET /group`, find
//!   `workshop`; `GET /group/{gid}/user`, find `workshop_user`; `POST
//!   /group/{gid}/user` (a user whose name is unique to the measurement and
//!   operation); `POST /user/{id}` giving them the roles `Viewer` on
//!   `ETU-RECOMMENDER` and `ETU-INSIGHT`; `DELETE /user/{id}`;
//! * `list`: `GET /group/{gid}/user` of [`GROUP`], all [`USERS`] users
//!   (about 2 MB of JSON), every one decoded (the group's id is looked up
//!   once, at setup).
//!
//! All three log in once per client, outside the timed part, as the system
//! administrator (`etunexus\admin`, who sees every group): the CAS
//! ticket-granting ticket, a service ticket for EMC, its presentation to
//! `/shiro-cas` for the session cookie. tenantry does it in `emc.login()`,
//! the bare loop by hand with the same three requests, the reference in
//! `cas.login()` + `emc2.login()`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use etunexus::enums::{AppId, AppRoleName};
use etunexus::models::emc::{User, UserRole};
use etunexus::{Cas, Emc2, GroupId, Secret, TransportConfig};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::{json_answer, op, BenchError, Contender, External, InProcess, Mode, Plan, Workload};

/// The group the bulk users go to (made by the seed file).
pub const GROUP: &str = "bench";
/// Users of [`GROUP`].
pub const USERS: usize = 10_000;
/// Listings per measurement (full run).
pub const LISTS: u64 = 20;
/// Quick starts per measurement (full run; five calls each).
pub const QUICK_STARTS: u64 = 500;
/// The in-flight mode.
pub const IN_FLIGHT: usize = 64;
/// Idle connections kept per host by both Rust clients.
pub const POOL: usize = 64;
/// EMC's API base on the simulator.
const EMC_API: &str = "/commsrv/v1";
/// EMC's CAS service (shiro-cas) path.
const EMC_SHIRO: &str = "/shiro-cas";
/// The `Accept` header of every EMC call (the reference's, kept by tenantry).
const ACCEPT_ANY: &str = "application/json, text/plain, */*";

/// A per-process counter making each measurement's user names unique.
static RUN: AtomicU64 = AtomicU64::new(0);

/// What the benchmark needs from the simulator's seed
/// (`services.etunexus`) and its certificate.
#[derive(Debug, Clone)]
pub struct Seed {
    /// `https://127.0.0.1:{port}`.
    pub url: String,
    /// `127.0.0.1:{port}` (CAS and EMC on one origin).
    pub host: String,
    /// The system administrator's group (`etunexus`).
    pub group: String,
    /// Its user name.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The quick start's group (`workshop`).
    pub workshop: String,
    /// The user the quick start looks for in it (`workshop_user`).
    pub workshop_user: String,
    /// The simulator's certificate (PEM).
    pub cert_pem: String,
    /// Users a listing of [`GROUP`] must hold ([`USERS`]).
    pub users: usize,
}

impl Seed {
    /// Reads `services.etunexus` (or an etunexus object given directly);
    /// `cert_pem` is the simulator's certificate.
    pub fn from_json(v: &Value, cert_pem: String) -> Result<Self, BenchError> {
        let v = v.get("services").map_or(v, |s| &s["etunexus"]);
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("etunexus seed: no `{p}`"))
        };
        Ok(Seed {
            url: s("/url")?.trim_end_matches('/').to_owned(),
            host: s("/host")?,
            group: s("/group")?,
            username: s("/username")?,
            password: s("/password")?,
            workshop: s("/workshop/group")?,
            workshop_user: s("/workshop/user/username")?,
            cert_pem,
            users: USERS,
        })
    }
}

/// The seed file that makes [`GROUP`] with [`USERS`] users (`bulk-{i}`,
/// no role): `{"etunexus": {"groups": [...], "bulk_users": [...]}}`.
pub fn bulk_seed() -> Value {
    json!({ "etunexus": {
        "groups": [{"name": GROUP, "display_name": "Benchmark"}],
        "bulk_users": [{"group": GROUP, "count": USERS}],
    }})
}

/// The two workloads; `scale` divides the operation counts (10 for
/// `--quick`).
pub fn workloads(scale: u64) -> Vec<Workload> {
    let scale = scale.max(1);
    vec![
        Workload::new("quick-start", "quick start (5 calls)", QUICK_STARTS / scale),
        Workload::new(
            "list",
            format!("list {USERS} users"),
            (LISTS / scale).max(1),
        ),
    ]
}

fn unknown(workload: &str) -> BenchError {
    format!("unknown etunexus workload `{workload}`")
}

/// The name of the user operation `i` of measurement `run` adds.
fn user_name(run: u64, i: u64) -> String {
    format!("bench-{}-{run}-{i}", std::process::id())
}

/// The display name and password of every user the quick start adds.
const DISPLAY_NAME: &str = "Bench user";
const PASSWORD: &str = "bench-password";

/// tenantry's client, as a user would build it (default retry policy,
/// timeouts on), with a 64-connection pool and the simulator's
/// certificate as an extra root.
fn tenantry_emc(seed: &Seed) -> Result<Emc2, BenchError> {
    let cas = Cas::builder(
        seed.group.clone(),
        seed.username.clone(),
        Secret::new(seed.password.clone()),
    )
    .host(seed.host.clone())
    .app_host(seed.host.clone())
    // Before the root certificate: `transport_config` replaces the TLS
    // settings.
    .transport_config(TransportConfig::default().pool_max_idle_per_host(POOL))
    .root_certificate_pem(seed.cert_pem.clone())
    .build()
    .map_err(|e| e.to_string())?;
    Emc2::new(&cas).map_err(|e| e.to_string())
}

/// The id of group `name`, through tenantry's client.
async fn tenantry_group(emc: &Emc2, name: &str) -> Result<GroupId, BenchError> {
    let groups = emc.groups().list().await.map_err(|e| e.to_string())?;
    groups
        .iter()
        .find(|g| g.name == name)
        .and_then(|g| g.id)
        .ok_or_else(|| format!("no group `{name}`"))
}

/// One quick start with tenantry's client, adding user `name`.
async fn tenantry_quick_start(emc: &Emc2, seed: &Seed, name: String) -> Result<(), BenchError> {
    let gid = tenantry_group(emc, &seed.workshop).await?;
    let users = emc.users();
    let listed = users.list(&gid).await.map_err(|e| e.to_string())?;
    if !listed.iter().any(|u| u.name == seed.workshop_user) {
        return Err(format!("no `{}` in the group", seed.workshop_user));
    }
    let new = User::new(name, DISPLAY_NAME, Secret::new(PASSWORD));
    let mut user = users.create(&gid, &new).await.map_err(|e| e.to_string())?;
    user.roles = vec![
        UserRole::new(AppRoleName::Viewer, AppId::Er),
        UserRole::new(AppRoleName::Viewer, AppId::Ei),
    ];
    let user = users.update(&user).await.map_err(|e| e.to_string())?;
    if user.roles.len() != 2 {
        return Err(format!("the updated user has {} roles", user.roles.len()));
    }
    let id = user.id.ok_or("the updated user has no id")?;
    users.delete(&id).await.map_err(|e| e.to_string())
}

/// tenantry's contender: a new client per measurement, logged in (CAS and
/// EMC) before the operations start.
pub fn tenantry(seed: &Seed) -> InProcess {
    let seed = Arc::new(seed.clone());
    InProcess::new("tenantry", move |workload: &str, _mode: Mode| {
        let built = tenantry_emc(&seed);
        let (seed, workload) = (seed.clone(), workload.to_owned());
        async move {
            let emc = built?;
            emc.login().await.map_err(|e| e.to_string())?;
            match workload.as_str() {
                "quick-start" => {
                    let run = RUN.fetch_add(1, Ordering::Relaxed);
                    Ok(op(move |i| {
                        let (emc, seed) = (emc.clone(), seed.clone());
                        async move { tenantry_quick_start(&emc, &seed, user_name(run, i)).await }
                    }))
                }
                "list" => {
                    let gid = tenantry_group(&emc, GROUP).await?;
                    Ok(op(move |_| {
                        let emc = emc.clone();
                        let want = seed.users;
                        async move {
                            let users = emc.users().list(&gid).await.map_err(|e| e.to_string())?;
                            expect_users(users.len(), want)
                        }
                    }))
                }
                other => Err(unknown(other)),
            }
        }
    })
}

/// A listing must hold every user of the group.
fn expect_users(n: usize, want: usize) -> Result<(), BenchError> {
    if n == want {
        Ok(())
    } else {
        Err(format!("listed {n} users, expected {want}"))
    }
}

/// A user body as tenantry writes it (`User` goes through a
/// `serde_json::Value`, so its keys are sorted; Python `json.dumps`
/// separators): all 9 keys, `null`s included.
fn user_body(name: &str, password: Option<&str>, roles: Value) -> Value {
    // tenantry's `User` field order: its body is a JSON tree, so its key
    // order is serde_json's (insertion order with `preserve_order`, which
    // a workspace build enables, sorted otherwise); this one follows it
    // either way.
    json!({
        "id": null,
        "name": name,
        "displayName": DISPLAY_NAME,
        "password": password,
        "department": "",
        "mail": "",
        "roles": roles,
        "createTime": null,
        "lastUpdateTime": null,
    })
}

/// The bare loop's session: a client, the EMC API base, the session cookie.
struct Bare {
    client: reqwest::Client,
    api: String,
    cookie: HeaderValue,
    timeout: Duration,
}

/// `application/x-www-form-urlencoded` text of `pairs`.
fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        // RFC 3986 unreserved characters stay; everything else is escaped.
        for b in v.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

impl Bare {
    /// A client like tenantry's (same pool, user agent, no redirects,
    /// `TCP_NODELAY`, the simulator's certificate as a root), logged in:
    /// the CAS TGT, a service ticket for EMC and its presentation, the
    /// three requests tenantry's login sends.
    async fn login(seed: &Seed) -> Result<Bare, BenchError> {
        let config = TransportConfig::default();
        let cert = reqwest::Certificate::from_pem(seed.cert_pem.as_bytes())
            .map_err(|e| format!("the simulator's certificate: {e}"))?;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(POOL)
            .user_agent(config.get_user_agent())
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .add_root_certificate(cert)
            .build()
            .map_err(|e| e.to_string())?;
        let timeout = config.get_timeout();
        let tickets = format!("{}/cas/v1/tickets", seed.url);
        let post_form = |url: String, body: String| {
            client
                .post(url)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, ACCEPT_ANY)
                .header("pragma", "no-cache")
                .timeout(timeout)
                .body(body)
                .send()
        };
        let login = format!("{}\\{}", seed.group, seed.username);
        let resp = post_form(
            tickets.clone(),
            form(&[("username", &login), ("password", &seed.password)]),
        )
        .await
        .map_err(|e| format!("CAS login: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("CAS login: HTTP {}", resp.status()));
        }
        let tgt = resp
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .ok_or("CAS login: no Location")?
            .to_owned();
        let service = format!("{}{EMC_SHIRO}", seed.url);
        let resp = post_form(format!("{tickets}/{tgt}"), form(&[("service", &service)]))
            .await
            .map_err(|e| format!("service ticket: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("service ticket: HTTP {}", resp.status()));
        }
        let st = resp.text().await.map_err(|e| e.to_string())?;
        let resp = client
            .get(format!("{service}?{}", form(&[("ticket", st.trim())])))
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| format!("ticket presentation: {e}"))?;
        let pairs: Vec<&str> = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::trim)
            .collect();
        if pairs.is_empty() {
            return Err(format!(
                "ticket presentation: HTTP {}, no session cookie",
                resp.status()
            ));
        }
        let mut cookie = HeaderValue::from_str(&pairs.join("; ")).map_err(|e| e.to_string())?;
        cookie.set_sensitive(true);
        Ok(Bare {
            client,
            api: format!("{}{EMC_API}", seed.url),
            cookie,
            timeout,
        })
    }

    /// A call with the headers tenantry sends, in its order.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Value, BenchError> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.api))
            .header(ACCEPT, ACCEPT_ANY)
            .header("pragma", "no-cache");
        if let Some(body) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(body);
        }
        let sent = req
            .header(COOKIE, self.cookie.clone())
            .timeout(self.timeout)
            .send()
            .await;
        json_answer(sent).await
    }

    /// The id of group `name`.
    async fn group(&self, name: &str) -> Result<i64, BenchError> {
        let groups = self.call(reqwest::Method::GET, "/group", None).await?;
        groups
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["name"] == name)
            .and_then(|g| g["id"].as_i64())
            .ok_or_else(|| format!("no group `{name}`"))
    }

    /// One quick start, adding user `name`: bodies serialized per request
    /// (the create body from data, the update body from the created user
    /// as answered, its roles replaced), as tenantry does.
    async fn quick_start(&self, seed: &Seed, name: String) -> Result<(), BenchError> {
        let gid = self.group(&seed.workshop).await?;
        let users_path = format!("/group/{gid}/user");
        let listed = self.call(reqwest::Method::GET, &users_path, None).await?;
        let found = listed
            .as_array()
            .into_iter()
            .flatten()
            .any(|u| u["name"] == seed.workshop_user.as_str());
        if !found {
            return Err(format!("no `{}` in the group", seed.workshop_user));
        }
        let body = tenantry_core::encode::python_json(&user_body(&name, Some(PASSWORD), json!([])))
            .map_err(|e| e.to_string())?;
        let mut user = self
            .call(reqwest::Method::POST, &users_path, Some(body))
            .await?;
        let id = user["id"]
            .as_i64()
            .ok_or_else(|| format!("no id in {user}"))?;
        // tenantry's `UserRole` field order.
        user["roles"] = json!([
            {"roleName": "Viewer", "appId": "ETU-RECOMMENDER"},
            {"roleName": "Viewer", "appId": "ETU-INSIGHT"},
        ]);
        let body = tenantry_core::encode::python_json(&user).map_err(|e| e.to_string())?;
        let updated = self
            .call(reqwest::Method::POST, &format!("/user/{id}"), Some(body))
            .await?;
        match updated["roles"].as_array() {
            Some(r) if r.len() == 2 => {}
            _ => return Err(format!("the updated user's roles: {}", updated["roles"])),
        }
        let echo = self
            .call(reqwest::Method::DELETE, &format!("/user/{id}"), None)
            .await?;
        if echo.as_i64() != Some(id) {
            return Err(format!("deleting user {id} answered {echo}"));
        }
        Ok(())
    }
}

/// The same requests with a plain `reqwest::Client` (same pool size, same
/// headers, no retries, no tracing, answers parsed as `serde_json::Value`):
/// the fair floor for any client built on reqwest. Like tenantry it logs in
/// once (CAS TGT, service ticket, ticket presentation: the same three
/// requests, done in the measurement's setup) and sends the session
/// cookie; it pays for a per-request timeout (tenantry's default) and
/// serializes each body per request from data with the encoder tenantry
/// uses, so the bytes on the wire are equal.
pub fn bare(seed: &Seed) -> InProcess {
    let seed = Arc::new(seed.clone());
    InProcess::new("bare", move |workload: &str, _mode: Mode| {
        let (seed, workload) = (seed.clone(), workload.to_owned());
        async move {
            let bare = Arc::new(Bare::login(&seed).await?);
            match workload.as_str() {
                "quick-start" => {
                    let run = RUN.fetch_add(1, Ordering::Relaxed);
                    Ok(op(move |i| {
                        let (bare, seed) = (bare.clone(), seed.clone());
                        async move { bare.quick_start(&seed, user_name(run, i)).await }
                    }))
                }
                "list" => {
                    let path = format!("/group/{}/user", bare.group(GROUP).await?);
                    let want = seed.users;
                    Ok(op(move |_| {
                        let (bare, path) = (bare.clone(), path.clone());
                        async move {
                            match bare.call(reqwest::Method::GET, &path, None).await? {
                                Value::Array(a) => expect_users(a.len(), want),
                                other => Err(format!("not a user list: {other:.100}")),
                            }
                        }
                    }))
                }
                other => Err(unknown(other)),
            }
        }
    })
}

/// The reference client: `python references/etunexus.py SEED WORKLOAD N
/// C`, `SEED` the simulator's whole seed line (it names the certificate
/// the driver trusts). It opens a new TLS connection for every request
/// (`Connection: close`) and decodes a listing into `User` objects, so it
/// does a fifth of the quick starts and a tenth of the listings (its rate
/// is still per operation).
pub fn reference(python: &Path, script: &Path, seed_line: &str) -> External {
    External::new(
        "reference",
        python,
        [script.as_os_str().to_owned(), seed_line.into()],
    )
    .ops(|workload, ops| {
        if workload == "list" {
            (ops / 10).max(2)
        } else {
            (ops / 5).max(2)
        }
    })
}

/// The Etu Nexus plan: both workloads, sequential and [`IN_FLIGHT`] in
/// flight, reference / tenantry / bare, target tenantry ≥ 0.95 × bare.
pub fn plan(
    seed: &Seed,
    reference: External,
    scale: u64,
    repeats: u32,
    pairs: u32,
    pair_times: u64,
) -> Plan {
    let contenders: Vec<Box<dyn Contender>> = vec![
        Box::new(reference),
        Box::new(tenantry(seed)),
        Box::new(bare(seed)),
    ];
    Plan {
        title: format!(
            "Etu Nexus EMC2 client throughput against tenantry-sim over HTTPS, a group of {USERS} users ({} cores; sim, reference and Rust in separate processes)",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ),
        workloads: workloads(scale),
        modes: vec![Mode::Sequential, Mode::InFlight(IN_FLIGHT)],
        contenders,
        baseline: "reference".into(),
        floor: "bare".into(),
        subject: "tenantry".into(),
        target: 0.95,
        repeats,
        pairs,
        pair_times,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry_sim::{EtunexusSim, SimControl, SimOptions, SimServer, SimTls};

    #[test]
    fn the_bulk_seed_fills_the_bench_group() {
        let s = bulk_seed();
        assert_eq!(s["etunexus"]["groups"][0]["name"], GROUP);
        assert_eq!(s["etunexus"]["bulk_users"][0]["group"], GROUP);
        assert_eq!(s["etunexus"]["bulk_users"][0]["count"], USERS);
        let sim = EtunexusSim::seeded();
        sim.load_seed(&s["etunexus"]).unwrap();
        assert_eq!(sim.user_names(GROUP).len(), USERS);
    }

    #[test]
    fn the_bare_user_body_has_tenantry_s_layout() {
        let roles = json!([{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}]);
        let body = tenantry_core::encode::python_json(&user_body("n", Some("p"), roles)).unwrap();
        let text = String::from_utf8(body).unwrap();
        // Python's separators, every key, nulls included (the byte order
        // of the keys is checked against tenantry's requests in
        // `tenantry_and_the_floor_send_the_same_requests`).
        assert!(text.contains("\"name\": \"n\", "), "{text}");
        let got: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            got,
            json!({
                "name": "n", "displayName": DISPLAY_NAME, "password": "p", "id": null,
                "mail": "", "department": "", "createTime": null, "lastUpdateTime": null,
                "roles": [{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}],
            })
        );
    }

    /// Every run of ASCII digits as `0` (ids, times, lengths differ between
    /// two runs of the same sequence).
    fn squash_digits(s: &str) -> String {
        let mut out = String::new();
        let mut in_digits = false;
        for c in s.chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    out.push('0');
                }
                in_digits = true;
            } else {
                out.push(c);
                in_digits = false;
            }
        }
        out
    }

    /// The EMC requests the simulator received, digits squashed, the
    /// session cookie's value left out.
    fn emc_requests(server: &SimServer) -> Vec<String> {
        server
            .journal()
            .entries()
            .into_iter()
            .filter(|e| e.path.starts_with(EMC_API))
            .map(|e| {
                let headers: Vec<String> = e
                    .headers
                    .iter()
                    .map(|(k, v)| match k.as_str() {
                        "cookie" => "cookie: JSESSIONID=…".to_owned(),
                        _ => format!("{k}: {}", squash_digits(v)),
                    })
                    .collect();
                format!(
                    "{} {}\n{}\n{}",
                    e.method,
                    squash_digits(&e.path),
                    headers.join("\n"),
                    squash_digits(&String::from_utf8_lossy(&e.body))
                )
            })
            .collect()
    }

    /// tenantry and the bare floor, one quick start and one listing each
    /// against the simulator over TLS: both succeed and send the same
    /// requests (method, path, headers in order, body bytes), but for ids,
    /// times and the session cookie.
    #[tokio::test]
    async fn tenantry_and_the_floor_send_the_same_requests() {
        let sim = EtunexusSim::seeded();
        let tls = SimTls::self_signed().unwrap();
        let server = SimServer::start_with(
            sim.router(),
            SimOptions::new()
                .tls(tls.clone())
                .control(Arc::new(sim.clone())),
        )
        .await
        .unwrap();
        sim.load_seed(
            &json!({"groups": [{"name": GROUP}], "bulk_users": [{"group": GROUP, "count": 25}]}),
        )
        .unwrap();
        let seed_json = json!({ "services": { "etunexus": sim.seed_json(&server.base_url()) } });
        let mut seed = Seed::from_json(&seed_json, tls.cert_pem().to_owned()).unwrap();
        seed.users = 25;

        let mut sent = Vec::new();
        for contender in [tenantry(&seed), bare(&seed)] {
            server.journal().clear();
            for workload in ["quick-start", "list"] {
                let setup = (contender.setup)(workload, Mode::Sequential);
                let o = setup.await.unwrap();
                o(0).await.unwrap();
            }
            sent.push(emc_requests(&server));
        }
        assert_eq!(
            sim.user_names(SEED_WORKSHOP).len(),
            2,
            "the added users are gone"
        );
        let (t, b) = (&sent[0], &sent[1]);
        // Quick start (group lookup + 5 calls, the first being it) + the
        // listing's group lookup and listing.
        assert_eq!(t.len(), 7, "{t:#?}");
        assert_eq!(t, b);
        assert!(
            t[2].contains("\"password\": \"bench-password\""),
            "{}",
            t[2]
        );
        assert!(
            t[3].contains("\"roles\": [{\"") && t[3].contains("\"appId\": \"ETU-RECOMMENDER\""),
            "{}",
            t[3]
        );
        assert!(t[4].starts_with("DELETE"), "{}", t[4]);
    }

    const SEED_WORKSHOP: &str = tenantry_sim::etunexus::SEED_GROUP;
}
