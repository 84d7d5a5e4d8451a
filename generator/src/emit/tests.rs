//! The emitted surface on small inline specs: grouping, bodies, parameter names, docs,
//! re-exports and a portable `Cargo.toml`.

use std::path::{Path, PathBuf};

use crate::{Layout, RuntimeDependency, Settings};

fn generate(yaml: &str, settings: &Settings) -> crate::Output {
    let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
    crate::generate_document(&doc, settings, Layout::Crate).expect("generate")
}

fn settings() -> Settings {
    Settings {
        crate_name: Some("t".into()),
        ..Settings::default()
    }
}

/// A Stripe-like API: no tags, `/v1` paths, empty form bodies on GET and DELETE.
const STRIPE_LIKE: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
externalDocs: {url: 'https://docs.example.com/api/'}
paths:
  /v1/customers:
    get:
      operationId: GetCustomers
      description: '<p>Lists <strong>customers</strong>, see <a href="/docs/pagination">pages</a> and [the API](https://example.com/api).</p>'
      parameters:
        - {name: starting_after, in: query, schema: {type: string}}
        - {name: request, in: query, schema: {type: string}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {}, additionalProperties: false}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {type: array, items: {type: object, properties: {id: {type: string}}}}
                  has_more: {type: boolean}
  /v1/customers/{customer}:
    delete:
      operationId: DeleteCustomersCustomer
      parameters:
        - {name: customer, in: path, required: true, schema: {type: string}}
        - {name: request, in: query, required: true, schema: {type: string}}
        - {name: client, in: query, required: true, schema: {type: string}}
        - {name: options, in: query, required: true, schema: {type: string}}
        - {name: params, in: query, required: true, schema: {type: string}}
        - {name: body, in: query, required: true, schema: {type: string}}
        - {name: optional, in: query, schema: {type: string}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {}, additionalProperties: false}
      responses:
        '200': {description: ok}
  /v1/charges:
    post:
      operationId: PostCharges
      responses:
        '200': {description: ok}
"#;

#[test]
fn untagged_operations_are_grouped_by_resource() {
    let out = generate(STRIPE_LIKE, &settings());
    let files: Vec<&str> = out
        .generated
        .files
        .keys()
        .map(String::as_str)
        .filter(|f| f.starts_with("src/operations/"))
        .collect();
    assert_eq!(
        files,
        vec![
            "src/operations/charges.rs",
            "src/operations/customers.rs",
            "src/operations/mod.rs"
        ]
    );
    let cargo = &out.generated.files["Cargo.toml"];
    assert!(
        cargo.contains("default = [\"charges\", \"customers\"]"),
        "{cargo}"
    );
    let customers = &out.generated.files["src/operations/customers.rs"];
    assert!(
        customers.contains("//! Operations on `/customers` paths"),
        "{customers}"
    );
}

#[test]
fn empty_bodies_take_no_argument() {
    let out = generate(STRIPE_LIKE, &settings());
    let customers = &out.generated.files["src/operations/customers.rs"];
    assert!(
        !customers.contains("body: ::std::option::Option"),
        "{customers}"
    );
    assert!(!customers.contains(".form("), "{customers}");
}

#[test]
fn required_parameters_never_shadow_method_locals() {
    let out = generate(STRIPE_LIKE, &settings());
    let customers = &out.generated.files["src/operations/customers.rs"];
    for local in ["request", "client", "options", "params", "body"] {
        assert!(
            customers.contains(&format!("{local}_param: &str")),
            "{local}: {customers}"
        );
        assert!(
            customers.contains(&format!("request.query(\"{local}\", {local}_param)")),
            "{local}"
        );
    }
    // Optional parameters are struct fields and keep their names.
    assert!(customers.contains("pub request: ::std::option::Option"));
    assert!(customers.contains("params: DeleteCustomersCustomerParams"));
    // The emitted file parses (checked by `format`), and the same names compile in the
    // `surface` snapshot golden (tests/tests/snapshots_compile.rs).
}

