//! Provider schemes that the generic HMAC description cannot express, and the HMAC
//! descriptions of those it can:
//! - Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{X-Slack-Request-Timestamp}:{body}">`
//!   with the app's signing secret (<https://api.slack.com/authentication/verifying-requests-from-slack>).
//! - Box: `box-signature-primary` / `box-signature-secondary`, each base64 HMAC-SHA256 of the
//!   body followed by the `box-delivery-timestamp` text (RFC 3339), keyed with the primary
//!   and secondary signature keys (both accepted, so either can be rotated); deliveries older
//!   than 10 minutes are refused
//!   (<https://developer.box.com/guides/webhooks/v2/signatures-v2/>).

use base64::Engine as _;
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretSlice};

use super::spec::{Algorithm, HmacSpec};
use super::WebhookError;

/// Slack's request signing, as an HMAC description.
pub(super) const SLACK: HmacSpec = HmacSpec::new("x-slack-signature")
    .prefix("v0=")
    .timestamp_header("x-slack-request-timestamp")
    .signed("v0:{timestamp}:{body}");

/// `box-signature-primary`.
pub const BOX_SIGNATURE_PRIMARY: &str = "box-signature-primary";
/// `box-signature-secondary`.
pub const BOX_SIGNATURE_SECONDARY: &str = "box-signature-secondary";
/// `box-delivery-timestamp` (RFC 3339).
pub const BOX_DELIVERY_TIMESTAMP: &str = "box-delivery-timestamp";
/// `box-signature-version` (`1`).
pub const BOX_SIGNATURE_VERSION: &str = "box-signature-version";
/// `box-signature-algorithm` (`HmacSHA256`).
pub const BOX_SIGNATURE_ALGORITHM: &str = "box-signature-algorithm";
/// `box-delivery-id`, Box's id for the delivery.
pub const BOX_DELIVERY_ID: &str = "box-delivery-id";

/// Box's documented maximum age of a delivery.
pub(super) const BOX_TOLERANCE: std::time::Duration = std::time::Duration::from_secs(600);

/// What a Box delivery carries: its signatures (decoded), the signed timestamp text and its
/// Unix seconds.
pub(super) struct BoxDelivery<'h> {
    pub signatures: Vec<Vec<u8>>,
    pub timestamp_text: &'h str,
    pub timestamp: i64,
}

/// Reads the Box headers: at least one signature, the timestamp, and the version (`1`) and
/// algorithm (`HmacSHA256`) headers, as Box's official SDK requires them.
pub(super) fn box_delivery(headers: &HeaderMap) -> Result<BoxDelivery<'_>, WebhookError> {
    let get = |name: &'static str| -> Result<Option<&str>, WebhookError> {
        match headers.get(name) {
            None => Ok(None),
            Some(v) => {
                v.to_str()
                    .map(|s| Some(s.trim()))
                    .map_err(|_| WebhookError::MalformedHeader {
                        header: name,
                        reason: "not visible ASCII",
                    })
            }
        }
    };
    for (name, known, reason) in [
        (BOX_SIGNATURE_VERSION, "1", "only version 1 is known"),
        (
            BOX_SIGNATURE_ALGORITHM,
            "HmacSHA256",
            "only HmacSHA256 is known",
        ),
    ] {
        match get(name)? {
            None => return Err(WebhookError::MissingHeader(name)),
            Some(v) if v != known => {
                return Err(WebhookError::MalformedHeader {
                    header: name,
                    reason,
                })
            }
            Some(_) => {}
        }
    }
    let mut signatures = Vec::new();
    for h in [BOX_SIGNATURE_PRIMARY, BOX_SIGNATURE_SECONDARY] {
        if let Some(s) = get(h)? {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| WebhookError::MalformedHeader {
                    header: h,
                    reason: "not base64",
                })?;
            signatures.push(decoded);
        }
    }
    if signatures.is_empty() {
        return Err(WebhookError::MissingHeader(BOX_SIGNATURE_PRIMARY));
    }
    let timestamp_text =
        get(BOX_DELIVERY_TIMESTAMP)?.ok_or(WebhookError::MissingHeader(BOX_DELIVERY_TIMESTAMP))?;
    let timestamp = chrono::DateTime::parse_from_rfc3339(timestamp_text)
        .map_err(|_| WebhookError::MalformedHeader {
            header: BOX_DELIVERY_TIMESTAMP,
            reason: "not an RFC 3339 date-time",
        })?
        .timestamp();
    Ok(BoxDelivery {
        signatures,
        timestamp_text,
        timestamp,
    })
}

