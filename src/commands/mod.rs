//! The subcommands that are more than a few lines: `regress`/`merge` and `bench`.

pub mod bench;
pub mod regress;
