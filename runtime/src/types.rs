//! Value types that generated models use for OpenAPI formats.

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod attached;
mod extra;
pub mod object;
pub mod open_enum;

pub use extra::{undeclared, Extra, Schema};
pub use open_enum::OpenEnum;

/// Date and time (`format: date-time`), UTC.
pub type DateTime = chrono::DateTime<chrono::Utc>;
/// A calendar date (`format: date`).
pub type Date = chrono::NaiveDate;
/// A UUID (`format: uuid`).
pub type Uuid = uuid::Uuid;

/// Binary content (`format: binary`): a file in a multipart body, or a raw body.
///
/// In JSON it is carried as a marker object that [`crate::Request::multipart`] turns into a
/// file part; it is not meant to be sent inside a JSON body. [`Binary::upload`] makes the
/// part an upload from a file or a stream, sent as it is read.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Binary {
    /// The bytes (empty for an upload).
    pub data: Bytes,
    /// A file name for multipart.
    pub filename: Option<String>,
    /// A content type for multipart.
    pub content_type: Option<String>,
    upload: Option<attached::Attached>,
}

impl std::fmt::Debug for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binary")
            .field("len", &self.data.len())
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("upload", &self.upload.as_ref().map(|u| &u.body))
            .finish()
    }
}

const MARKER: &str = "$sturdy_binary";
const UPLOAD_MARKER: &str = "$sturdy_upload";

impl Binary {
    /// Binary content with no file name.
    pub fn new(data: impl Into<Bytes>) -> Self {
        Self {
            data: data.into(),
            filename: None,
            content_type: None,
            upload: None,
        }
    }

    /// A multipart file part from bytes, a file or a stream ([`crate::UploadBody`]), sent as
    /// it is read (with the upload's progress callback and stall timeout).
    pub fn upload(body: impl Into<crate::UploadBody>) -> Self {
        Self {
            upload: Some(attached::Attached::new(body.into())),
            ..Self::default()
        }
    }

    /// The upload, when made with [`Binary::upload`].
    pub fn as_upload(&self) -> Option<&crate::UploadBody> {
        self.upload.as_ref().map(|u| &*u.body)
    }

    /// Sets the file name.
    pub fn filename(mut self, name: impl Into<String>) -> Self {
        self.filename = Some(name.into());
        self
    }

    /// Sets the content type.
    pub fn content_type(mut self, ct: impl Into<String>) -> Self {
        self.content_type = Some(ct.into());
        self
    }

    /// The file of a marker object, and its upload if it has one.
    pub(crate) fn from_marker(
        value: &serde_json::Value,
    ) -> Option<(Binary, Option<crate::UploadBody>)> {
        use base64::Engine;
        let obj = value.as_object()?;
        let (data, upload) = match obj.get(UPLOAD_MARKER).and_then(|v| v.as_u64()) {
            Some(id) => (Vec::new(), Some(attached::find(id)?)),
            None => {
                let data = obj.get(MARKER)?.as_str()?;
                let data = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .ok()?;
                (data, None)
            }
        };
        let file = Binary {
            data: data.into(),
            filename: obj
                .get("filename")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            content_type: obj
                .get("content_type")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            upload: None,
        };
        Some((file, upload))
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        match &self.upload {
            Some(u) => m.serialize_entry(UPLOAD_MARKER, &u.id)?,
            None => m.serialize_entry(
                MARKER,
                &base64::engine::general_purpose::STANDARD.encode(&self.data),
            )?,
        }
        m.serialize_entry("filename", &self.filename)?;
        m.serialize_entry("content_type", &self.content_type)?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for Binary {
    /// Inside JSON a binary value can only be a string; its UTF-8 bytes are kept.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Binary::new(s.into_bytes()))
    }
}

/// Base64-encoded bytes (`format: byte`).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64(pub Vec<u8>);

impl std::fmt::Debug for Base64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64({} bytes)", self.0.len())
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use base64::Engine;
        let s = String::deserialize(d)?;
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        for e in engines {
            if let Ok(v) = e.decode(s.trim()) {
                return Ok(Base64(v));
            }
        }
        Err(serde::de::Error::custom("invalid base64"))
    }
}

impl crate::encode::ParamValue for Base64 {
    fn to_param(&self) -> std::borrow::Cow<'_, str> {
        use base64::Engine;
        std::borrow::Cow::Owned(base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}
