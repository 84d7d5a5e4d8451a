//! Pulling the provider's error code and message, `Retry-After` and a hint out of a response.

use std::time::{Duration, SystemTime};

use crate::error::ErrorKind;

/// The provider's error code and message from common body shapes: `{error:{code,message}}`
/// (Stripe, OpenAI), `{error:"code", error_description}` (OAuth2), `{code,message}`,
/// `{errors:[{code,message}]}` (GraphQL `extensions.code` too), RFC 7807 problem+json
/// (`type`/`title`/`detail`), Slack's `{ok:false, error:"code"}`, Google's
/// `{error:{code:403, status:"PERMISSION_DENIED", message}}`, AWS `{__type|Code, Message}`, or
/// the object (or message string) at `pointer` (`x-sturdy-error`, `ApiMeta::error_pointer`).
/// A body that is not JSON gives nothing; the raw body stays on the error.
pub fn provider_error(body: &[u8], pointer: Option<&str>) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return (None, None);
    };
    let root = match pointer.and_then(|p| v.pointer(p)) {
        // A pointer straight at a string is the message.
        Some(serde_json::Value::String(m)) => return (None, Some(m.clone())),
        Some(found) => found,
        None => &v,
    };
    fn text(v: Option<&serde_json::Value>) -> Option<String> {
        match v? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn from_obj(o: &serde_json::Value) -> (Option<String>, Option<String>) {
        // Google: {"code": 403, "status": "PERMISSION_DENIED"}: the string is the useful code.
        let status_code = o
            .get("status")
            .filter(|_| o.get("code").is_some_and(|c| c.is_number()))
            .and_then(|s| s.as_str().map(str::to_owned));
        let type_code = text(o.get("type")).filter(|t| t != "about:blank");
        let code = status_code
            .or_else(|| text(o.get("code")))
            .or_else(|| text(o.get("Code")))
            .or_else(|| text(o.get("__type")))
            .or_else(|| text(o.get("extensions").and_then(|e| e.get("code"))))
            .or_else(|| text(o.get("error_code")))
            .or(type_code)
            .or_else(|| {
                text(o.get("error")).filter(|_| o.get("error").is_some_and(|e| e.is_string()))
            });
        let message = text(o.get("message"))
            .or_else(|| text(o.get("Message")))
            .or_else(|| text(o.get("error_message")))
            .or_else(|| text(o.get("error_description")))
            .or_else(|| text(o.get("detail")))
            .or_else(|| text(o.get("title")))
            .or_else(|| text(o.get("msg")));
        (code, message)
    }
    if let Some(inner) = root.get("error").filter(|e| e.is_object()) {
        return from_obj(inner);
    }
    if let Some(first) = root
        .get("errors")
        .and_then(|e| e.as_array())
        .and_then(|a| a.first())
    {
        let (c, m) = if first.is_object() {
            from_obj(first)
        } else {
            (None, text(Some(first)))
        };
        let (rc, rm) = from_obj(root);
        return (c.or(rc), m.or(rm));
    }
    from_obj(root)
}

/// The wait a response asks for: `retry-after-ms`, then `Retry-After` as seconds from now,
/// epoch seconds (a number past 10^9, which no provider means as a delay), an HTTP date, or a
/// Go duration (`6m0s`). A wait longer than [`crate::ratelimit::MAX_PLAUSIBLE_WAIT`] (a day)
/// cannot be right and is ignored (`None`), like a malformed one.
pub fn retry_after(headers: &http::HeaderMap, now: SystemTime) -> Option<Duration> {
    use crate::ratelimit::plausible_secs;
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return plausible_secs(ms / 1000.0);
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    crate::ratelimit::reset_value(value, now)
}

