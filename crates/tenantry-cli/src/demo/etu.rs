//! Step 7 of the demo: the Etu Nexus quick start (the one in `etunexus`
//! 0.6.8's README) with the `etunexus` client, as the seeded system
//! administrator: log in to CAS, log in to EMC2, list the groups, find the
//! `workshop` group's users, add a user, give them roles, delete them.
//! Etu Nexus is served over TLS, as the reference requires: the demo starts
//! the embedded simulator's state on a second, HTTPS server with a fresh
//! self-signed certificate, trusted as an extra root (verification stays
//! on). Passwords, tickets and session cookies are never printed.

use super::{ensure, step, Narrator};
use crate::context::{CliError, Result};
use crate::logging::LoggedTransport;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tenantry::core::{ReqwestTransport, TransportConfig};
use tenantry::etunexus::enums::{AppId, AppRoleName};
use tenantry::etunexus::models::emc::{User, UserRole};
use tenantry::etunexus::{Cas, Emc2, Secret};
use tenantry_sim::etunexus::{APP_EI, APP_ER, EMC_BASE, SEED_GROUP, SEED_USER};
use tenantry_sim::{JournalEntry, SimOptions, SimServer, SimTls, Simulators};

/// The user the tour adds (the quick start's).
const NEW_USER: &str = "new_workshop_user";
/// Its password (sent in the create body; never shown).
const NEW_USER_PASSWORD: &str = "new-workshop-user-Pass1";

/// Every password in the Etu Nexus seed, and the new user's (masked by
/// the narrator).
pub(super) fn etunexus_secrets(seed: &Value) -> Vec<String> {
    let e = &seed["etunexus"];
    [
        "/password",
        "/workshop/admin/password",
        "/workshop/user/password",
        "/retail/admin/password",
    ]
    .iter()
    .filter_map(|p| e.pointer(p).and_then(Value::as_str))
    .filter(|s| !s.is_empty())
    .map(str::to_owned)
    .chain([NEW_USER_PASSWORD.to_owned()])
    .collect()
}

/// The embedded Etu Nexus state (`sims.etunexus`) served over HTTPS.
pub(super) async fn start(sims: &Simulators) -> Result<SimServer> {
    let failed = |e: std::io::Error| {
        CliError::Failed(format!(
            "demo: cannot start the Etu Nexus TLS simulator: {e}"
        ))
    };
    let tls = SimTls::self_signed().map_err(failed)?;
    SimServer::start_with(
        sims.etunexus.router(),
        SimOptions::new()
            .tls(tls)
            .control(Arc::new(sims.etunexus.clone())),
    )
    .await
    .map_err(failed)
}

/// What an EMC2 request was, for the journal lines.
pub(super) fn note(e: &JournalEntry) -> Option<&'static str> {
    let p = e.path.strip_prefix(EMC_BASE)?;
    let m = e.method.as_str();
    Some(match (m, p) {
        ("GET", "/group") => "EMC2 group listing",
        ("GET", _) if p.starts_with("/group/") && p.ends_with("/user") => "EMC2 user listing",
        ("POST", _) if p.starts_with("/group/") && p.ends_with("/user") => "EMC2 user create",
        ("POST", _) if p.starts_with("/user/") => "EMC2 user update (the whole object)",
        ("DELETE", _) if p.starts_with("/user/") => "EMC2 user delete",
        _ => "EMC2 call",
    })
}

