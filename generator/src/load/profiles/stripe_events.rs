//! Stripe's webhook events, derived from the spec: the event types are the values of
//! `enabled_events` on `POST /v1/webhook_endpoints`, and each event's object (the payload in
//! `data.object`) follows from its name by one rule, [`stripe_event_object`].

use serde_json::{json, Map, Value};

/// Where the Stripe spec lists every event type.
pub(super) const ENABLED_EVENTS: &str = "/paths/~1v1~1webhook_endpoints/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/enabled_events/items/enum";

/// The schema (in `components/schemas`) of the object a Stripe event carries in
/// `data.object`, from the event's name: drop the last segment (the verb), then try the rest
/// joined with `.` (`checkout.session.completed` → `checkout.session`), then with `_`
/// (`source.transaction.created` → `source_transaction`), then without its first segment,
/// until one is a schema (`customer.subscription.updated` → `subscription`). The legacy
/// `issuing_card.created` form is read as `issuing.card`. `None` when nothing matches: the
/// event is then decoded as JSON.
///
/// ```
/// use sturdy_generator::load::profiles::stripe_event_object;
/// let has = |s: &str| ["customer", "subscription", "checkout.session"].contains(&s);
/// assert_eq!(stripe_event_object("customer.created", has).as_deref(), Some("customer"));
/// assert_eq!(stripe_event_object("customer.subscription.updated", has).as_deref(), Some("subscription"));
/// assert_eq!(stripe_event_object("checkout.session.completed", has).as_deref(), Some("checkout.session"));
/// assert_eq!(stripe_event_object("ping", has), None);
/// ```
pub fn stripe_event_object(event: &str, has_schema: impl Fn(&str) -> bool) -> Option<String> {
    let event = match event.strip_prefix("issuing_") {
        Some(rest) => format!("issuing.{rest}"),
        None => event.to_owned(),
    };
    let (subject, _verb) = event.rsplit_once('.')?;
    let mut parts: Vec<&str> = subject.split('.').collect();
    while !parts.is_empty() {
        for sep in [".", "_"] {
            let name = parts.join(sep);
            if has_schema(&name) {
                return Some(name);
            }
        }
        parts.remove(0);
    }
    None
}

/// Adds an `x-webhooks` entry for every Stripe event type the spec lists whose name is not
/// already declared there, with the object schema as its payload. A spec without the list
/// (a cut-down Stripe spec) gets no events.
pub(super) fn add_webhooks(raw: &mut Value) -> Result<(), String> {
    let Some(events) = raw.pointer(ENABLED_EVENTS).and_then(Value::as_array) else {
        return Ok(());
    };
    let events: Vec<String> = events
        .iter()
        .filter_map(Value::as_str)
        .filter(|e| *e != "*")
        .map(str::to_owned)
        .collect();
    let schemas = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let root = raw.as_object_mut().ok_or("the spec is not an object")?;
    let hooks = root
        .entry("x-webhooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("`x-webhooks` is not an object")?;
    for event in events {
        if hooks.contains_key(&event) {
            continue;
        }
        let object = stripe_event_object(&event, |s| schemas.contains_key(s));
        let media = match &object {
            Some(o) => {
                json!({"schema": {"$ref": format!("#/components/schemas/{}", o.replace('~', "~0").replace('/', "~1"))}})
            }
            None => json!({}),
        };
        let summary = match &object {
            Some(o) => format!("Stripe event `{event}`; the payload is its `data.object` (`{o}`)."),
            None => format!("Stripe event `{event}`; the payload is its `data.object`."),
        };
        hooks.insert(
            event,
            json!({"post": {
                "summary": summary,
                "requestBody": {"content": {"application/json": media}},
                "responses": {"200": {"description": "Received."}}
            }}),
        );
    }
    Ok(())
}
