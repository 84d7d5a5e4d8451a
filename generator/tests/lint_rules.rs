//! The production-readiness lint: each rule fires where it should (with pointer and line) and
//! stays quiet on a contract that does things right, including the snapshot fixtures.

use std::path::{Path, PathBuf};

use sturdy_generator::lint::{self, Finding, Severity};
use sturdy_generator::load;

const SLOPPY: &str = r#"openapi: 3.0.3
info:
  title: Sloppy
  version: 0.0.0
servers:
  - url: https://api.sloppy.example
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: array
                    items: {$ref: '#/components/schemas/Thing'}
    post:
      requestBody:
        content:
          application/json:
            schema: {}
      responses:
        '201':
          description: created
          content:
            application/json: {}
components:
  schemas:
    Thing:
      type: object
      properties:
        id: {type: string}
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.sloppy.example/token
          scopes: {}
x-webhooks:
  thing.created:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '200': {description: ok}
"#;

const TIDY: &str = r#"openapi: 3.0.3
info:
  title: Tidy
  version: 2.1.0
servers:
  - url: https://api.tidy.example/v2
x-sturdy-rate-limit: {per_second: 5, burst: 10}
x-sturdy-webhook-signature: {scheme: github, header: X-Hub-Signature-256, algorithm: sha256, encoding: hex, prefix: "sha256=", signed: "{body}"}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {type: array, items: {$ref: '#/components/schemas/Thing'}}
                  next_cursor: {type: string}
        default: {description: error}
    post:
      operationId: createThing
      parameters:
        - {name: Idempotency-Key, in: header, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        '4XX': {description: error}
components:
  schemas:
    Thing:
      type: object
      properties:
        id: {type: string}
x-webhooks:
  thing.created:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '200': {description: ok}
"#;

fn lint_text(name: &str, text: &str) -> (Vec<Finding>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write: {e}"));
    let doc = load::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let findings = lint::lint(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
    (findings, dir)
}

fn find<'a>(f: &'a [Finding], rule: &str, pointer: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.rule == rule && x.pointer == pointer)
        .unwrap_or_else(|| panic!("no {rule} at {pointer} in {f:#?}"))
}

#[test]
fn every_rule_fires_on_a_sloppy_spec() {
    let (f, _dir) = lint_text("sloppy.yaml", SLOPPY);
    let post = find(&f, "missing-idempotency", "#/paths/~1things/post");
    assert_eq!(post.severity, Severity::Warning);
    assert_eq!(post.line, Some(22));
    assert!(post.fix.contains("x-sturdy-idempotency"));
    assert_eq!(
        find(&f, "no-operation-id", "#/paths/~1things/post").line,
        Some(22)
    );
    assert_eq!(
        find(&f, "no-pagination", "#/paths/~1things/get").line,
        Some(9)
    );
    assert_eq!(
        find(&f, "no-error-responses", "#/paths/~1things/get/responses").line,
        Some(11)
    );
    find(&f, "no-error-responses", "#/paths/~1things/post/responses");
    assert_eq!(
        find(
            &f,
            "untyped-body",
            "#/paths/~1things/post/requestBody/content/application~1json"
        )
        .line,
        Some(25)
    );
    find(
        &f,
        "untyped-body",
        "#/paths/~1things/post/responses/201/content/application~1json",
    );
    let rl = find(&f, "no-rate-limit", "#");
    assert_eq!(rl.line, None);
    let scopes = find(
        &f,
        "oauth2-no-scopes",
        "#/components/securitySchemes/oauth/flows/clientCredentials",
    );
    assert_eq!((scopes.severity, scopes.line), (Severity::Info, Some(42)));
    let hooks = find(&f, "webhook-no-signature", "#/x-webhooks");
    assert_eq!((hooks.severity, hooks.line), (Severity::Error, Some(45)));
    let v = find(&f, "unversioned", "#/info/version");
    assert_eq!((v.severity, v.line), (Severity::Warning, Some(4)));
    // Sorted: errors first.
    assert_eq!(f[0].rule, "webhook-no-signature");
    assert!(f.windows(2).all(|w| w[0].severity >= w[1].severity));
    assert_eq!(lint::exit_code(&f, Severity::Error), 1);
}

