use std::path::{Path, PathBuf};

use super::*;
use crate::{Layout, Settings};

fn generate(spec: &Path, layout: Layout, module_path: Option<&str>) -> crate::Output {
    let settings = Settings {
        module_path: module_path.map(Into::into),
        ..Settings::default()
    };
    crate::generate(spec, &settings, layout).expect("generate")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

#[test]
fn a_module_path_roots_every_path() {
    let cx = EmitCtx::for_module(Some("api::v1")).expect("valid path");
    let t = cx.type_tokens(&TypeRef::Vec(Box::new(TypeRef::Named("Pet".into()))));
    assert_eq!(
        t.to_string(),
        ":: std :: vec :: Vec < crate :: api :: v1 :: types :: Pet >"
    );
    assert_eq!(cx.path_text("types::Pet"), "crate::api::v1::types::Pet");
    assert!(!cx.has_features());
    assert!(cx.type_gate("Pet").is_none());
}

#[test]
fn no_module_path_is_the_crate_root() {
    let cx = EmitCtx::for_module(None).expect("root");
    assert_eq!(cx.root().to_string(), "crate");
    assert_eq!(cx.path_text("Client"), "crate::Client");
}

#[test]
fn a_module_path_that_is_not_rust_is_an_error_not_a_panic() {
    for bad in [
        "",
        "api::",
        "1api",
        "api::type",
        "a b",
        "api::self::x",
        "::api",
        "a-b",
    ] {
        let err = EmitCtx::for_module(Some(bad)).expect_err(bad);
        assert!(
            matches!(&err, EmitError::ModulePath { path, .. } if path == bad),
            "{bad}: {err}"
        );
    }
}

/// Before the context, a bad module path was pasted into the finished source and the
/// generator reported success with code that could not compile.
#[test]
fn generating_a_module_at_a_bad_path_fails_with_the_path() {
    let settings = Settings {
        module_path: Some("api::type".into()),
        ..Settings::default()
    };
    let err = crate::generate(&fixture("petstore.yaml"), &settings, Layout::Module)
        .expect_err("not a Rust path");
    assert!(
        matches!(&err, crate::Error::Emit(EmitError::ModulePath { path, .. }) if path == "api::type"),
        "{err}"
    );
    assert!(err.to_string().contains("`api::type`"), "{err}");
}

/// Every absolute path of a module included below the crate root starts at that module:
/// type paths, `impl Client`, errors, the fake's `Client`, and the paths inside string
/// literals (lenient serde attributes) and doc links.
#[test]
fn a_nested_module_roots_paths_in_tokens_strings_and_docs() {
    for spec in ["petstore.yaml", "lenient.yaml"] {
        let out = generate(&fixture(spec), Layout::Module, Some("api::v1"));
        let text = &out.generated.files["module.rs"];
        let all = text.matches("crate::").count();
        let rooted = text.matches("crate::api::v1::").count();
        assert!(rooted > 0, "{spec}: no absolute paths at all");
        assert_eq!(all, rooted, "{spec}: a path does not start at the module");
    }
    // A module has no cargo features: it always decodes leniently.
    let lenient = generate(&fixture("lenient.yaml"), Layout::Module, Some("api::v1"));
    let text = &lenient.generated.files["module.rs"];
    assert!(text.contains("const STRICT: bool = false;"));
    let pets = generate(&fixture("petstore.yaml"), Layout::Module, Some("api::v1"));
    assert!(pets.generated.files["module.rs"].contains("](crate::api::v1::Client::"));
}

/// The name an item of the `types` module belongs to, as the gates key it.
fn item_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        syn::Item::Impl(i) => match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn feature_cfgs(item: &syn::Item) -> Vec<String> {
    let attrs = match item {
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Enum(e) => &e.attrs,
        syn::Item::Type(t) => &t.attrs,
        syn::Item::Impl(i) => &i.attrs,
        _ => return Vec::new(),
    };
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .map(|a| quote!(#a).to_string())
        .filter(|a| !a.contains("strict"))
        .collect()
}

/// In a crate, every item of a gated model type (the type, its impls, its builder, its
/// `ObjectId` and lenient `Fields`) carries exactly the type's gate, and no other item
/// carries one: a crate built with some groups off compiles no impl of a missing type.
#[test]
fn every_item_of_a_gated_type_carries_its_gate_on_a_shared_spec() {
    let specs = std::env::var_os("STURDY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
        .join("specs");
    let out = generate(&specs.join("openai.yaml"), Layout::Crate, None);
    let gates = Gates::compute(&out.api);
    let file: syn::File = syn::parse_str(&out.generated.files["src/types.rs"]).expect("parses");
    let (mut gated, mut items) = (0, 0);
    for item in &file.items {
        let Some(name) = item_name(item) else {
            continue;
        };
        items += 1;
        let want: Vec<String> = gates
            .cfg(&name)
            .map(|c| c.to_string())
            .into_iter()
            .collect();
        gated += want.len();
        let got: Vec<String> = feature_cfgs(item)
            .into_iter()
            .map(|a| a.parse::<TokenStream>().expect("tokens").to_string())
            .collect();
        assert_eq!(got, want, "{name}");
    }
    assert!(
        gated > 100 && gated < items,
        "openai has gated and ungated items ({gated} of {items})"
    );
}

const HEALTH: &str = r#"
openapi: 3.0.3
info: {title: T, version: '1'}
x-sturdy-health-check: getMe
paths:
  /me:
    get:
      tags: [users]
      operationId: getMe
      responses: {'200': {description: ok}}
  /things:
    get:
      tags: [things]
      operationId: listThings
      parameters: [{name: q, in: query, schema: {type: string}}]
      responses: {'200': {description: ok}}
"#;

fn generate_str(yaml: &str, layout: Layout) -> crate::Generated {
    let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
    let settings = Settings {
        module_path: Some("api".into()),
        ..Settings::default()
    };
    crate::generate_document(&doc, &settings, layout)
        .expect("generate")
        .generated
}

/// A module has no cargo features: `verify_credentials` is always there (it was behind the
/// group's feature, which an including crate does not declare, so it never compiled).
#[test]
fn group_gates_are_a_crate_thing() {
    let crate_out = generate_str(HEALTH, Layout::Crate);
    let client = &crate_out.files["src/client.rs"];
    assert!(
        client.contains("#[cfg(feature = \"users\")]\n    pub async fn verify_credentials"),
        "{client}"
    );
    assert!(crate_out.files["src/params.rs"].contains("#[cfg(feature = \"things\")]"));
    let module = &generate_str(HEALTH, Layout::Module).files["module.rs"];
    assert!(module.contains("pub async fn verify_credentials"));
    assert!(!module.contains("cfg(feature = \"users\")"), "{module}");
    assert!(!module.contains("cfg(feature = \"things\")"), "{module}");
}
