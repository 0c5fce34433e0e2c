//! Request deadlines kept by one watchdog thread instead of a runtime timer
//! per request.
//!
//! A tokio timer per request costs more than its bookkeeping: while any timer
//! is pending, every park of the runtime arms a kernel timer, and on a
//! virtual machine that is a trip through the hypervisor on every wait for
//! an answer. Here a request registers its deadline in a shared table (a
//! short uncontended lock) and one process-wide thread sleeps until the
//! earliest deadline, marks the late requests and wakes their tasks. The
//! table is only touched on registration and completion, and the thread only
//! wakes at deadlines, so in steady state it wakes about once per timeout
//! period. A side benefit: the transport's timeout works on a runtime built
//! without tokio's time driver.
//!
//! A deadline fires no earlier than set, and late by at most the thread's
//! scheduling delay.

use futures::task::AtomicWaker;
#[cfg(test)]
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::task::Context;
#[cfg(test)]
use std::task::Poll;
use std::time::{Duration, Instant};

/// What a request and the watchdog share.
#[derive(Debug, Default)]
struct Flag {
    expired: AtomicBool,
    waker: AtomicWaker,
}

#[derive(Debug)]
struct Slot {
    deadline: Instant,
    flag: Arc<Flag>,
}

#[derive(Debug, Default)]
struct Table {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    /// When the watchdog will next look (`None`: asleep until told).
    planned: Option<Instant>,
    /// The shortest limit registered since the watchdog last looked (`None`:
    /// nothing registered). An idle watchdog plans its next look that far
    /// ahead, so the next request's deadline falls after it.
    shortest: Option<Duration>,
    started: bool,
    /// Registrations that had to wake the watchdog (for tests).
    notified: u64,
}

#[derive(Debug, Default)]
struct Watchdog {
    table: Mutex<Table>,
    wake: Condvar,
}

impl Watchdog {
    fn global() -> &'static Watchdog {
        static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();
        WATCHDOG.get_or_init(Watchdog::default)
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // The table stays consistent whatever panicked while holding it.
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn register(&'static self, limit: Duration, flag: Arc<Flag>) -> usize {
        let deadline = Instant::now() + limit;
        let mut t = self.lock();
        t.shortest = Some(t.shortest.map_or(limit, |s| s.min(limit)));
        let slot = Some(Slot { deadline, flag });
        let index = match t.free.pop() {
            Some(i) => {
                t.slots[i] = slot;
                i
            }
            None => {
                t.slots.push(slot);
                t.slots.len() - 1
            }
        };
        // Tell the watchdog only when it would look too late: with one
        // timeout per transport, later registrations have later deadlines
        // and need no wake-up (an idle watchdog keeps a look planned one
        // limit ahead, so a lone request does not wake it either).
        if t.planned.is_none_or(|p| deadline < p) {
            t.planned = Some(deadline);
            if !t.started {
                t.started = true;
                let spawned = std::thread::Builder::new()
                    .name("tenantry-deadlines".into())
                    .spawn(move || self.run());
                if spawned.is_err() {
                    // No thread: fire this deadline never rather than
                    // failing the request; the next registration retries.
                    t.started = false;
                }
            }
            t.notified += 1;
            self.wake.notify_one();
        }
        index
    }

    fn release(&self, index: usize) {
        let mut t = self.lock();
        if let Some(slot) = t.slots.get_mut(index) {
            if slot.take().is_some() {
                t.free.push(index);
            }
        }
    }

    /// The watchdog: sleep until the earliest deadline, fire what is due.
    fn run(&self) {
        let mut t = self.lock();
        loop {
            let now = Instant::now();
            let mut next: Option<Instant> = None;
            for slot in t.slots.iter().flatten() {
                if slot.flag.expired.load(Ordering::Relaxed) {
                    continue;
                }
                if slot.deadline <= now {
                    slot.flag.expired.store(true, Ordering::Release);
                    slot.flag.waker.wake();
                } else if next.is_none_or(|n| slot.deadline < n) {
                    next = Some(slot.deadline);
                }
            }
            // Nothing pending: while requests keep coming, plan a look one
            // (shortest) limit ahead; after an idle limit, sleep for good.
            let shortest = t.shortest.take();
            if next.is_none() {
                next = shortest.map(|limit| now + limit);
            }
            t.planned = next;
            t = match next {
                Some(at) => {
                    let wait = at.saturating_duration_since(now);
                    self.wake
                        .wait_timeout(t, wait)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
                None => self
                    .wake
                    .wait(t)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            };
        }
    }
}

/// A registered deadline; dropping it unregisters it.
#[derive(Debug)]
pub(crate) struct Deadline {
    index: usize,
    flag: Arc<Flag>,
}

impl Deadline {
    /// A deadline `limit` from now.
    pub(crate) fn start(limit: Duration) -> Deadline {
        let flag = Arc::new(Flag::default());
        let index = Watchdog::global().register(limit, flag.clone());
        Deadline { index, flag }
    }

