//! Server-sent events: parsing (by `eventsource-stream`, to the WHATWG rules), the `[DONE]`
//! sentinel, error events, typed decoding, and reconnection of resumable streams.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eventsource_stream::{EventStream, EventStreamError};
use futures::StreamExt;

use super::body::{BodyFault, Chunks};
use super::StreamOptions;
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::request::{Request, RequestOptions};

/// One server-sent event as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawEvent {
    /// The `event:` name (`message` when the server gave none).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last event id seen so far on this stream (`id:`), if any.
    pub id: Option<String>,
    /// The reconnection delay the server asked for with `retry:`, if this event carried one.
    pub retry: Option<Duration>,
}

/// An event of a stream whose spec describes several kinds: a kind it describes, or one it
/// does not (a newer API's), kept raw.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event<T> {
    /// An event that decoded into the declared type.
    Typed(T),
    /// An event the declared type does not describe, with its name and data.
    Unknown(RawEvent),
}

impl<T> Event<T> {
    /// The typed event, if it is one.
    pub fn typed(self) -> Option<T> {
        match self {
            Event::Typed(t) => Some(t),
            Event::Unknown(_) => None,
        }
    }
}

/// Decodes one event's data.
pub type DecodeEventFn<T> = fn(&RawEvent) -> Result<T, String>;

/// Event decoders for generated code.
pub mod decode {
    use super::{Event, RawEvent};

    /// The data as JSON `T`; data that does not decode is an [`crate::ErrorKind::Decode`] error.
    pub fn json<T: serde::de::DeserializeOwned>(e: &RawEvent) -> Result<T, String> {
        serde_json::from_str(&e.data).map_err(|err| format!("event `{}`: {err}", e.event))
    }

    /// The data as JSON `T`, or [`Event::Unknown`] when it does not decode (an event kind the
    /// spec does not describe).
    pub fn json_or_unknown<T: serde::de::DeserializeOwned>(
        e: &RawEvent,
    ) -> Result<Event<T>, String> {
        Ok(match serde_json::from_str(&e.data) {
            Ok(t) => Event::Typed(t),
            Err(_) => Event::Unknown(e.clone()),
        })
    }

    /// [`json_or_unknown`] for a union dispatched on property `tag` (OpenAI's `type`): data
    /// that is a JSON object without `tag` takes the SSE `event:` name as its tag (unless the
    /// name is the default `message`), so an event the spec names but whose data does not
    /// repeat the name still decodes into its own variant. A `tag` in the data wins.
    pub fn tagged_or_unknown<T: serde::de::DeserializeOwned>(
        e: &RawEvent,
        tag: &str,
    ) -> Result<Event<T>, String> {
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&e.data) else {
            return Ok(Event::Unknown(e.clone()));
        };
        if let serde_json::Value::Object(o) = &mut value {
            if !o.contains_key(tag) && !e.event.is_empty() && e.event != "message" {
                o.insert(tag.to_owned(), serde_json::Value::String(e.event.clone()));
            }
        }
        Ok(match T::deserialize(value) {
            Ok(t) => Event::Typed(t),
            Err(_) => Event::Unknown(e.clone()),
        })
    }

    /// The event itself.
    pub fn raw(e: &RawEvent) -> Result<RawEvent, String> {
        Ok(e.clone())
    }
}

/// What a stream has done so far; shared with its [`super::SseStream`] handle.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) events: AtomicU64,
    pub(crate) bytes: Arc<AtomicU64>,
    pub(crate) reconnects: AtomicU64,
    pub(crate) last_event_id: Mutex<Option<String>>,
}

type Events = EventStream<Chunks>;

