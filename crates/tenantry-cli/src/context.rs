//! What every command gets: the output format, the HTTP transport, and the
//! configuration: the config file's profile (see [`crate::config`]), then
//! environment variables, then flags. Secrets come from the environment,
//! stdin or a command, never from arguments.

use crate::config::{FileConfig, FileValue};
use crate::output::{Format, Rendering};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use tenantry::core::redact::Scrubber;
use tenantry::core::{HttpTransport, ReqwestTransport, Secret};

/// A configuration setting: its environment variable, its key in a config
/// file profile, what it is for (shown in `--help` and in the error when it
/// is missing).
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    /// The variable name.
    pub name: &'static str,
    /// The service table of a profile (`[profiles.NAME.<service>]`).
    pub service: &'static str,
    /// The key in that table (a secret: `<key>_cmd`).
    pub key: &'static str,
    /// The service's own variables that also set it, after `name`.
    pub aliases: &'static [&'static str],
    /// One line of help.
    pub help: &'static str,
    /// Whether it holds a secret (never printed; `--secret-stdin` can supply it).
    pub secret: bool,
}

const fn var(
    name: &'static str,
    service: &'static str,
    key: &'static str,
    aliases: &'static [&'static str],
    help: &'static str,
) -> EnvVar {
    EnvVar {
        name,
        service,
        key,
        aliases,
        help,
        secret: false,
    }
}

const fn secret(
    name: &'static str,
    service: &'static str,
    key: &'static str,
    aliases: &'static [&'static str],
    help: &'static str,
) -> EnvVar {
    EnvVar {
        name,
        service,
        key,
        aliases,
        help,
        secret: true,
    }
}

