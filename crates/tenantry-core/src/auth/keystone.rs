//! OpenStack Keystone v3 password authentication (NTT Enterprise Cloud 2.0).
//!
//! 1. Version discovery: `GET {auth_url}` (no token); the v3 entry's `self`
//!    link is the identity base. When `auth_url` is https, an `http://` link
//!    is followed as `https://` (ECL's Keystone only speaks https).
//! 2. `POST {identity}/auth/tokens` with the password method; the token is
//!    the `X-Subject-Token` header, the catalog is in the body.
//! 3. The token is cached until 120 s before `expires_at` (one refresh, not
//!    the reference's several per call), and dropped on a 401 so the next
//!    request logs in again once.
//! 4. The service endpoint is picked from the catalog: exact service type,
//!    interface, and region when one is set, else the first match in catalog
//!    order; empty URLs are skipped (`ecl-sss.md` §1.5).
//!
//! The identity base, the token and the service endpoint are each an
//! [`endpoint::Resolver`](crate::endpoint::Resolver) shared by the clones:
//! concurrent callers share one login (a failed one fails them all at once,
//! the next call tries again), 100 callers refused with the same token cause
//! one new login, and every login's catalog replaces the endpoint.

use super::{request, AuthStrategy};
use crate::endpoint::Resolver;
use crate::error::{AuthError, AuthErrorKind, Error, Result};
use crate::secret::Secret;
use crate::transport::{HttpRequest, HttpTransport};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use url::Url;

/// Who logs in.
#[derive(Debug, Clone)]
pub enum KeystoneUser {
    /// By name within a domain (ECL: the API key, domain `default`).
    Name {
        /// User name.
        name: String,
        /// Domain id.
        domain_id: String,
    },
    /// By user id (no domain).
    Id(String),
}

/// What the token is scoped to.
#[derive(Debug, Clone)]
pub enum KeystoneScope {
    /// A project by id (ECL: a tenant id).
    ProjectId(String),
    /// A project by name within a domain.
    ProjectName {
        /// Project name.
        name: String,
        /// Its domain id.
        domain_id: String,
    },
    /// A domain by id.
    DomainId(String),
    /// No scope: the token has no catalog, so an endpoint override is needed.
    Unscoped,
}

/// Which catalog endpoint to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointFilter {
    /// Service type, matched exactly (`sss`, `sssv2`).
    pub service_type: String,
    /// Interface (`public`, `internal`, `admin`).
    pub interface: String,
    /// Region (matched against `region_id`, else `region`); `None` = any.
    pub region: Option<String>,
}

impl EndpointFilter {
    /// The public endpoint of `service_type`, any region.
    pub fn public(service_type: impl Into<String>) -> Self {
        EndpointFilter {
            service_type: service_type.into(),
            interface: "public".into(),
            region: None,
        }
    }
}

/// A Keystone token, as the client knows it.
#[derive(Debug, Clone)]
pub struct KeystoneToken {
    /// The token (`X-Subject-Token`).
    pub token: Secret,
    /// When it expires.
    pub expires_at: OffsetDateTime,
    /// The body's `token` object (user, project, roles, catalog, …).
    pub info: Value,
    /// When the client will log in again: the margin before `expires_at`,
    /// at most half the token's lifetime so short-lived tokens don't thrash.
    pub refresh_at: OffsetDateTime,
}

#[derive(Debug)]
struct Inner {
    auth_url: Url,
    user: KeystoneUser,
    password: Secret,
    scope: KeystoneScope,
    filter: EndpointFilter,
    endpoint_override: Option<Url>,
    discovery: bool,
    margin: Duration,
    identity_base: Resolver<Url>,
    token: Resolver<Arc<KeystoneToken>>,
    endpoint: Resolver<Url>,
}

/// Keystone v3 password auth. Clones share the token cache.
///
/// ```
/// use tenantry_core::{auth::keystone::*, Secret};
/// let ks = KeystoneAuth::builder("https://keystone-jp1-ecl.api.ntt.com/v3")
///     .user_name("my-api-key", "default")
///     .password(Secret::new("my-api-secret"))
///     .project_id("7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d")
///     .endpoint_filter(EndpointFilter::public("sss"))
///     .build()?;
/// assert!(!format!("{ks:?}").contains("my-api-secret"));
/// # Ok::<(), tenantry_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeystoneAuth {
    inner: Arc<Inner>,
}

