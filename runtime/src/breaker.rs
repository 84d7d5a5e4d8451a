//! The circuit breaker: one per host, shared by a client's clones.
//!
//! The rule (the shape of resilience4j's and Polly's breakers): the breaker counts the outcome
//! of each **logical call**, not of each attempt, so a call that fails twice and then succeeds
//! on a retry is one success. The outcomes of the host's recent calls sit in a sliding window
//! (the last 20 calls, none older than 60 s); once the window holds at least 10 calls and at
//! least 50 % of them failed, the circuit opens. A failure is a call whose last attempt was a
//! server or network fault: 500, 502, 503, 504, 408, 429, a timeout, a refused or dropped
//! connection. Client errors (any other 4xx) are never counted, neither as failures nor as
//! successes; nor is a call the client refused itself before sending.
//!
//! While open, calls fail fast with [`crate::ErrorKind::CircuitOpen`] without sending. After a
//! cool-down of 30 s (read from the injected clock) the circuit is half-open: up to 3 probe
//! calls go through while others still fail fast; it closes (with an empty window) once all 3
//! succeed, and opens again for another cool-down as soon as one fails. Probes that never
//! report (their futures were dropped) are replaced after another cool-down.
//!
//! ```
//! use std::time::Duration;
//! use sturdy_runtime::breaker::BreakerConfig;
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("http://127.0.0.1:9")
//!     .circuit_breaker(
//!         BreakerConfig::new()
//!             .window(50, Duration::from_secs(120))
//!             .minimum_calls(20)
//!             .failure_rate_percent(60)
//!             .cool_down(Duration::from_secs(10))
//!             .half_open_probes(5),
//!     )
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Sent};

/// The breaker's settings. See the [module docs](self) for the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    pub(crate) enabled: bool,
    pub(crate) window_calls: u32,
    pub(crate) window_age: Duration,
    pub(crate) minimum_calls: u32,
    pub(crate) failure_percent: u32,
    pub(crate) cool_down: Duration,
    pub(crate) probes: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            window_calls: 20,
            window_age: Duration::from_secs(60),
            minimum_calls: 10,
            failure_percent: 50,
            cool_down: Duration::from_secs(30),
            probes: 3,
        }
    }
}

impl BreakerConfig {
    /// The defaults: a window of the last 20 calls within 60 s, at least 10 calls, opens at
    /// a 50 % failure rate, 30 s cool-down, 3 half-open probes.
    pub fn new() -> Self {
        Self::default()
    }

    /// No breaker: never opens.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// The sliding window: the last `calls` call outcomes, none older than `age` (`calls` is
    /// at least 1).
    pub fn window(mut self, calls: u32, age: Duration) -> Self {
        self.window_calls = calls.max(1);
        self.window_age = age;
        self
    }

    /// How many calls the window must hold before the circuit may open (at least 1; the
    /// window grows to hold them if it is smaller).
    pub fn minimum_calls(mut self, calls: u32) -> Self {
        self.minimum_calls = calls.max(1);
        self.window_calls = self.window_calls.max(self.minimum_calls);
        self
    }

    /// The failure rate, in percent of the window's calls, at or above which the circuit
    /// opens (clamped to 1..=100).
    pub fn failure_rate_percent(mut self, percent: u32) -> Self {
        self.failure_percent = percent.clamp(1, 100);
        self
    }

    /// Shorthand for a breaker that opens after `failures` failed calls in a row with no
    /// success between them: `minimum_calls(failures)`, a window of as many calls, a 100 %
    /// failure rate. 0 disables the breaker.
    pub fn threshold(self, failures: u32) -> Self {
        if failures == 0 {
            return Self {
                enabled: false,
                ..self
            };
        }
        Self {
            enabled: true,
            window_calls: failures,
            minimum_calls: failures,
            failure_percent: 100,
            ..self
        }
    }

