//! The CAS session ([`Cas`]) and the three application clients ([`Emc2`],
//! [`Er3`], [`Ei3`]) that share it.

use crate::error::parse_error;
use std::sync::Arc;
use tenantry_core::auth::cas::{CasApp, CasSso};
use tenantry_core::retry::TokenBucket;
use tenantry_core::transport::HttpTransport;
use tenantry_core::{
    Error, Pipeline, ReqwestTransport, Result, RetryConfig, Secret, TransportConfig,
};

/// The CAS server's default host (the EMC host, `etunexus.md` §1.1).
pub const DEFAULT_CAS_HOST: &str = "emc.online.etunexus.com";
/// EMC's default host.
pub const DEFAULT_EMC_HOST: &str = "emc.online.etunexus.com";
/// ER's default host.
pub const DEFAULT_ER_HOST: &str = "erhome.online.etunexus.com";
/// EI's default host.
pub const DEFAULT_EI_HOST: &str = "eihome.online.etunexus.com";

/// One CAS login (`group\user`, a password) shared by the application
/// clients built from it. Cheap to clone; clones share the ticket-granting
/// ticket, the transport and the retry token bucket.
///
/// ```no_run
/// # async fn run() -> etunexus::Result<()> {
/// use etunexus::{Cas, Emc2, Secret};
/// let cas = Cas::builder("workshop", "workshop_user", Secret::new("pw")).build()?;
/// cas.login().await?; // optional: the first call logs in too
/// let emc = Emc2::new(&cas)?;
/// for g in emc.groups().list().await? {
///     println!("{} {}", g.name, g.display_name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Cas {
    inner: Arc<CasInner>,
}

struct CasInner {
    sso: CasSso,
    app_host: Option<String>,
    transport: Arc<dyn HttpTransport>,
    retry: RetryConfig,
    bucket: Arc<TokenBucket>,
}

// By hand: the transport is not shown (a test transport may record
// request bodies).
impl std::fmt::Debug for CasInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cas")
            .field("sso", &self.sso)
            .field("app_host", &self.app_host)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Builder of [`Cas`].
#[derive(Debug)]
pub struct CasBuilder {
    group: String,
    username: String,
    password: Secret,
    host: Option<String>,
    app_host: Option<String>,
    transport_config: TransportConfig,
    transport: Option<Arc<dyn HttpTransport>>,
    retry: RetryConfig,
}

/// `https://{host}`, the host checked (a port is allowed; nothing else).
fn https(field: &str, host: &str) -> Result<String> {
    let ok = !host.is_empty()
        && !host.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '@' | '\\')
        });
    if !ok {
        return Err(Error::invalid_input(
            field,
            "must be a host name, optionally with `:port` (no scheme or path)",
        ));
    }
    let url = format!("https://{host}");
    tenantry_core::url::Url::parse(&url)
        .map_err(|e| Error::invalid_input(field, format!("is not a valid host: {e}")))?;
    Ok(url)
}

impl CasBuilder {
    /// The CAS host (default [`DEFAULT_CAS_HOST`]); it may carry a port.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }
    /// The host every application uses unless its own builder sets one
    /// (the simulator serves CAS, EMC, ER and EI on one origin). Default:
    /// each application's own default host.
    pub fn app_host(mut self, host: impl Into<String>) -> Self {
        self.app_host = Some(host.into());
        self
    }
    /// Trust this PEM root certificate too (the simulator's), keeping
    /// verification on.
    pub fn root_certificate_pem(mut self, pem: impl Into<String>) -> Self {
        self.transport_config = self.transport_config.add_root_certificate_pem(pem);
        self
    }
    /// Verify TLS certificates and host names (default true; the
    /// reference's `secure`).
    pub fn verify_tls(mut self, verify: bool) -> Self {
        self.transport_config = self.transport_config.verify_tls(verify);
        self
    }
    /// Transport settings (timeouts, pool). Replaces the TLS settings made
    /// before it.
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport_config = config;
        self
    }
    /// A custom transport (tests); the transport settings are then unused.
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }
    /// The retry policy of every application call (default standard).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }
    /// Checks the settings and builds; nothing is sent. An empty group,
    /// user name or password is [`Error::InvalidInput`] naming it.
    pub fn build(self) -> Result<Cas> {
        let host = self.host.as_deref().unwrap_or(DEFAULT_CAS_HOST);
        let cas_url = https("host", host)?;
        if let Some(h) = &self.app_host {
            https("app_host", h)?;
        }
        if self.username.is_empty() {
            return Err(Error::invalid_input("username", "must not be empty"));
        }
        let sso = CasSso::new(&cas_url, self.group, self.username, self.password)?;
        let transport: Arc<dyn HttpTransport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(self.transport_config)?),
        };
        Ok(Cas {
            inner: Arc::new(CasInner {
                sso,
                app_host: self.app_host,
                transport,
                retry: self.retry,
                bucket: Arc::new(TokenBucket::default()),
            }),
        })
    }
}