/// Builder of [`KeystoneAuth`].
#[derive(Debug)]
pub struct KeystoneAuthBuilder {
    auth_url: String,
    user: Option<KeystoneUser>,
    password: Option<Secret>,
    scope: KeystoneScope,
    filter: EndpointFilter,
    endpoint_override: Option<String>,
    discovery: bool,
    margin: Duration,
}

impl KeystoneAuthBuilder {
    /// Log in by user name within a domain.
    pub fn user_name(mut self, name: impl Into<String>, domain_id: impl Into<String>) -> Self {
        self.user = Some(KeystoneUser::Name {
            name: name.into(),
            domain_id: domain_id.into(),
        });
        self
    }
    /// Log in by user id.
    pub fn user_id(mut self, id: impl Into<String>) -> Self {
        self.user = Some(KeystoneUser::Id(id.into()));
        self
    }
    /// The password (ECL: the API secret).
    pub fn password(mut self, password: Secret) -> Self {
        self.password = Some(password);
        self
    }
    /// Scope to a project id (ECL: tenant id).
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.scope = KeystoneScope::ProjectId(id.into());
        self
    }
    /// Any scope.
    pub fn scope(mut self, scope: KeystoneScope) -> Self {
        self.scope = scope;
        self
    }
    /// Which catalog endpoint the service uses (default: public `sss`).
    pub fn endpoint_filter(mut self, filter: EndpointFilter) -> Self {
        self.filter = filter;
        self
    }
    /// Use this service URL instead of the catalog (needed with unscoped tokens).
    pub fn endpoint_override(mut self, url: impl Into<String>) -> Self {
        self.endpoint_override = Some(url.into());
        self
    }
    /// Skip version discovery: `{auth_url}/auth/tokens` when `auth_url`
    /// ends in `/v3`, else `{auth_url}/v3/auth/tokens`.
    pub fn skip_discovery(mut self) -> Self {
        self.discovery = false;
        self
    }
    /// Refresh this long before `expires_at` (default 120 s, as keystoneauth;
    /// at most half the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }
    /// Validates and builds.
    pub fn build(self) -> Result<KeystoneAuth> {
        let auth_url = Url::parse(self.auth_url.trim())
            .map_err(|e| Error::Config(format!("bad Keystone auth_url: {e}")))?;
        let user = self
            .user
            .ok_or_else(|| Error::invalid_input("user", "a user name or id is required"))?;
        match &user {
            KeystoneUser::Name { name, domain_id } if name.is_empty() || domain_id.is_empty() => {
                return Err(Error::invalid_input(
                    "username",
                    "name and domain must not be empty",
                ))
            }
            KeystoneUser::Id(id) if id.is_empty() => {
                return Err(Error::invalid_input("user_id", "must not be empty"))
            }
            _ => {}
        }
        let password = self
            .password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| Error::invalid_input("password", "must not be empty"))?;
        let endpoint_override = self
            .endpoint_override
            .map(|u| {
                Url::parse(&u).map_err(|e| Error::Config(format!("bad endpoint override: {e}")))
            })
            .transpose()?;
        Ok(KeystoneAuth {
            inner: Arc::new(Inner {
                auth_url,
                user,
                password,
                scope: self.scope,
                filter: self.filter,
                endpoint_override,
                discovery: self.discovery,
                margin: self.margin,
                identity_base: Resolver::new(),
                token: Resolver::new(),
                endpoint: Resolver::new(),
            }),
        })
    }
}

impl KeystoneAuth {
    /// Starts a builder for `auth_url` (for example `https://keystone…/v3`).
    pub fn builder(auth_url: impl Into<String>) -> KeystoneAuthBuilder {
        KeystoneAuthBuilder {
            auth_url: auth_url.into(),
            user: None,
            password: None,
            scope: KeystoneScope::Unscoped,
            filter: EndpointFilter::public("sss"),
            endpoint_override: None,
            discovery: true,
            margin: Duration::from_secs(120),
        }
    }

    /// The password-method body, as keystoneauth builds it.
    fn auth_body(&self) -> Value {
        let i = &self.inner;
        let user = match &i.user {
            KeystoneUser::Name { name, domain_id } => {
                json!({"name": name, "password": i.password.expose(), "domain": {"id": domain_id}})
            }
            KeystoneUser::Id(id) => json!({"id": id, "password": i.password.expose()}),
        };
        let mut auth = json!({"identity": {"methods": ["password"], "password": {"user": user}}});
        let scope = match &i.scope {
            KeystoneScope::ProjectId(id) => Some(json!({"project": {"id": id}})),
            KeystoneScope::ProjectName { name, domain_id } => {
                Some(json!({"project": {"name": name, "domain": {"id": domain_id}}}))
            }
            KeystoneScope::DomainId(id) => Some(json!({"domain": {"id": id}})),
            KeystoneScope::Unscoped => None,
        };
        if let (Some(s), Some(obj)) = (scope, auth.as_object_mut()) {
            obj.insert("scope".into(), s);
        }
        json!({ "auth": auth })
    }

