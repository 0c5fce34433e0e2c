//! Typed ids, each checked for its form before anything is sent: the
//! servers' ids are positive integers (`etunexus.md` §12.1); gene ids,
//! uids and summary ids are non-empty text without control characters.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use tenantry_core::{Error, Result};

/// A positive integer id: `0` is refused (the reference's `assert id`).
macro_rules! int_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            /// Validates and wraps an id (it must be greater than 0).
            pub fn new(value: u64) -> Result<Self> {
                if value == 0 {
                    return Err(Error::invalid_input(stringify!($name), "must be greater than 0"));
                }
                Ok($name(value))
            }
            /// The id as a number.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                let n = s.parse::<u64>().map_err(|_| {
                    Error::invalid_input(stringify!($name), "must be a positive integer")
                })?;
                Self::new(n)
            }
        }

        impl TryFrom<u64> for $name {
            type Error = Error;
            fn try_from(v: u64) -> Result<Self> {
                Self::new(v)
            }
        }
    };
}

int_id!(
    /// A group id.
    ///
    /// ```
    /// use etunexus::GroupId;
    /// assert_eq!(GroupId::new(2)?.to_string(), "2");
    /// assert!("0".parse::<GroupId>().is_err());
    /// assert!("two".parse::<GroupId>().is_err());
    /// # Ok::<(), etunexus::Error>(())
    /// ```
    GroupId
);
int_id!(
    /// A user id.
    UserId
);
int_id!(
    /// A data source id (the EI `cId`).
    DataSourceId
);
int_id!(
    /// An ER logic id.
    LogicId
);
int_id!(
    /// An ER campaign id.
    CampaignId
);
int_id!(
    /// An ER user filter id.
    UserFilterId
);
int_id!(
    /// An EI band id.
    BandId
);
int_id!(
    /// An EI band category id.
    BandCategoryId
);

/// Non-empty text without control characters.
fn text(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        Err("must not be empty".to_owned())
    } else if s.chars().any(char::is_control) {
        Err("must not contain control characters".to_owned())
    } else {
        Ok(())
    }
}

tenantry_core::id_type!(
    /// A gene id (text, for example `g_age`).
    GeneId,
    text
);

tenantry_core::id_type!(
    /// A customer's uid (text).
    Uid,
    text
);

tenantry_core::id_type!(
    /// An EI summary id (for example `Summary_Revisit_7`).
    SummaryId,
    text
);

tenantry_core::id_type!(
    /// A group or user *name* (the su login takes names, not ids): non-empty,
    /// no whitespace or control characters.
    Name,
    |s: &str| {
        text(s)?;
        if s.chars().any(char::is_whitespace) {
            return Err("must not contain whitespace".to_owned());
        }
        Ok(())
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_checked() {
        assert!(GroupId::new(0).is_err());
        assert_eq!("7".parse::<BandId>().unwrap().get(), 7);
        assert!("-1".parse::<UserId>().is_err());
        assert!("1.5".parse::<LogicId>().is_err());
        let e = "x".parse::<CampaignId>().unwrap_err().to_string();
        assert!(e.contains("CampaignId"), "{e}");
        assert!(GeneId::new("").is_err());
        assert!(Uid::new("a\nb").is_err());
        assert!(Name::new("a b").is_err());
        assert!(Name::new("workshop").is_ok());
        assert_eq!(serde_json::from_str::<GroupId>("4").unwrap().get(), 4);
    }
}
