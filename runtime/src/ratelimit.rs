//! The client-side rate limiter: one per client, shared by its clones.
//!
//! Two sources slow calls down before the provider answers 429, and every wait goes through
//! the client's injected [`crate::time::Sleeper`]:
//!
//! - A token bucket the application (or a generated client, from the contract's
//!   `x-sturdy-rate-limit`) configures with [`ClientBuilder::rate_limit`](crate::ClientBuilder::rate_limit): `per_second`
//!   tokens a second, at most `burst` at once. Off by default.
//! - The provider's own counters, read from every response (on by default,
//!   [`ClientBuilder::adaptive_rate_limit`](crate::ClientBuilder::adaptive_rate_limit)): GitHub-style `X-RateLimit-Remaining` /
//!   `X-RateLimit-Reset` (epoch seconds, or seconds from now when small), OpenAI-style
//!   `x-ratelimit-remaining-requests` / `x-ratelimit-reset-requests` (`6m0s`, and the
//!   `-tokens` pair), IETF
//!   `RateLimit: limit=100, remaining=0, reset=5` (draft 7) or `"default";r=0;t=5` (draft 8+),
//!   the older `RateLimit-Remaining` / `RateLimit-Reset`, and `RateLimit-Policy: 100;w=60` for
//!   the limit. When nothing remains, calls wait for the reset; when less than a tenth of the
//!   limit remains (5 calls when the limit is unknown), calls are spaced evenly over what is
//!   left of the window. A 429 with `Retry-After` holds calls for that long.
//!
//! What a provider says holds only the calls it concerns: its host (`host:port`), and within
//! it the provider's resource once an operation's responses name one (GitHub's
//! `x-ratelimit-resource`: an exhausted `search` window does not hold `core` calls). The
//! token bucket is client-wide.
//!
//! One response can hold calls for at most the client's retry policy
//! `max_retry_after` (60 s by default): a longer reset or `Retry-After` holds calls that long,
//! then the next call goes out and probes the provider again (the call that received it still
//! sees the full value as its error's `retry_after`). `Retry-After`, `X-RateLimit-Reset` and
//! OpenAI's resets are read as seconds from now, as epoch seconds when past 10^9, as a Go
//! duration (`6m0s`) or as an HTTP date; the IETF `reset`/`t` as seconds from now. A wait
//! longer than [`MAX_PLAUSIBLE_WAIT`] (a day) cannot be a real window and is ignored. OpenAI's
//! token counter holds calls when it runs out before the request counter.
//!
//! A wait longer than the retry policy's `max_retry_after` (60 s by default), or past the
//! call's total deadline, is not slept: the call fails at once, unsent, with
//! [`crate::ErrorKind::RateLimited`] (and `retry_after` set) or [`crate::ErrorKind::Timeout`].
//!
//! Several processes sharing one provider quota share the bucket and the 429 holds through a
//! [`SharedLimit`] backend ([`shared`]; PostgreSQL in `sturdy-inbox`), set with
//! [`ClientBuilder::shared_limit`](crate::ClientBuilder::shared_limit). None is set by default.
//!
//! ```
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("http://127.0.0.1:9")
//!     .rate_limit(10.0, 20) // 10 calls a second, bursts of 20
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::BuildError;

mod headers;
pub mod shared;
pub use headers::server_window;
use headers::{mentions_rate_limits, resource};
pub use shared::{MemorySharedLimit, Reservation, SharedLimit, SharedLimitError};

/// The longest wait a provider's header can plausibly ask for; a longer one (Prism serves a
/// spec's `Retry-After: {type: integer}` as 27,925,299 s) is ignored.
pub const MAX_PLAUSIBLE_WAIT: Duration = Duration::from_secs(24 * 3600);

/// A wait given as a number of seconds: seconds from now, or epoch seconds when past 10^9;
/// `None` when it is not finite, negative or longer than [`MAX_PLAUSIBLE_WAIT`].
pub(crate) fn wait_from_seconds(t: f64, system_now: SystemTime) -> Option<Duration> {
    if !(t.is_finite() && t >= 0.0) {
        return None;
    }
    let secs = if t > 1_000_000_000.0 {
        let now = system_now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        (t - now).max(0.0)
    } else {
        t
    };
    Duration::try_from_secs_f64(secs).ok().and_then(plausible)
}

