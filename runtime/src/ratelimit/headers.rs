//! Reading a provider's rate-limit headers, cheaply enough to do on every response.
//!
//! Every header the limiter reads is named `ratelimit*` or `x-ratelimit*`, so one pass over a
//! response's header names ([`mentions_rate_limits`]) tells whether there is anything to read;
//! most responses have nothing and cost no lookup. When there is, each header is looked up
//! once, by a name parsed at compile time (a lookup by `&str` parses and checks the name
//! every time).

use std::time::SystemTime;

use http::{HeaderMap, HeaderName};

use super::{plausible_secs, reset_value, ServerWindow};

static RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
static RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
static RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
static RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
static X_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static X_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static X_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
static X_RESOURCE: HeaderName = HeaderName::from_static("x-ratelimit-resource");

/// One of OpenAI's counters: its limit, remaining and reset headers.
struct Counter {
    limit: HeaderName,
    remaining: HeaderName,
    reset: HeaderName,
}

static OPENAI_REQUESTS: Counter = Counter {
    limit: HeaderName::from_static("x-ratelimit-limit-requests"),
    remaining: HeaderName::from_static("x-ratelimit-remaining-requests"),
    reset: HeaderName::from_static("x-ratelimit-reset-requests"),
};
static OPENAI_TOKENS: Counter = Counter {
    limit: HeaderName::from_static("x-ratelimit-limit-tokens"),
    remaining: HeaderName::from_static("x-ratelimit-remaining-tokens"),
    reset: HeaderName::from_static("x-ratelimit-reset-tokens"),
};

/// Whether any header of `headers` is one the limiter reads: a single pass over the names,
/// no lookup.
pub(super) fn mentions_rate_limits(headers: &HeaderMap) -> bool {
    headers.keys().any(|name| {
        let n = name.as_str().as_bytes();
        n.starts_with(b"ratelimit") || n.starts_with(b"x-ratelimit")
    })
}

/// Reads the provider's window from response headers (see the module docs of
/// [`crate::ratelimit`] for the forms).
pub fn server_window(headers: &HeaderMap, system_now: SystemTime) -> Option<ServerWindow> {
    if !mentions_rate_limits(headers) {
        return None;
    }
    let get = |name: &HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let num = |name: &HeaderName| {
        get(name)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    let policy_limit = || get(&RATELIMIT_POLICY).and_then(parse_policy_limit);

    // IETF structured header, draft 7 (`limit=, remaining=, reset=`) or 8+ (`r=`, `t=`).
    if let Some(v) = get(&RATELIMIT) {
        if let Some(w) = structured(v, policy_limit) {
            return Some(w);
        }
    }
    // Older IETF draft: separate headers, reset in seconds from now.
    if let (Some(r), Some(t)) = (
        num(&RATELIMIT_REMAINING),
        num(&RATELIMIT_RESET).and_then(plausible_secs),
    ) {
        return Some(ServerWindow {
            limit: num(&RATELIMIT_LIMIT)
                .map(|l| l as u64)
                .or_else(policy_limit),
            remaining: r as u64,
            reset: t,
        });
    }
    // GitHub and many others: epoch seconds (or seconds from now when small); some send a
    // duration (`6m0s`) or an HTTP date instead.
    if let (Some(r), Some(reset)) = (
        num(&X_REMAINING),
        get(&X_RESET).and_then(|v| reset_value(v, system_now)),
    ) {
        return Some(ServerWindow {
            limit: num(&X_LIMIT).map(|l| l as u64),
            remaining: r as u64,
            reset,
        });
    }
    // OpenAI: request and token counters with Go-style durations; whichever ran out (or, if
    // neither did, the request counter) decides.
    let openai = |c: &Counter| {
        let r = num(&c.remaining)?;
        let t = get(&c.reset).and_then(|v| reset_value(v, system_now))?;
        Some(ServerWindow {
            limit: num(&c.limit).map(|l| l as u64),
            remaining: r as u64,
            reset: t,
        })
    };
    match (openai(&OPENAI_REQUESTS), openai(&OPENAI_TOKENS)) {
        (_, Some(tokens)) if tokens.remaining == 0 => Some(tokens),
        (Some(requests), _) => Some(requests),
        (None, tokens) => tokens,
    }
}

/// The IETF `RateLimit` header's window, when it names both what remains and the reset.
fn structured(v: &str, policy_limit: impl FnOnce() -> Option<u64>) -> Option<ServerWindow> {
    let (mut limit, mut remaining, mut reset) = (None, None, None);
    for item in v.split([',', ';']) {
        let Some((k, val)) = item.trim().split_once('=') else {
            continue;
        };
        let n = val
            .trim()
            .trim_matches('"')
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0);
        match k.trim() {
            "limit" | "q" => limit = n,
            "remaining" | "r" => remaining = n,
            "reset" | "t" => reset = n,
            _ => {}
        }
    }
    let (r, t) = (remaining?, reset.and_then(plausible_secs)?);
    Some(ServerWindow {
        limit: limit.map(|l| l as u64).or_else(policy_limit),
        remaining: r as u64,
        reset: t,
    })
}

