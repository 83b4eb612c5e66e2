//! Build cache behaviour: hits, keys, concurrency, variants, errors.

mod common;

use std::time::Instant;

use common::*;
use sim::{build, Model, Variant};

#[test]
fn second_build_is_a_cache_hit() {
    let dir = cache("hit");
    let t = Instant::now();
    let first = build(&counter(Variant::Plain), &dir).unwrap();
    let cold = t.elapsed();
    assert!(!first.from_cache);
    let log = first.dir.join("build.log");
    let log_time = std::fs::metadata(&log).unwrap().modified().unwrap();

    let t = Instant::now();
    let second = build(&counter(Variant::Plain), &dir).unwrap();
    let hot = t.elapsed();
    eprintln!("counter build: cold {cold:?}, cached {hot:?}");
    assert!(second.from_cache);
    assert_eq!((second.hash.as_str(), &second.dir), (first.hash.as_str(), &first.dir));
    assert_eq!(std::fs::metadata(&log).unwrap().modified().unwrap(), log_time, "no re-verilation");
    assert!(hot.as_millis() < 500, "cached build took {hot:?}");
    assert_eq!(second.ports, first.ports);
    // Only the finished build, its lock file and the runtime cache are left: no temp dirs.
    let names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    assert!(names.iter().all(|n| n == &first.hash || n.ends_with(".lock") || n == "runtime"), "{names:?}");
    let rt: Vec<_> = std::fs::read_dir(dir.join("runtime")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(rt.len(), 1, "one runtime entry, no temp dirs: {rt:?}");

    // A different design (here: another parameter) reuses the compiled runtime.
    let t = Instant::now();
    let p = sim::BuildSpec { params: vec![("STEP".into(), "3".into())], ..counter(Variant::Plain) };
    let other = build(&p, &dir).unwrap();
    eprintln!("counter build with cached runtime: {:?}", t.elapsed());
    let log = std::fs::read_to_string(other.dir.join("build.log")).unwrap();
    assert!(log.contains("runtime objects: reused from cache"), "{log}");
}

#[test]
fn key_changes_with_source_param_flag_and_variant() {
    let dir = cache("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let base = counter(Variant::Plain);
    let h0 = build(&base, &shared_cache()).unwrap().hash;

    // Same content elsewhere: same key (paths do not matter, contents do).
    let copy = dir.join("counter.sv");
    std::fs::copy(fixture("counter.sv"), &copy).unwrap();
    let moved = sim::BuildSpec { sources: vec![copy.clone()], ..base.clone() };
    assert_eq!(build(&moved, &shared_cache()).unwrap().hash, h0);
    // ...except for coverage builds, whose points record where their sources are.
    let cov = counter(Variant::Coverage);
    let cov_moved = sim::BuildSpec { sources: vec![copy.clone()], ..cov.clone() };
    assert_ne!(sim_key(&cov_moved), sim_key(&cov));

    // Edited source: new key, and the new build sees the edit.
    let text = std::fs::read_to_string(&copy).unwrap().replace("8'(STEP)", "8'(STEP + 2)");
    std::fs::write(&copy, text).unwrap();
    let edited = build(&moved, &shared_cache()).unwrap();
    assert_ne!(edited.hash, h0);
    let mut m = Model::load(&edited).unwrap();
    m.eval();
    assert_eq!(m.port("step").unwrap().get(), 3);

    // Parameter override: new key, and it takes effect.
    let p = sim::BuildSpec { params: vec![("STEP".into(), "7".into())], ..base.clone() };
    let with_param = build(&p, &shared_cache()).unwrap();
    assert_ne!(with_param.hash, h0);
    let mut m = Model::load(&with_param).unwrap();
    m.eval();
    assert_eq!(m.port("step").unwrap().get(), 7);

    let f = sim::BuildSpec { flags: vec!["-Wno-WIDTH".into()], ..base.clone() };
    let keys = [sim_key(&f), sim_key(&counter(Variant::Waves)), sim_key(&counter(Variant::Coverage)), h0.clone(), with_param.hash.clone()];
    let unique: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "{keys:?}");
}

/// The key of a spec, via a build in the shared cache.
fn sim_key(spec: &sim::BuildSpec) -> String {
    build(spec, &shared_cache()).unwrap().hash
}

#[test]
fn concurrent_builds_of_one_key_agree() {
    // A key no earlier run has built (unique parameter), in the shared cache so
    // the compiled Verilator runtime is reused and the test stays quick.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let step = format!("{}", 10 + nanos % 200);
    let spec = sim::BuildSpec { params: vec![("STEP".into(), step.clone())], ..counter(Variant::Plain) };
    let dir = shared_cache();
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let (dir, spec) = (dir.clone(), spec.clone());
            std::thread::spawn(move || build(&spec, &dir).unwrap())
        })
        .collect();
    let built: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(built.iter().all(|b| b.hash == built[0].hash));
    assert!(built.iter().filter(|b| !b.from_cache).count() <= 1, "at most one real build");
    let mut m = Model::load(&built[2]).unwrap();
    m.eval();
    assert_eq!(m.port("step").unwrap().get().to_string(), step);
}

