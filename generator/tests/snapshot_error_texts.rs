//! The error text of 90 broken snapshots (one mistake each, made in the fixtures), recorded
//! before the snapshot loader was split into modules and kept byte for byte since: file, line,
//! JSON pointer, column, problem and hint. A change here is a change users see.

use std::path::Path;

use sturdy_generator::load::snapshot;

/// (fixture, text to replace, replacement).
const MISTAKES: &[(&str, &str, &str)] = &[
    ("payments.yaml", "method: GET\n    path: /balance", "method: GTE\n    path: /balance"),
    ("payments.yaml", "sturdy: snapshot/v1", "sturdy: snapshot/v2"),
    ("payments.yaml", "name: Payments API\n", ""),
    ("payments.yaml", "version: \"2024-06-20\"\n", ""),
    ("payments.yaml", "version: \"2024-06-20\"", "version: \"\""),
    ("payments.yaml", "description: Charges", "descripton: Charges"),
    ("payments.yaml", "environments:\n", "environmets:\n"),
    ("payments.yaml", "  production: https://api.payments.example/v1", "  production: 12"),
    ("payments.yaml", "    type: bearer", "    type: baerer"),
    ("payments.yaml", "  per_second: 25", "  per_secnd: 25"),
    ("payments.yaml", "  per_second: 25", "  per_second: fast"),
    ("payments.yaml", "timeout_ms: 30000", "timeout_ms: -1"),
    ("payments.yaml", "  max_retries: 3", "  max_retries: many"),
    ("payments.yaml", "  max_retries: 3", "  max_retrys: 3"),
    ("payments.yaml", "  endpoints: post", "  endpoints: [create_chrge]"),
    ("payments.yaml", "  endpoints: post", "  endpoints: 5"),
    ("payments.yaml", "health_check: get_balance", "health_check: get_balanse"),
    ("payments.yaml", "  pointer: /error", "  pointer: error"),
    ("payments.yaml", "  - status: 429", "  - status: 299"),
    ("payments.yaml", "    code: rate_limited\n    retryable: true", "    code: rate_limited\n    retryable: true\n    terminal: true"),
    ("payments.yaml", "    retryable: true\n    description: Too", "    retryable: yes please\n    description: Too"),
    ("payments.yaml", "    scheme: cursor", "    scheme: cursr"),
    ("payments.yaml", "      items: /data", "      items: data"),
    ("payments.yaml", "    path: /charges/{id}/refunds", "    path: /charges/{id/refunds"),
    ("payments.yaml", "      id: {description: The charge to refund.}", "      charge_id: {in: path}"),
    ("payments.yaml", "      status: 201", "      status: 404"),
    ("payments.yaml", "      content_type: application/x-www-form-urlencoded", "      content_type: text/plain"),
    ("payments.yaml", "      required: false", "      required: maybe"),
    ("payments.yaml", "      type: ChargeList", "      type: chargeList"),
    ("payments.yaml", "    response:\n      type: Charge\n    errors", "    response:\n      type: Chrge\n    errors"),
    ("payments.yaml", "  get_charge:\n    method: GET\n    path: /charges/{id}", "  get_charge:\n    method: GET\n    path: /charges"),
    ("payments.yaml", "    tags: [customers]\n    request", "    tags: [customers]\n    deprecated: yes-ish\n    request"),
    ("payments.yaml", "    tags: [customers]\n    request", "    tags: [customers]\n    idempotency: maybe\n    request"),
    ("payments.yaml", "    tags: [customers]\n    request", "    tags: [customers]\n    summery: x\n    request"),
    ("payments.yaml", "      customer: string", "      customer: strin"),
    ("payments.yaml", "      customer: string", "      customer: {in: body}"),
    ("payments.yaml", "      names: {/data: Charge}", "      names: {/data: charge}"),
    ("payments.yaml", "  charges: Move money.", "  charges: [Move, money]"),
    ("payments.yaml", "endpoints:\n  get_balance", "endpoints: {}\nx-endpoints:\n  get_balance"),
    ("payments.yaml", "    summary: Retrieve the account balance.", "    summary: [Retrieve]"),
    ("messaging.yaml", "    scheme: standard-webhooks", "    scheme: svix"),
    ("messaging.yaml", "    secret_env: MESSAGING", "    secret_envv: MESSAGING"),
    ("messaging.yaml", "    message.delivered:", "    message.delivered: 5\n    message.x:"),
    ("messaging.yaml", "idempotency: {endpoints: [send_message]}", "idempotency: {endpoints: [send_mesage]}"),
    ("messaging.yaml", "      summary: A message was accepted", "      sumary: A message was accepted"),
    ("messaging.yaml", "rate_limit: {per_second: 10}", "rate_limit: {}"),
    ("messaging.yaml", "rate_limit: {per_second: 10}", "rate_limit: {per_second: 10, per_minute: 5}"),
    ("crm.yaml", "    flow: client_credentials", "    flow: client_credential"),
    ("crm.yaml", "    token_url: https://auth.crm.example/oauth/token\n", ""),
    ("crm.yaml", "  Address:", "  address:"),
    ("crm.yaml", "    scopes: [contacts.read]", "    scopes: [contacts.red]"),
    ("crm.yaml", "    scopes: [contacts.read]", "    auth: nobody"),
    ("crm.yaml", "    pagination: {scheme: offset", "    pagination: {scheme: offset, foo: 1"),
    ("payments.yaml", "endpoints:\n  get_balance:\n    method: GET\n    path: /balance", "endpoints:\n  get_balance:\n    method: GET\n    path: /charges"),
    ("payments.yaml", "endpoints:", "endpoints: [a]\nx:"),
    ("payments.yaml", "sturdy: snapshot/v1", "sturdy: snapshot/v1\nsturdy2: 1"),
    ("payments.yaml", "error:\n  pointer: /error", "error:\n  schema: 5\n  pointer: /error"),
    ("payments.yaml", "      example: {email: jenny", "      examples: {email: jenny"),
    ("crm.yaml", "    flow: client_credentials", "    flow: authorization_code"),
    ("crm.yaml", "    flow: client_credentials", "    flows: [client_credentials, implicit]"),
    ("crm.yaml", "    flow: client_credentials\n", ""),
    ("crm.yaml", "    scopes:\n      contacts.read: Read contacts.", "    scopes: 5\n    x-scopes:\n      contacts.read: Read contacts."),
    ("payments.yaml", "    type: bearer", "    type: api_key\n    in: body"),
    ("payments.yaml", "    type: bearer", "    type: api_key"),
    ("payments.yaml", "    type: bearer", "    type: basic\n    format: [x]"),
    ("payments.yaml", "    tags: [customers]\n    request", "    tags: 5\n    request"),
    ("payments.yaml", "    tags: [customers]\n    request", "    tags: customers\n    idempotency: false\n    request"),
    ("payments.yaml", "  get_balance:\n    method: GET\n", "  get_balance:\n"),
    ("payments.yaml", "    method: GET\n    path: /balance\n", "    method: GET\n"),
    ("payments.yaml", "      required: false", "      required: false\n      description: [x]"),
    ("payments.yaml", "    response:\n      type: Charge\n    errors", "    response:\n      type: Charge\n      description: 5\n    errors"),
    ("payments.yaml", "      - {status: 404, code: resource_missing, terminal: true}", "      - {status: 404, code: 5}"),
    ("payments.yaml", "      - {status: 404, code: resource_missing, terminal: true}", "      - 404"),
    ("payments.yaml", "version_header:\n  name: Payments-Version", "version_header:\n  value: x"),
    ("payments.yaml", "version_header:\n  name: Payments-Version", "version_header: 5"),
    ("messaging.yaml", "    scheme: standard-webhooks", "    scheme: hmac"),
    ("messaging.yaml", "    scheme: standard-webhooks", "    scheme: hmac\n    header: X-Sig\n    algorithm: md5"),
    ("messaging.yaml", "    scheme: standard-webhooks", "    scheme: stripe\n    encoding: b32"),
    ("messaging.yaml", "    scheme: standard-webhooks", "    scheme: github\n    signed: \"{timestamp}\""),
    ("messaging.yaml", "    scheme: standard-webhooks", "    scheme: github\n    header: 5"),
    ("messaging.yaml", "    scheme: standard-webhooks", "    scheme: stripe\n    prefix: [x]"),
    ("messaging.yaml", "    scheme: standard-webhooks", "    header: X"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {scheme: offset, limit_param: limit, items: /results}"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {scheme: offset, param: offset, limit_param: limit}"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {scheme: cursor, param: c, items: /results}"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {scheme: next_url, items: /results}"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {scheme: page_number, param: p, items: /results, start: -1}"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results, has_more: more}"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {param: offset, items: /results}"),
    ("crm.yaml", "    pagination: {scheme: offset, param: offset, limit_param: limit, items: /results}", "    pagination: {scheme: offset, param: [offset], items: /results}"),];

#[test]
fn error_texts_are_stable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snapshots");
    let mut report = String::new();
    for (i, (fixture, from, to)) in MISTAKES.iter().enumerate() {
        let good =
            std::fs::read_to_string(dir.join(fixture)).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert!(good.contains(from), "#{i}: `{from}` is not in {fixture}");
        let text = good.replacen(from, to, 1);
        let name = format!("{}-{i}.yaml", fixture.trim_end_matches(".yaml"));
        let line = match serde_yaml::from_str::<serde_json::Value>(&text) {
            Err(e) => format!("does not parse: {e}"),
            Ok(raw) => match snapshot::to_openapi(&raw, &text, Path::new(&name)) {
                Ok(_) => format!("{name}: converts"),
                Err(e) => e.to_string(),
            },
        };
        report.push_str(&line);
        report.push('\n');
    }
    insta::assert_snapshot!("error_texts", report);
}
