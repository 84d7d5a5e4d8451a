//! The body of a streamed response as chunks: stall protection, byte counting, and a final
//! line break at a clean end so a last event without a trailing blank line is dispatched.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

use crate::time::Sleeper;

/// Why the body stopped before its end.
#[derive(Debug)]
pub(crate) enum BodyFault {
    /// The connection failed (reset, closed mid-chunk, decoding).
    Transport(crate::transport::TransportError),
    /// No bytes arrived for the idle timeout.
    Idle(Duration),
}

impl std::fmt::Display for BodyFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyFault::Transport(e) => write!(f, "{e}"),
            BodyFault::Idle(d) => write!(f, "no data for {:.3}s (idle timeout)", d.as_secs_f64()),
        }
    }
}

type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Chunks of a response body. Polling pulls from the connection, so a slow consumer holds
/// back the server (TCP flow control) instead of buffering the body.
pub(crate) struct Chunks {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, crate::transport::TransportError>> + Send>>,
    idle: Option<Duration>,
    sleeper: Arc<dyn Sleeper>,
    timer: Option<Sleep>,
    bytes: Arc<AtomicU64>,
    /// Append `\n\n` at a clean end (for SSE).
    flush_at_end: bool,
    done: bool,
}

impl Chunks {
    pub(crate) fn new(
        response: crate::transport::ResponseBody,
        idle: Option<Duration>,
        sleeper: Arc<dyn Sleeper>,
        bytes: Arc<AtomicU64>,
        flush_at_end: bool,
    ) -> Self {
        Self::from_stream(Box::pin(response), idle, sleeper, bytes, flush_at_end)
    }

    pub(crate) fn from_stream(
        inner: Pin<Box<dyn Stream<Item = Result<Bytes, crate::transport::TransportError>> + Send>>,
        idle: Option<Duration>,
        sleeper: Arc<dyn Sleeper>,
        bytes: Arc<AtomicU64>,
        flush_at_end: bool,
    ) -> Self {
        Self {
            inner,
            idle,
            sleeper,
            timer: None,
            bytes,
            flush_at_end,
            done: false,
        }
    }
}

impl Stream for Chunks {
    type Item = Result<Bytes, BodyFault>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.timer = None;
                this.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(BodyFault::Transport(e))))
            }
            Poll::Ready(None) => {
                this.done = true;
                if this.flush_at_end {
                    Poll::Ready(Some(Ok(Bytes::from_static(b"\n\n"))))
                } else {
                    Poll::Ready(None)
                }
            }
            Poll::Pending => {
                let Some(idle) = this.idle else {
                    return Poll::Pending;
                };
                let sleeper = &this.sleeper;
                let timer = this.timer.get_or_insert_with(|| sleeper.sleep(idle));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.done = true;
                        this.timer = None;
                        Poll::Ready(Some(Err(BodyFault::Idle(idle))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    /// A sleeper that never fires.
    struct Never;
    impl Sleeper for Never {
        fn sleep(&self, _: Duration) -> Sleep {
            Box::pin(std::future::pending())
        }
    }

    /// A sleeper that fires at once.
    struct AtOnce;
    impl Sleeper for AtOnce {
        fn sleep(&self, _: Duration) -> Sleep {
            Box::pin(std::future::ready(()))
        }
    }

    fn chunks(
        parts: Vec<&'static [u8]>,
        then_stall: bool,
        sleeper: Arc<dyn Sleeper>,
    ) -> (Chunks, Arc<AtomicU64>) {
        let ready = futures::stream::iter(parts.into_iter().map(|p| Ok(Bytes::from_static(p))));
        let inner: Pin<
            Box<dyn Stream<Item = Result<Bytes, crate::transport::TransportError>> + Send>,
        > = if then_stall {
            Box::pin(ready.chain(futures::stream::pending()))
        } else {
            Box::pin(ready)
        };
        let count = Arc::new(AtomicU64::new(0));
        let c = Chunks::from_stream(
            inner,
            Some(Duration::from_secs(5)),
            sleeper,
            count.clone(),
            true,
        );
        (c, count)
    }

    #[tokio::test]
    async fn counts_bytes_and_flushes_at_a_clean_end() {
        let (c, count) = chunks(vec![b"data: a", b"\n"], false, Arc::new(Never));
        let all: Vec<_> = c.map(|r| r.unwrap()).collect().await;
        assert_eq!(all.concat(), b"data: a\n\n\n");
        assert_eq!(count.load(Ordering::Relaxed), 8, "the flush is not counted");
    }

    #[tokio::test]
    async fn a_stall_trips_the_idle_timeout_only_when_no_chunk_is_ready() {
        let (mut c, _) = chunks(vec![b"a", b"b"], true, Arc::new(AtOnce));
        assert_eq!(c.next().await.unwrap().unwrap(), "a");
        assert_eq!(c.next().await.unwrap().unwrap(), "b");
        let err = c.next().await.unwrap().unwrap_err();
        assert!(matches!(err, BodyFault::Idle(d) if d == Duration::from_secs(5)));
        assert_eq!(err.to_string(), "no data for 5.000s (idle timeout)");
        assert!(c.next().await.is_none(), "ends after the fault");
    }
}
