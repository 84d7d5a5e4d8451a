//! The SQLite dedupe store: one connection used from a blocking thread; `begin` and `finish`
//! each run in one `BEGIN IMMEDIATE` transaction, so several processes may share the file.

use std::path::Path;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::FutureExt;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sturdy_runtime::dedupe::{Begin, DedupeEntry, DedupeStore, DedupeStoreError, Finish};

use super::{
    attempt_col, outcome_columns, schema, step, store_error, Row, Step, DEFAULT_DEDUPE_TABLE,
};
use crate::InboxError;

/// Dedupe records in a SQLite database (WAL mode, 5 s busy timeout).
#[derive(Clone)]
pub struct SqliteDedupeStore {
    conn: Arc<Mutex<Connection>>,
    table: Arc<str>,
}

impl std::fmt::Debug for SqliteDedupeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDedupeStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl SqliteDedupeStore {
    /// Opens (creating if needed) the database at `path`, with the default table.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, InboxError> {
        Self::open_table(path, DEFAULT_DEDUPE_TABLE)
    }

    /// Opens the database at `path` and uses (creating if needed) `table`.
    pub fn open_table(path: impl AsRef<Path>, table: &str) -> Result<Self, InboxError> {
        crate::store::check_table(table)?;
        let conn = crate::store::sqlite::open_wal(path)?;
        conn.execute_batch(&schema(table, "INTEGER", "BLOB"))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            table: table.into(),
        })
    }

    fn run<T, F>(&self, f: F) -> BoxFuture<'static, Result<T, DedupeStoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &str) -> Result<T, InboxError> + Send + 'static,
    {
        let run =
            crate::store::sqlite::blocking(Arc::clone(&self.conn), Arc::clone(&self.table), f);
        async move { run.await.map_err(store_error) }.boxed()
    }
}

fn begin(c: &mut Connection, t: &str, e: &DedupeEntry, resend: bool) -> Result<Begin, InboxError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let row = tx
        .query_row(
            &format!(
                "SELECT payload_hash, attempt, started_at, status, headers, body, body_dropped
                 FROM {t} WHERE operation = ?1 AND dedupe_key = ?2"
            ),
            params![e.operation, e.key],
            |r| {
                Ok(Row {
                    payload_hash: r.get(0)?,
                    attempt: r.get(1)?,
                    started_at: r.get(2)?,
                    status: r.get(3)?,
                    headers: r.get(4)?,
                    body: r.get(5)?,
                    body_dropped: r.get::<_, i64>(6)? != 0,
                })
            },
        )
        .optional()?;
    let at = crate::to_ms(e.at);
    let begun = match row {
        None => {
            tx.execute(
                &format!(
                    "INSERT INTO {t} (operation, dedupe_key, payload_hash, attempt, started_at)
                     VALUES (?1, ?2, ?3, 1, ?4)"
                ),
                params![e.operation, e.key, e.payload_hash, at],
            )?;
            Begin::Fresh(1)
        }
        Some(row) => match step(row, e, resend)? {
            Step::Answer(b) => b,
            Step::TakeOver { from } => {
                tx.execute(
                    &format!(
                        "UPDATE {t} SET attempt = ?3, started_at = ?4
                         WHERE operation = ?1 AND dedupe_key = ?2"
                    ),
                    params![e.operation, e.key, from + 1, at],
                )?;
                Begin::Fresh(super::attempt_of(from + 1))
            }
        },
    };
    tx.commit()?;
    Ok(begun)
}

fn finish(
    c: &mut Connection,
    t: &str,
    e: &DedupeEntry,
    attempt: u64,
    how: Finish,
) -> Result<(), InboxError> {
    let pending = "WHERE operation = ?1 AND dedupe_key = ?2 AND status IS NULL AND attempt = ?3";
    match how {
        Finish::Record(o) => {
            let (status, headers, body, dropped) = outcome_columns(&o);
            c.execute(
                &format!(
                    "UPDATE {t} SET status = ?4, headers = ?5, body = ?6, body_dropped = ?7,
                     finished_at = ?8 {pending}"
                ),
                params![
                    e.operation,
                    e.key,
                    attempt_col(attempt),
                    status,
                    headers,
                    body,
                    dropped,
                    crate::to_ms(e.at)
                ],
            )?;
        }
        Finish::Release => {
            c.execute(
                &format!("DELETE FROM {t} {pending}"),
                params![e.operation, e.key, attempt_col(attempt)],
            )?;
        }
        // `Finish` may grow; an unknown way to finish leaves the record in doubt.
        _ => {}
    }
    Ok(())
}

impl DedupeStore for SqliteDedupeStore {
    fn begin<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        resend_in_doubt: bool,
    ) -> BoxFuture<'a, Result<Begin, DedupeStoreError>> {
        let e = entry.clone();
        self.run(move |c, t| begin(c, t, &e, resend_in_doubt))
    }

    fn finish<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        attempt: u64,
        how: Finish,
    ) -> BoxFuture<'a, Result<(), DedupeStoreError>> {
        let e = entry.clone();
        self.run(move |c, t| finish(c, t, &e, attempt, how))
    }
}
