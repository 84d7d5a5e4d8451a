//! Slack, Box and Twilio signatures made by the providers' official SDKs (`slack_sdk`,
//! `boxsdk`, `twilio` from PyPI) verify with ours, tampered and stale ones do not, and the
//! SDKs accept the signatures we make (Box, Twilio; Slack's SDK checks against its own clock).
//!
//! Install the peers with `tests/peers/install-webhooks.sh` (venv
//! `target/peers/webhooks-vendors-py`); each test prints `SKIP` and passes when it is not
//! installed, and fails under CI (`CI=true`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};
use sturdy_runtime::webhooks::{TwilioVerifier, Verifier, WebhookError};

/// A fixed signing time, so nothing depends on the wall clock.
const T: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn python() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/peers/webhooks-vendors-py/bin/python");
    if p.exists() {
        Some(p)
    } else {
        support::missing_peer(&format!(
            "vendor SDKs not installed at {}; run tests/peers/install-webhooks.sh",
            p.display()
        ));
        None
    }
}

/// Runs `script` with `args` and returns its stdout, trimmed.
fn py(python: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

#[test]
fn slack_sdk_signatures_verify_and_tampered_or_stale_do_not() {
    let Some(python) = python() else { return };
    let body = "token=xyz&team_id=T1&text=caf%C3%A9+%F0%9F%9A%80&command=%2Fweather";
    let sig = py(
        &python,
        "import sys; from slack_sdk.signature import SignatureVerifier as V; print(V(sys.argv[1]).generate_signature(timestamp=sys.argv[2], body=sys.argv[3]))",
        &["slack-signing-secret", &T.to_string(), body],
    );
    let v = Verifier::slack(["slack-signing-secret"]).build().unwrap();
    let h = headers(&[
        ("x-slack-signature", &sig),
        ("x-slack-request-timestamp", &T.to_string()),
    ]);
    assert!(v.verify(&h, body.as_bytes(), at(T)).is_ok(), "{sig}");
    assert!(matches!(
        v.verify(&h, b"token=abc", at(T)),
        Err(WebhookError::InvalidSignature)
    ));
    assert!(matches!(
        v.verify(&h, body.as_bytes(), at(T + 301)),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    let wrong = Verifier::slack(["other"]).build().unwrap();
    assert!(wrong.verify(&h, body.as_bytes(), at(T)).is_err());
}

const BOX_SCRIPT: &str = r#"
import sys, json
from boxsdk.object.webhook import _compute_signature, Webhook
body, ts, p, s = sys.argv[1].encode(), sys.argv[2], sys.argv[3], sys.argv[4]
h = {'box-delivery-timestamp': ts, 'box-signature-algorithm': 'HmacSHA256', 'box-signature-version': '1'}
if len(sys.argv) > 5:
    h.update(json.loads(sys.argv[5]))
    print(Webhook.validate_message(body, h, p, s))
else:
    print(json.dumps([_compute_signature(body, h, p), _compute_signature(body, h, s)]))
"#;

#[test]
fn boxsdk_signatures_verify_with_either_key_and_boxsdk_accepts_ours() {
    let Some(python) = python() else { return };
    let body = r#"{"type":"webhook_event","id":"e1","trigger":"FILE.UPLOADED","source":{"name":"caf\u00e9.txt"}}"#;
    let ts = "2023-11-14T22:13:20Z"; // T
    let sigs: Vec<String> = serde_json::from_str(&py(
        &python,
        BOX_SCRIPT,
        &[body, ts, "primary-key", "secondary-key"],
    ))
    .unwrap();
    let h = headers(&[
        ("box-delivery-timestamp", ts),
        ("box-signature-algorithm", "HmacSHA256"),
        ("box-signature-version", "1"),
        ("box-signature-primary", &sigs[0]),
        ("box-signature-secondary", &sigs[1]),
    ]);
    let both = Verifier::box_com(["primary-key", "secondary-key"])
        .build()
        .unwrap();
    assert_eq!(
        both.verify(&h, body.as_bytes(), at(T))
            .unwrap()
            .secret_index,
        0
    );
    let rotated = Verifier::box_com(["secondary-key"]).build().unwrap();
    assert!(rotated.verify(&h, body.as_bytes(), at(T)).is_ok());
    assert!(matches!(
        both.verify(&h, b"{}", at(T)),
        Err(WebhookError::InvalidSignature)
    ));
    assert!(matches!(
        both.verify(&h, body.as_bytes(), at(T + 601)),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    // Ours, checked by boxsdk's `Webhook.validate_message`.
    let ours = both.sign("d-1", at(T), body.as_bytes()).unwrap();
    let json = serde_json::json!({
        "box-signature-primary": ours["box-signature-primary"].to_str().unwrap(),
        "box-signature-secondary": ours["box-signature-secondary"].to_str().unwrap(),
    })
    .to_string();
    let ts_ours = ours["box-delivery-timestamp"].to_str().unwrap();
    assert_eq!(
        py(
            &python,
            BOX_SCRIPT,
            &[body, ts_ours, "primary-key", "secondary-key", &json]
        ),
        "True"
    );
}

#[test]
fn twilio_sdk_signatures_verify_and_the_sdk_accepts_ours() {
    let Some(python) = python() else { return };
    let url = "https://example.com/sms?x=1";
    let body = "Body=caf%C3%A9+%F0%9F%9A%80&From=%2B15550001111&To=%2B15550002222&Body=second";
    let script = r#"
import sys
from urllib.parse import parse_qs
from twilio.request_validator import RequestValidator
v = RequestValidator(sys.argv[1])
params = {k: vs for k, vs in parse_qs(sys.argv[3]).items()}
class Multi(dict):
    def getall(self, k): return self[k]
if len(sys.argv) > 4:
    print(v.validate(sys.argv[2], Multi(params), sys.argv[4]))
else:
    print(v.compute_signature(sys.argv[2], Multi(params)))
"#;
    let sig = py(&python, script, &["auth-token", url, body]);
    let v = TwilioVerifier::new(["auth-token"]).unwrap();
    let h = headers(&[("x-twilio-signature", &sig)]);
    assert!(v.verify(url, &h, body.as_bytes()).is_ok(), "{sig}");
    assert!(matches!(
        v.verify(url, &h, b"Body=other&From=%2B15550001111&To=%2B15550002222"),
        Err(WebhookError::InvalidSignature)
    ));
    assert!(v
        .verify("https://example.com/sms?x=2", &h, body.as_bytes())
        .is_err());
    assert_eq!(
        py(
            &python,
            script,
            &["auth-token", url, body, &v.sign(url, body.as_bytes())]
        ),
        "True"
    );
}
