//! `tenantry ecl …` run as a process against the ECL SSS simulator (behind
//! its own Keystone) started in the test process: output values, what the
//! simulator's journal received, `--dry-run`, exit statuses, configuration.

mod common;

use common::{run, tenantry, text};
use serde_json::{json, Value};
use std::process::{Command, Output};
use tenantry_sim::ecl_sss::{
    API_ROOT, SEED_CONTRACT_ID, SEED_END_USER_CHANNEL, SEED_IAM_GROUP_ID, SEED_IAM_ROLE_ID,
    SEED_OWNER_ID, SEED_OWNER_KEY, SEED_OWNER_SECRET, SEED_PARTNER_CONTRACT_ID, SEED_PARTNER_KEY,
    SEED_PARTNER_SECRET, SEED_PARTNER_TENANT_ID, SEED_TENANT_ID, SEED_USER_ID, SEED_USER_KEY,
    SEED_USER_SECRET,
};
use tenantry_sim::{JournalEntry, Simulators};

const SECRETS: &[&str] = &[SEED_OWNER_SECRET, SEED_USER_SECRET, SEED_PARTNER_SECRET];

/// `tenantry ecl ARGS` configured through the ECL tools' `OS_*` variables.
fn ecl_as(sims: &Simulators, key: &str, secret: &str, tenant: &str, args: &[&str]) -> Command {
    let mut cmd = tenantry();
    cmd.env(
        "OS_AUTH_URL",
        format!("{}/v3", sims.ecl_sss_server.base_url()),
    )
    .env("OS_USERNAME", key)
    .env("OS_PASSWORD", secret)
    .env("OS_PROJECT_ID", tenant)
    .env("OS_REGION_NAME", "jp1")
    .arg("ecl")
    .args(args);
    cmd
}

/// As the seeded contract's owner.
fn ecl(sims: &Simulators, args: &[&str]) -> Command {
    ecl_as(
        sims,
        SEED_OWNER_KEY,
        SEED_OWNER_SECRET,
        SEED_TENANT_ID,
        args,
    )
}

/// As the seeded partner.
fn partner(sims: &Simulators, args: &[&str]) -> Command {
    ecl_as(
        sims,
        SEED_PARTNER_KEY,
        SEED_PARTNER_SECRET,
        SEED_PARTNER_TENANT_ID,
        args,
    )
}

