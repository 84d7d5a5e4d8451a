//! Byte streams: a large response body (a file's content) consumed chunk by chunk, with an
//! optional progress callback and stall protection, never buffered whole. A body cut short
//! (fewer bytes than `Content-Length`, a reset) ends with an error, never a silent restart.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

use super::body::{BodyFault, Chunks};
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::request::{Request, RequestOptions};

/// Progress of a transfer: bytes so far, and the total when the server said
/// (`Content-Length`).
pub type ProgressFn = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// A download ready to start: set options, then `.await` it (or [`DownloadCall::send`]).
#[must_use = "a call does nothing until it is awaited or sent"]
pub struct DownloadCall<'c> {
    client: &'c Client,
    request: Request,
    options: RequestOptions,
    idle_timeout: Option<Duration>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for DownloadCall<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadCall")
            .field("operation", &self.request.op.id)
            .finish_non_exhaustive()
    }
}

impl<'c> DownloadCall<'c> {
    /// A download of `request`'s response body through `client`. The idle timeout between
    /// chunks defaults to 120s.
    pub fn new(client: &'c Client, request: Request) -> Self {
        Self {
            client,
            request,
            options: RequestOptions::default(),
            idle_timeout: Some(Duration::from_secs(120)),
            progress: None,
        }
    }

    /// Per-request options (timeouts up to the headers, headers, retry).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The longest wait for the next chunk; `None` waits forever.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Called after each chunk with the bytes received so far and the total, if known.
    pub fn on_progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Sends the request (retrying failures before the headers like any call) and returns
    /// the body as a stream.
    pub async fn send(self) -> Result<ByteStream, Error> {
        let op = self.request.op;
        let (raw, resp) = self
            .client
            .execute_unbuffered(self.request, self.options)
            .await?;
        let total = raw
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let received = Arc::new(AtomicU64::new(0));
        let chunks = Chunks::new(
            resp,
            self.idle_timeout,
            self.client.inner.time.sleeper.clone(),
            received.clone(),
            false,
        );
        Ok(ByteStream {
            chunks,
            received,
            total,
            progress: self.progress,
            op_id: op.id,
            method: op.method.as_str(),
            request_id: raw.request_id,
            headers: raw.headers,
        })
    }
}

impl<'c> std::future::IntoFuture for DownloadCall<'c> {
    type Output = Result<ByteStream, Error>;
    type IntoFuture = Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A response body as a stream of chunks. Dropping it closes the connection.
pub struct ByteStream {
    chunks: Chunks,
    received: Arc<AtomicU64>,
    total: Option<u64>,
    progress: Option<ProgressFn>,
    op_id: &'static str,
    method: &'static str,
    request_id: Option<String>,
    headers: http::HeaderMap,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("received", &self.received())
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
    /// The `Content-Length`, if the server sent one.
    pub fn total(&self) -> Option<u64> {
        self.total
    }
    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }
    /// The provider's request id.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    fn fault(&self, fault: BodyFault) -> Error {
        let kind = match fault {
            BodyFault::Idle(_) => ErrorKind::Timeout,
            BodyFault::Transport(_) => ErrorKind::Network,
        };
        let mut e = Error::new(
            kind,
            format!(
                "the download stopped after {} bytes: {fault}; it is not restarted",
                self.received()
            ),
        );
        let i = e.inner_mut();
        i.operation_id = self.op_id;
        i.method = self.method;
        i.request_id = self.request_id.clone();
        e
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.chunks).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(p) = &self.progress {
                    p(self.received(), self.total);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(fault))) => Poll::Ready(Some(Err(self.fault(fault)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
