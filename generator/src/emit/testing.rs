//! The `testing` module of a generated crate (cargo feature `testing`): `fake()`, a client
//! whose every operation answers with the example the IR chose ([`crate::ir::examples`]),
//! built on `sturdy_runtime::testing::Fake`. The answers live in one data file beside the
//! module (`src/testing/fake.json`, or `<module>.fake.json` beside an `OUT_DIR` module),
//! read with `include_str!`, so the Rust stays a few functions whatever the API's size.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{json, Map, Value};

use crate::emit::context::EmitCtx;
use crate::ir::{Api, ResponseEncoding, SecurityKind};

/// The cargo feature that compiles the module.
pub const FEATURE: &str = "testing";

/// The answers file: a `@generated` marker (so `--check` and stale-file removal see it), one
/// entry per operation, and each security scheme's placeholder credential kind.
pub fn answers(api: &Api, marker: &str) -> String {
    let operations: Vec<Value> = api
        .operations
        .iter()
        .map(|op| {
            let s = &op.success;
            let mut o = Map::new();
            o.insert("operation".into(), json!(op.id));
            o.insert("name".into(), json!(op.method_name));
            o.insert("method".into(), json!(op.method.as_str()));
            o.insert("path".into(), json!(op.path));
            o.insert(
                "status".into(),
                json!(if s.status == 0 { 200 } else { s.status }),
            );
            let content_type = match s.encoding {
                ResponseEncoding::Json => Some("application/json"),
                ResponseEncoding::Text => Some("text/plain"),
                ResponseEncoding::Bytes | ResponseEncoding::Empty => None,
            };
            if let (Some(ct), Some(body)) = (content_type, &s.example) {
                o.insert("content_type".into(), json!(ct));
                o.insert("body".into(), body.clone());
            }
            Value::Object(o)
        })
        .collect();
    let schemes: Map<String, Value> = api
        .security_schemes
        .values()
        .map(|s| {
            let kind = match s.kind {
                SecurityKind::Basic => "basic",
                _ => "token",
            };
            (s.name.clone(), json!(kind))
        })
        .collect();
    let file = json!({
        "@generated": marker,
        "operations": operations,
        "schemes": schemes,
    });
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// The module's items; `data_file` is the answers file's path relative to the module's file.
/// `crate_ident` is the generated crate's name, for the doc example (`None` for a module
/// included into another crate: the example is then not compiled).
pub fn module(api: &Api, cx: &EmitCtx, crate_ident: Option<&str>, data_file: &str) -> TokenStream {
    let example_op = api
        .operations
        .first()
        .map(|o| o.id.clone())
        .unwrap_or_else(|| "operationId".into());
    let (fence, crate_ident) = match crate_ident {
        Some(c) => ("```", c),
        None => ("```ignore", "my_api"),
    };
    let with_doc = format!(
        " The fake client after `configure` adjusts the [`Fake`]: override one operation's \
         answer (by `operationId` or method name), queue failures on its transport, run time \
         on a [`ManualClock`].\n\n{fence}\nuse {crate_ident}::testing::{{fake_with, MockResponse}};\n\
         let client = fake_with(|fake| fake.answer({example_op:?}, MockResponse::status(404)));\n\
         # let _ = client;\n```"
    );
    let module_example = format!(
        "{fence}\nuse {crate_ident}::testing::{{self, scenario}};\n\
         // Every operation answers with the spec's example:\n\
         let client = testing::fake();\n\
         // Or keep the fake to script a failure first and read what was sent:\n\
         let fake = testing::fake_api().with_transport(|mock| mock.answer(scenario::unavailable()));\n\
         let sent = fake.transport();\n\
         let retried = testing::client(fake);\n\
         assert!(sent.requests().is_empty());\n\
         # let _ = (client, retried);\n```"
    );
    let root = cx.root();
    quote! {
        //! Fakes of this API for your tests (cargo feature `testing`, which enables
        //! `sturdy-runtime/test-util`).
        //!
        //! [`fake()`] is a client whose every operation answers, without a network, with the
        //! spec's own example for its success response (or, when the spec has none that fits
        //! the type, a value synthesized from the schema). [`fake_api()`] and [`client()`]
        //! split that in two so a test keeps the [`Fake`] to script failures and read what
        //! was sent; [`scenario`] has the classic failures.
        //!
        //! Answers are chosen in this order: what is queued on the transport, responders
        //! (scenarios; the last added first), [`Fake::answer`] overrides, the spec's example;
        //! a request no operation matches gets a `404`.
        //!
        #![doc = #module_example]
        //!
        //! # Panics
        //! The functions here panic only if the generated answers file does not parse, which
        //! is a sturdy bug.

        pub use ::sturdy_runtime::testing::{scenario, Fake};
        pub use ::sturdy_runtime::time::ManualClock;
        pub use ::sturdy_runtime::transport::mock::{MockResponse, MockTransport};

        /// Every operation's answer: status, content type and body, by `operationId`.
        pub const ANSWERS: &str = include_str!(#data_file);

        /// The fake API: keep it to script failures and read [`Fake::transport`]'s recording.
        pub fn fake_api() -> Fake {
            Fake::from_json(ANSWERS).expect("sturdy generated an answers file that parses")
        }

        /// A client on `fake` (its base URL, transport, placeholder credentials and clock).
        pub fn client(fake: Fake) -> #root::Client {
            #root::Client::builder()
                .base_url(::sturdy_runtime::testing::FAKE_BASE_URL)
                .runtime(|b| fake.configure(b))
                .build()
                .expect("a fake client always builds")
        }

        /// A client whose every operation answers with the spec's example.
        pub fn fake() -> #root::Client {
            client(fake_api())
        }

        #[doc = #with_doc]
        pub fn fake_with(configure: impl ::std::ops::FnOnce(Fake) -> Fake) -> #root::Client {
            client(configure(fake_api()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::{Layout, Settings};

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
              example: {id: t1}
    delete:
      operationId: deleteThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '204': {description: gone}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
    key: {type: apiKey, in: header, name: X-Key}
"#;

    fn emit(layout: Layout) -> crate::Generated {
        let doc = crate::load::load_str(SPEC, Path::new("t.yaml")).unwrap();
        let settings = Settings {
            module_path: Some("api".into()),
            ..Settings::default()
        };
        crate::generate_document(&doc, &settings, layout)
            .unwrap()
            .generated
    }

    #[test]
    fn the_answers_carry_the_marker_each_operation_and_scheme_kinds() {
        let g = emit(Layout::Crate);
        let text = &g.files["src/testing/fake.json"];
        assert!(text[..200].contains("@generated by sturdy"));
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let op = |id: &str| {
            v["operations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["operation"] == id)
                .unwrap()
                .clone()
        };
        let get = op("getThing");
        assert_eq!(
            (&get["method"], &get["path"]),
            (&"GET".into(), &"/things/{id}".into())
        );
        assert_eq!(get["body"], serde_json::json!({"id": "t1"}));
        assert_eq!(get["content_type"], "application/json");
        let delete = op("deleteThing");
        assert_eq!(delete["status"], 204);
        assert!(delete.get("body").is_none());
        assert_eq!(
            v["schemes"],
            serde_json::json!({"basic": "basic", "key": "token"})
        );
        assert!(g.files["src/testing/mod.rs"].contains("include_str!(\"fake.json\")"));
    }

    #[test]
    fn a_module_reads_its_answers_from_a_file_named_after_it() {
        let g = emit(Layout::Module);
        assert_eq!(
            g.files.keys().collect::<Vec<_>>(),
            ["api.fake.json", "module.rs"]
        );
        let module = &g.files["module.rs"];
        assert!(module.contains("include_str!(\"api.fake.json\")"));
        assert!(module.contains("crate::api::Client::builder()"));
    }
}
