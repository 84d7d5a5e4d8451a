//! OAuth2 tokens that do not expire in production: client credentials and refresh-token
//! grants, refreshed ahead of expiry with one refresh in flight however many calls wait,
//! rotated refresh tokens kept, and the authorization-code flow with PKCE.
//!
//! Defaults: refresh 120 s before `expires_in` runs out (or at half the lifetime when that is
//! shorter), 3 attempts at the token endpoint for 5xx and network failures (backoff through
//! the client's injected sleeper), a forced refresh (after a 401) at most once per 5 s.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sturdy_runtime::auth::oauth2::{OAuth2, OAuth2Config};
//! use sturdy_runtime::Credential;
//! let tokens = OAuth2::client_credentials(
//!     OAuth2Config::new("https://auth.example.com/token", "my-client", "my-secret").scope("read"),
//! )
//! .build()
//! .expect("valid config");
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("https://api.example.com")
//!     .credential("oauth", Credential::Provider(Arc::new(tokens)))
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```
//!
//! An application that must keep refresh tokens across restarts implements [`TokenStore`];
//! encrypt at rest by wrapping any store:
//!
//! ```
//! use secrecy::{ExposeSecret, SecretString};
//! use sturdy_runtime::auth::oauth2::{MemoryStore, TokenStore};
//! /// Encrypts with the application's own cipher (a key from its KMS, say) before storing.
//! struct Encrypted<S> { inner: S, seal: fn(&str) -> String, open: fn(&str) -> String }
//! impl<S: TokenStore> TokenStore for Encrypted<S> {
//!     fn load(&self) -> Option<SecretString> {
//!         self.inner.load().map(|s| SecretString::from((self.open)(s.expose_secret())))
//!     }
//!     fn save(&self, refresh_token: &SecretString) {
//!         self.inner.save(&SecretString::from((self.seal)(refresh_token.expose_secret())))
//!     }
//! }
//! let store = Encrypted { inner: MemoryStore::default(), seal: |s| s.chars().rev().collect(), open: |s| s.chars().rev().collect() };
//! store.save(&SecretString::from("rt-1".to_owned()));
//! assert_eq!(store.load().unwrap().expose_secret(), "rt-1");
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime};

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest;

use crate::auth::TokenProvider;
use crate::error::{Error, ErrorKind};
use crate::time::TimeSource;

/// Persists the refresh token (rotated ones included).
pub trait TokenStore: Send + Sync + 'static {
    /// The saved refresh token.
    fn load(&self) -> Option<SecretString>;
    /// Saves a (rotated) refresh token.
    fn save(&self, refresh_token: &SecretString);
}

/// The default store: memory only.
#[derive(Default)]
pub struct MemoryStore(StdMutex<Option<SecretString>>);

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStore([redacted])")
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Option<SecretString> {
        self.0.lock().ok()?.clone()
    }
    fn save(&self, refresh_token: &SecretString) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(refresh_token.clone());
        }
    }
}

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// HTTP basic with the client id and secret (RFC 6749 §2.3.1, the default).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Post,
}

/// The token endpoint and client credentials.
#[derive(Clone)]
pub struct OAuth2Config {
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    auth: ClientAuth,
    margin: Duration,
    attempts: u32,
}

impl fmt::Debug for OAuth2Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Config")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl OAuth2Config {
    /// A token endpoint with client credentials.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            scopes: Vec::new(),
            auth: ClientAuth::Basic,
            margin: Duration::from_secs(120),
            attempts: 3,
        }
    }
    /// Requests a scope (least privilege: the operations' scopes are listed in the docs).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }
    /// How the client authenticates.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }
    /// Refresh this long before expiry (default 120 s; at most half the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }
    /// Attempts at the token endpoint for retryable failures (default 3).
    pub fn attempts(mut self, n: u32) -> Self {
        self.attempts = n.max(1);
        self
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
    refresh_token: Option<SecretString>,
    store: Option<Arc<dyn TokenStore>>,
    time: TimeSource,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for dyn TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenStore")
    }
}

