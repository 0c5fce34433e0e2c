//! Workspace tasks: `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `ci`: runs `.ci/run`, the one definition of CI.
//! - `release --dry-run`: checks the publishable crates are in lockstep and
//!   ready to publish (description, license files, keywords, categories, a
//!   README that opens with a quick start, no placeholder URLs), then
//!   packages them in publish order. Publishing itself is not done from here.
//! - `bench <service> [--quick]`: builds the simulator and the bench package
//!   in release mode, runs `tenantry-bench <service>` (reference client vs
//!   tenantry vs a bare reqwest loop, against one simulator process) and
//!   keeps the table in `target/bench/<service>.txt`. A measurement, not a
//!   test: a missed target is printed, the exit status stays 0.
//! - `man [--out DIR]`: writes the `tenantry` man pages (one per command,
//!   from the CLI's clap definition) to DIR (default `target/man`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::Value;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                   run the CI steps locally (bash .ci/run)
  release --dry-run    check lockstep versions, package the publishable crates
                       in dependency order (cargo package --no-verify --allow-dirty)
  bench <service> [--quick] [--repeats N] [tenantry-bench options]
                       throughput of the reference client, tenantry and a bare
                       reqwest loop against the simulator (release build);
                       services: astakos, ecl, etunexus, squonk2. --quick: 1/10
                       of the operations; --times N, --mode M, --workload W,
                       --only A,B go to tenantry-bench (`tenantry-bench --help`).
                       The table is also written to target/bench/<service>.txt
  man [--out DIR]      write the tenantry CLI's man pages (tenantry.1,
                       tenantry-astakos.1, ...) to DIR (default: target/man)
  help                 print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((cmd, rest)) => (cmd.as_str(), rest),
        None => return usage_error("no command given"),
    };
    let result = match cmd {
        "ci" => ci(rest),
        "release" => release(rest),
        "bench" => bench(rest),
        "man" => man(rest),
        // Further commands go here, with a line in USAGE.
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => return usage_error(&format!("unknown command `{other}`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => usage_error(&msg),
        Err(Failure::Error(msg)) => {
            eprintln!("xtask {cmd}: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug)]
enum Failure {
    /// Bad arguments: usage is printed, exit status 2.
    Usage(String),
    /// The task itself failed: exit status 1.
    Error(String),
}

type Result<T, E = Failure> = std::result::Result<T, E>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(Failure::Error(msg.into()))
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("xtask: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

/// Runs `cmd`, inheriting stdout/stderr; fails unless it exits 0.
fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| Failure::Error(format!("cannot start {cmd:?}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        err(format!("{cmd:?} failed: {status}"))
    }
}

// --- ci ----------------------------------------------------------------------

fn ci(args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        return Err(Failure::Usage(format!(
            "`ci` takes no arguments, got `{arg}`"
        )));
    }
    let root = workspace_root();
    run(Command::new("bash")
        .arg(root.join(".ci/run"))
        .current_dir(&root))
}

// --- man ---------------------------------------------------------------------

fn man(args: &[String]) -> Result<()> {
    let mut out = workspace_root().join("target").join("man");
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => match args.next() {
                Some(dir) => out = PathBuf::from(dir),
                None => return Err(Failure::Usage("`--out` needs a directory".into())),
            },
            other => {
                return Err(Failure::Usage(format!(
                    "`man` takes only --out DIR, got `{other}`"
                )))
            }
        }
    }
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::Error(format!("cannot create {}: {e}", out.display())))?;
    clap_mangen::generate_to(tenantry_cli::command(), &out)
        .map_err(|e| Failure::Error(format!("cannot write the man pages: {e}")))?;
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .map_err(|e| Failure::Error(format!("cannot list {}: {e}", out.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("tenantry") && n.ends_with(".1"))
        .collect();
    pages.sort();
    println!("{} man pages in {}", pages.len(), out.display());
    if pages.is_empty() {
        return err("no man page was written");
    }
    Ok(())
}

// --- bench -------------------------------------------------------------------

/// Services with a benchmark in `benches/clients` (package
/// `tenantry-bench`: module `src/<service>.rs`, reference driver
/// `references/<service>.py`).
const BENCH_SERVICES: &[&str] = &["astakos", "ecl", "etunexus", "squonk2"];

fn bench(args: &[String]) -> Result<()> {
    let Some((service, rest)) = args.split_first() else {
        return Err(Failure::Usage(format!(
            "`bench` needs a service: {}",
            BENCH_SERVICES.join(", ")
        )));
    };
    if !BENCH_SERVICES.contains(&service.as_str()) {
        return Err(Failure::Usage(format!(
            "no benchmark for `{service}` (have: {})",
            BENCH_SERVICES.join(", ")
        )));
    }
    let mut pass: Vec<String> = Vec::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => pass.push(arg.clone()),
            "--repeats" => {
                let n = it
                    .next()
                    .filter(|n| n.parse::<u32>().is_ok_and(|n| n > 0))
                    .ok_or_else(|| Failure::Usage("--repeats needs a positive number".into()))?;
                pass.extend([arg.clone(), n.clone()]);
            }
            // Everything else (`--pairs N`, `--times N`, `--mode M`, `--workload W`,
            // `--only A,B`, `--workers N`) goes to tenantry-bench, which
            // checks it.
            _ => pass.push(arg.clone()),
        }
    }

    let root = workspace_root();
    // The reference client's Python: the variable CI exports, else the
    // venv CI builds in the workspace.
    let (var, venv, requirements, make_venv) = match service.as_str() {
        "ecl" => (
            "TENANTRY_ECL_PY",
            ".venv-ecl",
            ".ci/python-requirements-ecl.txt",
            "python3.9 -m venv .venv-ecl",
        ),
        "squonk2" => (
            "TENANTRY_PY3",
            ".venv-py3",
            ".ci/python-requirements-py3.txt",
            "python3.11 -m venv .venv-py3",
        ),
        _ => (
            "TENANTRY_PY27",
            ".venv-py27",
            ".ci/python-requirements-py27.txt",
            "virtualenv -p python2.7 .venv-py27",
        ),
    };
    let python = std::env::var_os(var)
        .filter(|p| !p.is_empty())
        .map_or_else(|| root.join(venv).join("bin/python"), PathBuf::from);
    if !python.exists() {
        return err(format!(
            "{} is missing: the reference client runs there (or set {var}). Build it as CI \
             does (`cargo xtask ci` sets up the venvs from {requirements}), or by hand: \
             {make_venv} && {venv}/bin/pip install -r {requirements}",
            python.display()
        ));
    }

    println!("$ cargo build --release -p tenantry-sim -p tenantry-bench --bins");
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "tenantry-sim",
        "-p",
        "tenantry-bench",
        "--bins",
    ]))?;
    let target = target_dir()?;
    let release = target.join("release");
    let bench_bin = release.join(format!("tenantry-bench{}", std::env::consts::EXE_SUFFIX));
    let sim_bin = release.join(format!("tenantry-sim{}", std::env::consts::EXE_SUFFIX));
    // One bench crate for every service; each service's reference driver
    // is `references/<service>.py`.
    let script = root
        .join("benches")
        .join("clients")
        .join("references")
        .join(format!("{service}.py"));

    let mut cmd = Command::new(&bench_bin);
    cmd.arg(service)
        .args(&pass)
        .arg("--sim")
        .arg(&sim_bin)
        .arg("--python")
        .arg(&python)
        .arg("--script")
        .arg(&script)
        .current_dir(&root)
        .stderr(std::process::Stdio::inherit());
    println!("$ {}", shown(&cmd, &root));
    let out = cmd
        .output()
        .map_err(|e| Failure::Error(format!("cannot start {}: {e}", bench_bin.display())))?;
    let table = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        print!("{table}");
        return err(format!("{} failed: {}", bench_bin.display(), out.status));
    }
    println!();
    print!("{table}");

    let dir = target.join("bench");
    let file = dir.join(format!("{service}.txt"));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&file, table.as_bytes()))
        .map_err(|e| Failure::Error(format!("{}: {e}", file.display())))?;
    println!(
        "\n(table written to {})",
        file.strip_prefix(&root).unwrap_or(&file).display()
    );
    if table.contains("MISSED") {
        println!("note: the target was MISSED (a measurement, not a test: exit status 0)");
    }
    Ok(())
}

