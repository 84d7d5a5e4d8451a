//! Credentials and how they are applied to each request, per the operation's security
//! requirements.
//!
//! A generated client declares its `securitySchemes` as a `&'static [SecurityScheme]`; the
//! application supplies a [`Credential`] per scheme name. Credentials can be replaced while the
//! client runs ([`crate::Client::set_credential`]), so a rotated key takes effect on the next
//! request without a restart.
//!
//! - Each operation lists its security alternatives; the first whose every scheme has a
//!   credential is applied (API keys in a header, query parameter or cookie; bearer; basic),
//!   an empty alternative makes auth optional, and none at all is a
//!   [`ErrorKind::Credentials`] error (provider code `missing_credentials`) before anything is
//!   sent.
//! - Keys can come from the environment: [`env_var_name`] names the variable per scheme and
//!   [`Credential::from_scheme_env`] reads it.
//! - Tokens that refresh come from a [`TokenProvider`]: the OAuth2 manager
//!   ([`oauth2::OAuth2`]: client credentials, refresh token, authorization code with PKCE in
//!   [`pkce`], refresh tokens kept in a [`store::TokenStore`]) or any async function
//!   ([`Credential::provider_fn`]). After a 401 on such a credential the call is replayed once
//!   with a forced refresh; a static key is not replayed.
//! - [`crate::Client::verify_credentials`] checks the credentials at start-up; contracts that
//!   require HMAC-signed requests use [`signing::RequestSigner`].
//! - Credentials go only to the API's origin: a next-page link or redirect elsewhere is
//!   refused ([`origin`]).
//! - No secret appears in `Debug`, logs, spans or errors.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorKind};
use crate::request::OperationMeta;

pub mod oauth2;
pub mod origin;
pub mod pkce;
pub mod signing;
pub mod store;
mod verify;

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// A security scheme as declared by the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemeKind {
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// Where it goes.
        location: ApiKeyLocation,
        /// The header, parameter or cookie name.
        name: &'static str,
    },
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <base64(user:password)>`.
    Basic,
    /// OAuth2: a bearer token obtained from a token endpoint.
    OAuth2 {
        /// The token URL of the client-credentials or authorization-code flow, if declared.
        token_url: Option<&'static str>,
        /// The authorization URL of the authorization-code flow, if declared.
        authorization_url: Option<&'static str>,
    },
    /// OpenID Connect: a bearer token.
    OpenIdConnect,
}

/// A named security scheme. Generated code builds one with the `const` constructors below
/// (not a struct literal), so the runtime can grow without breaking generated crates.
///
/// ```
/// use sturdy_runtime::auth::ApiKeyLocation;
/// use sturdy_runtime::SecurityScheme;
/// static SCHEMES: [SecurityScheme; 2] = [
///     SecurityScheme::api_key("apiKey", ApiKeyLocation::Header, "x-api-key"),
///     SecurityScheme::oauth2("oauth", Some("https://auth.example.com/token"), None),
/// ];
/// # let _ = &SCHEMES;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The name in `components.securitySchemes`.
    pub name: &'static str,
    /// What it is.
    pub kind: SchemeKind,
}

impl SecurityScheme {
    /// A scheme named `name` of `kind`.
    pub const fn new(name: &'static str, kind: SchemeKind) -> Self {
        Self { name, kind }
    }
    /// An API key sent at `location` under `param` (a header, query or cookie name).
    pub const fn api_key(
        name: &'static str,
        location: ApiKeyLocation,
        param: &'static str,
    ) -> Self {
        Self::new(
            name,
            SchemeKind::ApiKey {
                location,
                name: param,
            },
        )
    }
    /// `Authorization: Bearer <token>`.
    pub const fn bearer(name: &'static str) -> Self {
        Self::new(name, SchemeKind::Bearer)
    }
    /// `Authorization: Basic ...`.
    pub const fn basic(name: &'static str) -> Self {
        Self::new(name, SchemeKind::Basic)
    }
    /// OAuth2, with the flows' token and authorization URLs when the spec declares them.
    pub const fn oauth2(
        name: &'static str,
        token_url: Option<&'static str>,
        authorization_url: Option<&'static str>,
    ) -> Self {
        Self::new(
            name,
            SchemeKind::OAuth2 {
                token_url,
                authorization_url,
            },
        )
    }
    /// OpenID Connect.
    pub const fn open_id_connect(name: &'static str) -> Self {
        Self::new(name, SchemeKind::OpenIdConnect)
    }
}

