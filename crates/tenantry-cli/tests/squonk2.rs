//! `tenantry squonk2 …` run as a process: `--dry-run` of every command that
//! changes state (through a real Keycloak login, with the journal showing
//! nothing else went out), bad input refused before anything is sent,
//! configuration and its errors.

mod common;

use common::{run, tenantry, text};
use serde_json::Value;
use std::process::{Command, Output};
use tenantry_sim::{KeycloakSim, SimServer};

const KC_PASSWORD: &str = "planted-kc-Password+1&x";
const TOKEN: &str = "planted-fixed-Token-2";
const UUID: &str = "11111111-2222-3333-4444-555555555555";
const SECRETS: &[&str] = &[KC_PASSWORD, TOKEN];

fn org() -> String {
    format!("org-{UUID}")
}
fn unit() -> String {
    format!("unit-{UUID}")
}
fn product() -> String {
    format!("product-{UUID}")
}
fn asset() -> String {
    format!("asset-{UUID}")
}

/// A seeded Keycloak (user `cli-user` with [`KC_PASSWORD`]) on its own
/// server; the AS URL points at the same server, so anything sent to the
/// AS shows in its journal.
async fn keycloak() -> SimServer {
    let kc = KeycloakSim::seeded();
    kc.add_user("cli-user", KC_PASSWORD);
    SimServer::start(kc.router()).await.unwrap()
}

/// `tenantry squonk2 ARGS`, logging in to `kc` with the reference's
/// variables; the AS at `{kc}/account-server-api`.
fn squonk2(kc: &SimServer, args: &[&str]) -> Command {
    let mut cmd = tenantry();
    cmd.env(
        "SQUONK2_ASAPI_URL",
        format!("{}/account-server-api", kc.base_url()),
    )
    .env("SQUONK2_KEYCLOAK_URL", kc.base_url())
    .env("SQUONK2_KEYCLOAK_REALM", "squonk2")
    .env("SQUONK2_KEYCLOAK_AS_CLIENT_ID", "account-server-api")
    .env("SQUONK2_KEYCLOAK_USER", "cli-user")
    .env("SQUONK2_KEYCLOAK_USER_PASSWORD", KC_PASSWORD)
    .arg("squonk2")
    .args(args);
    cmd
}

