//! Request bodies sent as they are read: [`UploadBody`], for raw (`application/octet-stream`)
//! bodies and multipart file parts.
//!
//! An upload comes from bytes already in memory, from a file (reopened for every attempt and
//! read in chunks of [`CHUNK`] bytes, so it is never held whole in memory), or from a stream
//! (read once, as the transport asks for it). Per attempt, an optional progress callback sees
//! the bytes handed to the transport so far, and an optional stall timeout fails the attempt
//! when the source yields nothing for that long.
//!
//! Retries: bytes and files are replayable, so an upload is retried like any other body. A
//! stream is not: it is retried only while none of its bytes were handed to the transport
//! (a refused connection); after that a failed attempt ends the call, and the error's message
//! says the body could not be replayed. Defaults: no progress callback, no stall timeout.
//!
//! ```no_run
//! # async fn demo(client: sturdy_runtime::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use sturdy_runtime::{Method, OperationMeta, Request, RequestOptions, UploadBody};
//! use std::time::Duration;
//!
//! static PUT: OperationMeta = OperationMeta::new("putObject", Method::Put, "/objects/{key}");
//! let body = UploadBody::from_file("backup.tar")?
//!     .progress(|p| eprintln!("{} of {:?} bytes", p.sent, p.total))
//!     .stall_timeout(Duration::from_secs(30));
//! let request = Request::new(&PUT, "/objects/backup".into())
//!     .upload("application/octet-stream", body);
//! client.execute(request, RequestOptions::new()).await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

mod attempt;
mod file;
pub(crate) mod multipart;
#[cfg(test)]
mod tests;

pub(crate) use attempt::{after_failed_attempt, Tracked};

/// The size of the chunks a file upload is read in.
pub const CHUNK: usize = 64 * 1024;

type BoxStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;
type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// How far one attempt's upload got: bytes handed to the transport, and the total if known.
/// Within an attempt `sent` only grows; a retried (replayable) upload starts again at 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes handed to the transport so far in this attempt.
    pub sent: u64,
    /// The length of the body, when known.
    pub total: Option<u64>,
}

/// A request body that need not be in memory: bytes, a file, or a one-shot stream, with an
/// optional progress callback and stall timeout (see the [module docs](self)).
///
/// Clones share the source: a stream is still read only once.
#[derive(Clone)]
#[must_use]
pub struct UploadBody {
    pub(crate) source: Source,
    pub(crate) progress: Option<ProgressFn>,
    pub(crate) stall_timeout: Option<Duration>,
    /// What the latest attempt did with this body.
    pub(crate) tracker: Arc<attempt::Tracker>,
}

#[derive(Clone)]
pub(crate) enum Source {
    Bytes(Bytes),
    File {
        path: PathBuf,
        len: u64,
    },
    Stream {
        slot: Arc<Mutex<Option<BoxStream>>>,
        len: Option<u64>,
    },
}

impl UploadBody {
    fn with_source(source: Source) -> Self {
        Self {
            source,
            progress: None,
            stall_timeout: None,
            tracker: Arc::default(),
        }
    }

    /// Bytes in memory (replayable).
    pub fn from_bytes(data: impl Into<Bytes>) -> Self {
        Self::with_source(Source::Bytes(data.into()))
    }

