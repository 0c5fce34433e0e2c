//! Quotas of the user, of every user of a service, of projects (#16–#18 of
//! the reference).

use crate::ids::{ProjectId, Uuid};
use crate::models::quotas::{ProjectQuotas, Quotas, ServiceQuotas};
use tenantry_core::encode::QueryStyle::PythonQuotePlus;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const GET_QUOTAS: Decl = Decl::get("astakos.get_quotas", "{ACCOUNT}/quotas");
const SERVICE_QUOTAS: Decl = Decl::get("astakos.service_get_quotas", "{ACCOUNT}/service_quotas")
    .query_style(PythonQuotePlus);
const PROJECT_QUOTAS: Decl = Decl::get(
    "astakos.service_get_project_quotas",
    "{ACCOUNT}/service_project_quotas",
)
.query_style(PythonQuotePlus);

handler!(
    /// Quota calls; see [`AstakosClient::quotas`](crate::AstakosClient::quotas).
    QuotasHandler,
    /// Quota calls.
    quotas
);

/// Serializes a list filter comma-joined, as the reference sends it.
pub(crate) fn comma<T: AsRef<str>, S: serde::Serializer>(
    v: &Option<Vec<T>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let joined = v.iter().flatten().map(AsRef::as_ref);
    s.serialize_str(&joined.collect::<Vec<_>>().join(","))
}

impl<'a> QuotasHandler<'a> {
    /// `get_quotas()`: `GET {ACCOUNT}/quotas`, the caller's quotas (user
    /// token).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// for (source, resources) in client.quotas().get().await? {
    ///     for (resource, q) in resources {
    ///         println!("{source} {resource}: {:?}/{:?}", q.usage, q.limit);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(&self) -> Result<Quotas> {
        let c = self.client;
        let op = c.bare(&GET_QUOTAS).await?;
        c.call(op).await
    }

    /// `service_get_quotas(user=None, project_id=None)`: `GET
    /// {ACCOUNT}/service_quotas`, quotas of the service's users (service
    /// token), optionally filtered.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Uuid;
    /// let q = client
    ///     .quotas()
    ///     .service_quotas()
    ///     .users([Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?])
    ///     .send()
    ///     .await?;
    /// # let _ = q; Ok(()) }
    /// ```
    pub fn service_quotas(&self) -> ServiceQuotasRequest<'a> {
        ServiceQuotasRequest::new(self.client)
    }

    /// `service_get_project_quotas(project_id=None)`: `GET
    /// {ACCOUNT}/service_project_quotas`, project-level quotas (service
    /// token).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::ProjectId;
    /// let q = client.quotas().project_quotas().projects([ProjectId::new("p1")?]).send().await?;
    /// # let _ = q; Ok(()) }
    /// ```
    pub fn project_quotas(&self) -> ProjectQuotasRequest<'a> {
        ProjectQuotasRequest::new(self.client)
    }
}

builder!(
    /// Builder of [`QuotasHandler::service_quotas`]; its fields are the query.
    ServiceQuotasRequest {} {
        /// The `project` filter (comma-joined).
        #[serde(rename = "project", serialize_with = "comma")]
        projects: [ProjectId],
        /// The `user` filter (comma-joined; an empty list sends `user=`, as
        /// the reference does).
        #[serde(rename = "user", serialize_with = "comma")]
        users: [Uuid],
    }
);

impl ServiceQuotasRequest<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<ServiceQuotas> {
        let c = self.client;
        let op = c.bare(&SERVICE_QUOTAS).await?.query_from(&self);
        c.call(op).await
    }
}

builder!(
    /// Builder of [`QuotasHandler::project_quotas`]; its fields are the query.
    ProjectQuotasRequest {} {
        /// The `project` filter (comma-joined).
        #[serde(rename = "project", serialize_with = "comma")]
        projects: [ProjectId],
    }
);

impl ProjectQuotasRequest<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<ProjectQuotas> {
        let c = self.client;
        let op = c.bare(&PROJECT_QUOTAS).await?.query_from(&self);
        c.call(op).await
    }
}
