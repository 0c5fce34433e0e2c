//! Command families.
//!
//! A *family* is one resource family of one service (or a group of
//! families): a clap `Subcommand` enum whose variants are its commands.
//! Each command is declared once, in [`family!`]: its doc comment (the
//! first paragraph is the short help, the rest the long help), its clap
//! arguments, and what it does:
//!
//! ```ignore
//! family! {
//!     /// Astakos quotas.
//!     pub Quotas uses Api {
//!         /// Show the quotas of the current user.
//!         ///
//!         /// Reference: `astakosclient.get_quotas`.
//!         Get(NoArgs) [QUOTAS] => fn(c, _a) c.quotas().get().await?,
//!         /// Accept a pending commission.
//!         Accept(SerialArg) change => fn(c, a) c.commissions().accept(a.serial).await?,
//!         /// A group of families.
//!         Nested(Other) => nested,
//!     }
//! }
//! ```
//!
//! The kinds of command:
//! - `=> fn(c, a) EXPR`: `c` is the service's client (built once, by
//!   [`Service::client`] of the family's `uses` service), `a` the parsed
//!   arguments (a third binding, `fn(c, a, ctx)`, gets the [`Context`]);
//!   `EXPR` is any `Serialize` value (`?` and `.await` work in it).
//!   `[COLS]` before the arrow declares the output's key and wide columns
//!   ([`Cols`]).
//! - `change => fn(c, a) EXPR`: the same for a command that changes state: it
//!   gains `--dry-run` ([`crate::dry_run`]), which prints the request it
//!   would send and sends nothing.
//! - `=> FN`: `FN(ctx, args)` returns the [`Output`] itself (offline
//!   helpers, groups of families with [`nested`]).
//!
//! Whatever the family, [`dispatch`] runs it and [`print`] renders its
//! result.

pub mod astakos;
pub mod auth;
pub mod ecl;
pub mod etu;
pub mod squonk2;

use crate::context::{CliError, Context, Result};
use crate::output::{render, Output};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;
use tenantry::core::transport::HttpRequest;
use tenantry::core::HttpTransport;

/// Something the CLI can run: a family of operations (or a group of
/// families), each variant one subcommand.
pub(crate) trait Family: Sized {
    /// Runs the chosen operation and returns what to print.
    async fn run(self, ctx: &Context) -> Result<Output>;
}

/// A service whose families use `read`/`change` commands: how its client is
/// built, and which requests a dry run may let through.
pub(crate) trait Service {
    /// The client handed to each command.
    type Client;
    /// The client from the configuration, on `transport` (the invocation's,
    /// or the dry-run wrapper around it).
    fn client(ctx: &Context, transport: Arc<dyn HttpTransport>) -> Result<Self::Client>;
    /// Whether a dry run sends `request` anyway: only read-only requests
    /// the client needs before the one that changes state (endpoint
    /// discovery). None by default.
    fn dry_run_passes(_request: &HttpRequest) -> bool {
        false
    }
}

/// The handler of a variant that holds another family: runs it.
pub(crate) async fn nested<F: Family>(ctx: &Context, family: F) -> Result<Output> {
    family.run(ctx).await
}

/// Arguments of an operation that takes none.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NoArgs {}

/// The columns of a resource: the key ones (shown first and by default),
/// then the extra ones `-o wide` adds.
pub(crate) type Cols = (&'static [&'static str], &'static [&'static str]);

/// [`Cols`] from bare names: `cols!(id name state; end_date homepage)`.
macro_rules! cols {
    ($($key:ident)* $(; $($wide:ident)*)?) => {
        (&[$(stringify!($key)),*], &[$($(stringify!($wide)),*)?])
    };
}
pub(crate) use cols;

/// What a command's expression gives: any `Serialize` value, or an
/// [`Output`] it made itself.
pub(crate) trait Shown {
    /// As an [`Output`], with its columns when declared.
    fn shown(self, cols: Option<Cols>) -> Result<Output>;
}

impl<T: Serialize> Shown for T {
    fn shown(self, cols: Option<Cols>) -> Result<Output> {
        Output::value(to_value(&self)?).shown(cols)
    }
}

/// An answer as JSON.
pub(crate) fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| CliError::Failed(format!("cannot render the answer: {e}")))
}

/// A map of objects as rows, each with its key under `key` first (a
/// non-object value goes under `value`).
pub(crate) fn rows_of(map: Value, key: &str) -> Value {
    let Value::Object(m) = map else { return map };
    let rows = m.into_iter().map(|(k, v)| {
        let mut row = Map::new();
        row.insert(key.to_owned(), Value::String(k));
        match v {
            Value::Object(fields) => row.extend(fields),
            other => {
                row.insert("value".into(), other);
            }
        }
        Value::Object(row)
    });
    Value::Array(rows.collect())
}

impl Shown for Output {
    fn shown(self, cols: Option<Cols>) -> Result<Output> {
        Ok(match cols {
            Some((key, wide)) => self.columns(key, wide),
            None => self,
        })
    }
}

/// `value` as an [`Output`], with its columns when declared.
pub(crate) fn shown<T: Serialize + ?Sized>(value: &T, cols: Option<Cols>) -> Result<Output> {
    value.shown(cols)
}

/// Builder sugar for optional arguments: `req.maybe(args.name, |r, v| r.name(v))`.
pub(crate) trait Maybe: Sized {
    /// `f(self, v)` when `v` is set, else `self`.
    fn maybe<T>(self, v: Option<T>, f: impl FnOnce(Self, T) -> Self) -> Self {
        match v {
            Some(v) => f(self, v),
            None => self,
        }
    }
}
impl<B> Maybe for B {}

