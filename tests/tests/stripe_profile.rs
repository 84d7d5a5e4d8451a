//! The client generated from Stripe's real spec with the built-in Stripe profile, end to end:
//! every logical POST carries one `Idempotency-Key`, reused when the first attempt was
//! applied by the server and then dropped before it answered, so the server applies each
//! call once (0 duplicates); every request pins `Stripe-Version`; a `customer.created`
//! delivery signed as Stripe signs verifies and decodes into the typed event, and a tampered
//! or stale one does not.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use sturdy_generator::{Layout, Settings};
use sturdy_tests::{e2e_target_dir, missing_peer, shared_dir, workspace_root};

/// What the loopback Stripe saw.
#[derive(Debug, Default)]
struct Seen {
    /// Requests per idempotency key (`""`: none).
    attempts: BTreeMap<String, u32>,
    /// Effects applied per key: a key applied twice would be a duplicate.
    applied: BTreeMap<String, u32>,
    /// `Stripe-Version` of every request.
    versions: Vec<String>,
}

/// Reads one HTTP/1.1 request (head plus `Content-Length` body) and returns its head.
async fn read_request(s: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len: usize = header(&head, "content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(head);
        }
    }
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// A loopback Stripe for `POST /v1/customers`: the first request with a key is applied and
/// its connection dropped unanswered; a repeat of the key gets the stored result, as Stripe's
/// idempotency layer answers it.
async fn serve(listener: TcpListener, seen: Arc<Mutex<Seen>>) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            return;
        };
        let seen = seen.clone();
        tokio::spawn(async move {
            let Some(head) = read_request(&mut s).await else {
                return;
            };
            let key = header(&head, "idempotency-key").unwrap_or_default();
            let first = {
                let mut g = seen.lock().unwrap();
                g.versions
                    .push(header(&head, "stripe-version").unwrap_or_default());
                let n = g.attempts.entry(key.clone()).or_default();
                *n += 1;
                let first = *n == 1 || key.is_empty();
                if first {
                    *g.applied.entry(key.clone()).or_default() += 1;
                }
                first
            };
            if first {
                return; // applied, then the connection drops before any answer
            }
            let body = format!(
                r#"{{"id":"cus_{}","object":"customer","created":1700000000,"livemode":false}}"#,
                key.len()
            );
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nrequest-id: req_1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes()).await;
            let _ = s.shutdown().await;
        });
    }
}

