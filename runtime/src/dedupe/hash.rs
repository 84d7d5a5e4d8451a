//! The payload hash a dedupe record is keyed with.

use sha2::{Digest, Sha256};

use crate::request::{Body, Request};

/// `sha256:` and the hex SHA-256 of what the request would write: method, path (or absolute
/// URL), query parameters in order, and the body (content type and bytes, or each multipart
/// part; an upload that is not in memory by what identifies it without reading it: a file by
/// its path and length, a stream by its declared length). Headers, auth and correlation ids are not part of it. Every field is
/// length-prefixed, so no two different requests share an encoding.
pub fn payload_hash(request: &Request) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(request.op.method.as_str().as_bytes());
    field(
        request
            .absolute_url
            .as_deref()
            .unwrap_or(&request.path)
            .as_bytes(),
    );
    for (k, v) in &request.query {
        field(k.as_bytes());
        field(v.as_bytes());
    }
    match &request.body {
        Body::Empty => field(b"empty"),
        Body::Bytes { content_type, data } => {
            field(b"bytes");
            field(content_type.as_bytes());
            field(data);
        }
        Body::Multipart(parts) => {
            field(b"multipart");
            for p in parts {
                field(p.name.as_bytes());
                field(p.filename.as_deref().unwrap_or("").as_bytes());
                field(p.content_type.as_deref().unwrap_or("").as_bytes());
                field(&p.data);
                if let Some(u) = &p.upload {
                    u.identity(&mut field);
                }
            }
        }
        Body::Upload { content_type, body } => {
            field(b"upload");
            field(content_type.as_bytes());
            body.identity(&mut field);
        }
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Method, OperationMeta};

    static CREATE: OperationMeta = OperationMeta::new("createOrder", Method::Post, "/orders");

    fn req(body: &serde_json::Value) -> Request {
        Request::new(&CREATE, "/orders".into()).json(body)
    }

    #[test]
    fn same_payload_same_hash_and_any_difference_changes_it() {
        let a = payload_hash(&req(&serde_json::json!({"qty": 1})));
        assert_eq!(a, payload_hash(&req(&serde_json::json!({"qty": 1}))));
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64, "{a}");
        assert_ne!(a, payload_hash(&req(&serde_json::json!({"qty": 2}))));
        let q = req(&serde_json::json!({"qty": 1})).set_query("x", "1".into());
        assert_ne!(a, payload_hash(&q));
        let other_path =
            Request::new(&CREATE, "/orders2".into()).json(&serde_json::json!({"qty": 1}));
        assert_ne!(a, payload_hash(&other_path));
        // Field boundaries count: ("ab", "c") is not ("a", "bc").
        let q1 = Request::new(&CREATE, "/o".into()).set_query("ab", "c".into());
        let q2 = Request::new(&CREATE, "/o".into()).set_query("a", "bc".into());
        assert_ne!(payload_hash(&q1), payload_hash(&q2));
    }

    #[test]
    fn uploads_hash_by_what_identifies_them_without_reading() {
        let dir = std::env::temp_dir().join(format!("sturdy-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.bin"), dir.join("b.bin"));
        std::fs::write(&a, b"same").unwrap();
        std::fs::write(&b, b"same").unwrap();
        let up = |path: &std::path::Path| {
            let file = crate::UploadBody::from_file(path).unwrap().progress(|_| {});
            payload_hash(&Request::new(&CREATE, "/o".into()).upload("application/x", file))
        };
        assert_eq!(up(&a), up(&a));
        assert_ne!(up(&a), up(&b), "another file");
        let plain = Request::new(&CREATE, "/o".into()).upload("application/x", b"same".to_vec());
        assert_ne!(up(&a), payload_hash(&plain));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
