//! Merchants (`squonk2-as.md` §4.1 #18, #19).

use crate::client::OK;
use crate::client::{none_if_missing, Squonk2Client};
use crate::ids::MerchantId;
use crate::models::{wire, Merchant};
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const LIST: Decl = Decl::get("squonk2-as.get_merchants", "/merchant").success(OK);
const GET: Decl = Decl::get("squonk2-as.get_merchant", "/merchant/{merchant_id}").success(OK);

/// Merchants. From [`Squonk2Client::merchants`].
#[derive(Debug, Clone, Copy)]
pub struct MerchantsHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

impl MerchantsHandler<'_> {
    /// `GET /merchant` (#18).
    pub async fn list(&self) -> Result<Vec<Merchant>> {
        let w: wire::Merchants<Merchant> = self.client.pipeline.call(&LIST.op()).await?;
        Ok(w.items)
    }

    /// `GET /merchant/{id}` (#19); a 404 is an error.
    pub async fn get(&self, id: MerchantId) -> Result<Merchant> {
        self.client
            .pipeline
            .call(&GET.op().param("merchant_id", &id.to_string()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: MerchantId) -> Result<Option<Merchant>> {
        none_if_missing(self.get(id).await)
    }
}
