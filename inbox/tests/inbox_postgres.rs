//! The inbox on a real PostgreSQL server. Needs `--features postgres` and `STURDY_PG_URL`
//! (`export STURDY_PG_URL=$(tests/peers/postgres.sh start)`); each test prints SKIP without it.
#![cfg(feature = "postgres")]

mod common;

use common::Backend;

#[tokio::test]
async fn each_event_delivered_three_times_is_applied_once() {
    let Some(b) = Backend::postgres() else { return };
    common::delivered_three_times_applied_once(&b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_events_across_four_workers_applied_exactly_once() {
    let Some(b) = Backend::postgres() else { return };
    common::many_events_across_four_workers(&b, 10_000).await;
}

#[tokio::test]
async fn failing_handler_lands_in_dead_letters_and_replay_applies_it() {
    let Some(b) = Backend::postgres() else { return };
    common::failing_handler_dead_letters_then_replay(&b).await;
}

#[tokio::test]
async fn events_replay_by_time_range() {
    let Some(b) = Backend::postgres() else { return };
    common::replay_by_time_range(&b).await;
}

#[tokio::test]
async fn late_outcome_after_lost_lease_is_discarded() {
    let Some(b) = Backend::postgres() else { return };
    let Backend::Postgres { url, table } = &b else {
        unreachable!()
    };
    let store = sturdy_inbox::PostgresStore::connect_table(url, table)
        .await
        .unwrap();
    common::lost_lease_outcome_is_discarded(&b, store).await;
}

#[tokio::test]
async fn killed_worker_event_is_reclaimed_after_lease_and_applied_once() {
    let Some(b) = Backend::postgres() else { return };
    common::killed_worker_event_is_reclaimed(&b, "child_claims_and_hangs").await;
}

/// Run only as the child process of the test above.
#[tokio::test]
#[ignore = "child process of killed_worker_event_is_reclaimed_after_lease_and_applied_once"]
async fn child_claims_and_hangs() {
    common::child_claims_and_hangs().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_handlers_with_a_short_lease_run_once_each_on_a_live_lease() {
    let Some(b) = Backend::postgres() else { return };
    common::lease::slow_handlers_short_lease_two_workers(&b).await;
}

#[tokio::test]
async fn handler_never_starts_on_an_expired_lease() {
    let Some(b) = Backend::postgres() else { return };
    common::lease::handler_never_starts_on_expired_lease(&b).await;
}

#[tokio::test]
async fn heartbeat_keeps_a_long_batch_leased() {
    let Some(b) = Backend::postgres() else { return };
    common::lease::heartbeat_keeps_a_long_batch_leased(&b).await;
}

#[tokio::test]
async fn failed_transactional_handler_leaves_no_effect() {
    let Some(b) = Backend::postgres() else { return };
    common::tx::failed_transaction_leaves_no_effect(&b).await;
}

#[tokio::test]
async fn killed_transactional_worker_leaves_neither_effect_nor_mark() {
    let Some(b) = Backend::postgres() else { return };
    common::tx::killed_transaction_leaves_nothing(&b, "child_writes_effect_and_hangs").await;
}

/// Run only as the child process of the test above.
#[tokio::test]
#[ignore = "child process of killed_transactional_worker_leaves_neither_effect_nor_mark"]
async fn child_writes_effect_and_hangs() {
    common::tx::child_writes_effect_and_hangs().await;
}

#[tokio::test]
async fn store_error_reaches_the_caller_of_run() {
    let Some(b) = Backend::postgres() else { return };
    common::store_error_reaches_the_caller_of_run(&b).await;
}

#[tokio::test]
async fn killed_worker_among_slow_transactional_handlers_applies_each_effect_once() {
    let Some(b) = Backend::postgres() else { return };
    common::tx::killed_worker_among_slow_transactional_handlers(
        &b,
        "child_runs_slow_transactional_handlers",
    )
    .await;
}

/// Run only as the child process of the test above.
#[tokio::test]
#[ignore = "child process of killed_worker_among_slow_transactional_handlers_applies_each_effect_once"]
async fn child_runs_slow_transactional_handlers() {
    common::tx::child_runs_slow_transactional_handlers().await;
}
