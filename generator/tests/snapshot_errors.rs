//! Bad snapshots: every mistake is a typed error naming the line, the column and a fix.

use std::path::Path;

use sturdy_generator::load::{snapshot, LoadError};

const GOOD: &str = "sturdy: snapshot/v1
name: Pets
version: \"1\"
environments:
  production: https://api.pets.example/v1
endpoints:
  get_pet:
    method: GET
    path: /pets/{id}
    response:
      example: {id: 1, name: Rex}
";

fn convert(text: &str) -> Result<serde_json::Value, LoadError> {
    let raw: serde_json::Value =
        serde_yaml::from_str(text).unwrap_or_else(|e| panic!("test YAML does not parse: {e}"));
    assert!(snapshot::is_snapshot(&raw));
    snapshot::to_openapi(&raw, text, Path::new("pets.yaml"))
}

/// The error's (line, message) for `text`, which must fail.
fn fails(text: &str) -> (Option<usize>, String, String) {
    match convert(text) {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(LoadError::Snapshot(e)) => {
            let column = e.column.map(|c| format!("column {c}: "));
            let message = format!(
                "{}{}; hint: {}",
                column.unwrap_or_default(),
                e.problem,
                e.hint
            );
            (e.line, message, e.pointer)
        }
        Err(other) => panic!("expected a snapshot error, got {other}"),
    }
}

#[test]
fn the_good_one_converts() {
    let v = convert(GOOD).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        v["paths"]["/pets/{id}"]["get"]["parameters"][0]["name"],
        "id"
    );
}

#[test]
fn missing_endpoints() {
    let text = GOOD.split("endpoints:").next().unwrap_or_default();
    let (line, message, _) = fails(text);
    assert_eq!(line, Some(1));
    assert!(
        message.contains("no `endpoints`") && message.contains("hint:"),
        "{message}"
    );
}

#[test]
fn bad_method_has_line_column_and_suggestion() {
    let (line, message, pointer) = fails(&GOOD.replace("method: GET", "method: GTE"));
    assert_eq!(pointer, "#/endpoints/get_pet/method");
    assert_eq!(line, Some(8));
    assert!(
        message.starts_with("column 5: unknown HTTP method `gte`"),
        "{message}"
    );
    assert!(message.contains("did you mean `get`?"), "{message}");
}

#[test]
fn path_param_not_in_path() {
    let text = GOOD.replace(
        "    response:",
        "    params:\n      pet_id: {in: path}\n    response:",
    );
    let (line, message, _) = fails(&text);
    assert_eq!(line, Some(11));
    assert!(
        message.contains("path parameter `pet_id` is not in the path `/pets/{id}`"),
        "{message}"
    );
    assert!(message.contains("add `{pet_id}` to the path"), "{message}");
}

#[test]
fn unknown_pagination_scheme() {
    let text = GOOD.replace(
        "    response:",
        "    pagination: {scheme: cursr, param: after, items: /data, cursor: /next}\n    response:",
    );
    let (line, message, _) = fails(&text);
    assert_eq!(line, Some(10));
    assert!(
        message.contains("unknown pagination scheme `cursr`")
            && message.contains("did you mean `cursor`?"),
        "{message}"
    );
}

#[test]
fn unknown_signature_and_auth_schemes() {
    let text = format!("{GOOD}webhooks:\n  signature: {{scheme: svix}}\n  events:\n    pet.born: {{example: {{id: 1}}}}\n");
    let (line, message, _) = fails(&text);
    assert_eq!(line, Some(13));
    assert!(
        message.contains("unknown signature scheme `svix`")
            && message.contains("standard-webhooks"),
        "{message}"
    );

    let text = GOOD.replace(
        "endpoints:",
        "auth:\n  key: {type: apikey, name: X-Key}\nendpoints:",
    );
    let (line, message, _) = fails(&text);
    assert_eq!(line, Some(7));
    assert!(
        message.contains("unknown auth type `apikey`")
            && message.contains("did you mean `api_key`?"),
        "{message}"
    );
}

#[test]
fn unknown_keys_are_typos() {
    let (line, message, _) = fails(&GOOD.replace("    response:", "    respone:"));
    assert_eq!(line, Some(10));
    assert!(
        message.contains("unknown key `respone`") && message.contains("did you mean `response`?"),
        "{message}"
    );
}

#[test]
fn undefined_types_and_endpoint_names() {
    let (_, message, pointer) =
        fails(&GOOD.replace("      example: {id: 1, name: Rex}", "      type: Pet"));
    assert_eq!(pointer, "#/endpoints/get_pet/response/type");
    assert!(message.contains("type `Pet` is not defined"), "{message}");
    let (_, message, _) = fails(&format!("{GOOD}health_check: get_pets\n"));
    assert!(message.contains("did you mean `get_pet`?"), "{message}");
    let (_, message, _) = fails(&format!("{GOOD}idempotency: {{endpoints: [nope]}}\n"));
    assert!(
        message.contains("no endpoint is called `nope`"),
        "{message}"
    );
}

