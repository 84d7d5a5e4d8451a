//! Interceptors: hooks that run on every call, in the order they were registered with
//! [`crate::ClientBuilder::interceptor`].
//!
//! Each hook has a no-op default, so an interceptor implements only what it needs. The
//! runtime's own work (auth, idempotency keys, the correlation id, rate limits, the breaker,
//! retries, tracing) happens whatever interceptors are registered. Per call, the hooks run
//! as follows:
//!
//! | hook | when | can read | can change | an `Err` |
//! |---|---|---|---|---|
//! | [`Interceptor::before_call`] | once, before the first attempt is built | operation, path, idempotency key, correlation id | add headers sent on every attempt | fails the call before anything is sent |
//! | [`Interceptor::before_attempt`] | before each attempt is sent, after the runtime built it (credentials, key, retry count) | attempt number, method, path, headers | the attempt's headers | fails the call; this attempt is not sent, no retry |
//! | [`Interceptor::after_attempt`] | after each attempt, answered or not, before the retry decision | attempt number, status, headers, the attempt's error | nothing | fails the call, no retry |
//! | [`Interceptor::on_outcome`] | once, at the end, whatever happened (also after a hook's `Err`) | the call's result and attempt count | nothing | (returns nothing) |
//!
//! A hook's `Err` ends the call with [`crate::ErrorKind::Interceptor`]; the hook's error is
//! its `source()`, and [`crate::Error::sent`] says whether any attempt had been sent. Later
//! interceptors' hooks of the same step do not run; every `on_outcome` does.
//!
//! Header values marked sensitive ([`http::HeaderValue::is_sensitive`]) are credentials: an
//! interceptor must not log them.
//!
//! ```
//! use sturdy_runtime::intercept::{AfterAttempt, BeforeAttempt, BeforeCall, BoxError, Interceptor, Outcome};
//!
//! /// Adds a tenant header to every attempt and counts answered attempts.
//! #[derive(Default)]
//! struct Tenant {
//!     answered: std::sync::atomic::AtomicU32,
//! }
//!
//! impl Interceptor for Tenant {
//!     fn before_call(&self, call: &mut BeforeCall<'_>) -> Result<(), BoxError> {
//!         call.add_header(http::HeaderName::from_static("x-tenant"), http::HeaderValue::from_static("acme"));
//!         Ok(())
//!     }
//!     fn before_attempt(&self, attempt: &mut BeforeAttempt<'_>) -> Result<(), BoxError> {
//!         let n = attempt.attempt();
//!         attempt.headers_mut().insert("x-attempt", n.into());
//!         Ok(())
//!     }
//!     fn after_attempt(&self, attempt: &AfterAttempt<'_>) -> Result<(), BoxError> {
//!         if attempt.status().is_some() {
//!             self.answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         }
//!         Ok(())
//!     }
//!     fn on_outcome(&self, outcome: &Outcome<'_>) {
//!         if let Err(e) = outcome.result() {
//!             eprintln!("{} failed: {}", outcome.operation().id, e.kind());
//!         }
//!     }
//! }
//!
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("https://api.example.com")
//!     .interceptor(Tenant::default())
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, ErrorKind, Sent};
use crate::request::{OperationMeta, Request};
use crate::response::RawResponse;
use crate::transport::TransportRequest;

/// The error a hook returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Hooks on every call; every method is a no-op by default. See the [module](self) docs
/// for when each runs and what an `Err` does.
pub trait Interceptor: Send + Sync + 'static {
    /// Once per call, before the first attempt is built.
    fn before_call(&self, call: &mut BeforeCall<'_>) -> Result<(), BoxError> {
        let _ = call;
        Ok(())
    }
    /// Before each attempt is sent (the request as the runtime built it).
    fn before_attempt(&self, attempt: &mut BeforeAttempt<'_>) -> Result<(), BoxError> {
        let _ = attempt;
        Ok(())
    }
    /// After each attempt, whether the server answered or not, before any retry.
    fn after_attempt(&self, attempt: &AfterAttempt<'_>) -> Result<(), BoxError> {
        let _ = attempt;
        Ok(())
    }
    /// Once per call, with its final result.
    fn on_outcome(&self, outcome: &Outcome<'_>) {
        let _ = outcome;
    }
}

