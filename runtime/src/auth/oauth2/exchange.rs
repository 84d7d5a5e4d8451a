//! Token requests: one grant with retries, the exchange with the token endpoint, and how a
//! refusal is classified.

use std::time::Duration;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use super::config::{ClientAuth, GrantKind};
use super::{credentials_error, Cached, OAuth2, DEFAULT_LIFETIME};
use crate::error::{Error, ErrorKind, Sent};

/// What one token request may carry beyond the grant's own parameters.
pub(super) enum Grant<'a> {
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
pub(super) struct Failed {
    pub(super) error: Error,
    pub(super) retryable: bool,
    pub(super) retry_after: Option<Duration>,
}

impl OAuth2 {
    /// One grant with retries; every failure comes back as a Credentials error.
    pub(super) async fn fetch(&self, grant: &Grant<'_>) -> Result<Cached, Error> {
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