/// Supplies bearer tokens, refreshing as needed (OAuth2). Implemented by the OAuth2 token
/// manager; an application can implement it for any other token source.
pub trait TokenProvider: Send + Sync + 'static {
    /// A valid access token. `force_refresh` asks for a new one.
    fn token(
        &self,
        force_refresh: bool,
    ) -> Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + '_>>;

    /// A new token because the API refused `rejected` with a 401 (the call is then replayed
    /// once). The default asks [`TokenProvider::token`] with `force_refresh`; a provider that
    /// caches should refresh only while its current token is the refused one, so many calls
    /// refused at once cost one refresh, however young the token.
    fn token_after_rejection<'a>(
        &'a self,
        rejected: &'a SecretString,
    ) -> Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + 'a>> {
        let _ = rejected;
        self.token(true)
    }
}

/// A credential for one scheme. Its `Debug` never shows the secret.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credential {
    /// An API key (for an `apiKey` scheme) or a static token (for `bearer`, `oauth2`).
    Token(SecretString),
    /// User and password for `basic`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// A token source that refreshes (OAuth2).
    Provider(Arc<dyn TokenProvider>),
}

impl Credential {
    /// A static key or token.
    pub fn token(secret: impl Into<String>) -> Self {
        Credential::Token(SecretString::from(secret.into()))
    }

    /// User and password.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credential::Basic {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// A refreshing token source from an async function, called before every attempt with
    /// `force_refresh` (true after the API refused the last token with a 401). The function
    /// should cache: it is called once per attempt.
    ///
    /// ```
    /// use sturdy_runtime::Credential;
    /// let cred = Credential::provider_fn(|_force_refresh| async {
    ///     Ok::<_, sturdy_runtime::Error>(secrecy::SecretString::from("token-from-vault".to_owned()))
    /// });
    /// # let _ = cred;
    /// ```
    pub fn provider_fn<F, Fut>(f: F) -> Self
    where
        F: Fn(bool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SecretString, Error>> + Send + 'static,
    {
        struct FnProvider<F>(F);
        impl<F, Fut> TokenProvider for FnProvider<F>
        where
            F: Fn(bool) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Result<SecretString, Error>> + Send + 'static,
        {
            fn token(
                &self,
                force_refresh: bool,
            ) -> Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + '_>>
            {
                Box::pin((self.0)(force_refresh))
            }
        }
        Credential::Provider(Arc::new(FnProvider(f)))
    }

    /// A key or token read from the environment variable `var`, if it is set and not empty.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Credential::token)
    }

    /// The credential for `scheme` from its documented environment variable,
    /// [`env_var_name`]`(crate_name, scheme.name)`: a key or token, or `user:password` for an
    /// HTTP basic scheme (a value without `:` is the user name with an empty password, as
    /// Stripe's secret keys are used).
    ///
    /// ```
    /// use sturdy_runtime::auth::{env_var_name, SchemeKind, SecurityScheme};
    /// use sturdy_runtime::Credential;
    /// static BEARER: SecurityScheme = SecurityScheme { name: "bearerAuth", kind: SchemeKind::Bearer };
    /// assert_eq!(env_var_name("acme-api", BEARER.name), "ACME_API_BEARER_AUTH");
    /// assert!(Credential::from_scheme_env("acme-api-doc-example-unset", &BEARER).is_none());
    /// ```
    pub fn from_scheme_env(crate_name: &str, scheme: &SecurityScheme) -> Option<Self> {
        let value = std::env::var(env_var_name(crate_name, scheme.name))
            .ok()
            .filter(|v| !v.is_empty())?;
        Some(match scheme.kind {
            SchemeKind::Basic => match value.split_once(':') {
                Some((user, password)) => Credential::basic(user, password),
                None => Credential::token(value),
            },
            _ => Credential::token(value),
        })
    }
}

