//! `tenantry astakos …` run as a process against the Astakos simulator
//! started in the test process: output values and what the simulator's
//! journal received.

mod common;

use common::{run, tenantry, text};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};
use tenantry_sim::astakos::{
    ADMIN_TOKEN, ADMIN_UUID, ALICE_TOKEN, ALICE_UUID, BOB_TOKEN, BOB_UUID, CAROL_TOKEN, CAROL_UUID,
    CYCLADES_TOKEN, ERESEARCH_ID, PITHOS_TOKEN, TEACHING_ID,
};
use tenantry_sim::{JournalEntry, Simulators};

const TOKENS: &[&str] = &[
    ALICE_TOKEN,
    BOB_TOKEN,
    CAROL_TOKEN,
    ADMIN_TOKEN,
    CYCLADES_TOKEN,
    PITHOS_TOKEN,
];

/// `tenantry astakos ARGS` configured for `sims` with `token`.
fn astakos(sims: &Simulators, token: &str, args: &[&str]) -> Command {
    let mut cmd = tenantry();
    cmd.env(
        "TENANTRY_ASTAKOS_URL",
        format!("{}/identity/v2.0", sims.astakos_server.base_url()),
    )
    .env("TENANTRY_ASTAKOS_TOKEN", token)
    .arg("astakos")
    .args(args);
    cmd
}

fn assert_no_tokens(s: &str) {
    for t in TOKENS {
        assert!(!s.contains(t), "token {t} printed:\n{s}");
    }
}

