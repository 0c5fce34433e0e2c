//! Endpoint resolution, one mechanism for every service: a base (or any
//! value) discovered from a catalog — the Keystone catalog, Astakos's
//! bodyless discovery `POST`, CAS's per-application base — is resolved
//! once, single-flight, shared by every clone of the client that holds the
//! [`Resolver`], and replaced when a new catalog arrives
//! ([`Resolver::set`]).
//!
//! Concurrent first callers share one discovery: they all wait on the same
//! future and all get its outcome at once. A failed discovery fails every
//! current waiter together with the same error (20 concurrent first calls
//! against a dead server take one timeout, not 20) and leaves the resolver
//! empty, so the next call tries again. If the caller that started the
//! discovery is dropped, the others carry it on.

use crate::error::Error;
use futures::future::{BoxFuture, FutureExt, Shared};
use std::future::Future;
use std::sync::{Mutex, MutexGuard};

type Discovery<T, E> = Shared<BoxFuture<'static, Result<T, E>>>;

#[derive(Debug)]
enum State<T> {
    Empty,
    Resolving(u64),
    Ready(T),
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
/// # Ok(()) }
/// ```
pub struct Resolver<T, E = Error> {
    state: Mutex<Slot<T, E>>,
}

type Slot<T, E> = (State<T>, Option<Discovery<T, E>>, u64);

impl<T, E> std::fmt::Debug for Resolver<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.lock();
        let s = match st.0 {
            State::Empty => "empty",
            State::Resolving(_) => "resolving",
            State::Ready(_) => "ready",
        };
        f.debug_struct("Resolver").field("state", &s).finish()
    }
}

impl<T, E> Resolver<T, E> {
    fn lock(&self) -> MutexGuard<'_, Slot<T, E>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T, E> Default for Resolver<T, E> {
    fn default() -> Self {
        Resolver {
            state: Mutex::new((State::Empty, None, 0)),
        }
    }
}

impl<T, E> Resolver<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value, if known (no I/O).
    pub fn get(&self) -> Option<T> {
        match &self.lock().0 {
            State::Ready(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Replaces the value (a new catalog arrived). A discovery under way
    /// still finishes for its waiters, but no longer overwrites this value.
    pub fn set(&self, value: T) {
        let mut st = self.lock();
        st.0 = State::Ready(value);
        st.1 = None;
    }

    /// Forgets the value: the next call discovers again.
    pub fn clear(&self) {
        let mut st = self.lock();
        st.0 = State::Empty;
        st.1 = None;
    }

    /// The value, discovering it with `discover` if it is not known; one
    /// discovery at a time, shared by every concurrent caller. A failure
    /// reaches every waiter (the same error, cloned) and leaves the
    /// resolver empty.
    pub async fn get_or_discover<F, Fut>(&self, discover: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let (shared, generation) = {
            let mut st = self.lock();
            let pending = match &st.0 {
                State::Ready(v) => return Ok(v.clone()),
                State::Resolving(g) => st.1.clone().map(|s| (s, *g)),
                State::Empty => None,
            };
            match pending {
                Some(p) => p,
                // Nothing under way (`Resolving` always has its future):
                // start the discovery.
                None => {
                    st.2 = st.2.wrapping_add(1);
                    let g = st.2;
                    let shared = discover().boxed().shared();
                    st.0 = State::Resolving(g);
                    st.1 = Some(shared.clone());
                    (shared, g)
                }
            }
        };
        let outcome = shared.await;
        let mut st = self.lock();
        // Only the discovery this call waited on may settle the state (a
        // `set` or a newer discovery may have come since).
        if matches!(st.0, State::Resolving(g) if g == generation) {
            st.1 = None;
            st.0 = match &outcome {
                Ok(v) => State::Ready(v.clone()),
                Err(_) => State::Empty,
            };
        }
        drop(st);
        outcome
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
}
