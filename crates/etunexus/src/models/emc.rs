//! EMC v2 models (`emc.py`, `etunexus.md` §8.1): 14 classes.

use super::{masked, null_default, Extra};
use crate::enums::{AppId, AppRoleName, DataSourceContentType, DataSourceType};
use crate::ids::{DataSourceId, GroupId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenantry_core::Secret;
use time::OffsetDateTime;

/// An application (`AppInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppInfo {
    /// Its id.
    pub id: AppId,
    /// Its version.
    pub version: String,
    /// Console URL.
    #[serde(default)]
    pub console: Option<String>,
    /// Image URL.
    #[serde(default)]
    pub image: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A permission of an application (`AppPermission`); `level` is 0
/// FORBIDDEN, 1 VIEW, 2 SAVE, 3 DELETE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppPermission {
    /// Category.
    pub category: String,
    /// Id.
    pub id: String,
    /// Level.
    pub level: u32,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AppPermission {
    /// A permission.
    pub fn new(category: impl Into<String>, id: impl Into<String>, level: u32) -> Self {
        AppPermission {
            category: category.into(),
            id: id.into(),
            level,
            extra: Extra::new(),
        }
    }
}

/// A role of an application and its permissions (`AppRole`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppRole {
    /// Role name.
    pub name: AppRoleName,
    /// Its permissions (the reference requires at least one).
    pub permissions: Vec<AppPermission>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AppRole {
    /// A role.
    pub fn new(name: AppRoleName, permissions: Vec<AppPermission>) -> Self {
        AppRole {
            name,
            permissions,
            extra: Extra::new(),
        }
    }
}

/// A group (`Group`). Written whole: `id` and `createTime` go as `null`
/// on create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// Id (`None` before it is created).
    #[serde(default)]
    pub id: Option<GroupId>,
    /// Name (the CAS login's group part).
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Creation time.
    #[serde(default, with = "crate::millis::opt")]
    pub create_time: Option<OffsetDateTime>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Group {
    /// A new group.
    ///
    /// ```
    /// let g = etunexus::models::emc::Group::new("workshop", "Workshop");
    /// assert!(g.id.is_none());
    /// ```
    pub fn new(name: impl Into<String>, display_name: impl Into<String>) -> Self {
        Group {
            id: None,
            name: name.into(),
            display_name: display_name.into(),
            create_time: None,
            extra: Extra::new(),
        }
    }
}

/// A role of a user in one application (`UserRole`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserRole {
    /// The role.
    pub role_name: AppRoleName,
    /// The application.
    pub app_id: AppId,
}

impl UserRole {
    /// A role in an application.
    pub fn new(role_name: AppRoleName, app_id: AppId) -> Self {
        UserRole { role_name, app_id }
    }
}

/// A user (`User`). Written whole (all 9 keys); the password is sent only
/// on create (`None` on update: the server keeps it; change it with
/// `users().change_password`), and it is masked when a `User` is written
/// out anywhere else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// Id (`None` before it is created).
    #[serde(default)]
    pub id: Option<UserId>,
    /// Login name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Password (create only).
    #[serde(default, serialize_with = "masked")]
    pub password: Option<Secret>,
    /// Department (`""` for none; a `null` reads as `""`).
    #[serde(default, deserialize_with = "null_default")]
    pub department: String,
    /// Mail (`""` for none).
    #[serde(default, deserialize_with = "null_default")]
    pub mail: String,
    /// Roles per application.
    #[serde(default, deserialize_with = "null_default")]
    pub roles: Vec<UserRole>,
    /// Creation time.
    #[serde(default, with = "crate::millis::opt")]
    pub create_time: Option<OffsetDateTime>,
    /// Last update time.
    #[serde(default, with = "crate::millis::opt")]
    pub last_update_time: Option<OffsetDateTime>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl User {
    /// A new user, as the quick start builds it.
    ///
    /// ```
    /// use etunexus::{models::emc::User, Secret};
    /// let u = User::new("new_workshop_user", "New workshop user", Secret::new("pw"));
    /// assert!(!format!("{u:?}").contains("pw\""));
    /// ```
    pub fn new(name: impl Into<String>, display_name: impl Into<String>, password: Secret) -> Self {
        User {
            id: None,
            name: name.into(),
            display_name: display_name.into(),
            password: Some(password),
            department: String::new(),
            mail: String::new(),
            roles: Vec::new(),
            create_time: None,
            last_update_time: None,
            extra: Extra::new(),
        }
    }

    /// The request body: every key, the password's real value.
    pub(crate) fn body(&self) -> tenantry_core::Result<Value> {
        let mut v = serde_json::to_value(self)
            .map_err(|e| tenantry_core::Error::invalid_input("user", e.to_string()))?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "password".to_owned(),
                match &self.password {
                    Some(p) => Value::String(p.expose().to_owned()),
                    None => Value::Null,
                },
            );
        }
        Ok(v)
    }
}

/// An event collector's settings (`EventCollector`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventCollector {
    /// Accepted domain (`*`: all).
    pub host_name: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl EventCollector {
    /// A collector accepting `host_name` (`*` for all).
    pub fn new(host_name: impl Into<String>) -> Self {
        EventCollector {
            host_name: host_name.into(),
            extra: Extra::new(),
        }
    }
}

