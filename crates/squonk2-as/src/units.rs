//! Units, personal units and their members (`squonk2-as.md` §4.1 #8,
//! #27–#32, #38, #40, #45, #48, #51).

use crate::client::OK;
use crate::client::{none_if_missing, Squonk2Client};
use crate::ids::{OrgId, UnitId, Username};
use crate::models::{wire, DefaultProductPrivacy, Member, OrgUnits, Unit};
use crate::organisations::{require, Changes, NameQuery};
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::http::Method;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const LIST: Decl = Decl::get("squonk2-as.get_units", "/unit").success(OK);
const GET: Decl = Decl::get("squonk2-as.get_unit", "/unit/{unit_id}").success(OK);
const CREATE: Decl =
    Decl::post("squonk2-as.create_unit", "/organisation/{org_id}/unit").success(&[201]);
const ALTER: Decl =
    Decl::new("squonk2-as.alter_unit", Method::PATCH, "/unit/{unit_id}").success(&[200]);
const DELETE: Decl = Decl::delete("squonk2-as.delete_unit", "/unit/{unit_id}").success(&[204]);
const USERS: Decl = Decl::get("squonk2-as.get_unit_users", "/unit/{unit_id}/user").success(OK);
const ADD_USER: Decl = Decl::put(
    "squonk2-as.add_user_to_unit",
    "/unit/{unit_id}/user/{username}",
)
.success(&[200, 201]);
const REMOVE_USER: Decl = Decl::delete(
    "squonk2-as.remove_user_from_unit",
    "/unit/{unit_id}/user/{username}",
)
.success(&[204]);
const PERSONAL: Decl = Decl::get("squonk2-as.get_personal_unit", "/personal-unit").success(OK);
// A PUT that creates: never sent twice once it may have arrived.
const CREATE_PERSONAL: Decl = Decl::put("squonk2-as.create_personal_unit", "/personal-unit")
    .non_idempotent()
    .success(&[201]);
const DELETE_PERSONAL: Decl =
    Decl::delete("squonk2-as.delete_personal_unit", "/personal-unit").success(&[204]);

/// Units. From [`Squonk2Client::units`].
#[derive(Debug, Clone, Copy)]
pub struct UnitsHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

/// A billing day must be 1 to 28 (the AS docstring; the reference only
/// refuses 0).
fn check_billing_day(day: Option<u32>) -> Result<u32> {
    match day {
        Some(d) if (1..=28).contains(&d) => Ok(d),
        Some(_) => Err(Error::invalid_input("billing_day", "must be from 1 to 28")),
        None => Err(Error::invalid_input("billing_day", "is required")),
    }
}