/// A one-line remediation hint.
pub fn hint(kind: ErrorKind, code: Option<&str>) -> Option<&'static str> {
    match (kind, code) {
        (_, Some("invalid_grant")) => Some("the refresh token was revoked or expired: reconnect the account"),
        (_, Some("invalid_client")) => Some("the client id or secret is wrong: check the app's credentials"),
        (_, Some("insufficient_quota")) => Some("the account is out of quota: raise the plan or limit; retrying will not help"),
        (ErrorKind::Unauthorized, _) => Some("credentials refused: the token may have expired or been revoked; reconnect or rotate the key"),
        (ErrorKind::Forbidden, _) => Some("the credentials lack permission (scope or role) for this operation"),
        (ErrorKind::NotFound, _) => Some("check the identifiers in the path and the environment (sandbox vs production)"),
        (ErrorKind::Validation, _) => Some("the server rejected the input: see the provider message"),
        (ErrorKind::RateLimited, _) => Some("rate limited: slow down or wait for retry_after"),
        (ErrorKind::Server, _) => Some("provider-side failure: retry later; a write may or may not have been applied"),
        (ErrorKind::Timeout, _) => Some("no answer in time: raise the timeout, or retry; a write may or may not have been applied"),
        (ErrorKind::Connect, _) => Some("could not connect (nothing was sent): check the base URL, DNS, proxy and network"),
        (ErrorKind::Network, _) => Some("the connection broke mid-request: retry; a write may or may not have been applied"),
        (ErrorKind::CircuitOpen, _) => Some("the host failed repeatedly, so calls fail fast (nothing was sent) until a probe succeeds; retry after retry_after"),
        (ErrorKind::BudgetExhausted, _) => Some("the client stopped retrying because many calls are failing: the provider is likely down; retry later"),
        (ErrorKind::Credentials, _) => Some("no usable credentials (nothing was sent): set or reconnect the credentials for this API"),
        (ErrorKind::Decode, _) => Some("the response does not match the spec's schema: check the API version, or report the raw body"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_error_shapes() {
        assert_eq!(
            provider_error(
                br#"{"error":{"code":"card_declined","message":"no"}}"#,
                None
            ),
            (Some("card_declined".into()), Some("no".into()))
        );
        assert_eq!(
            provider_error(
                br#"{"error":"invalid_grant","error_description":"revoked"}"#,
                None
            ),
            (Some("invalid_grant".into()), Some("revoked".into()))
        );
        assert_eq!(
            provider_error(br#"{"errors":[{"message":"bad"}]}"#, None),
            (None, Some("bad".into()))
        );
        assert_eq!(
            provider_error(
                br#"{"type":"https://x/p","title":"Out of credit","detail":"d"}"#,
                None
            ),
            (Some("https://x/p".into()), Some("d".into()))
        );
        assert_eq!(
            provider_error(br#"{"ok":false,"error":"channel_not_found"}"#, None).0,
            Some("channel_not_found".into())
        );
        assert_eq!(
            provider_error(
                br#"{"data":{"err":{"code":"x","message":"y"}}}"#,
                Some("/data/err")
            ),
            (Some("x".into()), Some("y".into()))
        );
        assert_eq!(
            provider_error(br#"{"data":{"msg":"only text"}}"#, Some("/data/msg")),
            (None, Some("only text".into()))
        );
        // A pointer that misses falls back to the usual shapes.
        assert_eq!(
            provider_error(br#"{"code":"c","message":"m"}"#, Some("/nope")),
            (Some("c".into()), Some("m".into()))
        );
        assert_eq!(
            provider_error(br#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":null}}"#, None),
            (Some("invalid_request_error".into()), Some("Incorrect API key".into()))
        );
        assert_eq!(
            provider_error(
                br#"{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}"#,
                None
            ),
            (Some("PERMISSION_DENIED".into()), Some("denied".into()))
        );
        assert_eq!(
            provider_error(
                br#"{"errors":[{"message":"nope","extensions":{"code":"FORBIDDEN"}}]}"#,
                None
            ),
            (Some("FORBIDDEN".into()), Some("nope".into()))
        );
        assert_eq!(
            provider_error(
                br#"{"__type":"ThrottlingException","Message":"slow"}"#,
                None
            ),
            (Some("ThrottlingException".into()), Some("slow".into()))
        );
        assert_eq!(
            provider_error(
                br#"{"type":"about:blank","title":"Not Found","status":404}"#,
                None
            ),
            (None, Some("Not Found".into()))
        );
        assert_eq!(
            provider_error(
                br#"{"message":"Not Found","documentation_url":"https://docs"}"#,
                None
            ),
            (None, Some("Not Found".into()))
        );
        assert_eq!(
            provider_error(b"<html>bad gateway</html>", None),
            (None, None)
        );
        assert_eq!(provider_error(b"", None), (None, None));
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let mut h = http::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            "retry-after",
            "Sun, 06 Nov 1994 08:49:47 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(10)));
        h.insert("retry-after-ms", "1500".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        // A date in the past means now; junk means nothing.
        let mut h = http::HeaderMap::new();
        h.insert(
            "retry-after",
            "Sun, 06 Nov 1994 08:49:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", "-5".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after-ms", "NaN".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn retry_after_reads_every_provider_form_and_ignores_impossible_ones() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let ra = |name: &'static str, v: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(name, v.parse().unwrap());
            retry_after(&h, now)
        };
        // Epoch seconds, a Go duration (OpenAI), fractional seconds.
        assert_eq!(
            ra("retry-after", "1700000042"),
            Some(Duration::from_secs(42))
        );
        assert_eq!(ra("retry-after", "6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(ra("retry-after", "1.5"), Some(Duration::from_millis(1500)));
        // What Prism serves for `type: integer, minimum: 1`: 323 days cannot be right.
        assert_eq!(ra("retry-after", "27925299"), None);
        assert_eq!(ra("retry-after", "86401"), None);
        assert_eq!(
            ra("retry-after", "86400"),
            Some(Duration::from_secs(86_400))
        );
        assert_eq!(ra("retry-after", "Fri, 01 Jan 2100 00:00:00 GMT"), None);
        // Absurd magnitudes never panic.
        assert_eq!(ra("retry-after", "1e300"), None);
        assert_eq!(ra("retry-after-ms", "1e300"), None);
        assert_eq!(ra("retry-after", "99999999999999999999h"), None);
    }
}
