//! PostgreSQL store, for several service instances sharing the work.
//!
//! A claim is one statement: a `SELECT ... FOR UPDATE SKIP LOCKED` of due events feeding
//! an `UPDATE ... RETURNING`, so concurrent claimants on any number of connections or
//! machines never get the same event and never wait for each other. Each store holds one
//! connection; give each worker its own store to claim in parallel.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use tokio_postgres::{Client, NoTls, Row};

use super::{
    check_table, claimable, columns, outcome_columns, schema, Inserted, ListQuery, Outcome,
    RawEvent, ReplayTarget, Store, DEFAULT_TABLE,
};
use crate::{Claimed, InboxError, NewEvent, Status, StoredEvent};

/// An inbox store in a PostgreSQL table.
#[derive(Clone)]
pub struct PostgresStore {
    client: Arc<Client>,
    pub(crate) table: Arc<str>,
    /// Kept to open a transactional worker's own connection; never printed (it may hold a
    /// password).
    pub(crate) url: Arc<str>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects (without TLS; use a local socket or a TLS-terminating proxy) to `url`, such
    /// as `postgres://user@127.0.0.1:5432/db`, and creates the default table if needed.
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        Self::connect_table(url, DEFAULT_TABLE).await
    }

    /// Like [`connect`](Self::connect), with the table `table`. Create the table from one
    /// instance before starting others (`CREATE TABLE IF NOT EXISTS` may race).
    pub async fn connect_table(url: &str, table: &str) -> Result<Self, InboxError> {
        check_table(table)?;
        let client = connect_client(url).await?;
        client
            .batch_execute(&schema(table, "BIGSERIAL PRIMARY KEY", "BIGINT", "BYTEA"))
            .await?;
        Ok(Self {
            client: Arc::new(client),
            table: table.into(),
            url: url.into(),
        })
    }

    /// Drops the table (for tests and teardown).
    pub async fn drop_table(&self) -> Result<(), InboxError> {
        self.client
            .batch_execute(&format!("DROP TABLE IF EXISTS {}", self.table))
            .await?;
        Ok(())
    }
}

/// Opens a connection and drives it on a spawned task.
pub(crate) async fn connect_client(url: &str) -> Result<Client, InboxError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!(error = %e, "inbox postgres connection closed");
        }
    });
    Ok(client)
}

pub(crate) fn row_to_event(row: &Row) -> Result<StoredEvent, InboxError> {
    RawEvent {
        id: row.try_get(0)?,
        provider: row.try_get(1)?,
        event_id: row.try_get(2)?,
        event_type: row.try_get(3)?,
        headers: row.try_get(4)?,
        body: row.try_get(5)?,
        status: row.try_get(6)?,
        attempts: i64::from(row.try_get::<_, i32>(7)?),
        received_at: row.try_get(8)?,
        next_attempt_at: row.try_get(9)?,
        last_error: row.try_get(10)?,
        applied_at: row.try_get(11)?,
        lease_until: row.try_get(12)?,
        claimed_by: row.try_get(13)?,
    }
    .into_event()
}

/// The `complete` statement (`$1` id, `$2` token, `$3` status, `$4` error, `$5` next
/// attempt, `$6` applied at).
pub(crate) fn complete_sql(t: &str) -> String {
    format!(
        "UPDATE {t} SET status = $3, last_error = COALESCE($4, last_error), next_attempt_at = $5,
                applied_at = $6, lease_until = NULL, claim_token = NULL
         WHERE id = $1 AND claim_token = $2 AND status = 'processing'"
    )
}

