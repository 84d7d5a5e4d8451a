//! The one normalized error every generated call returns.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

/// How far a failed call got: whether the server may have seen the request.
///
/// This is what decides whether resending is safe for a non-idempotent operation. The order
/// is `No < Maybe < Yes`; a call's error carries the strongest state over all of its attempts
/// (an attempt that may have been applied is not forgotten when a later one is refused
/// locally).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sent {
    /// Nothing reached the network.
    No,
    /// The request may have reached the server (a timeout or a dropped connection after
    /// the request was written).
    Maybe,
    /// The server answered.
    Yes,
}

/// What went wrong, in the terms an application acts on.
///
/// Each variant says whether the request may have been sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request could not be built (a body that does not serialize, a header value with
    /// a newline, an invalid URL), or it would carry credentials to another origin than the
    /// API's ([`crate::auth::origin`]). **Not sent.**
    InvalidRequest,
    /// No credentials for any of the operation's security alternatives, or they could not be
    /// obtained (token endpoint refused: see [`Error::provider_code`] for `invalid_grant`,
    /// `invalid_client`). **Not sent.**
    Credentials,
    /// 401: the credentials were refused. **Sent.**
    Unauthorized,
    /// 403: the credentials lack permission. **Sent.**
    Forbidden,
    /// 404. **Sent.**
    NotFound,
    /// 409. **Sent.**
    Conflict,
    /// 400 or 422: the server refused the input. **Sent.**
    Validation,
    /// 429: the provider is rate limiting; see [`Error::retry_after`]. **Sent.** Also the
    /// client-side limiter's refusal to wait longer than the retry policy's cap, which that
    /// attempt did **not send** (an earlier attempt of the call may have: [`Error::sent`]).
    RateLimited,
    /// 5xx. **Sent** (and a write may or may not have been applied).
    Server,
    /// Another non-success status, or a redirect to another origin that was not followed.
    /// **Sent.**
    Status,
    /// The attempt or the call's deadline timed out. **May have been sent** (when the
    /// deadline passed before an attempt started, that attempt was not, but an earlier one
    /// may have been; [`Error::sent`] says so).
    Timeout,
    /// The connection could not be established. **Not sent.**
    Connect,
    /// The connection failed after it was established (reset, closed mid-response).
    /// **May have been sent.**
    Network,
    /// The response arrived but its body did not decode into the declared type; the raw body
    /// is kept. **Sent.**
    Decode,
    /// The circuit breaker for this host is open; the call failed fast. **Not sent** by this
    /// attempt; an earlier attempt of the same call may have been ([`Error::sent`] says so).
    CircuitOpen,
    /// A retry was due but the client's retry budget is spent; the status, provider code,
    /// headers and body of the last attempt are kept. **Sent** as far as any attempt of the
    /// call was ([`Error::sent`]).
    BudgetExhausted,
    /// An interceptor's hook returned an error ([`crate::intercept`]); that error is the
    /// `source()`. Never retried. **Sent** as far as an attempt of the call was before the
    /// hook stopped it ([`Error::sent`]: not sent when `before_call` or the first
    /// `before_attempt` refused).
    Interceptor,
    /// A call with a dedupe key (`.dedupe_key(..)`) whose earlier attempt may have been sent
    /// and has no recorded answer (its process died mid-flight, or it is still running).
    /// **Not sent** by this call, but the earlier attempt **may have been**, so
    /// [`Error::sent`] says `Maybe`; [`Error::dedupe_key`] and [`Error::earlier_attempt_at`]
    /// say which. Look the object up; if the write did not happen, resend with
    /// `.resend_in_doubt()`.
    InDoubt,
    /// The dedupe key was already used for this operation with another payload. **Not sent.**
    DedupeConflict,
    /// The dedupe store could not be read or written before sending. **Not sent.**
    DedupeStore,
}

impl ErrorKind {
    /// Whether the request may have reached the server.
    pub fn sent(self) -> Sent {
        match self {
            ErrorKind::InvalidRequest
            | ErrorKind::Credentials
            | ErrorKind::Connect
            | ErrorKind::CircuitOpen
            | ErrorKind::Interceptor
            | ErrorKind::DedupeConflict
            | ErrorKind::DedupeStore => Sent::No,
            ErrorKind::Timeout | ErrorKind::Network | ErrorKind::InDoubt => Sent::Maybe,
            _ => Sent::Yes,
        }
    }

