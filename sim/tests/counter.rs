//! Build + load + drive the counter fixture with the real Verilator.

mod common;

use common::*;
use sim::{build, Model, PortDir, Variant};

/// One rising edge: clk 0 -> eval -> clk 1 -> eval.
fn tick(m: &mut Model, clk: sim::Port) {
    clk.set(0);
    m.eval();
    clk.set(1);
    m.eval();
}

#[test]
fn build_load_and_drive_ports() {
    let built = build(&counter(Variant::Plain), &shared_cache()).unwrap();
    let by_name = |n: &str| built.ports.iter().find(|p| p.name == n).unwrap();
    assert_eq!((by_name("count").width, by_name("count").dir), (48, PortDir::Out));
    assert_eq!((by_name("wide_in").width, by_name("wide_in").dir), (128, PortDir::In));
    assert_eq!(by_name("clk").width, 1);
    assert!(built.dir.join("ports.json").is_file() && built.lib.is_file());

    let mut m = Model::load(&built).unwrap();
    let [clk, rst_n, en, load, load_val, wide_in, count, wide_out, odd, step] =
        ["clk", "rst_n", "en", "load", "load_val", "wide_in", "count", "wide_out", "odd", "step"].map(|n| m.port(n).unwrap());
    assert_eq!((wide_out.width(), wide_out.words(), count.width()), (128, 4, 48));
    m.eval(); // constants settle on the first eval
    assert_eq!(step.get(), 1, "default STEP");

    // Reset, then count 5 cycles.
    rst_n.set(0);
    tick(&mut m, clk);
    assert_eq!(count.get(), 0);
    rst_n.set(1);
    en.set(1);
    for _ in 0..5 {
        tick(&mut m, clk);
    }
    assert_eq!(count.get(), 5);
    assert_eq!(odd.get(), 0, "odd lags count by one edge: count was 4");
    tick(&mut m, clk);
    assert_eq!((count.get(), odd.get()), (6, 1));

    // 48-bit load, masked: bits above 47 must be dropped by Port::set.
    load.set(1);
    load_val.set(0xFFFF_FFFF_FFFF_FFFF);
    assert_eq!(load_val.get(), 0xFFFF_FFFF_FFFF);
    tick(&mut m, clk);
    assert_eq!(count.get(), 0xFFFF_FFFF_FFFF);
    load.set(0);
    tick(&mut m, clk);
    assert_eq!(count.get(), 0, "48-bit wrap");

    // 128-bit words: wide_out = {count[31:0] ^ ~wide_in[127:96], ~wide_in[95:0]}.
    en.set(0);
    let win = [0x0123_4567, 0x89AB_CDEF, 0xDEAD_BEEF, 0x0F0F_0F0F];
    wide_in.set_words(&win);
    let mut back = [0u32; 5];
    wide_in.get_words(&mut back);
    assert_eq!(back, [win[0], win[1], win[2], win[3], 0]);
    load.set(1);
    load_val.set(0x1234_5678);
    tick(&mut m, clk); // count <= 0x12345678; wide_out sees the old count (0)
    load.set(0);
    tick(&mut m, clk);
    let mut out = [0u32; 4];
    wide_out.get_words(&mut out);
    assert_eq!(out, [!win[0], !win[1], !win[2], 0x1234_5678 ^ !win[3]]);
    assert_eq!(wide_out.get(), (!win[1] as u64) << 32 | !win[0] as u64);

    // set() on a wide port writes the low 64 bits and clears the rest.
    wide_in.set(u64::MAX);
    wide_in.get_words(&mut back);
    assert_eq!(back, [u32::MAX, u32::MAX, 0, 0, 0]);
    // Narrow ports through the word interface.
    load_val.set_words(&[0xAAAA_5555, 0xFFFF_1234]);
    assert_eq!(load_val.get(), 0x1234_AAAA_5555);
    let mut two = [9u32; 3];
    load_val.get_words(&mut two);
    assert_eq!(two, [0xAAAA_5555, 0x1234, 0]);
    assert!(!m.status().finished);
}

#[test]
fn unknown_port_is_a_clear_error() {
    let built = build(&counter(Variant::Plain), &shared_cache()).unwrap();
    let m = Model::load(&built).unwrap();
    let e = m.port("nope").unwrap_err().to_string();
    assert!(e.starts_with("no port `nope` on top `counter` (ports: clk,"), "{e}");
}

#[test]
fn instances_are_independent_across_threads() {
    let built = build(&counter(Variant::Plain), &shared_cache()).unwrap();
    let handles: Vec<_> = (0..4u64)
        .map(|k| {
            let built = built.clone();
            std::thread::spawn(move || {
                let mut m = Model::load(&built).unwrap();
                let (clk, rst_n, en, count) =
                    (m.port("clk").unwrap(), m.port("rst_n").unwrap(), m.port("en").unwrap(), m.port("count").unwrap());
                rst_n.set(0);
                tick(&mut m, clk);
                rst_n.set(1);
                en.set(1);
                for _ in 0..(1000 + k) {
                    tick(&mut m, clk);
                }
                count.get()
            })
        })
        .collect();
    let got: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, [1000, 1001, 1002, 1003]);
}

#[test]
fn model_moves_to_another_thread() {
    let built = build(&counter(Variant::Plain), &shared_cache()).unwrap();
    let mut m = Model::load(&built).unwrap();
    let step = m.port("step").unwrap();
    m.eval();
    let v = std::thread::spawn(move || {
        m.eval();
        step.get()
    })
    .join()
    .unwrap();
    assert_eq!(v, 1);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "used after its Model was dropped")]
fn port_after_model_drop_panics_in_debug() {
    let built = build(&counter(Variant::Plain), &shared_cache()).unwrap();
    let m = Model::load(&built).unwrap();
    let p = m.port("count").unwrap();
    drop(m);
    p.get();
}
