//! Verilator integration: cached builds of SystemVerilog tops into shared
//! libraries, ports discovered from Verilator's own output, generated C++
//! glue, and zero-FFI port access from Rust.
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
mod error;
mod hash;
mod locate;
mod model;
pub mod ports;
mod runtime;
mod shim;

pub use build::{build, build_with, BuildSpec, Built, Variant};
pub use error::SimError;
pub use locate::{repo_root, Verilator};
pub use model::{Model, Port, Status};
pub use ports::{PortDir, PortInfo};
pub use shim::SHIM_VERSION;
