//! Quotas and a commission against the in-process Astakos simulator.
//!
//! `cargo run -p astakos-client --example quotas_and_commissions`

use astakos_client::{AstakosClient, ProjectId, Secret, Uuid};
use tenantry_sim::astakos::AstakosSim;
use tenantry_sim::SimServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = AstakosSim::seeded();
    let server = SimServer::start(sim.router()).await?;
    let seed = sim.seed_json(&server.base_url());
    let auth_url = seed["auth_url"].as_str().unwrap_or_default().to_owned();
    let user_token = seed["user_token"].as_str().unwrap_or_default().to_owned();
    let service_token = seed["service_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let user = Uuid::new(seed["user_uuid"].as_str().unwrap_or_default())?;

    // As the user: who am I, and what are my quotas?
    let me = AstakosClient::builder(&auth_url, Secret::new(user_token)).build()?;
    let info = me.identity().authenticate().send().await?;
    println!(
        "authenticated as {:?}",
        info.access.user.and_then(|u| u.name)
    );
    for (source, resources) in me.quotas().get().await? {
        for (resource, q) in resources {
            println!(
                "{source} {resource}: usage {:?} / limit {:?}",
                q.usage, q.limit
            );
        }
    }

    // As a service (cyclades): reserve one VM in the user's base project.
    let cyclades = AstakosClient::builder(&auth_url, Secret::new(service_token)).build()?;
    let base = ProjectId::from(&user);
    let serial = cyclades
        .commissions()
        .issue_one(&user)
        .provision((&base, "cyclades.vm"), 1)
        .name("example: one more VM")
        .send()
        .await?;
    println!(
        "commission {serial} pending: {:?}",
        cyclades.commissions().pending().await?
    );
    let details = cyclades.commissions().info(serial).await?;
    println!("{} provisions", details.provisions.len());
    cyclades.commissions().accept(serial).await?;

    // An impossible request is refused with the reference's message.
    let too_much = cyclades
        .commissions()
        .issue_one(&user)
        .provision((&base, "cyclades.vm"), 1_000_000)
        .send()
        .await;
    use astakos_client::models::OverLimit;
    match too_much
        .as_ref()
        .map_err(|e| e.api().and_then(|a| a.detail::<OverLimit>()))
    {
        Err(Some(over)) => println!("refused: {}", over.details()),
        _ => println!("unexpected: {too_much:?}"),
    }
    println!("requests served: {}", server.journal().len());
    Ok(())
}