impl OAuth2Builder {
    /// Persists refresh tokens in `store` (loaded at start when no token was given).
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }
    /// Clock, sleep and jitter (tests pin them).
    pub fn time_source(mut self, time: TimeSource) -> Self {
        self.time = time;
        self
    }
    /// The HTTP client for the token endpoint.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Validates and builds.
    pub fn build(self) -> Result<OAuth2, Error> {
        if url::Url::parse(&self.config.token_url).is_err() {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("invalid token URL `{}`", self.config.token_url),
            ));
        }
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::default()));
        if let Some(rt) = &self.refresh_token {
            store.save(rt);
        }
        if self.grant == GrantKind::RefreshToken && store.load().is_none() {
            return Err(Error::new(
                ErrorKind::Credentials,
                "the refresh-token grant needs a refresh token (given or in the store)",
            ));
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(|e| Error::new(ErrorKind::InvalidRequest, e.to_string()))?,
        };
        Ok(OAuth2 {
            inner: Arc::new(Inner {
                config: self.config,
                grant: self.grant,
                store,
                time: self.time,
                http,
                state: tokio::sync::Mutex::new(None),
            }),
        })
    }
}

struct Cached {
    token: SecretString,
    expires_at: SystemTime,
    obtained_at: SystemTime,
}

struct Inner {
    config: OAuth2Config,
    grant: GrantKind,
    store: Arc<dyn TokenStore>,
    time: TimeSource,
    http: reqwest::Client,
    /// The cached token; the lock is what keeps one refresh in flight.
    state: tokio::sync::Mutex<Option<Cached>>,
}

/// An OAuth2 token manager; a [`TokenProvider`] for `Credential::Provider`. Cheap to clone.
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

impl OAuth2 {
    /// The client-credentials grant.
    pub fn client_credentials(config: OAuth2Config) -> OAuth2Builder {
        OAuth2Builder {
            config,
            grant: GrantKind::ClientCredentials,
            refresh_token: None,
            store: None,
            time: TimeSource::default(),
            http: None,
        }
    }

    /// The refresh-token grant, starting from `refresh_token` (or the store's, if `None`).
    pub fn refresh_token(config: OAuth2Config, refresh_token: Option<String>) -> OAuth2Builder {
        OAuth2Builder {
            config,
            grant: GrantKind::RefreshToken,
            refresh_token: refresh_token.map(SecretString::from),
            store: None,
            time: TimeSource::default(),
            http: None,
        }
    }

    fn fresh(&self, c: &Cached) -> bool {
        let now = self.inner.time.clock.system_now();
        let lifetime = c
            .expires_at
            .duration_since(c.obtained_at)
            .unwrap_or_default();
        let margin = self.inner.config.margin.min(lifetime / 2);
        now + margin < c.expires_at
    }

    /// The current access token, refreshing if it is due (one refresh in flight).
    pub async fn access_token(&self, force: bool) -> Result<SecretString, Error> {
        let mut state = self.inner.state.lock().await;
        if let Some(c) = state.as_ref() {
            let now = self.inner.time.clock.system_now();
            let recently =
                now.duration_since(c.obtained_at).unwrap_or_default() < Duration::from_secs(5);
            if self.fresh(c) && (!force || recently) {
                return Ok(c.token.clone());
            }
        }
        let fetched = self.fetch().await?;
        let token = fetched.token.clone();
        *state = Some(fetched);
        Ok(token)
    }

