//! The executor: one logical call, its attempts, and the classification of each outcome.

use std::time::Duration;

use bytes::Bytes;
use secrecy::ExposeSecret;
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Sent, MAX_RAW_BODY};
use crate::request::{Body, Request, RequestOptions};
use crate::response::RawResponse;

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

impl Client {
    /// Runs one logical call: builds each attempt from `request`, applies auth, sends, and
    /// retries safe failures per the retry policy. Returns the raw response of a 2xx.
    pub async fn execute(
        &self,
        request: Request,
        options: RequestOptions,
    ) -> Result<RawResponse, Error> {
        let op = request.op;
        if let Some(reason) = &request.invalid {
            let mut e = Error::new(ErrorKind::InvalidRequest, reason.clone());
            e.inner_mut().operation_id = op.id;
            e.inner_mut().method = op.method.as_str();
            return Err(e);
        }
        let idempotency_key = self.idempotency_key_for(&request, &options);
        let correlation_id = options
            .correlation_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let policy = options.retry.clone().unwrap_or_else(|| self.inner.retry.clone());
        let max_retries = op.retry.max_retries.unwrap_or(policy.max_retries);
        let span = tracing::info_span!(
            "sturdy.call",
            otel.name = op.id,
            http.request.method = op.method.as_str(),
            url.template = op.path_template,
            correlation_id = %correlation_id,
            idempotency_key = idempotency_key.as_deref().unwrap_or(""),
        );
        let started = self.inner.time.clock.now();
        let mut attempt: u32 = 0;
        let mut forced_refresh = false;
        async {
            loop {
                attempt += 1;
                let outcome = self
                    .attempt(&request, &options, attempt, forced_refresh, idempotency_key.as_deref(), &correlation_id)
                    .await;
                let mut err = match outcome {
                    Attempt::Done(mut raw) => {
                        raw.attempts = attempt;
                        raw.idempotency_key = idempotency_key.clone();
                        return Ok(raw);
                    }
                    Attempt::Failed(e) => e,
                };
                {
                    let i = err.inner_mut();
                    i.attempts = attempt;
                    i.operation_id = op.id;
                    i.method = op.method.as_str();
                    i.idempotency_key = idempotency_key.clone();
                    i.correlation_id = Some(correlation_id.clone());
                }
                // One forced credential refresh and replay after a 401, when a refreshing
                // provider supplied the credential.
                if err.kind() == ErrorKind::Unauthorized && !forced_refresh && self.uses_refreshing_auth(op) {
                    forced_refresh = true;
                    continue;
                }
                let replay_safe = op.is_idempotent() || idempotency_key.is_some() || err.sent() == Sent::No;
                let retryable = self.is_retryable(&err, op);
                err.inner_mut().retryable = retryable;
                if !retryable || !replay_safe || attempt > max_retries {
                    return Err(err);
                }
                let delay = match err.retry_after() {
                    Some(wait) if wait > policy.max_retry_after => return Err(err),
                    Some(wait) => wait,
                    None => policy.backoff(attempt - 1, self.inner.time.jitter.fraction()),
                };
                if let Some(total) = self.inner.timeouts.total {
                    let elapsed = self.inner.time.clock.now().saturating_duration_since(started);
                    if elapsed + delay >= total {
                        return Err(err);
                    }
                }
                tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, kind = %err.kind(), "retrying");
                self.inner.time.sleeper.sleep(delay).await;
            }
        }
        .instrument(span)
        .await
    }

    fn uses_refreshing_auth(&self, op: &crate::request::OperationMeta) -> bool {
        !op.security.is_empty()
    }

    /// Whether an error is one that a retry may fix.
    pub(crate) fn is_retryable(&self, err: &Error, op: &crate::request::OperationMeta) -> bool {
        if let Some(code) = err.provider_code() {
            if op.retry.terminal_codes.contains(&code) {
                return false;
            }
        }
        if let Some(headers) = err.headers() {
            match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
                Some("true") => return true,
                Some("false") => return false,
                _ => {}
            }
        }
        match err.kind() {
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Network => true,
            ErrorKind::RateLimited | ErrorKind::Server => {
                matches!(err.status(), Some(429 | 500 | 502 | 503 | 504))
            }
            ErrorKind::Conflict => op.retry.retry_conflict,
            ErrorKind::Status => matches!(err.status(), Some(408)),
            _ => false,
        }
    }

    /// The key for this call: the caller's (option or header parameter) if given, else a new
    /// UUID v4 for any non-GET operation that declares an idempotency header.
    fn idempotency_key_for(&self, request: &Request, options: &RequestOptions) -> Option<String> {
        let header = request.op.idempotency_header?;
        if let Some(k) = &options.idempotency_key {
            return Some(k.clone());
        }
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
        from_request.or_else(from_options).or_else(|| {
            (request.op.method != crate::request::Method::Get)
                .then(|| uuid::Uuid::new_v4().to_string())
        })
    }

    /// The full URL of a request, and the same with secrets stripped for errors and traces.
    fn url_for(&self, request: &Request, extra_query: &[(String, String)]) -> Result<(url::Url, String), Error> {
        let raw = match &request.absolute_url {
            Some(u) => u.clone(),
            None => format!("{}{}", self.inner.base_url, request.path),
        };
        let mut url = url::Url::parse(&raw)
            .map_err(|e| Error::new(ErrorKind::InvalidRequest, format!("invalid URL {raw}: {e}")))?;
        if !request.query.is_empty() || !extra_query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &request.query {
                pairs.append_pair(k, v);
            }
            for (k, v) in extra_query {
                pairs.append_pair(k, v);
            }
        }
        let secret_names = self.inner.auth.names_of_secret_params();
        Ok((url.clone(), crate::redact::redact_url(&url, &secret_names)))
    }

    async fn attempt(
        &self,
        request: &Request,
        options: &RequestOptions,
        attempt: u32,
        force_refresh: bool,
        idempotency_key: Option<&str>,
        correlation_id: &str,
    ) -> Attempt {
        let op = request.op;
        let applied = match self.inner.auth.apply(op, force_refresh).await {
            Ok(a) => a,
            Err(e) => return Attempt::Failed(e),
        };
        let secret_query: Vec<(String, String)> = applied
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
            .collect();
        let (url, shown_url) = match self.url_for(request, &secret_query) {
            Ok(u) => u,
            Err(e) => return Attempt::Failed(e),
        };
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
        if let (Some(header), Some(key)) = (op.idempotency_header, idempotency_key) {
            let already = request.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(header))
                || options.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(header));
            if !already {
                builder = builder.header(header, key);
            }
        }
        if let Some(h) = &self.inner.correlation_header {
            builder = builder.header(h, correlation_id);
        }
        if attempt > 1 {
            builder = builder.header("x-sturdy-retry-count", (attempt - 1).to_string());
        }
        for (k, v) in &applied.headers {
            let mut value = reqwest::header::HeaderValue::from_str(v.expose_secret())
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
            value.set_sensitive(true);
            builder = builder.header(k, value);
        }
        let mut cookies: Vec<String> = request.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        cookies.extend(applied.cookies.iter().map(|(k, v)| format!("{k}={}", v.expose_secret())));
        if !cookies.is_empty() {
            let mut value = reqwest::header::HeaderValue::from_str(&cookies.join("; "))
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
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
                                return Attempt::Failed(Error::new(
                                    ErrorKind::InvalidRequest,
                                    format!("multipart content type {ct}: {e}"),
                                ))
                            }
                        };
                    }
                    form = form.part(p.name.clone(), part);
                }
                builder.multipart(form)
            }
        };
        let timeout = options
            .timeout
            .or(op.timeout)
            .unwrap_or(self.inner.timeouts.attempt);
        let req = match builder.build() {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed(with_url(
                    Error::new(ErrorKind::InvalidRequest, crate::redact::reqwest_message(&e)),
                    &shown_url,
                ))
            }
        };
        let span = tracing::debug_span!(
            "sturdy.attempt",
            http.request.resend_count = attempt - 1,
            url.full = %shown_url,
            http.response.status_code = tracing::field::Empty,
        );
        let fut = async {
            let resp = self.inner.http.execute(req).await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let result = tokio::time::timeout(timeout, fut).instrument(span.clone()).await;
        let (status, headers, body) = match result {
            Err(_) => {
                return Attempt::Failed(with_url(
                    Error::new(ErrorKind::Timeout, format!("no complete response within {timeout:?}")),
                    &shown_url,
                ))
            }
            Ok(Err(e)) => {
                let kind = if e.is_connect() {
                    ErrorKind::Connect
                } else if e.is_timeout() {
                    ErrorKind::Timeout
                } else if e.is_builder() {
                    ErrorKind::InvalidRequest
                } else {
                    ErrorKind::Network
                };
                return Attempt::Failed(with_url(Error::new(kind, crate::redact::reqwest_message(&e)), &shown_url));
            }
            Ok(Ok(v)) => v,
        };
        span.record("http.response.status_code", status);
        let request_id = request_id(&headers);
        if (200..300).contains(&status) {
            return Attempt::Done(RawResponse {
                status,
                headers,
                body,
                request_id,
                idempotency_key: None,
                attempts: attempt,
            });
        }
        Attempt::Failed(with_url(status_error(status, headers, body, request_id, self.inner.api.error_pointer, self.inner.time.clock.as_ref()), &shown_url))
    }
}

fn with_url(mut e: Error, url: &str) -> Error {
    e.inner_mut().url = Some(url.to_owned());
    e
}

/// The provider's request id from the usual headers.
pub fn request_id(headers: &http::HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()).map(str::to_owned))
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

#[allow(dead_code)]
fn _assert_send(c: &Client, r: Request) {
    fn is_send<T: Send>(_: T) {}
    is_send(c.execute(r, RequestOptions::default()));
    let _ = Duration::ZERO;
}
