//! Running a reference client (a Python script) against a simulator.
//!
//! The interpreter comes from `TENANTRY_PY27` / `TENANTRY_PY3` (exported by
//! `.ci/run` after it builds the venvs from `.ci/python-requirements-*.txt`),
//! else from `.venv-py27` / `.venv-py3` at the workspace root. A missing
//! interpreter fails the test: a test that needs Python never passes
//! without running. Such tests are `#[ignore]`d, so a plain `cargo test`
//! works on a machine without Python (and says they were ignored);
//! `.ci/run` runs them on purpose with `-- --ignored`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Which Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Py {
    /// Python 2.7 (astakosclient, etunexus).
    Py27,
    /// Python 3 (eclsdk, im-squonk2-client).
    Py3,
}

impl Py {
    fn env(self) -> &'static str {
        match self {
            Py::Py27 => "TENANTRY_PY27",
            Py::Py3 => "TENANTRY_PY3",
        }
    }
    fn venv(self) -> &'static str {
        match self {
            Py::Py27 => ".venv-py27",
            Py::Py3 => ".venv-py3",
        }
    }
}

/// The interpreter of `kind`, if one is set up.
pub fn interpreter(kind: Py) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(kind.env()) {
        let p = PathBuf::from(p);
        if p.exists() {
            return Some(p);
        }
    }
    let venv = crate::workspace_root().join(kind.venv()).join("bin/python");
    venv.exists().then_some(venv)
}

/// The interpreter; panics (failing the test) when it is missing.
pub fn require(kind: Py) -> PathBuf {
    match interpreter(kind) {
        Some(p) => p,
        None => panic!(
            "{} is not set and {} does not exist: run `bash .ci/run` once to build the venv",
            kind.env(),
            kind.venv()
        ),
    }
}

/// What a script run gave.
#[derive(Debug)]
pub struct ScriptOutcome {
    /// Exit status was 0.
    pub success: bool,
    /// From the closing `N passed, M failed` line.
    pub passed: usize,
    /// From the closing `N passed, M failed` line.
    pub failed: usize,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

impl ScriptOutcome {
    /// The lines that start with `FAIL`.
    pub fn failures(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("FAIL"))
            .collect()
    }
}

/// Runs `python script args…` (blocking; call it from `spawn_blocking` when a
/// simulator runs on the same runtime) and parses its closing line. The run
/// is killed after `timeout`.
pub fn run_script(
    python: &Path,
    script: &Path,
    args: &[String],
    timeout: Duration,
) -> ScriptOutcome {
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    // Drain both pipes on their own threads while waiting: a script that
    // prints more than a pipe holds must not stall until the timeout.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_reader = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err_reader = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                break child
                    .wait()
                    .unwrap_or_else(|e| panic!("waiting for the script: {e}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for the script: {e}"),
        }
    };
    let out = std::process::Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (passed, failed) = stdout
        .lines()
        .rev()
        .find_map(parse_closing_line)
        .unwrap_or((0, usize::MAX));
    ScriptOutcome {
        success: out.status.success(),
        passed,
        failed,
        stdout,
        stderr,
    }
}

/// Parses `N passed, M failed` (optionally followed by `, K skipped`).
pub fn parse_closing_line(line: &str) -> Option<(usize, usize)> {
    let mut parts = line.trim().split(", ");
    let p = parts.next()?.strip_suffix(" passed")?.trim().parse().ok()?;
    let f = parts.next()?.strip_suffix(" failed")?.trim().parse().ok()?;
    Some((p, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_line() {
        assert_eq!(parse_closing_line("41 passed, 0 failed"), Some((41, 0)));
        assert_eq!(
            parse_closing_line("3 passed, 2 failed, 1 skipped"),
            Some((3, 2))
        );
        assert_eq!(parse_closing_line("ok get_quotas"), None);
    }
}
