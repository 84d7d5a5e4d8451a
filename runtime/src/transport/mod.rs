//! The HTTP layer, behind a trait so it can be swapped: [`Transport`] sends one attempt and
//! returns the status, headers and a streaming body.
//!
//! The default is [`ReqwestTransport`] (built by [`crate::ClientBuilder::build`] unless
//! [`crate::ClientBuilder::transport`] or [`crate::ClientBuilder::http_client`] says
//! otherwise). The runtime does everything else around it: auth, idempotency keys, retries,
//! the attempt timeout (through the client's [`crate::time::Sleeper`]), rate limits and the
//! breaker. With the feature `test-util`, `mock::MockTransport` answers from a script and
//! records every attempt, so an integration can be tested without the provider or sockets.
//!
//! ```
//! use std::sync::Arc;
//! use sturdy_runtime::transport::{
//!     ResponseBody, Transport, TransportError, TransportFuture, TransportRequest,
//!     TransportResponse,
//! };
//!
//! /// Answers every request with `204`, without any network.
//! struct NoContent;
//!
//! impl Transport for NoContent {
//!     fn send(&self, _request: TransportRequest) -> TransportFuture {
//!         Box::pin(async { Ok(TransportResponse::new(204, Default::default(), ResponseBody::empty())) })
//!     }
//! }
//!
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("https://api.example.com")
//!     .transport(Arc::new(NoContent))
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, StreamExt};

mod body;
#[cfg(any(test, feature = "test-util"))]
pub mod mock;
mod reqwest_transport;

pub use body::BodyStream;

#[cfg(any(test, feature = "test-util"))]
pub use mock::MockTransport;
pub use reqwest_transport::ReqwestTransport;

/// The future a [`Transport`] returns.
pub type TransportFuture =
    Pin<Box<dyn Future<Output = Result<TransportResponse, TransportError>> + Send>>;

/// Sends one attempt over HTTP.
///
/// The runtime builds a complete request for every attempt (headers, credentials, body) and
/// calls `send` once per attempt; it races the returned future, body included, against the
/// attempt timeout and drops it when the timeout fires. A transport must not retry, follow
/// redirects to another origin with credentials, or log headers: the runtime owns those
/// decisions.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and returns the response head and its body as a stream.
    fn send(&self, request: TransportRequest) -> TransportFuture;
}

/// One attempt, as the runtime built it.
#[derive(Clone)]
#[non_exhaustive]
pub struct TransportRequest {
    /// The method.
    pub method: http::Method,
    /// The full URL, query included (it may carry a secret query parameter: do not log it).
    pub url: url::Url,
    /// All headers, credentials included (their values are marked sensitive).
    pub headers: http::HeaderMap,
    /// The encoded body (empty for none, and when [`TransportRequest::body_stream`] carries
    /// it).
    pub body: Bytes,
    /// An upload read as it is sent (a file or a stream, see [`crate::UploadBody`]); when
    /// set, it is the body and `body` is empty. A transport reads it only while sending: what
    /// it reads counts as sent.
    pub body_stream: Option<BodyStream>,
}

impl TransportRequest {
    /// A request with the given parts.
    pub fn new(method: http::Method, url: url::Url, headers: http::HeaderMap, body: Bytes) -> Self {
        Self {
            method,
            url,
            headers,
            body,
            body_stream: None,
        }
    }

    /// Sends `stream` as the body (instead of `body`).
    pub fn with_body_stream(mut self, stream: BodyStream) -> Self {
        self.body_stream = Some(stream);
        self
    }
}

impl fmt::Debug for TransportRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL and header values may carry secrets.
        f.debug_struct("TransportRequest")
            .field("method", &self.method)
            .field("path", &self.url.path())
            .field("body_len", &self.body.len())
            .field("body_stream", &self.body_stream)
            .finish_non_exhaustive()
    }
}

/// A response head and its (streaming) body.
#[non_exhaustive]
pub struct TransportResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body, read as it arrives.
    pub body: ResponseBody,
}

impl TransportResponse {
    /// A response with the given parts.
    pub fn new(status: u16, headers: http::HeaderMap, body: ResponseBody) -> Self {
        Self {
            status,
            headers,
            body,
        }
    }
}

impl fmt::Debug for TransportResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportResponse")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A response body as a stream of chunks.
pub struct ResponseBody {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>> + Send>>,
}

impl ResponseBody {
    /// A body from a stream of chunks.
    pub fn from_stream(
        stream: impl Stream<Item = Result<Bytes, TransportError>> + Send + 'static,
    ) -> Self {
        Self {
            inner: Box::pin(stream),
        }
    }

    /// A body already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::from_stream(futures::stream::once(futures::future::ready(Ok(
            bytes.into()
        ))))
    }

    /// No body.
    pub fn empty() -> Self {
        Self::from_stream(futures::stream::empty())
    }

    /// Reads the whole body.
    pub async fn collect(mut self) -> Result<Bytes, TransportError> {
        let Some(first) = self.inner.next().await.transpose()? else {
            return Ok(Bytes::new());
        };
        let Some(second) = self.inner.next().await.transpose()? else {
            // One chunk: no copy.
            return Ok(first);
        };
        let mut all = Vec::with_capacity(first.len() + second.len());
        all.extend_from_slice(&first);
        all.extend_from_slice(&second);
        while let Some(chunk) = self.inner.next().await.transpose()? {
            all.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(all))
    }
}

impl Stream for ResponseBody {
    type Item = Result<Bytes, TransportError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseBody")
    }
}

/// How an attempt failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be established: nothing was sent.
    Connect,
    /// The transport's own timeout fired: the request may have been sent.
    Timeout,
    /// The connection failed after it was established: the request may have been sent.
    Network,
    /// The request could not be sent as built: nothing was sent.
    InvalidRequest,
    /// The server redirected and the redirect was refused (an answer was received).
    Redirect,
}

/// A transport failure: its kind, a message free of secrets, and the underlying error.
#[derive(Debug, Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<crate::error::Source>,
}

impl TransportError {
    /// A failure of `kind`; `message` must not contain the URL's query or header values.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Keeps the underlying error as the call error's `source()`.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn into_parts(self) -> (TransportErrorKind, String, Option<crate::error::Source>) {
        (self.kind, self.message, self.source)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Debug for dyn Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transport")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: Vec<Result<&'static [u8], TransportErrorKind>>) -> ResponseBody {
        ResponseBody::from_stream(futures::stream::iter(parts.into_iter().map(|p| {
            p.map(Bytes::from_static)
                .map_err(|k| TransportError::new(k, "cut"))
        })))
    }

    #[tokio::test]
    async fn a_body_is_collected_from_any_number_of_chunks() {
        assert!(ResponseBody::empty().collect().await.unwrap().is_empty());
        let one = chunks(vec![Ok(b"abc")]).collect().await.unwrap();
        assert_eq!(&one[..], b"abc");
        let many = chunks(vec![Ok(b"a"), Ok(b""), Ok(b"bc"), Ok(b"d")]);
        assert_eq!(&many.collect().await.unwrap()[..], b"abcd");
        let cut = chunks(vec![Ok(b"a"), Ok(b"b"), Err(TransportErrorKind::Network)]);
        let e = cut.collect().await.unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (TransportErrorKind::Network, "cut")
        );
    }
}
