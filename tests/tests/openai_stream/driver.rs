//! Driver for `openai_stream.rs`: an OpenAI-shaped SSE server on axum's `response::sse`, and
//! the generated OpenAI client streaming from it. Panics (non-zero exit) on the first check
//! that fails; prints `ok <check>` for each that passes.

mod download;
mod responses;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use openai_stream_client::types::{
    CreateChatCompletionRequest, CreateResponse, ResponseStreamEvent,
};
use openai_stream_client::Client;
use serde_json::{json, Value};
use sturdy_runtime::{Credential, ErrorKind};

#[derive(Default)]
struct Seen {
    /// Requests per model name (the model picks the server's behaviour).
    requests: Mutex<HashMap<String, u32>>,
    /// The `stream` flag of every request body.
    flags: Mutex<Vec<Value>>,
    /// The Idempotency-Key of each `busy` request.
    busy_keys: Mutex<Vec<Option<String>>>,
    /// Notified when the client has the first chunk of the speech download.
    first_chunk_seen: Arc<tokio::sync::Notify>,
    /// The spec's Responses event examples: (schema name, payload).
    examples: Vec<(String, Value)>,
}

type Events = std::pin::Pin<Box<dyn Stream<Item = Result<Event, std::io::Error>> + Send>>;

fn chunk(i: usize, content: &str, finish: Option<&str>) -> Event {
    Event::default().data(
        json!({
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": "gpt-test", "system_fingerprint": "fp",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": content},
                         "logprobs": null, "finish_reason": finish}],
            "n": i
        })
        .to_string(),
    )
}

fn text_delta(seq: u64, delta: &str) -> Event {
    let data = json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                      "content_index": 0, "delta": delta, "sequence_number": seq, "logprobs": []});
    Event::default()
        .event("response.output_text.delta")
        .data(data.to_string())
}

fn ready(events: Vec<Event>) -> Events {
    Box::pin(futures::stream::iter(events.into_iter().map(Ok)))
}

/// `events`, then a broken connection (after a pause, so the events are flushed first).
fn broken_after(events: Vec<Event>) -> Events {
    let fail = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Err(std::io::Error::other("connection lost"))
    });
    Box::pin(ready(events).chain(fail))
}

async fn chat(
    State(seen): State<Arc<Seen>>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_owned();
    seen.flags.lock().unwrap().push(body["stream"].clone());
    let n = {
        let mut r = seen.requests.lock().unwrap();
        let n = r.entry(model.clone()).or_default();
        *n += 1;
        *n
    };
    if model == "busy" {
        let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
        seen.busy_keys.lock().unwrap().push(key.map(str::to_owned));
    }
    let words = vec![
        chunk(0, "Hel", None),
        chunk(1, "lo", None),
        chunk(2, "!", Some("stop")),
    ];
    let events = match model.as_str() {
        "busy" if n == 1 => return (StatusCode::SERVICE_UNAVAILABLE, "overloaded").into_response(),
        "error" => ready(vec![
            chunk(0, "Hel", None),
            Event::default().data(
                json!({"error": {"message": "The server had an error while processing your request.",
                                 "type": "server_error", "param": null, "code": null}})
                .to_string(),
            ),
        ]),
        "stall" => Box::pin(ready(vec![chunk(0, "Hel", None)]).chain(futures::stream::pending())),
        "drop" => broken_after(vec![chunk(0, "Hel", None), chunk(1, "lo", None)]),
        _ => {
            let mut evs = words;
            evs.push(Event::default().data("[DONE]"));
            ready(evs)
        }
    };
    Sse::new(events).into_response()
}

async fn responses(State(seen): State<Arc<Seen>>, Json(body): Json<Value>) -> Response {
    seen.flags.lock().unwrap().push(body["stream"].clone());
    let scripted = match body["model"].as_str() {
        Some("recorded") => Some(responses::recorded(false)),
        Some("recorded-error") => Some(responses::recorded(true)),
        Some("examples") => Some(responses::examples(&seen.examples)),
        _ => None,
    };
    if let Some(events) = scripted {
        return Sse::new(ready(events)).into_response();
    }
    let events = if body["model"] == "error" {
        ready(vec![
            text_delta(1, "Hi"),
            Event::default().event("error").data(
                json!({"type": "error", "code": "server_error", "message": "Something went wrong",
                       "param": null, "sequence_number": 2})
                .to_string(),
            ),
        ])
    } else {
        ready(vec![
            text_delta(1, "Hi"),
            text_delta(2, " there"),
            Event::default().event("response.brand_new_event").data(
                json!({"type": "response.brand_new_event", "sequence_number": 3}).to_string(),
            ),
        ])
    };
    Sse::new(events).into_response()
}

fn ok(check: &str) {
    println!("ok {check}");
}

