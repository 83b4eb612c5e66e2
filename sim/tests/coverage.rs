//! sim::coverage against real Verilator output: two runs of the counter
//! fixture's Coverage build, parsed, merged, summarised, annotated, exported.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use sim::coverage::{self, AnnotateOptions, Dataset, SummaryOptions};
use sim::{build, Model, Port, Variant};

fn tick(m: &mut Model, clk: Port) {
    clk.set(0);
    m.eval();
    clk.set(1);
    m.eval();
}

/// Two .dat files: `count.dat` (reset 2 edges, then count 20 edges) and
/// `load.dat` (reset 1 edge, 3 loads of all-ones/zero values, 2 idle edges,
/// a changing wide input). Written once per test process.
fn dats() -> &'static (PathBuf, PathBuf) {
    static DATS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    DATS.get_or_init(|| {
        let built = build(&counter(Variant::Coverage), &shared_cache()).unwrap();
        let dir = cache("coverage-runs");
        std::fs::create_dir_all(&dir).unwrap();
        let run = |name: &str, stimulus: &dyn Fn(&mut Model)| {
            let mut m = Model::load(&built).unwrap();
            stimulus(&mut m);
            let path = dir.join(name);
            m.write_coverage(&path).unwrap();
            path
        };
        let a = run("count.dat", &|m| {
            let [clk, rst_n, en] = ["clk", "rst_n", "en"].map(|n| m.port(n).unwrap());
            for _ in 0..2 {
                tick(m, clk);
            }
            rst_n.set(1);
            en.set(1);
            for _ in 0..20 {
                tick(m, clk);
            }
        });
        let b = run("load.dat", &|m| {
            let [clk, rst_n, load, load_val, wide_in] = ["clk", "rst_n", "load", "load_val", "wide_in"].map(|n| m.port(n).unwrap());
            tick(m, clk);
            rst_n.set(1);
            load.set(1);
            for v in [u64::MAX, 0, u64::MAX] {
                load_val.set(v);
                wide_in.set_words(&[v as u32; 4]);
                tick(m, clk);
            }
            load.set(0);
            tick(m, clk);
            tick(m, clk);
        });
        (a, b)
    })
}

fn covered(d: &Dataset, metric: &str) -> u64 {
    d.summary(&SummaryOptions::default()).totals.get(metric).map_or(0, |t| t.0)
}

#[test]
fn real_runs_parse_merge_and_round_trip() {
    let (pa, pb) = dats();
    let a = Dataset::read(pa).unwrap();
    let b = Dataset::read(pb).unwrap();
    let metrics = a.metrics();
    for m in ["line", "branch", "toggle", "expr"] {
        assert!(metrics.contains(m), "metric {m} missing: {metrics:?}");
    }
    // Same design, so the same points; different stimuli, so different counts.
    assert_eq!(a.len(), b.len());
    assert_ne!(a, b);

    // Merge = union with summed counts, whichever way it is done.
    let ab = coverage::merge_files([pa, pb]).unwrap();
    let ids: std::collections::BTreeSet<_> = a.iter().chain(b.iter()).map(|(id, _)| id.clone()).collect();
    assert_eq!(ab.len(), ids.len());
    for id in &ids {
        assert_eq!(ab.count(id), Some(a.count(id).unwrap_or(0) + b.count(id).unwrap_or(0)), "{id}");
    }
    assert_eq!(coverage::merge_files([pb, pa]).unwrap(), ab);
    assert_eq!(Dataset::merged([&b, &a]), ab);
    let aab = Dataset::merged([&Dataset::merged([&a, &a]), &b]);
    assert_eq!(aab, Dataset::merged([&a, &Dataset::merged([&a, &b])]), "associative");

    // Merged coverage is at least each part's, per metric and in total.
    for m in &metrics {
        let (ca, cb, cab) = (covered(&a, m), covered(&b, m), covered(&ab, m));
        assert!(cab >= ca.max(cb), "{m}: {cab} < max({ca}, {cb})");
    }
    assert!(covered(&ab, "line") > covered(&a, "line"), "the load run covers the load line");

    // Self-merge doubles counts, not coverage.
    let aa = Dataset::merged([&a, &a]);
    for (id, c) in a.iter() {
        assert_eq!(aa.count(id), Some(2 * c));
    }
    assert_eq!(aa.summary(&SummaryOptions::default()), a.summary(&SummaryOptions::default()));

    // Our .dat writer: re-parses to the same data, and for one Verilator file
    // writes the same lines (Verilator's own order may differ).
    let out = cache("coverage-roundtrip");
    let merged_dat = out.join("merged.dat");
    ab.write_dat(&merged_dat).unwrap();
    assert_eq!(Dataset::read(&merged_dat).unwrap(), ab);
    let sorted = |t: &str| {
        let mut v: Vec<String> = t.lines().map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!(sorted(&a.to_dat()), sorted(&std::fs::read_to_string(pa).unwrap()));
    // Serde: lossless JSON.
    let json = serde_json::to_string(&ab).unwrap();
    assert_eq!(serde_json::from_str::<Dataset>(&json).unwrap(), ab);
}

#[test]
fn summary_has_report_shape() {
    let (pa, pb) = dats();
    let ab = coverage::merge_files([pa, pb]).unwrap();
    let root = fixture("");
    let s = ab.summary(&SummaryOptions { root: Some(root.clone()), max_holes: 5, hole_metrics: None });
    let files: Vec<&str> = s.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["counter.sv"]);
    assert_eq!(s.files[0].metrics, s.totals, "one file: per-file equals totals");
    let (hit, all) = s.totals["toggle"];
    assert!(0 < hit && hit < all, "toggle {hit}/{all}");
    // Toggle points as Verilator counts them: per bit and direction. The
    // design has 1+1+1+48+1+128+48+128+1+8 = 365 port bits.
    assert_eq!(all, 2 * 365);
    // Holes: 5, sorted, then the rest counted.
    assert_eq!(s.holes.len(), 6);
    let total_holes: u64 = s.totals.values().map(|(h, a)| a - h).sum();
    assert_eq!(s.holes[5], format!("... and {} more uncovered points", total_holes - 5));
    assert!(s.holes[0].starts_with("counter.sv:"), "{}", s.holes[0]);
    assert!(s.holes[..5].iter().all(|h| h.ends_with("(TOP.counter)")), "{:?}", s.holes);
    // Only line holes when asked.
    let lines = ab.summary(&SummaryOptions { root: Some(root), max_holes: 100, hole_metrics: Some(vec!["line".into()]) });
    assert_eq!(lines.holes.len() as u64, lines.totals["line"].1 - lines.totals["line"].0);
    // Same field names as the report's CodeSummary.
    let v: serde_json::Value = serde_json::to_value(&s).unwrap();
    assert!(v["totals"]["line"].is_array() && v["files"][0]["path"] == "counter.sv" && v["holes"].is_array());
}

