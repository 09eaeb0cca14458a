//! A small ordered parallel map for independent pieces of work (parsing template
//! texts, reading rendered documents): the results come back in input order, so
//! callers keep Go's sequential semantics, such as which error is reported first.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Most threads one map uses.
const MAX_THREADS: usize = 8;

/// Maps `f` over `items`, on up to as many threads as the machine has cores when
/// `parallel` is true (the caller decides whether the work pays for starting threads),
/// else on this thread. Items are handed out one at a time, so uneven items balance.
/// If a worker thread panics, its items are mapped again on this thread.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len())
        .min(MAX_THREADS);
    if !parallel || threads < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                break;
            };
            done.push((i, f(item)));
        }
        done
    };
    let mut slots: Vec<Option<R>> = Vec::new();
    slots.resize_with(items.len(), || None);
    std::thread::scope(|sc| {
        let helpers: Vec<_> = (1..threads).map(|_| sc.spawn(work)).collect();
        let mut all = work();
        for h in helpers {
            if let Ok(done) = h.join() {
                all.extend(done);
            }
        }
        for (i, r) in all {
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(r);
            }
        }
    });
    slots
        .into_iter()
        .zip(items)
        .map(|(r, item)| r.unwrap_or_else(|| f(item)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order() {
        let items: Vec<u64> = (0..1000).collect();
        for parallel in [false, true] {
            let out = map_in_order(&items, parallel, |x| x * x);
            assert_eq!(out, items.iter().map(|x| x * x).collect::<Vec<_>>());
        }
    }

    #[test]
    fn empty_input() {
        let out: Vec<u8> = map_in_order(&[] as &[u8], true, |x| *x);
        assert!(out.is_empty());
    }
}
