//! The CLI's shared machinery, run as a process: output formats and `-f`,
//! config file profiles (file < environment < flags), `config show`,
//! completions, exit statuses, `-v` lines, `--timeout`.

mod common;

use common::{run, tenantry, text};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use tenantry_sim::astakos::{
    ALICE_TOKEN, ALICE_UUID, BOB_TOKEN, CAROL_TOKEN, CYCLADES_TOKEN, ERESEARCH_ID,
};
use tenantry_sim::{Fault, FaultRule, Simulators};

fn astakos_url(sims: &Simulators) -> String {
    format!("{}/identity/v2.0", sims.astakos_server.base_url())
}

/// `tenantry ARGS` configured for the Astakos simulator with `token`.
fn astakos(sims: &Simulators, token: &str, args: &[&str]) -> Command {
    let mut cmd = tenantry();
    cmd.env("TENANTRY_ASTAKOS_URL", astakos_url(sims))
        .env("TENANTRY_ASTAKOS_TOKEN", token)
        .args(args);
    cmd
}

fn status(out: &Output) -> (Option<i32>, String, String) {
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// The token of the last account-API request the simulator received.
fn last_token(sims: &Simulators) -> String {
    sims.astakos_server
        .journal()
        .filter(|e| e.path.starts_with("/account/"))
        .pop()
        .and_then(|e| e.header("x-auth-token").map(str::to_owned))
        .unwrap_or_default()
}

/// A directory of its own for one test's files, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("infra-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }

    /// Writes `text` to `name` with `mode` and returns its path.
    fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_format_with_fields() {
    let sims = Simulators::start_all().await.unwrap();
    let fields = ["-f", "id", "-f", "name"];
    let list = ["astakos", "projects", "list", "--state", "active"];
    let go = |format: &'static str| {
        let mut args = vec!["-o", format];
        args.extend(fields);
        args.extend(list);
        let mut c = astakos(&sims, ALICE_TOKEN, &args);
        c.env("COLUMNS", "120");
        run(c, None)
    };

    let (code, out, err) = status(&go("json").await);
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{out}");
    for row in rows {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "name"], "only the fields, in -f order: {out}");
    }
    assert!(rows.contains(&json!({"id": ERESEARCH_ID, "name": "eresearch"})));

    let (code, out, err) = status(&go("yaml").await);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("- id: {ERESEARCH_ID}\n  name: eresearch\n")),
        "{out}"
    );

    let (code, out, err) = status(&go("csv").await);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id,name", "{out}");
    assert!(
        lines.contains(&format!("{ERESEARCH_ID},eresearch").as_str()),
        "{out}"
    );
    assert_eq!(lines.len(), 3, "{out}");

    let (code, out, err) = status(&go("value").await);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.lines()
            .any(|l| l == format!("{ERESEARCH_ID}\teresearch")),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "{out}");

    for format in ["table", "wide"] {
        let (code, out, err) = status(&go(format).await);
        assert_eq!(code, Some(0), "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["ID", "NAME"],
            "{out}"
        );
        assert!(lines[1].starts_with("----"), "{out}");
        assert!(
            lines
                .iter()
                .any(|l| l.split_whitespace().collect::<Vec<_>>() == [ERESEARCH_ID, "eresearch"]),
            "{out}"
        );
    }

    // A field no row has: exit 2, naming the ones there are.
    let (code, out, err) = status(
        &run(
            astakos(
                &sims,
                ALICE_TOKEN,
                &["-f", "nope", "astakos", "projects", "list"],
            ),
            None,
        )
        .await,
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("`nope`") && err.contains("id, state"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_fit_80_columns_and_summarise_nested_values() {
    let sims = Simulators::start_all().await.unwrap();
    let c = astakos(
        &sims,
        ALICE_TOKEN,
        &["-o", "table", "astakos", "projects", "list"],
    );
    let (code, out, err) = status(&run(c, None).await);
    assert_eq!(code, Some(0), "{err}");
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "{line:?}:\n{out}");
    }
    // One project as KEY VALUE rows: `resources` summarised.
    let c = astakos(
        &sims,
        ALICE_TOKEN,
        &["-o", "table", "astakos", "projects", "get", ERESEARCH_ID],
    );
    let (code, out, err) = status(&run(c, None).await);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("resources") && l.ends_with(" resources")),
        "{out}"
    );
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
}

