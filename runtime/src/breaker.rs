//! The circuit breaker: one per host, shared by a client's clones.
//!
//! Defaults: the circuit opens after 5 consecutive failures (a failure is a server or network
//! fault a retry might fix: 500, 502, 503, 504, a timeout, a refused or dropped connection);
//! while open, calls fail fast with [`crate::ErrorKind::CircuitOpen`] without sending; after a
//! cool-down of 30 s (read from the injected clock) one probe goes through (half-open); the
//! circuit closes when the probe succeeds and opens again for another cool-down when it fails.
//! Any answer that is not a failure (including a 4xx) counts as a success.
//!
//! ```
//! use std::time::Duration;
//! use sturdy_runtime::breaker::BreakerConfig;
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("http://127.0.0.1:9")
//!     .circuit_breaker(BreakerConfig::new().threshold(3).cool_down(Duration::from_secs(10)))
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client::{Client, ClientBuilder};
use crate::error::ErrorKind;

impl ClientBuilder {
    /// The per-host circuit breaker's settings (default [`BreakerConfig::new`]; turn it off
    /// with [`BreakerConfig::disabled`]).
    pub fn circuit_breaker(mut self, config: BreakerConfig) -> Self {
        self.breaker = config;
        self
    }
}

impl Client {
    /// The state of the circuit for `host` (`host:port`, as in `server.address`).
    pub fn circuit_state(&self, host: &str) -> CircuitState {
        self.inner.breaker.state(host, self.inner.time.clock.now())
    }
}

/// The breaker's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    pub(crate) threshold: u32,
    pub(crate) cool_down: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            threshold: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

impl BreakerConfig {
    /// The defaults: 5 consecutive failures, 30 s cool-down.
    pub fn new() -> Self {
        Self::default()
    }

    /// No breaker: never opens.
    pub fn disabled() -> Self {
        Self {
            threshold: 0,
            ..Self::default()
        }
    }

    /// Consecutive failures that open the circuit (0 disables the breaker).
    pub fn threshold(mut self, failures: u32) -> Self {
        self.threshold = failures;
        self
    }

    /// How long the circuit stays open before a probe is let through.
    pub fn cool_down(mut self, d: Duration) -> Self {
        self.cool_down = d;
        self
    }
}

/// The state of one host's circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls flow.
    Closed,
    /// Calls fail fast.
    Open,
    /// The cool-down is over and one probe is (or may be) in flight.
    HalfOpen,
}

/// Whether a failure of this kind and status counts against the host.
pub fn is_failure(kind: ErrorKind, status: Option<u16>) -> bool {
    match kind {
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Network => true,
        ErrorKind::Server => matches!(status, Some(500 | 502 | 503 | 504)),
        _ => false,
    }
}

/// Permission to send one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permit {
    /// The circuit is closed (or disabled).
    Normal,
    /// This attempt is the half-open probe.
    Probe,
}

#[derive(Debug, Clone, Copy)]
enum Host {
    Closed { failures: u32 },
    Open { since: Instant },
    HalfOpen { probe_since: Instant },
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

    /// May an attempt to `host` go out now? `Err` carries the time left of the cool-down.
    pub(crate) fn check(&self, host: &str, now: Instant) -> Result<Permit, Duration> {
        if self.config.threshold == 0 {
            return Ok(Permit::Normal);
        }
        let mut hosts = self.lock();
        let Some(state) = hosts.get_mut(host) else {
            return Ok(Permit::Normal);
        };
        match *state {
            Host::Closed { .. } => Ok(Permit::Normal),
            Host::Open { since } | Host::HalfOpen { probe_since: since } => {
                let waited = now.saturating_duration_since(since);
                if waited >= self.config.cool_down {
                    // The cool-down is over (or the last probe was abandoned for as long):
                    // this attempt is the probe.
                    *state = Host::HalfOpen { probe_since: now };
                    Ok(Permit::Probe)
                } else {
                    Err(self.config.cool_down - waited)
                }
            }
        }
    }

