//! Organisations (`/organisation`, `/default/organisation`) and their
//! members (`squonk2-as.md` §4.1 #33–#37, #39, #41, #44, #49, #53).

use crate::client::OK;
use crate::client::{none_if_missing, Squonk2Client};
use crate::ids::{OrgId, Username};
use crate::models::{wire, DefaultProductPrivacy, Member, OrgUnits, Organisation};
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::http::Method;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const LIST: Decl = Decl::get("squonk2-as.get_organisations", "/organisation").success(OK);
const GET: Decl = Decl::get("squonk2-as.get_organisation", "/organisation/{org_id}").success(OK);
const DEFAULT: Decl = Decl::get(
    "squonk2-as.get_default_organisation",
    "/default/organisation",
)
.success(OK);
const CREATE: Decl = Decl::post("squonk2-as.create_organisation", "/organisation").success(&[201]);
const ALTER: Decl = Decl::new(
    "squonk2-as.alter_organisation",
    Method::PATCH,
    "/organisation/{org_id}",
)
.success(&[200]);
const DELETE: Decl =
    Decl::delete("squonk2-as.delete_organisation", "/organisation/{org_id}").success(&[204]);
const UNITS: Decl = Decl::get(
    "squonk2-as.get_organisation_units",
    "/organisation/{org_id}/unit",
)
.success(OK);
const USERS: Decl = Decl::get(
    "squonk2-as.get_organisation_users",
    "/organisation/{org_id}/user",
)
.success(OK);
const ADD_USER: Decl = Decl::put(
    "squonk2-as.add_user_to_organisation",
    "/organisation/{org_id}/user/{username}",
)
.success(&[200, 201]);
const REMOVE_USER: Decl = Decl::delete(
    "squonk2-as.remove_user_from_organisation",
    "/organisation/{org_id}/user/{username}",
)
.success(&[204]);

/// Organisations. From [`Squonk2Client::organisations`].
#[derive(Debug, Clone, Copy)]
pub struct OrganisationsHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

/// Name and default product privacy changes (`PATCH`), shared by
/// organisations and units: a key is sent when set (an empty name too), `{}`
/// when nothing is.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Changes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default_product_privacy: Option<DefaultProductPrivacy>,
}

/// `Err(InvalidInput)` naming `field` unless `v` is set and not blank.
pub(crate) fn require<'v>(field: &str, v: &'v Option<String>) -> Result<&'v str> {
    match v {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(Error::invalid_input(field, "must not be empty")),
        None => Err(Error::invalid_input(field, "is required")),
    }
}

