//! Event streams.

use super::Extra;
use crate::ids::EventStreamId;
use serde::{Deserialize, Serialize};

tenantry_core::string_enum!(
    /// How events are written (`EventStreamFormat`, §5.1).
    EventStreamFormat {
        /// `JSON_STRING`.
        JsonString => "JSON_STRING",
        /// `PROTOCOL_STRING`.
        ProtocolString => "PROTOCOL_STRING",
    }
);

/// The caller's event stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventStream {
    /// Its id.
    pub id: Option<EventStreamId>,
    /// Its format.
    pub format: Option<EventStreamFormat>,
    /// Where to read it (a web-socket URL).
    pub location: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
