//! Credentials and how they are applied to each request, per the operation's security
//! requirements.
//!
//! A generated client declares its `securitySchemes` as a `&'static [SecurityScheme]`; the
//! application supplies a [`Credential`] per scheme name. Credentials can be replaced while the
//! client runs ([`crate::Client::set_credential`]), so a rotated key takes effect on the next
//! request without a restart.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorKind};
use crate::request::OperationMeta;

pub mod oauth2;
pub mod signing;

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

/// A named security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The name in `components.securitySchemes`.
    pub name: &'static str,
    /// What it is.
    pub kind: SchemeKind,
}

/// Supplies bearer tokens, refreshing as needed (OAuth2). Implemented by the OAuth2 token
/// manager; an application can implement it for any other token source.
pub trait TokenProvider: Send + Sync + 'static {
    /// A valid access token. `force_refresh` is set after the server refused the last one.
    fn token(
        &self,
        force_refresh: bool,
    ) -> Pin<Box<dyn Future<Output = Result<SecretString, Error>> + Send + '_>>;
}

/// A credential for one scheme. Its `Debug` never shows the secret.
#[derive(Clone)]
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

    /// A key or token read from the environment variable `var`, if it is set.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Credential::token)
    }
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
    /// Whether a refreshing provider was used, so a 401 may be worth one forced refresh.
    pub(crate) refreshable: bool,
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
        if let Ok(mut c) = self.creds.write() {
            c.insert(scheme.to_owned(), credential);
        }
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

    /// Applies the first security alternative of `op` for which every scheme has a
    /// credential. An operation with no requirements gets nothing.
    pub(crate) async fn apply(
        &self,
        op: &OperationMeta,
        force_refresh: bool,
    ) -> Result<Applied, Error> {
        if op.security.is_empty() {
            return Ok(Applied::default());
        }
        // The first alternative whose every scheme has a credential. An empty alternative
        // (`{}`: auth optional) is used only when no other one has credentials.
        let chosen: Option<Vec<(&'static SecurityScheme, Credential)>> = {
            let creds = self
                .creds
                .read()
                .map_err(|_| Error::new(ErrorKind::Credentials, "credential store poisoned"))?;
            op.security
                .iter()
                .filter(|alt| !alt.is_empty())
                .find_map(|alt| {
                    alt.iter()
                        .map(|name| Some((self.scheme(name)?, creds.get(*name)?.clone())))
                        .collect::<Option<Vec<_>>>()
                })
        };
        if chosen.is_none() && op.security.iter().any(|alt| alt.is_empty()) {
            return Ok(Applied::default());
        }
        let Some(chosen) = chosen else {
            let wanted: Vec<String> = op.security.iter().map(|alt| alt.join(" + ")).collect();
            let mut e = Error::new(
                ErrorKind::Credentials,
                format!("no credentials for any of: {}", wanted.join(" | ")),
            );
            e.inner_mut().hint = Some("set a credential for one of the operation's security schemes on the client builder");
            return Err(e);
        };
        let mut applied = Applied::default();
        for (scheme, cred) in chosen {
            let secret = match &cred {
                Credential::Token(t) => t.clone(),
                Credential::Provider(p) => {
                    applied.refreshable = true;
                    p.token(force_refresh).await?
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
