//! API keys (`ecl-sss.md` §2.5).

use crate::client::EclSssClient;
use crate::ids::UserId;
use crate::models::ApiKey;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

// No body and no Content-Type (§6.1.3). A PUT: the server replaces the
// pair whatever it was, so a re-send after a lost answer only rotates again.
const UPDATE: Decl = Decl::put("ecl-sss.update_api_key", "/keys/{user_id}").non_idempotent();

/// API keys. From [`EclSssClient::api_keys`].
#[derive(Debug, Clone, Copy)]
pub struct ApiKeysHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

impl ApiKeysHandler<'_> {
    /// `PUT /keys/{user}`: reissues the user's API key and secret; the old
    /// pair stops working. Rotating the client's own key makes its next
    /// login fail until it is rebuilt with the new pair. Never re-sent by
    /// the retry policy (a second rotation would lose the first answer's
    /// secret).
    pub async fn update(&self, user: &UserId) -> Result<ApiKey> {
        self.client
            .pipeline
            .call(&UPDATE.op().param("user_id", user.as_str()))
            .await
    }
}
