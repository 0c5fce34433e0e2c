//! What every command gets: the output format, the HTTP transport, and the
//! configuration read from environment variables (secrets from the
//! environment or stdin only, never from arguments).

use crate::output::Format;
use std::fmt;
use std::sync::{Arc, RwLock};
use tenantry::core::redact::Scrubber;
use tenantry::core::{HttpTransport, ReqwestTransport, Secret};

/// A configuration variable: its name and what it is for (shown in `--help`
/// and in the error when it is missing).
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    /// The variable name.
    pub name: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Whether it holds a secret (never printed; `--secret-stdin` can supply it).
    pub secret: bool,
}

const fn var(name: &'static str, help: &'static str) -> EnvVar {
    EnvVar {
        name,
        help,
        secret: false,
    }
}

const fn secret(name: &'static str, help: &'static str) -> EnvVar {
    EnvVar {
        name,
        help,
        secret: true,
    }
}

/// Every configuration variable, by service (the single source for `--help`).
pub const ENV_VARS: &[(&str, &[EnvVar])] = &[
    (
        "Synnefo Astakos (X-Auth-Token)",
        &[
            var(
                "TENANTRY_ASTAKOS_URL",
                "Astakos identity (auth) URL, e.g. https://accounts.example.org/identity/v2.0",
            ),
            secret(
                "TENANTRY_ASTAKOS_TOKEN",
                "Astakos token: a user token, or a component (service) token for commissions, \
                 service-users and the service/project quotas",
            ),
            secret(
                "TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET",
                "OAuth2 client secret (only for `astakos identity oauth2-token`)",
            ),
        ],
    ),
    (
        "NTT Enterprise Cloud 2.0 SSS (Keystone v3)",
        &[
            var(
                "TENANTRY_ECL_AUTH_URL",
                "Keystone auth URL, e.g. https://keystone-jp1.ecl.ntt.com/v3",
            ),
            var("TENANTRY_ECL_USERNAME", "API key (Keystone user name)"),
            secret("TENANTRY_ECL_PASSWORD", "API secret key"),
            var(
                "TENANTRY_ECL_PROJECT_ID",
                "project (tenant) id to scope the token to",
            ),
            var(
                "TENANTRY_ECL_REGION",
                "catalog region to pick the endpoint from (optional, e.g. jp1)",
            ),
            var(
                "TENANTRY_ECL_USER_DOMAIN_ID",
                "user domain id (optional, default: default)",
            ),
        ],
    ),
    (
        "Etu Nexus (CAS SSO)",
        &[
            var(
                "TENANTRY_ETUNEXUS_CAS_URL",
                "CAS server root (the Etu Nexus host), e.g. https://nexus.example.com",
            ),
            var("TENANTRY_ETUNEXUS_GROUP", "Etu Nexus group"),
            var("TENANTRY_ETUNEXUS_USERNAME", "user name in the group"),
            secret("TENANTRY_ETUNEXUS_PASSWORD", "password"),
        ],
    ),
    (
        "Squonk2 Account Server (Keycloak bearer)",
        &[
            var("TENANTRY_SQUONK2_AS_URL", "Account Server API root"),
            var(
                "TENANTRY_SQUONK2_KEYCLOAK_URL",
                "Keycloak root, e.g. https://keycloak.example.com/auth",
            ),
            var("TENANTRY_SQUONK2_REALM", "Keycloak realm"),
            var("TENANTRY_SQUONK2_CLIENT_ID", "Keycloak client id"),
            var("TENANTRY_SQUONK2_USERNAME", "Keycloak user name"),
            secret("TENANTRY_SQUONK2_PASSWORD", "Keycloak password"),
        ],
    ),
];

