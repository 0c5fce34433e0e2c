//! Request deadlines kept by one watchdog thread instead of a runtime timer
//! per request.
//!
//! A tokio timer per request costs more than its bookkeeping: while any timer
//! is pending, every park of the runtime arms a kernel timer, and on a
//! virtual machine that is a trip through the hypervisor on every wait for
//! an answer. Here a request registers its deadline in a shared table (a
//! short uncontended lock; the slot's flag is reused, so nothing is
//! allocated per request) and one process-wide thread sleeps until the
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
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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

/// A slot of a table. Its flag is kept when the slot is freed and handed to
/// the next registration (reset), so a request allocates nothing here and
/// finds the flag's memory warm.
#[derive(Debug)]
struct Slot {
    /// `None`: free.
    deadline: Option<Instant>,
    flag: Arc<Flag>,
}

/// Tables are sharded by thread, so worker threads registering at once do
/// not bounce one lock's cache line between cores.
const SHARDS: usize = 8;

#[derive(Debug, Default)]
struct Table {
    /// Grows to the most deadlines ever pending at once on this shard.
    slots: Vec<Slot>,
    free: Vec<usize>,
    /// The shortest limit registered since the watchdog last looked (`None`:
    /// nothing registered). An idle watchdog plans its next look that far
    /// ahead, so the next request's deadline falls after it.
    shortest: Option<Duration>,
}

/// One shard, on its own cache lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard(Mutex<Table>);

#[derive(Debug, Default)]
struct Control {
    /// When the watchdog will next look (`None`: asleep until told).
    planned: Option<Instant>,
    started: bool,
    /// Registrations that had to wake the watchdog (for tests).
    notified: u64,
}

#[derive(Debug)]
struct Watchdog {
    shards: [Shard; SHARDS],
    control: Mutex<Control>,
    wake: Condvar,
    epoch: Instant,
    /// `control.planned` in nanoseconds since `epoch` (`u64::MAX`: none),
    /// read without the lock by registrations.
    planned_at: AtomicU64,
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The tables stay consistent whatever panicked while holding them.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Watchdog {
    fn global() -> &'static Watchdog {
        static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();
        WATCHDOG.get_or_init(|| Watchdog {
            shards: Default::default(),
            control: Mutex::default(),
            wake: Condvar::new(),
            epoch: Instant::now(),
            planned_at: AtomicU64::new(u64::MAX),
        })
    }

    fn nanos(&self, at: Option<Instant>) -> u64 {
        at.map_or(u64::MAX, |at| {
            u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
        })
    }

