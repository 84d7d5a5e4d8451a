use super::*;
use crate::time::{Clock, ManualClock, Sleeper};

const BIG: Duration = Duration::from_secs(3600);
const SCOPE: Scope<'static> = Scope {
    server: "api.example.com:443",
    operation: "op",
};

fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, v.parse().unwrap());
    }
    h
}

fn epoch(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn rejects_bad_settings() {
    for (rate, burst) in [
        (0.0, 1),
        (-1.0, 1),
        (f64::NAN, 1),
        (f64::INFINITY, 1),
        (1.0, 0),
    ] {
        assert!(RateLimiter::new(
            Some(RateLimit {
                per_second: rate,
                burst
            }),
            true,
            BIG
        )
        .is_err());
    }
}

#[tokio::test]
async fn bucket_allows_a_burst_then_spaces_calls() {
    let clock = ManualClock::new(epoch(0));
    let l = RateLimiter::new(
        Some(RateLimit {
            per_second: 2.0,
            burst: 3,
        }),
        false,
        BIG,
    )
    .unwrap();
    let mut waits = Vec::new();
    for _ in 0..6 {
        let w = l.acquire(SCOPE, clock.now(), BIG).unwrap();
        waits.push(w);
        clock.sleep(w).await;
    }
    assert_eq!(
        waits,
        [0, 0, 0, 500, 500, 500].map(Duration::from_millis).to_vec()
    );
    // Idle time refills up to the burst, not beyond.
    clock.advance(Duration::from_secs(100));
    for _ in 0..3 {
        assert_eq!(l.acquire(SCOPE, clock.now(), BIG), Ok(Duration::ZERO));
    }
    assert_eq!(
        l.acquire(SCOPE, clock.now(), BIG),
        Ok(Duration::from_millis(500))
    );
}

#[test]
fn concurrent_callers_queue_behind_each_other() {
    let clock = ManualClock::new(epoch(0));
    let l = RateLimiter::new(
        Some(RateLimit {
            per_second: 10.0,
            burst: 1,
        }),
        false,
        BIG,
    )
    .unwrap();
    let now = clock.now();
    let waits: Vec<_> = (0..4)
        .map(|_| l.acquire(SCOPE, now, BIG).unwrap())
        .collect();
    assert_eq!(
        waits,
        [0, 100, 200, 300].map(Duration::from_millis).to_vec()
    );
}

#[test]
fn a_wait_over_the_cap_takes_nothing() {
    let clock = ManualClock::new(epoch(0));
    let l = RateLimiter::new(
        Some(RateLimit {
            per_second: 1.0,
            burst: 1,
        }),
        false,
        BIG,
    )
    .unwrap();
    assert_eq!(
        l.acquire(SCOPE, clock.now(), Duration::ZERO),
        Ok(Duration::ZERO)
    );
    assert_eq!(
        l.acquire(SCOPE, clock.now(), Duration::from_millis(999)),
        Err(Duration::from_secs(1))
    );
    assert_eq!(
        l.acquire(SCOPE, clock.now(), Duration::from_secs(1)),
        Ok(Duration::from_secs(1))
    );
}

#[test]
fn parses_every_header_form() {
    let now = epoch(1_700_000_000);
    let w = |pairs: &[(&'static str, &str)]| server_window(&headers(pairs), now);
    assert_eq!(
        w(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000042")
        ]),
        Some(ServerWindow {
            limit: Some(5000),
            remaining: 0,
            reset: Duration::from_secs(42)
        })
    );
    assert_eq!(
        w(&[("x-ratelimit-remaining", "3"), ("x-ratelimit-reset", "30")]),
        Some(ServerWindow {
            limit: None,
            remaining: 3,
            reset: Duration::from_secs(30)
        })
    );
    assert_eq!(
        w(&[("ratelimit", "limit=100, remaining=0, reset=5")]),
        Some(ServerWindow {
            limit: Some(100),
            remaining: 0,
            reset: Duration::from_secs(5)
        })
    );
    assert_eq!(
        w(&[
            ("ratelimit", "\"default\";r=7;t=12"),
            ("ratelimit-policy", "\"default\";q=100;w=60")
        ]),
        Some(ServerWindow {
            limit: Some(100),
            remaining: 7,
            reset: Duration::from_secs(12)
        })
    );
    assert_eq!(
        w(&[
            ("ratelimit-remaining", "9"),
            ("ratelimit-reset", "4"),
            ("ratelimit-policy", "100;w=60")
        ]),
        Some(ServerWindow {
            limit: Some(100),
            remaining: 9,
            reset: Duration::from_secs(4)
        })
    );
    assert_eq!(
        w(&[
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "6m0.5s")
        ]),
        Some(ServerWindow {
            limit: None,
            remaining: 0,
            reset: Duration::from_millis(360_500)
        })
    );
    // A reset already in the past means "now".
    assert_eq!(
        w(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1699999990")
        ])
        .map(|w| w.reset),
        Some(Duration::ZERO)
    );
    assert_eq!(
        w(&[
            ("x-ratelimit-remaining", "nope"),
            ("x-ratelimit-reset", "3")
        ]),
        None
    );
    assert_eq!(w(&[("ratelimit", "garbage")]), None);
    assert_eq!(w(&[]), None);
    assert_eq!(parse_go_duration("20ms"), Some(Duration::from_millis(20)));
    assert_eq!(parse_go_duration("1h"), Some(Duration::from_secs(3600)));
    assert_eq!(parse_go_duration("5x"), None);
    assert_eq!(parse_go_duration(""), None);
}

