//! The client, its builder, endpoint discovery and Astakos's error format.

use crate::endpoints::{find_endpoints, EndpointFilter};
use crate::models::commissions::{OverLimit, QUOTA_LIMIT_MESSAGE};
use crate::models::identity::AuthInfo;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use tenantry_core::auth::header::HeaderToken;
use tenantry_core::endpoint::Resolver;
use tenantry_core::pipeline::{Decl, Operation, Pipeline};
use tenantry_core::transport::HttpTransport;
use tenantry_core::{
    Error, ParsedError, ReqwestTransport, Result, RetryConfig, Secret, TransportConfig,
};
use url::Url;

/// The prefixes learnt from the service catalog (§3.4 of the protocol
/// notes): only the path of each catalog URL is used; every request goes to
/// the scheme and host of `auth_url`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Prefixes {
    /// `publicURL` of the first `v1.0` endpoint of `astakos_account`.
    pub account_url: Option<String>,
    /// The path of [`account_url`](Self::account_url).
    pub account: Option<String>,
    /// `SNF:uiURL` of the same endpoint.
    pub ui_url: Option<String>,
    /// The path of [`ui_url`](Self::ui_url).
    pub ui: Option<String>,
    /// `publicURL` of the first endpoint of `astakos_oauth2`.
    pub oauth2_url: Option<String>,
    /// The path of [`oauth2_url`](Self::oauth2_url).
    pub oauth2: Option<String>,
}

/// An answer of `POST tokens` (discovery or authenticate) with its
/// prefixes, checked while the pipeline decodes it: a catalog without a
/// `v1.0` `astakos_account` endpoint, or one without `publicURL` or
/// `SNF:uiURL`, is an [`Error::Decode`].
#[derive(serde::Deserialize)]
#[serde(try_from = "AuthInfo")]
pub(crate) struct Catalog {
    pub(crate) info: AuthInfo,
    prefixes: Prefixes,
}

impl TryFrom<AuthInfo> for Catalog {
    type Error = String;

    /// Reads the prefixes and filters the `astakos_account` entries to
    /// their `v1.0` endpoints, as the reference does.
    fn try_from(mut info: AuthInfo) -> std::result::Result<Self, String> {
        let filter = EndpointFilter::new()
            .name("astakos_account")
            .version_id("v1.0");
        let acc = find_endpoints(&info, &filter)?;
        let ep = acc.first().and_then(|e| e.endpoints.first());
        let account_url = ep.and_then(|e| e.public_url.clone());
        let ui_url = ep.and_then(|e| e.ui_url.clone());
        let (Some(account_url), Some(ui_url)) = (account_url, ui_url) else {
            return Err("astakos_account needs a publicURL and an SNF:uiURL".to_owned());
        };
        let oauth2_url = find_endpoints(&info, &EndpointFilter::new().name("astakos_oauth2"))
            .ok()
            .and_then(|o| o.first()?.endpoints.first()?.public_url.clone());
        for entry in info.access.service_catalog.iter_mut().flatten() {
            if entry.name.as_deref() == Some("astakos_account") {
                entry
                    .endpoints
                    .retain(|e| e.version_id.as_deref() == Some("v1.0"));
            }
        }
        let prefixes = Prefixes {
            account: Some(url_path(&account_url)),
            ui: Some(url_path(&ui_url)),
            oauth2: oauth2_url.as_deref().map(url_path),
            account_url: Some(account_url),
            ui_url: Some(ui_url),
            oauth2_url,
        };
        Ok(Catalog { info, prefixes })
    }
}

#[derive(Debug)]
struct Inner {
    pipeline: Pipeline,
    token: Secret,
    /// The path of `auth_url` (`/identity/v2.0`).
    auth_path: String,
    /// The account and UI prefixes: discovered once, single-flight,
    /// shared by clones, replaced when a new catalog arrives (core's
    /// resolver).
    base: Resolver<Arc<Prefixes>>,
    /// The same with the OAuth2 prefix, which needs its own discovery, as
    /// in the reference.
    oauth2: Resolver<Arc<Prefixes>>,
}

/// An Astakos client. Cheap to clone: clones share the connection pool,
/// the retry token bucket and the discovered endpoints.
///
/// ```no_run
/// # async fn run() -> astakos_client::Result<()> {
/// use astakos_client::{AstakosClient, Secret};
/// let client = AstakosClient::builder(
///     "https://accounts.example.org/identity/v2.0",
///     Secret::new("user-or-service-token"),
/// )
/// .build()?;
/// let quotas = client.quotas().get().await?;
/// # let _ = quotas; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AstakosClient {
    inner: Arc<Inner>,
}

