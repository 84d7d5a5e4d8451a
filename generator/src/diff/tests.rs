use std::path::Path;

use super::{Bump, Impact, Report};
use Impact::{Additive, Breaking, None as Same};

const BASE: &str = r#"openapi: 3.1.0
info: {title: Shop, version: '1'}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    Order:
      type: object
      required: [id, status]
      properties:
        id: {type: string}
        status: {$ref: '#/components/schemas/Status'}
        note: {type: string}
        item: {$ref: '#/components/schemas/Item'}
    NewOrder:
      type: object
      required: [sku]
      properties:
        sku: {type: string}
        gift: {type: boolean}
    Status: {type: string, enum: [open, paid]}
    Item:
      oneOf:
        - {$ref: '#/components/schemas/Book'}
        - {$ref: '#/components/schemas/Game'}
    Book: {type: object, properties: {isbn: {type: string}}}
    Game: {type: object, properties: {platform: {type: string}}}
security: [{key: []}]
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Order'}}}}}
    post:
      operationId: createOrder
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/NewOrder'}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
        '404': {description: gone}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
"#;

/// The changes from BASE to BASE with `edits` (pairs of from → to text) applied.
fn changes(edits: &[(&str, &str)]) -> Vec<(String, String, Impact, Impact)> {
    report(edits)
        .changes
        .into_iter()
        .map(|c| (c.at, c.what, c.rust, c.wire))
        .collect()
}

fn report(edits: &[(&str, &str)]) -> Report {
    let mut v2 = BASE.to_owned();
    for (from, to) in edits {
        assert!(
            v2.contains(from),
            "edit target `{from}` not in the base spec"
        );
        v2 = v2.replacen(from, to, 1);
    }
    let old = crate::load::load_str(BASE, Path::new("v1.yaml")).unwrap();
    let new = crate::load::load_str(&v2, Path::new("v2.yaml")).unwrap();
    Report::between(&old, &new).unwrap()
}

fn one(edits: &[(&str, &str)]) -> (String, String, Impact, Impact) {
    let c = changes(edits);
    assert_eq!(c.len(), 1, "{c:#?}");
    c.into_iter().next().unwrap()
}

#[test]
fn the_same_spec_has_no_changes_and_needs_a_patch() {
    let r = report(&[]);
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    assert_eq!(r.bump(), Bump::Patch);
    assert!(!r.is_breaking());
}

#[test]
fn operations_added_and_removed() {
    let added = changes(&[(
        "  /orders/{id}:",
        "  /ping:\n    get:\n      operationId: ping\n      responses: {'204': {description: ok}}\n  /orders/{id}:",
    )]);
    assert!(
        added.contains(&("ping".into(), "operation added".into(), Additive, Additive)),
        "{added:?}"
    );
    let r = report(&[("operationId: getOrder", "operationId: fetchOrder")]);
    let at: Vec<(&str, &str)> = r
        .changes
        .iter()
        .map(|c| (c.at.as_str(), c.what.as_str()))
        .collect();
    assert!(at.contains(&("get_order", "operation removed")), "{at:?}");
    assert!(at.contains(&("fetch_order", "operation added")), "{at:?}");
    assert_eq!(r.bump(), Bump::Major);
}

#[test]
fn routes_and_parameters() {
    assert_eq!(
        one(&[("  /orders/{id}:", "  /v2/orders/{id}:")]),
        (
            "get_order".into(),
            "route GET /orders/{id} → GET /v2/orders/{id}".into(),
            Same,
            Breaking
        )
    );
    assert_eq!(
        one(&[(
            "{name: limit, in: query, schema",
            "{name: limit, in: query, required: true, schema"
        )]),
        (
            "list_orders: query limit".into(),
            "parameter became required".into(),
            Breaking,
            Breaking
        )
    );
    assert_eq!(
        one(&[(
            "{name: limit, in: query, schema: {type: integer}}",
            "{name: limit, in: query, schema: {type: string}}"
        )]),
        (
            "list_orders: query limit".into(),
            "parameter type i64 → String".into(),
            Breaking,
            Breaking
        )
    );
    assert_eq!(
        one(&[(
            "        - {name: limit",
            "        - {name: cursor, in: query, schema: {type: string}}\n        - {name: limit"
        )])
        .2,
        Additive
    );
    assert_eq!(
        one(&[("        - {name: limit", "        - {name: region, in: query, required: true, schema: {type: string}}\n        - {name: limit")]),
        ("list_orders: query region".into(), "required parameter added".into(), Breaking, Breaking)
    );
    assert_eq!(
        one(&[(
            "      parameters:\n        - {name: limit, in: query, schema: {type: integer}}\n",
            ""
        )]),
        (
            "list_orders: query limit".into(),
            "parameter removed".into(),
            Breaking,
            Same
        )
    );
}

