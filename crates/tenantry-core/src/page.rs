//! Pagination: paged or chunked listings as a lazy `futures::Stream`.

use crate::error::Result;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use std::future::Future;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor (marker, offset, link) of the next page; `None` at the end.
    pub next: Option<String>,
    /// The total number of items, when the service says.
    pub total: Option<u64>,
}

/// Walks pages lazily: `fetch(None)` gives the first page, `fetch(Some(c))`
/// the page at cursor `c`. Stops on a missing or empty cursor, and on a
/// cursor equal to the previous one (a server that loops).
///
/// ```
/// use futures::TryStreamExt;
/// use tenantry_core::page::{paginate, Page};
/// # async fn run() -> tenantry_core::Result<()> {
/// let all: Vec<u32> = paginate(|cursor: Option<String>| async move {
///     let start: u32 = cursor.as_deref().unwrap_or("0").parse().unwrap_or(0);
///     let next = (start < 4).then(|| (start + 2).to_string());
///     Ok(Page { items: vec![start, start + 1], next, total: None })
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(all, vec![0, 1, 2, 3, 4, 5]);
/// # Ok(()) }
/// ```
pub fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    struct State<F> {
        fetch: F,
        cursor: Option<String>,
        started: bool,
        done: bool,
    }
    let state = State {
        fetch,
        cursor: None,
        started: false,
        done: false,
    };
    stream::try_unfold(state, |mut st| async move {
        if st.done || (st.started && st.cursor.is_none()) {
            return Ok::<_, crate::Error>(None);
        }
        st.started = true;
        let prev = st.cursor.take();
        let page = (st.fetch)(prev.clone()).await?;
        st.cursor = page
            .next
            .filter(|c| !c.is_empty() && Some(c) != prev.as_ref());
        if st.cursor.is_none() {
            st.done = true;
        }
        Ok(Some((stream::iter(page.items.into_iter().map(Ok)), st)))
    })
    .try_flatten()
}

/// Runs `fetch` over `ids` in chunks of `chunk` (at least 1), one chunk at a
/// time, and yields every result: for batch lookups that take at most so
/// many ids per request.
pub fn chunked<I, T, F, Fut>(ids: Vec<I>, chunk: usize, fetch: F) -> impl Stream<Item = Result<T>>
where
    I: Clone,
    F: FnMut(Vec<I>) -> Fut,
    Fut: Future<Output = Result<Vec<T>>>,
{
    let chunks: Vec<Vec<I>> = ids.chunks(chunk.max(1)).map(<[I]>::to_vec).collect();
    stream::iter(chunks)
        .then(fetch)
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn stops_on_repeated_cursor_and_is_lazy() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let s = paginate(move |cur: Option<String>| {
            c.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(Page {
                    items: vec![cur.clone().unwrap_or_default()],
                    next: Some("same".to_owned()),
                    total: None,
                })
            }
        });
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "nothing fetched before polling"
        );
        let items: Vec<String> = s.try_collect().await.unwrap_or_default();
        assert_eq!(items, vec!["".to_owned(), "same".to_owned()]);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn chunked_sends_in_chunks() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let out: Vec<u32> = chunked((0..7).collect(), 3, move |c: Vec<u32>| {
            if let Ok(mut g) = s2.lock() {
                g.push(c.len());
            }
            async move { Ok(c.into_iter().map(|x| x * 10).collect()) }
        })
        .try_collect()
        .await
        .unwrap_or_default();
        assert_eq!(out, vec![0, 10, 20, 30, 40, 50, 60]);
        assert_eq!(
            *seen.lock().unwrap_or_else(|e| e.into_inner()),
            vec![3, 3, 1]
        );
    }
}
