//! Byte-stream check of the driver: `create_speech_byte_stream` (the generated method for
//! the binary `audio/speech` response) receives a 16 MiB body chunk by chunk.
//!
//! The server sends the first half, then waits until the client has received its first
//! chunk before it sends the rest: a client that buffered the body whole would never see a
//! chunk, and the check would time out instead of passing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use openai_stream_client::Client;
use serde_json::json;
use tokio::sync::Notify;

pub const TOTAL: usize = 16 << 20;
const CHUNK: usize = 64 << 10;

/// The byte at offset `i` of the body.
fn byte_at(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 13)) as u8
}

/// The audio body, held back after its first half until `first_chunk_seen` is notified.
pub fn speech(first_chunk_seen: Arc<Notify>) -> Response {
    let chunks = futures::stream::iter((0..TOTAL).step_by(CHUNK)).then(move |start| {
        let gate = first_chunk_seen.clone();
        async move {
            if start == TOTAL / 2 {
                gate.notified().await;
            }
            let data: Vec<u8> = (start..start + CHUNK).map(byte_at).collect();
            Ok::<_, std::io::Error>(Bytes::from(data))
        }
    });
    (
        [("content-type", "application/octet-stream")],
        Body::from_stream(chunks),
    )
        .into_response()
}

pub async fn check(client: &Client, first_chunk_seen: Arc<Notify>) {
    let req = serde_json::from_value(json!({"model": "tts-1", "input": "Hi", "voice": "alloy"}))
        .expect("a speech request");
    let progress = Arc::new(AtomicU64::new(0));
    let seen = progress.clone();
    let run = async {
        let mut body = client
            .create_speech_byte_stream(&req)
            .on_progress(move |n, _| seen.store(n, Ordering::Relaxed))
            .await
            .expect("the download starts");
        let (mut offset, mut chunks, mut largest) = (0usize, 0usize, 0usize);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.expect("every chunk arrives");
            if chunks == 0 {
                first_chunk_seen.notify_one();
            }
            chunks += 1;
            largest = largest.max(chunk.len());
            for (i, b) in chunk.iter().enumerate() {
                assert_eq!(*b, byte_at(offset + i), "byte {}", offset + i);
            }
            offset += chunk.len();
        }
        (offset, chunks, largest, body.received())
    };
    let (len, chunks, largest, received) = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the first chunk arrived before the whole body (not buffered whole)");
    assert_eq!(len, TOTAL);
    assert_eq!(received, TOTAL as u64);
    assert_eq!(progress.load(Ordering::Relaxed), TOTAL as u64);
    assert!(chunks >= 16, "{chunks} chunks");
    assert!(largest <= 1 << 20, "largest chunk {largest} bytes");
}