impl Store for PostgresStore {
    fn insert(&self, e: NewEvent) -> BoxFuture<'_, Result<Inserted, InboxError>> {
        async move {
            let t = &self.table;
            let row = self
                .client
                .query_opt(
                    &format!(
                        "INSERT INTO {t} (provider, event_id, event_type, headers, body, status, attempts, received_at, next_attempt_at)
                         VALUES ($1, $2, $3, $4, $5, 'received', 0, $6, $6)
                         ON CONFLICT (provider, event_id) DO NOTHING RETURNING id"
                    ),
                    &[&e.provider, &e.event_id, &e.event_type, &e.headers_json, &e.body, &e.received_at_ms],
                )
                .await?;
            Ok(match row {
                Some(r) => Inserted::New(r.try_get(0)?),
                None => Inserted::Duplicate,
            })
        }
        .boxed()
    }

    fn claim(
        &self,
        worker: String,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, InboxError>> {
        async move {
            let t = &self.table;
            let token = uuid::Uuid::new_v4().to_string();
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = self
                .client
                .query(
                    &format!(
                        "WITH due AS (
                            SELECT id FROM {t} WHERE {cond}
                            ORDER BY next_attempt_at, id LIMIT $5 FOR UPDATE SKIP LOCKED
                         )
                         UPDATE {t} SET status = 'processing', attempts = {t}.attempts + 1, lease_until = $2,
                                claim_token = $3, claimed_by = $4
                         FROM due WHERE {t}.id = due.id
                         RETURNING {cols}",
                        cond = claimable("$1"),
                        cols = columns(&format!("{t}."))
                    ),
                    &[&now_ms, &now_ms.saturating_add(lease_ms), &token, &worker, &limit],
                )
                .await?;
            let mut events = rows.iter().map(row_to_event).collect::<Result<Vec<_>, _>>()?;
            events.sort_by_key(|e| e.id);
            Ok(events.into_iter().map(|event| Claimed { event, token: token.clone() }).collect())
        }
        .boxed()
    }

    fn complete(
        &self,
        id: i64,
        token: String,
        outcome: Outcome,
        now_ms: i64,
    ) -> BoxFuture<'_, Result<bool, InboxError>> {
        async move {
            let t = &self.table;
            let (status, error, next, applied) = outcome_columns(outcome, now_ms);
            let n = self
                .client
                .execute(
                    &complete_sql(t),
                    &[&id, &token, &status, &error, &next, &applied],
                )
                .await?;
            Ok(n == 1)
        }
        .boxed()
    }

    fn get(&self, id: i64) -> BoxFuture<'_, Result<Option<StoredEvent>, InboxError>> {
        async move {
            let t = &self.table;
            let row = self
                .client
                .query_opt(
                    &format!("SELECT {} FROM {t} WHERE id = $1", columns("")),
                    &[&id],
                )
                .await?;
            row.as_ref().map(row_to_event).transpose()
        }
        .boxed()
    }

    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<StoredEvent>, InboxError>> {
        async move {
            let t = &self.table;
            let status = q.status.map(Status::as_str);
            let rows = self
                .client
                .query(
                    &format!(
                        "SELECT {cols} FROM {t}
                         WHERE ($1::text IS NULL OR status = $1::text) AND ($2::text IS NULL OR provider = $2::text)
                         ORDER BY received_at DESC, id DESC LIMIT $3",
                        cols = columns("")
                    ),
                    &[&status, &q.provider, &q.effective_limit()],
                )
                .await?;
            rows.iter().map(row_to_event).collect()
        }
        .boxed()
    }

    fn replay(&self, target: ReplayTarget, now_ms: i64) -> BoxFuture<'_, Result<u64, InboxError>> {
        async move {
            let t = &self.table;
            let reset =
                "status = 'received', attempts = 0, next_attempt_at = $1, lease_until = NULL,
                         claim_token = NULL, applied_at = NULL";
            let live = "NOT (status = 'processing' AND lease_until > $1)";
            let n = match target {
                ReplayTarget::Id(id) => {
                    self.client
                        .execute(
                            &format!("UPDATE {t} SET {reset} WHERE id = $2 AND {live}"),
                            &[&now_ms, &id],
                        )
                        .await?
                }
                ReplayTarget::Range {
                    from_ms,
                    to_ms,
                    status,
                } => {
                    let status = status.map(Status::as_str);
                    self.client
                        .execute(
                            &format!(
                                "UPDATE {t} SET {reset} WHERE received_at >= $2 AND received_at < $3
                                 AND ($4::text IS NULL OR status = $4::text) AND {live}"
                            ),
                            &[&now_ms, &from_ms, &to_ms, &status],
                        )
                        .await?
                }
            };
            Ok(n)
        }
        .boxed()
    }

    fn counts(&self) -> BoxFuture<'_, Result<BTreeMap<Status, u64>, InboxError>> {
        async move {
            let t = &self.table;
            let rows = self
                .client
                .query(
                    &format!("SELECT status, COUNT(*) FROM {t} GROUP BY status"),
                    &[],
                )
                .await?;
            let mut out: BTreeMap<Status, u64> = Status::ALL.into_iter().map(|s| (s, 0)).collect();
            for r in rows {
                let s: String = r.try_get(0)?;
                let n: i64 = r.try_get(1)?;
                let s = s
                    .parse::<Status>()
                    .map_err(|e| InboxError::Corrupt(e.to_string()))?;
                out.insert(s, u64::try_from(n).unwrap_or(0));
            }
            Ok(out)
        }
        .boxed()
    }

    fn extend(
        &self,
        token: String,
        only: Option<i64>,
        now_ms: i64,
        lease_ms: i64,
    ) -> BoxFuture<'_, Result<u64, InboxError>> {
        async move {
            let t = &self.table;
            let n = self
                .client
                .execute(
                    &format!(
                        "UPDATE {t} SET lease_until = $3
                         WHERE claim_token = $1 AND status = 'processing' AND lease_until > $2
                           AND ($4::bigint IS NULL OR id = $4::bigint)"
                    ),
                    &[&token, &now_ms, &now_ms.saturating_add(lease_ms), &only],
                )
                .await?;
            Ok(n)
        }
        .boxed()
    }

    fn release(
        &self,
        id: i64,
        token: String,
        now_ms: i64,
    ) -> BoxFuture<'_, Result<bool, InboxError>> {
        async move {
            let t = &self.table;
            let n = self
                .client
                .execute(
                    &format!(
                        "UPDATE {t} SET lease_until = $3, claim_token = NULL,
                                attempts = GREATEST(attempts - 1, 0)
                         WHERE id = $1 AND claim_token = $2 AND status = 'processing'"
                    ),
                    &[&id, &token, &now_ms],
                )
                .await?;
            Ok(n == 1)
        }
        .boxed()
    }

    fn find(
        &self,
        provider: String,
        event_id: String,
    ) -> BoxFuture<'_, Result<Option<StoredEvent>, InboxError>> {
        async move {
            let t = &self.table;
            let row = self
                .client
                .query_opt(
                    &format!(
                        "SELECT {} FROM {t} WHERE provider = $1 AND event_id = $2",
                        columns("")
                    ),
                    &[&provider, &event_id],
                )
                .await?;
            row.as_ref().map(row_to_event).transpose()
        }
        .boxed()
    }
}
