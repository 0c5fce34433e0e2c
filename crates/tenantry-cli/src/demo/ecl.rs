//! Step 5 of the demo: an NTT ECL SSS tour with the client, as the seeded
//! contract owner behind the simulator's Keystone. List the users, create
//! one, put it in a new IAM group with a read-only IAM role, rotate its API
//! key (the old pair stops working), then clean up. API secrets, passwords
//! and tokens are never printed.

use super::{ensure, seed_str, Narrator};
use crate::context::{remember, CliError, Context, Result};
use serde_json::{json, Map, Value};
use tenantry::core::Secret;
use tenantry::ecl::models::{IamResource, IamVerb};
use tenantry::ecl::{EclSssClient, TenantId};
use tenantry_sim::{JournalEntry, Simulators};

/// Every API secret in the ECL seed (masked by the narrator).
pub(super) fn ecl_secrets(seed: &Value) -> Vec<String> {
    let e = &seed["ecl-sss"];
    ["/password", "/user/password", "/partner/password"]
        .iter()
        .filter_map(|p| e.pointer(p).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What an SSS request was, for the journal lines.
pub(super) fn note(e: &JournalEntry) -> Option<&'static str> {
    let p = e.path.strip_prefix(tenantry_sim::ecl_sss::API_ROOT)?;
    let m = e.method.as_str();
    Some(match (m, p) {
        ("GET", "/users") => "SSS user listing",
        ("POST", "/users") => "SSS user create (the answer holds its API key)",
        ("DELETE", _) if p.starts_with("/users/") => "SSS user delete",
        ("GET", _) if p.starts_with("/users/") => "SSS user lookup (404: gone)",
        ("PUT", _) if p.starts_with("/keys/") => "SSS API key rotation (bodyless PUT)",
        ("POST", "/iam/roles") => "IAM role create",
        ("POST", "/iam/groups") => "IAM group create",
        ("PUT", _) if p.contains("/roles/") => "IAM role assigned to the group (bodyless PUT)",
        ("PUT", _) if p.contains("/users/") => "user added to the IAM group (bodyless PUT)",
        ("GET", _) if p.ends_with("/users") => "IAM group's users",
        ("DELETE", _) if p.starts_with("/iam/") => "IAM cleanup",
        _ => "SSS call",
    })
}

fn estep<T>(what: &str, r: tenantry::ecl::Result<T>) -> Result<T> {
    r.map_err(|e| CliError::Failed(format!("demo, ECL {what}: {e}")))
}

fn client(ctx: &Context, seed: &Value, user: &str, secret: &str) -> Result<EclSssClient> {
    let tenant: TenantId = estep("tenant id", seed_str(seed, "/ecl-sss/project_id")?.parse())?;
    estep(
        "setup",
        EclSssClient::builder(seed_str(seed, "/ecl-sss/auth_url")?)
            .username(user)
            .password(Secret::new(secret))
            .project_id(tenant)
            .region("jp1")
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
    n.title("5. NTT ECL SSS: users, IAM and an API-key rotation (Keystone v3)");
    let auth_url = seed_str(seed, "/ecl-sss/auth_url")?;
    let owner_key = seed_str(seed, "/ecl-sss/username")?;
    let owner = client(ctx, seed, owner_key, seed_str(seed, "/ecl-sss/password")?)?;
    let journal = sims.ecl_sss_server.journal();
    n.say(format!(
        "Logging in at {auth_url} as the contract owner (API key {owner_key}, secret not shown), \
         region jp1; the SSS endpoint comes from the token's catalog."
    ));

    let users = estep("users list", owner.users().list().await)?;
    n.say(format!(
        "The contract {} has {} user(s).",
        seed_str(seed, "/ecl-sss/contract_id")?,
        users.len()
    ));

    let created = estep(
        "user create",
        owner
            .users()
            .create()
            .login_id("demo-user")
            .mail_address("demo-user@example.org")
            .send()
            .await,
    )?;
    let user_id = created
        .user_id
        .clone()
        .ok_or_else(|| CliError::Failed("demo: the new user has no id".into()))?;
    let key = created.keystone_name.clone().unwrap_or_default();
    let secret = created
        .keystone_password
        .as_ref()
        .map(|s| remember(s.clone()))
        .ok_or_else(|| CliError::Failed("demo: the new user has no API secret".into()))?;
    n.say(format!(
        "Created user {user_id} (login demo-user): API key {key}, API secret *** (not shown)."
    ));

    let role = estep(
        "IAM role create",
        owner
            .iam_roles()
            .create()
            .iam_role_name("demo-readonly")
            .description("GET on SSS only")
            .resource(IamResource::new("/ecl-sss", "*", "*", IamVerb::Get))
            .send()
            .await,
    )?;
    let role_id = role
        .iam_role_id
        .clone()
        .ok_or_else(|| CliError::Failed("demo: the IAM role has no id".into()))?;
    let group = estep(
        "IAM group create",
        owner
            .iam_groups()
            .create()
            .iam_group_name("demo-readers")
            .send()
            .await,
    )?;
    let group_id = group
        .iam_group_id
        .clone()
        .ok_or_else(|| CliError::Failed("demo: the IAM group has no id".into()))?;
    estep(
        "IAM role assign",
        owner.iam_groups().assign_role(&group_id, &role_id).await,
    )?;
    estep(
        "IAM user assign",
        owner.iam_groups().assign_user(&group_id, &user_id).await,
    )?;
    let members = estep("IAM group users", owner.iam_groups().users(&group_id).await)?;
    let member_ids: Vec<String> = members
        .users
        .iter()
        .filter_map(|u| u.user_id.as_ref().map(|i| i.to_string()))
        .collect();
    n.say(format!(
        "IAM role demo-readonly ({role_id}: GET on /ecl-sss) assigned to the new IAM group \
         demo-readers ({group_id}); its users: {}.",
        member_ids.join(", ")
    ));
    ensure(member_ids == [user_id.to_string()], || {
        format!("the group's users are {member_ids:?}")
    })?;

    // The new user logs in with its pair; then the owner rotates it.
    let as_user = client(ctx, seed, &key, secret.expose())?;
    let seen = estep("users list as the new user", as_user.users().list().await)?;
    let rotated = estep("API key rotate", owner.api_keys().update(&user_id).await)?;
    if let Some(s) = &rotated.keystone_password {
        remember(s.clone());
    }
    let stale = client(ctx, seed, &key, secret.expose())?;
    let refused = stale.users().list().await;
    let refused_ok = matches!(&refused, Err(e) if e.is_unauthorized());
    n.say(format!(
        "The new user logged in with its pair and saw {} user(s). After the owner rotated it \
         (new secret *** not shown), a login with the old pair is refused: {}.",
        seen.len(),
        match &refused {
            Ok(_) => "no, it still worked".to_owned(),
            Err(e) => e
                .status()
                .map_or_else(|| "auth error".to_owned(), |s| s.to_string()),
        }
    ));
    ensure(refused_ok, || format!("the old pair gave {refused:?}"))?;

    estep(
        "IAM user unassign",
        owner.iam_groups().unassign_user(&group_id, &user_id).await,
    )?;
    estep(
        "IAM group delete",
        owner.iam_groups().delete(&group_id).await,
    )?;
    estep("IAM role delete", owner.iam_roles().delete(&role_id).await)?;
    estep("user delete", owner.users().delete(&user_id).await)?;
    let gone = estep("user get_opt", owner.users().get_opt(&user_id).await)?.is_none();
    n.say(format!(
        "Cleaned up: group, role and user deleted (user {user_id} gone: {gone})."
    ));
    ensure(gone, || format!("user {user_id} is still there"))?;

    n.say("What the ECL simulator saw (Keystone and SSS on one server):");
    let entries = journal.entries();
    n.journal(&entries);
    let logins = entries
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/auth/tokens"))
        .count();
    n.say(format!(
        "{} requests, {logins} Keystone login(s): one per client (owner, new user, stale pair); \
         every SSS call carried X-Auth-Token ***.",
        entries.len()
    ));
    n.say("ECL tour OK.");

    summary.insert("ecl_tour".into(), json!("ok"));
    summary.insert("ecl_contract_users".into(), json!(users.len()));
    summary.insert("ecl_new_user".into(), json!(user_id.as_str()));
    summary.insert("ecl_iam_group".into(), json!(group_id.as_str()));
    summary.insert("ecl_iam_role".into(), json!(role_id.as_str()));
    summary.insert("ecl_old_key_refused".into(), json!(refused_ok));
    summary.insert("ecl_keystone_logins".into(), json!(logins));
    summary.insert("ecl_requests".into(), json!(entries.len()));
    Ok(())
}
