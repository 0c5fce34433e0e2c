//! Projects and project applications (#29–#34 of the reference).

use crate::client::{bare_op, join, join_id, json_op, with_query, AstakosClient};
use crate::error::{AstakosError, Result};
use crate::ids::{ApplicationId, ProjectId, Uuid};
use crate::models::projects::{
    ApplicationAction, NewProject, Project, ProjectAction, ProjectApplicationRef, ProjectMode,
    ProjectState,
};
use http::Method;
use serde_json::{json, Map, Value};
use tenantry_core::Idempotency;

/// Project calls; see [`AstakosClient::projects`].
#[derive(Debug, Clone, Copy)]
pub struct Projects<'a> {
    client: &'a AstakosClient,
}

/// Application calls; see [`AstakosClient::applications`].
#[derive(Debug, Clone, Copy)]
pub struct Applications<'a> {
    client: &'a AstakosClient,
}

impl AstakosClient {
    /// Project calls (user token).
    pub fn projects(&self) -> Projects<'_> {
        Projects { client: self }
    }
    /// Project application calls (user token).
    pub fn applications(&self) -> Applications<'_> {
        Applications { client: self }
    }
}

impl<'a> Projects<'a> {
    /// `get_projects(name, state, owner, mode)`: `GET {ACCOUNT}/projects`
    /// with the filters that are set (and, as the reference sends it,
    /// `content-type: application/json` on this GET).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::models::ProjectState;
    /// let projects = client
    ///     .projects()
    ///     .list()
    ///     .name("x")
    ///     .state(ProjectState::Active)
    ///     .send()
    ///     .await?;
    /// # let _ = projects; Ok(()) }
    /// ```
    pub fn list(&self) -> ListProjects<'a> {
        ListProjects {
            client: self.client,
            name: None,
            state: None,
            owner: None,
            mode: None,
        }
    }

    /// `get_project(project_id)`: `GET {ACCOUNT}/projects/{id}`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let p = client.projects().get(&astakos_client::ProjectId::new("p1")?).await?;
    /// # let _ = p; Ok(()) }
    /// ```
    pub async fn get(&self, project: &ProjectId) -> Result<Project> {
        let c = self.client;
        let path = join_id(&c.account_path("projects").await?, project.as_str());
        c.call(bare_op(
            "astakos.get_project",
            Method::GET,
            "{ACCOUNT}/projects/{id}",
            path,
        ))
        .await
    }

    /// `create_project(specs)`: `POST {ACCOUNT}/projects`. `name` (not
    /// empty) and `end_date` are required before sending.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::models::{NewProject, ResourceCapacity};
    /// let spec = NewProject::new("my.project", "2030-01-01T00:00:00Z")
    ///     .resource("cyclades.vm", ResourceCapacity::new(2, 10));
    /// let created = client.projects().create(&spec).await?;
    /// # let _ = created; Ok(()) }
    /// ```
    pub async fn create(&self, spec: &NewProject) -> Result<ProjectApplicationRef> {
        match spec.name.as_deref() {
            None | Some("") => return Err(AstakosError::bad_value("name", "must not be empty")),
            Some(_) => {}
        }
        if spec.end_date.as_deref().unwrap_or("").is_empty() {
            return Err(AstakosError::bad_value("end_date", "is required"));
        }
        let c = self.client;
        let path = c.account_path("projects").await?;
        let op = json_op(
            "astakos.create_project",
            Method::POST,
            "{ACCOUNT}/projects",
            path,
            spec,
        )?;
        c.call(op).await
    }

    /// `modify_project(project_id, specs)`: `PUT {ACCOUNT}/projects/{id}`
    /// with the keys to change (a new application). Not re-sent once it may
    /// have arrived: each PUT submits an application.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::NewProject, ProjectId};
    /// let r = client
    ///     .projects()
    ///     .modify(&ProjectId::new("p1")?, &NewProject::changes().max_members(20))
    ///     .await?;
    /// # let _ = r; Ok(()) }
    /// ```
    pub async fn modify(
        &self,
        project: &ProjectId,
        changes: &NewProject,
    ) -> Result<ProjectApplicationRef> {
        if changes.name.as_deref() == Some("") {
            return Err(AstakosError::bad_value("name", "must not be empty"));
        }
        let c = self.client;
        let path = join_id(&c.account_path("projects").await?, project.as_str());
        let op = json_op(
            "astakos.modify_project",
            Method::PUT,
            "{ACCOUNT}/projects/{id}",
            path,
            changes,
        )?
        .idempotency(Idempotency::NonIdempotent);
        c.call(op).await
    }

    /// `project_action(project_id, action, reason="")`: `POST
    /// {ACCOUNT}/projects/{id}/action` with `{"<action>": {"reason": r}}`.
    /// An unknown action is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::ProjectAction, ProjectId};
    /// client
    ///     .projects()
    ///     .action(&ProjectId::new("p1")?, ProjectAction::Suspend)
    ///     .reason("abuse")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn action(&self, project: &ProjectId, action: ProjectAction) -> ProjectActionRequest<'a> {
        ProjectActionRequest {
            client: self.client,
            project: project.clone(),
            action,
            reason: String::new(),
        }
    }
}

