//! Squonk2 Account Server: the reference `im-squonk2-client` 7.0.0 (Python
//! 3.11, `references/squonk2.py`, `AsApi` classmethods as they are),
//! [`squonk2_as::Squonk2Client`] and a bare reqwest loop, doing the same
//! requests against `tenantry-sim serve --service squonk2-as`, whose bench
//! unit holds [`PRODUCTS`] products and whose first product [`CHARGES`]
//! charges (loaded from a seed file at start, [`bulk_seed`]).
//!
//! Workloads (keep `references/squonk2.py` in step):
//!
//! * `list`: `GET {api}/product/unit/{unit}` (all [`PRODUCTS`] products of
//!   the bench unit, in one answer: the AS does not page), then
//!   `GET {api}/charges/product/{product}` (all [`CHARGES`] charges of the
//!   charged product, current billing period), every entry decoded;
//! * `get`: `GET {api}/product/{id}`, the id cycling through the bench
//!   unit's products.
//!
//! All three log in to the simulated Keycloak once per client (password
//! grant as the seeded AS administrator: charges are for administrators
//! only) and send the token as `Authorization: Bearer …`.

use std::path::Path;
use std::sync::Arc;

use reqwest::header::{HeaderValue, AUTHORIZATION};
use serde_json::{json, Value};
use squonk2_as::{ProductId, Secret, Squonk2Client, TransportConfig, UnitId};
use tenantry_core::auth::bearer::KeycloakGrant;

use crate::{json_answer, op, BenchError, Contender, External, InProcess, Mode, Plan, Workload};

/// The simulator's seeded AS administrator: everyone logs in as it, and it
/// owns the bench data (the seed line confirms it).
pub const ADMIN: &str = "admin";
/// Products of the bench unit.
pub const PRODUCTS: usize = 10_000;
/// Charges of the charged product (the bench unit's first product).
pub const CHARGES: usize = 10_000;
/// The bench organisation (the seed file adds it).
pub const ORG_ID: &str = "org-b0000000-0000-4000-8000-000000000000";
/// The bench unit, in [`ORG_ID`].
pub const UNIT_ID: &str = "unit-b0000000-0000-4000-8000-000000000000";
/// Product `i` of the bench unit is this and `i` in 12 decimal digits
/// (a valid lower-case UUID tail).
pub const PRODUCT_ID_PREFIX: &str = "product-b0000000-0000-4000-8000-";
/// Listings (products + charges) per measurement (full run).
pub const LISTS: u64 = 20;
/// Product gets per measurement (full run).
pub const GETS: u64 = 2_000;
/// The in-flight mode.
pub const IN_FLIGHT: usize = 64;
/// Idle connections kept per host by both Rust clients.
pub const POOL: usize = 64;

/// The id of the bench unit's product `i`.
pub fn product_id(i: usize) -> String {
    format!("{PRODUCT_ID_PREFIX}{i:012}")
}

/// The product whose charges `list` reads.
pub fn charged_product_id() -> String {
    product_id(0)
}

/// What the benchmark needs from the simulator's seed
/// (`services.squonk2-as`).
#[derive(Debug, Clone)]
pub struct Seed {
    /// The reference's `SQUONK2_ASAPI_URL` (`{base}/account-server-api`).
    pub api_url: String,
    /// The reference's `keycloak_url`.
    pub keycloak_url: String,
    /// The Keycloak realm.
    pub realm: String,
    /// The AS's Keycloak client id.
    pub client_id: String,
    /// The AS administrator everyone logs in as.
    pub username: String,
    /// Its password.
    pub password: String,
}

impl Seed {
    /// Reads `services.squonk2-as` (or a squonk2-as object given directly).
    pub fn from_json(v: &Value) -> Result<Self, BenchError> {
        let v = v.get("services").map_or(v, |s| &s["squonk2-as"]);
        let s = |v: &Value, k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("squonk2-as seed: no `{k}`"))
        };
        Ok(Seed {
            api_url: s(v, "api_url")?.trim_end_matches('/').to_owned(),
            keycloak_url: s(v, "keycloak_url")?.trim_end_matches('/').to_owned(),
            realm: s(v, "realm")?,
            client_id: s(v, "client_id")?,
            username: s(&v["admin"], "username")?,
            password: s(&v["admin"], "password")?,
        })
    }
}

