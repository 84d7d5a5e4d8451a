//! The PostgreSQL dedupe store, for many processes sharing records. `begin` is an
//! `INSERT ... ON CONFLICT DO NOTHING`, then a read of the existing row, then (for a resend) an
//! update guarded by the attempt number it read, so of two processes only one claims a key.

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use sturdy_runtime::dedupe::{Begin, DedupeEntry, DedupeStore, DedupeStoreError, Finish};
use tokio_postgres::Client;

use super::{
    attempt_col, outcome_columns, schema, step, store_error, Row, Step, DEFAULT_DEDUPE_TABLE,
};
use crate::InboxError;

/// How many times `begin` re-reads a row that changed under it before giving up.
const BEGIN_ROUNDS: usize = 8;

/// Dedupe records in a PostgreSQL table.
#[derive(Clone)]
pub struct PostgresDedupeStore {
    client: Arc<Client>,
    table: Arc<str>,
}

impl std::fmt::Debug for PostgresDedupeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.debug_struct("PostgresDedupeStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl PostgresDedupeStore {
    /// Connects (without TLS) to `url` and creates the default table if needed.
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        Self::connect_table(url, DEFAULT_DEDUPE_TABLE).await
    }

    /// Like [`connect`](Self::connect), with the table `table`. Create the table from one
    /// process before starting others (`CREATE TABLE IF NOT EXISTS` may race).
    pub async fn connect_table(url: &str, table: &str) -> Result<Self, InboxError> {
        crate::store::check_table(table)?;
        let client = crate::store::postgres::connect_client(url).await?;
        client
            .batch_execute(&schema(table, "BIGINT", "BYTEA"))
            .await?;
        Ok(Self {
            client: Arc::new(client),
            table: table.into(),
        })
    }

    /// Drops the table (for tests and teardown).
    pub async fn drop_table(&self) -> Result<(), InboxError> {
        self.client
            .batch_execute(&format!("DROP TABLE IF EXISTS {}", self.table))
            .await?;
        Ok(())
    }

    async fn begin_rounds(&self, e: &DedupeEntry, resend: bool) -> Result<Begin, InboxError> {
        let t = &self.table;
        let at = crate::to_ms(e.at);
        for _ in 0..BEGIN_ROUNDS {
            let inserted = self
                .client
                .execute(
                    &format!(
                        "INSERT INTO {t} (operation, dedupe_key, payload_hash, attempt, started_at)
                         VALUES ($1, $2, $3, 1, $4) ON CONFLICT DO NOTHING"
                    ),
                    &[&e.operation, &e.key, &e.payload_hash, &at],
                )
                .await?;
            if inserted == 1 {
                return Ok(Begin::Fresh(1));
            }
            let row = self
                .client
                .query_opt(
                    &format!(
                        "SELECT payload_hash, attempt, started_at, status, headers, body, body_dropped
                         FROM {t} WHERE operation = $1 AND dedupe_key = $2"
                    ),
                    &[&e.operation, &e.key],
                )
                .await?;
            // Released between the insert and the read: try again.
            let Some(r) = row else { continue };
            let row = Row {
                payload_hash: r.try_get(0)?,
                attempt: r.try_get(1)?,
                started_at: r.try_get(2)?,
                status: r.try_get::<_, Option<i32>>(3)?.map(i64::from),
                headers: r.try_get(4)?,
                body: r.try_get(5)?,
                body_dropped: r.try_get::<_, i32>(6)? != 0,
            };
            match step(row, e, resend)? {
                Step::Answer(b) => return Ok(b),
                Step::TakeOver { from } => {
                    let n = self
                        .client
                        .execute(
                            &format!(
                                "UPDATE {t} SET attempt = $3, started_at = $4
                                 WHERE operation = $1 AND dedupe_key = $2
                                 AND status IS NULL AND attempt = $5"
                            ),
                            &[&e.operation, &e.key, &(from + 1), &at, &from],
                        )
                        .await?;
                    if n == 1 {
                        return Ok(Begin::Fresh(super::attempt_of(from + 1)));
                    }
                }
            }
        }
        Err(InboxError::Task(format!(
            "dedupe key `{}` changed under {BEGIN_ROUNDS} reads in a row",
            e.key
        )))
    }

    async fn finish_now(
        &self,
        e: &DedupeEntry,
        attempt: u64,
        how: Finish,
    ) -> Result<(), InboxError> {
        let t = &self.table;
        let pending =
            "WHERE operation = $1 AND dedupe_key = $2 AND status IS NULL AND attempt = $3";
        let attempt = attempt_col(attempt);
        match how {
            Finish::Record(o) => {
                let (status, headers, body, dropped) = outcome_columns(&o);
                self.client
                    .execute(
                        &format!(
                            "UPDATE {t} SET status = $4, headers = $5, body = $6, body_dropped = $7,
                             finished_at = $8 {pending}"
                        ),
                        &[
                            &e.operation,
                            &e.key,
                            &attempt,
                            &status,
                            &headers,
                            &body,
                            &dropped,
                            &crate::to_ms(e.at),
                        ],
                    )
                    .await?;
            }
            Finish::Release => {
                self.client
                    .execute(
                        &format!("DELETE FROM {t} {pending}"),
                        &[&e.operation, &e.key, &attempt],
                    )
                    .await?;
            }
            // `Finish` may grow; an unknown way to finish leaves the record in doubt.
            _ => {}
        }
        Ok(())
    }
}

impl DedupeStore for PostgresDedupeStore {
    fn begin<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        resend_in_doubt: bool,
    ) -> BoxFuture<'a, Result<Begin, DedupeStoreError>> {
        async move {
            self.begin_rounds(entry, resend_in_doubt)
                .await
                .map_err(store_error)
        }
        .boxed()
    }

    fn finish<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        attempt: u64,
        how: Finish,
    ) -> BoxFuture<'a, Result<(), DedupeStoreError>> {
        async move {
            self.finish_now(entry, attempt, how)
                .await
                .map_err(store_error)
        }
        .boxed()
    }
}
