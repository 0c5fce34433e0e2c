//! The client, its builder and `from_env`.

use crate::models::{Account, Version};
use std::sync::Arc;
use std::time::Duration;
use tenantry_core::auth::bearer::{
    BearerAuth, KeycloakGrant, KeycloakProvider, KeycloakProviderBuilder,
};
use tenantry_core::auth::{AuthStrategy, NoAuth};
use tenantry_core::http::HeaderMap;
use tenantry_core::pipeline::Decl;
use tenantry_core::retry::TokenBucket;
use tenantry_core::transport::{HttpRequest, HttpTransport};
use tenantry_core::{
    Error, Pipeline, ReqwestTransport, Result, RetryConfig, Secret, TransportConfig,
};

/// The success statuses of every read (and of the alter calls): only
/// 200, as the reference checks (§3.2).
pub(crate) const OK: &[u16] = &[200];

const PING: Decl = Decl::get("squonk2-as.ping", "/version").success(OK);
const VERSION: Decl = Decl::get("squonk2-as.get_version", "/version").success(OK);
const ACCOUNT: Decl = Decl::get("squonk2-as.get_account", "/user/account").success(OK);

/// How long before expiry a Keycloak token is replaced (issue #17: 60 s,
/// as the reference re-uses a prior token only with 60 s left).
pub const KEYCLOAK_REFRESH_SKEW: Duration = Duration::from_secs(60);

/// A Squonk2 Account Server client. Cheap to clone: clones share the
/// connection pool, the Keycloak token (one token request for every
/// concurrent caller, refreshed 60 s before it expires, one new token on
/// a 401) and the retry token bucket.
///
/// ```no_run
/// # async fn run() -> squonk2_as::Result<()> {
/// use squonk2_as::{Secret, Squonk2Client};
/// let client = Squonk2Client::builder("https://example.com/account-server-api")
///     .token(Secret::new("eyJhbGciOi..."))
///     .build()?;
/// println!("{:?}", client.version().await?.version);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Squonk2Client {
    /// Calls that carry the bearer token.
    pub(crate) pipeline: Pipeline,
    /// `/version` and `/event-stream/version`: never a token (§4.1).
    pub(crate) public: Pipeline,
}

/// The token source of a client.
#[derive(Debug, Clone)]
enum TokenSource {
    None,
    Bearer(BearerAuth),
}

/// Builder of [`Squonk2Client`].
#[derive(Debug)]
pub struct Squonk2ClientBuilder {
    url: String,
    token: TokenSource,
    prior_token: Option<Secret>,
    verify_tls: bool,
    retry: RetryConfig,
    transport_config: Option<TransportConfig>,
    transport: Option<Arc<dyn HttpTransport>>,
}

/// The auth of a client built without a token source: every tokened call
/// fails with [`Error::InvalidInput`] naming `token`, before anything is
/// sent (the reference asserts a non-empty token the same way).
#[derive(Debug)]
struct NoToken;

#[async_trait::async_trait]
impl AuthStrategy for NoToken {
    async fn apply(&self, _request: &mut HttpRequest, _t: &dyn HttpTransport) -> Result<()> {
        Err(Error::invalid_input(
            "token",
            "this call needs a bearer token or a Keycloak login, and the client has none",
        ))
    }
    async fn invalidate(&self, _sent: &HeaderMap) -> bool {
        false
    }
}