impl<'a> UnitsHandler<'a> {
    /// `GET /unit[?name=…]`: a builder (#40; #8 `get_available_units` is
    /// the same call without a name): the units the caller may see,
    /// grouped by organisation.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// for group in client.units().list().send().await? {
    ///     for unit in group.units {
    ///         println!("{:?} {:?}", unit.id, unit.name);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListUnits<'a> {
        ListUnits {
            client: self.client,
            query: NameQuery::default(),
        }
    }

    /// `GET /unit/{id}` (#38); a 404 is an error.
    pub async fn get(&self, id: &UnitId) -> Result<Unit> {
        self.client
            .pipeline
            .call(&GET.op().param("unit_id", id.as_str()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: &UnitId) -> Result<Option<Unit>> {
        none_if_missing(self.get(id).await)
    }

    /// `POST /organisation/{org}/unit` (#27): a builder; `name` and
    /// `billing_day` (1–28) are required. Answers the new id.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// # let org: squonk2_as::OrgId = "org-11111111-2222-3333-4444-555555555555".parse()?;
    /// let unit = client.units().create(&org).name("Lab").billing_day(3).send().await?;
    /// # let _ = unit; Ok(()) }
    /// ```
    pub fn create(&self, org: &OrgId) -> CreateUnit<'a> {
        CreateUnit {
            client: self.client,
            org: org.clone(),
            name: None,
            billing_day: None,
        }
    }

    /// `PATCH /unit/{id}` (#48): a builder; only what is set is sent (`{}`
    /// when nothing is).
    pub fn alter(&self, id: &UnitId) -> AlterUnit<'a> {
        AlterUnit {
            client: self.client,
            id: id.clone(),
            body: Changes::default(),
        }
    }

    /// `DELETE /unit/{id}` (#51; the server refuses while it has products).
    pub async fn delete(&self, id: &UnitId) -> Result<()> {
        self.unit(DELETE.op().param("unit_id", id.as_str())).await
    }

    /// `GET /unit/{id}/user` (#45): its members.
    pub async fn users(&self, id: &UnitId) -> Result<Vec<Member>> {
        let w: wire::Users<Member> = self
            .client
            .pipeline
            .call(&USERS.op().param("unit_id", id.as_str()))
            .await?;
        Ok(w.items)
    }

    /// `PUT /unit/{id}/user/{username}` (#31, no body): 201 when added,
    /// 200 when already a member; both are success.
    pub async fn add_user(&self, id: &UnitId, user: &Username) -> Result<()> {
        self.unit(
            ADD_USER
                .op()
                .param("unit_id", id.as_str())
                .param("username", user.as_str()),
        )
        .await
    }

    /// `DELETE /unit/{id}/user/{username}` (#32).
    pub async fn remove_user(&self, id: &UnitId, user: &Username) -> Result<()> {
        self.unit(
            REMOVE_USER
                .op()
                .param("unit_id", id.as_str())
                .param("username", user.as_str()),
        )
        .await
    }

    /// `GET /personal-unit` (#30): the caller's personal unit; a 404 when
    /// there is none.
    pub async fn personal(&self) -> Result<Unit> {
        self.client.pipeline.call(&PERSONAL.op()).await
    }

    /// [`personal`](Self::personal), with a 404 as `None`.
    pub async fn personal_opt(&self) -> Result<Option<Unit>> {
        none_if_missing(self.personal().await)
    }

    /// `PUT /personal-unit` with `{"billing_day": n}` (#28; 1–28). Answers
    /// the new unit's id.
    pub async fn create_personal(&self, billing_day: u32) -> Result<UnitId> {
        let day = check_billing_day(Some(billing_day))?;
        let w: wire::Created<UnitId> = self
            .client
            .pipeline
            .call(
                &CREATE_PERSONAL
                    .op()
                    .python_json(&BillingDay { billing_day: day }),
            )
            .await?;
        Ok(w.id)
    }

    /// `DELETE /personal-unit` (#29).
    pub async fn delete_personal(&self) -> Result<()> {
        self.unit(DELETE_PERSONAL.op()).await
    }

    async fn unit(&self, op: tenantry_core::Operation) -> Result<()> {
        let _: IgnoredAny = self.client.pipeline.call(&op).await?;
        Ok(())
    }
}

#[derive(Serialize)]
struct BillingDay {
    billing_day: u32,
}

/// Builder of `GET /unit` (from [`UnitsHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListUnits<'a> {
    client: &'a Squonk2Client,
    query: NameQuery,
}

impl ListUnits<'_> {
    /// Only the units with this exact name (an empty name is no filter,
    /// as in the reference).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.query.name = Some(v.into()).filter(|n: &String| !n.is_empty());
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<OrgUnits>> {
        let w: wire::Units<OrgUnits> = self
            .client
            .pipeline
            .call(&LIST.op().query_from(&self.query))
            .await?;
        Ok(w.items)
    }
}

// Key order as the reference sends it (§4.2 #27).
#[derive(Serialize)]
struct NewUnit<'b> {
    billing_day: u32,
    name: &'b str,
}

/// Builder of `POST /organisation/{org}/unit` (from [`UnitsHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateUnit<'a> {
    client: &'a Squonk2Client,
    org: OrgId,
    name: Option<String>,
    billing_day: Option<u32>,
}

impl CreateUnit<'_> {
    /// The name (required).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// The billing day, 1 to 28 (required).
    pub fn billing_day(mut self, v: u32) -> Self {
        self.billing_day = Some(v);
        self
    }
    /// Sends it; a missing or bad field fails before anything is sent.
    pub async fn send(self) -> Result<UnitId> {
        let body = NewUnit {
            name: require("name", &self.name)?,
            billing_day: check_billing_day(self.billing_day)?,
        };
        let w: wire::Created<UnitId> = self
            .client
            .pipeline
            .call(
                &CREATE
                    .op()
                    .param("org_id", self.org.as_str())
                    .python_json(&body),
            )
            .await?;
        Ok(w.id)
    }
}

/// Builder of `PATCH /unit/{id}` (from [`UnitsHandler::alter`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct AlterUnit<'a> {
    client: &'a Squonk2Client,
    id: UnitId,
    body: Changes,
}

impl AlterUnit<'_> {
    /// A new name (sent even when empty, as the reference does).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.body.name = Some(v.into());
        self
    }
    /// A new default product privacy.
    pub fn default_product_privacy(mut self, v: DefaultProductPrivacy) -> Self {
        self.body.default_product_privacy = Some(v);
        self
    }
    /// Sends it (the answer's body, if any, is not read).
    pub async fn send(self) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(
                &ALTER
                    .op()
                    .param("unit_id", self.id.as_str())
                    .python_json(&self.body),
            )
            .await?;
        Ok(())
    }
}