/// The seed file of the bench data: `{"squonk2-as": {...}}` with the
/// organisation [`ORG_ID`] and unit [`UNIT_ID`] (owned by `owner`),
/// [`PRODUCTS`] products in it (`bulk-<i>`, project tier, `BRONZE`) and
/// [`CHARGES`] charges of the first one.
pub fn bulk_seed(owner: &str) -> Value {
    let products: Vec<Value> = (0..PRODUCTS)
        .map(|i| {
            json!({
                "id": product_id(i),
                "unit_id": UNIT_ID,
                "name": format!("bulk-{i}"),
                "type": "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION",
                "flavour": "BRONZE",
                "allowance": 100,
                "limit": 200,
            })
        })
        .collect();
    json!({ "squonk2-as": {
        "organisations": [{"id": ORG_ID, "name": "Bench Organisation", "owner": owner}],
        "units": [{"id": UNIT_ID, "organisation_id": ORG_ID, "name": "Bench Unit", "owner": owner}],
        "products": products,
        "charges": [{"product_id": charged_product_id(), "count": CHARGES}],
    }})
}

/// The seed object the reference driver gets: the simulator's
/// `squonk2-as` seed plus `"bench": {"unit_id", "charged_product_id",
/// "products", "charges", "product_id_prefix"}`.
pub fn reference_seed(sim_seed: &Value) -> Result<String, BenchError> {
    let mut v = sim_seed["services"]
        .get("squonk2-as")
        .cloned()
        .ok_or("no `squonk2-as` in the simulator's seed")?;
    v["bench"] = json!({
        "unit_id": UNIT_ID,
        "charged_product_id": charged_product_id(),
        "products": PRODUCTS,
        "charges": CHARGES,
        "product_id_prefix": PRODUCT_ID_PREFIX,
    });
    Ok(v.to_string())
}

/// The two workloads; `scale` divides the operation counts (10 for
/// `--quick`).
pub fn workloads(scale: u64) -> Vec<Workload> {
    let scale = scale.max(1);
    vec![
        Workload::new(
            "list",
            format!("list {PRODUCTS}+{CHARGES}"),
            (LISTS / scale).max(1),
        ),
        Workload::new("get", "get product", GETS / scale),
    ]
}

fn unknown(workload: &str) -> BenchError {
    format!("unknown squonk2 workload `{workload}`")
}

/// A listing must hold every product (charge) of the bench data.
fn expect(what: &str, n: usize, want: usize) -> Result<(), BenchError> {
    if n == want {
        Ok(())
    } else {
        Err(format!("listed {n} {what}, expected {want}"))
    }
}

/// The per-request timeout both Rust contenders use: tenantry's default,
/// except for listings with many in flight. The simulator builds each
/// 10,000-entry answer whole under its state lock, so 64 listings queue
/// behind each other for longer than the default 30 s on a loaded
/// machine: both contenders then wait up to five minutes alike.
pub fn timeout_for(workload: &str, mode: Mode) -> std::time::Duration {
    match (workload, mode) {
        ("list", Mode::InFlight(_)) => std::time::Duration::from_secs(300),
        _ => TransportConfig::default().get_timeout(),
    }
}

