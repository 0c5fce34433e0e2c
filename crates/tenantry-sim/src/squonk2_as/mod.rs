//! The Squonk2 Account Server (AS) API, behind its own simulated Keycloak.
//!
//! One server answers both: Keycloak (`/realms/{realm}/…`, see
//! [`KeycloakSim`]) and the AS API under [`API_ROOT`]
//! (`/account-server-api/…`): organisations with owners and members, units
//! and personal units, products (types, flavours, allowance, limit) and the
//! coins they use, charges per product (storage and processing), merchants,
//! assets with a scope, their attachments to merchants and their enable
//! flag, event streams, the default organisation, the action log, the
//! caller's account (`squonk2-as.md` §4, §7).
//!
//! Every call but `GET /version` and `GET /event-stream/version` needs
//! `Authorization: Bearer <token>`: an RS256 access token of the Keycloak
//! behind it (signature, audience and expiry checked, and still known to
//! that Keycloak, so [`KeycloakSim::expire_all_tokens`] revokes it); its
//! `preferred_username` is the caller. No or a bad token: `401
//! {"error": …}`.
//!
//! Membership decides access: an AS administrator (seeded: `admin`) sees and
//! changes everything; other users see the organisations they are members
//! of (and the default organisation), the units they are members of or
//! whose organisation they are a member of, their personal unit, and what
//! lives in those. Someone else's organisation, unit, product or asset
//! answers `403 {"error": …}`; an unknown id `404 {"error": "… not found"}`.
//! Statuses are exactly those the reference client accepts (§3.2): 200 for
//! reads and alters, 201 for creates, 204 for deletes, attach, detach,
//! enable and disable, 201 (new) or 200 (already a member) for adding a
//! user. Validation errors are 400 (a unit or personal unit that still has
//! products cannot be deleted, nor an organisation that still has units),
//! conflicts 409. An unknown path or method answers Connexion's
//! `application/problem+json` 404/405. Choices the notes leave open are
//! marked `[INF]` in the code.
//!
//! Charges: [`Squonk2AsSim::charge_storage`] (the default storage cost per
//! GB, `GET /product-default-storage-cost`) and
//! [`Squonk2AsSim::charge_processing`] add a charge to a product for today;
//! they accumulate in the product's `coins.used` and in the charges of the
//! product, its unit, its organisation and `/charges` (AS administrators
//! only, as the reference's docstrings say), per billing period.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::routing::any;
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};
use time::{Date, OffsetDateTime};

use crate::keycloak::KeycloakSim;

mod routes;

/// The AS API root under the server (the reference's
/// `SQUONK2_ASAPI_URL` is `{url}/account-server-api`).
pub const API_ROOT: &str = "/account-server-api";
/// The Keycloak realm.
pub const REALM: &str = "squonk2";
/// The Keycloak client the AS trusts (public client).
pub const CLIENT_ID: &str = "account-server-api";
/// The version `GET /version` reports.
pub const AS_VERSION: &str = "4.7.0";

/// The seeded ordinary user (owner of the seeded organisation and unit).
pub const SEED_USER: &str = "dlister";
/// Its Keycloak password.
pub const SEED_PASSWORD: &str = "dlister-pass";
/// The seeded AS administrator.
pub const SEED_ADMIN: &str = "admin";
/// Its Keycloak password.
pub const SEED_ADMIN_PASSWORD: &str = "admin-pass";
/// A seeded user that is a member of nothing.
pub const SEED_OTHER_USER: &str = "bob";
/// Its Keycloak password.
pub const SEED_OTHER_PASSWORD: &str = "bob-pass";
/// The default organisation (personal units live in it).
pub const DEFAULT_ORG_ID: &str = "org-5eed0000-0000-4000-8000-000000000000";
/// The seeded organisation, `Seed Organisation`, owned by [`SEED_USER`].
pub const SEED_ORG_ID: &str = "org-5eed0000-0000-4000-8000-000000000001";
/// The seeded unit, `Seed Unit`, in [`SEED_ORG_ID`].
pub const SEED_UNIT_ID: &str = "unit-5eed0000-0000-4000-8000-000000000002";
/// The seeded product, `Seed Product` (project tier, `BRONZE`, allowance
/// 100, limit 200), in [`SEED_UNIT_ID`].
pub const SEED_PRODUCT_ID: &str = "product-5eed0000-0000-4000-8000-000000000003";
/// The seeded asset, `seed-asset` (unit scope, content `seed content`).
pub const SEED_ASSET_ID: &str = "asset-5eed0000-0000-4000-8000-000000000004";
/// The seeded merchant, a Data Manager.
pub const SEED_MERCHANT_ID: u64 = 1;
/// The second seeded merchant.
pub const SEED_MERCHANT2_ID: u64 = 2;

