//! Typed ids: one macro makes a newtype per id kind (`id_type!` for text,
//! `int_id_type!` for positive integers), so a user id can never
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

/// Declares a positive integer id newtype (`u64`, `0` refused) with
/// `Display`, `FromStr`, `TryFrom<u64>`, `get` and serde (transparent).
///
/// ```
/// tenantry_core::int_id_type!(
///     /// A widget number.
///     WidgetNo
/// );
/// assert_eq!(WidgetNo::new(3)?.to_string(), "3");
/// assert!(WidgetNo::new(0).is_err());
/// assert!("-1".parse::<WidgetNo>().is_err());
/// assert_eq!(WidgetNo::try_from(7)?.get(), 7);
/// # Ok::<(), tenantry_core::Error>(())
/// ```
#[macro_export]
macro_rules! int_id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            /// Validates and wraps an id (it must be greater than 0).
            pub fn new(value: u64) -> $crate::Result<Self> {
                if value == 0 {
                    return Err($crate::Error::invalid_input(stringify!($name), "must be greater than 0"));
                }
                Ok($name(value))
            }
            /// The id as a number.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                let n = s.parse::<u64>().map_err(|_| {
                    $crate::Error::invalid_input(stringify!($name), "must be a positive integer")
                })?;
                Self::new(n)
            }
        }

        impl ::std::convert::TryFrom<u64> for $name {
            type Error = $crate::Error;
            fn try_from(v: u64) -> $crate::Result<Self> {
                Self::new(v)
            }
        }
    };
}

/// Declares an open enum of server strings (STYLE R7): the known values map
/// to their exact wire strings, anything else is kept as sent in
/// `Unknown(String)`. It gets `as_str`, `Display`, `FromStr` (infallible),
/// `From<&str>`, serde through the string form, `KNOWN` (every known value)
/// and `is_unknown`. The enum is `#[non_exhaustive]`.
///
/// ```
/// tenantry_core::string_enum!(
///     /// A widget's state.
///     WidgetState {
///         /// `active`.
///         Active => "active",
///         /// `on hold` (a space on the wire).
///         OnHold => "on hold",
///     }
/// );
/// assert_eq!(WidgetState::OnHold.to_string(), "on hold");
/// assert_eq!("active".parse::<WidgetState>(), Ok(WidgetState::Active));
/// let odd: WidgetState = serde_json::from_str("\"melted\"")?;
/// assert_eq!(odd, WidgetState::Unknown("melted".to_owned()));
/// assert_eq!(serde_json::to_string(&odd)?, "\"melted\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, kept as sent.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire form.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// True for [`Unknown`](Self::Unknown).
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok($name::from(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok($name::from(&*s))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::string_enum!(
        /// A test enum.
        Colour {
            /// `red`.
            Red => "red",
            /// `dark blue`: the wire string is not the variant's name.
            DarkBlue => "dark blue",
        }
    );

    #[test]
    fn string_enum_round_trips_known_and_unknown_values() {
        for (value, wire) in [
            (Colour::Red, "red"),
            (Colour::DarkBlue, "dark blue"),
            (Colour::Unknown("Red".to_owned()), "Red"),
            (Colour::Unknown(String::new()), ""),
        ] {
            assert_eq!(value.as_str(), wire);
            assert_eq!(value.to_string(), wire);
            assert_eq!(wire.parse::<Colour>().unwrap(), value);
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, serde_json::to_string(wire).unwrap());
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), value);
        }
        // An escaped string (not borrowable) still decodes.
        assert_eq!(
            serde_json::from_str::<Colour>(r#""dark\u0020blue""#).unwrap(),
            Colour::DarkBlue
        );
        assert!(Colour::Unknown("x".into()).is_unknown());
        assert_eq!(Colour::KNOWN, &[Colour::Red, Colour::DarkBlue]);
        assert!(serde_json::from_str::<Colour>("1").is_err());
    }
}