/// tenantry's client, as a user would build it (Keycloak password login,
/// default retry policy, timeouts on), with a 64-connection pool.
pub fn tenantry(seed: &Seed) -> Result<InProcess, BenchError> {
    let seed = seed.clone();
    let unit = UnitId::new(UNIT_ID).map_err(|e| e.to_string())?;
    let charged = ProductId::new(charged_product_id()).map_err(|e| e.to_string())?;
    // Shared, not copied per operation (as the bare loop shares its URL
    // parts).
    let ids: Arc<Vec<ProductId>> = Arc::new(
        (0..PRODUCTS)
            .map(|i| ProductId::new(product_id(i)))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?,
    );
    Ok(InProcess::new(
        "tenantry",
        move |workload: &str, mode: Mode| {
            let timeout = timeout_for(workload, mode);
            let built = Squonk2Client::keycloak(
                seed.keycloak_url.clone(),
                seed.realm.clone(),
                seed.client_id.clone(),
            )
            .grant(KeycloakGrant::Password {
                username: seed.username.clone(),
                password: Secret::new(seed.password.clone()),
            })
            .build()
            .and_then(|kc| {
                Squonk2Client::builder(seed.api_url.clone())
                    .keycloak(kc)
                    .transport_config(
                        TransportConfig::default()
                            .pool_max_idle_per_host(POOL)
                            .timeout(timeout),
                    )
                    .build()
            })
            .map_err(|e| e.to_string());
            let (workload, unit, charged, ids) = (
                workload.to_owned(),
                unit.clone(),
                charged.clone(),
                ids.clone(),
            );
            async move {
                let client = built?;
                match workload.as_str() {
                    "list" => Ok(op(move |_| {
                        let (client, unit, charged) =
                            (client.clone(), unit.clone(), charged.clone());
                        async move {
                            let products = client
                                .products()
                                .for_unit(&unit)
                                .await
                                .map_err(|e| e.to_string())?;
                            expect("products", products.len(), PRODUCTS)?;
                            let charges = client
                                .charges()
                                .product(&charged)
                                .send()
                                .await
                                .map_err(|e| e.to_string())?;
                            expect("charges", charges.items.len(), CHARGES)
                        }
                    })),
                    "get" => Ok(op(move |i| {
                        let (client, ids) = (client.clone(), ids.clone());
                        async move {
                            let id = &ids[(i % ids.len() as u64) as usize];
                            let p = client.products().get(id).await.map_err(|e| e.to_string())?;
                            match p.product.and_then(|p| p.id) {
                                Some(got) if &got == id => Ok(()),
                                other => Err(format!("asked for {id}, got {other:?}")),
                            }
                        }
                    })),
                    other => Err(unknown(other)),
                }
            }
        },
    ))
}

/// The Keycloak password grant (the reference's form fields, URL-encoded):
/// `Bearer <access_token>` as a sensitive header value.
async fn keycloak_token(client: &reqwest::Client, seed: &Seed) -> Result<HeaderValue, BenchError> {
    let sent = client
        .post(format!(
            "{}/realms/{}/protocol/openid-connect/token",
            seed.keycloak_url, seed.realm
        ))
        .form(&[
            ("client_id", seed.client_id.as_str()),
            ("grant_type", "password"),
            ("username", seed.username.as_str()),
            ("password", seed.password.as_str()),
        ])
        .send()
        .await;
    let v = json_answer(sent)
        .await
        .map_err(|e| format!("keycloak login: {e}"))?;
    let token = v["access_token"]
        .as_str()
        .ok_or("keycloak login: no access_token")?;
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "keycloak login: the token is not a header value")?;
    value.set_sensitive(true);
    Ok(value)
}