/// The project-tier product type and its flavours.
pub const PROJECT_TIER: &str = "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION";
/// The storage product type (no flavour).
pub const STORAGE_SUBSCRIPTION: &str = "DATA_MANAGER_STORAGE_SUBSCRIPTION";
/// The flavours of [`PROJECT_TIER`] products.
pub const FLAVOURS: &[&str] = &["EVALUATION", "BRONZE", "SILVER", "GOLD"];
/// The asset scopes (`ScopeEnum`, §5.2).
pub const SCOPES: &[&str] = &["USER", "PRODUCT", "UNIT", "ORGANISATION", "GLOBAL"];
/// `DefaultProductPrivacyEnum` (§5.3).
pub const PRIVACIES: &[&str] = &[
    "ALWAYS_PRIVATE",
    "ALWAYS_PUBLIC",
    "DEFAULT_PRIVATE",
    "DEFAULT_PUBLIC",
];

/// Bounds: organisations.
pub const MAX_ORGANISATIONS: usize = 10_000;
/// Units (personal ones included).
pub const MAX_UNITS: usize = 100_000;
/// Products.
pub const MAX_PRODUCTS: usize = 100_000;
/// Assets.
pub const MAX_ASSETS: usize = 10_000;
/// Charge records.
pub const MAX_CHARGES: usize = 1_000_000;
/// Members of one organisation or unit.
pub const MAX_MEMBERS: usize = 10_000;
/// Event streams.
pub const MAX_EVENT_STREAMS: usize = 10_000;
/// Entries kept in the action log (the oldest go first).
pub const MAX_ACTIONS: usize = 10_000;
/// The longest name, user name or flavour accepted.
pub const MAX_TEXT: usize = 255;
/// The longest description accepted.
pub const MAX_DESCRIPTION: usize = 4096;
/// The largest asset content kept (a request body is also bounded by the
/// server's `max_body_bytes`, 16 MiB by default).
pub const MAX_ASSET_BYTES: usize = 64 * 1024 * 1024;
/// The largest coin figure accepted (allowance, limit, a charge).
pub const MAX_COINS: i64 = 1_000_000_000_000;

#[derive(Clone, Debug)]
struct Org {
    id: String,
    name: String,
    owner: String,
    privacy: String,
    created: String,
    members: BTreeSet<String>,
}

#[derive(Clone, Debug)]
struct Unit {
    id: String,
    org_id: String,
    name: String,
    owner: String,
    billing_day: u8,
    privacy: String,
    personal: bool,
    created: String,
    members: BTreeSet<String>,
}

#[derive(Clone, Debug)]
struct Product {
    id: String,
    unit_id: String,
    name: String,
    product_type: String,
    flavour: Option<String>,
    allowance: i64,
    limit: i64,
    created: String,
    /// Coins charged so far (all periods).
    used: f64,
}

#[derive(Clone, Debug)]
struct Charge {
    item_number: u64,
    product_id: String,
    date: Date,
    coins: f64,
    kind: &'static str,
    merchant_id: Option<u64>,
}

#[derive(Clone, Debug)]
struct Asset {
    id: String,
    name: String,
    scope: String,
    scope_id: String,
    secret: bool,
    disabled: bool,
    description: String,
    content: bytes::Bytes,
    filename: Option<String>,
    creator: String,
    created: String,
    merchants: BTreeSet<u64>,
}

#[derive(Clone, Debug)]
struct Merchant {
    id: u64,
    name: String,
    kind: String,
    api_hostname: String,
}

#[derive(Clone, Debug)]
struct EventStream {
    id: u64,
    owner: String,
    format: String,
    created: String,
}