/// The headers Box sends for `body` at `unix` seconds: a signature per key (primary, then
/// secondary), the timestamp (UTC, `Z`), version, algorithm and delivery id.
pub(super) fn box_sign(
    keys: &[SecretSlice<u8>],
    event_id: &str,
    unix: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let ts = chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut out = Vec::new();
    for (name, key) in [BOX_SIGNATURE_PRIMARY, BOX_SIGNATURE_SECONDARY]
        .into_iter()
        .zip(keys)
    {
        let m = super::mac(
            Algorithm::Sha256,
            key.expose_secret(),
            &[body, ts.as_bytes()],
        );
        out.push((name, base64::engine::general_purpose::STANDARD.encode(m)));
    }
    out.push((BOX_DELIVERY_TIMESTAMP, ts));
    out.push((BOX_SIGNATURE_VERSION, "1".to_owned()));
    out.push((BOX_SIGNATURE_ALGORITHM, "HmacSHA256".to_owned()));
    out.push((BOX_DELIVERY_ID, event_id.to_owned()));
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use http::{HeaderMap, HeaderValue};

    use super::*;
    use crate::webhooks::Verifier;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    // From the official `slack_sdk` 3.33.1 (PyPI):
    // `SignatureVerifier(SECRET).generate_signature(timestamp="1531420618", body=BODY)`.
    const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const SLACK_BODY: &[u8] =
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather&text=94070";
    const SLACK_SIG: &str = "v0=a45771c0f181b7fb1752e9a26cc1ffb2c428f52ac8ab774ffa4adf8cf2874576";

    #[test]
    fn slack_vector_from_slack_sdk_verifies_and_tampered_or_stale_does_not() {
        let v = Verifier::slack([SLACK_SECRET]).build().unwrap();
        let h = headers(&[
            ("x-slack-signature", SLACK_SIG),
            ("x-slack-request-timestamp", "1531420618"),
        ]);
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert!(v.verify(&h, SLACK_BODY, at(1_531_420_618 + 299)).is_ok());
        assert!(matches!(
            v.verify(&h, b"token=x", at(1_531_420_618)),
            Err(WebhookError::InvalidSignature)
        ));
        assert!(matches!(
            v.verify(&h, SLACK_BODY, at(1_531_420_618 + 301)),
            Err(WebhookError::TimestampTooOld { .. })
        ));
        let resigned = v.sign("", at(1_531_420_618), SLACK_BODY).unwrap();
        assert_eq!(resigned.get("x-slack-signature").unwrap(), SLACK_SIG);
    }

    // From the official `boxsdk` 3.9.2 (PyPI): `boxsdk.object.webhook._compute_signature(BODY,
    // headers, key)` for the primary and the secondary key, as `Webhook.validate_message` checks.
    const BOX_BODY: &[u8] = br#"{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED","source":{"id":"1234567890","type":"file","name":"Test.txt"}}"#;
    const BOX_TS: &str = "2020-01-01T00:00:00-08:00";
    const BOX_PRIMARY: &str = "JZLtaaxI3uPalTpZIP9scpflCXnO99qL9LtpIshlluw=";
    const BOX_SECONDARY: &str = "ZeXT27tvaAG1e/C5MaS0MkL4UeLPXosm3+Kqh4N1b+k=";
    /// 2020-01-01T08:00:00Z.
    const BOX_UNIX: u64 = 1_577_865_600;

    fn box_headers(primary: &str, secondary: &str) -> HeaderMap {
        headers(&[
            ("box-delivery-id", "f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f"),
            ("box-delivery-timestamp", BOX_TS),
            ("box-signature-algorithm", "HmacSHA256"),
            ("box-signature-version", "1"),
            ("box-signature-primary", primary),
            ("box-signature-secondary", secondary),
        ])
    }

    #[test]
    fn box_vectors_from_boxsdk_verify_with_either_key_and_tampered_or_stale_do_not() {
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        let both = Verifier::box_com(["SamplePrimaryKey", "SampleSecondaryKey"])
            .build()
            .unwrap();
        let h = box_headers(BOX_PRIMARY, BOX_SECONDARY);
        assert_eq!(
            both.verify(&h, BOX_BODY, at(BOX_UNIX + 599))
                .unwrap()
                .secret_index,
            0
        );
        assert_eq!(
            both.event_id(&h, BOX_BODY).as_deref(),
            Some("f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f")
        );
        // The primary key rotated away: the secondary still verifies.
        let secondary = Verifier::box_com(["SampleSecondaryKey"]).build().unwrap();
        let h2 = box_headers("AAAA", BOX_SECONDARY);
        assert!(secondary.verify(&h2, BOX_BODY, at(BOX_UNIX)).is_ok());
        assert!(matches!(
            both.verify(&h, &BOX_BODY[1..], at(BOX_UNIX)),
            Err(WebhookError::InvalidSignature)
        ));
        assert!(matches!(
            both.verify(&h, BOX_BODY, at(BOX_UNIX + 601)),
            Err(WebhookError::TimestampTooOld { .. })
        ));
        let mut no_version = h.clone();
        no_version.remove("box-signature-version");
        assert!(matches!(
            both.verify(&no_version, BOX_BODY, at(BOX_UNIX)),
            Err(WebhookError::MissingHeader("box-signature-version"))
        ));
        let mut bad_ts = h.clone();
        bad_ts.insert(
            "box-delivery-timestamp",
            HeaderValue::from_static("yesterday"),
        );
        assert!(both.verify(&bad_ts, BOX_BODY, at(BOX_UNIX)).is_err());
    }

    #[test]
    fn box_signing_round_trips() {
        let v = Verifier::box_com(["k1", "k2"]).build().unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(BOX_UNIX);
        let h = v.sign("d-1", at, BOX_BODY).unwrap();
        assert_eq!(
            h.get("box-delivery-timestamp").unwrap(),
            "2020-01-01T08:00:00Z"
        );
        assert!(v.verify(&h, BOX_BODY, at).is_ok());
        assert_eq!(v.event_id(&h, BOX_BODY).as_deref(), Some("d-1"));
    }
}
