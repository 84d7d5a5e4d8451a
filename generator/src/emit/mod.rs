//! Stage 3: the IR becomes Rust source, formatted with prettyplease.

pub mod rust;

use std::collections::BTreeMap;

use crate::ir::Api;
use crate::Settings;

/// How the output is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A whole crate: `Cargo.toml`, `README.md`, `src/*.rs`.
    Crate,
    /// One file of modules, for `include!` from `OUT_DIR`.
    Module,
}

/// Generated files, keyed by path relative to the output root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    /// Path → contents.
    pub files: BTreeMap<String, String>,
}

/// Why emitting failed (a bug in sturdy: the IR produced code that does not parse).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// Generated tokens did not parse as Rust.
    #[error("generated code for `{file}` does not parse ({message}); this is a sturdy bug, please report it with the spec")]
    Unparsable {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A template failed.
    #[error("template `{name}`: {message}")]
    Template {
        /// The template.
        name: &'static str,
        /// What failed.
        message: String,
    },
}

/// Emits `api` in `layout`.
pub fn emit(_api: &Api, _settings: &Settings, _layout: Layout) -> Result<Generated, EmitError> {
    Ok(Generated::default())
}
