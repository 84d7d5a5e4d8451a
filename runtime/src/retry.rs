//! Which failures are retried, and how long to wait between attempts.
//!
//! Defaults: 2 retries (3 attempts), delay `min(0.5 s · 2^n, 8 s)` with full jitter, a
//! server-requested wait honoured up to 60 s (a longer one is returned to the caller as the
//! error's `retry_after`, without sleeping).
//!
//! What is retried: connection errors, timeouts, dropped connections, and the statuses 408,
//! 429, 500, 502, 503 and 504 (409 only where the contract says so,
//! [`crate::RetryRules::retry_conflict`]). A response header `x-should-retry: true|false`
//! overrides the status rule; a provider error code the contract marks terminal
//! ([`crate::RetryRules::terminal_codes`]) overrides both. A failure is resent only when that
//! is safe: the operation is idempotent, or the call carries an idempotency key, or the
//! request never left the client ([`Sent::No`]).
//!
//! The decision is a pure function, [`RetryPolicy::decide`], so every rule is tested exactly.

use std::time::Duration;

use crate::error::{ErrorKind, Sent};
use crate::request::RetryRules;

/// The retry policy of a client or of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// The facts about one failed attempt that decide whether to try again.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// The provider's error code from the body.
    pub provider_code: Option<&'a str>,
    /// The value of a retry-hint response header (`x-should-retry`, `Stripe-Should-Retry`:
    /// [`crate::RETRY_HINT_HEADERS`]), if present.
    pub should_retry: Option<bool>,
    /// The wait the server asked for (`retry-after-ms` / `Retry-After`).
    pub retry_after: Option<Duration>,
    /// Whether the request may have reached the server.
    pub sent: Sent,
}

/// Where a call stands when a retry is considered.
#[derive(Debug, Clone, Copy)]
pub struct CallState<'a> {
    /// The contract's rules for the operation.
    pub rules: &'a RetryRules,
    /// The operation is idempotent or the call carries an idempotency key.
    pub replay_safe: bool,
    /// Attempts made so far (1 after the first).
    pub attempts: u32,
    /// Time left before the call's total deadline, if it has one.
    pub remaining: Option<Duration>,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Wait `delay`, then send again.
    Retry {
        /// How long to wait.
        delay: Duration,
    },
    /// Return the error.
    Stop(StopReason),
}

/// Why a failed attempt is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The failure is not one a retry can fix (a 4xx, a decode error...).
    NotRetryable,
    /// The contract marks the provider error code terminal (e.g. `insufficient_quota`).
    TerminalCode,
    /// The server said `x-should-retry: false`.
    ServerSaidNo,
    /// The request may have reached the server and resending it is not safe (a POST without
    /// an idempotency key).
    NotReplaySafe,
    /// The policy's retries are used up.
    Exhausted,
    /// The server asked for a wait longer than the policy's cap; see the error's `retry_after`.
    RetryAfterTooLong,
    /// The wait would run past the call's total deadline.
    Deadline,
}

impl StopReason {
    /// A stable snake_case name, for logs and spans.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::NotRetryable => "not_retryable",
            StopReason::TerminalCode => "terminal_code",
            StopReason::ServerSaidNo => "server_said_no",
            StopReason::NotReplaySafe => "not_replay_safe",
            StopReason::Exhausted => "exhausted",
            StopReason::RetryAfterTooLong => "retry_after_too_long",
            StopReason::Deadline => "deadline",
        }
    }
}

/// Whether a failure is one that a retry may fix, ignoring replay safety and limits: the
/// terminal-code rule, then `x-should-retry`, then the kind/status rule.
pub fn is_retryable(failure: &Failure<'_>, rules: &RetryRules) -> bool {
    classify(failure, rules).is_ok()
}

