//! Errors of the sim crate. Every variant displays as ONE line that names the
//! cause and, where there is one, the log or file to look at (principle 9).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No usable Verilator installation.
    #[error("verilator not found (looked in {looked}): run `make setup`")]
    VerilatorNotFound { looked: String },

    /// The repository root (dir with `rtl/` and a `[workspace]` Cargo.toml) was not found.
    #[error("repository root not found above {0} (need a dir with rtl/ and a [workspace] Cargo.toml)")]
    RepoRootNotFound(PathBuf),

    /// A file named in a BuildSpec could not be read.
    #[error("cannot read {path}: {source}")]
    Input { path: PathBuf, source: std::io::Error },

    /// Verilator rejected the RTL, or its C++ failed to compile/link.
    #[error("{stage} failed for top `{top}`: {first_error} (full log: {log})")]
    Build { stage: &'static str, top: String, first_error: String, log: PathBuf },

    /// Verilator's output did not look like what this crate understands.
    #[error("unexpected Verilator output in {path}: {what}")]
    Parse { path: PathBuf, what: String },

    /// The ports of the Verilated model header were not understood.
    #[error("unexpected Verilator output in {path}: {source}")]
    Ports { path: PathBuf, source: crate::ports::PortsError },

    /// Cache directory trouble (permissions, full disk, ...).
    #[error("build cache at {path}: {source}")]
    Cache { path: PathBuf, source: std::io::Error },

    /// dlopen or a missing shim symbol.
    #[error("cannot load model library {path}: {what}")]
    Load { path: PathBuf, what: String },

    /// `Model::port` with a name the design does not have.
    #[error("no port `{name}` on top `{top}` (ports: {known})")]
    NoSuchPort { name: String, top: String, known: String },

    /// Waves/coverage call on a build of another variant.
    #[error("{what} needs a {needed:?} build, this model is a {actual:?} build")]
    WrongVariant { what: &'static str, needed: crate::Variant, actual: crate::Variant },

    /// Waves or coverage file could not be written.
    #[error("cannot write {what} to {path}")]
    Output { what: &'static str, path: PathBuf },

    /// A reset seed Verilator cannot take (its seed is a positive C `int`).
    #[error("reset seed {seed} is outside 1..={}", crate::ResetValues::MAX_SEED)]
    ResetSeed { seed: u32 },

    /// The model's constructor threw (reported by the shim).
    #[error("model instance of `{top}` could not be created")]
    Instance { top: String },
}

impl SimError {
    pub(crate) fn cache(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SimError::Cache { path: path.into(), source }
    }
}
