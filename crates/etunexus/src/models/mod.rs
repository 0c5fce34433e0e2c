//! Typed models of the reference's 48 model classes (`etunexus.md` §8):
//! 14 of EMC ([`emc`]), 19 of ER ([`er`]), 15 of EI ([`ei`]).
//!
//! Every struct keeps the fields this version does not know in `extra`
//! (and sends them back on a whole-object write); times are
//! [`OffsetDateTime`](time::OffsetDateTime) while the wire keeps epoch
//! milliseconds. The JSON key names, misspellings included
//! (`initalConvetTime`, `attritubeList`, `ldaModalPath`,
//! `datasource_Iteminfo`), are the wire's.

pub mod ei;
pub mod emc;
pub mod er;

use serde::{Deserialize, Deserializer, Serializer};

/// Fields a model does not name, kept as sent.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A `null` read as the type's default (`""`, `[]`, `false`), as the
/// reference does for `department`, `mail` and `filteringLogicIds`.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A secret written out masked (`"***"`), `null` when unset: answers and
/// models never show it; request bodies put the real value in on their own.
pub(crate) fn masked<S: Serializer>(
    v: &Option<tenantry_core::Secret>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str("***"),
        None => s.serialize_none(),
    }
}

/// JSON text inside a JSON string (ExporterSetting's `extraSchema` and
/// `baseSchema`, quirk §10.8): written as Python's `json.dumps` text in a
/// string; read from a string (as the reference requires) or, leniently,
/// from the array itself.
pub(crate) mod json_in_string {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        let bytes = tenantry_core::encode::python_json(v).map_err(serde::ser::Error::custom)?;
        let text = String::from_utf8(bytes).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
        d: D,
    ) -> Result<T, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(T::default()),
            serde_json::Value::String(s) if s.trim().is_empty() => Ok(T::default()),
            serde_json::Value::String(s) => {
                serde_json::from_str(&s).map_err(serde::de::Error::custom)
            }
            other => serde_json::from_value(other).map_err(serde::de::Error::custom),
        }
    }
}