/// Every configuration setting, by service (the single source for `--help`,
/// the config file's keys and `config show`).
pub const ENV_VARS: &[(&str, &[EnvVar])] = &[
    (
        "Synnefo Astakos (X-Auth-Token)",
        &[
            var(
                "TENANTRY_ASTAKOS_URL",
                "astakos",
                "url",
                &[],
                "Astakos identity (auth) URL, e.g. https://accounts.example.org/identity/v2.0",
            ),
            secret(
                "TENANTRY_ASTAKOS_TOKEN",
                "astakos",
                "token",
                &[],
                "Astakos token: a user token, or a component (service) token for commissions, \
                 service-users and the service/project quotas",
            ),
            secret(
                "TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET",
                "astakos",
                "oauth2_client_secret",
                &[],
                "OAuth2 client secret (only for `astakos identity oauth2-token`)",
            ),
        ],
    ),
    (
        "NTT Enterprise Cloud 2.0 SSS (Keystone v3)",
        &[
            var(
                "TENANTRY_ECL_AUTH_URL",
                "ecl",
                "url",
                &["OS_AUTH_URL"],
                "Keystone auth URL, e.g. https://keystone-jp1.ecl.ntt.com/v3",
            ),
            var(
                "TENANTRY_ECL_USERNAME",
                "ecl",
                "user",
                &["OS_USERNAME"],
                "API key (Keystone user name)",
            ),
            secret(
                "TENANTRY_ECL_PASSWORD",
                "ecl",
                "password",
                &["OS_PASSWORD"],
                "API secret key",
            ),
            var(
                "TENANTRY_ECL_PROJECT_ID",
                "ecl",
                "project",
                &["OS_PROJECT_ID"],
                "project (tenant) id to scope the token to",
            ),
            var(
                "TENANTRY_ECL_REGION",
                "ecl",
                "region",
                &["OS_REGION_NAME"],
                "catalog region to pick the endpoint from (optional, e.g. jp1)",
            ),
            var(
                "TENANTRY_ECL_USER_DOMAIN_ID",
                "ecl",
                "user_domain",
                &["OS_USER_DOMAIN_ID"],
                "user domain id (optional, default: default)",
            ),
            var(
                "TENANTRY_ECL_INTERFACE",
                "ecl",
                "interface",
                &["OS_INTERFACE"],
                "catalog interface (optional, default: public)",
            ),
            var(
                "TENANTRY_ECL_SERVICE_TYPE",
                "ecl",
                "service_type",
                &["ECL_SSS_SERVICE_TYPE"],
                "catalog service type of SSS (optional, default: sss)",
            ),
            var(
                "TENANTRY_ECL_ENDPOINT",
                "ecl",
                "endpoint",
                &["ECL_SSS_ENDPOINT"],
                "SSS URL to use instead of the catalog's (optional)",
            ),
        ],
    ),
    (
        "Etu Nexus (CAS SSO)",
        &[
            var(
                "TENANTRY_ETUNEXUS_CAS_URL",
                "etunexus",
                "url",
                &[],
                "CAS server root (the Etu Nexus host), e.g. https://nexus.example.com \
                 (`tenantry etu`: default https://emc.online.etunexus.com)",
            ),
            var(
                "TENANTRY_ETUNEXUS_APP_URL",
                "etunexus",
                "app_url",
                &[],
                "`tenantry etu`: the one host of EMC, ER and EI, e.g. https://nexus.example.com \
                 (optional; default: each application's own host)",
            ),
            var(
                "TENANTRY_ETUNEXUS_CA_CERT",
                "etunexus",
                "ca_cert",
                &[],
                "`tenantry etu`: a PEM file of one more root certificate to trust (optional; \
                 verification stays on)",
            ),
            var(
                "TENANTRY_ETUNEXUS_GROUP",
                "etunexus",
                "group",
                &[],
                "Etu Nexus group",
            ),
            var(
                "TENANTRY_ETUNEXUS_USERNAME",
                "etunexus",
                "user",
                &[],
                "user name in the group",
            ),
            secret(
                "TENANTRY_ETUNEXUS_PASSWORD",
                "etunexus",
                "password",
                &[],
                "password",
            ),
        ],
    ),
    (
        "Squonk2 Account Server (Keycloak bearer)",
        &[
            var(
                "TENANTRY_SQUONK2_AS_URL",
                "squonk2",
                "url",
                &["SQUONK2_ASAPI_URL"],
                "Account Server API root, e.g. https://example.com/account-server-api",
            ),
            var(
                "TENANTRY_SQUONK2_VERIFY_TLS",
                "squonk2",
                "verify_tls",
                &["SQUONK2_ASAPI_VERIFY_SSL_CERT"],
                "verify the AS API's TLS certificate: only `yes` (any case) does; default yes",
            ),
            secret(
                "TENANTRY_SQUONK2_TOKEN",
                "squonk2",
                "token",
                &["SQUONK2_ASAPI_TOKEN"],
                "a fixed AS access token, instead of a Keycloak login",
            ),
            var(
                "TENANTRY_SQUONK2_KEYCLOAK_URL",
                "squonk2",
                "keycloak_url",
                &["SQUONK2_KEYCLOAK_URL"],
                "Keycloak root, e.g. https://keycloak.example.com/auth",
            ),
            var(
                "TENANTRY_SQUONK2_REALM",
                "squonk2",
                "realm",
                &["SQUONK2_KEYCLOAK_REALM"],
                "Keycloak realm",
            ),
            var(
                "TENANTRY_SQUONK2_CLIENT_ID",
                "squonk2",
                "client_id",
                &["SQUONK2_KEYCLOAK_AS_CLIENT_ID"],
                "Keycloak client id of the AS",
            ),
            secret(
                "TENANTRY_SQUONK2_CLIENT_SECRET",
                "squonk2",
                "client_secret",
                &["SQUONK2_KEYCLOAK_AS_CLIENT_SECRET"],
                "Keycloak client secret (a confidential client only)",
            ),
            var(
                "TENANTRY_SQUONK2_USERNAME",
                "squonk2",
                "user",
                &["SQUONK2_KEYCLOAK_USER"],
                "Keycloak user name (password grant)",
            ),
            secret(
                "TENANTRY_SQUONK2_PASSWORD",
                "squonk2",
                "password",
                &["SQUONK2_KEYCLOAK_USER_PASSWORD"],
                "Keycloak password (password grant)",
            ),
            secret(
                "TENANTRY_SQUONK2_REFRESH_TOKEN",
                "squonk2",
                "refresh_token",
                &["SQUONK2_KEYCLOAK_REFRESH_TOKEN"],
                "Keycloak refresh (or offline) token: a refresh-token grant instead of the password",
            ),
        ],
    ),
];

