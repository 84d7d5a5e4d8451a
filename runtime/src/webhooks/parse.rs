//! Parsers for the signature headers, public so they can be fuzzed on their own.
//!
//! Each parser takes the header's value (already known to be visible ASCII) and never
//! panics; anything it cannot read is a [`WebhookError::MalformedHeader`] naming the header.

use base64::Engine as _;

use super::WebhookError;

/// `Stripe-Signature`.
pub const STRIPE_SIGNATURE: &str = "stripe-signature";
/// `webhook-id` (Standard Webhooks).
pub const WEBHOOK_ID: &str = "webhook-id";
/// `webhook-timestamp` (Standard Webhooks).
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// `webhook-signature` (Standard Webhooks).
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// `svix-id`, the older name of `webhook-id`.
pub const SVIX_ID: &str = "svix-id";
/// `svix-timestamp`, the older name of `webhook-timestamp`.
pub const SVIX_TIMESTAMP: &str = "svix-timestamp";
/// `svix-signature`, the older name of `webhook-signature`.
pub const SVIX_SIGNATURE: &str = "svix-signature";
/// `X-Hub-Signature-256` (GitHub).
pub const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
/// `X-GitHub-Delivery`, GitHub's delivery id.
pub const GITHUB_DELIVERY: &str = "x-github-delivery";
/// `X-GitHub-Event`, GitHub's event name.
pub const GITHUB_EVENT: &str = "x-github-event";

/// At most this many signatures are read from one header; more is refused as malformed, so
/// a hostile header cannot make verification do unbounded work.
pub const MAX_SIGNATURES: usize = 32;

fn malformed(header: &'static str, reason: &'static str) -> WebhookError {
    WebhookError::MalformedHeader { header, reason }
}

/// A parsed `Stripe-Signature` header: `t=1700000000,v1=<hex>,v1=<hex>,v0=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeSignature {
    /// The signed timestamp, seconds since the Unix epoch.
    pub timestamp: i64,
    /// Every `v1` signature, hex-decoded. Other schemes (`v0`, ...) are ignored.
    pub v1: Vec<Vec<u8>>,
}

/// Parses a `Stripe-Signature` value. Requires exactly one `t` and at least one `v1`.
pub fn stripe_signature(value: &str) -> Result<StripeSignature, WebhookError> {
    let h = STRIPE_SIGNATURE;
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some((key, val)) = item.split_once('=') else {
            return Err(malformed(h, "an item is not `key=value`"));
        };
        match key.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(malformed(h, "more than one `t=`"));
                }
                timestamp = Some(unix_seconds(val.trim()).map_err(|r| malformed(h, r))?);
            }
            "v1" => {
                if v1.len() == MAX_SIGNATURES {
                    return Err(malformed(h, "too many signatures"));
                }
                let sig = hex::decode(val.trim())
                    .map_err(|_| malformed(h, "a `v1` signature is not hex"))?;
                v1.push(sig);
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| malformed(h, "no `t=` timestamp"))?;
    if v1.is_empty() {
        return Err(malformed(h, "no `v1=` signature"));
    }
    Ok(StripeSignature { timestamp, v1 })
}

/// Parses a Standard Webhooks `webhook-signature` value: space-separated `version,base64`
/// items. Returns the decoded `v1` signatures; other versions (such as the asymmetric
/// `v1a`) are skipped. At least one `v1` is required.
pub fn standard_signatures(
    header: &'static str,
    value: &str,
) -> Result<Vec<Vec<u8>>, WebhookError> {
    let mut out = Vec::new();
    for item in value.split_ascii_whitespace() {
        let Some((version, sig)) = item.split_once(',') else {
            return Err(malformed(header, "an item is not `version,signature`"));
        };
        if version != "v1" {
            continue;
        }
        if out.len() == MAX_SIGNATURES {
            return Err(malformed(header, "too many signatures"));
        }
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .map_err(|_| malformed(header, "a `v1` signature is not base64"))?;
        out.push(sig);
    }
    if out.is_empty() {
        return Err(malformed(header, "no `v1,` signature"));
    }
    Ok(out)
}

/// Parses GitHub's `X-Hub-Signature-256` value: `sha256=<hex>`.
pub fn github_signature(value: &str) -> Result<Vec<u8>, WebhookError> {
    let h = GITHUB_SIGNATURE;
    let hex_sig = value
        .trim()
        .strip_prefix("sha256=")
        .ok_or_else(|| malformed(h, "does not start with `sha256=`"))?;
    hex::decode(hex_sig).map_err(|_| malformed(h, "signature is not hex"))
}

/// Parses a Unix timestamp in whole seconds: 1 to 18 ASCII digits, nothing else.
pub fn unix_seconds(value: &str) -> Result<i64, &'static str> {
    if value.is_empty() || value.len() > 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("timestamp is not whole seconds since the Unix epoch");
    }
    value
        .parse::<i64>()
        .map_err(|_| "timestamp is out of range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_header_with_several_v1_and_v0() {
        let p = stripe_signature("t=12, v1=abcd ,v0=ffff,v1=00").unwrap();
        assert_eq!(p.timestamp, 12);
        assert_eq!(p.v1, vec![vec![0xab, 0xcd], vec![0]]);
    }

    #[test]
    fn stripe_header_errors_are_distinct() {
        let reason = |v: &str| match stripe_signature(v) {
            Err(WebhookError::MalformedHeader { header, reason }) => {
                assert_eq!(header, STRIPE_SIGNATURE);
                reason
            }
            other => panic!("{v}: {other:?}"),
        };
        assert_eq!(reason("v1=00"), "no `t=` timestamp");
        assert_eq!(reason("t=1"), "no `v1=` signature");
        assert_eq!(reason("t=1,t=2,v1=00"), "more than one `t=`");
        assert_eq!(
            reason("t=x,v1=00"),
            "timestamp is not whole seconds since the Unix epoch"
        );
        assert_eq!(reason("t=1,v1=zz"), "a `v1` signature is not hex");
        assert_eq!(reason("t=1,garbage"), "an item is not `key=value`");
        assert_eq!(reason(""), "no `t=` timestamp");
        let many = format!("t=1{}", ",v1=00".repeat(MAX_SIGNATURES + 1));
        assert_eq!(reason(&many), "too many signatures");
    }

    #[test]
    fn standard_signatures_skip_other_versions() {
        let p = standard_signatures(WEBHOOK_SIGNATURE, "v1a,xyz v1,AAE= v2,abc").unwrap();
        assert_eq!(p, vec![vec![0, 1]]);
        assert!(standard_signatures(WEBHOOK_SIGNATURE, "v1a,xyz").is_err());
        assert!(standard_signatures(WEBHOOK_SIGNATURE, "v1").is_err());
        assert!(standard_signatures(WEBHOOK_SIGNATURE, "v1,***").is_err());
        assert!(standard_signatures(WEBHOOK_SIGNATURE, "").is_err());
    }

    #[test]
    fn github_and_timestamps() {
        assert_eq!(github_signature("sha256=0a").unwrap(), vec![10]);
        assert!(github_signature("sha1=0a").is_err());
        assert!(github_signature("sha256=0").is_err());
        assert_eq!(unix_seconds("1614265330"), Ok(1_614_265_330));
        assert!(unix_seconds("-1").is_err());
        assert!(unix_seconds("+1").is_err());
        assert!(unix_seconds("1e9").is_err());
        assert!(unix_seconds("9999999999999999999").is_err());
    }
}
