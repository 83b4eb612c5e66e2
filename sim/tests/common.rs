//! Shared helpers for the sim integration tests (included with `mod common`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sim::{BuildSpec, Variant};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A cache dir per test, under cargo's target tmp dir (never build/).
pub fn cache(test: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-cache").join(test);
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The cache shared by tests that only need "a build of the counter".
pub fn shared_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-cache/shared")
}

pub fn counter(variant: Variant) -> BuildSpec {
    BuildSpec { top: "counter".into(), sources: vec![fixture("counter.sv")], variant, ..Default::default() }
}