/// The environment variable a generated crate reads a scheme's credential from:
/// `{CRATE}_{SCHEME}` in upper snake case, each part split into words at case changes and at
/// anything that is not a letter or digit (`acme-api` + `bearerAuth` gives
/// `ACME_API_BEARER_AUTH`; `gitlab` + `private_token_header` gives
/// `GITLAB_PRIVATE_TOKEN_HEADER`). A part that starts with a digit gets a leading `_`, and a
/// part that is a Rust keyword a trailing `_`, as the generator names its builder methods.
pub fn env_var_name(crate_name: &str, scheme: &str) -> String {
    format!("{}_{}", env_part(crate_name), env_part(scheme)).to_ascii_uppercase()
}

/// One part of [`env_var_name`], in lower snake case (the generator's identifier rule).
fn env_part(raw: &str) -> String {
    use heck::ToSnakeCase;
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
        "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    let mut cleaned = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => cleaned.push(c),
            '+' => cleaned.push_str(" plus "),
            '-' if cleaned.is_empty() => cleaned.push_str("minus "),
            c if !c.is_ascii() && c.is_alphanumeric() => {
                cleaned.push_str(&format!(" u{:x} ", c as u32))
            }
            _ => cleaned.push(' '),
        }
    }
    let mut s = cleaned.to_snake_case();
    if s.is_empty() {
        s = "value".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Token(_) => f.write_str("Credential::Token([redacted])"),
            Credential::Basic { username, .. } => {
                write!(
                    f,
                    "Credential::Basic {{ username: {username:?}, password: [redacted] }}"
                )
            }
            Credential::Provider(_) => f.write_str("Credential::Provider(..)"),
        }
    }
}

/// What applying credentials added to a request.
#[derive(Default)]
pub(crate) struct Applied {
    pub(crate) headers: Vec<(String, SecretString)>,
    pub(crate) query: Vec<(String, SecretString)>,
    pub(crate) cookies: Vec<(String, SecretString)>,
    /// The tokens refreshing providers supplied, in the order applied: after a 401 they are
    /// what the API refused.
    pub(crate) provider_tokens: Vec<SecretString>,
}

impl Applied {
    /// Whether any credential was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.query.is_empty() && self.cookies.is_empty()
    }
}

/// The credentials of a client, shared by its clones and replaceable at run time.
pub(crate) struct Auth {
    schemes: &'static [SecurityScheme],
    creds: RwLock<BTreeMap<String, Credential>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .creds
            .read()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("Auth")
            .field("schemes", &self.schemes.len())
            .field("credentials_for", &names)
            .finish()
    }
}

impl Auth {
    pub(crate) fn new(
        schemes: &'static [SecurityScheme],
        creds: BTreeMap<String, Credential>,
    ) -> Self {
        Self {
            schemes,
            creds: RwLock::new(creds),
        }
    }

    pub(crate) fn set(&self, scheme: &str, credential: Credential) {
        self.creds
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(scheme.to_owned(), credential);
    }

