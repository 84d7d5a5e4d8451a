//! `multipart/form-data` encoding (RFC 7578) of a request's parts into bytes, so every
//! attempt sends the same body through any transport and a request signer can sign it.
//! Parts with an upload are streamed instead ([`crate::upload`]), with the same framing.

use bytes::Bytes;

use crate::request::Part;

/// A fresh random boundary.
pub(crate) fn boundary() -> String {
    format!("sturdy-{:032x}", rand::random::<u128>())
}

/// The body and its `Content-Type` (with a random boundary).
pub(crate) fn encode(parts: &[Part]) -> (String, Bytes) {
    let boundary = boundary();
    let mut out = Vec::new();
    for p in parts {
        head(&boundary, p, &mut out);
        out.extend_from_slice(&p.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    (
        format!("multipart/form-data; boundary={boundary}"),
        Bytes::from(out),
    )
}

/// The delimiter and headers of part `p`, up to its data.
pub(crate) fn head(boundary: &str, p: &Part, out: &mut Vec<u8>) {
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
    out.extend_from_slice(escape(&p.name).as_bytes());
    out.push(b'"');
    if let Some(f) = &p.filename {
        out.extend_from_slice(b"; filename=\"");
        out.extend_from_slice(escape(f).as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"\r\n");
    if let Some(ct) = &p.content_type {
        out.extend_from_slice(b"Content-Type: ");
        out.extend_from_slice(ct.replace(['\r', '\n'], "").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A name or filename inside quotes, as the HTML standard encodes it.
fn escape(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_framed_by_the_boundary() {
        let parts = vec![
            Part {
                name: "note".into(),
                filename: None,
                content_type: None,
                data: Bytes::from_static(b"hi"),
                upload: None,
            },
            Part {
                name: "fi\"le".into(),
                filename: Some("a\r\n.txt".into()),
                content_type: Some("text/plain".into()),
                data: Bytes::from_static(b"abc"),
                upload: None,
            },
        ];
        let (ct, body) = encode(&parts);
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"fi%22le\"; filename=\"a%0D%0A.txt\"\r\n\
             Content-Type: text/plain\r\n\r\nabc\r\n--{b}--\r\n",
            b = boundary
        );
        assert_eq!(std::str::from_utf8(&body).unwrap(), want);
        assert_ne!(encode(&parts).0, ct, "a fresh boundary per body");
    }
}
