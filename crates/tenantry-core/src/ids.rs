//! Typed ids: one macro makes a newtype per id kind, so a user id can never
//! be passed where a project id is due.

/// Declares a string id newtype with `Display`, `AsRef<str>`, `FromStr`,
/// serde (transparent) and a validation function run by `FromStr` and
/// [`new`](#method.new).
///
/// ```
/// tenantry_core::id_type!(
///     /// A widget id: non-empty.
///     WidgetId, |s: &str| if s.is_empty() { Err("must not be empty".to_owned()) } else { Ok(()) }
/// );
/// let id: WidgetId = "w-1".parse()?;
/// assert_eq!(id.to_string(), "w-1");
/// assert!("".parse::<WidgetId>().is_err());
/// # Ok::<(), tenantry_core::Error>(())
/// ```
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an id.
            pub fn new(value: impl Into<String>) -> $crate::Result<Self> {
                let value = value.into();
                let check: fn(&str) -> ::std::result::Result<(), String> = $check;
                check(&value).map_err(|reason| $crate::Error::invalid_input(stringify!($name), reason))?;
                Ok($name(value))
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                Self::new(s)
            }
        }
    };
}
