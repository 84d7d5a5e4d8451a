//! The classic failures, as answers and responders for a [`MockTransport`] (or a
//! [`super::Fake`]'s transport), each with something a test can assert on.
//!
//! - [`rate_limited`]: `429` with `Retry-After`;
//! - [`unavailable`]: `503` (queue it once, and the next attempt gets the spec's answer);
//! - [`AppliedThenDropped`]: a server that applies a write, then drops the connection before
//!   answering; it honours idempotency keys, so [`AppliedThenDropped::applied`] counts the
//!   writes that really happened;
//! - [`ExpiredToken`]: a token source whose first token the server refuses with `401`, so
//!   the client refreshes it once and replays;
//! - [`duplicate_delivery`]: one correctly signed webhook delivery, delivered twice.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use secrecy::SecretString;

use crate::transport::mock::{MockResponse, MockTransport};
use crate::transport::TransportRequest;
use crate::webhooks::{HeaderMap, Verifier, WebhookError};
use crate::Credential;

/// `429 Too Many Requests` asking to wait `retry_after` (whole seconds, rounded up).
pub fn rate_limited(retry_after: Duration) -> MockResponse {
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    MockResponse::status(429).header("retry-after", &secs.to_string())
}

/// `503 Service Unavailable`, without a hint.
pub fn unavailable() -> MockResponse {
    MockResponse::status(503)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug, Default)]
struct Ledger {
    keys: BTreeSet<String>,
    applied: usize,
    replays: usize,
    dropped: bool,
}

/// A server that applies the first write it receives and then drops the connection before
/// answering (the client cannot know it was applied), honouring idempotency keys as a
/// well-behaved API does: a write whose key it has seen is answered (by whatever answers
/// next: the fake's example, a script) without being applied again. Reads (`GET`, `HEAD`,
/// `OPTIONS`) pass through untouched.
///
/// After a retried call, [`AppliedThenDropped::applied`] is `1` when the client sent one
/// key on every attempt, and `2` when it did not: the duplicate the key prevents.
///
/// ```
/// use sturdy_runtime::testing::scenario::AppliedThenDropped;
/// use sturdy_runtime::transport::mock::MockTransport;
/// let mock = MockTransport::new();
/// let server = AppliedThenDropped::new("Idempotency-Key");
/// server.install(&mock);
/// assert_eq!(server.applied(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct AppliedThenDropped {
    header: String,
    ledger: Arc<Mutex<Ledger>>,
}

impl AppliedThenDropped {
    /// A server that reads idempotency keys from `header`.
    pub fn new(header: &str) -> Self {
        Self {
            header: header.to_owned(),
            ledger: Arc::default(),
        }
    }

    /// Adds the server as a responder of `mock` (and of its clones).
    pub fn install(&self, mock: &MockTransport) {
        let this = self.clone();
        let _ = mock.clone().respond_with(move |req| this.receive(req));
    }

    fn receive(&self, req: &TransportRequest) -> Option<MockResponse> {
        if matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
            return None;
        }
        let key = req
            .headers
            .get(self.header.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut l = lock(&self.ledger);
        if let Some(k) = &key {
            if l.keys.contains(k) {
                l.replays += 1;
                return None;
            }
            l.keys.insert(k.clone());
        }
        l.applied += 1;
        if l.dropped {
            return None;
        }
        l.dropped = true;
        Some(MockResponse::drop_connection())
    }

    /// Writes applied (a write with a key seen before is not applied again).
    pub fn applied(&self) -> usize {
        lock(&self.ledger).applied
    }

    /// Writes answered without being applied, because their key had been seen.
    pub fn replays(&self) -> usize {
        lock(&self.ledger).replays
    }
}

#[derive(Debug, Default)]
struct Tokens {
    issued: Vec<String>,
    refreshes: usize,
}

/// A refreshing token source whose first token has expired: the server (installed on the
/// mock) answers `401` to any request that carries it, in a header or the query. A client
/// that refreshes after a 401 gets `fake-token-2` and its replay succeeds.
///
/// ```
/// use sturdy_runtime::testing::scenario::ExpiredToken;
/// let expired = ExpiredToken::new();
/// let credential = expired.credential();
/// # let _ = credential;
/// assert_eq!(expired.refreshes(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ExpiredToken {
    tokens: Arc<Mutex<Tokens>>,
}

impl ExpiredToken {
    /// The expired token.
    pub const EXPIRED: &'static str = "fake-token-1";

    /// A token source that has not issued anything yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The credential to give the client (for an `oauth2`, `bearer` or `apiKey` scheme).
    pub fn credential(&self) -> Credential {
        let tokens = self.tokens.clone();
        Credential::provider_fn(move |force_refresh| {
            let mut t = lock(&tokens);
            if force_refresh {
                t.refreshes += 1;
            }
            if force_refresh || t.issued.is_empty() {
                let next = format!("fake-token-{}", t.issued.len() + 1);
                t.issued.push(next);
            }
            let token = t.issued.last().cloned().unwrap_or_default();
            async move { Ok(SecretString::from(token)) }
        })
    }

    /// Adds the server that refuses [`ExpiredToken::EXPIRED`] as a responder of `mock`.
    pub fn install(&self, mock: &MockTransport) {
        let _ = mock.clone().respond_with(|req| {
            let in_headers = req.headers.values().any(|v| {
                v.to_str()
                    .is_ok_and(|s| s.split([' ', ',', '=']).any(|w| w == Self::EXPIRED))
            });
            let in_query = req.url.query_pairs().any(|(_, v)| v == Self::EXPIRED);
            (in_headers || in_query).then(|| {
                MockResponse::status(401)
                    .header("www-authenticate", "Bearer error=\"invalid_token\"")
                    .json(&serde_json::json!({"error": "token expired"}))
            })
        });
    }

    /// Refreshes the client asked for after a 401.
    pub fn refreshes(&self) -> usize {
        lock(&self.tokens).refreshes
    }

    /// Tokens issued so far (the expired one included).
    pub fn issued(&self) -> usize {
        lock(&self.tokens).issued.len()
    }
}

/// One webhook delivery: the headers and raw body a provider sends.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The headers, signature included.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

/// The same delivery twice, signed by `verifier`'s first secret at `at` with `event_id`, as a
/// provider redelivers an event it saw no 2xx for. A receiver must handle it once.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sturdy_runtime::testing::scenario::duplicate_delivery;
/// use sturdy_runtime::webhooks::Verifier;
/// let verifier = Verifier::standard_webhooks(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).build()?;
/// let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let [first, again] = duplicate_delivery(&verifier, "msg_1", br#"{"type":"ping"}"#, at)?;
/// assert!(verifier.verify(&again.headers, &again.body, at).is_ok());
/// assert_eq!(first.headers, again.headers);
/// # Ok::<(), sturdy_runtime::webhooks::WebhookError>(())
/// ```
pub fn duplicate_delivery(
    verifier: &Verifier,
    event_id: &str,
    body: &[u8],
    at: SystemTime,
) -> Result<[Delivery; 2], WebhookError> {
    let headers = verifier.sign(event_id, at, body)?;
    let one = Delivery {
        headers,
        body: Bytes::copy_from_slice(body),
    };
    Ok([one.clone(), one])
}
