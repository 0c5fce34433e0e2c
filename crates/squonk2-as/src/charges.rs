//! Charges (admins only) and the action log (`squonk2-as.md` §4.1 #25,
//! #26, #42, #43, #54).

use crate::client::Squonk2Client;
use crate::client::OK;
use crate::ids::{IsoDate, MerchantId, OrgId, ProductId, UnitId};
use crate::models::{wire, Action, Charges, EventStreamFormat};
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Operation, Result};

const ALL: Decl = Decl::get("squonk2-as.get_charges", "/charges").success(OK);
const ORG: Decl = Decl::get(
    "squonk2-as.get_organisation_charges",
    "/charges/organisation/{org_id}",
)
.success(OK);
const UNIT: Decl = Decl::get("squonk2-as.get_unit_charges", "/charges/unit/{unit_id}").success(OK);
const PRODUCT: Decl = Decl::get(
    "squonk2-as.get_product_charges",
    "/charges/product/{product_id}",
)
.success(OK);
const ACTIONS: Decl = Decl::get("squonk2-as.get_actions", "/action").success(OK);

/// Charges. From [`Squonk2Client::charges`].
#[derive(Debug, Clone, Copy)]
pub struct ChargesHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

impl<'a> ChargesHandler<'a> {
    /// `GET /charges` (#43): every charge of the period (a builder).
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// let charges = client.charges().all().from("2024-01-01".parse()?).prior_billing_periods(1).send().await?;
    /// # let _ = charges; Ok(()) }
    /// ```
    pub fn all(&self) -> ListCharges<'a> {
        self.list(ALL.op())
    }
    /// `GET /charges/organisation/{id}` (#42).
    pub fn organisation(&self, org: &OrgId) -> ListCharges<'a> {
        self.list(ORG.op().param("org_id", org.as_str()))
    }
    /// `GET /charges/unit/{id}` (#26).
    pub fn unit(&self, unit: &UnitId) -> ListCharges<'a> {
        self.list(UNIT.op().param("unit_id", unit.as_str()))
    }
    /// `GET /charges/product/{id}` (#25).
    pub fn product(&self, product: &ProductId) -> ListCharges<'a> {
        self.list(PRODUCT.op().param("product_id", product.as_str()))
    }

    fn list(&self, op: Operation) -> ListCharges<'a> {
        ListCharges {
            client: self.client,
            op,
            query: Period::default(),
        }
    }
}

// Field order is the query order (§4.2 charges).
#[derive(Debug, Default, Serialize)]
struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<IsoDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<IsoDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pbp: Option<i64>,
}

/// Builder of the charges listings (from [`ChargesHandler`]); with no
/// period, the current billing period.
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListCharges<'a> {
    client: &'a Squonk2Client,
    op: Operation,
    query: Period,
}

impl ListCharges<'_> {
    /// From this day (inclusive).
    pub fn from(mut self, v: IsoDate) -> Self {
        self.query.from = Some(v);
        self
    }
    /// Until this day (exclusive).
    pub fn until(mut self, v: IsoDate) -> Self {
        self.query.until = Some(v);
        self
    }
    /// A prior billing period (`pbp`); unlike the reference, `0` is sent.
    pub fn prior_billing_periods(mut self, v: i64) -> Self {
        self.query.pbp = Some(v);
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Charges> {
        self.client
            .pipeline
            .call(&self.op.query_from(&self.query))
            .await
    }
}

/// The action log. From [`Squonk2Client::actions`].
#[derive(Debug, Clone, Copy)]
pub struct ActionsHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

impl<'a> ActionsHandler<'a> {
    /// `GET /action` (#54): a builder; `format` is always sent (default
    /// `PROTOCOL_STRING`, as in the reference).
    pub fn list(&self) -> ListActions<'a> {
        ListActions {
            client: self.client,
            query: ActionQuery {
                format: EventStreamFormat::ProtocolString,
                from: None,
                until: None,
                m_id: None,
                product_id: None,
                unit_id: None,
                org_id: None,
            },
        }
    }
}

// Field order is the query order (§4.2 #54).
#[derive(Debug, Serialize)]
struct ActionQuery {
    format: EventStreamFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<IsoDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<IsoDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    m_id: Option<MerchantId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_id: Option<ProductId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit_id: Option<UnitId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_id: Option<OrgId>,
}

/// Builder of `GET /action` (from [`ActionsHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListActions<'a> {
    client: &'a Squonk2Client,
    query: ActionQuery,
}

impl ListActions<'_> {
    /// The format of the actions (default `PROTOCOL_STRING`).
    pub fn format(mut self, v: EventStreamFormat) -> Self {
        self.query.format = v;
        self
    }
    /// From this day (inclusive).
    pub fn from(mut self, v: IsoDate) -> Self {
        self.query.from = Some(v);
        self
    }
    /// Until this day (exclusive).
    pub fn until(mut self, v: IsoDate) -> Self {
        self.query.until = Some(v);
        self
    }
    /// Only this merchant's actions.
    pub fn merchant(mut self, v: MerchantId) -> Self {
        self.query.m_id = Some(v);
        self
    }
    /// Only this product's actions.
    pub fn product(mut self, v: &ProductId) -> Self {
        self.query.product_id = Some(v.clone());
        self
    }
    /// Only this unit's actions.
    pub fn unit(mut self, v: &UnitId) -> Self {
        self.query.unit_id = Some(v.clone());
        self
    }
    /// Only this organisation's actions.
    pub fn organisation(mut self, v: &OrgId) -> Self {
        self.query.org_id = Some(v.clone());
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<Action>> {
        let w: wire::Actions<Action> = self
            .client
            .pipeline
            .call(&ACTIONS.op().query_from(&self.query))
            .await?;
        Ok(w.items)
    }
}
