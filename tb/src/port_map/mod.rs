//! Port maps: a DUT that is not ours, tied to a flavor's contract (`docs/bring-your-own-rtl.md`).
//! The file is read ([`file`]), checked against the contract's ports (the embedded top's, as
//! Verilator reads them) and the DUT's ([`bind`]), and becomes a generated wrapper module with the
//! contract's ports ([`wrapper`]) compiled with the DUT: the harness binds the contract names
//! unchanged. A bound DUT runs as the configuration named after its top (`test@alt_priq`), with
//! the port map's `[parameters]` as that configuration's values.

pub mod bind;
pub mod file;
pub mod wrapper;

use crate::config::{self, RtlConfig};
use crate::flavor::{Flavor, OptionalFeature};
use crate::flavors;
use crate::registry::TestDef;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// What is wrong with a port map; one line naming both sides where there are two.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("{0}")]
    Shape(String),
    #[error("unknown flavor '{name}' (known: {})", known.join(", "))]
    UnknownFlavor { name: String, known: Vec<&'static str> },
    #[error("absent feature `{name}` is not an optional feature of the {flavor} contract (optional: {})", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownFeature { name: String, flavor: String, known: Vec<&'static str> },
    #[error("[parameters] {name} is not a parameter of the {flavor} contract (known: {})", known.join(", "))]
    UnknownParameter { name: String, flavor: String, known: Vec<&'static str> },
    #[error("contract {name} -> DUT ?: {name} is not a port of the {flavor} contract (rtl/README.md)")]
    UnknownContractPort { name: String, flavor: String },
    #[error("{side} -> DUT {port}: {top} has no such port")]
    UnknownDutPort { side: String, port: String, top: String },
    #[error("{side} -> DUT ?: not mapped (map it to a DUT port, tie it, or list its feature under `absent`)")]
    Unmapped { side: String },
    #[error("{side} -> {dut}: the DUT port is an {dir}put")]
    Direction { side: String, dut: String, dir: &'static str },
    #[error("{side} -> {dut} is {width} bits")]
    Width { side: String, dut: String, width: u32 },
    #[error("{first} and {second} both drive {dut}")]
    Overlap { first: String, second: String, dut: String },
    #[error("{dut} of {top} is driven by no contract port (map it, or tie the whole port under [dut_ties])")]
    Undriven { dut: String, top: String },
    #[error("{side}: tie = {value} does not fit in {width} bits")]
    TieTooWide { side: String, value: u64, width: u32 },
    #[error("[registers] contract \"{contract}\" -> DUT \"{dut}\": {why}")]
    BadOffset { contract: String, dut: String, why: String },
    #[error("{0}")]
    Other(String),
}

/// A port map that cannot be used: the file and its problem, on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("port map {}: {problem}", path.display())]
pub struct PortMapError {
    pub path: PathBuf,
    pub problem: Problem,
}

/// A DUT bound to a flavor's contract by a checked port map, its wrapper written.
#[derive(Debug)]
pub struct BoundDut {
    /// The port-map file.
    pub path: PathBuf,
    /// SHA-256 (hex) of the port-map file's text as bound: what a saved fuzz case records, so
    /// that it replays only against the same map.
    pub map_sha256: String,
    pub flavor: &'static dyn Flavor,
    /// The DUT's top module: also the name of its configuration in runs and results.
    pub top: String,
    /// The folder whose `.sv` files are the DUT's sources.
    pub rtl_dir: PathBuf,
    /// Named after the top; its overrides are the port map's `[parameters]` (what the models,
    /// checkers and test selection use; the DUT is built as its sources say, no `-G`).
    pub config: RtlConfig,
    pub absent: Vec<&'static OptionalFeature>,
    /// The generated wrapper (in the build cache, named by its content).
    pub wrapper: PathBuf,
}

/// Where to find things while loading a port map.
#[derive(Clone, Debug)]
pub struct LoadOptions<'a> {
    /// The DUT's sources (default: the folder holding the port-map file).
    pub rtl_dir: Option<&'a Path>,
    /// The DUT's top (default: the file's `top`).
    pub top: Option<&'a str>,
    /// The project's RTL folder: the embedded tops whose ports are the contract.
    pub contract_rtl: &'a Path,
    pub cache_root: &'a Path,
}

/// Read, check and bind a port map, and write its wrapper. Runs Verilator on the DUT and on the
/// embedded top (their ports only, cached), never the C++ compiler.
pub fn load(path: &Path, o: &LoadOptions) -> Result<BoundDut, PortMapError> {
    let err = |problem: Problem| PortMapError { path: path.to_path_buf(), problem };
    let text = std::fs::read_to_string(path).map_err(|e| err(Problem::Other(format!("cannot read it: {e}"))))?;
    let map_sha256 = sha256_hex(text.as_bytes());
    let mut f = file::parse(&text).map_err(err)?;
    if let Some(top) = o.top {
        f.top = top.to_string();
    }
    let flavor =
        flavors::by_name(&f.flavor).map_err(|_| err(Problem::UnknownFlavor { name: f.flavor.clone(), known: flavors::names() }))?;
    let optional = flavor.optional_features();
    let absent = f
        .absent
        .iter()
        .map(|n| {
            optional.iter().find(|x| x.name == n).ok_or_else(|| {
                err(Problem::UnknownFeature { name: n.clone(), flavor: f.flavor.clone(), known: optional.iter().map(|x| x.name).collect() })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = RtlConfig { name: f.top.clone(), overrides: f.parameters.clone() };
    let known: Vec<&'static str> = flavor
        .parameters(&RtlConfig::default_config())
        .map_err(|e| err(Problem::Other(e.to_string())))?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    if let Some((name, _)) = f.parameters.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        return Err(err(Problem::UnknownParameter { name: name.clone(), flavor: f.flavor.clone(), known }));
    }
    check_top(flavor, &f.top).map_err(err)?;
    let rtl_dir = match o.rtl_dir {
        Some(d) => d.to_path_buf(),
        None => path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf(),
    };
    let sources = crate::run::sv_files(&rtl_dir);
    if sources.is_empty() {
        return Err(err(Problem::Other(format!("DUT {}: no .sv files in {}", f.top, rtl_dir.display()))));
    }
    let sim_err = |what: String| move |e: sim::SimError| err(Problem::Other(format!("{what}: {e}")));
    let contract_spec = crate::run::build_spec(flavor, &RtlConfig::default_config(), o.contract_rtl, sim::Variant::Plain);
    let contract = sim::ports_of(&contract_spec, o.cache_root).map_err(sim_err(format!("contract {}", flavor.top())))?;
    let dut_spec = sim::BuildSpec { top: f.top.clone(), sources, include_dirs: vec![rtl_dir.clone()], ..Default::default() };
    let dut = sim::ports_of(&dut_spec, o.cache_root).map_err(sim_err(format!("DUT {}", f.top)))?;
    let wiring = bind::bind(&f, &contract, &dut, &absent).map_err(err)?;
    let text = wrapper::generate(&wiring, &path.display().to_string());
    let wrapper = write_wrapper(o.cache_root, &f.top, &text).map_err(err)?;
    Ok(BoundDut { path: path.to_path_buf(), map_sha256, flavor, top: f.top, rtl_dir, config, absent, wrapper })
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The DUT's top names its configuration: a plain identifier that no configuration of the flavor
/// already uses.
fn check_top(flavor: &dyn Flavor, top: &str) -> Result<(), Problem> {
    let ident = top.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && top.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident {
        return Err(Problem::Other(format!("top `{top}` is not a plain module name")));
    }
    let configs = flavor.configs().map_err(|e| Problem::Other(e.to_string()))?;
    if configs.iter().any(|c| c.name == top) || top == flavor.top() {
        return Err(Problem::Other(format!(
            "top `{top}` is also a name of the embedded {} RTL (its top or a configuration): rename the DUT's top",
            flavor.name()
        )));
    }
    Ok(())
}

/// `<cache_root>/port-maps/<top>-<content hash>/contract_<top>.sv`, written once (whole, then
/// renamed, so concurrent runs never see half of it).
fn write_wrapper(cache_root: &Path, top: &str, text: &str) -> Result<PathBuf, Problem> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    let dir = cache_root.join("port-maps").join(format!("{top}-{:016x}", h.finish()));
    let path = dir.join(format!("{}.sv", wrapper::module_name(top)));
    if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        return Ok(path);
    }
    let io = |what: &str, p: &Path, e: std::io::Error| Problem::Other(format!("cannot {what} {}: {e}", p.display()));
    std::fs::create_dir_all(&dir).map_err(|e| io("create", &dir, e))?;
    let part = dir.join(format!(".part-{}", std::process::id()));
    std::fs::write(&part, text).map_err(|e| io("write", &part, e))?;
    std::fs::rename(&part, &path).map_err(|e| io("write", &path, e))?;
    Ok(path)
}

impl BoundDut {
    /// The build of the wrapper and the DUT (the wrapper's text is part of the cache key).
    pub fn build_spec(&self, variant: sim::Variant) -> sim::BuildSpec {
        let mut sources = crate::run::sv_files(&self.rtl_dir);
        sources.push(self.wrapper.clone());
        sim::BuildSpec {
            top: wrapper::module_name(&self.top),
            sources,
            include_dirs: vec![self.rtl_dir.clone()],
            variant,
            ..Default::default()
        }
    }

    /// Why a registered test of the flavor does not run on this DUT: a feature it needs is
    /// absent, or a parameter is outside its needs (`TestDef::needs`). None: it runs.
    pub fn skip_reason(&self, def: &TestDef) -> Option<String> {
        if let Some(f) = self.absent.iter().find(|f| f.needed_by(def)) {
            return Some(format!("needs feature {}, absent from {}", f.name, self.top));
        }
        let params = self.flavor.parameters(&self.config).ok()?;
        config::unmet(def.needs, &params)
    }

    /// [`BoundDut::skip_reason`] of a test outside the registry (a Python engine test): its own
    /// name and rules, and the registered test `like` whose scenario it takes.
    pub fn skip_reason_external<R: AsRef<str>>(&self, name: &str, rules: &[R], like: &TestDef) -> Option<String> {
        if let Some(f) = self.absent.iter().find(|f| f.needed_by_named(name, rules)) {
            return Some(format!("needs feature {}, absent from {}", f.name, self.top));
        }
        self.skip_reason(like)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The problem `load` finds in a port map of `text` (these are all found before Verilator runs).
    fn problem(name: &str, text: &str) -> Problem {
        let dir = std::env::temp_dir().join(format!("iommu-tb-port-map-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("port-map.toml");
        std::fs::write(&path, text).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let o = LoadOptions { rtl_dir: Some(&dir), top: None, contract_rtl: &root.join("rtl"), cache_root: &dir.join("cache") };
        let e = load(&path, &o).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(e.to_string().starts_with(&format!("port map {}: ", path.display())) && !e.to_string().contains('\n'), "{e}");
        e.problem
    }

    #[test]
    fn names_the_file_does_not_know_are_errors_before_any_verilation() {
        let p = problem("flavor", "flavor = \"arm\"\ntop = \"x\"");
        assert!(matches!(&p, Problem::UnknownFlavor { name, .. } if name == "arm"), "{p:?}");
        let p = problem("feature", "flavor = \"smmuv3\"\ntop = \"x\"\nabsent = [\"evq\"]");
        assert_eq!(p.to_string(), "absent feature `evq` is not an optional feature of the smmuv3 contract (optional: evtq)");
        let p = problem("vtd-feature", "flavor = \"vtd\"\ntop = \"x\"\nabsent = [\"evtq\"]");
        assert!(p.to_string().ends_with("(optional: none)"), "{p}");
        let p = problem("parameter", "flavor = \"smmuv3\"\ntop = \"x\"\n[parameters]\nPRIQ_SIZE = 3");
        assert!(matches!(&p, Problem::UnknownParameter { name, .. } if name == "PRIQ_SIZE"), "{p:?}");
        assert!(p.to_string().contains("known: PRIQS, "), "{p}");
    }

    #[test]
    fn the_top_may_not_take_an_embedded_name() {
        for top in ["smmuv3_priq", "min", "default"] {
            let p = problem(top, &format!("flavor = \"smmuv3\"\ntop = \"{top}\""));
            assert!(p.to_string().contains(&format!("top `{top}` is also a name of the embedded smmuv3 RTL")), "{p}");
        }
        let p = problem("ident", "flavor = \"smmuv3\"\ntop = \"a-b\"");
        assert!(p.to_string().contains("not a plain module name"), "{p}");
        let p = problem("no-sources", "flavor = \"smmuv3\"\ntop = \"x\"");
        assert!(p.to_string().contains("no .sv files"), "{p}");
    }

    #[test]
    fn tests_needing_an_absent_feature_or_other_parameters_are_skipped_with_the_reason() {
        let smmuv3 = flavors::by_name("smmuv3").unwrap();
        let evtq = &smmuv3.optional_features()[0];
        let dut = |absent: Vec<&'static OptionalFeature>, overrides: Vec<(String, u32)>| BoundDut {
            path: "m.toml".into(),
            map_sha256: String::new(),
            flavor: smmuv3,
            top: "alt".into(),
            rtl_dir: ".".into(),
            config: RtlConfig { name: "alt".into(), overrides },
            absent,
            wrapper: "w.sv".into(),
        };
        let test = |name: &str| flavors::find_test(Some("smmuv3"), name).unwrap().1;
        let full = dut(vec![], vec![]);
        assert_eq!(full.skip_reason(test("evtq_basic_write")), None);
        let no_evtq = dut(vec![evtq], vec![]);
        assert_eq!(no_evtq.skip_reason(test("evtq_basic_write")).as_deref(), Some("needs feature evtq, absent from alt"));
        assert_eq!(no_evtq.skip_reason(test("basic_write")), None);
        assert_eq!(
            no_evtq.skip_reason_external("test_py_stall", &["SMMU-EVTQ-6"], test("basic_write")).as_deref(),
            Some("needs feature evtq, absent from alt"),
            "a Python test asserting an event-queue rule"
        );
        assert_eq!(
            no_evtq.skip_reason_external("test_py_queue", &["SMMU-PRIQ-4"], test("evtq_basic_write")).as_deref(),
            Some("needs feature evtq, absent from alt"),
            "a Python test taking an event-queue test's scenario"
        );
        assert_eq!(no_evtq.skip_reason_external("test_py_queue", &["SMMU-PRIQ-4"], test("basic_write")), None);
        let small = dut(vec![], vec![("PRIQS".into(), 1)]);
        assert_eq!(small.skip_reason(test("basic_write")).as_deref(), Some("PRIQS=1 (needs 3..=19)"));
    }
}
