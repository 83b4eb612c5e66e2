//! The Python engine tests (`tests/python/engine`, written with the `iommu_tb` package) in
//! `iommu-tb list` and `iommu-tb run`: the command line asks the project's Python
//! (`.venv/bin/python -m iommu_tb`), which runs them on this same engine. Without the project's
//! virtualenv or package (`make setup`) there are no Python tests to list.

use crate::CliResult;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Where the Python engine tests live.
pub const TESTS: &str = "tests/python/engine";

/// The project's Python, when it has the package and the tests folder exists.
fn python(root: &Path) -> Option<PathBuf> {
    let py = root.join(".venv/bin/python");
    let usable = py.is_file() && root.join(TESTS).is_dir();
    usable.then_some(py)
}

fn iommu_tb(py: &Path, root: &Path) -> Command {
    let mut c = Command::new(py);
    c.current_dir(root).args(["-m", "iommu_tb"]);
    c
}

/// The Python tests: (flavor, name, rules), in the order their files register them.
pub fn tests(root: &Path) -> CliResult<Vec<(String, String, String)>> {
    let Some(py) = python(root) else { return Ok(vec![]) };
    let out = iommu_tb(&py, root).args(["list", TESTS]).output().map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!("cannot list the Python tests of {TESTS}: {}", why.lines().last().unwrap_or("(no message)")).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let (flavor, name) = (words.next()?, words.next()?);
            Some((flavor.to_string(), name.to_string(), words.collect::<Vec<_>>().join(" ")))
        })
        .collect())
}

/// What `iommu-tb run` passes on to a Python test.
pub struct PyRun<'a> {
    pub test: &'a str,
    pub seed: u64,
    pub checkers_only: bool,
    pub config: Option<&'a str>,
    pub trace_out: Option<&'a Path>,
    pub rtl: Option<&'a Path>,
}

/// Run one Python test; its exit status (0 pass, 1 fail, 2 bad input) is the command's.
pub fn run(root: &Path, r: &PyRun<'_>) -> CliResult<ExitCode> {
    let py = python(root).ok_or("the Python tests need the project's virtualenv: run `make setup`")?;
    let mut c = iommu_tb(&py, root);
    c.args(["run", TESTS, "--test", r.test, "--seed", &r.seed.to_string()]);
    if r.checkers_only {
        c.arg("--checkers-only");
    }
    if let Some(cfg) = r.config {
        c.args(["--config", cfg]);
    }
    if let Some(p) = r.trace_out {
        c.arg("--trace-out").arg(p);
    }
    if let Some(p) = r.rtl {
        c.arg("--rtl").arg(p);
    }
    let status = c.status().map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    Ok(ExitCode::from(status.code().unwrap_or(2).clamp(0, 255) as u8))
}