#[tokio::main]
async fn main() {
    let examples = std::env::args().nth(1).expect("the examples file");
    let examples = std::fs::read_to_string(examples).expect("examples");
    let seen = Arc::new(Seen {
        examples: serde_json::from_str(&examples).expect("examples"),
        ..Seen::default()
    });
    let app = Router::new()
        .route("/chat/completions", post(chat))
        .route("/responses", post(responses))
        .route(
            "/audio/speech",
            post(|State(seen): State<Arc<Seen>>| async move {
                download::speech(seen.first_chunk_seen.clone())
            }),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = Client::builder()
        .base_url(&base)
        .credential("ApiKeyAuth", Credential::token("sk-test"))
        .build()
        .unwrap();
    let chat_req = |model: &str| -> CreateChatCompletionRequest {
        serde_json::from_value(
            json!({"model": model, "messages": [{"role": "user", "content": "Say hello"}]}),
        )
        .expect("a chat request")
    };

    // Every chunk decodes into CreateChatCompletionStreamResponse; [DONE] ends the stream.
    let mut s = client
        .create_chat_completion_stream(&chat_req("ok"))
        .await
        .unwrap();
    let mut text = String::new();
    let mut finish = None;
    while let Some(chunk) = s.next().await {
        let chunk = chunk.expect("every chunk decodes");
        assert_eq!(chunk.id, "chatcmpl-1");
        let choice = &chunk.choices[0];
        text.push_str(choice.delta.content.as_deref().unwrap_or(""));
        if let Some(f) = &choice.finish_reason {
            finish = Some(format!("{f:?}"));
        }
    }
    assert_eq!(text, "Hello!");
    assert_eq!(s.events(), 3);
    assert!(finish.is_some_and(|f| f.to_lowercase().contains("stop")));
    assert_eq!(
        seen.flags.lock().unwrap()[0],
        json!(true),
        "the method sets `stream: true`"
    );
    ok("chat_chunks_decode_and_done_ends");

    // An error object in the stream becomes the normalized error.
    let mut s = client
        .create_chat_completion_stream(&chat_req("error"))
        .await
        .unwrap();
    assert!(s.next().await.unwrap().is_ok());
    let e = s.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.provider_code(), Some("server_error"));
    assert!(s.next().await.is_none());
    ok("chat_error_event_is_normalized");

    // A stall trips the idle timeout.
    let mut s = client
        .create_chat_completion_stream(&chat_req("stall"))
        .idle_timeout(Some(Duration::from_secs(2)))
        .await
        .unwrap();
    assert!(s.next().await.unwrap().is_ok());
    let e = s.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    ok("chat_stall_trips_idle_timeout");

    // A 503 before the first event is retried.
    let mut s = client
        .create_chat_completion_stream(&chat_req("busy"))
        .await
        .unwrap();
    let mut n = 0;
    while let Some(c) = s.next().await {
        c.unwrap();
        n += 1;
    }
    assert_eq!(n, 3);
    assert_eq!(seen.requests.lock().unwrap()["busy"], 2);
    let keys = seen.busy_keys.lock().unwrap().clone();
    assert!(keys[0].is_some() && keys[0] == keys[1], "one key: {keys:?}");
    ok("chat_503_before_first_event_retried");

    // A drop after events is reported, not silently restarted.
    let mut s = client
        .create_chat_completion_stream(&chat_req("drop"))
        .await
        .unwrap();
    assert!(s.next().await.unwrap().is_ok());
    assert!(s.next().await.unwrap().is_ok());
    let e = s.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(e.message().contains("after 2 events"), "{e}");
    assert!(s.next().await.is_none());
    assert_eq!(seen.requests.lock().unwrap()["drop"], 1);
    ok("chat_drop_after_events_reported");

    // Responses API: every event is delivered typed (or raw), with its data intact (which
    // variant each lands in: `responses::check_recorded` and `check_examples`).
    let req: CreateResponse = serde_json::from_value(json!({"model": "ok", "input": "Say hi"}))
        .expect("a responses request");
    let s = client.create_response_stream(&req).await.unwrap();
    let events: Vec<_> = s.map(|e| e.expect("decodes")).collect().await;
    assert_eq!(events.len(), 3);
    let mut deltas = String::new();
    for e in &events[..2] {
        match e {
            sturdy_runtime::stream::Event::Typed(t) => {
                let v = serde_json::to_value(t).unwrap();
                assert_eq!(v["type"], "response.output_text.delta", "{v}");
                deltas.push_str(v["delta"].as_str().unwrap());
            }
            other => panic!("expected a typed event, got {other:?}"),
        }
    }
    assert_eq!(deltas, "Hi there");
    let _: &ResponseStreamEvent = match &events[0] {
        sturdy_runtime::stream::Event::Typed(t) => t,
        _ => unreachable!(),
    };
    assert_eq!(seen.flags.lock().unwrap().last().unwrap(), &json!(true));
    ok("responses_events_delivered_typed");

    let req: CreateResponse =
        serde_json::from_value(json!({"model": "error", "input": "Say hi"})).unwrap();
    let mut s = client.create_response_stream(&req).await.unwrap();
    assert!(s.next().await.unwrap().is_ok());
    let e = s.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.provider_code(), Some("server_error"));
    assert_eq!(e.provider_message(), Some("Something went wrong"));
    ok("responses_error_event_is_normalized");

    responses::check_recorded(&client).await;
    ok("responses_recorded_stream_variants");
    responses::check_examples(&client, &seen.examples).await;
    ok("responses_spec_examples_variants");

    download::check(&client, seen.first_chunk_seen.clone()).await;
    ok("speech_byte_stream_not_buffered");
}