/// Builder of [`AstakosClient`].
#[derive(Debug)]
pub struct AstakosClientBuilder {
    auth_url: String,
    token: Secret,
    retry: RetryConfig,
    transport_config: Option<TransportConfig>,
    transport: Option<Arc<dyn HttpTransport>>,
    headers: Vec<(String, String)>,
}

impl AstakosClientBuilder {
    /// The retry policy (default [`RetryConfig::standard`]: 3 attempts with
    /// backoff). The reference's `retry=n` (n extra attempts) is
    /// `RetryConfig::standard().max_attempts(n + 1)`; its default `retry=0`
    /// is [`RetryConfig::disabled`]. Only requests that cannot have a side
    /// effect twice are ever re-sent (see the crate docs).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Settings of the default reqwest transport. The reference's
    /// `use_pool`/`pool_size` map to
    /// [`TransportConfig::pool_max_idle_per_host`]: connections are always
    /// pooled per client (not per process), `pool_size` bounds the idle
    /// connections kept, and acquiring never blocks.
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport_config = Some(config);
        self
    }

    /// A custom transport (tests, proxies); overrides
    /// [`transport_config`](Self::transport_config).
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// A header sent on every request (the reference's `headers`, for
    /// example `X-Client-IP`). `X-Auth-Token`, `Content-Length` and
    /// `Content-Type` are refused by [`build`](Self::build): the client sets
    /// them.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Validates and builds. No request is sent.
    ///
    /// Fails with [`Error::InvalidInput`] when `auth_url` is not an
    /// `http`/`https` URL (`Unsupported scheme: …`), when the token is empty
    /// or not a valid header value, or for a refused default header.
    pub fn build(self) -> Result<AstakosClient> {
        let scheme = |s: &str| format!("Unsupported scheme: {}", s.to_ascii_lowercase());
        let url = Url::parse(self.auth_url.trim()).map_err(|e| {
            let s = self.auth_url.split_once("://").map_or("", |(s, _)| s);
            Error::invalid_input("auth_url", format!("{} ({e})", scheme(s)))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid_input("auth_url", scheme(url.scheme())));
        }
        let transport: Arc<dyn HttpTransport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(
                self.transport_config.unwrap_or_default(),
            )?),
        };
        let mut pb = Pipeline::builder("astakos")
            .base_url(url.origin().ascii_serialization())
            .transport(transport)
            .auth(Arc::new(HeaderToken::x_auth_token(self.token.clone())?))
            .error_parser(parse_error)
            .retry(self.retry);
        for (k, v) in self.headers {
            if ["x-auth-token", "content-length", "content-type"]
                .contains(&k.to_ascii_lowercase().as_str())
            {
                let reason = format!("`{k}` is set by the client");
                return Err(Error::invalid_input("default_header", reason));
            }
            pb = pb.default_header(k, v);
        }
        Ok(AstakosClient {
            inner: Arc::new(Inner {
                pipeline: pb.build()?,
                token: self.token,
                auth_path: url.path().trim_end_matches('/').to_owned(),
                base: Resolver::new(),
                oauth2: Resolver::new(),
            }),
        })
    }
}

impl AstakosClient {
    /// Starts a builder. `auth_url` is the identity endpoint, for example
    /// `https://accounts.example.org/identity/v2.0`; `token` is sent as
    /// `X-Auth-Token` on every request (a user or a service token).
    pub fn builder(auth_url: impl Into<String>, token: Secret) -> AstakosClientBuilder {
        AstakosClientBuilder {
            auth_url: auth_url.into(),
            token,
            retry: RetryConfig::standard(),
            transport_config: None,
            transport: None,
            headers: Vec::new(),
        }
    }

