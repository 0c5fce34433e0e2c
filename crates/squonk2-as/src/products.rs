//! Products, product types and the default storage cost (`squonk2-as.md`
//! §4.1 #7, #20–#24, #46, #47, #50).

use crate::client::OK;
use crate::client::{none_if_missing, Squonk2Client};
use crate::ids::{OrgId, ProductId, UnitId};
use crate::models::{wire, Product, ProductType, StorageCost};
use crate::organisations::require;
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::http::Method;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const LIST: Decl = Decl::get("squonk2-as.get_available_products", "/product").success(OK);
const GET: Decl = Decl::get("squonk2-as.get_product", "/product/{product_id}").success(OK);
const FOR_UNIT: Decl = Decl::get(
    "squonk2-as.get_products_for_unit",
    "/product/unit/{unit_id}",
)
.success(OK);
const FOR_ORG: Decl = Decl::get(
    "squonk2-as.get_products_for_organisation",
    "/product/organisation/{org_id}",
)
.success(OK);
const TYPES: Decl = Decl::get("squonk2-as.get_product_types", "/product-type").success(OK);
const STORAGE_COST: Decl = Decl::get(
    "squonk2-as.get_product_default_storage_cost",
    "/product-default-storage-cost",
)
.success(OK);
const CREATE: Decl =
    Decl::post("squonk2-as.create_product", "/product/unit/{unit_id}").success(&[201]);
const ALTER: Decl = Decl::new(
    "squonk2-as.alter_product",
    Method::PATCH,
    "/product/{product_id}",
)
.success(&[200]);
const DELETE: Decl =
    Decl::delete("squonk2-as.delete_product", "/product/{product_id}").success(&[204]);

/// Products. From [`Squonk2Client::products`].
#[derive(Debug, Clone, Copy)]
pub struct ProductsHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

/// Coins must not be negative.
fn check_coins(field: &str, v: Option<i64>) -> Result<Option<i64>> {
    match v {
        Some(n) if n < 0 => Err(Error::invalid_input(field, "must not be negative")),
        other => Ok(other),
    }
}

impl<'a> ProductsHandler<'a> {
    /// `GET /product` (#7): every product the caller may see.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// for p in client.products().list().await? {
    ///     println!("{:?}", p.product.and_then(|p| p.name));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Product>> {
        self.many(LIST.op()).await
    }

    /// `GET /product/{id}` (#20); a 404 is an error.
    pub async fn get(&self, id: &ProductId) -> Result<Product> {
        self.client
            .pipeline
            .call(&GET.op().param("product_id", id.as_str()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: &ProductId) -> Result<Option<Product>> {
        none_if_missing(self.get(id).await)
    }

    /// `GET /product/unit/{id}` (#23): the products of a unit.
    pub async fn for_unit(&self, unit: &UnitId) -> Result<Vec<Product>> {
        self.many(FOR_UNIT.op().param("unit_id", unit.as_str()))
            .await
    }

    /// `GET /product/organisation/{id}` (#24): the products of an
    /// organisation's units.
    pub async fn for_organisation(&self, org: &OrgId) -> Result<Vec<Product>> {
        self.many(FOR_ORG.op().param("org_id", org.as_str())).await
    }

    /// `GET /product-type` (#22).
    pub async fn types(&self) -> Result<Vec<ProductType>> {
        let w: wire::ProductTypes<ProductType> = self.client.pipeline.call(&TYPES.op()).await?;
        Ok(w.items)
    }

    /// `GET /product-default-storage-cost` (#21).
    pub async fn default_storage_cost(&self) -> Result<StorageCost> {
        self.client.pipeline.call(&STORAGE_COST.op()).await
    }

    /// `POST /product/unit/{unit}` (#46): a builder; `name` and
    /// `product_type` are required, `allowance` and `limit` must not be
    /// negative. Answers the new id.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// # let unit: squonk2_as::UnitId = "unit-11111111-2222-3333-4444-555555555555".parse()?;
    /// let id = client
    ///     .products()
    ///     .create(&unit)
    ///     .name("Project")
    ///     .product_type("DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION")
    ///     .flavour("GOLD")
    ///     .allowance(100)
    ///     .send()
    ///     .await?;
    /// # let _ = id; Ok(()) }
    /// ```
    pub fn create(&self, unit: &UnitId) -> CreateProduct<'a> {
        CreateProduct {
            client: self.client,
            unit: unit.clone(),
            name: None,
            product_type: None,
            flavour: None,
            allowance: None,
            limit: None,
        }
    }

    /// `PATCH /product/{id}` (#47): a builder; what is set is sent (`0` and
    /// `""` too), `{}` when nothing is.
    pub fn alter(&self, id: &ProductId) -> AlterProduct<'a> {
        AlterProduct {
            client: self.client,
            id: id.clone(),
            body: ProductChanges::default(),
        }
    }

    /// `DELETE /product/{id}` (#50).
    pub async fn delete(&self, id: &ProductId) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(&DELETE.op().param("product_id", id.as_str()))
            .await?;
        Ok(())
    }

    async fn many(&self, op: tenantry_core::Operation) -> Result<Vec<Product>> {
        let w: wire::Products<Product> = self.client.pipeline.call(&op).await?;
        Ok(w.items)
    }
}

