//! Which operations accept an idempotency key: the one rule the IR and `sturdy lint` share.
//!
//! An operation takes a key only where the contract says it accepts one:
//! 1. its own `x-sturdy-idempotency: {header: ...}` names the header (a contract snapshot
//!    writes this for every endpoint its `idempotency` lists); `x-sturdy-idempotency: false`
//!    says it accepts none, whatever the root says;
//! 2. it declares an `Idempotency-Key`-like header parameter (its own or its path's);
//! 3. the root `x-sturdy-idempotency: {header: ...}` says the whole API accepts it: every
//!    POST, PUT, PATCH and DELETE then takes a key.
//!
//! A header parameter declared by *other* operations or in `components` does not count, so an
//! endpoint the contract does not list (or marks `idempotency: false`) gets no key and is not
//! resent once it may have reached the server. Without a key, PUT and DELETE are still resent
//! (they are idempotent in HTTP) unless `x-sturdy-retry: {idempotent: false}` says otherwise.

use serde_json::Value;

use crate::ir::HttpMethod;

/// Whether a header names an idempotency key (`Idempotency-Key`, `X-Idempotency-Key`, any
/// case or separator).
pub fn is_idempotency_header(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    n == "idempotencykey" || n == "xidempotencykey"
}

/// The idempotency header an operation accepts, if any (see the [module docs](self)).
///
/// `op_ext` and `root_ext` are the operation's and the document's `x-sturdy-idempotency`;
/// `header_params` the names of the operation's header parameters (path-level ones included).
pub fn accepted_header<'a>(
    method: HttpMethod,
    op_ext: Option<&Value>,
    header_params: impl IntoIterator<Item = &'a str>,
    root_ext: Option<&Value>,
) -> Option<String> {
    if op_ext == Some(&Value::Bool(false)) {
        return None;
    }
    if let Some(h) = header_name(op_ext) {
        return Some(h);
    }
    if let Some(p) = header_params.into_iter().find(|n| is_idempotency_header(n)) {
        return Some(p.to_owned());
    }
    let writes = matches!(
        method,
        HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch | HttpMethod::Delete
    );
    header_name(root_ext).filter(|_| writes)
}

fn header_name(ext: Option<&Value>) -> Option<String> {
    ext?.get("header")?
        .as_str()
        .filter(|h| !h.trim().is_empty())
        .map(str::to_owned)
}

/// The method of a lower-case OpenAPI path-item key (`post`), if it is one.
pub fn method_of(key: &str) -> Option<HttpMethod> {
    Some(match key {
        "get" => HttpMethod::Get,
        "put" => HttpMethod::Put,
        "post" => HttpMethod::Post,
        "delete" => HttpMethod::Delete,
        "options" => HttpMethod::Options,
        "head" => HttpMethod::Head,
        "patch" => HttpMethod::Patch,
        "trace" => HttpMethod::Trace,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
