//! The report as Markdown tables (GitHub-flavoured): the same content as the HTML file, for CI
//! job summaries and review threads. Identifiers and commands are code spans; other text is
//! escaped so input can neither break a table nor inject markup.

use super::gates::GateOutcome;
use super::input::ReportInput;
use super::view::{self, View};
use super::waivers::{HoleKind, RuleStatus, WaiverOutcome, WaiverState};
use super::MAX_LISTED;
use std::fmt::Write;

/// Escape text for a Markdown table cell.
pub fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!' => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' | '\t' => o.push(' '),
            c if c.is_control() => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// A code span for a table cell: pipes escaped (GFM reads `\|` inside spans too), the fence
/// longer than any run of backticks in the text.
pub fn code(s: &str) -> String {
    let body: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' || c == '\t' { ' ' } else if c.is_control() { '\u{FFFD}' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    if body.is_empty() {
        return String::new();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Render the report as Markdown. `date` is shown as the report date.
pub fn render_markdown(
    input: &ReportInput,
    waivers: &WaiverOutcome,
    gates: &GateOutcome,
    date: &str,
) -> String {
    let v = View::new(input, waivers);
    let w = waivers;
    let mut m = String::with_capacity(32 * 1024);
    let tool = if input.tool.is_empty() { "iommu-tb" } else { input.tool.as_str() };

    // Header.
    let _ = writeln!(m, "# {} sign-off report\n", md(tool));
    m.push_str("| | |\n|---|---|\n");
    let _ = writeln!(m, "| Tool | {} {} |", md(tool), md(&input.tool_version));
    let _ = writeln!(m, "| Verilator | {} |", md(&input.verilator));
    let _ = writeln!(m, "| Date | {} |", md(date));
    let _ = writeln!(m, "| Waiver file | {} |", w.file.as_deref().map(code).unwrap_or_else(|| "none".into()));
    m.push_str("\n### RTL builds\n\n");
    if input.rtl.is_empty() {
        m.push_str("No RTL build recorded.\n");
    } else {
        m.push_str("| Flavor | Top | Build hash |\n|---|---|---|\n");
        for b in &input.rtl {
            let _ = writeln!(m, "| {} | {} | {} |", md(&b.flavor), md(&b.top), code(&b.hash));
        }
    }

    // Verdict.
    let _ = writeln!(m, "\n## Verdict: {}\n", if gates.passed { "PASS" } else { "FAIL" });
    if gates.results.is_empty() {
        m.push_str("No gates configured.\n");
    } else {
        m.push_str("| Gate | Value | Threshold | Result | Detail |\n|---|--:|--:|---|---|\n");
        for r in &gates.results {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} |",
                code(&r.gate),
                md(&view::gate_value(r)),
                md(&view::gate_threshold(r)),
                if r.ok { "pass" } else { "**FAIL**" },
                md(&r.detail)
            );
        }
    }

    // Pass rate.
    let _ = writeln!(
        m,
        "\n## Pass rate\n\n**{}** of {} runs passed ({}) over {} tests x seeds.\n",
        v.passed,
        v.runs,
        view::pct(v.passed, v.runs),
        v.tests.len()
    );
    if !v.tests.is_empty() {
        m.push_str("| Flavor | Test | Runs | Passed | Failed | Cycles | Cycles/s |\n|---|---|--:|--:|--:|--:|--:|\n");
        for t in &v.tests {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md(&t.flavor),
                md(&t.test),
                t.runs,
                t.passed,
                t.failed,
                t.cycles,
                view::rate(t.cycles, t.wall_s)
            );
        }
    }

    // Failures.
    m.push_str("\n## Failures\n\n");
    if v.failures.is_empty() {
        m.push_str("No failures.\n");
    } else {
        m.push_str("| Flavor | Test | Seed | Status | Rule | Failure | Replay |\n|---|---|--:|---|---|---|---|\n");
        for r in &v.failures {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md(&r.flavor),
                md(&r.test),
                r.seed,
                md(&r.status),
                r.rule.as_deref().map(code).unwrap_or_else(|| "-".into()),
                md(r.failure.as_deref().unwrap_or("")),
                code(&r.replay)
            );
        }
    }

    // Coverage at a glance.
    m.push_str("\n## Coverage at a glance\n\n| Family / metric | Hit | Waived | Total | Coverage |\n|---|--:|--:|--:|--:|\n");
    for b in &v.families {
        let _ = writeln!(m, "| functional {} | {} | {} | {} | {} |", code(&b.label), b.hit, b.waived, b.total, view::pct(b.hit, b.total));
    }
    if v.families.is_empty() {
        m.push_str("| functional: no data | | | | |\n");
    }
    for b in &v.metrics {
        let _ = writeln!(m, "| code {} | {} | {} | {} | {} |", md(&b.label), b.hit, b.waived, b.total, view::pct(b.hit, b.total));
    }
    if input.code.is_none() {
        m.push_str("| code: no data | | | | |\n");
    }

    // Functional coverage.
    m.push_str("\n## Functional coverage by rule\n\n");
    if !input.functional.groups.is_empty() {
        m.push_str("| Group | Coverage | Goal | Result |\n|---|--:|--:|---|\n");
        for g in &input.functional.groups {
            let ok = g.percent + 1e-9 >= g.goal;
            let _ = writeln!(m, "| {} | {:.1}% | {:.1}% | {} |", md(&g.name), g.percent, g.goal, if ok { "met" } else { "**below goal**" });
        }
        m.push('\n');
    }
    let applicable: Vec<_> = input.functional.rules.iter().filter(|r| r.applicable).collect();
    if applicable.is_empty() {
        m.push_str("No applicable rules: no functional coverage data.\n");
    } else {
        m.push_str("| Rule | Summary | Bins hit | Coverage | Status | Holes |\n|---|---|--:|--:|---|---|\n");
        for r in applicable {
            let status = match w.verdict(&r.rule).map(|x| x.status).unwrap_or(RuleStatus::Open) {
                RuleStatus::Covered => "covered",
                RuleStatus::Waived => "waived",
                RuleStatus::Open => "**open**",
            };
            let mut holes: Vec<String> = r
                .holes
                .iter()
                .map(|b| {
                    let waived = w.waiver_of(HoleKind::Bin, b).is_some()
                        || w.waiver_of(HoleKind::Rule, &r.rule).is_some();
                    if waived { format!("{} (waived)", code(b)) } else { code(b) }
                })
                .collect();
            if r.bins_total == 0 {
                holes.push("no bins".into());
            }
            let _ = writeln!(
                m,
                "| {} | {} | {}/{} | {} | {} | {} |",
                code(&r.rule),
                md(&r.summary),
                r.bins_hit,
                r.bins_total,
                view::pct(r.bins_hit as u64, r.bins_total as u64),
                status,
                holes.join(", ")
            );
        }
    }
    let na: Vec<_> = input.functional.rules.iter().filter(|r| !r.applicable).collect();
    let _ = writeln!(m, "\n### Not applicable rules ({})\n", na.len());
    m.push_str("No landed flavor implements these; they are not counted as holes.\n");
    if !na.is_empty() {
        m.push_str("\n| Rule | Summary |\n|---|---|\n");
        for r in na {
            let _ = writeln!(m, "| {} | {} |", code(&r.rule), md(&r.summary));
        }
    }

    // Code coverage.
    m.push_str("\n## Code coverage\n\n");
    match &input.code {
        None => m.push_str("No code coverage data (the regression did not run the coverage build).\n"),
        Some(c) => {
            m.push_str("| Metric | Covered | Total | Coverage | Waived |\n|---|--:|--:|--:|--:|\n");
            for b in &v.metrics {
                let _ = writeln!(m, "| {} | {} | {} | {} | {} |", md(&b.label), b.hit, b.total, view::pct(b.hit, b.total), b.waived);
            }
            m.push_str("\n### By file\n\n");
            if c.files.is_empty() {
                m.push_str("No per-file data.\n");
            } else {
                m.push_str("| File |");
                for k in &v.file_metrics {
                    let _ = write!(m, " {} |", md(k));
                }
                m.push_str("\n|---|");
                for _ in &v.file_metrics {
                    m.push_str("--:|");
                }
                m.push('\n');
                for f in &c.files {
                    let _ = write!(m, "| {} |", code(&f.path));
                    for k in &v.file_metrics {
                        match f.metrics.get(k) {
                            Some((a, t)) => {
                                let _ = write!(m, " {a}/{t} ({}) |", view::pct(*a, *t));
                            }
                            None => m.push_str(" - |"),
                        }
                    }
                    m.push('\n');
                }
            }
        }
    }

    // Holes.
    m.push_str("\n## Holes\n\n");
    if w.open.is_empty() {
        m.push_str("No open holes.\n");
    }
    for (kind, title) in [
        (HoleKind::Rule, "Rules not fully covered"),
        (HoleKind::Bin, "Functional bins"),
        (HoleKind::Code, "Code points"),
    ] {
        let items: Vec<&str> = w.open.iter().filter(|x| x.kind == kind).map(|x| x.name.as_str()).collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(m, "### {title} ({})\n", items.len());
        for s in items.iter().take(MAX_LISTED) {
            let _ = writeln!(m, "- {}", code(s));
        }
        if items.len() > MAX_LISTED {
            let _ = writeln!(m, "- ... and {} more (all in coverage.json)", items.len() - MAX_LISTED);
        }
        m.push('\n');
    }

    // Waivers.
    m.push_str("\n## Waivers\n\n");
    if w.waivers.is_empty() {
        m.push_str("No waivers.\n");
        return m;
    }
    for (state, title, note) in [
        (WaiverState::Applied, "Waivers applied", ""),
        (WaiverState::Stale, "Stale waivers", "These waivers match no hole: the hole was closed or renamed. Remove or fix them.\n\n"),
        (WaiverState::Expired, "Expired waivers", "These waivers are past their date and waive nothing.\n\n"),
    ] {
        let rows: Vec<_> = w.waivers.iter().filter(|u| u.state == state).collect();
        let _ = writeln!(m, "### {title} ({})\n", rows.len());
        if rows.is_empty() {
            m.push_str("None.\n\n");
            continue;
        }
        m.push_str(note);
        m.push_str("| Pattern | Reason | Owner | Expires | Holes matched |\n|---|---|---|---|--:|\n");
        for u in rows {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} |",
                code(&u.waiver.pattern),
                md(&u.waiver.reason),
                md(&u.waiver.owner),
                md(u.waiver.expires.as_deref().unwrap_or("-")),
                u.matched
            );
        }
        m.push('\n');
    }
    let _ = writeln!(m, "### Waived holes ({})\n", w.waived.len());
    if !w.waived.is_empty() {
        m.push_str("| Kind | Hole | Waiver | Reason | Owner |\n|---|---|---|---|---|\n");
        for x in w.waived.iter().take(MAX_LISTED) {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} |",
                x.kind.label(),
                code(&x.name),
                code(&x.pattern),
                md(&x.reason),
                md(&x.owner)
            );
        }
        if w.waived.len() > MAX_LISTED {
            let _ = writeln!(m, "\n... and {} more (all in coverage.json).", w.waived.len() - MAX_LISTED);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(md("a|b<c>"), "a\\|b\\<c\\>");
        assert_eq!(md("x\ny"), "x y");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
    }
}