    /// A client for `TENANTRY_ASTAKOS_URL` (the identity endpoint) with the
    /// token `TENANTRY_ASTAKOS_TOKEN`, default settings otherwise. A missing
    /// variable is an [`Error::Config`] naming it.
    ///
    /// ```no_run
    /// # fn run() -> astakos_client::Result<()> {
    /// let client = astakos_client::AstakosClient::from_env()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn from_env() -> Result<AstakosClient> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| Error::Config(format!("set the variable {name}")))
        };
        let token = Secret::new(var("TENANTRY_ASTAKOS_TOKEN")?);
        Self::builder(var("TENANTRY_ASTAKOS_URL")?, token).build()
    }

    /// The path of the tokens endpoint (`/identity/v2.0/tokens`).
    pub fn api_tokens(&self) -> String {
        format!("{}/tokens", self.inner.auth_path)
    }

    /// The token (authenticate sends it in its body too).
    pub(crate) fn token(&self) -> &Secret {
        &self.inner.token
    }

    /// The prefixes discovered so far (no I/O).
    pub async fn cached_prefixes(&self) -> Prefixes {
        let mut p = self
            .inner
            .base
            .get()
            .map(|p| (*p).clone())
            .unwrap_or_default();
        if let Some(o) = self.inner.oauth2.get() {
            p.oauth2.clone_from(&o.oauth2);
            p.oauth2_url.clone_from(&o.oauth2_url);
        }
        p
    }

    /// The account API prefix (`/account/v1.0`), discovering it first if
    /// needed (one `POST tokens`, shared by concurrent callers).
    pub async fn account_prefix(&self) -> Result<String> {
        self.prefix(false, |p| &p.account).await
    }

    /// The UI prefix (`/ui`), discovering it first if needed.
    pub async fn ui_prefix(&self) -> Result<String> {
        self.prefix(false, |p| &p.ui).await
    }

    /// The OAuth2 prefix (`/oauth2/`), discovering it first if needed. Like
    /// the reference, this needs its own discovery even after
    /// `authenticate`.
    pub async fn oauth2_prefix(&self) -> Result<String> {
        self.prefix(true, |p| &p.oauth2).await
    }

    /// One prefix, through the shared single-flight discovery (with the
    /// OAuth2 prefix when `oauth2`): concurrent first callers share one
    /// `POST tokens`, and if it fails they all get its error at once.
    async fn prefix(&self, oauth2: bool, pick: fn(&Prefixes) -> &Option<String>) -> Result<String> {
        let prefixes = self.prefixes(oauth2).await?;
        Ok(pick(&prefixes).clone().unwrap_or_default())
    }

    /// The shared prefixes (with the OAuth2 one when `oauth2`), discovered
    /// first if needed. Once known this is a lock and an `Arc` clone: the
    /// client is cloned for the discovery only when one starts.
    async fn prefixes(&self, oauth2: bool) -> Result<Arc<Prefixes>> {
        let resolver = if oauth2 {
            &self.inner.oauth2
        } else {
            &self.inner.base
        };
        let discovery = || {
            let c = self.clone();
            async move { Ok(c.fetch(oauth2).await?.1) }
        };
        resolver.get_or_discover(discovery).await
    }

    /// The bodyless `POST tokens` (the reference's `get_endpoints`): always
    /// re-fetches, and refreshes the shared prefixes.
    pub(crate) async fn discover(&self, oauth2: bool) -> Result<AuthInfo> {
        Ok(self.fetch(oauth2).await?.0)
    }

    /// [`discover`](Self::discover), with the prefixes it stored.
    async fn fetch(&self, oauth2: bool) -> Result<(AuthInfo, Arc<Prefixes>)> {
        const DISCOVER: Decl = Decl::post("astakos.get_endpoints", "{AUTH}/tokens").idempotent();
        let op = prefixed(&DISCOVER, &self.inner.auth_path).header("content-length", "0");
        let op = op.header("content-type", "application/json");
        self.store(self.call(op).await?, oauth2)
    }

    /// Stores the prefixes of a new catalog (they replace what was known);
    /// with `oauth2`, the OAuth2 prefix too, which must then be there (the
    /// account and UI prefixes are stored even if it is missing).
    pub(crate) fn store(&self, c: Catalog, oauth2: bool) -> Result<(AuthInfo, Arc<Prefixes>)> {
        tracing::debug!(account = ?c.prefixes.account, ui = ?c.prefixes.ui, "astakos prefixes");
        let with_oauth2 = Arc::new(c.prefixes);
        let base = Arc::new(Prefixes {
            oauth2: None,
            oauth2_url: None,
            ..(*with_oauth2).clone()
        });
        self.inner.base.set(base.clone());
        if oauth2 {
            if with_oauth2.oauth2.is_none() {
                let message = "No endpoints found matching, name = astakos_oauth2";
                let path = "access.serviceCatalog".to_owned();
                return Err(answer_lacks("astakos.get_endpoints", path, message.into()));
            }
            self.inner.oauth2.set(with_oauth2.clone());
            return Ok((c.info, with_oauth2));
        }
        Ok((c.info, base))
    }

    /// A new operation of `decl` whose path template starts with one of
    /// `{AUTH}`, `{ACCOUNT}`, `{UI}` or `{OAUTH2}`: that prefix is filled
    /// in (discovering it first if needed) by the reference's `join_urls`
    /// rule; `{param}`s are left for [`Operation::param`].
    pub(crate) async fn op(&self, decl: &Decl) -> Result<Operation> {
        let pick: fn(&Prefixes) -> &Option<String> =
            match decl.path.split_once('}').map_or("", |(base, _)| base) {
                "{ACCOUNT" => |p| &p.account,
                "{UI" => |p| &p.ui,
                "{OAUTH2" => |p| &p.oauth2,
                _ => return Ok(prefixed(decl, &self.inner.auth_path)),
            };
        let prefixes = self.prefixes(decl.path.starts_with("{OAUTH2}")).await?;
        Ok(prefixed(
            decl,
            pick(&prefixes).as_deref().unwrap_or_default(),
        ))
    }

    /// [`op`](Self::op) for a bodyless request: like the reference, it
    /// sends `content-length: 0`, GETs included.
    pub(crate) async fn bare(&self, decl: &Decl) -> Result<Operation> {
        Ok(self.op(decl).await?.header("content-length", "0"))
    }

    /// The whole request path of core ([`Pipeline::call`]): a status the
    /// operation does not accept is an [`Error::Api`] read through
    /// [`parse_error`]; the answer (an empty body as `null`) is decoded
    /// with the path of a bad field in [`Error::Decode`].
    ///
    /// Written as an `async move` block, not an `async fn`: an `async fn`
    /// keeps its by-value parameter twice in its future (as the argument
    /// and as the local it is moved into), and every request's future
    /// carries this one.
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    pub(crate) fn call<T: DeserializeOwned>(
        &self,
        op: Operation,
    ) -> impl std::future::Future<Output = Result<T>> + Send + '_ {
        async move { self.inner.pipeline.call(&op).await }
    }

    /// [`call`](Self::call) for an answer that carries nothing (an empty
    /// body, or any JSON).
    pub(crate) fn call_unit(
        &self,
        op: Operation,
    ) -> impl std::future::Future<Output = Result<()>> + Send + '_ {
        use futures::FutureExt;
        self.call::<serde::de::IgnoredAny>(op).map(|r| r.map(drop))
    }
}