    /// Whether the deadline has passed; if not, `cx`'s task is woken when
    /// it does.
    pub(crate) fn expired(&self, cx: &mut Context<'_>) -> bool {
        self.flag.waker.register(cx.waker());
        self.flag.expired.load(Ordering::Acquire)
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        Watchdog::global().release(self.index);
    }
}

/// The deadline passed.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Elapsed;

/// `future`, or `Err(Elapsed)` once `limit` has passed.
#[cfg(test)]
async fn with_deadline<F: Future>(limit: Duration, future: F) -> Result<F::Output, Elapsed> {
    let deadline = Deadline::start(limit);
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        if deadline.expired(cx) {
            return Poll::Ready(Err(Elapsed));
        }
        future.as_mut().poll(cx).map(Ok)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The watchdog is process-wide: these tests take turns.
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    #[tokio::test]
    async fn back_to_back_requests_do_not_wake_the_watchdog() {
        let _turn = TURN.lock().await;
        // Warm up: the first registration may have to tell the watchdog.
        for _ in 0..3 {
            with_deadline(Duration::from_secs(30), async {})
                .await
                .unwrap();
        }
        let before = Watchdog::global().lock().notified;
        for i in 0..200 {
            let out = with_deadline(Duration::from_secs(30), async move { i }).await;
            assert_eq!(out, Ok(i));
        }
        let woken = Watchdog::global().lock().notified - before;
        assert!(woken <= 2, "{woken} wake-ups for 200 sequential requests");
    }

    #[tokio::test]
    async fn a_finished_request_frees_its_slot() {
        let _turn = TURN.lock().await;
        let out = with_deadline(Duration::from_secs(5), async { 7 }).await;
        assert_eq!(out, Ok(7));
        let d = Deadline::start(Duration::from_secs(5));
        let (index, flag) = (d.index, d.flag.clone());
        drop(d);
        let t = Watchdog::global().lock();
        // The slot is empty or already reused by another test's deadline.
        assert!(t.slots[index]
            .as_ref()
            .is_none_or(|s| !Arc::ptr_eq(&s.flag, &flag)));
    }

    #[tokio::test]
    async fn a_hanging_future_gets_elapsed_after_its_limit_not_before() {
        let _turn = TURN.lock().await;
        let started = Instant::now();
        let out = with_deadline(Duration::from_millis(200), std::future::pending::<()>()).await;
        let took = started.elapsed();
        assert_eq!(out, Err(Elapsed));
        assert!(took >= Duration::from_millis(200), "{took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
    }

    #[tokio::test]
    async fn a_short_deadline_registered_after_a_long_one_still_fires_on_time() {
        let _turn = TURN.lock().await;
        // The watchdog is planning to wake in 60 s for the first one; the
        // second must make it look earlier.
        let long = tokio::spawn(with_deadline(
            Duration::from_secs(60),
            std::future::pending::<()>(),
        ));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let out = with_deadline(Duration::from_millis(150), std::future::pending::<()>()).await;
        assert_eq!(out, Err(Elapsed));
        assert!(started.elapsed() < Duration::from_secs(3));
        long.abort();
    }

    #[test]
    fn works_without_tokio_time_driver() {
        let _turn = TURN.blocking_lock();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(with_deadline(
            Duration::from_millis(100),
            std::future::pending::<()>(),
        ));
        assert_eq!(out, Err(Elapsed));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_at_once_each_gets_its_own_outcome() {
        let _turn = TURN.lock().await;
        let mut tasks = Vec::new();
        for i in 0..200u64 {
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    with_deadline(Duration::from_secs(10), async move { i }).await
                } else {
                    with_deadline(Duration::from_millis(100), std::future::pending()).await
                }
            }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            let out = t.await.unwrap();
            if i % 2 == 0 {
                assert_eq!(out, Ok(i as u64));
            } else {
                assert_eq!(out, Err(Elapsed));
            }
        }
    }
}
