//! The API as a user of the generated crate sees it, in a form two versions can be compared in
//! and that a generated crate can carry (`sturdy-api.json`) for `generate --check`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ir::{
    Api, ParamLocation, Prim, ResponseEncoding, SecurityKind, StatusMatch, TypeKind, TypeRef,
};

/// What the generated Rust API and its wire behaviour are made of.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Surface {
    /// Operations by Rust method name.
    pub operations: BTreeMap<String, OpSurface>,
    /// Named types by Rust name.
    pub types: BTreeMap<String, TypeSurface>,
    /// Security schemes by name, as `kind` text (`bearer`, `apiKey header X-Key`, `oauth2`).
    pub security_schemes: BTreeMap<String, String>,
}

/// One operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpSurface {
    /// The spec's operation id.
    pub id: String,
    /// `GET /pets/{id}`.
    pub route: String,
    /// Parameters by `location name` (`query limit`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamSurface>,
    /// The request body, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodySurface>,
    /// The success type, as Rust-like text.
    pub success: String,
    /// Declared error responses: status → type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    /// Security alternatives, each a sorted list of scheme names (empty: no auth).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<Vec<String>>,
    /// The pagination scheme, when the method returns pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<String>,
    /// The idempotency header sent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency: Option<String>,
    /// `deprecated`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
}

/// One parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSurface {
    /// The Rust name.
    #[serde(rename = "name")]
    pub rust_name: String,
    /// Required (a positional argument).
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// The type, as Rust-like text.
    pub ty: String,
}

/// A request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BodySurface {
    /// The media type.
    pub content_type: String,
    /// The type, as Rust-like text.
    pub ty: String,
    /// Required.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
}

/// A named type, with the directions it travels in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeSurface {
    /// What it is.
    pub shape: Shape,
    /// Reachable from a request (parameter or body).
    #[serde(default, skip_serializing_if = "is_false")]
    pub in_request: bool,
    /// Reachable from a response (success or error body, webhook payload).
    #[serde(default, skip_serializing_if = "is_false")]
    pub in_response: bool,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A struct: fields by wire name.
    Struct {
        /// Fields by wire name.
        fields: BTreeMap<String, FieldSurface>,
    },
    /// An open string enum: its wire values.
    Enum {
        /// Wire values.
        values: BTreeSet<String>,
    },
    /// A union: variant name → payload type.
    Union {
        /// Variants.
        variants: BTreeMap<String, String>,
    },
    /// An alias of another type.
    Alias {
        /// The aliased type.
        of: String,
    },
}

/// A struct field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldSurface {
    /// The Rust name.
    #[serde(rename = "name")]
    pub rust_name: String,
    /// The type, as Rust-like text (without `Option`).
    pub ty: String,
    /// In `required`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// The Rust field is an `Option` or a `Nullable` (not required, or nullable).
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Surface {
    /// The surface of `api`.
    pub fn of(api: &Api) -> Surface {
        let (request, response) = directions(api);
        let operations = api
            .operations
            .iter()
            .map(|op| {
                let params = op
                    .params
                    .iter()
                    .map(|p| {
                        let key = format!("{} {}", location(p.location), p.name);
                        let ps = ParamSurface {
                            rust_name: p.rust_name.clone(),
                            required: p.required,
                            ty: type_text(&p.ty),
                        };
                        (key, ps)
                    })
                    .collect();
                let s = OpSurface {
                    id: op.id.clone(),
                    route: format!("{} {}", op.method.as_str(), op.path),
                    params,
                    body: op.body.as_ref().map(|b| BodySurface {
                        content_type: b.content_type.clone(),
                        ty: type_text(&b.ty),
                        required: b.required,
                    }),
                    success: match op.success.encoding {
                        ResponseEncoding::Empty => "()".into(),
                        _ => type_text(&op.success.ty),
                    },
                    errors: op
                        .errors
                        .iter()
                        .map(|e| (status(e.status), type_text(&e.ty)))
                        .collect(),
                    security: op
                        .security
                        .iter()
                        .map(|alt| {
                            let mut names: Vec<String> =
                                alt.iter().map(|(n, _)| n.clone()).collect();
                            names.sort();
                            names
                        })
                        .collect(),
                    pagination: op.pagination.as_ref().map(|p| format!("{:?}", p.scheme)),
                    idempotency: op.idempotency_header.clone(),
                    deprecated: op.deprecated,
                };
                (op.method_name.clone(), s)
            })
            .collect();
        let types = api
            .types
            .iter()
            .map(|(name, t)| {
                let shape = match &t.kind {
                    TypeKind::Struct(s) => Shape::Struct {
                        fields: s
                            .fields
                            .iter()
                            .map(|f| {
                                let fs = FieldSurface {
                                    rust_name: f.name.clone(),
                                    ty: type_text(&f.ty),
                                    required: f.required,
                                    optional: !f.required || f.nullable,
                                };
                                (f.wire_name.clone(), fs)
                            })
                            .collect(),
                    },
                    TypeKind::Enum(e) => Shape::Enum {
                        values: e.variants.iter().map(|v| v.value.clone()).collect(),
                    },
                    TypeKind::Union(u) => Shape::Union {
                        variants: u
                            .variants
                            .iter()
                            .map(|v| (v.name.clone(), type_text(&v.ty)))
                            .collect(),
                    },
                    TypeKind::Alias(of) => Shape::Alias { of: type_text(of) },
                };
                let ts = TypeSurface {
                    shape,
                    in_request: request.contains(name),
                    in_response: response.contains(name),
                };
                (name.clone(), ts)
            })
            .collect();
        let security_schemes = api
            .security_schemes
            .iter()
            .map(|(n, s)| (n.clone(), scheme_text(&s.kind)))
            .collect();
        Surface {
            operations,
            types,
            security_schemes,
        }
    }
}

