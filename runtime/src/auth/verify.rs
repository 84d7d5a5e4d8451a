//! The credential check at start-up: one call to a cheap operation, its failure told in a
//! plain sentence.

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::request::{OperationMeta, Request, RequestOptions};

/// What to do about a failed credential check, in a sentence.
pub(crate) fn check_hint(e: &Error) -> &'static str {
    match (e.kind(), e.provider_code()) {
        (ErrorKind::Credentials, Some("missing_credentials")) => {
            "no credentials are set: set one on the client builder, or in the environment variable the crate docs name"
        }
        (ErrorKind::Credentials, Some("invalid_client")) => {
            "the OAuth2 client id or secret is wrong: check the app's credentials at the provider"
        }
        (ErrorKind::Credentials, Some("invalid_grant" | "expired")) => {
            "the connection to the account was revoked or has expired: sign in again"
        }
        (ErrorKind::Credentials, Some("token_endpoint_unavailable" | "temporarily_unavailable")) => {
            "the provider's token endpoint is failing, so the credentials could not be checked: try again later"
        }
        (ErrorKind::Credentials, _) => {
            "the credentials could not be obtained: see the error's provider code and message"
        }
        (ErrorKind::Unauthorized, _) => {
            "the API refused the credentials (401): the key or token is wrong, revoked or expired"
        }
        (ErrorKind::Forbidden, _) => {
            "the credentials are valid but lack permission for the check (403): grant the scope or role it needs"
        }
        (ErrorKind::NotFound, _) => {
            "the check's endpoint was not found (404): is the base URL right?"
        }
        (ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Network | ErrorKind::CircuitOpen, _) => {
            "the API could not be reached, so the credentials could not be checked: check the base URL and the network"
        }
        (ErrorKind::RateLimited, _) => {
            "the API is rate limiting, so the credentials could not be checked: try again later"
        }
        (ErrorKind::Server | ErrorKind::BudgetExhausted, _) => {
            "the API is failing, so the credentials could not be checked: try again later"
        }
        (ErrorKind::InvalidRequest, _) => {
            "the check could not be sent: is the base URL right?"
        }
        _ => "the credential check failed: see the error for what the API answered",
    }
}

impl Client {
    /// Checks the credentials by calling `op` at `path` once (with the usual retries for
    /// transient failures). On failure the error's [`Error::hint`] says in a plain sentence
    /// what is wrong (no credentials, a wrong or revoked key, a revoked OAuth2 connection, a
    /// missing permission, an unreachable API). Generated clients call it with their
    /// health-check operation.
    pub async fn verify_credentials(
        &self,
        op: &'static OperationMeta,
        path: &str,
    ) -> Result<(), Error> {
        match self
            .execute(Request::new(op, path.to_owned()), RequestOptions::new())
            .await
        {
            Ok(_) => Ok(()),
            Err(mut e) => {
                let hint = check_hint(&e);
                e.inner_mut().hint = Some(hint);
                Err(e)
            }
        }
    }
}
