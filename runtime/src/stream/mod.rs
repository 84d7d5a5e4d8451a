//! Streaming responses: server-sent events as a `Stream` of typed events, and large bodies
//! as a [`ByteStream`] ([`DownloadCall`]: chunks as they arrive, a progress callback, the
//! same idle timeout).
//!
//! A generated streaming method (`create_chat_completion_stream`) returns an [`SseCall`];
//! awaiting it connects through [`Client::execute`]'s machinery (auth, idempotency key, rate
//! limits, breaker, retries of failures before the response headers, the attempt timeout
//! and the call deadline up to the headers) and returns an [`SseStream`] over the body.
//!
//! - Parsing follows the WHATWG rules through the `eventsource-stream` crate: multi-line
//!   `data:`, comments (heartbeats), `id:`, `retry:`, CRLF/CR/LF line ends. A last event
//!   without a trailing blank line is still delivered when the body ends cleanly.
//! - `data: [DONE]` ends the stream ([`StreamOptions::done_sentinel`]).
//! - An error event (`event: error`, a top-level `error` object, or `"type": "error"`) ends
//!   the stream with an [`ErrorKind::Server`] error carrying the provider's code and message.
//! - Stall protection: no bytes for [`StreamOptions::idle_timeout`] (default 120s; heartbeats
//!   count) ends the stream with [`ErrorKind::Timeout`]. The wait runs on the client's
//!   [`crate::time::Sleeper`] (a `ManualClock`'s sleeps end at once: with one, turn the idle
//!   timeout off or gate the sleeper).
//! - After the headers, a broken stream is never silently restarted: the error says how many
//!   events were delivered. A stream the contract marks resumable reconnects instead, with
//!   `Last-Event-ID` and the server's `retry:` delay (default 1s), up to
//!   [`StreamOptions::max_reconnects`] times without an event in between.
//! - Dropping the stream drops the connection (the request is cancelled); the body is pulled
//!   as the consumer polls, so a slow consumer does not buffer the response.
//! - One `sturdy.stream` span per stream records the operation, events, bytes, reconnects,
//!   time to first event and duration; never URLs, headers or data.
//!
//! ```no_run
//! # async fn demo(client: &sturdy_runtime::Client) -> Result<(), sturdy_runtime::Error> {
//! use sturdy_runtime::futures::StreamExt;
//! use sturdy_runtime::stream::{decode, SseCall};
//! use sturdy_runtime::{Method, OperationMeta, Request};
//! static CHAT: OperationMeta = OperationMeta::new("createChat", Method::Post, "/chat");
//! let request = Request::new(&CHAT, "/chat".into()).json(&serde_json::json!({"stream": true}));
//! let mut events = SseCall::new(client, request, decode::json::<serde_json::Value>).await?;
//! while let Some(chunk) = events.next().await {
//!     println!("{}", chunk?);
//! }
//! # Ok(()) }
//! ```

mod body;
mod download;
mod sse;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::BoxStream;
use futures::Stream;
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::execute::BodySlot;
use crate::request::{Request, RequestOptions};
use crate::response::RawResponse;

pub use download::{ByteStream, DownloadCall, ProgressFn};
pub use sse::{decode, DecodeEventFn, Event, RawEvent};

/// How a stream behaves after its headers arrived.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) resumable: bool,
    pub(crate) max_reconnects: u32,
    pub(crate) default_retry: Duration,
    pub(crate) done_sentinel: Option<&'static str>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            idle_timeout: Some(Duration::from_secs(120)),
            resumable: false,
            max_reconnects: 3,
            default_retry: Duration::from_secs(1),
            done_sentinel: Some("[DONE]"),
        }
    }
}

impl StreamOptions {
    /// The longest wait for the next bytes (events or heartbeats); `None` waits forever.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }
    /// Whether the server resumes from `Last-Event-ID` (generated from the contract).
    pub fn resumable(mut self, resumable: bool) -> Self {
        self.resumable = resumable;
        self
    }
    /// Reconnects allowed in a row without an event in between.
    pub fn max_reconnects(mut self, n: u32) -> Self {
        self.max_reconnects = n;
        self
    }
    /// The reconnection delay until the server sends `retry:`.
    pub fn default_retry(mut self, delay: Duration) -> Self {
        self.default_retry = delay;
        self
    }
    /// The data that ends the stream (`[DONE]`); `None`: only the end of the body does.
    pub fn done_sentinel(mut self, sentinel: Option<&'static str>) -> Self {
        self.done_sentinel = sentinel;
        self
    }
}

impl Client {
    /// [`Client::execute`] for a streaming call: the same steps and retries up to the
    /// response headers, but a 2xx body is left unread and returned as the response (the
    /// returned [`RawResponse`] has an empty body).
    pub(crate) async fn execute_unbuffered(
        &self,
        request: Request,
        options: RequestOptions,
    ) -> Result<(RawResponse, crate::transport::ResponseBody), Error> {
        let slot = BodySlot::default();
        let raw = self.execute_with(request, options, Some(&slot)).await?;
        let resp = slot.lock().ok().and_then(|mut s| s.take());
        resp.map(|r| (raw, r))
            .ok_or_else(|| Error::new(ErrorKind::Network, "the streamed response went missing"))
    }
}

/// A streaming call ready to connect: set options, then `.await` it (or [`SseCall::send`]).
#[must_use = "a call does nothing until it is awaited or sent"]
pub struct SseCall<'c, T> {
    client: &'c Client,
    request: Request,
    options: RequestOptions,
    stream: StreamOptions,
    decode: DecodeEventFn<T>,
}

