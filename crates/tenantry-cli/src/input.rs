//! Bulk inputs, shared by every service family: ids from arguments, files
//! and stdin, streamed with a size cap, de-duplicated in linear time
//! (first-seen order kept), looked up in chunks under a progress bar, with
//! every unresolved id reported.
//!
//! A command takes a [`Batch<T>`] (`#[derive(Args)]`, so its flags are the
//! same everywhere) and calls [`Batch::lookup`] with the one call that
//! resolves a chunk.

use crate::context::{remember, CliError, Context, Result};
use crate::output::Output;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Display;
use std::future::Future;
use std::hash::Hash;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use tenantry::core::Secret;

/// A kind of id read in bulk.
pub trait BatchId: Clone + Eq + Hash + Ord + Display + Serialize + Send + Sync + 'static {
    /// The column it goes under in rows (and the CSV header it is read from).
    const COLUMN: &'static str;
    /// Its placeholder in help (`UUID|-`).
    const VALUE_NAME: &'static str;
    /// Other CSV headers naming it (lower case).
    const HEADERS: &'static [&'static str] = &[];
    /// Parses one id (the message says what is wrong).
    fn parse(s: &str) -> std::result::Result<Self, String>;
}

/// A value on the command line, or `-` for "read more from stdin".
#[derive(Debug, Clone)]
pub enum Arg<T> {
    /// `-`.
    Stdin,
    /// A value.
    Value(T),
}

fn arg<T: BatchId>(s: &str) -> std::result::Result<Arg<T>, String> {
    if s == "-" {
        Ok(Arg::Stdin)
    } else {
        T::parse(s).map(Arg::Value)
    }
}

/// The default `--max-input-bytes`: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// The default `--max-ids`.
pub const DEFAULT_MAX_IDS: usize = 1_000_000;

/// A bulk lookup's inputs and flags.
#[derive(Debug, Clone, clap::Args)]
pub struct Batch<T: BatchId> {
    /// The ids; `-` reads more from stdin, one per line.
    #[arg(value_name = T::VALUE_NAME, value_parser = arg::<T>, required_unless_present = "from_file")]
    pub ids: Vec<Arg<T>>,
    /// Read ids from FILE (`-`: stdin; repeatable): one per line (blank lines
    /// and #comments skipped) or, for a FILE ending in .csv, the first column
    /// (or the one named by --column, or by a header such as `uuid`).
    #[arg(long, value_name = "FILE|-")]
    pub from_file: Vec<String>,
    /// The CSV column holding the ids (the first row is then a header).
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// At most this many ids per request.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
    /// Exit 0 even when some ids do not resolve (they are left out silently).
    #[arg(long)]
    pub allow_missing: bool,
    /// Refuse more than this many ids in all (before anything is sent).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_IDS)]
    pub max_ids: usize,
    /// Refuse input files (and stdin) over this many bytes in all (before
    /// anything is sent).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    pub max_input_bytes: u64,
}

/// Ids in first-seen order without duplicates: one hash-set probe per id.
#[derive(Debug)]
pub struct Unique<T> {
    seen: HashSet<T>,
    order: Vec<T>,
    read: usize,
}

impl<T> Default for Unique<T> {
    fn default() -> Self {
        Unique {
            seen: HashSet::new(),
            order: Vec::new(),
            read: 0,
        }
    }
}

impl<T: Clone + Eq + Hash> Unique<T> {
    /// Adds `id` unless already there.
    pub fn push(&mut self, id: T) {
        self.read += 1;
        if !self.seen.contains(&id) {
            self.seen.insert(id.clone());
            self.order.push(id);
        }
    }
    /// The ids, in first-seen order.
    pub fn into_vec(self) -> Vec<T> {
        self.order
    }
}

/// `stdin` for `-`, else `path`.
pub fn source_name(path: &str) -> &str {
    if path == "-" {
        "stdin"
    } else {
        path
    }
}

/// `path` (`-`: stdin) as a reader that fails past `cap` bytes.
fn open(path: &str, cap: u64) -> Result<Capped<Box<dyn Read>>> {
    let inner: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::Invalid(format!("cannot read `{path}`: {e}")))?;
        Box::new(file)
    };
    Ok(Capped {
        inner,
        left: cap,
        cap,
    })
}

/// A JSON document from `path` (`-`: stdin), streamed, at most
/// [`DEFAULT_MAX_BYTES`]; `what` names it in errors.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &str, what: &str) -> Result<T> {
    serde_json::from_reader(open(path, DEFAULT_MAX_BYTES)?).map_err(|e| {
        let from = source_name(path);
        CliError::Invalid(format!("{what}: {from} is not valid JSON for it: {e}"))
    })
}