/// The same requests with a plain `reqwest::Client` (same pool size, same
/// User-Agent and `Authorization` header, no retries, no tracing, answers
/// parsed as `serde_json::Value`): the fair floor for any client built on
/// reqwest. Like tenantry it logs in to Keycloak once per client (in the
/// setup), builds each URL per request and pays for a per-request timeout
/// (tenantry's default).
pub fn bare(seed: &Seed) -> InProcess {
    let seed = seed.clone();
    InProcess::new("bare", move |workload: &str, mode: Mode| {
        let timeout = timeout_for(workload, mode);
        let built = reqwest::Client::builder()
            .pool_max_idle_per_host(POOL)
            .user_agent(TransportConfig::default().get_user_agent())
            .build()
            .map_err(|e| e.to_string());
        let (seed, workload) = (seed.clone(), workload.to_owned());
        async move {
            let client = built?;
            let token = keycloak_token(&client, &seed).await?;
            let api = Arc::new(seed.api_url.clone());
            let get = move |url: String| {
                client
                    .get(url)
                    .header(AUTHORIZATION, token.clone())
                    .timeout(timeout)
                    .send()
            };
            match workload.as_str() {
                "list" => Ok(op(move |_| {
                    let (get, api) = (get.clone(), api.clone());
                    async move {
                        let v =
                            json_answer(get(format!("{api}/product/unit/{UNIT_ID}")).await).await?;
                        expect("products", items(&v, "products")?, PRODUCTS)?;
                        let charged = charged_product_id();
                        let v = json_answer(get(format!("{api}/charges/product/{charged}")).await)
                            .await?;
                        expect("charges", items(&v, "items")?, CHARGES)
                    }
                })),
                "get" => Ok(op(move |i| {
                    let id = product_id((i % PRODUCTS as u64) as usize);
                    let sent = get(format!("{api}/product/{id}"));
                    async move {
                        let v = json_answer(sent.await).await?;
                        match v["product"]["id"].as_str() {
                            Some(got) if got == id => Ok(()),
                            other => Err(format!("asked for {id}, got {other:?}")),
                        }
                    }
                })),
                other => Err(unknown(other)),
            }
        }
    })
}

/// The length of the array `key` of an answer.
fn items(v: &Value, key: &str) -> Result<usize, BenchError> {
    match v.get(key) {
        Some(Value::Array(a)) => Ok(a.len()),
        _ => Err(format!("no `{key}` array in the answer")),
    }
}

/// The reference client: `python references/squonk2.py SEED WORKLOAD N C`
/// with the [`reference_seed`]. Its listings are far slower than the Rust
/// clients', so it lists a tenth as often (its rate is still per
/// operation).
pub fn reference(python: &Path, script: &Path, seed: &str) -> External {
    External::new(
        "reference",
        python,
        [script.as_os_str().to_owned(), seed.into()],
    )
    .ops(|workload, ops| {
        if workload == "list" {
            (ops / 10).max(2)
        } else {
            ops
        }
    })
}

/// The Squonk2 plan: both workloads, sequential and [`IN_FLIGHT`] in
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
            "Squonk2 AS client throughput against tenantry-sim, a unit of {PRODUCTS} products and a product of {CHARGES} charges ({} cores; sim, reference and Rust in separate processes)",
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

    #[test]
    fn the_bulk_seed_holds_the_bench_data_with_valid_ids() {
        let s = bulk_seed("admin");
        let s = &s["squonk2-as"];
        let products = s["products"].as_array().unwrap();
        assert_eq!(products.len(), PRODUCTS);
        let mut ids: Vec<&str> = products.iter().map(|p| p["id"].as_str().unwrap()).collect();
        for id in [ids[0], ids[PRODUCTS - 1]] {
            assert!(ProductId::new(id).is_ok(), "{id}");
        }
        assert_eq!(ids[PRODUCTS - 1], product_id(PRODUCTS - 1));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PRODUCTS, "product ids are unique");
        assert!(products.iter().all(|p| p["unit_id"] == UNIT_ID));
        assert!(UnitId::new(UNIT_ID).is_ok());
        assert!(squonk2_as::OrgId::new(ORG_ID).is_ok());
        assert_eq!(s["units"][0]["organisation_id"], ORG_ID);
        assert_eq!(
            s["charges"],
            json!([{"product_id": charged_product_id(), "count": CHARGES}])
        );
    }

    #[test]
    fn the_reference_gets_the_sim_seed_and_the_bench_ids() {
        let sim = json!({"services": {"squonk2-as": {"api_url": "http://h/account-server-api"}}});
        let v: Value = serde_json::from_str(&reference_seed(&sim).unwrap()).unwrap();
        assert_eq!(v["api_url"], "http://h/account-server-api");
        assert_eq!(v["bench"]["unit_id"], UNIT_ID);
        assert_eq!(
            format!(
                "{}{:012}",
                v["bench"]["product_id_prefix"].as_str().unwrap(),
                17
            ),
            product_id(17)
        );
        assert!(reference_seed(&json!({"services": {}})).is_err());
    }
}
