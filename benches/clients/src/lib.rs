//! A small, service-agnostic throughput harness: several *contenders* (ways
//! of doing the same logical work: the reference client, tenantry's client,
//! a bare reqwest loop, ...) run the same *workloads* against one simulator
//! process, sequentially and with N requests in flight, and the best ops/s
//! of each are put side by side with their ratios.
//!
//! A service adds a module (see [`astakos`]) that knows its simulator seed,
//! builds one [`Op`] per contender and workload, and returns a [`Plan`];
//! [`run`] does the rest. Run it through `cargo xtask bench <service>`.
//!
//! Every measurement starts fresh (a new client, a new pool), runs one
//! untimed operation per in-flight slot (discovery, connections), then times
//! `ops` operations.
//!
//! Not a test: the numbers depend on the machine, and a missed target is
//! reported, not failed.

pub mod astakos;
pub mod ecl;
pub mod etunexus;
pub mod squonk2;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde_json::Value;
use tokio::runtime::Runtime;

/// What an operation, a setup or a measurement fails with.
pub type BenchError = String;

/// One logical operation (it may send several requests). The argument is
/// the operation's index (0, 1, ...), for workloads that vary their input.
pub type Op = Arc<dyn Fn(u64) -> BoxFuture<'static, Result<(), BenchError>> + Send + Sync>;

/// Wraps an async closure as an [`Op`].
pub fn op<F, Fut>(f: F) -> Op
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), BenchError>> + Send + 'static,
{
    Arc::new(move |i| Box::pin(f(i)))
}

/// How many operations are in flight at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// One after the other.
    Sequential,
    /// This many at once (tasks or threads sharing one counter).
    InFlight(usize),
}

impl Mode {
    /// 1 for [`Mode::Sequential`].
    pub fn concurrency(self) -> usize {
        match self {
            Mode::Sequential => 1,
            Mode::InFlight(n) => n.max(1),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Sequential => f.write_str("sequential"),
            Mode::InFlight(n) => write!(f, "{n} in flight"),
        }
    }
}

/// A timed run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// Operations timed.
    pub ops: u64,
    /// Seconds they took.
    pub secs: f64,
}

impl Measurement {
    /// Operations per second.
    pub fn rate(&self) -> f64 {
        if self.secs > 0.0 {
            self.ops as f64 / self.secs
        } else {
            f64::INFINITY
        }
    }
}