    /// Records the outcome of an attempt to `host`.
    pub(crate) fn record(&self, host: &str, failure: bool, now: Instant) {
        if self.config.threshold == 0 {
            return;
        }
        let mut hosts = self.lock();
        if !failure {
            hosts.remove(host);
            return;
        }
        let state = hosts
            .entry(host.to_owned())
            .or_insert(Host::Closed { failures: 0 });
        *state = match *state {
            Host::Closed { failures } if failures + 1 >= self.config.threshold => {
                tracing::warn!(server.address = host, "circuit opened");
                Host::Open { since: now }
            }
            Host::Closed { failures } => Host::Closed {
                failures: failures + 1,
            },
            Host::HalfOpen { .. } => {
                tracing::warn!(server.address = host, "probe failed; circuit open again");
                Host::Open { since: now }
            }
            open @ Host::Open { .. } => open,
        };
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

    fn fail_n(b: &CircuitBreaker, clock: &ManualClock, n: u32) {
        for _ in 0..n {
            assert!(b.check(H, clock.now()).is_ok());
            b.record(H, true, clock.now());
        }
    }

    #[test]
    fn what_counts_as_a_failure() {
        assert!(is_failure(ErrorKind::Server, Some(503)));
        assert!(is_failure(ErrorKind::Timeout, None));
        assert!(is_failure(ErrorKind::Connect, None));
        assert!(is_failure(ErrorKind::Network, None));
        assert!(!is_failure(ErrorKind::Server, Some(501)));
        assert!(!is_failure(ErrorKind::RateLimited, Some(429)));
        assert!(!is_failure(ErrorKind::NotFound, Some(404)));
    }

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let clock = ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        let b = CircuitBreaker::new(BreakerConfig::default(), &base());
        fail_n(&b, &clock, 4);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        // A success in between resets the count.
        b.record(H, false, clock.now());
        fail_n(&b, &clock, 4);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        fail_n(&b, &clock, 1);
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
        assert_eq!(b.check(H, clock.now()), Err(Duration::from_secs(30)));
        // Other hosts are unaffected.
        assert_eq!(b.check("other:443", clock.now()), Ok(Permit::Normal));
    }

    #[test]
    fn half_open_lets_one_probe_through_then_closes_on_success() {
        let clock = ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        let b = CircuitBreaker::new(BreakerConfig::default(), &base());
        fail_n(&b, &clock, 5);
        clock.advance(Duration::from_secs(29));
        assert_eq!(b.check(H, clock.now()), Err(Duration::from_secs(1)));
        clock.advance(Duration::from_secs(1));
        assert_eq!(b.state(H, clock.now()), CircuitState::HalfOpen);
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        // While the probe is in flight, others still fail fast.
        assert!(b.check(H, clock.now()).is_err());
        b.record(H, false, clock.now());
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Normal));
    }

    #[test]
    fn failed_probe_reopens_for_another_cool_down() {
        let clock = ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        let b = CircuitBreaker::new(
            BreakerConfig::new()
                .threshold(2)
                .cool_down(Duration::from_secs(10)),
            &base(),
        );
        fail_n(&b, &clock, 2);
        clock.advance(Duration::from_secs(10));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        b.record(H, true, clock.now());
        assert_eq!(b.state(H, clock.now()), CircuitState::Open);
        assert_eq!(b.check(H, clock.now()), Err(Duration::from_secs(10)));
    }

    #[test]
    fn an_abandoned_probe_does_not_wedge_the_circuit() {
        let clock = ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        let b = CircuitBreaker::new(BreakerConfig::new().threshold(1), &base());
        fail_n(&b, &clock, 1);
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
        // The probe's future is dropped and never records; after another cool-down a new
        // probe is allowed.
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.check(H, clock.now()), Ok(Permit::Probe));
    }

    #[test]
    fn disabled_never_opens() {
        let clock = ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        let b = CircuitBreaker::new(BreakerConfig::disabled(), &base());
        fail_n(&b, &clock, 100);
        assert_eq!(b.state(H, clock.now()), CircuitState::Closed);
        assert!(b.not_closed(clock.now()).is_empty());
    }
}
