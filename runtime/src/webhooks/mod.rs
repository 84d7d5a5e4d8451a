//! Webhook signature verification and typed events.
//!
//! A [`Verifier`] checks the signature of an incoming webhook over the **raw body bytes**
//! (never re-encoded JSON) against one or more secrets (several at once during rotation),
//! compares in constant time, and checks the signed timestamp against a tolerance
//! (default [`DEFAULT_TOLERANCE`], 300 s, both ways) at a `now` the caller passes in, so
//! tests are exact (use [`Clock::system_now`](crate::time::Clock::system_now) in services).
//!
//! Schemes:
//! - [Standard Webhooks](https://www.standardwebhooks.com/) (Svix and many others):
//!   `webhook-id`, `webhook-timestamp`, `webhook-signature` (space-separated `v1,<base64>`;
//!   `svix-*` names accepted too), secrets `whsec_<base64>`, signed `{id}.{timestamp}.{body}`.
//! - Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...]`, the key is the whole
//!   `whsec_...` string as UTF-8, signed `{t}.{body}`.
//! - GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body, no timestamp.
//! - Slack (`v0` signatures) and Box (two rotating keys); see [`vendors`].
//! - Twilio, which signs the URL: a separate [`TwilioVerifier`].
//! - A generic HMAC scheme described by an [`HmacSpec`] (from a contract's
//!   `x-sturdy-webhook-signature`).
//!
//! The signature is checked before the timestamp, so a timestamp error always means an
//! authentic but stale (or early) delivery.
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use sturdy_runtime::webhooks::{Verifier, WebhookError};
//!
//! let verifier = Verifier::stripe(["whsec_x"]).tolerance(Duration::from_secs(300)).build()?;
//! let mut headers = http::HeaderMap::new();
//! headers.insert(
//!     "stripe-signature",
//!     "t=1700000000,v1=be8cb8325f2202445260a855532f967e30ad2a9394ce28da66ee02880ddcb661".parse().unwrap(),
//! );
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_010);
//! let verified = verifier.verify(&headers, b"{}", now)?;
//! assert_eq!(verified.secret_index, 0);
//! assert!(matches!(verifier.verify(&headers, b"{ }", now), Err(WebhookError::InvalidSignature)));
//! # Ok::<(), WebhookError>(())
//! ```
//!
//! # Typed events
//! Generated clients declare an event enum and implement [`WebhookEvent`] for it;
//! [`Verifier::verify_event`] verifies, finds the event type with [`event_type`], and decodes.

mod error;
pub mod parse;
mod spec;
mod twilio;
pub mod vendors;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
/// The header map [`Verifier::verify`] reads (re-exported so callers need no `http` dependency).
pub use http::HeaderMap;
use http::HeaderValue;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

pub use error::WebhookError;
pub use spec::{Algorithm, HmacSpec, KeyEncoding, SignatureEncoding};
pub use twilio::{TwilioVerifier, TWILIO_IDEMPOTENCY_TOKEN, TWILIO_SIGNATURE};

use parse::*;
use spec::Part;

/// The default timestamp tolerance: 300 seconds either side of `now`.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
enum Scheme {
    Standard,
    Stripe,
    GitHub,
    Box,
    Hmac { spec: HmacSpec, parts: Arc<[Part]> },
}

