//! Log lines on stderr, by verbosity:
//!
//! - (none): warnings;
//! - `-v`: one line per request (`tenantry::request`: operation, method,
//!   path template, status, elapsed, attempts);
//! - `-vv`: also retries, logins (auth) and endpoint discovery, and one
//!   line per exchange on the wire ([`LoggedTransport`], `tenantry::http`);
//! - `-vvv`: also each attempt's redacted headers and body excerpts;
//! - `-vvvv`: also the dependencies' internals (hyper, reqwest, h2, rustls).
//!
//! `RUST_LOG` replaces the filter. Colours only when stderr is a terminal,
//! `NO_COLOR` is unset (or empty) and `--no-color` is not given. Every line
//! goes through the process's secret scrubber.

use tracing_subscriber::EnvFilter;

/// The crates whose events `-v`..`-vvv` show (dependencies stay at `warn`).
const OURS: &[&str] = &[
    "tenantry",
    "tenantry_core",
    "tenantry_cli",
    "astakos_client",
    "ecl_sss",
    "etunexus",
    "squonk2_as",
];

/// The filter for `-v` repeated `verbose` times.
pub fn filter_for(verbose: u8) -> String {
    let ours = |level: &str| {
        let mut s = String::from("warn");
        for krate in OURS {
            s.push_str(&format!(",{krate}={level}"));
        }
        s
    };
    match verbose {
        0 => "warn".to_owned(),
        1 => ours("info"),
        2 => ours("debug"),
        3 => ours("trace"),
        _ => "trace".to_owned(),
    }
}

/// Whether log lines may carry colours.
pub fn use_color(no_color_flag: bool, no_color_var: Option<&str>, stderr_tty: bool) -> bool {
    stderr_tty && !no_color_flag && no_color_var.is_none_or(str::is_empty)
}

/// Installs the subscriber.
pub fn init(verbose: u8, no_color: bool) {
    use std::io::IsTerminal;
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::new(v),
        _ => EnvFilter::new(filter_for(verbose)),
    };
    let ansi = use_color(
        no_color,
        std::env::var("NO_COLOR").ok().as_deref(),
        std::io::stderr().is_terminal(),
    );
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(|| crate::context::ScrubbedStderr)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_by_verbosity() {
        assert_eq!(filter_for(0), "warn");
        assert!(filter_for(1).starts_with("warn,tenantry=info,tenantry_core=info"));
        assert!(filter_for(2).contains("astakos_client=debug"));
        assert!(!filter_for(3).contains("hyper"));
        assert_eq!(filter_for(4), "trace");
    }

    #[test]
    fn colour_rules() {
        assert!(use_color(false, None, true));
        assert!(use_color(false, Some(""), true));
        assert!(!use_color(false, Some("1"), true));
        assert!(!use_color(true, None, true));
        assert!(!use_color(false, None, false));
    }
}

/// The CLI's transport: the invocation's HTTP transport, plus one `debug`
/// line per exchange on the wire (target `tenantry::http`, `-vv`): method,
/// host, path (query left out, secrets of the request masked), status,
/// elapsed. Logins and discovery go straight to the transport, so this is
/// where `-vv` sees them.
#[derive(Debug)]
pub struct LoggedTransport {
    inner: std::sync::Arc<dyn tenantry::core::HttpTransport>,
}

impl LoggedTransport {
    /// Wraps `inner`.
    pub fn new(inner: std::sync::Arc<dyn tenantry::core::HttpTransport>) -> Self {
        LoggedTransport { inner }
    }
}

#[async_trait::async_trait]
impl tenantry::core::HttpTransport for LoggedTransport {
    async fn send(
        &self,
        request: tenantry::core::transport::HttpRequest,
    ) -> Result<tenantry::core::transport::HttpResponse, tenantry::core::transport::TransportError>
    {
        if !tracing::enabled!(target: "tenantry::http", tracing::Level::DEBUG) {
            return self.inner.send(request).await;
        }
        let method = request.method().clone();
        let uri = request.uri();
        let target = format!(
            "{}{}",
            uri.authority().map(|a| a.as_str()).unwrap_or_default(),
            uri.path()
        );
        // Whatever secret the request carries is masked if the path holds it.
        let target = tenantry::core::redact::Scrubber::request(&request).text(&target);
        let started = std::time::Instant::now();
        let result = self.inner.send(request).await;
        let ms = started.elapsed().as_millis();
        match &result {
            Ok(resp) => tracing::debug!(
                target: "tenantry::http",
                "{method} {target} -> {} in {ms} ms",
                resp.status().as_u16()
            ),
            Err(e) => tracing::debug!(
                target: "tenantry::http",
                "{method} {target} -> failed in {ms} ms ({:?})",
                e.kind()
            ),
        }
        result
    }
}