impl<'a> OrganisationsHandler<'a> {
    /// `GET /organisation[?name=…]`: a builder (#41); the organisations
    /// the caller may see.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// for org in client.organisations().list().send().await? {
    ///     println!("{:?} {:?}", org.id, org.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListOrganisations<'a> {
        ListOrganisations {
            client: self.client,
            query: NameQuery::default(),
        }
    }

    /// `GET /organisation/{id}` (#37); a 404 is an error.
    pub async fn get(&self, id: &OrgId) -> Result<Organisation> {
        self.client
            .pipeline
            .call(&GET.op().param("org_id", id.as_str()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: &OrgId) -> Result<Option<Organisation>> {
        none_if_missing(self.get(id).await)
    }

    /// `GET /default/organisation` (#53).
    pub async fn default_organisation(&self) -> Result<Organisation> {
        self.client.pipeline.call(&DEFAULT.op()).await
    }

    /// `POST /organisation` (#33, admins only): a builder; `name` and
    /// `owner` are required. Answers the new id.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// let id = client.organisations().create().name("Acme").owner("dlister").send().await?;
    /// # let _ = id; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateOrganisation<'a> {
        CreateOrganisation {
            client: self.client,
            name: None,
            owner: None,
        }
    }

    /// `PATCH /organisation/{id}` (#49): a builder; only what is set is
    /// sent (`{}` when nothing is).
    pub fn alter(&self, id: &OrgId) -> AlterOrganisation<'a> {
        AlterOrganisation {
            client: self.client,
            id: id.clone(),
            body: Changes::default(),
        }
    }

    /// `DELETE /organisation/{id}` (#36, admins only).
    pub async fn delete(&self, id: &OrgId) -> Result<()> {
        self.unit(DELETE.op().param("org_id", id.as_str())).await
    }

    /// `GET /organisation/{id}/unit` (#39): the organisation with its units.
    pub async fn units(&self, id: &OrgId) -> Result<OrgUnits> {
        self.client
            .pipeline
            .call(&UNITS.op().param("org_id", id.as_str()))
            .await
    }

    /// `GET /organisation/{id}/user` (#44): its members.
    pub async fn users(&self, id: &OrgId) -> Result<Vec<Member>> {
        let w: wire::Users<Member> = self
            .client
            .pipeline
            .call(&USERS.op().param("org_id", id.as_str()))
            .await?;
        Ok(w.items)
    }

    /// `PUT /organisation/{id}/user/{username}` (#34, no body): 201 when
    /// added, 200 when already a member; both are success.
    pub async fn add_user(&self, id: &OrgId, user: &Username) -> Result<()> {
        self.unit(
            ADD_USER
                .op()
                .param("org_id", id.as_str())
                .param("username", user.as_str()),
        )
        .await
    }

    /// `DELETE /organisation/{id}/user/{username}` (#35).
    pub async fn remove_user(&self, id: &OrgId, user: &Username) -> Result<()> {
        self.unit(
            REMOVE_USER
                .op()
                .param("org_id", id.as_str())
                .param("username", user.as_str()),
        )
        .await
    }

    async fn unit(&self, op: tenantry_core::Operation) -> Result<()> {
        let _: IgnoredAny = self.client.pipeline.call(&op).await?;
        Ok(())
    }
}

/// The `name` filter of the organisation and unit listings.
#[derive(Debug, Default, Serialize)]
pub(crate) struct NameQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
}

/// Builder of `GET /organisation` (from [`OrganisationsHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListOrganisations<'a> {
    client: &'a Squonk2Client,
    query: NameQuery,
}

impl ListOrganisations<'_> {
    /// Only the organisation with this exact name (an empty name is no
    /// filter, as in the reference).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.query.name = Some(v.into()).filter(|n: &String| !n.is_empty());
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<Organisation>> {
        let w: wire::Organisations<Organisation> = self
            .client
            .pipeline
            .call(&LIST.op().query_from(&self.query))
            .await?;
        Ok(w.items)
    }
}

#[derive(Serialize)]
struct NewOrganisation<'b> {
    name: &'b str,
    owner: &'b str,
}

/// Builder of `POST /organisation` (from [`OrganisationsHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateOrganisation<'a> {
    client: &'a Squonk2Client,
    name: Option<String>,
    owner: Option<String>,
}

impl CreateOrganisation<'_> {
    /// The name (required, unique).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// The owner's user name (required).
    pub fn owner(mut self, v: impl Into<String>) -> Self {
        self.owner = Some(v.into());
        self
    }
    /// Sends it; a missing or empty field fails before anything is sent.
    pub async fn send(self) -> Result<OrgId> {
        let body = NewOrganisation {
            name: require("name", &self.name)?,
            owner: require("owner", &self.owner)?,
        };
        let w: wire::Created<OrgId> = self
            .client
            .pipeline
            .call(&CREATE.op().python_json(&body))
            .await?;
        Ok(w.id)
    }
}

/// Builder of `PATCH /organisation/{id}` (from [`OrganisationsHandler::alter`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct AlterOrganisation<'a> {
    client: &'a Squonk2Client,
    id: OrgId,
    body: Changes,
}

impl AlterOrganisation<'_> {
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
                    .param("org_id", self.id.as_str())
                    .python_json(&self.body),
            )
            .await?;
        Ok(())
    }
}
