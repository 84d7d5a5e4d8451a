//! One attempt: credentials, the request, the transport raced against the attempt's timer
//! ([`super::race`]), and the classification of the outcome.

use std::time::Duration;

use bytes::Bytes;
use secrecy::ExposeSecret;
use tracing::Instrument;

use super::{request_id, status_error, with_url, Attempt, CallCtx};
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::observe;
use crate::response::RawResponse;
use crate::transport::{TransportError, TransportErrorKind, TransportFuture};

/// What one send produced before classification.
enum Sent {
    /// The timer fired first.
    TimedOut,
    /// The transport failed.
    Failed(TransportError),
    /// A complete response.
    Answered(u16, http::HeaderMap, Bytes),
}

impl Client {
    pub(super) async fn attempt(
        &self,
        ctx: &CallCtx<'_>,
        attempt: u32,
        auth: &mut super::AuthRound,
        timeout: Duration,
    ) -> (Attempt, tracing::Span) {
        let op = ctx.request.op;
        let applied = match self.inner.auth.apply(op, auth.rejected.as_deref()).await {
            Ok(a) => a,
            Err(e) => return (Attempt::Failed(e), tracing::Span::none()),
        };
        auth.used.clone_from(&applied.provider_tokens);
        let secret_query: Vec<(String, String)> = applied
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
            .collect();
        let (url, on_base) = match self.url_for(ctx.request, &secret_query) {
            Ok(u) => u,
            Err(e) => return (Attempt::Failed(e), tracing::Span::none()),
        };
        // A URL joined to the parsed base is on the base's origin by construction.
        let carries_credentials = !applied.is_empty() || self.inner.signer.is_some();
        if !on_base {
            if let Err(e) =
                crate::auth::origin::check(&self.inner.base_url, &url, carries_credentials)
            {
                return (Attempt::Failed(e), tracing::Span::none());
            }
        }
        // Redacting costs a parse and a format: done only for a span that is recorded and for
        // an error.
        let span = observe::attempt_span(attempt);
        if !span.is_disabled() {
            span.record("url.full", self.shown_url(&url).as_str());
        }
        // The URL is built again, from the same parts, only for an error.
        let fail = |e: Error| {
            let shown = self
                .url_for(ctx.request, &secret_query)
                .map(|(target, _)| self.shown_url(&target))
                .unwrap_or_default();
            Attempt::Failed(with_url(e, &shown))
        };
        let mut req = match self.build_attempt(ctx, attempt, url, &applied) {
            Ok(r) => r,
            Err(e) => return (fail(e), span),
        };
        let interceptors = &self.inner.interceptors;
        if !interceptors.is_empty() {
            let refused = interceptors.run("before_attempt", crate::error::Sent::No, |i| {
                i.before_attempt(&mut crate::intercept::BeforeAttempt {
                    op,
                    attempt,
                    request: &mut req,
                })
            });
            if let Err(e) = refused {
                return (fail(e), span);
            }
        }
        let clock = &self.inner.time.clock;
        // The latency is read only for a span that records it and for metrics.
        let timed = !span.is_disabled() || observe::METRICS;
        let sent_at = timed.then(|| clock.now());
        // The transport's (boxed) future is made here, in the attempt's span, so the futures
        // below hold it rather than the request (their state, moved at each `.await`, stays
        // smaller).
        let sending = span.in_scope(|| self.inner.transport.send(req));
        let result = if span.is_disabled() {
            self.send(sending, timeout, ctx.body_slot).await
        } else {
            self.send(sending, timeout, ctx.body_slot)
                .instrument(span.clone())
                .await
        };
        let latency = sent_at.map_or(Duration::ZERO, |t| clock.now().saturating_duration_since(t));
        span.record("sturdy.latency_ms", observe::millis(latency));
        let (status, headers, body) = match result {
            Sent::TimedOut => {
                observe::attempt_done(op, None, latency);
                span.record("error.type", ErrorKind::Timeout.as_str());
                let mut e = Error::new(
                    ErrorKind::Timeout,
                    format!("no complete response within {:.3}s", timeout.as_secs_f64()),
                );
                e.inner_mut().hint = crate::normalize::hint(ErrorKind::Timeout, None);
                return (fail(e), span);
            }
            Sent::Failed(e) => {
                observe::attempt_done(op, None, latency);
                let (kind, message, source) = e.into_parts();
                let kind = match kind {
                    TransportErrorKind::Connect => ErrorKind::Connect,
                    TransportErrorKind::Timeout => ErrorKind::Timeout,
                    TransportErrorKind::InvalidRequest => ErrorKind::InvalidRequest,
                    // The server answered with a redirect the policy refused to follow.
                    TransportErrorKind::Redirect => ErrorKind::Status,
                    _ => ErrorKind::Network,
                };
                span.record("error.type", kind.as_str());
                let mut err = Error::new(kind, message);
                err.inner_mut().hint = crate::normalize::hint(kind, None);
                err.inner_mut().source = source;
                return (fail(err), span);
            }
            Sent::Answered(status, headers, body) => (status, headers, body),
        };
        observe::attempt_done(op, Some(status), latency);
        span.record("http.response.status_code", status);
        let request_id = request_id(&headers);
        if let Some(id) = &request_id {
            span.record("sturdy.request_id", id.as_str());
        }
        if (200..300).contains(&status) {
            if self.inner.limiter.learns_from(&headers, status, None) {
                self.inner.limiter.observe(
                    ctx.limit_scope(),
                    &headers,
                    status,
                    None,
                    clock.now(),
                    clock.system_now(),
                );
            }
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
                ctx.limit_scope(),
                h,
                status,
                err.retry_after(),
                clock.now(),
                clock.system_now(),
            );
        }
        (fail(err), span)
    }

    /// Awaits `sending`, the transport's future of the attempt, and reads the whole body,
    /// unless the attempt's timer fires first ([`super::race`]: tokio's, armed once the attempt
    /// is pending, with the default time source; else the injected
    /// [`crate::time::Sleeper::timer`]). With a `slot` (a streaming call), a 2xx body is parked
    /// there unread: the timer then covers the response head only, and the stream applies its
    /// own idle timeout.
    async fn send(
        &self,
        sending: TransportFuture,
        timeout: Duration,
        slot: Option<&super::BodySlot>,
    ) -> Sent {
        let exchange = std::pin::pin!(async move {
            let resp = sending.await?;
            if let Some(slot) = slot.filter(|_| (200..300).contains(&resp.status)) {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(resp.body);
                return Ok((resp.status, resp.headers, Bytes::new()));
            }
            let body = resp.body.collect().await?;
            Ok::<_, TransportError>((resp.status, resp.headers, body))
        });
        let raced = if self.inner.tokio_timers {
            super::race::tokio(exchange, timeout).await
        } else {
            let timer = self.inner.time.sleeper.timer(timeout);
            super::race::injected(timer, exchange).await
        };
        match raced {
            None => Sent::TimedOut,
            Some(Ok((status, headers, body))) => Sent::Answered(status, headers, body),
            Some(Err(e)) => Sent::Failed(e),
        }
    }
}
