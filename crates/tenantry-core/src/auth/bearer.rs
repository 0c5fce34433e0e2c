//! `Authorization: Bearer`: a static token, or tokens from Keycloak.
//!
//! [`KeycloakProvider`] speaks the OpenID Connect token endpoint
//! `{keycloak}/realms/{realm}/protocol/openid-connect/token` with the
//! password grant and the refresh-token grant. It refreshes `skew` before
//! expiry and is single-flight: however many callers find the token expired
//! at once, one token request goes out and all of them use its answer.
//!
//! A **prior token** (an access token from an earlier run) can be given
//! ([`KeycloakProviderBuilder::prior_token`]): its expiry is read from the
//! JWT payload's `exp` **without a network call and without checking its
//! signature** ([`token_expiry`]), and it is used, with no token request,
//! while more than the refresh skew is left; an expired, nearly expired or
//! unreadable one is dropped and the provider logs in as usual.
//!
//! Differences from the reference (`im-squonk2-client` `Auth.get_access_token`):
//! form values are percent-encoded (the reference pastes them raw, so a
//! password with `&` or `+` is mis-read); the refresh token is used when the
//! server gives one (the reference always repeats the password grant);
//! failures are typed errors with status and excerpt, not `None`; a prior
//! token's expiry is read locally (the reference fetches the realm's key
//! and verifies the signature, raising on a malformed token; tenantry
//! verifies nothing — the server does — and logs in instead).

use super::{form, request, AuthStrategy};
use crate::error::{AuthError, AuthErrorKind, Error, Result};
use crate::secret::Secret;
use crate::transport::{HttpRequest, HttpTransport};
use http::{HeaderMap, HeaderValue, Method};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{Mutex, RwLock};
use url::Url;

/// Bearer auth from a static token or a [`KeycloakProvider`].
#[derive(Debug, Clone)]
pub enum BearerAuth {
    /// One fixed token.
    Static(StaticToken),
    /// Tokens from Keycloak, refreshed before they expire.
    Keycloak(KeycloakProvider),
}

impl BearerAuth {
    /// A fixed token.
    pub fn token(token: Secret) -> Self {
        BearerAuth::Static(StaticToken::new(token))
    }
}

/// A fixed bearer token, its header value built once (every request shares
/// its bytes; marked sensitive, so the http crate's Debug masks it).
#[derive(Debug, Clone)]
pub struct StaticToken {
    token: Secret,
    // `None`: the token has characters a header cannot carry (reported,
    // typed, on the first request).
    value: Option<HeaderValue>,
}

impl StaticToken {
    /// Wraps `token`.
    pub fn new(token: Secret) -> Self {
        let value = bearer_value(&token).ok();
        StaticToken { token, value }
    }

    fn apply(&self, request: &mut HttpRequest) -> Result<()> {
        let value = self.value.clone().ok_or_else(|| {
            Error::invalid_input("token", "contains characters not allowed in a header")
        })?;
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(())
    }
}

fn bearer_value(token: &Secret) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        Error::invalid_input("token", "contains characters not allowed in a header")
    })?;
    v.set_sensitive(true);
    Ok(v)
}

#[async_trait::async_trait]
impl AuthStrategy for BearerAuth {
    async fn apply(&self, request: &mut HttpRequest, transport: &dyn HttpTransport) -> Result<()> {
        let value = match self {
            BearerAuth::Static(t) => return t.apply(request),
            BearerAuth::Keycloak(p) => p.current(transport, |t| t.header.clone()).await?,
        };
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(())
    }

    async fn invalidate(&self, sent: &HeaderMap) -> bool {
        match self {
            BearerAuth::Static(_) => false,
            BearerAuth::Keycloak(p) => {
                let sent = sent
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .unwrap_or("");
                p.invalidate(sent).await;
                true
            }
        }
    }

    fn scrub(&self, text: &str) -> String {
        match self {
            BearerAuth::Static(t) => crate::redact::scrub_values(text, &[t.token.expose()]),
            BearerAuth::Keycloak(p) => p.scrub(text),
        }
    }
}