const DRIVER: &str = r##"
use std::time::{Duration, UNIX_EPOCH};
use sturdy_runtime::time::ManualClock;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = std::env::args().nth(1).expect("base url");
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let client = stripe_client::Client::builder()
        .base_url(base)
        .bearer_auth("sk_test_sturdy")
        .runtime(|r| r.time_source(clock.time_source(0.5)))
        .build()
        .expect("client");
    for _ in 0..3 {
        match client.post_customers(None).await {
            Ok(r) => println!(
                "{}",
                sturdy_runtime::serde_json::json!({"call": "ok", "id": r.body().id, "key": r.idempotency_key(), "attempts": r.attempts()})
            ),
            Err(e) => println!("{}", sturdy_runtime::serde_json::json!({"call": "error", "error": e.to_string()})),
        }
    }
    // A delivery as Stripe sends it, signed with the endpoint secret.
    let body = br#"{"id":"evt_1","object":"event","type":"customer.created","data":{"object":{"id":"cus_9","object":"customer","created":1700000000,"livemode":false,"email":"a@example.com"}}}"#;
    let verifier = stripe_client::webhooks::verifier(["whsec_sturdy".to_owned()]).build().expect("verifier");
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let headers = verifier.sign("", at, body).expect("sign");
    let event = verifier.verify_event::<stripe_client::webhooks::WebhookEvent>(&headers, body, at);
    let typed = match &event {
        Ok((_, stripe_client::webhooks::WebhookEvent::CustomerCreated(c))) => Some((c.id.clone(), c.email.clone())),
        _ => None,
    };
    let mut tampered = body.to_vec();
    tampered[10] = b'2';
    let stale = UNIX_EPOCH + Duration::from_secs(1_700_000_000 + 301);
    println!(
        "{}",
        sturdy_runtime::serde_json::json!({
            "webhook": "customer.created",
            "typed": typed.map(|(id, email)| sturdy_runtime::serde_json::json!([id, email])),
            "event_id": stripe_client::webhooks::WebhookEvent::event_id(body),
            "tampered_refused": verifier.verify(&headers, &tampered, at).is_err(),
            "stale_refused": verifier.verify(&headers, body, stale).is_err(),
        })
    );
}
"##;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_stripe_client_sends_one_key_per_post_and_decodes_typed_events() {
    let Some(shared) = shared_dir().or_else(|| std::env::var_os("STURDY_SHARED").map(Into::into))
    else {
        return missing_peer("../shared not found (or set STURDY_SHARED)");
    };
    let spec = shared.join("specs/stripe.json");
    // Not emptied first: `write_dir` rewrites only changed files, so an unchanged client is
    // not rebuilt (it takes minutes).
    let root = workspace_root().join("target/e2e/stripe-profile");
    let out = sturdy_generator::generate(
        &spec,
        &Settings {
            crate_name: Some("stripe-client".into()),
            output_dir: Some(root.join("client")),
            ..Settings::default()
        },
        Layout::Crate,
    )
    .unwrap();
    assert_eq!(out.profiles, ["stripe"]);
    sturdy_generator::write::write_dir(&out.generated, &root.join("client")).unwrap();
    let driver = root.join("driver");
    std::fs::create_dir_all(driver.join("src")).unwrap();
    std::fs::write(
        driver.join("Cargo.toml"),
        format!(
            "[package]\nname = \"stripe-profile-driver\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nstripe-client = {{ path = \"../client\" }}\nsturdy-runtime = {{ path = {:?}, features = [\"test-util\"] }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n",
            workspace_root().join("runtime").display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(driver.join("src/main.rs"), DRIVER).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"client\", \"driver\"]\n",
    )
    .unwrap();
    let target = e2e_target_dir();
    let build = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "stripe-profile-driver"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        // The crate is large; incremental state would only cost disk and time.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let server = tokio::spawn(serve(listener, seen.clone()));
    let run = tokio::process::Command::new(target.join("debug/stripe-profile-driver"))
        .arg(&base)
        .output()
        .await
        .unwrap();
    server.abort();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let calls: Vec<&serde_json::Value> = lines.iter().filter(|l| l.get("call").is_some()).collect();
    assert_eq!(calls.len(), 3);
    for c in &calls {
        assert_eq!(c["call"], "ok", "{c}");
        assert_eq!(
            c["attempts"], 2,
            "applied, dropped, answered from the key: {c}"
        );
    }
    let seen = seen.lock().unwrap();
    assert!(
        !seen.attempts.contains_key(""),
        "every POST carried a key: {seen:?}"
    );
    assert_eq!(seen.attempts.len(), 3, "one key per logical POST: {seen:?}");
    assert!(
        seen.attempts.values().all(|n| *n == 2),
        "the key is reused on the retry: {seen:?}"
    );
    let duplicates: u32 = seen.applied.values().map(|n| n - 1).sum();
    assert_eq!(duplicates, 0, "{seen:?}");
    for c in &calls {
        assert!(
            seen.attempts.contains_key(c["key"].as_str().unwrap()),
            "{c}"
        );
    }
    assert_eq!(seen.versions.len(), 6);
    assert!(
        seen.versions.iter().all(|v| v == "2025-09-30.clover"),
        "{:?}",
        seen.versions
    );
    eprintln!(
        "loopback Stripe: {} requests, {} keys, {duplicates} duplicates",
        seen.versions.len(),
        seen.attempts.len()
    );

    let hook = lines.iter().find(|l| l.get("webhook").is_some()).unwrap();
    assert_eq!(
        hook["typed"],
        serde_json::json!(["cus_9", "a@example.com"]),
        "{hook}"
    );
    assert_eq!(hook["event_id"], "evt_1");
    assert_eq!(hook["tampered_refused"], true);
    assert_eq!(hook["stale_refused"], true);
}
