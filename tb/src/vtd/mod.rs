//! The VT-d `vtd_prq` bench (`../shared/spec/vtd.md`): DUT binding (`dut`), the cycle loop
//! (`bench`), register and descriptor sequences (`env`), the Linux-like host that services the
//! page request queue and drains PASIDs (`host`, HOST-22..HOST-25), the strict lockstep
//! scoreboard with rule blame (`scoreboard`), seeded random stimulus for raw model-vs-RTL runs
//! (`stimulus`) and the registered tests (`tests`).

pub mod bench;
pub mod dut;
pub mod env;
pub mod host;
pub mod scoreboard;
pub mod stimulus;
pub mod tests;