impl Squonk2ClientBuilder {
    /// A fixed bearer token (never refreshed).
    pub fn token(mut self, token: Secret) -> Self {
        self.token = TokenSource::Bearer(BearerAuth::token(token));
        self
    }
    /// Tokens from Keycloak (see [`Squonk2Client::keycloak`]).
    pub fn keycloak(mut self, provider: KeycloakProvider) -> Self {
        self.token = TokenSource::Bearer(BearerAuth::Keycloak(provider));
        self
    }
    /// An access token from an earlier run (the reference's
    /// `prior_token`), for the Keycloak login: used, with **no token
    /// request at all**, while its JWT `exp` leaves more than 60 s; read
    /// locally, without a network call or a signature check (the server
    /// checks it). Expired, nearly expired or unreadable: the first call
    /// logs in. Needs [`keycloak`](Self::keycloak) (or the Keycloak
    /// variables of `from_env`) to fall back on; `build` fails with
    /// [`Error::InvalidInput`] naming `prior_token` otherwise. Never shown
    /// in Debug, logs or errors.
    ///
    /// ```
    /// use squonk2_as::{Secret, Squonk2Client};
    /// use tenantry_core::auth::bearer::KeycloakGrant;
    /// let kc = Squonk2Client::keycloak("https://example.com/auth", "squonk2", "account-server-api")
    ///     .grant(KeycloakGrant::Password { username: "dlister".into(), password: Secret::new("pw") })
    ///     .build()?;
    /// let saved = Secret::new("eyJhbGciOi...");
    /// let client = Squonk2Client::builder("https://example.com/account-server-api")
    ///     .keycloak(kc)
    ///     .prior_token(saved)
    ///     .build()?;
    /// # let _ = client; Ok::<(), squonk2_as::Error>(())
    /// ```
    pub fn prior_token(mut self, token: Secret) -> Self {
        self.prior_token = Some(token);
        self
    }
    /// Verify the server's TLS certificate (default true; `from_env`
    /// follows `SQUONK2_ASAPI_VERIFY_SSL_CERT`). Ignored with a custom
    /// [`transport`](Self::transport).
    pub fn verify_tls(mut self, verify: bool) -> Self {
        self.verify_tls = verify;
        self
    }
    /// The retry policy (default [`RetryConfig::standard`]; only requests
    /// that cannot have a side effect twice are re-sent).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }
    /// Settings of the default reqwest transport (timeouts, TLS roots).
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport_config = Some(config);
        self
    }
    /// A custom transport (tests, proxies).
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Validates and builds; no request is sent. An empty URL is an
    /// [`Error::InvalidInput`] naming `url` (the reference: "No API URL
    /// defined"); a trailing `/` is dropped (the reference sends `//path`).
    pub fn build(self) -> Result<Squonk2Client> {
        if self.url.trim().is_empty() {
            return Err(Error::invalid_input("url", "no API URL defined"));
        }
        let transport: Arc<dyn HttpTransport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(
                self.transport_config
                    .unwrap_or_default()
                    .verify_tls(self.verify_tls),
            )?),
        };
        let bucket = Arc::new(TokenBucket::default());
        if let Some(prior) = self.prior_token {
            match &self.token {
                TokenSource::Bearer(BearerAuth::Keycloak(p)) => {
                    // Adopted only if it leaves more than the skew.
                    p.offer_prior_token(prior);
                }
                _ => {
                    return Err(Error::invalid_input(
                        "prior_token",
                        "needs a Keycloak login to fall back on when it expires",
                    ))
                }
            }
        }
        let auth: Arc<dyn AuthStrategy> = match self.token {
            TokenSource::None => Arc::new(NoToken),
            TokenSource::Bearer(b) => Arc::new(b),
        };
        let build = |auth: Arc<dyn AuthStrategy>| {
            Pipeline::builder("squonk2-as")
                .base_url(self.url.clone())
                .transport(transport.clone())
                .auth(auth)
                .token_bucket(bucket.clone())
                .error_parser(crate::error::parse_error)
                .retry(self.retry)
                .build()
        };
        Ok(Squonk2Client {
            pipeline: build(auth)?,
            public: build(Arc::new(NoAuth))?,
        })
    }
}