/// The state behind an [`super::SseStream`].
pub(crate) struct State<T> {
    pub(crate) client: Client,
    pub(crate) request: Request,
    pub(crate) options: RequestOptions,
    pub(crate) settings: StreamOptions,
    pub(crate) decode: DecodeEventFn<T>,
    pub(crate) events: Option<Events>,
    pub(crate) request_id: Option<String>,
    pub(crate) stats: Arc<Stats>,
    pub(crate) span: tracing::Span,
    pub(crate) started: Instant,
    pub(crate) first_event: Option<Duration>,
    pub(crate) retry: Option<Duration>,
    /// Reconnects since the last delivered event.
    pub(crate) failed_reconnects: u32,
    pub(crate) finished: bool,
}

/// The parser over a response body.
pub(crate) fn events(
    client: &Client,
    resp: crate::transport::ResponseBody,
    s: &StreamOptions,
    stats: &Stats,
) -> Events {
    let chunks = Chunks::new(
        resp,
        s.idle_timeout,
        client.inner.time.sleeper.clone(),
        stats.bytes.clone(),
        true,
    );
    EventStream::new(chunks)
}

impl<T> State<T> {
    /// The next item: a decoded event, the error that ends the stream, or `None` at its end.
    pub(crate) async fn next_item(&mut self) -> Option<Result<T, Error>> {
        loop {
            if self.finished {
                return None;
            }
            let next = match self.events.as_mut() {
                Some(events) => events.next().await,
                None => None,
            };
            match next {
                Some(Ok(ev)) => {
                    if let Some(item) = self.on_event(ev) {
                        return item;
                    }
                }
                Some(Err(fault)) => {
                    self.events = None;
                    if let Err(e) = self.on_fault(fault).await {
                        self.finish(Some(&e));
                        return Some(Err(e));
                    }
                }
                None => {
                    self.finish(None);
                    return None;
                }
            }
        }
    }

    /// Handles one parsed event: `Some(None)` ends the stream, `None` skips the event.
    fn on_event(&mut self, ev: eventsource_stream::Event) -> Option<Option<Result<T, Error>>> {
        let id = (!ev.id.is_empty()).then_some(ev.id);
        if let Some(id) = &id {
            *self
                .stats
                .last_event_id
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
        }
        if ev.retry.is_some() {
            self.retry = ev.retry;
        }
        if self
            .settings
            .done_sentinel
            .is_some_and(|d| ev.data.trim() == d)
        {
            self.finish(None);
            return Some(None);
        }
        let raw = RawEvent {
            event: ev.event,
            data: ev.data,
            id,
            retry: ev.retry,
        };
        let n = self.stats.events.fetch_add(1, Ordering::Relaxed) + 1;
        self.failed_reconnects = 0;
        if self.first_event.is_none() {
            self.first_event = Some(self.elapsed());
        }
        if is_error_event(&raw) {
            let e = self.error_event(&raw, n);
            self.finish(Some(&e));
            return Some(Some(Err(e)));
        }
        let decoded =
            crate::drift::in_scope(&self.client, self.request.op.id, || (self.decode)(&raw));
        Some(Some(match decoded {
            Ok(t) => Ok(t),
            Err(message) => {
                let mut e = self.error(ErrorKind::Decode, message);
                e.inner_mut().raw_body = Some(raw.data.into_bytes().into());
                e.inner_mut().hint = Some("the event does not match the spec's schema: check the API version, or report the raw data");
                Err(e)
            }
        }))
    }