/// A 2xx answer that lacks what was asked for (the reference's
/// `NoUserName`, `NoUUID`, `NoEndpoints`): an [`Error::Decode`] at `path`.
pub(crate) fn answer_lacks(operation: &str, path: String, message: String) -> Error {
    let (operation, excerpt) = (operation.to_owned(), String::new());
    Error::Decode {
        operation,
        status: 200,
        path,
        message,
        excerpt,
    }
}

/// An operation of `decl` with its `{PREFIX}` replaced by `prefix`, by
/// the reference's `join_urls` rule (one `/` between them).
fn prefixed(decl: &Decl, prefix: &str) -> Operation {
    let rest = decl
        .path
        .split_once('}')
        .map_or(decl.path, |(_, rest)| rest);
    let (prefix, rest) = (prefix.trim_end_matches('/'), rest.trim_start_matches('/'));
    let mut path = String::with_capacity(prefix.len() + 1 + rest.len());
    path.push_str(prefix);
    path.push('/');
    path.push_str(rest);
    decl.op().raw_path(path)
}

/// The path component of a catalog URL (absolute or not).
fn url_path(u: &str) -> String {
    let base = Url::parse("http://placeholder/");
    match Url::parse(u).or_else(|_| base.and_then(|b| b.join(u))) {
        Ok(parsed) if !parsed.cannot_be_a_base() => parsed.path().to_owned(),
        _ => u.to_owned(),
    }
}

/// Astakos's error format, for the core pipeline (registered on every
/// client's pipeline): `{"<faultName>": {"message": …, "code": …,
/// "details": …, "data": …}}`. The fault name is the code and its
/// `message` the message, except for an `overLimit` fault: its parsed
/// object is the typed detail
/// ([`ApiError::detail::<OverLimit>()`](tenantry_core::ApiError::detail)),
/// with its limit, usage and requested provision, and the message is the
/// reference's `QuotaLimit` text, `Resource Limit Exceeded for your
/// account. Limit for resource '<name>' exceeded for your account.
/// Available: <n>, Requested: <n>` (the server's own message stays in the
/// excerpt).
pub fn parse_error(_status: u16, _headers: &http::HeaderMap, body: &[u8]) -> Option<ParsedError> {
    let mut v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    let (name, inner) = match v.remove_entry("overLimit") {
        Some(entry) => entry,
        None if v.len() == 1 => v.into_iter().next()?,
        None => return None,
    };
    if !inner.is_object() {
        return None;
    }
    let message = inner
        .get("message")
        .and_then(|m| m.as_str())
        .map(str::to_owned);
    match serde_json::from_value::<OverLimit>(inner) {
        Ok(over) if name == "overLimit" => {
            let message = format!("{QUOTA_LIMIT_MESSAGE} {}", over.details());
            Some(ParsedError::new(Some(name), Some(message)).with_detail(over))
        }
        _ => Some(ParsedError::new(Some(name), message)),
    }
}