/// The command line, paths under the workspace shown relative to it.
fn shown(cmd: &Command, root: &Path) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| {
            let p = Path::new(a);
            p.strip_prefix(root)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn target_dir() -> Result<PathBuf> {
    Ok(cargo_metadata()?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target")))
}

// --- release -----------------------------------------------------------------

/// A publishable workspace crate, as `cargo metadata` describes it.
#[derive(Debug)]
struct Krate {
    name: String,
    version: String,
    /// Workspace crates this one depends on (any kind: normal, build, dev).
    deps: BTreeSet<String>,
}

fn release(args: &[String]) -> Result<()> {
    let mut dry_run = false;
    for arg in args {
        match arg.as_str() {
            "--dry-run" => dry_run = true,
            other => {
                return Err(Failure::Usage(format!(
                    "unknown `release` argument `{other}`"
                )))
            }
        }
    }

    let metadata = cargo_metadata()?;
    let crates = publishable_crates(&metadata)?;
    check_package_metadata(&metadata, |p| std::fs::read_to_string(p).ok())?;
    let version = lockstep_version(&crates)?;
    let order = publish_order(&crates)?;

    println!(
        "release {version}: {} publishable crates, in publish order (dependencies first):",
        order.len()
    );
    for (i, name) in order.iter().enumerate() {
        println!("  {:>2}. {name} {version}", i + 1);
    }

    if !dry_run {
        return err(format!(
            "not publishing: releases are not published from this machine.\n\
             To publish, from a clean checkout of the release commit, run in this order:\n{}\n\
             Use `cargo xtask release --dry-run` to package them locally.",
            order
                .iter()
                .map(|n| format!("  cargo publish -p {n}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }

    // Packaged together, so that cargo resolves the not-yet-published siblings
    // from a local overlay registry instead of crates.io.
    let mut args = vec!["package"];
    for name in &order {
        args.extend(["-p", name.as_str()]);
    }
    args.extend(["--no-verify", "--allow-dirty"]);
    println!("\n$ cargo {}", args.join(" "));
    run(cargo().args(&args))?;

    let target = metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let root = workspace_root();
    println!("\npackaged (release {version}, dry run: nothing published):");
    let mut total = 0;
    for (i, name) in order.iter().enumerate() {
        let file = target
            .join("package")
            .join(format!("{name}-{version}.crate"));
        let size = std::fs::metadata(&file)
            .map_err(|e| Failure::Error(format!("{}: {e}", file.display())))?
            .len();
        total += size;
        let shown = file.strip_prefix(&root).unwrap_or(&file);
        println!(
            "  {:>2}. {:<16} {:<48} {:>9} bytes ({})",
            i + 1,
            name,
            shown.display(),
            size,
            human(size)
        );
    }
    println!("  total {total} bytes ({})", human(total));
    Ok(())
}

fn cargo_metadata() -> Result<Value> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| Failure::Error(format!("cannot run cargo metadata: {e}")))?;
    if !out.status.success() {
        return err(format!(
            "cargo metadata failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| Failure::Error(format!("cannot parse cargo metadata: {e}")))
}

/// `publish` is null (anywhere) or a list of registry names; `[]` is `publish = false`.
fn is_publishable(pkg: &Value) -> bool {
    match &pkg["publish"] {
        Value::Null => true,
        Value::Array(registries) => registries.iter().any(|r| r == "crates-io"),
        _ => false,
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> Result<&'a str> {
    v[key]
        .as_str()
        .ok_or_else(|| Failure::Error(format!("cargo metadata: missing `{key}` in {v}")))
}

/// The packages of `cargo metadata` that are workspace members.
fn workspace_packages(metadata: &Value) -> Vec<&Value> {
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .collect()
}

/// The publishable workspace members, with their workspace dependencies.
/// Checks that every dependency between workspace crates can be published:
/// it points at a publishable crate and requires exactly that crate's version.
fn publishable_crates(metadata: &Value) -> Result<BTreeMap<String, Krate>> {
    let packages = workspace_packages(metadata);

    // name -> (version, publishable) for every workspace member
    let mut workspace = BTreeMap::new();
    for pkg in &packages {
        workspace.insert(
            str_field(pkg, "name")?.to_string(),
            (str_field(pkg, "version")?.to_string(), is_publishable(pkg)),
        );
    }

    let mut problems = Vec::new();
    let mut crates = BTreeMap::new();
    for pkg in packages.iter().filter(|p| is_publishable(p)) {
        let name = str_field(pkg, "name")?.to_string();
        let mut deps = BTreeSet::new();
        for dep in pkg["dependencies"].as_array().into_iter().flatten() {
            let dep_name = str_field(dep, "name")?;
            let Some((dep_version, dep_publishable)) = workspace.get(dep_name) else {
                continue; // from crates.io
            };
            if dep["path"].is_null() {
                continue; // same name as a workspace crate, but not this one
            }
            let kind = dep["kind"].as_str().unwrap_or("normal");
            let req = dep["req"].as_str().unwrap_or("*");
            if kind == "dev" && req == "*" {
                continue; // path-only dev-dependency: cargo strips it when packaging
            }
            if !dep_publishable {
                problems.push(format!(
                    "{name} has a {kind} dependency on {dep_name}, which is `publish = false`"
                ));
                continue;
            }
            let required = req.trim().trim_start_matches(['^', '=']).trim();
            if required != dep_version {
                problems.push(format!(
                    "{name} requires {dep_name} `{req}` ({kind}), but the workspace has \
                     {dep_name} {dep_version}: require exactly `{dep_version}`"
                ));
            }
            deps.insert(dep_name.to_string());
        }
        let version = str_field(pkg, "version")?.to_string();
        crates.insert(
            name.clone(),
            Krate {
                name,
                version,
                deps,
            },
        );
    }

    if crates.is_empty() {
        return err("no publishable crates in the workspace");
    }
    if !problems.is_empty() {
        return err(format!(
            "workspace dependencies cannot be published as they are:\n  {}",
            problems.join("\n  ")
        ));
    }
    Ok(crates)
}

/// All publishable crates share one version (lockstep releases).
fn lockstep_version(crates: &BTreeMap<String, Krate>) -> Result<String> {
    let versions: BTreeSet<&str> = crates.values().map(|k| k.version.as_str()).collect();
    if versions.len() == 1 {
        return Ok(versions.into_iter().next().unwrap_or_default().to_string());
    }
    let listing = crates
        .values()
        .map(|k| format!("  {} {}", k.name, k.version))
        .collect::<Vec<_>>()
        .join("\n");
    err(format!(
        "publishable crates are not in lockstep ({} versions):\n{listing}",
        versions.len()
    ))
}

/// Topological order, dependencies first (dev-dependencies count: crates.io
/// wants them published too); ties broken by name, so the order is stable.
fn publish_order(crates: &BTreeMap<String, Krate>) -> Result<Vec<String>> {
    let mut done: Vec<String> = Vec::with_capacity(crates.len());
    let mut left: BTreeSet<&str> = crates.keys().map(String::as_str).collect();
    while !left.is_empty() {
        let ready: Vec<&str> = left
            .iter()
            .copied()
            .filter(|name| {
                crates[*name]
                    .deps
                    .iter()
                    .all(|d| !left.contains(d.as_str()))
            })
            .collect();
        let Some(next) = ready.first().copied() else {
            let cycle = left
                .iter()
                .map(|n| {
                    let deps: Vec<&str> = crates[*n]
                        .deps
                        .iter()
                        .map(String::as_str)
                        .filter(|d| left.contains(d))
                        .collect();
                    format!("  {n} -> {}", deps.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n");
            return err(format!(
                "dependency cycle between publishable crates:\n{cycle}"
            ));
        };
        left.remove(next);
        done.push(next.to_string());
    }
    Ok(done)
}

/// Package fields that hold URLs; none may be a placeholder.
const URL_FIELDS: [&str; 3] = ["repository", "homepage", "documentation"];

/// Why a publishable package is not ready for crates.io (empty: ready).
/// `read` reads a file (the README, the license files) next to its manifest.
fn package_problems(pkg: &Value, read: &dyn Fn(&Path) -> Option<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let name = pkg["name"].as_str().unwrap_or("?");
    let mut problem = |p: String| problems.push(format!("{name}: {p}"));
    let dir = pkg["manifest_path"]
        .as_str()
        .map(|m| Path::new(m).parent().unwrap_or(Path::new("")).to_path_buf())
        .unwrap_or_default();
    if pkg["description"]
        .as_str()
        .is_none_or(|d| d.trim().is_empty())
    {
        problem("no description".into());
    }
    match pkg["license"].as_str() {
        None => problem("no license".into()),
        Some(license) => {
            for (id, file) in [("MIT", "LICENSE-MIT"), ("Apache-2.0", "LICENSE-APACHE")] {
                if license.split(" OR ").any(|l| l.trim() == id) && read(&dir.join(file)).is_none()
                {
                    problem(format!("license {id} but no {file} in the package"));
                }
            }
        }
    }
    for field in URL_FIELDS {
        if let Some(url) = pkg[field].as_str() {
            let host = url.split("://").nth(1).unwrap_or(url);
            let host = host.split('/').next().unwrap_or(host);
            if host.ends_with(".invalid")
                || host.ends_with(".example")
                || host == "example.com"
                || host.ends_with(".example.com")
                || host == "example.org"
                || host.is_empty()
            {
                problem(format!(
                    "placeholder {field} `{url}` (leave it out instead)"
                ));
            }
        }
    }
    let keywords: Vec<&str> = pkg["keywords"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if keywords.is_empty() || keywords.len() > 5 {
        problem(format!(
            "{} keywords (crates.io takes 1 to 5)",
            keywords.len()
        ));
    }
    for k in &keywords {
        let ok = k.len() <= 20
            && k.starts_with(|c: char| c.is_ascii_alphabetic())
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            problem(format!("keyword `{k}` is not a crates.io keyword"));
        }
    }
    if pkg["categories"].as_array().is_none_or(|c| c.is_empty()) {
        problem("no categories".into());
    }
    match pkg["readme"].as_str() {
        None => problem("no readme".into()),
        Some(readme) => match read(&dir.join(readme)) {
            None => problem(format!("readme {readme} not found")),
            Some(text) if !opens_with_quick_start(&text) => problem(format!(
                "{readme} does not open with a quick start (a code block within its first 40 lines)"
            )),
            Some(_) => {}
        },
    }
    problems
}

/// A README "opens with a quick start": a fenced code block early on.
fn opens_with_quick_start(readme: &str) -> bool {
    readme
        .lines()
        .take(40)
        .any(|l| l.trim_start().starts_with("```"))
}

/// Every publishable workspace member is ready for crates.io.
fn check_package_metadata(metadata: &Value, read: impl Fn(&Path) -> Option<String>) -> Result<()> {
    let problems: Vec<String> = workspace_packages(metadata)
        .into_iter()
        .filter(|p| is_publishable(p))
        .flat_map(|p| package_problems(p, &read))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        err(format!(
            "publishable crates are not ready:\n  {}",
            problems.join("\n  ")
        ))
    }
}

fn human(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata(packages: Value) -> Value {
        let ids: Vec<Value> = packages
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect();
        json!({ "packages": packages, "workspace_members": ids })
    }

    fn pkg(name: &str, version: &str, publish: Value, deps: Value) -> Value {
        json!({ "id": format!("{name}@{version}"), "name": name, "version": version,
                "publish": publish, "dependencies": deps })
    }

    fn dep(name: &str, req: &str, kind: Value) -> Value {
        json!({ "name": name, "req": req, "kind": kind, "path": format!("/ws/{name}") })
    }

    #[test]
    fn orders_dependencies_first_including_dev_dependencies() {
        let m = metadata(json!([
            pkg(
                "umbrella",
                "0.2.0",
                Value::Null,
                json!([
                    dep("svc", "^0.2.0", Value::Null),
                    dep("core", "^0.2.0", Value::Null)
                ])
            ),
            pkg(
                "svc",
                "0.2.0",
                Value::Null,
                json!([dep("core", "^0.2.0", Value::Null)])
            ),
            pkg(
                "core",
                "0.2.0",
                Value::Null,
                json!([dep("sim", "^0.2.0", json!("dev")),
                                                     { "name": "serde", "req": "^1", "kind": null }])
            ),
            pkg("sim", "0.2.0", Value::Null, json!([])),
            pkg(
                "tests",
                "0.0.0",
                json!([]),
                json!([dep("umbrella", "^0.2.0", json!("dev"))])
            ),
        ]));
        let crates = publishable_crates(&m).unwrap();
        assert_eq!(lockstep_version(&crates).unwrap(), "0.2.0");
        assert_eq!(
            publish_order(&crates).unwrap(),
            ["sim", "core", "svc", "umbrella"]
        );
    }

    #[test]
    fn rejects_versions_out_of_lockstep() {
        let m = metadata(json!([
            pkg("a", "0.1.0", Value::Null, json!([])),
            pkg("b", "0.2.0", Value::Null, json!([])),
        ]));
        assert!(lockstep_version(&publishable_crates(&m).unwrap()).is_err());
    }

    #[test]
    fn rejects_loose_or_unpublishable_workspace_requirements() {
        let loose = metadata(json!([
            pkg("a", "0.1.0", Value::Null, json!([])),
            pkg(
                "b",
                "0.1.0",
                Value::Null,
                json!([dep("a", "^0.1", Value::Null)])
            ),
        ]));
        assert!(publishable_crates(&loose).is_err());
        let private = metadata(json!([
            pkg("a", "0.1.0", json!([]), json!([])),
            pkg(
                "b",
                "0.1.0",
                Value::Null,
                json!([dep("a", "^0.1.0", Value::Null)])
            ),
        ]));
        assert!(publishable_crates(&private).is_err());
    }

    fn ready(name: &str) -> Value {
        json!({ "id": format!("{name}@0.1.0"), "name": name, "version": "0.1.0",
                "publish": Value::Null, "dependencies": [],
                "manifest_path": format!("/ws/{name}/Cargo.toml"),
                "description": "A crate.", "license": "MIT OR Apache-2.0",
                "keywords": ["sdk"], "categories": ["api-bindings"], "readme": "README.md" })
    }

    fn files(path: &Path) -> Option<String> {
        let name = path.file_name()?.to_str()?;
        match name {
            "README.md" => Some("# x\n\nQuick start:\n\n```rust\nlet x = 1;\n```\n".into()),
            "LICENSE-MIT" | "LICENSE-APACHE" => Some("license text".into()),
            _ => None,
        }
    }

    #[test]
    fn a_ready_package_passes_the_metadata_check() {
        assert_eq!(package_problems(&ready("a"), &files), Vec::<String>::new());
        let m = metadata(json!([ready("a"), ready("b")]));
        assert!(check_package_metadata(&m, files).is_ok());
    }

    #[test]
    fn metadata_check_names_each_problem() {
        let mut p = ready("a");
        p["repository"] = json!("https://example.invalid/tenantry");
        p["keywords"] = json!([]);
        p["categories"] = json!([]);
        p["description"] = Value::Null;
        let problems = package_problems(&p, &files);
        for want in [
            "placeholder repository",
            "0 keywords",
            "no categories",
            "no description",
        ] {
            assert!(
                problems.iter().any(|e| e.contains(want)),
                "{want}: {problems:?}"
            );
        }
        let no_license_files = |path: &Path| -> Option<String> {
            (path.file_name()? == "README.md").then(|| "```\nx\n```".to_owned())
        };
        let problems = package_problems(&ready("a"), &no_license_files);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("LICENSE-MIT"));
        let no_quick_start =
            |path: &Path| -> Option<String> { Some(format!("# {}\n\nprose only", path.display())) };
        let problems = package_problems(&ready("a"), &no_quick_start);
        assert!(
            problems.iter().any(|e| e.contains("quick start")),
            "{problems:?}"
        );
        // A `publish = false` crate is not checked.
        let mut private = p.clone();
        private["publish"] = json!([]);
        assert!(check_package_metadata(&metadata(json!([private])), files).is_ok());
        assert!(check_package_metadata(&metadata(json!([p])), files).is_err());
    }

    #[test]
    fn reports_cycles() {
        let m = metadata(json!([
            pkg(
                "a",
                "0.1.0",
                Value::Null,
                json!([dep("b", "^0.1.0", Value::Null)])
            ),
            pkg(
                "b",
                "0.1.0",
                Value::Null,
                json!([dep("a", "^0.1.0", json!("dev"))])
            ),
        ]));
        assert!(publish_order(&publishable_crates(&m).unwrap()).is_err());
    }
}
