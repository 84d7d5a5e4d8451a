//! The attempt loop of one call: breaker and rate limiter admission, the attempt's timeout cut
//! by the call's deadline, the 401 replay, and the retry decision with its budget.

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::observe;
use crate::request::RetryRules;
use crate::response::RawResponse;
use crate::retry::{CallState, Decision, Failure, RetryPolicy};

use super::{Attempt, CallCtx, RunState, RETRY_HINT_HEADERS};

impl Client {
    pub(super) async fn run(
        &self,
        ctx: &CallCtx<'_>,
        st: &mut RunState,
    ) -> Result<RawResponse, Error> {
        let op = ctx.request.op;
        let time = &self.inner.time;
        let policy: &RetryPolicy = ctx.options.retry.as_ref().unwrap_or(&self.inner.retry);
        // A per-call policy's retry count wins over the operation's.
        let rules = if ctx.options.retry.is_some() {
            RetryRules {
                max_retries: None,
                ..op.retry
            }
        } else {
            op.retry
        };
        let total = ctx.options.timeout.or(self.inner.timeouts.total);
        let deadline = total.map(|t| ctx.started + t);
        let attempt_timeout = ctx
            .options
            .attempt_timeout
            .or(op.timeout)
            .unwrap_or(self.inner.timeouts.attempt);
        let replay_safe = op.is_idempotent() || ctx.idempotency_key.is_some();
        let mut budget_taken = 0u32;
        loop {
            st.attempts += 1;
            let attempt = st.attempts;

            self.admit(ctx, st, deadline, policy).await?;

            let (timeout, cut_by_deadline) = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(time.clock.now());
                    if left.is_zero() {
                        return Err(crate::refusal::deadline_before(
                            total.unwrap_or_default(),
                            attempt,
                        ));
                    }
                    (left.min(attempt_timeout), left < attempt_timeout)
                }
                None => (attempt_timeout, false),
            };

            let (outcome, span) = self.attempt(ctx, attempt, &mut st.auth, timeout).await;
            if let Err(mut refused) = self.after_attempt(op, attempt, &outcome) {
                st.outcome = Some(match &outcome {
                    Attempt::Done(_) => crate::breaker::Outcome::Success,
                    Attempt::Failed(e) => crate::breaker::Outcome::of(e),
                });
                crate::refusal::carry_sent(&mut refused, st.sent);
                return Err(refused);
            }
            let mut err = match outcome {
                Attempt::Done(raw) => {
                    if let Some(b) = &self.inner.budget {
                        b.on_success_shared(self.inner.limiter.shared(), ctx.server, budget_taken)
                            .await;
                    }
                    return Ok(raw);
                }
                Attempt::Failed(e) => e,
            };
            st.outcome = Some(crate::breaker::Outcome::of(&err));
            // What this attempt may have done is kept for the call's error, whatever stops it
            // later (crate::refusal).
            crate::refusal::carry_sent(&mut err, st.sent);
            st.sent = err.sent();
            err.inner_mut().correlation_id = Some(ctx.correlation_id.to_owned());
            if err.kind() == ErrorKind::Interceptor
                || crate::upload::after_failed_attempt(&ctx.request.body, &mut err)
            {
                return Err(err);
            }
            if cut_by_deadline && err.kind() == ErrorKind::Timeout {
                // The deadline itself fired: nothing is left for another attempt.
                let i = err.inner_mut();
                i.message = format!(
                    "the call's total deadline of {:.3}s passed during attempt {attempt}",
                    total.unwrap_or_default().as_secs_f64()
                );
                i.retryable = true;
                return Err(err);
            }

            // One replay after a 401 when a refreshing provider supplied the credential: the
            // provider is told which token was refused, so it refreshes that one however
            // young, and many calls refused at once share one refresh.
            if err.kind() == ErrorKind::Unauthorized
                && st.auth.rejected.is_none()
                && !st.auth.used.is_empty()
            {
                st.auth.rejected = Some(std::mem::take(&mut st.auth.used));
                tracing::debug!("401: refreshing the refused token and replaying");
                continue;
            }