/// The named types reachable from requests and from responses.
fn directions(api: &Api) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut request = BTreeSet::new();
    let mut response = BTreeSet::new();
    for op in &api.operations {
        for p in &op.params {
            reach(api, &p.ty, &mut request);
        }
        if let Some(b) = &op.body {
            reach(api, &b.ty, &mut request);
        }
        reach(api, &op.success.ty, &mut response);
        for e in &op.errors {
            reach(api, &e.ty, &mut response);
        }
    }
    for w in &api.webhooks {
        reach(api, &w.ty, &mut response);
    }
    (request, response)
}

/// Adds every named type `t` reaches to `seen`.
fn reach(api: &Api, t: &TypeRef, seen: &mut BTreeSet<String>) {
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        match t {
            TypeRef::Named(n) => {
                if !seen.insert(n.clone()) {
                    continue;
                }
                match api.types.get(n).map(|d| &d.kind) {
                    Some(TypeKind::Struct(s)) => {
                        stack.extend(s.fields.iter().map(|f| &f.ty));
                        stack.extend(s.additional.iter());
                    }
                    Some(TypeKind::Union(u)) => stack.extend(u.variants.iter().map(|v| &v.ty)),
                    Some(TypeKind::Alias(of)) => stack.push(of),
                    Some(TypeKind::Enum(_)) | None => {}
                }
            }
            TypeRef::Vec(inner)
            | TypeRef::Map(inner)
            | TypeRef::Boxed(inner)
            | TypeRef::Expandable(inner) => stack.push(inner),
            TypeRef::Prim(_) | TypeRef::Json | TypeRef::Unit => {}
        }
    }
}

/// A type as short Rust-like text (`Vec<Pet>`, `Map<i64>`, `Json`).
pub fn type_text(t: &TypeRef) -> String {
    match t {
        TypeRef::Prim(p) => prim(*p).to_owned(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Vec(i) => format!("Vec<{}>", type_text(i)),
        TypeRef::Map(i) => format!("Map<{}>", type_text(i)),
        TypeRef::Boxed(i) => type_text(i),
        TypeRef::Expandable(i) => format!("Expandable<{}>", type_text(i)),
        TypeRef::Json => "Json".into(),
        TypeRef::Unit => "()".into(),
    }
}

fn prim(p: Prim) -> &'static str {
    match p {
        Prim::String => "String",
        Prim::Bool => "bool",
        Prim::I32 => "i32",
        Prim::I64 => "i64",
        Prim::U64 => "u64",
        Prim::F32 => "f32",
        Prim::F64 => "f64",
        Prim::DateTime => "DateTime",
        Prim::Date => "Date",
        Prim::Uuid => "Uuid",
        Prim::Binary => "Binary",
        Prim::Base64 => "Base64",
    }
}

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

fn status(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(d) => format!("{d}XX"),
        StatusMatch::Default => "default".into(),
    }
}

fn scheme_text(k: &SecurityKind) -> String {
    match k {
        SecurityKind::ApiKey { location: l, name } => format!("apiKey {} {name}", location(*l)),
        SecurityKind::Bearer => "bearer".into(),
        SecurityKind::Basic => "basic".into(),
        SecurityKind::OAuth2 { flows, .. } => format!("oauth2 {}", flows.join(",")),
        SecurityKind::OpenIdConnect { url } => format!("openIdConnect {url}"),
    }
}