impl Cas {
    /// Starts a builder for `group\username` with `password`.
    pub fn builder(
        group: impl Into<String>,
        username: impl Into<String>,
        password: Secret,
    ) -> CasBuilder {
        CasBuilder {
            group: group.into(),
            username: username.into(),
            password,
            host: None,
            app_host: None,
            transport_config: TransportConfig::default(),
            transport: None,
            retry: RetryConfig::standard(),
        }
    }

    /// Logs in to CAS now (`POST /cas/v1/tickets`), unless a ticket-granting
    /// ticket is held. Optional: applications log in on first use. A
    /// refused login is an [`Error::Auth`] (the reference swallows it and
    /// goes on to request a ticket for `None`, §10.3).
    pub async fn login(&self) -> Result<()> {
        self.inner.sso.login(self.inner.transport.as_ref()).await
    }

    /// Whether a ticket-granting ticket is held.
    pub fn is_logged_in(&self) -> bool {
        self.inner.sso.has_tgt()
    }
}

/// The request path of one application: its API pipeline, the pipeline
/// for host-root downloads, and its CAS session.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) api: Pipeline,
    pub(crate) root: Pipeline,
    session: CasApp,
    transport: Arc<dyn HttpTransport>,
}

/// Which application a builder makes.
#[derive(Debug, Clone, Copy)]
struct Kind {
    service: &'static str,
    default_host: &'static str,
    api_base: &'static str,
    shiro_cas_base: &'static str,
}

const EMC: Kind = Kind {
    service: "etunexus-emc",
    default_host: DEFAULT_EMC_HOST,
    api_base: "/commsrv/v1",
    shiro_cas_base: "/shiro-cas",
};
const ER: Kind = Kind {
    service: "etunexus-er",
    default_host: DEFAULT_ER_HOST,
    api_base: "/ER/V3/recsrv/v1",
    shiro_cas_base: "/ER/V3/shiro-cas",
};
const EI: Kind = Kind {
    service: "etunexus-ei",
    default_host: DEFAULT_EI_HOST,
    api_base: "/EI/V3/service/v1",
    shiro_cas_base: "/EI/V3/shiro-cas",
};

/// Builder of an application client ([`Emc2::builder`], [`Er3::builder`],
/// [`Ei3::builder`]).
#[derive(Debug)]
pub struct AppBuilder<T> {
    cas: Cas,
    kind: Kind,
    host: Option<String>,
    api_base: Option<String>,
    shiro_cas_base: Option<String>,
    make: fn(App) -> T,
}

/// A path base: empty, or `/…` without a trailing `/`.
fn base(field: &str, b: &str) -> Result<String> {
    let b = b.trim_end_matches('/');
    if !b.is_empty() && !b.starts_with('/')
        || b.chars()
            .any(|c| c.is_whitespace() || matches!(c, '?' | '#'))
    {
        return Err(Error::invalid_input(
            field,
            "must be a path starting with `/`",
        ));
    }
    Ok(b.to_owned())
}

