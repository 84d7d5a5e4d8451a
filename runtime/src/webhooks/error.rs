//! The one error type of webhook verification and decoding.

/// Why a webhook was refused (or, for [`WebhookError::InvalidPayload`], could not be decoded).
///
/// Every variant is safe to log: none carries a secret, a signature or the body.
/// A timestamp error is only reported for a request whose signature is valid, so it means
/// "authentic but outside the tolerance window" (a replay, a late retry or a skewed clock).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A header the scheme requires is absent. Check that the proxy in front of the service
    /// forwards it, and that the provider is the one this verifier was built for.
    #[error("webhook header `{0}` is missing; check the provider and that proxies forward it")]
    MissingHeader(&'static str),
    /// A header is present but does not follow the scheme's format.
    #[error("webhook header `{header}` is malformed: {reason}")]
    MalformedHeader {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No signature in the request matches any configured secret: the body was changed
    /// (including re-encoded JSON — verify the raw bytes), or the secret is wrong.
    #[error(
        "no webhook signature matches any configured secret (tampered or re-encoded body, or wrong secret)"
    )]
    InvalidSignature,
    /// The signature is valid but the signed timestamp is older than the tolerance.
    #[error("webhook timestamp {timestamp} is {age_secs} s old, beyond the tolerance of {tolerance_secs} s (replay or late delivery)")]
    TimestampTooOld {
        /// The signed timestamp, in seconds since the Unix epoch.
        timestamp: i64,
        /// How far it is behind `now`, in seconds.
        age_secs: u64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// The signature is valid but the signed timestamp is ahead of `now` by more than the
    /// tolerance (a skewed clock on either side).
    #[error("webhook timestamp {timestamp} is {ahead_secs} s in the future, beyond the tolerance of {tolerance_secs} s (check clocks)")]
    TimestampInFuture {
        /// The signed timestamp, in seconds since the Unix epoch.
        timestamp: i64,
        /// How far it is ahead of `now`, in seconds.
        ahead_secs: u64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// A configured secret cannot be used (for Standard Webhooks: not valid base64 after
    /// the `whsec_` prefix). `index` counts from 0 in the order the secrets were given.
    #[error("webhook secret #{index} is invalid: {reason}")]
    InvalidSecret {
        /// The secret's position.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The verifier was built without any secret.
    #[error("no webhook secret configured; pass at least one to the verifier")]
    NoSecrets,
    /// A generic HMAC scheme description ([`HmacSpec`](super::HmacSpec)) is inconsistent.
    #[error("webhook scheme description is invalid: {0}")]
    InvalidSpec(String),
    /// The verified body could not be decoded as the event it names.
    #[error("webhook payload (event {event_type:?}) could not be decoded: {source}")]
    InvalidPayload {
        /// The event type the payload was decoded as, when known.
        event_type: Option<String>,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },
}

impl WebhookError {
    /// An [`InvalidPayload`](WebhookError::InvalidPayload) error; for generated event enums.
    pub fn payload(event_type: Option<&str>, source: serde_json::Error) -> Self {
        Self::InvalidPayload {
            event_type: event_type.map(str::to_owned),
            source,
        }
    }

    /// Whether the request must be rejected as unauthenticated (401), as opposed to a
    /// configuration problem on this side or a payload decoding failure after verification.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(
            self,
            Self::MissingHeader(_)
                | Self::MalformedHeader { .. }
                | Self::InvalidSignature
                | Self::TimestampTooOld { .. }
                | Self::TimestampInFuture { .. }
        )
    }
}
