use std::path::Path;

use super::*;
use crate::ir::{build, Api};

fn api(text: &str, file: &str) -> Api {
    let doc = crate::load::load_str(text, Path::new(file)).expect("load");
    build(&doc).expect("ir").0
}

/// `operationId` -> the idempotency header it was given.
fn headers(api: &Api) -> Vec<(String, Option<String>)> {
    let mut v: Vec<_> = api
        .operations
        .iter()
        .map(|o| (o.id.clone(), o.idempotency_header.clone()))
        .collect();
    v.sort();
    v
}

fn h(id: &str, header: Option<&str>) -> (String, Option<String>) {
    (id.to_owned(), header.map(str::to_owned))
}

const ONE_OP_DECLARES_IT: &str = r#"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /charges:
    post:
      operationId: createCharge
      parameters:
        - {name: Idempotency-Key, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
    get:
      operationId: listCharges
      responses: {'200': {description: ok}}
  /messages:
    post:
      operationId: sendMessage
      responses: {'200': {description: ok}}
  /messages/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    delete:
      operationId: deleteMessage
      responses: {'204': {description: gone}}
    put:
      operationId: putMessage
      parameters:
        - {$ref: '#/components/parameters/Key'}
      responses: {'200': {description: ok}}
components:
  parameters:
    Key: {name: X-Idempotency-Key, in: header, schema: {type: string}}
"#;

#[test]
fn only_operations_that_declare_the_header_take_a_key() {
    let api = api(ONE_OP_DECLARES_IT, "t.yaml");
    assert_eq!(
        headers(&api),
        vec![
            h("createCharge", Some("Idempotency-Key")),
            h("deleteMessage", None),
            h("listCharges", None),
            h("putMessage", Some("X-Idempotency-Key")),
            h("sendMessage", None),
        ]
    );
}

#[test]
fn the_root_extension_covers_writes_and_an_operation_may_opt_out() {
    let text = r#"openapi: 3.0.3
info: {title: t, version: "1"}
x-sturdy-idempotency: {header: Idempotency-Key}
paths:
  /a:
    get: {operationId: getA, responses: {'200': {description: ok}}}
    post: {operationId: postA, responses: {'200': {description: ok}}}
    patch: {operationId: patchA, responses: {'200': {description: ok}}}
    delete: {operationId: deleteA, responses: {'200': {description: ok}}}
  /b:
    post:
      operationId: postB
      x-sturdy-idempotency: false
      responses: {'200': {description: ok}}
    put:
      operationId: putB
      x-sturdy-idempotency: {header: Request-Id}
      responses: {'200': {description: ok}}
"#;
    assert_eq!(
        headers(&api(text, "t.yaml")),
        vec![
            h("deleteA", Some("Idempotency-Key")),
            h("getA", None),
            h("patchA", Some("Idempotency-Key")),
            h("postA", Some("Idempotency-Key")),
            h("postB", None),
            h("putB", Some("Request-Id")),
        ]
    );
}

#[test]
fn a_snapshot_endpoint_marked_false_or_not_listed_takes_no_key() {
    let text = r#"sturdy: snapshot/v1
name: Pay
version: "1"
environments: {production: https://api.pay.example}
idempotency: {header: Idempotency-Key, endpoints: writes}
endpoints:
  create_charge:
    method: POST
    path: /charges
    response: {example: {id: ch_1}}
  capture_charge:
    method: POST
    path: /charges/{id}/capture
    params: {id: string}
    idempotency: false
    response: {example: {id: ch_1}}
  delete_charge:
    method: DELETE
    path: /charges/{id}
    params: {id: string}
    response: {status: 204}
  get_charge:
    method: GET
    path: /charges/{id}
    params: {id: string}
    response: {example: {id: ch_1}}
"#;
    let api = api(text, "pay.sturdy.yaml");
    let by_path: Vec<(String, Option<String>)> = {
        let mut v: Vec<_> = api
            .operations
            .iter()
            .map(|o| {
                (
                    format!("{} {}", o.method.as_str(), o.path),
                    o.idempotency_header.clone(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        by_path,
        vec![
            h("DELETE /charges/{id}", Some("Idempotency-Key")),
            h("GET /charges/{id}", None),
            h("POST /charges", Some("Idempotency-Key")),
            h("POST /charges/{id}/capture", None),
        ]
    );
    // Listed only by name: the other write is left without a key.
    let listed = text.replace("endpoints: writes", "endpoints: [create_charge]");
    let api = self::api(&listed, "pay.sturdy.yaml");
    let keyed: Vec<&str> = api
        .operations
        .iter()
        .filter(|o| o.idempotency_header.is_some())
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(keyed, vec!["/charges"]);
}

#[test]
fn the_rule_over_raw_values() {
    let root = serde_json::json!({"header": "Idempotency-Key"});
    let off = Value::Bool(false);
    assert_eq!(accepted_header(HttpMethod::Post, None, [], None), None);
    assert_eq!(
        accepted_header(HttpMethod::Post, None, ["idempotency_key"], None).as_deref(),
        Some("idempotency_key")
    );
    assert_eq!(
        accepted_header(HttpMethod::Get, None, [], Some(&root)),
        None
    );
    assert_eq!(
        accepted_header(
            HttpMethod::Post,
            Some(&off),
            ["Idempotency-Key"],
            Some(&root)
        ),
        None
    );
    // A malformed extension is no declaration.
    let junk = serde_json::json!({"header": 7});
    assert_eq!(
        accepted_header(HttpMethod::Post, Some(&junk), [], None),
        None
    );
    assert_eq!(method_of("patch"), Some(HttpMethod::Patch));
    assert_eq!(method_of("x-extension"), None);
}