fn assert_no_secrets(s: &str, more: &[&str]) {
    for t in SECRETS.iter().chain(more) {
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

/// The SSS requests (the Keystone login left out).
fn sss_calls(sims: &Simulators) -> Vec<JournalEntry> {
    sims.ecl_sss_server
        .journal()
        .filter(|e| e.path.starts_with(API_ROOT))
}

fn last_call(sims: &Simulators) -> JournalEntry {
    sss_calls(sims).pop().expect("an SSS call")
}

fn path(rest: &str) -> String {
    format!("{API_ROOT}{rest}")
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .filter_map(|r| r[key].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_list_get_and_the_wire() {
    let sims = Simulators::start_all().await.unwrap();
    let v = ok_json(&run(ecl(&sims, &["users", "list"]), None).await);
    let users = ids(&v, "user_id");
    assert!(
        users.contains(&SEED_OWNER_ID.to_owned()) && users.contains(&SEED_USER_ID.to_owned()),
        "{v}"
    );
    // Discovery, the login (as the configured API key, scoped to the
    // tenant), then the listing with the token.
    let journal = sims.ecl_sss_server.journal().entries();
    let login = journal
        .iter()
        .find(|e| e.method == "POST" && e.path == "/v3/auth/tokens")
        .expect("login");
    let body = login.json().unwrap();
    assert_eq!(
        body["auth"]["identity"]["password"]["user"]["name"],
        SEED_OWNER_KEY
    );
    assert_eq!(body["auth"]["scope"]["project"]["id"], SEED_TENANT_ID);
    let list = last_call(&sims);
    assert_eq!(
        (list.method.as_str(), list.path.clone()),
        ("GET", path("/users"))
    );
    assert!(list.header("x-auth-token").is_some());
    assert_eq!(list.header("accept"), Some("application/json"));

    // One user, its API secret masked.
    let v = ok_json(&run(ecl(&sims, &["users", "get", SEED_USER_ID]), None).await);
    assert_eq!(
        (&v["user_id"], &v["keystone_name"], &v["keystone_password"]),
        (&json!(SEED_USER_ID), &json!(SEED_USER_KEY), &json!("***")),
        "{v}"
    );
    assert_eq!(
        last_call(&sims).path,
        path(&format!("/users/{SEED_USER_ID}"))
    );

    // find: matched in the listing; unknown → exit 4.
    let v = ok_json(&run(ecl(&sims, &["users", "find", SEED_USER_ID]), None).await);
    assert_eq!(v["login_id"], "user", "{v}");
    let out = run(ecl(&sims, &["users", "find", "ecid9999999999"]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("ecid9999999999"));

    // A table: the declared key columns first.
    let mut cmd = ecl(&sims, &["-o", "table", "users", "list"]);
    cmd.env("COLUMNS", "160");
    let out = run(cmd, None).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let header = stdout.lines().next().unwrap();
    let cols: Vec<&str> = header
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    assert_eq!(
        cols,
        ["USER_ID", "LOGIN_ID", "MAIL_ADDRESS", "CONTRACT_OWNER"],
        "{stdout}"
    );
    assert_no_secrets(&stdout, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_tenants_roles_and_keys_change_state() {
    let sims = Simulators::start_all().await.unwrap();
    // users create (password from a file), update, delete.
    let pw = std::env::temp_dir().join(format!("tenantry-cli-ecl-pw-{}", std::process::id()));
    std::fs::write(&pw, "planted-new-user-pw\n").unwrap();
    let pw_path = pw.display().to_string();
    let out = run(
        ecl(
            &sims,
            &[
                "users",
                "create",
                "--login-id",
                "carol",
                "--mail-address",
                "carol@example.com",
                "--password-file",
                &pw_path,
            ],
        ),
        None,
    )
    .await;
    let v = ok_json(&out);
    assert_no_secrets(&text(&out.stdout), &["planted-new-user-pw"]);
    let carol = v["user_id"].as_str().expect("user_id").to_owned();
    assert_eq!(v["keystone_password"], "***", "{v}");
    let sent = last_call(&sims);
    assert_eq!(
        (sent.method.as_str(), sent.path.clone()),
        ("POST", path("/users"))
    );
    let body = sent.json().unwrap();
    assert_eq!(
        (
            &body["login_id"],
            &body["password"],
            &body["notify_password"]
        ),
        (
            &json!("carol"),
            &json!("planted-new-user-pw"),
            &json!("false")
        )
    );

    let v = ok_json(
        &run(
            ecl(
                &sims,
                &["users", "update", &carol, "--mail-address", "c@example.org"],
            ),
            None,
        )
        .await,
    );
    assert_eq!((&v["user_id"], &v["done"]), (&json!(carol), &json!(true)));
    let sent = last_call(&sims);
    assert_eq!(sent.method, "PUT");
    assert_eq!(
        sent.json().unwrap(),
        json!({"mail_address": "c@example.org"})
    );

    // A tenant, and carol's role on it.
    let v = ok_json(
        &run(
            ecl(
                &sims,
                &[
                    "tenants",
                    "create",
                    "--tenant-name",
                    "jp1_cli",
                    "--region",
                    "jp1",
                ],
            ),
            None,
        )
        .await,
    );
    let tenant = v["tenant_id"].as_str().expect("tenant_id").to_owned();
    assert_eq!(last_call(&sims).json().unwrap()["description"], "");
    let v = ok_json(&run(ecl(&sims, &["tenants", "list"]), None).await);
    assert!(ids(&v, "tenant_id").contains(&tenant), "{v}");
    let v = ok_json(&run(ecl(&sims, &["roles", "create", &carol, &tenant]), None).await);
    assert_eq!(
        (&v["user_id"], &v["tenant_id"]),
        (&json!(carol), &json!(tenant))
    );
    let v = ok_json(&run(ecl(&sims, &["roles", "delete", &carol, &tenant]), None).await);
    assert_eq!(v["done"], true);
    assert_eq!(
        last_call(&sims).path,
        path(&format!("/roles/tenants/{tenant}/users/{carol}"))
    );

    // Key rotation: the new secret is never printed; the old one stops working.
    let old = sims.ecl_sss.credentials(SEED_USER_ID).unwrap();
    let out = run(ecl(&sims, &["api-keys", "rotate", SEED_USER_ID]), None).await;
    let v = ok_json(&out);
    let new = sims.ecl_sss.credentials(SEED_USER_ID).unwrap();
    assert_ne!(old.1, new.1);
    assert_no_secrets(&text(&out.stdout), &[&new.1]);
    assert_eq!(
        (&v["keystone_name"], &v["keystone_password"]),
        (&json!(new.0), &json!("***"))
    );
    let out = run(
        ecl_as(&sims, &old.0, &old.1, SEED_TENANT_ID, &["users", "list"]),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));

    // Deletes: gone, then 4, then --if-exists.
    ok_json(&run(ecl(&sims, &["users", "delete", &carol]), None).await);
    let out = run(ecl(&sims, &["users", "delete", &carol]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let v = ok_json(
        &run(
            ecl(&sims, &["users", "delete", &carol, "--if-exists"]),
            None,
        )
        .await,
    );
    assert_eq!(v["done"], false);
    let v = ok_json(&run(ecl(&sims, &["tenants", "delete", &tenant]), None).await);
    assert_eq!(v["done"], true);
    std::fs::remove_file(pw).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_contracts_and_billing() {
    let sims = Simulators::start_all().await.unwrap();
    let v = ok_json(
        &run(
            partner(&sims, &["channels", "list", "--get-contracts"]),
            None,
        )
        .await,
    );
    assert!(
        ids(&v, "channel_id").contains(&SEED_END_USER_CHANNEL.to_owned()),
        "{v}"
    );
    assert_eq!(
        last_call(&sims).query.as_deref(),
        Some("get_contracts=true")
    );

    let v = ok_json(
        &run(
            partner(&sims, &["contracts", "list", SEED_END_USER_CHANNEL]),
            None,
        )
        .await,
    );
    assert!(
        ids(&v, "contract_id").contains(&SEED_CONTRACT_ID.to_owned()),
        "{v}"
    );
    let v = ok_json(&run(ecl(&sims, &["contracts", "get", SEED_CONTRACT_ID]), None).await);
    assert_eq!(v["contract_owner_user_id"], SEED_OWNER_ID, "{v}");

    let out = run(
        partner(
            &sims,
            &[
                "contracts",
                "create",
                "--channel-id",
                SEED_END_USER_CHANNEL,
                "--login-id",
                "newowner",
                "--mail-address",
                "newowner@example.com",
            ],
        ),
        None,
    )
    .await;
    let v = ok_json(&out);
    let contract = v["contract_id"].as_str().expect("contract_id").to_owned();
    assert_eq!(v["keystone_password"], "***", "{v}");
    let owner = v["user_id"].as_str().unwrap();
    let creds = sims.ecl_sss.credentials(owner).unwrap();
    assert_no_secrets(&text(&out.stdout), &[&creds.1]);
    assert_eq!(
        last_call(&sims).json().unwrap()["mail_address"],
        "newowner@example.com"
    );

    let v = ok_json(
        &run(
            ecl(&sims, &["billing", "month", SEED_CONTRACT_ID, "2024-05"]),
            None,
        )
        .await,
    );
    assert_eq!(v["contract_id"], SEED_CONTRACT_ID, "{v}");
    assert_eq!(
        last_call(&sims).path,
        path(&format!("/contracts/{SEED_CONTRACT_ID}/billing/2024-05"))
    );
    let v = ok_json(
        &run(
            partner(
                &sims,
                &[
                    "billing",
                    "target-contract",
                    SEED_PARTNER_CONTRACT_ID,
                    "2024-05",
                    SEED_CONTRACT_ID,
                ],
            ),
            None,
        )
        .await,
    );
    assert_eq!(v["contract_id"], SEED_CONTRACT_ID, "{v}");

    let v = ok_json(&run(partner(&sims, &["contracts", "delete", &contract]), None).await);
    assert_eq!(v["done"], true);
    let v = ok_json(
        &run(
            partner(
                &sims,
                &[
                    "contracts",
                    "list",
                    SEED_END_USER_CHANNEL,
                    "--include-deleted",
                ],
            ),
            None,
        )
        .await,
    );
    let gone = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_id"] == contract.as_str())
        .expect("deleted contract listed");
    assert_eq!(gone["status"], "deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_groups_and_roles() {
    let sims = Simulators::start_all().await.unwrap();
    let v = ok_json(&run(ecl(&sims, &["iam-groups", "list"]), None).await);
    assert!(
        ids(&v, "iam_group_id").contains(&SEED_IAM_GROUP_ID.to_owned()),
        "{v}"
    );
    assert_eq!(last_call(&sims).query, None, "no contract_id=None");
    let v = ok_json(&run(ecl(&sims, &["iam-roles", "get", SEED_IAM_ROLE_ID]), None).await);
    assert_eq!(v["iam_role_id"], SEED_IAM_ROLE_ID, "{v}");

    let v = ok_json(
        &run(
            ecl(
                &sims,
                &[
                    "iam-roles",
                    "create",
                    "--iam-role-name",
                    "cli_role",
                    "--resource",
                    "GET,/ecl-sss,*",
                    "--resource",
                    "delete,/ecl-sss,/api/v1.0/users,10.0.0.1",
                ],
            ),
            None,
        )
        .await,
    );
    let role = v["iam_role_id"].as_str().expect("iam_role_id").to_owned();
    assert_eq!(
        last_call(&sims).json().unwrap()["resources"],
        json!([
            {"basePath": "/ecl-sss", "ipAddress": "*", "path": "*", "verb": "GET"},
            {"basePath": "/ecl-sss", "ipAddress": "10.0.0.1", "path": "/api/v1.0/users", "verb": "DELETE"}
        ])
    );
    let v = ok_json(
        &run(
            ecl(
                &sims,
                &["iam-groups", "create", "--iam-group-name", "cli.group"],
            ),
            None,
        )
        .await,
    );
    let group = v["iam_group_id"].as_str().expect("iam_group_id").to_owned();
    ok_json(
        &run(
            ecl(&sims, &["iam-groups", "assign-role", &group, &role]),
            None,
        )
        .await,
    );
    assert_eq!(
        (last_call(&sims).method.as_str(), last_call(&sims).path),
        ("PUT", path(&format!("/iam/groups/{group}/roles/{role}")))
    );
    ok_json(
        &run(
            ecl(&sims, &["iam-groups", "assign-user", &group, SEED_USER_ID]),
            None,
        )
        .await,
    );
    let v = ok_json(&run(ecl(&sims, &["iam-groups", "users", &group]), None).await);
    assert_eq!(ids(&v["users"], "user_id"), [SEED_USER_ID], "{v}");
    ok_json(
        &run(
            ecl(
                &sims,
                &["iam-groups", "unassign-user", &group, SEED_USER_ID],
            ),
            None,
        )
        .await,
    );
    ok_json(
        &run(
            ecl(&sims, &["iam-groups", "unassign-role", &group, &role]),
            None,
        )
        .await,
    );
    let v = ok_json(&run(ecl(&sims, &["iam-groups", "list"]), None).await);
    let g = v
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["iam_group_id"] == group.as_str())
        .unwrap()
        .clone();
    assert_eq!(g["iam_roles"], json!([]), "{v}");
    ok_json(&run(ecl(&sims, &["iam-groups", "delete", &group]), None).await);
    ok_json(&run(ecl(&sims, &["iam-roles", "delete", &role]), None).await);
    let out = run(ecl(&sims, &["iam-roles", "get", &role]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let v = ok_json(&run(ecl(&sims, &["iam-roles", "list"]), None).await);
    assert!(!ids(&v, "iam_role_id").contains(&role), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_nothing_that_changes_state() {
    let sims = Simulators::start_all().await.unwrap();
    let before = sims.ecl_sss.credentials(SEED_USER_ID).unwrap();
    for (args, method, rest) in [
        (
            vec![
                "users",
                "create",
                "--login-id",
                "dry",
                "--mail-address",
                "d@example.com",
            ],
            "POST",
            "/users".to_owned(),
        ),
        (
            vec!["api-keys", "rotate", SEED_USER_ID],
            "PUT",
            format!("/keys/{SEED_USER_ID}"),
        ),
        (
            vec!["users", "delete", SEED_USER_ID],
            "DELETE",
            format!("/users/{SEED_USER_ID}"),
        ),
        (
            vec![
                "iam-groups",
                "unassign-user",
                SEED_IAM_GROUP_ID,
                SEED_USER_ID,
            ],
            "DELETE",
            format!("/iam/groups/{SEED_IAM_GROUP_ID}/users/{SEED_USER_ID}"),
        ),
    ] {
        let mut args = args;
        args.push("--dry-run");
        let v = ok_json(&run(ecl(&sims, &args), None).await);
        assert_eq!(v["dry_run"], true, "{v}");
        assert_eq!(v["method"], method, "{v}");
        let url = v["url"].as_str().unwrap();
        assert!(url.ends_with(&path(&rest)), "{url}");
        assert_eq!(v["headers"]["x-auth-token"], "***", "{v}");
        if method == "POST" {
            assert_eq!(v["body"]["login_id"], "dry", "{v}");
        }
    }
    // Only the Keystone login went out.
    assert!(sss_calls(&sims).is_empty(), "{:?}", sss_calls(&sims));
    assert!(sims
        .ecl_sss_server
        .journal()
        .entries()
        .iter()
        .all(|e| e.path.starts_with("/v3")));
    assert_eq!(sims.ecl_sss.credentials(SEED_USER_ID).unwrap(), before);
    // Bad input on a dry run: refused as without it (exit 2), nothing sent.
    let out = run(
        ecl(
            &sims,
            &[
                "iam-groups",
                "create",
                "--iam-group-name",
                "bad name",
                "--dry-run",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("iam_group_name"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_statuses() {
    let sims = Simulators::start_all().await.unwrap();
    // A bad id: 2, before anything is sent.
    for args in [
        &["users", "get", "ecid12"][..],
        &["tenants", "find", "tenant-one"],
        &["billing", "month", SEED_CONTRACT_ID, "2024-13"],
        &["iam-roles", "get", "not-a-uuid"],
    ] {
        let out = run(ecl(&sims, args), None).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(sims.ecl_sss_server.journal().is_empty());
    // A bad project id in the configuration: 2, nothing sent.
    let out = run(
        ecl_as(
            &sims,
            SEED_OWNER_KEY,
            SEED_OWNER_SECRET,
            "tenant-one",
            &["users", "list"],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("TENANTRY_ECL_PROJECT_ID"));
    assert!(sims.ecl_sss_server.journal().is_empty());
    // The wrong password: 3, and it is not printed.
    let out = run(
        ecl_as(
            &sims,
            SEED_OWNER_KEY,
            "planted-wrong-secret",
            SEED_TENANT_ID,
            &["users", "list"],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_no_secrets(&text(&out.stderr), &["planted-wrong-secret"]);
    assert!(sss_calls(&sims).is_empty());
    // A user that does not exist: 4.
    let out = run(ecl(&sims, &["users", "get", "ecid9999999999"]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // A login id already taken: 5, with the server's message.
    let out = run(
        ecl(
            &sims,
            &[
                "users",
                "create",
                "--login-id",
                "user",
                "--mail-address",
                "u@example.com",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("login_id already exists"),
        "{}",
        text(&out.stderr)
    );
    // A non-partner listing channels: the real 403 → 3.
    let out = run(ecl(&sims, &["channels", "list"]), None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_then_env_then_flags() {
    let sims = Simulators::start_all().await.unwrap();
    let dir = std::env::temp_dir().join(format!("tenantry-cli-ecl-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        format!(
            "[profiles.default.ecl]\nurl = \"{}/v3\"\nuser = \"{SEED_USER_KEY}\"\n\
             project = \"{SEED_TENANT_ID}\"\nregion = \"nowhere\"\n\
             password_cmd = \"echo {SEED_USER_SECRET}\"\n",
            sims.ecl_sss_server.base_url()
        ),
    )
    .unwrap();
    let cmd = |extra_env: &[(&str, &str)], args: &[&str]| {
        let mut c = tenantry();
        c.env("TENANTRY_CONFIG", &file);
        for (k, v) in extra_env {
            c.env(k, v);
        }
        c.arg("ecl").args(args);
        c
    };
    // The profile's region has no SSS: 4 (endpoint not found).
    let out = run(cmd(&[], &["users", "list"]), None).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // OS_REGION_NAME over the profile.
    let v = ok_json(&run(cmd(&[("OS_REGION_NAME", "jp2")], &["users", "list"]), None).await);
    assert!(ids(&v, "user_id").contains(&SEED_USER_ID.to_owned()));
    // The flag over both; the login was the profile's user.
    let v = ok_json(
        &run(
            cmd(
                &[("OS_REGION_NAME", "nowhere")],
                &["--region", "jp1", "users", "get", SEED_USER_ID],
            ),
            None,
        )
        .await,
    );
    assert_eq!(v["user_id"], SEED_USER_ID);
    let logins = sims
        .ecl_sss_server
        .journal()
        .filter(|e| e.path == "/v3/auth/tokens");
    let login = logins.last().unwrap().json().unwrap();
    assert_eq!(
        login["auth"]["identity"]["password"]["user"]["name"],
        SEED_USER_KEY
    );
    // An endpoint override: the catalog is not used at all.
    let v = ok_json(
        &run(
            cmd(
                &[],
                &[
                    "--endpoint",
                    &format!("{}{API_ROOT}", sims.ecl_sss_server.base_url()),
                    "tenants",
                    "list",
                ],
            ),
            None,
        )
        .await,
    );
    assert!(
        ids(&v, "tenant_id").contains(&SEED_TENANT_ID.to_owned()),
        "{v}"
    );
    std::fs::remove_dir_all(dir).ok();
}