/// Secrets `--secret-stdin` never supplies (a command's second secret).
const NOT_FROM_STDIN: &[&str] = &[
    "TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET",
    "TENANTRY_SQUONK2_TOKEN",
    "TENANTRY_SQUONK2_CLIENT_SECRET",
    "TENANTRY_SQUONK2_REFRESH_TOKEN",
];

/// The setting whose variable is `name`.
pub fn setting(name: &str) -> Option<&'static EnvVar> {
    ENV_VARS
        .iter()
        .flat_map(|(_, vars)| vars.iter())
        .find(|v| v.name == name)
}

/// The `--help` section listing [`ENV_VARS`], the config file and the
/// exit statuses.
pub fn env_help() -> String {
    let mut s = String::from(
        "Configuration, lowest precedence first: the config file's profile, environment\n\
         variables, flags. The config file is $XDG_CONFIG_HOME/tenantry/config.toml\n\
         (TENANTRY_CONFIG names another); its profile is --profile, else TENANTRY_PROFILE,\n\
         else `default`. `tenantry config show` prints what applies and where it came from.\n\n",
    );
    s.push_str("  TENANTRY_CONFIG   the config file\n");
    s.push_str("  TENANTRY_PROFILE  default for --profile\n");
    s.push_str("  TENANTRY_OUTPUT   default for --output (json|yaml|table|wide|csv|value)\n");
    s.push_str("  TENANTRY_TIMEOUT  default for --timeout (seconds)\n");
    s.push_str("  NO_COLOR          no colours in log lines (as --no-color)\n");
    s.push_str("  COLUMNS           table width (default: the terminal's, else 80)\n");
    s.push_str("  RUST_LOG          tracing filter; overrides -v\n");
    let width = ENV_VARS
        .iter()
        .flat_map(|(_, vars)| vars.iter())
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0);
    for (service, vars) in ENV_VARS {
        let table = vars.first().map(|v| v.service).unwrap_or_default();
        s.push_str(&format!(
            "\n  {service} ([profiles.NAME.{table}] in the file):\n"
        ));
        for v in *vars {
            let key = if v.secret {
                format!("{}_cmd", v.key)
            } else {
                v.key.to_owned()
            };
            let mark = if v.secret { " [secret]" } else { "" };
            let also = if v.aliases.is_empty() {
                String::new()
            } else {
                format!(" (also {})", v.aliases.join(", "))
            };
            s.push_str(&format!(
                "    {:width$}  {key}: {}{mark}{also}\n",
                v.name, v.help
            ));
        }
    }
    s.push_str(
        "\nSecrets come from the environment, from the first line of stdin with\n\
         --secret-stdin, or from a command in the config file (`token_cmd = \"pass show\n\
         astakos\"`); a plain secret in the file is refused unless it says\n\
         `plaintext_secrets = true` and only its owner can read it (chmod 600). Secrets\n\
         are never printed, at any verbosity.\n",
    );
    s.push_str(crate::exit::EXIT_HELP);
    s
}

