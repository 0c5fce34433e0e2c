//! The one output renderer every command goes through.
//!
//! Commands return an [`Output`]: a JSON value, plus (for resources) the
//! columns a table shows first ([`Output::columns`]) and the columns that
//! hold byte sizes ([`Output::bytes`]). [`render`] prints it in the chosen
//! [`Format`] with the chosen fields (`-f`, [`Rendering::fields`]):
//!
//! - `json` / `yaml`: the value (objects reduced to the `-f` fields);
//! - `table`: an array of objects is one row each: the `-f` fields, else the
//!   declared key columns, else every field (in the order the object was
//!   built) as far as they fit the width; a single object is `KEY VALUE`
//!   rows; nested values are summarised (`3 resources`, `2 items`), byte
//!   columns human-readable; cells wrap to fit [`Rendering::width`];
//! - `wide`: the table with the declared wide columns too (every field when
//!   none are declared), nested values as compact JSON in single objects;
//! - `csv`: a header and one record per row, every field (key columns
//!   first) unless `-f`, nested values as compact JSON;
//! - `value`: bare values, one row a line, fields separated by a tab.
//!
//! Scalars print plain (strings without quotes) in every text format;
//! `null` prints nothing.

use clap::ValueEnum;
use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width};
use serde_json::{Map, Value};
use std::fmt;
use std::io::{self, Write};

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Pretty-printed JSON (the default when stdout is not a terminal).
    #[default]
    Json,
    /// YAML.
    Yaml,
    /// A table fitted to the terminal width, key columns only (the default
    /// on a terminal).
    Table,
    /// The table with the wide columns too.
    Wide,
    /// CSV with a header line.
    Csv,
    /// Bare values: one row a line, fields separated by a tab.
    Value,
}

impl Format {
    /// The name `-o` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Table => "table",
            Format::Wide => "wide",
            Format::Csv => "csv",
            Format::Value => "value",
        }
    }
}

/// How to print: the format, the fields asked for, the table width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendering {
    /// `-o`.
    pub format: Format,
    /// `-f NAME`, in the order given (empty: the format's choice).
    pub fields: Vec<String>,
    /// Columns a table may use (`COLUMNS`, the terminal's, else 80).
    pub width: u16,
}

impl Rendering {
    /// `format` with no field selection, 80 columns wide.
    pub fn new(format: Format) -> Self {
        Rendering {
            format,
            fields: Vec::new(),
            width: DEFAULT_WIDTH,
        }
    }
}

impl From<Format> for Rendering {
    fn from(format: Format) -> Self {
        Rendering::new(format)
    }
}

/// The table width when neither `COLUMNS` nor a terminal says.
pub const DEFAULT_WIDTH: u16 = 80;

/// The table width: `COLUMNS` when it is a number, else the terminal's
/// (stdout), else [`DEFAULT_WIDTH`].
pub fn terminal_width(columns_var: Option<&str>) -> u16 {
    if let Some(n) = columns_var.and_then(|v| v.trim().parse::<u16>().ok()) {
        if n > 0 {
            return n;
        }
    }
    match terminal_size::terminal_size_of(io::stdout()) {
        Some((terminal_size::Width(w), _)) if w > 0 => w,
        _ => DEFAULT_WIDTH,
    }
}