/// How the provider gets its first token.
#[derive(Debug, Clone)]
pub enum KeycloakGrant {
    /// Resource-owner password grant (what the reference client uses).
    Password {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// Start from a refresh token (an offline token, say).
    RefreshToken(Secret),
}

#[derive(Debug)]
struct Tokens {
    access: Secret,
    /// `Bearer {access}`, the header every request carries: made once per
    /// token (a `HeaderValue` clone shares its bytes), not per request.
    header: HeaderValue,
    expires_at: Instant,
    refresh: Option<Secret>,
    refresh_expires_at: Option<Instant>,
}

#[derive(Debug)]
struct KcInner {
    token_url: Url,
    client_id: String,
    client_secret: Option<Secret>,
    grant: KeycloakGrant,
    skew: Duration,
    state: RwLock<Option<Tokens>>,
    refresh_lock: Mutex<()>,
    // The prior token given, for scrubbing (it may be in use, or not).
    prior: std::sync::Mutex<Option<Secret>>,
}

/// Keycloak token provider. Clones share the cached tokens.
///
/// ```
/// use tenantry_core::{auth::bearer::{KeycloakProvider, KeycloakGrant}, Secret};
/// let kc = KeycloakProvider::builder("https://sso.example.com/auth", "squonk2", "account-server-api")
///     .grant(KeycloakGrant::Password { username: "dlister".into(), password: Secret::new("pw") })
///     .build()?;
/// assert_eq!(kc.token_url().path(), "/auth/realms/squonk2/protocol/openid-connect/token");
/// # Ok::<(), tenantry_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeycloakProvider {
    inner: Arc<KcInner>,
}

/// Builder of [`KeycloakProvider`].
#[derive(Debug)]
pub struct KeycloakProviderBuilder {
    keycloak_url: String,
    realm: String,
    client_id: String,
    client_secret: Option<Secret>,
    grant: Option<KeycloakGrant>,
    skew: Duration,
    prior: Option<Secret>,
}

impl KeycloakProviderBuilder {
    /// An access token from an earlier run, used (no token request at
    /// all) while its JWT `exp` leaves more than the refresh skew; read
    /// without a network call and without verifying its signature (the
    /// server checks it). Expired, nearly expired or unreadable: dropped,
    /// and the first call logs in with the grant.
    pub fn prior_token(mut self, token: Secret) -> Self {
        self.prior = Some(token);
        self
    }
    /// The confidential client's secret (sent in the form body, as the reference does).
    pub fn client_secret(mut self, secret: Secret) -> Self {
        self.client_secret = Some(secret);
        self
    }
    /// How the first token is obtained.
    pub fn grant(mut self, grant: KeycloakGrant) -> Self {
        self.grant = Some(grant);
        self
    }
    /// Refresh this long before expiry (default 30 s).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }
    /// Validates and builds.
    pub fn build(self) -> Result<KeycloakProvider> {
        for (field, v) in [
            ("keycloak_url", &self.keycloak_url),
            ("realm", &self.realm),
            ("client_id", &self.client_id),
        ] {
            if v.trim().is_empty() {
                return Err(Error::invalid_input(field, "must not be empty"));
            }
        }
        let grant = self.grant.ok_or_else(|| {
            Error::invalid_input("grant", "a password or refresh-token grant is required")
        })?;
        if let KeycloakGrant::Password { username, password } = &grant {
            if username.is_empty() {
                return Err(Error::invalid_input("username", "must not be empty"));
            }
            if password.is_empty() {
                return Err(Error::invalid_input("password", "must not be empty"));
            }
        }
        let base = self.keycloak_url.trim_end_matches('/');
        let token_url = Url::parse(&format!(
            "{base}/realms/{}/protocol/openid-connect/token",
            percent_encoding::utf8_percent_encode(&self.realm, percent_encoding::NON_ALPHANUMERIC)
        ))
        .map_err(|e| Error::Config(format!("bad Keycloak URL: {e}")))?;
        let state = self.prior.clone().and_then(|t| prior_tokens(t, self.skew));
        Ok(KeycloakProvider {
            inner: Arc::new(KcInner {
                token_url,
                client_id: self.client_id,
                client_secret: self.client_secret,
                grant,
                skew: self.skew,
                state: RwLock::new(state),
                refresh_lock: Mutex::new(()),
                prior: std::sync::Mutex::new(self.prior),
            }),
        })
    }
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refresh_expires_in: Option<u64>,
}

impl KeycloakProvider {
    /// Starts a builder: `keycloak_url` is the server root as the reference
    /// takes it (for example `https://host/auth`).
    pub fn builder(
        keycloak_url: impl Into<String>,
        realm: impl Into<String>,
        client_id: impl Into<String>,
    ) -> KeycloakProviderBuilder {
        KeycloakProviderBuilder {
            keycloak_url: keycloak_url.into(),
            realm: realm.into(),
            client_id: client_id.into(),
            client_secret: None,
            grant: None,
            skew: Duration::from_secs(30),
            prior: None,
        }
    }

