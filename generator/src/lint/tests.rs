use std::path::Path;

use super::{lint, Finding, Severity};

fn run(yaml: &str) -> Vec<Finding> {
    let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
    lint(&doc).expect("ir")
}

/// (rule, pointer, line) of every finding.
fn found(yaml: &str) -> Vec<(&'static str, String, Option<usize>)> {
    run(yaml)
        .into_iter()
        .map(|f| (f.rule, f.pointer, f.line))
        .collect()
}

fn has(yaml: &str, rule: &str, pointer: &str) -> bool {
    run(yaml)
        .iter()
        .any(|f| f.rule == rule && f.pointer == pointer)
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n";

/// A GET `/things` whose 200 body is `schema`, with query parameters `params`.
fn list_op(params: &[&str], schema: &str) -> String {
    let params: Vec<String> = params
        .iter()
        .map(|p| format!("{{name: {p}, in: query, schema: {{type: string}}}}"))
        .collect();
    format!(
        "{HEAD}  /things:\n    get:\n      operationId: listThings\n      parameters: [{}]\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n        '404': {{description: no}}\n",
        params.join(", ")
    )
}

const EVERY_RULE: &str = "\
openapi: 3.1.0
info: {title: t, version: ''}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    post:
      requestBody:
        content:
          application/json: {}
      responses:
        '201':
          description: ok
          content:
            application/json:
              schema: {}
webhooks:
  pet.created:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses: {'200': {description: ok}}
components:
  schemas:
    Pet: {type: object, properties: {id: {type: integer}}}
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: 'https://t.example/token', scopes: {}}
";

#[test]
fn every_rule_points_where_it_did() {
    let p = "#/paths/~1pets";
    let expected: Vec<(&str, String, Option<usize>)> = vec![
        ("webhook-no-signature", "#/webhooks".into(), Some(23)),
        ("missing-idempotency", format!("{p}/post"), Some(13)),
        ("no-error-responses", format!("{p}/get/responses"), Some(7)),
        (
            "no-error-responses",
            format!("{p}/post/responses"),
            Some(17),
        ),
        ("no-operation-id", format!("{p}/post"), Some(13)),
        ("no-pagination", format!("{p}/get"), Some(5)),
        ("no-rate-limit", "#".into(), None),
        (
            "untyped-body",
            format!("{p}/post/requestBody/content/application~1json"),
            Some(16),
        ),
        (
            "untyped-body",
            format!("{p}/post/responses/201/content/application~1json"),
            Some(21),
        ),
        ("unversioned", "#/info/version".into(), Some(2)),
        (
            "oauth2-no-scopes",
            "#/components/securitySchemes/oauth/flows/clientCredentials".into(),
            Some(38),
        ),
    ];
    assert_eq!(found(EVERY_RULE), expected);
    let f = run(EVERY_RULE);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(
        f[7].message,
        "POST /pets sends an untyped `application/json` body (it becomes `serde_json::Value`)"
    );
    assert_eq!(
        f[9].message,
        "the API is unversioned: no version header, no `/v1`-style segment, and info.version is ``"
    );
}

#[test]
fn a_list_is_paged_when_the_ir_pages_it() {
    // Kubernetes: `continue` and `metadata.continue` are a cursor the generated client follows
    // (the old lint knew no `continue` parameter and warned).
    let k8s = list_op(
        &["continue", "limit"],
        "{type: object, properties: {items: {type: array, items: {type: string}}, metadata: {type: object, properties: {continue: {type: string}}}}}",
    );
    assert!(!has(&k8s, "no-pagination", "#/paths/~1things/get"));
    // A page-like parameter the client cannot follow (no next cursor in the body) leaves
    // callers with the first page (the old lint took any `after` parameter as pagination).
    let after = list_op(&["after"], "{type: array, items: {type: string}}");
    assert!(has(&after, "no-pagination", "#/paths/~1things/get"));
    let page = list_op(&["page"], "{type: array, items: {type: string}}");
    assert!(!has(&page, "no-pagination", "#/paths/~1things/get"));
}

#[test]
fn a_resource_with_one_array_is_not_a_list() {
    // An OpenAI message: its `content` array is a field, not a page of items (the old lint
    // took `content` for an envelope).
    let message = list_op(
        &[],
        "{type: object, properties: {id: {type: string}, role: {type: string}, thread_id: {type: string}, created_at: {type: integer}, content: {type: array, items: {type: string}}}}",
    );
    assert!(!has(&message, "no-pagination", "#/paths/~1things/get"));
    // Two arrays in a small object (GitHub's participation stats) are no list either.
    let stats = list_op(
        &[],
        "{type: object, properties: {all: {type: array, items: {type: integer}}, owner: {type: array, items: {type: integer}}}}",
    );
    assert!(!has(&stats, "no-pagination", "#/paths/~1things/get"));
    // A small wrapper around one array is.
    let wrapper = list_op(
        &[],
        "{type: object, properties: {count: {type: integer}, things: {type: array, items: {type: string}}}}",
    );
    assert!(has(&wrapper, "no-pagination", "#/paths/~1things/get"));
}

