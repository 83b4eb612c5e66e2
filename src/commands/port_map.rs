//! `--port-map FILE` (`docs/bring-your-own-rtl.md`): a DUT that is not ours, tied to a flavor's
//! contract, loaded and checked before anything runs (a bad map exits 2 with one line).

use crate::CliResult;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use tb::port_map::{self, BoundDut, LoadOptions};

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
