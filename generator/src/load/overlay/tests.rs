use std::path::Path;

use serde_json::json;

use super::Overlay;
use crate::LoadError;

fn overlay(actions: &str) -> Overlay {
    let text = format!("overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n{actions}");
    Overlay::from_str(&text, Path::new("fix.overlay.yaml")).unwrap()
}

fn doc() -> serde_json::Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "1"},
        "tags": [{"name": "a"}],
        "paths": {
            "/orders": {
                "get": {"operationId": "listOrders", "parameters": [{"name": "x", "in": "query"}]},
                "post": {"operationId": "createOrder"}
            },
            "/internal": {"get": {"operationId": "internal", "x-internal": true}},
            "/debug": {"get": {"operationId": "debug", "x-internal": true}}
        }
    })
}

#[test]
fn update_merges_objects_recursively_and_concatenates_arrays() {
    let o = overlay(
        "  - target: $.paths['/orders'].post\n    update:\n      x-sturdy-idempotency: Idempotency-Key\n      operationId: createAnOrder\n  - target: $.paths['/orders'].get\n    update: {parameters: [{name: y, in: query}]}\n",
    );
    let mut d = doc();
    o.apply(&mut d).unwrap();
    let post = &d["paths"]["/orders"]["post"];
    assert_eq!(post["x-sturdy-idempotency"], "Idempotency-Key");
    assert_eq!(post["operationId"], "createAnOrder", "a primitive replaces");
    let params = d["paths"]["/orders"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert_eq!(params.len(), 2, "arrays are concatenated: {params:?}");
}

#[test]
fn update_on_an_array_appends_one_entry() {
    let o = overlay("  - target: $.tags\n    update: {name: b}\n");
    let mut d = doc();
    o.apply(&mut d).unwrap();
    assert_eq!(d["tags"], json!([{"name": "a"}, {"name": "b"}]));
}

#[test]
fn remove_drops_every_selected_node_from_objects_and_arrays() {
    let o = overlay(
        "  - target: $.paths[?@.get['x-internal'] == true]\n    remove: true\n  - target: $.paths['/orders'].get.parameters[0]\n    remove: true\n",
    );
    let mut d = doc();
    o.apply(&mut d).unwrap();
    let paths: Vec<&String> = d["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/orders"]);
    assert_eq!(d["paths"]["/orders"]["get"]["parameters"], json!([]));
}

#[test]
fn removing_several_array_items_keeps_the_right_ones() {
    let o = overlay("  - target: $.items[?@ > 1]\n    remove: true\n");
    let mut d = json!({"items": [1, 2, 3, 1, 5, 0, 7, 8, 9, 10, 11]});
    o.apply(&mut d).unwrap();
    assert_eq!(d["items"], json!([1, 1, 0]));
}

#[test]
fn actions_apply_in_order() {
    // The second action sees what the first added; swapped, it would match nothing.
    let o = overlay(
        "  - target: $.info\n    update: {x-owner: {team: payments}}\n  - target: $.info['x-owner']\n    update: {pager: yes}\n",
    );
    let mut d = doc();
    o.apply(&mut d).unwrap();
    assert_eq!(
        d["info"]["x-owner"],
        json!({"team": "payments", "pager": "yes"})
    );
    let swapped = overlay(
        "  - target: $.info['x-owner']\n    update: {pager: yes}\n  - target: $.info\n    update: {x-owner: {team: payments}}\n",
    );
    assert!(swapped.apply(&mut doc()).is_err());
}

#[test]
fn a_target_that_matches_nothing_names_the_file_the_action_and_the_target() {
    let o = overlay(
        "  - target: $.info\n    update: {x-a: 1}\n  - target: $.paths['/gone'].get\n    update: {x-b: 1}\n",
    );
    let e = o.apply(&mut doc()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, LoadError::Overlay { action: 1, .. }), "{e:?}");
    assert!(text.contains("fix.overlay.yaml"), "{text}");
    assert!(text.contains("actions[1]"), "{text}");
    assert!(text.contains("$.paths['/gone'].get"), "{text}");
    assert!(text.contains("matched nothing"), "{text}");
}

#[test]
fn incompatible_merges_and_primitive_targets_are_errors() {
    let o = overlay("  - target: $.info\n    update: {title: {nested: true}}\n");
    let e = o.apply(&mut doc()).unwrap_err().to_string();
    assert!(e.contains("cannot merge an object into a string"), "{e}");
    let o = overlay("  - target: $.info.title\n    update: New\n");
    let e = o.apply(&mut doc()).unwrap_err().to_string();
    assert!(e.contains("selects a string"), "{e}");
}

#[test]
fn malformed_overlays_are_refused_with_a_pointer() {
    let bad = |text: &str| {
        Overlay::from_str(text, Path::new("o.yaml"))
            .unwrap_err()
            .to_string()
    };
    let head = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\n";
    assert!(bad(&format!(
        "{head}actions:\n  - target: '$.['\n    remove: true\n"
    ))
    .contains("#/actions/0/target"));
    assert!(bad(&format!("{head}actions:\n  - target: $.info\n"))
        .contains("neither `update` nor `remove: true`"));
    assert!(bad(&format!("{head}actions: 3\n")).contains("#/actions"));
    assert!(bad("overlay: 2.0.0\nactions: []\n").contains("not supported"));
    assert!(bad("openapi: 3.1.0\n").contains("overlay: 1.0.0"));
}