    /// The file at `path` (replayable): its length is read now, and every attempt opens it
    /// again and sends that many bytes, read in chunks of [`CHUNK`] bytes. An attempt fails
    /// if the file has become shorter.
    pub fn from_file(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let meta = std::fs::metadata(&path)?;
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a regular file", path.display()),
            ));
        }
        Ok(Self::with_source(Source::File {
            path,
            len: meta.len(),
        }))
    }

    /// A stream of chunks (not replayable: see the [module docs](self)). Its length is
    /// unknown (the body is sent chunked) unless [`UploadBody::length`] declares it.
    pub fn from_stream(stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static) -> Self {
        Self::with_source(Source::Stream {
            slot: Arc::new(Mutex::new(Some(Box::pin(stream)))),
            len: None,
        })
    }

    /// Declares the length of a stream (sent as `Content-Length`); an attempt whose stream
    /// yields more or fewer bytes fails. Ignored for bytes and files, whose length is known.
    pub fn length(mut self, len: u64) -> Self {
        if let Source::Stream { len: l, .. } = &mut self.source {
            *l = Some(len);
        }
        self
    }

    /// Calls `callback` after every chunk handed to the transport.
    pub fn progress(mut self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Fails the attempt when the source yields nothing for `timeout` while the transport
    /// waits for it (timed by the client's [`crate::time::Sleeper::timer`]). The error is
    /// [`crate::ErrorKind::Timeout`], its message says the upload stalled.
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = Some(timeout);
        self
    }

    /// The length in bytes, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(b) => Some(b.len() as u64),
            Source::File { len, .. } => Some(*len),
            Source::Stream { len, .. } => *len,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Whether every attempt can send the body again (bytes and files can, a stream cannot).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.source, Source::Stream { .. })
    }

    /// The bytes, when the body is plain bytes with nothing to report (sent the cheap way).
    pub(crate) fn into_plain_bytes(self) -> Result<Bytes, Self> {
        match self.source {
            Source::Bytes(b) if self.progress.is_none() && self.stall_timeout.is_none() => Ok(b),
            _ => Err(self),
        }
    }

    /// Feeds what identifies the body without reading it to `field` (for dedupe's payload
    /// hash): bytes whole, a file's path and length, a stream's declared length.
    pub(crate) fn identity(&self, field: &mut dyn FnMut(&[u8])) {
        match &self.source {
            Source::Bytes(b) => {
                field(b"bytes");
                field(b);
            }
            Source::File { path, len } => {
                field(b"file");
                field(path.as_os_str().as_encoded_bytes());
                field(&len.to_be_bytes());
            }
            Source::Stream { len, .. } => {
                field(b"stream");
                field(&len.unwrap_or(u64::MAX).to_be_bytes());
            }
        }
    }

    /// What the source is, for errors and `Debug`.
    pub(crate) fn describe(&self) -> &'static str {
        match self.source {
            Source::Bytes(_) => "bytes",
            Source::File { .. } => "file",
            Source::Stream { .. } => "stream",
        }
    }
}

/// The streamed body of one attempt, if `body` has an upload: its `Content-Type` and stream.
pub(crate) fn attempt_body(
    body: &crate::request::Body,
    sleeper: &Arc<dyn crate::time::Sleeper>,
) -> Option<(std::borrow::Cow<'static, str>, crate::transport::BodyStream)> {
    use crate::request::Body;
    use crate::transport::BodyStream;
    match body {
        Body::Upload { content_type, body } => {
            let tracked = Tracked::new(body, sleeper);
            let len = tracked.len();
            Some((content_type.clone(), BodyStream::new(tracked, len)))
        }
        Body::Multipart(parts) if parts.iter().any(|p| p.upload.is_some()) => {
            let (content_type, len, stream) = multipart::encode_stream(parts, sleeper);
            Some((content_type.into(), BodyStream::new(stream, len)))
        }
        _ => None,
    }
}

impl From<Bytes> for UploadBody {
    fn from(b: Bytes) -> Self {
        Self::from_bytes(b)
    }
}

impl From<Vec<u8>> for UploadBody {
    fn from(b: Vec<u8>) -> Self {
        Self::from_bytes(b)
    }
}

impl From<&'static [u8]> for UploadBody {
    fn from(b: &'static [u8]) -> Self {
        Self::from_bytes(b)
    }
}

impl From<String> for UploadBody {
    fn from(s: String) -> Self {
        Self::from_bytes(s)
    }
}

impl fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path may name a user's file: only the kind and length are shown.
        f.debug_struct("UploadBody")
            .field("source", &self.describe())
            .field("len", &self.len())
            .field("progress", &self.progress.is_some())
            .field("stall_timeout", &self.stall_timeout)
            .finish()
    }
}