/// Builder of [`Projects::list`].
#[derive(Debug)]
pub struct ListProjects<'a> {
    client: &'a AstakosClient,
    name: Option<String>,
    state: Option<ProjectState>,
    owner: Option<Uuid>,
    mode: Option<ProjectMode>,
}

impl ListProjects<'_> {
    /// Only projects with this name (not empty).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// Only projects in this state.
    pub fn state(mut self, v: ProjectState) -> Self {
        self.state = Some(v);
        self
    }
    /// Only projects of this owner.
    pub fn owner(mut self, v: Uuid) -> Self {
        self.owner = Some(v);
        self
    }
    /// The listing mode.
    pub fn mode(mut self, v: ProjectMode) -> Self {
        self.mode = Some(v);
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Vec<Project>> {
        if self.name.as_deref() == Some("") {
            return Err(AstakosError::bad_value("name", "must not be empty"));
        }
        if let Some(s) = self.state.as_ref().filter(|s| s.as_str().is_empty()) {
            return Err(AstakosError::bad_value("state", format!("`{s}`")));
        }
        let c = self.client;
        let path = c.account_path("projects").await?;
        let q = [
            ("owner", self.owner.as_ref().map(Uuid::as_str)),
            ("state", self.state.as_ref().map(ProjectState::as_str)),
            ("name", self.name.as_deref()),
            ("mode", self.mode.as_ref().map(ProjectMode::as_str)),
        ];
        let op = bare_op(
            "astakos.get_projects",
            Method::GET,
            "{ACCOUNT}/projects",
            with_query(path, &q),
        )
        .header("content-type", "application/json");
        c.call(op).await
    }
}

/// Builder of [`Projects::action`].
#[derive(Debug)]
pub struct ProjectActionRequest<'a> {
    client: &'a AstakosClient,
    project: ProjectId,
    action: ProjectAction,
    reason: String,
}

impl ProjectActionRequest<'_> {
    /// The reason (default empty).
    pub fn reason(mut self, v: impl Into<String>) -> Self {
        self.reason = v.into();
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        if self.action.is_unknown() {
            return Err(AstakosError::bad_value(
                "action",
                format!("`{}` is not a project action", self.action),
            ));
        }
        let c = self.client;
        let path = join(
            &join_id(&c.account_path("projects").await?, self.project.as_str()),
            "action",
        );
        let mut body = Map::new();
        body.insert(
            self.action.as_str().to_owned(),
            json!({ "reason": self.reason }),
        );
        let op = json_op(
            "astakos.project_action",
            Method::POST,
            "{ACCOUNT}/projects/{id}/action",
            path,
            &Value::Object(body),
        )?;
        c.call_unit(op).await
    }
}

impl<'a> Applications<'a> {
    /// `application_action(project_id, app_id, action, reason="")`: `POST
    /// {ACCOUNT}/projects/{id}/action` with `{"<action>": {"reasons": r,
    /// "app_id": id}}`. The application is named by its project and its
    /// id. An unknown action is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::ApplicationAction, ApplicationId, ProjectId};
    /// client
    ///     .applications()
    ///     .action((&ProjectId::new("p1")?, ApplicationId(7)), ApplicationAction::Approve)
    ///     .reason("ok")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn action(
        &self,
        application: (&ProjectId, ApplicationId),
        action: ApplicationAction,
    ) -> ApplicationActionRequest<'a> {
        ApplicationActionRequest {
            client: self.client,
            project: application.0.clone(),
            application: application.1,
            action,
            reason: String::new(),
        }
    }
}

#[derive(serde::Serialize)]
struct ReasonsBody<'s> {
    reasons: &'s str,
    app_id: ApplicationId,
}

/// Builder of [`Applications::action`].
#[derive(Debug)]
pub struct ApplicationActionRequest<'a> {
    client: &'a AstakosClient,
    project: ProjectId,
    application: ApplicationId,
    action: ApplicationAction,
    reason: String,
}

impl ApplicationActionRequest<'_> {
    /// The reason (default empty). Sent as `reasons`, as the reference does;
    /// a 0.19 server reads `reason` and ignores it.
    pub fn reason(mut self, v: impl Into<String>) -> Self {
        self.reason = v.into();
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let action = self.action;
        if action.is_unknown() {
            return Err(AstakosError::bad_value(
                "action",
                format!("`{action}` is not an application action"),
            ));
        }
        let c = self.client;
        let path = join(
            &join_id(&c.account_path("projects").await?, self.project.as_str()),
            "action",
        );
        let body = std::collections::BTreeMap::from([(
            action.as_str(),
            ReasonsBody {
                reasons: &self.reason,
                app_id: self.application,
            },
        )]);
        let op = json_op(
            "astakos.application_action",
            Method::POST,
            "{ACCOUNT}/projects/{id}/action",
            path,
            &body,
        )?;
        c.call_unit(op).await
    }
}