#[derive(Clone, Debug)]
struct Action {
    id: u64,
    at: OffsetDateTime,
    username: String,
    action: String,
    org_id: Option<String>,
    unit_id: Option<String>,
    product_id: Option<String>,
    merchant_id: Option<u64>,
}

#[derive(Debug)]
struct State {
    orgs: BTreeMap<String, Org>,
    units: BTreeMap<String, Unit>,
    products: BTreeMap<String, Product>,
    charges: Vec<Charge>,
    assets: BTreeMap<String, Asset>,
    merchants: BTreeMap<u64, Merchant>,
    streams: BTreeMap<u64, EventStream>,
    actions: VecDeque<Action>,
    admins: BTreeSet<String>,
    /// Coins per GB per day.
    storage_cost: f64,
    next_stream: u64,
    next_charge: u64,
    next_action: u64,
    /// Requests answered per operation, for tests.
    calls: HashMap<String, usize>,
}

impl State {
    fn empty() -> Self {
        let mut orgs = BTreeMap::new();
        orgs.insert(
            DEFAULT_ORG_ID.to_owned(),
            Org {
                id: DEFAULT_ORG_ID.into(),
                name: "Default".into(),
                owner: SEED_ADMIN.into(),
                privacy: "ALWAYS_PRIVATE".into(),
                created: "2024-01-01T00:00:00Z".into(),
                members: BTreeSet::new(),
            },
        );
        let mut merchants = BTreeMap::new();
        for (id, name, host) in [
            (
                SEED_MERCHANT_ID,
                "Data Manager",
                "data-manager.example.test",
            ),
            (
                SEED_MERCHANT2_ID,
                "Data Manager (staging)",
                "data-manager-staging.example.test",
            ),
        ] {
            merchants.insert(
                id,
                Merchant {
                    id,
                    name: name.into(),
                    kind: "DATA_MANAGER".into(),
                    api_hostname: host.into(),
                },
            );
        }
        State {
            orgs,
            units: BTreeMap::new(),
            products: BTreeMap::new(),
            charges: Vec::new(),
            assets: BTreeMap::new(),
            merchants,
            streams: BTreeMap::new(),
            actions: VecDeque::new(),
            admins: [SEED_ADMIN.to_owned()].into_iter().collect(),
            storage_cost: 0.25,
            next_stream: 1,
            next_charge: 1,
            next_action: 1,
            calls: HashMap::new(),
        }
    }

    fn record(&mut self, username: &str, action: &str, ids: ActionIds) {
        if self.actions.len() >= MAX_ACTIONS {
            self.actions.pop_front();
        }
        let id = self.next_action;
        self.next_action = self.next_action.saturating_add(1);
        self.actions.push_back(Action {
            id,
            at: OffsetDateTime::now_utc(),
            username: username.to_owned(),
            action: action.to_owned(),
            org_id: ids.org,
            unit_id: ids.unit,
            product_id: ids.product,
            merchant_id: ids.merchant,
        });
    }

    /// Adds a charge for today; the caller checked the product exists.
    fn add_charge(
        &mut self,
        product: &str,
        coins: f64,
        kind: &'static str,
        merchant_id: Option<u64>,
        date: Date,
    ) -> Result<(), String> {
        if !coins.is_finite() || coins < 0.0 || coins > MAX_COINS as f64 {
            return Err(format!("coins must be between 0 and {MAX_COINS}"));
        }
        if self.charges.len() >= MAX_CHARGES {
            return Err(format!("at most {MAX_CHARGES} charges"));
        }
        let p = self
            .products
            .get_mut(product)
            .ok_or_else(|| format!("product {product} not found"))?;
        p.used += coins;
        let item_number = self.next_charge;
        self.next_charge = self.next_charge.saturating_add(1);
        self.charges.push(Charge {
            item_number,
            product_id: product.to_owned(),
            date,
            coins,
            kind,
            merchant_id,
        });
        Ok(())
    }
}

/// The ids an action log entry refers to.
#[derive(Default)]
struct ActionIds {
    org: Option<String>,
    unit: Option<String>,
    product: Option<String>,
    merchant: Option<u64>,
}

