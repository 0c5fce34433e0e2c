//! Billing of a contract by month (`ecl-sss.md` §2.7 #19, #20).

use crate::client::EclSssClient;
use crate::ids::{BillingMonth, ContractId};
use crate::models::Billing;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const MONTH: Decl = Decl::get(
    "ecl-sss.get_billing_info",
    "/contracts/{contract_id}/billing/{target_month}",
);
const TARGET: Decl = Decl::get(
    "ecl-sss.get_monthly_billing_of_each_contract",
    "/contracts/{contract_id}/billing/{target_month}/target_contract/{target_contract_id}",
);

/// The billing of one contract. From [`EclSssClient::billing`].
#[derive(Debug, Clone)]
pub struct BillingHandler<'a> {
    pub(crate) client: &'a EclSssClient,
    pub(crate) contract: ContractId,
}

impl BillingHandler<'_> {
    /// `GET /contracts/{contract}/billing/{month}`: the contract's charges
    /// for `month`. (The reference names the first segment `channel_id`;
    /// it is a contract id, §6.1.8.)
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// let b = client
    ///     .billing(&"econ1000015949".parse()?)
    ///     .month(&"2024-05".parse()?)
    ///     .await?;
    /// # let _ = b; Ok(()) }
    /// ```
    pub async fn month(&self, month: &BillingMonth) -> Result<Billing> {
        self.client
            .pipeline
            .call(
                &MONTH
                    .op()
                    .param("contract_id", self.contract.as_str())
                    .param("target_month", month.as_str()),
            )
            .await
    }

    /// `GET /contracts/{contract}/billing/{month}/target_contract/{target}`
    /// (partner): the charges of `target`, one of the partner's end-user
    /// contracts, for `month`.
    pub async fn target_month(&self, target: &ContractId, month: &BillingMonth) -> Result<Billing> {
        self.client
            .pipeline
            .call(
                &TARGET
                    .op()
                    .param("contract_id", self.contract.as_str())
                    .param("target_month", month.as_str())
                    .param("target_contract_id", target.as_str()),
            )
            .await
    }
}
