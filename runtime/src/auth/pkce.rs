//! The authorization-code flow with PKCE (RFC 7636), for apps that act for a user: the
//! authorize URL with a random `state` and an S256 code challenge, and the checks on the
//! redirect back (the `state` in constant time, a provider `error`). The code is exchanged by
//! [`crate::auth::oauth2::OAuth2::connect`], after which tokens refresh like any other grant.
//!
//! ```
//! use sturdy_runtime::auth::pkce::AuthorizationRequest;
//! // The scopes the operations you call need (the generated docs list them per operation).
//! let request = AuthorizationRequest::new(
//!     "https://auth.example.com/authorize",
//!     "my-client",
//!     "http://127.0.0.1:8765/callback",
//!     &["tasks:read", "tasks:write"],
//! )
//! .expect("a valid authorization URL");
//! // Send the user to `request.url()`; keep `request` (or its `state()` and `verifier()`,
//! // with `AuthorizationRequest::resume`) with the user's session until the redirect.
//! let back = format!("http://127.0.0.1:8765/callback?code=abc&state={}", request.state());
//! assert_eq!(request.code_from_redirect(&back).unwrap(), "abc");
//! let forged = "http://127.0.0.1:8765/callback?code=abc&state=forged";
//! assert_eq!(request.code_from_redirect(forged).unwrap_err().provider_code(), Some("state_mismatch"));
//! ```

use std::fmt;

use base64::Engine;
use rand::Rng;
use secrecy::SecretString;
use sha2::Digest;

use crate::error::{Error, ErrorKind};

/// The characters a PKCE verifier is made of (RFC 7636 §4.1: the URI unreserved set).
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// The length of a generated verifier (RFC 7636 allows 43 to 128).
pub const VERIFIER_LEN: usize = 64;

/// A random string of `len` unreserved characters from the operating system's RNG.
pub(crate) fn random_unreserved(len: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| UNRESERVED[rng.gen_range(0..UNRESERVED.len())] as char)
        .collect()
}

/// The S256 challenge of a verifier: `BASE64URL(SHA256(verifier))`, unpadded.
pub fn s256_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// A PKCE verifier and its S256 challenge. `Debug` shows the challenge, never the verifier.
#[derive(Clone)]
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

impl Pkce {
    /// A new random verifier ([`VERIFIER_LEN`] unreserved characters) and its challenge.
    pub fn new() -> Self {
        Self::derive(random_unreserved(VERIFIER_LEN))
    }