#[test]
fn a_default_response_without_a_success_one_is_no_error_response() {
    // Oxide's device flow: `default` is then the success response the client decodes.
    let only_default = format!(
        "{HEAD}  /device/auth:\n    post:\n      operationId: deviceAuth\n      responses:\n        default: {{description: ''}}\n"
    );
    assert!(has(
        &only_default,
        "no-error-responses",
        "#/paths/~1device~1auth/post/responses"
    ));
    let beside = format!(
        "{HEAD}  /device/auth:\n    post:\n      operationId: deviceAuth\n      responses:\n        '200': {{description: ok}}\n        default: {{description: ''}}\n"
    );
    assert!(!has(
        &beside,
        "no-error-responses",
        "#/paths/~1device~1auth/post/responses"
    ));
}

#[test]
fn root_retry_rules_settle_idempotency() {
    let post = "  /charges:\n    post:\n      operationId: createCharge\n      responses: {'200': {description: ok}}\n";
    let bare = format!("{HEAD}{post}");
    assert!(has(&bare, "missing-idempotency", "#/paths/~1charges/post"));
    for retry in ["{max_retries: 0}", "{idempotent: true}"] {
        let root = format!("x-sturdy-retry: {retry}\n{HEAD}{post}");
        assert!(
            !has(&root, "missing-idempotency", "#/paths/~1charges/post"),
            "{retry}"
        );
    }
    let keyed = format!("x-sturdy-idempotency: {{header: Idempotency-Key}}\n{HEAD}{post}");
    assert!(!has(
        &keyed,
        "missing-idempotency",
        "#/paths/~1charges/post"
    ));
}

#[test]
fn a_body_sturdy_cannot_type_is_untyped() {
    // Slack: `items` without `type: array` decodes as `serde_json::Value`.
    let slack = list_op(
        &[],
        "{description: pins, items: {anyOf: [{type: object}, {type: string}]}}",
    );
    assert!(has(
        &slack,
        "untyped-body",
        "#/paths/~1things/get/responses/200/content/application~1json"
    ));
    let typed = list_op(
        &[],
        "{type: object, properties: {id: {type: string}, name: {type: string}, kind: {type: string}, size: {type: integer}}}",
    );
    assert!(!run(&typed).iter().any(|f| f.rule == "untyped-body"));
}

#[test]
fn rate_limit_hints_come_from_any_response() {
    let op = |resp: &str| {
        format!(
            "{HEAD}  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {{description: ok}}\n{resp}"
        )
    };
    let rule = |yaml: &str| has(yaml, "no-rate-limit", "#");
    assert!(rule(&op("")));
    assert!(!rule(&op("        '429': {description: slow down}\n")));
    assert!(!rule(&op(
        "        '400':\n          description: bad\n          headers: {X-RateLimit-Remaining: {schema: {type: integer}}}\n"
    )));
    let limited = format!("x-sturdy-rate-limit: {{per_second: 5}}\n{}", op(""));
    assert!(!rule(&limited));
}

const SNAPSHOT: &str = "\
sturdy: snapshot/v1
name: Things
version: '1.0'
environments:
  production: https://api.things.example
endpoints:
  list_things:
    method: GET
    path: /things
    response:
      example: [{id: t_1}]
  create_thing:
    method: POST
    path: /things
    request:
      example: {name: a}
    response:
      example: {id: t_1}
";

#[test]
fn snapshot_pointers_name_the_endpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("things.yaml");
    std::fs::write(&path, SNAPSHOT).expect("write");
    let doc = crate::load::load(&path).expect("load");
    let got: Vec<(&str, String, Option<usize>)> = lint(&doc)
        .expect("ir")
        .into_iter()
        .map(|f| (f.rule, f.pointer, f.line))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "missing-idempotency",
                "#/endpoints/create_thing".into(),
                Some(12)
            ),
            (
                "no-error-responses",
                "#/endpoints/create_thing".into(),
                Some(12)
            ),
            (
                "no-error-responses",
                "#/endpoints/list_things".into(),
                Some(7)
            ),
            ("no-pagination", "#/endpoints/list_things".into(), Some(7)),
            ("no-rate-limit", "#".into(), None),
            ("unversioned", "#/version".into(), Some(3)),
        ]
    );
}
