//! A wrong VERILATOR_ROOT gives one clear line. Its own test binary, because
//! it changes the process environment.

mod common;

use sim::{build, Variant, Verilator};

#[test]
fn bogus_verilator_root_is_one_line() {
    std::env::set_var("VERILATOR_ROOT", "/nonexistent/verilator");
    let e = build(&common::counter(Variant::Plain), &common::cache("missing-verilator")).unwrap_err().to_string();
    assert_eq!(e, "verilator not found (looked in VERILATOR_ROOT=/nonexistent/verilator): run `make setup`");
    let e = Verilator::at(std::path::Path::new("/tmp")).unwrap_err().to_string();
    assert_eq!(e, "verilator not found (looked in /tmp): run `make setup`");
}
