//! The decode scope: which operation of which client a decode on this thread belongs to.
//!
//! Decoding is synchronous, so a thread-local is exact: the runtime sets the scope right
//! before it calls a decode function and restores the previous one right after (also when the
//! decode panics). Setting it allocates nothing.

use std::cell::RefCell;
use std::sync::Arc;

use super::{DriftKind, DriftSink};
use crate::client::Client;

struct Active {
    operation: &'static str,
    sink: Arc<DriftSink>,
}

thread_local! {
    static SCOPE: RefCell<Option<Active>> = const { RefCell::new(None) };
}

/// Puts the previous scope back when dropped.
struct Restore(Option<Active>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = SCOPE.try_with(|s| *s.borrow_mut() = previous);
    }
}

/// Runs `decode` with drift reports counted for `operation` on `client`.
pub(crate) fn in_scope<R>(
    client: &Client,
    operation: &'static str,
    decode: impl FnOnce() -> R,
) -> R {
    let active = Active {
        operation,
        sink: Arc::clone(&client.inner.drift),
    };
    let previous = SCOPE.with(|s| s.replace(Some(active)));
    let _restore = Restore(previous);
    decode()
}

/// Counts a report in the current scope; `false` when there is none.
pub(crate) fn deliver(
    kind: DriftKind,
    ty: &'static str,
    pointer: &'static str,
    value: Option<&str>,
) -> bool {
    let active = SCOPE
        .try_with(|s| {
            s.borrow()
                .as_ref()
                .map(|a| (a.operation, Arc::clone(&a.sink)))
        })
        .ok()
        .flatten();
    match active {
        Some((operation, sink)) => {
            sink.record(operation, kind, ty, pointer.into(), value);
            true
        }
        None => false,
    }
}
