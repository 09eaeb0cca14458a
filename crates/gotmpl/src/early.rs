//! Template texts parsed early: a program that knows it will parse a set of texts soon
//! (the chart loader, reading a chart it is about to render) hands each text over as soon
//! as it has it, and a thread of its own parses them while the program goes on with other
//! work. [`crate::Template::parse_all_with`] then takes the finished parses of the texts
//! it is given instead of parsing them again.
//!
//! Off unless [`enable`] is called (the texts and their parses are kept until taken, so
//! only a program that takes them should turn it on). The result never differs from a
//! parse done at the time: an early parse is made with the default delimiters and every
//! function name allowed, and it is only used for a set with those delimiters in which
//! every function name it met is defined; a text whose early parse failed is parsed
//! again in place, for the error under its real name. A text not parsed yet when it is
//! needed is parsed in place (the early thread then skips it); one being parsed is
//! waited for.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use rustc_hash::FxBuildHasher;

use crate::parse::node::Tree;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Early parses used so far.
static USED: AtomicUsize = AtomicUsize::new(0);

/// How many early parses were used so far (for tests).
#[doc(hidden)]
pub fn used() -> usize {
    USED.load(Ordering::Relaxed)
}

/// Turns early parsing on for this process.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether [`enable`] was called.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Below this many bytes handed over in all, no thread is started: parsing them where
/// they are needed costs less than starting one.
const EARLY_MIN_BYTES: usize = 32 * 1024;

/// Hands a template's bytes over to be parsed early (nothing happens unless
/// [`enable`]d; bytes that are not UTF-8 text are never parsed early).
pub fn submit(data: Arc<[u8]>) {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if !enabled() {
        return;
    }
    let total = {
        let mut inner = lock(&SHARED.inner);
        inner.bytes += data.len();
        inner.queue.push_back(data);
        inner.bytes
    };
    if total >= EARLY_MIN_BYTES && !STARTED.swap(true, Ordering::Relaxed) {
        // Without the thread, texts stay queued and are parsed where they are needed.
        let _ = std::thread::Builder::new()
            .name("early-parse".into())
            .spawn(worker);
    }
    SHARED.work.notify_one();
}

/// How many texts were handed over and are not taken up or parsed yet (for tests
/// that want the early thread done).
#[doc(hidden)]
pub fn pending() -> usize {
    let inner = lock(&SHARED.inner);
    inner.queue.len()
        + inner
            .slots
            .values()
            .flatten()
            .filter(|s| matches!(s.state, State::Running))
            .count()
}

/// The parse of one text, once done: its trees (named after the empty string) and
/// the function names it used.
struct Parsed {
    trees: Vec<Tree>,
    funcs: Vec<String>,
}

enum State {
    /// Being parsed by the early thread.
    Running,
    /// Parsed; `None` when the parse failed.
    Done(Option<Parsed>),
}

struct Slot {
    text: Arc<str>,
    state: State,
}

struct Inner {
    /// Texts handed over, not yet taken up by the early thread.
    queue: VecDeque<Arc<[u8]>>,
    /// Bytes handed over so far.
    bytes: usize,
    /// Texts the early thread took up, by their hash (FxHash of the `str`, as
    /// `parse_all_with` hashes them).
    slots: HashMap<u64, Vec<Slot>, FxBuildHasher>,
}

struct Shared {
    inner: Mutex<Inner>,
    /// Signalled when a text is queued.
    work: Condvar,
    /// Signalled when a parse is done.
    done: Condvar,
}

static SHARED: Shared = Shared {
    inner: Mutex::new(Inner {
        queue: VecDeque::new(),
        bytes: 0,
        slots: HashMap::with_hasher(FxBuildHasher),
    }),
    work: Condvar::new(),
    done: Condvar::new(),
};

/// A mutex's guard, also after a thread panicked holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn hash_text(text: &str) -> u64 {
    FxBuildHasher.hash_one(text)
}

/// The early thread: takes up queued texts in order, for as long as the process runs.
fn worker() {
    loop {
        let mut inner = lock(&SHARED.inner);
        let data = loop {
            match inner.queue.pop_front() {
                Some(d) => break d,
                None => inner = SHARED.work.wait(inner).unwrap_or_else(|e| e.into_inner()),
            }
        };
        work(inner, &data);
    }
}

/// One queued text: recorded as running (under the lock, so that a caller looking for
/// it either finds it queued or running), then parsed.
fn work(mut inner: MutexGuard<'_, Inner>, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let hash = hash_text(text);
    let same = inner.slots.entry(hash).or_default();
    if same.iter().any(|s| *s.text == *text) {
        // The same text again (a chart holding a file twice): parsed once.
        return;
    }
    let text: Arc<str> = Arc::from(text);
    same.push(Slot {
        text: text.clone(),
        state: State::Running,
    });
    drop(inner);
    let used = std::cell::RefCell::new(Vec::<String>::new());
    let has_func = |name: &str| {
        let mut u = used.borrow_mut();
        if !u.iter().any(|n| n == name) {
            u.push(name.to_owned());
        }
        true
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::parse::parse::parse_shared("", &text, "{{", "}}", &has_func).ok()
    }))
    .ok()
    .flatten()
    .map(|trees| Parsed {
        trees,
        funcs: used.take(),
    });
    let mut inner = lock(&SHARED.inner);
    if let Some(slot) = inner
        .slots
        .get_mut(&hash)
        .and_then(|same| same.iter_mut().find(|s| Arc::ptr_eq(&s.text, &text)))
    {
        slot.state = State::Done(result);
    }
    drop(inner);
    SHARED.done.notify_all();
}

/// The early parse of `text` (hashed `hash`) for a set with the default delimiters and
/// functions `has_func`, if there is a usable one: its shared text and its trees (the
/// first named `name`, every one parsed as `name`). Waits for a parse under way; a
/// text still queued is dropped from the queue and left to the caller, as is one whose
/// early parse failed or used a function the set does not have.
pub(crate) fn take(
    hash: u64,
    text: &str,
    name: &Arc<str>,
    has_func: &dyn Fn(&str) -> bool,
) -> Option<(Arc<str>, Vec<Tree>)> {
    if !enabled() {
        return None;
    }
    let mut inner = lock(&SHARED.inner);
    let slot = loop {
        let Some(at) = inner
            .slots
            .get(&hash)
            .and_then(|same| same.iter().position(|s| *s.text == *text))
        else {
            // Not taken up yet: parsed by the caller, and not by the early thread.
            inner
                .queue
                .retain(|d| d.len() != text.len() || **d != *text.as_bytes());
            return None;
        };
        let same = inner.slots.get_mut(&hash)?;
        if matches!(same[at].state, State::Running) {
            inner = SHARED.done.wait(inner).unwrap_or_else(|e| e.into_inner());
            continue;
        }
        break same.swap_remove(at);
    };
    drop(inner);
    let State::Done(Some(parsed)) = slot.state else {
        return None;
    };
    if !parsed.funcs.iter().all(|f| has_func(f)) {
        return None;
    }
    let trees = parsed
        .trees
        .into_iter()
        .enumerate()
        .map(|(k, t)| Tree::of_file(name, k, t.name, t.text, t.root))
        .collect();
    USED.fetch_add(1, Ordering::Relaxed);
    Some((slot.text, trees))
}