impl<T> std::fmt::Debug for SseCall<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseCall")
            .field("operation", &self.request.op.id)
            .finish_non_exhaustive()
    }
}

impl<'c, T: Send + 'static> SseCall<'c, T> {
    /// A streaming call of `request` through `client`, each event decoded by `decode`.
    pub fn new(client: &'c Client, request: Request, decode: DecodeEventFn<T>) -> Self {
        Self {
            client,
            request,
            options: RequestOptions::default(),
            stream: StreamOptions::default(),
            decode,
        }
    }

    /// Per-request options (timeouts up to the headers, idempotency key, headers, retry).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Stream behaviour (idle timeout, resumption, `[DONE]`).
    pub fn stream_options(mut self, stream: StreamOptions) -> Self {
        self.stream = stream;
        self
    }

    /// The idle timeout between bytes of the stream; `None` waits forever.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream.idle_timeout = timeout;
        self
    }

    /// Connects (retrying failures before the headers like any call) and returns the stream.
    pub async fn send(self) -> Result<SseStream<T>, Error> {
        let (raw, resp) = self
            .client
            .execute_unbuffered(self.request.clone(), self.options.clone())
            .await?;
        let op = self.request.op;
        let span = tracing::info_span!(
            "sturdy.stream",
            otel.name = op.id,
            sturdy.operation_id = op.id,
            sturdy.events = tracing::field::Empty,
            sturdy.bytes = tracing::field::Empty,
            sturdy.reconnects = tracing::field::Empty,
            sturdy.time_to_first_event_ms = tracing::field::Empty,
            sturdy.duration_ms = tracing::field::Empty,
            sturdy.completed = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let stats = Arc::new(sse::Stats::default());
        let events = sse::events(self.client, resp, &self.stream, &stats);
        let mut options = self.options;
        // Reconnects send the same key as the first connection.
        options.idempotency_key = raw.idempotency_key.clone().or(options.idempotency_key);
        let state = sse::State {
            client: self.client.clone(),
            request: self.request,
            options,
            settings: self.stream,
            decode: self.decode,
            events: Some(events),
            request_id: raw.request_id.clone(),
            stats: stats.clone(),
            span: span.clone(),
            started: self.client.inner.time.clock.now(),
            first_event: None,
            retry: None,
            failed_reconnects: 0,
            finished: false,
        };
        let inner = futures::stream::unfold(state, |mut st| async move {
            let span = st.span.clone();
            let item = st.next_item().instrument(span).await?;
            Some((item, st))
        });
        Ok(SseStream {
            inner: Box::pin(inner),
            stats,
            status: raw.status,
            headers: raw.headers,
            request_id: raw.request_id,
        })
    }
}

impl<'c, T: Send + 'static> IntoFuture for SseCall<'c, T> {
    type Output = Result<SseStream<T>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A stream of decoded events. Items are `Ok(event)` until the stream ends (`None`) or
/// fails (a last `Err`). Dropping it closes the connection.
pub struct SseStream<T> {
    inner: BoxStream<'static, Result<T, Error>>,
    stats: Arc<sse::Stats>,
    status: u16,
    headers: http::HeaderMap,
    request_id: Option<String>,
}

impl<T> std::fmt::Debug for SseStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseStream")
            .field("status", &self.status)
            .field("events", &self.events())
            .finish_non_exhaustive()
    }
}

impl<T> SseStream<T> {
    /// The status of the (first) response.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The headers of the (first) response.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }
    /// The provider's request id.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// Events received so far (`[DONE]` not counted).
    pub fn events(&self) -> u64 {
        self.stats.events.load(Ordering::Relaxed)
    }
    /// Body bytes received so far.
    pub fn bytes(&self) -> u64 {
        self.stats.bytes.load(Ordering::Relaxed)
    }
    /// Reconnects made so far.
    pub fn reconnects(&self) -> u64 {
        self.stats.reconnects.load(Ordering::Relaxed)
    }
    /// The last event id received.
    pub fn last_event_id(&self) -> Option<String> {
        self.stats
            .last_event_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl<T> Stream for SseStream<T> {
    type Item = Result<T, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Sets a boolean field of a JSON object body (`"stream": true` for a streaming method);
/// any other body is left as it is.
pub fn with_json_flag(mut request: Request, name: &str, value: bool) -> Request {
    if let crate::request::Body::Bytes { content_type, data } = &mut request.body {
        if content_type.contains("json") {
            if let Ok(serde_json::Value::Object(mut o)) = serde_json::from_slice(data) {
                o.insert(name.to_owned(), serde_json::Value::Bool(value));
                if let Ok(v) = serde_json::to_vec(&o) {
                    *data = v.into();
                }
            }
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Body, Method, OperationMeta};

    static OP: OperationMeta = OperationMeta::new("chat", Method::Post, "/chat");

    fn body_of(r: &Request) -> serde_json::Value {
        match &r.body {
            Body::Bytes { data, .. } => serde_json::from_slice(data).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_stream_flag_is_set_on_a_json_object_body_only() {
        let r = Request::new(&OP, "/chat".into()).json(&serde_json::json!({"model": "m"}));
        let r = with_json_flag(r, "stream", true);
        assert_eq!(
            body_of(&r),
            serde_json::json!({"model": "m", "stream": true})
        );
        let r = Request::new(&OP, "/chat".into()).json(&serde_json::json!({"stream": false}));
        assert_eq!(body_of(&with_json_flag(r, "stream", true))["stream"], true);
        let r = Request::new(&OP, "/chat".into()).bytes("text/plain", "hi");
        let r = with_json_flag(r, "stream", true);
        assert!(matches!(&r.body, Body::Bytes { data, .. } if data == "hi"));
    }
}
