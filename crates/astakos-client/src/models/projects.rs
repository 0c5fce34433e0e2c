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
    /// Sets `name`.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// Sets `end_date`.
    pub fn end_date(mut self, v: impl Into<String>) -> Self {
        self.end_date = Some(v.into());
        self
    }
    /// Sets `owner`.
    pub fn owner(mut self, v: Uuid) -> Self {
        self.owner = Some(v);
        self
    }
    /// Sets `start_date`.
    pub fn start_date(mut self, v: impl Into<String>) -> Self {
        self.start_date = Some(v.into());
        self
    }
    /// Sets `homepage`.
    pub fn homepage(mut self, v: impl Into<String>) -> Self {
        self.homepage = Some(v.into());
        self
    }
    /// Sets `description`.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }
    /// Sets `comments`.
    pub fn comments(mut self, v: impl Into<String>) -> Self {
        self.comments = Some(v.into());
        self
    }
    /// Sets `join_policy`.
    pub fn join_policy(mut self, v: MemberPolicy) -> Self {
        self.join_policy = Some(v);
        self
    }
    /// Sets `leave_policy`.
    pub fn leave_policy(mut self, v: MemberPolicy) -> Self {
        self.leave_policy = Some(v);
        self
    }
    /// Sets `max_members`.
    pub fn max_members(mut self, v: u64) -> Self {
        self.max_members = Some(v);
        self
    }
    /// Sets `private`.
    pub fn private(mut self, v: bool) -> Self {
        self.private = Some(v);
        self
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_with_unknowns_round_trips() {
        let j = r#"{"id": "a1b2", "state": "frozen", "name": "p", "owner": "u1",
          "join_policy": "moderated", "leave_policy": "by-lottery", "max_members": 10,
          "private": false, "system_project": false,
          "resources": {"cyclades.vm": {"member_capacity": 2, "project_capacity": 4}},
          "last_application": {"id": 7, "state": "pending", "resources": {}, "x": 1},
          "sparkle": [1]}"#;
        let p: Project = serde_json::from_str(j).unwrap();
        assert_eq!(p.state, Some(ProjectState::Unknown("frozen".into())));
        assert_eq!(
            p.leave_policy,
            Some(MemberPolicy::Unknown("by-lottery".into()))
        );
        assert_eq!(p.last_application.as_ref().unwrap().id, ApplicationId(7));
        assert_eq!(p.extra["sparkle"][0], 1);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["state"], "frozen");
        let back: Project = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn membership_with_unknowns_round_trips() {
        let j = r#"{"id": 3, "user": "u1", "project": "p1", "state": "pending_review",
          "allowed_actions": ["accept", "shrug"], "requested": "2014-01-01T00:00:00Z"}"#;
        let m: Membership = serde_json::from_str(j).unwrap();
        assert_eq!(
            m.state,
            Some(MembershipState::Unknown("pending_review".into()))
        );
        assert_eq!(m.allowed_actions[0], MembershipAction::Accept);
        assert!(m.allowed_actions[1].is_unknown());
        assert_eq!(m.extra["requested"], "2014-01-01T00:00:00Z");
        let back: Membership = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn enums_round_trip() {
        fn check<T>(known: &[T], unknown: &str)
        where
            T: serde::Serialize
                + serde::de::DeserializeOwned
                + PartialEq
                + std::fmt::Debug
                + std::fmt::Display
                + std::str::FromStr,
        {
            for k in known {
                let s = serde_json::to_string(k).unwrap();
                assert_eq!(&serde_json::from_str::<T>(&s).unwrap(), k);
                assert_eq!(s, format!("\"{k}\""));
            }
            let u: T = serde_json::from_str(&format!("\"{unknown}\"")).unwrap();
            assert_eq!(u.to_string(), unknown);
            assert_eq!(serde_json::to_string(&u).unwrap(), format!("\"{unknown}\""));
        }
        check(ProjectState::KNOWN, "hibernating");
        check(ProjectMode::KNOWN, "weird");
        check(ProjectAction::KNOWN, "explode");
        check(ApplicationAction::KNOWN, "ponder");
        check(ApplicationState::KNOWN, "limbo");
        check(MemberPolicy::KNOWN, "lottery");
        check(MembershipState::KNOWN, "ghost");
        check(MembershipAction::KNOWN, "haunt");
        assert_eq!(
            "leave_requested".parse::<MembershipState>().ok(),
            Some(MembershipState::LeaveRequested)
        );
    }

    #[test]
    fn new_project_sends_only_set_keys() {
        let p = NewProject::new("n", "2030-01-01T00:00:00Z")
            .max_members(3)
            .resource("cyclades.vm", ResourceCapacity::new(1, 2))
            .field("custom", Value::from(true));
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name": "n", "end_date": "2030-01-01T00:00:00Z", "max_members": 3,
              "resources": {"cyclades.vm": {"member_capacity": 1, "project_capacity": 2}},
              "custom": true})
        );
    }
}
