//! Step 6 of the demo: a Squonk2 Account Server tour with the client, as
//! the seeded user behind the simulator's Keycloak (password grant). List
//! the organisations and units, create a unit and a product in it, upload
//! a secret asset, read the product's charges (as the seeded admin), then
//! clean up. Passwords, tokens and the asset's content are never printed.

use super::{ensure, seed_str, Narrator};
use crate::context::{CliError, Context, Result};
use serde_json::{json, Map, Value};
use tenantry::core::auth::bearer::KeycloakGrant;
use tenantry::core::Secret;
use tenantry::squonk2::models::AssetScope;
use tenantry::squonk2::{OrgId, Squonk2Client};
use tenantry_sim::squonk2_as::API_ROOT;
use tenantry_sim::{JournalEntry, Simulators};

/// The product type the tour creates.
const PRODUCT_TYPE: &str = "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION";
/// The asset's content (secret: never shown, the AS hides it too).
const ASSET_CONTENT: &str = "LICENCE_KEY=demo-0000";

/// Every password in the Squonk2 seed (masked by the narrator).
pub(super) fn squonk2_secrets(seed: &Value) -> Vec<String> {
    let s = &seed["squonk2-as"];
    ["/password", "/admin/password", "/other/password"]
        .iter()
        .filter_map(|p| s.pointer(p).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .chain([ASSET_CONTENT.to_owned()])
        .collect()
}

/// What an AS request was, for the journal lines.
pub(super) fn note(e: &JournalEntry) -> Option<&'static str> {
    let p = e.path.strip_prefix(API_ROOT)?;
    let m = e.method.as_str();
    Some(match (m, p) {
        ("GET", "/user/account") => "AS account",
        ("GET", "/organisation") => "AS organisation listing",
        ("GET", "/unit") => "AS unit listing",
        ("POST", _) if p.ends_with("/unit") => "AS unit create",
        ("POST", _) if p.starts_with("/product/unit/") => "AS product create",
        ("POST", "/asset") => "AS asset upload (multipart, content not shown)",
        ("GET", _) if p.starts_with("/asset/") => "AS asset (content hidden: secret)",
        ("GET", _) if p.starts_with("/charges/") => "AS charges",
        ("DELETE", _) if p.starts_with("/asset/") => "AS asset delete",
        ("DELETE", _) if p.starts_with("/product/") => "AS product delete",
        ("DELETE", _) if p.starts_with("/unit/") => "AS unit delete",
        ("GET", _) if p.starts_with("/unit/") => "AS unit lookup (404: gone)",
        _ => "AS call",
    })
}

fn sstep<T>(what: &str, r: tenantry::squonk2::Result<T>) -> Result<T> {
    r.map_err(|e| CliError::Failed(format!("demo, Squonk2 {what}: {e}")))
}

/// A client logged in (password grant) as `user`.
fn client(ctx: &Context, s: &Value, user: &str, password: &str) -> Result<Squonk2Client> {
    let kc = sstep(
        "Keycloak setup",
        Squonk2Client::keycloak(
            seed_str(s, "/keycloak_url")?,
            seed_str(s, "/realm")?,
            seed_str(s, "/client_id")?,
        )
        .grant(KeycloakGrant::Password {
            username: user.to_owned(),
            password: Secret::new(password),
        })
        .build(),
    )?;
    sstep(
        "setup",
        Squonk2Client::builder(seed_str(s, "/api_url")?)
            .keycloak(kc)
            .transport(ctx.transport())
            .build(),
    )
}