    fn my_shard() -> usize {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
        }
        SHARD.with(|s| *s)
    }

    fn register(&'static self, limit: Duration) -> (usize, usize, Arc<Flag>) {
        let deadline = Instant::now() + limit;
        let shard = Self::my_shard();
        let (index, flag) = {
            let mut t = relock(&self.shards[shard].0);
            t.shortest = Some(t.shortest.map_or(limit, |s| s.min(limit)));
            match t.free.pop() {
                Some(i) => {
                    let slot = &mut t.slots[i];
                    slot.deadline = Some(deadline);
                    (i, slot.flag.clone())
                }
                None => {
                    let flag = Arc::new(Flag::default());
                    t.slots.push(Slot {
                        deadline: Some(deadline),
                        flag: flag.clone(),
                    });
                    (t.slots.len() - 1, flag)
                }
            }
        };
        // Tell the watchdog only when it would look too late: with one
        // timeout per transport, later registrations have later deadlines
        // and need no wake-up (an idle watchdog keeps a look planned one
        // limit ahead, so a lone request does not wake it either). The
        // slot is in its table before this check, and the watchdog
        // publishes a plan before it re-reads the tables (see `run`), so no
        // deadline is missed.
        if self.nanos(Some(deadline)) >= self.planned_at.load(Ordering::SeqCst) {
            return (shard, index, flag);
        }
        let mut c = relock(&self.control);
        if c.planned.is_none_or(|p| deadline < p) {
            c.planned = Some(deadline);
            self.planned_at
                .store(self.nanos(Some(deadline)), Ordering::SeqCst);
            if !c.started {
                c.started = true;
                let spawned = std::thread::Builder::new()
                    .name("tenantry-deadlines".into())
                    .spawn(move || self.run());
                if spawned.is_err() {
                    // No thread: this deadline never fires rather than the
                    // request failing; the next registration tries again.
                    c.started = false;
                    c.planned = None;
                    self.planned_at.store(u64::MAX, Ordering::SeqCst);
                }
            }
            c.notified += 1;
            self.wake.notify_one();
        }
        (shard, index, flag)
    }

    fn release(&self, shard: usize, index: usize) {
        let mut t = relock(&self.shards[shard].0);
        if let Some(slot) = t.slots.get_mut(index) {
            if slot.deadline.take().is_some() {
                // Reset for the next registration (under the lock, so the
                // watchdog cannot fire it in between); drop the finished
                // task's waker now rather than keep it alive.
                slot.flag.expired.store(false, Ordering::Release);
                drop(slot.flag.waker.take());
                t.free.push(index);
            }
        }
    }

    /// Fires what is due; returns the earliest pending deadline and the
    /// shortest limit registered since the last scan.
    fn scan(&self, now: Instant) -> (Option<Instant>, Option<Duration>) {
        let (mut next, mut shortest): (Option<Instant>, Option<Duration>) = (None, None);
        for shard in &self.shards {
            let mut t = relock(&shard.0);
            if let Some(s) = t.shortest.take() {
                shortest = Some(shortest.map_or(s, |m| m.min(s)));
            }
            for slot in &t.slots {
                let Some(deadline) = slot.deadline else {
                    continue;
                };
                if slot.flag.expired.load(Ordering::Relaxed) {
                    continue;
                }
                if deadline <= now {
                    slot.flag.expired.store(true, Ordering::Release);
                    slot.flag.waker.wake();
                } else if next.is_none_or(|n| deadline < n) {
                    next = Some(deadline);
                }
            }
        }
        (next, shortest)
    }

    /// The watchdog: sleep until the earliest deadline, fire what is due.
    fn run(&self) {
        let mut c = relock(&self.control);
        loop {
            let now = Instant::now();
            let (mut next, shortest) = self.scan(now);
            // Nothing pending: while requests keep coming, plan a look one
            // (shortest) limit ahead; after an idle limit, sleep for good.
            if next.is_none() {
                next = shortest.map(|limit| now + limit);
            }
            // Publish the plan, then read the tables again: a registration
            // that went in after this shard was scanned either shows up now
            // or saw the new plan (and tells us if it is too late).
            loop {
                c.planned = next;
                self.planned_at.store(self.nanos(next), Ordering::SeqCst);
                let (late, shortest) = self.scan(now);
                let late = late.or(shortest.map(|limit| now + limit));
                match late {
                    Some(l) if next.is_none_or(|n| l < n) => next = Some(l),
                    _ => break,
                }
            }
            c = match next {
                Some(at) => {
                    let wait = at.saturating_duration_since(now);
                    self.wake
                        .wait_timeout(c, wait)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
                None => self
                    .wake
                    .wait(c)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            };
        }
    }
}

/// A registered deadline; dropping it unregisters it.
#[derive(Debug)]
pub(crate) struct Deadline {
    shard: usize,
    index: usize,
    flag: Arc<Flag>,
}

impl Deadline {
    /// A deadline `limit` from now.
    pub(crate) fn start(limit: Duration) -> Deadline {
        let (shard, index, flag) = Watchdog::global().register(limit);
        Deadline { shard, index, flag }
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
        Watchdog::global().release(self.shard, self.index);
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
        let before = relock(&Watchdog::global().control).notified;
        for i in 0..200 {
            let out = with_deadline(Duration::from_secs(30), async move { i }).await;
            assert_eq!(out, Ok(i));
        }
        let woken = relock(&Watchdog::global().control).notified - before;
        assert!(woken <= 2, "{woken} wake-ups for 200 sequential requests");
    }

    #[tokio::test]
    async fn a_finished_request_frees_its_slot() {
        let _turn = TURN.lock().await;
        let out = with_deadline(Duration::from_secs(5), async { 7 }).await;
        assert_eq!(out, Ok(7));
        let d = Deadline::start(Duration::from_secs(5));
        let (shard, index, flag) = (d.shard, d.index, d.flag.clone());
        drop(d);
        {
            let t = relock(&Watchdog::global().shards[shard].0);
            // The slot is free (its flag kept, reset), unless another
            // test's deadline took it again already.
            let slot = &t.slots[index];
            assert!(Arc::ptr_eq(&slot.flag, &flag));
            assert!(slot.deadline.is_none() || t.free.iter().all(|&i| i != index));
            assert!(!flag.expired.load(Ordering::Acquire));
        }
        // A fired deadline's flag is reset when its slot is freed, so the
        // next request that gets it does not start out expired.
        let fired = with_deadline(Duration::from_millis(50), std::future::pending::<()>()).await;
        assert_eq!(fired, Err(Elapsed));
        let d = Deadline::start(Duration::from_secs(5));
        assert!(!d.flag.expired.load(Ordering::Acquire));
        let waker = futures::task::noop_waker();
        assert!(!d.expired(&mut Context::from_waker(&waker)));
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
