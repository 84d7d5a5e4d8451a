//! insta snapshots of the generated code for small fixtures. The snapshot goldens themselves
//! are compiled with `-Dwarnings` (clippy, every feature set) and documented with rustdoc
//! `-Dwarnings` by `tests/tests/snapshots_compile.rs`, so a snapshot can never rot into code
//! that does not compile or documents badly.

use std::path::{Path, PathBuf};

use sturdy_generator::{Layout, Settings};

/// Where `snapshots_compile.rs` writes each golden crate; the snapshots' `Cargo.toml` names
/// the runtime relative to it.
fn golden_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/e2e/goldens")
        .join(name)
}

fn generate(fixture: &str, name: &str) -> sturdy_generator::Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(fixture);
    let settings = Settings {
        crate_name: Some(name.to_owned()),
        spec_name: Some(fixture.to_owned()),
        output_dir: Some(golden_dir(name)),
        ..Settings::default()
    };
    sturdy_generator::generate(&path, &settings, Layout::Crate).expect("generate")
}

fn snapshot_all(fixture: &str, name: &str) {
    let out = generate(fixture, name);
    for (file, text) in &out.generated.files {
        insta::assert_snapshot!(format!("{name}__{}", file.replace('/', "__")), text);
    }
    let warnings: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    insta::assert_snapshot!(format!("{name}__warnings"), warnings.join("\n"));
}

#[test]
fn petstore() {
    snapshot_all("petstore.yaml", "petstore");
}

#[test]
fn surface() {
    snapshot_all("surface.yaml", "surface");
}

#[test]
fn shapes() {
    snapshot_all("snapshot/shapes.yaml", "shapes");
}

/// Unions decoded by wire tag (`OutputItem`) and by best fit (`MergeResult`, `DeltaContent`);
/// compiled and decoded by `tests/tests/fidelity.rs`.
#[test]
fn unions() {
    // Only the model: operations and client are not what this fixture is about.
    let out = generate("unions.yaml", "unions");
    insta::assert_snapshot!("unions__src__types.rs", out.generated.files["src/types.rs"]);
    let warnings: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    insta::assert_snapshot!("unions__warnings", warnings.join("\n"));
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = generate("snapshot/shapes.yaml", "shapes");
    let b = generate("snapshot/shapes.yaml", "shapes");
    assert_eq!(a.generated, b.generated);
}

#[test]
fn module_layout_rewrites_paths_for_its_module() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/petstore.yaml");
    let settings = Settings {
        module_path: Some("api".into()),
        ..Settings::default()
    };
    let out = sturdy_generator::generate(&path, &settings, Layout::Module).expect("generate");
    let text = &out.generated.files["module.rs"];
    assert!(text.contains("crate::api::"));
    assert!(!text.contains("crate::types::"), "unrewritten path");
}
