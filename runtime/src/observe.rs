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
        let status_label = status_label(status);
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

/// The `status` label: a static string for the usual codes (no formatting, no allocation per
/// attempt), else the code formatted.
#[cfg(feature = "metrics")]
fn status_label(status: Option<u16>) -> metrics::SharedString {
    let Some(code) = status else {
        return metrics::SharedString::const_str("none");
    };
    let usual = match code {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        301 => "301",
        302 => "302",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        409 => "409",
        422 => "422",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        _ => return code.to_string().into(),
    };
    metrics::SharedString::const_str(usual)
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

#[cfg(all(test, feature = "metrics"))]
mod tests {
    #[test]
    fn status_labels_are_the_decimal_code() {
        for code in 100..=599u16 {
            assert_eq!(
                &*super::status_label(Some(code)),
                code.to_string(),
                "{code}"
            );
        }
        assert_eq!(&*super::status_label(None), "none");
    }
}
