//! The client-side idempotency store on SQLite: the store contract, and a client process
//! SIGKILLed mid-write.

mod common;

use common::Backend;

#[tokio::test]
async fn sqlite_dedupe_store_keeps_the_contract_across_reopening() {
    common::dedupe::store_keeps_the_contract(&Backend::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_client_write_is_reported_in_doubt_and_never_resent_blindly() {
    common::dedupe::killed_writer_is_in_doubt_not_resent(
        &Backend::sqlite(),
        "child_sends_deduplicated_write",
    )
    .await;
}

/// Run only as the child process of the test above.
#[tokio::test]
#[ignore = "child process of killed_client_write_is_reported_in_doubt_and_never_resent_blindly"]
async fn child_sends_deduplicated_write() {
    common::dedupe::child_sends_deduplicated_write().await;
}
