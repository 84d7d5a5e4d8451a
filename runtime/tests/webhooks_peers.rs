//! Signatures made by independent implementations verify with ours, and ours verify with
//! theirs: the `standardwebhooks` and `stripe` PyPI packages, and the `standardwebhooks`,
//! `stripe` and `@octokit/webhooks-methods` npm packages.
//!
//! Install the peers with `tests/peers/install-webhooks.sh` (into `target/peers/`); each test
//! prints `SKIP` and passes when its peer is not installed, and fails under CI (`CI=true`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};
use sturdy_runtime::webhooks::{Verifier, WebhookError};

/// A fixed signing time, so nothing depends on the wall clock.
const T: u64 = 1_700_000_000;
/// A body with non-ASCII text, escapes and odd spacing: signatures are over raw bytes.
const BODY: &str = "{\"id\":\"evt_peer_1\",\"type\":\"invoice.paid\",  \"note\":\"caf\u{e9} \u{1f680} \\\"q\\\"\"}";
const STD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const STRIPE_SECRET: &str = "whsec_peer_test_secret";
const GITHUB_SECRET: &str = "It's a Secret to Everybody";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/peers")
}

fn python() -> Option<PathBuf> {
    let p = peers_dir().join("webhooks-py/bin/python");
    if p.exists() {
        Some(p)
    } else {
        support::missing_peer(&format!(
            "python peers not installed at {}; run tests/peers/install-webhooks.sh",
            p.display()
        ));
        None
    }
}

fn node_dir() -> Option<PathBuf> {
    let d = peers_dir().join("webhooks-js");
    if d.join("node_modules/stripe").exists()
        && Command::new("node").arg("--version").output().is_ok()
    {
        Some(d)
    } else {
        support::missing_peer(&format!(
            "node peers not installed at {}; run tests/peers/install-webhooks.sh",
            d.display()
        ));
        None
    }
}

