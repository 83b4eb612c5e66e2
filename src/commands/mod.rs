//! The subcommands that are more than a few lines: `regress`/`merge`, `bench` and `fuzz`.

pub mod bench;
pub mod fuzz;
pub mod python;
pub mod regress;
