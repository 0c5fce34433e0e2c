//! Keycloak password grant against the embedded simulator, then bearer calls
//! from many tasks sharing one token.
//!
//! `cargo run -p tenantry-core --example keycloak_login`

use std::sync::Arc;
use tenantry_core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry_core::http::Method;
use tenantry_core::{Operation, Pipeline, Secret};
use tenantry_sim::{KeycloakSim, SimServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = KeycloakSim::seeded();
    let server = SimServer::start(sim.router()).await?;

    let provider = KeycloakProvider::builder(server.base_url(), "squonk2", "account-server-api")
        .grant(KeycloakGrant::Password {
            username: "dlister".into(),
            password: Secret::new("dlister-pass"),
        })
        .build()?;
    let pipeline = Pipeline::builder("squonk2-as")
        .base_url(server.base_url())
        .auth(Arc::new(BearerAuth::Keycloak(provider)))
        .build()?;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let p = pipeline.clone();
            tokio::spawn(async move {
                p.json::<serde_json::Value>(&Operation::new(
                    "kc.whoami",
                    Method::GET,
                    "/_sim/whoami",
                ))
                .await
            })
        })
        .collect();
    for t in tasks {
        println!("whoami: {}", t.await??["username"]);
    }
    println!("token requests: {}", sim.token_requests());
    Ok(())
}
