//! The inbox on SQLite: exactly-once processing, dead letters, replay, and a killed worker.

mod common;

use common::Backend;

#[tokio::test]
async fn each_event_delivered_three_times_is_applied_once() {
    common::delivered_three_times_applied_once(&Backend::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_events_across_four_workers_applied_exactly_once() {
    common::many_events_across_four_workers(&Backend::sqlite(), 10_000).await;
}

#[tokio::test]
async fn failing_handler_lands_in_dead_letters_and_replay_applies_it() {
    common::failing_handler_dead_letters_then_replay(&Backend::sqlite()).await;
}

#[tokio::test]
async fn events_replay_by_time_range() {
    common::replay_by_time_range(&Backend::sqlite()).await;
}

#[tokio::test]
async fn late_outcome_after_lost_lease_is_discarded() {
    let backend = Backend::sqlite();
    #[allow(irrefutable_let_patterns)]
    let Backend::Sqlite { path, .. } = &backend
    else {
        unreachable!()
    };
    let store = sturdy_inbox::SqliteStore::open(path).unwrap();
    common::lost_lease_outcome_is_discarded(&backend, store).await;
}

#[tokio::test]
async fn killed_worker_event_is_reclaimed_after_lease_and_applied_once() {
    common::killed_worker_event_is_reclaimed(&Backend::sqlite(), "child_claims_and_hangs").await;
}

/// Run only as the child process of the test above.
#[tokio::test]
#[ignore = "child process of killed_worker_event_is_reclaimed_after_lease_and_applied_once"]
async fn child_claims_and_hangs() {
    common::child_claims_and_hangs().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_handlers_with_a_short_lease_run_once_each_on_a_live_lease() {
    common::lease::slow_handlers_short_lease_two_workers(&Backend::sqlite()).await;
}

#[tokio::test]
async fn handler_never_starts_on_an_expired_lease() {
    common::lease::handler_never_starts_on_expired_lease(&Backend::sqlite()).await;
}

#[tokio::test]
async fn heartbeat_keeps_a_long_batch_leased() {
    common::lease::heartbeat_keeps_a_long_batch_leased(&Backend::sqlite()).await;
}

#[tokio::test]
async fn failed_transactional_handler_leaves_no_effect() {
    common::tx::failed_transaction_leaves_no_effect(&Backend::sqlite()).await;
}

#[tokio::test]
async fn killed_transactional_worker_leaves_neither_effect_nor_mark() {
    common::tx::killed_transaction_leaves_nothing(
        &Backend::sqlite(),
        "child_writes_effect_and_hangs",
    )
    .await;
}

/// Run only as the child process of the test above.
#[tokio::test]
#[ignore = "child process of killed_transactional_worker_leaves_neither_effect_nor_mark"]
async fn child_writes_effect_and_hangs() {
    common::tx::child_writes_effect_and_hangs().await;
}
