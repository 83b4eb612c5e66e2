//! JUnit XML for CI: one `<testsuite>` per flavor, one `<testcase>` per (test, seed).
//!
//! ```xml
//! <testsuites name="regress" tests="2" failures="1" errors="0" time="0.300">
//!   <testsuite name="smmuv3" tests="2" failures="1" errors="0" skipped="0" time="0.300">
//!     <testcase name="random[seed=12]" classname="smmuv3.random" time="0.150">
//!       <properties>
//!         <property name="flavor" value="smmuv3"/> <property name="test" value="random"/>
//!         <property name="seed" value="12"/> <property name="cycles" value="4096"/>
//!         <property name="rule" value="SMMU-PRIQ-7"/>
//!       </properties>
//!       <failure message="[SMMU-PRIQ-7] first line" type="SMMU-PRIQ-7">report + replay command</failure>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! A run whose status is "pass" passes, "fail" is a `<failure>`, any other status (a run that
//! could not be judged: crash, build error, timeout) is an `<error>`. Test cases are sorted by
//! (test, seed) and suites by flavor, so the file does not depend on the order runs finished in.

use crate::report::input::RunSummary;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// Escape text for XML content and double- or single-quoted attributes. Characters XML 1.0
/// cannot carry at all (most C0 controls) become U+FFFD.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// Attribute values: also keep newlines and tabs (which parsers normalise to spaces) as
/// character references.
fn attr(s: &str) -> String {
    xml_escape(s).replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
}

fn secs(s: f64) -> String {
    if s.is_finite() && s > 0.0 {
        format!("{s:.3}")
    } else {
        "0.000".to_string()
    }
}

fn counts(runs: &[&RunSummary]) -> (usize, usize, usize, f64) {
    let failures = runs.iter().filter(|r| r.status == "fail").count();
    let errors = runs.iter().filter(|r| r.status != "pass" && r.status != "fail").count();
    let time = runs.iter().map(|r| if r.wall_s.is_finite() && r.wall_s > 0.0 { r.wall_s } else { 0.0 }).sum();
    (runs.len(), failures, errors, time)
}

/// The JUnit XML document for `runs`.
pub fn render_junit(suite_name: &str, runs: &[RunSummary]) -> String {
    let mut by_flavor: BTreeMap<&str, Vec<&RunSummary>> = BTreeMap::new();
    for r in runs {
        by_flavor.entry(r.flavor.as_str()).or_default().push(r);
    }
    let all: Vec<&RunSummary> = runs.iter().collect();
    let (tests, failures, errors, time) = counts(&all);
    let mut x = String::with_capacity(512 + runs.len() * 512);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{}\">",
        attr(suite_name),
        secs(time)
    );
    for (flavor, mut list) in by_flavor {
        list.sort_by(|a, b| (&a.test, &a.config, a.seed).cmp(&(&b.test, &b.config, b.seed)));
        let (tests, failures, errors, time) = counts(&list);
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{}\">",
            attr(flavor),
            secs(time)
        );
        for r in list {
            testcase(&mut x, r);
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

fn testcase(x: &mut String, r: &RunSummary) {
    let _ = writeln!(
        x,
        "    <testcase name=\"{}[seed={}]\" classname=\"{}.{}\" time=\"{}\">",
        attr(&r.label()),
        r.seed,
        attr(&r.flavor),
        attr(&r.label()),
        secs(r.wall_s)
    );
    x.push_str("      <properties>\n");
    let mut prop = |name: &str, value: &str| {
        let _ = writeln!(x, "        <property name=\"{name}\" value=\"{}\"/>", attr(value));
    };
    prop("flavor", &r.flavor);
    prop("test", &r.test);
    prop("config", &r.config);
    prop("seed", &r.seed.to_string());
    prop("cycles", &r.cycles.to_string());
    if let Some(rule) = &r.rule {
        prop("rule", rule);
    }
    if !r.replay.is_empty() {
        prop("replay", &r.replay);
    }
    x.push_str("      </properties>\n");
    if r.status != "pass" {
        let tag = if r.status == "fail" { "failure" } else { "error" };
        let first = r.failure.as_deref().unwrap_or(if tag == "failure" { "failed" } else { r.status.as_str() });
        let first = first.lines().next().unwrap_or("");
        let message = match &r.rule {
            Some(rule) => format!("[{rule}] {first}"),
            None => first.to_string(),
        };
        let mut body = String::new();
        if let Some(rule) = &r.rule {
            let _ = writeln!(body, "rule: {rule}");
        }
        let _ = writeln!(body, "status: {}", r.status);
        match (&r.report, &r.failure) {
            (Some(full), _) => {
                let _ = writeln!(body, "{}", full.trim_end());
            }
            (None, Some(first)) => {
                let _ = writeln!(body, "{first}");
            }
            (None, None) => {}
        }
        if !r.replay.is_empty() {
            let _ = writeln!(body, "replay: {}", r.replay);
        }
        let _ = writeln!(
            x,
            "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
            attr(&message),
            attr(r.rule.as_deref().unwrap_or(&r.status)),
            xml_escape(body.trim_end())
        );
    }
    x.push_str("    </testcase>\n");
}

/// Write the JUnit XML for `runs` to `path`, atomically (temporary file, then rename).
pub fn write_junit(path: &Path, suite_name: &str, runs: &[RunSummary]) -> std::io::Result<()> {
    crate::report::write_atomic(path, render_junit(suite_name, runs).as_bytes())
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot write JUnit file {}: {e}", path.display())))
}