#[test]
fn a_tidy_spec_is_clean() {
    let (f, _dir) = lint_text("tidy.yaml", TIDY);
    assert_eq!(f, Vec::new());
    assert_eq!(lint::exit_code(&f, Severity::Info), 0);
}

#[test]
fn render_has_locations_fixes_and_a_summary() {
    let (f, dir) = lint_text("sloppy.yaml", SLOPPY);
    let path = dir.path().join("sloppy.yaml");
    let out = lint::render(&f, &path);
    assert!(out.contains("error[webhook-no-signature]"), "{out}");
    assert!(
        out.contains(&format!("--> {}:22 #/paths/~1things/post", path.display())),
        "{out}"
    );
    assert!(out.contains("  fix: "), "{out}");
    assert!(
        out.contains("| missing-idempotency | warning | 1 |"),
        "{out}"
    );
    assert!(out.contains("| oauth2-no-scopes | info | 1 |"), "{out}");
    assert!(out.contains("1 error(s), 9 warning(s), 1 info"), "{out}");
}

#[test]
fn severity_parses_and_orders() {
    assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    assert_eq!("warning".parse::<Severity>(), Ok(Severity::Warning));
    assert!("loud".parse::<Severity>().is_err());
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/snapshots")
        .join(name)
}

fn lint_fixture(name: &str) -> Vec<Finding> {
    let doc = load::load(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    lint::lint(&doc).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn fixtures_are_production_ready() {
    for name in ["payments.yaml", "crm.yaml", "messaging.yaml"] {
        let f = lint_fixture(name);
        let bad: Vec<&Finding> = f
            .iter()
            .filter(|x| x.severity >= Severity::Warning)
            .collect();
        assert!(bad.is_empty(), "{name}: {bad:#?}");
    }
    // The CRM only versions in its URL (`/v3`): nothing to report.
    assert_eq!(lint_fixture("crm.yaml"), Vec::new());
}

#[test]
fn snapshot_findings_point_into_the_snapshot() {
    let text = std::fs::read_to_string(fixture("messaging.yaml")).unwrap_or_default();
    let text = text
        .replace("  signature:\n    scheme: standard-webhooks\n    secret_env: MESSAGING_WEBHOOK_SECRET\n", "")
        .replace("idempotency: {endpoints: [send_message]}\n", "");
    let (f, _dir) = lint_text("messaging.yaml", &text);
    let hooks = find(&f, "webhook-no-signature", "#/webhooks");
    assert!(
        hooks.fix.contains("signature: {scheme: standard-webhooks}"),
        "{}",
        hooks.fix
    );
    assert!(hooks.line.is_some_and(|l| text
        .lines()
        .nth(l - 1)
        .is_some_and(|s| s.starts_with("webhooks:"))));
    let idem = find(&f, "missing-idempotency", "#/endpoints/send_message");
    assert!(idem.line.is_some_and(|l| text
        .lines()
        .nth(l - 1)
        .is_some_and(|s| s.trim() == "send_message:")));
}

#[test]
fn missing_idempotency_follows_the_irs_rule() {
    // The root accepts keys for every write; a POST and a PATCH opt out (a header parameter
    // does not undo that): those two accept no key and are reported.
    let text = r#"openapi: 3.0.3
info: {title: t, version: "1"}
x-sturdy-idempotency: {header: Idempotency-Key}
paths:
  /a:
    post: {operationId: postA, responses: {'200': {description: ok}}}
  /b:
    post:
      operationId: postB
      x-sturdy-idempotency: false
      responses: {'200': {description: ok}}
    patch:
      operationId: patchB
      x-sturdy-idempotency: false
      parameters:
        - {name: Idempotency-Key, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
"#;
    let (f, _dir) = lint_text("idem.yaml", text);
    let flagged: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == "missing-idempotency")
        .map(|x| x.pointer.as_str())
        .collect();
    assert_eq!(flagged, vec!["#/paths/~1b/patch", "#/paths/~1b/post"]);
}
