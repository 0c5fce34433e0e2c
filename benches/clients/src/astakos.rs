//! Astakos: the reference `astakosclient` 0.19 (Python 2.7,
//! `references/astakos.py`), [`astakos_client::AstakosClient`] and a bare
//! reqwest loop, doing the same requests against `tenantry-sim serve
//! --service astakos`.
//!
//! Workloads (keep `references/astakos.py` in step):
//!
//! * `lookup`: `POST {account}/user_catalogs` with `{"uuids": [one uuid]}`
//!   (user token), the uuid cycling through the seeded users;
//! * `commission`: `POST {account}/commissions` (service token; one
//!   `(source, resource)` item, i.e. the user + project provision pair of
//!   `issue_one_commission`: 1 byte of `cyclades.ram` for the seeded user
//!   from their base project), then `POST {account}/commissions/{serial}/action`
//!   with `{"accept": ""}`.
//!
//! Quota: the base project's `cyclades.ram` limit is 8 GiB and each
//! commission takes one byte, so no `force` is needed however often the
//! benchmark runs against one simulator.

use std::path::Path;
use std::sync::Arc;

use astakos_client::{AstakosClient, ProjectId, Secret, TransportConfig, Uuid};
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use serde_json::Value;

use crate::{json_answer, op, BenchError, Contender, External, InProcess, Mode, Plan, Workload};

/// The resource every commission takes one unit of.
pub const RESOURCE: &str = "cyclades.ram";
/// Catalog lookups per measurement (full run).
pub const LOOKUPS: u64 = 2_000;
/// Commissions (issue + accept) per measurement (full run).
pub const COMMISSIONS: u64 = 1_000;
/// The in-flight mode.
pub const IN_FLIGHT: usize = 64;
/// Idle connections kept per host by both Rust clients (enough for
/// [`IN_FLIGHT`]; the reference gets `pool_size` = the concurrency).
pub const POOL: usize = 64;

/// What the benchmark needs from the simulator's seed
/// (`services.astakos`).
#[derive(Debug, Clone)]
pub struct Seed {
    /// `{base}/identity/v2.0`.
    pub auth_url: String,
    /// `{base}/account/v1.0` (the bare loop uses it as is; the clients
    /// discover it, during warm-up).
    pub account_url: String,
    /// A user token (lookups).
    pub user_token: String,
    /// A service (component) token (commissions).
    pub service_token: String,
    /// The commission holder; its base project is the source.
    pub user_uuid: String,
    /// The uuids lookups cycle through.
    pub uuids: Vec<String>,
}

impl Seed {
    /// Reads `services.astakos` (or an astakos object given directly).
    pub fn from_json(v: &Value) -> Result<Self, BenchError> {
        let v = v.get("services").map_or(v, |s| &s["astakos"]);
        let s = |k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("astakos seed: no `{k}`"))
        };
        let uuids: Vec<String> = v["users"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["uuid"].as_str().map(str::to_owned))
            .collect();
        if uuids.is_empty() {
            return Err("astakos seed: no users".into());
        }
        Ok(Seed {
            auth_url: s("auth_url")?,
            account_url: s("account_url")?.trim_end_matches('/').to_owned(),
            user_token: s("user_token")?,
            service_token: s("service_token")?,
            user_uuid: s("user_uuid")?,
            uuids,
        })
    }
}

/// The two workloads; `scale` divides the operation counts (10 for
/// `--quick`).
pub fn workloads(scale: u64) -> Vec<Workload> {
    let scale = scale.max(1);
    vec![
        Workload::new("lookup", "catalog lookup", LOOKUPS / scale),
        Workload::new("commission", "issue+accept", COMMISSIONS / scale),
    ]
}

fn unknown(workload: &str) -> BenchError {
    format!("unknown astakos workload `{workload}`")
}

