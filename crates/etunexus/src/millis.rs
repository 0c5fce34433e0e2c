//! Timestamps: the wire keeps epoch milliseconds (JSON integers,
//! `etunexus.md` §10 item 15); models hold [`OffsetDateTime`] (UTC).

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;

/// Epoch milliseconds to a time; `None` when out of `time`'s range.
pub fn from_ms(ms: i64) -> Option<OffsetDateTime> {
    let nanos = i128::from(ms).checked_mul(1_000_000)?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// A time to epoch milliseconds (sub-millisecond parts dropped); `None`
/// when it does not fit an `i64`.
pub fn to_ms(t: OffsetDateTime) -> Option<i64> {
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).ok()
}

/// serde for `Option<OffsetDateTime>` as epoch milliseconds or `null`.
pub mod opt {
    use super::*;

    /// Writes milliseconds, or `null`.
    pub fn serialize<S: Serializer>(v: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => {
                let ms = to_ms(*t)
                    .ok_or_else(|| serde::ser::Error::custom("time out of range for ms"))?;
                s.serialize_i64(ms)
            }
            None => s.serialize_none(),
        }
    }

    /// Reads milliseconds (an integer, or a float with no fraction) or
    /// `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let v: Option<serde_json::Number> = Option::deserialize(d)?;
        let Some(n) = v else { return Ok(None) };
        let ms = n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| serde::de::Error::custom(format!("`{n}` is not epoch milliseconds")))?;
        from_ms(ms)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("`{ms}` ms is out of range")))
    }
}

/// serde for a required `OffsetDateTime` as epoch milliseconds.
pub mod req {
    use super::*;

    /// Writes milliseconds.
    pub fn serialize<S: Serializer>(v: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        super::opt::serialize(&Some(*v), s)
    }

    /// Reads milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        super::opt::deserialize(d)?.ok_or_else(|| serde::de::Error::custom("a time is required"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_milliseconds() {
        let t = from_ms(1_484_113_449_499).unwrap();
        assert_eq!(to_ms(t), Some(1_484_113_449_499));
        assert_eq!(t.year(), 2017);
        assert!(from_ms(i64::MAX).is_none());
    }
}
