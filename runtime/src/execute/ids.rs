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
    let bits: u128 = rand::random();
    hyphenated((bits >> 64) as u64, bits as u64, &mut [0; UUID_LEN]).to_owned()
}

/// The length of a hyphenated UUID.
pub(super) const UUID_LEN: usize = 36;

/// A call's correlation id, a random (version 4) UUID, written into `buf` (no allocation: it
/// lives on the call's stack and is copied only into an error). Its bits come from a
/// per-thread SplitMix64 sequence seeded once from the CSPRNG: a correlation id must be unique,
/// not unpredictable (it is no secret, unlike what an idempotency key guards), and this costs a
/// few instructions instead of the CSPRNG's share of a ChaCha block.
pub(super) fn correlation_id_in(buf: &mut [u8; UUID_LEN]) -> &str {
    hyphenated(splitmix_next(), splitmix_next(), buf)
}

thread_local! {
    /// The SplitMix64 state of this thread; 0 until seeded.
    static SPLITMIX: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The next output of this thread's SplitMix64 sequence (Steele, Lea and Flood 2014).
fn splitmix_next() -> u64 {
    SPLITMIX.with(|state| {
        let mut s = state.get();
        if s == 0 {
            s = rand::random::<u64>() | 1;
        }
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// The UUID of the 128 bits `hi:lo` with the version 4 and RFC 4122 variant bits set,
/// hyphenated and lower case, in `buf` (the `uuid` crate's encoder, no allocation).
fn hyphenated(hi: u64, lo: u64, buf: &mut [u8; UUID_LEN]) -> &str {
    let bits = (u128::from(hi) << 64) | u128::from(lo);
    uuid::Builder::from_random_bytes(bits.to_be_bytes())
        .into_uuid()
        .hyphenated()
        .encode_lower(buf)
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

    #[test]
    fn correlation_ids_are_fresh_uuid_v4s_in_the_buffer() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let mut buf = [0; UUID_LEN];
            let id = correlation_id_in(&mut buf);
            let parsed = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version_num(), 4);
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(
                id,
                parsed.hyphenated().to_string(),
                "hyphenated, lower case"
            );
            assert!(seen.insert(id.to_owned()), "{id} repeated");
        }
        // Another thread has its own sequence, seeded apart.
        let other = std::thread::spawn(|| correlation_id_in(&mut [0; UUID_LEN]).to_owned())
            .join()
            .unwrap();
        assert!(!seen.contains(&other));
    }
}
