//! A request body the transport reads as it sends ([`BodyStream`]).

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, StreamExt};

type Inner = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A request body read as it is sent (an upload from a file or a stream): the runtime counts
/// what the transport reads from it, so a transport must read it only while sending. Clones
/// share one stream: it is read once.
#[derive(Clone)]
pub struct BodyStream {
    inner: Arc<Mutex<Option<Inner>>>,
    len: Option<u64>,
}

impl BodyStream {
    /// A body from `stream`, with its length if known (then sent as `Content-Length`).
    pub fn new(
        stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Some(Box::pin(stream)))),
            len,
        }
    }

    /// The length, when known.
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    /// Reads the whole body (for a transport that must have it in memory, like the mock).
    pub async fn collect(mut self) -> io::Result<Bytes> {
        let mut all = Vec::new();
        while let Some(chunk) = self.next().await.transpose()? {
            all.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(all))
    }
}

impl Stream for BodyStream {
    type Item = io::Result<Bytes>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match inner.as_mut() {
            Some(s) => {
                let next = s.as_mut().poll_next(cx);
                if let Poll::Ready(None) = next {
                    *inner = None;
                }
                next
            }
            None => Poll::Ready(None),
        }
    }
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyStream")
            .field("len", &self.len)
            .finish()
    }
}
