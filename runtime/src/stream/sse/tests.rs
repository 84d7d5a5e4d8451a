use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use eventsource_stream::EventStream;
use futures::StreamExt;

use super::*;
use crate::stream::body::Chunks;

/// A sleeper that never fires: no idle timeout in these tests.
struct Never;
impl crate::time::Sleeper for Never {
    fn sleep(
        &self,
        _: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(std::future::pending())
    }
}

/// Parses `parts` (chunk boundaries as given) the way a stream does.
async fn parse(parts: &[&'static str]) -> Vec<eventsource_stream::Event> {
    let inner = futures::stream::iter(
        parts
            .iter()
            .map(|p| Ok::<_, crate::transport::TransportError>(Bytes::from_static(p.as_bytes())))
            .collect::<Vec<_>>(),
    );
    let chunks = Chunks::from_stream(
        Box::pin(inner),
        None,
        Arc::new(Never),
        Arc::new(AtomicU64::new(0)),
        true,
    );
    EventStream::new(chunks).map(|e| e.unwrap()).collect().await
}

#[tokio::test]
async fn multi_line_data_comments_id_and_retry() {
    let evs = parse(&[
        ": heartbeat\n\n",
        "event: delta\nid: 7\nretry: 2500\ndata: line one\ndata: line two\n\n",
        ":another comment\ndata: {\"x\":1}\n\n",
    ])
    .await;
    assert_eq!(evs.len(), 2, "comments alone dispatch nothing");
    assert_eq!(evs[0].event, "delta");
    assert_eq!(evs[0].data, "line one\nline two");
    assert_eq!(evs[0].id, "7");
    assert_eq!(evs[0].retry, Some(Duration::from_millis(2500)));
    assert_eq!(evs[1].event, "message");
    assert_eq!(evs[1].data, "{\"x\":1}");
    assert_eq!(evs[1].id, "7", "the last event id carries over");
}

#[tokio::test]
async fn crlf_and_cr_line_ends_split_anywhere() {
    let evs = parse(&[
        "data: a\r",
        "\n\r\ndata: b\rdata: c\r\r",
        "data: d\r\n",
        "\r\n",
    ])
    .await;
    let data: Vec<_> = evs.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(data, ["a", "b\nc", "d"]);
}

#[tokio::test]
async fn a_final_event_without_a_blank_line_is_delivered() {
    let evs = parse(&["data: first\n\n", "data: last"]).await;
    let data: Vec<_> = evs.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(data, ["first", "last"]);
    let evs = parse(&["data: cr-ended\r"]).await;
    assert_eq!(evs[0].data, "cr-ended");
}

fn raw(event: &str, data: &str) -> RawEvent {
    RawEvent {
        event: event.into(),
        data: data.into(),
        id: None,
        retry: None,
    }
}

#[test]
fn error_events_in_their_three_shapes() {
    assert!(is_error_event(&raw("error", "oops")));
    assert!(is_error_event(&raw(
        "message",
        r#"{"error":{"message":"boom","type":"server_error","code":null}}"#
    )));
    assert!(is_error_event(&raw(
        "message",
        r#"{"type":"error","code":"ERR","message":"m","sequence_number":3}"#
    )));
    assert!(!is_error_event(&raw(
        "message",
        r#"{"error":null,"id":"x"}"#
    )));
    assert!(!is_error_event(&raw(
        "message",
        r#"{"type":"response.failed","response":{"error":{"code":"x"}}}"#
    )));
    assert!(!is_error_event(&raw("message", "not json \"error\"")));
}

#[test]
fn unknown_events_keep_their_data() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(tag = "type")]
    enum Known {
        #[serde(rename = "a")]
        A { n: u32 },
    }
    let ok = decode::json_or_unknown::<Known>(&raw("message", r#"{"type":"a","n":1}"#)).unwrap();
    assert_eq!(ok, Event::Typed(Known::A { n: 1 }));
    let other = raw("message", r#"{"type":"b"}"#);
    let unknown = decode::json_or_unknown::<Known>(&other).unwrap();
    assert_eq!(unknown, Event::Unknown(other.clone()));
    assert!(decode::json::<Known>(&other)
        .unwrap_err()
        .contains("event `message`"));
}

#[test]
fn the_event_name_is_the_tag_when_the_data_has_none() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(tag = "type")]
    enum Known {
        #[serde(rename = "call.completed")]
        Completed { id: String },
        #[serde(rename = "call.interpreting")]
        Interpreting { id: String },
    }
    let decode = |name: &str, data: &str| {
        decode::tagged_or_unknown::<Known>(&raw(name, data), "type").unwrap()
    };
    // Same shape: only the SSE name tells the two apart.
    let id = || "x".to_owned();
    assert_eq!(
        decode("call.interpreting", r#"{"id":"x"}"#),
        Event::Typed(Known::Interpreting { id: id() })
    );
    assert_eq!(
        decode("call.completed", r#"{"id":"x"}"#),
        Event::Typed(Known::Completed { id: id() })
    );
    // The data's own tag wins over the name.
    assert_eq!(
        decode("call.completed", r#"{"type":"call.interpreting","id":"x"}"#),
        Event::Typed(Known::Interpreting { id: id() })
    );
    // The default name is no tag; unknown names, non-objects and bad JSON stay raw.
    for (name, data) in [
        ("message", r#"{"id":"x"}"#),
        ("call.new", r#"{"id":"x"}"#),
        ("call.completed", "[1]"),
        ("call.completed", "not json"),
    ] {
        let e = raw(name, data);
        let got = decode::tagged_or_unknown::<Known>(&e, "type").unwrap();
        assert_eq!(got, Event::Unknown(e), "{name} {data}");
    }
}
