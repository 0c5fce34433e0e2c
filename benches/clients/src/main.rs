//! `tenantry-bench <service> [options]`: starts the service's simulator,
//! measures every contender, prints the table on stdout (progress on
//! stderr). Usually run through `cargo xtask bench <service>`, which builds
//! the release binaries first and keeps a copy of the table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tenantry_bench::{astakos, ecl, etunexus, run, runtime, squonk2, Plan, SimProcess};

const USAGE: &str = "\
usage: tenantry-bench <astakos|ecl|etunexus|squonk2> [options]

options:
  --quick          1/10 of the operations (a smoke run)
  --repeats N      measure everything N times, report medians (default:
                   astakos 5, ecl 3, etunexus 3, squonk2 3)
  --pairs N        after each round, N more back-to-back tenantry/bare
                   pairs per row (default: astakos 4, ecl 2, etunexus 2,
                   squonk2 4): the target ratio is the median of
                   5 x (1 + 4) = 25 pairs for astakos, 3 x (1 + 2) = 9 for
                   ecl and etunexus (whose operations are longer),
                   3 x (1 + 4) = 15 for squonk2
  --pair-times N   those pairs run N times the operations (default:
                   astakos 4, ecl 1, squonk2 2): longer runs, far steadier
                   ratios
  --sim PATH       the tenantry-sim binary (default: next to this one)
  --python PATH    the reference's Python: astakos, 2.7 with astakosclient
                   0.19, etunexus, 2.7 with etunexus 0.6.8 (default:
                   $TENANTRY_PY27, else
                   <workspace>/.venv-py27/bin/python); ecl, 3.9 with eclsdk
                   1.11.1 (default: $TENANTRY_ECL_PY, else
                   <workspace>/.venv-ecl/bin/python); squonk2, 3.11 with
                   im-squonk2-client 7.0.0 (default: $TENANTRY_PY3, else
                   <workspace>/.venv-py3/bin/python)
  --script PATH    the reference driver
                   (default: <workspace>/benches/clients/references/<service>.py)
  --workers N      tokio worker threads for the Rust clients (default 2)
  --only A,B       run only these contenders (astakos, squonk2:
                   reference, ecl: eclsdk; tenantry, bare); ratios need
                   both sides
  --times N        N times the operations (longer, steadier runs)
  --mode M         only this mode: `sequential` or `in-flight`
  --workload W     only this workload: astakos `lookup` or `commission`,
                   ecl `list` or `create-delete`, etunexus `quick-start`
                   or `list`, squonk2 `list` or `get`";

struct Options {
    quick: bool,
    repeats: u32,
    pairs: u32,
    pair_times: u64,
    sim: PathBuf,
    python: PathBuf,
    script: PathBuf,
    workers: usize,
    only: Option<Vec<String>>,
    times: u64,
    mode: Option<String>,
    workload: Option<String>,
}

