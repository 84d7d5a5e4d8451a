//! OAuth2 tokens that do not expire in production: the client-credentials and refresh-token
//! grants and the authorization-code flow with PKCE, behind one token manager, [`OAuth2`],
//! which is a [`TokenProvider`] for [`crate::Credential::Provider`].
//!
//! What it does:
//! - **Caches** the access token and **refreshes ahead of expiry**: `refresh_margin` (default
//!   120 s) before `expires_in` runs out, but never before half the token's lifetime has
//!   passed, so a 2 s token is refreshed after 1 s and a one-hour token after 58 minutes.
//!   A response without `expires_in` is taken to last one hour. Expiry is judged by the
//!   manager's [`TimeSource`] clock (give it the client's, see [`OAuth2Builder::time_source`]).
//! - **One refresh in flight**: however many calls need a token at once, one request goes to
//!   the token endpoint and the others wait for its result (a success or the same error).
//! - **A 401 refreshes the refused token** (the executor passes the token the API refused,
//!   [`OAuth2::access_token_after_rejection`], and replays the call once): the token is
//!   refreshed however young it is (a token revoked a second after it was issued is replaced
//!   on its first 401), unless a concurrent caller already replaced it, so many calls refused
//!   at once cost one refresh.
//! - **A failed refresh is retried like any safe call**: 5xx, 408, 429 and network failures,
//!   `attempts` times in all (default 3), with exponential backoff from 200 ms and equal
//!   jitter through the time source's sleeper and jitter (a `Retry-After` up to 10 s is
//!   honoured). If it still fails while the cached token has not expired, the cached token is
//!   used, and the next try is [`RETRY_PAUSE`] later (or at expiry); otherwise the call fails.
//! - **Clear failures**: every failure is an [`ErrorKind::Credentials`] error (nothing was
//!   sent to the API) whose [`Error::provider_code`] says why: `invalid_grant` (the refresh
//!   token was revoked, expired or already used: the user must reconnect), `invalid_client`
//!   (wrong client id or secret), `expired` (no refresh token left), another OAuth2 error
//!   code from the provider, or `token_endpoint_unavailable`. The hint says what to do.
//! - **Rotated refresh tokens are kept**: a new `refresh_token` in a response replaces the old
//!   one in the [`TokenStore`] (memory by default; see [`crate::auth::store`] for a store
//!   that encrypts at rest).
//! - Client authentication: HTTP basic (the default, RFC 6749 §2.3.1: id and secret
//!   form-urlencoded, then base64), `client_secret_post`, or none for a public client.
//!
//! Client credentials:
//!
//! ```no_run
//! use std::sync::Arc;
//! use sturdy_runtime::auth::oauth2::{OAuth2, OAuth2Config};
//! use sturdy_runtime::Credential;
//! let time = sturdy_runtime::time::TimeSource::default();
//! let tokens = OAuth2::client_credentials(
//!     OAuth2Config::new("https://auth.example.com/token", "my-client", "my-secret").scope("read"),
//! )
//! .time_source(time.clone())
//! .build()
//! .expect("a valid token URL");
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("https://api.example.com")
//!     .time_source(time)
//!     .credential("oauth", Credential::Provider(Arc::new(tokens)))
//!     .build()
//!     .expect("a valid client");
//! # let _ = client;
//! ```
//!
//! A refresh token you already hold (`OAuth2::refresh_token(config, Some(token))`), or one
//! kept in a store from an earlier run (`None` and [`OAuth2Builder::store`]), works the same.
//!
//! Authorization code with PKCE (a user connects their account):
//!
//! ```no_run
//! # async fn demo(redirect_url_the_browser_came_back_with: String) -> Result<(), sturdy_runtime::Error> {
//! use std::sync::Arc;
//! use sturdy_runtime::auth::oauth2::{OAuth2, OAuth2Config};
//! use sturdy_runtime::auth::pkce::AuthorizationRequest;
//! let config = OAuth2Config::new("https://auth.example.com/token", "my-client", "my-secret");
//! let tokens = OAuth2::authorization_code(config).build()?;
//! let request = AuthorizationRequest::new(
//!     "https://auth.example.com/authorize",
//!     "my-client",
//!     "http://127.0.0.1:8765/callback",
//!     &["tasks:read"],
//! )?;
//! println!("open {}", request.url());
//! // ... the browser comes back to the redirect URI ...
//! tokens.connect_redirect(&request, &redirect_url_the_browser_came_back_with).await?;
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("https://api.example.com")
//!     .credential("oauth2", sturdy_runtime::Credential::Provider(Arc::new(tokens)))
//!     .build()
//!     .expect("a valid client");
//! # let _ = client; Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::auth::TokenProvider;
use crate::error::{Error, ErrorKind};
use crate::time::TimeSource;

pub use crate::auth::pkce::{s256_challenge, AuthorizationRequest, Pkce};
pub use crate::auth::store::{MemoryStore, TokenStore};

