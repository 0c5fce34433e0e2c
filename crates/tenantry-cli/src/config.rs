//! The configuration file: `$XDG_CONFIG_HOME/tenantry/config.toml` (on
//! Linux; the platform's config directory elsewhere), or the file
//! `TENANTRY_CONFIG` names.
//!
//! ```toml
//! [profiles.default]
//! output = "table"          # default for -o
//! timeout = 30              # default for --timeout (seconds)
//!
//! [profiles.default.astakos]
//! url = "https://accounts.example.org/identity/v2.0"
//! token_cmd = "pass show astakos"     # run by `sh -c`; its first line
//!
//! [profiles.service.astakos]
//! url = "https://accounts.example.org/identity/v2.0"
//! token_cmd = "pass show astakos-cyclades"
//!
//! [profiles.default.ecl]
//! url = "https://keystone-jp1.ecl.ntt.com/v3"
//! user = "my-api-key"
//! project = "0123abcd"
//! region = "jp1"
//! password_cmd = "pass show ecl"
//! ```
//!
//! One table per profile (`--profile`, else `TENANTRY_PROFILE`, else
//! `default`), one table per service in it, keyed as
//! [`crate::context::ENV_VARS`] says. Secrets are never stored in the file
//! by default: a secret key takes a command (`token_cmd`, `password_cmd`,
//! …), or comes from its environment variable or `--secret-stdin`. A plain
//! secret (`token = "…"`) is refused unless the file says
//! `plaintext_secrets = true` at its top **and** only its owner can read it
//! (mode 0600 on Unix). Unknown keys are errors that name them.

use crate::context::{CliError, EnvVar, Result, ENV_VARS};
use crate::output::Format;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The variable naming the config file.
pub const CONFIG_VAR: &str = "TENANTRY_CONFIG";
/// The variable naming the profile.
pub const PROFILE_VAR: &str = "TENANTRY_PROFILE";
/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// A value of one profile's service table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileValue {
    /// A value as written (a secret only with the opt-in).
    Plain(String),
    /// A command whose first line of output is the value (`*_cmd`).
    Command(String),
}

/// The chosen profile of a loaded config file.
#[derive(Debug, Clone, Default)]
pub struct FileConfig {
    /// Where it was read from.
    pub path: PathBuf,
    /// The profile's `output`.
    pub output: Option<Format>,
    /// The profile's `timeout`, in seconds.
    pub timeout: Option<f64>,
    /// `(service, key)` -> value (key without `_cmd`).
    pub values: BTreeMap<(String, String), FileValue>,
}

/// The default path: `<config dir>/tenantry/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("tenantry").join("config.toml"))
}

/// Loads the profile `profile` (`explicit`: named by flag or variable)
/// from the file at `path` (`required`: named by `TENANTRY_CONFIG`).
/// No file at the default path is no configuration; a named profile that
/// is not there is an error.
pub fn load(
    path: Option<PathBuf>,
    required: bool,
    profile: &str,
    explicit: bool,
) -> Result<Option<FileConfig>> {
    let Some(path) = path else {
        return no_file(None, profile, explicit);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return no_file(Some(&path), profile, explicit);
        }
        Err(e) => {
            return Err(CliError::Invalid(format!(
                "config file {}: cannot read it: {e}",
                path.display()
            )))
        }
    };
    let private = owner_only(&path);
    parse(&text, &path, private, profile, explicit).map(Some)
}

fn no_file(path: Option<&Path>, profile: &str, explicit: bool) -> Result<Option<FileConfig>> {
    if explicit && profile != DEFAULT_PROFILE {
        let at = path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(no config directory)".into());
        return Err(CliError::Invalid(format!(
            "profile `{profile}`: there is no config file at {at} (set {CONFIG_VAR} to use another)"
        )));
    }
    Ok(None)
}

/// True when only the owner may read or write the file.
#[cfg(unix)]
fn owner_only(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o077 == 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> bool {
    false
}

/// The services a profile may configure.
pub fn services() -> Vec<&'static str> {
    let mut out: Vec<&str> = Vec::new();
    for v in ENV_VARS.iter().flat_map(|(_, vars)| vars.iter()) {
        if !out.contains(&v.service) {
            out.push(v.service);
        }
    }
    out
}