fn workspace_root() -> PathBuf {
    // benches/clients -> the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn parse(service: &str, args: &[String]) -> Result<Options, String> {
    let root = workspace_root();
    // etunexus: operations as long as ecl's, the same defaults.
    let ecl = service == "ecl" || service == "etunexus";
    let sq = service == "squonk2";
    let (python_var, venv) = match service {
        "ecl" => ("TENANTRY_ECL_PY", ".venv-ecl"),
        "squonk2" => ("TENANTRY_PY3", ".venv-py3"),
        _ => ("TENANTRY_PY27", ".venv-py27"),
    };
    let python = std::env::var_os(python_var)
        .filter(|p| !p.is_empty())
        .map_or_else(|| root.join(venv).join("bin/python"), PathBuf::from);
    let sim_default = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("tenantry-sim")))
        .unwrap_or_else(|| PathBuf::from("tenantry-sim"));
    let mut o = Options {
        quick: false,
        repeats: if ecl || sq { 3 } else { 5 },
        pairs: if ecl { 2 } else { 4 },
        pair_times: if ecl {
            1
        } else if sq {
            2
        } else {
            4
        },
        sim: sim_default,
        python,
        script: Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("references/{service}.py")),
        workers: 2,
        only: None,
        times: 1,
        mode: None,
        workload: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--quick" => o.quick = true,
            "--repeats" => o.repeats = value(a)?.parse().map_err(|e| format!("--repeats: {e}"))?,
            "--pair-times" => {
                o.pair_times = value(a)?
                    .parse()
                    .map_err(|e| format!("--pair-times: {e}"))?
            }
            "--pairs" => o.pairs = value(a)?.parse().map_err(|e| format!("--pairs: {e}"))?,
            "--sim" => o.sim = value(a)?.into(),
            "--python" => o.python = value(a)?.into(),
            "--script" => o.script = value(a)?.into(),
            "--workers" => o.workers = value(a)?.parse().map_err(|e| format!("--workers: {e}"))?,
            "--only" => o.only = Some(value(a)?.split(',').map(str::to_owned).collect()),
            "--times" => o.times = value(a)?.parse().map_err(|e| format!("--times: {e}"))?,
            "--mode" => o.mode = Some(value(a)?),
            "--workload" => o.workload = Some(value(a)?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(o)
}

fn check_paths(o: &Options) -> Result<(), String> {
    for (what, path) in [
        ("simulator", &o.sim),
        ("python", &o.python),
        ("script", &o.script),
    ] {
        if !path.exists() {
            return Err(format!("{what} not found: {}", path.display()));
        }
    }
    Ok(())
}

fn bench_astakos(o: &Options) -> Result<(), String> {
    check_paths(o)?;
    let scale = if o.quick { 10 } else { 1 };
    let sim = SimProcess::start(&o.sim, "astakos")?;
    let seed = astakos::Seed::from_json(sim.service("astakos")?)?;
    eprintln!(
        "tenantry-sim (pid {}) at {}; {} tokio workers for the Rust clients",
        sim.pid(),
        seed.auth_url,
        o.workers
    );
    let rt = runtime(o.workers)?;
    let reference = astakos::reference(&o.python, &o.script, &sim.seed_line);
    let plan = astakos::plan(&seed, reference, scale, o.repeats, o.pairs, o.pair_times)?;
    finish(o, plan, &rt, sim)
}

fn bench_ecl(o: &Options) -> Result<(), String> {
    check_paths(o)?;
    let scale = if o.quick { 10 } else { 1 };
    // The contract's bulk users, from a seed file the simulator loads
    // before it serves (removed once it has started).
    let contract = ecl::CONTRACT;
    let file = std::env::temp_dir().join(format!("tenantry-bench-ecl-{}.json", std::process::id()));
    std::fs::write(&file, ecl::bulk_seed(contract).to_string())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let sim = SimProcess::start_with(&o.sim, "ecl-sss", Some(&file));
    let _ = std::fs::remove_file(&file);
    let sim = sim?;
    let seed = ecl::Seed::from_json(sim.service("ecl-sss")?)?;
    if seed.contract_id != contract {
        return Err(format!(
            "the simulator's contract is {}, the bulk users went to {contract}",
            seed.contract_id
        ));
    }
    eprintln!(
        "tenantry-sim (pid {}) at {}, contract {} of {} users; {} tokio workers for the Rust clients",
        sim.pid(),
        seed.auth_url,
        seed.contract_id,
        ecl::USERS,
        o.workers
    );
    let rt = runtime(o.workers)?;
    let reference = ecl::reference(&o.python, &o.script, &sim.seed_line);
    let plan = ecl::plan(&seed, reference, scale, o.repeats, o.pairs, o.pair_times)?;
    finish(o, plan, &rt, sim)
}

