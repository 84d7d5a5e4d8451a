//! Stage 4: generated files to a folder, to `OUT_DIR`, or checked against a folder.

use std::path::{Path, PathBuf};

use crate::emit::Generated;

/// Why writing or checking failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// An I/O error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `OUT_DIR` is not set (not running from a build script).
    #[error("OUT_DIR is not set: `build_rs` must be called from a build script")]
    NoOutDir,
}

/// Writes one module file (the `Layout::Module` output).
pub fn write_module(generated: &Generated, path: &Path) -> Result<(), WriteError> {
    let text: String = generated.files.values().cloned().collect();
    write_if_changed(path, &text)
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), WriteError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| WriteError::Io { path: parent.to_owned(), source })?;
    }
    std::fs::write(path, text).map_err(|source| WriteError::Io { path: path.to_owned(), source })
}
