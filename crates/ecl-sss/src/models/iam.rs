//! IAM groups (`/iam/groups`, §3.7) and roles (`/iam/roles`, §3.8).

use super::Extra;
use crate::ids::{ContractId, IamGroupId, IamRoleId, UserId};
use serde::{Deserialize, Serialize};

tenantry_core::string_enum!(
    /// The HTTP verb of a whitelist rule.
    IamVerb {
        /// `GET`.
        Get => "GET",
        /// `PUT`.
        Put => "PUT",
        /// `POST`.
        Post => "POST",
        /// `DELETE`.
        Delete => "DELETE",
        /// `*`: any verb.
        Any => "*",
    }
);

/// An IAM group.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IamGroup {
    /// The group id.
    pub iam_group_id: Option<IamGroupId>,
    /// Its name.
    pub iam_group_name: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Owning contract.
    pub contract_id: Option<ContractId>,
    /// The roles assigned to it.
    pub iam_roles: Option<Vec<IamGroupRole>>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A role as a group lists it, or the answer to assigning one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IamGroupRole {
    /// The group (assign answers).
    pub iam_group_id: Option<IamGroupId>,
    /// The group's name (assign answers).
    pub iam_group_name: Option<String>,
    /// The role.
    pub iam_role_id: Option<IamRoleId>,
    /// The role's name.
    pub iam_role_name: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The answer to assigning a user to a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IamGroupUser {
    /// The group.
    pub iam_group_id: Option<IamGroupId>,
    /// The group's name.
    pub iam_group_name: Option<String>,
    /// The user.
    pub user_id: Option<UserId>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A group with its users (`GET /iam/groups/{id}/users`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IamGroupUsers {
    /// The group.
    pub iam_group_id: Option<IamGroupId>,
    /// The group's name.
    pub iam_group_name: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// The users, `[{user_id}]` on the wire.
    #[serde(default)]
    pub users: Vec<IamGroupUser>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An IAM role: a whitelist of API calls.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IamRole {
    /// The role id.
    pub iam_role_id: Option<IamRoleId>,
    /// Its name.
    pub iam_role_name: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Owning contract.
    pub contract_id: Option<ContractId>,
    /// Its rules (OR-ed).
    pub resources: Option<Vec<IamResource>>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One whitelist rule of an IAM role; `*` is a wildcard. Also the request
/// form: build it with [`IamResource::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IamResource {
    /// The API (`/ecl-sss`, `/ecl-keystone`, …).
    #[serde(rename = "basePath", skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    /// Source IP address, or `*`.
    #[serde(rename = "ipAddress", skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// URL path, or `*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// HTTP verb.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verb: Option<IamVerb>,
    /// Extra keys that must match query or body values.
    #[serde(flatten)]
    pub extra: Extra,
}

impl IamResource {
    /// A rule allowing `verb` on `path` of `base_path` from `ip_address`.
    ///
    /// ```
    /// use ecl_sss::models::{IamResource, IamVerb};
    /// let r = IamResource::new("/ecl-sss", "*", "*", IamVerb::Get);
    /// assert_eq!(
    ///     serde_json::to_value(&r).unwrap(),
    ///     serde_json::json!({"basePath": "/ecl-sss", "ipAddress": "*", "path": "*", "verb": "GET"})
    /// );
    /// ```
    pub fn new(
        base_path: impl Into<String>,
        ip_address: impl Into<String>,
        path: impl Into<String>,
        verb: IamVerb,
    ) -> Self {
        IamResource {
            base_path: Some(base_path.into()),
            ip_address: Some(ip_address.into()),
            path: Some(path.into()),
            verb: Some(verb),
            extra: Extra::new(),
        }
    }
}