const PROFILES: &str = r#"
[profiles.default.astakos]
url = "URL"
token_cmd = "echo BOB"

[profiles.alice]
output = "csv"

[profiles.alice.astakos]
url = "URL"
token_cmd = "echo ALICE"

[profiles.dead.astakos]
url = "http://127.0.0.1:9/identity/v2.0"
token_cmd = "echo ALICE"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_file_then_env_then_flag() {
    let sims = Simulators::start_all().await.unwrap();
    let dir = Dir::new("profiles");
    let text = PROFILES
        .replace("URL", &astakos_url(&sims))
        .replace("BOB", BOB_TOKEN)
        .replace("ALICE", ALICE_TOKEN);
    let config = dir.file("config.toml", &text, 0o644);
    let go = |env: &[(&str, &str)], args: &[&str], stdin: Option<&str>| {
        let mut c = tenantry();
        c.env("TENANTRY_CONFIG", &config);
        for (k, v) in env {
            c.env(k, v);
        }
        c.args(args).args(["astakos", "quotas", "get"]);
        let stdin = stdin.map(str::to_owned);
        async move { run(c, stdin.as_deref()).await }
    };
    let ok = |out: &Output| {
        let (code, stdout, stderr) = status(out);
        assert_eq!(code, Some(0), "{stdout}\n{stderr}");
        for t in [ALICE_TOKEN, BOB_TOKEN, CAROL_TOKEN] {
            assert!(
                !stdout.contains(t) && !stderr.contains(t),
                "{t}:\n{stdout}\n{stderr}"
            );
        }
        stdout
    };

    // The file's default profile: its URL, its token command.
    let out = ok(&go(&[], &[], None).await);
    assert_eq!(last_token(&sims), BOB_TOKEN);
    assert!(out.starts_with('['), "JSON off a terminal: {out}");
    // TENANTRY_PROFILE picks another profile (and its output format).
    let out = ok(&go(&[("TENANTRY_PROFILE", "alice")], &[], None).await);
    assert_eq!(last_token(&sims), ALICE_TOKEN);
    assert!(
        out.starts_with("source,resource,"),
        "csv from the profile: {out}"
    );
    // --profile wins over TENANTRY_PROFILE; -o over the profile's output.
    let out = ok(&go(
        &[("TENANTRY_PROFILE", "alice")],
        &["--profile", "default", "-o", "json"],
        None,
    )
    .await);
    assert_eq!(last_token(&sims), BOB_TOKEN);
    assert!(out.starts_with('['), "{out}");
    // TENANTRY_OUTPUT over the profile's output, -o over TENANTRY_OUTPUT.
    let out = ok(&go(
        &[("TENANTRY_PROFILE", "alice"), ("TENANTRY_OUTPUT", "yaml")],
        &[],
        None,
    )
    .await);
    assert!(out.starts_with("- source: "), "{out}");
    let out = ok(&go(
        &[("TENANTRY_PROFILE", "alice"), ("TENANTRY_OUTPUT", "yaml")],
        &["-o", "value", "-f", "resource"],
        None,
    )
    .await);
    assert!(out.lines().any(|l| l == "cyclades.vm"), "{out}");
    // The environment's token over the file's command.
    ok(&go(&[("TENANTRY_ASTAKOS_TOKEN", CAROL_TOKEN)], &[], None).await);
    assert_eq!(last_token(&sims), CAROL_TOKEN);
    // --secret-stdin over the environment.
    ok(&go(
        &[("TENANTRY_ASTAKOS_TOKEN", CAROL_TOKEN)],
        &["--secret-stdin"],
        Some(&format!("{ALICE_TOKEN}\n")),
    )
    .await);
    assert_eq!(last_token(&sims), ALICE_TOKEN);
    // The environment's URL over a profile's dead one.
    let before = sims.astakos_server.journal().len();
    ok(&go(
        &[("TENANTRY_ASTAKOS_URL", &astakos_url(&sims))],
        &["--profile", "dead"],
        None,
    )
    .await);
    assert!(sims.astakos_server.journal().len() > before);

    // A profile the file does not have: exit 2, naming the others.
    let (code, _, err) = status(&go(&[], &["--profile", "nope"], None).await);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`nope`") && err.contains("alice, dead, default"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_secrets_in_the_file_need_the_opt_in_and_mode_600() {
    let sims = Simulators::start_all().await.unwrap();
    let dir = Dir::new("plain");
    let body = format!(
        "[profiles.default.astakos]\nurl = \"{}\"\ntoken = \"{ALICE_TOKEN}\"\n",
        astakos_url(&sims)
    );
    let go = |path: PathBuf| {
        let mut c = tenantry();
        c.env("TENANTRY_CONFIG", path)
            .args(["astakos", "quotas", "get"]);
        run(c, None)
    };
    for (name, text, mode) in [
        ("no-opt-in.toml", body.clone(), 0o600),
        (
            "readable.toml",
            format!("plaintext_secrets = true\n{body}"),
            0o644,
        ),
    ] {
        let (code, out, err) = status(&go(dir.file(name, &text, mode)).await);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(out.is_empty());
        assert!(
            err.contains("token_cmd") && err.contains("chmod 600"),
            "{err}"
        );
        assert!(!err.contains(ALICE_TOKEN), "{err}");
    }
    assert!(sims.astakos_server.journal().is_empty());
    let opted = dir.file(
        "opted.toml",
        &format!("plaintext_secrets = true\n{body}"),
        0o600,
    );
    let (code, out, err) = status(&go(opted).await);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains(ALICE_TOKEN));
    assert_eq!(last_token(&sims), ALICE_TOKEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_show_masks_secrets_and_names_sources() {
    let dir = Dir::new("show");
    let config = dir.file(
        "config.toml",
        "[profiles.work]\ntimeout = 20\n[profiles.work.astakos]\nurl = \"http://file-url/identity/v2.0\"\ntoken_cmd = \"echo planted-cmd-token\"\n[profiles.work.ecl]\nregion = \"jp1\"\n",
        0o600,
    );
    let mut c = tenantry();
    c.env("TENANTRY_CONFIG", &config)
        .env("TENANTRY_PROFILE", "work")
        .env("TENANTRY_ECL_PASSWORD", "planted-env-secret")
        .env("OS_AUTH_URL", "http://os-auth/v3")
        .args(["config", "show", "-o", "json", "--timeout", "5"]);
    let (code, out, err) = status(&run(c, None).await);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        !out.contains("planted") && !err.contains("planted"),
        "{out}"
    );
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let row = |s: &str| -> Value {
        rows.iter()
            .find(|r| r["setting"] == s)
            .cloned()
            .unwrap_or_else(|| panic!("no {s} in {out}"))
    };
    let config_text = config.display().to_string();
    assert_eq!(row("config")["value"], json!(config_text));
    assert_eq!(row("config")["source"], "env TENANTRY_CONFIG");
    assert_eq!(row("profile")["value"], "work");
    assert_eq!(row("profile")["source"], "env TENANTRY_PROFILE");
    assert_eq!(row("output")["value"], "json");
    assert_eq!(row("output")["source"], "flag -o/--output");
    assert_eq!(row("timeout")["value"], 5.0);
    assert_eq!(row("timeout")["source"], "flag --timeout");
    assert_eq!(row("astakos.url")["value"], "http://file-url/identity/v2.0");
    assert_eq!(
        row("astakos.url")["source"],
        json!(format!("file {config_text} profile work: astakos.url"))
    );
    assert_eq!(
        row("astakos.token")["value"],
        "*** (from a command, not run)"
    );
    assert_eq!(row("ecl.password")["value"], "***");
    assert_eq!(row("ecl.password")["source"], "env TENANTRY_ECL_PASSWORD");
    assert_eq!(row("ecl.url")["value"], "http://os-auth/v3");
    assert_eq!(row("ecl.url")["source"], "env OS_AUTH_URL");
    assert_eq!(row("ecl.region")["value"], "jp1");

    // --secret-stdin shows as the source of the main secrets; as a table.
    let mut c = tenantry();
    c.env("TENANTRY_CONFIG", &config).args([
        "--profile",
        "work",
        "--secret-stdin",
        "-o",
        "table",
        "config",
        "show",
    ]);
    let (code, out, err) = status(&run(c, Some("planted-stdin\n")).await);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("planted"), "{out}");
    assert!(out.starts_with("SETTING"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("astakos.token") && l.contains("stdin (--secret-stdin)")),
        "{out}"
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = tenantry().args(["completions", shell]).output().unwrap();
        let script = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        assert!(script.len() > 1000, "{shell}: {script}");
        assert!(script.contains("tenantry"), "{shell}");
        assert!(script.contains("quotas"), "{shell}: subcommands completed");
    }
    let out = tenantry().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A socket bound to a loopback port but not listening: connecting to it