/// Verifies webhook signatures for one provider. Cheap to clone; secrets are never shown by
/// `Debug`.
#[derive(Clone)]
pub struct Verifier {
    scheme: Scheme,
    keys: Arc<[SecretSlice<u8>]>,
    tolerance: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme_name())
            .field("secrets", &self.keys.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// Builds a [`Verifier`]; see the constructors on [`Verifier`].
pub struct VerifierBuilder {
    scheme: SchemeChoice,
    secrets: Vec<SecretString>,
    tolerance: Duration,
}

enum SchemeChoice {
    Standard,
    Stripe,
    GitHub,
    Box,
    Hmac(HmacSpec),
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("secrets", &self.secrets.len())
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// Which configured secret matched (0-based, in the order given), to watch a rotation.
    pub secret_index: usize,
    /// The signed timestamp, for schemes that sign one.
    pub timestamp: Option<SystemTime>,
}

impl Verifier {
    fn builder<I, S>(scheme: SchemeChoice, secrets: I) -> VerifierBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        VerifierBuilder {
            scheme,
            secrets: secrets.into_iter().map(Into::into).collect(),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Standard Webhooks, with `whsec_<base64>` secrets (the prefix is optional).
    pub fn standard_webhooks<I, S>(secrets: I) -> VerifierBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        Self::builder(SchemeChoice::Standard, secrets)
    }

    /// Stripe, with the endpoint's `whsec_...` signing secrets.
    pub fn stripe<I, S>(secrets: I) -> VerifierBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        Self::builder(SchemeChoice::Stripe, secrets)
    }

    /// GitHub (`X-Hub-Signature-256`), with the webhook's secrets.
    pub fn github<I, S>(secrets: I) -> VerifierBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        Self::builder(SchemeChoice::GitHub, secrets)
    }

    /// Slack (`X-Slack-Signature: v0=...` over `v0:{timestamp}:{body}`), with the app's
    /// signing secrets; [`scheme_name`](Self::scheme_name) says `hmac`.
    pub fn slack<I, S>(secrets: I) -> VerifierBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        Self::builder(SchemeChoice::Hmac(vendors::SLACK), secrets)
    }

    /// Box, with the primary and the secondary signature keys (in that order; a delivery
    /// signed with either verifies); the tolerance defaults to Box's 10 minutes.
    pub fn box_com<I, S>(keys: I) -> VerifierBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        Self::builder(SchemeChoice::Box, keys).tolerance(vendors::BOX_TOLERANCE)
    }

    /// A generic HMAC scheme described by `spec`.
    pub fn hmac<I, S>(spec: HmacSpec, secrets: I) -> VerifierBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        Self::builder(SchemeChoice::Hmac(spec), secrets)
    }

    /// `"standard-webhooks"`, `"stripe"`, `"github"`, `"box"` or `"hmac"`.
    pub fn scheme_name(&self) -> &'static str {
        match self.scheme {
            Scheme::Standard => "standard-webhooks",
            Scheme::Stripe => "stripe",
            Scheme::GitHub => "github",
            Scheme::Box => "box",
            Scheme::Hmac { .. } => "hmac",
        }
    }

    /// The timestamp tolerance.
    pub fn tolerance_window(&self) -> Duration {
        self.tolerance
    }

    /// Verifies `body` (the raw bytes as received) against the signature in `headers`.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified, WebhookError> {
        let (secret_index, timestamp) = match &self.scheme {
            Scheme::Standard => {
                let (id_h, ts_h, sig_h) = standard_names(headers);
                let id = header_str(headers, id_h)?;
                let ts = unix_seconds(header_str(headers, ts_h)?.trim()).map_err(|reason| {
                    WebhookError::MalformedHeader {
                        header: ts_h,
                        reason,
                    }
                })?;
                let sigs = standard_signatures(sig_h, header_str(headers, sig_h)?)?;
                let ts_text = ts.to_string();
                let parts: [&[u8]; 5] = [id.as_bytes(), b".", ts_text.as_bytes(), b".", body];
                (self.match_any(Algorithm::Sha256, &parts, &sigs)?, Some(ts))
            }
            Scheme::Stripe => {
                let parsed = stripe_signature(header_str(headers, STRIPE_SIGNATURE)?)?;
                let ts_text = parsed.timestamp.to_string();
                let parts: [&[u8]; 3] = [ts_text.as_bytes(), b".", body];
                (
                    self.match_any(Algorithm::Sha256, &parts, &parsed.v1)?,
                    Some(parsed.timestamp),
                )
            }
            Scheme::GitHub => {
                let sig = github_signature(header_str(headers, GITHUB_SIGNATURE)?)?;
                (self.match_any(Algorithm::Sha256, &[body], &[sig])?, None)
            }
            Scheme::Box => {
                let d = vendors::box_delivery(headers)?;
                let parts: [&[u8]; 2] = [body, d.timestamp_text.as_bytes()];
                let index = self.match_any(Algorithm::Sha256, &parts, &d.signatures)?;
                (index, Some(d.timestamp))
            }
            Scheme::Hmac { spec, parts } => self.verify_hmac(spec, parts, headers, body)?,
        };
        if let Some(ts) = timestamp {
            self.check_timestamp(ts, now)?;
        }
        Ok(Verified {
            secret_index,
            timestamp: timestamp.map(from_unix),
        })
    }

    fn verify_hmac(
        &self,
        spec: &HmacSpec,
        parts: &[Part],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(usize, Option<i64>), WebhookError> {
        let h = spec.header;
        let value = header_str(headers, h)?;
        let mut sigs = Vec::new();
        let comma_separates = !spec.prefix.is_some_and(|p| p.contains(','));
        for item in value
            .split(|c: char| c.is_ascii_whitespace() || (comma_separates && c == ','))
            .filter(|s| !s.is_empty())
        {
            let item = match spec.prefix {
                Some(p) => item.strip_prefix(p).ok_or(WebhookError::MalformedHeader {
                    header: h,
                    reason: "a signature lacks the expected prefix",
                })?,
                None => item,
            };
            if sigs.len() == MAX_SIGNATURES {
                return Err(WebhookError::MalformedHeader {
                    header: h,
                    reason: "too many signatures",
                });
            }
            let decoded = match spec.encoding {
                SignatureEncoding::Hex => hex::decode(item).ok(),
                SignatureEncoding::Base64 => {
                    base64::engine::general_purpose::STANDARD.decode(item).ok()
                }
            };
            sigs.push(decoded.ok_or(WebhookError::MalformedHeader {
                header: h,
                reason: "a signature is not in the declared encoding",
            })?);
        }
        if sigs.is_empty() {
            return Err(WebhookError::MalformedHeader {
                header: h,
                reason: "no signature",
            });
        }
        let ts = match spec.timestamp_header {
            Some(th) => {
                let text = header_str(headers, th)?.trim();
                let ts = unix_seconds(text)
                    .map_err(|reason| WebhookError::MalformedHeader { header: th, reason })?;
                Some((text, ts))
            }
            None => None,
        };
        let id = match spec.id_header {
            Some(ih) if parts.contains(&Part::Id) => Some(header_str(headers, ih)?),
            _ => None,
        };
        let pieces: Vec<&[u8]> = parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.as_bytes(),
                Part::Body => body,
                Part::Timestamp => ts.map(|(t, _)| t.as_bytes()).unwrap_or_default(),
                Part::Id => id.map(str::as_bytes).unwrap_or_default(),
            })
            .collect();
        let index = self.match_any(spec.algorithm, &pieces, &sigs)?;
        Ok((index, ts.map(|(_, t)| t)))
    }

    /// The index of the first secret whose MAC over `parts` equals one of `sigs`.
    fn match_any(
        &self,
        alg: Algorithm,
        parts: &[&[u8]],
        sigs: &[Vec<u8>],
    ) -> Result<usize, WebhookError> {
        for (index, key) in self.keys.iter().enumerate() {
            let expected = mac(alg, key.expose_secret(), parts);
            // `ct_eq` on slices of different lengths is false without comparing contents.
            if sigs
                .iter()
                .any(|s| bool::from(s.as_slice().ct_eq(&expected)))
            {
                return Ok(index);
            }
        }
        Err(WebhookError::InvalidSignature)
    }

    fn check_timestamp(&self, ts: i64, now: SystemTime) -> Result<(), WebhookError> {
        let now = unix(now);
        let tolerance_secs = self.tolerance.as_secs();
        let diff = i128::from(now) - i128::from(ts);
        let clamp = |d: i128| u64::try_from(d).unwrap_or(u64::MAX);
        if diff > i128::from(tolerance_secs) {
            return Err(WebhookError::TimestampTooOld {
                timestamp: ts,
                age_secs: clamp(diff),
                tolerance_secs,
            });
        }
        if -diff > i128::from(tolerance_secs) {
            return Err(WebhookError::TimestampInFuture {
                timestamp: ts,
                ahead_secs: clamp(-diff),
                tolerance_secs,
            });
        }
        Ok(())
    }

    /// Verifies, then decodes the body as `E`, with the event type found by [`event_type`].
    pub fn verify_event<E: WebhookEvent>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(Verified, E), WebhookError> {
        let verified = self.verify(headers, body, now)?;
        let ty = event_type(headers, body);
        Ok((verified, E::from_parts(ty.as_deref(), body)?))
    }

    /// The provider's id for this delivery, for deduplication: `webhook-id` (Standard
    /// Webhooks), the body's `id` (Stripe), `X-GitHub-Delivery` (GitHub), the spec's id
    /// header or else the body's `id` (generic HMAC). `None` when absent.
    pub fn event_id(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        match &self.scheme {
            Scheme::Standard => {
                let (id_h, _, _) = standard_names(headers);
                header_str(headers, id_h).ok().map(str::to_owned)
            }
            Scheme::Stripe => body_id(body),
            Scheme::GitHub => header_str(headers, GITHUB_DELIVERY).ok().map(str::to_owned),
            Scheme::Box => header_str(headers, vendors::BOX_DELIVERY_ID)
                .ok()
                .map(str::to_owned)
                .or_else(|| body_id(body)),
            Scheme::Hmac { spec, .. } => match spec.id_header {
                Some(h) => header_str(headers, h).ok().map(str::to_owned),
                None => body_id(body),
            },
        }
    }

    /// Signs `body` with the first secret as the provider would, returning the headers to
    /// send: for tests of receivers, and for replaying captured events to a local service.
    /// `event_id` fills `webhook-id`, `X-GitHub-Delivery` or the spec's id header (Stripe
    /// carries its id in the body).
    pub fn sign(
        &self,
        event_id: &str,
        timestamp: SystemTime,
        body: &[u8],
    ) -> Result<HeaderMap, WebhookError> {
        let key = self
            .keys
            .first()
            .ok_or(WebhookError::NoSecrets)?
            .expose_secret();
        let ts = unix(timestamp).to_string();
        let b64 = |m: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(m);
        let mut out: Vec<(&'static str, String)> = Vec::new();
        match &self.scheme {
            Scheme::Standard => {
                let m = mac(
                    Algorithm::Sha256,
                    key,
                    &[event_id.as_bytes(), b".", ts.as_bytes(), b".", body],
                );
                out.push((WEBHOOK_ID, event_id.to_owned()));
                out.push((WEBHOOK_TIMESTAMP, ts));
                out.push((WEBHOOK_SIGNATURE, format!("v1,{}", b64(m))));
            }
            Scheme::Stripe => {
                let m = mac(Algorithm::Sha256, key, &[ts.as_bytes(), b".", body]);
                out.push((STRIPE_SIGNATURE, format!("t={ts},v1={}", hex::encode(m))));
            }
            Scheme::GitHub => {
                out.push((
                    GITHUB_SIGNATURE,
                    format!(
                        "sha256={}",
                        hex::encode(mac(Algorithm::Sha256, key, &[body]))
                    ),
                ));
                out.push((GITHUB_DELIVERY, event_id.to_owned()));
            }
            Scheme::Box => out = vendors::box_sign(&self.keys, event_id, unix(timestamp), body),
            Scheme::Hmac { spec, parts } => {
                let pieces: Vec<&[u8]> = parts
                    .iter()
                    .map(|p| match p {
                        Part::Literal(l) => l.as_bytes(),
                        Part::Body => body,
                        Part::Timestamp => ts.as_bytes(),
                        Part::Id => event_id.as_bytes(),
                    })
                    .collect();
                let m = mac(spec.algorithm, key, &pieces);
                let enc = match spec.encoding {
                    SignatureEncoding::Hex => hex::encode(m),
                    SignatureEncoding::Base64 => b64(m),
                };
                out.push((spec.header, format!("{}{enc}", spec.prefix.unwrap_or(""))));
                if let Some(th) = spec.timestamp_header {
                    out.push((th, ts.clone()));
                }
                if let Some(ih) = spec.id_header {
                    out.push((ih, event_id.to_owned()));
                }
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in out {
            let header = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                WebhookError::InvalidSpec(format!("`{name}` is not a valid header name"))
            })?;
            let value =
                HeaderValue::from_str(&value).map_err(|_| WebhookError::MalformedHeader {
                    header: name,
                    reason: "the event id is not a valid header value",
                })?;
            headers.insert(header, value);
        }
        Ok(headers)
    }
}

