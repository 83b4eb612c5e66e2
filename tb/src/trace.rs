//! JSON-lines transaction trace (schema: `docs/trace.md`) and a bounded ring of the most recent
//! transactions for failure reports.
//!
//! One [`Stamped`] per line, e.g. `{"cycle":12,"kind":"page_request","msg":{...}}`.

use crate::txn::Stamped;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Buffered JSON-lines writer. Flushes on [`TraceWriter::finish`] and, best effort, on drop.
pub struct TraceWriter {
    out: Option<BufWriter<File>>,
    path: PathBuf,
    lines: u64,
}

impl TraceWriter {
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::create(&path).with_context(|| format!("cannot create trace file {}", path.display()))?;
        Ok(TraceWriter { out: Some(BufWriter::with_capacity(1 << 16, file)), path, lines: 0 })
    }

    /// Append one transaction (one line).
    pub fn write(&mut self, t: &Stamped) -> Result<()> {
        let out = self.out.as_mut().with_context(|| format!("trace {} already finished", self.path.display()))?;
        serde_json::to_writer(&mut *out, t)
            .and_then(|()| out.write_all(b"\n").map_err(serde_json::Error::io))
            .with_context(|| format!("cannot write trace {}", self.path.display()))?;
        self.lines += 1;
        Ok(())
    }

    /// Number of transactions written.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Flush and close. Later writes fail.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(mut out) = self.out.take() {
            out.flush().with_context(|| format!("cannot write trace {}", self.path.display()))?;
        }
        Ok(())
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        if let Some(out) = self.out.as_mut() {
            let _ = out.flush();
        }
    }
}

/// Read a whole trace. Blank lines are skipped; a malformed line gives a one-line error naming
/// the file and the line number.
pub fn read_trace(path: impl AsRef<Path>) -> Result<Vec<Stamped>> {
    let path = path.as_ref();
    let file = File::open(path).with_context(|| format!("cannot open trace {}", path.display()))?;
    let mut v = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}: cannot read", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let t: Stamped =
            serde_json::from_str(&line).map_err(|e| anyhow::anyhow!("{}:{}: malformed trace line: {e}", path.display(), i + 1))?;
        v.push(t);
    }
    Ok(v)
}

/// A bounded ring of the last `capacity` items: storage is allocated once, `push` never
/// allocates and overwrites the oldest item when full.
#[derive(Clone, Debug)]
pub struct Ring<T: Copy> {
    buf: Vec<T>,
    cap: usize,
    /// Index of the oldest item once the ring is full.
    head: usize,
}

impl<T: Copy> Ring<T> {
    /// A ring keeping the last `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        let cap = capacity.max(1);
        Ring { buf: Vec::with_capacity(cap), cap, head: 0 }
    }

    #[inline]
    pub fn push(&mut self, t: T) {
        if self.buf.len() < self.cap {
            self.buf.push(t);
        } else {
            self.buf[self.head] = t;
            self.head += 1;
            if self.head == self.cap {
                self.head = 0;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn clear(&mut self) {
        self.buf.clear();
        self.head = 0;
    }

    /// Oldest to newest.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        let (newer, older) = self.buf.split_at(self.head);
        older.iter().chain(newer.iter())
    }
}

/// The last N transactions, for the "recent transactions" section of a failure report.
pub type RecentTxns = Ring<Stamped>;

impl Ring<Stamped> {
    /// One transaction per line, oldest first, as JSON (the trace format).
    pub fn render(&self) -> String {
        let mut s = String::new();
        for t in self.iter() {
            s.push_str(&serde_json::to_string(t).unwrap_or_else(|e| format!("<{e}>")));
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_last_n_in_order() {
        let mut r = Ring::new(3);
        for i in 0..2 {
            r.push(i);
        }
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![0, 1]);
        for i in 2..7 {
            r.push(i);
        }
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![4, 5, 6]);
        assert_eq!(r.iter().next_back(), Some(&6));
        let p = r.buf.as_ptr();
        r.push(7);
        assert_eq!(p, r.buf.as_ptr(), "push must not reallocate");
    }
}
