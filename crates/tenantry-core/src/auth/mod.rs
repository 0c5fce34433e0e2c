//! Auth strategies: each adds credentials to a request, logging in first
//! when it has to, and knows how to forget a credential the service refused.
//!
//! - [`cas`]: CAS REST single sign-on (Etu Nexus): TGT, one service ticket
//!   per application, the application's session cookie.
//! - [`keystone`]: OpenStack Keystone v3 password auth (NTT ECL), with
//!   version discovery, token cache and service-catalog endpoint selection.
//! - [`bearer`]: `Authorization: Bearer`, static or from a Keycloak provider.
//! - [`header`]: a static token in a header (`X-Auth-Token`, Astakos).
//!
//! The pipeline calls [`AuthStrategy::apply`] on every attempt, so a retry
//! always carries a fresh credential; on a rejection it calls
//! [`AuthStrategy::invalidate`] and re-sends once.

pub mod bearer;
pub mod cas;
pub mod header;
pub mod keystone;

use crate::error::Result;
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};
use http::HeaderMap;
use std::fmt;
use url::Url;

/// A way of authenticating requests.
#[async_trait::async_trait]
pub trait AuthStrategy: Send + Sync + fmt::Debug {
    /// Adds credentials to `request`, logging in through `transport` first
    /// if no valid credential is cached.
    async fn apply(&self, request: &mut HttpRequest, transport: &dyn HttpTransport) -> Result<()>;

    /// The base URL of the service, when the strategy learns it at login
    /// (Keystone's service catalog). `None`: the client's own base URL.
    async fn endpoint(&self, _transport: &dyn HttpTransport) -> Result<Option<Url>> {
        Ok(None)
    }

    /// Whether this answer means the credential was refused (default: 401).
    fn is_rejection(&self, response: &HttpResponse) -> bool {
        response.status() == http::StatusCode::UNAUTHORIZED
    }

    /// Forgets the credential that was sent with `sent` (the headers of the
    /// refused request), so the next [`apply`](Self::apply) logs in again.
    /// Returns false when logging in again cannot help (a static token), in
    /// which case the request is not re-sent.
    async fn invalidate(&self, sent: &HeaderMap) -> bool;

    /// Masks the strategy's own secret values in `text` (used on body
    /// excerpts, in case a server echoes a credential back).
    fn scrub(&self, text: &str) -> String {
        text.to_owned()
    }
}

/// No authentication.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait::async_trait]
impl AuthStrategy for NoAuth {
    async fn apply(&self, _request: &mut HttpRequest, _t: &dyn HttpTransport) -> Result<()> {
        Ok(())
    }
    async fn invalidate(&self, _sent: &HeaderMap) -> bool {
        false
    }
}

/// Builds a request for an auth server (no credentials of the service).
pub(crate) fn request(
    method: http::Method,
    url: &Url,
    headers: &[(&str, &str)],
    body: bytes::Bytes,
) -> Result<HttpRequest> {
    let mut b = http::Request::builder().method(method).uri(url.as_str());
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.extension(crate::transport::SensitiveUrl)
        .body(body)
        .map_err(|e| crate::Error::Config(format!("cannot build an auth request: {e}")))
}

/// A form body, every value percent-encoded.
pub(crate) fn form(pairs: &[(&str, &str)]) -> bytes::Bytes {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    bytes::Bytes::from(s.finish())
}

impl fmt::Display for NoAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("none")
    }
}
