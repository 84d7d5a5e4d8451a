//! What a response says about itself: the provider's request id, its retry hint headers, and
//! the normalized error of a non-success status.

use bytes::Bytes;

use crate::error::{Error, ErrorKind, MAX_RAW_BODY};

/// Response headers that carry a provider's request id, in the order they are tried.
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-github-request-id",
    "x-correlation-id",
    "cf-ray",
    "x-ms-request-id",
    "x-trace-id",
];

/// Response headers in which a provider says whether a retry may succeed (`true` /
/// `false`), in the order they are tried: OpenAI's and Stainless SDKs' `x-should-retry`,
/// Stripe's `Stripe-Should-Retry`.
pub const RETRY_HINT_HEADERS: &[&str] = &["x-should-retry", "stripe-should-retry"];
/// [`REQUEST_ID_HEADERS`] as header names, parsed at compile time (a lookup by `&str`
/// parses the name every time).
static REQUEST_ID_NAMES: [http::HeaderName; 9] = [
    http::HeaderName::from_static("x-request-id"),
    http::HeaderName::from_static("request-id"),
    http::HeaderName::from_static("x-amzn-requestid"),
    http::HeaderName::from_static("x-amz-request-id"),
    http::HeaderName::from_static("x-github-request-id"),
    http::HeaderName::from_static("x-correlation-id"),
    http::HeaderName::from_static("cf-ray"),
    http::HeaderName::from_static("x-ms-request-id"),
    http::HeaderName::from_static("x-trace-id"),
];

/// The place of `name` in [`REQUEST_ID_HEADERS`] (a `match` on the name compiles to a
/// switch on its length, then one comparison).
fn request_id_rank(name: &str) -> Option<usize> {
    Some(match name {
        "x-request-id" => 0,
        "request-id" => 1,
        "x-amzn-requestid" => 2,
        "x-amz-request-id" => 3,
        "x-github-request-id" => 4,
        "x-correlation-id" => 5,
        "cf-ray" => 6,
        "x-ms-request-id" => 7,
        "x-trace-id" => 8,
        _ => return None,
    })
}

/// The provider's request id from the usual headers: the first of [`REQUEST_ID_HEADERS`]
/// present with a printable value.
pub fn request_id(headers: &http::HeaderMap) -> Option<String> {
    // One pass over the response's names marks which of the nine are present (most responses
    // carry one or none); only those are looked up, in list order.
    let mut present = 0u16;
    for name in headers.keys() {
        if let Some(i) = request_id_rank(name.as_str()) {
            present |= 1 << i;
        }
    }
    REQUEST_ID_NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| present & (1 << i) != 0)
        .find_map(|(_, h)| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
}

/// Builds the normalized error of a non-success response.
pub(crate) fn status_error(
    status: u16,
    headers: http::HeaderMap,
    mut body: Bytes,
    request_id: Option<String>,
    error_pointer: Option<&str>,
    clock: &dyn crate::time::Clock,
) -> Error {
    let kind = ErrorKind::from_status(status);
    let (code, message) = crate::normalize::provider_error(&body, error_pointer);
    let mut e = Error::new(kind, String::new());
    let i = e.inner_mut();
    i.status = Some(status);
    i.retry_after = crate::normalize::retry_after(&headers, clock.system_now());
    i.hint = crate::normalize::hint(kind, code.as_deref());
    i.provider_code = code;
    i.provider_message = message;
    i.request_id = request_id;
    body.truncate(MAX_RAW_BODY);
    i.raw_body = Some(body);
    i.headers = Some(headers);
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn request_id_names_match_the_public_list() {
        let names: Vec<&str> = REQUEST_ID_NAMES.iter().map(|n| n.as_str()).collect();
        assert_eq!(names, REQUEST_ID_HEADERS);
        for (i, name) in REQUEST_ID_HEADERS.iter().enumerate() {
            assert_eq!(request_id_rank(name), Some(i), "{name}");
        }
        assert_eq!(request_id_rank("content-type"), None);
        let mut h = http::HeaderMap::new();
        h.insert("cf-ray", "ray-1".parse().unwrap());
        assert_eq!(request_id(&h).as_deref(), Some("ray-1"));
        h.insert("request-id", "req-2".parse().unwrap());
        assert_eq!(request_id(&h).as_deref(), Some("req-2"), "in list order");
        h.insert(
            "x-request-id",
            http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        );
        assert_eq!(
            request_id(&h).as_deref(),
            Some("req-2"),
            "a value that is not printable is skipped"
        );
        h.insert("x-trace-id", "t-3".parse().unwrap());
        h.remove("request-id");
        h.remove("cf-ray");
        assert_eq!(request_id(&h).as_deref(), Some("t-3"));
        assert_eq!(request_id(&http::HeaderMap::new()), None);
    }

    #[test]
    fn status_errors_are_normalized() {
        let clock = crate::time::ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        let mut h = http::HeaderMap::new();
        h.insert("x-request-id", "req_1".parse().unwrap());
        h.insert("retry-after", "3".parse().unwrap());
        let e = status_error(
            429,
            h.clone(),
            Bytes::from_static(br#"{"error":{"code":"insufficient_quota","message":"out"}}"#),
            request_id(&h),
            None,
            &clock,
        );
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.provider_code(), Some("insufficient_quota"));
        assert_eq!(e.provider_message(), Some("out"));
        assert_eq!(e.request_id(), Some("req_1"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.hint().unwrap().contains("quota"));
        let big = Bytes::from(vec![b'x'; MAX_RAW_BODY + 10]);
        let e = status_error(500, http::HeaderMap::new(), big, None, None, &clock);
        assert_eq!(e.raw_body().unwrap().len(), MAX_RAW_BODY);
    }
}
