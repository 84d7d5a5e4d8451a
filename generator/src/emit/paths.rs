//! The runtime dependency of a generated `Cargo.toml`, without the generating machine's
//! absolute paths: a path relative to the output folder when the two share a folder below
//! the filesystem root, else the runtime's version.

use std::path::{Component, Path, PathBuf};

/// `.` and `..` folded without touching the file system.
fn fold(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `path` made absolute (against the current directory) and folded, with symlinks of its
/// longest existing ancestor resolved, so two spellings of one folder compare equal.
fn absolute(path: &Path) -> Option<PathBuf> {
    let path = if path.is_absolute() {
        fold(path)
    } else {
        fold(&std::env::current_dir().ok()?.join(path))
    };
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    let base = loop {
        if let Ok(c) = std::fs::canonicalize(existing) {
            break c;
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    };
    let mut out = base;
    for part in rest.iter().rev() {
        out.push(part);
    }
    Some(out)
}

/// The path from folder `from` to `to`, `/`-separated, when both lie under one folder other
/// than the filesystem root; `None` otherwise.
pub fn relative(from: &Path, to: &Path) -> Option<String> {
    let from = absolute(from)?;
    let to = absolute(to)?;
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let shared_folder = a[..common]
        .iter()
        .any(|c| matches!(c, Component::Normal(_)));
    if !shared_folder {
        return None;
    }
    let mut parts: Vec<String> = vec!["..".to_owned(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        return Some(".".to_owned());
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("repo/runtime")).unwrap();
        // The output folder need not exist yet.
        assert_eq!(
            relative(&root.join("repo/clients/pet"), &root.join("repo/runtime")).as_deref(),
            Some("../../runtime")
        );
        assert_eq!(
            relative(
                &root.join("repo/./x/../clients"),
                &root.join("repo/runtime")
            )
            .as_deref(),
            Some("../runtime")
        );
        assert_eq!(
            relative(&root.join("repo"), &root.join("repo")).as_deref(),
            Some(".")
        );
    }

    #[test]
    fn folders_that_share_only_the_root_have_no_portable_relative_path() {
        assert_eq!(
            relative(
                Path::new("/sturdy-a-nonexistent/x"),
                Path::new("/sturdy-b-nonexistent/y")
            ),
            None
        );
    }
}