/// What a command produced: a JSON value (`null` for "nothing to show") and
/// how its rows are best shown in a table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    value: Value,
    key: &'static [&'static str],
    wide: &'static [&'static str],
    bytes: &'static [&'static str],
    bytes_rows: Option<(&'static str, &'static [&'static str])>,
}

impl Output {
    /// Wraps a JSON value.
    pub fn value(v: Value) -> Self {
        Output {
            value: v,
            ..Output::default()
        }
    }

    /// Declares the columns of the rows (top-level field names): `key`, the
    /// ones a table shows, in this order; `wide`, the ones `-o wide` adds.
    pub fn columns(mut self, key: &'static [&'static str], wide: &'static [&'static str]) -> Self {
        self.key = key;
        self.wide = wide;
        self
    }

    /// Declares the fields that hold sizes in bytes: tables show them
    /// human-readable (`1.5 GiB`); every other format keeps the number.
    #[allow(dead_code)] // For families whose columns always hold sizes.
    pub fn bytes(mut self, fields: &'static [&'static str]) -> Self {
        self.bytes = fields;
        self
    }

    /// Like [`Output::bytes`], for the rows whose `field` is one of `names`
    /// only (a quota table has one row per resource, and only some
    /// resources count bytes).
    pub fn bytes_where(
        mut self,
        field: &'static str,
        names: &'static [&'static str],
        fields: &'static [&'static str],
    ) -> Self {
        self.bytes = fields;
        self.bytes_rows = Some((field, names));
        self
    }

    /// Whether `column` of `row` holds a size in bytes.
    fn is_bytes(&self, column: &str, row: &Map<String, Value>) -> bool {
        self.bytes.contains(&column)
            && self.bytes_rows.is_none_or(|(field, names)| {
                row.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|v| names.contains(&v))
            })
    }
}

impl From<Value> for Output {
    fn from(v: Value) -> Self {
        Output::value(v)
    }
}

/// A wrong `-f`: the renderer's usage error (carried in an
/// [`io::Error`] of kind `InvalidInput`, exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError(pub String);

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FieldError {}

fn field_error(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, FieldError(msg))
}

/// Renders `output` as `how` says to `w`. An `-f` field that no row has
/// is an error naming the fields there are (kind `InvalidInput`, holding a
/// [`FieldError`]).
pub fn render(w: &mut dyn Write, output: &Output, how: &Rendering) -> io::Result<()> {
    let shape = Shape::of(&output.value);
    check_fields(&shape, &how.fields)?;
    match how.format {
        Format::Json => {
            let v = select(&output.value, &how.fields);
            let text = serde_json::to_string_pretty(&v).map_err(io::Error::other)?;
            writeln!(w, "{text}")
        }
        Format::Yaml => {
            let v = select(&output.value, &how.fields);
            let text = serde_norway::to_string(&v).map_err(io::Error::other)?;
            w.write_all(text.as_bytes())
        }
        Format::Table | Format::Wide => write_table(w, output, &shape, how),
        Format::Csv => write_csv(w, output, &shape, &how.fields),
        Format::Value => write_values(w, output, &shape, &how.fields),
    }
}

/// What the value looks like to a table.
enum Shape<'a> {
    /// An array of objects (possibly empty).
    Rows(Vec<&'a Map<String, Value>>),
    /// One object.
    Single(&'a Map<String, Value>),
    /// Anything else.
    Other,
}

impl<'a> Shape<'a> {
    fn of(v: &'a Value) -> Self {
        match v {
            Value::Object(m) => Shape::Single(m),
            Value::Array(items) => items
                .iter()
                .map(Value::as_object)
                .collect::<Option<Vec<_>>>()
                .map(Shape::Rows)
                .unwrap_or(Shape::Other),
            _ => Shape::Other,
        }
    }

    /// Every field of every row, in first-seen order.
    fn fields(&self) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        let mut add = |m: &'a Map<String, Value>| {
            for k in m.keys() {
                if !out.contains(&k.as_str()) {
                    out.push(k);
                }
            }
        };
        match self {
            Shape::Rows(rows) => rows.iter().for_each(|m| add(m)),
            Shape::Single(m) => add(m),
            Shape::Other => {}
        }
        out
    }
}

fn check_fields(shape: &Shape<'_>, fields: &[String]) -> io::Result<()> {
    if fields.is_empty() {
        return Ok(());
    }
    let known = shape.fields();
    if known.is_empty() {
        // Nothing to choose from (no rows, or not objects): nothing to check.
        return Ok(());
    }
    let unknown: Vec<&str> = fields
        .iter()
        .map(String::as_str)
        .filter(|f| !known.contains(f))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(field_error(format!(
        "-f/--field: no field {} in the result; its fields are: {}",
        unknown
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", "),
        known.join(", ")
    )))
}

