//! Keystone v3 password login against the embedded simulator, endpoint
//! selection from the catalog, then an authenticated call.
//!
//! `cargo run -p tenantry-core --example keystone_login`

use std::sync::Arc;
use tenantry_core::auth::keystone::{EndpointFilter, KeystoneAuth};
use tenantry_core::http::Method;
use tenantry_core::{Operation, Pipeline, Secret};
use tenantry_sim::{KeystoneSim, SimServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = KeystoneSim::seeded();
    let server = SimServer::start(sim.router()).await?;

    let auth = KeystoneAuth::builder(format!("{}/v3", server.base_url()))
        .user_name("ecl-api-key-0001", "default")
        .password(Secret::new("ecl-api-secret-0001"))
        .project_id("7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d")
        .endpoint_filter(EndpointFilter {
            service_type: "sss".into(),
            interface: "public".into(),
            region: Some("jp1".into()),
        })
        .build()?;
    let pipeline = Pipeline::builder("ecl-sss")
        .auth(Arc::new(auth.clone()))
        .build()?;
    let token = auth.token(pipeline.transport().as_ref()).await?;
    println!("token expires at {}", token.expires_at);
    println!(
        "endpoint: {}",
        auth.service_url(pipeline.transport().as_ref()).await?
    );
    let who: serde_json::Value = pipeline
        .json(&Operation::new("sss.whoami", Method::GET, "/whoami"))
        .await?;
    println!("service answered: {who}");
    Ok(())
}