/// The `--help` section listing [`ENV_VARS`].
pub fn env_help() -> String {
    let mut s = String::from("Configuration (environment variables):\n");
    s.push_str("  TENANTRY_OUTPUT  default for --output (json|table)\n");
    s.push_str("  RUST_LOG         tracing filter; overrides -v\n");
    let width = ENV_VARS
        .iter()
        .flat_map(|(_, vars)| vars.iter())
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0);
    for (service, vars) in ENV_VARS {
        s.push_str(&format!("\n  {service}:\n"));
        for v in *vars {
            let mark = if v.secret { " [secret]" } else { "" };
            s.push_str(&format!("    {:width$}  {}{mark}\n", v.name, v.help));
        }
    }
    s.push_str(
        "\nSecrets are read only from the environment, or from the first line of stdin\n\
         with --secret-stdin; they are never printed.\n",
    );
    s
}

fn describe(name: &str) -> &'static str {
    ENV_VARS
        .iter()
        .flat_map(|(_, vars)| vars.iter())
        .find(|v| v.name == name)
        .map(|v| v.help)
        .unwrap_or("")
}

/// The errors of the CLI. `Display` never shows a secret (core errors are
/// redacted at the source).
#[derive(Debug)]
pub enum CliError {
    /// A configuration variable is not set (or is empty).
    MissingEnv(&'static str),
    /// A configuration value or argument is unusable.
    Invalid(String),
    /// A call failed.
    Core(tenantry::core::Error),
    /// A step did not give the expected result.
    Failed(String),
    /// Reading stdin or writing stdout failed.
    Io(std::io::Error),
    /// Some ids did not resolve (exit 4); each was reported on stderr.
    Missing(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::MissingEnv(name) => {
                let help = describe(name);
                if help.is_empty() {
                    write!(
                        f,
                        "missing configuration: set the environment variable {name}"
                    )
                } else {
                    write!(
                        f,
                        "missing configuration: set the environment variable {name} ({help})"
                    )
                }
            }
            CliError::Invalid(msg) => f.write_str(msg),
            CliError::Core(e) => write!(f, "{e}"),
            CliError::Failed(msg) => f.write_str(msg),
            CliError::Io(e) => write!(f, "I/O error: {e}"),
            CliError::Missing(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for CliError {}

impl From<tenantry::core::Error> for CliError {
    fn from(e: tenantry::core::Error) -> Self {
        CliError::Core(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

/// `Result` with [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;

type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Shared by every command of one invocation.
pub struct Context {
    /// `--output`.
    pub format: Format,
    transport: Arc<dyn HttpTransport>,
    stdin_secret: Option<Secret>,
    env: EnvLookup,
    progress: indicatif::MultiProgress,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("format", &self.format)
            .field("stdin_secret", &self.stdin_secret)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context reading the process environment, with the default transport.
    pub fn from_env(format: Format, stdin_secret: Option<Secret>) -> Result<Self> {
        let transport: Arc<dyn HttpTransport> = Arc::new(ReqwestTransport::with_defaults()?);
        Ok(Context {
            format,
            transport,
            stdin_secret,
            env: Box::new(|name| std::env::var(name).ok()),
            progress: indicatif::MultiProgress::with_draw_target(
                indicatif::ProgressDrawTarget::hidden(),
            ),
        })
    }

    /// Replaces the environment lookup (tests).
    #[cfg(test)]
    pub fn with_env(
        mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Box::new(env);
        self
    }

    /// The HTTP transport (one connection pool for the whole invocation).
    pub fn transport(&self) -> Arc<dyn HttpTransport> {
        self.transport.clone()
    }

    /// Where progress bars and spinners go (hidden until the dispatcher
    /// points it at stderr; indicatif draws nothing when stderr is not a
    /// terminal).
    pub fn progress(&self) -> &indicatif::MultiProgress {
        &self.progress
    }

    /// An optional variable (empty counts as unset).
    pub fn var_opt(&self, name: &'static str) -> Option<String> {
        (self.env)(name).filter(|v| !v.trim().is_empty())
    }

    /// A required variable.
    pub fn var(&self, name: &'static str) -> Result<String> {
        self.var_opt(name).ok_or(CliError::MissingEnv(name))
    }

    /// A required secret: the line read by `--secret-stdin`, else the variable.
    pub fn secret(&self, name: &'static str) -> Result<Secret> {
        if let Some(s) = &self.stdin_secret {
            return Ok(remember(s.clone()));
        }
        (self.env)(name)
            .filter(|v| !v.is_empty())
            .map(|v| remember(Secret::new(v)))
            .ok_or(CliError::MissingEnv(name))
    }
}

impl Context {
    /// A secret read only from its variable (for a command's second secret:
    /// `--secret-stdin` supplies the main one).
    pub fn secret_env(&self, name: &'static str) -> Result<Secret> {
        (self.env)(name)
            .filter(|v| !v.is_empty())
            .map(|v| remember(Secret::new(v)))
            .ok_or(CliError::MissingEnv(name))
    }
}

/// Every secret this process has read (environment, stdin, secret files)
/// or obtained (tokens): the last guard on stdout, stderr and log lines.
static KNOWN_SECRETS: RwLock<Scrubber> = RwLock::new(Scrubber::new());

/// Registers `secret` with the process's output scrubber and returns it.
pub fn remember(secret: Secret) -> Secret {
    if let Ok(mut known) = KNOWN_SECRETS.write() {
        known.add_secret(secret.expose());
    }
    secret
}

/// `text` with every secret the process knows masked (all encodings),
/// plus sensitive `key=value` pairs and CAS tickets: for stderr (errors,
/// log lines).
pub fn scrub(text: &str) -> String {
    match KNOWN_SECRETS.read() {
        Ok(known) => known.text(text),
        Err(_) => Scrubber::new().text(text),
    }
}

/// `text` with every secret the process knows masked (all encodings), and
/// nothing else changed: for stdout (command output).
pub fn scrub_known(text: &str) -> String {
    match KNOWN_SECRETS.read() {
        Ok(known) => known.known_values(text),
        Err(_) => text.to_owned(),
    }
}

/// Stderr for the tracing subscriber, every line through [`scrub`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ScrubbedStderr;

impl std::io::Write for ScrubbedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The fmt subscriber writes each event whole, in one call.
        let clean = scrub(&String::from_utf8_lossy(buf));
        std::io::stderr().lock().write_all(clean.as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Reads the first line of stdin as a secret (without its line ending).
pub fn read_stdin_secret() -> Result<Secret> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let value = line.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        return Err(CliError::Invalid(
            "--secret-stdin: the first line of stdin is empty".into(),
        ));
    }
    Ok(remember(Secret::new(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context::from_env(Format::Json, None)
            .unwrap()
            .with_env(|name| match name {
                "TENANTRY_ECL_USERNAME" => Some("key".into()),
                "TENANTRY_ECL_REGION" => Some("  ".into()),
                "TENANTRY_ECL_PASSWORD" => Some("planted-pw".into()),
                _ => None,
            })
    }

    #[test]
    fn missing_variable_is_named_with_its_help() {
        let e = ctx().var("TENANTRY_ECL_AUTH_URL").unwrap_err().to_string();
        assert!(e.contains("TENANTRY_ECL_AUTH_URL"), "{e}");
        assert!(e.contains("Keystone auth URL"), "{e}");
        assert_eq!(ctx().var("TENANTRY_ECL_USERNAME").unwrap(), "key");
        assert!(ctx().var_opt("TENANTRY_ECL_REGION").is_none());
    }

    #[test]
    fn secrets_are_masked_and_stdin_wins() {
        let s = ctx().secret("TENANTRY_ECL_PASSWORD").unwrap();
        assert_eq!(s.to_string(), "***");
        let mut c = ctx();
        c.stdin_secret = Some(Secret::new("from-stdin"));
        assert_eq!(
            c.secret("TENANTRY_ECL_PASSWORD").unwrap().expose(),
            "from-stdin"
        );
        assert!(!format!("{c:?}").contains("from-stdin"));
    }

    #[test]
    fn help_lists_every_variable() {
        let h = env_help();
        for (_, vars) in ENV_VARS {
            for v in *vars {
                assert!(h.contains(v.name), "{}", v.name);
            }
        }
    }
}
