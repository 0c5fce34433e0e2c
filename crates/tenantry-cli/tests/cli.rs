//! The `tenantry` binary, run as a process (against simulators started in
//! the test process where it needs servers).

mod common;

use common::{run, tenantry, text};
use serde_json::Value;
use std::process::Command;
use tenantry_sim::Simulators;

/// The seeded secrets of the simulators: none may ever be printed.
const SEEDED_SECRETS: &[&str] = &[
    "alice-pass",
    "ecl-api-secret-0001",
    "ecl-api-secret-0002",
    "ecl-partner-secret-0001",
    "dlister-pass",
    "bob-pass",
    // Etu Nexus: the seeded passwords and the tour's new user's.
    "admin-pass",
    "workshop-user-pass",
    "retail-admin-pass",
    "new-workshop-user-Pass1",
];

/// No secret, token, ticket or cookie value in `s`.
fn assert_no_secrets(s: &str) {
    for secret in SEEDED_SECRETS {
        assert!(!s.contains(secret), "secret {secret} printed:\n{s}");
    }
    // CAS tickets may appear only masked.
    for prefix in ["TGT-", "ST-"] {
        for (i, _) in s.match_indices(prefix) {
            assert!(
                s[i + prefix.len()..].starts_with("***"),
                "unmasked ticket at {i}:\n{s}"
            );
        }
    }
    assert!(!s.contains("gAAAAA"), "Keystone token printed:\n{s}");
    assert!(!s.contains("eyJ"), "JWT printed:\n{s}");
    for (i, _) in s.match_indices("JSESSIONID=") {
        assert!(s[i + 11..].starts_with("***"), "cookie printed:\n{s}");
    }
}

fn ecl_env(cmd: &mut Command, seed: &Value) {
    let k = &seed["keystone"];
    cmd.env("TENANTRY_ECL_AUTH_URL", k["auth_url"].as_str().unwrap())
        .env("TENANTRY_ECL_USERNAME", k["username"].as_str().unwrap())
        .env("TENANTRY_ECL_PASSWORD", k["password"].as_str().unwrap())
        .env("TENANTRY_ECL_PROJECT_ID", k["project_id"].as_str().unwrap())
        .env("TENANTRY_ECL_REGION", "jp1");
}

