//! EMC v2 operations (`etunexus.md` §5, #1–#23): [`Emc2::groups`],
//! [`Emc2::users`], [`Emc2::apps`], [`Emc2::data_sources`],
//! [`Emc2::system_info`], [`Emc2::audit_logs`].
//!
//! Writes are whole objects, as the reference sends them (quirk §10.6):
//! every key, `null`s included, the id in the path *and* in the body, POST
//! for updates. Answers are bare JSON; a delete answers the bare id, which
//! is checked.

use crate::client::Emc2;
use crate::enums::{AppId, DataSourceContentType};
use crate::ids::{DataSourceId, GroupId, UserId};
use crate::models::emc::{
    AppInfo, AppPermission, AppRole, AuditLog, DataSource, DataSourceSchema, ExporterSetting,
    Group, SystemInfo, User,
};
use crate::wire::check_echo;
use serde::Deserialize;
use serde_json::Value;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result, Secret};
use time::OffsetDateTime;

const GROUPS: Decl = Decl::get("emc.get_groups", "/group");
const ADD_GROUP: Decl = Decl::post("emc.add_group", "/group");
const UPDATE_GROUP: Decl = Decl::post("emc.update_group", "/group/{id}");
const DEL_GROUP: Decl = Decl::delete("emc.del_group", "/group/{id}");
const ME: Decl = Decl::get("emc.me", "/user/me");
const USERS: Decl = Decl::get("emc.get_users", "/group/{gid}/user");
const ADD_USER: Decl = Decl::post("emc.add_user", "/group/{gid}/user");
const UPDATE_USER: Decl = Decl::post("emc.update_user", "/user/{id}");
const DEL_USER: Decl = Decl::delete("emc.del_user", "/user/{id}");
const CHANGE_PASSWORD: Decl = Decl::post("emc.change_user_password", "/user/{id}/password");
const APPS: Decl = Decl::get("emc.get_apps", "/app");
const APP_PERMISSION: Decl = Decl::get("emc.get_app_permission", "/app/{app}/permission");
const APP_ROLES: Decl = Decl::get("emc.get_app_roles", "/app/{app}/role");
// A whole-object replace of one role: sending it twice does no harm.
const UPDATE_APP_ROLE: Decl = Decl::post("emc.update_app_role", "/app/{app}/role").idempotent();
const DATA_SOURCES: Decl = Decl::get("emc.get_data_sources", "/group/{gid}/data-source");
const ADD_DATA_SOURCE: Decl = Decl::post("emc.add_data_source", "/group/{gid}/data-source");
const UPDATE_DATA_SOURCE: Decl = Decl::post("emc.update_data_source", "/data-source/{id}");
const DEL_DATA_SOURCE: Decl = Decl::delete("emc.del_data_source", "/data-source/{id}");
const EXPORTER: Decl = Decl::get("emc.get_exporter_setting", "/data-source/{id}/exporter");
const UPDATE_EXPORTER: Decl =
    Decl::post("emc.update_exporter_setting", "/data-source/{id}/exporter");
const SCHEMA: Decl = Decl::get("emc.get_data_source_schema", "/data-source/schema/{ct}");
const SYSTEM_INFO: Decl = Decl::get("emc.get_system_info", "/system/version");
const AUDIT: Decl = Decl::get("emc.get_audit_logs", "/audit");

fn non_empty(field: &str, v: &str) -> Result<()> {
    if v.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    Ok(())
}

fn need<T: Copy>(field: &str, v: Option<T>) -> Result<T> {
    v.ok_or_else(|| Error::invalid_input(field, "is required (the object has no id yet)"))
}

/// An application id the servers know: `Unknown(…)` is refused.
fn known_app(field: &str, app: &AppId) -> Result<()> {
    if app.is_unknown() || app.as_str().is_empty() {
        return Err(Error::invalid_input(
            field,
            format!(
                "`{}` is not an Etu Nexus application (ETU-SHIELD, ETU-RECOMMENDER, ETU-INSIGHT)",
                app.as_str()
            ),
        ));
    }
    Ok(())
}

