//! Projects, applications and memberships.

use crate::ids::{ApplicationId, MembershipId, ProjectId, Uuid};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

super::string_enum!(
    /// The state of a project (also a `get_projects` filter).
    ProjectState {
        /// `uninitialized`.
        Uninitialized => "uninitialized",
        /// `active`.
        Active => "active",
        /// `suspended`.
        Suspended => "suspended",
        /// `terminated`.
        Terminated => "terminated",
        /// `deleted`.
        Deleted => "deleted",
    }
);

super::string_enum!(
    /// The `mode` filter of `get_projects`.
    ProjectMode {
        /// Projects the user is a member of.
        Member => "member",
        /// Projects related to the user.
        Related => "related",
        /// The server's default.
        Default => "default",
        /// Active projects.
        Active => "active",
    }
);

super::string_enum!(
    /// An action on a project.
    ProjectAction {
        /// `terminate`.
        Terminate => "terminate",
        /// `suspend`.
        Suspend => "suspend",
        /// `unsuspend`.
        Unsuspend => "unsuspend",
        /// `reinstate`.
        Reinstate => "reinstate",
    }
);

super::string_enum!(
    /// An action on a project application.
    ApplicationAction {
        /// `approve`.
        Approve => "approve",
        /// `deny`.
        Deny => "deny",
        /// `dismiss`.
        Dismiss => "dismiss",
        /// `cancel`.
        Cancel => "cancel",
    }
);

super::string_enum!(
    /// The state of a project application.
    ApplicationState {
        /// `pending`.
        Pending => "pending",
        /// `approved`.
        Approved => "approved",
        /// `replaced`.
        Replaced => "replaced",
        /// `denied`.
        Denied => "denied",
        /// `dismissed`.
        Dismissed => "dismissed",
        /// `cancelled`.
        Cancelled => "cancelled",
    }
);

super::string_enum!(
    /// A join or leave policy.
    MemberPolicy {
        /// `auto`.
        Auto => "auto",
        /// `moderated`.
        Moderated => "moderated",
        /// `closed`.
        Closed => "closed",
    }
);

super::string_enum!(
    /// The state of a membership.
    MembershipState {
        /// `requested`.
        Requested => "requested",
        /// `accepted`.
        Accepted => "accepted",
        /// `leave_requested`.
        LeaveRequested => "leave_requested",
        /// `suspended`.
        Suspended => "suspended",
        /// `rejected`.
        Rejected => "rejected",
        /// `cancelled`.
        Cancelled => "cancelled",
        /// `removed`.
        Removed => "removed",
    }
);

super::string_enum!(
    /// An action on a membership.
    MembershipAction {
        /// `leave`.
        Leave => "leave",
        /// `cancel`.
        Cancel => "cancel",
        /// `accept`.
        Accept => "accept",
        /// `reject`.
        Reject => "reject",
        /// `remove`.
        Remove => "remove",
    }
);

/// Per-member and per-project capacity of one resource in a project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct ResourceCapacity {
    /// `member_capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_capacity: Option<i64>,
    /// `project_capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_capacity: Option<i64>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResourceCapacity {
    /// Both capacities.
    pub fn new(member_capacity: i64, project_capacity: i64) -> Self {
        ResourceCapacity {
            member_capacity: Some(member_capacity),
            project_capacity: Some(project_capacity),
            extra: Map::new(),
        }
    }
}

/// A project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Project {
    /// `id`.
    pub id: ProjectId,
    /// `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ProjectState>,
    /// `creation_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `owner` (a user uuid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Uuid>,
    /// `homepage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `end_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// `join_policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_policy: Option<MemberPolicy>,
    /// `leave_policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_policy: Option<MemberPolicy>,
    /// `max_members`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_members: Option<u64>,
    /// `private`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    /// `system_project`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_project: Option<bool>,
    /// `resources`.
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceCapacity>,
    /// `last_application` (owners and applicants only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_application: Option<Application>,
    /// `deactivation_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivation_date: Option<String>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A project application.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Application {
    /// `id`.
    pub id: ApplicationId,
    /// `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ApplicationState>,
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `owner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Uuid>,
    /// `applicant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Uuid>,
    /// `homepage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `start_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// `end_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// `comments`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    /// `join_policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_policy: Option<MemberPolicy>,
    /// `leave_policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_policy: Option<MemberPolicy>,
    /// `max_members`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_members: Option<u64>,
    /// `private`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    /// `resources`.
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceCapacity>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `create_project` / `modify_project` (the reference's
/// `specs`). Only the keys that are set are sent; `extra` is sent as is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct NewProject {
    /// `name` (required on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `end_date` (required on create), ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// `owner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Uuid>,
    /// `start_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// `homepage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `comments`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    /// `join_policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_policy: Option<MemberPolicy>,
    /// `leave_policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_policy: Option<MemberPolicy>,
    /// `max_members`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_members: Option<u64>,
    /// `private`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    /// `resources`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<BTreeMap<String, ResourceCapacity>>,
    /// Other keys, sent as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NewProject {
    /// A spec with the two keys a creation requires.
    pub fn new(name: impl Into<String>, end_date: impl Into<String>) -> Self {
        NewProject {
            name: Some(name.into()),
            end_date: Some(end_date.into()),
            ..Default::default()
        }
    }
    /// An empty spec (for `modify`: only the keys that are set change).
    pub fn changes() -> Self {
        Self::default()
    }
    /// Sets the capacities of one resource.
    pub fn resource(mut self, name: impl Into<String>, capacity: ResourceCapacity) -> Self {
        self.resources
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), capacity);
        self
    }
    /// Sets any other key.
    pub fn field(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }
}

setters! {
    NewProject {
        /// Sets `name`.
        name: String,
        /// Sets `end_date`.
        end_date: String,
        /// Sets `owner`.
        owner: Uuid,
        /// Sets `start_date`.
        start_date: String,
        /// Sets `homepage`.
        homepage: String,
        /// Sets `description`.
        description: String,
        /// Sets `comments`.
        comments: String,
        /// Sets `join_policy`.
        join_policy: MemberPolicy,
        /// Sets `leave_policy`.
        leave_policy: MemberPolicy,
        /// Sets `max_members`.
        max_members: u64,
        /// Sets `private`.
        private: bool,
    }
}

/// The answer of create/modify project: `{"id", "application"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct ProjectApplicationRef {
    /// The project id.
    pub id: ProjectId,
    /// The application id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<ApplicationId>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A project membership. The per-state dates (`"accepted": "<date>"`, …)
/// are in `extra`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Membership {
    /// `id`.
    pub id: MembershipId,
    /// `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Uuid>,
    /// `project`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectId>,
    /// `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MembershipState>,
    /// `allowed_actions`.
    #[serde(default)]
    pub allowed_actions: Vec<MembershipAction>,
    /// Per-state dates and unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of join/enroll: `{"id": <membership id>}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct MembershipRef {
    /// The membership id.
    pub id: MembershipId,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
