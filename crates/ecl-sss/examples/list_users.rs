//! List the users of a contract, create one and remove it, against the
//! in-process ECL SSS simulator (and its Keystone).
//!
//! `cargo run -p ecl-sss --example list_users`

use ecl_sss::{EclSssClient, Secret};
use tenantry_sim::{EclSssSim, SimServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = EclSssSim::seeded();
    let server = SimServer::start(sim.router()).await?;
    let seed = sim.seed_json(&server.base_url());
    let text = |k: &str| seed[k].as_str().unwrap_or_default().to_owned();

    // What `EclSssClient::from_env()` builds from OS_AUTH_URL, OS_USERNAME,
    // OS_PASSWORD, OS_PROJECT_ID and OS_REGION_NAME.
    let client = EclSssClient::builder(text("auth_url"))
        .username(text("username"))
        .password(Secret::new(text("password")))
        .project_id(text("project_id").parse()?)
        .region("jp1")
        .build()?;

    for u in client.users().list().await? {
        println!(
            "{:?} {:?} owner={:?}",
            u.user_id, u.login_id, u.contract_owner
        );
    }
    let new = client
        .users()
        .create()
        .login_id("example-user")
        .mail_address("example-user@example.com")
        .send()
        .await?;
    let id = new.user_id.ok_or("no user_id in the answer")?;
    // The API secret is a Secret: masked in Debug and Display.
    println!("created {id}, API secret {:?}", new.keystone_password);
    client.users().delete(&id).await?;
    println!(
        "deleted {id}; {} users left",
        client.users().list().await?.len()
    );
    Ok(())
}
