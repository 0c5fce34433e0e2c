//! `tenantry demo`: starts the embedded simulators in-process and walks
//! through the three logins, an Astakos tour ([`astakos`]), an ECL SSS
//! tour ([`ecl`]), a Squonk2 Account Server tour ([`squonk2`]) and the Etu
//! Nexus quick start over TLS ([`etu`]), narrating on
//! stdout what the client did and what the simulators saw. Passwords,
//! tokens, tickets and cookies are never printed: journal lines show
//! methods, paths and form field names, with every secret value masked.
//!
//! The walkthrough is always text on stdout; the summary returned at the end
//! is printed after it in the `--output` format.

use crate::context::{CliError, Context, Result};
use crate::families::auth::{jwt_summary, keystone_summary};
use crate::output::Output;
use clap::Args;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::sync::Arc;
use tenantry::core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry::core::auth::cas::CasSso;
use tenantry::core::auth::keystone::{EndpointFilter, KeystoneAuth};
use tenantry::core::http::Method;
use tenantry::core::redact;
use tenantry::core::{Operation, Pipeline, Secret};
use tenantry_sim::{JournalEntry, Simulators};

mod astakos;
mod ecl;
mod etu;
mod squonk2;

use astakos::astakos_secrets;
use ecl::ecl_secrets;
use etu::etunexus_secrets;
use squonk2::squonk2_secrets;

/// `tenantry demo` (no options).
#[derive(Debug, Clone, Default, Args)]
pub struct DemoArgs {}

/// How many concurrent calls the Keycloak step makes after the expiry.
const CONCURRENT_CALLS: usize = 5;

/// Prints lines on stdout, masking any known secret and CAS ticket that
/// could slip into them (defence in depth: nothing secret is formatted).
struct Narrator {
    secrets: Vec<String>,
}

impl Narrator {
    fn say(&self, text: impl AsRef<str>) {
        let refs: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        let clean = redact::tickets(&redact::scrub_values(text.as_ref(), &refs));
        let mut out = std::io::stdout().lock();
        // A closed stdout (`| head`) only stops the narration.
        let _ = writeln!(out, "{clean}");
    }

    fn title(&self, text: &str) {
        self.say("");
        self.say(format!("== {text}"));
    }

    fn journal(&self, entries: &[JournalEntry]) {
        for e in entries {
            self.say(format!("    {}", describe(e, &self.secrets)));
        }
    }
}

/// One journal entry as `METHOD path [?query] [form fields] [credential header]`,
/// every secret value masked.
fn describe(e: &JournalEntry, secrets: &[String]) -> String {
    let mask = |k: &str, v: &str| {
        if redact::is_sensitive_key(k) || k == "ticket" || secrets.iter().any(|s| s == v) {
            format!("{k}=***")
        } else {
            format!("{k}={v}")
        }
    };
    let mut path = e.path.clone();
    let mut note = "";
    if path.starts_with("/cas/v1/tickets/") {
        // The TGT is the last path segment.
        path = "/cas/v1/tickets/***".to_owned();
        note = "service-ticket request (with the TGT)";
    } else if path == "/cas/v1/tickets" {
        note = "TGT request (login)";
    } else if e.query_pairs().iter().any(|(k, _)| k == "ticket") {
        note = "shiro-cas validation of the service ticket (answer sets the session cookie)";
    } else if path.ends_with("/auth/tokens") && e.method == "POST" {
        note = "Keystone password login";
    } else if path.ends_with("/v3") || path.ends_with("/v3/") {
        note = "Keystone version discovery";
    } else if path.ends_with("/openid-connect/token") {
        note = "Keycloak token request";
    } else if path.ends_with("whoami") {
        note = "API call";
    } else if let Some(n) = etu::note(e) {
        note = n;
    } else if let Some(n) = astakos::note(e) {
        note = n;
    } else if let Some(n) = ecl::note(e) {
        note = n;
    } else if let Some(n) = squonk2::note(e) {
        note = n;
    }
    let mut line = format!("{:<5} {path}", e.method);
    let query: Vec<String> = e.query_pairs().iter().map(|(k, v)| mask(k, v)).collect();
    if !query.is_empty() {
        line.push('?');
        line.push_str(&query.join("&"));
    }
    if !note.is_empty() {
        line.push_str(&format!("  <- {note}"));
    }
    let is_form = e
        .header("content-type")
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let fields: Vec<String> = e.form().iter().map(|(k, v)| mask(k, v)).collect();
        line.push_str(&format!("; form: {}", fields.join(", ")));
    } else if let Some(body) = e.json() {
        if let Some(name) = body
            .pointer("/auth/identity/password/user/name")
            .and_then(Value::as_str)
        {
            line.push_str(&format!("; JSON body: user {name}, password ***"));
        } else if let Some(shown) = astakos::body(e, &body) {
            line.push_str(&format!("; {shown}"));
        } else if let Some(shown) = etu::body(e, &body) {
            line.push_str(&format!("; {shown}"));
        }
    }
    for (header, shown) in [
        ("cookie", "Cookie: JSESSIONID=***"),
        ("x-auth-token", "X-Auth-Token: ***"),
        ("authorization", "Authorization: Bearer ***"),
    ] {
        if e.header(header).is_some() {
            line.push_str(&format!("; {shown}"));
        }
    }
    line
}

