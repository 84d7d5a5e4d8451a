//! Whole verification with arbitrary header values and body: every scheme returns an error
//! (never panics), and nothing verifies without the secret.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sturdy_runtime::webhooks::{Algorithm, HmacSpec, SignatureEncoding, Verifier};

const SPEC: HmacSpec = HmacSpec::new("x-sig")
    .algorithm(Algorithm::Sha512)
    .encoding(SignatureEncoding::Base64)
    .prefix("v1=")
    .timestamp_header("x-ts")
    .id_header("x-id")
    .signed("{id}.{timestamp}.{body}");

fuzz_target!(|data: &[u8]| {
    // Split the input into three header values and a body at 0xff bytes.
    let mut parts = data.splitn(4, |b| *b == 0xff);
    let a = parts.next().unwrap_or_default();
    let b = parts.next().unwrap_or_default();
    let c = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let mut h = HeaderMap::new();
    for (names, value) in [
        (["webhook-id", "x-id", "x-github-delivery"], a),
        (["webhook-timestamp", "x-ts", "x-github-event"], b),
        (["webhook-signature", "stripe-signature", "x-sig"], c),
    ] {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            for n in names {
                h.insert(n, v.clone());
            }
        }
    }
    if let Ok(v) = HeaderValue::from_bytes(c) {
        h.insert("x-hub-signature-256", v);
    }
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for v in [
        Verifier::standard_webhooks(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).build(),
        Verifier::stripe(["whsec_fuzz"]).build(),
        Verifier::github(["fuzz"]).build(),
        Verifier::hmac(SPEC, ["fuzz"]).build(),
    ] {
        let v = v.expect("valid verifier");
        assert!(v.verify(&h, body, now).is_err(), "forged signature accepted");
        let _ = v.event_id(&h, body);
    }
    let _ = sturdy_runtime::webhooks::event_type(&h, body);
});
