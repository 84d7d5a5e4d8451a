//! JSON Schemas to named Rust types. (Being written: see the types helper.)

use std::collections::BTreeMap;

use openapiv3::{ReferenceOr, Schema};

use crate::ir::{TypeDef, TypeRef};
use crate::load::Document;
use crate::Warning;

/// Every named type of an API, built on demand as operations ask for schemas.
pub struct TypeSpace<'a> {
    #[allow(dead_code)]
    doc: &'a Document,
    types: BTreeMap<String, TypeDef>,
    warnings: Vec<Warning>,
}

impl<'a> TypeSpace<'a> {
    /// An empty space over `doc`.
    pub fn new(doc: &'a Document) -> Self {
        Self { doc, types: BTreeMap::new(), warnings: Vec::new() }
    }

    /// Registers every `components.schemas` entry, claiming their names first.
    pub fn add_components(&mut self) {}

    /// The type of `schema` found at `pointer`; an inline object, enum or union becomes a
    /// named type called after `hint`.
    pub fn type_of(&mut self, _schema: &ReferenceOr<Schema>, _hint: &str, pointer: &str) -> TypeRef {
        self.warnings.push(Warning { pointer: pointer.to_owned(), message: "untyped".into() });
        TypeRef::Json
    }

    /// The same for a boxed schema reference.
    pub fn type_of_boxed(&mut self, schema: &ReferenceOr<Box<Schema>>, hint: &str, pointer: &str) -> TypeRef {
        let unboxed = match schema {
            ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference: reference.clone() },
            ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
        };
        self.type_of(&unboxed, hint, pointer)
    }

    /// The named types and the warnings collected.
    pub fn finish(self) -> (BTreeMap<String, TypeDef>, Vec<Warning>) {
        (self.types, self.warnings)
    }
}
