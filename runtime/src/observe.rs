//! Tracing spans and metrics for every call and attempt.
//!
//! Spans (`tracing`), with OpenTelemetry HTTP semantic-convention names where one exists:
//! - `sturdy.call` (INFO), one per logical call: `otel.name`, `sturdy.operation_id`,
//!   `http.request.method`, `url.template`, `server.address`, `sturdy.correlation_id`,
//!   `sturdy.idempotency_key`, and at the end `http.response.status_code`, `error.type`,
//!   `sturdy.attempts`, `sturdy.latency_ms`, and for a failed call `sturdy.sent` (`no`,
//!   `maybe`, `yes`: the strongest over all attempts, as [`crate::Error::sent`]).
//! - `sturdy.attempt` (DEBUG), one per attempt: `http.request.resend_count`, `url.full`
//!   (secrets stripped), `http.response.status_code`, `sturdy.request_id`, `error.type`,
//!   `sturdy.latency_ms`, and `sturdy.retry_delay_ms` when a retry follows.
//!
//! Secrets never reach a span: no request header is recorded, and URLs are redacted.
//!
//! Metrics (feature `metrics`, through the `metrics` facade; labels `operation`, and as
//! noted):
//! - `sturdy_requests_total` counter, one per attempt, label `status` (`"none"` when no
//!   response)
//! - `sturdy_retries_total` counter, label `kind` (what the retried failure was)
//! - `sturdy_errors_total` counter, one per failed call, label `kind`
//! - `sturdy_request_duration_seconds` histogram, per attempt
//! - `sturdy_auth_failures_total` counter (401 and 403 responses), label `status`
//! - `sturdy_rate_limited_total` counter (429 responses)
//! - `sturdy_drift_total` counter, labels `pointer` and `kind` (see [`crate::drift`])

use std::time::Duration;

use crate::request::OperationMeta;

/// The span of one logical call.
pub(crate) fn call_span(
    op: &OperationMeta,
    server: &str,
    correlation_id: &str,
    idempotency_key: Option<&str>,
) -> tracing::Span {
    tracing::info_span!(
        "sturdy.call",
        otel.name = op.id,
        otel.kind = "client",
        sturdy.operation_id = op.id,
        http.request.method = op.method.as_str(),
        url.template = op.path_template,
        server.address = server,
        sturdy.correlation_id = correlation_id,
        sturdy.idempotency_key = idempotency_key.unwrap_or(""),
        http.response.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
        sturdy.attempts = tracing::field::Empty,
        sturdy.latency_ms = tracing::field::Empty,
        sturdy.sent = tracing::field::Empty,
    )
}

/// The value of the `sturdy.sent` field.
pub(crate) fn sent_str(sent: crate::error::Sent) -> &'static str {
    match sent {
        crate::error::Sent::No => "no",
        crate::error::Sent::Maybe => "maybe",
        crate::error::Sent::Yes => "yes",
    }
}

/// The span of one attempt.
pub(crate) fn attempt_span(attempt: u32) -> tracing::Span {
    tracing::debug_span!(
        "sturdy.attempt",
        http.request.resend_count = attempt.saturating_sub(1),
        url.full = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        sturdy.request_id = tracing::field::Empty,
        error.type = tracing::field::Empty,
        sturdy.latency_ms = tracing::field::Empty,
        sturdy.retry_delay_ms = tracing::field::Empty,
    )
}

/// Whether metrics are recorded (feature `metrics`).
pub(crate) const METRICS: bool = cfg!(feature = "metrics");

pub(crate) fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One attempt finished (`status` is `None` without a response).
#[allow(unused_variables)]
pub(crate) fn attempt_done(op: &OperationMeta, status: Option<u16>, latency: Duration) {
    #[cfg(feature = "metrics")]
    {
        let status_label = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
        metrics::counter!("sturdy_requests_total", "operation" => op.id, "status" => status_label.clone())
            .increment(1);
        metrics::histogram!("sturdy_request_duration_seconds", "operation" => op.id)
            .record(latency.as_secs_f64());
        match status {
            Some(401 | 403) => {
                metrics::counter!("sturdy_auth_failures_total", "operation" => op.id, "status" => status_label)
                    .increment(1)
            }
            Some(429) => metrics::counter!("sturdy_rate_limited_total", "operation" => op.id).increment(1),
            _ => {}
        }
    }
}

/// A retry is about to happen after a failure of `kind`.
#[allow(unused_variables)]
pub(crate) fn retrying(op: &OperationMeta, kind: crate::ErrorKind) {
    #[cfg(feature = "metrics")]
    metrics::counter!("sturdy_retries_total", "operation" => op.id, "kind" => kind.as_str())
        .increment(1);
}

/// A call failed for good with `kind`.
#[allow(unused_variables)]
pub(crate) fn call_failed(op: &OperationMeta, kind: crate::ErrorKind) {
    #[cfg(feature = "metrics")]
    metrics::counter!("sturdy_errors_total", "operation" => op.id, "kind" => kind.as_str())
        .increment(1);
}