impl Emc2 {
    /// Groups (`/group`).
    pub fn groups(&self) -> GroupsHandler<'_> {
        GroupsHandler { emc: self }
    }
    /// Users (`/user`, `/group/{gid}/user`).
    pub fn users(&self) -> UsersHandler<'_> {
        UsersHandler { emc: self }
    }
    /// Applications, their permissions and roles (`/app`).
    pub fn apps(&self) -> AppsHandler<'_> {
        AppsHandler { emc: self }
    }
    /// Data sources, exporters and schemas (`/data-source`).
    pub fn data_sources(&self) -> DataSourcesHandler<'_> {
        DataSourcesHandler { emc: self }
    }

    /// `GET /system/version` (#22).
    ///
    /// ```no_run
    /// # async fn run(emc: etunexus::Emc2) -> etunexus::Result<()> {
    /// println!("{}", emc.system_info().await?.version);
    /// # Ok(()) }
    /// ```
    pub async fn system_info(&self) -> Result<SystemInfo> {
        self.app.api.call(&SYSTEM_INFO.op()).await
    }

    /// `GET /audit?startTime=…&endTime=…` (#23): the audit log of a time
    /// range (epoch ms on the wire); a builder, `.start(..)` and `.end(..)`
    /// required. An end before the start is refused (field `end_time`),
    /// before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(emc: etunexus::Emc2) -> etunexus::Result<()> {
    /// let now = time::OffsetDateTime::now_utc();
    /// let log = emc.audit_logs().start(now - time::Duration::days(1)).end(now).send().await?;
    /// println!("{} events", log.events.len());
    /// # Ok(()) }
    /// ```
    pub fn audit_logs(&self) -> AuditQuery<'_> {
        AuditQuery {
            emc: self,
            start: None,
            end: None,
        }
    }
}

/// An audit-log query; from [`Emc2::audit_logs`].
#[derive(Debug)]
pub struct AuditQuery<'a> {
    emc: &'a Emc2,
    start: Option<OffsetDateTime>,
    end: Option<OffsetDateTime>,
}

impl AuditQuery<'_> {
    /// Range start.
    pub fn start(mut self, t: OffsetDateTime) -> Self {
        self.start = Some(t);
        self
    }
    /// Range end (not before the start).
    pub fn end(mut self, t: OffsetDateTime) -> Self {
        self.end = Some(t);
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<AuditLog> {
        let start_time = self
            .start
            .ok_or_else(|| Error::invalid_input("start_time", "is required"))?;
        let end_time = self
            .end
            .ok_or_else(|| Error::invalid_input("end_time", "is required"))?;
        crate::wire::check_range(&start_time, &end_time, "end_time")?;
        let ms = |field: &str, t| {
            crate::millis::to_ms(t)
                .filter(|ms| *ms > 0)
                .ok_or_else(|| Error::invalid_input(field, "must be after 1970"))
        };
        let op = AUDIT
            .op()
            .query("startTime", ms("start_time", start_time)?.to_string())
            .query("endTime", ms("end_time", end_time)?.to_string());
        self.emc.app.api.call(&op).await
    }
}

/// Groups. From [`Emc2::groups`].
#[derive(Debug, Clone, Copy)]
pub struct GroupsHandler<'a> {
    emc: &'a Emc2,
}

impl GroupsHandler<'_> {
    /// `GET /group` (#1).
    ///
    /// ```no_run
    /// # async fn run(emc: etunexus::Emc2) -> etunexus::Result<()> {
    /// let workshop = emc.groups().list().await?.into_iter().find(|g| g.name == "workshop");
    /// # let _ = workshop; Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Group>> {
        self.emc.app.api.call(&GROUPS.op()).await
    }

    /// `POST /group` with the whole group (#2; `id` and `createTime` go
    /// as `null`). Name and display name must not be empty.
    pub async fn create(&self, group: &Group) -> Result<Group> {
        non_empty("name", &group.name)?;
        non_empty("display_name", &group.display_name)?;
        self.emc
            .app
            .api
            .call(&ADD_GROUP.op().python_json(group))
            .await
    }

    /// `POST /group/{id}` with the whole group (#3). A group without an id
    /// is refused (the reference requests `/group/None`).
    pub async fn update(&self, group: &Group) -> Result<Group> {
        let id = need("id", group.id)?;
        non_empty("name", &group.name)?;
        non_empty("display_name", &group.display_name)?;
        let op = UPDATE_GROUP
            .op()
            .param("id", &id.to_string())
            .python_json(group);
        self.emc.app.api.call(&op).await
    }

    /// `DELETE /group/{id}` (#4); the answer must echo the id.
    pub async fn delete(&self, id: &GroupId) -> Result<()> {
        let got: Value = self
            .emc
            .app
            .api
            .call(&DEL_GROUP.op().param("id", &id.to_string()))
            .await?;
        check_echo(DEL_GROUP.name, id.get(), &got)
    }
}

