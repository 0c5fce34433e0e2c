//! Conformance: the real reference client, `astakosclient==0.19` under
//! Python 2.7, unmodified, calls every one of its operations against the
//! Astakos simulator and checks what comes back. The script prints one
//! `ok`/`FAIL` line per check and closes with `N passed, M failed`.

use std::time::Duration;
use tenantry_sim::astakos::AstakosSim;
use tenantry_sim::SimServer;
use tenantry_tests::python::{self, Py};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python 2.7 with astakosclient 0.19 (TENANTRY_PY27); .ci/run runs it with --ignored"]
async fn astakosclient_0_19_works_against_the_simulator() {
    let py = python::require(Py::Py27);
    let sim = AstakosSim::seeded();
    let server = SimServer::start(sim.router()).await.expect("sim starts");
    let base = server.base_url();
    let seed = sim.seed_json(&base).to_string();
    let script = tenantry_tests::workspace_root()
        .join("crates/tenantry-sim/conformance/astakos_reference.py");
    let out = tokio::task::spawn_blocking(move || {
        python::run_script(&py, &script, &[base, seed], Duration::from_secs(120))
    })
    .await
    .expect("script thread");
    assert!(
        out.success && out.failed == 0,
        "reference client failed against the simulator:\n{}\n--- stdout\n{}\n--- stderr\n{}",
        out.failures().join("\n"),
        out.stdout,
        out.stderr
    );
    // 41 entry points, several checks each.
    assert!(
        out.passed >= 41,
        "only {} checks ran:\n{}",
        out.passed,
        out.stdout
    );
    // The simulator really was called (not a script that checks nothing).
    assert!(
        server.journal().len() >= 38,
        "{} requests",
        server.journal().len()
    );
}
