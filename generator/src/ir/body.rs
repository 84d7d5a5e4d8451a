//! Request bodies: the media type sturdy sends, its Rust type, and bodies that carry nothing.
//!
//! A body whose schema can only be `{}` (an object with no properties and
//! `additionalProperties: false`, as on every Stripe GET and DELETE) and that is not
//! required is dropped: the method takes no `body` argument.

use openapiv3::{AdditionalProperties, ReferenceOr, RequestBody, Schema, SchemaKind, Type};

use crate::ir::operations::{pick_media, Ctx};
use crate::ir::resolve::resolve;
use crate::ir::{BodyEncoding, RequestBody as IrBody, TypeRef};
use crate::load::Document;
use crate::pointer::escape;
use crate::Warning;

/// Whether `schema` admits only the empty object.
pub(crate) fn is_empty_object(doc: &Document, schema: &ReferenceOr<Schema>) -> bool {
    let Some((s, _)) = resolve(doc, schema, "") else {
        return false;
    };
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            o.properties.is_empty()
                && matches!(
                    o.additional_properties,
                    Some(AdditionalProperties::Any(false))
                )
        }
        _ => false,
    }
}

/// The body of one operation, or `None` when it has none worth sending.
pub(crate) fn build_body(
    cx: &mut Ctx<'_, '_>,
    body: &ReferenceOr<RequestBody>,
    pointer: &str,
    type_prefix: &str,
) -> Option<IrBody> {
    let here = format!("{pointer}/requestBody");
    let Some((b, at)) = resolve(cx.doc, body, &here) else {
        cx.warnings.push(Warning {
            pointer: here,
            message: "request body reference could not be resolved; the operation takes no body"
                .into(),
        });
        return None;
    };
    let (ct, mt, encoding) = pick_media(&b.content)?;
    let structured = matches!(
        encoding,
        BodyEncoding::Json | BodyEncoding::Form | BodyEncoding::Multipart
    );
    if structured
        && !b.required
        && mt
            .schema
            .as_ref()
            .is_some_and(|s| is_empty_object(cx.doc, s))
    {
        return None;
    }
    let schema_at = format!("{at}/content/{}/schema", escape(ct));
    let ty = match (&mt.schema, encoding) {
        (_, BodyEncoding::Bytes) => TypeRef::Prim(crate::ir::Prim::Binary),
        (_, BodyEncoding::Text) => TypeRef::Prim(crate::ir::Prim::String),
        (Some(s), _) => cx
            .space
            .type_of(s, &format!("{type_prefix}Body"), &schema_at),
        (None, _) => TypeRef::Json,
    };
    Some(IrBody {
        encoding,
        content_type: ct.to_owned(),
        ty,
        required: b.required,
        docs: b.description.clone(),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::ir::{Api, BodyEncoding};

    fn api(paths: &str) -> Api {
        let yaml = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}");
        let doc = crate::load::load_str(&yaml, Path::new("t.yaml")).expect("load");
        crate::ir::build(&doc).expect("ir").0
    }

    const FORM: &str = "application/x-www-form-urlencoded";

    #[test]
    fn bodies_that_can_only_be_empty_are_dropped() {
        let a = api(&format!(
            "  /v1/customers/{{id}}:\n    get:\n      operationId: GetCustomer\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      requestBody:\n        content:\n          {FORM}:\n            schema: {{type: object, properties: {{}}, additionalProperties: false}}\n      responses: {{'200': {{description: ok}}}}\n"
        ));
        assert!(a.operations[0].body.is_none(), "{:?}", a.operations[0].body);
        assert!(
            a.types.is_empty(),
            "no type for an empty body: {:?}",
            a.types
        );
    }

    #[test]
    fn bodies_with_content_or_required_stay() {
        let a = api(&format!(
            "  /a:\n    post:\n      operationId: A\n      requestBody:\n        content:\n          {FORM}:\n            schema: {{type: object, properties: {{name: {{type: string}}}}, additionalProperties: false}}\n      responses: {{'200': {{description: ok}}}}\n  /b:\n    post:\n      operationId: B\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {{type: object, additionalProperties: false}}\n      responses: {{'200': {{description: ok}}}}\n  /c:\n    post:\n      operationId: C\n      requestBody:\n        content:\n          application/json:\n            schema: {{type: object}}\n      responses: {{'200': {{description: ok}}}}\n"
        ));
        let encodings: Vec<Option<BodyEncoding>> = a
            .operations
            .iter()
            .map(|o| o.body.as_ref().map(|b| b.encoding))
            .collect();
        assert_eq!(
            encodings,
            vec![
                Some(BodyEncoding::Form),
                Some(BodyEncoding::Json),
                Some(BodyEncoding::Json)
            ]
        );
    }
}
