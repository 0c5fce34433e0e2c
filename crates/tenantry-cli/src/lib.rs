//! `tenantry`: the command-line client of the tenantry SDKs.
//!
//! The binary is `tenantry` (`src/main.rs` calls [`main`]); this library
//! also gives tools the clap definition ([`command`], for man pages).
//!
//! - `cli`: global options and the top-level commands;
//! - `families`: the `Family` trait, the `family!` macro that declares a
//!   resource family once, and the one dispatcher;
//! - `output`: the one renderer (json, yaml, table, wide, csv, value);
//! - `context`: settings (config file < environment < flags), secrets,
//!   errors; `config`: the config file;
//! - `exit`: exit statuses; `logging`: `-v` levels;
//! - `demo` (feature `demo`): the walkthrough against the embedded
//!   simulators.
#![warn(missing_docs)]

mod cli;
mod config;
mod context;
#[cfg(feature = "demo")]
mod demo;
mod dry_run;
mod exit;
mod families;
mod input;
mod logging;
mod output;

use cli::{Cli, Command};
use context::{read_stdin_secret, CliError, Context, Globals, Result};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// The clap definition of the `tenantry` command, with its long help (for
/// man pages and completions).
pub fn command() -> clap::Command {
    Cli::command_with_help()
}

/// The exit statuses and what they mean (as in `tenantry --help`).
pub const EXIT_STATUSES: &str = exit::EXIT_HELP;

async fn run(cli: Cli) -> Result<()> {
    let secret = if cli.secret_stdin {
        Some(read_stdin_secret()?)
    } else {
        None
    };
    let globals = Globals {
        output: cli.output,
        fields: cli.fields,
        profile: cli.profile,
        timeout: cli.timeout,
    };
    let ctx = Context::new(
        &globals,
        secret,
        Box::new(|name| std::env::var(name).ok()),
        std::io::stdout().is_terminal(),
    )?;
    // The demo narrates on stdout: no spinner over it.
    #[cfg(feature = "demo")]
    let progress = !matches!(cli.command, Command::Demo(_));
    #[cfg(not(feature = "demo"))]
    let progress = true;
    let work = families::dispatch(cli.command, &ctx, progress);
    match ctx.timeout() {
        Some(secs) => tokio::time::timeout(Duration::from_secs_f64(secs), work)
            .await
            .map_err(|_| CliError::Timeout(secs))?,
        None => work.await,
    }
}

/// Runs `tenantry` with the process's arguments and environment.
pub fn main() -> ExitCode {
    let cli = Cli::parse_args();
    logging::init(cli.verbose, cli.no_color);
    if let Command::Completions(args) = &cli.command {
        let mut out = std::io::stdout().lock();
        cli::completions(args.shell, &mut out);
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    let result = runtime.block_on(run(cli));
    // A timed-out command may leave a blocking read behind: do not wait
    // for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            // Core errors are redacted at the source; mask every secret the
            // process knows and stray CAS tickets too.
            eprintln!("error: {}", context::scrub(&e.to_string()));
            ExitCode::from(exit::code(&e))
        }
    }
}