#[test]
fn bodies_responses_and_errors() {
    let c = one(&[(
        "requestBody: {required: true,",
        "requestBody: {required: false,",
    )]);
    assert_eq!(
        (c.1.as_str(), c.2, c.3),
        ("body became optional", Breaking, Additive)
    );
    let c = one(&[(
        "'404': {description: gone}",
        "'404': {description: gone}\n        '409': {description: conflict}",
    )]);
    assert_eq!(
        (c.0.as_str(), c.2, c.3),
        ("create_order: error 409", Additive, Additive)
    );
    let c = changes(&[(
        "'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}\n",
        "'200': {description: ok, content: {application/json: {schema: {type: string}}}}\n",
    )]);
    assert!(
        c.contains(&(
            "get_order".into(),
            "success type Order → String".into(),
            Breaking,
            Breaking
        )),
        "{c:?}"
    );
}

#[test]
fn fields_depend_on_the_direction_the_type_travels() {
    // A required field on a response type: code keeps compiling, old clients ignore it.
    let c = one(&[
        (
            "        note: {type: string}\n",
            "        note: {type: string}\n        total: {type: integer}\n",
        ),
        ("required: [id, status]", "required: [id, status, total]"),
    ]);
    assert_eq!(
        c,
        (
            "Order.total".into(),
            "required field added".into(),
            Additive,
            Additive
        )
    );
    // On a request type: constructors break and old clients do not send it.
    let c = one(&[
        (
            "        gift: {type: boolean}\n",
            "        gift: {type: boolean}\n        qty: {type: integer}\n",
        ),
        ("required: [sku]", "required: [sku, qty]"),
    ]);
    assert_eq!(
        c,
        (
            "NewOrder.qty".into(),
            "required field added".into(),
            Breaking,
            Breaking
        )
    );
    // A response field that became optional: `T` → `Option<T>`, and old clients need it.
    let c = one(&[("required: [id, status]", "required: [id]")]);
    assert_eq!(
        c,
        (
            "Order.status".into(),
            "field became optional".into(),
            Breaking,
            Breaking
        )
    );
    let c = one(&[("        note: {type: string}\n", "")]);
    assert_eq!(
        c,
        ("Order.note".into(), "field removed".into(), Breaking, Same)
    );
    let c = one(&[(
        "        note: {type: string}\n",
        "        note: {type: integer}\n",
    )]);
    assert_eq!(
        c,
        (
            "Order.note".into(),
            "field type String → i64".into(),
            Breaking,
            Breaking
        )
    );
}

#[test]
fn enum_values_and_union_variants() {
    assert_eq!(
        one(&[("enum: [open, paid]", "enum: [open, paid, refunded]")]),
        (
            "Status \"refunded\"".into(),
            "enum value added".into(),
            Breaking,
            Additive
        )
    );
    let c = one(&[("enum: [open, paid]", "enum: [open]")]);
    assert_eq!(
        (c.1.as_str(), c.2, c.3),
        ("enum value removed", Breaking, Same)
    );
    let c = changes(&[(
        "        - {$ref: '#/components/schemas/Game'}\n",
        "        - {$ref: '#/components/schemas/Game'}\n        - {type: string}\n",
    )]);
    assert!(
        c.iter()
            .any(|x| x.1 == "union variant added" && x.2 == Breaking && x.3 == Additive),
        "{c:?}"
    );
}

#[test]
fn auth_changes() {
    let c = changes(&[("security: [{key: []}]", "security: [{bearer: []}]"), ("    key: {type: apiKey, in: header, name: X-Key}\n", "    key: {type: apiKey, in: header, name: X-Key}\n    bearer: {type: http, scheme: bearer}\n")]);
    assert!(
        c.iter()
            .any(|x| x.0 == "security scheme bearer" && x.1 == "added"),
        "{c:?}"
    );
    assert!(
        c.iter()
            .any(|x| x.0 == "get_order" && x.1.starts_with("security") && x.3 == Breaking),
        "{c:?}"
    );
    let c = one(&[("name: X-Key}", "name: X-Api-Key}")]);
    assert_eq!(
        (c.0.as_str(), c.2, c.3),
        ("security scheme key", Breaking, Breaking)
    );
}

#[test]
fn reports_render_as_a_table_and_json() {
    let r = report(&[
        ("enum: [open, paid]", "enum: [open, paid, refunded]"),
        (
            "        - {name: limit",
            "        - {name: cursor, in: query, schema: {type: string}}\n        - {name: limit",
        ),
    ]);
    let t = r.table(None);
    assert!(t.starts_with("| rust | wire | where | change |"), "{t}");
    assert!(
        t.contains("| breaking | additive | Status \"refunded\" | enum value added |"),
        "{t}"
    );
    assert!(
        t.contains("2 changes. Rust API: 1 breaking, 1 additive. Wire: 0 breaking, 2 additive."),
        "{t}"
    );
    assert!(t.contains("major version bump"), "{t}");
    let j = r.json();
    assert_eq!(j["breaking"], true);
    assert_eq!(j["bump"], "major");
    assert_eq!(j["changes"][0]["rust"], "breaking");
    assert!(r.table(Some(1)).contains("1 more"));
}