/// The environment variables [`Squonk2Client::from_env`] reads.
pub const ENV_VARS: &[&str] = &[
    "SQUONK2_ASAPI_URL",
    "SQUONK2_ASAPI_VERIFY_SSL_CERT",
    "SQUONK2_ASAPI_TOKEN",
    "SQUONK2_KEYCLOAK_URL",
    "SQUONK2_KEYCLOAK_REALM",
    "SQUONK2_KEYCLOAK_AS_CLIENT_ID",
    "SQUONK2_KEYCLOAK_AS_CLIENT_SECRET",
    "SQUONK2_KEYCLOAK_USER",
    "SQUONK2_KEYCLOAK_USER_PASSWORD",
    "SQUONK2_KEYCLOAK_REFRESH_TOKEN",
];

impl Squonk2Client {
    /// Starts a builder for the AS API URL (for example
    /// `https://example.com/account-server-api`).
    pub fn builder(url: impl Into<String>) -> Squonk2ClientBuilder {
        Squonk2ClientBuilder {
            url: url.into(),
            token: TokenSource::None,
            prior_token: None,
            verify_tls: true,
            retry: RetryConfig::standard(),
            transport_config: None,
            transport: None,
        }
    }

    /// A Keycloak provider builder for the AS: `keycloak_url` as the
    /// reference takes it (`https://host/auth`), the realm, the AS client
    /// id; tokens are replaced 60 s before they expire. Add the grant
    /// (password or refresh token) and, for a confidential client, its
    /// secret, then `build()`.
    ///
    /// ```
    /// use squonk2_as::{Secret, Squonk2Client};
    /// use tenantry_core::auth::bearer::KeycloakGrant;
    /// let kc = Squonk2Client::keycloak("https://example.com/auth", "squonk2", "account-server-api")
    ///     .grant(KeycloakGrant::Password { username: "dlister".into(), password: Secret::new("pw") })
    ///     .build()?;
    /// let client = Squonk2Client::builder("https://example.com/account-server-api")
    ///     .keycloak(kc)
    ///     .build()?;
    /// # let _ = client; Ok::<(), squonk2_as::Error>(())
    /// ```
    pub fn keycloak(
        keycloak_url: impl Into<String>,
        realm: impl Into<String>,
        client_id: impl Into<String>,
    ) -> KeycloakProviderBuilder {
        KeycloakProvider::builder(keycloak_url, realm, client_id)
            .refresh_skew(KEYCLOAK_REFRESH_SKEW)
    }

    /// A client from the environment: `SQUONK2_ASAPI_URL` (required) and
    /// `SQUONK2_ASAPI_VERIFY_SSL_CERT` as the reference reads them (TLS is
    /// verified when it is unset or `yes` in any case, not otherwise); the
    /// token from `SQUONK2_ASAPI_TOKEN`, or a Keycloak password login from
    /// `SQUONK2_KEYCLOAK_URL`, `SQUONK2_KEYCLOAK_REALM`,
    /// `SQUONK2_KEYCLOAK_AS_CLIENT_ID`, `SQUONK2_KEYCLOAK_USER`,
    /// `SQUONK2_KEYCLOAK_USER_PASSWORD` (or a refresh-token grant from
    /// `SQUONK2_KEYCLOAK_REFRESH_TOKEN` instead of user and password; and
    /// the optional `SQUONK2_KEYCLOAK_AS_CLIENT_SECRET`); neither: only the calls that
    /// need no token work. A missing or bad variable is an
    /// [`Error::InvalidInput`] naming it.
    pub fn from_env() -> Result<Self> {
        Self::builder_from(|k| std::env::var(k).ok())?.build()
    }

