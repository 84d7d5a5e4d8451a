//! The executor: one logical call, its attempts, and the classification of each outcome.
//!
//! Per attempt, in order: the host's circuit breaker ([`crate::breaker`]) may fail the call
//! fast; the rate limiter ([`crate::ratelimit`]) may make it wait; credentials are applied
//! and the request is built ([`build`]); interceptors' `before_attempt` hooks run
//! ([`crate::intercept`]); the request goes through the client's
//! [`crate::transport::Transport`], raced against the attempt timeout (tokio's timer with the
//! default time source, else the injected [`crate::time::Sleeper::timer`]: [`race`]) and cut
//! short by the call's deadline (`.timeout()`, the whole call) ([`attempt`]); the outcome feeds the limiter and the `after_attempt` hooks.
//! After a failure,
//! [`RetryPolicy::decide`] and the retry budget ([`crate::budget`]) say whether to wait and
//! try again. The final outcome of the call (not of each attempt) feeds the breaker, is
//! recorded for [`Client::health`], traced ([`crate::observe`]) and counted; a failed call's
//! [`Error::sent`] is the strongest over all its attempts ([`crate::refusal`]).

use std::time::Instant;

use bytes::Bytes;
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Sent, MAX_RAW_BODY};
use crate::observe;
use crate::request::{Request, RequestOptions, RetryRules};
use crate::response::RawResponse;
use crate::retry::{CallState, Decision, Failure, RetryPolicy};

mod attempt;
mod build;
pub(crate) mod multipart;
mod race;
mod target;

pub(crate) use target::joinable_base;

/// Response headers that carry a provider's request id, in the order they are tried.
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-github-request-id",
    "x-correlation-id",
    "cf-ray",
    "x-ms-request-id",
    "x-trace-id",
];

/// Response headers in which a provider says whether a retry may succeed (`true` /
/// `false`), in the order they are tried: OpenAI's and Stainless SDKs' `x-should-retry`,
/// Stripe's `Stripe-Should-Retry`.
pub const RETRY_HINT_HEADERS: &[&str] = &["x-should-retry", "stripe-should-retry"];

/// The outcome of one attempt.
pub(crate) enum Attempt {
    Done(RawResponse),
    Failed(Error),
}

/// What stays the same across the attempts of one call.
struct CallCtx<'a> {
    request: &'a Request,
    options: &'a RequestOptions,
    idempotency_key: Option<&'a str>,
    correlation_id: &'a str,
    server: &'a str,
    started: Instant,
    /// Headers interceptors added for every attempt.
    extra_headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// Set for a streaming call: a 2xx response's body is parked here unread.
    body_slot: Option<&'a BodySlot>,
}

/// Where a streaming call receives the unread body of a 2xx response.
pub(crate) type BodySlot = std::sync::Mutex<Option<crate::transport::ResponseBody>>;

impl CallCtx<'_> {
    /// The provider rate-limit window this call counts against.
    fn limit_scope(&self) -> crate::ratelimit::Scope<'_> {
        crate::ratelimit::Scope {
            server: self.server,
            operation: self.request.op.id,
        }
    }
}

/// The credentials side of a call: the refreshing tokens the latest attempt sent, and, after a
/// 401, the ones the API refused (the replay asks their providers for new ones).
#[derive(Default)]
pub(super) struct AuthRound {
    pub(super) used: Vec<secrecy::SecretString>,
    pub(super) rejected: Option<Vec<secrecy::SecretString>>,
}

/// What changes across the attempts of one call.
struct RunState {
    attempts: u32,
    auth: AuthRound,
    /// The strongest [`Sent`] over the attempts made so far.
    sent: Sent,
    /// The breaker's permit for the latest attempt, if one was admitted.
    permit: Option<crate::breaker::Permit>,
    /// How the latest attempt counts for the breaker.
    outcome: Option<crate::breaker::Outcome>,
}

impl Default for RunState {
    fn default() -> Self {
        Self {
            attempts: 0,
            auth: AuthRound::default(),
            sent: Sent::No,
            permit: None,
            outcome: None,
        }
    }
}