impl VerifierBuilder {
    /// Adds another secret (during rotation, accept both the old and the new one).
    pub fn secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// How far the signed timestamp may be from `now`, either way (default 300 s).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks the secrets (and an HMAC spec) and builds the verifier. Secrets are used
    /// exactly as given, never trimmed: surrounding whitespace is part of a UTF-8 key (Stripe,
    /// GitHub) and makes a base64 secret (Standard Webhooks) an [`WebhookError::InvalidSecret`].
    pub fn build(self) -> Result<Verifier, WebhookError> {
        if self.secrets.is_empty() {
            return Err(WebhookError::NoSecrets);
        }
        let key_encoding = match &self.scheme {
            SchemeChoice::Standard => KeyEncoding::Base64,
            SchemeChoice::Stripe | SchemeChoice::GitHub | SchemeChoice::Box => KeyEncoding::Utf8,
            SchemeChoice::Hmac(spec) => spec.key,
        };
        let mut keys = Vec::with_capacity(self.secrets.len());
        for (index, secret) in self.secrets.iter().enumerate() {
            // Used as given: a space or newline around a UTF-8 secret is part of the key
            // (GitHub accepts such secrets); base64 text cannot hold one, so it is refused.
            let text = secret.expose_secret();
            let key = match key_encoding {
                KeyEncoding::Utf8 => text.as_bytes().to_vec(),
                KeyEncoding::Base64 if text.trim() != text => {
                    return Err(WebhookError::InvalidSecret {
                        index,
                        reason: "whitespace around a base64 secret (secrets are used as given)",
                    })
                }
                KeyEncoding::Base64 => base64::engine::general_purpose::STANDARD
                    .decode(text.strip_prefix("whsec_").unwrap_or(text))
                    .map_err(|_| WebhookError::InvalidSecret {
                        index,
                        reason: "not base64 after the `whsec_` prefix",
                    })?,
            };
            if key.is_empty() {
                return Err(WebhookError::InvalidSecret {
                    index,
                    reason: "empty",
                });
            }
            keys.push(SecretSlice::from(key));
        }
        let scheme = match self.scheme {
            SchemeChoice::Standard => Scheme::Standard,
            SchemeChoice::Stripe => Scheme::Stripe,
            SchemeChoice::GitHub => Scheme::GitHub,
            SchemeChoice::Box => Scheme::Box,
            SchemeChoice::Hmac(spec) => Scheme::Hmac {
                parts: spec.parts()?.into(),
                spec,
            },
        };
        Ok(Verifier {
            scheme,
            keys: keys.into(),
            tolerance: self.tolerance,
        })
    }
}