/// `wait` unless it is longer than [`MAX_PLAUSIBLE_WAIT`].
pub(crate) fn plausible(wait: Duration) -> Option<Duration> {
    (wait <= MAX_PLAUSIBLE_WAIT).then_some(wait)
}

/// A configured token bucket: `per_second` tokens a second, at most `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained rate.
    pub per_second: f64,
    /// Largest burst.
    pub burst: u32,
}

/// What a response says about the provider's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerWindow {
    /// The window's limit, when stated.
    pub limit: Option<u64>,
    /// Calls left in the window.
    pub remaining: u64,
    /// Time until the window resets.
    pub reset: Duration,
}

/// A reset header's value: a number (seconds from now, or epoch seconds past 10^9), a Go
/// duration (`6m0s`, `20ms`) or an HTTP date; `None` when malformed or implausible.
pub(crate) fn reset_value(v: &str, system_now: SystemTime) -> Option<Duration> {
    if let Ok(t) = v.parse::<f64>() {
        return wait_from_seconds(t, system_now);
    }
    if let Some(d) = parse_go_duration(v) {
        return plausible(d);
    }
    let when = httpdate::parse_http_date(v).ok()?;
    plausible(when.duration_since(system_now).unwrap_or(Duration::ZERO))
}

/// Seconds from now (IETF headers never send epoch seconds), if plausible.
pub(crate) fn plausible_secs(t: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(t).ok().and_then(plausible)
}

/// Parses `1h2m3.5s`, `6m0s`, `20ms`, `1s` into a duration.
pub(crate) fn parse_go_duration(v: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut rest = v.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (n, tail) = rest.split_at(split);
        let n: f64 = n.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        total += n * match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        rest = tail;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// The provider window a call counts against: its server (`host:port`), narrowed to the
/// provider's resource once a response of the operation names one (GitHub's
/// `x-ratelimit-resource`: `core`, `search`, `graphql`, ...).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// `host:port` of the request.
    pub(crate) server: &'a str,
    /// The operation id.
    pub(crate) operation: &'static str,
}

/// What the provider said about one window.
#[derive(Debug, Default)]
struct Window {
    /// No call before this (nothing remains in the provider's window, or a 429 said wait).
    blocked_until: Option<Instant>,
    /// Spacing while the provider's window runs low, until the window resets.
    pace: Option<(Duration, Instant)>,
    next_slot: Option<Instant>,
}

impl Window {
    /// The wait this window imposes now, forgetting what has expired. `Some(interval)` in the
    /// second place while calls are paced.
    fn wait(&mut self, now: Instant) -> (Duration, Option<Duration>) {
        let mut wait = Duration::ZERO;
        match self.blocked_until {
            Some(until) if until > now => wait = until - now,
            Some(_) => self.blocked_until = None,
            None => {}
        }
        let pacing = match self.pace {
            Some((interval, until)) if until > now => Some(interval),
            Some(_) => {
                self.pace = None;
                self.next_slot = None;
                None
            }
            None => None,
        };
        if let (Some(_), Some(slot)) = (pacing, self.next_slot) {
            if slot > now {
                wait = wait.max(slot - now);
            }
        }
        (wait, pacing)
    }

    fn is_idle(&self) -> bool {
        self.blocked_until.is_none() && self.pace.is_none()
    }

    /// Whether the window still holds or paces calls at `now`.
    fn is_live(&self, now: Instant) -> bool {
        self.blocked_until.is_some_and(|u| u > now) || self.pace.is_some_and(|(_, u)| u > now)
    }

    fn block(&mut self, until: Instant) {
        self.blocked_until = Some(self.blocked_until.map_or(until, |b| b.max(until)));
    }
}

#[derive(Debug, Default)]
struct State {
    tokens: f64,
    last_refill: Option<Instant>,
    /// Provider windows by `server` or `server#resource`.
    windows: BTreeMap<String, Window>,
    /// The provider's resource of each operation that has named one.
    resources: BTreeMap<&'static str, String>,
}

