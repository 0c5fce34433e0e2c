//! Conformance with the real reference client: `im-squonk2-client==7.0.0`
//! (Python 3.11) gets its tokens from the simulated Keycloak through its own
//! `Auth.get_access_token` (password grant, then the `prior_token` path)
//! and calls every public `AsApi` classmethod (all 56) against the AS
//! simulator (`conformance/squonk2_as_reference.py`); every call must come
//! back `success` with the right data, and the refusals the script provokes
//! (non-member 403, the unit that still has a product, 404s, 409) must be
//! the server's.
//!
//! Needs `TENANTRY_PY3`: a python with `.ci/python-requirements-py3.txt`
//! installed; `.ci/run` builds `.venv-py3` and runs this with `--ignored`.
//! Without it the test fails (it never passes without running).

use std::process::Command;
use std::sync::Arc;

use serde_json::{json, Value};
use tenantry_sim::squonk2_as::*;
use tenantry_sim::{SimOptions, SimServer, Squonk2AsSim};

#[tokio::test]
#[ignore = "needs TENANTRY_PY3 with im-squonk2-client==7.0.0 (run by .ci/run)"]
async fn im_squonk2_client_calls_every_asapi_method_against_the_simulator() {
    let python = std::env::var("TENANTRY_PY3")
        .expect("TENANTRY_PY3 must name a python with im-squonk2-client==7.0.0");
    let sim = Squonk2AsSim::seeded();
    let server = SimServer::start_with(
        sim.router(),
        SimOptions::new().control(Arc::new(sim.clone())),
    )
    .await
    .unwrap();
    // Charges for the reference to read: the seed's 0.25 (storage), 1.0
    // more storage and 2.25 of processing, all today.
    assert_eq!(sim.charge_storage(SEED_PRODUCT_ID, 4).unwrap(), 1.0);
    sim.charge_processing(SEED_PRODUCT_ID, SEED_MERCHANT_ID, 2.25)
        .unwrap();
    let expect = json!({
        "product_charges": {"count": 3, "coins": 3.5},
        "org_charges": {"count": 3, "coins": 3.5},
    });
    let seed = sim.seed_json(&server.base_url());
    server.journal().clear();

    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/conformance/squonk2_as_reference.py"
    );
    let (seed_arg, expect_arg) = (seed.to_string(), expect.to_string());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-W", "ignore", script, &seed_arg, &expect_arg])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    let v: Value = serde_json::from_str(stdout.trim()).unwrap();

    // Every public classmethod was called, and every call succeeded with
    // the data the script checked.
    let public: Vec<&str> = v["public_methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(public.len(), 56, "{public:?}");
    assert_eq!(v["missing"], json!([]));
    assert_eq!(v["count"], 56);
    let ops = v["operations"].as_object().unwrap();
    let failed: Vec<String> = ops
        .iter()
        .filter(|(_, r)| r["ok"] != true)
        .map(|(name, r)| format!("{name}: {} {}", r["error"], r["trace"]))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(ops.len(), 56);
    // The exact success statuses.
    for (name, status) in [
        ("create_organisation", 201),
        ("create_unit", 201),
        ("create_personal_unit", 201),
        ("create_product", 201),
        ("create_asset", 201),
        ("create_event_stream", 201),
        ("add_user_to_unit", 201),
        ("add_user_to_organisation", 201),
        ("alter_asset", 200),
        ("alter_product", 200),
        ("attach_asset", 204),
        ("detach_asset", 204),
        ("enable_asset", 204),
        ("disable_asset", 204),
        ("delete_unit", 204),
        ("delete_organisation", 204),
        ("delete_event_stream", 204),
        ("get_product_charges", 200),
    ] {
        assert_eq!(ops[name]["status"], status, "{name}");
    }
    assert_eq!(
        ops["get_product_charges"]["value"],
        json!({"count": 3, "coins": 3.5})
    );

    // Tokens: the password grant, and the prior token handed back.
    assert_eq!(v["tokens"]["prior_reused"], true);
    let j = server.journal();
    assert_eq!(
        j.count("POST", "/realms/squonk2/protocol/openid-connect/token"),
        3,
        "dlister, admin and bob; none for the re-used prior token"
    );
    assert_eq!(j.count("GET", "/realms/squonk2"), 1, "the realm key");

    // The server's refusals, as the reference sees them.
    let refusals = v["refusals"].as_object().unwrap();
    for label in [
        "bob_get_organisation_403",
        "add_user_again_200",
        "get_personal_unit_after_delete_404",
        "delete_unit_with_products_400",
        "attach_twice_409",
        "get_deleted_asset_404",
        "product_charges_prior_period_empty",
        "user_charges_403",
        "get_deleted_organisation_404",
    ] {
        assert_eq!(refusals[label]["ok"], true, "{label}: {}", refusals[label]);
    }

    // Every wire operation reached the simulator (ping is get_version,
    // get_available_units is get_units: the same request).
    for m in public {
        if matches!(
            m,
            "set_api_url" | "get_api_url" | "ping" | "get_available_units"
        ) {
            continue;
        }
        assert!(sim.calls(m) >= 1, "{m} never reached the simulator");
    }
    assert_eq!(sim.calls("get_version"), 2, "ping and get_version");
    assert!(sim.calls("get_units") >= 2);

    // The reference's string asset carried its own source as the
    // empty-filename part; the simulator ignored it (the script read back
    // the string content).
    let uploads = j.filter(|e| e.method == "POST" && e.path == format!("{API_ROOT}/asset"));
    assert_eq!(uploads.len(), 2);
    assert!(uploads[0].body_len > 50_000, "{}", uploads[0].body_len);

    // Cleaned up: the organisation, unit and product the script made are
    // gone; the seed remains.
    assert_eq!(sim.organisation_count(), 2);
    assert_eq!(sim.product_count(), 1);
}
