//! Pulling the provider's error code and message, `Retry-After` and a hint out of a response.

use std::time::{Duration, SystemTime};

use crate::error::ErrorKind;

/// The provider's error code and message from common body shapes: `{error:{code,message}}`,
/// `{error:"code", error_description}`, `{code,message}`, `{errors:[{code,message}]}`, RFC 7807
/// problem+json (`type`/`title`/`detail`), or the object at `pointer` (`x-sturdy-error`).
pub fn provider_error(body: &[u8], pointer: Option<&str>) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return (None, None);
    };
    let root = match pointer.and_then(|p| v.pointer(p)) {
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
        let code = text(o.get("code"))
            .or_else(|| text(o.get("error_code")))
            .or_else(|| text(o.get("type")))
            .or_else(|| text(o.get("error")).filter(|_| o.get("error").is_some_and(|e| e.is_string())));
        let message = text(o.get("message"))
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
    if let Some(first) = root.get("errors").and_then(|e| e.as_array()).and_then(|a| a.first()) {
        let (c, m) = if first.is_object() { from_obj(first) } else { (None, text(Some(first))) };
        let (rc, rm) = from_obj(root);
        return (c.or(rc), m.or(rm));
    }
    from_obj(root)
}

/// The wait a response asks for: `retry-after-ms`, then `Retry-After` in seconds or as an HTTP
/// date (relative to `now`).
pub fn retry_after(headers: &http::HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
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
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_error_shapes() {
        assert_eq!(
            provider_error(br#"{"error":{"code":"card_declined","message":"no"}}"#, None),
            (Some("card_declined".into()), Some("no".into()))
        );
        assert_eq!(
            provider_error(br#"{"error":"invalid_grant","error_description":"revoked"}"#, None),
            (Some("invalid_grant".into()), Some("revoked".into()))
        );
        assert_eq!(
            provider_error(br#"{"errors":[{"message":"bad"}]}"#, None),
            (None, Some("bad".into()))
        );
        assert_eq!(
            provider_error(br#"{"type":"https://x/p","title":"Out of credit","detail":"d"}"#, None),
            (Some("https://x/p".into()), Some("d".into()))
        );
        assert_eq!(
            provider_error(br#"{"ok":false,"error":"channel_not_found"}"#, None).0,
            Some("channel_not_found".into())
        );
        assert_eq!(
            provider_error(br#"{"data":{"err":{"code":"x","message":"y"}}}"#, Some("/data/err")),
            (Some("x".into()), Some("y".into()))
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let mut h = http::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(10)));
        h.insert("retry-after-ms", "1500".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
    }
}
