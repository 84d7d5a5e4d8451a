//! Rendering: the embedded templates, and what of an event the page may show.

use std::time::SystemTime;

use minijinja::Environment;
use serde::Serialize;

use crate::StoredEvent;

/// The value shown instead of a secret header's.
pub(crate) const REDACTED: &str = "[redacted]";

/// Header names containing one of these are shown as [`REDACTED`].
const SECRET_HEADER_PARTS: [&str; 8] = [
    "signature",
    "secret",
    "token",
    "key",
    "auth",
    "cookie",
    "password",
    "session",
];

/// The templates, compiled once (HTML escaping on, as their names end in `.html`).
pub(crate) struct Views {
    env: Environment<'static>,
}

impl Views {
    /// Templates whose links start with `base` (the path the router is nested under).
    pub(crate) fn new(base: &str) -> Self {
        let mut env = Environment::new();
        env.add_global("home", home(base));
        for (name, src) in [
            (
                "layout.html",
                include_str!("../../templates/console/layout.html"),
            ),
            (
                "login.html",
                include_str!("../../templates/console/login.html"),
            ),
            (
                "overview.html",
                include_str!("../../templates/console/overview.html"),
            ),
            (
                "event.html",
                include_str!("../../templates/console/event.html"),
            ),
        ] {
            // The templates are part of the crate; the unit test below renders each one.
            if let Err(e) = env.add_template(name, src) {
                tracing::error!(name, error = %e, "console template does not compile");
            }
        }
        Views { env }
    }

    /// Renders `name` with `ctx`; a rendering error becomes a plain message (never a panic).
    pub(crate) fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| {
                tracing::error!(name, error = %e, "console page failed to render");
                format!("the page could not be rendered: {e}")
            })
    }
}

/// The overview's path: `/` at the root, else `base` itself (axum's `nest("/ops", ..)`
/// serves the nested `/` at `/ops`, not `/ops/`).
pub(crate) fn home(base: &str) -> String {
    if base.is_empty() {
        "/".to_owned()
    } else {
        base.to_owned()
    }
}

/// A time as the page shows it (UTC, seconds).
pub(crate) fn time(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

/// Whether a header's value must not reach the page.
pub(crate) fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADER_PARTS.iter().any(|p| name.contains(p))
}

/// An event row or page.
#[derive(Debug, Serialize)]
pub(crate) struct EventView {
    pub id: i64,
    pub provider: String,
    pub event_id: String,
    pub event_type: Option<String>,
    pub status: &'static str,
    pub attempts: u32,
    pub received_at: String,
    pub next_attempt_at: String,
    pub applied_at: Option<String>,
    pub last_error: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What the page may show of `e`: secret headers redacted, the body as text (JSON
/// pretty-printed); `with_body` false leaves headers and body out (lists).
pub(crate) fn event(e: &StoredEvent, with_body: bool) -> EventView {
    let (headers, body) = if with_body {
        let headers = e
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if is_secret_header(k) {
                    REDACTED.to_owned()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect();
        let body = serde_json::from_slice::<serde_json::Value>(&e.body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| String::from_utf8_lossy(&e.body).into_owned());
        (headers, body)
    } else {
        (Vec::new(), String::new())
    };
    EventView {
        id: e.id,
        provider: e.provider.clone(),
        event_id: e.event_id.clone(),
        event_type: e.event_type.clone(),
        status: e.status.as_str(),
        attempts: e.attempts,
        received_at: time(e.received_at),
        next_attempt_at: time(e.next_attempt_at),
        applied_at: e.applied_at.map(time),
        last_error: e.last_error.clone(),
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_headers_are_recognised() {
        for h in [
            "Stripe-Signature",
            "webhook-signature",
            "X-Hub-Signature-256",
            "x-api-key",
            "X-Auth-Token",
            "set-cookie",
            "x-shopify-hmac-sha256-secret",
        ] {
            assert!(is_secret_header(h), "{h}");
        }
        for h in [
            "content-type",
            "webhook-id",
            "x-github-delivery",
            "user-agent",
        ] {
            assert!(!is_secret_header(h), "{h}");
        }
    }

    #[test]
    fn every_template_compiles() {
        let v = Views::new("/ops");
        assert_eq!(
            (home(""), home("/ops")),
            ("/".to_owned(), "/ops".to_owned())
        );
        for name in ["layout.html", "login.html", "overview.html", "event.html"] {
            assert!(v.env.get_template(name).is_ok(), "{name}");
        }
        assert!(v.render("missing.html", ()).is_err());
    }
}