/// A clap value parser accepting only the known values of a server enum
/// (core's `string_enum!`: `known!(ProjectState)`).
pub(crate) fn known_values<T>(
    all: &'static [T],
    name: fn(&'static T) -> &'static str,
) -> impl TypedValueParser<Value = T>
where
    T: Clone + Send + Sync + 'static + for<'a> From<&'a str>,
{
    PossibleValuesParser::new(all.iter().map(name)).map(|s| T::from(s.as_str()))
}

/// `known_values(T::KNOWN, T::as_str)`.
macro_rules! known {
    ($t:ty) => {
        $crate::families::known_values(<$t>::KNOWN, <$t>::as_str)
    };
}
pub(crate) use known;

/// Declares a family: a `clap::Subcommand` enum with one tuple variant per
/// command, and its [`Family`] impl (see the module docs for the kinds).
/// Doc comments and `#[command(...)]` attributes pass through to clap.
/// (The bindings are written `fn(c, a)`, not `|c, a|`: a closure head could
/// also start the expression, which `macro_rules` refuses as ambiguous.)
macro_rules! family {
    ($(#[$meta:meta])* $vis:vis $name:ident { $($arms:tt)* }) => {
        $crate::families::family! { $(#[$meta])* $vis $name uses () { $($arms)* } }
    };
    (
        $(#[$meta:meta])*
        $vis:vis $name:ident uses $svc:ty {
            $(
                $(#[$vmeta:meta])*
                $variant:ident($args:ty) $($kind:ident)? $([$cols:expr])? =>
                    $(fn($c:pat_param, $a:pat_param $(, $x:pat_param)?))? $handler:expr
            ),* $(,)?
        }
    ) => {
        #[derive(Debug, clap::Subcommand)]
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant($crate::families::family!(@ty [$($kind)?] $args)), )*
        }

        impl $crate::families::Family for $name {
            async fn run(
                self,
                ctx: &$crate::context::Context,
            ) -> $crate::context::Result<$crate::output::Output> {
                match self {
                    $( $name::$variant(args) => $crate::families::family!(
                        @run [$svc] [$($kind)?] [$($cols)?] [$($c, $a $(, $x)?)?] ctx args $handler
                    ), )*
                }
            }
        }
    };
    (@ty [change] $args:ty) => { $crate::dry_run::Change<$args> };
    (@ty [] $args:ty) => { $args };
    (@run [$svc:ty] [] [] [] $ctx:ident $args:ident $handler:expr) => {
        $handler($ctx, $args).await
    };
    (@run [$svc:ty] [] [$($cols:expr)?] [$c:pat_param, $a:pat_param $(, $x:pat_param)?]
        $ctx:ident $args:ident $body:expr) => {{
        let $c = <$svc as $crate::families::Service>::client($ctx, $ctx.transport())?;
        let $a = $args;
        $(let $x = $ctx;)?
        $crate::families::Shown::shown($body, None $(.or(Some($cols)))?)
    }};
    (@run [$svc:ty] [change] [$($cols:expr)?] [$c:pat_param, $a:pat_param $(, $x:pat_param)?]
        $ctx:ident $args:ident $body:expr) => {{
        use $crate::dry_run::DryRunState as _;
        let (args, dry) = $args.split(
            $ctx,
            <$svc as $crate::families::Service>::dry_run_passes,
        );
        let $c = <$svc as $crate::families::Service>::client($ctx, dry.transport($ctx))?;
        let $a = args;
        $(let $x = $ctx;)?
        let result: $crate::context::Result<$crate::output::Output> = async move {
            $crate::families::Shown::shown($body, None $(.or(Some($cols)))?)
        }
        .await;
        dry.finish(result)
    }};
}
pub(crate) use family;

/// Whether the output format shows rows (tables, CSV) rather than the
/// answer's own shape (JSON).
pub(crate) fn tabular(ctx: &Context) -> bool {
    use crate::output::Format;
    matches!(
        ctx.format.format,
        Format::Table | Format::Wide | Format::Csv | Format::Value
    )
}

/// Renders `output` in the invocation's format on stdout, every secret the
/// process knows masked (an answer may echo one back).
pub(crate) fn print(ctx: &Context, output: &Output) -> Result<()> {
    let mut rendered = Vec::new();
    render(&mut rendered, output, &ctx.format)?;
    let clean = crate::context::scrub_known(&String::from_utf8_lossy(&rendered));
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    ctx.progress().suspend(
        || match std::io::Write::write_all(&mut lock, clean.as_bytes()) {
            // `tenantry … | head` is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(Into::into),
        },
    )
}

/// Runs any family and prints its output in the chosen format. With
/// `progress`, a spinner shows on stderr while it runs (only when stderr is a
/// terminal).
pub(crate) async fn dispatch<F: Family>(family: F, ctx: &Context, progress: bool) -> Result<()> {
    if progress {
        ctx.progress()
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    // Commands add their own bars (batch lookups) under the spinner.
    let spinner = ctx.progress().add(indicatif::ProgressBar::new_spinner());
    spinner.set_style(indicatif::ProgressStyle::default_spinner());
    spinner.enable_steady_tick(Duration::from_millis(120));
    let result = family.run(ctx).await;
    spinner.finish_and_clear();
    print(ctx, &result?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_keep_the_key() {
        let v = rows_of(json!({"a": {"x": 1}, "b": 2}), "name");
        assert_eq!(v, json!([{"name": "a", "x": 1}, {"name": "b", "value": 2}]));
    }
}
