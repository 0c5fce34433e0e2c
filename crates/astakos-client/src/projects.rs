//! Projects and project applications (#29–#34 of the reference).

use crate::ids::{ApplicationId, ProjectId, Uuid};
use crate::models::projects::{
    ApplicationAction, NewProject, Project, ProjectAction, ProjectApplicationRef, ProjectMode,
    ProjectState,
};
use crate::{known_action, required};
use serde::Serialize;
use std::collections::BTreeMap;
use tenantry_core::encode::QueryStyle::PythonQuotePlus;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const LIST: Decl =
    Decl::get("astakos.get_projects", "{ACCOUNT}/projects").query_style(PythonQuotePlus);
const GET: Decl = Decl::get("astakos.get_project", "{ACCOUNT}/projects/{id}");
const CREATE: Decl = Decl::post("astakos.create_project", "{ACCOUNT}/projects");
/// Not re-sent once it may have arrived: each PUT submits an application.
const MODIFY: Decl =
    Decl::put("astakos.modify_project", "{ACCOUNT}/projects/{id}").non_idempotent();
const ACTION: Decl = Decl::post("astakos.project_action", "{ACCOUNT}/projects/{id}/action");
const APPLICATION_ACTION: Decl = Decl::post(
    "astakos.application_action",
    "{ACCOUNT}/projects/{id}/action",
);

handler!(
    /// Project calls; see [`AstakosClient::projects`](crate::AstakosClient::projects).
    ProjectsHandler,
    /// Project calls (user token).
    projects
);
handler!(
    /// Application calls; see [`AstakosClient::applications`](crate::AstakosClient::applications).
    ApplicationsHandler,
    /// Project application calls (user token).
    applications
);

impl<'a> ProjectsHandler<'a> {
    /// `get_projects(name, state, owner, mode)`: `GET {ACCOUNT}/projects`
    /// with the filters that are set (and, as the reference sends it,
    /// `content-type: application/json` on this GET).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
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
        ListProjects::new(self.client)
    }

    /// `get_project(project_id)`: `GET {ACCOUNT}/projects/{id}`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let p = client.projects().get(&astakos_client::ProjectId::new("p1")?).await?;
    /// # let _ = p; Ok(()) }
    /// ```
    pub async fn get(&self, project: &ProjectId) -> Result<Project> {
        let c = self.client;
        let op = c.bare(&GET).await?.param("id", project.as_str());
        c.call(op).await
    }

    /// `create_project(specs)`: `POST {ACCOUNT}/projects` with the
    /// [`spec`](CreateProject::spec) (required; its `name`, not empty, and
    /// `end_date` are checked before sending).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::models::{NewProject, ResourceCapacity};
    /// let spec = NewProject::new("my.project", "2030-01-01T00:00:00Z")
    ///     .resource("cyclades.vm", ResourceCapacity::new(2, 10));
    /// let created = client.projects().create().spec(spec).send().await?;
    /// # let _ = created; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateProject<'a> {
        CreateProject::new(self.client)
    }

    /// `modify_project(project_id, specs)`: `PUT {ACCOUNT}/projects/{id}`
    /// with the keys to change (the [`spec`](ModifyProject::spec),
    /// required; a new application). Not re-sent once it may have arrived:
    /// each PUT submits an application.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::NewProject, ProjectId};
    /// let r = client
    ///     .projects()
    ///     .modify(&ProjectId::new("p1")?)
    ///     .spec(NewProject::changes().max_members(20))
    ///     .send()
    ///     .await?;
    /// # let _ = r; Ok(()) }
    /// ```
    pub fn modify(&self, project: &ProjectId) -> ModifyProject<'a> {
        ModifyProject::new(self.client, project.clone())
    }

    /// `project_action(project_id, action, reason="")`: `POST
    /// {ACCOUNT}/projects/{id}/action` with `{"<action>": {"reason": r}}`.
    /// The action (required) and the reason go in the builder. A missing or
    /// unknown action is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::ProjectAction, ProjectId};
    /// client
    ///     .projects()
    ///     .action(&ProjectId::new("p1")?)
    ///     .action(ProjectAction::Suspend)
    ///     .reason("abuse")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn action(&self, project: &ProjectId) -> ProjectActionRequest<'a> {
        ProjectActionRequest::new(self.client, project.clone())
    }
}

