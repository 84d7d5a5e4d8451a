//! The [`DedupeStore`] contract as one check every store runs in its tests (feature
//! `test-util`).

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::{Begin, DedupeEntry, DedupeStore, Finish, InDoubtRecord, RecordedOutcome};

fn entry(op: &str, key: &str, hash: &str, at: SystemTime) -> DedupeEntry {
    DedupeEntry {
        operation: op.to_owned(),
        key: key.to_owned(),
        payload_hash: hash.to_owned(),
        at,
    }
}

/// Checks every rule of the [`DedupeStore`] docs on an empty `store`, with keys under
/// `prefix` (so stores shared between tests do not collide). Panics on the first broken rule.
pub async fn check(store: &dyn DedupeStore, prefix: &str) {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let t1 = t0 + Duration::from_secs(60);
    let key = format!("{prefix}-order-42");
    let a = entry("createOrder", &key, "sha256:aa", t0);
    let b = entry("createOrder", &key, "sha256:bb", t0);

    assert_eq!(store.begin(&a, false).await.unwrap(), Begin::Fresh(1));
    let doubt = InDoubtRecord {
        started_at: t0,
        attempt: 1,
    };
    assert_eq!(store.begin(&a, false).await.unwrap(), Begin::InDoubt(doubt));
    assert_eq!(store.begin(&b, false).await.unwrap(), Begin::Conflict);
    assert_eq!(store.begin(&b, true).await.unwrap(), Begin::Conflict);
    // The same key on another operation is another record.
    let other_op = entry("createInvoice", &key, "sha256:bb", t0);
    assert_eq!(
        store.begin(&other_op, false).await.unwrap(),
        Begin::Fresh(1)
    );

    // A resend takes the pending record over as attempt 2; attempt 1 can no longer finish it.
    let a1 = entry("createOrder", &key, "sha256:aa", t1);
    assert_eq!(store.begin(&a1, true).await.unwrap(), Begin::Fresh(2));
    assert_eq!(
        store.begin(&a, false).await.unwrap(),
        Begin::InDoubt(InDoubtRecord {
            started_at: t1,
            attempt: 2
        })
    );
    store.finish(&a, 1, Finish::Release).await.unwrap();
    let outcome = RecordedOutcome {
        status: 201,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-request-id".into(), "req_1".into()),
        ],
        body: Bytes::from_static(b"{\"id\":\"ord_1\"}\x00\xff"),
        body_dropped: false,
    };
    store
        .finish(&a, 2, Finish::Record(outcome.clone()))
        .await
        .unwrap();
    assert_eq!(
        store.begin(&a, false).await.unwrap(),
        Begin::Done(outcome.clone())
    );
    // A recorded answer is returned even to a resend, and a late finish changes nothing.
    assert_eq!(
        store.begin(&a, true).await.unwrap(),
        Begin::Done(outcome.clone())
    );
    store.finish(&a, 2, Finish::Release).await.unwrap();
    assert_eq!(store.begin(&a, false).await.unwrap(), Begin::Done(outcome));
    assert_eq!(store.begin(&b, false).await.unwrap(), Begin::Conflict);

    // Release frees the key, for any payload.
    store.finish(&other_op, 1, Finish::Release).await.unwrap();
    let other_new = entry("createInvoice", &key, "sha256:cc", t1);
    assert_eq!(
        store.begin(&other_new, false).await.unwrap(),
        Begin::Fresh(1)
    );
    let dropped = RecordedOutcome {
        status: 200,
        headers: vec![],
        body: Bytes::new(),
        body_dropped: true,
    };
    store
        .finish(&other_new, 1, Finish::Record(dropped.clone()))
        .await
        .unwrap();
    assert_eq!(
        store.begin(&other_new, false).await.unwrap(),
        Begin::Done(dropped)
    );
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_memory_store_keeps_the_contract() {
        super::check(&super::super::MemoryDedupeStore::new(), "mem").await;
    }
}
