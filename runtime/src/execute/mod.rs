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

use crate::error::{Error, Sent};
use crate::request::{Request, RequestOptions};
use crate::response::RawResponse;

mod attempt;
mod build;
mod call;
mod hooks;
mod ids;
pub(crate) mod multipart;
mod race;
mod run;
mod status;
mod target;

pub(crate) use build::fixed_headers;
pub(crate) use status::status_error;
pub use status::{request_id, REQUEST_ID_HEADERS, RETRY_HINT_HEADERS};
pub(crate) use target::joinable_base;

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
fn with_url(mut e: Error, url: &str) -> Error {
    e.inner_mut().url = Some(url.to_owned());
    e
}
