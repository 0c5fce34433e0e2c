//! Command families.
//!
//! A *family* is one resource family of one service (or a group of
//! families): a clap `Subcommand` enum whose variants are its operations.
//! Families are declared once with [`family!`], which derives the enum and
//! implements [`Family`] by routing each variant to its handler, an
//! `async fn(&Context, Args) -> Result<Output>`. Groups nest with the
//! [`nested`] handler. Whatever the family, [`dispatch`] runs it and the one
//! renderer ([`crate::output::render`]) prints its result.
//!
//! ```ignore
//! family! {
//!     /// Astakos quotas.
//!     pub Quotas {
//!         /// Shows the quotas of the current user.
//!         Get(NoArgs) => get_quotas,
//!         /// Shows the quotas of one project.
//!         Project(ProjectArgs) => project_quotas,
//!     }
//! }
//! ```

pub mod astakos;
pub mod auth;

use crate::context::{Context, Result};
use crate::output::{render, Output};
use std::time::Duration;

/// Something the CLI can run: a family of operations (or a group of
/// families), each variant one subcommand.
pub(crate) trait Family: Sized {
    /// Runs the chosen operation and returns what to print.
    async fn run(self, ctx: &Context) -> Result<Output>;
}

/// The handler of a variant that holds another family: runs it.
pub(crate) async fn nested<F: Family>(ctx: &Context, family: F) -> Result<Output> {
    family.run(ctx).await
}

/// Arguments of an operation that takes none.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NoArgs {}

/// Declares a family: a `clap::Subcommand` enum with one tuple variant per
/// operation, and its [`Family`] impl that calls `handler(ctx, args)`.
/// Doc comments and `#[command(...)]` attributes pass through to clap.
macro_rules! family {
    (
        $(#[$meta:meta])*
        $vis:vis $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident($args:ty) => $handler:path
            ),* $(,)?
        }
    ) => {
        #[derive(Debug, clap::Subcommand)]
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant($args), )*
        }

        impl $crate::families::Family for $name {
            async fn run(
                self,
                ctx: &$crate::context::Context,
            ) -> $crate::context::Result<$crate::output::Output> {
                match self {
                    $( $name::$variant(args) => $handler(ctx, args).await, )*
                }
            }
        }
    };
}
pub(crate) use family;

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
    let output = result?;
    // Rendered first, then every secret the process knows is masked (an
    // answer may echo one back).
    let mut rendered = Vec::new();
    render(&mut rendered, &output, &ctx.format)?;
    let clean = crate::context::scrub_known(&String::from_utf8_lossy(&rendered));
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    match std::io::Write::write_all(&mut lock, clean.as_bytes()) {
        // `tenantry … | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Into::into),
    }
}
