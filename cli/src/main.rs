//! `sturdy`: generate typed Rust clients from OpenAPI specs and contract snapshots.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sturdy_generator::{Layout, RuntimeDependency, Settings};

#[derive(Parser)]
#[command(
    name = "sturdy",
    version,
    about = "Typed Rust clients that survive production, from OpenAPI or a contract snapshot."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a client crate from SPEC into DIR (or check DIR is up to date).
    Generate {
        /// The OpenAPI 3.0/3.1 document (JSON or YAML) or contract snapshot.
        spec: PathBuf,
        /// The folder to write the crate into.
        #[arg(long)]
        out: PathBuf,
        /// The crate name (default: from the spec's title).
        #[arg(long)]
        name: Option<String>,
        /// Depend on this crates.io version of sturdy-runtime instead of the local path.
        #[arg(long, value_name = "VERSION")]
        runtime_version: Option<String>,
        /// Depend on sturdy-runtime at this path (default: the runtime this CLI was built with),
        /// written relative to DIR; when the two share no folder, on this CLI's version.
        #[arg(long, value_name = "PATH", conflicts_with = "runtime_version")]
        runtime_path: Option<PathBuf>,
        /// Depend on sturdy-runtime from this git repository.
        #[arg(long, value_name = "URL", conflicts_with_all = ["runtime_version", "runtime_path"])]
        runtime_git: Option<String>,
        /// The commit, tag or branch of `--runtime-git`.
        #[arg(long, value_name = "REV", requires = "runtime_git")]
        runtime_rev: Option<String>,
        /// Write nothing; exit non-zero and name the stale files if DIR is not up to date.
        #[arg(long)]
        check: bool,
        /// Also print the detected pagination of every list operation.
        #[arg(long)]
        report: bool,
        /// Do not print warnings.
        #[arg(long, short)]
        quiet: bool,
        /// Apply this OpenAPI Overlay 1.0 file to the spec first (repeatable; applied in order).
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
        /// Do not apply the built-in provider profile the spec's servers select.
        #[arg(long)]
        no_profile: bool,
    },
    /// Show the built-in provider profiles (overlays applied when a spec's servers match).
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// Print a production-readiness report of SPEC (OpenAPI or contract snapshot).
    Lint {
        /// The spec.
        spec: PathBuf,
        /// Exit non-zero when a finding at or above this severity exists.
        #[arg(long, value_enum, default_value = "error")]
        fail_on: FailOn,
    },
    /// Compare two versions of a spec as the generated Rust API and the wire see them; exit 1
    /// when a change is breaking (for CI), 0 otherwise.
    Diff {
        /// The old spec.
        old: PathBuf,
        /// The new spec.
        new: PathBuf,
        /// Print JSON (`{changes, breaking, bump}`) instead of a table.
        #[arg(long)]
        json: bool,
        /// Show at most this many rows of the table.
        #[arg(long)]
        limit: Option<usize>,
        /// Apply this overlay to both specs first (repeatable; applied in order).
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
    },
    /// Convert a contract snapshot to an equivalent OpenAPI 3.1 document.
    Convert {
        /// The contract snapshot.
        snapshot: PathBuf,
        /// The target format.
        #[arg(long, value_enum, default_value = "openapi")]
        to: ConvertTo,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ProfileAction {
    /// List the profiles and the server hosts that select each.
    List,
    /// Print a profile's overlay, with the documentation it cites.
    Show {
        /// The profile (`stripe`, `github`, ...).
        name: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FailOn {
    Info,
    Warning,
    Error,
    Never,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ConvertTo {
    Openapi,
}

fn settings(
    spec: &Path,
    out: &Path,
    name: Option<String>,
    runtime_version: Option<String>,
    runtime_path: Option<PathBuf>,
    runtime_git: Option<(String, Option<String>)>,
) -> Settings {
    let runtime = match (runtime_version, runtime_path, runtime_git) {
        (Some(v), _, _) => RuntimeDependency::Version(v),
        (None, Some(p), _) => RuntimeDependency::Path(std::fs::canonicalize(&p).unwrap_or(p)),
        (None, None, Some((url, rev))) => RuntimeDependency::Git { url, rev },
        (None, None, None) => RuntimeDependency::default(),
    };
    Settings {
        crate_name: name,
        runtime,
        spec_name: spec.file_name().map(|f| f.to_string_lossy().into_owned()),
        output_dir: Some(out.to_owned()),
        ..Settings::default()
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            spec,
            out,
            name,
            runtime_version,
            runtime_path,
            runtime_git,
            runtime_rev,
            check,
            report,
            quiet,
            overlays,
            no_profile,
        } => {
            let git = runtime_git.map(|url| (url, runtime_rev));
            let settings = Settings {
                overlays,
                no_profile,
                ..settings(&spec, &out, name, runtime_version, runtime_path, git)
            };
            let output = sturdy_generator::generate(&spec, &settings, Layout::Crate)?;
            if !quiet {
                for w in &output.warnings {
                    eprintln!("warning: {}: {w}", spec.display());
                }
            }
            if report {
                for op in &output.api.operations {
                    if let Some(p) = &op.pagination {
                        println!("{}\t{:?}\t{}", op.id, p.scheme, p.source);
                    }
                }
            }
            if check {
                let r = sturdy_generator::write::check(&output.generated, &out)
                    .with_context(|| format!("checking {}", out.display()))?;
                if r.is_clean() {
                    eprintln!("{} is up to date with {}", out.display(), spec.display());
                    return Ok(ExitCode::SUCCESS);
                }
                eprint!("{r}");
                if let Some(old) = sturdy_generator::diff::SurfaceFile::read(&out) {
                    let now = sturdy_generator::diff::Surface::of(&output.api);
                    let changes = sturdy_generator::diff::Report::of(&old.surface, &now);
                    if !changes.changes.is_empty() {
                        eprintln!("API changes since the checked-in client:");
                        eprint!("{}", changes.table(Some(20)));
                    }
                }
                eprintln!(
                    "{} is stale: run `sturdy generate {} --out {}`",
                    out.display(),
                    spec.display(),
                    out.display()
                );
                return Ok(ExitCode::FAILURE);
            }
            let written = sturdy_generator::write::write_dir(&output.generated, &out)
                .with_context(|| format!("writing {}", out.display()))?;
            let profiles = match output.profiles.as_slice() {
                [] => String::new(),
                names => format!(", profile {}", names.join(", ")),
            };
            eprintln!(
                "generated {} operations, {} types into {} ({} files changed, {} warnings{profiles})",
                output.api.operations.len(),
                output.api.types.len(),
                out.display(),
                written.len(),
                output.warnings.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Profile { action } => profile(action),
        Command::Lint { spec, fail_on } => {
            let doc = sturdy_generator::load::load(&spec)?;
            let findings = sturdy_generator::lint::lint(&doc)?;
            print!("{}", sturdy_generator::lint::render(&findings, &spec));
            let threshold = match fail_on {
                FailOn::Info => sturdy_generator::lint::Severity::Info,
                FailOn::Warning => sturdy_generator::lint::Severity::Warning,
                FailOn::Error => sturdy_generator::lint::Severity::Error,
                FailOn::Never => return Ok(ExitCode::SUCCESS),
            };
            let code = sturdy_generator::lint::exit_code(&findings, threshold);
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
        Command::Diff {
            old,
            new,
            json,
            limit,
            overlays,
        } => {
            let overlays = overlays
                .iter()
                .map(|p| sturdy_generator::load::overlay::Overlay::read(p))
                .collect::<Result<Vec<_>, _>>()?;
            let old = sturdy_generator::load::load_with(&old, &overlays)?;
            let new = sturdy_generator::load::load_with(&new, &overlays)?;
            let report = sturdy_generator::diff::Report::between(&old, &new)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report.json())?);
            } else {
                print!("{}", report.table(limit));
            }
            Ok(if report.is_breaking() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Convert {
            snapshot,
            to: ConvertTo::Openapi,
            out,
        } => {
            let value = sturdy_generator::load::snapshot::convert_to_openapi(&snapshot)?;
            let text = serde_json::to_string_pretty(&value)? + "\n";
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn profile(action: ProfileAction) -> anyhow::Result<ExitCode> {
    use sturdy_generator::load::profiles;
    match action {
        ProfileAction::List => {
            for p in profiles::all() {
                println!("{}\t{}", p.name, p.hosts.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        ProfileAction::Show { name } => match profiles::find(&name) {
            Some(p) => {
                print!("{}", p.text);
                Ok(ExitCode::SUCCESS)
            }
            None => {
                let known: Vec<&str> = profiles::all().iter().map(|p| p.name).collect();
                eprintln!(
                    "error: no built-in profile `{name}`; known: {}",
                    known.join(", ")
                );
                Ok(ExitCode::from(2))
            }
        },
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
