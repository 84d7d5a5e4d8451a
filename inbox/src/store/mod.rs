//! Where events live: the [`Store`] trait and its SQLite and PostgreSQL implementations.
//!
//! All times cross this boundary as milliseconds since the Unix epoch, computed by the
//! caller from its injected clock, so stores never read the clock themselves.

use std::collections::BTreeMap;

use futures::future::BoxFuture;

use crate::event::{from_ms, headers_from_json};
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

    /// How many events are in each status, across every process sharing the store.
    fn counts(&self) -> BoxFuture<'_, Result<BTreeMap<Status, u64>, InboxError>>;

    /// Extends to `now_ms + lease_ms` the lease of the events still held under `token`
    /// whose lease has not run out at `now_ms` (only event `only`, when given). An expired
    /// lease is never extended, even if no other worker has taken the event yet. Returns how
    /// many leases were extended.
    fn extend(
        &self,
        token: String,
        only: Option<i64>,
        now_ms: i64,
        lease_ms: i64,
    ) -> BoxFuture<'_, Result<u64, InboxError>>;

    /// Gives back event `id`, claimed under `token` but never handed to a handler: it becomes
    /// claimable at `now_ms` and the claim's attempt is not counted. Returns false when the
    /// token no longer holds the event.
    fn release(
        &self,
        id: i64,
        token: String,
        now_ms: i64,
    ) -> BoxFuture<'_, Result<bool, InboxError>>;

    /// One event by the provider's event id.
    fn find(
        &self,
        provider: String,
        event_id: String,
    ) -> BoxFuture<'_, Result<Option<StoredEvent>, InboxError>>;
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

/// The columns every query that returns events selects, in [`RawEvent`] order.
pub(crate) const COLUMNS: [&str; 14] = [
    "id",
    "provider",
    "event_id",
    "event_type",
    "headers",
    "body",
    "status",
    "attempts",
    "received_at",
    "next_attempt_at",
    "last_error",
    "applied_at",
    "lease_until",
    "claimed_by",
];

/// [`COLUMNS`] as a select list, each prefixed with `prefix` (`""` or `"tbl."`).
pub(crate) fn columns(prefix: &str) -> String {
    COLUMNS
        .iter()
        .map(|c| format!("{prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table, with `{id}` (the auto-increment key), `{int}` (64-bit integer) and `{blob}`
/// spelled by the dialect.
pub(crate) fn schema(table: &str, id: &str, int: &str, blob: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (
            id {id},
            provider TEXT NOT NULL,
            event_id TEXT NOT NULL,
            event_type TEXT,
            headers TEXT NOT NULL,
            body {blob} NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            received_at {int} NOT NULL,
            next_attempt_at {int} NOT NULL,
            lease_until {int},
            claim_token TEXT,
            claimed_by TEXT,
            last_error TEXT,
            applied_at {int},
            UNIQUE (provider, event_id)
        );
        CREATE INDEX IF NOT EXISTS {table}_due ON {table} (status, next_attempt_at);
        CREATE INDEX IF NOT EXISTS {table}_received ON {table} (received_at);"
    )
}

/// One row of [`COLUMNS`] as the database returned it; both stores read into this and
/// share [`RawEvent::into_event`].
pub(crate) struct RawEvent {
    pub id: i64,
    pub provider: String,
    pub event_id: String,
    pub event_type: Option<String>,
    pub headers: String,
    pub body: Vec<u8>,
    pub status: String,
    pub attempts: i64,
    pub received_at: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub applied_at: Option<i64>,
    pub lease_until: Option<i64>,
    pub claimed_by: Option<String>,
}

impl RawEvent {
    pub(crate) fn into_event(self) -> Result<StoredEvent, InboxError> {
        let status = self
            .status
            .parse::<Status>()
            .map_err(|e| InboxError::Corrupt(e.to_string()))?;
        Ok(StoredEvent {
            id: self.id,
            provider: self.provider,
            event_id: self.event_id,
            event_type: self.event_type,
            headers: headers_from_json(&self.headers),
            body: self.body,
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            received_at: from_ms(self.received_at),
            next_attempt_at: from_ms(self.next_attempt_at),
            last_error: self.last_error,
            applied_at: self.applied_at.map(from_ms),
            lease_until: self.lease_until.map(from_ms),
            claimed_by: self.claimed_by,
        })
    }
}

/// The columns `complete` writes for `outcome`: status, error, next attempt, applied at.
pub(crate) fn outcome_columns(
    outcome: Outcome,
    now_ms: i64,
) -> (&'static str, Option<String>, i64, Option<i64>) {
    match outcome {
        Outcome::Applied => ("applied", None, now_ms, Some(now_ms)),
        Outcome::Failed {
            error,
            next_attempt_ms,
        } => ("failed", Some(error), next_attempt_ms, None),
        Outcome::Dead { error } => ("dead", Some(error), now_ms, None),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: &str, attempts: i64, headers: &str) -> RawEvent {
        RawEvent {
            id: 7,
            provider: "stripe".into(),
            event_id: "evt_7".into(),
            event_type: None,
            headers: headers.into(),
            body: b"{}".to_vec(),
            status: status.into(),
            attempts,
            received_at: 1_000,
            next_attempt_at: 2_000,
            last_error: None,
            applied_at: None,
            lease_until: Some(3_000),
            claimed_by: Some("w".into()),
        }
    }

    #[test]
    fn rows_map_to_events() {
        let e = raw("processing", 2, r#"[["x-a","1"]]"#)
            .into_event()
            .unwrap();
        assert_eq!((e.id, e.status, e.attempts), (7, Status::Processing, 2));
        assert_eq!(e.headers, vec![("x-a".to_owned(), "1".to_owned())]);
        assert_eq!(e.lease_until, Some(from_ms(3_000)));
        assert_eq!(e.claimed_by.as_deref(), Some("w"));
    }

    #[test]
    fn unreadable_rows_are_errors_or_defaults_never_panics() {
        assert!(matches!(
            raw("done", 1, "[]").into_event(),
            Err(InboxError::Corrupt(_))
        ));
        let e = raw("failed", -3, "not json").into_event().unwrap();
        assert_eq!((e.attempts, e.headers.len()), (0, 0));
    }

    #[test]
    fn every_select_lists_the_same_columns() {
        assert_eq!(columns("t.").split(", ").count(), COLUMNS.len());
        assert!(columns("t.").starts_with("t.id, t.provider"));
        assert!(schema("tbl", "ID", "INT", "BLOB").contains("lease_until INT"));
    }

    #[test]
    fn outcomes_map_to_columns() {
        assert_eq!(
            outcome_columns(Outcome::Applied, 5),
            ("applied", None, 5, Some(5))
        );
        let failed = Outcome::Failed {
            error: "e".into(),
            next_attempt_ms: 9,
        };
        assert_eq!(
            outcome_columns(failed, 5),
            ("failed", Some("e".into()), 9, None)
        );
        let dead = Outcome::Dead { error: "e".into() };
        assert_eq!(
            outcome_columns(dead, 5),
            ("dead", Some("e".into()), 5, None)
        );
    }
}
