//! lcov tracefile export (for `genhtml` and coverage services).
//!
//! One record per source file that has line or branch points:
//! ```text
//! TN:<test name>
//! SF:<file as recorded by Verilator>
//! DA:<line>,<count>            per line: as LineHits::max (line + branch points, instances summed)
//! LF:<lines>  LH:<lines with count > 0>
//! BRDA:<line>,0,<i>,<count>    per branch point on its line `l`, i = 0.. by column then comment
//! BRF:<branches>  BRH:<branches with count > 0>
//! end_of_record
//! ```
//! Every BRDA line also has a DA line. Toggle, expression, FSM and user
//! points have no lcov equivalent and are not exported (see the summary).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{write_atomic, CoverageError, Dataset};

/// Branch points of one line: (column, comment) -> count.
type Branches = BTreeMap<(u32, String), u64>;

impl Dataset {
    /// The lcov tracefile text (format: see `lcov.rs`); `test_name` goes
    /// into `TN:` (letters, digits and `_` only; others become `_`).
    pub fn to_lcov(&self, test_name: &str) -> String {
        let tn: String = test_name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
        // Branch points per file and line, instances summed.
        let mut branches: BTreeMap<String, BTreeMap<u32, Branches>> = BTreeMap::new();
        for (id, c) in self.iter().filter(|(id, _)| id.metric() == "branch" && id.line() > 0) {
            let e = branches.entry(id.file()).or_default().entry(id.line()).or_default();
            let n = e.entry((id.column(), id.comment())).or_insert(0);
            *n = n.saturating_add(c);
        }
        let mut s = String::new();
        for (file, lines) in self.line_hits() {
            let _ = writeln!(s, "TN:{tn}\nSF:{file}");
            for (l, h) in &lines {
                let _ = writeln!(s, "DA:{l},{}", h.max);
            }
            let hit = lines.values().filter(|h| h.max > 0).count();
            let _ = writeln!(s, "LF:{}\nLH:{hit}", lines.len());
            let (mut brf, mut brh) = (0, 0);
            for (l, points) in branches.get(&file).into_iter().flatten() {
                for (i, c) in points.values().enumerate() {
                    let _ = writeln!(s, "BRDA:{l},0,{i},{c}");
                    brf += 1;
                    brh += usize::from(*c > 0);
                }
            }
            let _ = writeln!(s, "BRF:{brf}\nBRH:{brh}\nend_of_record");
        }
        s
    }

    /// Write [`Dataset::to_lcov`] to `path`.
    pub fn write_lcov(&self, path: &Path, test_name: &str) -> Result<(), CoverageError> {
        write_atomic(path, self.to_lcov(test_name).as_bytes())
    }
}