    async fn fetch(&self) -> Result<Cached, Error> {
        let cfg = &self.inner.config;
        let attempts = cfg.attempts;
        let mut last: Option<Error> = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                let base =
                    Duration::from_millis(200).saturating_mul(2u32.saturating_pow(attempt - 1));
                let delay = base.mul_f64(0.5 + 0.5 * self.inner.time.jitter.fraction());
                self.inner.time.sleeper.sleep(delay).await;
            }
            match self.request_token().await {
                Ok(c) => return Ok(c),
                Err((e, retryable)) => {
                    if !retryable {
                        return Err(e);
                    }
                    last = Some(e);
                }
            }
        }
        let mut e =
            last.unwrap_or_else(|| Error::new(ErrorKind::Credentials, "token endpoint failed"));
        e.inner_mut().kind = ErrorKind::Credentials;
        if e.provider_code().is_none() {
            e.inner_mut().provider_code = Some("token_endpoint_unavailable".to_owned());
        }
        e.inner_mut().hint =
            Some("the token endpoint kept failing: retry later; existing tokens expire soon");
        Err(e)
    }

    /// One token request. The error says whether retrying may help.
    async fn request_token(&self) -> Result<Cached, (Error, bool)> {
        let cfg = &self.inner.config;
        let mut form: Vec<(&str, String)> = Vec::new();
        match self.inner.grant {
            GrantKind::ClientCredentials => form.push(("grant_type", "client_credentials".into())),
            GrantKind::RefreshToken => {
                let rt = self.inner.store.load().ok_or_else(|| {
                    (
                        credentials_error("expired", "no refresh token", "reconnect the account"),
                        false,
                    )
                })?;
                form.push(("grant_type", "refresh_token".into()));
                form.push(("refresh_token", rt.expose_secret().to_owned()));
            }
        }
        if !cfg.scopes.is_empty() {
            form.push(("scope", cfg.scopes.join(" ")));
        }
        let mut req = self.inner.http.post(&cfg.token_url);
        match cfg.auth {
            ClientAuth::Basic => {
                req = req.basic_auth(&cfg.client_id, Some(cfg.client_secret.expose_secret()))
            }
            ClientAuth::Post => {
                form.push(("client_id", cfg.client_id.clone()));
                form.push((
                    "client_secret",
                    cfg.client_secret.expose_secret().to_owned(),
                ));
            }
        }
        let pairs: Vec<(String, String)> =
            form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let body = crate::encode::form_urlencode(&pairs);
        let resp = req
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                let kind = if e.is_connect() {
                    ErrorKind::Connect
                } else {
                    ErrorKind::Network
                };
                (
                    Error::new(
                        kind,
                        format!("token endpoint: {}", crate::redact::reqwest_message(&e)),
                    ),
                    true,
                )
            })?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| {
            (
                Error::new(
                    ErrorKind::Network,
                    format!("token endpoint: {}", crate::redact::reqwest_message(&e)),
                ),
                true,
            )
        })?;
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        if !(200..300).contains(&status) {
            let code = json
                .get("error")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned();
            let desc = json
                .get("error_description")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned();
            let retryable = status >= 500 || status == 429 || status == 408;
            let (code, hint) = match code.as_str() {
                "invalid_grant" => (
                    "invalid_grant",
                    "the refresh token was revoked or expired: reconnect the account",
                ),
                "invalid_client" => (
                    "invalid_client",
                    "the client id or secret is wrong: check the app's credentials",
                ),
                "" if status == 401 => (
                    "invalid_client",
                    "the client id or secret is wrong: check the app's credentials",
                ),
                "" => (
                    "token_endpoint_error",
                    "the token endpoint refused the request",
                ),
                other => {
                    let leaked: &'static str = match other {
                        "invalid_scope" => "invalid_scope",
                        "unauthorized_client" => "unauthorized_client",
                        "unsupported_grant_type" => "unsupported_grant_type",
                        "temporarily_unavailable" => "temporarily_unavailable",
                        _ => "token_endpoint_error",
                    };
                    (
                        leaked,
                        "the token endpoint refused the request: see the provider message",
                    )
                }
            };
            let mut e =
                credentials_error(code, format!("token endpoint answered HTTP {status}"), hint);
            e.inner_mut().status = Some(status);
            if !desc.is_empty() {
                e.inner_mut().provider_message = Some(desc);
            }
            return Err((e, retryable));
        }
        let access = json
            .get("access_token")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                (
                    credentials_error(
                        "token_endpoint_error",
                        "token response without access_token",
                        "the token endpoint answered oddly",
                    ),
                    false,
                )
            })?;
        let expires_in = json
            .get("expires_in")
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(3600);
        if let Some(rt) = json.get("refresh_token").and_then(|v| v.as_str()) {
            if self.inner.grant == GrantKind::RefreshToken {
                // Rotated refresh tokens are kept; the old one may already be invalid.
                self.inner.store.save(&SecretString::from(rt.to_owned()));
            }
        }
        let now = self.inner.time.clock.system_now();
        tracing::debug!(expires_in, "obtained an access token");
        Ok(Cached {
            token: SecretString::from(access.to_owned()),
            expires_at: now + Duration::from_secs(expires_in),
            obtained_at: now,
        })
    }
}

impl TokenProvider for OAuth2 {
    fn token(
        &self,
        force_refresh: bool,
    ) -> Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + '_>> {
        Box::pin(self.access_token(force_refresh))
    }
}

/// A PKCE verifier and its S256 challenge (RFC 7636).
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"[redacted]")
            .field("challenge", &self.challenge)
            .finish()
    }
}

/// The S256 challenge of a verifier: `BASE64URL(SHA256(verifier))`, unpadded.
pub fn s256_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

fn random_unreserved(len: usize) -> String {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    (0..len)
        .map(|_| SET[rand::random::<usize>() % SET.len()] as char)
        .collect()
}

impl Pkce {
    /// A new random verifier (64 unreserved characters) and its challenge.
    pub fn new() -> Self {
        Self::from_verifier(random_unreserved(64))
    }
    /// From a known verifier (tests).
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = s256_challenge(&verifier);
        Self {
            verifier: SecretString::from(verifier),
            challenge,
        }
    }
    /// The challenge sent in the authorize URL.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// An authorization-code request in progress: the URL to send the user to, and what is
