//! The client, its builder, endpoint discovery and the one request helper.

use crate::endpoints::{parse_endpoints, EndpointFilter};
use crate::error::{AstakosError, Result};
use crate::models::identity::AuthInfo;
use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use tenantry_core::auth::header::HeaderToken;
use tenantry_core::endpoint::Resolver;
use tenantry_core::pipeline::{encode_segment, Operation, Pipeline};
use tenantry_core::redact::Scrubber;
use tenantry_core::transport::HttpTransport;
use tenantry_core::{Idempotency, ReqwestTransport, RetryConfig, Secret, TransportConfig};
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

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) pipeline: Pipeline,
    pub(crate) token: Secret,
    /// `join(AUTH_PATH, "tokens")`.
    pub(crate) api_tokens: String,
    /// The account and UI prefixes: discovered once, single-flight,
    /// shared by clones, replaced when a new catalog arrives (core's
    /// resolver).
    base: Resolver<Arc<Prefixes>, AstakosError>,
    /// The same with the OAuth2 prefix, which needs its own discovery, as
    /// in the reference.
    oauth2: Resolver<Arc<Prefixes>, AstakosError>,
}

/// An Astakos client. Cheap to clone: clones share the connection pool and
/// the discovered endpoints.
///
/// ```no_run
/// # async fn run() -> Result<(), astakos_client::AstakosError> {
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
    pub(crate) inner: Arc<Inner>,
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
    /// Fails with [`AstakosError::BadValue`] when `auth_url` is not an
    /// `http`/`https` URL (`Unsupported scheme: …`), when the token is empty
    /// or not a valid header value, or for a refused default header.
    pub fn build(self) -> Result<AstakosClient> {
        let url = Url::parse(self.auth_url.trim()).map_err(|e| {
            let scheme = self
                .auth_url
                .split_once("://")
                .map(|(s, _)| s.to_ascii_lowercase())
                .unwrap_or_default();
            AstakosError::bad_value("auth_url", format!("Unsupported scheme: {scheme} ({e})"))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(AstakosError::bad_value(
                "auth_url",
                format!("Unsupported scheme: {}", url.scheme()),
            ));
        }
        let origin = url.origin().ascii_serialization();
        let api_tokens = join(url.path(), "tokens");
        let auth = HeaderToken::x_auth_token(self.token.clone())?;
        let transport: Arc<dyn HttpTransport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(
                self.transport_config.unwrap_or_default(),
            )?),
        };
        let mut pb = Pipeline::builder("astakos")
            .base_url(origin)
            .transport(transport)
            .auth(Arc::new(auth))
            .error_parser(crate::error::parse_error)
            .retry(self.retry);
        for (k, v) in self.headers {
            if ["x-auth-token", "content-length", "content-type"]
                .contains(&k.to_ascii_lowercase().as_str())
            {
                return Err(AstakosError::bad_value(
                    "default_header",
                    format!("`{k}` is set by the client"),
                ));
            }
            pb = pb.default_header(k, v);
        }
        Ok(AstakosClient {
            inner: Arc::new(Inner {
                pipeline: pb.build()?,
                token: self.token,
                api_tokens,
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

    /// The path of the tokens endpoint (`/identity/v2.0/tokens`).
    pub fn api_tokens(&self) -> &str {
        &self.inner.api_tokens
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
        let p = self.prefixes(false).await?;
        Self::pick(p.account.clone())
    }

    /// The UI prefix (`/ui`), discovering it first if needed.
    pub async fn ui_prefix(&self) -> Result<String> {
        let p = self.prefixes(false).await?;
        Self::pick(p.ui.clone())
    }

    /// The OAuth2 prefix (`/oauth2/`), discovering it first if needed. Like
    /// the reference, this needs its own discovery even after
    /// `authenticate`.
    pub async fn oauth2_prefix(&self) -> Result<String> {
        let p = self.prefixes(true).await?;
        Self::pick(p.oauth2.clone())
    }

    fn pick(p: Option<String>) -> Result<String> {
        p.ok_or_else(|| {
            AstakosError::invalid(
                "astakos.get_endpoints",
                200,
                "the catalog gave no prefix",
                String::new(),
            )
        })
    }

    /// The prefixes (with the OAuth2 one when `oauth2`), through the
    /// shared single-flight discovery: concurrent first callers share one
    /// `POST tokens`, and if it fails they all get its error at once.
    async fn prefixes(&self, oauth2: bool) -> Result<Arc<Prefixes>> {
        let resolver = if oauth2 {
            &self.inner.oauth2
        } else {
            &self.inner.base
        };
        let c = self.clone();
        resolver
            .get_or_discover(move || async move {
                let mut info = c.fetch_catalog().await?;
                c.fill_endpoints(&mut info, oauth2)
            })
            .await
    }

    /// The bodyless `POST tokens`.
    async fn fetch_catalog(&self) -> Result<AuthInfo> {
        let op = bare_op(
            "astakos.get_endpoints",
            Method::POST,
            "{AUTH_PATH}/tokens",
            self.inner.api_tokens.clone(),
        )
        .header("content-type", "application/json")
        .idempotency(Idempotency::Idempotent);
        self.call(op).await
    }

    /// The bodyless `POST tokens`, then §3.4 with `extra`: always
    /// re-fetches, and refreshes the shared prefixes.
    pub(crate) async fn discover(&self, extra: bool) -> Result<AuthInfo> {
        let mut info = self.fetch_catalog().await?;
        self.fill_endpoints(&mut info, extra)?;
        Ok(info)
    }

    /// Stores the prefixes of `info` (a new catalog: they replace what was
    /// known) and filters its `astakos_account` entries to their `v1.0`
    /// endpoints, as the reference does. With `extra`, the OAuth2 prefix
    /// too (the account and UI prefixes are stored even if it is missing).
    pub(crate) fn fill_endpoints(&self, info: &mut AuthInfo, extra: bool) -> Result<Arc<Prefixes>> {
        const OP: &str = "astakos.get_endpoints";
        let acc = parse_endpoints(
            info,
            &EndpointFilter::new()
                .name("astakos_account")
                .version_id("v1.0"),
        )?;
        let ep = acc
            .first()
            .and_then(|e| e.endpoints.first())
            .ok_or_else(|| AstakosError::invalid(OP, 200, "no account endpoint", String::new()))?;
        let account_url = ep.public_url.clone().ok_or_else(|| {
            AstakosError::invalid(OP, 200, "astakos_account has no publicURL", String::new())
        })?;
        let ui_url = ep.ui_url.clone().ok_or_else(|| {
            AstakosError::invalid(OP, 200, "astakos_account has no SNF:uiURL", String::new())
        })?;
        if let Some(catalog) = info.access.service_catalog.as_mut() {
            for entry in catalog
                .iter_mut()
                .filter(|e| e.name.as_deref() == Some("astakos_account"))
            {
                entry
                    .endpoints
                    .retain(|e| e.version_id.as_deref() == Some("v1.0"));
            }
        }
        let base = Prefixes {
            account: Some(url_path(&account_url)),
            ui: Some(url_path(&ui_url)),
            account_url: Some(account_url),
            ui_url: Some(ui_url),
            ..Prefixes::default()
        };
        tracing::debug!(account_prefix = ?base.account, ui_prefix = ?base.ui, "astakos prefixes");
        let base = Arc::new(base);
        self.inner.base.set(base.clone());
        if !extra {
            return Ok(base);
        }
        let oa = parse_endpoints(info, &EndpointFilter::new().name("astakos_oauth2"))?;
        let url = oa
            .first()
            .and_then(|e| e.endpoints.first())
            .and_then(|e| e.public_url.clone())
            .ok_or_else(|| {
                AstakosError::invalid(
                    OP,
                    200,
                    "astakos_oauth2 has no endpoint with a publicURL",
                    String::new(),
                )
            })?;
        let full = Arc::new(Prefixes {
            oauth2: Some(url_path(&url)),
            oauth2_url: Some(url),
            ..(*base).clone()
        });
        self.inner.oauth2.set(full.clone());
        Ok(full)
    }

    /// `join(account_prefix, rest)`.
    pub(crate) async fn account_path(&self, rest: &str) -> Result<String> {
        Ok(join(&self.account_prefix().await?, rest))
    }

    /// Sends `op` through the core pipeline, which maps a non-2xx status
    /// to its error (through Astakos's error parser) and decodes the answer
    /// (an empty body decodes as `null`) with the field path; the core
    /// error becomes the reference's exception kind (see [`crate::error`]).
    pub(crate) async fn call<T: DeserializeOwned>(&self, op: Operation) -> Result<T> {
        Ok(self.inner.pipeline.call(&op).await?)
    }

    /// Sends `op`, requires 2xx and a body that is empty or JSON.
    pub(crate) async fn call_unit(&self, op: Operation) -> Result<()> {
        self.call::<serde::de::IgnoredAny>(op).await.map(drop)
    }

    /// Sends `op`; a non-2xx status becomes its error, except the statuses
    /// `keep` lists, which are returned.
    pub(crate) async fn exchange_keep(
        &self,
        op: Operation,
        keep: &[u16],
    ) -> Result<(&'static str, u16, Bytes)> {
        let (status, body) = self.send_op(&op, keep).await?;
        Ok((op.name(), status, body))
    }

    /// [`exchange_keep`](Self::exchange_keep) keeping no error status.
    pub(crate) async fn exchange(&self, op: Operation) -> Result<(&'static str, u16, Bytes)> {
        self.exchange_keep(op, &[]).await
    }

    /// Status and body of a 2xx answer (or of one of the `keep` statuses).
    async fn send_op(&self, op: &Operation, keep: &[u16]) -> Result<(u16, Bytes)> {
        self.send_scrubbed(op, keep)
            .await
            .map(|(status, body, _)| (status, body))
    }

    /// [`send_op`](Self::send_op), with the scrubber of the request: every
    /// secret it carried (the client's token, a token in the path, Basic
    /// credentials, a code in the body) masked in the error's excerpt.
    async fn send_scrubbed(&self, op: &Operation, keep: &[u16]) -> Result<(u16, Bytes, Scrubber)> {
        let (resp, scrubber) = self.inner.pipeline.send_scrubbed(op).await?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) && !keep.contains(&status) {
            // The request's scrubber rides on the answer into the error.
            let mut resp = resp;
            scrubber.attach(&mut resp);
            return Err(self.inner.pipeline.status_error(op.name(), &resp).into());
        }
        Ok((status, resp.into_body(), scrubber))
    }

    /// A redacted excerpt of `body`, with the client's token masked.
    pub(crate) fn excerpt(&self, body: &[u8]) -> String {
        scrubbed_excerpt(body, &self.inner.token)
    }
}

fn scrubbed_excerpt(body: &[u8], token: &Secret) -> String {
    Scrubber::new().with_secret(token.expose()).excerpt(body)
}

pub(crate) fn decode_body<T: DeserializeOwned>(
    operation: &str,
    status: u16,
    body: &[u8],
    token: &Secret,
) -> Result<T> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    tenantry_core::pipeline::decode_slice(operation, status, text)
        .map_err(|e| invalid_response(e, "", body, token))
}

/// A core decode error as [`AstakosError::InvalidResponse`]: its path under
/// `within` (a member of the answer, or `""` for the whole body), the
/// excerpt taken from `body` with the client's token masked.
pub(crate) fn invalid_response(
    e: tenantry_core::Error,
    within: &str,
    body: &[u8],
    token: &Secret,
) -> AstakosError {
    match e {
        tenantry_core::Error::Decode {
            operation,
            status,
            path,
            message,
            ..
        } => AstakosError::InvalidResponse {
            operation,
            status,
            path: match (within, path.as_str()) {
                ("", _) => path,
                (w, ".") => w.to_owned(),
                (w, p) => format!("{w}.{p}"),
            },
            message: Scrubber::new().with_secret(token.expose()).text(&message),
            excerpt: scrubbed_excerpt(body, token),
        },
        other => other.into(),
    }
}

/// The reference's `join_urls`: `a` without trailing `/` + `/` + `b`
/// without leading `/`.
pub(crate) fn join(a: &str, b: &str) -> String {
    let (a, b) = (a.trim_end_matches('/'), b.trim_start_matches('/'));
    let mut out = String::with_capacity(a.len() + 1 + b.len());
    out.push_str(a);
    out.push('/');
    out.push_str(b);
    out
}

/// `join(a, encoded id)`: ids are percent-encoded (the reference inserts
/// them raw).
pub(crate) fn join_id(a: &str, id: &str) -> String {
    join(a, &encode_segment(id))
}

/// The path component of a catalog URL (absolute or not).
pub(crate) fn url_path(u: &str) -> String {
    match Url::parse(u) {
        Ok(parsed) if !parsed.cannot_be_a_base() => parsed.path().to_owned(),
        _ => Url::parse("http://placeholder/")
            .and_then(|b| b.join(u))
            .map(|p| p.path().to_owned())
            .unwrap_or_else(|_| u.to_owned()),
    }
}

/// Python 2 `quote_plus` (core's).
pub(crate) fn quote_plus(s: &str) -> String {
    tenantry_core::encode::quote_plus(s)
}

/// `k=v&k=v` with [`quote_plus`] on both sides, in the given order.
pub(crate) fn urlencode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", quote_plus(k), quote_plus(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `path?query` with the pairs that have a value, in the given order (the
/// reference leaves out a filter that is `None`); `path` alone when none
/// has.
pub(crate) fn with_query(path: String, pairs: &[(&str, Option<&str>)]) -> String {
    let present: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|&(k, v)| v.map(|v| (k, v)))
        .collect();
    if present.is_empty() {
        path
    } else {
        format!("{path}?{}", urlencode(&present))
    }
}