/// What [`Interceptor::before_call`] sees.
pub struct BeforeCall<'a> {
    pub(crate) request: &'a Request,
    pub(crate) idempotency_key: Option<&'a str>,
    pub(crate) correlation_id: &'a str,
    pub(crate) headers: &'a mut Vec<(HeaderName, HeaderValue)>,
}

impl BeforeCall<'_> {
    /// The operation.
    pub fn operation(&self) -> &'static OperationMeta {
        self.request.op
    }
    /// The rendered path (relative to the base URL).
    pub fn path(&self) -> &str {
        &self.request.path
    }
    /// The idempotency key every attempt will carry, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key
    }
    /// The call's correlation id.
    pub fn correlation_id(&self) -> &str {
        self.correlation_id
    }
    /// A header sent on every attempt of this call (after the call's own headers).
    pub fn add_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.push((name, value));
    }
}

/// What [`Interceptor::before_attempt`] sees and may change.
pub struct BeforeAttempt<'a> {
    pub(crate) op: &'static OperationMeta,
    pub(crate) attempt: u32,
    pub(crate) request: &'a mut TransportRequest,
}

impl BeforeAttempt<'_> {
    /// The operation.
    pub fn operation(&self) -> &'static OperationMeta {
        self.op
    }
    /// The attempt number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// The method.
    pub fn method(&self) -> &http::Method {
        &self.request.method
    }
    /// The URL's path (the query is not shown: it may carry an API key).
    pub fn path(&self) -> &str {
        self.request.url.path()
    }
    /// The headers about to be sent.
    pub fn headers(&self) -> &HeaderMap {
        &self.request.headers
    }
    /// The headers, to add or change one.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.request.headers
    }
}

/// What [`Interceptor::after_attempt`] sees.
pub struct AfterAttempt<'a> {
    pub(crate) op: &'static OperationMeta,
    pub(crate) attempt: u32,
    pub(crate) status: Option<u16>,
    pub(crate) headers: Option<&'a HeaderMap>,
    pub(crate) error: Option<&'a Error>,
}

impl AfterAttempt<'_> {
    /// The operation.
    pub fn operation(&self) -> &'static OperationMeta {
        self.op
    }
    /// The attempt number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// The status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    /// The response headers, when the server answered.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.headers
    }
    /// The attempt's error (a failure status, a timeout, a transport failure), if it failed.
    pub fn error(&self) -> Option<&Error> {
        self.error
    }
}

/// What [`Interceptor::on_outcome`] sees.
pub struct Outcome<'a> {
    pub(crate) op: &'static OperationMeta,
    pub(crate) attempts: u32,
    pub(crate) result: &'a Result<RawResponse, Error>,
}

impl Outcome<'_> {
    /// The operation.
    pub fn operation(&self) -> &'static OperationMeta {
        self.op
    }
    /// Attempts made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// The call's result, as the caller receives it.
    pub fn result(&self) -> &Result<RawResponse, Error> {
        self.result
    }
}

/// The registered interceptors, in order.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(pub(crate) Vec<Arc<dyn Interceptor>>);

impl std::fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} interceptor(s)", self.0.len())
    }
}

impl Interceptors {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs `hook` on each in order; the first `Err` stops and becomes the call's error.
    pub(crate) fn run(
        &self,
        hook: &'static str,
        sent: Sent,
        mut f: impl FnMut(&dyn Interceptor) -> Result<(), BoxError>,
    ) -> Result<(), Error> {
        for i in &self.0 {
            if let Err(e) = f(i.as_ref()) {
                return Err(refused(hook, sent, e));
            }
        }
        Ok(())
    }
}

/// The call's error when a hook returned `e`.
fn refused(hook: &'static str, sent: Sent, e: BoxError) -> Error {
    let mut err = Error::new(
        ErrorKind::Interceptor,
        format!("an interceptor's {hook} refused the call: {e}"),
    );
    let i = err.inner_mut();
    i.sent = Some(sent);
    i.source = Some(Arc::from(e));
    err
}
