use std::time::{SystemTime, UNIX_EPOCH};

use super::super::{RateLimiter, Scope};
use super::*;
use crate::time::{Clock, ManualClock};

const BIG: Duration = Duration::from_secs(3600);
const LIMIT: RateLimit = RateLimit {
    per_second: 4.0,
    burst: 2,
};
const SCOPE: Scope<'static> = Scope {
    server: "api.example.com:443",
    operation: "op",
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_full_bucket_pays_its_burst_then_queues_callers() {
    let (t, r) = bucket_step(2.0, 0.0, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!(
        (t, r),
        (
            1.0,
            Reservation {
                wait: ms(0),
                taken: true
            }
        )
    );
    let (t, r) = bucket_step(t, 0.0, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!((t, r.wait), (0.0, ms(0)));
    // Empty: the next slot is 1/4 s away, the one after 1/2 s (the bucket goes negative).
    let (t, r) = bucket_step(t, 0.0, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!((t, r.wait), (-1.0, ms(250)));
    let (t, r) = bucket_step(t, 0.0, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!((t, r.wait), (-2.0, ms(500)));
    // Half a second refills the two queued slots.
    let (t, r) = bucket_step(t, 0.5, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!((t, r.wait), (-1.0, ms(250)));
}

#[test]
fn refill_is_capped_at_the_burst_and_never_negative() {
    let (t, _) = bucket_step(0.0, 100.0, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!(t, 1.0, "refilled to the burst of 2, then one taken");
    let (t, r) = bucket_step(0.0, -5.0, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!(
        (t, r.wait),
        (-1.0, ms(250)),
        "a clock that went back refills nothing"
    );
    let (t, _) = bucket_step(0.0, f64::NAN, LIMIT, 1, Duration::ZERO, BIG);
    assert_eq!(t, -1.0);
}

#[test]
fn a_slot_beyond_max_wait_takes_nothing() {
    let (t, r) = bucket_step(-3.0, 0.0, LIMIT, 1, Duration::ZERO, ms(500));
    assert_eq!(
        (t, r),
        (
            -3.0,
            Reservation {
                wait: ms(1000),
                taken: false
            }
        )
    );
}

#[test]
fn a_hold_adds_to_the_wait() {
    let (_, r) = bucket_step(2.0, 0.0, LIMIT, 1, ms(3000), BIG);
    assert_eq!(
        r,
        Reservation {
            wait: ms(3000),
            taken: true
        }
    );
    let (t, r) = bucket_step(2.0, 0.0, LIMIT, 1, ms(3000), ms(1000));
    assert_eq!((t, r.taken), (2.0, false));
}

fn limiter(shared: Arc<dyn SharedLimit>) -> RateLimiter {
    RateLimiter::new(None, true, BIG)
        .unwrap()
        .with_shared(Some(SharedHandle(shared)))
}

/// Two clients (two processes of a fleet) sharing one bucket get 4 calls a second together,
/// where each alone would have had 4.
#[tokio::test]
async fn clients_sharing_a_limit_queue_behind_each_other() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let shared: Arc<dyn SharedLimit> =
        Arc::new(MemorySharedLimit::new(LIMIT, Arc::new(clock.clone())));
    let (a, b) = (limiter(shared.clone()), limiter(shared));
    let mut waits = Vec::new();
    for l in [&a, &b, &a, &b, &a, &b] {
        waits.push(l.acquire_shared(SCOPE, clock.now(), BIG).await.unwrap());
    }
    assert_eq!(waits, [0, 0, 250, 500, 750, 1000].map(ms));
    // Another provider has its own bucket.
    let other = Scope {
        server: "uploads.example.com:443",
        operation: "op",
    };
    assert_eq!(a.acquire_shared(other, clock.now(), BIG).await, Ok(ms(0)));
    // Too far: refused, nothing taken.
    assert_eq!(
        b.acquire_shared(SCOPE, clock.now(), ms(1000)).await,
        Err(ms(1250))
    );
    clock.advance(ms(1250));
    assert_eq!(b.acquire_shared(SCOPE, clock.now(), BIG).await, Ok(ms(0)));
}

/// A 429 one client receives holds the other client's calls too.
#[tokio::test]
async fn a_providers_429_holds_every_client() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let shared: Arc<dyn SharedLimit> =
        Arc::new(MemorySharedLimit::new(LIMIT, Arc::new(clock.clone())));
    let (a, b) = (limiter(shared.clone()), limiter(shared.clone()));
    a.observe(
        SCOPE,
        &http::HeaderMap::new(),
        429,
        Some(Duration::from_secs(7)),
        clock.now(),
        UNIX_EPOCH,
    );
    // The hold is passed on by a spawned task; a zero-cost look takes nothing meanwhile.
    for _ in 0..100 {
        tokio::task::yield_now().await;
        if !shared
            .acquire(SCOPE.server, 0, BIG)
            .await
            .unwrap()
            .wait
            .is_zero()
        {
            break;
        }
    }
    assert_eq!(
        b.acquire_shared(SCOPE, clock.now(), BIG).await,
        Ok(Duration::from_secs(7))
    );
}

pub(crate) struct Down;

impl SharedLimit for Down {
    fn acquire<'a>(
        &'a self,
        _: &'a str,
        _: u32,
        _: Duration,
    ) -> BoxFuture<'a, Result<Reservation, SharedLimitError>> {
        Box::pin(async { Err("connection refused".into()) })
    }
    fn hold<'a>(&'a self, _: &'a str, _: Duration) -> BoxFuture<'a, Result<(), SharedLimitError>> {
        Box::pin(async { Err("connection refused".into()) })
    }
    fn take_budget<'a>(
        &'a self,
        _: &'a str,
        _: u32,
        _: u32,
    ) -> BoxFuture<'a, Result<bool, SharedLimitError>> {
        Box::pin(async { Err("connection refused".into()) })
    }
    fn give_budget<'a>(
        &'a self,
        _: &'a str,
        _: u32,
        _: u32,
    ) -> BoxFuture<'a, Result<(), SharedLimitError>> {
        Box::pin(async { Err("connection refused".into()) })
    }
}

#[tokio::test]
async fn a_failing_backend_leaves_the_local_limits() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let l = RateLimiter::new(Some(LIMIT), true, BIG)
        .unwrap()
        .with_shared(Some(SharedHandle(Arc::new(Down))));
    let mut waits = Vec::new();
    for _ in 0..3 {
        waits.push(l.acquire_shared(SCOPE, clock.now(), BIG).await.unwrap());
    }
    assert_eq!(waits, [0, 0, 250].map(ms));
}

#[tokio::test]
async fn a_refused_shared_slot_gives_the_local_one_back() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let shared = MemorySharedLimit::new(LIMIT, Arc::new(clock.clone()));
    shared
        .hold(SCOPE.server, Duration::from_secs(10))
        .await
        .unwrap();
    let l = RateLimiter::new(Some(LIMIT), true, BIG)
        .unwrap()
        .with_shared(Some(SharedHandle(Arc::new(shared))));
    for _ in 0..3 {
        assert_eq!(
            l.acquire_shared(SCOPE, clock.now(), ms(1000)).await,
            Err(ms(10_000))
        );
    }
    assert_eq!(
        l.acquire(SCOPE, clock.now(), BIG),
        Ok(ms(0)),
        "the local burst is intact"
    );
}