    /// The kind for an HTTP status that is not a success.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            400 | 422 => ErrorKind::Validation,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Status,
        }
    }

    /// A stable snake_case name, as used in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Credentials => "credentials",
            ErrorKind::Unauthorized => "auth",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Validation => "validation",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Status => "status",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::Network => "network",
            ErrorKind::Decode => "decode",
            ErrorKind::CircuitOpen => "circuit_open",
            ErrorKind::BudgetExhausted => "budget_exhausted",
            ErrorKind::Interceptor => "interceptor",
            ErrorKind::InDoubt => "in_doubt",
            ErrorKind::DedupeConflict => "dedupe_conflict",
            ErrorKind::DedupeStore => "dedupe_store",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The largest raw body an error keeps.
pub const MAX_RAW_BODY: usize = 64 * 1024;

/// The error of a call: one type for every operation, with the operation's declared error
/// response decoded into `E` where the status matches one.
///
/// Secrets never appear here: the URL has credentials and key-bearing query parameters
/// stripped, and no request header is kept.
pub struct Error<E = std::convert::Infallible> {
    inner: Box<ErrorInner<E>>,
}

#[derive(Clone)]
pub(crate) struct ErrorInner<E> {
    pub(crate) kind: ErrorKind,
    pub(crate) status: Option<u16>,
    pub(crate) provider_code: Option<String>,
    pub(crate) provider_message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) correlation_id: Option<String>,
    pub(crate) operation_id: &'static str,
    pub(crate) method: &'static str,
    pub(crate) url: Option<String>,
    pub(crate) attempts: u32,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) raw_body: Option<Bytes>,
    pub(crate) headers: Option<http::HeaderMap>,
    pub(crate) idempotency_key: Option<String>,
    /// The call's `.dedupe_key(..)`, when it had one.
    pub(crate) dedupe_key: Option<String>,
    /// When the earlier attempt of an [`ErrorKind::InDoubt`] call began.
    pub(crate) earlier_attempt_at: Option<std::time::SystemTime>,
    pub(crate) message: String,
    pub(crate) hint: Option<&'static str>,
    pub(crate) retryable: bool,
    /// Overrides the kind's [`ErrorKind::sent`] when the executor knows better: the
    /// strongest state over every attempt of the call.
    pub(crate) sent: Option<Sent>,
    /// The underlying error (reqwest with its URL removed, serde), for `source()`.
    pub(crate) source: Option<Source>,
    pub(crate) typed: Option<E>,
}