    /// How long the circuit stays open before probes are let through.
    pub fn cool_down(mut self, d: Duration) -> Self {
        self.cool_down = d;
        self
    }

    /// How many probe calls a half-open circuit admits, all of which must succeed to close it
    /// (at least 1).
    pub fn half_open_probes(mut self, probes: u32) -> Self {
        self.probes = probes.max(1);
        self
    }
}

/// The state of one host's circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CircuitState {
    /// Calls flow.
    Closed,
    /// Calls fail fast.
    Open,
    /// The cool-down is over and a limited number of probes are (or may be) in flight.
    HalfOpen,
}

/// Whether a failure of this kind and status counts against the host.
pub fn is_failure(kind: ErrorKind, status: Option<u16>) -> bool {
    match kind {
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Network => true,
        _ => matches!(status, Some(408 | 429 | 500 | 502 | 503 | 504)),
    }
}

/// How one call counts for its host's circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The host answered.
    Success,
    /// A server or network fault.
    Failure,
    /// Neither: a client error (4xx other than 408/429), or nothing reached the host.
    Ignored,
}

impl Outcome {
    /// How the failed last attempt of a call counts.
    pub(crate) fn of<E>(err: &Error<E>) -> Outcome {
        if is_failure(err.kind(), err.status()) {
            Outcome::Failure
        } else if err.sent() == Sent::No || matches!(err.status(), Some(400..=499)) {
            Outcome::Ignored
        } else {
            Outcome::Success
        }
    }
}

/// Permission to send one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permit {
    /// The circuit is closed (or disabled).
    Normal,
    /// This call is one of the half-open probes.
    Probe,
}

#[derive(Debug, Clone)]
enum Host {
    /// The recent calls' outcomes, oldest first (`true`: a failure).
    Closed {
        window: VecDeque<(Instant, bool)>,
        /// How many entries of `window` are failures (kept, not counted per call).
        failures: u32,
    },
    Open {
        since: Instant,
    },
    HalfOpen {
        since: Instant,
        admitted: u32,
        succeeded: u32,
    },
}

/// Per-host circuits.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    config: BreakerConfig,
    hosts: Mutex<BTreeMap<String, Host>>,
    /// The key of the client's base URL, computed once.
    base_key: String,
}

