//! What the CLI's process tests share: the binary with a clean
//! environment, and running it off the async runtime.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The `tenantry` binary, without any `TENANTRY_*`, `OS_*`, `RUST_LOG` or
/// `COLUMNS` variable of the environment the tests run in, and without the
/// user's config file (`XDG_CONFIG_HOME` points at an empty place).
pub fn tenantry() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantry"));
    for (k, _) in std::env::vars() {
        if k.starts_with("TENANTRY_")
            || k.starts_with("OS_")
            || k.starts_with("SQUONK2_")
            || k == "RUST_LOG"
            || k == "COLUMNS"
        {
            cmd.env_remove(k);
        }
    }
    cmd.env(
        "XDG_CONFIG_HOME",
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-config-home"),
    );
    cmd
}

/// Runs the command off the async runtime (the simulators keep serving),
/// with `stdin` as its input (none: `/dev/null`).
pub async fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    let input = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn tenantry");
        // Feed stdin from its own thread while `wait_with_output` drains
        // stdout and stderr (no pipe can fill up and stall either side).
        // A command that refuses its arguments exits before reading stdin:
        // the pipe is then closed under the writer, and `BrokenPipe` is
        // that normal outcome, not a failure of the test.
        let feeder = input.map(|input| {
            let mut pipe = child.stdin.take().expect("stdin");
            std::thread::spawn(move || {
                if let Err(e) = pipe.write_all(input.as_bytes()) {
                    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
                }
            })
        });
        let out = child.wait_with_output().expect("wait tenantry");
        if let Some(feeder) = feeder {
            feeder.join().expect("stdin writer");
        }
        out
    })
    .await
    .expect("join")
}

/// Lossy UTF-8.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