fn parse_policy_limit(v: &str) -> Option<u64> {
    // `100;w=60` (draft 7) or `"default";q=100;w=60` (draft 8+); the first policy counts.
    let first = v.split(',').next()?.trim();
    let mut parts = first.split(';');
    let head = parts.next()?.trim();
    if let Ok(n) = head.parse::<u64>() {
        return Some(n);
    }
    parts.find_map(|p| p.trim().strip_prefix("q=")?.parse::<u64>().ok())
}

/// The provider's name for the window a response counts against (`x-ratelimit-resource`),
/// when it is a short token.
pub(super) fn resource(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(&X_RESOURCE)?.to_str().ok()?.trim();
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&'static str]) -> HeaderMap {
        list.iter()
            .map(|n| (HeaderName::from_static(n), "1".parse().unwrap()))
            .collect()
    }

    #[test]
    fn every_name_the_limiter_reads_is_seen_by_the_quick_check() {
        let read = [
            &RATELIMIT,
            &RATELIMIT_POLICY,
            &RATELIMIT_LIMIT,
            &RATELIMIT_REMAINING,
            &RATELIMIT_RESET,
            &X_LIMIT,
            &X_REMAINING,
            &X_RESET,
            &X_RESOURCE,
            &OPENAI_REQUESTS.limit,
            &OPENAI_REQUESTS.remaining,
            &OPENAI_REQUESTS.reset,
            &OPENAI_TOKENS.limit,
            &OPENAI_TOKENS.remaining,
            &OPENAI_TOKENS.reset,
        ];
        for name in read {
            let mut h = names(&["content-type", "date"]);
            h.insert(name.clone(), "1".parse().unwrap());
            assert!(mentions_rate_limits(&h), "{name}");
        }
        assert!(!mentions_rate_limits(&HeaderMap::new()));
        assert!(!mentions_rate_limits(&names(&[
            "content-type",
            "retry-after",
            "x-request-id",
            "x-rate-limit-remaining",
            "limit",
        ])));
    }

    #[test]
    fn a_policy_alone_or_a_structured_header_without_a_reset_is_no_window() {
        let now = SystemTime::UNIX_EPOCH;
        let mut h = HeaderMap::new();
        h.insert(RATELIMIT_POLICY.clone(), "100;w=60".parse().unwrap());
        assert_eq!(server_window(&h, now), None);
        h.insert(RATELIMIT.clone(), "remaining=3".parse().unwrap());
        assert_eq!(server_window(&h, now), None);
        h.insert(RATELIMIT.clone(), "remaining=3, reset=9".parse().unwrap());
        assert_eq!(
            server_window(&h, now).map(|w| (w.limit, w.remaining)),
            Some((Some(100), 3))
        );
    }
}