#[test]
fn docs_render_as_markdown_once_without_filler() {
    let out = generate(STRIPE_LIKE, &settings());
    let customers = &out.generated.files["src/operations/customers.rs"];
    assert!(
        customers.contains("/// Lists **customers**, see [pages](https://docs.example.com/docs/pagination) and [the API](https://example.com/api)."),
        "{customers}"
    );
    assert!(!customers.contains("&lt;p&gt;"));
    assert!(!customers.contains("\\[the API\\]"));
    assert_eq!(
        customers.matches("/// Paginated (").count(),
        1,
        "{customers}"
    );
    assert!(
        !customers.contains("the `customer` parameter"),
        "{customers}"
    );
    assert!(!customers.contains("Arguments:"), "no argument has docs");
}

#[test]
fn users_reach_params_and_runtime_types_through_the_crate() {
    let out = generate(STRIPE_LIKE, &settings());
    let params = &out.generated.files["src/params.rs"];
    assert!(
        params.contains("#[cfg(feature = \"customers\")]\npub use crate::operations::customers::{\n    DeleteCustomersCustomerParams, GetCustomersParams,\n};"),
        "{params}"
    );
    let lib = &out.generated.files["src/lib.rs"];
    assert!(lib.contains("pub mod params;"));
    for name in [
        "OAuth2Config",
        "Position",
        "FileCheckpoints",
        "CheckpointStore",
        "HeaderMap",
        "Verifier",
        "Credential",
        "Nullable",
        "UploadBody",
        "Binary",
    ] {
        assert!(lib.contains(name), "{name} not re-exported: {lib}");
    }
}

fn runtime_line(out: &crate::Output) -> String {
    out.generated.files["Cargo.toml"]
        .lines()
        .find(|l| l.starts_with("sturdy-runtime"))
        .expect("runtime dependency")
        .to_owned()
}

#[test]
fn cargo_toml_names_the_runtime_without_absolute_paths() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("sturdy/runtime")).unwrap();
    let with = |output_dir: Option<PathBuf>, runtime: PathBuf| Settings {
        output_dir,
        runtime: RuntimeDependency::Path(runtime),
        ..settings()
    };
    let out = generate(
        STRIPE_LIKE,
        &with(Some(repo.join("clients/t")), repo.join("sturdy/runtime")),
    );
    assert_eq!(
        runtime_line(&out),
        "sturdy-runtime = { path = \"../../sturdy/runtime\" }"
    );
    // No output folder known: the version, never the absolute path.
    let out = generate(STRIPE_LIKE, &with(None, repo.join("sturdy/runtime")));
    assert_eq!(
        runtime_line(&out),
        format!("sturdy-runtime = \"{}\"", env!("CARGO_PKG_VERSION"))
    );
    let out = generate(
        STRIPE_LIKE,
        &Settings {
            runtime: RuntimeDependency::Version("0.1".into()),
            ..settings()
        },
    );
    assert_eq!(runtime_line(&out), "sturdy-runtime = \"0.1\"");
    let git = |rev: Option<&str>| {
        runtime_line(&generate(
            STRIPE_LIKE,
            &Settings {
                runtime: RuntimeDependency::Git {
                    url: "https://example.com/sturdy.git".into(),
                    rev: rev.map(str::to_owned),
                },
                ..settings()
            },
        ))
    };
    assert_eq!(
        git(Some("v0.1.0")),
        "sturdy-runtime = { git = \"https://example.com/sturdy.git\", rev = \"v0.1.0\" }"
    );
    assert_eq!(
        git(None),
        "sturdy-runtime = { git = \"https://example.com/sturdy.git\" }"
    );
    let root = dir.path().to_string_lossy().into_owned();
    for f in out.generated.files.values() {
        assert!(!f.contains(&root));
    }
}