/// After a refresh ahead of expiry failed, how long the still-valid token is used before the
/// next try (sooner if it expires).
pub const RETRY_PAUSE: Duration = Duration::from_secs(5);

/// The lifetime assumed when a token response has no `expires_in`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

mod config;
mod exchange;
#[cfg(test)]
mod tests;

use config::GrantKind;
pub use config::{ClientAuth, OAuth2Builder, OAuth2Config};
use exchange::Grant;

struct Cached {
    token: SecretString,
    obtained_at: SystemTime,
    expires_at: SystemTime,
}

impl Cached {
    /// Due for a refresh: `margin` before expiry, but not before half the lifetime.
    fn due(&self, now: SystemTime, margin: Duration) -> bool {
        let lifetime = self
            .expires_at
            .duration_since(self.obtained_at)
            .unwrap_or_default();
        let margin = margin.min(lifetime / 2);
        now + margin >= self.expires_at
    }

    fn expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// The error of the last refresh, if it failed; shared with the callers that waited.
    last_error: Option<Error>,
    /// Counts finished refreshes (success or failure).
    generation: u64,
    /// After a failed refresh ahead of expiry, the cached token is used without trying
    /// again until then.
    next_try: Option<SystemTime>,
}

struct Inner {
    config: OAuth2Config,
    grant: GrantKind,
    store: Arc<dyn TokenStore>,
    time: TimeSource,
    http: reqwest::Client,
    /// A copy of `state.generation`, readable without the lock.
    generation: AtomicU64,
    /// The lock is what keeps one refresh in flight.
    state: tokio::sync::Mutex<State>,
}

/// An OAuth2 token manager; a [`TokenProvider`] for `Credential::Provider`. Cheap to clone:
/// clones share the cached token and the refresh lock.
#[derive(Clone)]
pub struct OAuth2 {
    inner: Arc<Inner>,
}

impl fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2")
            .field("config", &self.inner.config)
            .field("grant", &self.inner.grant)
            .finish_non_exhaustive()
    }
}

fn credentials_error(code: &str, message: impl Into<String>, hint: &'static str) -> Error {
    let mut e = Error::new(ErrorKind::Credentials, message);
    let i = e.inner_mut();
    i.provider_code = Some(code.to_owned());
    i.hint = Some(hint);
    e
}

fn copy_error(e: &mut Error) -> Error {
    let mut c = Error::new(e.kind(), String::new());
    *c.inner_mut() = e.inner_mut().clone();
    c
}

impl OAuth2 {
    fn builder(config: OAuth2Config, grant: GrantKind) -> OAuth2Builder {
        OAuth2Builder {
            config,
            grant,
            require_refresh_token: false,
            refresh_token: None,
            store: None,
            time: TimeSource::default(),
            http: None,
        }
    }

    /// The client-credentials grant (a service acting for itself).
    pub fn client_credentials(config: OAuth2Config) -> OAuth2Builder {
        Self::builder(config, GrantKind::ClientCredentials)
    }

    /// The refresh-token grant, starting from `refresh_token` (or the store's when `None`;
    /// `build` fails with provider code `expired` if neither has one).
    pub fn refresh_token(config: OAuth2Config, refresh_token: Option<String>) -> OAuth2Builder {
        let mut b = Self::builder(config, GrantKind::RefreshToken);
        b.require_refresh_token = true;
        b.refresh_token = refresh_token.map(SecretString::from);
        b
    }

    /// The authorization-code flow: not connected until [`OAuth2::connect`] exchanges a code
    /// (or the store already holds a refresh token from an earlier run); then the
    /// refresh-token grant.
    pub fn authorization_code(config: OAuth2Config) -> OAuth2Builder {
        Self::builder(config, GrantKind::RefreshToken)
    }

    /// The configuration.
    pub fn config(&self) -> &OAuth2Config {
        &self.inner.config
    }

    /// Whether a refresh token is held (always true for the client-credentials grant).
    pub fn is_connected(&self) -> bool {
        self.inner.grant == GrantKind::ClientCredentials || self.inner.store.load().is_some()
    }

    /// Finishes the authorization-code flow: checks `returned_state` against the request's
    /// (constant time; a mismatch is provider code `state_mismatch` and nothing is sent),
    /// exchanges `code` with the PKCE verifier, caches the access token and saves the refresh
    /// token in the store.
    pub async fn connect(
        &self,
        request: &AuthorizationRequest,
        returned_state: &str,
        code: &str,
    ) -> Result<(), Error> {
        request.check_state(returned_state)?;
        let mut state = self.inner.state.lock().await;
        let grant = Grant::AuthorizationCode {
            code,
            verifier: request.verifier(),
            redirect_uri: request.redirect_uri(),
        };
        let result = self.fetch(&grant).await;
        self.finish(&mut state, result).map(|_| ())
    }

