//! What a value in an OpenAPI document is, by where it sits: the structural map the loader
//! uses to tell a schema from a map of schemas, a `$ref` from example data, and to know which
//! `components` section a referenced value belongs in.

/// The role of a value in an OpenAPI (3.0 or 3.1) document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Root,
    Paths,
    PathItem,
    /// `webhooks`, `components/pathItems`: name → path item.
    PathItemMap,
    Operation,
    ParameterList,
    Parameter,
    ParameterMap,
    RequestBody,
    RequestBodyMap,
    Responses,
    Response,
    ResponseMap,
    ContentMap,
    MediaType,
    EncodingMap,
    Encoding,
    HeaderMap,
    Header,
    ExampleMap,
    Example,
    /// `callbacks` of an operation or of `components`: name → callback.
    CallbackMap,
    /// Expression → path item.
    Callback,
    Components,
    SecuritySchemeMap,
    Schema,
    /// `additionalProperties`, `unevaluatedProperties`: a schema, where `true`/`false` are
    /// also valid OpenAPI 3.0.
    SchemaOrBool,
    SchemaMap,
    SchemaList,
    /// Structure that holds no schemas (info, servers, tags, links, security schemes, ...):
    /// walked for `$ref`s only.
    Other,
    /// Data (examples, defaults, enums, extensions): never interpreted.
    Opaque,
}

impl Kind {
    /// The role of the member `key` (or array element `key`) of a value of this kind.
    pub(crate) fn child(self, key: &str) -> Kind {
        use Kind::*;
        if self == Root && key == "x-webhooks" {
            return PathItemMap;
        }
        if key.starts_with("x-")
            && !matches!(
                self,
                SchemaMap
                    | PathItemMap
                    | ParameterMap
                    | RequestBodyMap
                    | ResponseMap
                    | HeaderMap
                    | ExampleMap
                    | CallbackMap
                    | ContentMap
                    | EncodingMap
                    | SchemaList
                    | ParameterList
                    | SecuritySchemeMap
            )
        {
            return Opaque;
        }
        match self {
            Root => match key {
                "paths" => Paths,
                "webhooks" => PathItemMap,
                "components" => Components,
                _ => Other,
            },
            Paths | PathItemMap => PathItem,
            PathItem => match key {
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace" => {
                    Operation
                }
                "parameters" => ParameterList,
                _ => Other,
            },
            Operation => match key {
                "parameters" => ParameterList,
                "requestBody" => RequestBody,
                "responses" => Responses,
                "callbacks" => CallbackMap,
                _ => Other,
            },
            ParameterList => Parameter,
            ParameterMap => Parameter,
            Parameter | Header => match key {
                "schema" => Schema,
                "content" => ContentMap,
                "examples" => ExampleMap,
                "example" => Opaque,
                _ => Other,
            },
            RequestBody => match key {
                "content" => ContentMap,
                _ => Other,
            },
            RequestBodyMap => RequestBody,
            Responses | ResponseMap => Response,
            Response => match key {
                "headers" => HeaderMap,
                "content" => ContentMap,
                _ => Other,
            },
            ContentMap => MediaType,
            MediaType => match key {
                "schema" => Schema,
                "examples" => ExampleMap,
                "example" => Opaque,
                "encoding" => EncodingMap,
                _ => Other,
            },
            EncodingMap => Encoding,
            Encoding => match key {
                "headers" => HeaderMap,
                _ => Other,
            },
            HeaderMap => Header,
            ExampleMap => Example,
            Example => match key {
                "value" => Opaque,
                _ => Other,
            },
            CallbackMap => Callback,
            Callback => PathItem,
            Components => match key {
                "schemas" => SchemaMap,
                "responses" => ResponseMap,
                "parameters" => ParameterMap,
                "examples" => ExampleMap,
                "requestBodies" => RequestBodyMap,
                "headers" => HeaderMap,
                "securitySchemes" => SecuritySchemeMap,
                "callbacks" => CallbackMap,
                "pathItems" => PathItemMap,
                _ => Other,
            },
            SecuritySchemeMap => Other,
            Schema | SchemaOrBool => match key {
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" => SchemaMap,
                "items" | "not" | "contains" | "propertyNames" | "if" | "then" | "else"
                | "contentSchema" | "unevaluatedItems" | "additionalItems" => Schema,
                "additionalProperties" | "unevaluatedProperties" => SchemaOrBool,
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => SchemaList,
                "discriminator" | "externalDocs" | "xml" => Other,
                _ => Opaque,
            },
            SchemaMap | SchemaList => Schema,
            Other => Other,
            Opaque => Opaque,
        }
    }

    /// The `components` section a referenced value of this kind is bundled into, or `None`
    /// when such a value is copied in place instead (path items, callbacks, links, ...).
    pub(crate) fn section(self) -> Option<&'static str> {
        match self {
            Kind::Schema | Kind::SchemaOrBool => Some("schemas"),
            Kind::Parameter => Some("parameters"),
            Kind::RequestBody => Some("requestBodies"),
            Kind::Response => Some("responses"),
            Kind::Header => Some("headers"),
            Kind::Example => Some("examples"),
            _ => None,
        }
    }

    /// Whether an object of this kind may be a `{"$ref": ...}` Reference.
    pub(crate) fn may_be_ref(self) -> bool {
        use Kind::*;
        !matches!(
            self,
            Root | Opaque
                | Paths
                | PathItemMap
                | ParameterList
                | ParameterMap
                | RequestBodyMap
                | Responses
                | ResponseMap
                | ContentMap
                | EncodingMap
                | HeaderMap
                | ExampleMap
                | CallbackMap
                | Components
                | SecuritySchemeMap
                | SchemaMap
                | SchemaList
        )
    }

    /// The kind of the value at `pointer` (unescaped segments) from the root, if the path is
    /// structural.
    pub(crate) fn at(segments: &[String]) -> Kind {
        segments.iter().fold(Kind::Root, |k, s| k.child(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(p: &str) -> Kind {
        Kind::at(&crate::pointer::segments(p).unwrap())
    }

    #[test]
    fn positions() {
        assert_eq!(at("/paths/~1pets/get/parameters/0"), Kind::Parameter);
        assert_eq!(at("/paths/~1pets/get/parameters/0/schema"), Kind::Schema);
        assert_eq!(
            at("/paths/~1p/post/requestBody/content/application~1json/schema/properties/type"),
            Kind::Schema
        );
        assert_eq!(at("/components/schemas/Pet/properties"), Kind::SchemaMap);
        assert_eq!(at("/components/schemas/Pet/example"), Kind::Opaque);
        assert_eq!(at("/components/schemas/x-foo"), Kind::Schema);
        assert_eq!(at("/components/schemas/Pet/x-foo"), Kind::Opaque);
        assert_eq!(at("/webhooks/ping/post/responses/200"), Kind::Response);
        assert_eq!(at("/x-webhooks/ping"), Kind::PathItem);
        assert_eq!(at("/x-other/ping"), Kind::Opaque);
        assert_eq!(
            at("/paths/~1p/get/callbacks/cb/{$url}/post"),
            Kind::Operation
        );
        assert_eq!(
            at("/components/schemas/P/additionalProperties"),
            Kind::SchemaOrBool
        );
        assert_eq!(
            at("/paths/~1p/get/responses/200/content/a/examples/e/value"),
            Kind::Opaque
        );
        assert_eq!(Kind::Schema.section(), Some("schemas"));
        assert_eq!(Kind::PathItem.section(), None);
        assert!(!Kind::SchemaMap.may_be_ref());
        assert!(Kind::Callback.may_be_ref());
    }
}