/// `host:port` of a URL, the key of its circuit.
pub(crate) fn host_key(url: &url::Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

impl CircuitBreaker {
    pub(crate) fn new(config: BreakerConfig, base: &url::Url) -> Self {
        Self {
            config,
            hosts: Mutex::new(BTreeMap::new()),
            base_key: host_key(base),
        }
    }

    /// The circuit key of the client's base URL.
    pub(crate) fn base_key(&self) -> &str {
        &self.base_key
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Host>> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// May an attempt to `host` go out now? `Err` carries the time until calls may be let
    /// through again.
    pub(crate) fn check(&self, host: &str, now: Instant) -> Result<Permit, Duration> {
        if !self.config.enabled {
            return Ok(Permit::Normal);
        }
        let mut hosts = self.lock();
        let Some(state) = hosts.get_mut(host) else {
            return Ok(Permit::Normal);
        };
        let cool_down = self.config.cool_down;
        match state {
            Host::Closed { .. } => Ok(Permit::Normal),
            Host::Open { since } => {
                let waited = now.saturating_duration_since(*since);
                if waited < cool_down {
                    return Err(cool_down - waited);
                }
                *state = Host::HalfOpen {
                    since: now,
                    admitted: 1,
                    succeeded: 0,
                };
                Ok(Permit::Probe)
            }
            Host::HalfOpen {
                since,
                admitted,
                succeeded,
            } => {
                if *admitted < self.config.probes {
                    *admitted += 1;
                    return Ok(Permit::Probe);
                }
                let waited = now.saturating_duration_since(*since);
                if waited < cool_down {
                    return Err(cool_down - waited);
                }
                // The probes of this round did not all report for a whole cool-down (their
                // futures were dropped): start a new round.
                (*since, *admitted, *succeeded) = (now, 1, 0);
                Ok(Permit::Probe)
            }
        }
    }

    /// Records the outcome of a call to `host` that was admitted with `permit`. Outcomes of
    /// calls admitted under another state than the current one (a call that started before
    /// the circuit opened) are dropped.
    pub(crate) fn record(&self, host: &str, permit: Permit, outcome: Outcome, now: Instant) {
        if !self.config.enabled {
            return;
        }
        let mut hosts = self.lock();
        if outcome == Outcome::Ignored && !hosts.contains_key(host) {
            return;
        }
        // The key is copied only for a host seen for the first time.
        if !hosts.contains_key(host) {
            hosts.insert(
                host.to_owned(),
                Host::Closed {
                    window: VecDeque::new(),
                    failures: 0,
                },
            );
        }
        let Some(state) = hosts.get_mut(host) else {
            return;
        };
        let next = match (state, permit) {
            (Host::Closed { window, failures }, Permit::Normal) => {
                let failure = match outcome {
                    Outcome::Success => false,
                    Outcome::Failure => true,
                    Outcome::Ignored => return,
                };
                window.push_back((now, failure));
                *failures += u32::from(failure);
                if self.should_open(window, failures, now) {
                    tracing::warn!(server.address = host, "circuit opened");
                    Some(Host::Open { since: now })
                } else {
                    return;
                }
            }
            (
                Host::HalfOpen {
                    admitted,
                    succeeded,
                    ..
                },
                Permit::Probe,
            ) => match outcome {
                Outcome::Failure => {
                    tracing::warn!(server.address = host, "probe failed; circuit open again");
                    Some(Host::Open { since: now })
                }
                Outcome::Success => {
                    *succeeded += 1;
                    if *succeeded < self.config.probes {
                        return;
                    }
                    tracing::info!(server.address = host, "probes succeeded; circuit closed");
                    None
                }
                // A probe that proved nothing gives its place back.
                Outcome::Ignored => {
                    *admitted = admitted.saturating_sub(1);
                    return;
                }
            },
            _ => return,
        };
        match next {
            Some(h) => {
                hosts.insert(host.to_owned(), h);
            }
            None => {
                hosts.remove(host);
            }
        }
    }

    /// Drops outcomes that left the window; whether the rest open the circuit.
    fn should_open(
        &self,
        window: &mut VecDeque<(Instant, bool)>,
        failures: &mut u32,
        now: Instant,
    ) -> bool {
        let c = &self.config;
        while window.len() > c.window_calls as usize
            || window
                .front()
                .is_some_and(|(t, _)| now.saturating_duration_since(*t) > c.window_age)
        {
            if let Some((_, failed)) = window.pop_front() {
                *failures = failures.saturating_sub(u32::from(failed));
            }
        }
        let calls = window.len() as u64;
        let failures = u64::from(*failures);
        calls >= u64::from(c.minimum_calls)
            && failures * 100 >= u64::from(c.failure_percent) * calls
    }

    /// The state of `host`'s circuit at `now`.
    pub(crate) fn state(&self, host: &str, now: Instant) -> CircuitState {
        match self.lock().get(host) {
            None | Some(Host::Closed { .. }) => CircuitState::Closed,
            Some(Host::Open { since }) => {
                if now.saturating_duration_since(*since) >= self.config.cool_down {
                    CircuitState::HalfOpen
                } else {
                    CircuitState::Open
                }
            }
            Some(Host::HalfOpen { .. }) => CircuitState::HalfOpen,
        }
    }

    /// Hosts whose circuit is not closed, with their state.
    pub(crate) fn not_closed(&self, now: Instant) -> Vec<(String, CircuitState)> {
        let hosts: Vec<String> = self.lock().keys().cloned().collect();
        hosts
            .into_iter()
            .filter_map(|h| {
                let s = self.state(&h, now);
                (s != CircuitState::Closed).then_some((h, s))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Clock, ManualClock};

    const H: &str = "api.example.com:443";

    fn base() -> url::Url {
        url::Url::parse("https://api.example.com/v1").unwrap()
    }

    fn clock() -> ManualClock {
        ManualClock::new(std::time::SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn keys_are_host_and_port() {
        assert_eq!(host_key(&base()), H);
        assert_eq!(
            host_key(&url::Url::parse("http://127.0.0.1:8080/x").unwrap()),
            "127.0.0.1:8080"
        );
        assert_eq!(
            CircuitBreaker::new(BreakerConfig::default(), &base()).base_key(),
            H
        );
    }

    /// `n` calls admitted normally, each with `outcome`.
    fn calls(b: &CircuitBreaker, clock: &ManualClock, n: u32, outcome: Outcome) {
        for _ in 0..n {
            assert_eq!(b.check(H, clock.now()), Ok(Permit::Normal));
            b.record(H, Permit::Normal, outcome, clock.now());
        }
    }

    #[test]
    fn what_counts_as_a_failure() {
        assert!(is_failure(ErrorKind::Server, Some(503)));
        assert!(is_failure(ErrorKind::Timeout, None));
        assert!(is_failure(ErrorKind::Connect, None));
        assert!(is_failure(ErrorKind::Network, None));
        assert!(is_failure(ErrorKind::RateLimited, Some(429)));
        assert!(is_failure(ErrorKind::Status, Some(408)));
        assert!(!is_failure(ErrorKind::Server, Some(501)));
        assert!(!is_failure(ErrorKind::NotFound, Some(404)));
        assert!(
            !is_failure(ErrorKind::RateLimited, None),
            "the local limiter"
        );
        let e = |kind, status| {
            let mut e: Error = Error::new(kind, "");
            e.inner_mut().status = status;
            e
        };
        assert_eq!(
            Outcome::of(&e(ErrorKind::Server, Some(503))),
            Outcome::Failure
        );
        assert_eq!(
            Outcome::of(&e(ErrorKind::Validation, Some(422))),
            Outcome::Ignored
        );
        assert_eq!(
            Outcome::of(&e(ErrorKind::Unauthorized, Some(401))),
            Outcome::Ignored
        );
        assert_eq!(
            Outcome::of(&e(ErrorKind::Credentials, None)),
            Outcome::Ignored
        );
        assert_eq!(
            Outcome::of(&e(ErrorKind::Server, Some(501))),
            Outcome::Success
        );
    }

    #[test]
    fn opens_on_the_failure_rate_once_the_window_has_enough_calls() {
        let clock = clock();
        let b = CircuitBreaker::new(BreakerConfig::default(), &base());
        // 9 failures: below the 10-call minimum.
        calls(&b, &clock, 9, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        // 9 failures + 11 successes = 45 %: still closed, and the window is full (20).
        let b = CircuitBreaker::new(BreakerConfig::default(), &base());
        calls(&b, &clock, 11, Outcome::Success);
        calls(&b, &clock, 9, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        // Client errors are not calls for the breaker.
        calls(&b, &clock, 5, Outcome::Ignored);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        // The next failure pushes the oldest success out: 10/20 = 50 %.
        calls(&b, &clock, 1, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
        assert_eq!(b.check(H, clock.now()), Err(Duration::from_secs(30)));
        // Other hosts are unaffected.
        assert_eq!(b.check("other:443", clock.now()), Ok(Permit::Normal));
    }

    #[test]
    fn old_outcomes_leave_the_window() {
        let clock = clock();
        let b = CircuitBreaker::new(BreakerConfig::default(), &base());
        calls(&b, &clock, 9, Outcome::Failure);
        clock.advance(Duration::from_secs(61));
        calls(&b, &clock, 9, Outcome::Failure);
        assert_eq!(
            b.state(H, clock.now()),
            CircuitState::Closed,
            "failures a minute apart are not an outage"
        );
        calls(&b, &clock, 1, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
    }

    #[test]
    fn failures_pushed_out_of_the_window_stop_counting() {
        let clock = clock();
        let b = CircuitBreaker::new(BreakerConfig::default(), &base());
        // 4 failures, then 20 successes push them all out (40 % at most meanwhile).
        calls(&b, &clock, 4, Outcome::Failure);
        calls(&b, &clock, 20, Outcome::Success);
        // 9 new failures in a window of 20: 45 %, closed; the old 4 would make it 65 %.
        calls(&b, &clock, 9, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        calls(&b, &clock, 1, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
    }

    #[test]
    fn threshold_is_consecutive_failures() {
        let clock = clock();
        let b = CircuitBreaker::new(BreakerConfig::new().threshold(3), &base());
        calls(&b, &clock, 2, Outcome::Failure);
        calls(&b, &clock, 1, Outcome::Success);
        calls(&b, &clock, 2, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        calls(&b, &clock, 1, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
    }

    fn opened(config: BreakerConfig, clock: &ManualClock) -> CircuitBreaker {
        let b = CircuitBreaker::new(config, &base());
        calls(&b, clock, 10, Outcome::Failure);
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
        b
    }

    #[test]
    fn half_open_admits_a_limited_number_of_probes_then_closes() {
        let clock = clock();
        let b = opened(BreakerConfig::default(), &clock);
        clock.advance(Duration::from_secs(29));
        assert_eq!(b.check(H, clock.now()), Err(Duration::from_secs(1)));
        clock.advance(Duration::from_secs(1));
        assert_eq!(b.state(H, clock.now()), CircuitState::HalfOpen);
        for _ in 0..3 {
            assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        }
        // While the probes are in flight, others still fail fast.
        assert_eq!(b.check(H, clock.now()), Err(Duration::from_secs(30)));
        // A call admitted before the circuit opened reports late: ignored.
        b.record(H, Permit::Normal, Outcome::Success, clock.now());
        b.record(H, Permit::Probe, Outcome::Success, clock.now());
        b.record(H, Permit::Probe, Outcome::Success, clock.now());
        assert_eq!(b.state(H, clock.now()), CircuitState::HalfOpen);
        b.record(H, Permit::Probe, Outcome::Success, clock.now());
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Normal));
    }

    #[test]
    fn a_failed_probe_reopens_for_another_cool_down() {
        let clock = clock();
        let b = opened(
            BreakerConfig::new().cool_down(Duration::from_secs(10)),
            &clock,
        );
        clock.advance(Duration::from_secs(10));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        b.record(H, Permit::Probe, Outcome::Success, clock.now());
        b.record(H, Permit::Probe, Outcome::Failure, clock.now());
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
        assert_eq!(b.check(H, clock.now()), Err(Duration::from_secs(10)));
    }

    #[test]
    fn a_probe_that_proves_nothing_gives_its_place_back() {
        let clock = clock();
        let b = opened(BreakerConfig::new().half_open_probes(1), &clock);
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        assert!(b.check(H, clock.now()).is_err());
        b.record(H, Permit::Probe, Outcome::Ignored, clock.now());
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
    }

    #[test]
    fn abandoned_probes_do_not_wedge_the_circuit() {
        let clock = clock();
        let b = opened(BreakerConfig::new().half_open_probes(1), &clock);
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        // The probe's future is dropped and never records; after another cool-down a new
        // probe is allowed.
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
    }

    #[test]
    fn disabled_never_opens() {
        let clock = clock();
        for config in [BreakerConfig::disabled(), BreakerConfig::new().threshold(0)] {
            let b = CircuitBreaker::new(config, &base());
            calls(&b, &clock, 100, Outcome::Failure);
            assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
            assert!(b.not_closed(clock.now()).is_empty());
        }
    }
}