fn classify(failure: &Failure<'_>, rules: &RetryRules) -> Result<(), StopReason> {
    if let Some(code) = failure.provider_code {
        if rules.terminal_codes.contains(&code) {
            return Err(StopReason::TerminalCode);
        }
    }
    match failure.should_retry {
        Some(true) => return Ok(()),
        Some(false) => return Err(StopReason::ServerSaidNo),
        None => {}
    }
    let ok = match failure.kind {
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Network => true,
        ErrorKind::Conflict => rules.retry_conflict,
        _ => matches!(failure.status, Some(408 | 429 | 500 | 502 | 503 | 504)),
    };
    if ok {
        Ok(())
    } else {
        Err(StopReason::NotRetryable)
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retries after the first attempt.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The base delay, doubled on every retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The cap on the computed delay.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest server-requested wait the client will sleep through; a longer one is
    /// returned to the caller as the error's `retry_after`.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The number of retries allowed.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The longest server-requested wait honoured.
    pub fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }

    /// Full-jitter delay before retry `n` (0-based): `fraction · min(initial · 2^n, max)`.
    pub fn backoff(&self, retry: u32, jitter_fraction: f64) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(31)));
        let capped = exp.min(self.max_backoff);
        let fraction = if jitter_fraction.is_finite() {
            jitter_fraction.clamp(0.0, 1.0)
        } else {
            1.0
        };
        capped.mul_f64(fraction)
    }

    /// Decides whether to retry after a failed attempt, and how long to wait.
    ///
    /// `jitter_fraction` is in `[0, 1)` (from the client's [`crate::time::Jitter`]). The retry
    /// budget and the circuit breaker are applied by the executor after this.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sturdy_runtime::retry::{CallState, Decision, Failure, RetryPolicy};
    /// use sturdy_runtime::{ErrorKind, RetryRules, Sent};
    /// let failure = Failure {
    ///     kind: ErrorKind::Server, status: Some(503), provider_code: None,
    ///     should_retry: None, retry_after: None, sent: Sent::Yes,
    /// };
    /// let state = CallState { rules: &RetryRules::NONE, replay_safe: true, attempts: 1, remaining: None };
    /// assert_eq!(
    ///     RetryPolicy::default().decide(&failure, &state, 0.5),
    ///     Decision::Retry { delay: Duration::from_millis(250) },
    /// );
    /// ```
    pub fn decide(
        &self,
        failure: &Failure<'_>,
        state: &CallState<'_>,
        jitter_fraction: f64,
    ) -> Decision {
        if let Err(reason) = classify(failure, state.rules) {
            return Decision::Stop(reason);
        }
        if !state.replay_safe && failure.sent != Sent::No {
            return Decision::Stop(StopReason::NotReplaySafe);
        }
        let max = state.rules.max_retries.unwrap_or(self.max_retries);
        if state.attempts > max {
            return Decision::Stop(StopReason::Exhausted);
        }
        let delay = match failure.retry_after {
            Some(wait) if wait > self.max_retry_after => {
                return Decision::Stop(StopReason::RetryAfterTooLong)
            }
            Some(wait) => wait,
            None => self.backoff(state.attempts.saturating_sub(1), jitter_fraction),
        };
        if let Some(remaining) = state.remaining {
            if delay >= remaining {
                return Decision::Stop(StopReason::Deadline);
            }
        }
        Decision::Retry { delay }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: ErrorKind, status: Option<u16>) -> Failure<'static> {
        Failure {
            kind,
            status,
            provider_code: None,
            should_retry: None,
            retry_after: None,
            sent: kind.sent(),
        }
    }

    fn state(attempts: u32) -> CallState<'static> {
        CallState {
            rules: &RetryRules::NONE,
            replay_safe: true,
            attempts,
            remaining: None,
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(0, 1.0), Duration::from_millis(500));
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(p.backoff(4, 1.0), Duration::from_secs(8));
        assert_eq!(p.backoff(30, 1.0), Duration::from_secs(8));
        assert_eq!(p.backoff(u32::MAX, 1.0), Duration::from_secs(8));
        assert_eq!(p.backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(p.backoff(3, 0.0), Duration::ZERO);
        // Out-of-range jitter is clamped, never panics.
        assert_eq!(p.backoff(0, 7.0), Duration::from_millis(500));
        assert_eq!(p.backoff(0, -1.0), Duration::ZERO);
        assert_eq!(p.backoff(0, f64::NAN), Duration::from_millis(500));
    }

    #[test]
    fn full_jitter_stays_within_bounds() {
        let p = RetryPolicy::default();
        for n in 0..10u32 {
            let cap = Duration::from_millis(500 * 2u64.pow(n)).min(Duration::from_secs(8));
            for j in [0.0, 0.1, 0.25, 0.5, 0.75, 0.999] {
                let d = p.backoff(n, j);
                assert!(d <= cap, "retry {n} jitter {j}: {d:?} > {cap:?}");
                assert_eq!(d, cap.mul_f64(j));
            }
        }
    }

    #[test]
    fn retried_kinds_and_statuses() {
        let p = RetryPolicy::default();
        for (kind, status) in [
            (ErrorKind::Timeout, None),
            (ErrorKind::Connect, None),
            (ErrorKind::Network, None),
            (ErrorKind::Status, Some(408)),
            (ErrorKind::RateLimited, Some(429)),
            (ErrorKind::Server, Some(500)),
            (ErrorKind::Server, Some(502)),
            (ErrorKind::Server, Some(503)),
            (ErrorKind::Server, Some(504)),
        ] {
            assert!(
                matches!(
                    p.decide(&failure(kind, status), &state(1), 1.0),
                    Decision::Retry { .. }
                ),
                "{kind} {status:?} must be retried"
            );
        }
        for (kind, status) in [
            (ErrorKind::Validation, Some(400)),
            (ErrorKind::Unauthorized, Some(401)),
            (ErrorKind::Forbidden, Some(403)),
            (ErrorKind::NotFound, Some(404)),
            (ErrorKind::Conflict, Some(409)),
            (ErrorKind::Validation, Some(422)),
            (ErrorKind::Server, Some(501)),
            (ErrorKind::Server, Some(505)),
            (ErrorKind::Decode, Some(200)),
            (ErrorKind::InvalidRequest, None),
            (ErrorKind::Credentials, None),
            (ErrorKind::CircuitOpen, None),
        ] {
            assert_eq!(
                p.decide(&failure(kind, status), &state(1), 1.0),
                Decision::Stop(StopReason::NotRetryable),
                "{kind} {status:?} must not be retried"
            );
        }
    }

    #[test]
    fn conflict_only_where_the_contract_says() {
        let rules = RetryRules {
            retry_conflict: true,
            ..RetryRules::NONE
        };
        let s = CallState {
            rules: &rules,
            ..state(1)
        };
        let f = failure(ErrorKind::Conflict, Some(409));
        assert!(matches!(
            RetryPolicy::default().decide(&f, &s, 0.0),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn attempts_are_bounded_by_policy_and_rules() {
        let p = RetryPolicy::default();
        let f = failure(ErrorKind::Server, Some(503));
        assert!(matches!(
            p.decide(&f, &state(1), 0.5),
            Decision::Retry { .. }
        ));
        assert!(matches!(
            p.decide(&f, &state(2), 0.5),
            Decision::Retry { .. }
        ));
        assert_eq!(
            p.decide(&f, &state(3), 0.5),
            Decision::Stop(StopReason::Exhausted)
        );
        let rules = RetryRules {
            max_retries: Some(0),
            ..RetryRules::NONE
        };
        let s = CallState {
            rules: &rules,
            ..state(1)
        };
        assert_eq!(p.decide(&f, &s, 0.5), Decision::Stop(StopReason::Exhausted));
        assert_eq!(
            RetryPolicy::none().decide(&f, &state(1), 0.5),
            Decision::Stop(StopReason::Exhausted)
        );
    }

    #[test]
    fn delay_uses_backoff_of_the_retry_number() {
        let p = RetryPolicy::default();
        let f = failure(ErrorKind::Server, Some(500));
        let p5 = p.clone().max_retries(5);
        let delays: Vec<Duration> = (1..=5)
            .map(|a| match p5.decide(&f, &state(a), 0.5) {
                Decision::Retry { delay } => delay,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            delays,
            [250, 500, 1000, 2000, 4000]
                .map(Duration::from_millis)
                .to_vec()
        );
    }

    #[test]
    fn post_without_key_is_not_resent_once_it_may_have_been_sent() {
        let p = RetryPolicy::default();
        let unsafe_state = CallState {
            replay_safe: false,
            ..state(1)
        };
        for kind in [ErrorKind::Timeout, ErrorKind::Network] {
            assert_eq!(
                p.decide(&failure(kind, None), &unsafe_state, 0.5),
                Decision::Stop(StopReason::NotReplaySafe)
            );
        }
        assert_eq!(
            p.decide(&failure(ErrorKind::Server, Some(503)), &unsafe_state, 0.5),
            Decision::Stop(StopReason::NotReplaySafe)
        );
        // A connection that was never established sent nothing: safe to resend.
        assert!(matches!(
            p.decide(&failure(ErrorKind::Connect, None), &unsafe_state, 0.5),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::default();
        let mut f = failure(ErrorKind::RateLimited, Some(429));
        f.retry_after = Some(Duration::from_secs(7));
        assert_eq!(
            p.decide(&f, &state(1), 0.5),
            Decision::Retry {
                delay: Duration::from_secs(7)
            }
        );
        f.retry_after = Some(Duration::from_secs(60));
        assert_eq!(
            p.decide(&f, &state(1), 0.5),
            Decision::Retry {
                delay: Duration::from_secs(60)
            }
        );
        f.retry_after = Some(Duration::from_secs(61));
        assert_eq!(
            p.decide(&f, &state(1), 0.5),
            Decision::Stop(StopReason::RetryAfterTooLong)
        );
        let small = p.clone().max_retry_after(Duration::from_secs(1));
        f.retry_after = Some(Duration::from_millis(1001));
        assert_eq!(
            small.decide(&f, &state(1), 0.5),
            Decision::Stop(StopReason::RetryAfterTooLong)
        );
    }

    #[test]
    fn x_should_retry_overrides_the_status_rule() {
        let p = RetryPolicy::default();
        let mut f = failure(ErrorKind::Server, Some(503));
        f.should_retry = Some(false);
        assert_eq!(
            p.decide(&f, &state(1), 0.5),
            Decision::Stop(StopReason::ServerSaidNo)
        );
        let mut f = failure(ErrorKind::Validation, Some(400));
        f.should_retry = Some(true);
        assert!(matches!(
            p.decide(&f, &state(1), 0.5),
            Decision::Retry { .. }
        ));
        // ...but never makes an unsafe resend safe.
        let s = CallState {
            replay_safe: false,
            ..state(1)
        };
        assert_eq!(
            p.decide(&f, &s, 0.5),
            Decision::Stop(StopReason::NotReplaySafe)
        );
    }

    #[test]
    fn terminal_codes_are_not_retried() {
        let rules = RetryRules {
            terminal_codes: &["insufficient_quota"],
            ..RetryRules::NONE
        };
        let s = CallState {
            rules: &rules,
            ..state(1)
        };
        let mut f = failure(ErrorKind::RateLimited, Some(429));
        f.provider_code = Some("insufficient_quota");
        f.should_retry = Some(true);
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(&f, &s, 0.5),
            Decision::Stop(StopReason::TerminalCode)
        );
        assert!(!is_retryable(&f, &rules));
        f.provider_code = Some("rate_limit_exceeded");
        assert!(matches!(p.decide(&f, &s, 0.5), Decision::Retry { .. }));
    }

    #[test]
    fn deadline_stops_a_wait_that_would_pass_it() {
        let p = RetryPolicy::default();
        let f = failure(ErrorKind::Server, Some(503));
        let s = CallState {
            remaining: Some(Duration::from_millis(250)),
            ..state(1)
        };
        assert_eq!(p.decide(&f, &s, 0.5), Decision::Stop(StopReason::Deadline));
        let s = CallState {
            remaining: Some(Duration::from_millis(251)),
            ..state(1)
        };
        assert_eq!(
            p.decide(&f, &s, 0.5),
            Decision::Retry {
                delay: Duration::from_millis(250)
            }
        );
    }
}
