//! Keeping secrets out of errors, logs and spans.

/// The URL with user info removed and the values of secret query parameters replaced.
pub fn redact_url(url: &url::Url, secret_params: &[&str]) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let secret =
                    secret_params.iter().any(|s| s.eq_ignore_ascii_case(&k)) || is_secret_name(&k);
                (
                    k.into_owned(),
                    if secret {
                        "[redacted]".to_owned()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Names that carry secrets whatever the spec says.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "key",
        "token",
        "secret",
        "password",
        "signature",
        "auth",
        "session",
        "cookie",
        "credential",
        "passwd",
        "pwd",
        "jwt",
        "bearer",
    ]
    .iter()
    .any(|s| n.contains(s))
        // Exact names too short to match inside others: Azure SAS `sig`, an OAuth2 `code`.
        || matches!(n.as_str(), "sig" | "code" | "client_assertion")
}

/// A reqwest error's message without its URL (which may carry a query key).
pub(crate) fn reqwest_message(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(url) = e.url() {
        msg = msg.replace(url.as_str(), "[url]");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_user_info_and_secret_query_values() {
        let u =
            url::Url::parse("https://user:pw@h.example/x?api_key=SECRET&page=2&private=z").unwrap();
        let shown = redact_url(&u, &["private"]);
        assert!(!shown.contains("SECRET") && !shown.contains("pw") && !shown.contains("=z"));
        assert!(shown.contains("page=2"));
    }

    #[test]
    fn known_secret_names() {
        for name in [
            "api_key",
            "X-Api-Key",
            "access_token",
            "client_secret",
            "sig",
            "code",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "password",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["page", "per_page", "cursor", "q", "sort", "zipcode_region"] {
            assert!(!is_secret_name(name), "{name}");
        }
        let u = url::Url::parse("https://h.example/cb?code=AUTHCODE&state=s&sig=SAS").unwrap();
        let shown = redact_url(&u, &[]);
        assert!(!shown.contains("AUTHCODE") && !shown.contains("SAS") && shown.contains("state=s"));
    }
}
