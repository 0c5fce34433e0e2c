//! Step 4 of the demo: an Astakos tour with the client. Authenticate as the
//! seeded user, look users up both ways, read a quota, issue a commission
//! with the seeded component token, watch `pending` move, accept it, watch
//! `usage` settle. Tokens are never printed.

use super::{ensure, seed_str, Narrator};
use crate::context::{CliError, Context, Result};
use serde_json::{json, Map, Value};
use tenantry::astakos::{AstakosClient, ProjectId};
use tenantry::core::Secret;
use tenantry_sim::{JournalEntry, Simulators};

/// The resource the tour moves.
const RESOURCE: &str = "cyclades.vm";

/// Every token and secret in the Astakos seed (masked by the narrator).
pub(super) fn astakos_secrets(seed: &Value) -> Vec<String> {
    let a = &seed["astakos"];
    let mut out: Vec<String> = ["user_token", "admin_token", "service_token"]
        .iter()
        .filter_map(|k| a[*k].as_str())
        .map(str::to_owned)
        .collect();
    if let Some(m) = a["service_tokens"].as_object() {
        out.extend(m.values().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(users) = a["users"].as_array() {
        out.extend(
            users
                .iter()
                .filter_map(|u| u["token"].as_str())
                .map(str::to_owned),
        );
    }
    if let Some(s) = a.pointer("/oauth2_client/secret").and_then(Value::as_str) {
        out.push(s.to_owned());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// What an Astakos request was, for the journal lines.
pub(super) fn note(e: &JournalEntry) -> Option<&'static str> {
    let p = e.path.as_str();
    let post = e.method == "POST";
    if p.ends_with("/identity/v2.0/tokens") && post {
        Some(if e.body.is_empty() {
            "Astakos catalog discovery (bodyless)"
        } else {
            "Astakos authenticate (token in the body, not shown)"
        })
    } else if p.ends_with("/user_catalogs") {
        Some("user catalog lookup")
    } else if p.ends_with("/quotas") {
        Some("the user's quotas")
    } else if p.ends_with("/commissions") && post {
        Some("commission issue (component token)")
    } else if p.contains("/commissions/") && p.ends_with("/action") {
        Some("commission action (component token)")
    } else {
        None
    }
}

/// The non-secret gist of an Astakos request body (commissions, catalog
/// lookups); `None` for anything else (the authenticate body holds a token).
pub(super) fn body(e: &JournalEntry, body: &Value) -> Option<String> {
    let p = e.path.as_str();
    if p.ends_with("/commissions") {
        let provisions: Vec<String> = body["provisions"]
            .as_array()?
            .iter()
            .map(|pr| {
                let from = pr["source"]
                    .as_str()
                    .map(|s| format!(" from {s}"))
                    .unwrap_or_default();
                format!(
                    "{}{from} {} {:+}",
                    pr["holder"].as_str().unwrap_or("?"),
                    pr["resource"].as_str().unwrap_or("?"),
                    pr["quantity"].as_i64().unwrap_or_default()
                )
            })
            .collect();
        Some(format!("provisions: {}", provisions.join(", ")))
    } else if p.contains("/commissions/") && p.ends_with("/action") {
        let action = body.as_object()?.keys().next()?.clone();
        Some(format!("action: {action}"))
    } else if p.ends_with("/user_catalogs") {
        let (k, v) = body.as_object()?.iter().next()?;
        Some(format!("{k}: {v}"))
    } else {
        None
    }
}

fn astep<T>(what: &str, r: tenantry::astakos::Result<T>) -> Result<T> {
    r.map_err(|e| CliError::Failed(format!("demo, Astakos {what}: {e}")))
}

/// `(limit, usage, pending)` of [`RESOURCE`] from `source`, as the user sees it.
async fn quota_line(client: &AstakosClient, source: &ProjectId) -> Result<(i64, i64, i64)> {
    let q = astep("quotas", client.quotas().get().await)?;
    let c = q
        .get(source)
        .and_then(|r| r.get(RESOURCE))
        .ok_or_else(|| CliError::Failed(format!("demo: no {RESOURCE} quota from {source}")))?;
    Ok((
        c.limit.unwrap_or_default(),
        c.usage.unwrap_or_default(),
        c.pending.unwrap_or_default(),
    ))
}

fn counters(q: (i64, i64, i64)) -> Value {
    json!({"limit": q.0, "usage": q.1, "pending": q.2})
}

/// Runs the tour.
pub(super) async fn tour(
    ctx: &Context,
    sims: &Simulators,
    seed: &Value,
    n: &Narrator,
    summary: &mut Map<String, Value>,
) -> Result<()> {
    n.title("4. Astakos: identity, user catalogs and a commission (Synnefo)");
    let auth_url = seed_str(seed, "/astakos/auth_url")?;
    let build = |pointer: &str| -> Result<AstakosClient> {
        let token = Secret::new(seed_str(seed, pointer)?);
        astep(
            "setup",
            AstakosClient::builder(auth_url, token)
                .transport(ctx.transport())
                .build(),
        )
    };
    let user_client = build("/astakos/user_token")?;
    let service_client = build("/astakos/service_token")?;
    let journal = sims.astakos_server.journal();

    n.say(format!(
        "Authenticating at {auth_url} with the seeded user's token (value not shown)."
    ));
    let info = astep(
        "authenticate",
        user_client.identity().authenticate().send().await,
    )?;
    let user = info
        .access
        .user
        .as_ref()
        .ok_or_else(|| CliError::Failed("demo: authenticate gave no user".into()))?;
    let uuid = user
        .id
        .clone()
        .ok_or_else(|| CliError::Failed("demo: authenticate gave no user id".into()))?;
    let name = user.name.clone().unwrap_or_default();
    n.say(format!("  user     {name} ({uuid})"));
    ensure(
        uuid.as_str() == seed_str(seed, "/astakos/user_uuid")?,
        || format!("authenticated as {uuid}, not the seeded user"),
    )?;

    let display = astep("username", user_client.users().username(&uuid).await)?
        .ok_or_else(|| CliError::Failed(format!("demo: no display name for {uuid}")))?;
    let back = astep(
        "uuid",
        user_client
            .users()
            .uuid()
            .display_name(display.as_str())
            .send()
            .await,
    )?;
    n.say(format!(
        "User catalogs: {uuid} -> {display}; {display} -> {}",
        back.as_ref().map(|u| u.as_str()).unwrap_or("?")
    ));
    ensure(back.as_ref() == Some(&uuid), || {
        format!("{display} resolved to {back:?}")
    })?;

    let base = ProjectId::from(&uuid);
    let before = quota_line(&user_client, &base).await?;
    n.say(format!(
        "Quota of {RESOURCE} from the base project {base}: limit {}, usage {}, pending {}.",
        before.0, before.1, before.2
    ));

    n.say(format!(
        "Issuing a commission with the seeded Cyclades component token (value not shown): \
         +1 {RESOURCE} for {name}, from the base project."
    ));
    let serial = astep(
        "commission issue",
        service_client
            .commissions()
            .issue_one(&uuid)
            .provision((&base, RESOURCE), 1)
            .name("tenantry demo")
            .send()
            .await,
    )?;
    let issued = quota_line(&user_client, &base).await?;
    n.say(format!(
        "Commission {serial} is pending: pending {} -> {}, usage {} -> {} (usage counts pending).",
        before.2, issued.2, before.1, issued.1
    ));
    ensure(issued.2 == before.2 + 1 && issued.1 == before.1 + 1, || {
        format!("after the issue the quota is {issued:?} (before: {before:?})")
    })?;
    ensure(
        sims.astakos.pending_serials().contains(&serial.get()),
        || format!("the simulator has no pending commission {serial}"),
    )?;

    astep(
        "commission accept",
        service_client.commissions().accept(serial).await,
    )?;
    let accepted = quota_line(&user_client, &base).await?;
    n.say(format!(
        "Accepted commission {serial}: pending {} -> {}, usage {} -> {} (the VM is now counted).",
        issued.2, accepted.2, before.1, accepted.1
    ));
    let holder = format!("user:{uuid}");
    let source = format!("project:{base}");
    ensure(
        accepted.2 == before.2
            && accepted.1 == before.1 + 1
            && sims.astakos.quota(&holder, Some(&source), RESOURCE) == Some(accepted)
            && sims.astakos.pending_serials().is_empty(),
        || format!("after the accept the quota is {accepted:?} (before: {before:?})"),
    )?;

    n.say("What the Astakos simulator saw:");
    let entries = journal.entries();
    n.journal(&entries);
    n.say("Astakos tour OK.");

    summary.insert("astakos_tour".into(), json!("ok"));
    summary.insert("astakos_user".into(), json!(name));
    summary.insert("astakos_uuid".into(), json!(uuid.as_str()));
    summary.insert("astakos_resource".into(), json!(RESOURCE));
    summary.insert("astakos_commission_serial".into(), json!(serial));
    summary.insert("astakos_quota_before".into(), counters(before));
    summary.insert("astakos_quota_pending".into(), counters(issued));
    summary.insert("astakos_quota_accepted".into(), counters(accepted));
    summary.insert("astakos_requests".into(), json!(entries.len()));
    Ok(())
}