#[test]
fn wrong_shapes_never_panic() {
    for bad in [
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: []\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: 3}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: {method: GET, path: pets}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: {method: GET, path: '/p/{x'}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: {method: GET, path: /p, errors: [{status: 200}]}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: {method: GET, path: /p, errors: [{status: 500, retryable: true, terminal: true}]}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nrate_limit: {per_second: -1}\nendpoints: {a: {method: GET, path: /p}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nauth: {o: {type: oauth2, flow: authorization_code, token_url: https://t}}\nendpoints: {a: {method: GET, path: /p}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: {method: POST, path: /p, pagination: {scheme: offset, param: o, items: /d}}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: {method: GET, path: /p, scopes: [x]}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\nendpoints: {a: {method: GET, path: /p}, b: {method: get, path: /p}}\n",
        "sturdy: snapshot/v1\nname: X\nendpoints: {a: {method: GET, path: /p}}\n",
        "sturdy: snapshot/v9\nname: X\nversion: 1\nendpoints: {a: {method: GET, path: /p}}\n",
        "sturdy: snapshot/v1\nname: X\nversion: 1\ntypes: {pet: {type: object}}\nendpoints: {a: {method: GET, path: /p}}\n",
    ] {
        let (_, message, _) = fails(bad);
        assert!(message.contains("hint:"), "{bad}: {message}");
    }
}

#[test]
fn errors_are_typed() {
    let Err(LoadError::Snapshot(e)) = convert(&GOOD.replace("method: GET", "method: GTE")) else {
        panic!("expected a snapshot error");
    };
    assert_eq!(
        (e.path.as_path(), e.pointer.as_str(), e.line, e.column),
        (
            Path::new("pets.yaml"),
            "#/endpoints/get_pet/method",
            Some(8),
            Some(5)
        )
    );
    assert_eq!(e.problem, "unknown HTTP method `gte`");
    assert_eq!(
        e.hint,
        "did you mean `get`? one of: GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS, TRACE"
    );
}

#[test]
fn display_names_file_line_and_column() {
    let err = convert(&GOOD.replace("method: GET", "method: FETCH"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with(
            "pets.yaml:8: #/endpoints/get_pet/method: column 5: unknown HTTP method `fetch`"
        ),
        "{err}"
    );
}

#[test]
fn an_endpoint_name_written_twice_names_both_lines() {
    let text = format!(
        "{GOOD}  list_pets:\n    method: GET\n    path: /pets\n  get_pet:\n    method: DELETE\n    path: /pets/{{id}}\n"
    );
    let err = convert(&text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        "pets.yaml:15: #/endpoints/get_pet: column 3: endpoint `get_pet` is defined twice \
         (first at line 7, again at line 15); hint: an endpoint name is its operationId and \
         must be unique; rename or remove one"
    );
    // The same in JSON, and any other key written twice.
    let json = "{\"sturdy\": \"snapshot/v1\", \"name\": \"P\", \"version\": \"1\",\n \"endpoints\": {\n  \"a\": {\"method\": \"GET\", \"path\": \"/a\"},\n  \"a\": {\"method\": \"GET\", \"path\": \"/b\"}}}";
    let raw: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let err = snapshot::to_openapi(&raw, json, Path::new("p.json"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("p.json:4: #/endpoints/a: ")
            && err.contains("endpoint `a` is defined twice (first at line 3, again at line 4)"),
        "{err}"
    );
    let (line, message, pointer) = fails(&GOOD.replace(
        "      example: {id: 1, name: Rex}",
        "      example: {id: 1, name: Rex, id: 2}",
    ));
    assert_eq!(
        (line, pointer.as_str()),
        (Some(11), "#/endpoints/get_pet/response/example/id")
    );
    assert!(message.contains("key `id` is written twice"), "{message}");
}

#[test]
fn keys_of_another_auth_type_are_named_in_the_order_written() {
    let text = GOOD.replace(
        "endpoints:",
        "auth:\n  key:\n    type: api_key\n    name: X-Key\n    scopes: [a]\n    flow: password\nendpoints:",
    );
    let (line, message, pointer) = fails(&text);
    assert_eq!(pointer, "#/auth/key/scopes");
    assert_eq!(line, Some(10));
    assert!(
        message.starts_with("column 5: unknown key `scopes`"),
        "{message}"
    );
}

#[test]
fn a_key_written_without_a_value_is_there() {
    let text = GOOD.replace(
        "  production: https://api.pets.example/v1",
        "  production:\n    url: https://api.pets.example/v1\n    description:",
    );
    let (line, message, pointer) = fails(&text);
    assert_eq!(pointer, "#/environments/production/description");
    assert_eq!(line, Some(7));
    assert_eq!(
        message,
        "column 5: `description` must be a string, found nothing; hint: quote the value"
    );
}

#[test]
fn extension_keys_are_kept_where_written_and_examples_keep_every_key() {
    let text = GOOD
        .replace("version: \"1\"", "version: \"1\"\nx-owner: payments-team")
        .replace("    method: GET", "    x-internal: true\n    method: GET")
        .replace("{id: 1, name: Rex}", "{id: 1, name: Rex, x-trace: t1}");
    let v = convert(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["x-owner"], "payments-team");
    let op = &v["paths"]["/pets/{id}"]["get"];
    assert_eq!(op["x-internal"], true);
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["example"]["x-trace"],
        "t1"
    );
}