/// Users. From [`Emc2::users`].
#[derive(Debug, Clone, Copy)]
pub struct UsersHandler<'a> {
    emc: &'a Emc2,
}

fn check_user(user: &User) -> Result<()> {
    non_empty("name", &user.name)?;
    non_empty("display_name", &user.display_name)?;
    for r in &user.roles {
        known_app("roles.app_id", &r.app_id)?;
        if r.role_name.as_str().is_empty() {
            return Err(Error::invalid_input("roles.role_name", "must not be empty"));
        }
    }
    Ok(())
}

impl UsersHandler<'_> {
    /// `GET /user/me` (#5): the logged-in user (or the one impersonated).
    pub async fn me(&self) -> Result<User> {
        self.emc.app.api.call(&ME.op()).await
    }

    /// `GET /group/{gid}/user` (#6).
    pub async fn list(&self, group: &GroupId) -> Result<Vec<User>> {
        self.emc
            .app
            .api
            .call(&USERS.op().param("gid", &group.to_string()))
            .await
    }

    /// `POST /group/{gid}/user` with the whole user, password included
    /// (#7). An empty name, or a role for an application that is not one
    /// of the three, is refused before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(emc: etunexus::Emc2, gid: etunexus::GroupId) -> etunexus::Result<()> {
    /// use etunexus::{models::emc::User, Secret};
    /// let u = User::new("new_workshop_user", "New workshop user", Secret::new("password"));
    /// let created = emc.users().create(&gid, &u).await?;
    /// # let _ = created; Ok(()) }
    /// ```
    pub async fn create(&self, group: &GroupId, user: &User) -> Result<User> {
        check_user(user)?;
        let op = ADD_USER
            .op()
            .param("gid", &group.to_string())
            .python_json(&user.body()?);
        self.emc.app.api.call(&op).await
    }

    /// `POST /user/{id}` with the whole user (#8; roles included). A user
    /// without an id is refused (the reference requests `/user/None`).
    pub async fn update(&self, user: &User) -> Result<User> {
        let id = need("id", user.id)?;
        check_user(user)?;
        let op = UPDATE_USER
            .op()
            .param("id", &id.to_string())
            .python_json(&user.body()?);
        self.emc.app.api.call(&op).await
    }

    /// `DELETE /user/{id}` (#9); the answer must echo the id.
    pub async fn delete(&self, id: &UserId) -> Result<()> {
        let got: Value = self
            .emc
            .app
            .api
            .call(&DEL_USER.op().param("id", &id.to_string()))
            .await?;
        check_echo(DEL_USER.name, id.get(), &got)
    }

    /// `POST /user/{id}/password` with `{"password": …}` (#10); the answer
    /// must echo the id. An empty password is refused.
    pub async fn change_password(&self, id: &UserId, password: &Secret) -> Result<()> {
        if password.is_empty() {
            return Err(Error::invalid_input("password", "must not be empty"));
        }
        let body = serde_json::json!({ "password": password.expose() });
        let op = CHANGE_PASSWORD
            .op()
            .param("id", &id.to_string())
            .python_json(&body)
            .secret(password);
        let got: Value = self.emc.app.api.call(&op).await?;
        check_echo(CHANGE_PASSWORD.name, id.get(), &got)
    }
}

/// Applications. From [`Emc2::apps`].
#[derive(Debug, Clone, Copy)]
pub struct AppsHandler<'a> {
    emc: &'a Emc2,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Permissions {
    app_id: AppId,
    permissions: Vec<AppPermission>,
}

