//! A cache of compiled Verilator runtime objects (verilated.o, verilated_threads.o,
//! verilated_fst_c.o, ...), shared by all designs built with the same compile
//! commands. The runtime is most of a small design's C++ compile time, and it
//! does not depend on the design, so a new design only compiles its own code.
//!
//! The key is the exact compile commands `make -n` prints for those objects
//! (compiler, every flag and define, VERILATOR_ROOT) plus the Verilator
//! version: any difference gives a different entry, never a stale object.
//! Layout: `<cache_root>/runtime/<key>/*.o` plus a `stamp`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::locate::Verilator;

/// Runtime objects this design's makefile wants, and where a cached copy lives.
pub struct Runtime {
    objects: Vec<String>,
    dir: PathBuf,
}

/// `VM_GLOBAL_FAST/SLOW` of `<prefix>_classes.mk`, as object file names.
fn global_objects(obj: &Path, prefix: &str) -> Option<Vec<String>> {
    let text = fs::read_to_string(obj.join(format!("{prefix}_classes.mk"))).ok()?;
    let mut out = Vec::new();
    let mut in_global = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("VM_GLOBAL_FAST +=") || t.starts_with("VM_GLOBAL_SLOW +=") {
            in_global = true;
        } else if in_global && t.ends_with('\\') {
            out.push(format!("{}.o", t.trim_end_matches('\\').trim()));
        } else {
            in_global = false;
        }
    }
    Some(out)
}

impl Runtime {
    /// Work out the cache entry for this build. `make` is the compile command
    /// (tools and OPT_* vars set); `None` when it cannot be determined, in
    /// which case the build simply compiles the runtime itself.
    pub fn probe(v: &Verilator, mut make: Command, obj: &Path, prefix: &str, cache_root: &Path) -> Option<Runtime> {
        let objects = global_objects(obj, prefix)?;
        if objects.is_empty() {
            return None;
        }
        let out = make.args(["-n", "-B"]).args(&objects).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
        if !out.status.success() {
            return None;
        }
        let mut h = Sha256::new();
        h.update(v.version.as_bytes());
        h.update(v.pip_version.as_bytes());
        h.update(&out.stdout);
        let key: String = h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
        Some(Runtime { objects, dir: cache_root.join("runtime").join(key) })
    }

    /// Copy cached objects into `obj` (fresh mtimes, so make sees them as up
    /// to date). Returns whether the cache had them.
    pub fn restore(&self, obj: &Path) -> bool {
        if !self.dir.join("stamp").is_file() {
            return false;
        }
        let copied = self.objects.iter().all(|o| fs::copy(self.dir.join(o), obj.join(o)).is_ok());
        if !copied {
            for o in &self.objects {
                let _ = fs::remove_file(obj.join(o));
            }
        }
        copied
    }

    /// Store the objects just compiled in `obj` (best effort: a failure here
    /// only costs a later build time). Temp dir + rename, like the main cache.
    pub fn save(&self, obj: &Path) {
        if self.dir.join("stamp").is_file() {
            return;
        }
        let Some(parent) = self.dir.parent() else { return };
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos());
        let tmp = parent.join(format!(".tmp-{}-{}", std::process::id(), nanos.unwrap_or(0)));
        let ok = fs::create_dir_all(&tmp).is_ok()
            && self.objects.iter().all(|o| fs::copy(obj.join(o), tmp.join(o)).is_ok())
            && fs::write(tmp.join("stamp"), self.objects.join("\n")).is_ok()
            && fs::rename(&tmp, &self.dir).is_ok();
        if !ok {
            let _ = fs::remove_dir_all(&tmp);
        }
    }
}