/// A webhook event type decoded from a verified body. Generated clients implement it for
/// their `WebhookEvent` enum:
///
/// - `event_type` is the discriminator [`event_type`] found: the `X-GitHub-Event` header,
///   else the body's `type`, `event` or `event_type` string field; `None` if there is none.
/// - Decode the known events into their variants and keep anything else as raw JSON (an
///   `Unknown { name, payload }` variant), so a new provider event never fails delivery.
/// - Map a JSON error to [`WebhookError::payload`].
///
/// ```
/// use sturdy_runtime::webhooks::{WebhookError, WebhookEvent};
/// #[derive(Debug)]
/// enum Event { Ping(serde_json::Value), Unknown { name: String, payload: serde_json::Value } }
/// impl WebhookEvent for Event {
///     fn from_parts(event_type: Option<&str>, body: &[u8]) -> Result<Self, WebhookError> {
///         let json = serde_json::from_slice(body).map_err(|e| WebhookError::payload(event_type, e))?;
///         Ok(match event_type {
///             Some("ping") => Event::Ping(json),
///             other => Event::Unknown { name: other.unwrap_or("").to_owned(), payload: json },
///         })
///     }
/// }
/// assert!(matches!(Event::from_parts(Some("ping"), b"{}"), Ok(Event::Ping(_))));
/// ```
pub trait WebhookEvent: Sized {
    /// Decodes `body`, whose event type is `event_type` when known.
    fn from_parts(event_type: Option<&str>, body: &[u8]) -> Result<Self, WebhookError>;
}

