//! The Standard Webhooks `webhook-signature` parser never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sturdy_runtime::webhooks::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(sigs) = parse::standard_signatures(parse::WEBHOOK_SIGNATURE, text) {
            assert!(!sigs.is_empty() && sigs.len() <= parse::MAX_SIGNATURES);
        }
    }
});