/// Bearer tokens and refresh tokens the Keycloak issued (from its journal
/// and answers are not kept: the AS calls carry them).
fn issued(kc: &SimServer) -> Vec<String> {
    kc.journal()
        .entries()
        .iter()
        .filter_map(|e| e.header("authorization"))
        .filter_map(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .collect()
}

fn assert_no_secrets(s: &str, more: &[String]) {
    for t in SECRETS
        .iter()
        .copied()
        .chain(more.iter().map(String::as_str))
    {
        assert!(!s.contains(t), "secret {t} printed:\n{s}");
    }
}

/// Exit 0, no secret anywhere, stdout as JSON.
fn ok_json(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_no_secrets(&stdout, &[]);
    assert_no_secrets(&stderr, &[]);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// A command that changes state: its arguments, and the request it would
/// send (method, path under the AS root, query, a piece of the body).
struct Change {
    args: Vec<String>,
    method: String,
    path: String,
    query: Option<String>,
    body: Option<&'static str>,
}

/// A [`Change`] row: `request` is `"METHOD /path?query"`.
fn change(args: &[&str], request: impl Into<String>, body: Option<&'static str>) -> Change {
    let request = request.into();
    let (method, target) = request.split_once(' ').expect("METHOD /path");
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (target, None),
    };
    Change {
        args: args.iter().map(|a| a.to_string()).collect(),
        method: method.to_owned(),
        path: path.to_owned(),
        query,
        body,
    }
}

#[rustfmt::skip] // a table: one row a line
fn changes() -> Vec<Change> {
    let (o, u, p, a) = (org(), unit(), product(), asset());
    vec![
        change(&["orgs", "create", "--name", "acme", "--owner", "dlister"], "POST /organisation", Some("\"owner\":\"dlister\"")),
        change(&["orgs", "alter", &o, "--name", "acme2"], format!("PATCH /organisation/{o}"), Some("\"name\":\"acme2\"")),
        change(&["orgs", "delete", &o], format!("DELETE /organisation/{o}"), None),
        change(&["orgs", "add-user", &o, "bob"], format!("PUT /organisation/{o}/user/bob"), None),
        change(&["orgs", "remove-user", &o, "bob"], format!("DELETE /organisation/{o}/user/bob"), None),
        change(&["units", "create", &o, "--name", "lab", "--billing-day", "3"], format!("POST /organisation/{o}/unit"), Some("\"billing_day\":3")),
        change(&["units", "alter", &u, "--default-product-privacy", "ALWAYS_PRIVATE"], format!("PATCH /unit/{u}"), Some("ALWAYS_PRIVATE")),
        change(&["units", "delete", &u], format!("DELETE /unit/{u}"), None),
        change(&["units", "add-user", &u, "bob"], format!("PUT /unit/{u}/user/bob"), None),
        change(&["units", "remove-user", &u, "bob"], format!("DELETE /unit/{u}/user/bob"), None),
        change(&["personal-unit", "create", "--billing-day", "7"], "PUT /personal-unit", Some("\"billing_day\":7")),
        change(&["personal-unit", "delete"], "DELETE /personal-unit", None),
        change(&["products", "create", &u, "--name", "p1", "--type", "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION", "--flavour", "GOLD", "--allowance", "100"], format!("POST /product/unit/{u}"), Some("\"flavour\":\"GOLD\"")),
        change(&["products", "alter", &p, "--limit", "0"], format!("PATCH /product/{p}"), Some("\"limit\":0")),
        change(&["products", "delete", &p], format!("DELETE /product/{p}"), None),
        change(&["assets", "create", "--name", "a1", "--scope", "USER", "--scope-id", "dlister", "--content", "KEY=1"], "POST /asset", Some("name=\"content_string\"")),
        change(&["assets", "alter", &a, "--description", "new words"], format!("PATCH /asset/{a}"), Some("new words")),
        change(&["assets", "delete", &a], format!("DELETE /asset/{a}"), None),
        change(&["assets", "attach", &a, "2"], format!("PATCH /asset/{a}/attach?m_id=2"), None),
        change(&["assets", "detach", &a, "2"], format!("PATCH /asset/{a}/detach?m_id=2"), None),
        change(&["assets", "enable", &a], format!("PATCH /asset/{a}/enable"), None),
        change(&["assets", "disable", &a], format!("PATCH /asset/{a}/disable"), None),
        change(&["event-streams", "create", "--format", "JSON_STRING"], "POST /event-stream", Some("JSON_STRING")),
        change(&["event-streams", "delete", "5"], "DELETE /event-stream/5", None),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_logs_in_and_sends_nothing_to_the_as() {
    let kc = keycloak().await;
    let all = changes();
    assert_eq!(all.len(), 24, "every state-changing command has a row");
    for Change {
        args,
        method,
        path: rest,
        query,
        body,
    } in all
    {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push("--dry-run");
        let out = run(squonk2(&kc, &args), None).await;
        let v = ok_json(&out);
        let name = args.join(" ");
        assert_eq!(v["dry_run"], true, "{name}: {v}");
        assert_eq!(v["method"], method, "{name}: {v}");
        let url = url::Url::parse(v["url"].as_str().unwrap()).unwrap();
        assert_eq!(url.path(), format!("/account-server-api{rest}"), "{name}");
        assert_eq!(url.query(), query.as_deref(), "{name}");
        assert_eq!(v["headers"]["authorization"], "***", "{name}: {v}");
        if let Some(b) = body {
            assert!(
                v["body"].to_string().contains(b)
                    || v["body"].as_str().is_some_and(|s| s.contains(b)),
                "{name}: {v}"
            );
        }
        assert_no_secrets(&text(&out.stdout), &issued(&kc));
    }
    // Only Keycloak logins went out: one password grant per command.
    let journal = kc.journal().entries();
    assert!(!journal.is_empty());
    for e in &journal {
        assert_eq!(
            (e.method.as_str(), e.path.as_str()),
            ("POST", "/realms/squonk2/protocol/openid-connect/token"),
            "{e:?}"
        );
        let form = e.form();
        assert!(
            form.contains(&("grant_type".into(), "password".into())),
            "{form:?}"
        );
        assert!(
            form.contains(&("username".into(), "cli-user".into())),
            "{form:?}"
        );
    }
    assert_eq!(journal.len(), 24);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_with_a_fixed_token_sends_nothing_at_all() {
    let kc = keycloak().await;
    let mut cmd = tenantry();
    cmd.env(
        "TENANTRY_SQUONK2_AS_URL",
        format!("{}/account-server-api", kc.base_url()),
    )
    .env("SQUONK2_ASAPI_TOKEN", TOKEN)
    .args(["squonk2", "units", "delete", &unit(), "--dry-run"]);
    let v = ok_json(&run(cmd, None).await);
    assert_eq!(v["method"], "DELETE", "{v}");
    assert_eq!(v["headers"]["authorization"], "***", "{v}");
    assert!(kc.journal().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_anything_is_sent() {
    let kc = keycloak().await;
    let file = std::env::temp_dir().join(format!("tenantry-cli-sq2-{}", std::process::id()));
    std::fs::write(&file, "content").unwrap();
    let file = file.display().to_string();
    for args in [
        vec!["orgs".to_owned(), "get".into(), "org-1".into()],
        vec!["units".into(), "get".into(), org()],
        vec![
            "products".into(),
            "get".into(),
            "product-AAAAAAAA-2222-3333-4444-555555555555".into(),
        ],
        vec!["assets".into(), "get".into(), "asset-x".into()],
        vec!["merchants".into(), "get".into(), "0".into()],
        vec!["event-streams".into(), "delete".into(), "abc".into()],
        vec![
            "charges".into(),
            "all".into(),
            "--from".into(),
            "2024-13-01".into(),
        ],
        vec![
            "assets".into(),
            "create".into(),
            "--name".into(),
            "a".into(),
            "--scope".into(),
            "PLANET".into(),
            "--content".into(),
            "x".into(),
        ],
        vec![
            "assets".into(),
            "create".into(),
            "--name".into(),
            "a".into(),
            "--scope".into(),
            "USER".into(),
            "--content".into(),
            "x".into(),
            "--file".into(),
            file.clone(),
        ],
        vec![
            "assets".into(),
            "list".into(),
            "--unit".into(),
            unit(),
            "--org".into(),
            org(),
        ],
        vec![
            "units".into(),
            "create".into(),
            org(),
            "--name".into(),
            "lab".into(),
            "--billing-day".into(),
            "29".into(),
        ],
        vec![
            "units".into(),
            "create".into(),
            org(),
            "--name".into(),
            " ".into(),
            "--billing-day".into(),
            "2".into(),
        ],
        vec![
            "products".into(),
            "create".into(),
            unit(),
            "--name".into(),
            "p".into(),
            "--type".into(),
            "T".into(),
            "--allowance=-1".into(),
        ],
        vec![
            "assets".into(),
            "create".into(),
            "--name".into(),
            "a".into(),
            "--scope".into(),
            "USER".into(),
        ],
        vec![
            "assets".into(),
            "create".into(),
            "--name".into(),
            "a".into(),
            "--scope".into(),
            "USER".into(),
            "--file".into(),
            "/nonexistent/x".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(squonk2(&kc, &args), None).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_no_secrets(&text(&out.stderr), &[]);
    }
    // Only the logins of the commands refused by the client (after the
    // arguments parsed): nothing reached the AS.
    assert!(kc
        .journal()
        .entries()
        .iter()
        .all(|e| !e.path.starts_with("/account-server-api")));
    std::fs::remove_file(file).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_name_what_is_missing() {
    // No token source: exit 2, naming the settings.
    let mut cmd = tenantry();
    cmd.env("SQUONK2_ASAPI_URL", "http://127.0.0.1:9/account-server-api")
        .args(["squonk2", "orgs", "list"]);
    let out = run(cmd, None).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("TENANTRY_SQUONK2_TOKEN") && stderr.contains("KEYCLOAK_URL"),
        "{stderr}"
    );
    // No URL: exit 2, naming it.
    let mut cmd = tenantry();
    cmd.env("SQUONK2_ASAPI_TOKEN", TOKEN)
        .args(["squonk2", "server", "ping"]);
    let out = run(cmd, None).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("TENANTRY_SQUONK2_AS_URL"),
        "{}",
        text(&out.stderr)
    );
    // Keycloak without a realm: named.
    let kc = keycloak().await;
    let mut cmd = squonk2(&kc, &["orgs", "list"]);
    cmd.env_remove("SQUONK2_KEYCLOAK_REALM");
    let out = run(cmd, None).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("TENANTRY_SQUONK2_REALM"),
        "{}",
        text(&out.stderr)
    );
    // The wrong password: 3, not printed.
    let mut cmd = squonk2(&kc, &["orgs", "list"]);
    cmd.env("SQUONK2_KEYCLOAK_USER_PASSWORD", "planted-wrong-Password");
    let out = run(cmd, None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("planted-wrong-Password"));
    assert!(kc
        .journal()
        .entries()
        .iter()
        .all(|e| !e.path.starts_with("/account-server-api")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_flags_and_secret_stdin() {
    let kc = keycloak().await;
    let dir = std::env::temp_dir().join(format!("tenantry-cli-sq2-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        format!(
            "[profiles.default.squonk2]\nurl = \"{}/account-server-api\"\nkeycloak_url = \"{}\"\n\
             realm = \"nowhere\"\nclient_id = \"account-server-api\"\nuser = \"cli-user\"\n\
             password_cmd = \"echo '{KC_PASSWORD}'\"\n",
            kc.base_url(),
            kc.base_url()
        ),
    )
    .unwrap();
    let cmd = |extra_env: &[(&str, &str)], args: &[&str]| {
        let mut c = tenantry();
        c.env("TENANTRY_CONFIG", &file);
        for (k, v) in extra_env {
            c.env(k, v);
        }
        c.arg("squonk2").args(args);
        c
    };
    let delete = ["units", "delete", &unit(), "--dry-run"];
    // The profile's realm does not exist: the login fails (3).
    let out = run(cmd(&[], &delete), None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // The reference's variable over the profile.
    let v = ok_json(&run(cmd(&[("SQUONK2_KEYCLOAK_REALM", "squonk2")], &delete), None).await);
    assert_eq!(v["method"], "DELETE");
    // The flag over both.
    let mut args = vec!["--realm", "squonk2"];
    args.extend(delete);
    let v = ok_json(&run(cmd(&[("SQUONK2_KEYCLOAK_REALM", "nowhere")], &args), None).await);
    assert_eq!(v["method"], "DELETE");
    // --secret-stdin gives the password (the profile's command is not used).
    let mut c = cmd(&[], &args);
    c.env("TENANTRY_SQUONK2_USERNAME", "dlister");
    c.arg("--secret-stdin");
    let v = ok_json(&run(c, Some("dlister-pass\n")).await);
    assert_eq!(v["method"], "DELETE");
    let last = kc.journal().entries().pop().unwrap();
    assert!(last.form().contains(&("username".into(), "dlister".into())));
    // config show: the secrets masked, their sources named.
    let mut c = tenantry();
    c.env("TENANTRY_CONFIG", &file)
        .env("SQUONK2_KEYCLOAK_REFRESH_TOKEN", "planted-refresh-Token-3")
        .args(["config", "show"]);
    let out = run(c, None).await;
    let v = ok_json(&out);
    assert!(!text(&out.stdout).contains("planted-refresh-Token-3"));
    let rows = v.as_array().unwrap();
    let find = |s: &str| {
        rows.iter()
            .find(|r| r["setting"] == s)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        find("squonk2.password")["value"],
        "*** (from a command, not run)"
    );
    assert_eq!(find("squonk2.refresh_token")["value"], "***");
    assert_eq!(
        find("squonk2.refresh_token")["source"],
        "env SQUONK2_KEYCLOAK_REFRESH_TOKEN"
    );
    assert_eq!(find("squonk2.realm")["value"], "nowhere");
    std::fs::remove_dir_all(dir).ok();
}

// ---------------------------------------------------------------------------
// Against the Squonk2 AS simulator (its Keycloak on the same server).

use tenantry_sim::squonk2_as::{
    API_ROOT, AS_VERSION, DEFAULT_ORG_ID, PROJECT_TIER, SEED_ADMIN, SEED_ADMIN_PASSWORD,
    SEED_ASSET_ID, SEED_MERCHANT_ID, SEED_ORG_ID, SEED_OTHER_PASSWORD, SEED_OTHER_USER,
    SEED_PASSWORD, SEED_PRODUCT_ID, SEED_UNIT_ID, SEED_USER,
};
use tenantry_sim::{JournalEntry, Squonk2AsSim};

struct World {
    sim: Squonk2AsSim,
    server: SimServer,
}

async fn world() -> World {
    let sim = Squonk2AsSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    World { sim, server }
}

/// `tenantry squonk2 ARGS` as `user` (password grant).
fn as_user(w: &World, user: &str, password: &str, args: &[&str]) -> Command {
    let mut cmd = tenantry();
    let base = w.server.base_url();
    cmd.env("SQUONK2_ASAPI_URL", format!("{base}{API_ROOT}"))
        .env("SQUONK2_KEYCLOAK_URL", &base)
        .env("SQUONK2_KEYCLOAK_REALM", "squonk2")
        .env("SQUONK2_KEYCLOAK_AS_CLIENT_ID", "account-server-api")
        .env("SQUONK2_KEYCLOAK_USER", user)
        .env("SQUONK2_KEYCLOAK_USER_PASSWORD", password)
        .arg("squonk2")
        .args(args);
    cmd
}

fn sq(w: &World, args: &[&str]) -> Command {
    as_user(w, SEED_USER, SEED_PASSWORD, args)
}

fn admin(w: &World, args: &[&str]) -> Command {
    as_user(w, SEED_ADMIN, SEED_ADMIN_PASSWORD, args)
}

/// `tenantry squonk2 ARGS` as the seeded user, run to success: its JSON.
async fn sq_ok(w: &World, args: &[&str]) -> Value {
    ok_sim(w, &run(sq(w, args), None).await)
}

/// `tenantry squonk2 ARGS` as the seeded admin, run to success: its JSON.
async fn admin_ok(w: &World, args: &[&str]) -> Value {
    ok_sim(w, &run(admin(w, args), None).await)
}

/// The AS requests (the Keycloak logins left out).
fn as_calls(w: &World) -> Vec<JournalEntry> {
    w.server.journal().filter(|e| e.path.starts_with(API_ROOT))
}

fn last_call(w: &World) -> JournalEntry {
    as_calls(w).pop().expect("an AS call")
}

/// Exit 0 and JSON, with no password and no issued token printed.
fn ok_sim(w: &World, out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let mut secrets: Vec<String> = [SEED_PASSWORD, SEED_ADMIN_PASSWORD, SEED_OTHER_PASSWORD]
        .iter()
        .map(|s| s.to_string())
        .collect();
    secrets.extend(issued(&w.server));
    assert_no_secrets(&stdout, &secrets);
    assert_no_secrets(&stderr, &secrets);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn has(v: &Value, key: &str, want: &str) -> bool {
    v.as_array()
        .is_some_and(|a| a.iter().any(|r| r[key] == want))
}

/// A read: who, the arguments, the path it must send (under the AS root,
/// with its query), whether a token goes with it, and what the answer
/// must hold.
struct Read {
    admin: bool,
    args: Vec<String>,
    path: String,
    tokened: bool,
    check: fn(&Value) -> bool,
}

impl Read {
    /// A read by the seeded user, with a token.
    fn user(args: &[&str], path: impl Into<String>, check: fn(&Value) -> bool) -> Self {
        Read {
            admin: false,
            args: args.iter().map(|a| a.to_string()).collect(),
            path: path.into(),
            tokened: true,
            check,
        }
    }

    /// A read by the seeded admin, with a token.
    fn admin(args: &[&str], path: impl Into<String>, check: fn(&Value) -> bool) -> Self {
        Read {
            admin: true,
            ..Self::user(args, path, check)
        }
    }

    /// A public read: no token goes with it.
    fn public(args: &[&str], path: impl Into<String>, check: fn(&Value) -> bool) -> Self {
        Read {
            tokened: false,
            ..Self::user(args, path, check)
        }
    }
}

#[rustfmt::skip] // a table: one row a line
fn reads() -> Vec<Read> {
    let m = SEED_MERCHANT_ID.to_string();
    vec![
        Read::public(&["server", "ping"], "/version", |v| v["ping"] == "ok"),
        Read::public(&["server", "version"], "/version", |v| v["version"] == AS_VERSION),
        Read::public(&["server", "event-stream-version"], "/event-stream/version", |v| v["version"].is_string()),
        Read::user(&["account", "get"], "/user/account", |v| v["username"] == SEED_USER && v["caller_has_admin_privilege"] == false),
        Read::user(&["orgs", "list"], "/organisation", |v| has(v, "id", SEED_ORG_ID)),
        Read::user(&["orgs", "list", "--name", "Seed Organisation"], "/organisation?name=Seed+Organisation", |v| v.as_array().is_some_and(|a| a.len() == 1)),
        Read::user(&["orgs", "get", SEED_ORG_ID], format!("/organisation/{SEED_ORG_ID}"), |v| v["name"] == "Seed Organisation"),
        Read::user(&["orgs", "default"], "/default/organisation", |v| v["id"] == DEFAULT_ORG_ID),
        Read::user(&["orgs", "units", SEED_ORG_ID], format!("/organisation/{SEED_ORG_ID}/unit"), |v| has(&v["units"], "id", SEED_UNIT_ID)),
        Read::user(&["orgs", "users", SEED_ORG_ID], format!("/organisation/{SEED_ORG_ID}/user"), |v| has(v, "username", SEED_USER)),
        Read::user(&["units", "list"], "/unit", |v| v.as_array().is_some_and(|g| g.iter().any(|g| has(&g["units"], "id", SEED_UNIT_ID)))),
        Read::user(&["units", "get", SEED_UNIT_ID], format!("/unit/{SEED_UNIT_ID}"), |v| v["billing_day"] == 1),
        Read::user(&["units", "users", SEED_UNIT_ID], format!("/unit/{SEED_UNIT_ID}/user"), |v| has(v, "username", SEED_USER)),
        Read::user(&["products", "list"], "/product", |v| v.as_array().is_some_and(|a| a.iter().any(|p| p["product"]["id"] == SEED_PRODUCT_ID))),
        Read::user(&["products", "get", SEED_PRODUCT_ID], format!("/product/{SEED_PRODUCT_ID}"), |v| v["product"]["type"] == PROJECT_TIER),
        Read::user(&["products", "for-unit", SEED_UNIT_ID], format!("/product/unit/{SEED_UNIT_ID}"), |v| v.as_array().is_some_and(|a| a.len() == 1)),
        Read::user(&["products", "for-org", SEED_ORG_ID], format!("/product/organisation/{SEED_ORG_ID}"), |v| v.as_array().is_some_and(|a| a.len() == 1)),
        Read::user(&["products", "types"], "/product-type", |v| has(v, "type", PROJECT_TIER)),
        Read::user(&["products", "storage-cost"], "/product-default-storage-cost", |v| v.get("cost").is_some()),
        Read::admin(&["charges", "all"], "/charges", |v| v.is_object()),
        Read::admin(&["charges", "org", SEED_ORG_ID, "--prior-billing-periods", "0"], format!("/charges/organisation/{SEED_ORG_ID}?pbp=0"), |v| v.is_object()),
        Read::admin(&["charges", "unit", SEED_UNIT_ID], format!("/charges/unit/{SEED_UNIT_ID}"), |v| v.is_object()),
        Read::admin(&["charges", "product", SEED_PRODUCT_ID, "--from", "2024-01-01"], format!("/charges/product/{SEED_PRODUCT_ID}?from=2024-01-01"), |v| v.is_object()),
        Read::user(&["actions", "list", "--format", "JSON_STRING"], "/action?format=JSON_STRING", |v| v.is_array()),
        Read::user(&["assets", "list", "--unit", SEED_UNIT_ID], format!("/asset?unit_id={SEED_UNIT_ID}"), |v| has(v, "id", SEED_ASSET_ID)),
        Read::user(&["assets", "get", SEED_ASSET_ID], format!("/asset/{SEED_ASSET_ID}"), |v| v["name"] == "seed-asset"),
        Read::user(&["merchants", "list"], "/merchant", |v| v.as_array().is_some_and(|a| a.len() == 2)),
        Read::user(&["merchants", "get", &m], format!("/merchant/{m}"), |v| v["id"] == SEED_MERCHANT_ID),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_against_the_simulator() {
    let w = world().await;
    let rows = reads();
    for Read {
        admin: is_admin,
        args,
        path,
        tokened,
        check,
    } in rows
    {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let cmd = if is_admin {
            admin(&w, &args)
        } else {
            sq(&w, &args)
        };
        let v = ok_sim(&w, &run(cmd, None).await);
        assert!(check(&v), "{args:?}: {v}");
        let sent = last_call(&w);
        let full = match &sent.query {
            Some(q) => format!("{}?{q}", sent.path),
            None => sent.path.clone(),
        };
        assert_eq!(full, format!("{API_ROOT}{path}"), "{args:?}");
        assert_eq!(sent.method, "GET", "{args:?}");
        assert_eq!(
            sent.header("authorization")
                .is_some_and(|h| h.starts_with("Bearer ")),
            tokened,
            "{args:?}"
        );
    }
    // The public calls logged in to nothing: one login per tokened command.
    let logins = w
        .server
        .journal()
        .filter(|e| e.path.ends_with("/openid-connect/token"))
        .len();
    assert_eq!(logins, reads().iter().filter(|r| r.tokened).count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_product_and_asset_lifecycle() {
    let w = world().await;
    let id = |v: &Value| v["id"].as_str().expect("an id").to_owned();
    // units create → the id; the body as the reference sends it.
    let v = sq_ok(
        &w,
        &[
            "units",
            "create",
            SEED_ORG_ID,
            "--name",
            "lab",
            "--billing-day",
            "3",
        ],
    )
    .await;
    let unit = id(&v);
    assert!(unit.starts_with("unit-"), "{v}");
    let sent = last_call(&w);
    assert_eq!(
        (sent.method.as_str(), sent.path.clone()),
        (
            "POST",
            format!("{API_ROOT}/organisation/{SEED_ORG_ID}/unit")
        )
    );
    assert_eq!(
        sent.json().unwrap(),
        serde_json::json!({"billing_day": 3, "name": "lab"})
    );
    // Tables: one row per unit, with its organisation.
    let mut c = sq(
        &w,
        &[
            "-o",
            "csv",
            "-f",
            "id",
            "-f",
            "organisation_id",
            "units",
            "list",
        ],
    );
    c.env("COLUMNS", "200");
    let out = run(c, None).await;
    assert!(
        text(&out.stdout).contains(&format!("{unit},{SEED_ORG_ID}")),
        "{}",
        text(&out.stdout)
    );
    // units alter, users.
    sq_ok(
        &w,
        &[
            "units",
            "alter",
            &unit,
            "--name",
            "lab2",
            "--default-product-privacy",
            "ALWAYS_PRIVATE",
        ],
    )
    .await;
    let v = sq_ok(&w, &["units", "get", &unit]).await;
    assert_eq!(
        (&v["name"], &v["default_product_privacy"]),
        (
            &serde_json::json!("lab2"),
            &serde_json::json!("ALWAYS_PRIVATE")
        ),
        "{v}"
    );
    let v = sq_ok(&w, &["units", "add-user", &unit, SEED_OTHER_USER]).await;
    assert_eq!(v["done"], true);
    let v = sq_ok(&w, &["units", "users", &unit]).await;
    assert!(has(&v, "username", SEED_OTHER_USER), "{v}");
    sq_ok(&w, &["units", "remove-user", &unit, SEED_OTHER_USER]).await;
    assert_eq!(last_call(&w).method, "DELETE");
    // products create, alter (0 is sent), get in a table.
    let v = sq_ok(
        &w,
        &[
            "products",
            "create",
            &unit,
            "--name",
            "p1",
            "--type",
            PROJECT_TIER,
            "--flavour",
            "GOLD",
            "--allowance",
            "100",
        ],
    )
    .await;
    let product = id(&v);
    assert_eq!(
        last_call(&w).json().unwrap(),
        serde_json::json!({"type": PROJECT_TIER, "name": "p1", "flavour": "GOLD", "allowance": 100})
    );
    sq_ok(
        &w,
        &[
            "products",
            "alter",
            &product,
            "--limit",
            "500",
            "--allowance",
            "0",
        ],
    )
    .await;
    assert_eq!(
        last_call(&w).json().unwrap(),
        serde_json::json!({"allowance": 0, "limit": 500})
    );
    let out = run(
        sq(
            &w,
            &[
                "-o",
                "csv",
                "-f",
                "product_id",
                "-f",
                "product_flavour",
                "-f",
                "coins_limit",
                "products",
                "get",
                &product,
            ],
        ),
        None,
    )
    .await;
    assert!(
        text(&out.stdout).contains(&format!("{product},GOLD,500")),
        "{}",
        text(&out.stdout)
    );
    // assets: create from a file, attach, disable, enable, detach, alter, delete.
    let file =
        std::env::temp_dir().join(format!("tenantry-cli-sq2-asset-{}.txt", std::process::id()));
    std::fs::write(&file, "file content 1").unwrap();
    let v = sq_ok(
        &w,
        &[
            "assets",
            "create",
            "--name",
            "a1",
            "--scope",
            "UNIT",
            "--scope-id",
            &unit,
            "--file",
            &file.display().to_string(),
        ],
    )
    .await;
    let asset = id(&v);
    assert_eq!(
        w.sim.asset_content(&asset).as_deref(),
        Some(&b"file content 1"[..])
    );
    let body = last_call(&w).body_str();
    let fname = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(body.contains(&format!("filename=\"{fname}\"")), "{body}");
    let m = SEED_MERCHANT_ID.to_string();
    for (verb, method, tail) in [
        ("attach", "PATCH", "/attach".to_owned()),
        ("disable", "PATCH", "/disable".to_owned()),
        ("enable", "PATCH", "/enable".to_owned()),
    ] {
        let mut args = vec!["assets", verb, &asset];
        if verb == "attach" {
            args.push(&m);
        }
        let v = sq_ok(&w, &args).await;
        assert_eq!(v["action"], verb, "{v}");
        let sent = last_call(&w);
        assert_eq!(
            (sent.method.as_str(), sent.path.clone()),
            (method, format!("{API_ROOT}/asset/{asset}{tail}"))
        );
    }
    assert_eq!(w.sim.asset_merchants(&asset), Some(vec![SEED_MERCHANT_ID]));
    sq_ok(&w, &["assets", "detach", &asset, &m]).await;
    assert_eq!(
        last_call(&w).query.as_deref(),
        Some(format!("m_id={m}").as_str())
    );
    assert_eq!(w.sim.asset_merchants(&asset), Some(vec![]));
    sq_ok(
        &w,
        &["assets", "alter", &asset, "--content", "new content 2"],
    )
    .await;
    assert_eq!(
        w.sim.asset_content(&asset).as_deref(),
        Some(&b"new content 2"[..])
    );
    // A unit with products cannot be deleted: the server's 400 (exit 1) with its message.
    let out = run(sq(&w, &["units", "delete", &unit]), None).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // Clean up: asset, product, unit; then the unit is gone (exit 4).
    for args in [
        vec!["assets", "delete", &asset],
        vec!["products", "delete", &product],
        vec!["units", "delete", &unit],
    ] {
        let v = sq_ok(&w, &args).await;
        assert_eq!(
            (&v["action"], &v["done"]),
            (&serde_json::json!("delete"), &serde_json::json!(true)),
            "{v}"
        );
        assert_eq!(last_call(&w).method, "DELETE");
    }
    let out = run(sq(&w, &["units", "get", &unit]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    std::fs::remove_file(file).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_personal_units_and_event_streams() {
    let w = world().await;
    let v = admin_ok(
        &w,
        &["orgs", "create", "--name", "acme", "--owner", SEED_USER],
    )
    .await;
    let org = v["id"].as_str().unwrap().to_owned();
    assert_eq!(
        last_call(&w).json().unwrap(),
        serde_json::json!({"name": "acme", "owner": SEED_USER})
    );
    admin_ok(&w, &["orgs", "alter", &org, "--name", "acme2"]).await;
    admin_ok(&w, &["orgs", "add-user", &org, SEED_OTHER_USER]).await;
    let v = admin_ok(&w, &["orgs", "users", &org]).await;
    assert!(has(&v, "username", SEED_OTHER_USER), "{v}");
    admin_ok(&w, &["orgs", "remove-user", &org, SEED_OTHER_USER]).await;
    // The same name again: the server's 409 → 5.
    let out = run(
        admin(
            &w,
            &["orgs", "create", "--name", "acme2", "--owner", SEED_USER],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    admin_ok(&w, &["orgs", "delete", &org]).await;
    // A non-admin creating an organisation: 403 → 3.
    let out = run(
        sq(&w, &["orgs", "create", "--name", "x", "--owner", SEED_USER]),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // Personal unit: none (4), create, a second one (409 → 5), delete.
    let out = run(sq(&w, &["personal-unit", "get"]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let v = sq_ok(&w, &["personal-unit", "create", "--billing-day", "9"]).await;
    assert!(v["id"].as_str().unwrap().starts_with("unit-"));
    assert_eq!(
        (last_call(&w).method.as_str(), last_call(&w).json().unwrap()),
        ("PUT", serde_json::json!({"billing_day": 9}))
    );
    let v = sq_ok(&w, &["personal-unit", "get"]).await;
    assert_eq!(v["personal"], true, "{v}");
    let out = run(
        sq(&w, &["personal-unit", "create", "--billing-day", "9"]),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    sq_ok(&w, &["personal-unit", "delete"]).await;
    // Event stream: create, get, delete.
    let v = sq_ok(&w, &["event-streams", "create", "--format", "JSON_STRING"]).await;
    let es = v["id"].as_u64().expect("an event stream id").to_string();
    assert_eq!(v["format"], "JSON_STRING", "{v}");
    let v = sq_ok(&w, &["event-streams", "get"]).await;
    assert_eq!(v["id"].as_u64().map(|n| n.to_string()), Some(es.clone()));
    sq_ok(&w, &["event-streams", "delete", &es]).await;
    assert_eq!(last_call(&w).path, format!("{API_ROOT}/event-stream/{es}"));
    let out = run(sq(&w, &["event-streams", "get"]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_statuses_from_the_simulator() {
    let w = world().await;
    // Not a member: the server's 403 → 3, its message shown.
    let out = run(
        as_user(
            &w,
            SEED_OTHER_USER,
            SEED_OTHER_PASSWORD,
            &["orgs", "get", SEED_ORG_ID],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("403"), "{}", text(&out.stderr));
    // An unknown id: 404 → 4.
    let out = run(sq(&w, &["products", "get", &product()]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // Charges are for admins: 403 → 3.
    let out = run(sq(&w, &["charges", "all"]), None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // Attaching twice: 409 → 5.
    let m = SEED_MERCHANT_ID.to_string();
    sq_ok(&w, &["assets", "attach", SEED_ASSET_ID, &m]).await;
    let out = run(sq(&w, &["assets", "attach", SEED_ASSET_ID, &m]), None).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("already attached"),
        "{}",
        text(&out.stderr)
    );
    // A revoked token: a fixed token the Keycloak no longer knows → 401 → 3.
    let out = run(sq(&w, &["account", "get"]), None).await;
    assert_eq!(out.status.code(), Some(0));
    let token = issued(&w.server).pop().unwrap();
    w.sim.keycloak().expire_all_tokens();
    let mut c = tenantry();
    c.env(
        "SQUONK2_ASAPI_URL",
        format!("{}{API_ROOT}", w.server.base_url()),
    )
    .env("SQUONK2_ASAPI_TOKEN", &token)
    .args(["squonk2", "account", "get"]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains(&token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_leaves_the_simulator_unchanged() {
    let w = world().await;
    let before = (
        w.sim.organisation_count(),
        w.sim.product_count(),
        w.sim.asset_content(SEED_ASSET_ID),
        w.sim.asset_merchants(SEED_ASSET_ID),
    );
    // The rows of the mock dry-run test, on real ids where they matter.
    for Change { args, method, .. } in changes() {
        let mut args: Vec<String> = args
            .into_iter()
            .map(|a| match a.split_once('-').map(|(p, _)| p) {
                Some("org") if a.len() > 40 => SEED_ORG_ID.to_owned(),
                Some("unit") if a.len() > 40 => SEED_UNIT_ID.to_owned(),
                Some("product") if a.len() > 40 => SEED_PRODUCT_ID.to_owned(),
                Some("asset") if a.len() > 40 => SEED_ASSET_ID.to_owned(),
                _ => a,
            })
            .collect();
        args.push("--dry-run".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let v = admin_ok(&w, &args).await;
        assert_eq!(
            (v["dry_run"].as_bool(), v["method"].as_str()),
            (Some(true), Some(method.as_str())),
            "{args:?}: {v}"
        );
    }
    assert!(as_calls(&w).is_empty(), "{:?}", as_calls(&w));
    let after = (
        w.sim.organisation_count(),
        w.sim.product_count(),
        w.sim.asset_content(SEED_ASSET_ID),
        w.sim.asset_merchants(SEED_ASSET_ID),
    );
    assert_eq!(before, after);
    // Still there: the seeded unit, product and asset.
    let v = sq_ok(&w, &["products", "get", SEED_PRODUCT_ID]).await;
    assert_eq!(v["product"]["name"], "Seed Product");
}
