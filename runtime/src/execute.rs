//! The executor: one logical call, its attempts, and the classification of each outcome.
//!
//! Per attempt, in order: the host's circuit breaker ([`crate::breaker`]) may fail the call
//! fast; the rate limiter ([`crate::ratelimit`]) may make it wait; credentials are applied;
//! the request is sent with a per-attempt timeout cut short by the call's total deadline;
//! the outcome feeds the breaker and the limiter. After a failure, [`RetryPolicy::decide`]
//! and the retry budget ([`crate::budget`]) say whether to wait and try again. The final
//! outcome is recorded for [`Client::health`], traced ([`crate::observe`]) and counted.

use std::time::{Duration, Instant};

use bytes::Bytes;
use secrecy::ExposeSecret;
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Sent, MAX_RAW_BODY};
use crate::observe;
use crate::request::{Body, Request, RequestOptions, RetryRules};
use crate::response::RawResponse;
use crate::retry::{CallState, Decision, Failure, RetryPolicy};

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
    /// Set for a streaming call: a 2xx response is parked here with its body unread.
    body_slot: Option<&'a BodySlot>,
}

/// Where a streaming call receives the unread response of a 2xx.
pub(crate) type BodySlot = std::sync::Mutex<Option<reqwest::Response>>;

/// What changes across the attempts of one call.
#[derive(Default)]
struct RunState {
    attempts: u32,
    forced_refresh: bool,
}

