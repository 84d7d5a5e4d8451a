//! A scripted transport for tests (feature `test-util`): it records every attempt and
//! answers from a script, without sockets.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use sturdy_runtime::transport::mock::{MockResponse, MockTransport};
//! use sturdy_runtime::{Client, Method, OperationMeta, Request, RequestOptions};
//!
//! static GET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/1");
//! let clock = sturdy_runtime::time::ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
//! let mock = MockTransport::new()
//!     .clock(&clock)
//!     .answer(MockResponse::status(503))
//!     .answer(MockResponse::status(200).json(&serde_json::json!({"id": 1})));
//! let client = Client::builder()
//!     .base_url("https://api.example.com")
//!     .transport(Arc::new(mock.clone()))
//!     .time_source(clock.time_source(0.5))
//!     .build()
//!     .unwrap();
//! let raw = client
//!     .execute(Request::new(&GET, "/pets/1".into()), RequestOptions::new())
//!     .await
//!     .unwrap();
//! assert_eq!((raw.status, raw.attempts), (200, 2));
//! assert_eq!(mock.requests().len(), 2);
//! assert_eq!(mock.requests()[1].header("x-sturdy-retry-count"), Some("1"));
//! # });
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;

use super::{
    BodyStream, ResponseBody, Transport, TransportError, TransportErrorKind, TransportFuture,
    TransportRequest, TransportResponse,
};
use crate::time::{Clock, ManualClock};

/// Header names whose values a recording never keeps.
const SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// What the redacted value of a secret header reads as.
pub const REDACTED: &str = "[redacted]";

/// How one attempt is answered.
#[derive(Debug, Clone)]
pub struct MockResponse {
    outcome: Outcome,
    headers: http::HeaderMap,
    body: Bytes,
    delay: Duration,
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Status(u16),
    /// The connection closes after the request was written: nothing comes back.
    Dropped,
    /// No connection: nothing was sent.
    Refused,
}

impl MockResponse {
    /// An answer with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            outcome: Outcome::Status(status),
            headers: http::HeaderMap::new(),
            body: Bytes::new(),
            delay: Duration::ZERO,
        }
    }

    /// The connection drops after the request was sent: the attempt fails with
    /// [`crate::ErrorKind::Network`] (it may have been applied).
    pub fn drop_connection() -> Self {
        Self {
            outcome: Outcome::Dropped,
            ..Self::status(0)
        }
    }

    /// The connection is refused: the attempt fails with [`crate::ErrorKind::Connect`]
    /// (nothing was sent).
    pub fn refuse_connection() -> Self {
        Self {
            outcome: Outcome::Refused,
            ..Self::status(0)
        }
    }

    /// Adds a response header. A name or value that is not valid HTTP is skipped.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            self.headers.append(n, v);
        }
        self
    }

    /// The body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// A JSON body with `content-type: application/json`.
    pub fn json(self, value: &serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }

    /// The answer (or the drop) comes after `delay`: on the [`ManualClock`] given to
    /// [`MockTransport::clock`] (which it moves forward, stopping at the attempt timeout if
    /// that comes first), else in real time.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One attempt as the transport received it, secrets redacted.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: http::Method,
    /// The URL's path (the query is not kept: it may carry an API key).
    pub path: String,
    /// The headers; credential values (any header marked sensitive, `Authorization`,
    /// `Cookie`) read [`REDACTED`].
    pub headers: http::HeaderMap,
    /// The body (an upload's stream read whole, unless the connection was refused).
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first value of header `name`, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

enum Queued {
    Attempt(MockResponse),
    Call(VecDeque<MockResponse>),
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    /// The rest of the current call's script.
    current_call: Option<VecDeque<MockResponse>>,
    otherwise: Option<MockResponse>,
    /// Asked in reverse order of addition when nothing is queued.
    responders: Vec<Responder>,
    recorded: Vec<RecordedRequest>,
}

/// A function that may answer an attempt (see [`MockTransport::respond_with`]).
type Responder = Arc<dyn Fn(&TransportRequest) -> Option<MockResponse> + Send + Sync>;

/// A transport that answers from a script and records every attempt.
///
/// Answers are taken in order: [`MockTransport::answer`] answers one attempt,
/// [`MockTransport::answer_call`] the attempts of one call (a call starts at an attempt
/// without the `x-sturdy-retry-count` header; a new call drops what is left of the last
/// call's script); when nothing is queued, the responders of [`MockTransport::respond_with`]
/// are asked (the last added first), then [`MockTransport::otherwise`] answers (by default
/// `200` with an empty body). Clones share the script, the responders and the recording.
#[derive(Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<State>>,
    clock: Option<ManualClock>,
}

impl std::fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTransport").finish_non_exhaustive()
    }
}

impl MockTransport {
    /// A transport that answers `200` to everything until scripted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Delays run on `clock` (share it with the client's time source), so a delay longer
    /// than the attempt timeout times the attempt out exactly, without waiting.
    pub fn clock(mut self, clock: &ManualClock) -> Self {
        self.clock = Some(clock.clone());
        self
    }

    /// Answers the next attempt.
    pub fn answer(self, response: MockResponse) -> Self {
        self.lock().queue.push_back(Queued::Attempt(response));
        self
    }

    /// Answers the attempts of the next call, in order.
    pub fn answer_call(self, attempts: impl IntoIterator<Item = MockResponse>) -> Self {
        let list = attempts.into_iter().collect();
        self.lock().queue.push_back(Queued::Call(list));
        self
    }

