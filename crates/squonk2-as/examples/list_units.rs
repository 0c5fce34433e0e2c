//! Lists the units the caller can see, grouped by organisation.
//!
//! ```text
//! SQUONK2_ASAPI_URL=https://example.com/account-server-api \
//! SQUONK2_ASAPI_TOKEN=... cargo run -p squonk2-as --example list_units
//! ```

#[tokio::main]
async fn main() -> squonk2_as::Result<()> {
    let client = squonk2_as::Squonk2Client::from_env()?;
    println!("AS {:?}", client.version().await?.version);
    for group in client.units().list().send().await? {
        let org = group.organisation.and_then(|o| o.name).unwrap_or_default();
        for unit in group.units {
            println!("{org}\t{:?}\t{:?}", unit.id, unit.name);
        }
    }
    Ok(())
}
