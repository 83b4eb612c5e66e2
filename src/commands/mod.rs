//! The subcommands that are more than a few lines: `regress`/`merge`, `bench`, `fuzz`, and
//! the `--port-map` loading `run`, `list` and `regress` share.

pub mod bench;
pub mod fuzz;
pub mod port_map;
pub mod python;
pub mod regress;
