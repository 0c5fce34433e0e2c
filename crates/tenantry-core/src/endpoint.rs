//! Endpoint resolution, one mechanism for every service: a base (or any
//! value) discovered from a catalog — the Keystone catalog and token,
//! Astakos's bodyless discovery `POST`, CAS's ticket and per-application
//! session — is resolved once, single-flight, shared by every clone of the
//! client that holds the [`Resolver`], and replaced when a new catalog
//! arrives ([`Resolver::set`]).
//!
//! Concurrent first callers share one discovery and all get its outcome at
//! once. A failed discovery fails every current waiter together with the
//! same error (20 concurrent first calls against a dead server take one
//! timeout, not 20) and leaves the resolver empty, so the next call tries
//! again. Two ways to discover:
//!
//! - [`Resolver::get_or_discover`] takes a `'static` future: if the caller
//!   that started it is dropped, the others carry the same discovery on;
//! - [`Resolver::get_or_run`] takes a future that may borrow (an auth
//!   strategy's login borrows the pipeline's transport): the caller that
//!   starts it runs it; if that caller is dropped, one of the waiters starts
//!   it again.

use crate::error::Error;
use futures::future::{BoxFuture, FutureExt, Shared};
use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::watch;

type Discovery<T, E> = Shared<BoxFuture<'static, Result<T, E>>>;

/// A discovery under way, as its waiters see it.
enum Pending<T, E> {
    /// A `'static` discovery any waiter can poll.
    Shared(Discovery<T, E>),
    /// A discovery run by one caller; the outcome comes on this channel
    /// (`None` until then; closed without an outcome if that caller was
    /// dropped).
    Leader(watch::Receiver<Option<Result<T, E>>>),
}

enum State<T, E> {
    Empty,
    Resolving(u64, Pending<T, E>),
    Ready(T),
}

struct Slot<T, E> {
    state: State<T, E>,
    generation: u64,
}

/// A value discovered once and shared. `T` is cloned for every caller:
/// keep it cheap (an `Arc`, a short string). `E` is the discovery's error,
/// cloned for every waiter.
///
/// ```
/// use tenantry_core::endpoint::Resolver;
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> tenantry_core::Result<()> {
/// let r: Resolver<String> = Resolver::new();
/// let base = r.get_or_discover(|| async { Ok("/account/v1.0".to_owned()) }).await?;
/// assert_eq!(base, "/account/v1.0");
/// // Known now: the closure is not called again.
/// let again = r.get_or_discover(|| async { unreachable!() }).await?;
/// assert_eq!(again, base);
/// r.set("/moved/v1.0".to_owned()); // a new catalog arrived
/// assert_eq!(r.get().as_deref(), Some("/moved/v1.0"));
/// // A refused value is forgotten only if it is still the current one.
/// assert!(!r.clear_if(|v| v == "/account/v1.0"));
/// assert!(r.clear_if(|v| v == "/moved/v1.0"));
/// assert_eq!(r.get(), None);
/// // A discovery that borrows (here `local`) runs in the caller.
/// let local = String::from("/borrowed");
/// assert_eq!(r.get_or_run(|| async { Ok(local.clone()) }).await?, "/borrowed");
/// # Ok(()) }
/// ```
pub struct Resolver<T, E = Error> {
    slot: Mutex<Slot<T, E>>,
}

impl<T, E> std::fmt::Debug for Resolver<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self.lock().state {
            State::Empty => "empty",
            State::Resolving(..) => "resolving",
            State::Ready(_) => "ready",
        };
        f.debug_struct("Resolver").field("state", &s).finish()
    }
}

impl<T, E> Resolver<T, E> {
    fn lock(&self) -> MutexGuard<'_, Slot<T, E>> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T, E> Default for Resolver<T, E> {
    fn default() -> Self {
        Resolver {
            slot: Mutex::new(Slot {
                state: State::Empty,
                generation: 0,
            }),
        }
    }
}

/// Held by the caller running a [`Resolver::get_or_run`] discovery: if
/// that caller is dropped before the end, the resolver goes back to empty
/// (before the channel closes, so the woken waiters start a new discovery
/// instead of finding the dead one).
struct Leader<'r, T, E> {
    resolver: &'r Resolver<T, E>,
    generation: u64,
    outcome: watch::Sender<Option<Result<T, E>>>,
    finished: bool,
}