impl<T> AppBuilder<T> {
    /// The application's host (default: the CAS builder's `app_host`, else
    /// the application's default host); it may carry a port.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }
    /// The API base path (for example `/commsrv/v1`).
    pub fn api_base(mut self, b: impl Into<String>) -> Self {
        self.api_base = Some(b.into());
        self
    }
    /// The shiro-cas path (the CAS service, for example `/shiro-cas`).
    pub fn shiro_cas_base(mut self, b: impl Into<String>) -> Self {
        self.shiro_cas_base = Some(b.into());
        self
    }
    /// Checks the settings and builds; nothing is sent.
    pub fn build(self) -> Result<T> {
        let ci = &self.cas.inner;
        let host = self
            .host
            .as_deref()
            .or(ci.app_host.as_deref())
            .unwrap_or(self.kind.default_host);
        let root = https("host", host)?;
        let api_base = base(
            "api_base",
            self.api_base.as_deref().unwrap_or(self.kind.api_base),
        )?;
        let shiro = base(
            "shiro_cas_base",
            self.shiro_cas_base
                .as_deref()
                .unwrap_or(self.kind.shiro_cas_base),
        )?;
        let session = ci.sso.application(&format!("{root}{shiro}"))?;
        let build = |url: String| {
            Pipeline::builder(self.kind.service)
                .base_url(url)
                .transport(ci.transport.clone())
                .auth(Arc::new(session.clone()))
                .retry(ci.retry)
                .token_bucket(ci.bucket.clone())
                .error_parser(parse_error)
                .default_header("accept", "application/json, text/plain, */*")
                .default_header("pragma", "no-cache")
                .build()
        };
        Ok((self.make)(App {
            api: build(format!("{root}{api_base}"))?,
            root: build(root.clone())?,
            session: session.clone(),
            transport: ci.transport.clone(),
        }))
    }
}

impl App {
    async fn login(&self) -> Result<()> {
        self.session.login(self.transport.as_ref()).await
    }
}

macro_rules! app_client {
    ($(#[$meta:meta])* $name:ident, $kind:expr) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            pub(crate) app: App,
        }

        // By hand: the pipelines' transport is not shown (a test
        // transport may record request bodies).
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("session", &self.app.session)
                    .finish_non_exhaustive()
            }
        }

        impl $name {
            /// A client on the application's default host (or the CAS
            /// builder's `app_host`), sharing `cas`'s login.
            pub fn new(cas: &Cas) -> Result<Self> {
                Self::builder(cas).build()
            }

            /// A builder, for another host or base path.
            pub fn builder(cas: &Cas) -> AppBuilder<Self> {
                AppBuilder {
                    cas: cas.clone(),
                    kind: $kind,
                    host: None,
                    api_base: None,
                    shiro_cas_base: None,
                    make: |app| $name { app },
                }
            }

            /// Logs in to the application now: a fresh service ticket
            /// (and a CAS login first if none is held), presented once to
            /// the shiro-cas endpoint for a session cookie. Optional: calls
            /// log in on first use, and an expired session logs in again
            /// once.
            pub async fn login(&self) -> Result<()> {
                self.app.login().await
            }

            /// Forgets the session (nothing is sent, as in the reference);
            /// unlike the reference, the client stays usable: the next
            /// call logs in again.
            pub fn logout(&self) {
                self.app.session.logout();
            }

            /// The application's API pipeline (transport, auth, retry).
            pub fn pipeline(&self) -> &Pipeline {
                &self.app.api
            }
        }
    };
}

app_client!(
    /// Etu Management Center v2: groups, users, applications and roles,
    /// data sources, exporters, schemas, version, audit log.
    Emc2,
    EMC
);
app_client!(
    /// Etu Recommender v3: groups, data sources, logics, campaigns, user
    /// filters, layouts, algorithm trainings.
    Er3,
    ER
);
app_client!(
    /// Etu Insight v3: users, genes, band categories, bands, fixed genes,
    /// populations, statistics, customers, items, summaries, su.
    Ei3,
    EI
);