/// A data source (`DataSource`). `type` and `eventCollector` are sent only
/// when set (the reference's event-collector initialiser); any other `type`
/// is kept (the reference drops it on parse).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DataSource {
    /// Id (`None` before it is created).
    #[serde(default)]
    pub id: Option<DataSourceId>,
    /// Owning group (`null` on create: the path names the group).
    #[serde(default)]
    pub group_id: Option<GroupId>,
    /// Name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Applications that use it.
    pub app_ids: Vec<AppId>,
    /// What it holds.
    pub content_type: DataSourceContentType,
    /// How it is fed.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub source_type: Option<DataSourceType>,
    /// The event collector (with `EVENT_COLLECTOR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_collector: Option<EventCollector>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl DataSource {
    /// A new data source.
    pub fn new(
        name: impl Into<String>,
        display_name: impl Into<String>,
        app_ids: Vec<AppId>,
        content_type: DataSourceContentType,
    ) -> Self {
        DataSource {
            id: None,
            group_id: None,
            name: name.into(),
            display_name: display_name.into(),
            app_ids,
            content_type,
            source_type: None,
            event_collector: None,
            extra: Extra::new(),
        }
    }

    /// Makes it an event-collector source accepting `host_name` (the
    /// reference's `init_event_collector`).
    pub fn event_collector(mut self, host_name: impl Into<String>) -> Self {
        self.source_type = Some(DataSourceType::EventCollector);
        self.event_collector = Some(EventCollector::new(host_name));
        self
    }
}

/// A field the exporter adds (`ExporterExtraSchema`); `link` `""` means a
/// first-level collector parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExporterExtraSchema {
    // In the order the reference's `json.dumps` writes them (the text is
    // sent inside a string, so the bytes are compared).
    /// Field type (`string`, `int`, …).
    #[serde(rename = "type")]
    pub field_type: String,
    /// Link.
    #[serde(default)]
    pub link: String,
    /// Field name.
    pub name: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ExporterExtraSchema {
    /// A field.
    pub fn new(
        name: impl Into<String>,
        field_type: impl Into<String>,
        link: impl Into<String>,
    ) -> Self {
        ExporterExtraSchema {
            name: name.into(),
            field_type: field_type.into(),
            link: link.into(),
            extra: Extra::new(),
        }
    }
}

/// An event-collector data source's exporter (`ExporterSetting`).
/// `extraSchema` and `baseSchema` travel as JSON text inside a string
/// (quirk §10.8); here they are typed lists. `initalConvetTime` is spelled
/// as the wire spells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExporterSetting {
    /// Whether it runs.
    pub enabled: bool,
    /// Initial conversion time (`initalConvetTime`).
    #[serde(rename = "initalConvetTime", default, with = "crate::millis::opt")]
    pub initial_convert_time: Option<OffsetDateTime>,
    /// Tuple key (default `ptuple`).
    #[serde(default = "d_tuple_key")]
    pub tuple_key: String,
    /// Extra fields (JSON text in a string on the wire).
    #[serde(default, with = "super::json_in_string")]
    pub extra_schema: Vec<ExporterExtraSchema>,
    /// Parsing format (default `NginxPlusLogParserDriver`).
    #[serde(default = "d_parsing_format")]
    pub parsing_format: String,
    /// Base fields (JSON text in a string on the wire).
    #[serde(default, with = "super::json_in_string")]
    pub base_schema: Vec<ExporterExtraSchema>,
    /// Last update time.
    #[serde(default, with = "crate::millis::opt")]
    pub update_time: Option<OffsetDateTime>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

fn d_tuple_key() -> String {
    "ptuple".to_owned()
}
fn d_parsing_format() -> String {
    "NginxPlusLogParserDriver".to_owned()
}

impl ExporterSetting {
    /// The reference's defaults: `ptuple`, `NginxPlusLogParserDriver`, no
    /// schemas, the initial conversion time now (whole seconds).
    pub fn new(enabled: bool) -> Self {
        let now = OffsetDateTime::now_utc();
        ExporterSetting {
            enabled,
            initial_convert_time: now.replace_nanosecond(0).ok(),
            tuple_key: d_tuple_key(),
            extra_schema: Vec::new(),
            parsing_format: d_parsing_format(),
            base_schema: Vec::new(),
            update_time: None,
            extra: Extra::new(),
        }
    }
}

/// A field of a data source's schema (`DataSourceSchema`). `required:
/// false` is accepted (the reference fails on it, §10.19).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DataSourceSchema {
    /// Field name.
    pub name: String,
    /// Field type.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Whether it is required.
    pub required: bool,
    /// Link (behavior sources).
    #[serde(default)]
    pub link: Option<String>,
    /// Whether it is the key (item, userprofile, userrank).
    #[serde(default)]
    pub key: Option<bool>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The server's version (`SystemInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SystemInfo {
    /// Version.
    pub version: String,
    /// Build.
    pub build: String,
    /// Branch.
    pub branch: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One audited call (`AuditLogEvent`); `msg` is `[Method]…;[Arguments]…;`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditLogEvent {
    /// When.
    #[serde(with = "crate::millis::req")]
    pub event_time: OffsetDateTime,
    /// Who (user id).
    pub user_id: u64,
    /// Who (`group\user`).
    pub group_user: String,
    /// What.
    pub msg: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The audit log of a time range (`AuditLog`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditLog {
    /// Range start.
    #[serde(with = "crate::millis::req")]
    pub start_time: OffsetDateTime,
    /// Range end.
    #[serde(with = "crate::millis::req")]
    pub end_time: OffsetDateTime,
    /// The events (may be empty).
    #[serde(default, deserialize_with = "null_default")]
    pub events: Vec<AuditLogEvent>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