fn bench_squonk2(o: &Options) -> Result<(), String> {
    check_paths(o)?;
    let scale = if o.quick { 10 } else { 1 };
    // The bench unit's products and charges, from a seed file the
    // simulator loads before it serves (removed once it has started).
    let file = std::env::temp_dir().join(format!(
        "tenantry-bench-squonk2-{}.json",
        std::process::id()
    ));
    let owner = squonk2::ADMIN;
    std::fs::write(&file, squonk2::bulk_seed(owner).to_string())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let sim = SimProcess::start_with(&o.sim, "squonk2-as", Some(&file));
    let _ = std::fs::remove_file(&file);
    let sim = sim?;
    let seed = squonk2::Seed::from_json(sim.service("squonk2-as")?)?;
    if seed.username != owner {
        return Err(format!(
            "the simulator's AS administrator is {}, the bench unit's owner {owner}",
            seed.username
        ));
    }
    eprintln!(
        "tenantry-sim (pid {}) at {}, a unit of {} products and a product of {} charges; {} tokio workers for the Rust clients",
        sim.pid(),
        seed.api_url,
        squonk2::PRODUCTS,
        squonk2::CHARGES,
        o.workers
    );
    let rt = runtime(o.workers)?;
    let reference = squonk2::reference(&o.python, &o.script, &squonk2::reference_seed(&sim.seed)?);
    let plan = squonk2::plan(&seed, reference, scale, o.repeats, o.pairs, o.pair_times)?;
    finish(o, plan, &rt, sim)
}

fn bench_etunexus(o: &Options) -> Result<(), String> {
    check_paths(o)?;
    let scale = if o.quick { 10 } else { 1 };
    // The bulk users' group, from a seed file the simulator loads before
    // it serves (removed once it has started); HTTPS, as the reference
    // requires.
    let file = std::env::temp_dir().join(format!(
        "tenantry-bench-etunexus-{}.json",
        std::process::id()
    ));
    std::fs::write(&file, etunexus::bulk_seed().to_string())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let sim = SimProcess::start_opts(&o.sim, "etunexus", Some(&file), true);
    let _ = std::fs::remove_file(&file);
    let sim = sim?;
    let seed = etunexus::Seed::from_json(sim.service("etunexus")?, sim.cert_pem()?)?;
    eprintln!(
        "tenantry-sim (pid {}) at {} over TLS, group `{}` of {} users; {} tokio workers for the Rust clients",
        sim.pid(),
        seed.url,
        etunexus::GROUP,
        etunexus::USERS,
        o.workers
    );
    let rt = runtime(o.workers)?;
    let reference = etunexus::reference(&o.python, &o.script, &sim.seed_line);
    let plan = etunexus::plan(&seed, reference, scale, o.repeats, o.pairs, o.pair_times);
    finish(o, plan, &rt, sim)
}

/// Applies the selection options, runs the plan and prints the table.
fn finish(
    o: &Options,
    mut plan: Plan,
    rt: &tokio::runtime::Runtime,
    sim: SimProcess,
) -> Result<(), String> {
    for w in &mut plan.workloads {
        w.ops *= o.times.max(1);
    }
    if let Some(m) = &o.mode {
        plan.modes.retain(|x| match x {
            tenantry_bench::Mode::Sequential => m == "sequential",
            _ => m == "in-flight",
        });
    }
    if let Some(w) = &o.workload {
        plan.workloads.retain(|x| &x.name == w);
    }
    if let Some(only) = &o.only {
        plan.contenders
            .retain(|c| only.iter().any(|n| n == c.name()));
        if plan.contenders.is_empty() {
            return Err(format!("--only {}: no such contender", only.join(",")));
        }
    }
    let report = run(&plan, rt)?;
    drop(sim);
    print!("{report}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((service, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match service.as_str() {
        "astakos" => parse(service, rest).and_then(|o| bench_astakos(&o)),
        "ecl" => parse(service, rest).and_then(|o| bench_ecl(&o)),
        "squonk2" => parse(service, rest).and_then(|o| bench_squonk2(&o)),
        "etunexus" => parse(service, rest).and_then(|o| bench_etunexus(&o)),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("tenantry-bench: unknown service `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tenantry-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
