//! Variables no reset assigns start at the value the instance's `ResetValues` picks: zero, all
//! ones, or random bits that depend only on the seed (so a seed replays bit-exactly).

mod common;

use common::*;
use sim::{build, BuildSpec, Model, ResetValues, SimError, Variant};

/// (forgotten, low 64 bits of forgotten_wide, its top word, kept) right after construction and
/// one reset cycle.
fn initial(reset: ResetValues) -> (u64, u64, u32, u64) {
    let spec = BuildSpec { top: "unreset".into(), sources: vec![fixture("unreset.sv")], variant: Variant::Plain, ..Default::default() };
    let mut m = Model::load_with(&build(&spec, &shared_cache()).unwrap(), reset).unwrap();
    let (clk, rst_n) = (m.port("clk").unwrap(), m.port("rst_n").unwrap());
    rst_n.set(0);
    for v in [0, 1] {
        clk.set(v);
        m.eval();
    }
    let wide = m.port("forgotten_wide").unwrap();
    let mut words = [0u32; 3];
    wide.get_words(&mut words);
    (m.port("forgotten").unwrap().get(), wide.get(), words[2], m.port("kept").unwrap().get())
}

#[test]
fn zero_and_ones_are_what_they_say() {
    assert_eq!(initial(ResetValues::Zero), (0, 0, 0, 0));
    assert_eq!(initial(ResetValues::Ones), (0xffff_ffff, u64::MAX, 0x3f, 0));
}

#[test]
fn random_values_depend_on_the_seed_only() {
    let a = initial(ResetValues::Random(7));
    assert_eq!(a, initial(ResetValues::Random(7)), "the same seed must give the same initial values");
    assert_eq!(a.3, 0, "a reset flop is reset whatever the mode");
    let others: Vec<_> = (8..12).map(|s| initial(ResetValues::Random(s))).collect();
    assert!(others.iter().all(|o| o.0 != a.0 && o.1 != a.1), "other seeds gave the same values: {a:?} {others:?}");
    assert!(others.iter().chain([&a]).all(|o| o.0 != 0 && o.0 != 0xffff_ffff), "random values look constant: {others:?}");
}

#[test]
fn seed_out_of_range_is_a_clear_error() {
    let spec = BuildSpec { top: "unreset".into(), sources: vec![fixture("unreset.sv")], variant: Variant::Plain, ..Default::default() };
    let built = build(&spec, &shared_cache()).unwrap();
    for bad in [0, ResetValues::MAX_SEED + 1] {
        let e = Model::load_with(&built, ResetValues::Random(bad)).err().expect("a bad seed must be refused");
        assert!(matches!(e, SimError::ResetSeed { seed } if seed == bad), "{e}");
        assert!(e.to_string().contains("reset seed"), "{e}");
    }
}
