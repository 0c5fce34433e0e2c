//! The one output renderer every command goes through.
//!
//! Commands return an [`Output`] (a JSON value); [`render`] prints it as
//! pretty JSON or as a table:
//!
//! - an array of objects: one row each, columns from the union of their keys
//!   (in first-seen order);
//! - a single object: `KEY VALUE` rows;
//! - an array of anything else: one item a line;
//! - a scalar: printed plain (strings without quotes); `null`: nothing.
//!
//! Nested values inside a table cell are printed as compact JSON.

use clap::ValueEnum;
use serde_json::{Map, Value};
use std::io::{self, Write};

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Pretty-printed JSON.
    #[default]
    Json,
    /// Aligned text columns.
    Table,
}

/// What a command produced: a JSON value (`null` for "nothing to show").
#[derive(Debug, Clone, PartialEq)]
pub struct Output(pub Value);

impl Output {
    /// Wraps a JSON value.
    pub fn value(v: Value) -> Self {
        Output(v)
    }

    /// Declares the columns of tabular output: `key` first and by default,
    /// `wide` added by `-o wide`. (Stub on this branch: ignored; the table
    /// renderer of the CLI-infrastructure branch implements it.)
    pub fn columns(self, _key: &'static [&'static str], _wide: &'static [&'static str]) -> Self {
        self
    }
}

impl From<Value> for Output {
    fn from(v: Value) -> Self {
        Output::value(v)
    }
}

/// Renders `output` in `format` to `w`.
pub fn render(w: &mut dyn Write, output: &Output, format: Format) -> io::Result<()> {
    let value = &output.0;
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
            writeln!(w, "{text}")
        }
        Format::Table => write_table(w, value),
    }
}

/// The text of a value inside a table cell or a plain line.
fn cell(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Array(_) | Value::Object(_) => v.to_string(),
    };
    s.replace(['\n', '\r', '\t'], " ")
}

fn write_table(w: &mut dyn Write, value: &Value) -> io::Result<()> {
    match value {
        Value::Null => Ok(()),
        Value::Array(items) if items.is_empty() => writeln!(w, "(no items)"),
        Value::Array(items) => {
            let objects: Option<Vec<&Map<String, Value>>> =
                items.iter().map(Value::as_object).collect();
            match objects {
                Some(rows) => {
                    let mut columns: Vec<&str> = Vec::new();
                    for row in &rows {
                        for k in row.keys() {
                            if !columns.contains(&k.as_str()) {
                                columns.push(k);
                            }
                        }
                    }
                    let header: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
                    let body: Vec<Vec<String>> = rows
                        .iter()
                        .map(|row| {
                            columns
                                .iter()
                                .map(|c| row.get(*c).map(cell).unwrap_or_default())
                                .collect()
                        })
                        .collect();
                    write_grid(w, &header, &body)
                }
                None => {
                    for item in items {
                        writeln!(w, "{}", cell(item))?;
                    }
                    Ok(())
                }
            }
        }
        Value::Object(map) => {
            let header = vec!["KEY".to_owned(), "VALUE".to_owned()];
            let body: Vec<Vec<String>> =
                map.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect();
            write_grid(w, &header, &body)
        }
        scalar => writeln!(w, "{}", cell(scalar)),
    }
}

fn write_grid(w: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |w: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(c);
                out.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        writeln!(w, "{}", out.trim_end())
    };
    line(w, header)?;
    let rule: Vec<String> = widths.iter().map(|n| "-".repeat(*n)).collect();
    line(w, &rule)?;
    for row in rows {
        line(w, row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(v: Value) -> String {
        let mut buf = Vec::new();
        render(&mut buf, &Output::value(v), Format::Table).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn array_of_objects_uses_union_of_keys() {
        let t = table(json!([{"id": 1, "name": "a"}, {"id": 22, "extra": true}]));
        assert_eq!(
            t,
            "ID  NAME  EXTRA\n--  ----  -----\n1   a\n22        true\n"
        );
    }

    #[test]
    fn object_is_key_value_rows() {
        // Keys in alphabetical order, so the test holds with or without
        // serde_json's `preserve_order`.
        let t = table(json!({"nested": {"a": 1}, "none": null, "user": "alice"}));
        assert_eq!(
            t,
            "KEY     VALUE\n------  -------\nnested  {\"a\":1}\nnone\nuser    alice\n"
        );
    }

    #[test]
    fn scalars_and_scalar_arrays_are_plain() {
        assert_eq!(table(json!("hello")), "hello\n");
        assert_eq!(table(json!(3)), "3\n");
        assert_eq!(table(json!(["a", 2])), "a\n2\n");
        assert_eq!(table(json!([])), "(no items)\n");
    }

    #[test]
    fn json_is_pretty_and_null_table_is_empty() {
        let mut buf = Vec::new();
        render(&mut buf, &Output::value(json!({"a": 1})), Format::Json).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "{\n  \"a\": 1\n}\n");
        assert_eq!(table(Value::Null), "");
    }
}