/// The first line of `path` (`-`: stdin; at most 64 KiB), as a secret the
/// output scrubber knows; `what` names it in errors.
pub fn read_secret_line(path: &str, what: &str) -> Result<Secret> {
    let from = source_name(path);
    let mut line = String::new();
    BufReader::new(open(path, 64 * 1024)?)
        .read_line(&mut line)
        .map_err(|e| CliError::Invalid(format!("{what}: {from}: {e}")))?;
    let line = line.trim();
    if line.is_empty() {
        return Err(CliError::Invalid(format!(
            "{what}: the first line of {from} is empty"
        )));
    }
    Ok(remember(Secret::new(line)))
}

/// A file to upload (`flag` names it in errors), checked to be a readable
/// regular file before anything is sent. Only the path is returned: the
/// client streams the file while sending, so no copy is kept here.
pub fn upload_path(path: &str, flag: &str) -> Result<std::path::PathBuf> {
    let cannot =
        |e: std::io::Error| CliError::Invalid(format!("{flag}: cannot read `{path}`: {e}"));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(CliError::Invalid(format!("{flag}: `{path}` is not a file")));
    }
    std::fs::File::open(path).map_err(cannot)?;
    Ok(std::path::PathBuf::from(path))
}

/// A clap value parser for `KEY=VALUE` (non-empty KEY).
pub fn key_value(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got `{s}`"))
}

/// A reader that fails once more than `left` bytes come through.
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => Err(std::io::Error::other(format!(
                "over the input cap of {} bytes (--max-input-bytes)",
                self.cap
            ))),
        }
    }
}

impl<T: BatchId> Batch<T> {
    /// Every id — arguments, then each file or stdin in order — parsed,
    /// counted against the caps, duplicates dropped (first-seen order).
    /// Nothing is sent before they all pass.
    pub fn collect(&self) -> Result<Vec<T>> {
        let mut ids = Unique::default();
        let mut sources: Vec<&str> = Vec::new();
        for a in &self.ids {
            match a {
                Arg::Value(v) => self.add(&mut ids, v.clone(), "the arguments")?,
                Arg::Stdin => sources.push("-"),
            }
        }
        sources.extend(self.from_file.iter().map(String::as_str));
        let mut left = self.max_input_bytes;
        let mut stdin_read = false;
        for src in sources {
            if src == "-" && std::mem::replace(&mut stdin_read, true) {
                continue;
            }
            let name = source_name(src);
            let mut reader = open(src, left)?;
            reader.cap = self.max_input_bytes;
            if src.ends_with(".csv") {
                self.read_csv(&mut reader, name, &mut ids)?;
            } else {
                self.read_lines(&mut reader, name, &mut ids)?;
            }
            left = reader.left;
        }
        let ids = ids.into_vec();
        if ids.is_empty() {
            return Err(CliError::Invalid(
                "nothing to look up: give ids as arguments, --from-file FILE, or `-` for stdin"
                    .into(),
            ));
        }
        Ok(ids)
    }

    fn add(&self, ids: &mut Unique<T>, id: T, from: &str) -> Result<()> {
        if ids.read >= self.max_ids {
            return Err(CliError::Invalid(format!(
                "{from}: more than {} ids (--max-ids)",
                self.max_ids
            )));
        }
        ids.push(id);
        Ok(())
    }

    fn read_lines(&self, reader: impl Read, name: &str, ids: &mut Unique<T>) -> Result<()> {
        let mut reader = BufReader::new(reader);
        let mut line = String::new();
        for n in 1u64.. {
            line.clear();
            let read = reader
                .read_line(&mut line)
                .map_err(|e| CliError::Invalid(format!("{name}, line {n}: {e}")))?;
            if read == 0 {
                break;
            }
            let text = line.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let id = T::parse(text)
                .map_err(|e| CliError::Invalid(format!("{name}, line {n}: `{text}`: {e}")))?;
            self.add(ids, id, name)?;
        }
        Ok(())
    }

