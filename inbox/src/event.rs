//! Stored events and their states.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where an event is in its life.
///
/// `received → processing → applied`, or `processing → failed` (retried at
/// `next_attempt_at`) and finally `dead` after the worker's maximum attempts. A
/// `processing` event whose lease has run out (its worker died) is claimable again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Stored, not yet claimed.
    Received,
    /// Claimed by a worker whose lease has not run out.
    Processing,
    /// The handler succeeded.
    Applied,
    /// The handler failed; retried at `next_attempt_at`.
    Failed,
    /// The handler failed on every attempt; waits for an operator's replay.
    Dead,
}

impl Status {
    /// Every status, in life order.
    pub const ALL: [Status; 5] = [
        Status::Received,
        Status::Processing,
        Status::Applied,
        Status::Failed,
        Status::Dead,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Processing => "processing",
            Status::Applied => "applied",
            Status::Failed => "failed",
            Status::Dead => "dead",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A status name that is not one of [`Status::ALL`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown event status `{0}`; expected received, processing, applied, failed or dead")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// An event as the inbox stores it: the raw body and headers as received, plus its state.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredEvent {
    /// The inbox's own id.
    pub id: i64,
    /// The provider name given to [`Inbox::receive`](crate::Inbox::receive).
    pub provider: String,
    /// The provider's event id (or `sha256:<hex of body>` when it sends none).
    pub event_id: String,
    /// The event type, when the delivery names one (see
    /// [`event_type`](sturdy_runtime::webhooks::event_type)).
    pub event_type: Option<String>,
    /// The request headers, in order, without `Authorization`/`Cookie`.
    pub headers: Vec<(String, String)>,
    /// The raw body bytes, exactly as verified.
    pub body: Vec<u8>,
    /// The state.
    pub status: Status,
    /// How many times a worker has claimed it.
    pub attempts: u32,
    /// When it was received.
    pub received_at: SystemTime,
    /// When it may next be claimed (for `failed`).
    pub next_attempt_at: SystemTime,
    /// The last handler error, if any.
    pub last_error: Option<String>,
    /// When the handler succeeded.
    pub applied_at: Option<SystemTime>,
    /// While `processing`: when the current claim's lease runs out.
    pub lease_until: Option<SystemTime>,
    /// The name of the worker that claimed it last.
    pub claimed_by: Option<String>,
}

impl fmt::Debug for StoredEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredEvent")
            .field("id", &self.id)
            .field("provider", &self.provider)
            .field("event_id", &self.event_id)
            .field("event_type", &self.event_type)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .field("body_len", &self.body.len())
            .field("last_error", &self.last_error)
            .field("lease_until", &self.lease_until)
            .field("claimed_by", &self.claimed_by)
            .finish_non_exhaustive()
    }
}

impl StoredEvent {
    /// The body decoded as JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A verified event about to be stored.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewEvent {
    /// Provider name.
    pub provider: String,
    /// Provider's event id.
    pub event_id: String,
    /// Event type, when known.
    pub event_type: Option<String>,
    /// Headers, as JSON `[[name, value], ...]`.
    pub headers_json: String,
    /// Raw body.
    pub body: Vec<u8>,
    /// Reception time, in milliseconds since the Unix epoch.
    pub received_at_ms: i64,
}

/// An event a worker holds, with the token that proves it still owns the lease.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The event.
    pub event: StoredEvent,
    /// The claim's token; completing with a stale token changes nothing.
    pub token: String,
}

/// Milliseconds since the Unix epoch (negative before it).
pub fn to_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The inverse of [`to_ms`].
pub fn from_ms(ms: i64) -> SystemTime {
    match u64::try_from(ms) {
        Ok(m) => UNIX_EPOCH + Duration::from_millis(m),
        Err(_) => UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs()),
    }
}

/// Parses the stored headers JSON; a corrupt value yields no headers rather than an error.
pub(crate) fn headers_from_json(text: &str) -> Vec<(String, String)> {
    serde_json::from_str(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert!("done".parse::<Status>().is_err());
    }

    #[test]
    fn status_display_honours_width() {
        assert_eq!(format!("[{:<10}]", Status::Dead), "[dead      ]");
    }

    #[test]
    fn ms_round_trips() {
        for ms in [0, 1, 1_700_000_000_123, -5] {
            assert_eq!(to_ms(from_ms(ms)), ms);
        }
    }
}
