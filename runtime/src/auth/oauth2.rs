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

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::auth::TokenProvider;
use crate::error::{Error, ErrorKind, Sent};
use crate::time::TimeSource;

pub use crate::auth::pkce::{s256_challenge, AuthorizationRequest, Pkce};
pub use crate::auth::store::{MemoryStore, TokenStore};

/// After a refresh ahead of expiry failed, how long the still-valid token is used before the
/// next try (sooner if it expires).
pub const RETRY_PAUSE: Duration = Duration::from_secs(5);

/// The lifetime assumed when a token response has no `expires_in`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// HTTP basic with the client id and secret (RFC 6749 §2.3.1; the default).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    Post,
    /// A public client: `client_id` in the form body, no secret (PKCE apps).
    None,
}

/// The token endpoint, the client's credentials and the refresh rules.
#[derive(Clone)]
pub struct OAuth2Config {
    token_url: String,
    client_id: String,
    client_secret: Option<SecretString>,
    scopes: Vec<String>,
    params: Vec<(String, String)>,
    auth: ClientAuth,
    margin: Duration,
    attempts: u32,
}

impl fmt::Debug for OAuth2Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Config")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("scopes", &self.scopes)
            .field("auth", &self.auth)
            .field("refresh_margin", &self.margin)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl OAuth2Config {
    /// A confidential client: its id and secret, sent with HTTP basic.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: Some(SecretString::from(client_secret.into())),
            scopes: Vec::new(),
            params: Vec::new(),
            auth: ClientAuth::Basic,
            margin: Duration::from_secs(120),
            attempts: 3,
        }
    }

    /// A public client (no secret; the authorization-code flow with PKCE).
    pub fn public(token_url: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            client_secret: None,
            auth: ClientAuth::None,
            ..Self::new(token_url, client_id, String::new())
        }
    }

    /// Requests a scope. Ask for the least the application needs: the generated docs list
    /// each operation's scopes.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Requests several scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// An extra form parameter sent with every token request (`audience`, `resource`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// How the client authenticates to the token endpoint (default: HTTP basic).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Refresh this long before expiry (default 120 s), but never before half the token's
    /// lifetime has passed.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Attempts at the token endpoint for retryable failures (default 3, at least 1).
    pub fn attempts(mut self, n: u32) -> Self {
        self.attempts = n.max(1);
        self
    }

    /// The scopes requested.
    pub fn requested_scopes(&self) -> &[String] {
        &self.scopes
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GrantKind {
    ClientCredentials,
    RefreshToken,
}

/// Builds an [`OAuth2`] token manager.
#[derive(Debug)]
pub struct OAuth2Builder {
    config: OAuth2Config,
    grant: GrantKind,
    require_refresh_token: bool,
    refresh_token: Option<SecretString>,
    store: Option<Arc<dyn TokenStore>>,
    time: TimeSource,
    http: Option<reqwest::Client>,
}

impl OAuth2Builder {
    /// Keeps refresh tokens in `store` (read at start when no token was given; rotated tokens
    /// are saved there). Default: a [`MemoryStore`].
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Clock, sleep and jitter for expiry decisions and retry backoff. Pass the client's
    /// ([`crate::Client::time`] or the one given to its builder) so both agree.
    pub fn time_source(mut self, time: TimeSource) -> Self {
        self.time = time;
        self
    }

    /// The HTTP client for the token endpoint (default: one with a 5 s connect and a 30 s
    /// request timeout).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<OAuth2, Error> {
        let url = url::Url::parse(&self.config.token_url).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "the token URL `{}` does not parse: {e}",
                    self.config.token_url
                ),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("the token URL `{url}` is not http(s)"),
            ));
        }
        if self.config.auth != ClientAuth::None && self.config.client_secret.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "a public client (no secret) must use ClientAuth::None",
            ));
        }
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::default()));
        if let Some(rt) = &self.refresh_token {
            store.save(rt);
        }
        if self.require_refresh_token && store.load().is_none() {
            let mut e = Error::new(
                ErrorKind::Credentials,
                "the refresh-token grant needs a refresh token, given or in the store",
            );
            e.inner_mut().provider_code = Some("expired".to_owned());
            e.inner_mut().hint = Some(
                "pass the refresh token, or connect the account with the authorization-code flow",
            );
            return Err(e);
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(30))
                // The client secret and refresh token go to the token URL's origin only.
                .redirect(super::origin::redirect_policy())
                .user_agent(concat!("sturdy-runtime/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::new(ErrorKind::InvalidRequest, format!("HTTP client: {e}")))?,
        };
        Ok(OAuth2 {
            inner: Arc::new(Inner {
                config: self.config,
                grant: self.grant,
                store,
                time: self.time,
                http,
                generation: AtomicU64::new(0),
                state: tokio::sync::Mutex::new(State::default()),
            }),
        })
    }
}

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

