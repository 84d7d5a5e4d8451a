//! The registered API clients and their connection state, as the page shows them.

use serde::Serialize;
use sturdy_runtime::health::{Health, HealthState};

/// Something whose connection state the console shows; `sturdy_runtime::Client`
/// implements it.
pub trait ClientHealth: Send + Sync + 'static {
    /// The current state and last error.
    fn health(&self) -> Health;
}

impl ClientHealth for sturdy_runtime::Client {
    fn health(&self) -> Health {
        sturdy_runtime::Client::health(self)
    }
}

/// One client's row.
#[derive(Debug, Serialize)]
pub(crate) struct ClientView {
    pub name: String,
    /// `healthy`, `needs_reauth`...: the CSS class.
    pub state: &'static str,
    /// "healthy", "needs re-auth"...
    pub label: &'static str,
    pub error: Option<String>,
    pub hint: Option<&'static str>,
    pub at: Option<String>,
    pub circuits: Vec<String>,
}

/// The words the page uses for `state`.
pub(crate) fn label(state: HealthState) -> &'static str {
    match state {
        HealthState::NeedsReauth => "needs re-auth",
        HealthState::CircuitOpen => "circuit open",
        HealthState::RateLimited => "rate limited",
        HealthState::Degraded => "degraded",
        HealthState::Healthy => "healthy",
        // A state this console does not know yet: its stable name.
        other => other.as_str(),
    }
}

pub(crate) fn view(name: &str, health: &Health) -> ClientView {
    let err = health.last_error.as_ref();
    ClientView {
        name: name.to_owned(),
        state: health.state.as_str(),
        label: label(health.state),
        error: err.map(|e| {
            let status = e.status.map(|s| format!("HTTP {s}, ")).unwrap_or_default();
            let code = e.provider_code.as_deref().unwrap_or("-");
            format!("{status}{code}: {} (in {})", e.message, e.operation_id)
        }),
        hint: err.and_then(|e| e.hint()),
        at: err.map(|e| super::view::time(e.at)),
        circuits: health
            .circuits
            .iter()
            .map(|(host, s)| format!("{host}: {s}"))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_words() {
        for (s, w) in [
            (HealthState::NeedsReauth, "needs re-auth"),
            (HealthState::CircuitOpen, "circuit open"),
            (HealthState::RateLimited, "rate limited"),
            (HealthState::Degraded, "degraded"),
            (HealthState::Healthy, "healthy"),
        ] {
            assert_eq!(label(s), w);
        }
        let v = view(
            "gh",
            &Health {
                state: HealthState::Healthy,
                last_error: None,
                circuits: vec![("api.github.com".into(), "half_open")],
            },
        );
        assert_eq!((v.state, v.error, v.circuits.len()), ("healthy", None, 1));
    }
}