impl AppsHandler<'_> {
    /// `GET /app` (#11).
    pub async fn list(&self) -> Result<Vec<AppInfo>> {
        self.emc.app.api.call(&APPS.op()).await
    }

    /// `GET /app/{app}/permission` (#12): the permission catalogue; the
    /// answer must name the same application.
    pub async fn permissions(&self, app: &AppId) -> Result<Vec<AppPermission>> {
        known_app("app_id", app)?;
        let w: Permissions = self
            .emc
            .app
            .api
            .call(&APP_PERMISSION.op().param("app", app.as_str()))
            .await?;
        if &w.app_id != app {
            return Err(Error::Decode {
                operation: APP_PERMISSION.name.to_owned(),
                status: 200,
                path: "appId".to_owned(),
                message: format!("asked for {app}, the answer is for {}", w.app_id),
                excerpt: String::new(),
            });
        }
        Ok(w.permissions)
    }

    /// `GET /app/{app}/role` (#13).
    pub async fn roles(&self, app: &AppId) -> Result<Vec<AppRole>> {
        known_app("app_id", app)?;
        self.emc
            .app
            .api
            .call(&APP_ROLES.op().param("app", app.as_str()))
            .await
    }

    /// `POST /app/{app}/role` with the whole role (#14). A role with no
    /// permission is refused.
    pub async fn update_role(&self, app: &AppId, role: &AppRole) -> Result<AppRole> {
        known_app("app_id", app)?;
        if role.permissions.is_empty() {
            return Err(Error::invalid_input(
                "permissions",
                "needs at least one permission",
            ));
        }
        let op = UPDATE_APP_ROLE
            .op()
            .param("app", app.as_str())
            .python_json(role);
        self.emc.app.api.call(&op).await
    }
}

/// Data sources. From [`Emc2::data_sources`].
#[derive(Debug, Clone, Copy)]
pub struct DataSourcesHandler<'a> {
    emc: &'a Emc2,
}

fn check_data_source(ds: &DataSource) -> Result<()> {
    non_empty("name", &ds.name)?;
    non_empty("display_name", &ds.display_name)?;
    for a in &ds.app_ids {
        known_app("app_ids", a)?;
    }
    Ok(())
}

impl DataSourcesHandler<'_> {
    /// `GET /group/{gid}/data-source` (#15).
    pub async fn list(&self, group: &GroupId) -> Result<Vec<DataSource>> {
        self.emc
            .app
            .api
            .call(&DATA_SOURCES.op().param("gid", &group.to_string()))
            .await
    }

    /// `POST /group/{gid}/data-source` with the whole data source (#16;
    /// `groupId` goes as it is, `null` for a new one: the path names the
    /// group).
    pub async fn create(&self, group: &GroupId, ds: &DataSource) -> Result<DataSource> {
        check_data_source(ds)?;
        let op = ADD_DATA_SOURCE
            .op()
            .param("gid", &group.to_string())
            .python_json(ds);
        self.emc.app.api.call(&op).await
    }

    /// `POST /data-source/{id}` with the whole data source (#17).
    pub async fn update(&self, ds: &DataSource) -> Result<DataSource> {
        let id = need("id", ds.id)?;
        check_data_source(ds)?;
        let op = UPDATE_DATA_SOURCE
            .op()
            .param("id", &id.to_string())
            .python_json(ds);
        self.emc.app.api.call(&op).await
    }

    /// `DELETE /data-source/{id}` (#18); the answer must echo the id.
    pub async fn delete(&self, id: &DataSourceId) -> Result<()> {
        let got: Value = self
            .emc
            .app
            .api
            .call(&DEL_DATA_SOURCE.op().param("id", &id.to_string()))
            .await?;
        check_echo(DEL_DATA_SOURCE.name, id.get(), &got)
    }

    /// `GET /data-source/{id}/exporter` (#19).
    pub async fn exporter(&self, id: &DataSourceId) -> Result<ExporterSetting> {
        self.emc
            .app
            .api
            .call(&EXPORTER.op().param("id", &id.to_string()))
            .await
    }

    /// `POST /data-source/{id}/exporter` with the whole setting (#20;
    /// `extraSchema` and `baseSchema` as JSON text in strings).
    pub async fn update_exporter(
        &self,
        id: &DataSourceId,
        setting: &ExporterSetting,
    ) -> Result<ExporterSetting> {
        for f in &setting.extra_schema {
            non_empty("extra_schema.name", &f.name)?;
            non_empty("extra_schema.type", &f.field_type)?;
        }
        let op = UPDATE_EXPORTER
            .op()
            .param("id", &id.to_string())
            .python_json(setting);
        self.emc.app.api.call(&op).await
    }

    /// `GET /data-source/schema/{content_type}` (#21). Fields with
    /// `required: false` are read (the reference fails on them, §10.19).
    pub async fn schema(
        &self,
        content_type: &DataSourceContentType,
    ) -> Result<Vec<DataSourceSchema>> {
        non_empty("content_type", content_type.as_str())?;
        self.emc
            .app
            .api
            .call(&SCHEMA.op().param("ct", content_type.as_str()))
            .await
    }
}
