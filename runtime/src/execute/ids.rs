//! The identifiers of a call: its idempotency key and the UUIDs made for it.

use crate::request::{Request, RequestOptions};

/// The key for a call: the caller's (a header parameter, an extra header, or
/// [`RequestOptions::idempotency_key`], in that order) if given, else a new UUID v4 for any
/// non-GET operation that declares an idempotency header. One key per logical call; every
/// attempt sends it.
pub(super) fn idempotency_key_for(request: &Request, options: &RequestOptions) -> Option<String> {
    let header = request.op.idempotency_header?;
    let from_request = request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(header))
        .map(|(_, v)| v.clone());
    let from_options = || {
        options
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(header))
            .map(|(_, v)| v.clone())
    };
    from_request
        .or_else(from_options)
        .or_else(|| options.idempotency_key.clone())
        .or_else(|| (request.op.method != crate::request::Method::Get).then(new_uuid_v4))
}

/// A random (version 4) UUID from the thread-local CSPRNG: no system call per call, unlike
/// `Uuid::new_v4`, and no formatting machinery.
pub(super) fn new_uuid_v4() -> String {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Builder::from_random_bytes(rand::random::<[u8; 16]>())
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut buf)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Method, OperationMeta};

    static CREATE: OperationMeta = OperationMeta::new("createPet", Method::Post, "/pets")
        .idempotency_header("Idempotency-Key");
    static LIST: OperationMeta =
        OperationMeta::new("listPets", Method::Get, "/pets").idempotency_header("Idempotency-Key");
    static PLAIN: OperationMeta = OperationMeta::new("plain", Method::Post, "/x");

    #[test]
    fn a_key_per_call_for_writes_only() {
        let r = Request::new(&CREATE, "/pets".into());
        let a = idempotency_key_for(&r, &RequestOptions::new()).unwrap();
        let b = idempotency_key_for(&r, &RequestOptions::new()).unwrap();
        assert_ne!(a, b, "one key per logical call");
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(a, parsed.hyphenated().to_string(), "hyphenated, lower case");
        assert_eq!(
            idempotency_key_for(&Request::new(&LIST, "/pets".into()), &RequestOptions::new()),
            None
        );
        assert_eq!(
            idempotency_key_for(&Request::new(&PLAIN, "/x".into()), &RequestOptions::new()),
            None
        );
    }

    #[test]
    fn the_callers_key_wins() {
        let r = Request::new(&CREATE, "/pets".into());
        let o = RequestOptions::new().idempotency_key("mine");
        assert_eq!(idempotency_key_for(&r, &o).as_deref(), Some("mine"));
        let o = RequestOptions::new().header("idempotency-key", "extra");
        assert_eq!(idempotency_key_for(&r, &o).as_deref(), Some("extra"));
        let r = r.header("Idempotency-Key", "param");
        assert_eq!(
            idempotency_key_for(&r, &RequestOptions::new().idempotency_key("mine")).as_deref(),
            Some("param"),
            "the header actually sent is the key reported"
        );
    }
}