impl Client {
    /// Runs one logical call: builds each attempt from `request`, applies auth, sends, and
    /// retries safe failures per the retry policy. Returns the raw response of a 2xx.
    pub async fn execute(
        &self,
        request: Request,
        options: RequestOptions,
    ) -> Result<RawResponse, Error> {
        self.execute_with(request, options, None).await
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
        let ctx = CallCtx {
            request: &request,
            options: &options,
            idempotency_key: idempotency_key.as_deref(),
            correlation_id: &correlation_id,
            server: &server,
            started: self.inner.time.clock.now(),
            body_slot,
        };
        let mut state = RunState::default();
        let result = self.run(&ctx, &mut state).instrument(span.clone()).await;
        let elapsed = self
            .inner
            .time
            .clock
            .now()
            .saturating_duration_since(ctx.started);
        span.record("sturdy.attempts", state.attempts);
        span.record("sturdy.latency_ms", observe::millis(elapsed));
        match result {
            Ok(mut raw) => {
                span.record("http.response.status_code", raw.status);
                raw.attempts = state.attempts;
                raw.idempotency_key = idempotency_key;
                self.inner.health.success();
                Ok(raw)
            }
            Err(mut err) => {
                if let Some(s) = err.status() {
                    span.record("http.response.status_code", s);
                }
                span.record("error.type", err.kind().as_str());
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
                    state.forced_refresh,
                    self.inner.time.clock.system_now(),
                );
                observe::call_failed(op, err.kind());
                Err(err)
            }
        }
    }

    /// `host:port` of the request's target, the key of its circuit breaker.
    fn server_of(&self, request: &Request) -> String {
        match &request.absolute_url {
            Some(raw) => url::Url::parse(raw)
                .map(|u| crate::breaker::host_key(&u))
                .unwrap_or_default(),
            None => self.inner.breaker.base_key().to_owned(),
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
        let total = ctx.options.total_timeout.or(self.inner.timeouts.total);
        let deadline = total.map(|t| ctx.started + t);
        let replay_safe = op.is_idempotent() || ctx.idempotency_key.is_some();
        let mut budget_taken = 0u32;
        loop {
            st.attempts += 1;
            let attempt = st.attempts;

            let now = time.clock.now();
            if let Err(left) = self.inner.breaker.check(ctx.server, now) {
                let mut e = Error::new(
                    ErrorKind::CircuitOpen,
                    format!(
                        "the circuit for {} is open after repeated failures; next probe in {:.3}s",
                        ctx.server,
                        left.as_secs_f64()
                    ),
                );
                e.inner_mut().retry_after = Some(left);
                e.inner_mut().retryable = true;
                e.inner_mut().hint = crate::normalize::hint(ErrorKind::CircuitOpen, None);
                return Err(e);
            }

            if self.inner.limiter.is_active() {
                let remaining = deadline.map(|d| d.saturating_duration_since(now));
                let cap =
                    remaining.map_or(policy.max_retry_after, |r| r.min(policy.max_retry_after));
                match self.inner.limiter.acquire(now, cap) {
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
                                    policy.max_retry_after.as_secs_f64()
                                ),
                            )
                        };
                        let i = e.inner_mut();
                        i.sent = Some(Sent::No);
                        i.retry_after = Some(wait);
                        i.retryable = true;
                        i.hint = crate::normalize::hint(i.kind, None);
                        return Err(e);
                    }
                }
            }

            let attempt_timeout = ctx
                .options
                .timeout
                .or(op.timeout)
                .unwrap_or(self.inner.timeouts.attempt);
            let (timeout, cut_by_deadline) = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(time.clock.now());
                    if left.is_zero() {
                        let mut e = Error::new(
                            ErrorKind::Timeout,
                            format!(
                                "the call's total deadline of {:.3}s passed before attempt {attempt}",
                                total.unwrap_or_default().as_secs_f64()
                            ),
                        );
                        e.inner_mut().sent = Some(if attempt > 1 { Sent::Maybe } else { Sent::No });
                        e.inner_mut().retryable = true;
                        return Err(e);
                    }
                    (left.min(attempt_timeout), left < attempt_timeout)
                }
                None => (attempt_timeout, false),
            };

            let (outcome, span) = self.attempt(ctx, attempt, st.forced_refresh, timeout).await;
            let mut err = match outcome {
                Attempt::Done(raw) => {
                    self.inner
                        .breaker
                        .record(ctx.server, false, time.clock.now());
                    if let Some(b) = &self.inner.budget {
                        b.on_success(budget_taken);
                    }
                    return Ok(raw);
                }
                Attempt::Failed(e) => e,
            };
            if err.sent() != Sent::No || err.kind() == ErrorKind::Connect {
                let failure = crate::breaker::is_failure(err.kind(), err.status());
                self.inner
                    .breaker
                    .record(ctx.server, failure, time.clock.now());
            }
            err.inner_mut().correlation_id = Some(ctx.correlation_id.to_owned());
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

            // One forced credential refresh and replay after a 401, when a refreshing
            // provider supplied the credential.
            if err.kind() == ErrorKind::Unauthorized
                && !st.forced_refresh
                && self.uses_refreshing_auth(op)
            {
                st.forced_refresh = true;
                tracing::debug!("401: forcing a credential refresh and replaying");
                continue;
            }

            let should_retry = err
                .headers()
                .and_then(|h| h.get("x-should-retry"))
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
                match budget.try_acquire(err.kind()) {
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

    fn uses_refreshing_auth(&self, op: &crate::request::OperationMeta) -> bool {
        self.inner.auth.is_refreshable(op)
    }

    /// The full URL of a request.
    fn url_for(
        &self,
        request: &Request,
        extra_query: &[(String, String)],
    ) -> Result<url::Url, Error> {
        let raw = match &request.absolute_url {
            Some(u) => u.clone(),
            None => format!("{}{}", self.inner.base_url, request.path),
        };
        let mut url = url::Url::parse(&raw).map_err(|e| {
            let secret_names = self.inner.auth.names_of_secret_params();
            let shown = url::Url::parse(&self.inner.base_url)
                .map(|u| crate::redact::redact_url(&u, &secret_names))
                .unwrap_or_else(|_| "[unparseable URL]".to_owned());
            Error::new(
                ErrorKind::InvalidRequest,
                format!("invalid URL for path `{}` under {shown}: {e}", request.path),
            )
        })?;
        if !request.query.is_empty() || !extra_query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &request.query {
                pairs.append_pair(k, v);
            }
            for (k, v) in extra_query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// The URL with secrets stripped, for errors and traces.
    fn shown_url(&self, url: &url::Url) -> String {
        crate::redact::redact_url(url, &self.inner.auth.names_of_secret_params())
    }

    async fn attempt(
        &self,
        ctx: &CallCtx<'_>,
        attempt: u32,
        force_refresh: bool,
        timeout: Duration,
    ) -> (Attempt, tracing::Span) {
        let request = ctx.request;
        let options = ctx.options;
        let op = request.op;
        let applied = match self.inner.auth.apply(op, force_refresh).await {
            Ok(a) => a,
            Err(e) => return (Attempt::Failed(e), tracing::Span::none()),
        };
        let secret_query: Vec<(String, String)> = applied
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
            .collect();
        let url = match self.url_for(request, &secret_query) {
            Ok(u) => u,
            Err(e) => return (Attempt::Failed(e), tracing::Span::none()),
        };
        // Redacting costs a parse and a format: done only for a span that is recorded and for
        // an error.
        let span = observe::attempt_span(attempt);
        if !span.is_disabled() {
            span.record("url.full", self.shown_url(&url).as_str());
        }
        let target = url.clone();
        let fail = |e: Error| Attempt::Failed(with_url(e, &self.shown_url(&target)));
        let mut builder = self.inner.http.request(op.method.to_http(), url);
        for (k, v) in &self.inner.default_headers {
            builder = builder.header(k, v);
        }
        if let Some((name, value)) = self.inner.api.version_header {
            builder = builder.header(name, value);
        }
        for (k, v) in &request.headers {
            builder = builder.header(k.as_ref(), v);
        }
        for (k, v) in &options.headers {
            builder = builder.header(k, v);
        }
        if let (Some(header), Some(key)) = (op.idempotency_header, ctx.idempotency_key) {
            let already = request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(header))
                || options
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(header));
            if !already {
                builder = builder.header(header, key);
            }
        }
        if let Some(h) = &self.inner.correlation_header {
            builder = builder.header(h, ctx.correlation_id);
        }
        if attempt > 1 {
            builder = builder.header("x-sturdy-retry-count", (attempt - 1).to_string());
        }
        for (k, v) in &applied.headers {
            let Ok(mut value) = reqwest::header::HeaderValue::from_str(v.expose_secret()) else {
                return (
                    fail(Error::new(
                        ErrorKind::Credentials,
                        format!("the credential for header `{k}` is not a valid header value"),
                    )),
                    span,
                );
            };
            value.set_sensitive(true);
            builder = builder.header(k, value);
        }
        let mut cookies: Vec<String> = request
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        cookies.extend(
            applied
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={}", v.expose_secret())),
        );
        if !cookies.is_empty() {
            let Ok(mut value) = reqwest::header::HeaderValue::from_str(&cookies.join("; ")) else {
                return (
                    fail(Error::new(
                        ErrorKind::InvalidRequest,
                        "a cookie value is not a valid header value",
                    )),
                    span,
                );
            };
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::COOKIE, value);
        }
        builder = match &request.body {
            Body::Empty => builder,
            Body::Bytes { content_type, data } => builder
                .header(reqwest::header::CONTENT_TYPE, content_type.as_ref())
                .body(data.clone()),
            Body::Multipart(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for p in parts {
                    let mut part = reqwest::multipart::Part::bytes(p.data.to_vec());
                    if let Some(f) = &p.filename {
                        part = part.file_name(f.clone());
                    }
                    if let Some(ct) = &p.content_type {
                        part = match part.mime_str(ct) {
                            Ok(p) => p,
                            Err(e) => {
                                return (
                                    fail(Error::new(
                                        ErrorKind::InvalidRequest,
                                        format!("multipart content type {ct}: {e}"),
                                    )),
                                    span,
                                )
                            }
                        };
                    }
                    form = form.part(p.name.clone(), part);
                }
                builder.multipart(form)
            }
        };
        let mut req = match builder.build() {
            Ok(r) => r,
            Err(e) => {
                return (
                    fail(Error::new(
                        ErrorKind::InvalidRequest,
                        crate::redact::reqwest_message(&e),
                    )),
                    span,
                )
            }
        };
        if let Some(signer) = &self.inner.signer {
            let path = match req.url().query() {
                Some(q) => format!("{}?{q}", req.url().path()),
                None => req.url().path().to_owned(),
            };
            let body = req
                .body()
                .and_then(|b| b.as_bytes())
                .unwrap_or(&[])
                .to_vec();
            let now = self.inner.time.clock.system_now();
            for (k, v) in signer.sign(req.method().as_str(), &path, &body, now) {
                if let (Ok(name), Ok(mut value)) = (
                    reqwest::header::HeaderName::from_bytes(k.as_bytes()),
                    reqwest::header::HeaderValue::from_str(&v),
                ) {
                    value.set_sensitive(true);
                    req.headers_mut().insert(name, value);
                }
            }
        }
        let clock = &self.inner.time.clock;
        let sent_at = clock.now();
        let fut = async {
            let resp = self.inner.http.execute(req).await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            if let Some(slot) = ctx.body_slot.filter(|_| resp.status().is_success()) {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(resp);
                return Ok((status, headers, Bytes::new()));
            }
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let result = tokio::time::timeout(timeout, fut)
            .instrument(span.clone())
            .await;
        let latency = clock.now().saturating_duration_since(sent_at);
        span.record("sturdy.latency_ms", observe::millis(latency));
        let (status, headers, body) = match result {
            Err(_) => {
                observe::attempt_done(op, None, latency);
                span.record("error.type", ErrorKind::Timeout.as_str());
                let mut e = Error::new(
                    ErrorKind::Timeout,
                    format!("no complete response within {:.3}s", timeout.as_secs_f64()),
                );
                e.inner_mut().hint = crate::normalize::hint(ErrorKind::Timeout, None);
                return (fail(e), span);
            }
            Ok(Err(e)) => {
                observe::attempt_done(op, None, latency);
                let kind = if e.is_connect() {
                    ErrorKind::Connect
                } else if e.is_timeout() {
                    ErrorKind::Timeout
                } else if e.is_builder() {
                    ErrorKind::InvalidRequest
                } else {
                    ErrorKind::Network
                };
                span.record("error.type", kind.as_str());
                let mut err = Error::new(kind, crate::redact::reqwest_message(&e));
                err.inner_mut().hint = crate::normalize::hint(kind, None);
                return (fail(err), span);
            }
            Ok(Ok(v)) => v,
        };
        observe::attempt_done(op, Some(status), latency);
        span.record("http.response.status_code", status);
        let request_id = request_id(&headers);
        if let Some(id) = &request_id {
            span.record("sturdy.request_id", id.as_str());
        }
        if (200..300).contains(&status) {
            self.inner
                .limiter
                .observe(&headers, status, None, clock.now(), clock.system_now());
            return (
                Attempt::Done(RawResponse {
                    status,
                    headers,
                    body,
                    request_id,
                    idempotency_key: None,
                    attempts: attempt,
                }),
                span,
            );
        }
        let err = status_error(
            status,
            headers,
            body,
            request_id,
            self.inner.api.error_pointer,
            clock.as_ref(),
        );
        span.record("error.type", err.kind().as_str());
        if let Some(h) = err.headers() {
            self.inner.limiter.observe(
                h,
                status,
                err.retry_after(),
                clock.now(),
                clock.system_now(),
            );
        }
        (fail(err), span)
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
/// `Uuid::new_v4`.
fn new_uuid_v4() -> String {
    uuid::Builder::from_random_bytes(rand::random::<[u8; 16]>())
        .into_uuid()
        .hyphenated()
        .to_string()
}

fn with_url(mut e: Error, url: &str) -> Error {
    e.inner_mut().url = Some(url.to_owned());
    e
}

/// The provider's request id from the usual headers.
pub fn request_id(headers: &http::HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|h| {
        headers
            .get(*h)
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
        assert_eq!(uuid::Uuid::parse_str(&a).unwrap().get_version_num(), 4);
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
