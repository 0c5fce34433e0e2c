//! The command line: global options and the top-level commands.

use crate::context::env_help;
use crate::demo::DemoArgs;
use crate::families::astakos::Astakos;
use crate::families::auth::Auth;
use crate::families::{family, nested};
use crate::output::Format;
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser};

/// `tenantry`: the tenantry SDKs from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "tenantry",
    version,
    about = "Command-line client of the tenantry SDKs (Etu Nexus, NTT ECL SSS, Synnefo Astakos, Squonk2 AS)",
    long_about = "Command-line client of the tenantry SDKs (Etu Nexus, NTT ECL SSS, Synnefo Astakos, \
                  Squonk2 AS).\n\nEvery command prints its result on stdout in the --output format; \
                  errors go to stderr with exit status 1 (2 for invalid arguments)."
)]
pub struct Cli {
    /// Output format of results.
    #[arg(
        long,
        short = 'o',
        global = true,
        value_enum,
        env = "TENANTRY_OUTPUT",
        default_value = "json"
    )]
    pub output: Format,

    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG wins when set.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// Read the command's secret (password or token) from the first line of
    /// stdin instead of its environment variable.
    #[arg(long, global = true)]
    pub secret_stdin: bool,

    #[command(subcommand)]
    pub command: Command,
}

family! {
    /// The top-level commands: one group per service, plus the demo.
    pub Command {
        /// Log in with the configured credentials and show the result.
        #[command(subcommand)]
        Auth(Auth) => nested,
        /// Synnefo Astakos: every operation of the Astakos client, by resource family.
        #[command(subcommand)]
        Astakos(Astakos) => nested,
        /// Start the embedded simulators and walk through the three logins
        /// (CAS, Keystone, Keycloak) and an Astakos quota tour. The
        /// walkthrough is printed as text; a summary follows in the --output
        /// format.
        Demo(DemoArgs) => crate::demo::run,
    }
}

impl Cli {
    /// The clap command with the configuration variables in its help.
    pub fn command_with_help() -> clap::Command {
        Cli::command()
            .after_help("Configuration comes from TENANTRY_* environment variables; see --help.")
            .after_long_help(env_help())
    }

    /// Parses the process arguments; exits 2 on invalid arguments.
    pub fn parse_args() -> Cli {
        let matches = Cli::command_with_help().get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command_with_help().debug_assert();
    }

    #[test]
    fn global_options_anywhere() {
        let cli = Cli::try_parse_from(["tenantry", "auth", "keystone-token", "-o", "table", "-vv"])
            .unwrap();
        assert_eq!(cli.output, Format::Table);
        assert_eq!(cli.verbose, 2);
        assert!(Cli::try_parse_from(["tenantry", "--output", "xml", "demo"]).is_err());
    }
}