// `demo` is a default feature; the lean CLI has no demo.
#[cfg(feature = "demo")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_succeeds_and_prints_no_secret() {
    let out = run(
        {
            let mut c = tenantry();
            c.arg("demo");
            c
        },
        None,
    )
    .await;
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for ok in ["CAS login OK", "Keystone login OK", "Keycloak login OK"] {
        assert!(stdout.contains(ok), "missing `{ok}`:\n{stdout}");
    }
    assert!(stdout.contains("workshop\\alice"));
    assert!(stdout.contains("1 new service ticket(s)"), "{stdout}");
    assert!(
        stdout.contains("carried 1 distinct new token(s)"),
        "{stdout}"
    );
    // The Astakos tour ran: user, catalogs, a commission that moved quotas.
    assert!(stdout.contains("Astakos tour OK"), "{stdout}");
    assert!(stdout.contains("Alice Liddell"), "{stdout}");
    assert!(
        stdout.contains("-> alice@example.org; alice@example.org ->"),
        "{stdout}"
    );
    assert!(stdout.contains("pending 0 -> 1"), "{stdout}");
    assert!(
        stdout.contains("POST  /account/v1.0/commissions  <- commission issue"),
        "{stdout}"
    );
    assert_no_secrets(&stdout);
    assert_no_secrets(&stderr);
    // No Astakos token either (the seed's tokens, read from the simulator).
    let astakos_seed = tenantry_sim::AstakosSim::seeded().seed_json("http://x");
    let mut tokens: Vec<&str> = astakos_seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["token"].as_str())
        .collect();
    tokens.extend(
        astakos_seed["service_tokens"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_str),
    );
    assert!(tokens.len() >= 6, "{astakos_seed}");
    for t in tokens {
        assert!(!stdout.contains(t), "Astakos token {t} printed:\n{stdout}");
        assert!(!stderr.contains(t), "Astakos token {t} printed:\n{stderr}");
    }

    // The summary at the end is JSON (the default --output).
    let start = stdout.rfind("\n{").expect("a JSON summary");
    let summary: Value = serde_json::from_str(&stdout[start..]).expect("summary is JSON");
    assert_eq!(summary["cas_login"], "ok");
    assert_eq!(summary["keystone_login"], "ok");
    assert_eq!(summary["keycloak_login"], "ok");
    assert_eq!(summary["keycloak_new_tokens_after_expiry"], 1);
    assert_eq!(summary["astakos_tour"], "ok");
    assert_eq!(summary["astakos_quota_before"]["pending"], 0);
    assert_eq!(summary["astakos_quota_pending"]["pending"], 1);
    assert_eq!(
        summary["astakos_quota_accepted"]["usage"],
        summary["astakos_quota_pending"]["usage"]
    );
    assert_eq!(summary["astakos_quota_accepted"]["pending"], 0);
    // The ECL tour: a user created, put in an IAM group, its key rotated
    // (the old pair refused), everything cleaned up; no secret shown.
    assert!(stdout.contains("ECL tour OK"), "{stdout}");
    assert!(stdout.contains("API secret *** (not shown)"), "{stdout}");
    assert!(
        stdout.contains("PUT   /api/v1.0/keys/") && stdout.contains("X-Auth-Token: ***"),
        "{stdout}"
    );
    assert_eq!(summary["ecl_tour"], "ok");
    assert_eq!(summary["ecl_old_key_refused"], true);
    assert_eq!(summary["ecl_keystone_logins"], 3);
    // The Squonk2 tour: a unit, a product and a secret asset created,
    // charges read, everything cleaned up; no password or token shown.
    assert!(stdout.contains("Squonk2 tour OK"), "{stdout}");
    assert!(
        stdout.contains("POST  /account-server-api/asset")
            && stdout.contains("Authorization: Bearer ***"),
        "{stdout}"
    );
    let sq = tenantry_sim::Squonk2AsSim::seeded().seed_json("http://x");
    for p in ["/password", "/admin/password"] {
        let pw = sq.pointer(p).and_then(Value::as_str).unwrap();
        assert!(!stdout.contains(pw) && !stderr.contains(pw), "{p} printed");
    }
    assert!(!stdout.contains("LICENCE_KEY"), "{stdout}");
    assert_eq!(summary["squonk2_tour"], "ok");
    assert_eq!(summary["squonk2_keycloak_logins"], 2);
    // The Etu Nexus quick start over TLS: CAS and EMC2 logins, groups,
    // users, a user added, given two roles, deleted; every step's journal
    // shown with tickets, passwords and cookies masked.
    assert!(stdout.contains("Etu Nexus tour OK"), "{stdout}");
    assert!(
        stdout.contains("Etu Nexus + CAS (TLS) https://127.0.0.1:"),
        "{stdout}"
    );
    for line in [
        "as etunexus\\admin (password not shown)",
        "POST  /cas/v1/tickets  <- TGT request (login); form: username=etunexus\\admin, password=***",
        "POST  /cas/v1/tickets/***  <- service-ticket request",
        "GET   /shiro-cas?ticket=***",
        "emc2.get_groups() -> 3 group(s): etunexus, workshop, retail; workshop is id 2",
        "GET   /commsrv/v1/group  <- EMC2 group listing; Cookie: JSESSIONID=***",
        "workshop_user (\"Workshop User\") has roles Operator on ETU-INSIGHT, Viewer on ETU-RECOMMENDER",
        "POST  /commsrv/v1/group/2/user  <- EMC2 user create; JSON body: user new_workshop_user, \
         password ***, roles []",
        "emc2.update_user(user with two roles) -> roles Viewer on ETU-RECOMMENDER, Viewer on ETU-INSIGHT",
        "DELETE /commsrv/v1/user/",
        "(new_workshop_user gone: true)",
        "1 CAS login (TGT), 1 service ticket for EMC2 (presented once)",
    ] {
        assert!(stdout.contains(line), "missing `{line}`:\n{stdout}");
    }
    assert_eq!(summary["etunexus_tour"], "ok");
    assert_eq!(summary["etunexus_user"], "etunexus\\admin");
    assert_eq!(summary["etunexus_groups"], 3);
    assert_eq!(summary["etunexus_group_id"], 2);
    assert_eq!(summary["etunexus_group_users"], 2);
    assert!(
        summary["etunexus_new_user_id"].as_u64().is_some(),
        "{summary}"
    );
    assert_eq!(
        summary["etunexus_new_user_roles"],
        serde_json::json!(["Viewer@ETU-RECOMMENDER", "Viewer@ETU-INSIGHT"])
    );
    assert_eq!(summary["etunexus_tgt_requests"], 1);
    assert_eq!(summary["etunexus_service_tickets"], 1);
    assert_eq!(summary["etunexus_requests"], 9);
    // Every Etu Nexus seeded password, read from the simulator's seed.
    let etu = tenantry_sim::EtunexusSim::seeded().seed_json("https://x");
    for p in [
        "/password",
        "/workshop/admin/password",
        "/workshop/user/password",
        "/retail/admin/password",
    ] {
        let pw = etu.pointer(p).and_then(Value::as_str).unwrap();
        assert!(!stdout.contains(pw) && !stderr.contains(pw), "{p} printed");
    }
}