/// Runs a peer and returns its stdout, parsed as a JSON object of headers.
fn run(mut cmd: Command) -> HeaderMap {
    let out = cmd.output().expect("peer runs");
    assert!(
        out.status.success(),
        "peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("peer output {e}: {}", String::from_utf8_lossy(&out.stdout)));
    let mut headers = HeaderMap::new();
    for (k, v) in json {
        let name = HeaderName::from_bytes(k.as_bytes()).unwrap();
        headers.insert(
            name,
            HeaderValue::from_str(v.as_str().expect("string header")).unwrap(),
        );
    }
    headers
}

fn py(script: &str, args: &[&str]) -> Option<Command> {
    let mut c = Command::new(python()?);
    c.arg("-c").arg(script).args(args);
    Some(c)
}

fn node(script: &str, module: bool, args: &[&str]) -> Option<Command> {
    let dir = node_dir()?;
    let mut c = Command::new("node");
    c.current_dir(dir);
    if module {
        c.arg("--input-type=module");
    }
    c.arg("-e").arg(script).args(args);
    Some(c)
}

/// Verifies `headers` over `BODY` at `T`, then checks that a tampered body, a wrong secret,
/// a stale `now` and a future `now` are each refused with their own error.
fn check(verifier: &Verifier, wrong: &Verifier, headers: &HeaderMap, timestamped: bool) {
    let ok = verifier.verify(headers, BODY.as_bytes(), at(T));
    assert!(ok.is_ok(), "{ok:?}");
    let tampered = BODY.replace("paid", "void");
    assert!(matches!(
        verifier.verify(headers, tampered.as_bytes(), at(T)),
        Err(WebhookError::InvalidSignature)
    ));
    assert!(matches!(
        wrong.verify(headers, BODY.as_bytes(), at(T)),
        Err(WebhookError::InvalidSignature)
    ));
    let stale = verifier.verify(headers, BODY.as_bytes(), at(T + 301));
    let future = verifier.verify(headers, BODY.as_bytes(), at(T - 301));
    if timestamped {
        assert!(
            matches!(stale, Err(WebhookError::TimestampTooOld { .. })),
            "{stale:?}"
        );
        assert!(
            matches!(future, Err(WebhookError::TimestampInFuture { .. })),
            "{future:?}"
        );
    } else {
        assert!(stale.is_ok() && future.is_ok());
    }
}

const PY_STD_SIGN: &str = r#"
import sys, json, datetime as d, standardwebhooks as s
k, i, t, b = sys.argv[1:5]
sig = s.Webhook(k).sign(i, d.datetime.fromtimestamp(int(t), d.timezone.utc), b)
print(json.dumps({"webhook-id": i, "webhook-timestamp": t, "webhook-signature": sig}))
"#;

const NODE_STD_SIGN: &str = r#"
const {Webhook} = require("standardwebhooks");
const [k, i, t, b] = process.argv.slice(1);
const sig = new Webhook(k).sign(i, new Date(Number(t) * 1000), b);
console.log(JSON.stringify({"webhook-id": i, "webhook-timestamp": t, "webhook-signature": sig}));
"#;

fn std_verifiers() -> (Verifier, Verifier) {
    (
        Verifier::standard_webhooks([STD_SECRET]).build().unwrap(),
        Verifier::standard_webhooks(["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
            .build()
            .unwrap(),
    )
}

#[test]
fn python_standardwebhooks_signature_verifies() {
    let Some(cmd) = py(
        PY_STD_SIGN,
        &[STD_SECRET, "msg_peer_py", &T.to_string(), BODY],
    ) else {
        return;
    };
    let headers = run(cmd);
    let (v, wrong) = std_verifiers();
    check(&v, &wrong, &headers, true);
    assert_eq!(
        v.event_id(&headers, BODY.as_bytes()).as_deref(),
        Some("msg_peer_py")
    );
    // Ours produces the same header as theirs.
    assert_eq!(
        v.sign("msg_peer_py", at(T), BODY.as_bytes()).unwrap()["webhook-signature"],
        headers["webhook-signature"]
    );
}

#[test]
fn node_standardwebhooks_signature_verifies() {
    let Some(cmd) = node(
        NODE_STD_SIGN,
        false,
        &[STD_SECRET, "msg_peer_js", &T.to_string(), BODY],
    ) else {
        return;
    };
    let headers = run(cmd);
    let (v, wrong) = std_verifiers();
    check(&v, &wrong, &headers, true);
}

const PY_STRIPE_SIGN: &str = r#"
import sys, json, stripe
k, t, b = sys.argv[1:4]
print(json.dumps({"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(b, k, timestamp=int(t))}))
"#;

const NODE_STRIPE_SIGN: &str = r#"
const w = require("stripe").webhooks;
const [k, t, b] = process.argv.slice(1);
console.log(JSON.stringify({"Stripe-Signature": w.generateTestHeaderString({payload: b, secret: k, timestamp: Number(t)})}));
"#;

fn stripe_verifiers() -> (Verifier, Verifier) {
    (
        Verifier::stripe([STRIPE_SECRET]).build().unwrap(),
        Verifier::stripe(["whsec_someone_else"]).build().unwrap(),
    )
}

#[test]
fn python_stripe_signature_verifies() {
    let Some(cmd) = py(PY_STRIPE_SIGN, &[STRIPE_SECRET, &T.to_string(), BODY]) else {
        return;
    };
    let headers = run(cmd);
    let (v, wrong) = stripe_verifiers();
    check(&v, &wrong, &headers, true);
    assert_eq!(
        v.event_id(&headers, BODY.as_bytes()).as_deref(),
        Some("evt_peer_1")
    );
}

#[test]
fn node_stripe_signature_verifies() {
    let Some(cmd) = node(
        NODE_STRIPE_SIGN,
        false,
        &[STRIPE_SECRET, &T.to_string(), BODY],
    ) else {
        return;
    };
    let headers = run(cmd);
    let (v, wrong) = stripe_verifiers();
    check(&v, &wrong, &headers, true);
}

const NODE_OCTOKIT_SIGN: &str = r#"
import {sign} from "@octokit/webhooks-methods";
const [k, b] = process.argv.slice(1);
console.log(JSON.stringify({"X-Hub-Signature-256": await sign(k, b), "X-GitHub-Delivery": "d-peer"}));
"#;

#[test]
fn node_octokit_signature_verifies() {
    let Some(cmd) = node(NODE_OCTOKIT_SIGN, true, &[GITHUB_SECRET, BODY]) else {
        return;
    };
    let headers = run(cmd);
    let v = Verifier::github([GITHUB_SECRET]).build().unwrap();
    let wrong = Verifier::github(["not it"]).build().unwrap();
    check(&v, &wrong, &headers, false);
    assert_eq!(
        v.event_id(&headers, BODY.as_bytes()).as_deref(),
        Some("d-peer")
    );
}

/// The other direction: each peer's verifier accepts a header we signed, and rejects it
/// for a tampered body. Prints `ok`/`refused` per body.
const PY_VERIFY: &str = r#"
import sys, json, stripe, standardwebhooks as s
scheme, k, headers, b = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
def attempt(body):
    try:
        if scheme == "stripe":
            stripe.WebhookSignature.verify_header(body, headers["stripe-signature"], k, None)
        else:
            s.Webhook(k).verify(body, headers)
        return "ok"
    except Exception:
        return "refused"
print(attempt(b), attempt(b + " "))
"#;

const NODE_VERIFY: &str = r#"
import {verify} from "@octokit/webhooks-methods";
import {createRequire} from "module";
const require = createRequire(process.cwd() + "/");
const [scheme, k, headersJson, b] = process.argv.slice(1);
const headers = JSON.parse(headersJson);
async function attempt(body) {
  try {
    if (scheme === "github") return (await verify(k, body, headers["x-hub-signature-256"])) ? "ok" : "refused";
    if (scheme === "stripe") { require("stripe").webhooks.constructEvent(body, headers["stripe-signature"], k, 1e12); return "ok"; }
    const {Webhook} = require("standardwebhooks"); new Webhook(k).verify(body, headers); return "ok";
  } catch (e) { return "refused"; }
}
console.log(await attempt(b), await attempt(b + " "));
"#;

fn headers_json(h: &HeaderMap) -> String {
    let map: serde_json::Map<String, serde_json::Value> = h
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

#[test]
fn peers_verify_our_signatures() {
    // Standard Webhooks peers check the timestamp against their own clock, so sign at now.
    let now = SystemTime::now();
    let std_v = Verifier::standard_webhooks([STD_SECRET]).build().unwrap();
    let std_h = headers_json(&std_v.sign("msg_ours", now, BODY.as_bytes()).unwrap());
    let stripe_v = Verifier::stripe([STRIPE_SECRET]).build().unwrap();
    let stripe_h = headers_json(&stripe_v.sign("", at(T), BODY.as_bytes()).unwrap());
    let gh_v = Verifier::github([GITHUB_SECRET]).build().unwrap();
    let gh_h = headers_json(&gh_v.sign("d-1", at(T), BODY.as_bytes()).unwrap());

    let expect = |cmd: Option<Command>, what: &str| {
        if let Some(mut cmd) = cmd {
            let out = cmd.output().expect("peer runs");
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                text.trim(),
                "ok refused",
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    expect(
        py(PY_VERIFY, &["standard", STD_SECRET, &std_h, BODY]),
        "python standardwebhooks",
    );
    expect(
        py(PY_VERIFY, &["stripe", STRIPE_SECRET, &stripe_h, BODY]),
        "python stripe",
    );
    expect(
        node(NODE_VERIFY, true, &["standard", STD_SECRET, &std_h, BODY]),
        "node standardwebhooks",
    );
    expect(
        node(
            NODE_VERIFY,
            true,
            &["stripe", STRIPE_SECRET, &stripe_h, BODY],
        ),
        "node stripe",
    );
    expect(
        node(NODE_VERIFY, true, &["github", GITHUB_SECRET, &gh_h, BODY]),
        "node octokit",
    );
}
