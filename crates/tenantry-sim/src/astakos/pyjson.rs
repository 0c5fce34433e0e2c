//! JSON rendered as Django's `json.dumps(obj)` renders it (Python 2,
//! default arguments): `ensure_ascii=True`, so every character outside
//! printable ASCII (`' '..='~'`) is written as `\uXXXX` (a surrogate pair
//! above U+FFFF), and the separators are `", "` and `": "`. The Python 2
//! `astakosclient` decodes answers with `json.loads` on a byte string and
//! then mixes the values with byte strings; raw UTF-8 in an answer makes
//! it raise, `\u` escapes never do.
//!
//! This is a [`serde_json::ser::Formatter`], the library's hook for output
//! shape; serde_json still does the serialising.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};
use serde_json::Value;

/// The formatter: Python's separators and ASCII-only strings.
struct PyFormatter;

impl Formatter for PyFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json has already split out `"`, `\` and C0 controls
        // (they come through `write_char_escape`); what is left is text
        // that may hold DEL and non-ASCII, which Python escapes.
        if fragment.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        // Python writes the same short escapes as serde_json, and other
        // control characters as `\u00XX` (lower-case hex, like serde_json).
        let s: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"\\/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(b) => return write!(w, "\\u{:04x}", b),
        };
        w.write_all(s)
    }
}

/// `value` as `json.dumps(value)` writes it.
pub(super) fn dumps(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let mut ser = Serializer::with_formatter(&mut out, PyFormatter);
    // Writing a `Value` into a Vec cannot fail (no I/O error, string keys
    // only); an empty body would still be noticed by any client.
    if value.serialize(&mut ser).is_err() {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dumps;
    use serde_json::json;

    fn s(v: serde_json::Value) -> String {
        String::from_utf8(dumps(&v)).unwrap()
    }

    #[test]
    fn escapes_like_python_json_dumps() {
        // python2 -c 'import json; print json.dumps({"a": [1, u"\xe9\u20ac\U0001f600\x7f\n\x01\"\\/"]})'
        assert_eq!(
            s(json!({"a": [1, "é€😀\u{7f}\n\u{1}\"\\/"]})),
            r#"{"a": [1, "\u00e9\u20ac\ud83d\ude00\u007f\n\u0001\"\\/"]}"#
        );
        assert_eq!(s(json!({})), "{}");
        assert_eq!(s(json!([])), "[]");
        // Keys in sorted order: the same bytes with or without serde_json's
        // `preserve_order` (the CLI turns it on in a workspace build).
        assert_eq!(
            s(json!({"b": true, "k": null})),
            r#"{"b": true, "k": null}"#
        );
    }

    #[test]
    fn output_is_ascii_and_round_trips() {
        let v = json!({"name": "Ωμέγα project ☃", "x": "plain"});
        let out = dumps(&v);
        assert!(out.is_ascii());
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out).unwrap(),
            v
        );
    }
}