    /// From a known verifier (a resumed session, or a test vector). Refuses a verifier that
    /// RFC 7636 §4.1 does not allow: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
    pub fn from_verifier(verifier: impl Into<String>) -> Result<Self, Error> {
        let verifier = verifier.into();
        let ok_len = (43..=128).contains(&verifier.len());
        let ok_chars = verifier.bytes().all(|b| UNRESERVED.contains(&b));
        if !ok_len || !ok_chars {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "a PKCE verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (got {} characters{})",
                    verifier.len(),
                    if ok_chars { "" } else { ", some outside that set" }
                ),
            ));
        }
        Ok(Self::derive(verifier))
    }

    fn derive(verifier: String) -> Self {
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

    /// The verifier sent with the code exchange.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

fn credentials_error(code: &str, message: impl Into<String>, hint: &'static str) -> Error {
    let mut e = Error::new(ErrorKind::Credentials, message);
    let i = e.inner_mut();
    i.provider_code = Some(code.to_owned());
    i.hint = Some(hint);
    e
}

/// An authorization-code request in progress: the URL to send the user to, and what is
/// needed to finish (the `state` to check, the PKCE verifier, the redirect URI).
#[derive(Clone)]
pub struct AuthorizationRequest {
    url: String,
    state: String,
    pkce: Pkce,
    redirect_uri: String,
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url)
            .field("pkce", &self.pkce)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl AuthorizationRequest {
    /// The authorize URL for `client_id` with `response_type=code`, `redirect_uri`, a random
    /// `state` (32 characters), an S256 `code_challenge` and the space-separated `scopes`
    /// (omitted when empty).
    pub fn new(
        authorization_url: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> Result<Self, Error> {
        Self::with_parts(
            authorization_url,
            client_id,
            redirect_uri,
            scopes,
            random_unreserved(32),
            Pkce::new(),
        )
    }

    fn with_parts(
        authorization_url: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[&str],
        state: String,
        pkce: Pkce,
    ) -> Result<Self, Error> {
        let mut url = url::Url::parse(authorization_url).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("the authorization URL `{authorization_url}` does not parse: {e}"),
            )
        })?;
        if url::Url::parse(redirect_uri).is_err() {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("the redirect URI `{redirect_uri}` is not an absolute URL"),
            ));
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", client_id)
                .append_pair("redirect_uri", redirect_uri);
            if !scopes.is_empty() {
                q.append_pair("scope", &scopes.join(" "));
            }
            q.append_pair("state", &state)
                .append_pair("code_challenge", pkce.challenge())
                .append_pair("code_challenge_method", "S256");
        }
        Ok(Self {
            url: url.to_string(),
            state,
            pkce,
            redirect_uri: redirect_uri.to_owned(),
        })
    }

    /// Rebuilds a request kept across processes (a web app with several instances stores
    /// `state()`, `verifier()` and the redirect URI with the user's session).
    pub fn resume(
        state: impl Into<String>,
        verifier: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, Error> {
        Ok(Self {
            url: String::new(),
            state: state.into(),
            pkce: Pkce::from_verifier(verifier)?,
            redirect_uri: redirect_uri.into(),
        })
    }

    /// The URL to open in the user's browser (empty for a resumed request).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `state` sent.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The PKCE verifier (secret until the exchange).
    pub fn verifier(&self) -> &SecretString {
        self.pkce.verifier()
    }

    /// The PKCE pair.
    pub fn pkce(&self) -> &Pkce {
        &self.pkce
    }

    /// The redirect URI sent (the exchange must repeat it).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Checks the `state` returned on the redirect, in constant time. A mismatch (a forged or
    /// stale redirect: possible CSRF) is a [`ErrorKind::Credentials`] error with provider code
    /// `state_mismatch`.
    pub fn check_state(&self, returned: &str) -> Result<(), Error> {
        use subtle::ConstantTimeEq;
        let same: bool = self.state.as_bytes().ct_eq(returned.as_bytes()).into();
        if same && !self.state.is_empty() {
            Ok(())
        } else {
            Err(credentials_error(
                "state_mismatch",
                "the state returned with the authorization code does not match the one sent",
                "the redirect was not the answer to this sign-in (possible CSRF): start the sign-in again",
            ))
        }
    }

    /// The authorization code from the redirect URL (or just its query string), after
    /// checking `state`. A provider `error` (the user declined: `access_denied`) is a
    /// [`ErrorKind::Credentials`] error with that code.
    pub fn code_from_redirect(&self, redirect: &str) -> Result<String, Error> {
        let query = match url::Url::parse(redirect) {
            Ok(u) => u.query().unwrap_or("").to_owned(),
            Err(_) => redirect.trim_start_matches('?').to_owned(),
        };
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                "error_description" => description = Some(v.into_owned()),
                _ => {}
            }
        }
        self.check_state(state.as_deref().unwrap_or(""))?;
        if let Some(err) = error {
            let mut e = credentials_error(
                &err,
                format!("the authorization server answered `{err}`"),
                "the user did not grant access, or the request was refused: start the sign-in again",
            );
            e.inner_mut().provider_message = description;
            return Err(e);
        }
        code.filter(|c| !c.is_empty()).ok_or_else(|| {
            credentials_error(
                "missing_code",
                "the redirect carries no authorization code",
                "start the sign-in again",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifiers_are_random_unreserved_and_of_legal_length() {
        let a = Pkce::new();
        let b = Pkce::new();
        assert_ne!(a.verifier().expose_secret(), b.verifier().expose_secret());
        let v = a.verifier().expose_secret();
        assert_eq!(v.len(), VERIFIER_LEN);
        assert!(v.bytes().all(|c| UNRESERVED.contains(&c)));
        assert_eq!(a.challenge(), s256_challenge(v));
        assert!(Pkce::from_verifier("short").is_err());
        assert!(Pkce::from_verifier("a".repeat(129)).is_err());
        assert!(Pkce::from_verifier(format!("{}!", "a".repeat(50))).is_err());
        assert!(Pkce::from_verifier("a".repeat(43)).is_ok());
    }

    #[test]
    fn authorize_url_carries_state_challenge_and_scopes() {
        let r = AuthorizationRequest::new(
            "https://auth.example.com/authorize?audience=x",
            "cid",
            "https://app.example.com/cb",
            &["read", "write"],
        )
        .unwrap();
        let u = url::Url::parse(r.url()).unwrap();
        let q: std::collections::BTreeMap<String, String> = u.query_pairs().into_owned().collect();
        assert_eq!(q["audience"], "x", "existing query kept");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["redirect_uri"], "https://app.example.com/cb");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], r.state());
        assert_eq!(r.state().len(), 32);
        assert_eq!(q["scope"], "read write");
        assert_eq!(
            q["code_challenge"],
            s256_challenge(r.verifier().expose_secret())
        );
        let none =
            AuthorizationRequest::new("https://a/authorize", "c", "https://b/cb", &[]).unwrap();
        assert!(!none.url().contains("scope="));
        assert!(AuthorizationRequest::new("not a url", "c", "https://b/cb", &[]).is_err());
        assert!(AuthorizationRequest::new("https://a/", "c", "/relative", &[]).is_err());
    }

    #[test]
    fn a_wrong_or_missing_state_is_refused_distinctly() {
        let r = AuthorizationRequest::new("https://a/authorize", "c", "https://b/cb", &[]).unwrap();
        assert!(r.check_state(r.state()).is_ok());
        for bad in ["forged", "", &r.state()[..31]] {
            let e = r.check_state(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Credentials);
            assert_eq!(e.provider_code(), Some("state_mismatch"));
        }
        let e = r.code_from_redirect("https://b/cb?code=abc").unwrap_err();
        assert_eq!(e.provider_code(), Some("state_mismatch"));
        let ok = format!("https://b/cb?code=abc&state={}", r.state());
        assert_eq!(r.code_from_redirect(&ok).unwrap(), "abc");
        assert_eq!(
            r.code_from_redirect(&format!("code=def&state={}", r.state()))
                .unwrap(),
            "def"
        );
        let denied = format!(
            "https://b/cb?error=access_denied&error_description=no&state={}",
            r.state()
        );
        let e = r.code_from_redirect(&denied).unwrap_err();
        assert_eq!(e.provider_code(), Some("access_denied"));
        assert_eq!(e.provider_message(), Some("no"));
        let missing = format!("https://b/cb?state={}", r.state());
        assert_eq!(
            r.code_from_redirect(&missing).unwrap_err().provider_code(),
            Some("missing_code")
        );
    }

    #[test]
    fn resumed_requests_keep_state_and_verifier_and_debug_hides_the_verifier() {
        let r = AuthorizationRequest::new("https://a/authorize", "c", "https://b/cb", &[]).unwrap();
        let again =
            AuthorizationRequest::resume(r.state(), r.verifier().expose_secret(), r.redirect_uri())
                .unwrap();
        assert!(again.check_state(r.state()).is_ok());
        assert_eq!(again.pkce().challenge(), r.pkce().challenge());
        let v = r.verifier().expose_secret().to_owned();
        assert!(!format!("{r:?}").contains(&v));
        assert!(!format!("{:?}", r.pkce()).contains(&v));
    }
}
