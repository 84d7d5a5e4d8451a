//! One attempt's view of an upload: the stream handed to the transport, which counts what it
//! yields, reports progress and watches for a stall; and what a failed attempt means for
//! the call.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

use super::{BoxStream, Progress, ProgressFn, Source, UploadBody};
use crate::error::{Error, ErrorKind};
use crate::request::Body;
use crate::time::Sleeper;

/// What the attempts made so far did with one upload.
#[derive(Default)]
pub(crate) struct Tracker {
    /// Bytes handed to the transport in the latest attempt.
    sent: AtomicU64,
    /// Some byte of a one-shot stream was handed to the transport (it cannot be replayed).
    consumed: AtomicBool,
    /// The latest attempt stalled: after how many bytes, and for how long.
    stalled: Mutex<Option<(u64, Duration)>>,
}

impl Tracker {
    fn take_stall(&self) -> Option<(u64, Duration)> {
        self.stalled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

enum Inner {
    Once(Option<Bytes>),
    File(BoxStream),
    Shared(Arc<Mutex<Option<BoxStream>>>),
}

/// The stream one attempt hands to the transport.
pub(crate) struct Tracked {
    inner: Inner,
    one_shot: bool,
    total: Option<u64>,
    sent: u64,
    tracker: Arc<Tracker>,
    progress: Option<ProgressFn>,
    stall: Option<(Duration, Arc<dyn Sleeper>)>,
    timer: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    done: bool,
}

impl Tracked {
    /// The stream of `body` for a new attempt (its tracker starts again).
    pub(crate) fn new(body: &UploadBody, sleeper: &Arc<dyn Sleeper>) -> Self {
        let t = &body.tracker;
        t.sent.store(0, Ordering::Relaxed);
        *t.stalled.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let inner = match &body.source {
            Source::Bytes(b) => Inner::Once(Some(b.clone())),
            Source::File { path, len } => {
                Inner::File(Box::pin(super::file::chunks(path.clone(), *len)))
            }
            Source::Stream { slot, .. } => Inner::Shared(slot.clone()),
        };
        Self {
            inner,
            one_shot: !body.is_replayable(),
            total: body.len(),
            sent: 0,
            tracker: t.clone(),
            progress: body.progress.clone(),
            stall: body.stall_timeout.map(|d| (d, sleeper.clone())),
            timer: None,
            done: false,
        }
    }

    /// The length this attempt sends, when known.
    pub(crate) fn len(&self) -> Option<u64> {
        self.total
    }

    fn poll_source(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        match &mut self.inner {
            Inner::Once(b) => Poll::Ready(b.take().map(Ok)),
            Inner::File(s) => s.as_mut().poll_next(cx),
            Inner::Shared(slot) => match slot.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                Some(s) => s.as_mut().poll_next(cx),
                None => Poll::Ready(None),
            },
        }
    }

    fn fail(&mut self, kind: io::ErrorKind, message: String) -> Poll<Option<io::Result<Bytes>>> {
        self.done = true;
        Poll::Ready(Some(Err(io::Error::new(kind, message))))
    }

    fn on_chunk(&mut self, chunk: Bytes) -> Poll<Option<io::Result<Bytes>>> {
        self.timer = None;
        self.sent += chunk.len() as u64;
        if let Some(total) = self.total.filter(|t| self.sent > *t) {
            return self.fail(
                io::ErrorKind::InvalidData,
                format!("the upload yielded more than its declared {total} bytes"),
            );
        }
        self.tracker.sent.store(self.sent, Ordering::Relaxed);
        if self.one_shot && !chunk.is_empty() {
            self.tracker.consumed.store(true, Ordering::Relaxed);
        }
        if let Some(p) = &self.progress {
            p(Progress {
                sent: self.sent,
                total: self.total,
            });
        }
        Poll::Ready(Some(Ok(chunk)))
    }

    fn on_pending(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        let Some((after, sleeper)) = &self.stall else {
            return Poll::Pending;
        };
        let after = *after;
        let timer = self.timer.get_or_insert_with(|| sleeper.timer(after));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        *self
            .tracker
            .stalled
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((self.sent, after));
        self.fail(
            io::ErrorKind::TimedOut,
            stall_message(self.sent, self.total, after),
        )
    }
}

impl Stream for Tracked {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.poll_source(cx) {
            Poll::Ready(Some(Ok(chunk))) => this.on_chunk(chunk),
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => match this.total.filter(|t| *t != this.sent) {
                Some(total) => this.fail(
                    io::ErrorKind::UnexpectedEof,
                    format!("the upload ended after {} of {total} bytes", this.sent),
                ),
                None => {
                    this.done = true;
                    Poll::Ready(None)
                }
            },
            Poll::Pending => this.on_pending(cx),
        }
    }
}

fn stall_message(sent: u64, total: Option<u64>, after: Duration) -> String {
    let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
    format!(
        "the upload stalled: its source yielded nothing for {:.3}s after {sent}{of} bytes",
        after.as_secs_f64()
    )
}

/// The uploads of a body.
fn uploads(body: &Body) -> Vec<&UploadBody> {
    match body {
        Body::Upload { body, .. } => vec![body],
        Body::Multipart(parts) => parts.iter().filter_map(|p| p.upload.as_ref()).collect(),
        _ => Vec::new(),
    }
}

/// Explains a failed attempt in terms of its upload: a stall becomes a
/// [`ErrorKind::Timeout`] that says so; a one-shot stream some of whose bytes were handed to
/// the transport cannot be sent again, so the call stops (returns `true`) with a message that
/// says why. `sent()` keeps what the attempt may have done.
pub(crate) fn after_failed_attempt(body: &Body, err: &mut Error) -> bool {
    let uploads = uploads(body);
    if uploads.is_empty() {
        return false;
    }
    let stalled = uploads
        .iter()
        .find_map(|u| u.tracker.take_stall().map(|s| (u.len(), s)));
    if let Some((total, (sent, after))) = stalled {
        let was = err.sent();
        let i = err.inner_mut();
        i.kind = ErrorKind::Timeout;
        i.sent = Some(was);
        i.message = stall_message(sent, total, after);
        i.hint = crate::normalize::hint(ErrorKind::Timeout, None);
    }
    let spent: u64 = uploads
        .iter()
        .filter(|u| u.tracker.consumed.load(Ordering::Relaxed))
        .map(|u| u.tracker.sent.load(Ordering::Relaxed))
        .sum();
    if !uploads
        .iter()
        .any(|u| u.tracker.consumed.load(Ordering::Relaxed))
    {
        return false;
    }
    let cause = if err.message().is_empty() {
        match err.status() {
            Some(s) => format!("the attempt failed with status {s}"),
            None => format!("the attempt failed ({})", err.kind()),
        }
    } else {
        err.message().to_owned()
    };
    let i = err.inner_mut();
    i.retryable = false;
    i.message = format!(
        "{cause}; not retried: the request body is a one-shot stream and {spent} of its bytes \
         were already sent, so it cannot be replayed (upload from bytes or a file to allow retries)"
    );
    true
}