/// tenantry's client, as a user would build it (default retry policy,
/// timeouts on), with a 64-connection pool.
pub fn tenantry(seed: &Seed) -> Result<InProcess, BenchError> {
    let seed = seed.clone();
    let uuids: Arc<Vec<Uuid>> = Arc::new(
        seed.uuids
            .iter()
            .map(|u| Uuid::new(u.as_str()))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?,
    );
    let holder = Uuid::new(seed.user_uuid.as_str()).map_err(|e| e.to_string())?;
    Ok(InProcess::new(
        "tenantry",
        move |workload: &str, _mode: Mode| {
            let built = (|| {
                let token = match workload {
                    "lookup" => &seed.user_token,
                    "commission" => &seed.service_token,
                    other => return Err(unknown(other)),
                };
                let client =
                    AstakosClient::builder(seed.auth_url.clone(), Secret::new(token.clone()))
                        .transport_config(TransportConfig::default().pool_max_idle_per_host(POOL))
                        .build()
                        .map_err(|e| e.to_string())?;
                Ok((client, workload == "lookup"))
            })();
            let (uuids, holder) = (uuids.clone(), holder.clone());
            async move {
                let (client, lookup) = built?;
                if lookup {
                    return Ok(op(move |i| {
                        let client = client.clone();
                        let uuid = uuids[(i % uuids.len() as u64) as usize].clone();
                        async move {
                            let cat = client
                                .users()
                                .usernames()
                                .uuids([uuid])
                                .send()
                                .await
                                .map_err(|e| e.to_string())?;
                            if cat.is_empty() {
                                return Err("empty uuid_catalog".to_owned());
                            }
                            Ok(())
                        }
                    }));
                }
                // The ids are shared, not copied per operation (as the bare
                // loop shares its seed data); bodies are built per request
                // by both.
                let ids = Arc::new((ProjectId::from(&holder), holder));
                Ok(op(move |_| {
                    let (client, ids) = (client.clone(), ids.clone());
                    async move {
                        let (source, holder) = &*ids;
                        let c = client.commissions();
                        let serial = c
                            .issue_one(holder)
                            .provision((source, RESOURCE), 1)
                            .send()
                            .await
                            .map_err(|e| e.to_string())?;
                        c.accept(serial).await.map_err(|e| e.to_string())
                    }
                }))
            }
        },
    ))
}

/// The lookup body, `{"uuids": [uuid]}`.
#[derive(serde::Serialize)]
struct Lookup<'a> {
    uuids: [&'a str; 1],
}

/// One provision of a commission body, in the reference's key order.
#[derive(serde::Serialize)]
struct Provision<'a> {
    holder: String,
    source: Option<String>,
    resource: &'a str,
    quantity: i64,
}

/// The commission body, in the reference's key order.
#[derive(serde::Serialize)]
struct Commission<'a> {
    force: bool,
    auto_accept: bool,
    name: &'a str,
    provisions: [Provision<'a>; 2],
}

/// The accept body, `{"accept": ""}`.
#[derive(serde::Serialize)]
struct Accept {
    accept: &'static str,
}

/// The commission body for `user`, serialized now with the encoder
/// tenantry uses (Python `json.dumps` style), as a real client would.
fn commission_body(user: &str) -> Result<Vec<u8>, String> {
    let project = format!("project:{user}");
    tenantry_core::encode::python_json(&Commission {
        force: false,
        auto_accept: false,
        name: "",
        provisions: [
            Provision {
                holder: format!("user:{user}"),
                source: Some(project.clone()),
                resource: RESOURCE,
                quantity: 1,
            },
            Provision {
                holder: project,
                source: None,
                resource: RESOURCE,
                quantity: 1,
            },
        ],
    })
    .map_err(|e| e.to_string())
}