    fn read_csv(&self, reader: impl Read, name: &str, ids: &mut Unique<T>) -> Result<()> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let bad = |e: csv::Error| CliError::Invalid(format!("{name}: {e}"));
        let mut column = None;
        for (n, record) in csv.records().enumerate() {
            let record = record.map_err(bad)?;
            let col = match column {
                Some(c) => c,
                None => {
                    let header = |f: &str| {
                        let f = f.trim().to_ascii_lowercase();
                        match &self.column {
                            Some(c) => f == c.to_ascii_lowercase(),
                            None => f == T::COLUMN || T::HEADERS.contains(&f.as_str()),
                        }
                    };
                    match record.iter().position(header) {
                        Some(c) => {
                            column = Some(c);
                            continue;
                        }
                        None if self.column.is_some() => {
                            return Err(CliError::Invalid(format!(
                                "{name}: no column `{}` in the header row",
                                self.column.as_deref().unwrap_or_default()
                            )))
                        }
                        None => *column.insert(0),
                    }
                }
            };
            let text = record.get(col).unwrap_or_default().trim();
            if text.is_empty() {
                continue;
            }
            let id = T::parse(text)
                .map_err(|e| CliError::Invalid(format!("{name}, row {}: `{text}`: {e}", n + 1)))?;
            self.add(ids, id, name)?;
        }
        Ok(())
    }

    /// Collects the ids, sends them in chunks of `--chunk-size` through
    /// `fetch` (one at a time, a progress bar on stderr when it is a
    /// terminal and there is more than one chunk), and merges the answers.
    /// Ids absent from the answers, or mapped to `null`, are unresolved:
    /// each is reported on stderr and the command fails with
    /// [`CliError::Missing`] (exit 4) after printing what did resolve,
    /// unless `--allow-missing`.
    ///
    /// `columns` names the id and the value: the output is the merged map
    /// `{id: value}` in JSON, rows `{columns[0]: id, columns[1]: value}` in
    /// the other formats.
    pub async fn lookup<V, E, F, Fut>(
        &self,
        ctx: &Context,
        columns: &'static [&'static str; 2],
        mut fetch: F,
    ) -> Result<Output>
    where
        V: Serialize,
        E: Into<CliError>,
        F: FnMut(Vec<T>) -> Fut,
        Fut: Future<Output = std::result::Result<BTreeMap<T, V>, E>>,
    {
        let ids = self.collect()?;
        let chunk_size = self.chunk_size.max(1) as usize;
        let bar = if ids.len() > chunk_size && std::io::stderr().is_terminal() {
            let bar = ctx
                .progress()
                .add(indicatif::ProgressBar::new(ids.len() as u64));
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ids")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(columns[1]);
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        let mut merged = BTreeMap::new();
        for chunk in ids.chunks(chunk_size) {
            match fetch(chunk.to_vec()).await {
                Ok(answer) => merged.extend(answer),
                Err(e) => {
                    bar.abandon();
                    return Err(e.into());
                }
            }
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        let json = !crate::families::tabular(ctx);
        let (mut map, mut rows, mut resolved) = (Map::new(), Vec::new(), HashSet::new());
        for (id, v) in merged {
            let v = serde_json::to_value(v)
                .map_err(|e| CliError::Failed(format!("cannot render the answer: {e}")))?;
            if !v.is_null() {
                resolved.insert(id.clone());
            }
            if json {
                map.insert(id.to_string(), v);
            } else {
                let mut row = Map::new();
                row.insert(columns[0].into(), Value::String(id.to_string()));
                row.insert(columns[1].into(), v);
                rows.push(Value::Object(row));
            }
        }
        let output = Output::value(if json {
            Value::Object(map)
        } else {
            Value::Array(rows)
        })
        .columns(columns, &[]);
        let missing: Vec<&T> = ids.iter().filter(|id| !resolved.contains(*id)).collect();
        if self.allow_missing || missing.is_empty() {
            return Ok(output);
        }
        crate::families::print(ctx, &output)?;
        ctx.progress().suspend(|| {
            for id in &missing {
                eprintln!("not found: {id}");
            }
        });
        Err(CliError::Missing(format!(
            "{} of {} ids not found (listed above; --allow-missing exits 0)",
            missing.len(),
            ids.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static EQ_CALLS: Cell<u64> = const { Cell::new(0) };
    }

    /// An id that counts the comparisons made on it.
    #[derive(Debug, Clone, PartialOrd, Ord)]
    struct Counted(u32);
    impl Hash for Counted {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }
    impl PartialEq for Counted {
        fn eq(&self, other: &Self) -> bool {
            EQ_CALLS.with(|c| c.set(c.get() + 1));
            self.0 == other.0
        }
    }
    impl Eq for Counted {}

    #[test]
    fn dedup_is_linear_and_keeps_first_order() {
        // 100k ids, 50k distinct, the second half the first in reverse.
        let n = 50_000u32;
        let mut u = Unique::default();
        for i in (0..n).chain((0..n).rev()) {
            u.push(Counted(i));
        }
        let calls = EQ_CALLS.with(Cell::get);
        let ids = u.into_vec();
        assert_eq!(ids.len(), n as usize);
        assert!(ids.iter().enumerate().all(|(i, id)| id.0 == i as u32));
        // One probe per id: an equal hit for each duplicate, (almost) no
        // collisions; the O(n²) `Vec::contains` made 1.25e9 here.
        assert!(calls <= 2 * u64::from(n) + 1000, "{calls} comparisons");
    }

    #[test]
    fn capped_reader_names_the_cap() {
        let mut r = Capped {
            inner: &b"0123456789"[..],
            left: 10,
            cap: 10,
        };
        let mut s = String::new();
        assert_eq!(r.read_to_string(&mut s).unwrap(), 10);
        let mut r = Capped {
            inner: &b"0123456789A"[..],
            left: 10,
            cap: 10,
        };
        let e = r.read_to_string(&mut String::new()).unwrap_err();
        assert!(
            e.to_string().contains("10 bytes (--max-input-bytes)"),
            "{e}"
        );
    }
}