impl State {
    fn key(&self, scope: Scope<'_>) -> String {
        match self.resources.get(scope.operation) {
            Some(r) => format!("{}#{r}", scope.server),
            None => scope.server.to_owned(),
        }
    }
}

/// The limiter of one client.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    bucket: Option<RateLimit>,
    adaptive: bool,
    /// The longest one response may hold calls (the client's `max_retry_after`).
    max_hold: Duration,
    state: Mutex<State>,
    /// The fleet-wide bucket and holds, when set ([`ClientBuilder::shared_limit`](crate::ClientBuilder::shared_limit)).
    shared: Option<shared::SharedHandle>,
}

impl RateLimiter {
    pub(crate) fn new(
        bucket: Option<RateLimit>,
        adaptive: bool,
        max_hold: Duration,
    ) -> Result<Self, BuildError> {
        if let Some(b) = bucket {
            if !(b.per_second.is_finite() && b.per_second > 0.0) || b.burst == 0 {
                return Err(BuildError::InvalidSetting {
                    setting: "rate_limit",
                    reason: format!(
                        "needs a positive, finite rate and a burst of at least 1 (got {} per second, burst {})",
                        b.per_second, b.burst
                    ),
                });
            }
        }
        Ok(Self {
            bucket,
            adaptive,
            max_hold,
            state: Mutex::new(State {
                tokens: bucket.map_or(0.0, |b| f64::from(b.burst)),
                ..State::default()
            }),
            shared: None,
        })
    }