    pub(crate) fn names_of_secret_params(&self) -> Vec<&'static str> {
        self.schemes
            .iter()
            .filter_map(|s| match s.kind {
                SchemeKind::ApiKey { name, .. } => Some(name),
                _ => None,
            })
            .collect()
    }

    fn scheme(&self, name: &str) -> Option<&'static SecurityScheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    /// The alternative of `op` to use: the first whose every scheme has a credential; an
    /// empty alternative (`{}`: auth optional) only when no other has credentials. `Ok(None)`:
    /// send without credentials.
    #[allow(clippy::type_complexity)]
    fn choose(
        &self,
        op: &OperationMeta,
    ) -> Result<Option<Vec<(&'static SecurityScheme, Credential)>>, Error> {
        if op.security.is_empty() {
            return Ok(None);
        }
        let chosen: Option<Vec<(&'static SecurityScheme, Credential)>> = {
            let creds = self.creds.read().unwrap_or_else(|p| p.into_inner());
            op.security
                .iter()
                .filter(|alt| !alt.is_empty())
                .find_map(|alt| {
                    alt.iter()
                        .map(|name| Some((self.scheme(name)?, creds.get(*name)?.clone())))
                        .collect::<Option<Vec<_>>>()
                })
        };
        if chosen.is_some() {
            return Ok(chosen);
        }
        if op.security.iter().any(|alt| alt.is_empty()) {
            return Ok(None);
        }
        let wanted: Vec<String> = op.security.iter().map(|alt| alt.join(" + ")).collect();
        let mut e = Error::new(
            ErrorKind::Credentials,
            format!("no credentials for any of: {}", wanted.join(" | ")),
        );
        e.inner_mut().provider_code = Some("missing_credentials".to_owned());
        e.inner_mut().hint = Some(
            "set a credential for one of the operation's security schemes on the client builder",
        );
        Err(e)
    }

    /// Applies the first security alternative of `op` for which every scheme has a
    /// credential. An operation with no requirements gets nothing.
    ///
    /// `rejected`: the provider tokens the API refused with a 401 on the previous attempt
    /// (each provider is asked to replace its own).
    pub(crate) async fn apply(
        &self,
        op: &OperationMeta,
        rejected: Option<&[SecretString]>,
    ) -> Result<Applied, Error> {
        let Some(chosen) = self.choose(op)? else {
            return Ok(Applied::default());
        };
        let mut applied = Applied::default();
        for (scheme, cred) in chosen {
            let secret = match &cred {
                Credential::Token(t) => t.clone(),
                Credential::Provider(p) => {
                    let refused = rejected.and_then(|r| r.get(applied.provider_tokens.len()));
                    let token = match refused {
                        Some(t) => p.token_after_rejection(t).await?,
                        None => p.token(false).await?,
                    };
                    applied.provider_tokens.push(token.clone());
                    token
                }
                Credential::Basic { username, password } => {
                    use base64::Engine;
                    let raw = format!("{username}:{}", password.expose_secret());
                    let enc = base64::engine::general_purpose::STANDARD.encode(raw);
                    applied
                        .headers
                        .push(("authorization".into(), format!("Basic {enc}").into()));
                    continue;
                }
            };
            match scheme.kind {
                SchemeKind::ApiKey { location, name } => match location {
                    ApiKeyLocation::Header => applied.headers.push((name.to_owned(), secret)),
                    ApiKeyLocation::Query => applied.query.push((name.to_owned(), secret)),
                    ApiKeyLocation::Cookie => applied.cookies.push((name.to_owned(), secret)),
                },
                SchemeKind::Basic => {
                    // A bare token for a basic scheme is taken as the user name with an
                    // empty password, as Stripe's secret keys are used.
                    use base64::Engine;
                    let raw = format!("{}:", secret.expose_secret());
                    let enc = base64::engine::general_purpose::STANDARD.encode(raw);
                    applied
                        .headers
                        .push(("authorization".into(), format!("Basic {enc}").into()));
                }
                SchemeKind::Bearer | SchemeKind::OAuth2 { .. } | SchemeKind::OpenIdConnect => {
                    applied.headers.push((
                        "authorization".into(),
                        format!("Bearer {}", secret.expose_secret()).into(),
                    ));
                }
            }
        }
        Ok(applied)
    }
}
