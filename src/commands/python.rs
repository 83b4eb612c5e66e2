//! The Python engine tests (`tests/python/engine`, written with the `iommu_tb` package) in
//! `iommu-tb list`, `run`, `replay` and `regress`: the command line asks the project's Python
//! (`.venv/bin/python -m iommu_tb`, or `$IOMMU_TB_PYTHON`), which runs them on this same engine.
//! `list` shows none without the project's virtualenv; `run` and `regress` need it and say so in
//! one line.

use crate::CliResult;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use tb::reset::ResetMode;

/// Where the Python engine tests live.
pub const TESTS: &str = "tests/python/engine";

/// Overrides the interpreter (another virtualenv with the package).
const PYTHON_ENV: &str = "IOMMU_TB_PYTHON";

/// One Python engine test: its flavor, name and the rules a pass asserts.
pub struct PyTest {
    pub flavor: String,
    pub name: String,
    pub rules: String,
}

/// The interpreter to ask: `$IOMMU_TB_PYTHON`, else the project's `.venv`.
fn interpreter(root: &Path) -> PathBuf {
    std::env::var_os(PYTHON_ENV).map(PathBuf::from).unwrap_or_else(|| root.join(".venv/bin/python"))
}

/// The interpreter, when it exists; `Err` names what is missing and how to get it.
fn python(root: &Path) -> CliResult<PathBuf> {
    let py = interpreter(root);
    if !py.is_file() {
        return Err(
            format!("no Python interpreter at {} for the Python tests: run `make setup` (or set {PYTHON_ENV})", py.display()).into()
        );
    }
    if !root.join(TESTS).is_dir() {
        return Err(format!("no Python tests folder {TESTS} in {}", root.display()).into());
    }
    Ok(py)
}

fn iommu_tb(py: &Path, root: &Path) -> Command {
    let mut c = Command::new(py);
    c.current_dir(root).args(["-m", "iommu_tb"]);
    c
}

/// The one line a failed `python -m iommu_tb` leaves for us: a missing package said plainly.
fn python_error(py: &Path, stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    if text.contains("No module named iommu_tb") {
        return format!("the Python at {} has no iommu_tb package: run `make setup`", py.display());
    }
    text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("(no message)").trim().to_string()
}

/// The Python tests in the order their files register them; `Err` when the interpreter or the
/// package is missing.
pub fn tests(root: &Path) -> CliResult<Vec<PyTest>> {
    let py = python(root)?;
    let out = iommu_tb(&py, root).args(["list", TESTS]).output().map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    if !out.status.success() {
        return Err(format!("cannot list the Python tests of {TESTS}: {}", python_error(&py, &out.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let (flavor, name) = (words.next()?, words.next()?);
            Some(PyTest { flavor: flavor.to_string(), name: name.to_string(), rules: words.collect::<Vec<_>>().join(" ") })
        })
        .collect())
}

/// The Python tests for `list`: none when the project's Python is not set up.
pub fn listed(root: &Path) -> CliResult<Vec<PyTest>> {
    match python(root) {
        Ok(_) => tests(root),
        Err(_) => Ok(vec![]),
    }
}

/// What `iommu-tb run` and `replay` pass on to a Python test.
pub struct PyRun<'a> {
    pub test: &'a str,
    pub seed: u64,
    /// The judge (None: the default for the DUT).
    pub compare: Option<tb::compare::CompareMode>,
    pub config: Option<&'a str>,
    /// A port-mapped DUT to run on, and its top if not the map's.
    pub port_map: Option<&'a Path>,
    pub top: Option<&'a str>,
    pub trace_out: Option<&'a Path>,
    pub rtl: Option<&'a Path>,
    pub waves: Option<&'a Path>,
    pub reset: Option<ResetMode>,
}

