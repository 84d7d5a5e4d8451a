//! The token endpoint's configuration and the [`OAuth2`] builder.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::{Inner, MemoryStore, OAuth2, State, TokenStore};
use crate::error::{Error, ErrorKind};
use crate::time::TimeSource;

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
    pub(super) token_url: String,
    pub(super) client_id: String,
    pub(super) client_secret: Option<SecretString>,
    pub(super) scopes: Vec<String>,
    pub(super) params: Vec<(String, String)>,
    pub(super) auth: ClientAuth,
    pub(super) margin: Duration,
    pub(super) attempts: u32,
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
pub(super) enum GrantKind {
    ClientCredentials,
    RefreshToken,
}

/// Builds an [`OAuth2`] token manager.
#[derive(Debug)]
pub struct OAuth2Builder {
    pub(super) config: OAuth2Config,
    pub(super) grant: GrantKind,
    pub(super) require_refresh_token: bool,
    pub(super) refresh_token: Option<SecretString>,
    pub(super) store: Option<Arc<dyn TokenStore>>,
    pub(super) time: TimeSource,
    pub(super) http: Option<reqwest::Client>,
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
                .redirect(crate::auth::origin::redirect_policy())
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