/// The non-secret gist of an EMC2 user body: name, roles, whether a
/// password was sent (never its value).
pub(super) fn body(e: &JournalEntry, body: &Value) -> Option<String> {
    let p = e.path.strip_prefix(EMC_BASE)?;
    if e.method != "POST" || !(p.starts_with("/user/") || p.ends_with("/user")) {
        return None;
    }
    let roles: Vec<String> = body["roles"]
        .as_array()?
        .iter()
        .map(|r| {
            format!(
                "{} on {}",
                r["roleName"].as_str().unwrap_or("?"),
                r["appId"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let password = if body["password"].is_string() {
        "***"
    } else {
        "null (kept)"
    };
    Some(format!(
        "JSON body: user {}, password {password}, roles [{}]",
        body["name"].as_str().unwrap_or("?"),
        roles.join(", ")
    ))
}

/// `Viewer on ETU-RECOMMENDER, …`.
fn roles(rs: &[UserRole]) -> String {
    if rs.is_empty() {
        return "none".into();
    }
    let shown: Vec<String> = rs
        .iter()
        .map(|r| format!("{} on {}", r.role_name, r.app_id))
        .collect();
    shown.join(", ")
}

/// The journal entries from `*mark` on; moves the mark to the end.
fn since(server: &SimServer, mark: &mut usize) -> Vec<JournalEntry> {
    let all = server.journal().entries();
    let new: Vec<JournalEntry> = all.into_iter().skip(*mark).collect();
    *mark += new.len();
    new
}

/// Runs the tour against `server` (from [`start`]).
pub(super) async fn tour(
    sims: &Simulators,
    server: &SimServer,
    n: &Narrator,
    summary: &mut Map<String, Value>,
) -> Result<()> {
    n.title("7. Etu Nexus: the quick start (CAS login, EMC2 groups and users) over TLS");
    let url = server.base_url();
    let seed = sims.etunexus.seed_json(&url);
    let s = |p: &str| super::seed_str(&seed, p);
    let host = s("/host")?;
    let group_name = s("/group")?;
    let admin = s("/username")?;
    let pem = server.tls_cert_pem().ok_or_else(|| {
        CliError::Failed("demo: the Etu Nexus simulator has no certificate".into())
    })?;
    // The CLI's logged transport, trusting the simulator's certificate.
    let inner = step(
        "Etu Nexus transport",
        ReqwestTransport::new(TransportConfig::default().add_root_certificate_pem(pem)),
    )?;
    let cas = step(
        "Etu Nexus CAS setup",
        Cas::builder(group_name, admin, Secret::new(s("/password")?))
            .host(host)
            .app_host(host)
            .transport(Arc::new(LoggedTransport::new(Arc::new(inner))))
            .build(),
    )?;
    let emc = step("EMC2 setup", Emc2::new(&cas))?;
    let mut mark = server.journal().len();

    n.say(format!(
        "Logging in to CAS at {url} as {group_name}\\{admin} (password not shown); the \
         simulator's self-signed certificate is trusted as an extra root."
    ));
    step("CAS login", cas.login().await)?;
    ensure(cas.is_logged_in(), || "no TGT after the CAS login".into())?;
    let seen = since(server, &mut mark);
    n.say("cas.login() -> ticket-granting ticket held. The simulator saw:");
    n.journal(&seen);
    let tgts = count(&seen, |e| e.method == "POST" && e.path == "/cas/v1/tickets");
    ensure(tgts == 1, || {
        format!("expected one TGT request, saw {tgts}")
    })?;

    step("EMC2 login", emc.login().await)?;
    let seen = since(server, &mut mark);
    n.say("emc2.login() -> EMC2 session held. The simulator saw:");
    n.journal(&seen);
    let sts = count(&seen, |e| {
        e.method == "POST" && e.path.starts_with("/cas/v1/tickets/")
    });
    let shown = count(&seen, |e| {
        e.query_pairs().iter().any(|(k, _)| k == "ticket")
    });
    ensure(sts == 1 && shown == 1, || {
        format!("expected one service ticket presented once, saw {sts} and {shown}")
    })?;

    let groups = step("EMC2 groups", emc.groups().list().await)?;
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    let group = groups
        .iter()
        .find(|g| g.name == SEED_GROUP)
        .ok_or_else(|| CliError::Failed(format!("demo: no group {SEED_GROUP} in {names:?}")))?;
    let gid = group
        .id
        .ok_or_else(|| CliError::Failed(format!("demo: group {SEED_GROUP} came without an id")))?;
    n.say(format!(
        "emc2.get_groups() -> {} group(s): {}; {SEED_GROUP} is id {gid}, \"{}\".",
        groups.len(),
        names.join(", "),
        group.display_name
    ));
    n.journal(&since(server, &mut mark));
    let sim_gid = sims.etunexus.group_id(SEED_GROUP);
    ensure(sim_gid == i64::try_from(gid.get()).ok(), || {
        format!("group {SEED_GROUP} is {gid} for the client, {sim_gid:?} for the simulator")
    })?;

    let users = step("EMC2 users", emc.users().list(&gid).await)?;
    let mut user_names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    user_names.sort();
    let quick = users
        .iter()
        .find(|u| u.name == SEED_USER)
        .ok_or_else(|| CliError::Failed(format!("demo: no user {SEED_USER} in {user_names:?}")))?;
    n.say(format!(
        "emc2.get_users({SEED_GROUP}) -> {} user(s): {}; {SEED_USER} (\"{}\") has roles {}.",
        users.len(),
        user_names.join(", "),
        quick.display_name,
        roles(&quick.roles)
    ));
    n.journal(&since(server, &mut mark));
    let mut sim_names = sims.etunexus.user_names(SEED_GROUP);
    sim_names.sort();
    ensure(user_names == sim_names, || {
        format!("the client listed {user_names:?}, the simulator holds {sim_names:?}")
    })?;

    let new = User::new(
        NEW_USER,
        "New workshop user",
        Secret::new(NEW_USER_PASSWORD),
    );
    let mut user = step("EMC2 user create", emc.users().create(&gid, &new).await)?;
    let uid = user
        .id
        .ok_or_else(|| CliError::Failed("demo: the new user came without an id".into()))?;
    n.say(format!(
        "emc2.add_user({SEED_GROUP}, User('{NEW_USER}', 'New workshop user', ***)) -> id {uid}, \
         roles {}.",
        roles(&user.roles)
    ));
    n.journal(&since(server, &mut mark));
    let sim_uid = sims.etunexus.user_id(SEED_GROUP, NEW_USER);
    ensure(sim_uid == i64::try_from(uid.get()).ok(), || {
        format!("user {NEW_USER} is {uid} for the client, {sim_uid:?} for the simulator")
    })?;

    user.roles = vec![
        UserRole::new(AppRoleName::Viewer, AppId::Er),
        UserRole::new(AppRoleName::Viewer, AppId::Ei),
    ];
    let user = step("EMC2 user update", emc.users().update(&user).await)?;
    n.say(format!(
        "emc2.update_user(user with two roles) -> roles {}.",
        roles(&user.roles)
    ));
    n.journal(&since(server, &mut mark));
    let mut sim_roles = sims
        .etunexus
        .user_roles(SEED_GROUP, NEW_USER)
        .unwrap_or_default();
    sim_roles.sort();
    let want = vec![
        ("Viewer".to_owned(), APP_EI.to_owned()),
        ("Viewer".to_owned(), APP_ER.to_owned()),
    ];
    ensure(user.roles.len() == 2 && sim_roles == want, || {
        format!(
            "the client read roles {}, the simulator holds {sim_roles:?}",
            roles(&user.roles)
        )
    })?;

    step("EMC2 user delete", emc.users().delete(&uid).await)?;
    let after = step("EMC2 users after the delete", emc.users().list(&gid).await)?;
    let gone = after.iter().all(|u| u.name != NEW_USER)
        && sims.etunexus.user_id(SEED_GROUP, NEW_USER).is_none();
    n.say(format!(
        "emc2.del_user(user) -> deleted; get_users({SEED_GROUP}) lists {} user(s) again \
         ({NEW_USER} gone: {gone}).",
        after.len()
    ));
    n.journal(&since(server, &mut mark));
    ensure(gone && after.len() == users.len(), || {
        format!("user {NEW_USER} is still there")
    })?;

    let entries = server.journal().entries();
    let tgt_total = count(&entries, |e| {
        e.method == "POST" && e.path == "/cas/v1/tickets"
    });
    let st_total = count(&entries, |e| {
        e.method == "POST" && e.path.starts_with("/cas/v1/tickets/")
    });
    let emc_calls = count(&entries, |e| e.path.starts_with(EMC_BASE));
    let with_cookie = count(&entries, |e| {
        e.path.starts_with(EMC_BASE) && e.header("cookie").is_some()
    });
    n.say(format!(
        "{} requests over TLS: {tgt_total} CAS login (TGT), {st_total} service ticket for EMC2 \
         (presented once), {emc_calls} EMC2 calls, each with Cookie: JSESSIONID=***.",
        entries.len()
    ));
    ensure(
        tgt_total == 1 && st_total == 1 && with_cookie == emc_calls,
        || {
            format!(
                "expected one TGT, one service ticket and the cookie on every call; saw \
                 {tgt_total}, {st_total}, {with_cookie} of {emc_calls}"
            )
        },
    )?;
    n.say("Etu Nexus tour OK.");

    summary.insert("etunexus_tour".into(), json!("ok"));
    summary.insert(
        "etunexus_user".into(),
        json!(format!("{group_name}\\{admin}")),
    );
    summary.insert("etunexus_groups".into(), json!(groups.len()));
    summary.insert("etunexus_group_id".into(), json!(gid.get()));
    summary.insert("etunexus_group_users".into(), json!(users.len()));
    summary.insert("etunexus_new_user_id".into(), json!(uid.get()));
    summary.insert(
        "etunexus_new_user_roles".into(),
        json!(user
            .roles
            .iter()
            .map(|r| format!("{}@{}", r.role_name, r.app_id))
            .collect::<Vec<_>>()),
    );
    summary.insert("etunexus_tgt_requests".into(), json!(tgt_total));
    summary.insert("etunexus_service_tickets".into(), json!(st_total));
    summary.insert("etunexus_requests".into(), json!(entries.len()));
    Ok(())
}

fn count(entries: &[JournalEntry], f: impl Fn(&JournalEntry) -> bool) -> usize {
    entries.iter().filter(|e| f(e)).count()
}
