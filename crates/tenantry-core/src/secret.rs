//! [`Secret`]: a string that never shows itself in `Debug`, `Display`, logs or errors.

use std::fmt;

/// The mask printed in place of every secret.
pub const MASK: &str = "***";

/// A password, token, ticket or API secret.
///
/// `Debug` and `Display` print `***`; the value is read only through
/// [`Secret::expose`], so every place that puts a secret on the wire is
/// explicit and easy to audit.
///
/// ```
/// use tenantry_core::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().into_boxed_str())
    }

    /// The secret value itself. Call this only where it goes on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// Serializes a [`Secret`] with its real value. Use it only on request
/// bodies: `#[serde(serialize_with = "tenantry_core::secret::expose")]`.
pub fn expose<S: serde::Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask() {
        let s = Secret::new("planted-secret-value");
        assert!(!format!("{s:?}").contains("planted"));
        assert!(!format!("{s}").contains("planted"));
        assert!(!format!("{:?}", Some(&s)).contains("planted"));
        assert_eq!(s.expose(), "planted-secret-value");
    }

    #[test]
    fn deserializes_from_string() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap_or_else(|_| Secret::new(""));
        assert_eq!(s.expose(), "abc");
    }
}