/// JSON as Python's `json.dumps` writes it (core's encoder).
pub(crate) fn py_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    Ok(tenantry_core::encode::python_json(value)?)
}

/// A bodyless operation; like the reference it sends `content-length: 0`,
/// GETs included.
pub(crate) fn bare_op(
    name: &'static str,
    method: Method,
    template: &'static str,
    path: String,
) -> Operation {
    Operation::new(name, method, template)
        .raw_path(path)
        .header("content-length", "0")
}

/// An operation with a Python-style JSON body and `content-type:
/// application/json`.
pub(crate) fn json_op<T: Serialize + ?Sized>(
    name: &'static str,
    method: Method,
    template: &'static str,
    path: String,
    body: &T,
) -> Result<Operation> {
    Ok(Operation::new(name, method, template)
        .raw_path(path)
        .body("application/json", py_json(body)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(account: &str) -> AuthInfo {
        serde_json::from_value(serde_json::json!({"access": {"serviceCatalog": [
            {"name": "astakos_account", "type": "account", "endpoints": [
                {"publicURL": format!("https://example.org{account}"),
                 "SNF:uiURL": "https://example.org/ui", "versionId": "v1.0",
                 "region": "default"}]}
        ]}}))
        .unwrap()
    }

    /// The account prefix follows a later discovery that moves it (the
    /// reference refills its prefixes after every authenticate).
    #[tokio::test]
    async fn account_prefix_follows_a_new_catalog() {
        let c = AstakosClient::builder("https://example.org/identity/v2.0", Secret::new("t"))
            .build()
            .unwrap();
        // The same catalog twice keeps the prefix; a moved one moves it.
        for (account, want) in [
            ("/account/v1.0", "/account/v1.0/quotas"),
            ("/account/v1.0", "/account/v1.0/quotas"),
            ("/moved/v1.0/", "/moved/v1.0/quotas"),
        ] {
            c.fill_endpoints(&mut catalog(account), false).unwrap();
            assert_eq!(c.account_path("quotas").await.unwrap(), want);
        }
    }

    #[test]
    fn join_rule() {
        assert_eq!(join("/account_prefix", "quotas"), "/account_prefix/quotas");
        assert_eq!(join("/oauth2/", "token"), "/oauth2/token");
        assert_eq!(join("", "tokens"), "/tokens");
        assert_eq!(join("/", "tokens"), "/tokens");
        assert_eq!(
            join("/account/v1.0/projects", "/p1"),
            "/account/v1.0/projects/p1"
        );
        assert_eq!(
            join_id("/identity/v2.0/tokens", "abc/def"),
            "/identity/v2.0/tokens/abc%2Fdef"
        );
    }

    #[test]
    fn quote_plus_matches_python() {
        assert_eq!(quote_plus("x~y/z:w,@"), "x%7Ey%2Fz%3Aw%2C%40");
        assert_eq!(quote_plus("a b"), "a+b");
        assert_eq!(quote_plus("a+b*"), "a%2Bb%2A");
        assert_eq!(quote_plus("é"), "%C3%A9");
        assert_eq!(
            urlencode(&[("feedback_data", "a&b=c"), ("feedback_msg", "hello world")]),
            "feedback_data=a%26b%3Dc&feedback_msg=hello+world"
        );
    }

    #[test]
    fn python_json() {
        let v = serde_json::json!({"accept": [56, 57], "reject": [56, 58, 59]});
        assert_eq!(
            String::from_utf8(py_json(&v).unwrap()).unwrap(),
            r#"{"accept": [56, 57], "reject": [56, 58, 59]}"#
        );
        assert_eq!(
            String::from_utf8(py_json("é😀\"\n").unwrap()).unwrap(),
            r#""\u00e9\ud83d\ude00\"\n""#
        );
    }

    #[test]
    fn catalog_url_paths() {
        assert_eq!(
            url_path("https://other.host:8443/account/v1.0?x=1"),
            "/account/v1.0"
        );
        assert_eq!(url_path("https://example.org/oauth2/"), "/oauth2/");
        assert_eq!(url_path("https://example.org"), "/");
        assert_eq!(url_path("/ui"), "/ui");
    }
}
