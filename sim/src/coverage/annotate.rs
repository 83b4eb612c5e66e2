//! Per-line counts and annotated copies of the sources.
//!
//! # Annotated source format
//!
//! Every source line is copied unchanged after an 8-character prefix:
//!
//! ```text
//!  000010 always_ff @(posedge clk) begin     every point on the line was hit; 10 = most hits
//! ~000010   if (!rst_n) begin                 hit, but some point on the line never was (e.g. a branch)
//! %000000       count <= '0;                  no point on the line was ever hit
//!         // a comment                        no line/branch point on this line
//! ```
//! The number is the largest count of the `line` and `branch` points that
//! stand for the line (their `S` line list plus their own `l`), counts summed
//! over instances first; at least six digits, wider when needed. Toggle,
//! expression, FSM and user points are not shown (see the summary for them).
//! Line numbers of the copy equal those of the source.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::{write_atomic, CoverageError, Dataset, PointId};

/// The line and branch points standing for one source line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineHits {
    /// Largest count among the points (instances summed).
    pub max: u64,
    /// Number of points.
    pub points: u32,
    /// Points with count 0.
    pub unhit: u32,
}

impl LineHits {
    /// Annotation marker: `' '` all hit, `'~'` partly, `'%'` never.
    pub fn marker(&self) -> char {
        if self.max == 0 {
            '%'
        } else if self.unhit > 0 {
            '~'
        } else {
            ' '
        }
    }
}

pub(super) fn line_hits(d: &Dataset) -> BTreeMap<String, BTreeMap<u32, LineHits>> {
    // Sum over instances: identity without `h`.
    let mut located: BTreeMap<String, (&PointId, u64)> = BTreeMap::new();
    for (id, c) in d.iter() {
        let m = id.metric();
        if m != "line" && m != "branch" {
            continue;
        }
        let e = located.entry(id.without_hier()).or_insert((id, 0));
        e.1 = e.1.saturating_add(c);
    }
    let mut out: BTreeMap<String, BTreeMap<u32, LineHits>> = BTreeMap::new();
    for (id, c) in located.into_values() {
        let file = out.entry(id.file()).or_default();
        for l in id.lines() {
            let h = file.entry(l).or_default();
            h.max = h.max.max(c);
            h.points += 1;
            h.unhit += u32::from(c == 0);
        }
    }
    out
}

/// Where [`Dataset::annotate`] finds sources and puts copies.
#[derive(Clone, Debug, Default)]
pub struct AnnotateOptions {
    /// Sources under `root` are written to `<out>/<path relative to root>`,
    /// others to `<out>/<absolute path without its leading />`. Relative `f`
    /// paths are resolved against it (else against the current directory).
    pub root: Option<PathBuf>,
}

/// What [`Dataset::annotate`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotated {
    /// (source file as recorded, annotated copy written).
    pub written: Vec<(String, PathBuf)>,
    /// Source files named in the data that could not be read (skipped).
    pub missing: Vec<String>,
}

impl Dataset {
    /// Write an annotated copy (format: module docs of `annotate.rs`, also
    /// shown on [`LineHits::marker`]) of every source file that has line or
    /// branch points into `out_dir`.
    pub fn annotate(&self, out_dir: &Path, opts: &AnnotateOptions) -> Result<Annotated, CoverageError> {
        let mut res = Annotated::default();
        for (file, lines) in self.line_hits() {
            let src = match &opts.root {
                Some(r) if Path::new(&file).is_relative() => r.join(&file),
                _ => PathBuf::from(&file),
            };
            let Ok(bytes) = std::fs::read(&src) else {
                res.missing.push(file);
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let out = out_dir.join(relative_out(&src, opts.root.as_deref()));
            write_atomic(&out, render(&text, &lines).as_bytes())?;
            res.written.push((file, out));
        }
        Ok(res)
    }
}

/// The annotated text of one source.
fn render(text: &str, lines: &BTreeMap<u32, LineHits>) -> String {
    let mut s = String::with_capacity(text.len() + 8 * (text.lines().count() + 1));
    let body = text.strip_suffix('\n').unwrap_or(text);
    for (i, line) in body.split('\n').enumerate() {
        match lines.get(&(i as u32 + 1)) {
            Some(h) => s.push_str(&format!("{}{:06} ", h.marker(), h.max)),
            None => s.push_str("        "),
        }
        s.push_str(line);
        s.push('\n');
    }
    s
}

/// Output path of `src` below the output dir (never escapes it).
fn relative_out(src: &Path, root: Option<&Path>) -> PathBuf {
    let rel = root.and_then(|r| src.strip_prefix(r).ok()).unwrap_or(src);
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(PathBuf::from(n)),
            Component::ParentDir => Some(PathBuf::from("__")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_marks_lines() {
        let mut l = BTreeMap::new();
        l.insert(1, LineHits { max: 10, points: 1, unhit: 0 });
        l.insert(2, LineHits { max: 10, points: 2, unhit: 1 });
        l.insert(3, LineHits { max: 0, points: 1, unhit: 1 });
        l.insert(9, LineHits { max: 1, points: 1, unhit: 0 });
        assert_eq!(render("a\nb\nc\nd\n", &l), " 000010 a\n~000010 b\n%000000 c\n        d\n");
        assert_eq!(render("x", &BTreeMap::new()), "        x\n");
    }

    #[test]
    fn output_paths_stay_inside() {
        assert_eq!(relative_out(Path::new("/r/a/b.sv"), Some(Path::new("/r"))), PathBuf::from("a/b.sv"));
        assert_eq!(relative_out(Path::new("/x/b.sv"), Some(Path::new("/r"))), PathBuf::from("x/b.sv"));
        assert_eq!(relative_out(Path::new("../b.sv"), None), PathBuf::from("__/b.sv"));
    }
}
