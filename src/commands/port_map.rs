//! `--port-map FILE` (`docs/bring-your-own-rtl.md`): a DUT that is not ours, tied to a flavor's
//! contract, loaded and checked before anything runs (a bad map exits 2 with one line).

use crate::CliResult;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use tb::port_map::{self, BoundDut, LoadOptions};
use tb::scenario::Scenario;

/// Load and check a port map; the DUT's sources are `rtl` (default: the map's folder), its top
/// `top` (default: the map's `top`).
pub fn load(root: &Path, path: &Path, rtl: Option<&Path>, top: Option<&str>) -> CliResult<Arc<BoundDut>> {
    let contract_rtl = root.join("rtl");
    let cache_root = root.join("build/cache");
    let o = LoadOptions { rtl_dir: rtl, top, contract_rtl: &contract_rtl, cache_root: &cache_root };
    Ok(Arc::new(port_map::load(path, &o)?))
}

/// `iommu-tb list --port-map FILE`: the tests of the DUT's flavor; those it cannot run say why.
pub fn list(root: &Path, path: &Path, rtl: Option<&Path>, top: Option<&str>) -> CliResult<ExitCode> {
    use std::fmt::Write;
    let dut = load(root, path, rtl, top)?;
    let mut text = String::new();
    for t in dut.flavor.tests() {
        let kind = if t.random { "random" } else { "directed" };
        let skip = dut.skip_reason(t).map_or(String::new(), |why| format!("  [not run on {}: {why}]", dut.top));
        writeln!(text, "{:<8} {:<32} {:<8} {}{skip}", dut.flavor.name(), t.name, kind, t.rules.join(" "))?;
    }
    crate::print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The DUT a stored fuzz case runs on: the one it recorded (`Program::dut`, loaded from its
/// recorded map and sources unless `given` on the command line), which must still be the map it
/// was found on (same SHA-256); none recorded: `given`.
pub fn for_case(root: &Path, given: Option<Arc<BoundDut>>, sc: &Scenario) -> CliResult<Option<Arc<BoundDut>>> {
    let Some(rec) = sc.program.as_ref().and_then(|p| p.dut.as_ref()) else { return Ok(given) };
    let dut = match given {
        Some(d) => d,
        None => load(root, &root.join(&rec.port_map), Some(&root.join(&rec.rtl)), None)?,
    };
    if dut.map_sha256 != rec.map_sha256 {
        return Err(format!(
            "the case was found on port map {} with SHA-256 {}, and {} has SHA-256 {}: replay it with the map it was found on",
            rec.port_map.display(),
            short(&rec.map_sha256),
            dut.path.display(),
            short(&dut.map_sha256)
        )
        .into());
    }
    Ok(Some(dut))
}

/// The first 12 hex digits of a digest (enough to tell two maps apart in a message).
fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}