impl Client {
    /// Runs one logical call: builds each attempt from `request`, applies auth, sends, and
    /// retries safe failures per the retry policy. Returns the raw response of a 2xx.
    pub fn execute(
        &self,
        request: Request,
        options: RequestOptions,
    ) -> impl std::future::Future<Output = Result<RawResponse, Error>> + '_ {
        // Not an `async fn`: that would wrap (and copy) the call's future once more.
        self.execute_with(request, options, None)
    }

    /// `execute`, parking a 2xx response unread in `body_slot` if given (for streams).
    pub(crate) async fn execute_with(
        &self,
        request: Request,
        options: RequestOptions,
        body_slot: Option<&BodySlot>,
    ) -> Result<RawResponse, Error> {
        let op = request.op;
        if let Some(reason) = &request.invalid {
            let mut e = Error::new(ErrorKind::InvalidRequest, reason.clone());
            e.inner_mut().operation_id = op.id;
            e.inner_mut().method = op.method.as_str();
            observe::call_failed(op, e.kind());
            return Err(e);
        }
        let idempotency_key = idempotency_key_for(&request, &options);
        let correlation_id = options.correlation_id.clone().unwrap_or_else(new_uuid_v4);
        let server = self.server_of(&request);
        let span = observe::call_span(op, &server, &correlation_id, idempotency_key.as_deref());
        let mut ctx = CallCtx {
            request: &request,
            options: &options,
            idempotency_key: idempotency_key.as_deref(),
            correlation_id: &correlation_id,
            server: &server,
            started: self.inner.time.clock.now(),
            extra_headers: Vec::new(),
            body_slot,
        };
        let mut state = RunState::default();
        let result = match self.before_call(&mut ctx) {
            // A span no subscriber records needs no wrapper around the call's future.
            Ok(()) if span.is_disabled() => self.run(&ctx, &mut state).await,
            Ok(()) => self.run(&ctx, &mut state).instrument(span.clone()).await,
            Err(e) => Err(e),
        };
        if !span.is_disabled() {
            let elapsed = self
                .inner
                .time
                .clock
                .now()
                .saturating_duration_since(ctx.started);
            span.record("sturdy.attempts", state.attempts);
            span.record("sturdy.latency_ms", observe::millis(elapsed));
        }
        if let Some(permit) = state.permit {
            // The breaker counts the outcome of the call, not of each attempt.
            // A call stopped before any attempt reached the host (a probe refused by the
            // limiter) proves nothing and gives a probe's place back.
            let outcome = match &result {
                Ok(_) => crate::breaker::Outcome::Success,
                Err(_) => state.outcome.unwrap_or(crate::breaker::Outcome::Ignored),
            };
            self.inner
                .breaker
                .record(&server, permit, outcome, self.inner.time.clock.now());
        }
        let headers = match &result {
            Ok(raw) => Some(&raw.headers),
            Err(e) => e.headers(),
        };
        crate::drift::observe_headers(&self.inner.drift, op, headers);
        let result = match result {
            Ok(mut raw) => {
                span.record("http.response.status_code", raw.status);
                raw.attempts = state.attempts;
                raw.idempotency_key = idempotency_key;
                self.inner.health.success();
                Ok(raw)
            }
            Err(mut err) => {
                crate::refusal::carry_sent(&mut err, state.sent);
                if let Some(s) = err.status() {
                    span.record("http.response.status_code", s);
                }
                span.record("error.type", err.kind().as_str());
                span.record("sturdy.sent", observe::sent_str(err.sent()));
                {
                    let i = err.inner_mut();
                    i.attempts = state.attempts;
                    i.operation_id = op.id;
                    i.method = op.method.as_str();
                    i.idempotency_key = idempotency_key;
                    i.correlation_id = Some(correlation_id);
                }
                self.inner.health.failure(
                    &err,
                    state.auth.rejected.is_some(),
                    self.inner.time.clock.system_now(),
                );
                observe::call_failed(op, err.kind());
                Err(err)
            }
        };
        for i in &self.inner.interceptors.0 {
            i.on_outcome(&crate::intercept::Outcome {
                op,
                attempts: state.attempts,
                result: &result,
            });
        }
        result
    }

    /// Runs the interceptors' `before_call` hooks.
    fn before_call(&self, ctx: &mut CallCtx<'_>) -> Result<(), Error> {
        let interceptors = &self.inner.interceptors;
        if interceptors.is_empty() {
            return Ok(());
        }
        let mut headers = Vec::new();
        interceptors.run("before_call", Sent::No, |i| {
            i.before_call(&mut crate::intercept::BeforeCall {
                request: ctx.request,
                idempotency_key: ctx.idempotency_key,
                correlation_id: ctx.correlation_id,
                headers: &mut headers,
            })
        })?;
        ctx.extra_headers = headers;
        Ok(())
    }

    /// Runs the interceptors' `after_attempt` hooks on an attempt's outcome.
    fn after_attempt(
        &self,
        op: &'static crate::request::OperationMeta,
        attempt: u32,
        outcome: &Attempt,
    ) -> Result<(), Error> {
        let interceptors = &self.inner.interceptors;
        if interceptors.is_empty() {
            return Ok(());
        }
        let (status, headers, error, sent) = match outcome {
            Attempt::Done(raw) => (Some(raw.status), Some(&raw.headers), None, Sent::Yes),
            // An attempt an interceptor refused was not made.
            Attempt::Failed(e) if e.kind() == ErrorKind::Interceptor => return Ok(()),
            Attempt::Failed(e) => (e.status(), e.headers(), Some(e), e.sent()),
        };
        interceptors.run("after_attempt", sent, |i| {
            i.after_attempt(&crate::intercept::AfterAttempt {
                op,
                attempt,
                status,
                headers,
                error,
            })
        })
    }

    /// `host:port` of the request's target, the key of its circuit breaker.
    fn server_of(&self, request: &Request) -> std::borrow::Cow<'_, str> {
        match &request.absolute_url {
            Some(raw) => url::Url::parse(raw)
                .map(|u| crate::breaker::host_key(&u))
                .unwrap_or_default()
                .into(),
            None => self.inner.breaker.base_key().into(),
        }
    }

    async fn run(&self, ctx: &CallCtx<'_>, st: &mut RunState) -> Result<RawResponse, Error> {
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
                let cap =
                    remaining.map_or(policy.max_retry_after, |r| r.min(policy.max_retry_after));
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

            let should_retry = err
                .headers()
                .and_then(|h| RETRY_HINT_HEADERS.iter().find_map(|n| h.get(*n)))
                .and_then(|v| v.to_str().ok())
                .and_then(|v| match v.trim() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                });
            let failure = Failure {
                kind: err.kind(),
                status: err.status(),
                provider_code: err.provider_code(),
                should_retry,
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
}

