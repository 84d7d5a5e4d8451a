//! A client-side idempotency store, for APIs that accept no idempotency key.
//!
//! `.dedupe_key("order-42")` on a [`crate::Call`] records (operation, key, payload hash) in the
//! client's [`DedupeStore`] before anything is sent, and the outcome after:
//!
//! - **Fresh** key: the call is sent. A definite HTTP answer (2xx, 3xx, 4xx) is recorded as a
//!   [`RecordedOutcome`]; a failure that was certainly not sent ([`crate::Sent::No`]), or a
//!   408 or 429 on the call's only attempt (not processed), releases the key; a failure that
//!   may have been applied (timeout, dropped connection, a 5xx, a process killed
//!   mid-flight, a dropped future) leaves the record *in doubt*.
//! - **Repeat** with the same key and payload of a recorded call: the recorded outcome is
//!   returned without sending (status, the headers in [`KEPT_HEADERS`], the body up to
//!   [`MAX_RECORDED_BODY`] bytes), so it decodes into the same typed value; such a response
//!   reports `attempts() == 0`.
//! - The same key with **another payload**: [`crate::ErrorKind::DedupeConflict`], not sent.
//! - A key whose earlier attempt is **in doubt**: [`crate::ErrorKind::InDoubt`], not sent;
//!   the error carries the key and the time of the earlier attempt. Look the object up at the
//!   provider; if the write did not happen, send again with `.resend_in_doubt()`.
//!
//! A record still pending is in doubt whether its process died or is still waiting for the
//! answer: the store cannot tell them apart, so a concurrent repeat gets `InDoubt` too.
//! If recording the outcome fails after an answer arrived, the call still returns the answer
//! and the record stays in doubt (the safe side). Records are kept until removed by the
//! application; the store is the client's ([`crate::ClientBuilder::dedupe_store`]).
//!
//! Stores: [`MemoryDedupeStore`] here (one process, lost on exit); SQLite and PostgreSQL stores
//! that survive restarts are in the `sturdy-inbox` crate.

use std::fmt;
use std::time::SystemTime;

use bytes::Bytes;
use futures::future::BoxFuture;

pub(crate) mod call;
#[cfg(any(test, feature = "test-util"))]
pub mod contract;
mod hash;
mod memory;

pub use hash::payload_hash;
pub use memory::MemoryDedupeStore;

/// The largest response body a record keeps; a larger one is recorded without its body, and a
/// repeat then fails with [`crate::ErrorKind::Decode`] instead of resending.
pub const MAX_RECORDED_BODY: usize = 1024 * 1024;

/// The response headers a record keeps (besides the request-id headers of
/// [`crate::REQUEST_ID_HEADERS`]).
pub const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "content-encoding",
    "content-language",
    "content-location",
    "location",
    "etag",
    "last-modified",
];

/// One deduplicated call as the store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupeEntry {
    /// The operation id.
    pub operation: String,
    /// The caller's key (`.dedupe_key(..)`).
    pub key: String,
    /// [`payload_hash`] of the request: method, path, query and body.
    pub payload_hash: String,
    /// Now, from the client's clock: the attempt's start time when it begins one.
    pub at: SystemTime,
}

/// The answer a call got, as recorded and replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedOutcome {
    /// The HTTP status.
    pub status: u16,
    /// The headers kept ([`KEPT_HEADERS`] and request ids), lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body, empty when it was over [`MAX_RECORDED_BODY`] (then `body_dropped`).
    pub body: Bytes,
    /// The body was too large to keep.
    pub body_dropped: bool,
}

/// A record whose attempt may have been sent and has no recorded answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InDoubtRecord {
    /// When the earlier attempt began.
    pub started_at: SystemTime,
    /// The record's attempt number (1 for the first send, +1 per `.resend_in_doubt()`).
    pub attempt: u64,
}

/// What [`DedupeStore::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Begin {
    /// The key is now pending for this caller, as attempt `n`: send, then
    /// [`DedupeStore::finish`] with that `n`.
    Fresh(u64),
    /// The key has a recorded answer for the same payload: return it, send nothing.
    Done(RecordedOutcome),
    /// The key is pending (its attempt may have been sent): send nothing.
    InDoubt(InDoubtRecord),
    /// The key was used with another payload: send nothing.
    Conflict,
}

/// How a fresh attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finish {
    /// A definite answer: record it (the key is then done).
    Record(RecordedOutcome),
    /// Certainly not sent: remove the pending record (the key is free again).
    Release,
}

/// Why a store operation failed.
#[derive(Debug)]
pub struct DedupeStoreError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl DedupeStoreError {
    /// A failure described by `message`, with its cause.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source,
        }
    }
}

impl fmt::Display for DedupeStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DedupeStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Where deduplicated calls are recorded. Held by the client as `Arc<dyn DedupeStore>`.
///
/// Both methods must be implemented for real (there is no no-op default): a store that
/// forgets records would resend writes it promised not to resend.
///
/// - `begin(entry, resend_in_doubt)`, atomically per (operation, key): no record → create a
///   pending one as attempt 1 started at `entry.at`, [`Begin::Fresh`]`(1)`; a record with
///   another payload hash → [`Begin::Conflict`]; a recorded answer → [`Begin::Done`]; a
///   pending record → [`Begin::InDoubt`], unless `resend_in_doubt`, which takes it over as
///   attempt n + 1 started at `entry.at` ([`Begin::Fresh`]`(n + 1)`; of two callers resending
///   at once, one gets `Fresh`, the other `InDoubt`).
/// - `finish(entry, attempt, how)`: only while the record is pending as `attempt` (a stale
///   attempt taken over by a resend changes nothing): [`Finish::Record`] stores the answer,
///   [`Finish::Release`] deletes the record.
///
/// ```
/// use std::sync::Arc;
/// use sturdy_runtime::dedupe::{DedupeStore, MemoryDedupeStore};
/// let store: Arc<dyn DedupeStore> = Arc::new(MemoryDedupeStore::new());
/// let client = sturdy_runtime::Client::builder()
///     .base_url("https://api.example.com")
///     .dedupe_store(store)
///     .build()
///     .unwrap();
/// # let _ = client;
/// ```
pub trait DedupeStore: fmt::Debug + Send + Sync + 'static {
    /// Claims the key for a send, or says why not (see the trait docs).
    fn begin<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        resend_in_doubt: bool,
    ) -> BoxFuture<'a, Result<Begin, DedupeStoreError>>;

    /// Records how attempt `attempt` of the key ended (see the trait docs).
    fn finish<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        attempt: u64,
        how: Finish,
    ) -> BoxFuture<'a, Result<(), DedupeStoreError>>;
}