/// The errors of the CLI. `Display` never shows a secret (core errors are
/// redacted at the source).
#[derive(Debug)]
pub enum CliError {
    /// A configuration setting is not set (or is empty): its variable.
    MissingEnv(&'static str),
    /// A configuration value or argument is unusable (exit 2).
    Invalid(String),
    /// A call failed.
    Core(tenantry::core::Error),
    /// A step did not give the expected result.
    Failed(String),
    /// Reading stdin or writing stdout failed.
    Io(std::io::Error),
    /// Some of the ids asked for did not resolve (exit 4): which.
    Missing(String),
    /// The whole command took longer than `--timeout` (seconds; exit 6).
    Timeout(f64),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::MissingEnv(name) => {
                write!(
                    f,
                    "missing configuration: set the environment variable {name}"
                )?;
                if let Some(v) = setting(name) {
                    let key = if v.secret {
                        format!("{}_cmd", v.key)
                    } else {
                        v.key.to_owned()
                    };
                    write!(f, " or `{key}` in the profile's [{}] table", v.service)?;
                    if !v.help.is_empty() {
                        write!(f, " ({})", v.help)?;
                    }
                }
                Ok(())
            }
            CliError::Invalid(msg) => f.write_str(msg),
            CliError::Core(e) => write!(f, "{e}"),
            CliError::Failed(msg) => f.write_str(msg),
            CliError::Io(e) => write!(f, "I/O error: {e}"),
            CliError::Missing(msg) => f.write_str(msg),
            CliError::Timeout(secs) => write!(
                f,
                "timed out: the command did not finish within --timeout {secs} s"
            ),
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
        // The renderer's usage errors (a wrong -f) are argument errors.
        if let Some(field) = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<crate::output::FieldError>())
        {
            return CliError::Invalid(field.0.clone());
        }
        CliError::Io(e)
    }
}

/// `Result` with [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// Reads one environment variable.
pub type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where a setting came from (for `config show`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(String),
    /// A key of the config file's profile.
    File {
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// `service.key` or `key`.
        key: String,
    },
    /// The first line of stdin (`--secret-stdin`).
    Stdin,
    /// The built-in default, and why.
    Default(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::File { path, profile, key } => {
                write!(f, "file {} profile {profile}: {key}", path.display())
            }
            Source::Stdin => f.write_str("stdin (--secret-stdin)"),
            Source::Default(why) => write!(f, "default ({why})"),
        }
    }
}