#[test]
fn waits_for_the_reset_when_nothing_remains() {
    let clock = ManualClock::new(epoch(1_700_000_000));
    let l = RateLimiter::new(None, true, BIG).unwrap();
    assert_eq!(l.acquire(SCOPE, clock.now(), BIG), Ok(Duration::ZERO));
    l.observe(
        SCOPE,
        &headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000010"),
        ]),
        200,
        None,
        clock.now(),
        clock.system_now(),
    );
    assert_eq!(l.held_for(clock.now()), Some(Duration::from_secs(10)));
    assert_eq!(
        l.acquire(SCOPE, clock.now(), BIG),
        Ok(Duration::from_secs(10))
    );
    // Past the cap: refused, nothing taken.
    assert_eq!(
        l.acquire(SCOPE, clock.now(), Duration::from_secs(5)),
        Err(Duration::from_secs(10))
    );
    clock.advance(Duration::from_secs(10));
    assert_eq!(l.acquire(SCOPE, clock.now(), BIG), Ok(Duration::ZERO));
    assert_eq!(l.held_for(clock.now()), None);
}

#[test]
fn spaces_calls_when_the_window_runs_low() {
    let clock = ManualClock::new(epoch(0));
    let l = RateLimiter::new(None, true, BIG).unwrap();
    // 100 a window, 4 left, 8 s to go: one call every 2 s.
    l.observe(
        SCOPE,
        &headers(&[("ratelimit", "limit=100, remaining=4, reset=8")]),
        200,
        None,
        clock.now(),
        clock.system_now(),
    );
    let now = clock.now();
    let waits: Vec<_> = (0..4)
        .map(|_| l.acquire(SCOPE, now, BIG).unwrap())
        .collect();
    assert_eq!(waits, [0, 2, 4, 6].map(Duration::from_secs).to_vec());
    // Plenty left again: no more spacing.
    l.observe(
        SCOPE,
        &headers(&[("ratelimit", "limit=100, remaining=90, reset=8")]),
        200,
        None,
        now,
        clock.system_now(),
    );
    assert_eq!(l.acquire(SCOPE, now, BIG), Ok(Duration::ZERO));
    assert_eq!(l.acquire(SCOPE, now, BIG), Ok(Duration::ZERO));
}

#[test]
fn a_429_retry_after_holds_every_call() {
    let clock = ManualClock::new(epoch(0));
    let l = RateLimiter::new(None, true, BIG).unwrap();
    l.observe(
        SCOPE,
        &http::HeaderMap::new(),
        429,
        Some(Duration::from_secs(3)),
        clock.now(),
        clock.system_now(),
    );
    assert_eq!(
        l.acquire(SCOPE, clock.now(), BIG),
        Ok(Duration::from_secs(3))
    );
    let off = RateLimiter::new(None, false, BIG).unwrap();
    off.observe(
        SCOPE,
        &http::HeaderMap::new(),
        429,
        Some(Duration::from_secs(3)),
        clock.now(),
        clock.system_now(),
    );
    assert_eq!(off.acquire(SCOPE, clock.now(), BIG), Ok(Duration::ZERO));
}

#[test]
fn one_response_holds_the_client_at_most_the_cap_then_a_call_probes() {
    let clock = ManualClock::new(epoch(1_700_000_000));
    let cap = Duration::from_secs(60);
    let l = RateLimiter::new(None, true, cap).unwrap();
    // A 429 asking for an hour: every call waits the cap, not the hour.
    l.observe(
        SCOPE,
        &http::HeaderMap::new(),
        429,
        Some(Duration::from_secs(3600)),
        clock.now(),
        clock.system_now(),
    );
    assert_eq!(l.held_for(clock.now()), Some(cap));
    assert_eq!(l.acquire(SCOPE, clock.now(), cap), Ok(cap));
    clock.advance(cap);
    assert_eq!(l.acquire(SCOPE, clock.now(), cap), Ok(Duration::ZERO));
    assert_eq!(l.held_for(clock.now()), None);
    // The same for a window that resets in an hour with nothing left.
    l.observe(
        SCOPE,
        &headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700003660"),
        ]),
        200,
        None,
        clock.now(),
        clock.system_now(),
    );
    assert_eq!(l.acquire(SCOPE, clock.now(), cap), Ok(cap));
}