    /// The answer when nothing is queued.
    pub fn otherwise(self, response: MockResponse) -> Self {
        self.lock().otherwise = Some(response);
        self
    }

    /// Adds a responder, asked for attempts nothing queued answers: it sees the request as
    /// sent (credentials included, so it can play a server that checks them) and answers
    /// `Some`, or `None` to pass to the responder added before it, then to
    /// [`MockTransport::otherwise`]. The fakes and scenarios of [`crate::testing`] are
    /// responders.
    ///
    /// ```
    /// use sturdy_runtime::transport::mock::{MockResponse, MockTransport};
    /// let mock = MockTransport::new().respond_with(|req| {
    ///     (req.url.path() == "/health").then(|| MockResponse::status(204))
    /// });
    /// # let _ = mock;
    /// ```
    pub fn respond_with(
        self,
        responder: impl Fn(&TransportRequest) -> Option<MockResponse> + Send + Sync + 'static,
    ) -> Self {
        self.lock().responders.push(Arc::new(responder));
        self
    }

    /// Every attempt received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().recorded.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A test that panicked while holding the lock already failed; keep recording.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `request` and picks its answer.
    fn take(&self, request: &TransportRequest) -> MockResponse {
        let mut s = self.lock();
        s.recorded.push(record(request));
        let retry = request.headers.contains_key("x-sturdy-retry-count");
        if !retry {
            s.current_call = None;
        }
        if let Some(next) = s.current_call.as_mut().and_then(VecDeque::pop_front) {
            return next;
        }
        let scripted = match s.queue.pop_front() {
            Some(Queued::Attempt(r)) => Some(r),
            Some(Queued::Call(mut list)) => {
                let first = list.pop_front();
                s.current_call = Some(list);
                first
            }
            None => None,
        };
        if let Some(r) = scripted {
            return r;
        }
        let responders = s.responders.clone();
        let otherwise = s.otherwise.clone();
        // Responders run without the lock: one may read the recording.
        drop(s);
        responders
            .iter()
            .rev()
            .find_map(|r| r(request))
            .or(otherwise)
            .unwrap_or(MockResponse::status(200))
    }
}

fn record(request: &TransportRequest) -> RecordedRequest {
    let mut headers = http::HeaderMap::with_capacity(request.headers.len());
    for (name, value) in &request.headers {
        let secret = value.is_sensitive() || SECRET_HEADERS.contains(&name.as_str());
        let value = if secret {
            http::HeaderValue::from_static(REDACTED)
        } else {
            value.clone()
        };
        headers.append(name.clone(), value);
    }
    RecordedRequest {
        method: request.method.clone(),
        path: request.url.path().to_owned(),
        headers,
        body: request.body.clone(),
    }
}

/// Waits `delay` on the manual clock: moves it toward the end, stopping at any earlier
/// pending timer, and yields after each step so a timer that came due wins.
async fn manual_delay(clock: ManualClock, delay: Duration) {
    let end = clock.now() + delay;
    futures::future::poll_fn(move |cx| {
        if clock.now() >= end {
            return Poll::Ready(());
        }
        clock.advance_toward(end);
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

impl MockTransport {
    /// Whether the scripted answer `take` would pick next refuses the connection.
    fn refuses_next(&self, request: &TransportRequest) -> bool {
        let s = self.lock();
        let retry = request.headers.contains_key("x-sturdy-retry-count");
        let next = retry
            .then(|| s.current_call.as_ref().and_then(VecDeque::front))
            .flatten()
            .or_else(|| match s.queue.front() {
                Some(Queued::Attempt(r)) => Some(r),
                Some(Queued::Call(list)) => list.front(),
                None => None,
            });
        matches!(next.map(|r| r.outcome), Some(Outcome::Refused))
    }

    /// Reads a streamed body into `body` (as a server would receive it) unless the answer
    /// refuses the connection, then answers.
    fn send_stream(&self, mut request: TransportRequest, stream: BodyStream) -> TransportFuture {
        let this = self.clone();
        Box::pin(async move {
            if !this.refuses_next(&request) {
                match stream.collect().await {
                    Ok(body) => request.body = body,
                    Err(e) => {
                        this.take(&request);
                        return Err(TransportError::new(
                            TransportErrorKind::Network,
                            format!("mock: the request body failed: {e}"),
                        )
                        .with_source(e));
                    }
                }
            }
            this.answer_with(this.take(&request)).await
        })
    }

    fn answer_with(&self, answer: MockResponse) -> TransportFuture {
        let clock = self.clock.clone();
        Box::pin(async move {
            if !answer.delay.is_zero() {
                match clock {
                    Some(c) => manual_delay(c, answer.delay).await,
                    None => tokio::time::sleep(answer.delay).await,
                }
            }
            match answer.outcome {
                Outcome::Status(status) => Ok(TransportResponse::new(
                    status,
                    answer.headers,
                    ResponseBody::from_bytes(answer.body),
                )),
                Outcome::Dropped => Err(TransportError::new(
                    TransportErrorKind::Network,
                    "mock: the connection closed before a response",
                )),
                Outcome::Refused => Err(TransportError::new(
                    TransportErrorKind::Connect,
                    "mock: connection refused",
                )),
            }
        })
    }
}

impl Transport for MockTransport {
    fn send(&self, mut request: TransportRequest) -> TransportFuture {
        match request.body_stream.take() {
            Some(stream) => self.send_stream(request, stream),
            None => self.answer_with(self.take(&request)),
        }
    }
}
