//! The parameters of an operation: path-item ones overridden by the operation's own, path
//! parameters in template order, each with its Rust name, type and serialization style.

use openapiv3::{Parameter, ParameterData, ParameterSchemaOrContent, PathStyle, QueryStyle};
use openapiv3::{SchemaKind, Type};

use crate::ir::idempotency::is_idempotency_header;
use crate::ir::names::{self, Scope};
use crate::ir::operations::Ctx;
use crate::ir::resolve::resolve;
use crate::ir::{Param, ParamLocation, ParamStyle, TypeRef};
use crate::pointer::escape;
use crate::Warning;

/// The parameters of `op` at `pointer` (under `item`, at `path`), each with the pointer it
/// was declared at (`pointer` itself for an undeclared path parameter); type names start with
/// `type_prefix`.
pub(crate) fn build_params(
    cx: &mut Ctx<'_, '_>,
    item: &openapiv3::PathItem,
    op: &openapiv3::Operation,
    path: &str,
    pointer: &str,
    type_prefix: &str,
) -> Vec<(Param, String)> {
    let mut raw_params = declared(cx, item, op, pointer);
    // Path parameters in template order, then the rest in spec order.
    let template_names: Vec<String> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
        .collect();
    raw_params.sort_by_key(|(p, _)| match p {
        Parameter::Path { parameter_data, .. } => (
            0,
            template_names
                .iter()
                .position(|n| *n == parameter_data.name)
                .unwrap_or(usize::MAX),
        ),
        _ => (1, 0),
    });
    let mut rust_names = Scope::new();
    let mut params: Vec<(Param, String)> = raw_params
        .iter()
        .filter_map(|(p, at)| {
            build_param(cx, p, at, &template_names, type_prefix, &mut rust_names)
                .map(|q| (q, at.clone()))
        })
        .collect();
    // Path parameters named in the template but never declared: strings, with a warning.
    for n in &template_names {
        if !params
            .iter()
            .any(|(p, _)| p.location == ParamLocation::Path && &p.name == n)
        {
            cx.warnings.push(Warning {
                pointer: pointer.to_owned(),
                message: format!("path parameter `{n}` is not declared; typed as a string"),
            });
            let rust_name = rust_names.claim(&names::param_name(n));
            let at = params
                .iter()
                .filter(|(p, _)| p.location == ParamLocation::Path)
                .count();
            params.insert(
                at,
                (
                    Param {
                        name: n.clone(),
                        rust_name,
                        location: ParamLocation::Path,
                        required: true,
                        ty: TypeRef::Prim(crate::ir::Prim::String),
                        style: ParamStyle::Simple,
                        docs: None,
                        deprecated: false,
                    },
                    pointer.to_owned(),
                ),
            );
        }
    }
    params
}

/// Path-item parameters overridden by operation ones with the same (name, in), resolved, each
/// with the pointer it was found at.
fn declared(
    cx: &mut Ctx<'_, '_>,
    item: &openapiv3::PathItem,
    op: &openapiv3::Operation,
    pointer: &str,
) -> Vec<(Parameter, String)> {
    let doc = cx.doc;
    let mut raw_params: Vec<(Parameter, String)> = Vec::new();
    for (i, p) in item.parameters.iter().enumerate() {
        let here = format!(
            "{}/parameters/{i}",
            pointer.rsplit_once('/').map_or(pointer, |(a, _)| a)
        );
        match resolve(doc, p, &here) {
            Some(v) => raw_params.push(v),
            None => cx.warnings.push(Warning {
                pointer: here,
                message: "parameter reference could not be resolved; skipped".into(),
            }),
        }
    }
    for (i, p) in op.parameters.iter().enumerate() {
        let here = format!("{pointer}/parameters/{i}");
        match resolve(doc, p, &here) {
            Some((p, at)) => {
                let key = (p.parameter_data_ref().name.clone(), location_of(&p));
                raw_params
                    .retain(|(q, _)| (q.parameter_data_ref().name.clone(), location_of(q)) != key);
                raw_params.push((p, at));
            }
            None => cx.warnings.push(Warning {
                pointer: here,
                message: "parameter reference could not be resolved; skipped".into(),
            }),
        }
    }
    raw_params
}

