//! Where events live: the [`Store`] trait and its SQLite and PostgreSQL implementations.
//!
//! All times cross this boundary as milliseconds since the Unix epoch, computed by the
//! caller from its injected clock, so stores never read the clock themselves.

use std::collections::BTreeMap;

use futures::future::BoxFuture;

use crate::{Claimed, InboxError, NewEvent, Status, StoredEvent};

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// The default table name.
pub const DEFAULT_TABLE: &str = "sturdy_inbox_events";

/// The result of storing a verified event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inserted {
    /// Stored as new, with this id.
    New(i64),
    /// An event with the same (provider, event id) was already stored.
    Duplicate,
}

/// How a claimed event ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler succeeded.
    Applied,
    /// The handler failed; retry at `next_attempt_ms`.
    Failed {
        /// The error text.
        error: String,
        /// When to retry.
        next_attempt_ms: i64,
    },
    /// The handler failed for the last time.
    Dead {
        /// The error text.
        error: String,
    },
}

/// Which events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this provider.
    pub provider: Option<String>,
    /// At most this many (newest first); 0 means 100.
    pub limit: usize,
}

impl ListQuery {
    /// Every event, newest first, up to `limit`.
    pub fn new(limit: usize) -> Self {
        Self {
            status: None,
            provider: None,
            limit,
        }
    }

    /// Only events in `status`.
    pub fn status(mut self, status: Status) -> Self {
        self.status = Some(status);
        self
    }

    /// Only events from `provider`.
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    pub(crate) fn effective_limit(&self) -> i64 {
        if self.limit == 0 {
            100
        } else {
            i64::try_from(self.limit).unwrap_or(i64::MAX)
        }
    }
}

/// A place to keep events. Implementations must make [`claim`](Store::claim) atomic: an
/// event is handed to one claimant at a time, until its lease runs out.
pub trait Store: Send + Sync + 'static {
    /// Stores `event` unless (provider, event id) is already stored.
    fn insert(&self, event: NewEvent) -> BoxFuture<'_, Result<Inserted, InboxError>>;

    /// Claims up to `limit` events that are `received`, `failed` and due, or `processing`
    /// with an expired lease; marks them `processing` until `now_ms + lease_ms`, adds one
    /// attempt, and tags them with a fresh token.
    fn claim(
        &self,
        worker: String,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, InboxError>>;

    /// Records how a claim ended, if `token` still holds the claim. Returns false (and
    /// changes nothing) when the lease was lost to another worker.
    fn complete(
        &self,
        id: i64,
        token: String,
        outcome: Outcome,
        now_ms: i64,
    ) -> BoxFuture<'_, Result<bool, InboxError>>;

    /// One event by its inbox id.
    fn get(&self, id: i64) -> BoxFuture<'_, Result<Option<StoredEvent>, InboxError>>;

    /// Events matching `query`, newest first.
    fn list(&self, query: ListQuery) -> BoxFuture<'_, Result<Vec<StoredEvent>, InboxError>>;

    /// Makes events claimable again now (attempts reset to 0): the one with `id` when
    /// given, else those received in `[from_ms, to_ms)` (optionally only in `status`).
    /// Events held under a live lease are left alone. Returns how many were reset.
    fn replay(&self, target: ReplayTarget, now_ms: i64) -> BoxFuture<'_, Result<u64, InboxError>>;

    /// How many events are in each status.
    fn counts(&self) -> BoxFuture<'_, Result<BTreeMap<Status, u64>, InboxError>>;
}

/// What to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayTarget {
    /// One event.
    Id(i64),
    /// Events received in `[from_ms, to_ms)`, optionally only in one status.
    Range {
        /// Start, inclusive (ms since the epoch).
        from_ms: i64,
        /// End, exclusive.
        to_ms: i64,
        /// Only this status.
        status: Option<Status>,
    },
}

/// Checks that a table name is a plain identifier, so it can be put into SQL.
pub(crate) fn check_table(name: &str) -> Result<(), InboxError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err(InboxError::Config(format!(
            "table name `{name}` must be 1-63 ASCII letters, digits or `_`, not starting with a digit"
        )))
    }
}

/// The claim condition shared by both stores (`?now` is the first parameter).
pub(crate) fn claimable(now: &str) -> String {
    format!(
        "((status IN ('received', 'failed') AND next_attempt_at <= {now}) \
         OR (status = 'processing' AND lease_until <= {now}))"
    )
}