    /// [`from_env`](Self::from_env)'s builder from any lookup (tests,
    /// profiles), for further settings before `build`.
    pub fn builder_from(lookup: impl Fn(&str) -> Option<String>) -> Result<Squonk2ClientBuilder> {
        let get = |k: &str| lookup(k).filter(|v| !v.is_empty());
        let need = |k: &str| get(k).ok_or_else(|| Error::invalid_input(k, "is not set"));
        let url = need("SQUONK2_ASAPI_URL")?;
        // Unset means "yes"; only "yes" (any case) keeps verification on (§1.1).
        let verify = lookup("SQUONK2_ASAPI_VERIFY_SSL_CERT")
            .map(|v| v.to_lowercase() == "yes")
            .unwrap_or(true);
        let mut b = Self::builder(url).verify_tls(verify);
        let kc_vars = [
            "SQUONK2_KEYCLOAK_URL",
            "SQUONK2_KEYCLOAK_REALM",
            "SQUONK2_KEYCLOAK_AS_CLIENT_ID",
            "SQUONK2_KEYCLOAK_USER",
            "SQUONK2_KEYCLOAK_USER_PASSWORD",
            "SQUONK2_KEYCLOAK_REFRESH_TOKEN",
        ];
        if let Some(t) = get("SQUONK2_ASAPI_TOKEN") {
            b = b.token(Secret::new(t));
        } else if kc_vars.iter().any(|k| get(k).is_some()) {
            // A refresh token (an offline token, say) wins over a password.
            let grant = match get("SQUONK2_KEYCLOAK_REFRESH_TOKEN") {
                Some(r) => KeycloakGrant::RefreshToken(Secret::new(r)),
                None => KeycloakGrant::Password {
                    username: need("SQUONK2_KEYCLOAK_USER")?,
                    password: Secret::new(need("SQUONK2_KEYCLOAK_USER_PASSWORD")?),
                },
            };
            let mut kc = Self::keycloak(
                need("SQUONK2_KEYCLOAK_URL")?,
                need("SQUONK2_KEYCLOAK_REALM")?,
                need("SQUONK2_KEYCLOAK_AS_CLIENT_ID")?,
            )
            .grant(grant);
            if let Some(s) = get("SQUONK2_KEYCLOAK_AS_CLIENT_SECRET") {
                kc = kc.client_secret(Secret::new(s));
            }
            b = b.keycloak(kc.build()?);
        }
        Ok(b)
    }

    /// `GET /version` (#1 `ping`): the server answers; no token is sent.
    pub async fn ping(&self) -> Result<()> {
        let _: serde::de::IgnoredAny = self.public.call(&PING.op()).await?;
        Ok(())
    }

    /// `GET /version` (#2), no token sent.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// let client = squonk2_as::Squonk2Client::builder("https://example.com/account-server-api").build()?;
    /// println!("{:?}", client.version().await?.version);
    /// # Ok(()) }
    /// ```
    pub async fn version(&self) -> Result<Version> {
        self.public.call(&VERSION.op()).await
    }

    /// `GET /user/account` (#52): the caller.
    pub async fn account(&self) -> Result<Account> {
        self.pipeline.call(&ACCOUNT.op()).await
    }

    /// Organisations (`/organisation`), their users and units.
    pub fn organisations(&self) -> crate::organisations::OrganisationsHandler<'_> {
        crate::organisations::OrganisationsHandler { client: self }
    }
    /// Units (`/unit`, `/personal-unit`) and their users.
    pub fn units(&self) -> crate::units::UnitsHandler<'_> {
        crate::units::UnitsHandler { client: self }
    }
    /// Products (`/product`, `/product-type`, storage cost).
    pub fn products(&self) -> crate::products::ProductsHandler<'_> {
        crate::products::ProductsHandler { client: self }
    }
    /// Charges (`/charges`, admins only).
    pub fn charges(&self) -> crate::charges::ChargesHandler<'_> {
        crate::charges::ChargesHandler { client: self }
    }
    /// The action log (`/action`).
    pub fn actions(&self) -> crate::charges::ActionsHandler<'_> {
        crate::charges::ActionsHandler { client: self }
    }
    /// Assets (`/asset`).
    pub fn assets(&self) -> crate::assets::AssetsHandler<'_> {
        crate::assets::AssetsHandler { client: self }
    }
    /// Merchants (`/merchant`).
    pub fn merchants(&self) -> crate::merchants::MerchantsHandler<'_> {
        crate::merchants::MerchantsHandler { client: self }
    }
    /// The caller's event stream (`/event-stream`).
    pub fn event_streams(&self) -> crate::event_streams::EventStreamsHandler<'_> {
        crate::event_streams::EventStreamsHandler { client: self }
    }

    /// The request pipeline of the tokened calls (transport, auth, retry).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }
}