impl<E> Error<E> {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(ErrorInner {
                kind,
                status: None,
                provider_code: None,
                provider_message: None,
                request_id: None,
                correlation_id: None,
                operation_id: "",
                method: "",
                url: None,
                attempts: 0,
                retry_after: None,
                raw_body: None,
                headers: None,
                idempotency_key: None,
                dedupe_key: None,
                earlier_attempt_at: None,
                message: message.into(),
                hint: None,
                retryable: false,
                sent: None,
                source: None,
                typed: None,
            }),
        }
    }

    pub(crate) fn inner_mut(&mut self) -> &mut ErrorInner<E> {
        &mut self.inner
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }
    /// Whether the request may have reached the server: the strongest state over all
    /// attempts of the call, so an attempt that may have been applied before a later one was
    /// refused locally (open circuit, rate limit, spent budget, passed deadline) still counts.
    pub fn sent(&self) -> Sent {
        self.inner.sent.unwrap_or_else(|| self.inner.kind.sent())
    }
    /// The runtime's own description of the failure (empty for a plain status error, whose
    /// provider message is in [`Error::provider_message`]).
    pub fn message(&self) -> &str {
        &self.inner.message
    }
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }
    /// The provider's error code from the body (e.g. `card_declined`, `invalid_grant`).
    pub fn provider_code(&self) -> Option<&str> {
        self.inner.provider_code.as_deref()
    }
    /// The provider's error message from the body.
    pub fn provider_message(&self) -> Option<&str> {
        self.inner.provider_message.as_deref()
    }
    /// The provider's request id, from the usual response headers.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }
    /// The correlation id this client sent.
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }
    /// The operation id.
    pub fn operation_id(&self) -> &'static str {
        self.inner.operation_id
    }
    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.inner.method
    }
    /// The URL, with credentials and secret query parameters removed.
    pub fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }
    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }
    /// How long the server asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }
    /// The response body, up to [`MAX_RAW_BODY`] bytes.
    pub fn raw_body(&self) -> Option<&Bytes> {
        self.inner.raw_body.as_ref()
    }
    /// The response headers, when the server answered.
    pub fn headers(&self) -> Option<&http::HeaderMap> {
        self.inner.headers.as_ref()
    }
    /// The idempotency key the call sent on every attempt.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.inner.idempotency_key.as_deref()
    }
    /// The call's dedupe key (`.dedupe_key(..)`), when it had one.
    pub fn dedupe_key(&self) -> Option<&str> {
        self.inner.dedupe_key.as_deref()
    }
    /// When the earlier attempt of an [`ErrorKind::InDoubt`] call began (the client's clock).
    pub fn earlier_attempt_at(&self) -> Option<std::time::SystemTime> {
        self.inner.earlier_attempt_at
    }
    /// A one-line hint on what to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        self.inner.hint
    }
    /// Whether trying the same call again later may succeed (the runtime has already
    /// retried as far as its policy allows).
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }
    /// The declared error response, decoded.
    pub fn typed(&self) -> Option<&E> {
        self.inner.typed.as_ref()
    }
    /// Takes the declared error response out.
    pub fn into_typed(self) -> Option<E> {
        self.inner.typed
    }

    /// Converts the typed part, keeping everything else.
    pub fn map_typed<F>(self, f: impl FnOnce(Option<E>) -> Option<F>) -> Error<F> {
        let i = *self.inner;
        Error {
            inner: Box::new(ErrorInner {
                kind: i.kind,
                status: i.status,
                provider_code: i.provider_code,
                provider_message: i.provider_message,
                request_id: i.request_id,
                correlation_id: i.correlation_id,
                operation_id: i.operation_id,
                method: i.method,
                url: i.url,
                attempts: i.attempts,
                retry_after: i.retry_after,
                raw_body: i.raw_body,
                headers: i.headers,
                idempotency_key: i.idempotency_key,
                dedupe_key: i.dedupe_key,
                earlier_attempt_at: i.earlier_attempt_at,
                message: i.message,
                hint: i.hint,
                retryable: i.retryable,
                sent: i.sent,
                source: i.source,
                typed: f(i.typed),
            }),
        }
    }

    /// Drops the typed part.
    pub fn untyped(self) -> Error {
        self.map_typed(|_| None)
    }
}

impl<E> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Error")
            .field("kind", &i.kind)
            .field("sent", &self.sent())
            .field("status", &i.status)
            .field("provider_code", &i.provider_code)
            .field("provider_message", &i.provider_message)
            .field("request_id", &i.request_id)
            .field("operation_id", &i.operation_id)
            .field("method", &i.method)
            .field("url", &i.url)
            .field("attempts", &i.attempts)
            .field("retry_after", &i.retry_after)
            .field("idempotency_key", &i.idempotency_key)
            .field("dedupe_key", &i.dedupe_key)
            .field("earlier_attempt_at", &i.earlier_attempt_at)
            .field("correlation_id", &i.correlation_id)
            .field("message", &i.message)
            .field("hint", &i.hint)
            .finish_non_exhaustive()
    }
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        write!(f, "{}", i.kind)?;
        if !i.operation_id.is_empty() {
            write!(f, " in {}", i.operation_id)?;
        }
        if let Some(s) = i.status {
            write!(f, " (HTTP {s})")?;
        }
        if let Some(url) = &i.url {
            // Already stripped of credentials and secret query values.
            write!(f, " {} {url}", i.method)?;
        }
        if let Some(c) = &i.provider_code {
            write!(f, " [{c}]")?;
        }
        if !i.message.is_empty() {
            write!(f, ": {}", i.message)?;
        }
        if let Some(m) = &i.provider_message {
            write!(f, ": {m}")?;
        }
        if let Some(id) = &i.request_id {
            write!(f, " (request id {id})")?;
        }
        if i.attempts > 1 {
            write!(f, " after {} attempts", i.attempts)?;
        }
        if let Some(wait) = i.retry_after {
            write!(f, "; retry after {:.3}s", wait.as_secs_f64())?;
        }
        if let Some(h) = i.hint {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

/// The underlying error of an [`Error`], shared so errors stay cheap to clone.
pub(crate) type Source = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

impl<E> std::error::Error for Error<E> {
    /// The underlying reqwest error (its URL removed, since it may carry a secret query
    /// parameter) or serde error, when there is one.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No base URL was set and the spec declares no server.
    #[error("no base URL: set one with `base_url(..)` or choose an environment")]
    NoBaseUrl,
    /// The base URL does not parse.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// A setting is out of range.
    #[error("invalid setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
}
