//! JUnit XML: parsed back with a real XML parser, structure and counts checked.

use tb::junit::{render_junit, write_junit};
use tb::report::input::RunSummary;

fn run(flavor: &str, test: &str, seed: u64, status: &str) -> RunSummary {
    RunSummary {
        flavor: flavor.into(),
        test: test.into(),
        config: "default".into(),
        seed,
        status: status.into(),
        cycles: 1000 * seed,
        wall_s: 0.25,
        rule: (status == "fail").then(|| "SMMU-PRIQ-7".to_string()),
        failure: (status != "pass").then(|| "cycle 9: prod <0x3> != \"0x4\" & more\nsecond line".to_string()),
        replay: format!("iommu-tb replay --test {test} --seed {seed} --waves"),
        compare: tb::compare::CompareMode::Lockstep,
        report: None,
    }
}

#[test]
fn junit_parses_with_suites_cases_properties_and_counts() {
    let mut runs = vec![
        run("smmuv3", "random", 12, "fail"),
        run("smmuv3", "random", 3, "pass"),
        run("smmuv3", "overflow", 1, "pass"),
        run("vtd", "random", 5, "error"),
        run("vtd", "random", 4, "pass"),
    ];
    runs[0].report = Some("cycle 9: prod mismatch\n  expected 0x4\n  actual   0x3\nrecent: <txn id='1'/>\u{1}".into());
    let xml = render_junit("regress <nightly>", &runs);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("name"), Some("regress <nightly>"));
    assert_eq!(root.attribute("tests"), Some("5"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("1"));

    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 2);
    assert_eq!(suites[0].attribute("name"), Some("smmuv3"));
    assert_eq!(suites[0].attribute("tests"), Some("3"));
    assert_eq!(suites[0].attribute("failures"), Some("1"));
    assert_eq!(suites[0].attribute("errors"), Some("0"));
    assert_eq!(suites[0].attribute("time"), Some("0.750"));
    assert_eq!(suites[1].attribute("name"), Some("vtd"));
    assert_eq!(suites[1].attribute("errors"), Some("1"));

    let cases: Vec<_> = suites[0].children().filter(|n| n.has_tag_name("testcase")).collect();
    let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(names, ["overflow[seed=1]", "random[seed=3]", "random[seed=12]"], "sorted by test, seed");
    let failing = cases[2];
    assert_eq!(failing.attribute("classname"), Some("smmuv3.random"));
    assert_eq!(failing.attribute("time"), Some("0.250"));
    let props: Vec<(&str, &str)> = failing
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .map(|p| (p.attribute("name").unwrap(), p.attribute("value").unwrap()))
        .collect();
    assert!(props.contains(&("seed", "12")));
    assert!(props.contains(&("test", "random")));
    assert!(props.contains(&("flavor", "smmuv3")));
    assert!(props.contains(&("rule", "SMMU-PRIQ-7")));
    assert!(props.contains(&("replay", "iommu-tb replay --test random --seed 12 --waves")));

    let f = failing.children().find(|n| n.has_tag_name("failure")).expect("failure element");
    assert_eq!(f.attribute("message"), Some("[SMMU-PRIQ-7] cycle 9: prod <0x3> != \"0x4\" & more"));
    assert_eq!(f.attribute("type"), Some("SMMU-PRIQ-7"));
    let body = f.text().unwrap();
    assert!(body.contains("expected 0x4\n  actual   0x3"), "{body}");
    assert!(body.contains("<txn id='1'/>"), "{body}");
    assert!(body.contains("replay: iommu-tb replay --test random --seed 12 --waves"), "{body}");
    for c in &cases[..2] {
        assert!(c.children().all(|n| !n.has_tag_name("failure") && !n.has_tag_name("error")));
    }

    let vtd_cases: Vec<_> = suites[1].children().filter(|n| n.has_tag_name("testcase")).collect();
    let err = vtd_cases[1].children().find(|n| n.has_tag_name("error")).expect("error element");
    assert_eq!(vtd_cases[1].attribute("name"), Some("random[seed=5]"));
    assert!(err.attribute("message").unwrap().starts_with("cycle 9"));
}

#[test]
fn junit_empty_and_written_to_disk() {
    let doc_text = render_junit("empty", &[]);
    let doc = roxmltree::Document::parse(&doc_text).unwrap();
    assert_eq!(doc.root_element().attribute("tests"), Some("0"));

    let dir = std::env::temp_dir().join(format!("tb-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("junit.xml");
    write_junit(&path, "regress", &[run("smmuv3", "random", 1, "pass")]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    roxmltree::Document::parse(&text).unwrap();
    // A path that cannot be written: a one-line error naming it.
    let e = write_junit(&path.join("x.xml"), "regress", &[]).unwrap_err().to_string();
    assert!(e.contains("junit.xml/x.xml") && !e.contains('\n'), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
