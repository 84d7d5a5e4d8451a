//! Where refresh tokens live between refreshes (and, for an application that wants it,
//! between restarts).
//!
//! The token manager ([`crate::auth::oauth2::OAuth2`]) loads the refresh token from its store
//! before each refresh-token grant and saves the new one whenever the provider rotates it, so
//! a rotated token is never lost. The default is [`MemoryStore`]. To keep refresh tokens
//! encrypted at rest, wrap any store; the cipher is the application's own (a key from its
//! KMS, say):
//!
//! ```
//! use secrecy::{ExposeSecret, SecretString};
//! use sturdy_runtime::auth::store::{MemoryStore, TokenStore};
//!
//! /// Seals each token before the inner store sees it and opens it on the way out.
//! struct Encrypted<S> {
//!     inner: S,
//!     seal: Box<dyn Fn(&str) -> String + Send + Sync>,
//!     open: Box<dyn Fn(&str) -> Option<String> + Send + Sync>,
//! }
//!
//! impl<S: TokenStore> TokenStore for Encrypted<S> {
//!     fn load(&self) -> Option<SecretString> {
//!         let sealed = self.inner.load()?;
//!         (self.open)(sealed.expose_secret()).map(SecretString::from)
//!     }
//!     fn save(&self, refresh_token: &SecretString) {
//!         let sealed = (self.seal)(refresh_token.expose_secret());
//!         self.inner.save(&SecretString::from(sealed));
//!     }
//! }
//!
//! // A stand-in cipher for the example; use a real AEAD in an application.
//! let store = Encrypted {
//!     inner: MemoryStore::default(),
//!     seal: Box::new(|s| s.bytes().map(|b| format!("{:02x}", b ^ 0x5a)).collect()),
//!     open: Box::new(|s| {
//!         let bytes: Option<Vec<u8>> = (0..s.len())
//!             .step_by(2)
//!             .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok().map(|b| b ^ 0x5a))
//!             .collect();
//!         String::from_utf8(bytes?).ok()
//!     }),
//! };
//! store.save(&SecretString::from("rt-1".to_owned()));
//! assert_eq!(store.load().unwrap().expose_secret(), "rt-1");
//! assert_ne!(store.inner.load().unwrap().expose_secret(), "rt-1");
//! ```

use std::fmt;
use std::sync::Mutex;

use secrecy::SecretString;

/// Persists the refresh token of one connection (rotated ones included).
///
/// Both methods are called with the token manager's refresh lock held, so a store sees one
/// refresh at a time. They are synchronous: keep them quick (a file or a local database).
pub trait TokenStore: Send + Sync + 'static {
    /// The saved refresh token, if any.
    fn load(&self) -> Option<SecretString>;
    /// Saves a refresh token, replacing the previous one.
    fn save(&self, refresh_token: &SecretString);
}

impl fmt::Debug for dyn TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenStore(..)")
    }
}

/// The default store: memory only, lost at exit.
#[derive(Default)]
pub struct MemoryStore(Mutex<Option<SecretString>>);

impl MemoryStore {
    /// A store holding `refresh_token`.
    pub fn with(refresh_token: impl Into<String>) -> Self {
        Self(Mutex::new(Some(SecretString::from(refresh_token.into()))))
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.0.lock().map(|g| g.is_some()).unwrap_or(false);
        f.debug_struct("MemoryStore")
            .field("holds_token", &held)
            .finish()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Option<SecretString> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    fn save(&self, refresh_token: &SecretString) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(refresh_token.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn memory_store_keeps_the_latest_token_and_hides_it() {
        let s = MemoryStore::default();
        assert!(s.load().is_none());
        s.save(&SecretString::from("CANARY-1".to_owned()));
        s.save(&SecretString::from("CANARY-2".to_owned()));
        assert_eq!(s.load().unwrap().expose_secret(), "CANARY-2");
        assert!(!format!("{s:?}").contains("CANARY"));
        assert_eq!(MemoryStore::with("x").load().unwrap().expose_secret(), "x");
    }
}