/// The same requests with a plain `reqwest::Client` (same pool size, same
/// headers, no retries, no tracing, answers parsed as `serde_json::Value`):
/// the fair floor for any client built on reqwest. Like every real client
/// it pays for a per-request timeout (tenantry's default) and for a body
/// serialized per request from data, with the same encoder, so the bytes on
/// the wire stay equal.
pub fn bare(seed: &Seed) -> InProcess {
    let seed = seed.clone();
    InProcess::new("bare", move |workload: &str, _mode: Mode| {
        let built = (|| {
            // Same headers on the wire as tenantry's requests, its
            // User-Agent included.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(POOL)
                .user_agent(TransportConfig::default().get_user_agent())
                .build()
                .map_err(|e| e.to_string())?;
            let token = match workload {
                "lookup" => &seed.user_token,
                "commission" => &seed.service_token,
                other => return Err(unknown(other)),
            };
            let mut token = HeaderValue::from_str(token).map_err(|e| e.to_string())?;
            token.set_sensitive(true);
            Ok((client, token, workload == "lookup"))
        })();
        let seed = seed.clone();
        async move {
            let (client, token, lookup) = built?;
            // The headers in the order tenantry (and the reference) send
            // them.
            let timeout = TransportConfig::default().get_timeout();
            let post = move |url: String, body: Vec<u8>| {
                client
                    .post(url)
                    .header(CONTENT_TYPE, "application/json")
                    .header("x-auth-token", token.clone())
                    .timeout(timeout)
                    .body(body)
                    .send()
            };
            if lookup {
                let url = format!("{}/user_catalogs", seed.account_url);
                let uuids = Arc::new(seed.uuids.clone());
                return Ok(op(move |i| {
                    let uuid = &uuids[(i % uuids.len() as u64) as usize];
                    // The reference's bytes (Python's `json.dumps`: `", "` and
                    // `": "`), serialized per request as tenantry does.
                    let body = tenantry_core::encode::python_json(&Lookup { uuids: [uuid] });
                    let sent = body.map(|b| post(url.clone(), b));
                    async move {
                        let sent = sent.map_err(|e| e.to_string())?;
                        let v = json_answer(sent.await).await?;
                        match v.get("uuid_catalog") {
                            Some(Value::Object(m)) if !m.is_empty() => Ok(()),
                            _ => Err(format!("no uuid_catalog in {v}")),
                        }
                    }
                }));
            }
            let issue_url = format!("{}/commissions", seed.account_url);
            let account_url = seed.account_url.clone();
            let user = seed.user_uuid.clone();
            Ok(op(move |_| {
                // The reference's bytes (its key order, `json.dumps`
                // separators), serialized per request.
                let issued = commission_body(&user).map(|b| post(issue_url.clone(), b));
                let (post, account_url) = (post.clone(), account_url.clone());
                async move {
                    let v = json_answer(issued?.await).await?;
                    let serial = v["serial"]
                        .as_u64()
                        .ok_or_else(|| format!("no serial in {v}"))?;
                    let url = format!("{account_url}/commissions/{serial}/action");
                    let body = tenantry_core::encode::python_json(&Accept { accept: "" })
                        .map_err(|e| e.to_string())?;
                    json_answer(post(url, body).await).await.map(drop)
                }
            }))
        }
    })
}

/// The reference client: `python references/astakos.py SEED WORKLOAD N C`.
pub fn reference(python: &Path, script: &Path, seed_line: &str) -> External {
    External::new(
        "reference",
        python,
        [script.as_os_str().to_owned(), seed_line.into()],
    )
}

/// The Astakos plan: both workloads, sequential and [`IN_FLIGHT`] in
/// flight, reference / tenantry / bare, target tenantry ≥ 0.95 × bare.
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
            "Astakos client throughput against tenantry-sim ({} cores; sim, reference and Rust in separate processes)",
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bodies serialized per request are the bytes the reference sends.
    #[test]
    fn fair_floor_bodies_are_the_reference_bytes() {
        let u = "73917abc-abcd-477e-a1f1-1763abcdefab";
        assert_eq!(
            String::from_utf8(commission_body(u).unwrap()).unwrap(),
            format!(
                "{{\"force\": false, \"auto_accept\": false, \"name\": \"\", \"provisions\": [\
                 {{\"holder\": \"user:{u}\", \"source\": \"project:{u}\", \"resource\": \"{RESOURCE}\", \"quantity\": 1}}, \
                 {{\"holder\": \"project:{u}\", \"source\": null, \"resource\": \"{RESOURCE}\", \"quantity\": 1}}]}}"
            )
        );
        assert_eq!(
            tenantry_core::encode::python_json(&Lookup { uuids: [u] }).unwrap(),
            format!("{{\"uuids\": [\"{u}\"]}}").into_bytes()
        );
        assert_eq!(
            tenantry_core::encode::python_json(&Accept { accept: "" }).unwrap(),
            br#"{"accept": ""}"#
        );
    }
}
