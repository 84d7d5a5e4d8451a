//! A rate limit shared by a fleet of processes, in PostgreSQL (feature `postgres`).
//!
//! [`PgFleetLimit`] implements the runtime's [`SharedLimit`]: many processes that share one
//! provider quota (100 requests a second on a Stripe account, GitHub's hourly budget) give
//! their clients the same table with [`sturdy_runtime::ClientBuilder::shared_limit`], and
//! together stay under the limit; a 429 with `Retry-After` one of them receives holds all.
//!
//! Each key (the limiter's `host:port`, or `host:port#resource`) is one row: a token bucket
//! (`tokens`, `at`) and a `hold_until`. A call is one statement, an
//! `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` that refills the bucket from the
//! database's own `statement_timestamp()` (so the processes' clocks do not matter), takes a
//! token unless the wait would exceed the caller's limit, and returns what is left; the row
//! lock orders concurrent callers. The maths is the runtime's
//! [`sturdy_runtime::ratelimit::shared::bucket_step`].
//!
//! The fleet's retry budget (the runtime's [`sturdy_runtime::budget`]) is a row of its own
//! per server, spent and refilled by one statement each.
//!
//! Why PostgreSQL rather than Redis: a fleet that runs the inbox already has it deployed and
//! backed up; one round trip per call is all a limiter needs; and a provider's quota (tens to
//! hundreds of calls a second) is far below what one row update sustains. Measured by
//! `inbox/tests/fleet.rs` on a loopback server: 0.3 to 1.1 ms per call on one connection per
//! process (see the workspace README).
//!
//! ```no_run
//! # async fn demo() -> Result<(), sturdy_inbox::InboxError> {
//! use std::sync::Arc;
//! use sturdy_runtime::ratelimit::RateLimit;
//! let limit = RateLimit { per_second: 90.0, burst: 10 }; // Stripe: 100 a second
//! let fleet = sturdy_inbox::PgFleetLimit::connect("postgres://app@db/app", limit).await?;
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("https://api.stripe.com")
//!     .shared_limit(Arc::new(fleet))
//!     .build()
//!     .unwrap();
//! # let _ = client; Ok(()) }
//! ```

use std::time::Duration;

use futures::future::BoxFuture;
use sturdy_runtime::ratelimit::shared::wait_for;
use sturdy_runtime::ratelimit::{RateLimit, Reservation, SharedLimit, SharedLimitError};
use tokio_postgres::{Client, Statement};

use crate::store::check_table;
use crate::InboxError;

/// The default table.
pub const DEFAULT_FLEET_TABLE: &str = "sturdy_fleet_limit";

/// A [`SharedLimit`] in one PostgreSQL table; one connection per value.
pub struct PgFleetLimit {
    client: Client,
    table: String,
    limit: RateLimit,
    acquire: Statement,
    hold: Statement,
    take_budget: Statement,
    give_budget: Statement,
}

