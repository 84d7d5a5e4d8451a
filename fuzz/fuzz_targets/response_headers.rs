//! The response-header parsers the executor trusts: `Retry-After` (seconds, epoch, HTTP date,
//! Go durations), rate-limit windows (`X-RateLimit-*`, IETF `RateLimit`, OpenAI's token
//! counters), RFC 8288 `Link`, and `Deprecation` (RFC 9745) and `Sunset` (RFC 8594).
//! Arbitrary values must never panic, and no parsed wait may be longer than the runtime's
//! plausibility cap (a day).
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sturdy_runtime::__private::retry_after;
use sturdy_runtime::{drift, paginate, ratelimit};

const NAMES: [&str; 12] = [
    "retry-after",
    "retry-after-ms",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "ratelimit",
    "ratelimit-policy",
    "ratelimit-remaining",
    "ratelimit-reset",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
];

fuzz_target!(|data: &[u8]| {
    // Header values separated by 0xff, assigned to the names in order.
    let mut headers = HeaderMap::new();
    for (name, value) in NAMES.iter().zip(data.split(|b| *b == 0xff)) {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    if let Some(wait) = retry_after(&headers, now) {
        assert!(wait <= Duration::from_secs(24 * 3600), "implausible wait {wait:?}");
    }
    if let Some(window) = ratelimit::server_window(&headers, now) {
        assert!(window.reset <= Duration::from_secs(24 * 3600), "implausible reset {:?}", window.reset);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = paginate::next_link(text);
        let _ = drift::parse_deprecation(text);
        let _ = drift::parse_sunset(text);
        let _ = drift::parse_links(text, "deprecation");
    }
});