builder!(
    /// Builder of [`ProjectsHandler::create`].
    CreateProject {} {
        /// The body (required): at least `name` and `end_date`.
        spec: NewProject,
    }
);

impl CreateProject<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<ProjectApplicationRef> {
        let spec = required("spec", self.spec)?;
        if spec.name.as_deref().unwrap_or("").is_empty() {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        if spec.end_date.as_deref().unwrap_or("").is_empty() {
            return Err(Error::invalid_input("end_date", "is required"));
        }
        let c = self.client;
        let op = c.op(&CREATE).await?.python_json(&spec);
        c.call(op).await
    }
}

builder!(
    /// Builder of [`ProjectsHandler::modify`].
    ModifyProject { project: ProjectId } {
        /// The body (required): only the keys to change.
        spec: NewProject,
    }
);

impl ModifyProject<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<ProjectApplicationRef> {
        let spec = required("spec", self.spec)?;
        if spec.name.as_deref() == Some("") {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        let c = self.client;
        let op = c.op(&MODIFY).await?.param("id", self.project.as_str());
        c.call(op.python_json(&spec)).await
    }
}

builder!(
    /// Builder of [`ProjectsHandler::list`]; its fields are the query, in the
    /// reference's order.
    ListProjects {} {
        /// Only projects of this owner.
        owner: Uuid,
        /// Only projects in this state.
        state: ProjectState,
        /// Only projects with this name (not empty).
        name: String,
        /// The listing mode.
        mode: ProjectMode,
    }
);

impl ListProjects<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<Vec<Project>> {
        if self.name.as_deref() == Some("") {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        if let Some(s) = self.state.as_ref().filter(|s| s.as_str().is_empty()) {
            return Err(Error::invalid_input("state", format!("`{s}`")));
        }
        let c = self.client;
        let op = c.bare(&LIST).await?.query_from(&self);
        c.call(op.header("content-type", "application/json")).await
    }
}

builder!(
    /// Builder of [`ProjectsHandler::action`].
    ProjectActionRequest { project: ProjectId } {
        /// The action (required).
        action: ProjectAction,
        /// The reason (default empty).
        reason: String,
    }
);

impl ProjectActionRequest<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let action = known_action(self.action, ProjectAction::is_unknown)?;
        #[derive(Serialize)]
        struct Reason {
            reason: String,
        }
        let c = self.client;
        let reason = Reason {
            reason: self.reason.unwrap_or_default(),
        };
        let body = BTreeMap::from([(action.as_str(), reason)]);
        let op = c.op(&ACTION).await?.param("id", self.project.as_str());
        c.call_unit(op.python_json(&body)).await
    }
}

impl<'a> ApplicationsHandler<'a> {
    /// `application_action(project_id, app_id, action, reason="")`: `POST
    /// {ACCOUNT}/projects/{id}/action` with `{"<action>": {"reasons": r,
    /// "app_id": id}}`. The application is named by its project and its
    /// id; the action (required) and the reason go in the builder. A
    /// missing or unknown action is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::ApplicationAction, ApplicationId, ProjectId};
    /// client
    ///     .applications()
    ///     .action(&ProjectId::new("p1")?, ApplicationId(7))
    ///     .action(ApplicationAction::Approve)
    ///     .reason("ok")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn action(
        &self,
        project: &ProjectId,
        app_id: ApplicationId,
    ) -> ApplicationActionRequest<'a> {
        ApplicationActionRequest::new(self.client, project.clone(), app_id)
    }
}

builder!(
    /// Builder of [`ApplicationsHandler::action`].
    ApplicationActionRequest { project: ProjectId, app_id: ApplicationId } {
        /// The action (required).
        action: ApplicationAction,
        /// The reason (default empty). Sent as `reasons`, as the reference
        /// does; a 0.19 server reads `reason` and ignores it.
        reason: String,
    }
);

impl ApplicationActionRequest<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let action = known_action(self.action, ApplicationAction::is_unknown)?;
        #[derive(Serialize)]
        struct Reasons {
            reasons: String,
            app_id: ApplicationId,
        }
        let c = self.client;
        let reasons = Reasons {
            reasons: self.reason.unwrap_or_default(),
            app_id: self.app_id,
        };
        let body = BTreeMap::from([(action.as_str(), reasons)]);
        let op = c.op(&APPLICATION_ACTION).await?;
        let op = op.param("id", self.project.as_str());
        c.call_unit(op.python_json(&body)).await
    }
}
