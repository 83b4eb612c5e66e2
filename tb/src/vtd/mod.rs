//! The VT-d `vtd_prq` bench: DUT binding (`dut`), seeded random stimulus for lockstep runs
//! (`stimulus`) and the strict lockstep scoreboard with rule blame (`scoreboard`).

pub mod dut;
pub mod scoreboard;
pub mod stimulus;