fn known_key(service: &str, key: &str) -> Option<&'static EnvVar> {
    ENV_VARS
        .iter()
        .flat_map(|(_, vars)| vars.iter())
        .find(|v| v.service == service && v.key == key)
}

/// Parses a config file's text (`private`: only its owner can read it).
pub fn parse(
    text: &str,
    path: &Path,
    private: bool,
    profile: &str,
    explicit: bool,
) -> Result<FileConfig> {
    let at = |what: &str| format!("config file {}: {what}", path.display());
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| CliError::Invalid(at(&format!("not valid TOML: {e}"))))?;
    let mut plaintext = false;
    let mut profiles: Option<&toml::Table> = None;
    for (k, v) in &doc {
        match (k.as_str(), v) {
            ("plaintext_secrets", toml::Value::Boolean(b)) => plaintext = *b,
            ("profiles", toml::Value::Table(t)) => profiles = Some(t),
            ("plaintext_secrets" | "profiles", _) => {
                return Err(CliError::Invalid(at(&format!("`{k}` has the wrong type"))))
            }
            _ => {
                return Err(CliError::Invalid(at(&format!(
                    "unknown key `{k}` (expected `profiles` or `plaintext_secrets`)"
                ))))
            }
        }
    }
    let empty = toml::Table::new();
    let profiles = profiles.unwrap_or(&empty);
    let mut out = FileConfig {
        path: path.to_owned(),
        ..FileConfig::default()
    };
    let Some(chosen) = profiles.get(profile) else {
        if explicit && profile != DEFAULT_PROFILE {
            let names: Vec<&str> = profiles.keys().map(String::as_str).collect();
            return Err(CliError::Invalid(at(&format!(
                "no profile `{profile}` (profiles: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ))));
        }
        return Ok(out);
    };
    let chosen = chosen
        .as_table()
        .ok_or_else(|| CliError::Invalid(at(&format!("profiles.{profile} is not a table"))))?;
    let services = services();
    for (k, v) in chosen {
        let place = format!("profiles.{profile}.{k}");
        match (k.as_str(), v) {
            ("output", toml::Value::String(s)) => {
                let f = <Format as clap::ValueEnum>::from_str(s, false).map_err(|_| {
                    CliError::Invalid(at(&format!(
                        "{place}: `{s}` is not an output format (json, yaml, table, wide, csv, value)"
                    )))
                })?;
                out.output = Some(f);
            }
            ("timeout", toml::Value::Integer(_) | toml::Value::Float(_)) => {
                let secs = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
                out.timeout = Some(
                    crate::cli::check_timeout(secs.unwrap_or(-1.0))
                        .map_err(|e| CliError::Invalid(at(&format!("{place}: {e}"))))?,
                );
            }
            (service, toml::Value::Table(t)) if services.contains(&service) => {
                for (key, value) in t {
                    let place = format!("profiles.{profile}.{service}.{key}");
                    let toml::Value::String(value) = value else {
                        return Err(CliError::Invalid(at(&format!("{place} must be a string"))));
                    };
                    let (base, command) = match key.strip_suffix("_cmd") {
                        Some(base) => (base, true),
                        None => (key.as_str(), false),
                    };
                    let var = known_key(service, base).filter(|v| !command || v.secret);
                    let Some(var) = var else {
                        let keys: Vec<String> = ENV_VARS
                            .iter()
                            .flat_map(|(_, vars)| vars.iter())
                            .filter(|v| v.service == service)
                            .map(|v| {
                                if v.secret {
                                    format!("{0}_cmd ({0} opt-in)", v.key)
                                } else {
                                    v.key.to_owned()
                                }
                            })
                            .collect();
                        return Err(CliError::Invalid(at(&format!(
                            "unknown key `{place}` (known: {})",
                            keys.join(", ")
                        ))));
                    };
                    if var.secret && !command && !(plaintext && private) {
                        return Err(CliError::Invalid(at(&format!(
                            "{place}: a secret in plain text is refused; use `{base}_cmd = \"…\"` \
                             (a command that prints it), the variable {}, or --secret-stdin \
                             (to allow it anyway: `plaintext_secrets = true` at the top of the \
                             file, and a file only its owner can read: chmod 600)",
                            var.name
                        ))));
                    }
                    let fv = if command {
                        FileValue::Command(value.clone())
                    } else {
                        FileValue::Plain(value.clone())
                    };
                    out.values.insert((service.to_owned(), base.to_owned()), fv);
                }
            }
            _ => {
                return Err(CliError::Invalid(at(&format!(
                    "unknown key `{place}` (expected output, timeout, or a service table: {})",
                    services.join(", ")
                ))))
            }
        }
    }
    Ok(out)
}

/// Runs a `*_cmd` (through `sh -c`) and returns the first line it prints.
/// Its failure names the key, never what it printed.
pub fn run_command(command: &str, place: &str) -> Result<String> {
    #[cfg(unix)]
    let mut cmd = {
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    #[cfg(not(unix))]
    let mut cmd = {
        let mut c = std::process::Command::new("cmd");
        c.arg("/C").arg(command);
        c
    };
    cmd.stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    let out = cmd
        .output()
        .map_err(|e| CliError::Invalid(format!("{place}: cannot run the command: {e}")))?;
    if !out.status.success() {
        return Err(CliError::Invalid(format!(
            "{place}: the command failed ({})",
            out.status
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r');
    if line.is_empty() {
        return Err(CliError::Invalid(format!(
            "{place}: the command printed nothing"
        )));
    }
    Ok(line.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str, private: bool, profile: &str) -> Result<FileConfig> {
        parse(text, Path::new("/c.toml"), private, profile, true)
    }

    #[test]
    fn profiles_and_service_keys() {
        let text = r#"
[profiles.default]
output = "yaml"
timeout = 2.5
[profiles.default.astakos]
url = "http://a"
token_cmd = "echo t"
[profiles.other.ecl]
url = "http://k"
region = "jp1"
"#;
        let c = p(text, false, "default").unwrap();
        assert_eq!(c.output, Some(Format::Yaml));
        assert_eq!(c.timeout, Some(2.5));
        assert_eq!(
            c.values[&("astakos".into(), "url".into())],
            FileValue::Plain("http://a".into())
        );
        assert_eq!(
            c.values[&("astakos".into(), "token".into())],
            FileValue::Command("echo t".into())
        );
        let o = p(text, false, "other").unwrap();
        assert_eq!(o.values.len(), 2);
        let e = p(text, false, "nope").unwrap_err().to_string();
        assert!(
            e.contains("no profile `nope`") && e.contains("default, other"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        for (text, needle) in [
            ("colour = 1", "unknown key `colour`"),
            ("[profiles.default]\ncolor = 1", "profiles.default.color"),
            (
                "[profiles.default.astakos]\nurll = \"x\"",
                "profiles.default.astakos.urll",
            ),
            (
                "[profiles.default.astakos]\nurl_cmd = \"x\"",
                "profiles.default.astakos.url_cmd",
            ),
            (
                "[profiles.default]\noutput = \"xml\"",
                "not an output format",
            ),
            (
                "[profiles.default]\ntimeout = 0",
                "profiles.default.timeout",
            ),
            (
                "[profiles.default.nope]\nurl = \"x\"",
                "profiles.default.nope",
            ),
        ] {
            let e = p(text, true, "default").unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn plain_secrets_need_the_opt_in_and_a_private_file() {
        let plain = "[profiles.default.astakos]\ntoken = \"planted\"";
        let e = p(plain, true, "default").unwrap_err().to_string();
        assert!(
            e.contains("token_cmd") && e.contains("TENANTRY_ASTAKOS_TOKEN"),
            "{e}"
        );
        assert!(!e.contains("planted"), "{e}");
        let opted = format!("plaintext_secrets = true\n{plain}");
        assert!(p(&opted, false, "default").is_err(), "world-readable file");
        let c = p(&opted, true, "default").unwrap();
        assert_eq!(
            c.values[&("astakos".into(), "token".into())],
            FileValue::Plain("planted".into())
        );
    }

    #[test]
    fn commands_give_their_first_line() {
        assert_eq!(run_command("printf 'abc\\nrest'", "k").unwrap(), "abc");
        let e = run_command("exit 3", "profiles.x.astakos.token_cmd")
            .unwrap_err()
            .to_string();
        assert!(e.contains("profiles.x.astakos.token_cmd"), "{e}");
        assert!(run_command("true", "k")
            .unwrap_err()
            .to_string()
            .contains("nothing"));
    }
}
