//! The client-side idempotency store on a real PostgreSQL server. Needs `--features postgres`
//! and `STURDY_PG_URL` (`export STURDY_PG_URL=$(tests/peers/postgres.sh start)`); each test
//! prints SKIP without it.
#![cfg(feature = "postgres")]

mod common;

use common::Backend;

#[tokio::test]
async fn postgres_dedupe_store_keeps_the_contract_across_reconnecting() {
    let Some(b) = Backend::postgres() else { return };
    common::dedupe::store_keeps_the_contract(&b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_client_write_is_reported_in_doubt_and_never_resent_blindly() {
    let Some(b) = Backend::postgres() else { return };
    common::dedupe::killed_writer_is_in_doubt_not_resent(&b, "child_sends_deduplicated_write")
        .await;
}

/// Run only as the child process of the test above.
#[tokio::test]
#[ignore = "child process of killed_client_write_is_reported_in_doubt_and_never_resent_blindly"]
async fn child_sends_deduplicated_write() {
    common::dedupe::child_sends_deduplicated_write().await;
}
