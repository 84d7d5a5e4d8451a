//! `multipart/form-data` sent as a stream: the parts' heads and in-memory data as they are,
//! each upload part read as the transport asks for it (never the whole body in memory).

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;

use super::{BoxStream, Tracked};
use crate::execute::multipart::{boundary, head};
use crate::request::Part;
use crate::time::Sleeper;

enum Segment {
    Bytes(Bytes),
    Upload(Tracked),
}

/// The `Content-Type` (with a fresh boundary), the length if every part's is known, and the
/// body as a stream; the same bytes as [`crate::execute::multipart::encode`] would produce.
pub(crate) fn encode_stream(
    parts: &[Part],
    sleeper: &Arc<dyn Sleeper>,
) -> (String, Option<u64>, BoxStream) {
    let boundary = boundary();
    let mut segments = Vec::new();
    let mut pending = Vec::new();
    let mut len = Some(0u64);
    for p in parts {
        head(&boundary, p, &mut pending);
        match &p.upload {
            Some(u) => {
                let tracked = Tracked::new(u, sleeper);
                len = len.zip(tracked.len()).map(|(a, b)| a + b);
                flush(&mut pending, &mut segments, &mut len);
                segments.push(Segment::Upload(tracked));
            }
            None => pending.extend_from_slice(&p.data),
        }
        pending.extend_from_slice(b"\r\n");
    }
    pending.extend_from_slice(b"--");
    pending.extend_from_slice(boundary.as_bytes());
    pending.extend_from_slice(b"--\r\n");
    flush(&mut pending, &mut segments, &mut len);
    let stream = futures::stream::iter(segments).flat_map(|s| match s {
        Segment::Bytes(b) => futures::stream::once(futures::future::ready(Ok(b))).boxed(),
        Segment::Upload(t) => t.boxed(),
    });
    (
        format!("multipart/form-data; boundary={boundary}"),
        len,
        Box::pin(stream),
    )
}

fn flush(pending: &mut Vec<u8>, segments: &mut Vec<Segment>, len: &mut Option<u64>) {
    if pending.is_empty() {
        return;
    }
    *len = len.map(|l| l + pending.len() as u64);
    segments.push(Segment::Bytes(Bytes::from(std::mem::take(pending))));
}