/// One declared parameter; `None` for headers the runtime sets and path parameters the
/// template does not name.
fn build_param(
    cx: &mut Ctx<'_, '_>,
    p: &Parameter,
    at: &str,
    template_names: &[String],
    type_prefix: &str,
    rust_names: &mut Scope,
) -> Option<Param> {
    let doc = cx.doc;
    let data = p.parameter_data_ref();
    let location = location_of(p);
    if location == ParamLocation::Header
        && ["accept", "content-type", "authorization"]
            .contains(&data.name.to_ascii_lowercase().as_str())
    {
        return None;
    }
    if location == ParamLocation::Path && !template_names.contains(&data.name) {
        cx.warnings.push(Warning {
            pointer: at.to_owned(),
            message: format!(
                "path parameter `{}` is not in the path template; ignored",
                data.name
            ),
        });
        return None;
    }
    let hint = format!("{type_prefix}{}", names::pascal(&data.name));
    let (ty, schema) = match &data.format {
        ParameterSchemaOrContent::Schema(s) => (
            cx.space.type_of(s, &hint, &format!("{at}/schema")),
            Some(s.clone()),
        ),
        ParameterSchemaOrContent::Content(c) => match c.iter().next() {
            Some((ct, mt)) => match &mt.schema {
                Some(s) => (
                    cx.space
                        .type_of(s, &hint, &format!("{at}/content/{}/schema", escape(ct))),
                    Some(s.clone()),
                ),
                None => (TypeRef::Json, None),
            },
            None => (TypeRef::Json, None),
        },
    };
    let resolved = schema
        .as_ref()
        .and_then(|s| resolve(doc, s, ""))
        .map(|(s, _)| s);
    let is_array = resolved
        .as_ref()
        .is_some_and(|s| matches!(s.schema_kind, SchemaKind::Type(Type::Array(_))));
    let is_object = resolved.as_ref().is_some_and(|s| {
        matches!(
            s.schema_kind,
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. }
        )
    });
    let style = style_of(p, data, is_array, is_object);
    // The runtime supplies an idempotency key when the caller gives none, so the
    // header is never a required argument.
    let required = (data.required
        && !(location == ParamLocation::Header && is_idempotency_header(&data.name)))
        || location == ParamLocation::Path;
    // Required parameters are arguments beside the method's own names; optional ones
    // are fields of the params struct, where no name collides.
    let rust_name = if required {
        names::param_name(&data.name)
    } else {
        names::snake(&data.name)
    };
    Some(Param {
        name: data.name.clone(),
        rust_name: rust_names.claim(&rust_name),
        location,
        required,
        ty,
        style,
        docs: data.description.clone(),
        deprecated: data.deprecated.unwrap_or(false),
    })
}

/// How a parameter is serialized, from its declared style and its schema's shape.
fn style_of(p: &Parameter, data: &ParameterData, is_array: bool, is_object: bool) -> ParamStyle {
    match p {
        Parameter::Query { style, .. } => {
            let explode = data.explode.unwrap_or(matches!(style, QueryStyle::Form));
            match (style, is_array, is_object) {
                (QueryStyle::DeepObject, _, _) => ParamStyle::Object { deep: true },
                (QueryStyle::SpaceDelimited, true, _) => ParamStyle::Array {
                    explode: false,
                    delimiter: ' ',
                },
                (QueryStyle::PipeDelimited, true, _) => ParamStyle::Array {
                    explode: false,
                    delimiter: '|',
                },
                (_, true, _) => ParamStyle::Array {
                    explode,
                    delimiter: ',',
                },
                (_, _, true) => ParamStyle::Object { deep: false },
                _ => ParamStyle::Simple,
            }
        }
        Parameter::Path {
            style: PathStyle::Simple,
            ..
        }
        | Parameter::Header { .. }
        | Parameter::Cookie { .. }
            if is_array =>
        {
            ParamStyle::Array {
                explode: false,
                delimiter: ',',
            }
        }
        _ if is_object => ParamStyle::Json,
        _ => ParamStyle::Simple,
    }
}

pub(crate) fn location_of(p: &Parameter) -> ParamLocation {
    match p {
        Parameter::Query { .. } => ParamLocation::Query,
        Parameter::Header { .. } => ParamLocation::Header,
        Parameter::Path { .. } => ParamLocation::Path,
        Parameter::Cookie { .. } => ParamLocation::Cookie,
    }
}
