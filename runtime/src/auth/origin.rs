//! Credentials never leave the API's origin (scheme, host and port of the client's base URL).
//!
//! - A request to an absolute URL on another origin (a next-page link in a `Link` header or a
//!   body, or any [`crate::Request::with_absolute_url`]) is refused before anything is sent,
//!   with [`crate::ErrorKind::InvalidRequest`], when it would carry credentials (bearer, basic,
//!   API keys in headers, query parameters or cookies) or a request signature. A request that
//!   carries none is sent as usual: there is nothing to leak.
//! - Redirects: the `reqwest::Client` the runtime builds follows a redirect only within the
//!   origin of the request (at most 10), since reqwest would carry API-key headers to any
//!   host. A redirect to another origin is not followed: the call fails with
//!   [`crate::ErrorKind::Status`] naming both origins. A client given its own
//!   [`crate::ClientBuilder::http_client`] should use [`redirect_policy`] for the same
//!   guarantee. The OAuth2 token manager's own client uses it too, so a client secret or
//!   refresh token never follows a redirect off the token URL's origin.

use crate::error::{Error, ErrorKind};

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// A redirect policy that follows up to [`MAX_REDIRECTS`] redirects within the origin of the
/// first request and refuses any to another origin.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        let (from, to) = (first.origin(), attempt.url().origin());
        if from != to {
            let message = format!(
                "a redirect from {} to another origin, {}, was not followed: credentials stay with the API's origin",
                from.ascii_serialization(),
                to.ascii_serialization()
            );
            return attempt.error(message);
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        attempt.follow()
    })
}

/// Refuses to send a request that carries credentials to `target` unless it is on the
/// origin of `base` (the client's base URL).
pub(crate) fn check(base: &str, target: &url::Url, carries_credentials: bool) -> Result<(), Error> {
    if !carries_credentials {
        return Ok(());
    }
    let base = url::Url::parse(base).map(|b| b.origin());
    match base {
        Ok(b) if b == target.origin() => Ok(()),
        Ok(b) => Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "refused to send credentials to {}, which is not the API's origin {} (a next-page link or absolute URL pointing elsewhere); nothing was sent",
                target.origin().ascii_serialization(),
                b.ascii_serialization()
            ),
        )),
        Err(_) => Err(Error::new(
            ErrorKind::InvalidRequest,
            "the client's base URL does not parse, so no request carries credentials",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn credentials_go_only_to_the_same_scheme_host_and_port() {
        let base = "https://api.example.com/v1";
        assert!(check(base, &url("https://api.example.com/v1/x?page=2"), true).is_ok());
        assert!(check(base, &url("https://API.example.com:443/other"), true).is_ok());
        for other in [
            "https://evil.example.com/v1/x",
            "http://api.example.com/v1/x",
            "https://api.example.com:8443/v1/x",
            "https://api.example.com.evil.com/v1",
        ] {
            let e = check(base, &url(other), true).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{other}");
            assert!(e.to_string().contains("not the API's origin"), "{e}");
        }
        // Without credentials there is nothing to protect.
        assert!(check(base, &url("https://evil.example.com/"), false).is_ok());
    }

    #[test]
    fn refusals_never_show_query_secrets() {
        let e = check(
            "https://api.example.com",
            &url("https://evil.example.com/x?api_key=SECRET"),
            true,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("SECRET"));
    }
}