/// The AS simulator (cheap to clone; clones share the state and the
/// Keycloak behind it).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tenantry_sim::{SimServer, Squonk2AsSim};
/// let sim = Squonk2AsSim::seeded();
/// let server = SimServer::start(sim.router()).await?;
/// // {"url", "api_url", "keycloak_url", "realm", "client_id", "username", …}
/// println!("{}", sim.seed_json(&server.base_url()));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Squonk2AsSim {
    state: Arc<Mutex<State>>,
    keycloak: KeycloakSim,
    verifier: Arc<Verifier>,
}

/// What checks an access token's RS256 signature: the Keycloak's public key.
struct Verifier(Option<jsonwebtoken::DecodingKey>);

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Verifier").field(&self.0.is_some()).finish()
    }
}

/// The decoding key for the Keycloak's realm key (its PEM's
/// SubjectPublicKeyInfo).
fn verifier(keycloak: &KeycloakSim) -> Verifier {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;
    let key = keycloak.public_key_pem().and_then(|pem| {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .ok()?;
        let public = rsa::RsaPublicKey::from_public_key_der(&der).ok()?;
        Some(jsonwebtoken::DecodingKey::from_rsa_raw_components(
            &public.n().to_bytes_be(),
            &public.e().to_bytes_be(),
        ))
    });
    Verifier(key)
}

