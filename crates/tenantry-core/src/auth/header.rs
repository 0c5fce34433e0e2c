//! A static token sent in a header (`X-Auth-Token` for Astakos).

use super::AuthStrategy;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::transport::{HttpRequest, HttpTransport};
use http::{HeaderMap, HeaderName, HeaderValue};

/// Sends one fixed token in one header on every request.
///
/// ```
/// use tenantry_core::{auth::header::HeaderToken, Secret};
/// let auth = HeaderToken::x_auth_token(Secret::new("user-token"))?;
/// assert!(!format!("{auth:?}").contains("user-token"));
/// # Ok::<(), tenantry_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HeaderToken {
    name: HeaderName,
    token: Secret,
    // Built once: every request shares its bytes. Marked sensitive, so the
    // http crate's Debug prints `Sensitive`.
    value: HeaderValue,
}

impl HeaderToken {
    /// The token in header `name`. The token must be non-empty and a valid
    /// header value.
    pub fn new(name: &str, token: Secret) -> Result<Self> {
        let name = HeaderName::try_from(name)
            .map_err(|_| Error::Config(format!("`{name}` is not a header name")))?;
        if token.is_empty() {
            return Err(Error::invalid_input("token", "must not be empty"));
        }
        let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
            Error::invalid_input("token", "contains characters not allowed in a header")
        })?;
        value.set_sensitive(true);
        Ok(HeaderToken { name, token, value })
    }

    /// `X-Auth-Token: <token>`.
    pub fn x_auth_token(token: Secret) -> Result<Self> {
        Self::new("x-auth-token", token)
    }
}

#[async_trait::async_trait]
impl AuthStrategy for HeaderToken {
    async fn apply(&self, request: &mut HttpRequest, _t: &dyn HttpTransport) -> Result<()> {
        request
            .headers_mut()
            .insert(self.name.clone(), self.value.clone());
        Ok(())
    }

    async fn invalidate(&self, _sent: &HeaderMap) -> bool {
        // A static token cannot be renewed: re-sending would be refused again.
        false
    }

    fn scrub(&self, text: &str) -> String {
        crate::redact::scrub_values(text, &[self.token.expose()])
    }
}