            let failure = Failure {
                kind: err.kind(),
                status: err.status(),
                provider_code: err.provider_code(),
                should_retry: retry_hint(&err),
                retry_after: err.retry_after(),
                sent: err.sent(),
            };
            let retryable = crate::retry::is_retryable(&failure, &rules);
            let call_state = CallState {
                rules: &rules,
                replay_safe,
                attempts: attempt,
                remaining: deadline.map(|d| d.saturating_duration_since(time.clock.now())),
            };
            let decision = policy.decide(&failure, &call_state, time.jitter.fraction());
            err.inner_mut().retryable = retryable;
            let delay = match decision {
                Decision::Stop(reason) => {
                    tracing::debug!(
                        reason = reason.as_str(),
                        kind = err.kind().as_str(),
                        "not retrying"
                    );
                    return Err(err);
                }
                Decision::Retry { delay } => delay,
            };
            if let Some(budget) = &self.inner.budget {
                match budget
                    .try_acquire_shared(self.inner.limiter.shared(), ctx.server, err.kind())
                    .await
                {
                    Some(taken) => budget_taken += taken,
                    None => {
                        tracing::warn!(
                            kind = err.kind().as_str(),
                            "retry budget exhausted: not retrying"
                        );
                        budget_exhausted(&mut err);
                        return Err(err);
                    }
                }
            }
            span.record("sturdy.retry_delay_ms", observe::millis(delay));
            observe::retrying(op, err.kind());
            tracing::debug!(
                attempt,
                delay_ms = observe::millis(delay),
                kind = err.kind().as_str(),
                status = err.status(),
                "retrying"
            );
            time.sleeper.sleep(delay).await;
        }
    }

    /// Admits one attempt: the host's circuit breaker may fail the call fast, the rate
    /// limiter may make it wait (within the call's deadline) or refuse.
    async fn admit(
        &self,
        ctx: &CallCtx<'_>,
        st: &mut RunState,
        deadline: Option<std::time::Instant>,
        policy: &RetryPolicy,
    ) -> Result<(), Error> {
        let time = &self.inner.time;
        let now = time.clock.now();
        // A half-open probe is the whole call: its retries take no further probe place.
        if st.permit != Some(crate::breaker::Permit::Probe) {
            match self.inner.breaker.check(ctx.server, now) {
                Ok(permit) => st.permit = Some(permit),
                Err(left) => return Err(crate::refusal::circuit_open(ctx.server, left)),
            }
        }

        if self.inner.limiter.is_active() {
            let remaining = deadline.map(|d| d.saturating_duration_since(now));
            let cap = remaining.map_or(policy.max_retry_after, |r| r.min(policy.max_retry_after));
            match self
                .inner
                .limiter
                .acquire_shared(ctx.limit_scope(), now, cap)
                .await
            {
                Ok(wait) if wait.is_zero() => {}
                Ok(wait) => {
                    tracing::debug!(
                        wait_ms = observe::millis(wait),
                        "client-side rate limit: waiting"
                    );
                    time.sleeper.sleep(wait).await;
                }
                Err(wait) => {
                    let by_deadline =
                        remaining.is_some_and(|r| r < policy.max_retry_after && wait > r);
                    return Err(crate::refusal::rate_limited(
                        wait,
                        by_deadline,
                        policy.max_retry_after,
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `err`, the last attempt's failure, rewritten as the call's: the retry budget is exhausted.
fn budget_exhausted(err: &mut Error) {
    let sent = err.sent();
    let i = err.inner_mut();
    i.message = if i.message.is_empty() {
        format!(
            "retry budget exhausted; last attempt failed with {}",
            i.kind
        )
    } else {
        format!(
            "retry budget exhausted; last attempt failed with {}: {}",
            i.kind, i.message
        )
    };
    i.kind = ErrorKind::BudgetExhausted;
    i.sent = Some(sent);
    i.hint = crate::normalize::hint(ErrorKind::BudgetExhausted, None);
}

/// What the response's [`RETRY_HINT_HEADERS`] say about a retry (`true` / `false`), if any.
fn retry_hint(err: &Error) -> Option<bool> {
    err.headers()
        .and_then(|h| RETRY_HINT_HEADERS.iter().find_map(|n| h.get(*n)))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| match v.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
}
