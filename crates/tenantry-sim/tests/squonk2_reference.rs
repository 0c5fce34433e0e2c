//! The real `im-squonk2-client` 7.0.0 verifies our Keycloak's RS256 tokens:
//! `Auth.get_access_token(prior_token=...)` re-uses a valid prior token and
//! refuses a forged one.
//!
//! Needs Python 3 with `.ci/python-requirements-py3.txt` installed; `.ci/run`
//! builds `.venv-py3`, exports `TENANTRY_PY3` and runs this with `--ignored`.
//! Without `TENANTRY_PY3` it fails (it never passes without checking).

use std::process::Command;

use tenantry_sim::{KeycloakSim, SimServer};

#[tokio::test]
#[ignore = "needs TENANTRY_PY3 with im-squonk2-client (run by .ci/run)"]
async fn squonk2_client_verifies_and_reuses_a_prior_token() {
    let python = std::env::var("TENANTRY_PY3")
        .expect("TENANTRY_PY3 must name a python with im-squonk2-client==7.0.0");
    let kc = KeycloakSim::seeded();
    let server = SimServer::start(kc.router()).await.unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/conformance/squonk2_prior_token.py"
    );
    let url = server.base_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg("-W")
            .arg("ignore")
            .arg(script)
            .arg(url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["reused"], true);
    assert_eq!(v["forged_refused_with"], "BadSignatureError");
    assert_eq!(v["preferred_username"], "dlister");

    // One token request (the prior token was re-used, the forged one
    // refused before any request) and one realm document for the key.
    let j = server.journal();
    assert_eq!(
        j.count("POST", "/realms/squonk2/protocol/openid-connect/token"),
        1
    );
    assert_eq!(j.count("GET", "/realms/squonk2"), 1);
    assert_eq!(kc.token_requests(), 1);
}
