//! Built-in provider profiles: overlays shipped inside the generator that state what a
//! provider's own documentation says and its published spec does not (which operations accept
//! an idempotency key, the version header to pin, the error body, how webhooks are signed and
//! which events exist).
//!
//! A profile is selected when a `servers` URL of the spec has one of its hosts; it is applied
//! after the spec is read (a contract snapshot is converted first) and before the user's
//! overlays, so a user overlay can still change what a profile set. [`crate::Settings`]'s
//! `no_profile` (`sturdy generate --no-profile`) turns profiles off; `sturdy profile show
//! NAME` prints one. The source of each profile is `generator/profiles/NAME.yaml`, whose
//! comments cite the documentation every fact comes from.
//!
//! ```
//! use sturdy_generator::load::profiles;
//! let spec = serde_json::json!({"servers": [{"url": "https://api.stripe.com/"}]});
//! let names: Vec<&str> = profiles::matching(&spec).iter().map(|p| p.name).collect();
//! assert_eq!(names, ["stripe"]);
//! ```

mod stripe_events;

#[cfg(test)]
mod tests;

use std::path::Path;

use serde_json::Value;

use super::overlay::Overlay;
use super::LoadError;

pub use stripe_events::stripe_event_object;

/// A built-in provider profile.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Its name (`stripe`), as `sturdy profile show` takes it.
    pub name: &'static str,
    /// The server hosts that select it (exact, case-insensitive).
    pub hosts: &'static [&'static str],
    /// The overlay text (OpenAPI Overlay 1.0, YAML), with its citations.
    pub text: &'static str,
    /// A step run after the overlay that derives contract facts from the spec itself (the
    /// Stripe webhook events from `enabled_events`).
    derive: Option<Derive>,
}

/// A profile's derivation step: edits the spec, or says why it cannot.
type Derive = fn(&mut Value) -> Result<(), String>;

const PROFILES: &[Profile] = &[
    Profile {
        name: "stripe",
        hosts: &["api.stripe.com", "files.stripe.com"],
        text: include_str!("../../profiles/stripe.yaml"),
        derive: Some(stripe_events::add_webhooks),
    },
    Profile {
        name: "github",
        hosts: &["api.github.com"],
        text: include_str!("../../profiles/github.yaml"),
        derive: None,
    },
    Profile {
        name: "slack",
        hosts: &["slack.com"],
        text: include_str!("../../profiles/slack.yaml"),
        derive: None,
    },
    Profile {
        name: "box",
        hosts: &["api.box.com"],
        text: include_str!("../../profiles/box.yaml"),
        derive: None,
    },
    Profile {
        name: "twilio",
        hosts: &["api.twilio.com"],
        text: include_str!("../../profiles/twilio.yaml"),
        derive: None,
    },
    Profile {
        name: "openai",
        hosts: &["api.openai.com"],
        text: include_str!("../../profiles/openai.yaml"),
        derive: None,
    },
];

/// Every built-in profile, by name.
pub fn all() -> &'static [Profile] {
    PROFILES
}

/// The profile called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// The profiles whose hosts appear among the `servers` URLs of `raw` (the document root).
pub fn matching(raw: &Value) -> Vec<&'static Profile> {
    let hosts: Vec<String> = raw
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("url").and_then(Value::as_str))
        .filter_map(host_of)
        .collect();
    PROFILES
        .iter()
        .filter(|p| {
            p.hosts
                .iter()
                .any(|h| hosts.iter().any(|s| s.eq_ignore_ascii_case(h)))
        })
        .collect()
}

/// The host of a server URL (`https://api.stripe.com/v1` → `api.stripe.com`), without a
/// port or user info; `None` for a relative URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

impl Profile {
    /// The profile's overlay.
    pub fn overlay(&self) -> Result<Overlay, LoadError> {
        Overlay::from_str(self.text, &self.source_path())
    }

    /// Applies the profile to `raw`: its overlay (an action whose target selects nothing, such
    /// as "every DELETE" in a spec without one, is skipped), then what it derives from the spec.
    pub fn apply(&self, raw: &mut Value) -> Result<(), LoadError> {
        self.overlay()?.apply_with(raw, true)?;
        if let Some(derive) = self.derive {
            derive(raw).map_err(|message| LoadError::Invalid {
                path: self.source_path(),
                pointer: "#".into(),
                line: None,
                message,
            })?;
        }
        Ok(())
    }

    fn source_path(&self) -> std::path::PathBuf {
        Path::new("<built-in profile>").join(format!("{}.yaml", self.name))
    }
}

/// Applies every profile matching `raw`, in the order of [`all`], and returns their names.
pub fn apply_matching(raw: &mut Value) -> Result<Vec<String>, LoadError> {
    let found = matching(raw);
    for p in &found {
        p.apply(raw)?;
    }
    Ok(found.iter().map(|p| p.name.to_owned()).collect())
}
