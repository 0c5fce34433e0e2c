//! CAS single sign-on against the embedded simulator: TGT, service ticket,
//! session cookie, then an authenticated call.
//!
//! `cargo run -p tenantry-core --example cas_login`

use std::sync::Arc;
use tenantry_core::auth::cas::CasSso;
use tenantry_core::http::Method;
use tenantry_core::{Operation, Pipeline, Secret};
use tenantry_sim::{CasSim, SimServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = CasSim::seeded();
    let server = SimServer::start(sim.router()).await?;
    let base = server.base_url();

    let sso = CasSso::new(&base, "workshop", "alice", Secret::new("alice-pass"))?;
    let emc = sso.application(&format!("{base}/shiro-cas"))?;
    let pipeline = Pipeline::builder("etunexus")
        .base_url(format!("{base}/commsrv/v1"))
        .auth(Arc::new(emc))
        .build()?;
    let me: serde_json::Value = pipeline
        .json(&Operation::new("emc.whoami", Method::GET, "/_sim/whoami"))
        .await?;
    println!("logged in as {}", me["user"]);
    for e in server.journal().entries() {
        println!(
            "  sent {} {}",
            e.method,
            e.path.split("/TGT-").next().unwrap_or(&e.path)
        );
    }
    Ok(())
}