fn seed_str<'a>(seed: &'a Value, pointer: &str) -> Result<&'a str> {
    seed.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::Failed(format!("demo: the simulator seed has no `{pointer}`")))
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(CliError::Failed(format!("demo: {}", what())))
    }
}

fn step<T>(what: &str, r: tenantry::core::Result<T>) -> Result<T> {
    r.map_err(|e| CliError::Failed(format!("demo, {what}: {e}")))
}

/// Runs the walkthrough.
pub async fn run(ctx: &Context, _args: DemoArgs) -> Result<Output> {
    let sims = Simulators::start_all()
        .await
        .map_err(|e| CliError::Failed(format!("demo: cannot start the simulators: {e}")))?;
    let seed = sims.seed_json();
    let mut secrets: Vec<String> = ["/cas/password", "/keystone/password", "/keycloak/password"]
        .iter()
        .filter_map(|p| seed.pointer(p).and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    secrets.extend(astakos_secrets(&seed));
    secrets.extend(ecl_secrets(&seed));
    secrets.extend(squonk2_secrets(&seed));
    secrets.extend(etunexus_secrets(&seed));
    let etu_server = etu::start(&sims).await?;
    let n = Narrator { secrets };
    n.say(
        "tenantry demo: three logins, an Astakos quota tour, an ECL SSS tour, a Squonk2 \
         Account Server tour and the Etu Nexus quick start against the embedded simulators \
         (nothing leaves this machine).",
    );
    n.say(format!(
        "  CAS (Etu Nexus)     {}",
        sims.cas_server.base_url()
    ));
    n.say(format!(
        "  Keystone (NTT ECL)  {}",
        sims.keystone_server.base_url()
    ));
    n.say(format!(
        "  Keycloak (Squonk2)  {}",
        sims.keycloak_server.base_url()
    ));
    n.say(format!(
        "  Astakos (Synnefo)   {}",
        sims.astakos_server.base_url()
    ));
    n.say(format!(
        "  ECL SSS + Keystone  {}",
        sims.ecl_sss_server.base_url()
    ));
    n.say(format!(
        "  Squonk2 AS + Keycloak {}",
        sims.squonk2_as_server.base_url()
    ));
    n.say(format!("  Etu Nexus + CAS (TLS) {}", etu_server.base_url()));
    n.say("Passwords, tokens, tickets and cookies are never shown: they print as ***.");

    let mut summary = Map::new();
    cas(ctx, &sims, &seed, &n, &mut summary).await?;
    keystone(ctx, &sims, &seed, &n, &mut summary).await?;
    keycloak(ctx, &sims, &seed, &n, &mut summary).await?;
    astakos::tour(ctx, &sims, &seed, &n, &mut summary).await?;
    ecl::tour(ctx, &sims, &seed, &n, &mut summary).await?;
    squonk2::tour(ctx, &sims, &seed, &n, &mut summary).await?;
    etu::tour(&sims, &etu_server, &n, &mut summary).await?;

    n.title("Done");
    n.say(
        "All three logins succeeded: CAS login OK, Keystone login OK, Keycloak login OK; \
         Astakos tour OK; ECL tour OK; Squonk2 tour OK; Etu Nexus tour OK.",
    );
    n.say("");
    summary.insert(
        "result".into(),
        json!("all three logins, the Astakos, ECL, Squonk2 and Etu Nexus tours succeeded"),
    );
    Ok(Value::Object(summary).into())
}

async fn cas(
    ctx: &Context,
    sims: &Simulators,
    seed: &Value,
    n: &Narrator,
    summary: &mut Map<String, Value>,
) -> Result<()> {
    n.title("1. CAS single sign-on (Etu Nexus)");
    let group = seed_str(seed, "/cas/group")?;
    let user = seed_str(seed, "/cas/username")?;
    let app_seed = seed
        .pointer("/cas/apps")
        .and_then(Value::as_array)
        .and_then(|apps| apps.iter().find(|a| a["name"] == "emc"))
        .ok_or_else(|| CliError::Failed("demo: the CAS seed has no `emc` app".into()))?;
    let service_url = seed_str(app_seed, "/service_url")?;
    let api_url = seed_str(app_seed, "/api_url")?;
    n.say(format!(
        "Logging in as {group}\\{user} to the EMC application (service URL {service_url})."
    ));

    let sso = step(
        "CAS setup",
        CasSso::new(
            seed_str(seed, "/cas/url")?,
            group,
            user,
            Secret::new(seed_str(seed, "/cas/password")?),
        ),
    )?;
    let app = step("CAS application", sso.application(service_url))?;
    let pipeline = step(
        "CAS pipeline",
        Pipeline::builder("etunexus")
            .base_url(api_url)
            .transport(ctx.transport())
            .auth(Arc::new(app.clone()))
            .build(),
    )?;
    let whoami_op = Operation::new("etunexus.whoami", Method::GET, "/_sim/whoami");
    let journal = sims.cas_server.journal();

    let who: Value = step("CAS whoami", pipeline.json(&whoami_op).await)?;
    let login = format!("{group}\\{user}");
    ensure(who["user"] == json!(login), || {
        format!("CAS whoami answered {who}")
    })?;
    n.say(format!(
        "GET {api_url}/_sim/whoami -> user {}, app {} (session held: {})",
        who["user"].as_str().unwrap_or("?"),
        who["app"].as_str().unwrap_or("?"),
        app.has_session().await
    ));
    n.say("What the CAS simulator saw:");
    let first = journal.entries();
    n.journal(&first);
    ensure(journal.count("POST", "/cas/v1/tickets") == 1, || {
        "expected one TGT request".into()
    })?;

    n.say("");
    n.say("The simulator now expires every application session (as after an idle timeout).");
    sims.cas.expire_sessions();
    let mark = journal.len();
    let tgts_before = journal.count("POST", "/cas/v1/tickets");
    let who2: Value = step(
        "CAS whoami after the expiry",
        pipeline.json(&whoami_op).await,
    )?;
    ensure(who2["user"] == json!(login), || {
        format!("CAS whoami answered {who2}")
    })?;
    let again: Vec<JournalEntry> = journal.entries().into_iter().skip(mark).collect();
    let new_sts = again
        .iter()
        .filter(|e| e.method == "POST" && e.path.starts_with("/cas/v1/tickets/"))
        .count();
    let validations = again
        .iter()
        .filter(|e| e.query_pairs().iter().any(|(k, _)| k == "ticket"))
        .count();
    let new_tgts = journal.count("POST", "/cas/v1/tickets") - tgts_before;
    n.say(format!(
        "GET {api_url}/_sim/whoami again -> user {} (the client re-logged in transparently)",
        who2["user"].as_str().unwrap_or("?")
    ));
    n.say("What the CAS simulator saw this time:");
    n.journal(&again);
    n.say(format!(
        "The expired session was refused (redirect to /cas/login); the cached TGT gave \
         {new_sts} new service ticket(s), {validations} validation(s), {new_tgts} new TGT(s), \
         then the call was re-sent."
    ));
    ensure(new_sts == 1 && validations == 1, || {
        format!("expected one new ST and one validation, saw {new_sts} and {validations}")
    })?;
    n.say("CAS login OK.");

    summary.insert("cas_login".into(), json!("ok"));
    summary.insert("cas_user".into(), json!(login));
    summary.insert("cas_app".into(), json!("emc"));
    summary.insert("cas_relogin_new_service_tickets".into(), json!(new_sts));
    summary.insert("cas_relogin_new_tgts".into(), json!(new_tgts));
    Ok(())
}

async fn keystone(
    ctx: &Context,
    sims: &Simulators,
    seed: &Value,
    n: &Narrator,
    summary: &mut Map<String, Value>,
) -> Result<()> {
    n.title("2. Keystone v3 password login (NTT ECL)");
    let auth_url = seed_str(seed, "/keystone/auth_url")?;
    let user = seed_str(seed, "/keystone/username")?;
    let project_id = seed_str(seed, "/keystone/project_id")?;
    let filter = EndpointFilter {
        service_type: "sss".into(),
        interface: "public".into(),
        region: Some("jp1".into()),
    };
    n.say(format!(
        "Logging in as {user} at {auth_url}, scoped to project {project_id}; endpoint filter: \
         type sss, interface public, region jp1."
    ));
    let ks = step(
        "Keystone setup",
        KeystoneAuth::builder(auth_url)
            .user_name(user, seed_str(seed, "/keystone/user_domain_id")?)
            .password(Secret::new(seed_str(seed, "/keystone/password")?))
            .project_id(project_id)
            .endpoint_filter(filter)
            .build(),
    )?;
    let transport = ctx.transport();
    let token = step("Keystone login", ks.token(transport.as_ref()).await)?;
    let endpoint = step(
        "Keystone endpoint",
        ks.service_url(transport.as_ref()).await,
    )?;
    let facts = keystone_summary(&token.info);
    let fact = |k: &str| {
        facts
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    n.say(format!(
        "Token obtained (value not shown), expires at {}.",
        fact("expires_at")
    ));
    n.say(format!("  user     {} ({})", fact("user"), fact("user_id")));
    n.say(format!(
        "  project  {} ({})",
        fact("project_id"),
        fact("project_name")
    ));
    n.say(format!("  endpoint {endpoint}"));
    ensure(fact("project_id") == project_id, || {
        "the token is not scoped to the seeded project".into()
    })?;

    let pipeline = step(
        "Keystone pipeline",
        Pipeline::builder("ecl")
            .transport(transport)
            .auth(Arc::new(ks))
            .build(),
    )?;
    let who: Value = step(
        "Keystone whoami",
        pipeline
            .json(&Operation::new("ecl.whoami", Method::GET, "/whoami"))
            .await,
    )?;
    n.say(format!(
        "GET {endpoint}/whoami (endpoint from the catalog) -> {who}"
    ));
    ensure(
        who["project_id"] == json!(project_id) && who["region"] == "jp1",
        || format!("Keystone whoami answered {who}"),
    )?;
    n.say("What the Keystone simulator saw:");
    n.journal(&sims.keystone_server.journal().entries());
    n.say("Keystone login OK.");

    summary.insert("keystone_login".into(), json!("ok"));
    summary.insert("keystone_user".into(), json!(fact("user")));
    summary.insert("keystone_project_id".into(), json!(fact("project_id")));
    summary.insert("keystone_expires_at".into(), json!(fact("expires_at")));
    summary.insert("keystone_endpoint".into(), json!(endpoint.as_str()));
    Ok(())
}

async fn keycloak(
    ctx: &Context,
    sims: &Simulators,
    seed: &Value,
    n: &Narrator,
    summary: &mut Map<String, Value>,
) -> Result<()> {
    n.title("3. Keycloak password grant (Squonk2)");
    let url = seed_str(seed, "/keycloak/url")?;
    let realm = seed_str(seed, "/keycloak/realm")?;
    let client_id = seed_str(seed, "/keycloak/client_id")?;
    let user = seed_str(seed, "/keycloak/username")?;
    n.say(format!(
        "Logging in as {user} to realm {realm} (client {client_id}) at {url}."
    ));
    let provider = step(
        "Keycloak setup",
        KeycloakProvider::builder(url, realm, client_id)
            .grant(KeycloakGrant::Password {
                username: user.to_owned(),
                password: Secret::new(seed_str(seed, "/keycloak/password")?),
            })
            .build(),
    )?;
    let transport = ctx.transport();
    let pipeline = step(
        "Keycloak pipeline",
        Pipeline::builder("squonk2")
            .base_url(url)
            .transport(transport.clone())
            .auth(Arc::new(BearerAuth::Keycloak(provider.clone())))
            .build(),
    )?;
    let whoami_op = Operation::new("squonk2.whoami", Method::GET, "/_sim/whoami");
    let who: Value = step("Keycloak whoami", pipeline.json(&whoami_op).await)?;
    ensure(who["username"] == json!(user), || {
        format!("Keycloak whoami answered {who}")
    })?;
    // The cached token: no new request. Only its claims are shown.
    let token = step(
        "Keycloak token",
        provider.access_token(transport.as_ref()).await,
    )?;
    let claims = jwt_summary(token.expose());
    drop(token);
    let expires_at = claims.get("expires_at").cloned().unwrap_or(Value::Null);
    n.say(format!(
        "Access token obtained (value not shown), expires at {}.",
        expires_at.as_str().unwrap_or("?")
    ));
    n.say(format!(
        "GET {url}/_sim/whoami -> username {}",
        who["username"].as_str().unwrap_or("?")
    ));
    n.say("What the Keycloak simulator saw:");
    let journal = sims.keycloak_server.journal();
    n.journal(&journal.entries());

    n.say("");
    n.say(format!(
        "The simulator now revokes every access and refresh token; then {CONCURRENT_CALLS} calls run concurrently."
    ));
    let before = sims.keycloak.token_requests();
    let mark = journal.len();
    sims.keycloak.expire_all_tokens();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENT_CALLS {
        let p = pipeline.clone();
        let op = whoami_op.clone();
        calls.spawn(async move { p.json::<Value>(&op).await });
    }
    let mut ok = 0;
    while let Some(joined) = calls.join_next().await {
        let answer = joined
            .map_err(|e| CliError::Failed(format!("demo: a concurrent call panicked: {e}")))?;
        let answer = step("Keycloak concurrent whoami", answer)?;
        ensure(answer["username"] == json!(user), || {
            format!("Keycloak whoami answered {answer}")
        })?;
        ok += 1;
    }
    let after = sims.keycloak.token_requests();
    let since: Vec<JournalEntry> = journal.entries().into_iter().skip(mark).collect();
    let grants: Vec<String> = since
        .iter()
        .filter(|e| e.path.ends_with("/openid-connect/token"))
        .map(|e| {
            e.form()
                .into_iter()
                .find(|(k, _)| k == "grant_type")
                .map(|(_, v)| v)
                .unwrap_or_default()
        })
        .collect();
    // Tokens the calls carried after the expiry, other than the revoked
    // one (compared, never printed).
    let entries = journal.entries();
    let old = entries[..mark]
        .iter()
        .rev()
        .find(|e| e.path.ends_with("whoami"))
        .and_then(|e| e.header("authorization"));
    let mut distinct: Vec<&str> = since
        .iter()
        .filter(|e| e.path.ends_with("whoami"))
        .filter_map(|e| e.header("authorization"))
        .filter(|t| Some(*t) != old)
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let password_grants = grants.iter().filter(|g| *g == "password").count();
    n.say(format!(
        "{ok} of {CONCURRENT_CALLS} calls answered username {user}."
    ));
    n.say("What the Keycloak simulator saw:");
    n.journal(&since);
    n.say(format!(
        "Token requests: {before} before, {after} after. All {CONCURRENT_CALLS} refused calls shared ONE \
         token renewal (grant types in order: {}), and the re-sent calls carried {} distinct new token(s).",
        grants.join(" then "),
        distinct.len()
    ));
    if grants.first().map(String::as_str) == Some("refresh_token") && password_grants == 1 {
        n.say(
            "(The refresh token was revoked too, so the refresh_token grant was refused and the \
             client fell back to one password grant.)",
        );
    }
    ensure(
        distinct.len() == 1 && password_grants <= 1 && after - before <= 2,
        || {
            format!(
            "expected one token renewal for {CONCURRENT_CALLS} concurrent calls, saw grants {grants:?} \
             and {} distinct tokens",
            distinct.len()
        )
        },
    )?;
    n.say("Keycloak login OK.");

    summary.insert("keycloak_login".into(), json!("ok"));
    summary.insert("keycloak_user".into(), json!(user));
    summary.insert("keycloak_expires_at".into(), expires_at);
    summary.insert("keycloak_concurrent_calls".into(), json!(CONCURRENT_CALLS));
    summary.insert(
        "keycloak_token_requests_after_expiry".into(),
        json!(after - before),
    );
    summary.insert(
        "keycloak_new_tokens_after_expiry".into(),
        json!(distinct.len()),
    );
    Ok(())
}
