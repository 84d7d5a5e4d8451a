//! One logical call from start to finish: its identifiers and span, the attempt loop
//! ([`super::run`]), and what the outcome feeds (breaker, drift, health, traces, interceptors).

use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::observe;
use crate::request::{Request, RequestOptions};
use crate::response::RawResponse;

use super::ids::{correlation_id_in, idempotency_key_for, UUID_LEN};
use super::{BodySlot, CallCtx, RunState};

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
        let mut id_buf = [0; UUID_LEN];
        let correlation_id = match &options.correlation_id {
            Some(id) => id.as_str(),
            None => correlation_id_in(&mut id_buf),
        };
        let server = self.server_of(&request);
        let span = observe::call_span(op, &server, correlation_id, idempotency_key.as_deref());
        let mut ctx = CallCtx {
            request: &request,
            options: &options,
            idempotency_key: idempotency_key.as_deref(),
            correlation_id,
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
        let done = Finished {
            op,
            server: &server,
            started: ctx.started,
            correlation_id,
            idempotency_key,
            state,
        };
        self.finish(done, &span, result)
    }

    /// What a call's outcome feeds once its attempts are over: the call's span, the host's
    /// breaker (the outcome of the call, not of each attempt), drift signals, health and the
    /// interceptors' `on_outcome`; the response or error gets the call's own fields.
    fn finish(
        &self,
        done: Finished<'_>,
        span: &tracing::Span,
        result: Result<RawResponse, Error>,
    ) -> Result<RawResponse, Error> {
        let (op, state) = (done.op, done.state);
        if !span.is_disabled() {
            let elapsed = self
                .inner
                .time
                .clock
                .now()
                .saturating_duration_since(done.started);
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
                .record(done.server, permit, outcome, self.inner.time.clock.now());
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
                raw.idempotency_key = done.idempotency_key;
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
                    i.idempotency_key = done.idempotency_key;
                    i.correlation_id = Some(done.correlation_id.to_owned());
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
}

/// A call whose attempts are over, as [`Client::finish`] records it.
struct Finished<'a> {
    op: &'static crate::request::OperationMeta,
    server: &'a str,
    started: std::time::Instant,
    correlation_id: &'a str,
    idempotency_key: Option<String>,
    state: RunState,
}