impl<T, E> Drop for Leader<'_, T, E> {
    fn drop(&mut self) {
        if !self.finished {
            let mut slot = self.resolver.lock();
            if matches!(slot.state, State::Resolving(g, _) if g == self.generation) {
                slot.state = State::Empty;
            }
        }
    }
}

/// What a caller does once it has looked at the state.
enum Step<'r, T, E> {
    /// Poll this shared discovery (of that generation).
    Join(Discovery<T, E>, u64),
    /// Run the discovery itself.
    Lead(Leader<'r, T, E>),
}

/// The outcome a leader sends; `None` if it was dropped first.
async fn leader_outcome<T: Clone, E: Clone>(
    mut rx: watch::Receiver<Option<Result<T, E>>>,
) -> Option<Result<T, E>> {
    match rx.wait_for(Option::is_some).await {
        Ok(seen) => seen.clone(),
        Err(_) => None,
    }
}

impl<T, E> Resolver<T, E>
where
    T: Clone + Send + Sync,
    E: Clone + Send + Sync,
{
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value, if known (no I/O).
    pub fn get(&self) -> Option<T> {
        match &self.lock().state {
            State::Ready(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Replaces the value (a new catalog arrived). A discovery under way
    /// still finishes for its waiters, but no longer overwrites this value.
    pub fn set(&self, value: T) {
        self.lock().state = State::Ready(value);
    }

    /// Forgets the value: the next call discovers again. A discovery under
    /// way still finishes for its waiters.
    pub fn clear(&self) {
        self.lock().state = State::Empty;
    }

    /// Forgets the value if it is known and `stale` says so (a token that
    /// was refused or is about to expire); true if it was forgotten. A value
    /// already replaced by a newer one is kept, so many callers refused
    /// with the same old credential cause one new discovery, not many.
    pub fn clear_if(&self, stale: impl FnOnce(&T) -> bool) -> bool {
        let mut slot = self.lock();
        match &slot.state {
            State::Ready(v) if stale(v) => {
                slot.state = State::Empty;
                true
            }
            _ => false,
        }
    }

    /// Settles the state with the outcome of discovery `generation`, unless
    /// a `set`, `clear` or newer discovery came since.
    fn settle(&self, generation: u64, outcome: &Result<T, E>) {
        let mut slot = self.lock();
        if matches!(slot.state, State::Resolving(g, _) if g == generation) {
            slot.state = match outcome {
                Ok(v) => State::Ready(v.clone()),
                Err(_) => State::Empty,
            };
        }
    }

    /// The value, discovering it with `discover` if it is not known; one
    /// discovery at a time, shared by every concurrent caller. A failure
    /// reaches every waiter (the same error, cloned) and leaves the
    /// resolver empty. The future is `'static`: if the caller that started
    /// it is dropped, the other waiters carry it on.
    pub async fn get_or_discover<F, Fut>(&self, discover: F) -> Result<T, E>
    where
        T: 'static,
        E: 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let (shared, generation) = loop {
            let rx = {
                let mut slot = self.lock();
                match &slot.state {
                    State::Ready(v) => return Ok(v.clone()),
                    State::Resolving(g, Pending::Shared(s)) => break (s.clone(), *g),
                    State::Resolving(_, Pending::Leader(rx)) => rx.clone(),
                    State::Empty => {
                        slot.generation = slot.generation.wrapping_add(1);
                        let g = slot.generation;
                        let shared = discover().boxed().shared();
                        slot.state = State::Resolving(g, Pending::Shared(shared.clone()));
                        break (shared, g);
                    }
                }
            };
            if let Some(outcome) = leader_outcome(rx).await {
                return outcome;
            }
        };
        let outcome = shared.await;
        self.settle(generation, &outcome);
        outcome
    }

    /// [`get_or_discover`](Self::get_or_discover) for a discovery that
    /// borrows (a login through the caller's transport): the caller that
    /// finds nothing under way runs it, the others wait for its outcome.
    /// If that caller is dropped before the end, one of the waiters runs
    /// its own `discover` instead.
    pub async fn get_or_run<F, Fut>(&self, discover: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let step = loop {
            let rx = {
                let mut slot = self.lock();
                match &slot.state {
                    State::Ready(v) => return Ok(v.clone()),
                    State::Resolving(g, Pending::Shared(s)) => break Step::Join(s.clone(), *g),
                    State::Resolving(_, Pending::Leader(rx)) => rx.clone(),
                    State::Empty => {
                        slot.generation = slot.generation.wrapping_add(1);
                        let generation = slot.generation;
                        let (tx, rx) = watch::channel(None);
                        slot.state = State::Resolving(generation, Pending::Leader(rx));
                        break Step::Lead(Leader {
                            resolver: self,
                            generation,
                            outcome: tx,
                            finished: false,
                        });
                    }
                }
            };
            if let Some(outcome) = leader_outcome(rx).await {
                return outcome;
            }
            // The caller running the discovery was dropped: go round, and
            // start it again unless another waiter already has.
        };
        match step {
            Step::Join(shared, generation) => {
                let outcome = shared.await;
                self.settle(generation, &outcome);
                outcome
            }
            Step::Lead(mut leader) => {
                let outcome = discover().await;
                self.settle(leader.generation, &outcome);
                leader.finished = true;
                leader.outcome.send_replace(Some(outcome.clone()));
                outcome
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn concurrent_callers_share_one_discovery_and_one_failure() {
        let r = Arc::new(Resolver::<String>::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let rx = rx.shared();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (r, calls, rx) = (r.clone(), calls.clone(), rx.clone());
            tasks.push(tokio::spawn(async move {
                r.get_or_discover(move || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async move {
                        let _ = rx.await;
                        Err(Error::Config("catalog down".to_owned()))
                    }
                })
                .await
            }));
        }
        // Every task is waiting (each yields until the discovery ends).
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let _ = tx.send(());
        for t in tasks {
            let e = t.await.unwrap().unwrap_err();
            assert!(e.to_string().contains("catalog down"), "{e}");
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one discovery for 20 callers"
        );
        // Empty again: the next call discovers.
        let v = r
            .get_or_discover(|| async { Ok("/a".to_owned()) })
            .await
            .unwrap();
        assert_eq!(v, "/a");
        assert_eq!(r.get().as_deref(), Some("/a"));
    }

    #[tokio::test]
    async fn a_set_during_a_discovery_wins() {
        let r = Arc::new(Resolver::<String>::new());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let r2 = r.clone();
        let t = tokio::spawn(async move {
            r2.get_or_discover(|| async move {
                let _ = rx.await;
                Ok("/old".to_owned())
            })
            .await
        });
        while r.get().is_none() && format!("{r:?}").contains("empty") {
            tokio::task::yield_now().await;
        }
        r.set("/new".to_owned());
        let _ = tx.send(());
        assert_eq!(
            t.await.unwrap().unwrap(),
            "/old",
            "its waiter gets its outcome"
        );
        assert_eq!(
            r.get().as_deref(),
            Some("/new"),
            "but the new catalog stays"
        );
    }

    #[tokio::test]
    async fn a_dropped_leader_hands_over_to_a_waiter() {
        let r = Arc::new(Resolver::<String>::new());
        let calls = Arc::new(AtomicUsize::new(0));
        // The leader never finishes; it is aborted while a waiter waits.
        let (r1, c1) = (r.clone(), calls.clone());
        let leader = tokio::spawn(async move {
            r1.get_or_run(move || {
                c1.fetch_add(1, Ordering::SeqCst);
                futures::future::pending::<Result<String, Error>>()
            })
            .await
        });
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let (r2, c2) = (r.clone(), calls.clone());
        let waiter = tokio::spawn(async move {
            r2.get_or_run(move || {
                c2.fetch_add(1, Ordering::SeqCst);
                async { Ok("/second".to_owned()) }
            })
            .await
        });
        // The waiter is parked on the leader's outcome before the abort.
        tokio::task::yield_now().await;
        leader.abort();
        assert!(leader.await.unwrap_err().is_cancelled());
        assert_eq!(waiter.await.unwrap().unwrap(), "/second");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "the waiter ran it again");
        assert_eq!(r.get().as_deref(), Some("/second"));
    }

    #[test]
    fn clear_if_keeps_a_newer_value() {
        let r = Resolver::<String>::new();
        r.set("new".to_owned());
        assert!(!r.clear_if(|v| v == "old"));
        assert_eq!(r.get().as_deref(), Some("new"));
        assert!(r.clear_if(|v| v == "new"));
        assert_eq!(r.get(), None);
    }
}
