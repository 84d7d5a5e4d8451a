//! Who may look: the operator token, sessions (a cookie) and their CSRF tokens.

use std::collections::HashMap;
use std::sync::Mutex;

use http::HeaderMap;
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "sturdy_console";
/// At most this many sessions are kept; the oldest go first.
const MAX_SESSIONS: usize = 256;

/// How a session is opened.
pub(crate) enum Gate {
    /// By posting the token with this SHA-256.
    Token([u8; 32]),
    /// On the first page view: the application's auth layer guards the router.
    External,
}

impl Gate {
    pub(crate) fn token(token: &str) -> Self {
        Gate::Token(Sha256::digest(token.as_bytes()).into())
    }
}

/// A logged-in operator's session.
#[derive(Clone)]
pub(crate) struct Session {
    /// The CSRF token every POST of this session must carry.
    pub csrf: String,
}

/// The open sessions.
pub(crate) struct Sessions {
    gate: Gate,
    open: Mutex<(HashMap<String, Session>, Vec<String>)>,
}

impl Sessions {
    pub(crate) fn new(gate: Gate) -> Self {
        Sessions {
            gate,
            open: Mutex::new((HashMap::new(), Vec::new())),
        }
    }

    /// Whether a login form is needed (false behind the application's auth).
    pub(crate) fn needs_login(&self) -> bool {
        matches!(self.gate, Gate::Token(_))
    }

    /// Whether `token` is the operator token (compared in constant time over its digest).
    pub(crate) fn token_matches(&self, token: &str) -> bool {
        match &self.gate {
            Gate::Token(want) => {
                let got: [u8; 32] = Sha256::digest(token.as_bytes()).into();
                got.iter().zip(want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
            }
            Gate::External => false,
        }
    }

    /// The session the request's cookie names, if it is open.
    pub(crate) fn current(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, COOKIE)?;
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.0.get(&id).cloned()
    }

    /// Opens a session; returns its id (the cookie value) and the session.
    pub(crate) fn open(&self) -> (String, Session) {
        let id = random_token();
        let session = Session {
            csrf: random_token(),
        };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.1.len() >= MAX_SESSIONS {
            let oldest = open.1.remove(0);
            open.0.remove(&oldest);
        }
        open.0.insert(id.clone(), session.clone());
        open.1.push(id.clone());
        (id, session)
    }

    /// Closes the request's session, if any.
    pub(crate) fn close(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            open.0.remove(&id);
            open.1.retain(|s| *s != id);
        }
    }
}

/// The `Set-Cookie` value for session `id` under `path`.
pub(crate) fn set_cookie(id: &str, path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    format!("{COOKIE}={id}; Path={path}; HttpOnly; SameSite=Strict")
}

/// 256 random bits as hex (two v4 UUIDs' random bytes).
fn random_token() -> String {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    format!("{}{}", a.simple(), b.simple())
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether `given` equals `want`, in time independent of where they differ.
pub(crate) fn same(given: &str, want: &str) -> bool {
    given.len() == want.len()
        && given
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::COOKIE, v.parse().unwrap());
        h
    }

    #[test]
    fn the_token_is_checked_and_sessions_open_and_close() {
        let s = Sessions::new(Gate::token("op-secret"));
        assert!(s.token_matches("op-secret"));
        assert!(!s.token_matches("op-secreT"));
        assert!(!s.token_matches(""));
        let (id, session) = s.open();
        let h = with_cookie(&format!("a=1; {COOKIE}={id}; b=2"));
        assert_eq!(s.current(&h).unwrap().csrf, session.csrf);
        assert!(s.current(&with_cookie(&format!("{COOKIE}=nope"))).is_none());
        assert!(s.current(&HeaderMap::new()).is_none());
        s.close(&h);
        assert!(s.current(&h).is_none());
    }

    #[test]
    fn behind_app_auth_no_token_opens_a_session() {
        let s = Sessions::new(Gate::External);
        assert!(!s.needs_login());
        assert!(!s.token_matches(""));
    }

    #[test]
    fn old_sessions_are_dropped_past_the_cap() {
        let s = Sessions::new(Gate::External);
        let (first, _) = s.open();
        for _ in 0..MAX_SESSIONS {
            s.open();
        }
        assert!(s
            .current(&with_cookie(&format!("{COOKIE}={first}")))
            .is_none());
    }

    #[test]
    fn csrf_comparison() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("ab", "abc"));
        assert_eq!(random_token().len(), 64);
        assert_ne!(random_token(), random_token());
    }
}
