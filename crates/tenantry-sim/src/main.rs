//! `tenantry-sim serve --service <cas|keystone|keycloak|astakos|ecl-sss|squonk2-as|all>
//! [--port P] [--bind ADDR] [--tls] [--seed FILE] [--header-read-timeout SECS]
//! [--max-connections N] [--max-body-bytes N]`
//!
//! Starts the seeded simulators, prints one JSON line
//! `{"services":{...}}` with their URLs and credentials (and, with `--tls`,
//! `"tls":{"cert_pem":PATH}`), and runs until Ctrl-C or SIGTERM.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use tenantry_sim::{
    AstakosSim, CasSim, EclSssSim, KeycloakSim, KeystoneSim, SimControl, SimOptions, SimServer,
    SimTls, Squonk2AsSim,
};

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
        /// The address to listen on.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        bind: IpAddr,
        /// Serve HTTPS with a self-signed certificate made at start (for
        /// `localhost` and `127.0.0.1`); its PEM file is named in the
        /// startup line.
        #[arg(long)]
        tls: bool,
        /// Load this JSON seed file (see the README) into every service it
        /// has a section for; a reset returns to it.
        #[arg(long)]
        seed: Option<PathBuf>,
        /// Seconds a client has to send a request head (and the longest a
        /// kept-alive connection may idle).
        #[arg(long, default_value_t = 30)]
        header_read_timeout: u64,
        /// The most connections each service serves at once.
        #[arg(long, default_value_t = tenantry_sim::kit::DEFAULT_MAX_CONNECTIONS)]
        max_connections: usize,
        /// The largest request body read, in bytes.
        #[arg(long, default_value_t = tenantry_sim::kit::DEFAULT_MAX_BODY_BYTES)]
        max_body_bytes: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Service {
    Cas,
    Keystone,
    Keycloak,
    Astakos,
    /// NTT ECL SSS v1 behind its own Keystone (one port).
    EclSss,
    /// The Squonk2 Account Server behind its own Keycloak (one port).
    Squonk2As,
    All,
}

fn addr(bind: IpAddr, port: u16, offset: u16) -> std::io::Result<SocketAddr> {
    let port = if port == 0 {
        0
    } else {
        port.checked_add(offset).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("--port {port} + {offset} is past 65535"),
            )
        })?
    };
    Ok(SocketAddr::new(bind, port))
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

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

fn read_seed(path: &Path) -> std::io::Result<serde_json::Value> {
    let text = std::fs::read(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("--seed {}: {e}", path.display())))?;
    serde_json::from_slice(&text)
        .map_err(|e| invalid(format!("--seed {}: not JSON: {e}", path.display())))
}

/// Write the certificate where the startup line says, readable by anyone
/// (it is public); the key never leaves the process.
fn write_cert(tls: &SimTls) -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("tenantry-sim-{}-cert.pem", std::process::id()));
    std::fs::write(&path, tls.cert_pem())?;
    Ok(path)
}

struct Opts {
    bind: IpAddr,
    port: u16,
    tls: Option<SimTls>,
    seed: Option<serde_json::Value>,
    limits: Limits,
}

#[derive(Clone, Copy)]
struct Limits {
    header_read_timeout: u64,
    max_connections: usize,
    max_body_bytes: u64,
}

async fn start(
    opts: &Opts,
    offset: &mut u16,
    router: axum::Router,
    control: Arc<dyn SimControl>,
) -> std::io::Result<SimServer> {
    let mut o = SimOptions::new()
        .addr(addr(opts.bind, opts.port, *offset)?)
        .header_read_timeout(std::time::Duration::from_secs(
            opts.limits.header_read_timeout,
        ))
        .max_connections(opts.limits.max_connections)
        .max_body_bytes(opts.limits.max_body_bytes)
        .control(control);
    *offset = offset.saturating_add(1);
    if let Some(tls) = &opts.tls {
        o = o.tls(tls.clone());
    }
    let server = SimServer::start_with(router, o).await?;
    if let Some(seed) = &opts.seed {
        server.load_seed(seed).map_err(invalid)?;
    }
    Ok(server)
}

/// The servers started so far, and the startup line's `services`.
#[derive(Default)]
struct Started {
    services: serde_json::Map<String, serde_json::Value>,
    servers: Vec<SimServer>,
    offset: u16,
}

impl Started {
    /// Starts `sim` (its router and its control plane) on the next port and
    /// keeps its seed object under its service name.
    async fn add<S: SimControl + Clone>(
        &mut self,
        opts: &Opts,
        sim: &S,
        router: axum::Router,
        seed_json: impl FnOnce(&str) -> serde_json::Value,
    ) -> std::io::Result<()> {
        let server = start(opts, &mut self.offset, router, Arc::new(sim.clone())).await?;
        self.services
            .insert(sim.service().into(), seed_json(&server.base_url()));
        self.servers.push(server);
        Ok(())
    }
}

async fn serve(
    service: Service,
    port: u16,
    bind: IpAddr,
    tls: bool,
    seed: Option<PathBuf>,
    limits: Limits,
) -> std::io::Result<()> {
    if limits.header_read_timeout == 0 || limits.max_connections == 0 {
        return Err(invalid(
            "--header-read-timeout and --max-connections must be at least 1".to_owned(),
        ));
    }
    let seed = seed.as_deref().map(read_seed).transpose()?;
    let tls = if tls {
        Some(SimTls::self_signed()?)
    } else {
        None
    };
    let opts = Opts {
        bind,
        port,
        tls,
        seed,
        limits,
    };
    let mut started = Started::default();
    if matches!(service, Service::Cas | Service::All) {
        let sim = CasSim::seeded();
        started
            .add(&opts, &sim, sim.router(), |u| sim.seed_json(u))
            .await?;
    }
    if matches!(service, Service::Keystone | Service::All) {
        let sim = KeystoneSim::seeded();
        started
            .add(&opts, &sim, sim.router(), |u| sim.seed_json(u))
            .await?;
    }
    if matches!(service, Service::Keycloak | Service::All) {
        let sim = KeycloakSim::seeded();
        started
            .add(&opts, &sim, sim.router(), |u| sim.seed_json(u))
            .await?;
    }
    if matches!(service, Service::Astakos | Service::All) {
        let sim = AstakosSim::seeded();
        started
            .add(&opts, &sim, sim.router(), |u| sim.seed_json(u))
            .await?;
    }
    if matches!(service, Service::EclSss | Service::All) {
        let sim = EclSssSim::seeded();
        started
            .add(&opts, &sim, sim.router(), |u| sim.seed_json(u))
            .await?;
    }
    if matches!(service, Service::Squonk2As | Service::All) {
        let sim = Squonk2AsSim::seeded();
        started
            .add(&opts, &sim, sim.router(), |u| sim.seed_json(u))
            .await?;
    }
    let Started {
        services, servers, ..
    } = started;
    let mut line = serde_json::json!({ "services": services });
    let cert_path = match &opts.tls {
        Some(tls) => Some(write_cert(tls)?),
        None => None,
    };
    if let Some(path) = &cert_path {
        line["tls"] = serde_json::json!({ "cert_pem": path });
    }
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
    if let Some(path) = cert_path {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            service,
            port,
            bind,
            tls,
            seed,
            header_read_timeout,
            max_connections,
            max_body_bytes,
        } => {
            let limits = Limits {
                header_read_timeout,
                max_connections,
                max_body_bytes,
            };
            serve(service, port, bind, tls, seed, limits).await
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tenantry-sim: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
