//! Responses that break their own schemas, decoded by a generated client through its real
//! operations (a scripted transport answers): by default each decodes and every deviation is
//! counted as `Lenient` drift with its spec pointer (`Client::take_drift`); with the crate's `strict` feature each is a decode error.
//! `DndInfo` is Slack's `dnd.info` schema and `{"ok": true}` its own example.

use std::process::Command;

use serde_json::Value;
use sturdy_generator::{Layout, Settings};
use sturdy_tests::{e2e_target_dir, scratch, workspace_root};

const DRIVER: &str = r##"
use std::sync::Arc;
use sturdy_runtime::drift::DriftKind;
use sturdy_runtime::transport::mock::{MockResponse, MockTransport};
use sturdy_runtime::serde_json::{self, json, Value};

/// Prints one call's outcome and the lenient decodes the client counted for it (drift of
/// kind `Lenient`, as `deviation pointer`, sorted).
fn line<T: std::fmt::Debug, E: std::fmt::Display>(
    client: &sturdy_runtime::Client,
    op: &str,
    r: Result<T, E>,
) {
    let report = client.take_drift();
    let mut drift: Vec<String> = report
        .iter()
        .filter(|e| e.kind == DriftKind::Lenient)
        .map(|e| {
            let sample = e.sample.as_deref().unwrap_or("");
            format!("{} {}", sample.split(':').next().unwrap_or(""), e.pointer)
        })
        .collect();
    drift.sort();
    let (ok, detail) = match r {
        Ok(t) => (true, format!("{t:?}")),
        Err(e) => (false, e.to_string()),
    };
    println!("{}", json!({"op": op, "ok": ok, "detail": detail, "drift": drift}));
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let bodies: Vec<&str> = vec![
        r#"{"ok": true, "dnd_enabled": true, "next_dnd_start_ts": 1, "next_dnd_end_ts": 2}"#,
        r#"{"ok": true}"#,
        r#"{"ok": true, "reminders": null}"#,
        r#"{"id": "e1", "name": null, "day": "2024-05-01T23:30:00Z"}"#,
        "null",
    ];
    let mut mock = MockTransport::new();
    for b in &bodies {
        let v: Value = serde_json::from_str(b).unwrap();
        mock = mock.answer(MockResponse::status(200).json(&v));
    }
    let runtime = sturdy_runtime::Client::builder()
        .base_url("https://api.example.com")
        .transport(Arc::new(mock))
        .build()
        .unwrap();
    let c = lenient_client::Client::from_runtime(runtime.clone());
    line(&runtime, "conforming", c.dnd_info().await.map(|r| r.into_body()));
    line(&runtime, "ok_true", c.dnd_info().await.map(|r| r.into_body()));
    line(&runtime, "null_list", c.reminders_list().await.map(|r| r.into_body()));
    line(&runtime, "event", c.get_event("e1").await.map(|r| r.into_body()));
    line(&runtime, "null_body", c.get_prefs().await.map(|r| r.into_body()));
}
"##;

fn build(strict: bool) -> Vec<Value> {
    let name = if strict { "lenient-strict" } else { "lenient" };
    let root = scratch(name);
    let spec = workspace_root().join("fixtures/lenient.yaml");
    let settings = Settings {
        crate_name: Some("lenient-client".into()),
        output_dir: Some(root.join("client")),
        ..Settings::default()
    };
    let out = sturdy_generator::generate(&spec, &settings, Layout::Crate).expect("generate");
    sturdy_generator::write::write_dir(&out.generated, &root.join("client")).expect("write");
    std::fs::create_dir_all(root.join("driver/src")).unwrap();
    let features = if strict {
        r#"features = ["strict"], "#
    } else {
        ""
    };
    std::fs::write(
        root.join("driver/Cargo.toml"),
        format!(
            "[package]\nname = \"{name}-driver\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nlenient-client = {{ path = \"../client\", {features}}}\nsturdy-runtime = {{ path = {:?}, features = [\"test-util\"] }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\ntracing = \"0.1\"\n",
            workspace_root().join("runtime").display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(root.join("driver/src/main.rs"), DRIVER).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"client\", \"driver\"]\n",
    )
    .unwrap();
    let _ = std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock"));
    let target = e2e_target_dir();
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", &format!("{name}-driver")])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo build");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let run = Command::new(target.join("debug").join(format!("{name}-driver")))
        .output()
        .expect("run driver");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn outcome<'a>(lines: &'a [Value], op: &str) -> &'a Value {
    lines.iter().find(|l| l["op"] == op).expect(op)
}

/// The lenient-decode drift of one call, as sorted `deviation pointer` pairs.
fn drift(lines: &[Value], op: &str) -> Vec<String> {
    outcome(lines, op)["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn real_payloads_decode_leniently_with_drift_and_strict_refuses_them() {
    let lenient = build(false);
    let strict = build(true);
    let s = "#/components/schemas";
    let expect: &[(&str, Vec<String>)] = &[
        ("conforming", vec![]),
        (
            "ok_true",
            vec![
                format!("missing {s}/DndInfo/properties/dnd_enabled"),
                format!("missing {s}/DndInfo/properties/next_dnd_start_ts"),
                format!("missing {s}/DndInfo/properties/next_dnd_end_ts"),
            ],
        ),
        (
            "null_list",
            vec![format!("null {s}/Reminders/properties/reminders")],
        ),
        (
            "event",
            vec![
                format!("null {s}/Event/properties/name"),
                format!("date_time {s}/Event/properties/day"),
            ],
        ),
        ("null_body", vec!["null_body ".to_owned()]),
    ];
    for (op, want) in expect {
        let l = outcome(&lenient, op);
        assert_eq!(l["ok"], true, "{op}: {l}");
        let mut want = want.clone();
        want.sort();
        assert_eq!(drift(&lenient, op), want, "{op}");
        let st = outcome(&strict, op);
        if want.is_empty() {
            assert_eq!(st["ok"], true, "strict {op}: {st}");
        } else {
            assert_eq!(st["ok"], false, "strict {op}: {st}");
            assert!(drift(&strict, op).is_empty(), "strict {op}: {st}");
        }
    }
    // What leniency filled in: defaults, the date of the date-time.
    let ok_true = outcome(&lenient, "ok_true")["detail"].as_str().unwrap();
    assert!(
        ok_true.contains("dnd_enabled: false, next_dnd_start_ts: 0"),
        "{ok_true}"
    );
    let event = outcome(&lenient, "event")["detail"].as_str().unwrap();
    assert!(event.contains("name: \"\", day: 2024-05-01"), "{event}");
}