    /// The same limiter, also consulting `shared` (see [`shared`]).
    pub(crate) fn with_shared(mut self, shared: Option<shared::SharedHandle>) -> Self {
        self.shared = shared;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fleet's shared state, when set (the retry budget consults it too).
    pub(crate) fn shared(&self) -> Option<&shared::SharedHandle> {
        self.shared.as_ref()
    }

    /// Whether the limiter can ever make a call wait.
    pub(crate) fn is_active(&self) -> bool {
        self.bucket.is_some() || self.adaptive || self.shared.is_some()
    }

    /// Reserves a slot for one call in `scope`. `Ok(wait)`: the slot is taken and the call may
    /// go after `wait`. `Err(wait)`: the slot is further away than `max_wait`; nothing is taken.
    pub(crate) fn acquire(
        &self,
        scope: Scope<'_>,
        now: Instant,
        max_wait: Duration,
    ) -> Result<Duration, Duration> {
        let mut s = self.lock();
        let mut wait = Duration::ZERO;
        if let Some(b) = self.bucket {
            if let Some(last) = s.last_refill {
                let add = now.saturating_duration_since(last).as_secs_f64() * b.per_second;
                s.tokens = (s.tokens + add).min(f64::from(b.burst));
            }
            s.last_refill = Some(now);
            if s.tokens < 1.0 {
                wait = Duration::from_secs_f64((1.0 - s.tokens) / b.per_second);
            }
        }
        // No provider window is live (the usual case): no key to build.
        let key = (!s.windows.is_empty()).then(|| s.key(scope));
        let mut pacing = None;
        if let Some(key) = &key {
            if let Some(w) = s.windows.get_mut(key) {
                let (window_wait, p) = w.wait(now);
                wait = wait.max(window_wait);
                pacing = p;
                if w.is_idle() {
                    s.windows.remove(key);
                }
            }
        }
        if wait > max_wait {
            return Err(wait);
        }
        if self.bucket.is_some() {
            // May go negative: later callers then queue behind this one.
            s.tokens -= 1.0;
        }
        if let (Some(interval), Some(key)) = (pacing, &key) {
            if let Some(w) = s.windows.get_mut(key) {
                w.next_slot = Some(now + wait + interval);
            }
        }
        Ok(wait)
    }

    /// The executor's entry point once it consults a shared limit: [`Self::acquire`], then the
    /// fleet-wide bucket and holds ([`shared`]) when one is set. `Ok(wait)` is the longer of
    /// the two waits; `Err(wait)` when either is further than `max_wait` (the local slot is
    /// given back then). A failing backend lets the call go on the local limits.
    pub(crate) async fn acquire_shared(
        &self,
        scope: Scope<'_>,
        now: Instant,
        max_wait: Duration,
    ) -> Result<Duration, Duration> {
        let local = self.acquire(scope, now, max_wait)?;
        match self.shared_slot(scope, max_wait).await {
            Ok(wait) => Ok(local.max(wait)),
            Err(wait) => {
                if self.bucket.is_some() {
                    self.lock().tokens += 1.0;
                }
                Err(local.max(wait))
            }
        }
    }

    /// A slot of the shared bucket alone for a call in `scope` (zero without one).
    async fn shared_slot(
        &self,
        scope: Scope<'_>,
        max_wait: Duration,
    ) -> Result<Duration, Duration> {
        let Some(shared) = &self.shared else {
            return Ok(Duration::ZERO);
        };
        let key = self.lock().key(scope);
        match shared.0.acquire(&key, 1, max_wait).await {
            Ok(r) if r.taken => Ok(r.wait),
            Ok(r) => Err(r.wait),
            Err(e) => {
                tracing::warn!(error = %e, "shared rate limit unavailable: the in-process limits only");
                Ok(Duration::ZERO)
            }
        }
    }

    /// Whether [`Self::observe`] can learn anything from a response: the limiter adapts, and
    /// the response is a 429 with a wait or has a rate-limit header (one pass over its header
    /// names, no lookup, no lock). Most responses have neither; the executor then skips
    /// `observe` and the clock reads it needs.
    pub(crate) fn learns_from(
        &self,
        headers: &http::HeaderMap,
        status: u16,
        retry_after: Option<Duration>,
    ) -> bool {
        self.adaptive && ((status == 429 && retry_after.is_some()) || mentions_rate_limits(headers))
    }

    /// Learns from a response of a call in `scope`: the provider's window, and a 429's
    /// `retry_after`.
    pub(crate) fn observe(
        &self,
        scope: Scope<'_>,
        headers: &http::HeaderMap,
        status: u16,
        retry_after: Option<Duration>,
        now: Instant,
        system_now: SystemTime,
    ) {
        if !self.learns_from(headers, status, retry_after) {
            return;
        }
        let mut s = self.lock();
        if let Some(r) = resource(headers) {
            s.resources.insert(scope.operation, r);
        }
        let window = server_window(headers, system_now);
        let hold = retry_after.filter(|_| status == 429).and_then(plausible);
        if window.is_none() && hold.is_none() {
            return;
        }
        let key = s.key(scope);
        let key_for_shared = key.clone();
        let w = s.windows.entry(key).or_default();
        if let Some(sw) = window {
            let low_water = sw.limit.map_or(5, |l| (l / 10).max(1));
            if sw.remaining == 0 {
                w.block(now + self.bounded(sw.reset));
                w.pace = None;
                w.next_slot = None;
            } else if sw.remaining <= low_water && !sw.reset.is_zero() {
                // remaining is at least 1 here.
                let reset = self.bounded(sw.reset);
                let interval = reset / u32::try_from(sw.remaining).unwrap_or(u32::MAX);
                w.pace = Some((interval, now + reset));
                w.blocked_until = None;
            } else {
                *w = Window::default();
            }
        }
        if let Some(wait) = hold {
            let wait = self.bounded(wait);
            w.block(now + wait);
            if let Some(shared) = &self.shared {
                shared::spawn_hold(shared, key_for_shared, wait);
            }
        }
        // Only live windows are kept: a few per client at most.
        s.windows.retain(|_, w| w.is_live(now));
    }

    /// What one response may impose on calls: at most `max_hold`, then a call probes.
    fn bounded(&self, wait: Duration) -> Duration {
        if wait > self.max_hold {
            tracing::warn!(
                asked_ms = crate::observe::millis(wait),
                held_ms = crate::observe::millis(self.max_hold),
                "rate limit: the provider asked for a long wait; holding calls for the cap, then probing"
            );
        }
        wait.min(self.max_hold)
    }

    /// How long calls (of any scope) are held right now by a provider's window, if they are.
    pub(crate) fn held_for(&self, now: Instant) -> Option<Duration> {
        let s = self.lock();
        s.windows
            .values()
            .filter_map(|w| w.blocked_until.filter(|u| *u > now).map(|u| u - now))
            .max()
    }
}

#[cfg(test)]
mod tests;
