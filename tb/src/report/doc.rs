//! The report as a document: an ordered list of blocks (headings, paragraphs, tables, lists,
//! the coverage chart). `sections` builds it once; `markdown` and `html` render it. Nothing
//! here knows what the report is about, and nothing here is markup: renderers escape all text.

/// How the report judges a paragraph or a table cell. The HTML page colours it; Markdown, which
/// has no colours, shows `Bad` in bold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    #[default]
    Plain,
    Ok,
    Bad,
    Muted,
}

/// A run of text in a paragraph, table cell or list item.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    /// Identifiers, paths and commands: shown literally, in a monospace font.
    Code(String),
    Strong(String),
}

/// A longer text that the HTML page folds out below a table cell (a Markdown table cannot
/// hold several lines, so `report.md` leaves it out).
#[derive(Clone, Debug, PartialEq)]
pub struct Detail {
    pub title: String,
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub text: Vec<Inline>,
    pub tone: Tone,
    pub detail: Option<Detail>,
}

impl Cell {
    pub fn text(s: impl ToString) -> Cell {
        Cell { text: vec![Inline::Text(s.to_string())], ..Cell::default() }
    }

    pub fn code(s: &str) -> Cell {
        Cell { text: vec![Inline::Code(s.to_string())], ..Cell::default() }
    }

    pub fn tone(self, tone: Tone) -> Cell {
        Cell { tone, ..self }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    /// Numbers are right-aligned.
    pub right: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these column names; a name ending in ':' is a right-aligned column of
    /// numbers (as `--:` is in Markdown), the ':' is not shown.
    pub fn new(names: &[&str]) -> Table {
        let columns = names
            .iter()
            .map(|n| match n.strip_suffix(':') {
                Some(name) => Column { name: name.to_string(), right: true },
                None => Column { name: n.to_string(), right: false },
            })
            .collect();
        Table { columns, rows: Vec::new() }
    }

    /// Add a row; it has one cell per column.
    pub fn row(&mut self, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push(cells);
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Heading {
    /// 1 to 3.
    pub level: u8,
    pub text: String,
    /// Fragment name other pages link to (`report.html#failures`); the HTML page only.
    pub anchor: Option<String>,
    /// A PASS (true) or FAIL badge after the text: the verdict.
    pub badge: Option<bool>,
}

/// One bar of the coverage chart: `hit` and `waived` of `total`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub hit: u64,
    pub waived: u64,
    pub total: u64,
}

/// A titled group of bars, e.g. functional coverage by rule family.
#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    pub title: String,
    /// What a bar is a part of ("functional", "code"), before its label in the table form.
    pub kind: String,
    pub bars: Vec<Bar>,
    /// Said instead of bars when there are none.
    pub empty: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(Heading),
    Paragraph(Tone, Vec<Inline>),
    Table(Table),
    List(Vec<Vec<Inline>>),
    /// A titled part the HTML page can fold away (open at first); Markdown gives it a heading.
    Fold {
        title: String,
        blocks: Vec<Block>,
    },
    /// A bar chart in the HTML page, a table in Markdown.
    Chart(Vec<Bars>),
    /// The closing line.
    Footer(Vec<Inline>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    /// The page title (browser tab); the first heading says it to the reader.
    pub title: String,
    pub blocks: Vec<Block>,
}

/// `c`, or U+FFFD for a character XML cannot carry even escaped (the HTML page is also XML):
/// control characters other than tab and line breaks, and the non-characters U+FFFE, U+FFFF.
pub fn printable(c: char) -> char {
    let bad = (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}');
    if bad {
        '\u{FFFD}'
    } else {
        c
    }
}

/// "97.5%" (one decimal), or "-" without a denominator.
pub fn pct(num: u64, den: u64) -> String {
    if den == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", 100.0 * num as f64 / den as f64)
    }
}

/// The chart as a table, for renderings without pictures.
pub fn chart_table(groups: &[Bars]) -> Table {
    let mut t = Table::new(&["Family / metric", "Hit:", "Waived:", "Total:", "Coverage:"]);
    for g in groups {
        if g.bars.is_empty() {
            t.row(vec![Cell::text(&g.empty), Cell::default(), Cell::default(), Cell::default(), Cell::default()]);
        }
        for b in &g.bars {
            let figures = [b.hit.to_string(), b.waived.to_string(), b.total.to_string(), pct(b.hit, b.total)];
            let label = Cell { text: vec![Inline::Text(format!("{} ", g.kind)), Inline::Code(b.label.clone())], ..Cell::default() };
            t.row(std::iter::once(label).chain(figures.into_iter().map(Cell::text)).collect());
        }
    }
    t
}
