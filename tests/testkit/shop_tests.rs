//! The minimum test suite of an integration, against the client generated from
//! `fixtures/testkit.yaml` with its `testing` feature: no network, no sleeping.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use mini_shop_client::testing::{self, scenario, ManualClock};
use mini_shop_client::types::{NewOrder, OrderStatus};
use sturdy_inbox::{HandlerError, Inbox, Receipt, SqliteStore, StoredEvent};

/// 1. Contract: the application's code runs against the spec's own examples.
#[tokio::test]
async fn contract_the_app_reads_the_specs_example() {
    let client = testing::fake();
    let order = client.get_order("ord_1").await.unwrap();
    assert_eq!(order.body().status, OrderStatus::Paid);
    assert_eq!(order.body().amount, 1200);
}

/// 2. Auth refresh: an expired token gets a 401, one refresh, one replay.
#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_replayed() {
    let expired = scenario::ExpiredToken::new();
    let fake = testing::fake_api().credential("bearer", expired.credential());
    expired.install(&fake.transport());
    let client = testing::client(fake);
    let order = client.get_order("ord_1").await.unwrap();
    assert_eq!((order.status(), order.attempts()), (200, 2));
    assert_eq!(expired.refreshes(), 1);
}

/// 3. Backoff: a 429 waits exactly its Retry-After, a 503 one backoff step, then success.
#[tokio::test]
async fn a_429_waits_its_retry_after_and_a_503_backs_off() {
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let fake = testing::fake_api()
        .clock(&clock, 0.5)
        .with_transport(|mock| {
            mock.answer(scenario::rate_limited(Duration::from_secs(2)))
                .answer(scenario::unavailable())
        });
    let sent = fake.transport();
    let client = testing::client(fake);
    let order = client.get_order("ord_1").await.unwrap();
    assert_eq!(order.attempts(), 3);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(2), Duration::from_millis(500)]
    );
    assert_eq!(sent.requests().len(), 3);
}

/// 4. Idempotency: a write applied but whose answer was lost is retried with the same key,
/// so it is applied once.
#[tokio::test]
async fn a_write_applied_then_dropped_is_not_applied_twice() {
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let fake = testing::fake_api().clock(&clock, 0.5);
    let server = scenario::AppliedThenDropped::new("Idempotency-Key");
    server.install(&fake.transport());
    let client = testing::client(fake);
    let order = client
        .create_order(&NewOrder::new(500), Default::default())
        .await
        .unwrap();
    assert_eq!((order.status(), order.attempts()), (201, 2));
    assert_eq!(order.body().id, "ord_2");
    assert_eq!(server.applied(), 1);
}

/// 5. Webhook replay: the provider delivers the same signed event twice; it is stored and
/// handled once.
#[tokio::test]
async fn a_duplicate_webhook_delivery_is_handled_once() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let clock = ManualClock::new(now);
    let verifier =
        mini_shop_client::Verifier::standard_webhooks(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
            .build()
            .unwrap();
    let inbox = Inbox::builder(SqliteStore::in_memory().unwrap())
        .provider("shop", verifier.clone())
        .clock(Arc::new(clock.clone()))
        .build();
    let body = br#"{"type":"order.paid","data":{"id":"ord_1"}}"#;
    let [first, again] = scenario::duplicate_delivery(&verifier, "msg_1", body, now).unwrap();
    let r1 = inbox
        .receive("shop", &first.headers, &first.body)
        .await
        .unwrap();
    let r2 = inbox
        .receive("shop", &again.headers, &again.body)
        .await
        .unwrap();
    assert!(matches!(r1, Receipt::Stored { .. }), "{r1:?}");
    assert!(matches!(r2, Receipt::Duplicate { .. }), "{r2:?}");
    let handled = Arc::new(AtomicUsize::new(0));
    let count = handled.clone();
    let worker = inbox.worker(move |_event: StoredEvent| {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            Ok::<(), HandlerError>(())
        }
    });
    worker.run_once().await.unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}