/// The key for a call: the caller's (a header parameter, an extra header, or
/// [`RequestOptions::idempotency_key`], in that order) if given, else a new UUID v4 for any
/// non-GET operation that declares an idempotency header. One key per logical call; every
/// attempt sends it.
fn idempotency_key_for(request: &Request, options: &RequestOptions) -> Option<String> {
    let header = request.op.idempotency_header?;
    let from_request = request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(header))
        .map(|(_, v)| v.clone());
    let from_options = || {
        options
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(header))
            .map(|(_, v)| v.clone())
    };
    from_request
        .or_else(from_options)
        .or_else(|| options.idempotency_key.clone())
        .or_else(|| (request.op.method != crate::request::Method::Get).then(new_uuid_v4))
}

/// A random (version 4) UUID from the thread-local CSPRNG: no system call per call, unlike
/// `Uuid::new_v4`, and no formatting machinery.
fn new_uuid_v4() -> String {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Builder::from_random_bytes(rand::random::<[u8; 16]>())
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut buf)
        .to_owned()
}

fn with_url(mut e: Error, url: &str) -> Error {
    e.inner_mut().url = Some(url.to_owned());
    e
}

/// [`REQUEST_ID_HEADERS`] as header names, parsed at compile time (a lookup by `&str`
/// parses the name every time).
static REQUEST_ID_NAMES: [http::HeaderName; 9] = [
    http::HeaderName::from_static("x-request-id"),
    http::HeaderName::from_static("request-id"),
    http::HeaderName::from_static("x-amzn-requestid"),
    http::HeaderName::from_static("x-amz-request-id"),
    http::HeaderName::from_static("x-github-request-id"),
    http::HeaderName::from_static("x-correlation-id"),
    http::HeaderName::from_static("cf-ray"),
    http::HeaderName::from_static("x-ms-request-id"),
    http::HeaderName::from_static("x-trace-id"),
];

/// The place of `name` in [`REQUEST_ID_HEADERS`] (a `match` on the name compiles to a
/// switch on its length, then one comparison).
fn request_id_rank(name: &str) -> Option<usize> {
    Some(match name {
        "x-request-id" => 0,
        "request-id" => 1,
        "x-amzn-requestid" => 2,
        "x-amz-request-id" => 3,
        "x-github-request-id" => 4,
        "x-correlation-id" => 5,
        "cf-ray" => 6,
        "x-ms-request-id" => 7,
        "x-trace-id" => 8,
        _ => return None,
    })
}

/// The provider's request id from the usual headers: the first of [`REQUEST_ID_HEADERS`]
/// present with a printable value.
pub fn request_id(headers: &http::HeaderMap) -> Option<String> {
    // One pass over the response's names marks which of the nine are present (most responses
    // carry one or none); only those are looked up, in list order.
    let mut present = 0u16;
    for name in headers.keys() {
        if let Some(i) = request_id_rank(name.as_str()) {
            present |= 1 << i;
        }
    }
    REQUEST_ID_NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| present & (1 << i) != 0)
        .find_map(|(_, h)| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
}