impl WebhookEvent for serde_json::Value {
    fn from_parts(event_type: Option<&str>, body: &[u8]) -> Result<Self, WebhookError> {
        serde_json::from_slice(body).map_err(|e| WebhookError::payload(event_type, e))
    }
}

/// The event type of a delivery: the `X-GitHub-Event` header, else the body's top-level
/// `type`, `event` or `event_type` string. (For GitHub, the spec's event keys are
/// `{event}-{action}` with `_` as `-`; the body's `action` completes the name.)
pub fn event_type(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Ok(v) = header_str(headers, GITHUB_EVENT) {
        return Some(v.to_owned());
    }
    #[derive(serde::Deserialize)]
    struct Discriminators<'a> {
        #[serde(borrow, rename = "type")]
        ty: Option<Cow<'a, str>>,
        #[serde(borrow)]
        event: Option<Cow<'a, str>>,
        #[serde(borrow)]
        event_type: Option<Cow<'a, str>>,
    }
    let d: Discriminators<'_> = serde_json::from_slice(body).ok()?;
    d.ty.or(d.event).or(d.event_type).map(Cow::into_owned)
}

/// The provider's event id, without knowing the scheme: `webhook-id`/`svix-id`,
/// `X-GitHub-Delivery`, else the body's top-level `id` string.
pub fn event_id(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    [WEBHOOK_ID, SVIX_ID, GITHUB_DELIVERY]
        .into_iter()
        .find_map(|h| header_str(headers, h).ok())
        .map(str::to_owned)
        .or_else(|| body_id(body))
}

