//! Durable [`DedupeStore`](sturdy_runtime::dedupe::DedupeStore)s for `sturdy-runtime`'s
//! client-side idempotency (`.dedupe_key(..)` on a call): SQLite embedded (feature `sqlite`)
//! and PostgreSQL for many processes (feature `postgres`). Records survive process restarts:
//! a call whose process was killed mid-flight is reported in doubt by the next process
//! instead of being resent.
//!
//! One row per (operation, key): the payload hash, the attempt number and its start time
//! (milliseconds since the Unix epoch, from the client's clock), and once answered the
//! recorded status, headers (JSON) and body. A row without a status is pending: in doubt.
//! Rows are never deleted except by a release (a call certainly not sent); remove old ones
//! yourself when their keys can no longer repeat.
//!
//! ```no_run
//! # #[cfg(feature = "sqlite")]
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let store = sturdy_inbox::SqliteDedupeStore::open("dedupe.db")?;
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("https://api.example.com")
//!     .dedupe_store(Arc::new(store))
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```

use sturdy_runtime::dedupe::{
    Begin, DedupeEntry, DedupeStoreError, InDoubtRecord, RecordedOutcome,
};

use crate::InboxError;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// The default table name.
pub const DEFAULT_DEDUPE_TABLE: &str = "sturdy_dedupe";

/// The table, with `int` and `blob` as the database spells them.
pub(crate) fn schema(table: &str, int: &str, blob: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (
            operation TEXT NOT NULL,
            dedupe_key TEXT NOT NULL,
            payload_hash TEXT NOT NULL,
            attempt {int} NOT NULL,
            started_at {int} NOT NULL,
            status INTEGER,
            headers TEXT,
            body {blob},
            body_dropped INTEGER NOT NULL DEFAULT 0,
            finished_at {int},
            PRIMARY KEY (operation, dedupe_key)
        )"
    )
}

/// A stored row, as both stores read it.
pub(crate) struct Row {
    pub payload_hash: String,
    pub attempt: i64,
    pub started_at: i64,
    pub status: Option<i64>,
    pub headers: Option<String>,
    pub body: Option<Vec<u8>>,
    pub body_dropped: bool,
}

/// What `begin` does with the row it found.
pub(crate) enum Step {
    /// Answer without writing.
    Answer(Begin),
    /// Take the pending row over: attempt `from` becomes `from + 1`.
    TakeOver { from: i64 },
}

/// The rules of [`sturdy_runtime::dedupe::DedupeStore::begin`] for an existing row.
pub(crate) fn step(row: Row, entry: &DedupeEntry, resend: bool) -> Result<Step, InboxError> {
    if row.payload_hash != entry.payload_hash {
        return Ok(Step::Answer(Begin::Conflict));
    }
    if let Some(status) = row.status {
        let status = u16::try_from(status)
            .map_err(|_| InboxError::Corrupt(format!("dedupe status {status}")))?;
        let headers = match row.headers.as_deref() {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| InboxError::Corrupt(format!("dedupe headers: {e}")))?,
            None => Vec::new(),
        };
        return Ok(Step::Answer(Begin::Done(RecordedOutcome {
            status,
            headers,
            body: row.body.unwrap_or_default().into(),
            body_dropped: row.body_dropped,
        })));
    }
    if resend {
        return Ok(Step::TakeOver { from: row.attempt });
    }
    Ok(Step::Answer(Begin::InDoubt(InDoubtRecord {
        started_at: crate::from_ms(row.started_at),
        attempt: u64::try_from(row.attempt)
            .map_err(|_| InboxError::Corrupt(format!("dedupe attempt {}", row.attempt)))?,
    })))
}

/// A recorded outcome's columns: status, headers JSON, body, body dropped.
pub(crate) fn outcome_columns(o: &RecordedOutcome) -> (i32, String, Vec<u8>, i32) {
    let headers = serde_json::to_string(&o.headers).unwrap_or_else(|_| "[]".to_owned());
    (
        i32::from(o.status),
        headers,
        o.body.to_vec(),
        i32::from(o.body_dropped),
    )
}

/// A store failure as the runtime sees it.
pub(crate) fn store_error(e: InboxError) -> DedupeStoreError {
    DedupeStoreError::new("dedupe store", Some(Box::new(e)))
}

/// An attempt number as a column value.
pub(crate) fn attempt_col(attempt: u64) -> i64 {
    i64::try_from(attempt).unwrap_or(i64::MAX)
}

/// An attempt number read back (never negative in a row this crate wrote).
pub(crate) fn attempt_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