    /// After the connection failed: reconnects a resumable stream, else the error to report.
    async fn on_fault(&mut self, fault: EventStreamError<BodyFault>) -> Result<(), Error> {
        let delivered = self.stats.events.load(Ordering::Relaxed);
        let (kind, what) = match &fault {
            EventStreamError::Transport(BodyFault::Idle(_)) => (ErrorKind::Timeout, "stalled"),
            EventStreamError::Transport(BodyFault::Transport(_)) => (ErrorKind::Network, "broke"),
            _ => (ErrorKind::Decode, "is not valid SSE"),
        };
        let resumable = self.settings.resumable && kind != ErrorKind::Decode;
        if !resumable || self.failed_reconnects >= self.settings.max_reconnects {
            let why = if resumable {
                format!(
                    "after {} reconnects without an event",
                    self.failed_reconnects
                )
            } else if kind == ErrorKind::Decode {
                String::new()
            } else {
                "; it is not restarted (the operation is not resumable)".to_owned()
            };
            let mut e = self.error(
                kind,
                format!("the stream {what} after {delivered} events: {fault}{why}"),
            );
            e.inner_mut().retryable = false;
            return Err(e);
        }
        self.failed_reconnects += 1;
        self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
        let wait = self.retry.unwrap_or(self.settings.default_retry);
        tracing::debug!(
            wait_ms = crate::observe::millis(wait),
            delivered,
            "stream {what}: reconnecting with Last-Event-ID"
        );
        self.client.inner.time.sleeper.sleep(wait).await;
        let last_id = self
            .stats
            .last_event_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut request = self.request.clone();
        if let Some(id) = &last_id {
            request = request.header("Last-Event-ID", id.as_str());
        }
        let (raw, resp) = self
            .client
            .execute_unbuffered(request, self.options.clone())
            .await?;
        self.request_id = raw.request_id;
        self.events = Some(events(&self.client, resp, &self.settings, &self.stats));
        Ok(())
    }

    fn error_event(&self, raw: &RawEvent, n: u64) -> Error {
        let (code, message) = crate::normalize::provider_error(raw.data.as_bytes(), None);
        let mut e = self.error(
            ErrorKind::Server,
            format!(
                "the server sent an error event as event {n}: {}",
                message.as_deref().unwrap_or("(no message)")
            ),
        );
        let i = e.inner_mut();
        i.hint = crate::normalize::hint(ErrorKind::Server, code.as_deref());
        i.provider_code = code;
        i.provider_message = message;
        i.raw_body = Some(raw.data.clone().into_bytes().into());
        e
    }

    fn error(&self, kind: ErrorKind, message: String) -> Error {
        let mut e = Error::new(kind, message);
        let i = e.inner_mut();
        i.operation_id = self.request.op.id;
        i.method = self.request.op.method.as_str();
        i.request_id = self.request_id.clone();
        i.idempotency_key = self.options.idempotency_key.clone();
        e
    }

    fn elapsed(&self) -> Duration {
        self.client
            .inner
            .time
            .clock
            .now()
            .saturating_duration_since(self.started)
    }

    fn finish(&mut self, error: Option<&Error>) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.events = None;
        if let Some(e) = error {
            self.span.record("error.type", e.kind().as_str());
        }
    }
}

impl<T> Drop for State<T> {
    fn drop(&mut self) {
        let s = &self.span;
        s.record("sturdy.events", self.stats.events.load(Ordering::Relaxed));
        s.record("sturdy.bytes", self.stats.bytes.load(Ordering::Relaxed));
        s.record(
            "sturdy.reconnects",
            self.stats.reconnects.load(Ordering::Relaxed),
        );
        if let Some(t) = self.first_event {
            s.record("sturdy.time_to_first_event_ms", crate::observe::millis(t));
        }
        s.record("sturdy.duration_ms", crate::observe::millis(self.elapsed()));
        s.record("sturdy.completed", self.finished);
    }
}

/// An error inside a 200 stream: `event: error`, a top-level `error` object (OpenAI chat
/// completions) or `"type": "error"` (OpenAI Responses API).
pub(crate) fn is_error_event(e: &RawEvent) -> bool {
    if e.event == "error" {
        return true;
    }
    // Cheap test first: most events never mention an error.
    if !e.data.contains("\"error\"") {
        return false;
    }
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(&e.data)
    else {
        return false;
    };
    o.get("error").is_some_and(|v| v.is_object())
        || o.get("type").and_then(|t| t.as_str()) == Some("error")
}

#[cfg(test)]
mod tests;