/// What one token request may carry beyond the grant's own parameters.
enum Grant<'a> {
    ClientCredentials,
    RefreshToken(SecretString),
    AuthorizationCode {
        code: &'a str,
        verifier: &'a SecretString,
        redirect_uri: &'a str,
    },
}

impl Grant<'_> {
    fn name(&self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::RefreshToken(_) => "refresh_token",
            Grant::AuthorizationCode { .. } => "authorization_code",
        }
    }
}

/// A failed token request: the error and whether another attempt may succeed.
struct Failed {
    error: Error,
    retryable: bool,
    retry_after: Option<Duration>,
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

    /// One grant with retries; every failure comes back as a Credentials error.
    async fn fetch(&self, grant: &Grant<'_>) -> Result<Cached, Error> {
        let cfg = &self.inner.config;
        let time = &self.inner.time;
        let span = tracing::debug_span!("sturdy.oauth2.token", grant = grant.name());
        async {
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let failed = match self.request_token(grant).await {
                    Ok(c) => return Ok(c),
                    Err(f) => f,
                };
                let Failed {
                    error: mut e,
                    retryable,
                    retry_after,
                } = failed;
                if !retryable || attempt >= cfg.attempts {
                    let i = e.inner_mut();
                    i.kind = ErrorKind::Credentials;
                    i.sent = Some(Sent::No);
                    i.attempts = attempt;
                    i.retryable = retryable;
                    if retryable {
                        i.message = format!(
                            "could not obtain an access token: the token endpoint failed {attempt} time{} ({})",
                            if attempt == 1 { "" } else { "s" },
                            i.message
                        );
                        if i.provider_code.is_none() {
                            i.provider_code = Some("token_endpoint_unavailable".to_owned());
                        }
                        i.hint = Some("the token endpoint is failing: try again later");
                    }
                    return Err(e);
                }
                let base = Duration::from_millis(200).saturating_mul(1u32 << (attempt - 1).min(16));
                let mut delay = base.mul_f64(0.5 + 0.5 * time.jitter.fraction().clamp(0.0, 1.0));
                if let Some(ra) = retry_after {
                    delay = delay.max(ra.min(Duration::from_secs(10)));
                }
                tracing::debug!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    error = %e,
                    "token request failed; retrying"
                );
                time.sleeper.sleep(delay).await;
            }
        }
        .instrument(span)
        .await
    }

    /// One token request.
    async fn request_token(&self, grant: &Grant<'_>) -> Result<Cached, Failed> {
        let cfg = &self.inner.config;
        let mut form: Vec<(String, String)> = vec![("grant_type".into(), grant.name().into())];
        match grant {
            Grant::ClientCredentials => {}
            Grant::RefreshToken(rt) => {
                form.push(("refresh_token".into(), rt.expose_secret().to_owned()));
            }
            Grant::AuthorizationCode {
                code,
                verifier,
                redirect_uri,
            } => {
                form.push(("code".into(), (*code).to_owned()));
                form.push(("redirect_uri".into(), (*redirect_uri).to_owned()));
                form.push(("code_verifier".into(), verifier.expose_secret().to_owned()));
            }
        }
        if !cfg.scopes.is_empty() && !matches!(grant, Grant::AuthorizationCode { .. }) {
            form.push(("scope".into(), cfg.scopes.join(" ")));
        }
        form.extend(cfg.params.iter().cloned());
        let mut req = self.inner.http.post(&cfg.token_url);
        match (cfg.auth, &cfg.client_secret) {
            (ClientAuth::Basic, Some(secret)) => {
                // RFC 6749 §2.3.1: form-urlencode id and secret, then base64 `id:secret`.
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let raw = format!("{}:{}", enc(&cfg.client_id), enc(secret.expose_secret()));
                let enc = base64::engine::general_purpose::STANDARD.encode(raw);
                let Ok(mut value) = reqwest::header::HeaderValue::from_str(&format!("Basic {enc}"))
                else {
                    return Err(Failed {
                        error: Error::new(ErrorKind::Credentials, "unreachable: base64 is ASCII"),
                        retryable: false,
                        retry_after: None,
                    });
                };
                value.set_sensitive(true);
                req = req.header(reqwest::header::AUTHORIZATION, value);
            }
            (ClientAuth::Post, Some(secret)) => {
                form.push(("client_id".into(), cfg.client_id.clone()));
                form.push(("client_secret".into(), secret.expose_secret().to_owned()));
            }
            _ => form.push(("client_id".into(), cfg.client_id.clone())),
        }
        let body = crate::encode::form_urlencode(&form);
        let network = |e: reqwest::Error| {
            let kind = if e.is_connect() {
                ErrorKind::Connect
            } else if e.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Network
            };
            let error = Error::new(
                ErrorKind::Credentials,
                format!(
                    "token endpoint {}: {}",
                    kind.as_str(),
                    crate::redact::reqwest_message(&e)
                ),
            );
            Failed {
                error,
                retryable: true,
                retry_after: None,
            }
        };
        let resp = req
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(network)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(network)?;
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        if !(200..300).contains(&status) {
            return Err(self.refusal(status, &headers, &json));
        }
        let Some(access) = json
            .get("access_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
        else {
            let error = credentials_error(
                "token_endpoint_error",
                format!("the token endpoint answered HTTP {status} without an access_token"),
                "the token URL may be wrong: check it points at the provider's token endpoint",
            );
            return Err(Failed {
                error,
                retryable: false,
                retry_after: None,
            });
        };
        if let Some(tt) = json.get("token_type").and_then(|v| v.as_str()) {
            if !tt.eq_ignore_ascii_case("bearer") {
                tracing::warn!(
                    token_type = tt,
                    "token type is not Bearer; sending it as a bearer token"
                );
            }
        }
        let lifetime = json
            .get("expires_in")
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            })
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_LIFETIME);
        if let Some(rt) = json
            .get("refresh_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
        {
            if self.inner.grant == GrantKind::RefreshToken {
                // A rotated refresh token replaces the old one, which may no longer work.
                self.inner.store.save(&SecretString::from(rt.to_owned()));
            }
        }
        let now = self.inner.time.clock.system_now();
        tracing::debug!(
            expires_in_s = lifetime.as_secs(),
            "obtained an access token"
        );
        Ok(Cached {
            token: SecretString::from(access.to_owned()),
            obtained_at: now,
            expires_at: now + lifetime,
        })
    }

    /// The error of a non-success token response.
    fn refusal(&self, status: u16, headers: &http::HeaderMap, json: &serde_json::Value) -> Failed {
        let code = json
            .get("error")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned();
        // RFC 6749 §5.2, or a problem document (RFC 9457) from servers that answer with one.
        let description = ["error_description", "detail", "title"]
            .iter()
            .find_map(|k| json.get(*k).and_then(|v| v.as_str()))
            .map(str::to_owned);
        let retryable =
            status >= 500 || status == 429 || status == 408 || code == "temporarily_unavailable";
        let (code, hint): (String, &'static str) = match code.as_str() {
            "invalid_grant" => (
                code,
                "the refresh token or code was revoked, expired or already used: reconnect the account",
            ),
            "invalid_client" => (
                code,
                "the client id or secret is wrong: check the app's credentials",
            ),
            "" if status == 401 => (
                "invalid_client".into(),
                "the client id or secret is wrong: check the app's credentials",
            ),
            "invalid_scope" => (
                code,
                "a requested scope is not allowed for this client: check the scopes",
            ),
            "unauthorized_client" => (
                code,
                "this client may not use this grant: check the app's settings at the provider",
            ),
            "" if retryable => (
                String::new(),
                "the token endpoint is failing: try again later",
            ),
            "" => (
                "token_endpoint_error".into(),
                "the token endpoint refused the request: see the provider's message, and check the token URL",
            ),
            _ => (
                code,
                "the token endpoint refused the request: see the provider's message",
            ),
        };
        let mut error = Error::new(
            ErrorKind::Credentials,
            format!("the token endpoint answered HTTP {status}"),
        );
        {
            // No `status`, `url` or request id: those describe the API call, which was not
            // sent; the token endpoint's status is in the message.
            let i = error.inner_mut();
            i.provider_code = (!code.is_empty()).then_some(code);
            i.provider_message = description;
            i.hint = Some(hint);
        }
        Failed {
            error,
            retryable,
            retry_after: crate::normalize::retry_after(headers, self.inner.time.clock.system_now()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ManualClock;
    use std::time::UNIX_EPOCH;

    fn cached(lifetime: u64) -> Cached {
        Cached {
            token: SecretString::from("t".to_owned()),
            obtained_at: UNIX_EPOCH,
            expires_at: UNIX_EPOCH + Duration::from_secs(lifetime),
        }
    }

    #[test]
    fn refresh_is_due_a_margin_before_expiry_or_at_half_life() {
        let m = Duration::from_secs(120);
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        let hour = cached(3600);
        assert!(!hour.due(at(3479), m));
        assert!(hour.due(at(3480), m));
        let short = cached(2);
        assert!(!short.due(UNIX_EPOCH + Duration::from_millis(999), m));
        assert!(short.due(at(1), m));
        assert!(!short.expired(at(1)));
        assert!(short.expired(at(2)));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let cfg = OAuth2Config::new("https://x/token", "cid", "CANARY-SECRET");
        assert!(!format!("{cfg:?}").contains("CANARY"));
        let b = OAuth2::refresh_token(cfg.clone(), Some("CANARY-RT".into()));
        assert!(!format!("{b:?}").contains("CANARY"));
        let o = b.build().unwrap();
        assert!(!format!("{o:?}").contains("CANARY"));
    }

    #[test]
    fn builds_check_the_url_the_secret_and_the_refresh_token() {
        let e = OAuth2::client_credentials(OAuth2Config::new("nope", "c", "s"))
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        let e = OAuth2::refresh_token(OAuth2Config::new("https://x/t", "c", "s"), None)
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert_eq!(e.provider_code(), Some("expired"));
        let e = OAuth2::client_credentials(
            OAuth2Config::public("https://x/t", "c").client_auth(ClientAuth::Basic),
        )
        .build()
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::with("kept"));
        let o = OAuth2::refresh_token(OAuth2Config::new("https://x/t", "c", "s"), None)
            .store(store)
            .build()
            .unwrap();
        assert!(o.is_connected());
        let o = OAuth2::authorization_code(OAuth2Config::public("https://x/t", "c"))
            .build()
            .unwrap();
        assert!(!o.is_connected());
    }

    #[tokio::test]
    async fn not_connected_is_expired_without_a_request() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let o = OAuth2::authorization_code(OAuth2Config::public("http://127.0.0.1:9/t", "c"))
            .time_source(clock.time_source(0.0))
            .build()
            .unwrap();
        let e = o.access_token(false).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert_eq!(e.provider_code(), Some("expired"));
        assert!(clock.sleeps().is_empty());
    }
}