#[test]
fn waves_build_writes_fst() {
    let built = build(&counter(Variant::Waves), &shared_cache()).unwrap();
    let mut m = Model::load(&built).unwrap();
    let (clk, rst_n, en) = (m.port("clk").unwrap(), m.port("rst_n").unwrap(), m.port("en").unwrap());
    let fst = cache("waves").join("counter.fst");
    std::fs::create_dir_all(fst.parent().unwrap()).unwrap();
    m.open_waves(&fst).unwrap();
    en.set(1);
    for t in 0..40u64 {
        rst_n.set((t > 2) as u64);
        clk.set(t & 1);
        m.eval();
        m.dump_waves(t * 5);
    }
    m.close_waves();
    let len = std::fs::metadata(&fst).unwrap().len();
    assert!(len > 100, "fst is {len} bytes");
    assert_eq!(&std::fs::read(&fst).unwrap()[..1], &[0u8], "FST starts with a header block (type 0)");
    // Reopen on the same instance works too.
    let fst2 = fst.with_file_name("again.fst");
    m.open_waves(&fst2).unwrap();
    m.dump_waves(1000);
    drop(m); // closes the file
    assert!(std::fs::metadata(&fst2).unwrap().len() > 0);
}

#[test]
fn coverage_build_writes_coverage() {
    let built = build(&counter(Variant::Coverage), &shared_cache()).unwrap();
    let mut m = Model::load(&built).unwrap();
    let (clk, rst_n, en) = (m.port("clk").unwrap(), m.port("rst_n").unwrap(), m.port("en").unwrap());
    rst_n.set(1);
    en.set(1);
    for t in 0..20 {
        clk.set(t & 1);
        m.eval();
    }
    let dat = cache("coverage").join("coverage.dat");
    std::fs::create_dir_all(dat.parent().unwrap()).unwrap();
    m.write_coverage(&dat).unwrap();
    let text = std::fs::read_to_string(&dat).unwrap();
    assert!(text.starts_with("# SystemC::Coverage"), "{}", &text[..text.len().min(80)]);
    assert!(text.contains("counter.sv"));
}

#[test]
fn variant_mismatch_is_a_clear_error() {
    let built = build(&counter(Variant::Plain), &shared_cache()).unwrap();
    let mut m = Model::load(&built).unwrap();
    let e = m.open_waves(std::path::Path::new("/tmp/x.fst")).unwrap_err().to_string();
    assert_eq!(e, "open_waves needs a Waves build, this model is a Plain build");
    let e = m.write_coverage(std::path::Path::new("/tmp/x.dat")).unwrap_err().to_string();
    assert_eq!(e, "write_coverage needs a Coverage build, this model is a Plain build");
    m.dump_waves(0); // harmless no-ops
    m.close_waves();
}

#[test]
fn syntax_error_is_one_line_with_log_path() {
    let dir = cache("syntax");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.sv");
    std::fs::write(&bad, "module bad(input logic clk);\n  logic x\n  assign x = clk;\nendmodule\n").unwrap();
    let spec = sim::BuildSpec { top: "bad".into(), sources: vec![bad], ..Default::default() };
    let e = build(&spec, &dir.join("cache")).unwrap_err().to_string();
    eprintln!("{e}");
    assert!(!e.contains('\n'), "{e}");
    assert!(e.starts_with("verilation failed for top `bad`: %Error: "), "{e}");
    assert!(e.contains("bad.sv:3"), "{e}");
    let log = e.rsplit("full log: ").next().unwrap().trim_end_matches(')');
    assert!(std::fs::read_to_string(log).unwrap().contains("%Error"));
}

#[test]
fn missing_source_is_one_line() {
    let spec = sim::BuildSpec { top: "x".into(), sources: vec!["/nonexistent/x.sv".into()], ..Default::default() };
    let e = build(&spec, &cache("missing-src")).unwrap_err().to_string();
    assert!(e.starts_with("cannot read /nonexistent/x.sv:") && !e.contains('\n'), "{e}");
}

#[test]
fn ports_of_a_top_are_the_ports_its_build_binds() {
    let dir = cache("ports-of");
    let ports = sim::ports_of(&counter(Variant::Plain), &dir).unwrap();
    assert_eq!(ports, build(&counter(Variant::Plain), &shared_cache()).unwrap().ports);
    // Cached as one JSON file, no library built; a missing top is a one-line build error.
    let files: Vec<String> =
        std::fs::read_dir(dir.join("ports")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    assert!(files.len() == 1 && files[0].ends_with(".json"), "{files:?}");
    assert_eq!(sim::ports_of(&counter(Variant::Plain), &dir).unwrap(), ports);
    let e = sim::ports_of(&sim::BuildSpec { top: "no_such".into(), ..counter(Variant::Plain) }, &dir).unwrap_err().to_string();
    assert!(e.contains("verilation failed for top `no_such`") && !e.contains('\n'), "{e}");
}
