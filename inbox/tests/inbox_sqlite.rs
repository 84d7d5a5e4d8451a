//! The inbox on SQLite: deduplication, leases under slow handlers, dead letters, replay, killed
//! workers (plain and transactional), store errors and the CLI.

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

#[tokio::test]
async fn store_error_reaches_the_caller_of_run() {
    common::store_error_reaches_the_caller_of_run(&Backend::sqlite()).await;
}

/// The operator's CLI: look an event up by (provider, event id), and counts from the store.
#[tokio::test]
async fn cli_finds_an_event_by_provider_and_event_id() {
    let backend = Backend::sqlite();
    let clock = common::manual_clock();
    let inbox = backend.inbox(std::sync::Arc::new(clock.clone())).await;
    let (h, body) = common::delivery("stripe", 3, sturdy_runtime::time::Clock::system_now(&clock));
    inbox.receive("stripe", &h, &body).await.unwrap();
    #[allow(irrefutable_let_patterns)]
    let Backend::Sqlite { path, .. } = &backend
    else {
        unreachable!()
    };
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sturdy-inbox"))
            .arg("--sqlite")
            .arg(path)
            .args(args)
            .output()
            .unwrap()
    };
    let out = cli(&["find", "stripe", "evt_3", "--body"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(text.contains("event_id:        evt_3"), "{text}");
    assert!(text.contains("status:          received"), "{text}");
    assert!(text.contains(r#""n":3"#), "{text}");
    let out = cli(&["find", "github", "evt_3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no event `evt_3` from `github`"));
    let out = cli(&["counts"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("received   1"),
        "{out:?}"
    );
}

#[tokio::test]
async fn killed_worker_among_slow_transactional_handlers_applies_each_effect_once() {
    common::tx::killed_worker_among_slow_transactional_handlers(
        &Backend::sqlite(),
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
