//! What a client knows about its own health, for an application to show ("needs re-auth",
//! "degraded") or to act on.
//!
//! Every call's final outcome is recorded. The state, most urgent first:
//! - [`HealthState::NeedsReauth`]: the last authenticated failure was
//!   [`crate::ErrorKind::Credentials`] with provider code `invalid_grant` or `invalid_client`,
//!   or a 401 that persisted after a forced credential refresh. Cleared by the next success.
//! - [`HealthState::CircuitOpen`]: some host's circuit breaker is open or half-open now.
//! - [`HealthState::RateLimited`]: the provider's window holds calls now, or the last outcome
//!   was a 429.
//! - [`HealthState::Degraded`]: the last outcome was a server or network failure (5xx,
//!   timeout, connection), a spent retry budget or an undecodable response.
//! - [`HealthState::Healthy`]: otherwise. A 4xx that is the caller's own business (404, 409,
//!   422...) does not change the state.
//!
//! ```
//! let client = sturdy_runtime::Client::builder().base_url("http://127.0.0.1:9").build().unwrap();
//! let health = client.health();
//! assert_eq!(health.state, sturdy_runtime::health::HealthState::Healthy);
//! assert!(health.last_error.is_none());
//! ```

use std::sync::Mutex;
use std::time::SystemTime;

use crate::client::Client;
use crate::error::{Error, ErrorKind};

/// The state of a client, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum HealthState {
    /// The credentials were refused for good: the user must reconnect or rotate them.
    NeedsReauth,
    /// A host's circuit breaker is open: calls fail fast.
    CircuitOpen,
    /// The provider is rate limiting the client.
    RateLimited,
    /// Recent calls failed for reasons on the provider's side or the network's.
    Degraded,
    /// All is well.
    Healthy,
}

impl HealthState {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::NeedsReauth => "needs_reauth",
            HealthState::CircuitOpen => "circuit_open",
            HealthState::RateLimited => "rate_limited",
            HealthState::Degraded => "degraded",
            HealthState::Healthy => "healthy",
        }
    }
}

/// A failure, summarized without secrets (no URL, no headers, no body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSummary {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// The provider's error code.
    pub provider_code: Option<String>,
    /// The provider's message, or the runtime's.
    pub message: String,
    /// The operation that failed.
    pub operation_id: &'static str,
    /// When it was recorded (the client's clock).
    pub at: SystemTime,
}

impl ErrorSummary {
    /// What to do about it, when the runtime knows (the same hint the error carries).
    pub fn hint(&self) -> Option<&'static str> {
        crate::normalize::hint(self.kind, self.provider_code.as_deref())
    }
}

/// A snapshot of a client's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The state.
    pub state: HealthState,
    /// The last failure that set a non-healthy state, if the state is not healthy or the last
    /// call failed.
    pub last_error: Option<ErrorSummary>,
    /// Hosts whose circuit is not closed, with `"open"` or `"half_open"`.
    pub circuits: Vec<(String, &'static str)>,
}

/// How one final error bears on health.
pub fn classify(err: &Error, refreshed: bool) -> Option<HealthState> {
    let kind = err.kind();
    match kind {
        ErrorKind::Credentials
            if matches!(
                err.provider_code(),
                Some("invalid_grant" | "invalid_client")
            ) =>
        {
            Some(HealthState::NeedsReauth)
        }
        ErrorKind::Unauthorized if refreshed => Some(HealthState::NeedsReauth),
        ErrorKind::CircuitOpen => Some(HealthState::CircuitOpen),
        ErrorKind::RateLimited => Some(HealthState::RateLimited),
        ErrorKind::Server
        | ErrorKind::Timeout
        | ErrorKind::Connect
        | ErrorKind::Network
        | ErrorKind::BudgetExhausted
        | ErrorKind::Decode => Some(HealthState::Degraded),
        _ => None,
    }
}

#[derive(Debug, Default)]
struct Last {
    state: Option<HealthState>,
    error: Option<ErrorSummary>,
}

/// The recorded outcomes of a client.
#[derive(Debug, Default)]
pub(crate) struct HealthTracker {
    last: Mutex<Last>,
}