/// The value with every object (or every object of an array) reduced to
/// `fields`, in their order.
fn select(v: &Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return v.clone();
    }
    let pick = |m: &Map<String, Value>| -> Value {
        let mut out = Map::new();
        for f in fields {
            if let Some(x) = m.get(f) {
                out.insert(f.clone(), x.clone());
            }
        }
        Value::Object(out)
    };
    match v {
        Value::Object(m) => pick(m),
        Value::Array(items) if items.iter().all(Value::is_object) => Value::Array(
            items
                .iter()
                .filter_map(Value::as_object)
                .map(pick)
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The columns to show, in order: the `-f` fields; else the declared ones
/// (key, plus wide when `wide`) that some row has; else every field.
fn chosen<'a>(
    output: &'a Output,
    all: &[&'a str],
    fields: &'a [String],
    wide: bool,
) -> (Vec<&'a str>, bool) {
    if !fields.is_empty() {
        return (fields.iter().map(String::as_str).collect(), true);
    }
    if output.key.is_empty() {
        return (all.to_vec(), false);
    }
    let declared = output
        .key
        .iter()
        .chain(if wide { output.wide } else { &[] })
        .copied()
        .filter(|c| all.contains(c));
    let mut cols: Vec<&str> = Vec::new();
    for c in declared {
        if !cols.contains(&c) {
            cols.push(c);
        }
    }
    if cols.is_empty() {
        (all.to_vec(), false)
    } else {
        (cols, true)
    }
}

/// Every field, the declared key columns first, then the wide ones, then
/// the rest in their order.
fn key_first<'a>(output: &'a Output, all: &[&'a str]) -> Vec<&'a str> {
    let mut cols: Vec<&str> = Vec::new();
    for c in output
        .key
        .iter()
        .chain(output.wide)
        .copied()
        .chain(all.iter().copied())
    {
        if all.contains(&c) && !cols.contains(&c) {
            cols.push(c);
        }
    }
    cols
}

/// Plain text of a scalar; nested values as compact JSON.
fn plain(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    s.replace(['\n', '\r', '\t'], " ")
}

/// A table cell: scalars plain, byte sizes human-readable, nested values
/// summarised by their size (`3 resources`, `2 items`, `4 keys`).
fn cell(column: &str, v: &Value, row: &Map<String, Value>, output: &Output) -> String {
    match v {
        Value::Number(n) if output.is_bytes(column, row) => match n.as_u64() {
            Some(b) => human_bytes(b),
            None => n.to_string(),
        },
        Value::Array(items) => summary(column, items.len(), "item", "items"),
        Value::Object(m) => summary(column, m.len(), "key", "keys"),
        other => plain(other),
    }
}

/// `n` things, named after the column when it is a plural (`resources`).
fn summary(column: &str, n: usize, one: &str, many: &str) -> String {
    if n == 0 {
        return String::new();
    }
    let plural = column.len() > 2 && column.ends_with('s') && !column.ends_with("ss");
    let noun = match (plural, n) {
        (true, 1) => &column[..column.len() - 1],
        (true, _) => column,
        (false, 1) => one,
        (false, _) => many,
    };
    format!("{n} {noun}")
}

/// `1536` -> `1.5 KiB`; below 1 KiB, `N B`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The borderless style: a rule of `-` under the header, columns two
/// spaces apart.
const PLAIN_PRESET: &str = "     -             ";

fn new_table(width: u16) -> Table {
    let mut t = Table::new();
    t.load_preset(PLAIN_PRESET)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    t
}

/// The narrowest a column may get: its header (headers never wrap), and
/// its content up to 20 characters when it is numbers (no number wraps),
/// else up to 12.
fn min_width(header: &str, cells: &[&str]) -> usize {
    let numeric = cells.iter().all(|c| {
        c.chars()
            .all(|ch| ch.is_ascii_digit() || ".-+".contains(ch))
    });
    let cap = if numeric { 20 } else { 12 };
    let content = cells.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    header.chars().count().max(content.min(cap))
}

fn finish(w: &mut dyn Write, mut table: Table, min_widths: &[usize]) -> io::Result<()> {
    for (col, min) in table.column_iter_mut().zip(min_widths) {
        col.set_padding((0, 2));
        let min = u16::try_from(min.saturating_add(2)).unwrap_or(u16::MAX);
        col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(min)));
    }
    for line in table.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

fn write_table(
    w: &mut dyn Write,
    output: &Output,
    shape: &Shape<'_>,
    how: &Rendering,
) -> io::Result<()> {
    let wide = how.format == Format::Wide;
    match shape {
        Shape::Rows(rows) if rows.is_empty() => writeln!(w, "(no items)"),
        Shape::Rows(rows) => {
            let all = shape.fields();
            let (mut cols, declared) = chosen(output, &all, &how.fields, wide);
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    cols.iter()
                        .map(|c| {
                            row.get(*c)
                                .map(|v| cell(c, v, row, output))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect();
            let mut widths: Vec<usize> = cols
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let column: Vec<&str> = cells.iter().map(|r| r[i].as_str()).collect();
                    min_width(c, &column)
                })
                .collect();
            let mut keep = cols.len();
            if !declared && !wide {
                let natural: Vec<usize> = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let content = cells.iter().map(|r| r[i].chars().count()).max();
                        c.chars().count().max(content.unwrap_or(0).min(40))
                    })
                    .collect();
                keep = fitting(&natural, how.width);
                if keep < cols.len() {
                    eprintln!(
                        "note: {} more columns ({}, ...): see -o wide, -f NAME, -o json",
                        cols.len() - keep,
                        cols[keep]
                    );
                }
            }
            cols.truncate(keep);
            widths.truncate(keep);
            let mut table = new_table(how.width);
            table.set_header(cols.iter().map(|c| c.to_uppercase()));
            for row in cells {
                table.add_row(row.into_iter().take(keep));
            }
            finish(w, table, &widths)
        }
        Shape::Single(map) => {
            let all = shape.fields();
            let cols = if how.fields.is_empty() {
                key_first(output, &all)
            } else {
                how.fields.iter().map(String::as_str).collect()
            };
            let mut table = new_table(how.width);
            table.set_header(["KEY", "VALUE"]);
            let mut values = Vec::with_capacity(cols.len());
            for c in &cols {
                let v = map.get(*c).unwrap_or(&Value::Null);
                let text = if wide && (v.is_array() || v.is_object()) {
                    v.to_string()
                } else {
                    cell(c, v, map, output)
                };
                values.push(text.clone());
                table.add_row([c.to_string(), text]);
            }
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let value_width = min_width("VALUE", &values);
            let key_width = cols
                .iter()
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
                .max(3);
            finish(w, table, &[key_width, value_width])
        }
        Shape::Other => match &output.value {
            Value::Null => Ok(()),
            Value::Array(items) => {
                for item in items {
                    writeln!(w, "{}", plain(item))?;
                }
                Ok(())
            }
            scalar => writeln!(w, "{}", plain(scalar)),
        },
    }
}