/// needed to finish (the `state` to check and the PKCE verifier).
#[derive(Debug)]
pub struct AuthorizationRequest {
    /// The URL to open in the user's browser.
    pub url: String,
    state: String,
    pkce: Pkce,
    redirect_uri: String,
}

impl AuthorizationRequest {
    /// Builds the authorize URL with `state` and an S256 code challenge.
    pub fn new(
        authorization_url: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> Result<Self, Error> {
        let mut url = url::Url::parse(authorization_url).map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, format!("authorization URL: {e}"))
        })?;
        let state = random_unreserved(32);
        let pkce = Pkce::new();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", &state)
            .append_pair("code_challenge", pkce.challenge())
            .append_pair("code_challenge_method", "S256");
        if !scopes.is_empty() {
            url.query_pairs_mut()
                .append_pair("scope", &scopes.join(" "));
        }
        Ok(Self {
            url: url.to_string(),
            state,
            pkce,
            redirect_uri: redirect_uri.to_owned(),
        })
    }

    /// The `state` sent (store it with the user's session).
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Checks the `state` returned on the redirect (CSRF), in constant time.
    pub fn check_state(&self, returned: &str) -> Result<(), Error> {
        use subtle::ConstantTimeEq;
        if self.state.as_bytes().ct_eq(returned.as_bytes()).into() {
            Ok(())
        } else {
            Err(credentials_error(
                "state_mismatch",
                "the returned state does not match the one sent",
                "possible CSRF: restart the sign-in",
            ))
        }
    }

    /// Exchanges the returned code (after checking `state`) for tokens, and returns a token
    /// manager on the refresh-token grant.
    pub async fn exchange(
        self,
        config: OAuth2Config,
        returned_state: &str,
        code: &str,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<OAuth2, Error> {
        self.check_state(returned_state)?;
        let mut pairs = vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), self.redirect_uri.clone()),
            (
                "code_verifier".to_owned(),
                self.pkce.verifier.expose_secret().to_owned(),
            ),
        ];
        let http = reqwest::Client::new();
        let mut req = http.post(&config.token_url);
        match config.auth {
            ClientAuth::Basic => {
                req = req.basic_auth(
                    &config.client_id,
                    Some(config.client_secret.expose_secret()),
                )
            }
            ClientAuth::Post => {
                pairs.push(("client_id".into(), config.client_id.clone()));
                pairs.push((
                    "client_secret".into(),
                    config.client_secret.expose_secret().to_owned(),
                ));
            }
        }
        let resp = req
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(crate::encode::form_urlencode(&pairs))
            .send()
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Network,
                    format!("token endpoint: {}", crate::redact::reqwest_message(&e)),
                )
            })?;
        let status = resp.status().as_u16();
        let json: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        let Some(rt) = json
            .get("refresh_token")
            .and_then(|v| v.as_str())
            .filter(|_| (200..300).contains(&status))
        else {
            let code = json
                .get("error")
                .and_then(|v| v.as_str())
                .unwrap_or("token_endpoint_error")
                .to_owned();
            let mut e = credentials_error(
                "token_endpoint_error",
                format!("code exchange failed (HTTP {status}, {code})"),
                "restart the sign-in",
            );
            e.inner_mut().status = Some(status);
            return Err(e);
        };
        let mut b = OAuth2::refresh_token(config, Some(rt.to_owned()));
        if let Some(s) = store {
            b = b.store(s);
        }
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned());
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn authorize_url_carries_state_and_challenge_and_wrong_state_is_refused() {
        let r = AuthorizationRequest::new(
            "https://auth.example.com/authorize",
            "cid",
            "https://app/cb",
            &["read", "write"],
        )
        .unwrap();
        let u = url::Url::parse(&r.url).unwrap();
        let q: std::collections::BTreeMap<String, String> = u.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], r.state());
        assert_eq!(q["scope"], "read write");
        assert_eq!(q["code_challenge"].len(), 43);
        assert!(r.check_state(r.state()).is_ok());
        let e = r.check_state("forged").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert_eq!(e.provider_code(), Some("state_mismatch"));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let cfg = OAuth2Config::new("https://x/token", "cid", "CANARY-SECRET");
        assert!(!format!("{cfg:?}").contains("CANARY"));
        let p = Pkce::from_verifier("CANARY-VERIFIER".into());
        assert!(!format!("{p:?}").contains("CANARY"));
        let o = OAuth2::refresh_token(cfg, Some("CANARY-RT".into()))
            .build()
            .unwrap();
        assert!(!format!("{o:?}").contains("CANARY"));
    }
}