#[test]
fn impossible_waits_are_ignored() {
    let clock = ManualClock::new(epoch(1_700_000_000));
    let l = RateLimiter::new(None, true, BIG).unwrap();
    let now = clock.system_now();
    // 27,925,299 s (323 days) as seconds from now, in every header form.
    for pairs in [
        &[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "27925299"),
        ][..],
        &[("ratelimit", "limit=100, remaining=0, reset=27925299")][..],
        &[
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "27925299"),
        ][..],
        &[
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "7756h0m0s"),
        ][..],
        &[("ratelimit", "r=0;t=1e300")][..],
    ] {
        assert_eq!(server_window(&headers(pairs), now), None, "{pairs:?}");
        l.observe(SCOPE, &headers(pairs), 200, None, clock.now(), now);
    }
    l.observe(
        SCOPE,
        &http::HeaderMap::new(),
        429,
        Some(Duration::from_secs(27_925_299)),
        clock.now(),
        now,
    );
    assert_eq!(l.held_for(clock.now()), None);
    assert_eq!(l.acquire(SCOPE, clock.now(), BIG), Ok(Duration::ZERO));
}

#[test]
fn a_hold_stays_with_the_host_and_the_providers_resource() {
    let clock = ManualClock::new(epoch(1_700_000_000));
    let l = RateLimiter::new(None, true, BIG).unwrap();
    let search = Scope {
        server: "api.github.com:443",
        operation: "search/code",
    };
    let core = Scope {
        server: "api.github.com:443",
        operation: "repos/get",
    };
    let uploads = Scope {
        server: "uploads.github.com:443",
        operation: "repos/upload-release-asset",
    };
    let now = clock.now();
    // Core answers first and names its resource.
    l.observe(
        core,
        &headers(&[
            ("x-ratelimit-resource", "core"),
            ("x-ratelimit-remaining", "4999"),
            ("x-ratelimit-reset", "1700003600"),
        ]),
        200,
        None,
        now,
        clock.system_now(),
    );
    // Search runs out for 40 s.
    l.observe(
        search,
        &headers(&[
            ("x-ratelimit-resource", "search"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000040"),
        ]),
        403,
        None,
        now,
        clock.system_now(),
    );
    assert_eq!(l.acquire(search, now, BIG), Ok(Duration::from_secs(40)));
    assert_eq!(l.acquire(core, now, BIG), Ok(Duration::ZERO));
    assert_eq!(l.acquire(uploads, now, BIG), Ok(Duration::ZERO));
    assert_eq!(l.held_for(now), Some(Duration::from_secs(40)));
    // A 429 from another host holds that host only.
    l.observe(
        uploads,
        &http::HeaderMap::new(),
        429,
        Some(Duration::from_secs(5)),
        now,
        clock.system_now(),
    );
    assert_eq!(l.acquire(uploads, now, BIG), Ok(Duration::from_secs(5)));
    assert_eq!(l.acquire(core, now, BIG), Ok(Duration::ZERO));
    // Expired windows are forgotten.
    clock.advance(Duration::from_secs(40));
    assert_eq!(l.acquire(search, clock.now(), BIG), Ok(Duration::ZERO));
    assert_eq!(l.held_for(clock.now()), None);
    assert_eq!(
        l.lock().windows.len(),
        1,
        "only the uploads hold is left until a response prunes it"
    );
}

#[test]
fn reset_formats_of_every_provider() {
    let now = epoch(1_700_000_000);
    let reset = |pairs: &[(&'static str, &str)]| server_window(&headers(pairs), now);
    let gh = |v: &str| {
        reset(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", v)]).map(|w| w.reset)
    };
    assert_eq!(gh("1700000042"), Some(Duration::from_secs(42)));
    assert_eq!(gh("42"), Some(Duration::from_secs(42)));
    assert_eq!(gh("1m30s"), Some(Duration::from_secs(90)));
    assert_eq!(
        gh("Tue, 14 Nov 2023 22:13:40 GMT"),
        Some(Duration::from_secs(20))
    );
    assert_eq!(gh("27925299"), None);
    assert_eq!(gh("soon"), None);
    // OpenAI: the token counter ran out first, so it decides.
    let w = reset(&[
        ("x-ratelimit-limit-requests", "500"),
        ("x-ratelimit-remaining-requests", "499"),
        ("x-ratelimit-reset-requests", "120ms"),
        ("x-ratelimit-limit-tokens", "30000"),
        ("x-ratelimit-remaining-tokens", "0"),
        ("x-ratelimit-reset-tokens", "6m0s"),
    ])
    .unwrap();
    assert_eq!(
        (w.limit, w.remaining, w.reset),
        (Some(30000), 0, Duration::from_secs(360))
    );
    // Tokens left: the request counter decides.
    let w = reset(&[
        ("x-ratelimit-remaining-requests", "499"),
        ("x-ratelimit-reset-requests", "120ms"),
        ("x-ratelimit-remaining-tokens", "10"),
        ("x-ratelimit-reset-tokens", "6m0s"),
    ])
    .unwrap();
    assert_eq!((w.remaining, w.reset), (499, Duration::from_millis(120)));
}