/// Run one Python test; its exit status (0 pass, 1 fail, 2 bad input) is the command's.
pub fn run(root: &Path, r: &PyRun<'_>) -> CliResult<ExitCode> {
    let py = python(root)?;
    let mut c = iommu_tb(&py, root);
    c.args(["run", TESTS, "--test", r.test, "--seed", &r.seed.to_string()]);
    if let Some(m) = r.compare {
        c.args(["--compare", &m.to_string()]);
    }
    if let Some(cfg) = r.config {
        c.args(["--config", cfg]);
    }
    if let Some(p) = r.port_map {
        c.arg("--port-map").arg(p);
    }
    if let Some(t) = r.top {
        c.args(["--top", t]);
    }
    if let Some(p) = r.trace_out {
        c.arg("--trace-out").arg(p);
    }
    if let Some(p) = r.rtl {
        c.arg("--rtl").arg(p);
    }
    if let Some(p) = r.waves {
        c.arg("--waves-out").arg(p);
    }
    if let Some(m) = r.reset {
        c.args(["--reset-values", &m.to_string()]);
    }
    let status = c.status().map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    Ok(ExitCode::from(status.code().unwrap_or(2).clamp(0, 255) as u8))
}

/// The Python share of `iommu-tb regress`: which tests, with which seed, where their results and
/// code-coverage counters go.
pub struct PyRegress<'a> {
    /// The runs by label: `NAME` under the default configuration, `NAME@TOP` on a DUT of
    /// `port_maps`.
    pub tests: Vec<String>,
    /// The port maps of the DUTs the labels name.
    pub port_maps: Vec<PathBuf>,
    /// The judge (None: the default for each run's DUT).
    pub compare: Option<tb::compare::CompareMode>,
    pub seed: u64,
    pub reset: ResetMode,
    /// Its own folder: results.json, junit.xml and the log of the Python side.
    pub out: PathBuf,
    /// The regression's per-worker coverage folder and metrics (None: no code coverage).
    pub coverage: Option<(&'a Path, tb::run::CodeMetrics)>,
}

/// The Python side of a regression, running alongside the Rust workers.
pub struct PyRegressRun {
    child: Child,
    py: PathBuf,
    out: PathBuf,
}

/// Start `python -m iommu_tb regress` on the selected tests; its output goes to `out/log`.
pub fn start_regress(root: &Path, r: &PyRegress<'_>) -> CliResult<PyRegressRun> {
    let py = python(root)?;
    let _ = std::fs::remove_dir_all(&r.out);
    std::fs::create_dir_all(&r.out).map_err(|e| format!("cannot create {}: {e}", r.out.display()))?;
    let log = std::fs::File::create(r.out.join("log")).map_err(|e| format!("cannot create {}: {e}", r.out.join("log").display()))?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let mut c = iommu_tb(&py, root);
    c.args(["regress", TESTS, "--seed", &r.seed.to_string(), "--reset-values", &r.reset.to_string()]).arg("--out").arg(&r.out);
    for t in &r.tests {
        c.args(["--test", t]);
    }
    for p in &r.port_maps {
        c.arg("--port-map").arg(p);
    }
    if let Some(m) = r.compare {
        c.args(["--compare", &m.to_string()]);
    }
    if let Some((dir, metrics)) = r.coverage {
        c.arg("--coverage-dir").arg(dir).args(["--coverage-metrics", &metrics.to_string()]);
    }
    let child = c.stdin(Stdio::null()).stdout(log).stderr(err).spawn().map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    Ok(PyRegressRun { child, py, out: r.out.clone() })
}

impl PyRegressRun {
    /// Wait for the Python side; its results (every run, failed ones included). A Python side
    /// that could not run its tests (bad input, a crash) is an error with its last line.
    pub fn finish(mut self) -> CliResult<tb::regress::ResultsFile> {
        let status = self.child.wait().map_err(|e| format!("waiting for {}: {e}", self.py.display()))?;
        let log = std::fs::read(self.out.join("log")).unwrap_or_default();
        let results = self.out.join("results.json");
        // 0: all passed, 1: some failed, 130: interrupted; each wrote its results.
        if !matches!(status.code(), Some(0 | 1 | 130)) || !results.is_file() {
            return Err(format!("the Python tests did not run ({status}): {}", python_error(&self.py, &log)).into());
        }
        Ok(tb::regress::ResultsFile::load(&results)?)
    }
}
