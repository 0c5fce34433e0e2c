//! The command line: global options and the top-level commands.

use crate::context::{env_help, CliError, Context, Result};
#[cfg(feature = "demo")]
use crate::demo::DemoArgs;
use crate::families::astakos::Astakos;
use crate::families::auth::Auth;
use crate::families::ecl::EclCmd;
use crate::families::etu::EtuCmd;
use crate::families::squonk2::Squonk2Cmd;
use crate::families::{family, Family, NoArgs};
use crate::output::{Format, Output};
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser};

/// The longest `--timeout` accepted: a week.
const MAX_TIMEOUT: f64 = 7.0 * 24.0 * 3600.0;

/// `tenantry`: the tenantry SDKs from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "tenantry",
    version,
    about = "Command-line client of the tenantry SDKs (Etu Nexus, NTT ECL SSS, Synnefo Astakos, Squonk2 AS)",
    long_about = "Command-line client of the tenantry SDKs (Etu Nexus, NTT ECL SSS, Synnefo Astakos, \
                  Squonk2 AS).\n\nEvery command prints its result on stdout in the --output format \
                  (a table on a terminal, JSON otherwise); errors go to stderr, and the exit \
                  status says what kind of failure it was (see below)."
)]
pub struct Cli {
    /// Output format of results [default: table on a terminal, else json;
    /// env: TENANTRY_OUTPUT; config: output].
    #[arg(long, short = 'o', global = true, value_enum)]
    pub output: Option<Format>,

    /// Show only this field (a top-level field of the result); repeat for
    /// several, in the order wanted.
    #[arg(long = "field", short = 'f', global = true, value_name = "NAME")]
    pub fields: Vec<String>,

    /// The config file's profile to use [default: TENANTRY_PROFILE, else
    /// `default`].
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Give up on the whole command after SECONDS (exit 6) [env:
    /// TENANTRY_TIMEOUT; config: timeout].
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<f64>,

    /// More logging on stderr: -v one line per request, -vv retries, logins
    /// and discovery too, -vvv request details, -vvvv the HTTP libraries';
    /// RUST_LOG wins when set.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// No colours in log lines (also: NO_COLOR set; none when stderr is not a
    /// terminal).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Read the command's secret (password or token) from the first line of
    /// stdin instead of its environment variable or config command.
    #[arg(long, global = true)]
    pub secret_stdin: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands: one group per service, plus configuration,
/// completions and the demo.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Log in with the configured credentials and show the result.
    #[command(subcommand)]
    Auth(Auth),
    /// Synnefo Astakos: every operation of the Astakos client, by resource family.
    #[command(subcommand)]
    Astakos(Astakos),
    /// NTT Enterprise Cloud 2.0 SSS v1: every operation of the ECL client, by
    /// resource family (Keystone v3: TENANTRY_ECL_* or OS_* variables).
    Ecl(EclCmd),
    /// Etu Nexus: every operation of the Etu Nexus client (EMC v2, ER v3,
    /// EI v3), by application and resource family (CAS SSO:
    /// TENANTRY_ETUNEXUS_* variables).
    Etu(EtuCmd),
    /// Squonk2 Account Server: every operation of the Squonk2 AS client, by
    /// resource family (Keycloak bearer: TENANTRY_SQUONK2_* or SQUONK2_*
    /// variables).
    Squonk2(Squonk2Cmd),
    /// The configuration in use: profile, settings, where each came from.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print a shell completion script (e.g. `tenantry completions bash >
    /// ~/.local/share/bash-completion/completions/tenantry`).
    Completions(CompletionsArgs),
    /// Start the embedded simulators and walk through the three logins
    /// (CAS, Keystone, Keycloak), an Astakos quota tour, an ECL SSS tour and
    /// a Squonk2 Account Server tour.
    /// The walkthrough is printed as text; a summary follows in the
    /// --output format.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
}

impl Family for Command {
    async fn run(self, ctx: &Context) -> Result<Output> {
        match self {
            Command::Auth(f) => f.run(ctx).await,
            Command::Astakos(f) => f.run(ctx).await,
            Command::Ecl(f) => f.run(ctx).await,
            Command::Etu(f) => f.run(ctx).await,
            Command::Squonk2(f) => f.run(ctx).await,
            Command::Config(f) => f.run(ctx).await,
            Command::Completions(_) => Err(CliError::Failed(
                "completions are printed before any command runs".into(),
            )),
            #[cfg(feature = "demo")]
            Command::Demo(args) => crate::demo::run(ctx, args).await,
        }
    }
}

family! {
    /// The configuration in use.
    pub ConfigCmd {
        /// Print the merged configuration (file < environment < flags), every
        /// secret masked, with where each value came from.
        Show(NoArgs) => config_show,
    }
}

async fn config_show(ctx: &Context, _args: NoArgs) -> Result<Output> {
    Ok(Output::value(serde_json::Value::Array(ctx.config_rows()))
        .columns(&["setting", "value", "source"], &[]))
}

/// `completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Writes the completion script for `shell` to `w`.
pub fn completions(shell: Shell, w: &mut dyn std::io::Write) {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    clap_complete::generate(shell, &mut Cli::command_with_help(), "tenantry", w);
}

/// A `--timeout` value: seconds, more than 0, at most a week.
pub fn parse_timeout(s: &str) -> std::result::Result<f64, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    check_timeout(secs)
}

/// Checks a timeout in seconds: finite, more than 0, at most a week.
pub fn check_timeout(secs: f64) -> std::result::Result<f64, String> {
    if secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT {
        Ok(secs)
    } else {
        Err(format!(
            "the timeout must be more than 0 and at most {MAX_TIMEOUT} seconds, not {secs}"
        ))
    }
}

impl Cli {
    /// The clap command with the configuration variables and exit statuses
    /// in its help.
    pub fn command_with_help() -> clap::Command {
        Cli::command()
            .after_help(
                "Configuration: a config file profile, TENANTRY_* environment variables, flags; \
                 see --help for them and for the exit statuses.",
            )
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
        let cli = Cli::try_parse_from([
            "tenantry",
            "auth",
            "keystone-token",
            "-o",
            "table",
            "-vv",
            "-f",
            "user",
            "--field",
            "expires_at",
            "--timeout",
            "2.5",
            "--profile",
            "admin",
            "--no-color",
        ])
        .unwrap();
        assert_eq!(cli.output, Some(Format::Table));
        assert_eq!(cli.verbose, 2);
        assert_eq!(cli.fields, ["user", "expires_at"]);
        assert_eq!(cli.timeout, Some(2.5));
        assert_eq!(cli.profile.as_deref(), Some("admin"));
        assert!(cli.no_color);
        assert!(Cli::try_parse_from(["tenantry", "--output", "xml", "auth", "config"]).is_err());
        for bad in ["0", "-1", "nan", "inf", "1e9", "soon"] {
            assert!(
                Cli::try_parse_from(["tenantry", "--timeout", bad, "auth", "config"]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn completions_for_every_shell() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("tenantry"), "{shell:?}");
            assert!(text.contains("astakos"), "{shell:?}");
            assert!(text.contains("iam-groups"), "{shell:?}");
            assert!(text.contains("personal-unit"), "{shell:?}");
        }
    }
}
