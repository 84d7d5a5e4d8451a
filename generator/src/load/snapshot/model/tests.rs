use serde_json::json;

use super::{check, read, unknown_field, Shape};

fn unknown(v: serde_json::Value) -> Option<(String, String)> {
    check(&v).map(|u| (u.pointer, u.key))
}

#[test]
fn serde_messages_give_the_allowed_keys() {
    assert_eq!(
        unknown_field("unknown field `respone`, expected one of `method`, `path`, `response`"),
        Some(vec![
            "method".to_owned(),
            "path".to_owned(),
            "response".to_owned()
        ])
    );
    assert_eq!(
        unknown_field("unknown field `a`, expected `b` or `c`"),
        Some(vec!["b".to_owned(), "c".to_owned()])
    );
    // A key with a backtick in it does not confuse the list.
    assert_eq!(
        unknown_field("unknown field `a`, expected x`, expected `b` or `c`"),
        Some(vec!["b".to_owned(), "c".to_owned()])
    );
    assert_eq!(
        unknown_field("unknown field `a`, there are no fields"),
        Some(Vec::new())
    );
    assert_eq!(unknown_field("invalid type: string, expected a map"), None);
}

#[test]
fn a_good_snapshot_has_no_unknown_key() {
    let good = json!({
        "sturdy": "snapshot/v1", "name": "n", "version": "1", "x-owner": "me",
        "version_header": "Api-Version",
        "environments": {"prod": "https://a.example", "eu": {"url": "https://{r}.example", "variables": {"r": {"default": "eu", "enum": ["eu"]}}}},
        "endpoints": {"get_pet": {"method": "GET", "path": "/pets/{id}", "params": {"id": "integer", "q": null, "h": {"in": "header", "x-note": 1}}, "response": {"example": {"unknown_in_an_example": 1}}}},
        "webhooks": {"events": {"pet.created": {"example": {"id": 1}}}},
    });
    assert_eq!(check(&good), None);
}

#[test]
fn unknown_keys_are_found_at_every_level() {
    let base = || {
        json!({
            "sturdy": "snapshot/v1", "name": "n", "version": "1",
            "endpoints": {"get_pet": {"method": "GET", "path": "/pets"}},
        })
    };
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("/nmae", json!("x"), "#/nmae"),
        (
            "/version_header",
            json!({"name": "V", "vaule": "1"}),
            "#/version_header/vaule",
        ),
        (
            "/environments",
            json!({"prod": {"url": "u", "desc": "d"}}),
            "#/environments/prod/desc",
        ),
        (
            "/environments",
            json!({"prod": {"url": "u", "variables": {"r": {"default": "a", "enums": []}}}}),
            "#/environments/prod/variables/r/enums",
        ),
        (
            "/auth",
            json!({"key": {"type": "bearer", "fromat": "jwt"}}),
            "#/auth/key/fromat",
        ),
        ("/error", json!({"pointr": "/error"}), "#/error/pointr"),
        (
            "/errors",
            json!([{"status": 404, "cod": "x"}]),
            "#/errors/0/cod",
        ),
        (
            "/rate_limit",
            json!({"per_secnd": 1}),
            "#/rate_limit/per_secnd",
        ),
        ("/retry", json!({"max_retry": 1}), "#/retry/max_retry"),
        (
            "/idempotency",
            json!({"headers": "K"}),
            "#/idempotency/headers",
        ),
        ("/webhooks", json!({"event": {}}), "#/webhooks/event"),
        (
            "/webhooks",
            json!({"signature": {"schme": "stripe"}, "events": {}}),
            "#/webhooks/signature/schme",
        ),
        (
            "/webhooks",
            json!({"events": {"a.b": {"exmple": 1}}}),
            "#/webhooks/events/a.b/exmple",
        ),
        (
            "/endpoints/get_pet/respone",
            json!({}),
            "#/endpoints/get_pet/respone",
        ),
        (
            "/endpoints/get_pet/params",
            json!({"id": {"in": "path", "requird": true}}),
            "#/endpoints/get_pet/params/id/requird",
        ),
        (
            "/endpoints/get_pet/request",
            json!({"exampel": 1}),
            "#/endpoints/get_pet/request/exampel",
        ),
        (
            "/endpoints/get_pet/response",
            json!({"stauts": 200}),
            "#/endpoints/get_pet/response/stauts",
        ),
        (
            "/endpoints/get_pet/response",
            json!({"stream": {"events": {}, "resumeable": true}}),
            "#/endpoints/get_pet/response/stream/resumeable",
        ),
        (
            "/endpoints/get_pet/response",
            json!({"stream": {"events": {"tick": {"exampel": 1}}}}),
            "#/endpoints/get_pet/response/stream/events/tick/exampel",
        ),
        (
            "/endpoints/get_pet/errors",
            json!([{"status": 404, "retriable": true}]),
            "#/endpoints/get_pet/errors/0/retriable",
        ),
        (
            "/endpoints/get_pet/pagination",
            json!({"scheme": "cursor", "parm": "c"}),
            "#/endpoints/get_pet/pagination/parm",
        ),
        (
            "/endpoints/get_pet/retry",
            json!({"idempotant": true}),
            "#/endpoints/get_pet/retry/idempotant",
        ),
    ];
    for (at, value, want) in cases {
        let mut doc = base();
        let (parent, key) = at.rsplit_once('/').expect("a pointer");
        doc.pointer_mut(parent)
            .and_then(|p| p.as_object_mut())
            .expect(parent)
            .insert(key.to_owned(), value);
        let got = unknown(doc);
        assert_eq!(got.as_ref().map(|(p, _)| p.as_str()), Some(want), "{at}");
    }
}

