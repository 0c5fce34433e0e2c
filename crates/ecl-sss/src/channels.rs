//! Channels (partner users only, `ecl-sss.md` §2.6).

use crate::client::EclSssClient;
use crate::models::{wire, Channel};
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const LIST: Decl = Decl::get("ecl-sss.list_channels", "/channels");

/// Channels. From [`EclSssClient::channels`].
#[derive(Debug, Clone, Copy)]
pub struct ChannelsHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

impl<'a> ChannelsHandler<'a> {
    /// `GET /channels?get_contracts=…`: a builder (`get_contracts` is
    /// always sent, default `false`).
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// let channels = client.channels().list().get_contracts(true).send().await?;
    /// # let _ = channels; Ok(()) }
    /// ```
    pub fn list(&self) -> ListChannels<'a> {
        ListChannels {
            client: self.client,
            query: ChannelsQuery {
                get_contracts: false,
            },
        }
    }
}

#[derive(Debug, Serialize)]
struct ChannelsQuery {
    // Lowercase `true`/`false` (§6.2.5).
    get_contracts: bool,
}

/// Builder of `GET /channels` (from [`ChannelsHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListChannels<'a> {
    client: &'a EclSssClient,
    query: ChannelsQuery,
}

impl ListChannels<'_> {
    /// Include each channel's contracts.
    pub fn get_contracts(mut self, v: bool) -> Self {
        self.query.get_contracts = v;
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<Channel>> {
        let w: wire::Channels<Channel> = self
            .client
            .pipeline
            .call(&LIST.op().query_from(&self.query))
            .await?;
        Ok(w.items)
    }
}
