//! Property-based protocol fuzzing (`iommu-tb fuzz`): proptest strategies of whole runs
//! (configuration and an action program, `strategy`), the program each flavor's fuzz test
//! interprets (`program`, `Surface`), and the session that runs cases through `run::run`, shrinks
//! a failure to a minimal program and steers toward coverage holes (`session`).

pub mod interpret;
mod program;
pub mod session;
pub mod strategy;
mod surface;

pub use program::{Action, FoundOn, Kind, Program};
pub use surface::Surface;