/// Annotated line of `text` for 1-based source line `n`.
fn annotated_line(text: &str, n: usize) -> &str {
    text.lines().nth(n - 1).unwrap()
}

#[test]
fn annotation_shows_counts() {
    let (pa, pb) = dats();
    let a = Dataset::read(pa).unwrap();
    let src = std::fs::read_to_string(fixture("counter.sv")).unwrap();
    let line_of = |needle: &str| src.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let (l_always, l_load, l_en) = (line_of("always_ff"), line_of("if (load)"), line_of("else if (en)"));

    let out = cache("coverage-annotate");
    let opts = AnnotateOptions { root: Some(fixture("")) };
    let res = a.annotate(&out, &opts).unwrap();
    assert_eq!(res.missing, Vec::<String>::new());
    assert_eq!(res.written.len(), 1);
    assert_eq!(res.written[0].1, out.join("counter.sv"));
    let text = std::fs::read_to_string(out.join("counter.sv")).unwrap();
    assert_eq!(text.lines().count(), src.lines().count(), "one output line per source line");
    // 22 rising edges; 20 counted (the implicit else of `if (en)` never ran); no load.
    assert_eq!(annotated_line(&text, l_always), format!(" 000022 {}", src.lines().nth(l_always - 1).unwrap()));
    assert!(annotated_line(&text, l_en).starts_with("~000020 "), "{}", annotated_line(&text, l_en));
    assert!(annotated_line(&text, l_load).starts_with("%000000 "), "{}", annotated_line(&text, l_load));
    assert!(annotated_line(&text, 1).starts_with("        // Test fixture"));

    // After merging the load run, the load line is hit 3 times.
    let ab = coverage::merge_files([pa, pb]).unwrap();
    ab.annotate(&out, &opts).unwrap();
    let text = std::fs::read_to_string(out.join("counter.sv")).unwrap();
    assert!(annotated_line(&text, l_load).starts_with(" 000003 "), "{}", annotated_line(&text, l_load));
    assert!(annotated_line(&text, l_always).starts_with(" 000028 "));
    // A source that is gone is reported, not an error.
    let hits = ab.line_hits();
    assert_eq!(hits.len(), 1);
    let missing = AnnotateOptions { root: Some(PathBuf::from("/nonexistent")) };
    let rel =
        Dataset::parse("# SystemC::Coverage-3\nC '\u{1}f\u{2}gone.sv\u{1}l\u{2}1\u{1}page\u{2}v_line/x' 1\n", Path::new("x")).unwrap();
    assert_eq!(rel.annotate(&out, &missing).unwrap().missing, ["gone.sv"]);
}