// `demo` is a default feature; the lean CLI has no demo.
#[cfg(feature = "demo")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_table_summary_with_verbose_logs() {
    let mut c = tenantry();
    c.args(["-vvv", "--output", "table", "demo"]);
    let out = run(c, None).await;
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("KEY ") && stdout.contains("keystone_project_id"),
        "{stdout}"
    );
    // Trace logs are on stderr, and redacted.
    assert!(!stderr.is_empty());
    assert_no_secrets(&stdout);
    assert_no_secrets(&stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystone_token_as_table() {
    let sims = Simulators::start_all().await.unwrap();
    let seed = sims.seed_json();
    let mut c = tenantry();
    ecl_env(&mut c, &seed);
    c.args(["--output", "table", "auth", "keystone-token"]);
    let out = run(c, None).await;
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let project = seed["keystone"]["project_id"].as_str().unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("KEY") && lines[0].contains("VALUE"),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("project_id") && l.ends_with(project)),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("endpoint") && l.contains("/_sim/svc/sss/jp1/public")),
        "{stdout}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("expires_at")),
        "{stdout}"
    );
    assert_no_secrets(&stdout);
    assert_eq!(
        sims.keystone_server
            .journal()
            .count("POST", "/v3/auth/tokens"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystone_token_json_with_probe() {
    let sims = Simulators::start_all().await.unwrap();
    let mut c = tenantry();
    ecl_env(&mut c, &sims.seed_json());
    c.args([
        "auth",
        "keystone-token",
        "--region",
        "jp2",
        "--probe",
        "/whoami",
    ]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["region"], "jp2");
    assert_eq!(v["probe"]["region"], "jp2");
    assert_eq!(v["probe"]["user"], "ecl-api-key-0001");
    assert_eq!(v["user"], "ecl-api-key-0001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_login_and_keycloak_token() {
    let sims = Simulators::start_all().await.unwrap();
    let seed = sims.seed_json();
    let cas = &seed["cas"];
    let mut c = tenantry();
    c.env("TENANTRY_ETUNEXUS_CAS_URL", cas["url"].as_str().unwrap())
        .env("TENANTRY_ETUNEXUS_GROUP", cas["group"].as_str().unwrap())
        .env(
            "TENANTRY_ETUNEXUS_USERNAME",
            cas["username"].as_str().unwrap(),
        )
        .env(
            "TENANTRY_ETUNEXUS_PASSWORD",
            cas["password"].as_str().unwrap(),
        )
        .args([
            "auth",
            "cas-login",
            "--app",
            "er",
            "--probe",
            "/_sim/whoami",
        ]);
    let out = run(c, None).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["session"], "established");
    assert_eq!(v["probe"]["app"], "er");
    assert_eq!(v["probe"]["user"], "workshop\\alice");
    assert_no_secrets(&stdout);

    // Keycloak, with the password on stdin instead of the environment.
    let kc = &seed["keycloak"];
    let mut c = tenantry();
    c.env("TENANTRY_SQUONK2_KEYCLOAK_URL", kc["url"].as_str().unwrap())
        .env("TENANTRY_SQUONK2_REALM", kc["realm"].as_str().unwrap())
        .env(
            "TENANTRY_SQUONK2_CLIENT_ID",
            kc["client_id"].as_str().unwrap(),
        )
        .env(
            "TENANTRY_SQUONK2_USERNAME",
            kc["username"].as_str().unwrap(),
        )
        .args([
            "--secret-stdin",
            "auth",
            "keycloak-token",
            "--probe",
            "/_sim/whoami",
        ]);
    let out = run(c, Some("dlister-pass\n")).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["user"], "dlister");
    assert_eq!(v["probe"]["username"], "dlister");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'), "{v}");
    assert!(v["expires_in_s"].as_i64().unwrap() > 0, "{v}");
    assert_no_secrets(&stdout);
    assert_eq!(sims.keycloak.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_a_redacted_error() {
    let sims = Simulators::start_all().await.unwrap();
    let mut c = tenantry();
    ecl_env(&mut c, &sims.seed_json());
    c.env("TENANTRY_ECL_PASSWORD", "planted-wrong-secret")
        .args(["auth", "keystone-token"]);
    let out = run(c, None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("planted-wrong-secret"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_output_value_exits_2() {
    let out = tenantry()
        .args(["--output", "xml", "auth", "keystone-token"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("xml"));
    let out = tenantry()
        .env("TENANTRY_OUTPUT", "xml")
        .args(["auth", "config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = tenantry().args(["auth", "no-such-thing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_configuration_names_the_variable() {
    let out = tenantry()
        .args(["auth", "keystone-token"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TENANTRY_ECL_AUTH_URL"), "{stderr}");

    let out = tenantry()
        .env("TENANTRY_SQUONK2_KEYCLOAK_URL", "http://127.0.0.1:9")
        .env("TENANTRY_SQUONK2_REALM", "r")
        .env("TENANTRY_SQUONK2_CLIENT_ID", "c")
        .env("TENANTRY_SQUONK2_USERNAME", "u")
        .args(["auth", "keycloak-token"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TENANTRY_SQUONK2_PASSWORD"), "{stderr}");
}

#[test]
fn help_documents_the_environment() {
    let out = tenantry().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for var in [
        "TENANTRY_OUTPUT",
        "TENANTRY_ASTAKOS_URL",
        "TENANTRY_ASTAKOS_TOKEN",
        "TENANTRY_ECL_AUTH_URL",
        "TENANTRY_ECL_USERNAME",
        "TENANTRY_ECL_PASSWORD",
        "TENANTRY_ECL_PROJECT_ID",
        "TENANTRY_ECL_REGION",
        "TENANTRY_ETUNEXUS_CAS_URL",
        "TENANTRY_ETUNEXUS_GROUP",
        "TENANTRY_ETUNEXUS_USERNAME",
        "TENANTRY_ETUNEXUS_PASSWORD",
        "TENANTRY_SQUONK2_AS_URL",
        "TENANTRY_SQUONK2_KEYCLOAK_URL",
        "TENANTRY_SQUONK2_REALM",
        "TENANTRY_SQUONK2_CLIENT_ID",
        "TENANTRY_SQUONK2_USERNAME",
        "TENANTRY_SQUONK2_PASSWORD",
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
}

#[test]
fn config_lists_variables_without_values() {
    let out = tenantry()
        .env("TENANTRY_ECL_PASSWORD", "planted-config-secret")
        .args(["-o", "table", "auth", "config"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.lines().next().unwrap().contains("VARIABLE"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("TENANTRY_ECL_PASSWORD") && l.contains("true")),
        "{stdout}"
    );
    assert!(!stdout.contains("planted-config-secret"));
}

/// The lean CLI (`--no-default-features`): no `demo` command.
#[cfg(not(feature = "demo"))]
#[test]
fn lean_cli_has_no_demo() {
    let out = tenantry().arg("demo").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("demo"), "{}", text(&out.stderr));
}
