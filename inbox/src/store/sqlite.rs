//! Embedded SQLite store (the default).
//!
//! One connection per store, used from a blocking thread. The database runs in WAL mode
//! with `synchronous = NORMAL` and a 5 s busy timeout, so several processes may share one
//! file: a claim is a single `UPDATE ... RETURNING` statement, which SQLite runs under its
//! write lock, so two claimants never get the same event.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{
    check_table, claimable, columns, outcome_columns, schema, Inserted, ListQuery, Outcome,
    RawEvent, ReplayTarget, Store, DEFAULT_TABLE,
};
use crate::{Claimed, InboxError, NewEvent, Status, StoredEvent};

/// An inbox store in a SQLite database.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    table: Arc<str>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

/// Opens the database file at `path` in WAL mode, tuned as every sturdy SQLite store is
/// ([`tune`]).
/// Runs `f` with the locked connection and the table name on a blocking thread; shared by the
/// inbox and dedupe stores.
pub(crate) async fn blocking<T, F>(
    conn: Arc<Mutex<Connection>>,
    table: Arc<str>,
    f: F,
) -> Result<T, InboxError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection, &str) -> Result<T, InboxError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let mut guard = conn
            .lock()
            .map_err(|_| InboxError::Task("sqlite connection lock poisoned".into()))?;
        f(&mut guard, &table)
    })
    .await
    .map_err(|e| InboxError::Task(e.to_string()))?
}

pub(crate) fn open_wal(path: impl AsRef<Path>) -> Result<Connection, InboxError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    tune(&conn)?;
    Ok(conn)
}

/// A 5 s busy timeout (processes sharing the file wait for each other's writes) and
/// `synchronous = NORMAL` (safe with WAL).
fn tune(conn: &Connection) -> Result<(), InboxError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, with the default table.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, InboxError> {
        Self::open_table(path, DEFAULT_TABLE)
    }

    /// Opens the database at `path` and uses (creating if needed) `table`.
    pub fn open_table(path: impl AsRef<Path>, table: &str) -> Result<Self, InboxError> {
        check_table(table)?;
        Self::init(open_wal(path)?, table)
    }

    /// A private in-memory database (for tests and tools).
    pub fn in_memory() -> Result<Self, InboxError> {
        let conn = Connection::open_in_memory()?;
        tune(&conn)?;
        Self::init(conn, DEFAULT_TABLE)
    }

    fn init(conn: Connection, table: &str) -> Result<Self, InboxError> {
        conn.execute_batch(&schema(
            table,
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "INTEGER",
            "BLOB",
        ))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            table: table.into(),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub(crate) fn run<T, F>(&self, f: F) -> BoxFuture<'_, Result<T, InboxError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &str) -> Result<T, InboxError> + Send + 'static,
    {
        blocking(Arc::clone(&self.conn), Arc::clone(&self.table), f).boxed()
    }
}

fn row_to_event(row: &Row<'_>) -> rusqlite::Result<Result<StoredEvent, InboxError>> {
    let raw = RawEvent {
        id: row.get(0)?,
        provider: row.get(1)?,
        event_id: row.get(2)?,
        event_type: row.get(3)?,
        headers: row.get(4)?,
        body: row.get(5)?,
        status: row.get(6)?,
        attempts: row.get(7)?,
        received_at: row.get(8)?,
        next_attempt_at: row.get(9)?,
        last_error: row.get(10)?,
        applied_at: row.get(11)?,
        lease_until: row.get(12)?,
        claimed_by: row.get(13)?,
    };
    Ok(raw.into_event())
}

