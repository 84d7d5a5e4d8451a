//! End-to-end support: generate a client, build a driver that calls every operation, and run
//! real peers (Prism) on loopback, stopping them on drop.

pub mod driver;
pub mod fidelity;
pub mod peers;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `$STURDY_SHARED`, else `../shared` next to the workspace (specs and peers), if present.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STURDY_SHARED").map(PathBuf::from) {
        return p.is_dir().then_some(p);
    }
    let p = workspace_root().parent()?.join("shared");
    p.is_dir().then_some(p)
}

/// Generates `spec` as crate `name` into `root/<name>` (crate layout, default settings).
pub fn generate_crate(
    spec: &Path,
    name: &str,
    root: &Path,
) -> Result<sturdy_generator::Output, String> {
    generate_crate_with(spec, name, root, Vec::new())
}

/// [`generate_crate`] with `overlays` applied to the spec first.
pub fn generate_crate_with(
    spec: &Path,
    name: &str,
    root: &Path,
    overlays: Vec<PathBuf>,
) -> Result<sturdy_generator::Output, String> {
    use sturdy_generator::{Layout, Settings};
    let settings = Settings {
        crate_name: Some(name.to_owned()),
        spec_name: spec.file_name().map(|f| f.to_string_lossy().into_owned()),
        output_dir: Some(root.join(name)),
        overlays,
        ..Settings::default()
    };
    let out = sturdy_generator::generate(spec, &settings, Layout::Crate)
        .map_err(|e| format!("{}: {e}", spec.display()))?;
    sturdy_generator::write::write_dir(&out.generated, &root.join(name))
        .map_err(|e| format!("{}: {e}", spec.display()))?;
    Ok(out)
}

/// A scratch folder under `target/e2e/<name>`, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace_root().join("target").join("e2e").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The shared target folder generated crates are built in, so dependencies compile once.
pub fn e2e_target_dir() -> PathBuf {
    std::env::var_os("STURDY_E2E_TARGET")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target").join("e2e-target"))
}

/// A generated client plus its driver, in one scratch workspace.
#[derive(Debug)]
pub struct Built {
    /// The driver binary.
    pub driver: PathBuf,
    /// The IR the client was generated from.
    pub api: sturdy_generator::ir::Api,
}

/// Generates the client for `spec` into `target/e2e/<name>/client`, writes a driver that
/// calls every operation, and builds it. Returns `Err` with cargo's output on failure.
pub fn build_client_and_driver(spec: &Path, name: &str) -> Result<Built, String> {
    use sturdy_generator::{Layout, Settings};
    let root = scratch(name);
    let crate_name = format!("{name}-client");
    let settings = Settings {
        crate_name: Some(crate_name.clone()),
        spec_name: spec.file_name().map(|f| f.to_string_lossy().into_owned()),
        output_dir: Some(root.join("client")),
        ..Settings::default()
    };
    let out =
        sturdy_generator::generate(spec, &settings, Layout::Crate).map_err(|e| e.to_string())?;
    sturdy_generator::write::write_dir(&out.generated, &root.join("client"))
        .map_err(|e| e.to_string())?;
    let krate = crate_name.replace('-', "_");
    let driver_dir = root.join("driver");
    std::fs::create_dir_all(driver_dir.join("src")).map_err(|e| e.to_string())?;
    let runtime = workspace_root().join("runtime");
    std::fs::write(
        driver_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}-driver\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{crate_name} = {{ path = \"../client\", features = [\"testing\"] }}\nsturdy-runtime = {{ path = {:?} }}\nserde = \"1\"\nreqwest = {{ version = \"0.12\", default-features = false }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n",
            runtime.display().to_string()
        ),
    )
    .map_err(|e| e.to_string())?;
    let doc = sturdy_generator::load::load(spec).map_err(|e| e.to_string())?;
    std::fs::write(
        driver_dir.join("src/main.rs"),
        driver::driver_source(&out.api, &doc.raw, &krate),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"client\", \"driver\"]\n",
    )
    .map_err(|e| e.to_string())?;
    let target = e2e_target_dir();
    let output = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", &format!("{name}-driver")])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "building the {name} driver failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(Built {
        driver: target.join("debug").join(format!("{name}-driver")),
        api: out.api,
    })
}

/// Runs a driver against `base`, returning its JSON lines.
pub fn run_driver(
    driver: &Path,
    base: &str,
    dynamic: bool,
) -> Result<Vec<serde_json::Value>, String> {
    let mut cmd = std::process::Command::new(driver);
    cmd.arg(base);
    if dynamic {
        cmd.arg("dynamic");
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "driver failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("bad line {l}: {e}")))
        .collect()
}

/// Says that a peer (or `../shared`) is missing. Under CI (`CI=true`) that is a failure, never
/// a silent pass; elsewhere the test prints `SKIP: ...` and returns.
pub fn missing_peer(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("a test peer is missing under CI: {why}");
    }
    eprintln!("SKIP: {why}");
}
