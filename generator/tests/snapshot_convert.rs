//! Contract snapshot → OpenAPI 3.1 conversion of every fixture in `fixtures/snapshots`.

use std::path::{Path, PathBuf};

use sturdy_generator::load::snapshot;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/snapshots")
        .join(name)
}

fn convert(name: &str) -> serde_json::Value {
    match snapshot::convert_to_openapi(&fixture(name)) {
        Ok(v) => v,
        Err(e) => panic!("{name} does not convert: {e}"),
    }
}

#[test]
fn payments_converts() {
    let v = convert("payments.yaml");
    assert_eq!(v["openapi"], "3.1.0");
    // Environments become named servers.
    assert_eq!(v["servers"][1]["x-sturdy-environment"], "sandbox");
    assert_eq!(
        v["x-sturdy-version-header"],
        serde_json::json!({"name": "Payments-Version", "value": "2024-06-20"})
    );
    // Idempotency on every POST, with the header parameter.
    let post = &v["paths"]["/charges"]["post"];
    assert_eq!(post["x-sturdy-idempotency"]["header"], "Idempotency-Key");
    assert!(post["parameters"].as_array().is_some_and(|a| a
        .iter()
        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")));
    assert!(v["paths"]["/charges"]["get"]
        .get("x-sturdy-idempotency")
        .is_none());
    // Terminal codes and 409 retry come from the error cases.
    assert_eq!(
        post["x-sturdy-retry"]["terminal_codes"],
        serde_json::json!(["card_declined", "expired_card"])
    );
    assert_eq!(post["x-sturdy-retry"]["retry_conflict"], true);
    // Charge is merged from the list items and the create response: amount mixes integer and float.
    assert_eq!(
        v["components"]["schemas"]["Charge"]["properties"]["amount"]["type"],
        "number"
    );
    assert_eq!(
        v["components"]["schemas"]["Charge"]["properties"]["paid_at"]["type"],
        serde_json::json!(["string", "null"])
    );
    insta::assert_snapshot!(
        "payments",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    );
}

#[test]
fn crm_converts() {
    let v = convert("crm.yaml");
    let flows = &v["components"]["securitySchemes"]["oauth"]["flows"]["clientCredentials"];
    assert_eq!(flows["tokenUrl"], "https://auth.crm.example/oauth/token");
    assert_eq!(
        v["paths"]["/contacts"]["get"]["security"],
        serde_json::json!([{"oauth": ["contacts.read"]}])
    );
    assert_eq!(
        v["paths"]["/health"]["get"]["security"],
        serde_json::json!([])
    );
    assert_eq!(v["x-sturdy-rate-limit"]["per_second"], 10.0);
    insta::assert_snapshot!("crm", serde_json::to_string_pretty(&v).unwrap_or_default());
}

#[test]
fn messaging_converts() {
    let v = convert("messaging.yaml");
    let sig = &v["x-sturdy-webhook-signature"];
    assert_eq!(sig["scheme"], "standard-webhooks");
    assert_eq!(sig["header"], "webhook-signature");
    assert_eq!(sig["secret_env"], "MESSAGING_WEBHOOK_SECRET");
    assert!(v["webhooks"]["message.delivered"]["post"]["requestBody"].is_object());
    insta::assert_snapshot!(
        "messaging",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    );
}

/// A type named in two places (a list's items and a create response) whose nested object is
/// named `Card` in one and left to its default name (`ChargeCard`) in the other: one `Card`
/// with the fields of both, and no unused `ChargeCard`.
#[test]
fn a_type_named_in_two_places_merges_nested_objects() {
    let text = "sturdy: snapshot/v1
name: Cards
version: \"1\"
endpoints:
  list_charges:
    method: GET
    path: /charges
    response:
      type: ChargeList
      names: {/data: Charge, /data/card: Card}
      example: {data: [{id: ch_1, card: {last4: \"4242\"}}]}
  create_charge:
    method: POST
    path: /charges
    request:
      example: {amount: 100}
    response:
      type: Charge
      example: {id: ch_2, card: {last4: \"1111\", brand: visa, wallet: {kind: apple}}}
";
    let doc = sturdy_generator::load::load_str(text, Path::new("cards.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let schemas = &doc.raw["components"]["schemas"];
    let names: Vec<&String> = schemas
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        // `wallet` was only seen in the second place: it keeps the name it got there.
        [
            "Card",
            "Charge",
            "ChargeCardWallet",
            "ChargeList",
            "CreateChargeRequest"
        ]
    );
    assert_eq!(
        schemas["Charge"]["properties"]["card"]["$ref"],
        "#/components/schemas/Card"
    );
    let card = &schemas["Card"];
    assert_eq!(card["required"], serde_json::json!(["last4"]));
    assert_eq!(card["properties"]["brand"]["type"], "string");
    assert_eq!(
        card["properties"]["wallet"]["$ref"],
        "#/components/schemas/ChargeCardWallet"
    );
    assert_eq!(
        doc.raw["paths"]["/charges"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/Charge"
    );
}

/// `convert` keeps the snapshot's examples where a mock server serves them: request and
/// response bodies, error cases (by status) and webhook events.
#[test]
fn convert_keeps_examples() {
    let v = convert("payments.yaml");
    let media = |op: &serde_json::Value, status: &str| {
        op["responses"][status]["content"]["application/json"].clone()
    };
    let create = &v["paths"]["/charges"]["post"];
    let request = &create["requestBody"]["content"]["application/json"];
    // `example` and `examples` together: named in the order given.
    assert_eq!(request["examples"]["example1"]["value"]["amount"], 1099);
    assert_eq!(
        request["examples"]["example2"]["value"]["source"],
        "tok_visa"
    );
    assert_eq!(
        media(create, "200")["example"]["id"],
        "ch_3MmlLrLkdIwHu7ix0snN0B15"
    );
    // Error cases with an example: none in payments, so the schema stands alone.
    assert!(media(create, "402").get("example").is_none());
    let list = &v["paths"]["/charges"]["get"];
    assert_eq!(media(list, "200")["example"]["data"][1]["currency"], "eur");
    let form = &v["paths"]["/customers"]["post"]["requestBody"]["content"]
        ["application/x-www-form-urlencoded"];
    assert_eq!(form["example"]["email"], "jenny@example.com");

    let v = convert("messaging.yaml");
    let event =
        &v["webhooks"]["message.delivered"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(event["example"]["type"], "message.delivered");
    let list = &v["paths"]["/messages"]["get"]["responses"]["200"]["content"]["application/json"];
    assert_eq!(
        list["examples"]["example2"]["value"]["messages"],
        serde_json::json!([])
    );
}

#[test]
fn error_case_examples_are_examples_of_their_status() {
    let text = "sturdy: snapshot/v1
name: Pets
version: \"1\"
endpoints:
  get_pet:
    method: GET
    path: /pets/{id}
    response: {example: {id: 1}}
    errors:
      - {status: 404, code: not_found, example: {error: not_found}}
      - {status: 404, code: gone, example: {error: gone}}
      - {status: 410, code: deleted, example: {error: deleted}}
";
    let doc = sturdy_generator::load::load_str(text, Path::new("pets.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let responses = &doc.raw["paths"]["/pets/{id}"]["get"]["responses"];
    let json = |s: &str| responses[s]["content"]["application/json"].clone();
    assert_eq!(
        json("404")["examples"]["example2"]["value"]["error"],
        "gone"
    );
    assert_eq!(json("410")["example"]["error"], "deleted");
    assert_eq!(json("200")["example"]["id"], 1);
    // The typed view the generator reads has them too.
    let example = doc.openapi.paths.paths["/pets/{id}"]
        .as_item()
        .and_then(|i| i.get.as_ref())
        .and_then(|o| o.responses.responses.get(&openapiv3::StatusCode::Code(410)))
        .and_then(|r| r.as_item())
        .and_then(|r| r.content.get("application/json"))
        .and_then(|m| m.example.clone());
    assert_eq!(example, Some(serde_json::json!({"error": "deleted"})));
}

/// `convert` reads the file as `load` does (BOM stripped, YAML integers beyond 64 bits and
/// number keys accepted), so it converts what `generate` accepts.
#[test]
fn convert_reads_files_as_load_does() {
    let text = "\u{feff}sturdy: snapshot/v1
name: Pets
version: \"1\"
endpoints:
  get_pet:
    method: GET
    path: /pets/{id}
    response:
      example: {id: 1, by_status: {200: 5}, big: 18446744073709551616}
";
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("pets.yaml");
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let converted = snapshot::convert_to_openapi(&file).unwrap_or_else(|e| panic!("{e}"));
    let loaded = sturdy_generator::load::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let example = &converted["paths"]["/pets/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["example"];
    assert_eq!(example["by_status"]["200"], 5);
    assert_eq!(example["big"].as_f64(), Some(18446744073709551616.0));
    assert_eq!(
        converted["components"], loaded.raw["components"],
        "convert and load infer the same types"
    );
}

#[test]
fn a_streaming_endpoint_declares_its_events() {
    let v = convert("assistant.yaml");
    let op = &v["paths"]["/runs"]["post"];
    assert_eq!(
        op["x-sturdy-stream"],
        serde_json::json!({"resumable": true})
    );
    let content = &op["responses"]["200"]["content"];
    assert_eq!(
        content["application/json"]["schema"]["$ref"],
        "#/components/schemas/Run"
    );
    let events = &content["text/event-stream"]["schema"];
    assert_eq!(
        events["discriminator"],
        serde_json::json!({"propertyName": "type", "mapping": {
            "run.delta": "#/components/schemas/CreateRunRunDeltaEvent",
            "run.done": "#/components/schemas/Run",
            "run.step": "#/components/schemas/CreateRunRunStepEvent",
        }})
    );
    assert_eq!(events["oneOf"].as_array().map(Vec::len), Some(3));
    // One event kind is its schema; not resumable unless said.
    let logs = &v["paths"]["/runs/{run_id}/logs"]["get"];
    assert!(logs.get("x-sturdy-stream").is_none());
    assert_eq!(
        logs["responses"]["200"]["content"]["text/event-stream"]["schema"]["$ref"],
        "#/components/schemas/GetLogsMessageEvent"
    );

    // The generator sees a streaming method whose events are keyed by name.
    let doc = sturdy_generator::load::load(&fixture("assistant.yaml")).expect("load");
    let (api, _) = sturdy_generator::ir::build(&doc).expect("ir");
    let run = api
        .operations
        .iter()
        .find(|o| o.id == "create_run")
        .unwrap();
    let s = run.streaming.as_ref().expect("a streaming method");
    assert!(s.several && s.resumable);
    assert_eq!(s.tag.as_deref(), Some("type"));
    let sturdy_generator::ir::TypeRef::Named(name) = &s.event else {
        panic!("{:?}", s.event)
    };
    let sturdy_generator::ir::TypeKind::Union(u) = &api.types[name].kind else {
        panic!("{name} is not a union")
    };
    let mut tags: Vec<&str> = u.variants.iter().map(|v| v.tags[0].as_str()).collect();
    tags.sort_unstable();
    assert_eq!(tags, ["run.delta", "run.done", "run.step"]);
    assert_eq!(u.discriminator.as_deref(), Some("type"));
}

#[test]
fn a_stream_without_events_is_refused() {
    for (stream, says) in [
        ("{resumable: true}", "the stream has no `events`"),
        ("{events: {}}", "the stream has no events"),
        ("{events: {tick: {}}}", "event `tick` has no `example`"),
        (
            "{events: {tick: {example: {n: 1}}}, resumable: yes}",
            "`resumable` must be true or false",
        ),
        (
            "{events: {tick: {example: {n: 1}}}, resume: true}",
            "resume",
        ),
    ] {
        let text = format!(
            "sturdy: snapshot/v1\nname: T\nversion: \"1\"\nendpoints:\n  tick:\n    method: GET\n    path: /tick\n    response:\n      stream: {stream}\n"
        );
        let e = sturdy_generator::load::load_str(&text, Path::new("t.yaml"))
            .err()
            .unwrap_or_else(|| panic!("{stream} was accepted"));
        assert!(e.to_string().contains(says), "{stream}: {e}");
    }
}
