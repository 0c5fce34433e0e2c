//! Wire-only envelopes (`{"units": [...]}`, `{"id": "..."}`).

use serde::Deserialize;

/// `{"<key>": [T]}` for each list wrapper key (sibling keys such as
/// `count` are ignored).
macro_rules! envelope {
    ($name:ident, $key:literal) => {
        #[derive(Debug, Deserialize)]
        pub(crate) struct $name<T> {
            #[serde(rename = $key)]
            pub(crate) items: Vec<T>,
        }
    };
}

envelope!(Organisations, "organisations");
envelope!(Units, "units");
envelope!(Users, "users");
envelope!(Products, "products");
envelope!(ProductTypes, "product_types");
envelope!(Assets, "assets");
envelope!(Merchants, "merchants");
envelope!(Actions, "actions");

/// A create's answer: `{"id": "<new id>"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Created<T> {
    pub(crate) id: T,
}
