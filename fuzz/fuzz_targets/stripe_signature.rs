//! The `Stripe-Signature` parser never panics, and what it accepts is well formed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sturdy_runtime::webhooks::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = parse::stripe_signature(text) {
            assert!(!p.v1.is_empty() && p.v1.len() <= parse::MAX_SIGNATURES);
            assert!(p.timestamp >= 0);
        }
        let _ = parse::github_signature(text);
        let _ = parse::unix_seconds(text);
    }
});
