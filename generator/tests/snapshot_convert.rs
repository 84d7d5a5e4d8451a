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
