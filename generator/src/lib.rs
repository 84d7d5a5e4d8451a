//! sturdy's generator: one pipeline, each stage a module with its own type.
//!
//! **load** ([`load::Document`]: files to one normalized document; OpenAPI 3.1 and contract
//! snapshots are normalized here, a snapshot read first into a typed model of its format and
//! then converted concern by concern) → **ir** ([`ir::Api`]: the API as sturdy sees it; no OpenAPI
//! types past this point) → **emit** ([`emit::Generated`]: Rust files, formatted) → **write**
//! (a folder, `OUT_DIR`, or a `--check` that reports stale files). Emit owns its output:
//! each emitter writes absolute paths and cargo feature gates from an [`emit::EmitCtx`] as it
//! builds tokens, and the finished source is only formatted, never rewritten.
//!
//! Beside the pipeline: [`lint`] (a production-readiness report, one function per rule, read
//! from the IR so lint and the generated client agree) and
//! [`diff`] (API changes between two versions). Below every stage, importing none of them:
//! [`pointer`](mod@pointer) (JSON pointers: escaping, following local `$ref`s, line and column in the
//! source text) and [`names`] (Rust identifiers from spec names).
//!
//! From a consumer's `build.rs`:
//!
//! ```no_run
//! // build.rs, in `fn main()`:
//! sturdy_generator::build_rs("openapi.yaml", "api.rs", "api").expect("generate client");
//! // src/main.rs:
//! // mod api { include!(concat!(env!("OUT_DIR"), "/api.rs")); }
//! ```

pub mod diff;
pub mod emit;
pub mod ir;
pub mod lint;
pub mod load;
pub mod names;
pub mod pointer;
pub mod write;

use std::fmt;
use std::path::{Path, PathBuf};

pub use emit::{Generated, Layout};
pub use load::{Document, LoadError};

/// Something the generator could not do perfectly but worked around (an untyped construct
/// that degraded to `serde_json::Value`, a name that collided, ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// JSON pointer into the spec (`#/components/schemas/Pet/properties/tags`).
    pub pointer: String,
    /// What happened and what was done.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// How the generated crate depends on `sturdy-runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeDependency {
    /// A path (the runtime this generator was built with, by default). `Cargo.toml` gets it
    /// relative to [`Settings::output_dir`]; when there is none, or the two share no folder
    /// below the filesystem root, it gets this runtime's version instead, so the file never
    /// holds an absolute path of the machine that generated it.
    Path(PathBuf),
    /// A crates.io version requirement.
    Version(String),
    /// A git repository holding the workspace, at a revision when given.
    Git {
        /// The repository URL.
        url: String,
        /// A commit, tag or branch.
        rev: Option<String>,
    },
}

impl Default for RuntimeDependency {
    fn default() -> Self {
        RuntimeDependency::Path(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(|p| p.join("runtime"))
                .unwrap_or_else(|| PathBuf::from("runtime")),
        )
    }
}

/// Generator settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The crate name; by default derived from the spec's title.
    pub crate_name: Option<String>,
    /// The crate version; by default `0.1.0`.
    pub crate_version: Option<String>,
    /// How the crate depends on the runtime.
    pub runtime: RuntimeDependency,
    /// For [`Layout::Crate`]: the folder the crate is written to (or checked against); a
    /// [`RuntimeDependency::Path`] is written relative to it.
    pub output_dir: Option<PathBuf>,
    /// The spec's file name, for the `@generated` header.
    pub spec_name: Option<String>,
    /// For [`Layout::Module`]: the module path the file is included at (`api` for
    /// `mod api { include!(..); }` at the crate root). `None`: included at the crate root.
    /// `::`-separated Rust identifiers (`clients::stripe`); anything else is
    /// [`emit::EmitError::ModulePath`].
    pub module_path: Option<String>,
    /// OpenAPI Overlay 1.0 files applied to the spec, in order, before anything reads it
    /// ([`load::overlay`]).
    pub overlays: Vec<PathBuf>,
    /// Do not apply the built-in provider profiles ([`load::profiles`]) that the spec's
    /// `servers` select (`sturdy generate --no-profile`).
    pub no_profile: bool,
}