/// Exit 0, no token anywhere, stdout as JSON.
fn ok_json(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_no_tokens(&stdout);
    assert_no_tokens(&stderr);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// The account-API requests (discovery left out).
fn account_calls(sims: &Simulators) -> Vec<JournalEntry> {
    sims.astakos_server
        .journal()
        .filter(|e| e.path.starts_with("/account/"))
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("tenantry-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, contents).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_get_rows_raw_and_wire() {
    let sims = Simulators::start_all().await.unwrap();
    let out = run(
        astakos(
            &sims,
            ALICE_TOKEN,
            &["quotas", "get", "--resource", "cyclades.vm"],
        ),
        None,
    )
    .await;
    let v = ok_json(&out);
    let rows = v.as_array().unwrap();
    assert!(rows.iter().all(|r| r["resource"] == "cyclades.vm"), "{v}");
    let base = rows
        .iter()
        .find(|r| r["source"] == ALICE_UUID)
        .expect("base");
    assert_eq!(
        (&base["limit"], &base["usage"], &base["pending"]),
        (&json!(2), &json!(1), &json!(0)),
        "{v}"
    );
    // Discovery, then the quotas, with the configured token.
    let journal = sims.astakos_server.journal().entries();
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert_eq!(
        (journal[0].method.as_str(), journal[0].path.as_str()),
        ("POST", "/identity/v2.0/tokens")
    );
    assert!(journal[0].body.is_empty(), "discovery is bodyless");
    assert_eq!(
        (journal[1].method.as_str(), journal[1].path.as_str()),
        ("GET", "/account/v1.0/quotas")
    );
    assert_eq!(journal[1].header("x-auth-token"), Some(ALICE_TOKEN));

    // --raw: the API's nested shape.
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["quotas", "get", "--raw"]),
        None,
    )
    .await;
    let v = ok_json(&out);
    assert_eq!(v[ALICE_UUID]["cyclades.vm"]["limit"], 2, "{v}");

    // Service quotas with filters, as a table (wide enough for whole uuids).
    let mut cmd = astakos(
        &sims,
        CYCLADES_TOKEN,
        &[
            "-o",
            "table",
            "quotas",
            "service",
            "--user",
            ALICE_UUID,
            "--resource",
            "cyclades.vm",
        ],
    );
    cmd.env("COLUMNS", "160");
    let out = run(cmd, None).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let header = stdout.lines().next().unwrap();
    for col in ["USER", "SOURCE", "RESOURCE", "LIMIT", "USAGE", "PENDING"] {
        assert!(header.contains(col), "{stdout}");
    }
    let last = account_calls(&sims).pop().unwrap();
    assert_eq!(last.path, "/account/v1.0/service_quotas");
    assert_eq!(
        last.query_pairs(),
        vec![("user".to_owned(), ALICE_UUID.to_owned())]
    );
    assert_no_tokens(&stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usernames_from_file_in_chunks() {
    let sims = Simulators::start_all().await.unwrap();
    let unknown = "00000000-0000-4000-8000-00000000dead";
    let file = temp_file(
        "uuids",
        &format!(
            "{ALICE_UUID}\n{BOB_UUID}\n\n# a comment\n{CAROL_UUID}\n{ADMIN_UUID}\n{unknown}\n"
        ),
    );
    let out = run(
        astakos(
            &sims,
            ALICE_TOKEN,
            &[
                "users",
                "usernames",
                "--chunk-size",
                "2",
                "--from-file",
                file.to_str().unwrap(),
            ],
        ),
        None,
    )
    .await;
    let _ = std::fs::remove_file(&file);
    let v = ok_json(&out);
    assert_eq!(
        v,
        json!({
            ALICE_UUID: "alice@example.org",
            BOB_UUID: "bob@example.org",
            CAROL_UUID: "carol@example.org",
            ADMIN_UUID: "admin@example.org",
        })
    );
    // No progress bar when stderr is not a terminal.
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let calls = account_calls(&sims);
    assert_eq!(calls.len(), 3, "{calls:?}");
    let sent: Vec<Value> = calls
        .iter()
        .map(|e| {
            assert_eq!(
                (e.method.as_str(), e.path.as_str()),
                ("POST", "/account/v1.0/user_catalogs")
            );
            e.json().unwrap()["uuids"].clone()
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            json!([ALICE_UUID, BOB_UUID]),
            json!([CAROL_UUID, ADMIN_UUID]),
            json!([unknown]),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuids_from_stdin_and_service_catalogs() {
    let sims = Simulators::start_all().await.unwrap();
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["users", "uuids", "-"]),
        Some("alice@example.org\n  bob@example.org  \n\n"),
    )
    .await;
    let v = ok_json(&out);
    assert_eq!(
        v,
        json!({"alice@example.org": ALICE_UUID, "bob@example.org": BOB_UUID})
    );
    let calls = account_calls(&sims);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].json().unwrap(),
        json!({"displaynames": ["alice@example.org", "bob@example.org"]})
    );

    // The service variant, one uuid, with the component token.
    let out = run(
        astakos(
            &sims,
            CYCLADES_TOKEN,
            &["service-users", "username", BOB_UUID],
        ),
        None,
    )
    .await;
    assert_eq!(ok_json(&out), json!("bob@example.org"));
    let last = account_calls(&sims).pop().unwrap();
    assert_eq!(last.path, "/account/v1.0/service/user_catalogs");
    assert_eq!(last.json().unwrap(), json!({"uuids": [BOB_UUID]}));
    assert_eq!(last.header("x-auth-token"), Some(CYCLADES_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commission_issue_then_accept_moves_quotas() {
    let sims = Simulators::start_all().await.unwrap();
    let holder = format!("user:{ALICE_UUID}");
    let source = format!("project:{ALICE_UUID}");
    let quota = || sims.astakos.quota(&holder, Some(&source), "cyclades.vm");
    assert_eq!(quota(), Some((2, 1, 0)));

    let provision = format!("{ALICE_UUID}:cyclades.vm=1");
    let out = run(
        astakos(
            &sims,
            CYCLADES_TOKEN,
            &[
                "commissions",
                "issue-one",
                ALICE_UUID,
                "--provision",
                &provision,
                "--name",
                "from the cli",
            ],
        ),
        None,
    )
    .await;
    let v = ok_json(&out);
    let serial = v["serial"].as_u64().expect("a serial");
    assert_eq!(sims.astakos.pending_serials(), vec![serial]);
    assert_eq!(quota(), Some((2, 2, 1)), "pending moved");
    let issue = account_calls(&sims).pop().unwrap();
    assert_eq!(
        (issue.method.as_str(), issue.path.as_str()),
        ("POST", "/account/v1.0/commissions")
    );
    assert_eq!(
        issue.json().unwrap(),
        json!({"force": false, "auto_accept": false, "name": "from the cli", "provisions": [
            {"holder": holder, "source": source, "resource": "cyclades.vm", "quantity": 1},
            {"holder": source, "source": null, "resource": "cyclades.vm", "quantity": 1},
        ]})
    );

    let out = run(
        astakos(&sims, CYCLADES_TOKEN, &["commissions", "pending"]),
        None,
    )
    .await;
    assert_eq!(ok_json(&out), json!([serial]));

    let s = serial.to_string();
    let out = run(
        astakos(&sims, CYCLADES_TOKEN, &["commissions", "accept", &s]),
        None,
    )
    .await;
    assert_eq!(
        ok_json(&out),
        json!({"serial": serial, "action": "accept", "done": true})
    );
    assert!(sims.astakos.pending_serials().is_empty());
    assert_eq!(quota(), Some((2, 2, 0)), "usage moved, pending back to 0");
    let action = account_calls(&sims).pop().unwrap();
    assert_eq!(
        (action.method.as_str(), action.path.as_str()),
        (
            "POST",
            format!("/account/v1.0/commissions/{serial}/action").as_str()
        )
    );
    assert!(action.json().unwrap().get("accept").is_some(), "{action:?}");

    // Over the limit now (2 of 2): a 413, exit 5 with the reference's message.
    let out = run(
        astakos(
            &sims,
            CYCLADES_TOKEN,
            &[
                "commissions",
                "issue-one",
                ALICE_UUID,
                "--provision",
                &provision,
            ],
        ),
        None,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("Limit for resource"), "{stderr}");
    assert_no_tokens(&stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_list_active_as_table() {
    let sims = Simulators::start_all().await.unwrap();
    // Chosen columns, in a terminal wide enough for whole ids (one line a row).
    let mut cmd = astakos(
        &sims,
        ALICE_TOKEN,
        &[
            "-o",
            "table",
            "projects",
            "list",
            "--state",
            "active",
            "-f",
            "id",
            "-f",
            "name",
            "-f",
            "state",
            "-f",
            "owner",
            "-f",
            "resources",
        ],
    );
    cmd.env("COLUMNS", "200");
    let out = run(cmd, None).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let mut lines = stdout.lines();
    let header = lines.next().unwrap();
    for col in ["ID", "NAME", "STATE", "OWNER", "RESOURCES"] {
        assert!(header.split_whitespace().any(|h| h == col), "{stdout}");
    }
    assert!(lines.next().unwrap().starts_with("--"), "{stdout}");
    // The real server lists the caller's own projects by default (member
    // or owner): not teaching, which Alice is no member of.
    assert_eq!(
        lines.count(),
        2,
        "Alice's base project, eresearch:\n{stdout}"
    );
    let row = stdout
        .lines()
        .find(|l| l.contains(ERESEARCH_ID))
        .unwrap_or_else(|| panic!("no eresearch row:\n{stdout}"));
    assert!(row.contains("active") && row.contains("eresearch"), "{row}");
    let call = account_calls(&sims).pop().unwrap();
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("GET", "/account/v1.0/projects")
    );
    assert_eq!(
        call.query_pairs(),
        vec![("state".to_owned(), "active".to_owned())]
    );

    // An unknown state is refused by clap, before anything is sent.
    let before = sims.astakos_server.journal().len();
    let out = run(
        astakos(
            &sims,
            ALICE_TOKEN,
            &["projects", "list", "--state", "sleepy"],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("sleepy"));
    assert_eq!(sims.astakos_server.journal().len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_uuid_is_exit_4_with_a_clear_message() {
    let sims = Simulators::start_all().await.unwrap();
    let unknown = "00000000-0000-4000-8000-00000000dead";
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["users", "username", unknown]),
        None,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(&format!("No display name for the given uuid: {unknown}")),
        "{stderr}"
    );
    assert_no_tokens(&stderr);
    assert_eq!(account_calls(&sims).len(), 1, "one lookup was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_send_nothing() {
    let sims = Simulators::start_all().await.unwrap();
    let journal = sims.astakos_server.journal();
    for (args, code, needle) in [
        (
            vec![
                "commissions",
                "issue-one",
                ALICE_UUID,
                "--provision",
                "cyclades.vm=1",
            ],
            2,
            "PROJECT:RESOURCE=QTY",
        ),
        (
            vec![
                "commissions",
                "issue-one",
                ALICE_UUID,
                "--provision",
                "p1:cyclades.vm=lots",
            ],
            2,
            "`lots` is not an integer quantity",
        ),
        (vec!["commissions", "info", "57lala"], 2, "57lala"),
        (vec!["users", "username", "a,b"], 2, "Uuid"),
        (
            vec!["users", "usernames", "-"],
            2,
            "stdin, line 2: `not a uuid`",
        ),
    ] {
        let out = run(
            astakos(&sims, CYCLADES_TOKEN, &args),
            Some(&format!("{ALICE_UUID}\nnot a uuid\n")),
        )
        .await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(journal.is_empty(), "{args:?} sent {:?}", journal.entries());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_projects_memberships_feedback() {
    let sims = Simulators::start_all().await.unwrap();

    // authenticate: the user, with the token masked.
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["identity", "authenticate"]),
        None,
    )
    .await;
    let v = ok_json(&out);
    assert_eq!(v["access"]["user"]["id"], ALICE_UUID);
    assert_eq!(v["access"]["token"]["id"], "***");
    let auth = sims.astakos_server.journal().entries().pop().unwrap();
    assert_eq!(auth.path, "/identity/v2.0/tokens");
    assert_eq!(
        auth.json().unwrap(),
        json!({"auth": {"token": {"id": ALICE_TOKEN}}})
    );

    // The catalog, then parse-endpoints on it (offline, from stdin).
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["identity", "endpoints"]),
        None,
    )
    .await;
    let catalog = text(&out.stdout);
    ok_json(&out);
    let mut c = tenantry();
    c.args([
        "astakos",
        "endpoints",
        "parse-endpoints",
        "--name",
        "astakos_account",
        "--version-id",
        "v1.0",
    ]);
    let out = run(c, Some(&catalog)).await;
    let v = ok_json(&out);
    assert_eq!(v[0]["name"], "astakos_account");
    assert!(
        v[0]["endpoints"][0]["publicURL"]
            .as_str()
            .unwrap()
            .ends_with("/account/v1.0"),
        "{v}"
    );

    // Project creation from a JSON spec on stdin.
    let spec = r#"{"name": "cli.example.org", "end_date": "2031-01-01T00:00:00Z",
                   "join_policy": "auto", "leave_policy": "auto", "max_members": 5,
                   "resources": {"cyclades.vm": {"member_capacity": 1, "project_capacity": 5}}}"#;
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["projects", "create", "--spec", "-"]),
        Some(spec),
    )
    .await;
    let created = ok_json(&out);
    assert!(
        created["id"].is_string() && created["application"].is_u64(),
        "{created}"
    );
    let call = account_calls(&sims).pop().unwrap();
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("POST", "/account/v1.0/projects")
    );
    let sent = call.json().unwrap();
    assert_eq!(sent["name"], "cli.example.org");
    assert_eq!(sent["resources"]["cyclades.vm"]["project_capacity"], 5);

    // Memberships of eresearch, and Carol joining teaching (auto join).
    let out = run(
        astakos(
            &sims,
            ALICE_TOKEN,
            &["memberships", "list", "--project", ERESEARCH_ID],
        ),
        None,
    )
    .await;
    let v = ok_json(&out);
    let users: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["user"].as_str())
        .collect();
    assert!(
        users.contains(&ALICE_UUID) && users.contains(&BOB_UUID),
        "{v}"
    );
    let out = run(
        astakos(&sims, CAROL_TOKEN, &["memberships", "join", TEACHING_ID]),
        None,
    )
    .await;
    let v = ok_json(&out);
    assert!(v["id"].is_u64(), "{v}");
    let call = account_calls(&sims).pop().unwrap();
    assert_eq!(call.path, "/account/v1.0/projects/memberships");
    assert_eq!(
        call.json().unwrap(),
        json!({"join": {"project": TEACHING_ID}})
    );
    assert!(sims
        .astakos
        .membership_state(TEACHING_ID, CAROL_UUID)
        .is_some());

    // Feedback.
    let out = run(
        astakos(
            &sims,
            BOB_TOKEN,
            &[
                "feedback",
                "send",
                "--message",
                "hello astakos",
                "--data",
                "x=1",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(ok_json(&out)["sent"], true);
    let fb = sims.astakos.feedback();
    assert_eq!(fb.len(), 1);
    assert_eq!(
        (
            fb[0].user.as_str(),
            fb[0].message.as_str(),
            fb[0].data.as_str()
        ),
        (BOB_UUID, "hello astakos", "x=1")
    );

    // Resources as rows.
    let out = run(astakos(&sims, ALICE_TOKEN, &["resources", "list"]), None).await;
    let v = ok_json(&out);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "cyclades.vm"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_helpers_and_missing_configuration() {
    let out = run(
        {
            let mut c = tenantry();
            c.args([
                "astakos",
                "commissions",
                "mk-provisions",
                "--holder",
                "u1",
                "--source",
                "p1",
                "--resource",
                "cyclades.vm",
                "--quantity",
                "-2",
            ]);
            c
        },
        None,
    )
    .await;
    assert_eq!(
        ok_json(&out),
        json!([
            {"holder": "user:u1", "source": "project:p1", "resource": "cyclades.vm", "quantity": -2},
            {"holder": "project:p1", "source": null, "resource": "cyclades.vm", "quantity": -2},
        ])
    );

    let cookie = "a=1; _pithos2_a=user%40x|s3cr3t-tok%7Cen|extra";
    let mut c = tenantry();
    c.args([
        "astakos",
        "endpoints",
        "token-from-cookie",
        "--cookie-name",
        "_pithos2_a",
    ]);
    let out = run(c, Some(cookie)).await;
    let v = ok_json(&out);
    assert_eq!(v["token"], "***");
    assert!(!text(&out.stdout).contains("s3cr3t"));
    let mut c = tenantry();
    c.args([
        "astakos",
        "endpoints",
        "token-from-cookie",
        "--cookie-name",
        "_pithos2_a",
        "--reveal",
    ]);
    assert_eq!(ok_json(&run(c, Some(cookie)).await)["token"], "s3cr3t-tok");
    let mut c = tenantry();
    c.args([
        "astakos",
        "endpoints",
        "token-from-cookie",
        "--cookie-name",
        "nope",
    ]);
    let out = run(c, Some(cookie)).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no token in cookie `nope`"));

    let mut c = tenantry();
    c.args(["astakos", "quotas", "get"]);
    let out = run(c, None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TENANTRY_ASTAKOS_URL"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_code_exchange_then_validation() {
    use tenantry_sim::astakos::{OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET, OAUTH2_REDIRECT_URI};
    let sims = Simulators::start_all().await.unwrap();
    let code = sims
        .astakos
        .issue_auth_code(ALICE_UUID, OAUTH2_CLIENT_ID, OAUTH2_REDIRECT_URI);
    let mut c = astakos(
        &sims,
        ALICE_TOKEN,
        &[
            "identity",
            "oauth2-token",
            "--client-id",
            OAUTH2_CLIENT_ID,
            "--code-file",
            "-",
            "--redirect-uri",
            OAUTH2_REDIRECT_URI,
            "--reveal",
        ],
    );
    c.env(
        "TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET",
        OAUTH2_CLIENT_SECRET,
    );
    let out = run(c, Some(&format!("{code}\n"))).await;
    let v = ok_json(&out);
    let access = v["access_token"].as_str().expect("revealed").to_owned();
    assert_eq!(v["token_type"], "Bearer", "{v}");
    let call = sims.astakos_server.journal().entries().pop().unwrap();
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("POST", "/oauth2/token")
    );
    let form = call.form();
    assert!(
        form.contains(&("code".to_owned(), code.clone())),
        "{form:?}"
    );
    assert!(call
        .header("authorization")
        .is_some_and(|h| h.starts_with("Basic ")));

    // The access token, validated from stdin; shown masked.
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["identity", "validate-token"]),
        Some(&access),
    )
    .await;
    let v = ok_json(&out);
    assert_eq!(v["access"]["user"]["id"], ALICE_UUID);
    assert_eq!(v["access"]["token"]["id"], "***");
    assert!(!text(&out.stdout).contains(&access));
    let call = sims.astakos_server.journal().entries().pop().unwrap();
    assert_eq!(call.method, "GET");
    assert!(call.path.starts_with("/identity/v2.0/tokens/"), "{call:?}");
}