    async fn identity_base(&self, transport: &dyn HttpTransport) -> Result<Url> {
        if !self.inner.discovery {
            return fallback_base(&self.inner.auth_url);
        }
        self.inner
            .identity_base
            .get_or_run(|| self.discover(transport))
            .await
    }

    async fn discover(&self, transport: &dyn HttpTransport) -> Result<Url> {
        let auth_url = &self.inner.auth_url;
        let req = request(
            Method::GET,
            auth_url,
            &[("accept", "application/json")],
            Bytes::new(),
        )?;
        let resp = transport.send(req).await.map_err(|e| {
            AuthError::new(
                AuthErrorKind::Unavailable,
                format!("Keystone discovery failed: {e}"),
            )
        })?;
        let status = resp.status().as_u16();
        if status >= 400 {
            return Err(AuthError::from_answer(
                AuthErrorKind::Unavailable,
                "Keystone version discovery answered with an error",
                status,
                resp.body(),
            )
            .into());
        }
        let doc: Value = match serde_json::from_slice(resp.body()) {
            Ok(v) => v,
            Err(_) => return fallback_base(auth_url),
        };
        let entries: Vec<&Value> = if let Some(v) = doc.get("version") {
            vec![v]
        } else if let Some(vals) = doc.pointer("/versions/values").and_then(Value::as_array) {
            vals.iter().collect()
        } else {
            return fallback_base(auth_url);
        };
        let href = entries
            .iter()
            .filter(|e| {
                e.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.starts_with("v3"))
            })
            .filter_map(|e| e.get("links").and_then(Value::as_array))
            .flatten()
            .find(|l| l.get("rel").and_then(Value::as_str) == Some("self"))
            .and_then(|l| l.get("href").and_then(Value::as_str));
        let Some(href) = href else {
            return fallback_base(auth_url);
        };
        let mut url = Url::parse(href).map_err(|e| {
            AuthError::from_answer(
                AuthErrorKind::BadAnswer,
                format!("discovery link is not a URL: {e}"),
                status,
                resp.body(),
            )
        })?;
        if auth_url.scheme() == "https" && url.scheme() == "http" {
            // ECL quirk (ecl-sss.md §1.2): never follow an http identity link.
            let _ = url.set_scheme("https");
        }
        Ok(url)
    }

    /// A valid token: the cached one, or a new login shared by every
    /// concurrent caller.
    pub async fn token(&self, transport: &dyn HttpTransport) -> Result<KeystoneToken> {
        self.session(transport).await.map(|t| (*t).clone())
    }

    /// The cached token unless it is due for refresh, else one login for
    /// every concurrent caller; the new catalog replaces the endpoint.
    async fn session(&self, transport: &dyn HttpTransport) -> Result<Arc<KeystoneToken>> {
        let now = OffsetDateTime::now_utc();
        self.inner.token.clear_if(|t| t.refresh_at <= now);
        self.inner
            .token
            .get_or_run(|| async {
                let t = self.login(transport).await?;
                if self.inner.endpoint_override.is_none() {
                    match select_endpoint(&t.info, &self.inner.filter) {
                        Ok(u) => self.inner.endpoint.set(u),
                        Err(_) => self.inner.endpoint.clear(),
                    }
                }
                Ok(Arc::new(t))
            })
            .await
    }

    async fn login(&self, transport: &dyn HttpTransport) -> Result<KeystoneToken> {
        let base = self.identity_base(transport).await?;
        let url = join(&base, "auth/tokens")?;
        let body = serde_json::to_vec(&self.auth_body())
            .map_err(|e| Error::Config(format!("cannot encode the auth body: {e}")))?;
        let req = request(
            Method::POST,
            &url,
            &[
                ("accept", "application/json"),
                ("content-type", "application/json"),
            ],
            Bytes::from(body),
        )?;
        let resp = transport.send(req).await.map_err(|e| {
            AuthError::new(
                AuthErrorKind::Unavailable,
                format!("Keystone token request failed: {e}"),
            )
        })?;
        let status = resp.status().as_u16();
        let scrub = |mut e: AuthError| {
            e.excerpt = self.scrub(&e.excerpt);
            e
        };
        if status >= 400 {
            let kind = if status == 401 || status == 403 || status == 400 {
                AuthErrorKind::InvalidCredentials
            } else {
                AuthErrorKind::Unavailable
            };
            return Err(scrub(AuthError::from_answer(
                kind,
                "Keystone refused the login",
                status,
                resp.body(),
            ))
            .into());
        }
        let token = resp
            .headers()
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(Secret::new)
            .ok_or_else(|| {
                scrub(AuthError::from_answer(
                    AuthErrorKind::BadAnswer,
                    "the answer has no X-Subject-Token header",
                    status,
                    resp.body(),
                ))
            })?;
        let mut doc: Value = serde_json::from_slice(resp.body()).map_err(|_| {
            scrub(AuthError::from_answer(
                AuthErrorKind::BadAnswer,
                "Invalid response from server.",
                status,
                resp.body(),
            ))
        })?;
        let info = doc
            .get_mut("token")
            .map(Value::take)
            .filter(Value::is_object)
            .ok_or_else(|| {
                scrub(AuthError::from_answer(
                    AuthErrorKind::BadAnswer,
                    "Invalid response from server.",
                    status,
                    resp.body(),
                ))
            })?;
        let expires_at = info
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(|s| {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
            .ok_or_else(|| {
                AuthError::new(AuthErrorKind::BadAnswer, "token has no valid expires_at")
            })?;
        let now = OffsetDateTime::now_utc();
        let lifetime = (expires_at - now).max(time::Duration::ZERO);
        let margin = time::Duration::try_from(self.inner.margin).unwrap_or(time::Duration::ZERO);
        let refresh_at = expires_at - margin.min(lifetime / 2);
        tracing::debug!(expires_at = %expires_at, "keystone login");
        Ok(KeystoneToken {
            token,
            expires_at,
            info,
            refresh_at,
        })
    }

    /// The service URL: the override, or the catalog entry matching the filter.
    pub async fn service_url(&self, transport: &dyn HttpTransport) -> Result<Url> {
        if let Some(u) = &self.inner.endpoint_override {
            return Ok(u.clone());
        }
        // The session first: a token refused a moment ago is replaced now,
        // and its login's catalog with it, so a re-sent request goes to the
        // new catalog's endpoint.
        let t = self.session(transport).await?;
        self.inner
            .endpoint
            .get_or_run(|| async { select_endpoint(&t.info, &self.inner.filter) })
            .await
    }

    /// The endpoint filter.
    pub fn filter(&self) -> &EndpointFilter {
        &self.inner.filter
    }
}

/// Picks the endpoint from a token's catalog (`ecl-sss.md` §1.5).
pub fn select_endpoint(token_info: &Value, filter: &EndpointFilter) -> Result<Url> {
    let catalog = token_info
        .get("catalog")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            AuthError::new(
                AuthErrorKind::EndpointNotFound,
                "The service catalog is empty.",
            )
        })?;
    let found = catalog
        .iter()
        .filter(|s| s.get("type").and_then(Value::as_str) == Some(filter.service_type.as_str()))
        .filter_map(|s| s.get("endpoints").and_then(Value::as_array))
        .flatten()
        .filter(|e| e.get("interface").and_then(Value::as_str) == Some(filter.interface.as_str()))
        .filter(|e| match &filter.region {
            None => true,
            Some(r) => {
                let region = e
                    .get("region_id")
                    .and_then(Value::as_str)
                    .or_else(|| e.get("region").and_then(Value::as_str));
                region == Some(r.as_str())
            }
        })
        .filter_map(|e| e.get("url").and_then(Value::as_str))
        .find(|u| !u.is_empty());
    let Some(url) = found else {
        let msg = match &filter.region {
            Some(r) => format!(
                "{} endpoint for {} service in {r} region not found",
                filter.interface, filter.service_type
            ),
            None => format!(
                "{} endpoint for {} service not found",
                filter.interface, filter.service_type
            ),
        };
        return Err(AuthError::new(AuthErrorKind::EndpointNotFound, msg).into());
    };
    Url::parse(url).map_err(|e| {
        AuthError::new(
            AuthErrorKind::BadAnswer,
            format!("catalog URL is not a URL: {e}"),
        )
        .into()
    })
}