    /// Offers a prior token to a provider already built (see
    /// [`KeycloakProviderBuilder::prior_token`]): adopted, with no network
    /// call, when it leaves more than the refresh skew and outlives the
    /// token the provider holds (if any, and if no refresh is under way).
    /// Returns whether it was adopted.
    pub fn offer_prior_token(&self, token: Secret) -> bool {
        *self.inner.prior.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        let Some(t) = prior_tokens(token, self.inner.skew) else {
            return false;
        };
        let Ok(mut st) = self.inner.state.try_write() else {
            return false;
        };
        if st
            .as_ref()
            .is_some_and(|old| old.expires_at >= t.expires_at)
        {
            return false;
        }
        *st = Some(t);
        true
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &Url {
        &self.inner.token_url
    }

    /// A valid access token: the cached one, or a new one (one request,
    /// whatever the number of concurrent callers).
    pub async fn access_token(&self, transport: &dyn HttpTransport) -> Result<Secret> {
        self.current(transport, |t| t.access.clone()).await
    }

    /// `get` of the valid tokens: the cached ones, or new ones (one
    /// request, whatever the number of concurrent callers).
    async fn current<R>(
        &self,
        transport: &dyn HttpTransport,
        get: impl Fn(&Tokens) -> R + Send + Sync,
    ) -> Result<R> {
        if let Some(r) = self.fresh(&get).await {
            return Ok(r);
        }
        let _guard = self.inner.refresh_lock.lock().await;
        // Double-checked: another caller may have refreshed while we waited.
        if let Some(r) = self.fresh(&get).await {
            return Ok(r);
        }
        let refresh = {
            let st = self.inner.state.read().await;
            st.as_ref()
                .and_then(|t| match (&t.refresh, t.refresh_expires_at) {
                    (Some(r), Some(exp)) if exp > Instant::now() + self.inner.skew => {
                        Some(r.clone())
                    }
                    (Some(r), None) => Some(r.clone()),
                    _ => None,
                })
        };
        let tokens = match refresh {
            Some(r) => match self.refresh_grant(transport, &r).await {
                Ok(t) => t,
                // A refused refresh token: fall back to the configured grant.
                Err(Error::Auth(e)) if e.kind == AuthErrorKind::InvalidCredentials => {
                    self.initial_grant(transport).await?
                }
                Err(e) => return Err(e),
            },
            None => self.initial_grant(transport).await?,
        };
        let r = get(&tokens);
        *self.inner.state.write().await = Some(tokens);
        Ok(r)
    }

    async fn fresh<R>(&self, get: &(impl Fn(&Tokens) -> R + Sync)) -> Option<R> {
        let st = self.inner.state.read().await;
        st.as_ref()
            .filter(|t| t.expires_at > Instant::now() + self.inner.skew)
            .map(get)
    }

    /// Drops the access token if it is still `sent` (the one a server refused).
    pub async fn invalidate(&self, sent: &str) {
        let mut st = self.inner.state.write().await;
        if let Some(t) = st.as_mut() {
            if sent.is_empty() || t.access.expose() == sent {
                t.expires_at = Instant::now();
            }
        }
    }

    async fn initial_grant(&self, transport: &dyn HttpTransport) -> Result<Tokens> {
        match &self.inner.grant {
            KeycloakGrant::Password { username, password } => {
                // Field order as the reference sends it: client_id, grant_type,
                // username, password, then client_secret when there is one.
                let mut pairs = vec![
                    ("client_id", self.inner.client_id.as_str()),
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", password.expose()),
                ];
                if let Some(s) = &self.inner.client_secret {
                    pairs.push(("client_secret", s.expose()));
                }
                self.token_request(transport, &pairs).await
            }
            KeycloakGrant::RefreshToken(r) => self.refresh_grant(transport, r).await,
        }
    }

    async fn refresh_grant(
        &self,
        transport: &dyn HttpTransport,
        refresh: &Secret,
    ) -> Result<Tokens> {
        let mut pairs = vec![
            ("client_id", self.inner.client_id.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
        ];
        if let Some(s) = &self.inner.client_secret {
            pairs.push(("client_secret", s.expose()));
        }
        self.token_request(transport, &pairs).await
    }

    async fn token_request(
        &self,
        transport: &dyn HttpTransport,
        pairs: &[(&str, &str)],
    ) -> Result<Tokens> {
        let req = request(
            Method::POST,
            &self.inner.token_url,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
            ],
            form(pairs),
        )?;
        // The grant's secrets (a cached refresh token too) for the errors.
        let scrubber = crate::redact::Scrubber::request(&req);
        let started = Instant::now();
        let resp = transport.send(req).await.map_err(|e| {
            AuthError::new(
                AuthErrorKind::Unavailable,
                format!("Keycloak token request failed: {e}"),
            )
        })?;
        let status = resp.status().as_u16();
        let body = resp.body();
        if status != 200 {
            let kind = if matches!(status, 400 | 401) {
                AuthErrorKind::InvalidCredentials
            } else {
                AuthErrorKind::Unavailable
            };
            let mut e =
                AuthError::from_answer(kind, "Keycloak refused the token request", status, body);
            e.excerpt = self.scrub(&scrubber.excerpt(body));
            return Err(e.into());
        }
        let ans: TokenAnswer = serde_json::from_slice(body).map_err(|e| {
            let mut a = AuthError::from_answer(
                AuthErrorKind::BadAnswer,
                format!("Keycloak answer has no usable access_token: {e}"),
                status,
                body,
            );
            a.excerpt = self.scrub(&scrubber.excerpt(body));
            a
        })?;
        let expires_at = started + Duration::from_secs(ans.expires_in.unwrap_or(60));
        let access = Secret::new(ans.access_token);
        let header = bearer_value(&access).map_err(|_| {
            AuthError::new(
                AuthErrorKind::BadAnswer,
                "Keycloak's access_token is not a valid header value",
            )
        })?;
        Ok(Tokens {
            access,
            header,
            expires_at,
            refresh: ans.refresh_token.map(Secret::new),
            refresh_expires_at: ans
                .refresh_expires_in
                .filter(|s| *s > 0)
                .map(|s| started + Duration::from_secs(s)),
        })
    }

    fn scrub(&self, text: &str) -> String {
        let mut values: Vec<&str> = Vec::new();
        if let KeycloakGrant::Password { password, .. } = &self.inner.grant {
            values.push(password.expose());
        }
        if let KeycloakGrant::RefreshToken(r) = &self.inner.grant {
            values.push(r.expose());
        }
        if let Some(s) = &self.inner.client_secret {
            values.push(s.expose());
        }
        let prior = self
            .inner
            .prior
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(p) = &prior {
            values.push(p.expose());
        }
        crate::redact::scrub_values(text, &values)
    }
}

/// A prior token as the cached token, when it leaves more than `skew`.
fn prior_tokens(token: Secret, skew: Duration) -> Option<Tokens> {
    let Some(exp) = token_expiry(token.expose()) else {
        tracing::debug!("the prior token is not a JWT with an `exp`: logging in");
        return None;
    };
    let left = exp.duration_since(SystemTime::now()).unwrap_or_default();
    if left <= skew {
        tracing::debug!(
            left_s = left.as_secs(),
            "the prior token expires too soon: logging in"
        );
        return None;
    }
    let header = bearer_value(&token).ok()?;
    Some(Tokens {
        access: token,
        header,
        expires_at: Instant::now().checked_add(left)?,
        refresh: None,
        refresh_expires_at: None,
    })
}

/// The expiry (`exp`, seconds since the epoch) in a JWT's payload, read
/// **without verifying the signature** and without a network call: `None`
/// for anything that is not three base64url segments whose middle one is a
/// JSON object with a numeric `exp`. Never panics.
///
/// ```
/// use base64::Engine;
/// use std::time::{Duration, UNIX_EPOCH};
/// use tenantry_core::auth::bearer::token_expiry;
/// let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
/// let jwt = format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(r#"{"exp":1700000000}"#));
/// assert_eq!(token_expiry(&jwt), Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
/// assert_eq!(token_expiry("not-a-jwt"), None);
/// ```
pub fn token_expiry(token: &str) -> Option<SystemTime> {
    use base64::Engine as _;
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: serde_json::Number,
    }
    let mut segments = token.split('.');
    let (_header, payload, _signature) = (segments.next()?, segments.next()?, segments.next()?);
    if segments.next().is_some() {
        return None;
    }
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Claims = serde_json::from_slice(&raw).ok()?;
    let secs = match (claims.exp.as_u64(), claims.exp.as_f64()) {
        (Some(s), _) => s,
        // Before the epoch: long expired.
        (None, Some(f)) if f.is_finite() && f < 0.0 => 0,
        // A fraction of a second (NumericDate allows it); saturating.
        (None, Some(f)) if f.is_finite() => f as u64,
        _ => return None,
    };
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}