/// Any failure of the pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or parsing the spec.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Turning the spec into the IR.
    #[error(transparent)]
    Ir(#[from] ir::IrError),
    /// Turning the IR into Rust.
    #[error(transparent)]
    Emit(#[from] emit::EmitError),
    /// Writing or checking files.
    #[error(transparent)]
    Write(#[from] write::WriteError),
}

/// The result of generation: files plus what was worked around.
#[derive(Debug)]
pub struct Output {
    /// The generated files.
    pub generated: Generated,
    /// Warnings, sorted.
    pub warnings: Vec<Warning>,
    /// The IR, for reports (pagination, lint).
    pub api: ir::Api,
    /// The built-in provider profiles applied to the spec ([`load::profiles`]).
    pub profiles: Vec<String>,
}

/// Runs load → ir → emit for `spec`.
pub fn generate(spec: &Path, settings: &Settings, layout: Layout) -> Result<Output, Error> {
    let overlays = settings
        .overlays
        .iter()
        .map(|p| load::overlay::Overlay::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let doc = load::load_profiled(spec, &overlays, !settings.no_profile)?;
    generate_document(&doc, settings, layout)
}

/// Runs ir → emit on a loaded document.
pub fn generate_document(
    doc: &Document,
    settings: &Settings,
    layout: Layout,
) -> Result<Output, Error> {
    let (api, mut warnings) = ir::build(doc)?;
    warnings.extend(doc.warnings.iter().cloned());
    let mut generated = emit::emit(&api, settings, layout)?;
    if layout == Layout::Crate {
        let spec = settings.spec_name.as_deref().unwrap_or("the spec");
        let surface = diff::SurfaceFile::new(spec, diff::Surface::of(&api));
        generated
            .files
            .insert(diff::SURFACE_FILE.to_owned(), surface.to_json());
    }
    warnings.sort();
    warnings.dedup();
    Ok(Output {
        generated,
        warnings,
        api,
        profiles: doc.profiles.clone(),
    })
}

/// For a consumer's `build.rs`: generates the client for `spec` (relative to the crate) as
/// one module file `OUT_DIR/file_name`, to be included as `mod <module> { include!(..); }` at
/// the crate root. Prints `cargo:rerun-if-changed` for the spec and `cargo:warning` for each
/// warning. The generated code needs `sturdy-runtime`, `serde` and `serde_json` as
/// dependencies of the consuming crate.
pub fn build_rs(spec: impl AsRef<Path>, file_name: &str, module: &str) -> Result<PathBuf, Error> {
    let settings = Settings {
        module_path: Some(module.to_owned()),
        ..Settings::default()
    };
    build_rs_with(spec, file_name, settings)
}

/// [`build_rs`] with settings: `module_path` names the module (default: the crate root), and
/// `overlays` are applied to the spec in order (each also watched for changes).
///
/// ```no_run
/// // build.rs, in `fn main()`:
/// let settings = sturdy_generator::Settings {
///     module_path: Some("stripe".into()),
///     overlays: vec!["stripe.overlay.yaml".into()],
///     ..Default::default()
/// };
/// sturdy_generator::build_rs_with("stripe.json", "stripe.rs", settings).expect("generate client");
/// ```
pub fn build_rs_with(
    spec: impl AsRef<Path>,
    file_name: &str,
    mut settings: Settings,
) -> Result<PathBuf, Error> {
    let spec = spec.as_ref();
    println!("cargo:rerun-if-changed={}", spec.display());
    for o in &settings.overlays {
        println!("cargo:rerun-if-changed={}", o.display());
    }
    let out_dir = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or(write::WriteError::NoOutDir)?;
    if settings.spec_name.is_none() {
        settings.spec_name = spec.file_name().map(|f| f.to_string_lossy().into_owned());
    }
    let output = generate(spec, &settings, Layout::Module)?;
    for w in &output.warnings {
        println!("cargo:warning=sturdy: {w}");
    }
    let path = out_dir.join(file_name);
    write::write_module(&output.generated, &path)?;
    Ok(path)
}
