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
