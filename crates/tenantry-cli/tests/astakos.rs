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
                "--allow-missing",
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

/// The uuids each user-catalog request asked for, in order.
fn catalog_requests(sims: &Simulators) -> Vec<Value> {
    account_calls(sims)
        .iter()
        .map(|e| {
            assert_eq!(e.path, "/account/v1.0/user_catalogs", "{e:?}");
            e.json().unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unresolved_ids_are_listed_and_exit_4_unless_allowed() {
    let sims = Simulators::start_all().await.unwrap();
    let (u1, u2) = (
        "00000000-0000-4000-8000-00000000dea1",
        "00000000-0000-4000-8000-00000000dea2",
    );
    let args = ["users", "usernames", ALICE_UUID, u1, BOB_UUID, u2];
    let out = run(astakos(&sims, ALICE_TOKEN, &args), None).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    // What did resolve is still printed, as without missing ids.
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        json!({ALICE_UUID: "alice@example.org", BOB_UUID: "bob@example.org"})
    );
    // Every unresolved id on stderr, one a line, in input order.
    let listed: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("not found: "))
        .collect();
    assert_eq!(listed, vec![u1, u2], "{stderr}");
    assert!(stderr.contains("2 of 4 ids not found"), "{stderr}");
    assert_no_tokens(&stderr);

    let mut allowed = args.to_vec();
    allowed.push("--allow-missing");
    let out = run(astakos(&sims, ALICE_TOKEN, &allowed), None).await;
    assert_eq!(
        ok_json(&out),
        json!({ALICE_UUID: "alice@example.org", BOB_UUID: "bob@example.org"})
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    // Display names too (service variant); the table shows rows.
    let out = run(
        astakos(
            &sims,
            CYCLADES_TOKEN,
            &[
                "-o",
                "table",
                "service-users",
                "uuids",
                "bob@example.org",
                "nobody@example.org",
            ],
        ),
        None,
    )
    .await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(stderr.contains("not found: nobody@example.org"), "{stderr}");
    let header = stdout.lines().next().unwrap_or_default();
    assert!(
        header.contains("NAME") && header.contains("UUID"),
        "{stdout}"
    );
    assert!(stdout.contains(BOB_UUID), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_input_by_header_or_first_column() {
    let sims = Simulators::start_all().await.unwrap();
    // A header names the column (here the second).
    let with_header = temp_file(
        "with-header.csv",
        &format!("email,uuid\nbob@example.org,{BOB_UUID}\n\"a, quoted\",{ALICE_UUID}\n"),
    );
    // No header: the first column.
    let plain = temp_file("plain.csv", &format!("{CAROL_UUID},x\n{BOB_UUID},y\n"));
    // --column picks another header.
    let named = temp_file("named.csv", &format!("who,other\n{ADMIN_UUID},z\n"));
    for (file, column, sent) in [
        (&with_header, None, json!([BOB_UUID, ALICE_UUID])),
        (&plain, None, json!([CAROL_UUID, BOB_UUID])),
        (&named, Some("who"), json!([ADMIN_UUID])),
    ] {
        let mut args = vec!["users", "usernames", "--from-file", file.to_str().unwrap()];
        if let Some(c) = column {
            args.extend(["--column", c]);
        }
        let out = run(astakos(&sims, ALICE_TOKEN, &args), None).await;
        ok_json(&out);
        let last = catalog_requests(&sims).pop().unwrap();
        assert_eq!(last, json!({ "uuids": sent }), "{file:?}");
    }
    // A --column the header lacks is named, and nothing is sent.
    let before = sims.astakos_server.journal().len();
    let args = [
        "users",
        "usernames",
        "--from-file",
        plain.to_str().unwrap(),
        "--column",
        "uuid",
    ];
    let out = run(astakos(&sims, ALICE_TOKEN, &args), None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no column `uuid`"), "{stderr}");
    assert_eq!(sims.astakos_server.journal().len(), before);
    for f in [with_header, plain, named] {
        let _ = std::fs::remove_file(f);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_ids_are_deduplicated_in_first_seen_order() {
    let sims = Simulators::start_all().await.unwrap();
    // 100,000 lines: 50,000 distinct ids, then the same again in reverse.
    let n = 50_000;
    let ids: Vec<String> = (0..n).map(|i| format!("u{i:05}")).collect();
    let mut body = String::with_capacity(12 * 2 * n);
    for id in ids.iter().chain(ids.iter().rev()) {
        body.push_str(id);
        body.push('\n');
    }
    let file = temp_file("100k.txt", &body);
    let out = run(
        astakos(
            &sims,
            ALICE_TOKEN,
            &[
                "users",
                "usernames",
                ALICE_UUID,
                "--from-file",
                file.to_str().unwrap(),
                "--chunk-size",
                "5000",
                "--allow-missing",
            ],
        ),
        None,
    )
    .await;
    let _ = std::fs::remove_file(&file);
    assert_eq!(ok_json(&out), json!({ALICE_UUID: "alice@example.org"}));
    // The work done: ceil(50,001 / 5,000) = 11 requests, each id once, in
    // first-seen order.
    let sent: Vec<String> = catalog_requests(&sims)
        .iter()
        .flat_map(|b| b["uuids"].as_array().unwrap().clone())
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(catalog_requests(&sims).len(), 11);
    let mut expected = vec![ALICE_UUID.to_owned()];
    expected.extend(ids);
    assert_eq!(sent, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_cap_input_is_refused_before_sending() {
    let sims = Simulators::start_all().await.unwrap();
    let file = temp_file(
        "cap.txt",
        &format!("{ALICE_UUID}\n{BOB_UUID}\n{CAROL_UUID}\n{ADMIN_UUID}\n"),
    );
    let path = file.to_str().unwrap();
    for (flags, needle) in [
        (["--max-ids", "3"], "more than 3 ids (--max-ids)"),
        (
            ["--max-input-bytes", "40"],
            "over the input cap of 40 bytes",
        ),
    ] {
        let mut args = vec!["users", "usernames", "--from-file", path];
        args.extend(flags);
        let out = run(astakos(&sims, ALICE_TOKEN, &args), None).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(needle), "{flags:?}: {stderr}");
        assert!(stderr.contains(path), "names the file: {stderr}");
        assert!(out.stdout.is_empty());
        let journal = sims.astakos_server.journal();
        assert!(journal.is_empty(), "{flags:?} sent {:?}", journal.entries());
    }
    let _ = std::fs::remove_file(&file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_request_and_changes_nothing() {
    let sims = Simulators::start_all().await.unwrap();
    // A real pending commission to act on.
    let provision = format!("{ALICE_UUID}:cyclades.vm=1");
    let issue = [
        "commissions",
        "issue-one",
        ALICE_UUID,
        "--provision",
        &provision,
    ];
    let serial = ok_json(&run(astakos(&sims, CYCLADES_TOKEN, &issue), None).await)["serial"]
        .as_u64()
        .unwrap();
    let s = serial.to_string();
    let holder = format!("user:{ALICE_UUID}");
    let source = format!("project:{ALICE_UUID}");
    let quota = || sims.astakos.quota(&holder, Some(&source), "cyclades.vm");
    let before = (
        quota(),
        sims.astakos.pending_serials(),
        sims.astakos.project_state(ERESEARCH_ID),
        sims.astakos.membership_state(TEACHING_ID, CAROL_UUID),
    );
    let user_provision = format!("{ALICE_UUID}:{ALICE_UUID}:cyclades.vm=1");
    let project_provision = format!("{ERESEARCH_ID}:cyclades.vm=1");
    let move_provision = format!("{ALICE_UUID}:{ERESEARCH_ID}:cyclades.vm=1");
    let request = format!(
        r#"{{"force": false, "auto_accept": false, "name": "r", "provisions":
            [{{"holder": "{holder}", "source": "{source}", "resource": "cyclades.vm", "quantity": 1}}]}}"#
    );
    let spec = r#"{"name": "dry.example.org", "end_date": "2031-01-01T00:00:00Z"}"#;
    let c = CYCLADES_TOKEN;
    // (token, args, method, path, stdin)
    type Case<'a> = (&'a str, Vec<&'a str>, &'a str, &'a str, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            c,
            vec![
                "commissions",
                "issue-one",
                ALICE_UUID,
                "--provision",
                &provision,
            ],
            "POST",
            "/account/v1.0/commissions",
            None,
        ),
        (
            c,
            vec![
                "commissions",
                "issue-generic",
                "--user-provision",
                &user_provision,
                "--project-provision",
                &project_provision,
            ],
            "POST",
            "/account/v1.0/commissions",
            None,
        ),
        (
            c,
            vec![
                "commissions",
                "reassign",
                ALICE_UUID,
                "--provision",
                &move_provision,
            ],
            "POST",
            "/account/v1.0/commissions",
            None,
        ),
        (
            c,
            vec!["commissions", "issue-request", "--request", "-"],
            "POST",
            "/account/v1.0/commissions",
            Some(&request),
        ),
        (
            c,
            vec!["commissions", "accept", &s],
            "POST",
            "/account/v1.0/commissions/{s}/action",
            None,
        ),
        (
            c,
            vec!["commissions", "reject", &s],
            "POST",
            "/account/v1.0/commissions/{s}/action",
            None,
        ),
        (
            c,
            vec!["commissions", "action", &s, "accept"],
            "POST",
            "/account/v1.0/commissions/{s}/action",
            None,
        ),
        (
            c,
            vec!["commissions", "resolve", "--accept", &s],
            "POST",
            "/account/v1.0/commissions/action",
            None,
        ),
        (
            ALICE_TOKEN,
            vec!["projects", "create", "--spec", "-"],
            "POST",
            "/account/v1.0/projects",
            Some(spec),
        ),
        (
            ALICE_TOKEN,
            vec!["projects", "modify", ERESEARCH_ID, "--spec", "-"],
            "PUT",
            "/account/v1.0/projects/{p}",
            Some(spec),
        ),
        (
            ADMIN_TOKEN,
            vec!["projects", "action", ERESEARCH_ID, "suspend"],
            "POST",
            "/account/v1.0/projects/{p}/action",
            None,
        ),
        (
            ADMIN_TOKEN,
            vec!["applications", "action", ERESEARCH_ID, "7", "approve"],
            "POST",
            "/account/v1.0/projects/{p}/action",
            None,
        ),
        (
            ALICE_TOKEN,
            vec!["memberships", "action", "3", "remove"],
            "POST",
            "/account/v1.0/projects/memberships/3/action",
            None,
        ),
        (
            CAROL_TOKEN,
            vec!["memberships", "join", TEACHING_ID],
            "POST",
            "/account/v1.0/projects/memberships",
            None,
        ),
        (
            ALICE_TOKEN,
            vec!["memberships", "enroll", TEACHING_ID, "dave@example.org"],
            "POST",
            "/account/v1.0/projects/memberships",
            None,
        ),
        (
            BOB_TOKEN,
            vec!["feedback", "send", "--message", "hi"],
            "POST",
            "/account/v1.0/feedback",
            None,
        ),
    ];
    for (token, mut args, method, path, stdin) in cases {
        let path = path.replace("{s}", &s).replace("{p}", ERESEARCH_ID);
        args.push("--dry-run");
        sims.astakos_server.journal().clear();
        let out = run(astakos(&sims, token, &args), stdin).await;
        let v = ok_json(&out);
        assert_eq!(v["dry_run"], true, "{args:?}: {v}");
        assert_eq!(v["method"], method, "{args:?}: {v}");
        let url = v["url"].as_str().unwrap();
        assert!(
            url.split('?').next().unwrap().ends_with(&path),
            "{args:?}: {url} vs {path}"
        );
        assert_eq!(v["headers"]["x-auth-token"], "***", "{args:?}: {v}");
        // Nothing but the bodyless discovery reached the server.
        for e in sims.astakos_server.journal().entries() {
            assert_eq!(
                (e.method.as_str(), e.path.as_str(), e.body.is_empty()),
                ("POST", "/identity/v2.0/tokens", true),
                "{args:?} sent {e:?}"
            );
        }
    }
    let after = (
        quota(),
        sims.astakos.pending_serials(),
        sims.astakos.project_state(ERESEARCH_ID),
        sims.astakos.membership_state(TEACHING_ID, CAROL_UUID),
    );
    assert_eq!(before, after);
    assert!(sims.astakos.feedback().is_empty());

    // The body is the one the command would send.
    let mut args = issue.to_vec();
    args.extend(["--name", "dry", "--dry-run"]);
    let v = ok_json(&run(astakos(&sims, CYCLADES_TOKEN, &args), None).await);
    assert_eq!(v["body"]["name"], "dry");
    assert_eq!(v["body"]["provisions"][0]["holder"], holder.as_str());
    // Bad input is refused as without --dry-run (exit 2).
    let out = run(
        astakos(
            &sims,
            CYCLADES_TOKEN,
            &["commissions", "resolve", "--dry-run"],
        ),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Read-only commands have no --dry-run.
    let out = run(
        astakos(&sims, ALICE_TOKEN, &["quotas", "get", "--dry-run"]),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
}

/// `tenantry ARGS` (no configuration needed: help only).
async fn help(args: &[&str]) -> String {
    let mut c = tenantry();
    c.args(args);
    let out = run(c, None).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_says_what_a_command_does_and_names_the_reference_only_in_long_help() {
    let families = [
        "identity",
        "users",
        "service-users",
        "services",
        "resources",
        "feedback",
        "quotas",
        "commissions",
        "projects",
        "applications",
        "memberships",
        "endpoints",
    ];
    for family in families {
        let listing = help(&["astakos", family, "--help"]).await;
        let commands: Vec<&str> = listing
            .lines()
            .skip_while(|l| *l != "Commands:")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(!commands.is_empty(), "{listing}");
        for line in commands {
            // `  name  Short help`: a sentence for a person, not `get_quotas`.
            let about = line
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(!about.contains("astakosclient"), "{family}: {line}");
            assert!(about.starts_with(char::is_uppercase), "{family}: {line}");
        }
    }
    let short = help(&["astakos", "quotas", "get", "-h"]).await;
    assert!(
        short.starts_with("Show the quotas of the current user"),
        "{short}"
    );
    assert!(!short.contains("astakosclient"), "{short}");
    let long = help(&["astakos", "quotas", "get", "--help"]).await;
    assert!(
        long.contains("Reference: `astakosclient.get_quotas`"),
        "{long}"
    );
    // --dry-run on commands that change state only.
    assert!(help(&["astakos", "commissions", "accept", "--help"])
        .await
        .contains("--dry-run"));
    assert!(!help(&["astakos", "commissions", "info", "--help"])
        .await
        .contains("--dry-run"));
}
