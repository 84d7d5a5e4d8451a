//! How far a call got over all of its attempts, and the errors of a local refusal.
//!
//! An attempt that may have reached the server is never forgotten: when a later attempt of the
//! same call is refused by the client itself (open circuit, rate limiter, spent retry budget,
//! passed deadline) or fails before sending (a refused connection), the call's error carries
//! the strongest [`Sent`] of any attempt, and its hint says that a write may have been applied
//! instead of claiming nothing was sent.

use std::time::Duration;

use crate::error::{Error, ErrorKind, Sent};

/// The hint of an error whose last attempt sent nothing but an earlier attempt may have
/// reached the server.
pub(crate) fn earlier_attempt_hint(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::CircuitOpen => "an earlier attempt may have reached the server, so a write may have been applied; the circuit then opened and the call stopped: resend with the same idempotency key after retry_after, or check first",
        ErrorKind::RateLimited => "an earlier attempt may have reached the server, so a write may have been applied; the client-side rate limit then stopped the call: resend with the same idempotency key, or check first",
        ErrorKind::BudgetExhausted => "an earlier attempt may have reached the server, so a write may have been applied; the client then stopped retrying because many calls are failing: resend later with the same idempotency key, or check first",
        ErrorKind::Timeout => "the call's deadline passed; an earlier attempt may have reached the server, so a write may have been applied: resend with the same idempotency key, or check first",
        _ => "an earlier attempt may have reached the server, so a write may have been applied: resend with the same idempotency key, or check first",
    }
}

/// Raises the error's [`Sent`] to `earlier` (the strongest state of the call's previous
/// attempts) when that is stronger, and replaces a hint that would claim nothing was sent.
pub(crate) fn carry_sent<E>(err: &mut Error<E>, earlier: Sent) {
    if earlier <= err.sent() {
        return;
    }
    let i = err.inner_mut();
    let was_unsent = i.sent.unwrap_or_else(|| i.kind.sent()) == Sent::No;
    i.sent = Some(earlier);
    if was_unsent {
        i.hint = Some(earlier_attempt_hint(i.kind));
    }
}

/// The fail-fast error of an open circuit (this attempt is not sent).
pub(crate) fn circuit_open(server: &str, left: Duration) -> Error {
    let mut e = Error::new(
        ErrorKind::CircuitOpen,
        format!(
            "the circuit for {server} is open after repeated failures; next probe in {:.3}s",
            left.as_secs_f64()
        ),
    );
    let i = e.inner_mut();
    i.sent = Some(Sent::No);
    i.retry_after = Some(left);
    i.retryable = true;
    i.hint = crate::normalize::hint(ErrorKind::CircuitOpen, None);
    e
}

/// The error of a client-side rate limit that would make the call wait `wait`: a timeout
/// when the wait runs past the call's deadline, else a local `RateLimited`.
pub(crate) fn rate_limited(wait: Duration, by_deadline: bool, cap: Duration) -> Error {
    let mut e = if by_deadline {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "the rate limit allows the next request in {:.3}s, after the call's deadline",
                wait.as_secs_f64()
            ),
        )
    } else {
        Error::new(
            ErrorKind::RateLimited,
            format!(
                "client-side rate limit: the next request is allowed in {:.3}s, longer than the {:.3}s the client waits",
                wait.as_secs_f64(),
                cap.as_secs_f64()
            ),
        )
    };
    let i = e.inner_mut();
    i.sent = Some(Sent::No);
    i.retry_after = Some(wait);
    i.retryable = true;
    i.hint = crate::normalize::hint(i.kind, None);
    e
}

/// The error of a deadline that passed before attempt `attempt` started (this attempt is not
/// sent).
pub(crate) fn deadline_before(total: Duration, attempt: u32) -> Error {
    let mut e = Error::new(
        ErrorKind::Timeout,
        format!(
            "the call's total deadline of {:.3}s passed before attempt {attempt}",
            total.as_secs_f64()
        ),
    );
    e.inner_mut().sent = Some(Sent::No);
    e.inner_mut().retryable = true;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_attempt_raises_a_local_refusal() {
        let mut e = circuit_open("api:443", Duration::from_secs(3));
        assert_eq!(e.sent(), Sent::No);
        assert!(e.hint().unwrap().contains("nothing was sent"));
        carry_sent(&mut e, Sent::Maybe);
        assert_eq!(e.sent(), Sent::Maybe);
        assert!(!e.hint().unwrap().contains("nothing was sent"));
        assert!(!e.to_string().contains("nothing was sent"), "{e}");
        assert!(e.hint().unwrap().contains("may have been applied"));
        carry_sent(&mut e, Sent::Yes);
        assert_eq!(e.sent(), Sent::Yes);
    }

    #[test]
    fn a_weaker_earlier_state_changes_nothing() {
        let mut e: Error = Error::new(ErrorKind::Server, "");
        e.inner_mut().hint = Some("keep");
        carry_sent(&mut e, Sent::Maybe);
        assert_eq!((e.sent(), e.hint()), (Sent::Yes, Some("keep")));
        let mut e = deadline_before(Duration::from_secs(1), 1);
        carry_sent(&mut e, Sent::No);
        assert_eq!(e.sent(), Sent::No);
    }

    #[test]
    fn every_local_refusal_gets_a_truthful_hint() {
        for mut e in [
            circuit_open("h:1", Duration::ZERO),
            rate_limited(Duration::from_secs(9), false, Duration::from_secs(1)),
            rate_limited(Duration::from_secs(9), true, Duration::from_secs(60)),
            deadline_before(Duration::from_secs(1), 2),
            Error::new(ErrorKind::Connect, "refused"),
        ] {
            e.inner_mut().hint = crate::normalize::hint(e.kind(), None);
            carry_sent(&mut e, Sent::Maybe);
            assert_eq!(e.sent(), Sent::Maybe, "{e}");
            assert!(e.hint().unwrap().contains("earlier attempt"), "{e}");
        }
    }
}