#[test]
fn wrong_shapes_are_left_to_the_converters() {
    for bad in [
        json!({"sturdy": "snapshot/v1", "endpoints": "none"}),
        json!({"sturdy": "snapshot/v1", "endpoints": {"a": [1]}}),
        json!({"sturdy": "snapshot/v1", "errors": {"a": 1}, "retry": [1]}),
        json!([1, 2]),
        json!({"sturdy": "snapshot/v1", "environments": {"prod": 5}}),
    ] {
        assert_eq!(check(&bad), None, "{bad}");
    }
}

#[test]
fn a_wrong_shape_does_not_hide_an_unknown_key_after_it() {
    let doc = json!({"sturdy": "snapshot/v1", "endpoints": {"a": [1]}, "nmae": 1});
    assert_eq!(unknown(doc), Some(("#/nmae".to_owned(), "nmae".to_owned())));
}

#[test]
fn the_model_keeps_order_extensions_and_keys_written_empty() {
    let doc = json!({
        "sturdy": "snapshot/v1", "x-b": 2, "x-a": 1,
        "environments": {"z": "https://z.example", "a": {"url": null, "x-note": "n"}},
    });
    let Ok(Shape::Read(snap)) = read(&doc) else {
        panic!("a good document is read");
    };
    let ext: Vec<&str> = snap.ext.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(ext, ["x-b", "x-a"]);
    let Some(Shape::Read(envs)) = &snap.environments else {
        panic!("environments are a mapping");
    };
    let names: Vec<&str> = envs.keys().map(String::as_str).collect();
    assert_eq!(names, ["z", "a"]);
    assert!(
        matches!(&envs["z"], Shape::Other(serde_json::Value::String(u)) if u == "https://z.example")
    );
    let Shape::Read(a) = &envs["a"] else {
        panic!("`a` is a mapping");
    };
    assert_eq!(a.url, Some(serde_json::Value::Null));
    assert_eq!(a.description, None);
    assert_eq!(a.ext, vec![("x-note".to_owned(), json!("n"))]);
}

#[test]
fn an_unknown_key_is_a_typed_error_with_line_and_suggestion() {
    let text = "sturdy: snapshot/v1\nname: n\nversion: '1'\nendpoints:\n  get_pet: {method: GET, path: /pets}\nwebhooks:\n  events:\n    pet.created:\n      exmple: {id: 1}\n";
    let path = std::path::Path::new("pets.yaml");
    let raw = crate::load::parse_text(text, path).expect("parse");
    let Err(crate::load::LoadError::Snapshot(e)) = super::super::to_openapi(&raw, text, path)
    else {
        panic!("an unknown key must be refused");
    };
    assert_eq!(e.pointer, "#/webhooks/events/pet.created/exmple");
    assert_eq!(e.line, Some(9));
    assert_eq!(e.problem, "unknown key `exmple`");
    assert!(
        e.hint
            .starts_with("did you mean `example`? known keys here: description, example"),
        "{}",
        e.hint
    );
}

#[test]
fn the_key_comes_from_the_path() {
    let doc = json!({"sturdy": "snapshot/v1", "endpoints": {"a": {"res`pone": 1}}});
    assert_eq!(
        check(&doc).map(|u| (u.pointer, u.key)),
        Some(("#/endpoints/a/res`pone".to_owned(), "res`pone".to_owned()))
    );
}
