//! Wire encodings shared by the service crates: the query string from a
//! serde builder (form style, or Python 2 `urllib.urlencode` style where a
//! reference client's exact bytes matter), and JSON as Python's
//! `json.dumps` writes it.

use crate::error::{Error, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

/// How query pairs are percent-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum QueryStyle {
    /// `application/x-www-form-urlencoded` (WHATWG): space as `+`; `*`,
    /// `-`, `.`, `_` pass.
    #[default]
    Form,
    /// Python 2 `urllib.quote_plus` on keys and values: only
    /// `A–Z a–z 0–9 _ . -` pass, space as `+`, the rest `%XX` (UTF-8).
    PythonQuotePlus,
}

/// Python 2 `quote_plus`'s safe set.
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC.remove(b'_').remove(b'.').remove(b'-');

/// Python 2 `urllib.quote_plus`.
///
/// ```
/// assert_eq!(tenantry_core::encode::quote_plus("a b~*é"), "a+b%7E%2A%C3%A9");
/// ```
pub fn quote_plus(s: &str) -> String {
    utf8_percent_encode(s, QUOTE_PLUS)
        .to_string()
        .replace("%20", "+")
}

/// `k=v&k=v` in the given order, encoded in `style`.
pub fn encode_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)], style: QueryStyle) -> String {
    match style {
        QueryStyle::Form => {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                s.append_pair(k.as_ref(), v.as_ref());
            }
            s.finish()
        }
        QueryStyle::PythonQuotePlus => pairs
            .iter()
            .map(|(k, v)| format!("{}={}", quote_plus(k.as_ref()), quote_plus(v.as_ref())))
            .collect::<Vec<_>>()
            .join("&"),
    }
}

/// The pairs of a serde struct (a builder whose optional fields are
/// `skip_serializing_if = "Option::is_none"`), in field order.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct List { #[serde(skip_serializing_if = "Option::is_none")] name: Option<String>, limit: u32 }
/// let q = tenantry_core::encode::query_pairs(&List { name: None, limit: 5 })?;
/// assert_eq!(q, vec![("limit".to_owned(), "5".to_owned())]);
/// # Ok::<(), tenantry_core::Error>(())
/// ```
pub fn query_pairs<T: Serialize + ?Sized>(query: &T) -> Result<Vec<(String, String)>> {
    let text = serde_urlencoded::to_string(query)
        .map_err(|e| Error::invalid_input("query", e.to_string()))?;
    Ok(form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// JSON as Python's `json.dumps` writes it: `", "` and `": "` separators,
/// non-ASCII escaped as `\uXXXX` (surrogate pairs beyond the BMP).
///
/// ```
/// let v = serde_json::json!({"accept": [56, 57], "name": "é"});
/// let b = tenantry_core::encode::python_json(&v)?;
/// assert_eq!(b, br#"{"accept": [56, 57], "name": "\u00e9"}"#);
/// # Ok::<(), tenantry_core::Error>(())
/// ```
pub fn python_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| Error::invalid_input("body", format!("cannot encode as JSON: {e}")))?;
    Ok(out)
}

struct PyFormatter;

impl serde_json::ser::Formatter for PyFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if fragment.is_ascii() {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if !c.is_ascii() {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_plus_matches_python() {
        assert_eq!(quote_plus("x~y/z:w,@"), "x%7Ey%2Fz%3Aw%2C%40");
        assert_eq!(quote_plus("a+b*"), "a%2Bb%2A");
        assert_eq!(
            encode_pairs(
                &[("feedback_data", "a&b=c"), ("feedback_msg", "hello world")],
                QueryStyle::PythonQuotePlus
            ),
            "feedback_data=a%26b%3Dc&feedback_msg=hello+world"
        );
        assert_eq!(
            encode_pairs(&[("a", "x*~ y")], QueryStyle::Form),
            "a=x*%7E+y"
        );
    }

    #[test]
    fn python_json_escapes_like_json_dumps() {
        assert_eq!(
            String::from_utf8(python_json("é😀\"\n").unwrap()).unwrap(),
            r#""\u00e9\ud83d\ude00\"\n""#
        );
        assert_eq!(python_json(&serde_json::json!([])).unwrap(), b"[]");
    }
}