fn fallback_base(auth_url: &Url) -> Result<Url> {
    let path = auth_url.path().trim_end_matches('/');
    if path.ends_with("/v3") {
        Ok(auth_url.clone())
    } else {
        join(auth_url, "v3")
    }
}

/// `base` without trailing `/`, then `/`, then `path`.
fn join(base: &Url, path: &str) -> Result<Url> {
    let s = format!(
        "{}/{}",
        base.as_str().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    Url::parse(&s).map_err(|e| Error::Config(format!("bad URL {s}: {e}")))
}

#[async_trait::async_trait]
impl AuthStrategy for KeystoneAuth {
    async fn apply(&self, request: &mut HttpRequest, transport: &dyn HttpTransport) -> Result<()> {
        let t = self.session(transport).await?;
        let mut v = HeaderValue::from_str(t.token.expose()).map_err(|_| {
            AuthError::new(
                AuthErrorKind::BadAnswer,
                "token is not a valid header value",
            )
        })?;
        v.set_sensitive(true);
        request.headers_mut().insert("x-auth-token", v);
        Ok(())
    }

    async fn endpoint(&self, transport: &dyn HttpTransport) -> Result<Option<Url>> {
        self.service_url(transport).await.map(Some)
    }

    async fn invalidate(&self, sent: &HeaderMap) -> bool {
        let sent = sent
            .get("x-auth-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Only the token that was refused: a newer one (another caller's
        // re-login) is kept, so N refused callers share one new login.
        self.inner
            .token
            .clear_if(|t| sent.is_empty() || t.token.expose() == sent);
        true
    }

    fn scrub(&self, text: &str) -> String {
        crate::redact::scrub_values(text, &[self.inner.password.expose()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> Value {
        json!({"catalog": [
            {"type": "sss", "endpoints": [
                {"interface": "public", "region": "jp2", "region_id": "jp2", "url": "https://jp2/sss"},
                {"interface": "public", "region": "jp1", "region_id": "jp1", "url": "https://jp1/sss"},
                {"interface": "admin", "region": "jp1", "url": "https://jp1/admin"}]},
            {"type": "sssv2", "endpoints": [
                {"interface": "public", "region_id": "jp1", "url": ""},
                {"interface": "public", "region_id": "jp1", "url": "https://jp1/v2"}]}
        ]})
    }

    #[test]
    fn first_match_in_catalog_order_without_region() {
        let u = select_endpoint(&info(), &EndpointFilter::public("sss")).map(|u| u.to_string());
        assert_eq!(u.ok().as_deref(), Some("https://jp2/sss"));
    }

    #[test]
    fn region_and_interface_filter_and_empty_url_skipped() {
        let mut f = EndpointFilter::public("sss");
        f.region = Some("jp1".into());
        assert_eq!(
            select_endpoint(&info(), &f)
                .map(|u| u.to_string())
                .ok()
                .as_deref(),
            Some("https://jp1/sss")
        );
        f.interface = "admin".into();
        assert_eq!(
            select_endpoint(&info(), &f)
                .map(|u| u.to_string())
                .ok()
                .as_deref(),
            Some("https://jp1/admin")
        );
        let v2 = select_endpoint(&info(), &EndpointFilter::public("sssv2")).map(|u| u.to_string());
        assert_eq!(v2.ok().as_deref(), Some("https://jp1/v2"));
    }

    #[test]
    fn no_match_and_empty_catalog_errors() {
        let mut f = EndpointFilter::public("sss");
        f.region = Some("jp9".into());
        let e = select_endpoint(&info(), &f)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("public endpoint for sss service in jp9 region not found"),
            "{e}"
        );
        let e = select_endpoint(&json!({}), &f)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("The service catalog is empty."), "{e}");
    }

    #[test]
    fn body_shape_matches_keystoneauth() {
        let ks = KeystoneAuth::builder("https://k/v3")
            .user_name("key", "default")
            .password(Secret::new("sec"))
            .project_id("p1")
            .build();
        let body = ks.map(|k| k.auth_body()).unwrap_or(Value::Null);
        assert_eq!(
            body,
            json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "key", "password": "sec", "domain": {"id": "default"}}}},
                "scope": {"project": {"id": "p1"}}}})
        );
    }

    #[test]
    fn fallback_base_rules() {
        let a = Url::parse("https://k/v3").ok();
        let b = Url::parse("https://k/").ok();
        assert_eq!(
            a.and_then(|u| fallback_base(&u).ok())
                .map(|u| u.to_string())
                .as_deref(),
            Some("https://k/v3")
        );
        assert_eq!(
            b.and_then(|u| fallback_base(&u).ok())
                .map(|u| u.to_string())
                .as_deref(),
            Some("https://k/v3")
        );
    }
}
