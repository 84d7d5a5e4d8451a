//! Where a client's drift signals are counted, and the rate limit of their warnings.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::report::{DriftEntry, DriftReport};
use super::DriftKind;
use crate::time::Clock;

/// (operation, pointer, kind).
pub(crate) type Key = (&'static str, Cow<'static, str>, DriftKind);

/// A key's counts since the last [`DriftSink::take`].
struct Tally {
    ty: &'static str,
    count: u64,
    first_seen: SystemTime,
    last_seen: SystemTime,
    sample: Option<String>,
}

/// A key's warning state (kept across [`DriftSink::take`]).
struct Warned {
    at: Instant,
    /// Signals since that warning.
    since: u64,
}

#[derive(Default)]
struct Books {
    tallies: BTreeMap<Key, Tally>,
    warned: BTreeMap<Key, Warned>,
}

/// One client's drift counts (shared by its clones).
pub(crate) struct DriftSink {
    clock: Arc<dyn Clock>,
    interval: Duration,
    books: Mutex<Books>,
}

/// A warning due, emitted once the books are unlocked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Due {
    /// Signals since the previous warning of the key, this one included.
    pub(crate) count: u64,
    /// Signals of the key since the last [`DriftSink::take`].
    pub(crate) total: u64,
}

impl DriftSink {
    /// Counts with times from `clock`, warning at most once per `interval` per key.
    pub(crate) fn new(clock: Arc<dyn Clock>, interval: Duration) -> Self {
        Self {
            clock,
            interval,
            books: Mutex::new(Books::default()),
        }
    }

    /// Counts one signal, and warns if the key's interval has passed.
    pub(crate) fn record(
        &self,
        operation: &'static str,
        kind: DriftKind,
        ty: &'static str,
        pointer: Cow<'static, str>,
        value: Option<&str>,
    ) {
        let sample = value.map(super::sample);
        let key = (operation, pointer, kind);
        let due = self.tally(&key, ty, sample.as_deref());
        let (operation, pointer, kind) = key;
        if let Some(due) = due {
            tracing::warn!(
                target: "sturdy::drift",
                operation,
                pointer = &*pointer,
                kind = kind.as_str(),
                r#type = ty,
                value = sample.as_deref().unwrap_or(""),
                count = due.count,
                total = due.total,
                "{}",
                kind.message()
            );
        }
        #[cfg(feature = "metrics")]
        metrics::counter!(
            "sturdy_drift_total",
            "operation" => operation,
            "pointer" => pointer,
            "kind" => kind.as_str()
        )
        .increment(1);
        #[cfg(not(feature = "metrics"))]
        let _ = pointer;
    }

    /// Counts one signal of `key`; the warning due, if the key's interval has passed.
    pub(crate) fn tally(&self, key: &Key, ty: &'static str, sample: Option<&str>) -> Option<Due> {
        let (now, wall) = (self.clock.now(), self.clock.system_now());
        let mut books = self.books.lock().unwrap_or_else(|e| e.into_inner());
        let total = match books.tallies.get_mut(key) {
            Some(t) => {
                t.count += 1;
                t.last_seen = wall;
                t.ty = ty;
                if let Some(s) = sample {
                    t.sample = Some(s.to_owned());
                }
                t.count
            }
            None => {
                let tally = Tally {
                    ty,
                    count: 1,
                    first_seen: wall,
                    last_seen: wall,
                    sample: sample.map(str::to_owned),
                };
                books.tallies.insert(key.clone(), tally);
                1
            }
        };
        match books.warned.get_mut(key) {
            Some(w) if now.saturating_duration_since(w.at) < self.interval => {
                w.since += 1;
                None
            }
            Some(w) => {
                let count = w.since + 1;
                *w = Warned { at: now, since: 0 };
                Some(Due { count, total })
            }
            None => {
                books
                    .warned
                    .insert(key.clone(), Warned { at: now, since: 0 });
                Some(Due { count: 1, total })
            }
        }
    }

    /// The counts so far.
    pub(crate) fn report(&self) -> DriftReport {
        let books = self.books.lock().unwrap_or_else(|e| e.into_inner());
        entries(books.tallies.iter())
    }

    /// The counts so far, and counting starts afresh (warning intervals run on).
    pub(crate) fn take(&self) -> DriftReport {
        let tallies = {
            let mut books = self.books.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut books.tallies)
        };
        entries(tallies.iter())
    }
}

fn entries<'a>(tallies: impl Iterator<Item = (&'a Key, &'a Tally)>) -> DriftReport {
    DriftReport::new(
        tallies
            .map(|((operation, pointer, kind), t)| DriftEntry {
                operation,
                pointer: pointer.to_string(),
                kind: *kind,
                type_name: t.ty,
                count: t.count,
                first_seen: t.first_seen,
                last_seen: t.last_seen,
                sample: t.sample.clone(),
            })
            .collect(),
    )
}