    /// [`OAuth2::connect`] from the URL (or query string) the browser was redirected to.
    pub async fn connect_redirect(
        &self,
        request: &AuthorizationRequest,
        redirect: &str,
    ) -> Result<(), Error> {
        let code = request.code_from_redirect(redirect)?;
        self.connect(request, request.state(), &code).await
    }

    /// A valid access token: the cached one, or a new one if it is due (one refresh in
    /// flight). `force` asks for a new one because the API refused the current one.
    pub async fn access_token(&self, force: bool) -> Result<SecretString, Error> {
        let seen = self.inner.generation.load(Ordering::Acquire);
        let mut state = self.inner.state.lock().await;
        let now = self.inner.time.clock.system_now();
        let refreshed_meanwhile = state.generation != seen;
        if refreshed_meanwhile {
            // Another caller refreshed while this one waited: share its outcome.
            let st = &mut *state;
            if let Some(e) = st.last_error.as_mut() {
                let usable = st.cached.as_ref().filter(|c| !force && !c.expired(now));
                if let Some(c) = usable {
                    return Ok(c.token.clone());
                }
                return Err(copy_error(e));
            }
        }
        if let Some(c) = &state.cached {
            let keep = if force {
                refreshed_meanwhile
            } else {
                !c.due(now, self.inner.config.margin) || state.next_try.is_some_and(|t| now < t)
            };
            if keep && !c.expired(now) {
                return Ok(c.token.clone());
            }
        }
        self.refresh_locked(&mut state, now, force).await
    }

    /// A new access token because the API refused `rejected` with a 401: the refused token
    /// is refreshed however young it is, unless the cached token is already another one (a
    /// concurrent caller refreshed first), so many calls refused at once cost one refresh.
    pub async fn access_token_after_rejection(
        &self,
        rejected: &SecretString,
    ) -> Result<SecretString, Error> {
        let mut state = self.inner.state.lock().await;
        let now = self.inner.time.clock.system_now();
        if let Some(c) = &state.cached {
            if !c.expired(now) && c.token.expose_secret() != rejected.expose_secret() {
                return Ok(c.token.clone());
            }
        }
        self.refresh_locked(&mut state, now, true).await
    }

    /// Refreshes under the lock: one grant (with retries), then the outcome recorded.
    async fn refresh_locked(
        &self,
        state: &mut State,
        now: SystemTime,
        force: bool,
    ) -> Result<SecretString, Error> {
        let grant = match self.inner.grant {
            GrantKind::ClientCredentials => Grant::ClientCredentials,
            GrantKind::RefreshToken => match self.inner.store.load() {
                Some(rt) => Grant::RefreshToken(rt),
                // A code exchange without a refresh token: its access token serves until it
                // expires, then the user connects again.
                None => {
                    if let Some(c) = state.cached.as_ref().filter(|c| !force && !c.expired(now)) {
                        return Ok(c.token.clone());
                    }
                    return Err(credentials_error(
                        "expired",
                        "no refresh token: the account is not connected",
                        "connect the account with the authorization-code flow, or pass a refresh token",
                    ));
                }
            },
        };
        let result = self.fetch(&grant).await;
        match self.finish(state, result) {
            Ok(token) => Ok(token),
            Err(e) => {
                let st = state;
                let stale = st.cached.as_ref().filter(|c| !force && !c.expired(now));
                match stale {
                    Some(c) if e.is_retryable() => {
                        st.next_try = Some(now + RETRY_PAUSE);
                        tracing::warn!(
                            error = %e,
                            "could not refresh the access token ahead of expiry; using the current one"
                        );
                        Ok(c.token.clone())
                    }
                    _ => Err(e),
                }
            }
        }
    }

    /// Records the outcome of a refresh under the lock.
    fn finish(
        &self,
        state: &mut State,
        result: Result<Cached, Error>,
    ) -> Result<SecretString, Error> {
        state.generation += 1;
        self.inner
            .generation
            .store(state.generation, Ordering::Release);
        match result {
            Ok(c) => {
                let token = c.token.clone();
                state.cached = Some(c);
                state.last_error = None;
                state.next_try = None;
                Ok(token)
            }
            Err(mut e) => {
                if matches!(e.provider_code(), Some("invalid_grant" | "invalid_client")) {
                    // A revoked grant or a wrong secret: the current token must not be used.
                    state.cached = None;
                }
                state.last_error = Some(copy_error(&mut e));
                Err(e)
            }
        }
    }
}

impl TokenProvider for OAuth2 {
    fn token(
        &self,
        force_refresh: bool,
    ) -> Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + '_>> {
        Box::pin(self.access_token(force_refresh))
    }

    fn token_after_rejection<'a>(
        &'a self,
        rejected: &'a SecretString,
    ) -> Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + 'a>> {
        Box::pin(self.access_token_after_rejection(rejected))
    }
}