fn collect(
    rows: impl Iterator<Item = rusqlite::Result<Result<StoredEvent, InboxError>>>,
) -> Result<Vec<StoredEvent>, InboxError> {
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

impl Store for SqliteStore {
    fn insert(&self, e: NewEvent) -> BoxFuture<'_, Result<Inserted, InboxError>> {
        self.run(move |c, t| {
            let n = c.execute(
                &format!(
                    "INSERT INTO {t} (provider, event_id, event_type, headers, body, status, attempts, received_at, next_attempt_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'received', 0, ?6, ?6)
                     ON CONFLICT (provider, event_id) DO NOTHING"
                ),
                params![e.provider, e.event_id, e.event_type, e.headers_json, e.body, e.received_at_ms],
            )?;
            Ok(if n == 0 { Inserted::Duplicate } else { Inserted::New(c.last_insert_rowid()) })
        })
    }

    fn claim(
        &self,
        worker: String,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, InboxError>> {
        self.run(move |c, t| {
            let token = uuid::Uuid::new_v4().to_string();
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let mut stmt = c.prepare_cached(&format!(
                "UPDATE {t} SET status = 'processing', attempts = attempts + 1, lease_until = ?2,
                        claim_token = ?3, claimed_by = ?4
                 WHERE id IN (SELECT id FROM {t} WHERE {cond} ORDER BY next_attempt_at, id LIMIT ?5)
                 RETURNING {cols}",
                cond = claimable("?1"),
                cols = columns("")
            ))?;
            let rows = stmt.query_map(
                params![
                    now_ms,
                    now_ms.saturating_add(lease_ms),
                    token,
                    worker,
                    limit
                ],
                row_to_event,
            )?;
            let mut events = collect(rows)?;
            events.sort_by_key(|e| e.id);
            Ok(events
                .into_iter()
                .map(|event| Claimed {
                    event,
                    token: token.clone(),
                })
                .collect())
        })
    }

    fn complete(
        &self,
        id: i64,
        token: String,
        outcome: Outcome,
        now_ms: i64,
    ) -> BoxFuture<'_, Result<bool, InboxError>> {
        self.run(move |c, t| complete_on(c, t, id, &token, outcome, now_ms))
    }

    fn get(&self, id: i64) -> BoxFuture<'_, Result<Option<StoredEvent>, InboxError>> {
        self.run(move |c, t| {
            let r = c
                .query_row(
                    &format!("SELECT {} FROM {t} WHERE id = ?1", columns("")),
                    params![id],
                    row_to_event,
                )
                .optional()?;
            r.transpose()
        })
    }

    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<StoredEvent>, InboxError>> {
        self.run(move |c, t| {
            let mut stmt = c.prepare(&format!(
                "SELECT {cols} FROM {t}
                 WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR provider = ?2)
                 ORDER BY received_at DESC, id DESC LIMIT ?3",
                cols = columns("")
            ))?;
            let rows = stmt.query_map(
                params![
                    q.status.map(Status::as_str),
                    q.provider,
                    q.effective_limit()
                ],
                row_to_event,
            )?;
            collect(rows)
        })
    }

    fn replay(&self, target: ReplayTarget, now_ms: i64) -> BoxFuture<'_, Result<u64, InboxError>> {
        self.run(move |c, t| {
            let reset =
                "status = 'received', attempts = 0, next_attempt_at = ?1, lease_until = NULL,
                         claim_token = NULL, applied_at = NULL";
            let live = "NOT (status = 'processing' AND lease_until > ?1)";
            let n = match target {
                ReplayTarget::Id(id) => c.execute(
                    &format!("UPDATE {t} SET {reset} WHERE id = ?2 AND {live}"),
                    params![now_ms, id],
                )?,
                ReplayTarget::Range {
                    from_ms,
                    to_ms,
                    status,
                } => c.execute(
                    &format!(
                        "UPDATE {t} SET {reset} WHERE received_at >= ?2 AND received_at < ?3
                         AND (?4 IS NULL OR status = ?4) AND {live}"
                    ),
                    params![now_ms, from_ms, to_ms, status.map(Status::as_str)],
                )?,
            };
            Ok(n as u64)
        })
    }

    fn counts(&self) -> BoxFuture<'_, Result<BTreeMap<Status, u64>, InboxError>> {
        self.run(move |c, t| {
            let mut stmt =
                c.prepare(&format!("SELECT status, COUNT(*) FROM {t} GROUP BY status"))?;
            let mut out: BTreeMap<Status, u64> = Status::ALL.into_iter().map(|s| (s, 0)).collect();
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for r in rows {
                let (s, n) = r?;
                let s = s
                    .parse::<Status>()
                    .map_err(|e| InboxError::Corrupt(e.to_string()))?;
                out.insert(s, u64::try_from(n).unwrap_or(0));
            }
            Ok(out)
        })
    }

    fn extend(
        &self,
        token: String,
        only: Option<i64>,
        now_ms: i64,
        lease_ms: i64,
    ) -> BoxFuture<'_, Result<u64, InboxError>> {
        self.run(move |c, t| {
            let n = c.execute(
                &format!(
                    "UPDATE {t} SET lease_until = ?3
                     WHERE claim_token = ?1 AND status = 'processing' AND lease_until > ?2
                       AND (?4 IS NULL OR id = ?4)"
                ),
                params![token, now_ms, now_ms.saturating_add(lease_ms), only],
            )?;
            Ok(n as u64)
        })
    }

    fn release(
        &self,
        id: i64,
        token: String,
        now_ms: i64,
    ) -> BoxFuture<'_, Result<bool, InboxError>> {
        self.run(move |c, t| {
            let n = c.execute(
                &format!(
                    "UPDATE {t} SET lease_until = ?3, claim_token = NULL,
                            attempts = MAX(attempts - 1, 0)
                     WHERE id = ?1 AND claim_token = ?2 AND status = 'processing'"
                ),
                params![id, token, now_ms],
            )?;
            Ok(n == 1)
        })
    }

    fn find(
        &self,
        provider: String,
        event_id: String,
    ) -> BoxFuture<'_, Result<Option<StoredEvent>, InboxError>> {
        self.run(move |c, t| {
            let r = c
                .query_row(
                    &format!(
                        "SELECT {} FROM {t} WHERE provider = ?1 AND event_id = ?2",
                        columns("")
                    ),
                    params![provider, event_id],
                    row_to_event,
                )
                .optional()?;
            r.transpose()
        })
    }
}

/// Records `outcome` if `token` still holds event `id` (also inside a transaction).
pub(crate) fn complete_on(
    c: &Connection,
    t: &str,
    id: i64,
    token: &str,
    outcome: Outcome,
    now_ms: i64,
) -> Result<bool, InboxError> {
    let (status, error, next, applied) = outcome_columns(outcome, now_ms);
    let n = c.execute(
        &format!(
            "UPDATE {t} SET status = ?3, last_error = COALESCE(?4, last_error), next_attempt_at = ?5,
                    applied_at = ?6, lease_until = NULL, claim_token = NULL
             WHERE id = ?1 AND claim_token = ?2 AND status = 'processing'"
        ),
        params![id, token, status, error, next, applied],
    )?;
    Ok(n == 1)
}
