//! Stage 2: the loaded document becomes the [`Api`] — the API as sturdy sees it.

mod model;
pub mod names;
pub mod types;

pub use model::*;

use crate::load::Document;
use crate::Warning;

/// Why the IR could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IrError {
    /// The document has a construct that cannot be represented.
    #[error("{path}: {pointer}: {message}")]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// JSON pointer.
        pointer: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Builds the IR of a loaded document.
pub fn build(doc: &Document) -> Result<(Api, Vec<Warning>), IrError> {
    let mut space = types::TypeSpace::new(doc);
    space.add_components();
    let (types, warnings) = space.finish();
    let info = &doc.openapi.info;
    Ok((
        Api {
            title: info.title.clone(),
            version: info.version.clone(),
            description: info.description.clone(),
            servers: Vec::new(),
            security_schemes: Default::default(),
            types,
            operations: Vec::new(),
            webhooks: Vec::new(),
            runtime: Default::default(),
            tags: Default::default(),
        },
        warnings,
    ))
}