impl Default for Squonk2AsSim {
    fn default() -> Self {
        Self::new()
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`, UTC.
fn now_text() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc().format(&fmt).unwrap_or_default()
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// `<kind>-<uuid4>`, lower case.
fn new_id(kind: &str) -> String {
    format!("{kind}-{}", uuid::Uuid::new_v4().hyphenated())
}

/// Whether `id` is `<kind>-` and a lower-case hyphenated UUID.
fn is_id(id: &str, kind: &str) -> bool {
    id.strip_prefix(kind)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|u| {
            u.len() == 36
                && u.bytes().enumerate().all(|(i, b)| match i {
                    8 | 13 | 18 | 23 => b == b'-',
                    _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
                })
        })
}

impl Squonk2AsSim {
    /// Only the default organisation and the two merchants; its Keycloak
    /// (realm [`REALM`], client [`CLIENT_ID`]) has no user.
    pub fn new() -> Self {
        let keycloak = KeycloakSim::new(REALM);
        keycloak.add_client(CLIENT_ID, None);
        let verifier = Arc::new(verifier(&keycloak));
        Squonk2AsSim {
            state: Arc::new(Mutex::new(State::empty())),
            keycloak,
            verifier,
        }
    }

    /// The built-in seed: Keycloak users [`SEED_USER`], [`SEED_ADMIN`] (an
    /// AS administrator) and [`SEED_OTHER_USER`] (a member of nothing);
    /// organisation [`SEED_ORG_ID`] (owner and member [`SEED_USER`]), its
    /// unit [`SEED_UNIT_ID`] (billing day 1), product [`SEED_PRODUCT_ID`]
    /// with one storage charge for today (0.25 coins), asset
    /// [`SEED_ASSET_ID`] in the unit's scope, merchants
    /// [`SEED_MERCHANT_ID`] and [`SEED_MERCHANT2_ID`].
    pub fn seeded() -> Self {
        let sim = Self::new();
        sim.load_builtin();
        sim
    }

    fn load_builtin(&self) {
        for (u, p) in [
            (SEED_USER, SEED_PASSWORD),
            (SEED_ADMIN, SEED_ADMIN_PASSWORD),
            (SEED_OTHER_USER, SEED_OTHER_PASSWORD),
        ] {
            self.keycloak.add_user(u, p);
        }
        let created = "2024-01-02T03:04:05Z".to_owned();
        let mut st = self.lock();
        let members: BTreeSet<String> = [SEED_USER.to_owned()].into_iter().collect();
        st.orgs.insert(
            SEED_ORG_ID.into(),
            Org {
                id: SEED_ORG_ID.into(),
                name: "Seed Organisation".into(),
                owner: SEED_USER.into(),
                privacy: "DEFAULT_PRIVATE".into(),
                created: created.clone(),
                members: members.clone(),
            },
        );
        st.units.insert(
            SEED_UNIT_ID.into(),
            Unit {
                id: SEED_UNIT_ID.into(),
                org_id: SEED_ORG_ID.into(),
                name: "Seed Unit".into(),
                owner: SEED_USER.into(),
                billing_day: 1,
                privacy: "DEFAULT_PRIVATE".into(),
                personal: false,
                created: created.clone(),
                members,
            },
        );
        st.products.insert(
            SEED_PRODUCT_ID.into(),
            Product {
                id: SEED_PRODUCT_ID.into(),
                unit_id: SEED_UNIT_ID.into(),
                name: "Seed Product".into(),
                product_type: PROJECT_TIER.into(),
                flavour: Some("BRONZE".into()),
                allowance: 100,
                limit: 200,
                created: created.clone(),
                used: 0.0,
            },
        );
        let cost = st.storage_cost;
        let _ = st.add_charge(SEED_PRODUCT_ID, cost, "STORAGE", None, today());
        st.assets.insert(
            SEED_ASSET_ID.into(),
            Asset {
                id: SEED_ASSET_ID.into(),
                name: "seed-asset".into(),
                scope: "UNIT".into(),
                scope_id: SEED_UNIT_ID.into(),
                secret: false,
                disabled: false,
                description: "A seeded asset".into(),
                content: bytes::Bytes::from_static(b"seed content"),
                filename: None,
                creator: SEED_USER.into(),
                created,
                merchants: BTreeSet::new(),
            },
        );
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The Keycloak behind this AS (its users are the AS users).
    pub fn keycloak(&self) -> &KeycloakSim {
        &self.keycloak
    }

    /// Add a Keycloak user (or change its password).
    pub fn add_user(&self, username: &str, password: &str) {
        self.keycloak.add_user(username, password);
    }

    /// Make `username` an AS administrator.
    pub fn add_admin(&self, username: &str) {
        self.lock().admins.insert(username.to_owned());
    }

    /// Set the default storage cost (coins per GB per day; default 0.25).
    pub fn set_storage_cost(&self, cost: f64) {
        if cost.is_finite() && cost >= 0.0 {
            self.lock().storage_cost = cost;
        }
    }

    /// Charge `product` for `gigabytes` of storage today, at the default
    /// storage cost; returns the coins charged. The charge accumulates in
    /// the product's `coins.used` and in every charges answer that covers
    /// today.
    pub fn charge_storage(&self, product: &str, gigabytes: u64) -> Result<f64, String> {
        let mut st = self.lock();
        let coins = st.storage_cost * gigabytes as f64;
        st.add_charge(product, coins, "STORAGE", None, today())?;
        Ok(coins)
    }

    /// Charge `product` `coins` for processing done today by `merchant`.
    pub fn charge_processing(
        &self,
        product: &str,
        merchant: u64,
        coins: f64,
    ) -> Result<(), String> {
        let mut st = self.lock();
        if !st.merchants.contains_key(&merchant) {
            return Err(format!("merchant {merchant} not found"));
        }
        st.add_charge(product, coins, "PROCESSING", Some(merchant), today())
    }

    /// Adds `n` products (`bulk-{i}`, project tier, `BRONZE`) to `unit`,
    /// for benchmarks; returns how many were added (fewer at the bound).
    pub fn add_bulk_products(&self, unit: &str, n: usize) -> usize {
        let mut st = self.lock();
        if !st.units.contains_key(unit) {
            return 0;
        }
        let created = now_text();
        let mut added = 0;
        for i in 0..n {
            if st.products.len() >= MAX_PRODUCTS {
                break;
            }
            let id = new_id("product");
            st.products.insert(
                id.clone(),
                Product {
                    id,
                    unit_id: unit.to_owned(),
                    name: format!("bulk-{i}"),
                    product_type: PROJECT_TIER.into(),
                    flavour: Some("BRONZE".into()),
                    allowance: 100,
                    limit: 200,
                    created: created.clone(),
                    used: 0.0,
                },
            );
            added += 1;
        }
        added
    }

    /// Adds `n` storage charges of one GB each to `product` for today, for
    /// benchmarks; returns how many were added.
    pub fn add_bulk_charges(&self, product: &str, n: usize) -> usize {
        let mut st = self.lock();
        let cost = st.storage_cost;
        let date = today();
        (0..n)
            .take_while(|_| st.add_charge(product, cost, "STORAGE", None, date).is_ok())
            .count()
    }

    /// How many requests `operation` (`get_unit`, `create_asset`, … the
    /// reference's method names) answered, whatever the outcome.
    pub fn calls(&self, operation: &str) -> usize {
        self.lock().calls.get(operation).copied().unwrap_or(0)
    }

    /// The number of organisations (the default one included).
    pub fn organisation_count(&self) -> usize {
        self.lock().orgs.len()
    }

    /// The number of products.
    pub fn product_count(&self) -> usize {
        self.lock().products.len()
    }

    /// The coins a product has used so far (`None`: no such product).
    pub fn product_used(&self, product: &str) -> Option<f64> {
        self.lock().products.get(product).map(|p| p.used)
    }

    /// The content of an asset, as stored.
    pub fn asset_content(&self, asset: &str) -> Option<bytes::Bytes> {
        self.lock().assets.get(asset).map(|a| a.content.clone())
    }

    /// The merchants an asset is attached to.
    pub fn asset_merchants(&self, asset: &str) -> Option<Vec<u64>> {
        self.lock()
            .assets
            .get(asset)
            .map(|a| a.merchants.iter().copied().collect())
    }

    /// The seed object for this simulator served at `base_url`:
    /// `{"url", "api_url", "keycloak_url", "realm", "client_id", "username",
    /// "password", "admin": {"username", "password"}, "other":
    /// {"username", "password"}, "default_organisation_id",
    /// "organisation_id", "unit_id", "product_id", "asset_id",
    /// "merchant_id"}` (`api_url` is the reference's `SQUONK2_ASAPI_URL`,
    /// `keycloak_url` its `keycloak_url`).
    pub fn seed_json(&self, base_url: &str) -> Value {
        json!({
            "url": base_url,
            "api_url": format!("{base_url}{API_ROOT}"),
            "keycloak_url": base_url,
            "realm": self.keycloak.realm(),
            "client_id": CLIENT_ID,
            "username": SEED_USER,
            "password": SEED_PASSWORD,
            "admin": {"username": SEED_ADMIN, "password": SEED_ADMIN_PASSWORD},
            "other": {"username": SEED_OTHER_USER, "password": SEED_OTHER_PASSWORD},
            "default_organisation_id": DEFAULT_ORG_ID,
            "organisation_id": SEED_ORG_ID,
            "unit_id": SEED_UNIT_ID,
            "product_id": SEED_PRODUCT_ID,
            "asset_id": SEED_ASSET_ID,
            "merchant_id": SEED_MERCHANT_ID,
        })
    }

    /// Keycloak (`/realms/…`) and the AS (`/account-server-api/…`) on one
    /// router.
    pub fn router(&self) -> Router {
        let api = Router::new()
            .route(&format!("{API_ROOT}/{{*rest}}"), any(routes::handle))
            .with_state(self.clone());
        self.keycloak.router().merge(api)
    }
}

// ---------------------------------------------------------------- seed file

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default)]
    users: Vec<SeedUser>,
    #[serde(default)]
    organisations: Vec<SeedOrg>,
    #[serde(default)]
    units: Vec<SeedUnit>,
    #[serde(default)]
    products: Vec<SeedProduct>,
    #[serde(default)]
    charges: Vec<SeedCharges>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    username: String,
    password: String,
    #[serde(default)]
    admin: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedOrg {
    id: String,
    name: String,
    owner: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUnit {
    id: String,
    organisation_id: String,
    name: String,
    owner: String,
    #[serde(default = "one")]
    billing_day: u8,
    #[serde(default)]
    members: Vec<String>,
}

fn one() -> u8 {
    1
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedProduct {
    id: String,
    unit_id: String,
    name: String,
    #[serde(rename = "type")]
    product_type: String,
    #[serde(default)]
    flavour: Option<String>,
    #[serde(default)]
    allowance: i64,
    #[serde(default)]
    limit: i64,
}

/// `count` storage charges of one GB each, for today, at the default
/// storage cost (what [`Squonk2AsSim::add_bulk_charges`] adds): bulk
/// charges for benchmarks without a line per charge.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedCharges {
    product_id: String,
    #[serde(default = "one_charge")]
    count: usize,
}

fn one_charge() -> usize {
    1
}

/// `POST /_sim/reset` and the `squonk2-as` section of a seed file:
/// `{"users": [{"username", "password", "admin"?}], "organisations": [{"id",
/// "name", "owner", "members"?}], "units": [{"id", "organisation_id",
/// "name", "owner", "billing_day"?, "members"?}], "products": [{"id",
/// "unit_id", "name", "type", "flavour"?, "allowance"?, "limit"?}],
/// "charges": [{"product_id", "count"?}]}`; ids are `org-`/`unit-`/`product-`
/// and a lower-case UUID, and a unit's organisation (a product's unit, a
/// charge's product) must exist or come earlier in the file. A `charges`
/// entry adds `count` (default 1) storage charges of one GB each to the
/// product, for today, at the default storage cost.
impl crate::kit::SimControl for Squonk2AsSim {
    fn service(&self) -> &'static str {
        "squonk2-as"
    }

    /// Back to [`Squonk2AsSim::seeded`]: its Keycloak returns to the
    /// built-in clients and users (no token), the AS to the built-in seed.
    fn reset(&self) {
        crate::kit::SimControl::reset(&self.keycloak);
        *self.lock() = State::empty();
        self.load_builtin();
    }

    fn load_seed(&self, section: &Value) -> Result<(), String> {
        let seed: Seed = crate::kit::parse_seed(section)?;
        {
            let st = self.lock();
            let mut orgs: BTreeSet<String> = st.orgs.keys().cloned().collect();
            let mut units: BTreeSet<String> = st.units.keys().cloned().collect();
            let mut products: BTreeSet<String> = st.products.keys().cloned().collect();
            for (i, u) in seed.users.iter().enumerate() {
                crate::kit::non_empty(&format!("users[{i}].username"), &u.username)?;
            }
            for (i, o) in seed.organisations.iter().enumerate() {
                if !is_id(&o.id, "org") {
                    return Err(format!("`organisations[{i}].id` must be org-<uuid>"));
                }
                crate::kit::non_empty(&format!("organisations[{i}].name"), &o.name)?;
                crate::kit::non_empty(&format!("organisations[{i}].owner"), &o.owner)?;
                orgs.insert(o.id.clone());
            }
            for (i, u) in seed.units.iter().enumerate() {
                if !is_id(&u.id, "unit") {
                    return Err(format!("`units[{i}].id` must be unit-<uuid>"));
                }
                if !orgs.contains(&u.organisation_id) {
                    return Err(format!(
                        "`units[{i}].organisation_id` is not a known organisation"
                    ));
                }
                if !(1..=28).contains(&u.billing_day) {
                    return Err(format!("`units[{i}].billing_day` must be 1 to 28"));
                }
                crate::kit::non_empty(&format!("units[{i}].name"), &u.name)?;
                crate::kit::non_empty(&format!("units[{i}].owner"), &u.owner)?;
                units.insert(u.id.clone());
            }
            for (i, p) in seed.products.iter().enumerate() {
                if !is_id(&p.id, "product") {
                    return Err(format!("`products[{i}].id` must be product-<uuid>"));
                }
                if !units.contains(&p.unit_id) {
                    return Err(format!("`products[{i}].unit_id` is not a known unit"));
                }
                routes::check_product_type(&p.product_type, p.flavour.as_deref())
                    .map_err(|e| format!("`products[{i}]`: {}", e.message()))?;
                if p.allowance < 0 || p.limit < 0 {
                    return Err(format!(
                        "`products[{i}]`: allowance and limit must not be negative"
                    ));
                }
                products.insert(p.id.clone());
            }
            let mut charges = st.charges.len();
            for (i, c) in seed.charges.iter().enumerate() {
                if !products.contains(&c.product_id) {
                    return Err(format!("`charges[{i}].product_id` is not a known product"));
                }
                charges = charges
                    .checked_add(c.count)
                    .filter(|n| *n <= MAX_CHARGES)
                    .ok_or_else(|| {
                        format!("`charges[{i}].count`: at most {MAX_CHARGES} charges in all")
                    })?;
            }
        }
        for u in &seed.users {
            self.keycloak.add_user(&u.username, &u.password);
        }
        let now = now_text();
        let mut st = self.lock();
        for u in &seed.users {
            if u.admin {
                st.admins.insert(u.username.clone());
            }
        }
        for o in seed.organisations {
            let mut members: BTreeSet<String> = o.members.into_iter().collect();
            members.insert(o.owner.clone());
            st.orgs.insert(
                o.id.clone(),
                Org {
                    id: o.id,
                    name: o.name,
                    owner: o.owner,
                    privacy: "DEFAULT_PRIVATE".into(),
                    created: now.clone(),
                    members,
                },
            );
        }
        for u in seed.units {
            let mut members: BTreeSet<String> = u.members.into_iter().collect();
            members.insert(u.owner.clone());
            st.units.insert(
                u.id.clone(),
                Unit {
                    id: u.id,
                    org_id: u.organisation_id,
                    name: u.name,
                    owner: u.owner,
                    billing_day: u.billing_day,
                    privacy: "DEFAULT_PRIVATE".into(),
                    personal: false,
                    created: now.clone(),
                    members,
                },
            );
        }
        for p in seed.products {
            st.products.insert(
                p.id.clone(),
                Product {
                    id: p.id,
                    unit_id: p.unit_id,
                    name: p.name,
                    product_type: p.product_type,
                    flavour: p.flavour,
                    allowance: p.allowance,
                    limit: p.limit,
                    created: now.clone(),
                    used: 0.0,
                },
            );
        }
        let (cost, date) = (st.storage_cost, today());
        for c in &seed.charges {
            for _ in 0..c.count {
                // Checked above: the product exists, the bound holds.
                st.add_charge(&c.product_id, cost, "STORAGE", None, date)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_file_adds_bulk_products_and_charges() {
        use crate::kit::SimControl;
        let sim = Squonk2AsSim::seeded();
        let org = "org-b0000000-0000-4000-8000-000000000000";
        let unit = "unit-b0000000-0000-4000-8000-000000000000";
        let product = |i: usize| format!("product-b0000000-0000-4000-8000-{i:012}");
        let products: Vec<Value> = (0..3)
            .map(|i| json!({"id": product(i), "unit_id": unit, "name": format!("bulk-{i}"), "type": PROJECT_TIER, "flavour": "BRONZE"}))
            .collect();
        let before = sim.product_count();
        sim.load_seed(&json!({
            "organisations": [{"id": org, "name": "Bench", "owner": SEED_ADMIN}],
            "units": [{"id": unit, "organisation_id": org, "name": "Bench Unit", "owner": SEED_ADMIN}],
            "products": products,
            "charges": [{"product_id": product(1), "count": 5}, {"product_id": SEED_PRODUCT_ID}],
        }))
        .unwrap();
        assert_eq!(sim.product_count(), before + 3);
        let st = sim.lock();
        let of = |p: &str| st.charges.iter().filter(|c| c.product_id == p).count();
        assert_eq!(of(&product(1)), 5);
        assert_eq!(of(&product(0)), 0);
        // The built-in seed's charge, and the one the file added.
        assert_eq!(of(SEED_PRODUCT_ID), 2);
        assert!(st
            .charges
            .iter()
            .all(|c| c.date == today() && c.kind == "STORAGE"));
        assert_eq!(st.products[&product(1)].used, 5.0 * st.storage_cost);
        drop(st);

        // A charge's product must exist (or come earlier in the file), and
        // the bound holds for the whole file; nothing is loaded otherwise.
        let before = sim.lock().charges.len();
        let e = sim
            .load_seed(&json!({"charges": [{"product_id": product(7), "count": 2}]}))
            .unwrap_err();
        assert!(e.contains("`charges[0].product_id`"), "{e}");
        let e = sim
            .load_seed(&json!({"charges": [
                {"product_id": product(0)},
                {"product_id": product(0), "count": MAX_CHARGES},
            ]}))
            .unwrap_err();
        assert!(e.contains("`charges[1].count`"), "{e}");
        let e = sim
            .load_seed(&json!({"charges": [{"product_id": product(0), "coins": 3}]}))
            .unwrap_err();
        assert!(e.contains("coins"), "{e}");
        assert_eq!(sim.lock().charges.len(), before);
    }

    #[test]
    fn ids() {
        assert!(is_id(SEED_ORG_ID, "org"));
        assert!(is_id(&new_id("unit"), "unit"));
        assert!(!is_id(SEED_ORG_ID, "unit"));
        assert!(!is_id("org-5EED0000-0000-4000-8000-000000000001", "org"));
        assert!(!is_id("org-x", "org"));
    }
}
