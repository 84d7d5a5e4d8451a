//! The generated OpenAI client streams a chat completion and a Responses API call end to end
//! against a loopback SSE server built on axum's `response::sse`, serving OpenAI-shaped
//! chunks: every chunk decodes, `[DONE]` ends the stream, error events become the normalized
//! error, a stall trips the idle timeout, a 503 before the first event is retried, a drop
//! after events is reported and not restarted. Responses API events decode into their own
//! `ResponseStreamEvent` variant: a recorded stream as OpenAI documents it (keyed by the
//! payload's `type`, or by the SSE `event:` name when the data has none) and every event
//! example of the spec that fits its schema (six that contradict it arrive raw). The binary
//! `audio/speech` response arrives as a byte stream, chunk by chunk, never buffered whole.
//!
//! The checks run in a driver binary (`openai_stream/driver.rs`) so the generated crate is
//! compiled once. It is built with all its features: with only `chat` and `responses` the
//! generated crate does not compile today (types that no operation reaches, such as
//! `ThreadStreamEvent2`, are not gated but use gated ones), a feature-gating issue outside
//! streaming.

use std::process::Command;

use sturdy_generator::{Layout, Settings};
use sturdy_tests::{e2e_target_dir, scratch, shared_dir, workspace_root};

const CHECKS: &[&str] = &[
    "chat_chunks_decode_and_done_ends",
    "chat_error_event_is_normalized",
    "chat_stall_trips_idle_timeout",
    "chat_503_before_first_event_retried",
    "chat_drop_after_events_reported",
    "responses_events_delivered_typed",
    "responses_error_event_is_normalized",
    "responses_recorded_stream_variants",
    "responses_spec_examples_variants",
    "speech_byte_stream_not_buffered",
];

#[test]
fn the_generated_openai_client_streams_chat_and_responses() {
    let specs = std::env::var_os("STURDY_SPECS")
        .map(std::path::PathBuf::from)
        .or_else(|| shared_dir().map(|s| s.join("specs")));
    let Some(specs) = specs else {
        return sturdy_tests::missing_peer("../shared not found (set STURDY_SPECS)");
    };
    let root = scratch("openai-stream");
    // OpenAI's spec declares no idempotency header, so its POSTs are never retried. The
    // contract extension adds one (the key the official SDKs send), which makes a 503 before
    // the first event retryable with one key.
    let mut text = std::fs::read_to_string(specs.join("openai.yaml")).expect("openai.yaml");
    text.push_str("\nx-sturdy-idempotency:\n  header: Idempotency-Key\n");
    let spec = root.join("openai.yaml");
    std::fs::write(&spec, text).unwrap();
    let settings = Settings {
        crate_name: Some("openai-stream-client".into()),
        spec_name: Some("openai.yaml".into()),
        output_dir: Some(root.join("client")),
        ..Settings::default()
    };
    let out = sturdy_generator::generate(&spec, &settings, Layout::Crate).expect("generate");
    sturdy_generator::write::write_dir(&out.generated, &root.join("client")).expect("write");
    let driver = root.join("driver");
    std::fs::create_dir_all(driver.join("src")).unwrap();
    std::fs::write(
        driver.join("Cargo.toml"),
        format!(
            r#"[package]
name = "openai-stream-driver"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
openai-stream-client = {{ path = "../client" }}
sturdy-runtime = {{ path = {:?} }}
axum = {{ version = "0.8", default-features = false, features = ["tokio", "http1", "json"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "time", "net", "sync"] }}
futures = "0.3"
serde_json = "1"
"#,
            workspace_root().join("runtime").display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        driver.join("src/main.rs"),
        include_str!("openai_stream/driver.rs"),
    )
    .unwrap();
    std::fs::write(
        driver.join("src/download.rs"),
        include_str!("openai_stream/download.rs"),
    )
    .unwrap();
    std::fs::write(
        driver.join("src/responses.rs"),
        include_str!("openai_stream/responses.rs"),
    )
    .unwrap();
    let examples = root.join("examples.json");
    std::fs::write(&examples, event_examples(&spec).to_string()).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"client\", \"driver\"]\n",
    )
    .unwrap();
    let target = e2e_target_dir();
    let build = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "openai-stream-driver"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        // The generated crate is large: no debug info or incremental state to write.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo");
    assert!(
        build.status.success(),
        "building the driver failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(target.join("debug/openai-stream-driver"))
        .arg(&examples)
        .output()
        .expect("driver");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "driver failed after:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for check in CHECKS {
        assert!(
            stdout.lines().any(|l| l == format!("ok {check}")),
            "{check} did not pass:\n{stdout}"
        );
    }
}

/// `[schema name, payload]` of every `ResponseStreamEvent` member whose `x-oaiMeta.example`
/// is JSON (one of OpenAI's is not: a missing comma).
fn event_examples(spec: &std::path::Path) -> serde_json::Value {
    let doc = sturdy_generator::load::load(spec).expect("load");
    let schemas = &doc.raw["components"]["schemas"];
    let members = schemas["ResponseStreamEvent"]["anyOf"]
        .as_array()
        .expect("anyOf");
    let examples: Vec<serde_json::Value> = members
        .iter()
        .filter_map(|m| {
            let name = m["$ref"].as_str()?.rsplit('/').next()?;
            let text = schemas[name]["x-oaiMeta"]["example"].as_str()?;
            let example: serde_json::Value = serde_json::from_str(text).ok()?;
            Some(serde_json::json!([name, example]))
        })
        .collect();
    serde_json::Value::Array(examples)
}