impl std::fmt::Debug for PgFleetLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgFleetLimit")
            .field("table", &self.table)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl PgFleetLimit {
    /// Connects to `url` (without TLS) and uses the default table, created if needed.
    pub async fn connect(url: &str, limit: RateLimit) -> Result<Self, InboxError> {
        Self::connect_table(url, DEFAULT_FLEET_TABLE, limit).await
    }

    /// Like [`connect`](Self::connect), with the table `table`. Every process must use the
    /// same `limit`: the bucket's settings are not stored.
    pub async fn connect_table(
        url: &str,
        table: &str,
        limit: RateLimit,
    ) -> Result<Self, InboxError> {
        check_table(table)?;
        if !(limit.per_second.is_finite() && limit.per_second > 0.0) || limit.burst == 0 {
            return Err(InboxError::Config(format!(
                "fleet rate limit needs a positive, finite rate and a burst of at least 1 (got {} per second, burst {})",
                limit.per_second, limit.burst
            )));
        }
        let client = crate::store::postgres::connect_client(url).await?;
        client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (
                    key TEXT PRIMARY KEY,
                    tokens DOUBLE PRECISION NOT NULL,
                    at TIMESTAMPTZ NOT NULL,
                    hold_until TIMESTAMPTZ,
                    taken BOOLEAN NOT NULL DEFAULT TRUE)"
            ))
            .await?;
        let acquire = client.prepare(&acquire_sql(table)).await?;
        let hold = client.prepare(&hold_sql(table)).await?;
        let take_budget = client.prepare(&take_budget_sql(table)).await?;
        let give_budget = client.prepare(&give_budget_sql(table)).await?;
        Ok(Self {
            client,
            table: table.to_owned(),
            limit,
            acquire,
            hold,
            take_budget,
            give_budget,
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

/// `$1` key, `$2` burst, `$3` cost, `$4` rate, `$5` max wait (s). Returns the tokens left,
/// whether one was taken, and the hold still to run (s).
fn acquire_sql(t: &str) -> String {
    let refilled = "LEAST($2::float8, l.tokens + GREATEST(0, EXTRACT(EPOCH FROM statement_timestamp() - l.at)::float8) * $4::float8)";
    let hold = "GREATEST(0, COALESCE(EXTRACT(EPOCH FROM l.hold_until - statement_timestamp())::float8, 0))";
    let ok = format!("GREATEST({hold}, ($3::float8 - {refilled}) / $4::float8) <= $5::float8");
    format!(
        "INSERT INTO {t} AS l (key, tokens, at, hold_until, taken)
         VALUES ($1, CASE WHEN ($3::float8 - $2::float8) / $4::float8 <= $5::float8
                     THEN $2::float8 - $3::float8 ELSE $2::float8 END,
                 statement_timestamp(), NULL,
                 ($3::float8 - $2::float8) / $4::float8 <= $5::float8)
         ON CONFLICT (key) DO UPDATE SET
           tokens = CASE WHEN {ok} THEN {refilled} - $3::float8 ELSE {refilled} END,
           at = statement_timestamp(),
           taken = {ok}
         RETURNING tokens, taken, {hold}"
    )
}

/// `$1` key, `$2` burst, `$3` hold (s).
fn hold_sql(t: &str) -> String {
    format!(
        "INSERT INTO {t} AS l (key, tokens, at, hold_until)
         VALUES ($1, $2::float8, statement_timestamp(),
                 statement_timestamp() + make_interval(secs => $3::float8))
         ON CONFLICT (key) DO UPDATE SET hold_until = GREATEST(l.hold_until, EXCLUDED.hold_until)"
    )
}

/// A retry budget is a row of its own (key `retry-budget:host:port`) whose `tokens` only
/// `give_budget` refills. `$1` key, `$2` cost, `$3` capacity. Returns whether it paid.
fn take_budget_sql(t: &str) -> String {
    format!(
        "INSERT INTO {t} AS l (key, tokens, at, taken)
         VALUES ($1, CASE WHEN $3::float8 >= $2::float8 THEN $3::float8 - $2::float8
                     ELSE $3::float8 END,
                 statement_timestamp(), $3::float8 >= $2::float8)
         ON CONFLICT (key) DO UPDATE SET
           tokens = CASE WHEN l.tokens >= $2::float8 THEN l.tokens - $2::float8 ELSE l.tokens END,
           at = statement_timestamp(),
           taken = l.tokens >= $2::float8
         RETURNING taken"
    )
}

/// `$1` key, `$2` tokens given back, `$3` capacity.
fn give_budget_sql(t: &str) -> String {
    format!(
        "INSERT INTO {t} AS l (key, tokens, at) VALUES ($1, $3::float8, statement_timestamp())
         ON CONFLICT (key) DO UPDATE SET
           tokens = LEAST($3::float8, l.tokens + $2::float8), at = statement_timestamp()"
    )
}

/// The reservation a returned row stands for (the maths of `bucket_step`, read backwards).
fn reservation(tokens: f64, taken: bool, hold_secs: f64, cost: u32, rate: f64) -> Reservation {
    let refilled = if taken {
        tokens + f64::from(cost)
    } else {
        tokens
    };
    let hold = Duration::try_from_secs_f64(hold_secs).unwrap_or(Duration::ZERO);
    Reservation {
        wait: hold.max(wait_for(refilled, cost, rate)),
        taken,
    }
}

impl SharedLimit for PgFleetLimit {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Reservation, SharedLimitError>> {
        Box::pin(async move {
            let burst = f64::from(self.limit.burst);
            let (cost_f, rate) = (f64::from(cost), self.limit.per_second);
            let max = max_wait.as_secs_f64();
            let row = self
                .client
                .query_one(&self.acquire, &[&key, &burst, &cost_f, &rate, &max])
                .await?;
            let (tokens, taken, hold): (f64, bool, f64) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            Ok(reservation(tokens, taken, hold, cost, rate))
        })
    }

    fn hold<'a>(
        &'a self,
        key: &'a str,
        wait: Duration,
    ) -> BoxFuture<'a, Result<(), SharedLimitError>> {
        Box::pin(async move {
            let burst = f64::from(self.limit.burst);
            let secs = wait.as_secs_f64();
            self.client
                .execute(&self.hold, &[&key, &burst, &secs])
                .await?;
            Ok(())
        })
    }

    fn take_budget<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        capacity: u32,
    ) -> BoxFuture<'a, Result<bool, SharedLimitError>> {
        Box::pin(async move {
            let paid = self
                .budget_row(&self.take_budget, key, cost, capacity)
                .await?;
            Ok(paid == Some(true))
        })
    }

    fn give_budget<'a>(
        &'a self,
        key: &'a str,
        tokens: u32,
        capacity: u32,
    ) -> BoxFuture<'a, Result<(), SharedLimitError>> {
        Box::pin(async move {
            self.budget_row(&self.give_budget, key, tokens, capacity)
                .await?;
            Ok(())
        })
    }
}

impl PgFleetLimit {
    async fn budget_row(
        &self,
        statement: &Statement,
        key: &str,
        tokens: u32,
        capacity: u32,
    ) -> Result<Option<bool>, SharedLimitError> {
        let (tokens, capacity) = (f64::from(tokens), f64::from(capacity));
        let rows = self
            .client
            .query(statement, &[&key, &tokens, &capacity])
            .await?;
        Ok(match rows.first() {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_as_reservations() {
        // Taken from a full bucket of 2: one left, no wait.
        assert_eq!(reservation(1.0, true, 0.0, 1, 4.0).wait, Duration::ZERO);
        // Taken behind one queued caller: half a second.
        assert_eq!(
            reservation(-2.0, true, 0.0, 1, 4.0).wait,
            Duration::from_millis(500)
        );
        // Refused with 0.5 tokens: an eighth of a second until a whole one.
        let r = reservation(0.5, false, 0.0, 1, 4.0);
        assert_eq!((r.wait, r.taken), (Duration::from_millis(125), false));
        // A hold longer than the bucket's wait decides; a bad value is ignored.
        assert_eq!(
            reservation(1.0, true, 3.0, 1, 4.0).wait,
            Duration::from_secs(3)
        );
        assert_eq!(
            reservation(1.0, true, f64::NAN, 1, 4.0).wait,
            Duration::ZERO
        );
    }
}