/// Runs `op` for indices `0..n` with `concurrency` in flight: one loop, or
/// `concurrency` spawned tasks pulling indices from one counter. Stops at
/// the first error.
pub async fn run_ops(op: &Op, n: u64, concurrency: usize) -> Result<(), BenchError> {
    if concurrency <= 1 {
        for i in 0..n {
            op(i).await?;
        }
        return Ok(());
    }
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (op, next, failed) = (op.clone(), next.clone(), failed.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || failed.load(Ordering::Relaxed) {
                    return Ok(());
                }
                if let Err(e) = op(i).await {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        });
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined
            .map_err(|e| format!("task failed: {e}"))
            .and_then(|r| r);
        if let Err(e) = outcome {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// One untimed operation per in-flight slot (at that concurrency), then
/// `ops` timed operations.
pub async fn drive(op: Op, ops: u64, mode: Mode) -> Result<Measurement, BenchError> {
    let c = mode.concurrency();
    run_ops(&op, c as u64, c)
        .await
        .map_err(|e| format!("warm-up: {e}"))?;
    let started = Instant::now();
    run_ops(&op, ops, c).await?;
    Ok(Measurement {
        ops,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// A way of doing the workloads.
pub trait Contender {
    /// The column name (`reference`, `tenantry`, `bare`).
    fn name(&self) -> &str;
    /// One measurement of `workload` (a [`Workload::name`]).
    fn measure(
        &self,
        rt: &Runtime,
        workload: &str,
        mode: Mode,
        ops: u64,
    ) -> Result<Measurement, BenchError>;
}

/// The setup of an [`InProcess`] contender: a fresh [`Op`] (new client,
/// new pool) for a workload and mode.
pub type Setup = Box<dyn Fn(&str, Mode) -> BoxFuture<'static, Result<Op, BenchError>>>;

/// A Rust contender, measured in this process on the shared runtime.
pub struct InProcess {
    name: String,
    setup: Setup,
}

impl InProcess {
    /// `setup(workload, mode)` builds the operation; it runs on the runtime.
    pub fn new<F, Fut>(name: impl Into<String>, setup: F) -> Self
    where
        F: Fn(&str, Mode) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<Op, BenchError>> + Send + 'static,
    {
        InProcess {
            name: name.into(),
            setup: Box::new(move |w, m| Box::pin(setup(w, m))),
        }
    }
}

impl Contender for InProcess {
    fn name(&self) -> &str {
        &self.name
    }

    fn measure(
        &self,
        rt: &Runtime,
        workload: &str,
        mode: Mode,
        ops: u64,
    ) -> Result<Measurement, BenchError> {
        let setup = (self.setup)(workload, mode);
        // On a worker, like the connection tasks: the caller's thread is
        // not one of the runtime's workers.
        let task = rt.spawn(async move { drive(setup.await?, ops, mode).await });
        let measured = rt
            .block_on(task)
            .map_err(|e| format!("measurement task failed: {e}"))?;
        // The client is gone, its connections are closing (here and in the
        // simulator): let that finish before the next measurement starts,
        // so it is not charged to whoever runs next.
        std::thread::sleep(SETTLE);
        measured
    }
}

/// The pause after each in-process measurement.
const SETTLE: Duration = Duration::from_millis(25);

/// A contender in another process (the reference client): runs
/// `program args.. WORKLOAD OPS CONCURRENCY`, which does its own warm-up and
/// prints `{"ops": N, "secs": S}` as its last stdout line.
pub struct External {
    name: String,
    program: PathBuf,
    args: Vec<OsString>,
    ops: fn(&str, u64) -> u64,
}

impl External {
    /// `program` with leading `args`.
    pub fn new(
        name: impl Into<String>,
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Self {
        External {
            name: name.into(),
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            ops: |_, ops| ops,
        }
    }

    /// How many operations it times for `(workload, ops asked)`, for a
    /// contender much slower than the others on one workload (its rate is
    /// still per operation). Default: as asked.
    pub fn ops(mut self, ops: fn(&str, u64) -> u64) -> Self {
        self.ops = ops;
        self
    }
}

impl Contender for External {
    fn name(&self) -> &str {
        &self.name
    }

    fn measure(
        &self,
        _rt: &Runtime,
        workload: &str,
        mode: Mode,
        ops: u64,
    ) -> Result<Measurement, BenchError> {
        let ops = (self.ops)(workload, ops).max(1);
        let out = Command::new(&self.program)
            .args(&self.args)
            .arg(workload)
            .arg(ops.to_string())
            .arg(mode.concurrency().to_string())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!(
                "{} {workload} exited with {}:\n{}",
                self.name,
                out.status,
                tail(&stderr, 2000)
            ));
        }
        let last = stdout.lines().rev().find(|l| !l.trim().is_empty());
        let parsed: Option<Measurement> = last
            .and_then(|l| serde_json::from_str::<Value>(l).ok())
            .and_then(|v| {
                Some(Measurement {
                    ops: v["ops"].as_u64()?,
                    secs: v["secs"].as_f64()?,
                })
            });
        parsed.ok_or_else(|| {
            format!(
                "{}: no {{\"ops\", \"secs\"}} line in its output:\n{}\n{}",
                self.name,
                tail(&stdout, 1000),
                tail(&stderr, 1000)
            )
        })
    }
}

fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// A named workload and how many operations a measurement times.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The name contenders get (`lookup`).
    pub name: String,
    /// What the table shows (`catalog lookup`).
    pub label: String,
    /// Timed operations per measurement.
    pub ops: u64,
}

impl Workload {
    /// A workload; `label` is shown in the table.
    pub fn new(name: impl Into<String>, label: impl Into<String>, ops: u64) -> Self {
        Workload {
            name: name.into(),
            label: label.into(),
            ops,
        }
    }
}

/// What to measure, and how to read the result.
pub struct Plan {
    /// The table's title.
    pub title: String,
    /// The workloads, in table order.
    pub workloads: Vec<Workload>,
    /// The modes, in table order.
    pub modes: Vec<Mode>,
    /// The contenders, in column order.
    pub contenders: Vec<Box<dyn Contender>>,
    /// The contender everything is compared with (the reference client).
    pub baseline: String,
    /// The fastest plausible contender (the bare HTTP loop).
    pub floor: String,
    /// The contender under test (tenantry).
    pub subject: String,
    /// Target: `subject ≥ target × floor` in every row.
    pub target: f64,
    /// Each measurement is made this many times (the contenders' order
    /// rotating); medians count.
    pub repeats: u32,
    /// After each repeat's round, this many more back-to-back
    /// subject/floor pairs (order alternating): the two are cheap to run
    /// and their ratio is the target, so it gets the larger sample.
    pub pairs: u32,
    /// Those pairs run this many times the workload's operations: on a
    /// shared machine a short run's ratio is mostly noise (a burst of
    /// stolen time hits one side), a longer one much less.
    pub pair_times: u64,
}

/// One row of the result: a workload in a mode.
#[derive(Debug, Clone)]
pub struct Row {
    /// [`Workload::label`].
    pub workload: String,
    /// Timed operations per measurement.
    pub ops: u64,
    /// The mode.
    pub mode: Mode,
    /// Median ops/s per contender over the runs (the plan's column order).
    pub rates: Vec<f64>,
    /// Median over the runs of `subject ÷ floor` measured in the same run
    /// (back to back, so slow drifts of the machine cancel out).
    pub paired: Option<f64>,
    /// The interval that holds the median of those per-run ratios with
    /// about 95% confidence ([`median_interval`]).
    pub interval: Option<(f64, f64)>,
    /// The lowest and the highest of those per-run ratios.
    pub spread: Option<(f64, f64)>,
}

/// The result of [`run`].
#[derive(Debug, Clone)]
pub struct Report {
    /// [`Plan::title`].
    pub title: String,
    /// Contender names, in column order.
    pub columns: Vec<String>,
    /// One per workload and mode.
    pub rows: Vec<Row>,
    baseline: Option<usize>,
    floor: Option<usize>,
    subject: Option<usize>,
    /// [`Plan::target`].
    pub target: f64,
    /// [`Plan::repeats`].
    pub repeats: u32,
    /// [`Plan::pairs`] (0 when the subject or the floor did not run).
    pub pairs: u32,
    /// [`Plan::pair_times`].
    pub pair_times: u64,
}

impl Report {
    /// `a ÷ b` of a row, when both contenders ran.
    fn ratio(&self, row: &Row, a: Option<usize>, b: Option<usize>) -> Option<f64> {
        Some(row.rates[a?] / row.rates[b?])
    }

    /// `subject ÷ floor` of a row: the paired median when there is one
    /// (`None` when one of them did not run).
    pub fn subject_vs_floor(&self, row: &Row) -> Option<f64> {
        row.paired
            .or_else(|| self.ratio(row, self.subject, self.floor))
    }

    /// Whether every row meets the target (`None` when the subject or the
    /// floor did not run).
    pub fn target_met(&self) -> Option<bool> {
        self.rows
            .iter()
            .map(|r| self.subject_vs_floor(r).map(|x| x >= self.target))
            .try_fold(true, |all, met| Some(all && met?))
    }
}

fn index_of(columns: &[String], name: &str) -> Option<usize> {
    columns.iter().position(|c| c == name)
}

/// The median (mean of the middle two for an even count); NaN when empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// The interval that holds the median of `v` with about 95% confidence:
/// the order statistics at ranks n/2 ± 1.96·√n/2, which assume nothing
/// about how the values are spread (per-pair ratios on a shared machine
/// have long tails). `None` below 6 values, where it would be the whole
/// range; NaNs are left out.
pub fn median_interval(mut v: Vec<f64>) -> Option<(f64, f64)> {
    v.retain(|x| !x.is_nan());
    let n = v.len();
    if n < 6 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let (mid, half) = (n as f64 / 2.0, 0.98 * (n as f64).sqrt());
    // Clamped: for a few values the ranks reach past the ends.
    let lo = (mid - half).floor().max(0.0) as usize;
    let hi = ((mid + half).ceil() as usize).min(n - 1);
    Some((v[lo], v[hi]))
}

/// Runs every measurement of `plan` (progress on stderr) on `rt`.
pub fn run(plan: &Plan, rt: &Runtime) -> Result<Report, BenchError> {
    let columns: Vec<String> = plan
        .contenders
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let baseline = index_of(&columns, &plan.baseline);
    let floor = index_of(&columns, &plan.floor);
    let subject = index_of(&columns, &plan.subject);
    let n = plan.contenders.len();
    // Per (workload, mode): one vector of rates per run.
    let mut runs: BTreeMap<(usize, usize), Vec<Vec<f64>>> = BTreeMap::new();
    for rep in 0..plan.repeats.max(1) {
        for (wi, w) in plan.workloads.iter().enumerate() {
            for (mi, &mode) in plan.modes.iter().enumerate() {
                let measure = |ci: usize, ops: u64| {
                    let c = &plan.contenders[ci];
                    c.measure(rt, &w.name, mode, ops)
                        .map_err(|e| format!("{} / {} / {mode}: {e}", c.name(), w.label))
                };
                let mut rates = vec![f64::NAN; n];
                // Rotate who goes first, so no contender always runs on a
                // simulator that has just been warmed (or loaded) by another.
                for k in 0..n {
                    let ci = (k + rep as usize + wi + mi) % n;
                    let m = measure(ci, w.ops)?;
                    eprintln!(
                        "  [{}/{}] {:<16} {:<14} {:<10} {:>10.0} ops/s ({} ops in {:.3} s)",
                        rep + 1,
                        plan.repeats.max(1),
                        w.label,
                        mode.to_string(),
                        plan.contenders[ci].name(),
                        m.rate(),
                        m.ops,
                        m.secs
                    );
                    rates[ci] = m.rate();
                }
                runs.entry((wi, mi)).or_default().push(rates);
                let (Some(sj), Some(fl)) = (subject, floor) else {
                    continue;
                };
                for p in 0..plan.pairs {
                    let mut rates = vec![f64::NAN; n];
                    let order = if (p + rep) % 2 == 0 {
                        [sj, fl]
                    } else {
                        [fl, sj]
                    };
                    for ci in order {
                        rates[ci] = measure(ci, w.ops * plan.pair_times.max(1))?.rate();
                    }
                    eprintln!(
                        "  [{}/{} pair {}/{}] {:<16} {:<14} {} {:.0} vs {} {:.0} ops/s",
                        rep + 1,
                        plan.repeats.max(1),
                        p + 1,
                        plan.pairs,
                        w.label,
                        mode.to_string(),
                        plan.subject,
                        rates[sj],
                        plan.floor,
                        rates[fl]
                    );
                    runs.entry((wi, mi)).or_default().push(rates);
                }
            }
        }
    }
    let mut rows = Vec::new();
    for (wi, w) in plan.workloads.iter().enumerate() {
        for (mi, &mode) in plan.modes.iter().enumerate() {
            let all = runs.remove(&(wi, mi)).unwrap_or_default();
            let rates = (0..n)
                .map(|c| median(all.iter().map(|r| r[c]).collect()))
                .collect();
            let ratios: Option<Vec<f64>> = match (subject, floor) {
                (Some(sj), Some(fl)) => Some(
                    all.iter()
                        .map(|r| r[sj] / r[fl])
                        .filter(|x| !x.is_nan())
                        .collect(),
                ),
                _ => None,
            };
            let spread = ratios.as_ref().filter(|v| !v.is_empty()).map(|v| {
                v.iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                        (lo.min(x), hi.max(x))
                    })
            });
            let interval = ratios.clone().and_then(median_interval);
            let paired = ratios.map(median);
            rows.push(Row {
                workload: w.label.clone(),
                ops: w.ops,
                mode,
                rates,
                paired,
                interval,
                spread,
            });
        }
    }
    Ok(Report {
        title: plan.title.clone(),
        columns,
        rows,
        baseline,
        floor,
        subject,
        target: plan.target,
        repeats: plan.repeats.max(1),
        pairs: match (subject, floor) {
            (Some(_), Some(_)) => plan.pairs,
            _ => 0,
        },
        pair_times: plan.pair_times.max(1),
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |i: Option<usize>| i.map(|i| self.columns[i].as_str());
        let (b, fl, s) = (name(self.baseline), name(self.floor), name(self.subject));
        // (header, numerator, denominator) of the ratio columns shown.
        let ratios: Vec<(String, Option<usize>, Option<usize>)> = [
            (s, fl, self.subject, self.floor),
            (fl, b, self.floor, self.baseline),
            (s, b, self.subject, self.baseline),
        ]
        .into_iter()
        .filter_map(|(x, y, i, j)| Some((format!("{}/{}", x?, y?), i, j)))
        .collect();
        let targeted = s.is_some() && fl.is_some();
        writeln!(f, "{}", self.title)?;
        write!(f, "ops/s, median of {} runs each", self.repeats)?;
        if self.pairs > 0 {
            write!(
                f,
                " ({} for {} and {}: {} more pairs per round, each run {}x the ops)",
                self.repeats * (1 + self.pairs),
                s.unwrap_or_default(),
                fl.unwrap_or_default(),
                self.pairs,
                self.pair_times
            )?;
        }
        write!(
            f,
            "; the first ratio is the median of per-run ratios (measured back to back)"
        )?;
        if let (Some(s), Some(fl)) = (s, fl) {
            write!(f, "; target: {s} >= {:.2}x {fl} in every row", self.target)?;
        }
        writeln!(f, "\n")?;
        let mut header = vec!["workload".to_owned(), "ops".to_owned(), "mode".to_owned()];
        header.extend(self.columns.iter().cloned());
        header.extend(ratios.iter().map(|r| r.0.clone()));
        // After the first ratio: the 95% interval of its median, then the
        // range of the per-run ratios.
        let spread_at = 3 + self.columns.len() + 1;
        if targeted {
            header.insert(spread_at, "spread".to_owned());
            header.insert(spread_at, "95% CI".to_owned());
            header.push("target".to_owned());
        }
        let mut table = vec![header];
        for r in &self.rows {
            let mut line = vec![r.workload.clone(), r.ops.to_string(), r.mode.to_string()];
            line.extend(r.rates.iter().map(|x| format!("{x:.0}")));
            for (k, (_, i, j)) in ratios.iter().enumerate() {
                let x = if k == 0 && targeted {
                    self.subject_vs_floor(r).unwrap_or(f64::NAN)
                } else {
                    self.ratio(r, *i, *j).unwrap_or(f64::NAN)
                };
                line.push(if k == 0 && targeted {
                    format!("{x:.3}")
                } else {
                    format!("{x:.2}")
                });
            }
            if targeted {
                let spread = r
                    .spread
                    .map_or_else(|| "-".to_owned(), |(lo, hi)| format!("{lo:.2}-{hi:.2}"));
                line.insert(spread_at, spread);
                let interval = r
                    .interval
                    .map_or_else(|| "-".to_owned(), |(lo, hi)| format!("{lo:.3}-{hi:.3}"));
                line.insert(spread_at, interval);
            }
            if let Some(x) = self.subject_vs_floor(r) {
                line.push(if x >= self.target { "met" } else { "MISSED" }.to_owned());
            }
            table.push(line);
        }
        let widths: Vec<usize> = (0..table[0].len())
            .map(|i| {
                table
                    .iter()
                    .map(|l| l[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for line in &table {
            let mut out = String::new();
            for (i, cell) in line.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                // Text left, numbers right.
                if i == 0 || i == 2 || (targeted && i + 1 == line.len()) {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(pad));
                } else {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(cell);
                }
                out.push_str("  ");
            }
            writeln!(f, "{}", out.trim_end())?;
        }
        let (Some(s), Some(fl)) = (s, fl) else {
            return Ok(());
        };
        writeln!(f)?;
        let missed = self
            .rows
            .iter()
            .filter(|r| self.subject_vs_floor(r).is_some_and(|x| x < self.target))
            .count();
        if missed == 0 {
            writeln!(
                f,
                "target met: {s} >= {:.2}x {fl} in every row",
                self.target
            )
        } else {
            writeln!(
                f,
                "target MISSED in {missed} of {} rows: {s} < {:.2}x {fl}",
                self.rows.len(),
                self.target
            )
        }
    }
}

/// A bare contender's answer: 2xx, then the body as JSON (`null` when
/// empty); otherwise an error with the status and the body's first 300
/// bytes.
pub async fn json_answer(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<Value, BenchError> {
    let resp = sent.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// A simulator process (`<sim> serve --service <name> --port 0`), killed
/// when dropped.
pub struct SimProcess {
    child: Child,
    /// Kept open so the simulator never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// The whole seed line (`{"services": {...}}`).
    pub seed: Value,
    /// The seed line as printed.
    pub seed_line: String,
}

impl SimProcess {
    /// Starts the simulator binary for `service` and reads its seed line.
    pub fn start(sim: &Path, service: &str) -> Result<Self, BenchError> {
        Self::start_with(sim, service, None)
    }

    /// [`start`](Self::start), loading the seed file `seed` (`--seed`)
    /// before it serves.
    pub fn start_with(sim: &Path, service: &str, seed: Option<&Path>) -> Result<Self, BenchError> {
        Self::start_opts(sim, service, seed, false)
    }

    /// [`start_with`](Self::start_with), over HTTPS (`--tls`) when `tls`:
    /// the seed line's `tls.cert_pem` names the simulator's certificate
    /// ([`cert_pem`](Self::cert_pem)).
    pub fn start_opts(
        sim: &Path,
        service: &str,
        seed: Option<&Path>,
        tls: bool,
    ) -> Result<Self, BenchError> {
        let mut cmd = Command::new(sim);
        cmd.args(["serve", "--service", service, "--port", "0"]);
        if tls {
            cmd.arg("--tls");
        }
        if let Some(seed) = seed {
            cmd.arg("--seed").arg(seed);
        }
        let mut child = cmd
            .env_remove("TENANTRY_SIM_PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", sim.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("the simulator's stdout is not piped".into());
        };
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let seed = match read {
            Ok(n) if n > 0 => serde_json::from_str::<Value>(&line)
                .map_err(|e| format!("bad seed line from the simulator: {e}: {line}")),
            Ok(_) => Err("the simulator exited before printing its seed".into()),
            Err(e) => Err(format!("cannot read the simulator's seed: {e}")),
        };
        let seed = match seed {
            Ok(s) => s,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        Ok(SimProcess {
            child,
            _stdout: stdout,
            seed,
            seed_line: line.trim_end().to_owned(),
        })
    }

    /// The seed object of one service (`seed["services"][name]`).
    pub fn service(&self, name: &str) -> Result<&Value, BenchError> {
        self.seed["services"]
            .get(name)
            .ok_or_else(|| format!("no `{name}` in the simulator's seed"))
    }

    /// The simulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The certificate of a simulator started with `tls` (PEM text, read
    /// from the file its seed line names).
    pub fn cert_pem(&self) -> Result<String, BenchError> {
        let path = self.seed["tls"]["cert_pem"]
            .as_str()
            .ok_or("the simulator's seed line names no tls.cert_pem (not started with --tls?)")?;
        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The multi-thread runtime the Rust contenders run on.
pub fn runtime(workers: usize) -> Result<Runtime, BenchError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()
        .map_err(|e| format!("cannot build the tokio runtime: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(&'static str, f64);

    impl Contender for Fixed {
        fn name(&self) -> &str {
            self.0
        }
        fn measure(
            &self,
            _rt: &Runtime,
            _w: &str,
            mode: Mode,
            ops: u64,
        ) -> Result<Measurement, BenchError> {
            let c = mode.concurrency() as f64;
            Ok(Measurement {
                ops,
                secs: ops as f64 / (self.1 * c),
            })
        }
    }

    #[test]
    fn report_ratios_and_target() {
        let rt = runtime(1).unwrap();
        let plan = Plan {
            title: "demo".into(),
            workloads: vec![Workload::new("w", "work", 100)],
            modes: vec![Mode::Sequential, Mode::InFlight(4)],
            contenders: vec![
                Box::new(Fixed("ref", 100.0)),
                Box::new(Fixed("sub", 960.0)),
                Box::new(Fixed("bare", 1000.0)),
            ],
            baseline: "ref".into(),
            floor: "bare".into(),
            subject: "sub".into(),
            target: 0.95,
            repeats: 2,
            pairs: 3,
            pair_times: 4,
        };
        let report = run(&plan, &rt).unwrap();
        assert_eq!(report.rows.len(), 2);
        let x = report.subject_vs_floor(&report.rows[0]).unwrap();
        assert!((x - 0.96).abs() < 1e-9);
        assert_eq!(report.target_met(), Some(true));
        let text = report.to_string();
        assert!(text.contains("sub/bare"), "{text}");
        // Every run's ratio is 0.96: no spread.
        let (lo, hi) = report.rows[0].spread.unwrap();
        assert!((lo - 0.96).abs() < 1e-9 && (hi - 0.96).abs() < 1e-9);
        // 2 x (1 + 3) = 8 ratios per row: enough for an interval.
        assert_eq!(report.rows[0].interval, Some((0.96, 0.96)));
        assert!(text.contains("0.960  0.960-0.960  0.96-0.96"), "{text}");
        assert!(text.contains("95% CI"), "{text}");
        assert!(text.contains("4 in flight"), "{text}");
        assert!(text.contains("target met"), "{text}");
        assert!(
            text.contains(
                "median of 2 runs each (8 for sub and bare: 3 more pairs per round, each run 4x the ops)"
            ),
            "{text}"
        );
    }

    #[test]
    fn median_interval_is_the_order_statistics_around_the_median() {
        // n = 100: ranks 50 ± 9.8, so the 41st and the 61st value.
        let v: Vec<f64> = (0..100).rev().map(f64::from).collect();
        assert_eq!(median_interval(v), Some((40.0, 60.0)));
        // NaNs are left out; too few values give no interval.
        let few = vec![1.0, f64::NAN, 2.0, 3.0, 4.0, 5.0, f64::NAN];
        assert_eq!(median_interval(few), None);
        // n = 6: ranks 3 ± 2.4, the whole range.
        let six = vec![6.0, 1.0, 5.0, 2.0, 4.0, 3.0];
        assert_eq!(median_interval(six), Some((1.0, 6.0)));
    }

    #[test]
    fn run_ops_covers_every_index_once_and_stops_on_error() {
        let rt = runtime(2).unwrap();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let o = op(move |i| {
            let s = s2.clone();
            async move {
                s.lock().unwrap().push(i);
                Ok(())
            }
        });
        rt.block_on(run_ops(&o, 100, 8)).unwrap();
        let mut v = seen.lock().unwrap().clone();
        v.sort_unstable();
        assert_eq!(v, (0..100).collect::<Vec<_>>());

        let failing = op(|i| async move {
            if i == 5 {
                Err("boom".to_owned())
            } else {
                Ok(())
            }
        });
        assert_eq!(rt.block_on(run_ops(&failing, 100, 4)), Err("boom".into()));
        assert_eq!(rt.block_on(run_ops(&failing, 100, 1)), Err("boom".into()));
    }
}