fn body_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: Option<Cow<'a, str>>,
    }
    let parsed: Id<'_> = serde_json::from_slice(body).ok()?;
    parsed.id.map(Cow::into_owned)
}

fn standard_names(headers: &HeaderMap) -> (&'static str, &'static str, &'static str) {
    if !headers.contains_key(WEBHOOK_SIGNATURE) && headers.contains_key(SVIX_SIGNATURE) {
        (SVIX_ID, SVIX_TIMESTAMP, SVIX_SIGNATURE)
    } else {
        (WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE)
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, WebhookError> {
    let value = headers.get(name).ok_or(WebhookError::MissingHeader(name))?;
    value.to_str().map_err(|_| WebhookError::MalformedHeader {
        header: name,
        reason: "not visible ASCII",
    })
}

fn mac(alg: Algorithm, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let Ok(mut m) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
            return Vec::new();
        };
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }
    match alg {
        Algorithm::Sha256 => run::<Hmac<Sha256>>(key, parts),
        Algorithm::Sha512 => run::<Hmac<Sha512>>(key, parts),
    }
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn from_unix(ts: i64) -> SystemTime {
    match u64::try_from(ts) {
        Ok(s) => UNIX_EPOCH + Duration::from_secs(s),
        Err(_) => UNIX_EPOCH - Duration::from_secs(ts.unsigned_abs()),
    }
}

#[cfg(test)]
mod tests;
