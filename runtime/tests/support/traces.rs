//! A process-wide subscriber that records nothing but keeps every callsite's interest at
//! "sometimes", for test binaries where one test reads its spans through a thread-scoped
//! subscriber while other tests run on other threads with none. Without it, a callsite first
//! hit on such a thread can be cached as "never" (tracing's interest is global) between
//! `rebuild_interest_cache` and the test's own span, and the span is lost: a flake seen in CI.

use std::sync::Once;

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::{DefaultGuard, Interest};
use tracing::{Event, Metadata, Subscriber};

struct Quiet;

impl Subscriber for Quiet {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Installs `subscriber` for this thread, with [`Quiet`] as the process's global default and
/// every callsite's interest recomputed, so the test's spans and events reach it whatever
/// other threads cached before.
pub fn scoped(subscriber: impl Subscriber + Send + Sync + 'static) -> DefaultGuard {
    keep_interest_open();
    let guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    guard
}

/// Installs [`Quiet`] as the global default once per process.
fn keep_interest_open() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing::subscriber::set_global_default(Quiet);
    });
}