/// One lcov record: DA line -> count, BRDA (line, taken).
type Record = (BTreeMap<u32, u64>, Vec<(u32, u64)>);

/// Minimal lcov tracefile checker: record structure and LF/LH/BRF/BRH sums.
fn check_lcov(text: &str) -> BTreeMap<String, Record> {
    let mut files = BTreeMap::new();
    let mut cur: Option<(String, Record)> = None;
    let num = |s: &str| s.parse::<u64>().unwrap_or_else(|_| panic!("not a number: {s}"));
    for line in text.lines() {
        let (tag, val) = line.split_once(':').unwrap_or((line, ""));
        match tag {
            "TN" => assert!(cur.is_none()),
            "SF" => {
                assert!(cur.is_none(), "SF inside a record");
                cur = Some((val.to_string(), (BTreeMap::new(), Vec::new())));
            }
            "DA" => {
                let (l, c) = val.split_once(',').unwrap();
                let prev = cur.as_mut().unwrap().1 .0.insert(num(l) as u32, num(c));
                assert!(prev.is_none(), "duplicate DA {l}");
            }
            "LF" => assert_eq!(num(val) as usize, cur.as_ref().unwrap().1 .0.len()),
            "LH" => assert_eq!(num(val) as usize, cur.as_ref().unwrap().1 .0.values().filter(|&&c| c > 0).count()),
            "BRDA" => {
                let f: Vec<&str> = val.split(',').collect();
                assert_eq!(f.len(), 4, "{line}");
                let (l, _, _, c) = (num(f[0]), num(f[1]), num(f[2]), num(f[3]));
                let (da, br) = &mut cur.as_mut().unwrap().1;
                assert!(da.contains_key(&(l as u32)), "BRDA without DA: {line}");
                br.push((l as u32, c));
            }
            "BRF" => assert_eq!(num(val) as usize, cur.as_ref().unwrap().1 .1.len()),
            "BRH" => assert_eq!(num(val) as usize, cur.as_ref().unwrap().1 .1.iter().filter(|b| b.1 > 0).count()),
            "end_of_record" => {
                let (f, rec) = cur.take().expect("end_of_record without SF");
                files.insert(f, rec);
            }
            _ => panic!("unexpected lcov line: {line}"),
        }
    }
    assert!(cur.is_none(), "unterminated record");
    files
}

#[test]
fn lcov_export_is_well_formed() {
    let (pa, pb) = dats();
    let ab = coverage::merge_files([pa, pb]).unwrap();
    let path = cache("coverage-lcov").join("coverage.info");
    ab.write_lcov(&path, "sim tests").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("TN:sim_tests\nSF:"));
    let files = check_lcov(&text);
    let src = fixture("counter.sv").canonicalize().unwrap();
    let (da, br) = &files[src.to_str().unwrap()];
    let src_text = std::fs::read_to_string(&src).unwrap();
    let line_of = |needle: &str| src_text.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1;
    assert_eq!(da[&line_of("always_ff")], 28);
    assert_eq!(da[&line_of("if (load)")], 3);
    assert_eq!(br.len(), 4, "if/else of `if (!rst_n)` and of `else if (en)`");
    assert!(br.iter().all(|b| b.1 > 0));
    // The count run alone never takes the implicit else of `if (en)`.
    let a = Dataset::read(pa).unwrap();
    let files = check_lcov(&a.to_lcov("count"));
    let (da, br) = &files[src.to_str().unwrap()];
    assert_eq!(da[&line_of("if (load)")], 0);
    assert_eq!(br.iter().filter(|b| b.1 == 0).map(|b| b.0).collect::<Vec<_>>(), [line_of("else if (en)")]);
}

#[test]
fn corrupt_dat_is_a_one_line_error_with_line_number() {
    let (pa, _) = dats();
    let text = std::fs::read_to_string(pa).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "C '\u{1}f\u{2}counter.sv\u{1}l\u{2}1' 12x";
    let bad = cache("coverage-corrupt").join("bad.dat");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let e = coverage::merge_files([pa, &bad]).unwrap_err().to_string();
    assert_eq!(e, format!("{}:4: count `12x` is not a non-negative integer", bad.display()));
    // Truncated mid-line (a run killed while writing).
    let cut = text.match_indices("\nC '").nth(3).unwrap().0 + 20;
    std::fs::write(&bad, &text[..cut]).unwrap();
    let e = Dataset::read(&bad).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:5: ", bad.display())) && !e.contains('\n'), "{e}");
    let e = Dataset::read(&bad.with_file_name("none.dat")).unwrap_err().to_string();
    assert!(e.starts_with("coverage file ") && !e.contains('\n'), "{e}");
}