/// Builds the normalized error of a non-success response.
pub(crate) fn status_error(
    status: u16,
    headers: http::HeaderMap,
    mut body: Bytes,
    request_id: Option<String>,
    error_pointer: Option<&str>,
    clock: &dyn crate::time::Clock,
) -> Error {
    let kind = ErrorKind::from_status(status);
    let (code, message) = crate::normalize::provider_error(&body, error_pointer);
    let mut e = Error::new(kind, String::new());
    let i = e.inner_mut();
    i.status = Some(status);
    i.retry_after = crate::normalize::retry_after(&headers, clock.system_now());
    i.hint = crate::normalize::hint(kind, code.as_deref());
    i.provider_code = code;
    i.provider_message = message;
    i.request_id = request_id;
    body.truncate(MAX_RAW_BODY);
    i.raw_body = Some(body);
    i.headers = Some(headers);
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Method, OperationMeta};
    use std::time::Duration;

    static CREATE: OperationMeta = OperationMeta::new("createPet", Method::Post, "/pets")
        .idempotency_header("Idempotency-Key");
    static LIST: OperationMeta =
        OperationMeta::new("listPets", Method::Get, "/pets").idempotency_header("Idempotency-Key");
    static PLAIN: OperationMeta = OperationMeta::new("plain", Method::Post, "/x");

    #[test]
    fn a_key_per_call_for_writes_only() {
        let r = Request::new(&CREATE, "/pets".into());
        let a = idempotency_key_for(&r, &RequestOptions::new()).unwrap();
        let b = idempotency_key_for(&r, &RequestOptions::new()).unwrap();
        assert_ne!(a, b, "one key per logical call");
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(a, parsed.hyphenated().to_string(), "hyphenated, lower case");
        assert_eq!(
            idempotency_key_for(&Request::new(&LIST, "/pets".into()), &RequestOptions::new()),
            None
        );
        assert_eq!(
            idempotency_key_for(&Request::new(&PLAIN, "/x".into()), &RequestOptions::new()),
            None
        );
    }

    #[test]
    fn the_callers_key_wins() {
        let r = Request::new(&CREATE, "/pets".into());
        let o = RequestOptions::new().idempotency_key("mine");
        assert_eq!(idempotency_key_for(&r, &o).as_deref(), Some("mine"));
        let o = RequestOptions::new().header("idempotency-key", "extra");
        assert_eq!(idempotency_key_for(&r, &o).as_deref(), Some("extra"));
        let r = r.header("Idempotency-Key", "param");
        assert_eq!(
            idempotency_key_for(&r, &RequestOptions::new().idempotency_key("mine")).as_deref(),
            Some("param"),
            "the header actually sent is the key reported"
        );
    }

    #[test]
    fn request_id_names_match_the_public_list() {
        let names: Vec<&str> = REQUEST_ID_NAMES.iter().map(|n| n.as_str()).collect();
        assert_eq!(names, REQUEST_ID_HEADERS);
        for (i, name) in REQUEST_ID_HEADERS.iter().enumerate() {
            assert_eq!(request_id_rank(name), Some(i), "{name}");
        }
        assert_eq!(request_id_rank("content-type"), None);
        let mut h = http::HeaderMap::new();
        h.insert("cf-ray", "ray-1".parse().unwrap());
        assert_eq!(request_id(&h).as_deref(), Some("ray-1"));
        h.insert("request-id", "req-2".parse().unwrap());
        assert_eq!(request_id(&h).as_deref(), Some("req-2"), "in list order");
        h.insert(
            "x-request-id",
            http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        );
        assert_eq!(
            request_id(&h).as_deref(),
            Some("req-2"),
            "a value that is not printable is skipped"
        );
        h.insert("x-trace-id", "t-3".parse().unwrap());
        h.remove("request-id");
        h.remove("cf-ray");
        assert_eq!(request_id(&h).as_deref(), Some("t-3"));
        assert_eq!(request_id(&http::HeaderMap::new()), None);
    }

    #[test]
    fn status_errors_are_normalized() {
        let clock = crate::time::ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        let mut h = http::HeaderMap::new();
        h.insert("x-request-id", "req_1".parse().unwrap());
        h.insert("retry-after", "3".parse().unwrap());
        let e = status_error(
            429,
            h.clone(),
            Bytes::from_static(br#"{"error":{"code":"insufficient_quota","message":"out"}}"#),
            request_id(&h),
            None,
            &clock,
        );
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.provider_code(), Some("insufficient_quota"));
        assert_eq!(e.provider_message(), Some("out"));
        assert_eq!(e.request_id(), Some("req_1"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.hint().unwrap().contains("quota"));
        let big = Bytes::from(vec![b'x'; MAX_RAW_BODY + 10]);
        let e = status_error(500, http::HeaderMap::new(), big, None, None, &clock);
        assert_eq!(e.raw_body().unwrap().len(), MAX_RAW_BODY);
    }
}
