//! Verilator integration: cached builds of SystemVerilog tops into shared
//! libraries, ports discovered from Verilator's own output, generated C++
//! glue, and zero-FFI port access from Rust.
//!
//! - [`build`] verilates + compiles once per content hash into
//!   `<cache_root>/<hash>/` (layout and key: see `build.rs`, `hash.rs`).
//! - [`Model::load`] opens the library and creates an instance with its own
//!   `VerilatedContext`; [`Model::port`] returns a [`Port`], a plain pointer
//!   into the model's port storage (safety contract: see [`Model`]'s module).
//!
//! Environment: `VERILATOR_ROOT` (else `<repo>/.venv/lib/python3*/site-packages/verilator`,
//! installed by `make setup`), `CXX` (default `g++`), `SIM_BUILD_JOBS`
//! (make -j, default 2). The tools need `make`, `perl`, `python3`, zlib and lz4
//! headers (FST waves); `scripts/setup.sh` installs them.
//!
//! ```no_run
//! use sim::{build, BuildSpec, Model, Variant};
//! let spec = BuildSpec { top: "counter".into(), sources: vec!["counter.sv".into()], variant: Variant::Plain, ..Default::default() };
//! let built = build(&spec, std::path::Path::new("build/sim"))?;
//! let mut m = Model::load(&built)?;
//! let clk = m.port("clk")?;
//! clk.set(1);
//! m.eval();
//! # Ok::<(), sim::SimError>(())
//! ```

mod build;
pub mod coverage;
mod error;
pub mod fsutil;
mod hash;
mod locate;
mod model;
pub mod ports;
mod runtime;
mod shim;

pub use build::{build, build_with, ports_of, BuildSpec, Built, Variant};
pub use error::SimError;
pub use locate::{repo_root, Verilator};
pub use model::{Model, Port, ResetValues, Status};
pub use ports::{PortDir, PortInfo};
pub use shim::SHIM_VERSION;
