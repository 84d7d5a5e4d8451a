//! Where an operation came from in the loaded document, and what its source declares that the
//! generated code does not use but a report on the contract does (`sturdy lint`): the JSON
//! pointers of the operation, its parameters and the media types sturdy picked, the
//! `operationId` as written, and rate-limit hints in its responses.
//!
//! Pointers are written from the operation's own pointer (`#/paths/~1pets/get`), whether or
//! not the part they name is a `$ref`, so a report points at the operation that uses it.

use crate::ir::{Operation, ParamLocation};

/// Where an operation and its parts are in the loaded document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The operation (`#/paths/~1pets/get`).
    pub pointer: String,
    /// `operationId` as written (before [`Operation::id`] fills a missing or blank one in).
    pub operation_id: Option<String>,
    /// One pointer per [`Operation::params`] entry, in the same order (where the parameter was
    /// declared, `$ref`s followed; the operation's pointer for an undeclared path parameter).
    pub params: Vec<String>,
    /// The request media type sturdy sends (`…/requestBody/content/application~1json`).
    pub body: Option<String>,
    /// The success response (`…/responses/200`), when one is declared.
    pub success: Option<String>,
    /// The success media type sturdy decodes (`…/responses/200/content/application~1json`).
    pub success_media: Option<String>,
    /// The error responses (`…/responses`), whether or not any is declared.
    pub responses: String,
    /// Some response declares a rate-limit header (`RateLimit-Remaining`, `X-RateLimit-Limit`,
    /// any case, with or without dashes).
    pub rate_limit_headers: bool,
    /// A GET whose success body is a list (an array, or an object around one, as the
    /// pagination detector sees it) for which no pagination was found: the JSON pointer of
    /// the items in the body (`` for a top-level array, `/data`).
    pub unpaginated_list: Option<String>,
}

/// Whether a response header names a rate limit (`X-RateLimit-Remaining`, `ratelimit-limit`,
/// `X-Rate-Limit-Reset`).
pub fn is_rate_limit_header(name: &str) -> bool {
    name.to_ascii_lowercase()
        .replace('-', "")
        .contains("ratelimit")
}

impl Operation {
    /// Whether any header or query parameter names a version (`Api-Version`, `version`).
    pub fn has_version_param(&self) -> bool {
        self.params.iter().any(|p| {
            matches!(p.location, ParamLocation::Header | ParamLocation::Query)
                && p.name.to_ascii_lowercase().contains("version")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "\
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      parameters:
        - {$ref: '#/components/parameters/Limit'}
      responses:
        '200':
          description: ok
          headers: {X-RateLimit-Remaining: {schema: {type: integer}}}
          content:
            application/json:
              schema: {type: object, properties: {data: {type: array, items: {type: string}}}}
    post:
      operationId: ' '
      requestBody:
        content:
          application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: string}}}}
          application/json: {schema: {type: object, properties: {a: {type: string}}}}
      responses:
        '201': {description: made}
components:
  parameters:
    Limit: {name: limit, in: query, schema: {type: integer}}
";

    fn ops() -> Vec<Operation> {
        let doc = crate::load::load_str(SPEC, std::path::Path::new("t.yaml")).expect("load");
        crate::ir::build(&doc).expect("ir").0.operations
    }

    #[test]
    fn operations_know_where_their_parts_are() {
        let ops = ops();
        let get = ops
            .iter()
            .find(|o| o.path == "/things/{id}" && o.origin.pointer.ends_with("/get"));
        let get = get.expect("get");
        let p = "#/paths/~1things~1{id}";
        assert_eq!(get.origin.pointer, format!("{p}/get"));
        assert_eq!(get.origin.operation_id, None);
        assert_eq!(
            get.origin.params,
            vec![
                format!("{p}/parameters/0"),
                "#/components/parameters/Limit".to_owned()
            ]
        );
        assert_eq!(get.origin.body, None);
        assert_eq!(get.origin.success, Some(format!("{p}/get/responses/200")));
        assert_eq!(
            get.origin.success_media,
            Some(format!("{p}/get/responses/200/content/application~1json"))
        );
        assert_eq!(get.origin.responses, format!("{p}/get/responses"));
        assert!(get.origin.rate_limit_headers);
        assert_eq!(get.origin.unpaginated_list.as_deref(), Some("/data"));

        let post = ops
            .iter()
            .find(|o| o.origin.pointer.ends_with("/post"))
            .expect("post");
        assert_eq!(post.origin.operation_id.as_deref(), Some(" "));
        // The media type sturdy sends: JSON before form.
        assert_eq!(
            post.origin.body,
            Some(format!("{p}/post/requestBody/content/application~1json"))
        );
        assert_eq!(post.origin.success_media, None);
        assert!(!post.origin.rate_limit_headers);
        assert_eq!(post.origin.unpaginated_list, None);
    }

    #[test]
    fn rate_limit_headers_are_recognised_in_any_spelling() {
        for h in [
            "X-RateLimit-Limit",
            "ratelimit-remaining",
            "X-Rate-Limit-Reset",
        ] {
            assert!(is_rate_limit_header(h), "{h}");
        }
        for h in ["Retry-After", "Link", "X-Request-Id"] {
            assert!(!is_rate_limit_header(h), "{h}");
        }
    }
}
