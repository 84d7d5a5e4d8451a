use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;
use crate::ir::{self, HttpMethod, TypeRef};
use crate::load::{load_profiled, load_str_profiled, overlay::Overlay};

/// A real spec from `../shared/specs` beside the workspace (or `$STURDY_SHARED/specs`).
fn shared_spec(name: &str) -> Option<PathBuf> {
    let shared = std::env::var_os("STURDY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let p = shared.join("specs").join(name);
    p.exists().then_some(p)
}

#[test]
fn hosts_are_read_from_server_urls() {
    assert_eq!(
        host_of("https://api.stripe.com/").as_deref(),
        Some("api.stripe.com")
    );
    assert_eq!(
        host_of("https://API.Stripe.com:443/v1").as_deref(),
        Some("api.stripe.com")
    );
    assert_eq!(
        host_of("http://u:p@api.stripe.com").as_deref(),
        Some("api.stripe.com")
    );
    assert_eq!(host_of("/v1"), None);
    assert_eq!(host_of("https://"), None);
}

#[test]
fn a_profile_is_selected_only_by_its_hosts() {
    let names =
        |v: serde_json::Value| -> Vec<&str> { matching(&v).iter().map(|p| p.name).collect() };
    assert_eq!(
        names(json!({"servers": [{"url": "https://api.stripe.com/"}]})),
        ["stripe"]
    );
    assert!(
        names(json!({"servers": [{"url": "https://api.stripe.com.evil.example/"}]})).is_empty()
    );
    assert!(names(json!({"servers": [{"url": "http://127.0.0.1:4010"}]})).is_empty());
    assert!(names(json!({"servers": "nope"})).is_empty());
    assert!(names(json!({})).is_empty());
}

#[test]
fn every_profile_parses_and_cites_its_sources() {
    for p in all() {
        p.overlay().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(
            p.text.contains("https://"),
            "{} cites no documentation",
            p.name
        );
        assert_eq!(find(&p.name.to_uppercase()).map(|f| f.name), Some(p.name));
    }
    assert!(find("nope").is_none());
}

const MINI_STRIPE: &str = r#"
openapi: 3.0.0
info: {title: mini stripe, version: '1'}
servers: [{url: 'https://api.stripe.com/'}]
paths:
  /v1/customers:
    post:
      operationId: PostCustomers
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/customer'}}}}}
  /v1/customers/{customer}:
    delete:
      operationId: DeleteCustomersCustomer
      parameters: [{name: customer, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /v1/webhook_endpoints:
    post:
      operationId: PostWebhookEndpoints
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                enabled_events: {type: array, items: {type: string, enum: ['*', customer.created, balance.available]}}
      responses: {'200': {description: ok}}
components:
  schemas:
    customer:
      type: object
      properties: {id: {type: string}, email: {type: string, nullable: true}}
"#;

#[test]
fn the_stripe_profile_sets_keys_version_signature_and_typed_events() {
    let doc = load_str_profiled(MINI_STRIPE, Path::new("mini.yaml"), &[], true).unwrap();
    assert_eq!(doc.profiles, ["stripe"]);
    let (api, _) = ir::build(&doc).unwrap();
    let op = |m: HttpMethod| {
        api.operations
            .iter()
            .find(|o| o.method == m && o.path.starts_with("/v1/customers"))
            .unwrap()
    };
    assert_eq!(
        op(HttpMethod::Post).idempotency_header.as_deref(),
        Some("Idempotency-Key")
    );
    assert_eq!(
        op(HttpMethod::Delete).idempotency_header,
        None,
        "Stripe ignores keys on DELETE"
    );
    assert_eq!(
        api.runtime.version_header,
        Some(("Stripe-Version".into(), "2025-09-30.clover".into()))
    );
    assert_eq!(api.runtime.error_pointer.as_deref(), Some("/error"));
    assert_eq!(
        api.runtime
            .webhook_signature
            .as_ref()
            .map(|s| s.scheme.as_str()),
        Some("stripe")
    );
    let env = api.runtime.webhook_envelope.clone().unwrap();
    assert_eq!(
        (env.type_pointer.as_str(), env.payload_pointer.as_str()),
        ("/type", "/data/object")
    );
    assert_eq!(env.id_pointer.as_deref(), Some("/id"));
    let hooks: Vec<(&str, &TypeRef)> = api
        .webhooks
        .iter()
        .map(|w| (w.name.as_str(), &w.ty))
        .collect();
    assert_eq!(hooks.len(), 2, "`*` is not an event: {hooks:?}");
    assert_eq!(
        hooks[0],
        ("balance.available", &TypeRef::Json),
        "no `balance` schema here"
    );
    assert_eq!(hooks[1].0, "customer.created");
    assert!(
        matches!(hooks[1].1, TypeRef::Named(n) if n == "Customer"),
        "{:?}",
        hooks[1].1
    );
}

#[test]
fn without_profiles_nothing_is_added_and_user_overlays_come_after() {
    let doc = load_str_profiled(MINI_STRIPE, Path::new("mini.yaml"), &[], false).unwrap();
    assert!(doc.profiles.is_empty());
    assert!(doc.raw.get("x-sturdy-idempotency").is_none());
    assert!(doc.raw.get("x-webhooks").is_none());
    let pin = Overlay::from_str(
        "overlay: 1.0.0\ninfo: {title: pin, version: '1'}\nactions:\n  - target: $['x-sturdy-version-header']\n    update: {value: 2024-06-20}\n",
        Path::new("pin.yaml"),
    )
    .unwrap();
    // The user's overlay targets what the profile added, so it must run after it.
    let doc = load_str_profiled(MINI_STRIPE, Path::new("mini.yaml"), &[pin], true).unwrap();
    assert_eq!(doc.raw["x-sturdy-version-header"]["value"], "2024-06-20");
}

#[test]
fn stripe_event_objects_follow_from_names_on_the_real_spec() {
    let Some(path) = shared_spec("stripe.json") else {
        eprintln!("skipped: ../shared/specs/stripe.json not found");
        return;
    };
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let schemas = raw["components"]["schemas"].as_object().unwrap();
    let object = |e: &str| stripe_event_object(e, |s| schemas.contains_key(s));
    for (event, want) in [
        ("customer.created", "customer"),
        ("customer.subscription.updated", "subscription"),
        ("checkout.session.completed", "checkout.session"),
        ("invoice.payment_failed", "invoice"),
        ("charge.dispute.created", "dispute"),
        ("issuing_card.created", "issuing.card"),
        ("payment_intent.succeeded", "payment_intent"),
    ] {
        assert_eq!(object(event).as_deref(), Some(want), "{event}");
    }
    let events = raw
        .pointer(stripe_events::ENABLED_EVENTS)
        .and_then(|e| e.as_array())
        .unwrap();
    let typed = events
        .iter()
        .filter_map(|e| e.as_str())
        .filter(|e| object(e).is_some())
        .count();
    // 222 event types besides `*`; the few left untyped name retired objects (`sku`, `order`).
    assert!(
        events.len() > 200 && typed + 16 >= events.len() - 1,
        "{typed} of {}",
        events.len()
    );

    // On the spec it was written for, every action of the profile selects something.
    find("stripe")
        .unwrap()
        .overlay()
        .unwrap()
        .apply(&mut raw.clone())
        .unwrap();
    let doc = load_profiled(&path, &[], true).unwrap();
    assert_eq!(doc.profiles, ["stripe"]);
    assert_eq!(
        doc.raw["x-webhooks"].as_object().unwrap().len(),
        events.len() - 1
    );
    assert_eq!(
        doc.raw
            .pointer("/paths/~1v1~1customers/post/x-sturdy-idempotency"),
        None,
        "the root extension covers POSTs"
    );
    assert_eq!(
        doc.raw
            .pointer("/paths/~1v1~1customers~1{customer}/delete/x-sturdy-idempotency"),
        Some(&json!(false))
    );
}

#[test]
fn the_github_profile_verifies_deliveries_and_names_the_delivery_id() {
    let Some(path) = shared_spec("github-webhooks.json") else {
        eprintln!("skipped: ../shared/specs/github-webhooks.json not found");
        return;
    };
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    find("github")
        .unwrap()
        .overlay()
        .unwrap()
        .apply(&mut raw.clone())
        .unwrap();
    let doc = load_profiled(&path, &[], true).unwrap();
    assert_eq!(doc.profiles, ["github"]);
    let (api, _) = ir::build(&doc).unwrap();
    assert_eq!(
        api.runtime.version_header,
        Some(("X-GitHub-Api-Version".into(), "2022-11-28".into()))
    );
    let sig = api.runtime.webhook_signature.clone().unwrap();
    assert_eq!(sig.scheme, "github");
    assert_eq!(sig.header.as_deref(), Some("X-Hub-Signature-256"));
    assert_eq!(sig.id_header.as_deref(), Some("X-GitHub-Delivery"));
    assert!(api.webhooks.len() > 200, "{}", api.webhooks.len());
    assert!(
        api.operations
            .iter()
            .all(|o| o.idempotency_header.is_none()),
        "GitHub takes no idempotency keys"
    );
    let plain = load_profiled(&path, &[], false).unwrap();
    assert!(ir::build(&plain)
        .unwrap()
        .0
        .runtime
        .webhook_signature
        .is_none());
}

#[test]
fn the_openai_profile_makes_insufficient_quota_terminal_and_uses_standard_webhooks() {
    let Some(path) = shared_spec("openai.yaml") else {
        eprintln!("skipped: ../shared/specs/openai.yaml not found");
        return;
    };
    let doc = load_profiled(&path, &[], true).unwrap();
    assert_eq!(doc.profiles, ["openai"]);
    let (api, _) = ir::build(&doc).unwrap();
    assert_eq!(api.runtime.error_pointer.as_deref(), Some("/error"));
    assert_eq!(api.runtime.retry.terminal_codes, ["insufficient_quota"]);
    assert!(api.operations.iter().all(|o| o
        .retry
        .terminal_codes
        .contains(&"insufficient_quota".to_owned())));
    let sig = api.runtime.webhook_signature.clone().unwrap();
    assert_eq!(sig.scheme, "standard-webhooks");
    assert_eq!(sig.id_header.as_deref(), Some("webhook-id"));
    assert!(!api.webhooks.is_empty());
    assert_eq!(api.runtime.version_header, None);
}

#[test]
fn the_slack_box_and_twilio_profiles_declare_their_schemes_and_deliveries() {
    for (spec, name, scheme, events) in [
        (
            "slack.json",
            "slack",
            "slack",
            vec!["event_callback", "url_verification"],
        ),
        ("box.json", "box", "box", vec!["webhook_event"]),
        ("twilio-api.json", "twilio", "twilio", vec![]),
    ] {
        let Some(path) = shared_spec(spec) else {
            eprintln!("skipped: ../shared/specs/{spec} not found");
            return;
        };
        let doc = load_profiled(&path, &[], true).unwrap();
        assert_eq!(doc.profiles, [name]);
        let (api, _) = ir::build(&doc).unwrap();
        assert_eq!(
            api.runtime.webhook_signature.as_ref().unwrap().scheme,
            scheme
        );
        let names: Vec<&str> = api.webhooks.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, events, "{spec}");
        if name == "box" {
            assert!(
                matches!(&api.webhooks[0].ty, TypeRef::Named(n) if n == "WebhookInvocation"),
                "{:?}",
                api.webhooks[0].ty
            );
        }
    }
}