/// The global options that shape the context (from the command line).
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `-o`.
    pub output: Option<Format>,
    /// `-f`.
    pub fields: Vec<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--timeout`, seconds.
    pub timeout: Option<f64>,
}

/// Shared by every command of one invocation.
pub struct Context {
    /// How results are printed (`-o`, `-f`, the table width).
    pub format: Rendering,
    format_source: Source,
    timeout: Option<(f64, Source)>,
    profile: (String, Source),
    config_path: Option<(PathBuf, Source)>,
    file: Option<FileConfig>,
    transport: Arc<dyn HttpTransport>,
    stdin_secret: Option<Secret>,
    env: EnvLookup,
    /// Secrets already read from a command, by variable (each runs once).
    commands: Mutex<HashMap<&'static str, Secret>>,
    /// Settings a service group's flags gave (`tenantry ecl --region …`),
    /// by variable: value and flag. They win over everything else.
    flags: RwLock<HashMap<&'static str, (String, &'static str)>>,
    progress: indicatif::MultiProgress,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("format", &self.format)
            .field("profile", &self.profile.0)
            .field("stdin_secret", &self.stdin_secret)
            .finish_non_exhaustive()
    }
}

fn nonblank(v: Option<String>) -> Option<String> {
    v.filter(|v| !v.trim().is_empty())
}

impl Context {
    /// The context of one invocation: the config file's profile, then the
    /// environment `env` reads, then the flags in `globals`. `stdout_tty`:
    /// the default output is a table on a terminal, JSON otherwise.
    pub fn new(
        globals: &Globals,
        stdin_secret: Option<Secret>,
        env: EnvLookup,
        stdout_tty: bool,
    ) -> Result<Self> {
        let profile = match (&globals.profile, nonblank(env(crate::config::PROFILE_VAR))) {
            (Some(p), _) => (p.clone(), Source::Flag("--profile")),
            (None, Some(p)) => (p, Source::Env(crate::config::PROFILE_VAR.into())),
            (None, None) => (
                crate::config::DEFAULT_PROFILE.to_owned(),
                Source::Default("no --profile or TENANTRY_PROFILE"),
            ),
        };
        let explicit = !matches!(profile.1, Source::Default(_));
        let (config_path, required) = match nonblank(env(crate::config::CONFIG_VAR)) {
            Some(p) => (
                Some((
                    PathBuf::from(p),
                    Source::Env(crate::config::CONFIG_VAR.into()),
                )),
                true,
            ),
            None => (
                crate::config::default_path()
                    .map(|p| (p, Source::Default("$XDG_CONFIG_HOME/tenantry/config.toml"))),
                false,
            ),
        };
        let file = crate::config::load(
            config_path.as_ref().map(|(p, _)| p.clone()),
            required,
            &profile.0,
            explicit,
        )?;
        let file_source = |key: &str| Source::File {
            path: file.as_ref().map(|f| f.path.clone()).unwrap_or_default(),
            profile: profile.0.clone(),
            key: key.to_owned(),
        };
        let env_output = match nonblank(env("TENANTRY_OUTPUT")) {
            Some(v) => Some(
                <Format as clap::ValueEnum>::from_str(v.trim(), true).map_err(|_| {
                    CliError::Invalid(format!(
                        "TENANTRY_OUTPUT: `{v}` is not an output format (json, yaml, table, wide, csv, value)"
                    ))
                })?,
            ),
            None => None,
        };
        let (format, format_source) = match (
            globals.output,
            env_output,
            file.as_ref().and_then(|f| f.output),
        ) {
            (Some(f), _, _) => (f, Source::Flag("-o/--output")),
            (None, Some(f), _) => (f, Source::Env("TENANTRY_OUTPUT".into())),
            (None, None, Some(f)) => (f, file_source("output")),
            (None, None, None) if stdout_tty => {
                (Format::Table, Source::Default("stdout is a terminal"))
            }
            (None, None, None) => (Format::Json, Source::Default("stdout is not a terminal")),
        };
        let env_timeout = match nonblank(env("TENANTRY_TIMEOUT")) {
            Some(v) => Some(
                crate::cli::parse_timeout(v.trim())
                    .map_err(|e| CliError::Invalid(format!("TENANTRY_TIMEOUT: {e}")))?,
            ),
            None => None,
        };
        let timeout = match (
            globals.timeout,
            env_timeout,
            file.as_ref().and_then(|f| f.timeout),
        ) {
            (Some(t), _, _) => Some((t, Source::Flag("--timeout"))),
            (None, Some(t), _) => Some((t, Source::Env("TENANTRY_TIMEOUT".into()))),
            (None, None, Some(t)) => Some((t, file_source("timeout"))),
            (None, None, None) => None,
        };
        let width = crate::output::terminal_width(env("COLUMNS").as_deref());
        let transport: Arc<dyn HttpTransport> = Arc::new(crate::logging::LoggedTransport::new(
            Arc::new(ReqwestTransport::with_defaults()?),
        ));
        Ok(Context {
            format: Rendering {
                format,
                fields: globals.fields.clone(),
                width,
            },
            format_source,
            timeout,
            profile,
            config_path,
            file,
            transport,
            stdin_secret,
            env,
            commands: Mutex::new(HashMap::new()),
            flags: RwLock::new(HashMap::new()),
            progress: indicatif::MultiProgress::with_draw_target(
                indicatif::ProgressDrawTarget::hidden(),
            ),
        })
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

    /// The whole command's time limit, if any (`--timeout`,
    /// `TENANTRY_TIMEOUT`, the profile's `timeout`).
    pub fn timeout(&self) -> Option<f64> {
        self.timeout.as_ref().map(|(t, _)| *t)
    }

    /// A setting's value and where it came from: a flag, its environment
    /// variable, then the service's own variables, then the config file
    /// (not the secret commands).
    fn lookup(&self, name: &'static str) -> Option<(String, Source)> {
        let flag = self.flags.read().ok().and_then(|f| f.get(name).cloned());
        if let Some((v, flag)) = flag.filter(|(v, _)| !v.trim().is_empty()) {
            return Some((v, Source::Flag(flag)));
        }
        if let Some(v) = nonblank((self.env)(name)) {
            return Some((v, Source::Env(name.to_owned())));
        }
        let setting = setting(name)?;
        for alias in setting.aliases {
            if let Some(v) = nonblank((self.env)(alias)) {
                return Some((v, Source::Env((*alias).to_owned())));
            }
        }
        let file = self.file.as_ref()?;
        match file
            .values
            .get(&(setting.service.to_owned(), setting.key.to_owned()))?
        {
            FileValue::Plain(v) if !v.trim().is_empty() => Some((
                v.clone(),
                Source::File {
                    path: file.path.clone(),
                    profile: self.profile.0.clone(),
                    key: format!("{}.{}", setting.service, setting.key),
                },
            )),
            _ => None,
        }
    }

    /// Sets the setting `name` from the command-line flag `flag` (a service
    /// group's own flags, parsed after the context was made): it wins over
    /// the config file and the environment.
    pub fn set_flag(&self, name: &'static str, flag: &'static str, value: String) {
        if let Ok(mut flags) = self.flags.write() {
            flags.insert(name, (value, flag));
        }
    }

    /// An optional setting (empty counts as unset): its variable, the
    /// service's own variables, else the config file's profile.
    pub fn var_opt(&self, name: &'static str) -> Option<String> {
        self.lookup(name).map(|(v, _)| v)
    }

    /// A required setting.
    pub fn var(&self, name: &'static str) -> Result<String> {
        self.var_opt(name).ok_or(CliError::MissingEnv(name))
    }

    /// A required secret: the line read by `--secret-stdin`, else as
    /// [`secret_env`](Self::secret_env).
    pub fn secret(&self, name: &'static str) -> Result<Secret> {
        if let Some(s) = &self.stdin_secret {
            return Ok(remember(s.clone()));
        }
        self.secret_env(name)
    }

    /// A secret not taken from stdin (for a command's second secret:
    /// `--secret-stdin` supplies the main one): its variable, the service's
    /// own variables, the profile's `<key>_cmd` (run once), else a plain
    /// value the file was allowed to hold.
    pub fn secret_env(&self, name: &'static str) -> Result<Secret> {
        if let Some((v, _)) = self.lookup(name) {
            return Ok(remember(Secret::new(v)));
        }
        let command = setting(name).and_then(|s| {
            let file = self.file.as_ref()?;
            match file.values.get(&(s.service.to_owned(), s.key.to_owned()))? {
                FileValue::Command(c) => Some((s, c.clone())),
                FileValue::Plain(_) => None,
            }
        });
        let Some((s, command)) = command else {
            return Err(CliError::MissingEnv(name));
        };
        if let Ok(done) = self.commands.lock() {
            if let Some(secret) = done.get(name) {
                return Ok(secret.clone());
            }
        }
        let place = format!("profiles.{}.{}.{}_cmd", self.profile.0, s.service, s.key);
        let run = || crate::config::run_command(&command, &place);
        // A short blocking wait, off the async worker when there is one.
        let value = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(run)?
            }
            _ => run()?,
        };
        let secret = remember(Secret::new(value));
        if let Ok(mut done) = self.commands.lock() {
            done.insert(name, secret.clone());
        }
        Ok(secret)
    }

    /// The merged configuration, one row per setting that has a value:
    /// `setting`, `value` (every secret `***`), `source`. Secret commands
    /// are not run.
    pub fn config_rows(&self) -> Vec<serde_json::Value> {
        use serde_json::json;
        let mut rows = Vec::new();
        let row = |setting: &str, value: serde_json::Value, source: &Source| json!({"setting": setting, "value": value, "source": source.to_string()});
        match &self.config_path {
            Some((p, source)) => {
                let state = if self.file.is_some() {
                    ""
                } else {
                    " (not found)"
                };
                rows.push(row(
                    "config",
                    json!(format!("{}{state}", p.display())),
                    source,
                ));
            }
            None => rows.push(row(
                "config",
                json!(null),
                &Source::Default("no config directory"),
            )),
        }
        rows.push(row("profile", json!(self.profile.0), &self.profile.1));
        rows.push(row(
            "output",
            json!(self.format.format.name()),
            &self.format_source,
        ));
        if let Some((t, source)) = &self.timeout {
            rows.push(row("timeout", json!(t), source));
        }
        for v in ENV_VARS.iter().flat_map(|(_, vars)| vars.iter()) {
            let setting = format!("{}.{}", v.service, v.key);
            if v.secret {
                // `--secret-stdin` gives each service's main secret only.
                let stdin = self.stdin_secret.is_some() && !NOT_FROM_STDIN.contains(&v.name);
                let found = if let Some((_, source)) = self.lookup(v.name) {
                    Some(("***", source))
                } else {
                    self.file.as_ref().and_then(|f| {
                        match f.values.get(&(v.service.to_owned(), v.key.to_owned()))? {
                            FileValue::Command(_) => Some((
                                "*** (from a command, not run)",
                                Source::File {
                                    path: f.path.clone(),
                                    profile: self.profile.0.clone(),
                                    key: format!("{}.{}_cmd", v.service, v.key),
                                },
                            )),
                            FileValue::Plain(_) => None,
                        }
                    })
                };
                match (stdin, found) {
                    (true, _) => rows.push(row(&setting, json!("***"), &Source::Stdin)),
                    (false, Some((shown, source))) => {
                        rows.push(row(&setting, json!(shown), &source))
                    }
                    (false, None) => {}
                }
            } else if let Some((value, source)) = self.lookup(v.name) {
                rows.push(row(&setting, json!(value), &source));
            }
        }
        rows
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
    use serde_json::json;

    /// A config file with `text` (mode 0600), unique to the test.
    fn config_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tenantry-cli-ctx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    fn ctx_with(
        globals: Globals,
        path: &std::path::Path,
        vars: &'static [(&'static str, &'static str)],
    ) -> Result<Context> {
        let path = path.display().to_string();
        Context::new(
            &globals,
            None,
            Box::new(move |name| {
                if name == "TENANTRY_CONFIG" {
                    return Some(path.clone());
                }
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }),
            false,
        )
    }

    fn ctx() -> Context {
        let empty = config_file("empty", "");
        ctx_with(
            Globals::default(),
            &empty,
            &[
                ("TENANTRY_ECL_USERNAME", "key"),
                ("TENANTRY_ECL_REGION", "  "),
                ("TENANTRY_ECL_PASSWORD", "planted-pw"),
            ],
        )
        .unwrap()
    }

    #[test]
    fn missing_variable_is_named_with_its_help() {
        let e = ctx().var("TENANTRY_ECL_AUTH_URL").unwrap_err().to_string();
        assert!(e.contains("TENANTRY_ECL_AUTH_URL"), "{e}");
        assert!(e.contains("`url` in the profile's [ecl] table"), "{e}");
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
                assert!(
                    h.contains(&format!(
                        "  {}: ",
                        if v.secret {
                            format!("{}_cmd", v.key)
                        } else {
                            v.key.to_owned()
                        }
                    )),
                    "{}",
                    v.key
                );
            }
        }
    }

    const FILE: &str = r#"
[profiles.default]
output = "yaml"
timeout = 9
[profiles.default.astakos]
url = "http://file-default"
token_cmd = "echo planted-from-command"
[profiles.admin]
output = "csv"
[profiles.admin.astakos]
url = "http://file-admin"
[profiles.admin.ecl]
url = "http://keystone-admin"
"#;

    #[test]
    fn file_then_env_then_flag() {
        let path = config_file("precedence", FILE);
        // The file alone.
        let c = ctx_with(Globals::default(), &path, &[]).unwrap();
        assert_eq!(c.format.format, Format::Yaml);
        assert_eq!(c.timeout(), Some(9.0));
        assert_eq!(
            c.var("TENANTRY_ASTAKOS_URL").unwrap(),
            "http://file-default"
        );
        let t = c.secret("TENANTRY_ASTAKOS_TOKEN").unwrap();
        assert_eq!(t.expose(), "planted-from-command");
        // The environment over the file; the service's own variable too.
        let c = ctx_with(
            Globals::default(),
            &path,
            &[
                ("TENANTRY_ASTAKOS_URL", "http://env"),
                ("TENANTRY_ASTAKOS_TOKEN", "planted-env-token"),
                ("TENANTRY_OUTPUT", "csv"),
                ("TENANTRY_TIMEOUT", "3"),
                ("TENANTRY_PROFILE", "admin"),
                ("OS_AUTH_URL", "http://os-auth-url"),
            ],
        )
        .unwrap();
        assert_eq!(c.var("TENANTRY_ASTAKOS_URL").unwrap(), "http://env");
        assert_eq!(
            c.secret("TENANTRY_ASTAKOS_TOKEN").unwrap().expose(),
            "planted-env-token"
        );
        assert_eq!(
            c.var("TENANTRY_ECL_AUTH_URL").unwrap(),
            "http://os-auth-url"
        );
        assert_eq!(c.format.format, Format::Csv);
        assert_eq!(c.timeout(), Some(3.0));
        assert_eq!(c.profile.0, "admin");
        // Flags over both.
        let c = ctx_with(
            Globals {
                output: Some(Format::Value),
                profile: Some("default".into()),
                timeout: Some(1.5),
                ..Globals::default()
            },
            &path,
            &[
                ("TENANTRY_OUTPUT", "csv"),
                ("TENANTRY_TIMEOUT", "3"),
                ("TENANTRY_PROFILE", "admin"),
            ],
        )
        .unwrap();
        assert_eq!(c.format.format, Format::Value);
        assert_eq!(c.timeout(), Some(1.5));
        assert_eq!(
            c.var("TENANTRY_ASTAKOS_URL").unwrap(),
            "http://file-default"
        );
        // A profile that does not exist is an error naming the others.
        let e = ctx_with(
            Globals {
                profile: Some("nope".into()),
                ..Globals::default()
            },
            &path,
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`nope`") && e.contains("admin, default"), "{e}");
        // No config: JSON off a terminal, a table on one.
        let empty = config_file("empty2", "");
        assert_eq!(
            ctx_with(Globals::default(), &empty, &[])
                .unwrap()
                .format
                .format,
            Format::Json
        );
        let path = empty.display().to_string();
        let on_tty = Context::new(
            &Globals::default(),
            None,
            Box::new(move |name| (name == "TENANTRY_CONFIG").then(|| path.clone())),
            true,
        )
        .unwrap();
        assert_eq!(on_tty.format.format, Format::Table);
        assert_eq!(
            on_tty.format_source,
            Source::Default("stdout is a terminal")
        );
    }

    #[test]
    fn config_rows_mask_secrets_and_name_sources() {
        let path = config_file("rows", FILE);
        let c = ctx_with(
            Globals {
                output: Some(Format::Table),
                ..Globals::default()
            },
            &path,
            &[
                ("TENANTRY_ECL_PASSWORD", "planted-ecl-pw"),
                ("TENANTRY_ECL_REGION", "jp1"),
            ],
        )
        .unwrap();
        let rows = json!(c.config_rows());
        let text = rows.to_string();
        assert!(!text.contains("planted"), "{text}");
        let find = |s: &str| {
            rows.as_array()
                .unwrap()
                .iter()
                .find(|r| r["setting"] == s)
                .cloned()
                .unwrap_or(json!(null))
        };
        assert_eq!(find("output")["source"], "flag -o/--output");
        assert_eq!(find("timeout")["value"], 9.0);
        assert!(find("timeout")["source"]
            .as_str()
            .unwrap()
            .contains("profile default: timeout"));
        assert_eq!(find("astakos.url")["value"], "http://file-default");
        assert_eq!(
            find("astakos.token")["value"],
            "*** (from a command, not run)"
        );
        assert!(find("astakos.token")["source"]
            .as_str()
            .unwrap()
            .ends_with("astakos.token_cmd"));
        assert_eq!(find("ecl.password")["value"], "***");
        assert_eq!(find("ecl.password")["source"], "env TENANTRY_ECL_PASSWORD");
        assert_eq!(find("ecl.region")["value"], "jp1");
        assert_eq!(find("profile")["value"], "default");
        assert!(find("ecl.url").is_null());
    }
}
