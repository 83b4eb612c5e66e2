//! Sign-off report: the data it is made of (`input`), waivers, gates, the report as one
//! document (`sections` builds a `doc::Doc`) and its renderings (`report.md`, `report.html`,
//! `coverage.json`). See docs/report.md.

mod chart;
pub mod doc;
pub mod gates;
pub mod html;
pub mod input;
pub mod markdown;
pub mod sections;
mod view;
pub mod waivers;

pub use gates::{default_gates, evaluate, parse_gates, Gate, GateError, GateOutcome, GateResult};
pub use waivers::{apply_waivers, load_waivers, Waiver, WaiverError, WaiverOutcome};

use input::ReportInput;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Longest list of holes (or waived holes) the HTML and Markdown files spell out; coverage.json
/// always has all of them.
pub const MAX_LISTED: usize = 2000;

/// `coverage.json`: the report input (its fields at the top level, so the file also reads as a
/// [`ReportInput`]) plus the date, the waiver outcome and the gate outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CoverageJson {
    #[serde(flatten)]
    pub input: ReportInput,
    pub date: String,
    pub waivers: WaiverOutcome,
    pub gates: GateOutcome,
}

/// A report that cannot be made; every message is one line naming the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Waivers(#[from] WaiverError),
    #[error("bad report date '{0}': waivers with an expiry date need a report date starting YYYY-MM-DD")]
    BadDate(String),
    #[error("cannot create report directory {}: {source}", path.display())]
    Dir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot encode coverage.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// The three renderings of a report, in memory.
pub struct Rendered {
    pub waivers: WaiverOutcome,
    pub gates: GateOutcome,
    pub html: String,
    pub markdown: String,
    pub json: String,
}

/// Apply the waivers, judge the gates and render everything, without touching the disk.
pub fn render(
    input: &ReportInput,
    waivers: &[Waiver],
    waiver_file: Option<&Path>,
    gates: &[Gate],
    date: &str,
) -> Result<Rendered, ReportError> {
    if waivers.iter().any(|w| w.expires.is_some()) && waivers::report_day(date).is_none() {
        return Err(ReportError::BadDate(date.to_string()));
    }
    let w = apply_waivers(input, waivers, date, waiver_file);
    let g = evaluate(input, &w, gates);
    let doc = sections::build(input, &w, &g, date);
    let html = html::render(&doc);
    let markdown = markdown::render(&doc);
    let doc = CoverageJson { input: input.clone(), date: date.to_string(), waivers: w.clone(), gates: g.clone() };
    let mut json = serde_json::to_string_pretty(&doc)?;
    json.push('\n');
    Ok(Rendered { waivers: w, gates: g, html, markdown, json })
}

/// Write `report.html`, `report.md` and `coverage.json` into `dir` (created if missing) and
/// return the gate outcome. `waivers` is the waiver file, if any; `date` is the report date
/// (shown, and the day waiver expiry is judged by). Every file is written atomically: a
/// failure leaves each file either as it was or complete, never half-written, and removes no
/// earlier file. Everything is rendered before the first file is written, so a bad waiver file
/// or date writes nothing.
pub fn write_report(
    dir: &Path,
    input: &ReportInput,
    waivers: Option<&Path>,
    gates: &[Gate],
    date: &str,
) -> Result<GateOutcome, ReportError> {
    let list = match waivers {
        Some(p) => load_waivers(p)?,
        None => Vec::new(),
    };
    let r = render(input, &list, waivers, gates, date)?;
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Dir { path: dir.to_path_buf(), source })?;
    for (name, text) in [("report.html", &r.html), ("report.md", &r.markdown), ("coverage.json", &r.json)] {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes()).map_err(|source| ReportError::Write { path, source })?;
    }
    Ok(r.gates)
}

/// Atomic file writes (temporary file, sync, rename), shared by every writer of the project.
pub use sim::fsutil::write_atomic;