/// How many of the leading columns fit in `width`, each at its natural
/// width (header or content, content counted up to 40 characters) plus two
/// spaces: at least one column. Fewer whole columns read better than many
/// wrapped ones.
fn fitting(natural: &[usize], width: u16) -> usize {
    let mut used = 0usize;
    for (i, w) in natural.iter().enumerate() {
        used = used.saturating_add(w.saturating_add(2));
        // The last column's trailing spaces are trimmed.
        if used > usize::from(width) + 2 {
            return i.max(1);
        }
    }
    natural.len()
}

fn write_csv(
    w: &mut dyn Write,
    output: &Output,
    shape: &Shape<'_>,
    fields: &[String],
) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let all = shape.fields();
    let cols: Vec<&str> = if fields.is_empty() {
        key_first(output, &all)
    } else {
        fields.iter().map(String::as_str).collect()
    };
    let rows: Vec<&Map<String, Value>> = match shape {
        Shape::Rows(rows) => rows.clone(),
        Shape::Single(m) => vec![*m],
        Shape::Other => {
            // One column, `value`.
            out.write_record(["value"])?;
            match &output.value {
                Value::Null => {}
                Value::Array(items) => {
                    for item in items {
                        out.write_record([plain(item)])?;
                    }
                }
                scalar => out.write_record([plain(scalar)])?,
            }
            return out.flush();
        }
    };
    out.write_record(&cols)?;
    for row in rows {
        out.write_record(
            cols.iter()
                .map(|c| row.get(*c).map(plain).unwrap_or_default()),
        )?;
    }
    out.flush()
}

