//! Typed answers, one file per family. Every answer struct is
//! `#[non_exhaustive]`, every field the server does not guarantee is an
//! `Option`, and `extra` keeps every field this version does not model
//! (STYLE R6). The server's enums are open (`Unknown(String)` keeps a
//! value this version does not know, STYLE R7).

pub mod assets;
pub mod charges;
pub mod event_streams;
pub mod merchants;
pub mod organisations;
pub mod products;
pub mod service;
pub(crate) mod wire;

pub use assets::{Asset, AssetScope};
pub use charges::{Action, Charge, Charges};
pub use event_streams::{EventStream, EventStreamFormat};
pub use merchants::Merchant;
pub use organisations::{DefaultProductPrivacy, Member, OrgUnits, Organisation, Unit};
pub use products::{Coins, Product, ProductInfo, ProductType, StorageCost};
pub use service::{Account, Version};

/// The rest of an object: the fields this version does not model.
pub type Extra = serde_json::Map<String, serde_json::Value>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_enums_keep_unknown_values() {
        for (wire, known) in [("\"JSON_STRING\"", true), ("\"AVRO\"", false)] {
            let v: EventStreamFormat = serde_json::from_str(wire).unwrap();
            assert_eq!(!v.is_unknown(), known);
            assert_eq!(serde_json::to_string(&v).unwrap(), wire);
        }
        assert_eq!("TEAM".parse::<AssetScope>().unwrap().as_str(), "TEAM");
        assert_eq!(AssetScope::Organisation.to_string(), "ORGANISATION");
        assert_eq!(
            "DEFAULT_PUBLIC".parse::<DefaultProductPrivacy>().unwrap(),
            DefaultProductPrivacy::DefaultPublic
        );
        let odd: DefaultProductPrivacy = serde_json::from_str("\"SOMETIMES\"").unwrap();
        assert_eq!(odd, DefaultProductPrivacy::Unknown("SOMETIMES".to_owned()));
        assert_eq!(AssetScope::KNOWN.len(), 5);
    }
}
