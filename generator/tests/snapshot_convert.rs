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