impl HealthTracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, Last> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn success(&self) {
        let mut l = self.lock();
        l.state = None;
        l.error = None;
    }

    pub(crate) fn failure(&self, err: &Error, refreshed: bool, at: SystemTime) {
        let Some(state) = classify(err, refreshed) else {
            return;
        };
        let mut l = self.lock();
        // A re-auth need stays until a call succeeds; nothing less urgent hides it.
        if l.state == Some(HealthState::NeedsReauth) && state != HealthState::NeedsReauth {
            return;
        }
        l.state = Some(state);
        l.error = Some(ErrorSummary {
            kind: err.kind(),
            status: err.status(),
            provider_code: err.provider_code().map(str::to_owned),
            message: err
                .provider_message()
                .map(str::to_owned)
                .unwrap_or_else(|| err.message().to_owned()),
            operation_id: err.operation_id(),
            at,
        });
    }
}

impl Client {
    /// The client's health now: the state from the last recorded outcome, the circuit
    /// breakers and the rate limiter, with the last error summarized.
    pub fn health(&self) -> Health {
        let now = self.inner.time.clock.now();
        let circuits: Vec<(String, &'static str)> = self
            .inner
            .breaker
            .not_closed(now)
            .into_iter()
            .map(|(h, s)| {
                let name = match s {
                    crate::breaker::CircuitState::Open => "open",
                    _ => "half_open",
                };
                (h, name)
            })
            .collect();
        let (recorded, last_error) = {
            let l = self.inner.health.lock();
            (l.state, l.error.clone())
        };
        let mut state = recorded.unwrap_or(HealthState::Healthy);
        if circuits.iter().any(|(_, s)| *s == "open") {
            state = state.min(HealthState::CircuitOpen);
        }
        if self.inner.limiter.held_for(now).is_some() {
            state = state.min(HealthState::RateLimited);
        }
        Health {
            state,
            last_error,
            circuits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ErrorKind, status: Option<u16>, code: Option<&str>) -> Error {
        let mut e = Error::new(kind, "m");
        e.inner_mut().status = status;
        e.inner_mut().provider_code = code.map(str::to_owned);
        e
    }

    #[test]
    fn classification() {
        assert_eq!(
            classify(
                &err(ErrorKind::Credentials, None, Some("invalid_grant")),
                false
            ),
            Some(HealthState::NeedsReauth)
        );
        assert_eq!(
            classify(
                &err(ErrorKind::Credentials, None, Some("invalid_client")),
                false
            ),
            Some(HealthState::NeedsReauth)
        );
        assert_eq!(
            classify(&err(ErrorKind::Credentials, None, None), false),
            None
        );
        assert_eq!(
            classify(&err(ErrorKind::Unauthorized, Some(401), None), false),
            None
        );
        assert_eq!(
            classify(&err(ErrorKind::Unauthorized, Some(401), None), true),
            Some(HealthState::NeedsReauth)
        );
        assert_eq!(
            classify(&err(ErrorKind::RateLimited, Some(429), None), false),
            Some(HealthState::RateLimited)
        );
        assert_eq!(
            classify(&err(ErrorKind::Server, Some(503), None), false),
            Some(HealthState::Degraded)
        );
        assert_eq!(
            classify(&err(ErrorKind::CircuitOpen, None, None), false),
            Some(HealthState::CircuitOpen)
        );
        assert_eq!(
            classify(&err(ErrorKind::NotFound, Some(404), None), false),
            None
        );
    }

    #[test]
    fn reauth_sticks_until_a_success() {
        let t = HealthTracker::default();
        let at = SystemTime::UNIX_EPOCH;
        t.failure(
            &err(ErrorKind::Credentials, None, Some("invalid_grant")),
            false,
            at,
        );
        t.failure(&err(ErrorKind::Server, Some(500), None), false, at);
        assert_eq!(t.lock().state, Some(HealthState::NeedsReauth));
        assert_eq!(
            t.lock().error.as_ref().map(|e| e.kind),
            Some(ErrorKind::Credentials)
        );
        t.success();
        assert_eq!(t.lock().state, None);
        t.failure(&err(ErrorKind::Server, Some(500), None), false, at);
        assert_eq!(t.lock().state, Some(HealthState::Degraded));
        // A caller's own 404 does not change it.
        t.failure(&err(ErrorKind::NotFound, Some(404), None), false, at);
        assert_eq!(t.lock().state, Some(HealthState::Degraded));
    }
}
