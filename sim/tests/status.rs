//! `$finish` / `$fatal` in the RTL are reported through `Model::status`, and
//! never end the host process (principle 9).

mod common;

use common::*;
use sim::{build, BuildSpec, Model, Status, Variant};

fn finisher() -> Model {
    let spec = BuildSpec { top: "finisher".into(), sources: vec![fixture("finisher.sv")], variant: Variant::Plain, ..Default::default() };
    Model::load(&build(&spec, &shared_cache()).unwrap()).unwrap()
}

fn edge(m: &mut Model) {
    let clk = m.port("clk").unwrap();
    clk.set(0);
    m.eval();
    clk.set(1);
    m.eval();
}

#[test]
fn finish_sets_finished() {
    let mut m = finisher();
    edge(&mut m);
    assert_eq!(m.status(), Status::default());
    m.port("do_finish").unwrap().set(1);
    edge(&mut m);
    assert_eq!(m.status(), Status { finished: true, error: false });
}

#[test]
fn fatal_sets_error_without_aborting() {
    let mut m = finisher();
    m.port("do_fatal").unwrap().set(1);
    edge(&mut m);
    assert_eq!(m.status(), Status { finished: true, error: true });
    // The instance is still usable (e.g. to dump the last cycles' waves).
    m.eval();
}