/// `Ok(None)` for a 404, the rest as it is.
pub(crate) fn none_if_missing<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    const KC: &[(&str, &str)] = &[
        ("SQUONK2_ASAPI_URL", "https://as.example/account-server-api"),
        ("SQUONK2_KEYCLOAK_URL", "https://kc.example/auth"),
        ("SQUONK2_KEYCLOAK_REALM", "squonk2"),
        ("SQUONK2_KEYCLOAK_AS_CLIENT_ID", "account-server-api"),
        ("SQUONK2_KEYCLOAK_USER", "dlister"),
        ("SQUONK2_KEYCLOAK_USER_PASSWORD", "planted-password-1"),
        (
            "SQUONK2_KEYCLOAK_AS_CLIENT_SECRET",
            "planted-client-secret-1",
        ),
    ];

    #[test]
    fn verify_flag_follows_the_reference_rule() {
        for (value, want) in [
            (None, true),
            (Some("yes"), true),
            (Some("YES"), true),
            (Some("no"), false),
            (Some("false"), false),
            (Some("0"), false),
            (Some(""), false),
        ] {
            let mut pairs = vec![("SQUONK2_ASAPI_URL", "http://as.example")];
            if let Some(v) = value {
                pairs.push(("SQUONK2_ASAPI_VERIFY_SSL_CERT", v));
            }
            let b = Squonk2Client::builder_from(env(&pairs)).unwrap();
            assert_eq!(b.verify_tls, want, "{value:?}");
        }
    }

    #[test]
    fn from_env_names_what_is_missing_and_hides_secrets() {
        let e = Squonk2Client::builder_from(env(&[])).unwrap_err();
        assert!(e.to_string().contains("SQUONK2_ASAPI_URL"), "{e}");
        let b = Squonk2Client::builder_from(env(KC)).unwrap();
        assert!(matches!(
            b.token,
            TokenSource::Bearer(BearerAuth::Keycloak(_))
        ));
        let c = b.build().unwrap();
        let dbg = format!("{c:?}");
        for s in ["planted-password-1", "planted-client-secret-1"] {
            assert!(!dbg.contains(s), "{dbg}");
        }
        for missing in ["SQUONK2_KEYCLOAK_REALM", "SQUONK2_KEYCLOAK_USER_PASSWORD"] {
            let pairs: Vec<_> = KC.iter().copied().filter(|(k, _)| *k != missing).collect();
            let e = Squonk2Client::builder_from(env(&pairs)).unwrap_err();
            assert!(e.to_string().contains(missing), "{e}");
        }
        let b = Squonk2Client::builder_from(env(&[
            ("SQUONK2_ASAPI_URL", "http://as.example"),
            ("SQUONK2_ASAPI_TOKEN", "planted-token-1"),
        ]))
        .unwrap();
        assert!(matches!(
            b.token,
            TokenSource::Bearer(BearerAuth::Static(_))
        ));
        assert!(!format!("{b:?}").contains("planted-token-1"));
        let pairs: Vec<_> = KC
            .iter()
            .copied()
            .filter(|(k, _)| !k.starts_with("SQUONK2_KEYCLOAK_USER"))
            .chain([("SQUONK2_KEYCLOAK_REFRESH_TOKEN", "planted-refresh-1")])
            .collect();
        let b = Squonk2Client::builder_from(env(&pairs)).unwrap();
        assert!(!format!("{b:?}").contains("planted-refresh-1"));
        match &b.token {
            TokenSource::Bearer(BearerAuth::Keycloak(p)) => {
                assert!(format!("{p:?}").contains("RefreshToken"))
            }
            other => panic!("{other:?}"),
        }
        let e = Squonk2Client::builder("  ").build().unwrap_err();
        assert!(e.to_string().contains("url"), "{e}");
    }
}
