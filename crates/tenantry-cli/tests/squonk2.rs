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

/// Every command that changes state: its arguments, and the request it
/// would send (method, path under the AS root, query, a body check).
/// `(arguments, method, path under the AS root, query, a piece of the body)`.
type Change = (
    Vec<String>,
    &'static str,
    String,
    Option<&'static str>,
    Option<&'static str>,
);

fn changes() -> Vec<Change> {
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (o, u, p, a) = (org(), unit(), product(), asset());
    vec![
        (
            s(&["orgs", "create", "--name", "acme", "--owner", "dlister"]),
            "POST",
            "/organisation".into(),
            None,
            Some("\"owner\":\"dlister\""),
        ),
        (
            s(&["orgs", "alter", &o, "--name", "acme2"]),
            "PATCH",
            format!("/organisation/{o}"),
            None,
            Some("\"name\":\"acme2\""),
        ),
        (
            s(&["orgs", "delete", &o]),
            "DELETE",
            format!("/organisation/{o}"),
            None,
            None,
        ),
        (
            s(&["orgs", "add-user", &o, "bob"]),
            "PUT",
            format!("/organisation/{o}/user/bob"),
            None,
            None,
        ),
        (
            s(&["orgs", "remove-user", &o, "bob"]),
            "DELETE",
            format!("/organisation/{o}/user/bob"),
            None,
            None,
        ),
        (
            s(&["units", "create", &o, "--name", "lab", "--billing-day", "3"]),
            "POST",
            format!("/organisation/{o}/unit"),
            None,
            Some("\"billing_day\":3"),
        ),
        (
            s(&[
                "units",
                "alter",
                &u,
                "--default-product-privacy",
                "ALWAYS_PRIVATE",
            ]),
            "PATCH",
            format!("/unit/{u}"),
            None,
            Some("ALWAYS_PRIVATE"),
        ),
        (
            s(&["units", "delete", &u]),
            "DELETE",
            format!("/unit/{u}"),
            None,
            None,
        ),
        (
            s(&["units", "add-user", &u, "bob"]),
            "PUT",
            format!("/unit/{u}/user/bob"),
            None,
            None,
        ),
        (
            s(&["units", "remove-user", &u, "bob"]),
            "DELETE",
            format!("/unit/{u}/user/bob"),
            None,
            None,
        ),
        (
            s(&["personal-unit", "create", "--billing-day", "7"]),
            "PUT",
            "/personal-unit".into(),
            None,
            Some("\"billing_day\":7"),
        ),
        (
            s(&["personal-unit", "delete"]),
            "DELETE",
            "/personal-unit".into(),
            None,
            None,
        ),
        (
            s(&[
                "products",
                "create",
                &u,
                "--name",
                "p1",
                "--type",
                "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION",
                "--flavour",
                "GOLD",
                "--allowance",
                "100",
            ]),
            "POST",
            format!("/product/unit/{u}"),
            None,
            Some("\"flavour\":\"GOLD\""),
        ),
        (
            s(&["products", "alter", &p, "--limit", "0"]),
            "PATCH",
            format!("/product/{p}"),
            None,
            Some("\"limit\":0"),
        ),
        (
            s(&["products", "delete", &p]),
            "DELETE",
            format!("/product/{p}"),
            None,
            None,
        ),
        (
            s(&[
                "assets",
                "create",
                "--name",
                "a1",
                "--scope",
                "USER",
                "--scope-id",
                "dlister",
                "--content",
                "KEY=1",
            ]),
            "POST",
            "/asset".into(),
            None,
            Some("name=\"content_string\""),
        ),
        (
            s(&["assets", "alter", &a, "--description", "new words"]),
            "PATCH",
            format!("/asset/{a}"),
            None,
            Some("new words"),
        ),
        (
            s(&["assets", "delete", &a]),
            "DELETE",
            format!("/asset/{a}"),
            None,
            None,
        ),
        (
            s(&["assets", "attach", &a, "2"]),
            "PATCH",
            format!("/asset/{a}/attach"),
            Some("m_id=2"),
            None,
        ),
        (
            s(&["assets", "detach", &a, "2"]),
            "PATCH",
            format!("/asset/{a}/detach"),
            Some("m_id=2"),
            None,
        ),
        (
            s(&["assets", "enable", &a]),
            "PATCH",
            format!("/asset/{a}/enable"),
            None,
            None,
        ),
        (
            s(&["assets", "disable", &a]),
            "PATCH",
            format!("/asset/{a}/disable"),
            None,
            None,
        ),
        (
            s(&["event-streams", "create", "--format", "JSON_STRING"]),
            "POST",
            "/event-stream".into(),
            None,
            Some("JSON_STRING"),
        ),
        (
            s(&["event-streams", "delete", "5"]),
            "DELETE",
            "/event-stream/5".into(),
            None,
            None,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_logs_in_and_sends_nothing_to_the_as() {
    let kc = keycloak().await;
    let all = changes();
    assert_eq!(all.len(), 24, "every state-changing command has a row");
    for (args, method, rest, query, body) in all {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push("--dry-run");
        let out = run(squonk2(&kc, &args), None).await;
        let v = ok_json(&out);
        let name = args.join(" ");
        assert_eq!(v["dry_run"], true, "{name}: {v}");
        assert_eq!(v["method"], method, "{name}: {v}");
        let url = url::Url::parse(v["url"].as_str().unwrap()).unwrap();
        assert_eq!(url.path(), format!("/account-server-api{rest}"), "{name}");
        assert_eq!(url.query(), query, "{name}");
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
