//! `tenantry`: the command-line client of the tenantry SDKs.
//!
//! - [`cli`]: global options and the top-level commands;
//! - [`families`]: the [`families::Family`] trait, the `family!` macro that
//!   declares a resource family once, and the one dispatcher;
//! - [`output`]: the one renderer (pretty JSON or table);
//! - [`context`]: configuration from environment variables, secrets, errors;
//! - [`demo`]: the walkthrough against the embedded simulators.

mod cli;
mod context;
mod demo;
mod dry_run;
mod families;
mod input;
mod output;

use cli::{Cli, Command};
use context::{read_stdin_secret, Context, Result};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn init_tracing(verbose: u8) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::new(v),
        _ => EnvFilter::new(match verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| context::ScrubbedStderr)
        .init();
}

async fn run(cli: Cli) -> Result<()> {
    let secret = if cli.secret_stdin {
        Some(read_stdin_secret()?)
    } else {
        None
    };
    let ctx = Context::from_env(cli.output, secret)?;
    // The demo narrates on stdout: no spinner over it.
    let progress = !matches!(cli.command, Command::Demo(_));
    families::dispatch(cli.command, &ctx, progress).await
}

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Core errors are redacted at the source; mask every secret the
            // process knows and stray CAS tickets too.
            eprintln!("error: {}", context::scrub(&e.to_string()));
            // The codes of INTERFACES.md §3 this branch's commands need (a
            // bad input 2, ids not found 4); the CLI-infrastructure branch
            // maps them all.
            match e {
                context::CliError::Invalid(_) => ExitCode::from(2),
                context::CliError::Missing(_) => ExitCode::from(4),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
