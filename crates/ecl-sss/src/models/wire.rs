//! Wire-only envelopes (`{"users": [...]}`); sibling keys such as
//! `contract_id` are ignored (`ecl-sss.md` §6.1.10).

use serde::Deserialize;

/// `{"<key>": [T]}` for each list wrapper key.
macro_rules! envelope {
    ($name:ident, $key:literal) => {
        #[derive(Debug, Deserialize)]
        pub(crate) struct $name<T> {
            #[serde(rename = $key)]
            pub(crate) items: Vec<T>,
        }
    };
}

envelope!(Users, "users");
envelope!(Tenants, "tenants");
envelope!(Channels, "channels");
envelope!(Contracts, "contracts");
envelope!(IamGroups, "iam_groups");
envelope!(IamRoles, "iam_roles");
