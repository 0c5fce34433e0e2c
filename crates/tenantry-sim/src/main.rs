//! `tenantry-sim serve --service <cas|keystone|keycloak|astakos|all> [--port P]`
//!
//! Starts the seeded simulators, prints one JSON line
//! `{"services":{...}}` with their URLs and credentials, and runs until
//! Ctrl-C or SIGTERM.

use std::net::{Ipv4Addr, SocketAddr};

use clap::{Parser, Subcommand, ValueEnum};
use tenantry_sim::{AstakosSim, CasSim, KeycloakSim, KeystoneSim, SimServer};

#[derive(Parser, Debug)]
#[command(
    name = "tenantry-sim",
    version,
    about = "Run the tenantry auth simulators"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start simulators and print their seed JSON on one stdout line.
    Serve {
        /// Which simulator to start.
        #[arg(long, value_enum, default_value = "all")]
        service: Service,
        /// The port (with `all`: the first port, the others follow); 0 = random.
        #[arg(long, default_value_t = 0, env = "TENANTRY_SIM_PORT")]
        port: u16,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Service {
    Cas,
    Keystone,
    Keycloak,
    Astakos,
    All,
}

fn addr(port: u16, offset: u16) -> SocketAddr {
    let port = if port == 0 {
        0
    } else {
        port.saturating_add(offset)
    };
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn serve(service: Service, port: u16) -> std::io::Result<()> {
    let mut services = serde_json::Map::new();
    let mut servers: Vec<SimServer> = Vec::new();
    let mut offset = 0;
    if matches!(service, Service::Cas | Service::All) {
        let sim = CasSim::seeded();
        let server = SimServer::start_on(sim.router(), addr(port, offset)).await?;
        offset += 1;
        services.insert("cas".into(), sim.seed_json(&server.base_url()));
        servers.push(server);
    }
    if matches!(service, Service::Keystone | Service::All) {
        let sim = KeystoneSim::seeded();
        let server = SimServer::start_on(sim.router(), addr(port, offset)).await?;
        offset += 1;
        services.insert("keystone".into(), sim.seed_json(&server.base_url()));
        servers.push(server);
    }
    if matches!(service, Service::Keycloak | Service::All) {
        let sim = KeycloakSim::seeded();
        let server = SimServer::start_on(sim.router(), addr(port, offset)).await?;
        offset += 1;
        services.insert("keycloak".into(), sim.seed_json(&server.base_url()));
        servers.push(server);
    }
    if matches!(service, Service::Astakos | Service::All) {
        let sim = AstakosSim::seeded();
        let server = SimServer::start_on(sim.router(), addr(port, offset)).await?;
        services.insert("astakos".into(), sim.seed_json(&server.base_url()));
        servers.push(server);
    }
    let line = serde_json::json!({ "services": services });
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    wait_for_stop().await;
    for server in servers {
        server.shutdown().await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { service, port } => serve(service, port).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tenantry-sim: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