/// is refused for as long as it lives (no other process can take the port).
fn dead_port() -> (tokio::net::TcpSocket, u16) {
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = s.local_addr().unwrap().port();
    (s, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_statuses() {
    let sims = Simulators::start_all().await.unwrap();
    let check = |c: Command, want: i32, needle: &'static str| async move {
        let (code, out, err) = status(&run(c, None).await);
        assert_eq!(code, Some(want), "{needle}: {out}\n{err}");
        assert!(err.contains(needle), "{needle}:\n{err}");
    };
    // 2: a bad flag (clap), a bad value.
    check(
        astakos(&sims, ALICE_TOKEN, &["astakos", "quotas", "get", "--nope"]),
        2,
        "--nope",
    )
    .await;
    // 3: a wrong token.
    check(
        astakos(&sims, "not-a-token", &["astakos", "quotas", "get"]),
        3,
        "error: ",
    )
    .await;
    // 4: a project that does not exist.
    check(
        astakos(
            &sims,
            ALICE_TOKEN,
            &[
                "astakos",
                "projects",
                "get",
                "00000000-0000-4000-8000-00000000dead",
            ],
        ),
        4,
        "error: ",
    )
    .await;
    // 5: a commission over the quota.
    let provision = format!("{ALICE_UUID}:cyclades.vm=1000");
    check(
        astakos(
            &sims,
            CYCLADES_TOKEN,
            &[
                "astakos",
                "commissions",
                "issue-one",
                ALICE_UUID,
                "--provision",
                &provision,
            ],
        ),
        5,
        "Limit for resource",
    )
    .await;
    // 6: nothing listens.
    let (_socket, port) = dead_port();
    let mut c = tenantry();
    c.env(
        "TENANTRY_ASTAKOS_URL",
        format!("http://127.0.0.1:{port}/identity/v2.0"),
    )
    .env("TENANTRY_ASTAKOS_TOKEN", ALICE_TOKEN)
    .args(["astakos", "quotas", "get"]);
    check(c, 6, "error: ").await;
    // 1: anything else (a server error).
    sims.astakos_server.faults().add(FaultRule::prefix(
        "/account/v1.0/quotas",
        Fault::status(500),
    ));
    check(
        astakos(&sims, ALICE_TOKEN, &["astakos", "quotas", "get"]),
        1,
        "error: ",
    )
    .await;
    // The statuses are in --help.
    let out = tenantry().arg("--help").output().unwrap();
    let help = text(&out.stdout);
    for line in [
        "2  usage",
        "3  authentication",
        "4  not found",
        "5  conflict",
        "6  network",
    ] {
        assert!(help.contains(line), "{line}:\n{help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_lines_one_per_request_without_colour_or_secrets() {
    let sims = Simulators::start_all().await.unwrap();
    // Quiet by default.
    let (code, _, err) = status(
        &run(
            astakos(&sims, ALICE_TOKEN, &["astakos", "quotas", "get"]),
            None,
        )
        .await,
    );
    assert_eq!(code, Some(0));
    assert_eq!(err, "", "nothing on stderr without -v");

    // -v: one line per request the simulator received.
    let before = sims.astakos_server.journal().len();
    let (code, _, err) = status(
        &run(
            astakos(&sims, ALICE_TOKEN, &["-v", "astakos", "quotas", "get"]),
            None,
        )
        .await,
    );
    assert_eq!(code, Some(0), "{err}");
    let sent = sims.astakos_server.journal().len() - before;
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), sent, "{err}");
    assert!(
        lines[0].contains(
            " INFO tenantry::request: astakos.get_endpoints POST {AUTH}/tokens -> 200 in "
        ),
        "{err}"
    );
    let last = lines.last().unwrap();
    assert!(
        last.contains(
            " INFO tenantry::request: astakos.get_quotas GET {ACCOUNT}/quotas -> 200 in "
        ) && last.ends_with(" ms (1 attempt)"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "no ANSI codes off a terminal: {err:?}"
    );
    assert!(!err.contains(ALICE_TOKEN));

    // -vv: a retry shows, and the request line counts both attempts.
    sims.astakos_server
        .faults()
        .add(FaultRule::prefix("/account/v1.0/quotas", Fault::status(503)).times(1));
    let (code, _, err) = status(
        &run(
            astakos(&sims, ALICE_TOKEN, &["-vv", "astakos", "quotas", "get"]),
            None,
        )
        .await,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("DEBUG") && err.contains("retrying"), "{err}");
    assert!(
        err.lines().any(
            |l| l.contains("astakos.get_quotas GET {ACCOUNT}/quotas -> 200")
                && l.ends_with("(2 attempts)")
        ),
        "{err}"
    );
    // Each exchange on the wire, the discovery's included.
    let port = sims
        .astakos_server
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        err.contains(&format!(
            "tenantry::http: POST 127.0.0.1:{port}/identity/v2.0/tokens -> 200 in "
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "tenantry::http: GET 127.0.0.1:{port}/account/v1.0/quotas -> 503 in "
        )),
        "{err}"
    );
    assert!(
        !err.contains("hyper") && !err.contains("reqwest::"),
        "no dependency internals at -vv:\n{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(!err.contains(ALICE_TOKEN));

    // -vv shows the logins that do not go through the request pipeline.
    let seed = sims.seed_json();
    let k = &seed["keystone"];
    let mut c = tenantry();
    c.env("TENANTRY_ECL_AUTH_URL", k["auth_url"].as_str().unwrap())
        .env("TENANTRY_ECL_USERNAME", k["username"].as_str().unwrap())
        .env("TENANTRY_ECL_PASSWORD", k["password"].as_str().unwrap())
        .env("TENANTRY_ECL_PROJECT_ID", k["project_id"].as_str().unwrap())
        .args(["-vv", "auth", "keystone-token"]);
    let (code, _, err) = status(&run(c, None).await);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.lines().any(
            |l| l.contains("tenantry::http: POST ") && l.contains("/v3/auth/tokens -> 201 in ")
        ),
        "{err}"
    );
    assert!(!err.contains(k["password"].as_str().unwrap()), "{err}");

    // -vvvv: the dependencies' internals too; still no secret, no colour.
    let (code, _, err) = status(
        &run(
            astakos(&sims, ALICE_TOKEN, &["-vvvv", "astakos", "quotas", "get"]),
            None,
        )
        .await,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("hyper") || err.contains("reqwest"), "{err}");
    assert!(!err.contains(ALICE_TOKEN));
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

/// A server that accepts connections and never answers, until dropped.
struct Silent {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Silent {
    fn start() -> Silent {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    held.push(c);
                }
            }
        });
        Silent {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_against_a_silent_server_exits_6() {
    let silent = Silent::start();
    let mut c = tenantry();
    c.env(
        "TENANTRY_ASTAKOS_URL",
        format!("http://127.0.0.1:{}/identity/v2.0", silent.port),
    )
    .env("TENANTRY_ASTAKOS_TOKEN", ALICE_TOKEN)
    .args(["--timeout", "1", "astakos", "quotas", "get"]);
    let started = Instant::now();
    let (code, out, err) = status(&run(c, None).await);
    let took = started.elapsed();
    assert_eq!(code, Some(6), "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("timed out") && err.contains("--timeout 1 s"),
        "{err}"
    );
    // It gave up on its own (the transport's own timeouts are far longer).
    assert!(took < Duration::from_secs(30), "took {took:?}");
    drop(silent);

    // The same from TENANTRY_TIMEOUT; a bad value is a usage error.
    let mut c = tenantry();
    c.env("TENANTRY_TIMEOUT", "soon").args(["config", "show"]);
    let (code, _, err) = status(&run(c, None).await);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("TENANTRY_TIMEOUT"), "{err}");
}
