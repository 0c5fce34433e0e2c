//! Quotas of the user, of every user of a service, of projects (#16–#18 of
//! the reference).

use crate::client::{bare_op, with_query, AstakosClient};
use crate::error::Result;
use crate::ids::{ProjectId, Uuid};
use crate::models::quotas::{ProjectQuotas, Quotas, ServiceQuotas};
use http::Method;

/// Quota calls; see [`AstakosClient::quotas`].
#[derive(Debug, Clone, Copy)]
pub struct QuotasHandler<'a> {
    client: &'a AstakosClient,
}

impl AstakosClient {
    /// Quota calls.
    pub fn quotas(&self) -> QuotasHandler<'_> {
        QuotasHandler { client: self }
    }
}

fn joined<T: AsRef<str>>(v: &[T]) -> String {
    v.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(",")
}

impl<'a> QuotasHandler<'a> {
    /// `get_quotas()`: `GET {ACCOUNT}/quotas`, the caller's quotas (user
    /// token).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
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
        let path = c.account_path("quotas").await?;
        c.call(bare_op(
            "astakos.get_quotas",
            Method::GET,
            "{ACCOUNT}/quotas",
            path,
        ))
        .await
    }

    /// `service_get_quotas(user=None, project_id=None)`: `GET
    /// {ACCOUNT}/service_quotas`, quotas of the service's users (service
    /// token), optionally filtered.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Uuid;
    /// let q = client
    ///     .quotas()
    ///     .service_quotas()
    ///     .user(Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?)
    ///     .send()
    ///     .await?;
    /// # let _ = q; Ok(()) }
    /// ```
    pub fn service_quotas(&self) -> ServiceQuotasRequest<'a> {
        ServiceQuotasRequest {
            client: self.client,
            users: None,
            projects: None,
        }
    }

    /// `service_get_project_quotas(project_id=None)`: `GET
    /// {ACCOUNT}/service_project_quotas`, project-level quotas (service
    /// token).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::ProjectId;
    /// let q = client.quotas().project_quotas().project(ProjectId::new("p1")?).send().await?;
    /// # let _ = q; Ok(()) }
    /// ```
    pub fn project_quotas(&self) -> ProjectQuotasRequest<'a> {
        ProjectQuotasRequest {
            client: self.client,
            projects: None,
        }
    }
}

/// Builder of [`QuotasHandler::service_quotas`].
#[derive(Debug)]
pub struct ServiceQuotasRequest<'a> {
    client: &'a AstakosClient,
    users: Option<Vec<Uuid>>,
    projects: Option<Vec<ProjectId>>,
}

impl ServiceQuotasRequest<'_> {
    /// Adds a user to the `user` filter (comma-joined).
    pub fn user(mut self, user: Uuid) -> Self {
        self.users.get_or_insert_with(Vec::new).push(user);
        self
    }
    /// Sets the `user` filter to these users (an empty list sends `user=`,
    /// as the reference does).
    pub fn users(mut self, users: impl IntoIterator<Item = Uuid>) -> Self {
        self.users = Some(users.into_iter().collect());
        self
    }
    /// Adds a project to the `project` filter (comma-joined).
    pub fn project(mut self, project: ProjectId) -> Self {
        self.projects.get_or_insert_with(Vec::new).push(project);
        self
    }
    /// Sets the `project` filter to these projects.
    pub fn projects(mut self, projects: impl IntoIterator<Item = ProjectId>) -> Self {
        self.projects = Some(projects.into_iter().collect());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<ServiceQuotas> {
        let c = self.client;
        let path = c.account_path("service_quotas").await?;
        let project = self.projects.as_deref().map(joined);
        let user = self.users.as_deref().map(joined);
        c.call(bare_op(
            "astakos.service_get_quotas",
            Method::GET,
            "{ACCOUNT}/service_quotas",
            with_query(
                path,
                &[("project", project.as_deref()), ("user", user.as_deref())],
            ),
        ))
        .await
    }
}

/// Builder of [`QuotasHandler::project_quotas`].
#[derive(Debug)]
pub struct ProjectQuotasRequest<'a> {
    client: &'a AstakosClient,
    projects: Option<Vec<ProjectId>>,
}

impl ProjectQuotasRequest<'_> {
    /// Adds a project to the `project` filter (comma-joined).
    pub fn project(mut self, project: ProjectId) -> Self {
        self.projects.get_or_insert_with(Vec::new).push(project);
        self
    }
    /// Sets the `project` filter to these projects.
    pub fn projects(mut self, projects: impl IntoIterator<Item = ProjectId>) -> Self {
        self.projects = Some(projects.into_iter().collect());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<ProjectQuotas> {
        let c = self.client;
        let path = c.account_path("service_project_quotas").await?;
        let project = self.projects.as_deref().map(joined);
        c.call(bare_op(
            "astakos.service_get_project_quotas",
            Method::GET,
            "{ACCOUNT}/service_project_quotas",
            with_query(path, &[("project", project.as_deref())]),
        ))
        .await
    }
}