/// Runs the tour.
pub(super) async fn tour(
    ctx: &Context,
    sims: &Simulators,
    seed: &Value,
    n: &Narrator,
    summary: &mut Map<String, Value>,
) -> Result<()> {
    n.title("6. Squonk2 Account Server: a unit, a product, an asset and its charges (Keycloak)");
    let s = &seed["squonk2-as"];
    let api_url = seed_str(s, "/api_url")?;
    let user = seed_str(s, "/username")?;
    let admin_user = seed_str(s, "/admin/username")?;
    let as_user = client(ctx, s, user, seed_str(s, "/password")?)?;
    let admin = client(ctx, s, admin_user, seed_str(s, "/admin/password")?)?;
    let journal = sims.squonk2_as_server.journal();
    n.say(format!(
        "Logging in to Keycloak realm {} (client {}) as {user} (password not shown); the AS is \
         at {api_url}.",
        seed_str(s, "/realm")?,
        seed_str(s, "/client_id")?
    ));

    let account = sstep("account", as_user.account().await)?;
    let orgs = sstep("organisations", as_user.organisations().list().send().await)?;
    let groups = sstep("units", as_user.units().list().send().await)?;
    let unit_count: usize = groups.iter().map(|g| g.units.len()).sum();
    let org_names: Vec<String> = orgs.iter().filter_map(|o| o.name.clone()).collect();
    n.say(format!(
        "Account {} (admin: {}); {} organisation(s) visible ({}), {unit_count} unit(s).",
        account.username.as_deref().unwrap_or("?"),
        account.caller_has_admin_privilege.unwrap_or(false),
        orgs.len(),
        org_names.join(", ")
    ));
    ensure(account.username.as_deref() == Some(user), || {
        format!("the account is {:?}", account.username)
    })?;

    let org: OrgId = sstep("organisation id", seed_str(s, "/organisation_id")?.parse())?;
    let unit = sstep(
        "unit create",
        as_user
            .units()
            .create(&org)
            .name("demo-unit")
            .billing_day(3)
            .send()
            .await,
    )?;
    let product = sstep(
        "product create",
        as_user
            .products()
            .create(&unit)
            .name("demo-product")
            .product_type(PRODUCT_TYPE)
            .flavour("BRONZE")
            .allowance(100)
            .send()
            .await,
    )?;
    n.say(format!(
        "Created unit demo-unit ({unit}) in organisation {org}, and product demo-product \
         ({product}, {PRODUCT_TYPE}, flavour BRONZE, allowance 100 coins) in it."
    ));

    let asset = sstep(
        "asset create",
        as_user
            .assets()
            .create()
            .name("demo-licence")
            .scope(AssetScope::Unit)
            .scope_id(unit.as_str())
            .description("a licence key for the demo")
            .secret(true)
            .content_string(ASSET_CONTENT)
            .send()
            .await,
    )?;
    let shown = sstep("asset get", as_user.assets().get(&asset).await)?;
    n.say(format!(
        "Uploaded secret asset demo-licence ({asset}, scope UNIT {unit}) as multipart; read \
         back: secret {}, content {}.",
        shown.secret.unwrap_or(false),
        if shown.content.is_some() {
            "returned (***)"
        } else {
            "not returned"
        }
    ));
    ensure(shown.name.as_deref() == Some("demo-licence"), || {
        format!("the asset is {:?}", shown.name)
    })?;

    // Usage happens in other services; the simulator books some here.
    let coins = sims
        .squonk2_as
        .charge_storage(product.as_str(), 2)
        .map_err(|e| CliError::Failed(format!("demo: the simulator cannot charge: {e}")))?;
    n.say(format!(
        "The simulator books 2 GB of storage against the product ({coins} coins)."
    ));
    let charges = sstep(
        "product charges (admin)",
        admin.charges().product(&product).send().await,
    )?;
    n.say(format!(
        "Logged in as {admin_user} (an admin) to read the product's charges: {} item(s), \
         currency {}, period {} to {}.",
        charges.items.len(),
        charges.currency.as_deref().unwrap_or("?"),
        charges.from.as_deref().unwrap_or("?"),
        charges.until.as_deref().unwrap_or("?")
    ));
    ensure(!charges.items.is_empty(), || {
        "the product has no charge after the storage booking".into()
    })?;

    sstep("asset delete", as_user.assets().delete(&asset).await)?;
    sstep("product delete", as_user.products().delete(&product).await)?;
    sstep("unit delete", as_user.units().delete(&unit).await)?;
    let gone = sstep("unit get_opt", as_user.units().get_opt(&unit).await)?.is_none();
    n.say(format!(
        "Cleaned up: asset, product and unit deleted (unit {unit} gone: {gone})."
    ));
    ensure(gone, || format!("unit {unit} is still there"))?;

    n.say("What the Squonk2 simulator saw (Keycloak and the AS on one server):");
    let entries = journal.entries();
    n.journal(&entries);
    let logins = entries
        .iter()
        .filter(|e| e.path.ends_with("/openid-connect/token"))
        .count();
    n.say(format!(
        "{} requests, {logins} Keycloak login(s): one per client ({user}, {admin_user}); every \
         AS call carried Authorization: Bearer ***.",
        entries.len()
    ));
    ensure(logins == 2, || format!("expected two logins, saw {logins}"))?;
    n.say("Squonk2 tour OK.");

    summary.insert("squonk2_tour".into(), json!("ok"));
    summary.insert("squonk2_organisations".into(), json!(orgs.len()));
    summary.insert("squonk2_new_unit".into(), json!(unit.as_str()));
    summary.insert("squonk2_new_product".into(), json!(product.as_str()));
    summary.insert("squonk2_new_asset".into(), json!(asset.as_str()));
    summary.insert("squonk2_charge_items".into(), json!(charges.items.len()));
    summary.insert("squonk2_keycloak_logins".into(), json!(logins));
    summary.insert("squonk2_requests".into(), json!(entries.len()));
    Ok(())
}