fn write_values(
    w: &mut dyn Write,
    output: &Output,
    shape: &Shape<'_>,
    fields: &[String],
) -> io::Result<()> {
    let all = shape.fields();
    let (cols, _) = chosen(output, &all, fields, false);
    let line = |w: &mut dyn Write, row: &Map<String, Value>| -> io::Result<()> {
        let values: Vec<String> = cols
            .iter()
            .map(|c| row.get(*c).map(plain).unwrap_or_default())
            .collect();
        writeln!(w, "{}", values.join("\t"))
    };
    match shape {
        Shape::Rows(rows) => rows.iter().try_for_each(|r| line(w, r)),
        Shape::Single(m) => line(w, m),
        Shape::Other => match &output.value {
            Value::Null => Ok(()),
            Value::Array(items) => items.iter().try_for_each(|i| writeln!(w, "{}", plain(i))),
            scalar => writeln!(w, "{}", plain(scalar)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn show(v: Value, format: Format, fields: &[&str]) -> String {
        show_out(Output::value(v), format, fields)
    }

    fn show_out(out: Output, format: Format, fields: &[&str]) -> String {
        let how = Rendering {
            format,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            width: 80,
        };
        let mut buf = Vec::new();
        render(&mut buf, &out, &how).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn table(v: Value) -> String {
        show(v, Format::Table, &[])
    }

    #[test]
    fn array_of_objects_uses_union_of_keys_in_built_order() {
        let t = table(json!([{"id": 1, "name": "a"}, {"id": 22, "extra": true}]));
        assert_eq!(
            t,
            "ID  NAME  EXTRA\n-----------------\n1   a\n22        true\n"
        );
    }

    #[test]
    fn object_is_key_value_rows_in_built_order() {
        let t = table(json!({"user": "alice", "nested": {"a": 1}, "none": null}));
        assert_eq!(
            t,
            "KEY     VALUE\n---------------\nuser    alice\nnested  1 key\nnone\n"
        );
        let w = show(
            json!({"user": "alice", "nested": {"a": 1}}),
            Format::Wide,
            &[],
        );
        assert!(w.contains("nested  {\"a\":1}"), "{w}");
    }

    #[test]
    fn scalars_and_scalar_arrays_are_plain() {
        assert_eq!(table(json!("hello")), "hello\n");
        assert_eq!(table(json!(3)), "3\n");
        assert_eq!(table(json!(["a", 2])), "a\n2\n");
        assert_eq!(table(json!([])), "(no items)\n");
        assert_eq!(table(Value::Null), "");
    }

    #[test]
    fn json_is_pretty_and_keeps_built_order() {
        assert_eq!(
            show(json!({"b": 1, "a": 2}), Format::Json, &[]),
            "{\n  \"b\": 1,\n  \"a\": 2\n}\n"
        );
    }

    fn projects() -> Value {
        json!([
            {"id": "p1", "name": "base", "description": "x".repeat(50), "state": "active",
             "resources": {"cpu": {}, "ram": {}, "disk": {}}, "members": [1, 2], "size": 1536},
            {"id": "p2", "name": "eresearch", "description": "short", "state": "pending",
             "resources": {"cpu": {}}, "members": [], "size": 10},
        ])
    }

    #[test]
    fn declared_columns_nested_summaries_and_bytes() {
        let out = Output::value(projects())
            .columns(&["name", "id", "resources"], &["size", "members"])
            .bytes(&["size"]);
        let t = show_out(out.clone(), Format::Table, &[]);
        assert_eq!(
            t,
            "NAME       ID  RESOURCES\n----------------------------\nbase       p1  3 resources\neresearch  p2  1 resource\n"
        );
        let w = show_out(out.clone(), Format::Wide, &[]);
        assert!(
            w.starts_with("NAME       ID  RESOURCES    SIZE     MEMBERS\n"),
            "{w}"
        );
        assert!(w.contains("3 resources  1.5 KiB  2 members"), "{w}");
        assert!(w.contains("1 resource   10 B\n"), "{w}");
        // Bytes stay numbers outside tables.
        let j = show_out(out, Format::Json, &["id", "size"]);
        let v: Value = serde_json::from_str(&j).unwrap();
        assert_eq!(
            v,
            json!([{"id": "p1", "size": 1536}, {"id": "p2", "size": 10}])
        );
    }

    #[test]
    fn bytes_only_in_the_rows_that_count_bytes() {
        let quotas = json!([
            {"resource": "cyclades.vm", "limit": 2048, "usage": 1},
            {"resource": "cyclades.disk", "limit": 2048, "usage": 1536},
        ]);
        let out = Output::value(quotas)
            .columns(&["resource", "limit", "usage"], &[])
            .bytes_where("resource", &["cyclades.disk"], &["limit", "usage"]);
        let t = show_out(out.clone(), Format::Table, &[]);
        assert!(t.contains("cyclades.vm    2048   1\n"), "{t}");
        assert!(t.contains("cyclades.disk  2 KiB  1.5 KiB\n"), "{t}");
        let csv = show_out(out, Format::Csv, &[]);
        assert!(csv.contains("cyclades.disk,2048,1536"), "{csv}");
    }

    #[test]
    fn undeclared_wide_rows_fit_the_width() {
        let t = show(projects(), Format::Table, &[]);
        for line in t.lines() {
            assert!(line.chars().count() <= 80, "{line:?} in\n{t}");
        }
        assert!(t.starts_with("ID  NAME"), "{t}");
    }

    #[test]
    fn fields_choose_columns_in_every_format() {
        let v = projects();
        assert_eq!(
            show(v.clone(), Format::Table, &["state", "id"]),
            "STATE    ID\n-------------\nactive   p1\npending  p2\n"
        );
        assert_eq!(
            show(v.clone(), Format::Value, &["id", "state"]),
            "p1\tactive\np2\tpending\n"
        );
        assert_eq!(show(v.clone(), Format::Value, &["id"]), "p1\np2\n");
        assert_eq!(
            show(v.clone(), Format::Csv, &["id", "members"]),
            "id,members\np1,\"[1,2]\"\np2,[]\n"
        );
        assert_eq!(
            show(v.clone(), Format::Yaml, &["id", "state"]),
            "- id: p1\n  state: active\n- id: p2\n  state: pending\n"
        );
        // A single object with -f.
        assert_eq!(
            show(
                json!({"a": 1, "b": "two", "c": null}),
                Format::Value,
                &["b", "a"]
            ),
            "two\t1\n"
        );
        // An unknown field is a usage error naming the known ones.
        let how = Rendering {
            format: Format::Table,
            fields: vec!["nope".into()],
            width: 80,
        };
        let e = render(&mut Vec::new(), &Output::value(v), &how).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let msg = e.to_string();
        assert!(msg.contains("`nope`") && msg.contains("id, name"), "{msg}");
    }

    #[test]
    fn csv_quotes_and_keeps_every_field() {
        let v = json!([{"id": "a,b", "note": "say \"hi\"", "n": 1}]);
        assert_eq!(
            show(v, Format::Csv, &[]),
            "id,note,n\n\"a,b\",\"say \"\"hi\"\"\",1\n"
        );
        assert_eq!(show(json!(["x", "y"]), Format::Csv, &[]), "value\nx\ny\n");
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5 GiB");
        assert_eq!(human_bytes(u64::MAX), "16 EiB");
    }

    #[test]
    fn width_from_columns_variable() {
        assert_eq!(terminal_width(Some("132")), 132);
        // Tests do not run on a terminal's stdout... usually; a bad value
        // falls back either way.
        let w = terminal_width(Some("wide"));
        assert!(w > 0);
    }
}