// Key order and presence as the reference sends them (§4.2 #46): `flavour`
// when not empty, `allowance` and `limit` when not zero.
#[derive(Serialize)]
struct NewProduct<'b> {
    #[serde(rename = "type")]
    product_type: &'b str,
    name: &'b str,
    #[serde(skip_serializing_if = "Option::is_none")]
    flavour: Option<&'b str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowance: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
}

/// Builder of `POST /product/unit/{unit}` (from [`ProductsHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateProduct<'a> {
    client: &'a Squonk2Client,
    unit: UnitId,
    name: Option<String>,
    product_type: Option<String>,
    flavour: Option<String>,
    allowance: Option<i64>,
    limit: Option<i64>,
}

impl CreateProduct<'_> {
    /// The name (required).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// The type (required; free text, `GET /product-type` lists them).
    pub fn product_type(mut self, v: impl Into<String>) -> Self {
        self.product_type = Some(v.into());
        self
    }
    /// The flavour (`BRONZE`, `SILVER`, `GOLD`, `EVALUATION`, …).
    pub fn flavour(mut self, v: impl Into<String>) -> Self {
        self.flavour = Some(v.into());
        self
    }
    /// The allowance in coins (not negative; `0` is the server's default).
    pub fn allowance(mut self, v: i64) -> Self {
        self.allowance = Some(v);
        self
    }
    /// The limit in coins (not negative; `0` is the server's default).
    pub fn limit(mut self, v: i64) -> Self {
        self.limit = Some(v);
        self
    }
    /// Sends it; a missing or bad field fails before anything is sent.
    pub async fn send(self) -> Result<ProductId> {
        let body = NewProduct {
            product_type: require("product_type", &self.product_type)?,
            name: require("name", &self.name)?,
            flavour: self.flavour.as_deref().filter(|f| !f.is_empty()),
            allowance: check_coins("allowance", self.allowance)?.filter(|n| *n != 0),
            limit: check_coins("limit", self.limit)?.filter(|n| *n != 0),
        };
        let w: wire::Created<ProductId> = self
            .client
            .pipeline
            .call(
                &CREATE
                    .op()
                    .param("unit_id", self.unit.as_str())
                    .python_json(&body),
            )
            .await?;
        Ok(w.id)
    }
}

#[derive(Debug, Default, Serialize)]
struct ProductChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowance: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
}

/// Builder of `PATCH /product/{id}` (from [`ProductsHandler::alter`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct AlterProduct<'a> {
    client: &'a Squonk2Client,
    id: ProductId,
    body: ProductChanges,
}

impl AlterProduct<'_> {
    /// A new name (sent even when empty, as the reference does).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.body.name = Some(v.into());
        self
    }
    /// A new allowance (not negative; `0` is sent).
    pub fn allowance(mut self, v: i64) -> Self {
        self.body.allowance = Some(v);
        self
    }
    /// A new limit (not negative; `0` is sent).
    pub fn limit(mut self, v: i64) -> Self {
        self.body.limit = Some(v);
        self
    }
    /// Sends it; a negative figure fails before anything is sent.
    pub async fn send(self) -> Result<()> {
        check_coins("allowance", self.body.allowance)?;
        check_coins("limit", self.body.limit)?;
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(
                &ALTER
                    .op()
                    .param("product_id", self.id.as_str())
                    .python_json(&self.body),
            )
            .await?;
        Ok(())
    }
}
