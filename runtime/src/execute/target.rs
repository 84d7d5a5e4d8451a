//! A request's URL from the client's base URL without parsing the base again.
//!
//! Parsing a URL is mostly parsing its host (IDNA mapping, IPv4 forms); the base's host is the
//! same for every call. So the base is parsed once when the client is built, and a path that
//! the path parser alone reads exactly as the full parser would is set on a copy of it. The
//! result is the URL `Url::parse(base + path)` gives, on the same origin as the base by
//! construction; any other path takes the full parse.

use url::Url;

/// The client's base URL (`raw`, trailing slashes removed) parsed, when a path can be joined
/// to it by [`join`]: it has no query or fragment and is already in normal form (so that the
/// parsed path is the text a path is appended to).
pub(crate) fn joinable_base(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    if url.cannot_be_a_base() || url.query().is_some() || url.fragment().is_some() {
        return None;
    }
    let normal =
        url.as_str() == raw || (url.path() == "/" && url.as_str().strip_suffix('/') == Some(raw));
    normal.then_some(url)
}

/// `base` (from [`joinable_base`]) with `path` appended, as `Url::parse` of the two strings
/// joined would give; `None` when `path` does not start with `/` or has a character the full
/// parser could read differently (`?`, `#`, `\`, space, controls, non-ASCII).
pub(crate) fn join(base: &Url, path: &str) -> Option<Url> {
    let plain = path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'\\'));
    if !plain {
        return None;
    }
    let mut url = base.clone();
    match base.path() {
        "/" => url.set_path(path),
        prefix => {
            let mut full = String::with_capacity(prefix.len() + path.len());
            full.push_str(prefix);
            full.push_str(path);
            url.set_path(&full);
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASES: &[&str] = &[
        "https://api.example.com",
        "https://api.example.com/v1",
        "http://127.0.0.1:4010",
        "http://[::1]:8080/api/v2",
        "https://xn--bcher-kva.example",
        "https://user:pw@api.example.com/v1",
        // Not in normal form, or with a query: the full parse is used.
        "https://API.example.com",
        "https://api.example.com:443/v1",
        "https://api.example.com/a/../v1",
        "https://bücher.example",
        "https://api.example.com/v1?key=1",
        "https://api.example.com/v1#top",
    ];

    const PATHS: &[&str] = &[
        "/pets",
        "/pets/42",
        "/pets/a%20b/%2F",
        "/files/..",
        "/a/./b/../c",
        "/%2e%2e/x",
        "/x:y@z;p=1,2$&'()*+!~",
        "/{braces}/[brackets]/|pipe|/^caret^/`tick`/<lt>/\"q\"",
        "//double",
        "/",
        "",
        "pets",
        "/pets?limit=1",
        "/pets#frag",
        "/a\\b",
        "/sp ace",
        "/tab\there",
        "/ünïcode",
        ".evil.com/x",
        "@evil.com/x",
    ];

    #[test]
    fn a_joined_url_is_what_the_full_parse_gives() {
        let mut fast = 0;
        for base in BASES {
            for path in PATHS {
                let full = Url::parse(&format!("{base}{path}")).ok();
                let Some(joined) = joinable_base(base).and_then(|b| join(&b, path)) else {
                    continue;
                };
                fast += 1;
                assert_eq!(Some(&joined), full.as_ref(), "{base} + {path}");
                assert_eq!(
                    joined.origin(),
                    Url::parse(base).unwrap().origin(),
                    "{base} + {path}"
                );
            }
        }
        assert!(
            fast >= 6 * 10,
            "the fast way is taken for plain paths ({fast})"
        );
    }

    #[test]
    fn only_a_base_in_normal_form_without_query_is_joinable() {
        for base in &BASES[..6] {
            assert!(joinable_base(base).is_some(), "{base}");
        }
        for base in &BASES[6..] {
            assert!(joinable_base(base).is_none(), "{base}");
        }
        assert!(joinable_base("mailto:someone@example.com").is_none());
        assert!(joinable_base("not a url").is_none());
    }

    #[test]
    fn a_path_the_full_parser_could_read_otherwise_is_not_joined() {
        let base = joinable_base("https://api.example.com/v1").unwrap();
        for path in &PATHS[10..] {
            assert_eq!(join(&base, path), None, "{path}");
        }
        for path in &PATHS[..10] {
            assert!(join(&base, path).is_some(), "{path}");
        }
    }
}
