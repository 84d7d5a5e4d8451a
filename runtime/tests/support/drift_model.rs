//! Types written exactly as the generator writes them (see the generator's snapshots), for
//! the drift tests.
#![allow(dead_code)]

/// `#/components/schemas/Status`
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// `active`
    Active,
    /// A value this client does not know yet (the server added it); decoding one is
    /// reported as drift (`sturdy_runtime::drift`).
    Unknown(::std::string::String),
}
impl Status {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Unknown(s) => s,
        }
    }
    pub fn from_wire(s: ::std::string::String) -> Self {
        match s.as_str() {
            "active" => Self::Active,
            _ => Self::Unknown(s),
        }
    }
}
impl ::serde::Serialize for Status {
    fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> ::serde::Deserialize<'de> for Status {
    fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
        let v = Self::from_wire(::sturdy_runtime::__private::deserialize_string(d)?);
        if let Self::Unknown(s) = &v {
            ::sturdy_runtime::drift::report(
                ::sturdy_runtime::drift::DriftKind::UnknownEnumValue,
                "Status",
                "#/components/schemas/Status",
                ::std::option::Option::Some(s),
            );
        }
        ::std::result::Result::Ok(v)
    }
}

#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct Customer {
    pub id: ::std::string::String,
    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
    pub status: ::std::option::Option<crate::model::Status>,
}

/// Decoded by best fit: the variant whose fields account for the payload.
#[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
#[serde(untagged)]
pub enum CustomerOrId {
    String(::std::string::String),
    Customer(crate::model::Customer),
    /// A shape this client does not know (reported as a `tracing` warning).
    Other(::sturdy_runtime::serde_json::Value),
}
impl<'de> ::serde::Deserialize<'de> for CustomerOrId {
    fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
        static UNION: ::sturdy_runtime::union::Union = ::sturdy_runtime::union::Union::new(
            "CustomerOrId",
            "#/components/schemas/CustomerOrId",
            &[
                ::sturdy_runtime::union::Shape::of(::sturdy_runtime::union::Kind::String),
                ::sturdy_runtime::union::Shape::object(&["id", "status"], &["id"], &[]),
            ],
        );
        let value = <::sturdy_runtime::serde_json::Value as ::serde::Deserialize>::deserialize(d)?;
        UNION.decode(
            value,
            |i: usize, v: &::sturdy_runtime::serde_json::Value| match i {
                0usize => ::sturdy_runtime::union::variant(v).map(Self::String),
                1usize => ::sturdy_runtime::union::variant(v).map(Self::Customer),
                _ => ::std::option::Option::None,
            },
            ::std::option::Option::Some(Self::Other),
        )
    }
}

#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct Meta {
    pub region: ::std::string::String,
}

/// The typed account: its `meta` declares `region` only.
#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct TypedAccount {
    pub id: ::std::string::String,
    pub status: crate::model::Status,
    pub meta: crate::model::Meta,
}

/// The loose account: `status` is any string, `meta` any JSON.
#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct LooseAccount {
    pub id: ::std::string::String,
    pub status: ::std::string::String,
    pub meta: ::sturdy_runtime::serde_json::Value,
}

/// Decoded by best fit: the variant whose fields account for the payload.
#[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
#[serde(untagged)]
pub enum Account {
    TypedAccount(crate::model::TypedAccount),
    LooseAccount(crate::model::LooseAccount),
    /// A shape this client does not know (reported as a `tracing` warning).
    Other(::sturdy_runtime::serde_json::Value),
}
impl<'de> ::serde::Deserialize<'de> for Account {
    fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
        static UNION: ::sturdy_runtime::union::Union = ::sturdy_runtime::union::Union::new(
            "Account",
            "#/components/schemas/Account",
            &[
                ::sturdy_runtime::union::Shape::object(
                    &["id", "status", "meta"],
                    &["id", "status", "meta"],
                    &[],
                ),
                ::sturdy_runtime::union::Shape::object(
                    &["id", "status", "meta"],
                    &["id", "status", "meta"],
                    &[],
                ),
            ],
        );
        let value = <::sturdy_runtime::serde_json::Value as ::serde::Deserialize>::deserialize(d)?;
        UNION.decode(
            value,
            |i: usize, v: &::sturdy_runtime::serde_json::Value| match i {
                0usize => ::sturdy_runtime::union::variant(v).map(Self::TypedAccount),
                1usize => ::sturdy_runtime::union::variant(v).map(Self::LooseAccount),
                _ => ::std::option::Option::None,
            },
            ::std::option::Option::Some(Self::Other),
        )
    }
}
