use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;

use super::*;
use crate::request::{Body, Part};
use crate::time::{Sleeper, TokioSleeper};

fn sleeper() -> Arc<dyn Sleeper> {
    Arc::new(TokioSleeper)
}

fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = io::Result<Bytes>> + Send {
    futures::stream::iter(parts.to_vec()).map(|p| Ok(Bytes::from_static(p)))
}

async fn read_all(mut s: impl Stream<Item = io::Result<Bytes>> + Unpin) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(c) = s.next().await {
        out.extend_from_slice(&c?);
    }
    Ok(out)
}

#[tokio::test]
async fn progress_counts_every_chunk_up_to_the_total() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let body = UploadBody::from_stream(chunks(&[b"ab", b"", b"cde"]))
        .length(5)
        .progress(move |p| log.lock().unwrap().push((p.sent, p.total)));
    assert!(!body.is_replayable());
    let out = read_all(Tracked::new(&body, &sleeper())).await.unwrap();
    assert_eq!(out, b"abcde");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(2, Some(5)), (2, Some(5)), (5, Some(5))]
    );
}

#[tokio::test]
async fn a_stream_that_breaks_its_declared_length_fails() {
    let short = UploadBody::from_stream(chunks(&[b"abc"])).length(4);
    let e = read_all(Tracked::new(&short, &sleeper()))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "the upload ended after 3 of 4 bytes");
    let long = UploadBody::from_stream(chunks(&[b"abc", b"de"])).length(4);
    let e = read_all(Tracked::new(&long, &sleeper())).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the upload yielded more than its declared 4 bytes"
    );
}

#[tokio::test]
async fn a_file_is_read_again_for_every_attempt_in_bounded_chunks() {
    let dir = std::env::temp_dir().join(format!("sturdy-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("unit.bin");
    let data: Vec<u8> = (0..(CHUNK * 2 + 10)).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    let body = UploadBody::from_file(&path).unwrap();
    assert_eq!(
        (body.len(), body.is_replayable()),
        (Some(data.len() as u64), true)
    );
    for _ in 0..2 {
        let mut t = Tracked::new(&body, &sleeper());
        let mut got = Vec::new();
        while let Some(c) = t.next().await {
            let c = c.unwrap();
            assert!(c.len() <= CHUNK);
            got.extend_from_slice(&c);
        }
        assert_eq!(got, data);
    }
    std::fs::write(&path, b"short").unwrap();
    let e = read_all(Tracked::new(&body, &sleeper())).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        UploadBody::from_file(&dir).is_err(),
        "a missing file fails early"
    );
}

#[tokio::test]
async fn streamed_multipart_is_byte_for_byte_the_buffered_encoding() {
    let parts = vec![
        Part::text("note", "hi"),
        Part::file(
            "doc",
            "a.txt",
            UploadBody::from_stream(chunks(&[b"ab", b"c"])),
        )
        .content_type("text/plain"),
        Part::file("raw", "b.bin", Bytes::from_static(b"xyz")),
    ];
    let (ct, len, stream) = multipart::encode_stream(&parts, &sleeper());
    assert_eq!(len, None, "a stream without a declared length");
    let streamed = read_all(stream).await.unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let b = boundary;
    let want = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nabc\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"raw\"; filename=\"b.bin\"\r\n\r\nxyz\r\n\
         --{b}--\r\n"
    );
    assert_eq!(std::str::from_utf8(&streamed).unwrap(), want);
    let known = vec![Part::file("raw", "b.bin", Bytes::from_static(b"xyz"))];
    let (_, len, stream) = multipart::encode_stream(&known, &sleeper());
    assert_eq!(len, Some(read_all(stream).await.unwrap().len() as u64));
}

#[test]
fn plain_bytes_take_the_cheap_path_and_debug_shows_no_content() {
    let r = crate::Request::new(&OP, "/x".into()).upload("application/octet-stream", vec![1, 2]);
    assert!(matches!(r.body, Body::Bytes { .. }));
    let r = crate::Request::new(&OP, "/x".into()).upload(
        "application/octet-stream",
        UploadBody::from_bytes(vec![1]).progress(|_| {}),
    );
    assert!(matches!(r.body, Body::Upload { .. }));
    let shown = format!("{:?}", UploadBody::from_bytes("secret-bytes"));
    assert!(!shown.contains("secret"), "{shown}");
}

static OP: crate::OperationMeta = crate::OperationMeta::new("put", crate::Method::Put, "/x");

#[test]
fn generated_binary_body_arguments_accept_bytes_vectors_and_uploads() {
    // Generated methods take `impl Into<UploadBody>` for an octet-stream body.
    fn body(b: impl Into<UploadBody>) -> Option<u64> {
        b.into().len()
    }
    assert_eq!(body(Bytes::from_static(b"ab")), Some(2));
    assert_eq!(body(vec![1u8, 2, 3]), Some(3));
    assert_eq!(body(&b"abcd"[..]), Some(4));
    assert_eq!(body(UploadBody::from_stream(chunks(&[b"x"]))), None);
}

#[test]
fn a_binary_upload_becomes_a_streamed_part_while_it_lives() {
    use crate::types::Binary;
    let file = Binary::upload(UploadBody::from_stream(chunks(&[b"abc"]))).filename("a.txt");
    assert!(file.as_upload().is_some_and(|u| !u.is_replayable()));
    let json = serde_json::json!({ "file": file, "purpose": "x" });
    let r = crate::Request::new(&OP, "/x".into()).multipart(&json);
    let Body::Multipart(parts) = &r.body else {
        panic!("{:?}", r.body)
    };
    let names: Vec<(&str, bool)> = parts
        .iter()
        .map(|p| (p.name.as_str(), p.upload.is_some()))
        .collect();
    assert_eq!(names, vec![("file", true), ("purpose", false)]);
    assert_eq!(parts[0].filename.as_deref(), Some("a.txt"));
    drop(file);
    // The marker of a dropped upload finds nothing: it is not a file part, and nothing panics.
    let r = crate::Request::new(&OP, "/x".into()).multipart(&json);
    let Body::Multipart(parts) = &r.body else {
        panic!("{:?}", r.body)
    };
    assert!(parts.iter().all(|p| p.upload.is_none()));
}
