//! `report.md`: the report as GitHub-flavoured Markdown, for CI job summaries and review
//! threads. The HTML page is made from this text too (see `html`). Identifiers and commands
//! are code spans; other text is escaped, so input can neither break a table nor inject markup.

use super::doc::{chart_table, printable, Block, Cell, Doc, Inline, Table, Tone};

/// The whole document.
pub fn render(doc: &Doc) -> String {
    doc.blocks.iter().map(block).collect::<Vec<_>>().join("\n")
}

/// One block, ending in a newline (blocks are separated by a blank line).
pub fn block(b: &Block) -> String {
    match b {
        Block::Heading(h) => {
            let verdict = match h.badge {
                Some(passed) => format!(": {}", if passed { "PASS" } else { "FAIL" }),
                None => String::new(),
            };
            format!("{} {}{verdict}\n", "#".repeat(h.level.into()), md(&h.text))
        }
        Block::Paragraph(tone, text) => format!("{}\n", toned(*tone, inlines(text, false))),
        Block::Footer(text) => format!("{}\n", inlines(text, false)),
        Block::Table(t) => table(t),
        Block::Chart(groups) => table(&chart_table(groups)),
        Block::List(items) => items.iter().map(|i| format!("- {}\n", inlines(i, false))).collect(),
        Block::Fold { title, blocks } => {
            let inner = blocks.iter().map(block).collect::<Vec<_>>().join("\n");
            format!("### {}\n\n{inner}", md(title))
        }
    }
}

fn table(t: &Table) -> String {
    let mut m = row(t.columns.iter().map(|c| md(&c.name)));
    let rule: Vec<&str> = t.columns.iter().map(|c| if c.right { "--:" } else { "---" }).collect();
    m += &format!("|{}|\n", rule.join("|"));
    for r in &t.rows {
        m += &row(r.iter().map(cell));
    }
    m
}

fn row(cells: impl Iterator<Item = String>) -> String {
    format!("| {} |\n", cells.collect::<Vec<_>>().join(" | "))
}

/// A cell's text; its detail is left out (a table row is one line).
fn cell(c: &Cell) -> String {
    toned(c.tone, inlines(&c.text, true))
}

/// Markdown has no colours: bad news is bold, the rest plain.
fn toned(tone: Tone, text: String) -> String {
    if tone == Tone::Bad && !text.is_empty() {
        format!("**{text}**")
    } else {
        text
    }
}

fn inlines(text: &[Inline], in_table: bool) -> String {
    text.iter()
        .map(|i| match i {
            Inline::Text(s) => md(s),
            Inline::Code(s) => code(s, in_table),
            Inline::Strong(s) => format!("**{}**", md(s)),
        })
        .collect()
}

/// The text on one line (a table row is one line), every character printable.
fn one_line(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { printable(c) })
}

/// Escape text: every character Markdown (or HTML inside it) could read as markup gets a
/// backslash.
pub fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in one_line(s) {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// A code span: the fence longer than any run of backticks in the text. In a table cell pipes
/// are escaped (GFM reads `\|` inside spans there too); elsewhere the text stays as it is.
pub fn code(s: &str, in_table: bool) -> String {
    let mut body: String = one_line(s).collect();
    if in_table {
        body = body.replace('|', "\\|");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(md("a|b<c>"), "a\\|b\\<c\\>");
        assert_eq!(md("x\ny"), "x y");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a|b", false), "`a|b`");
        assert_eq!(code("a`b", true), "``a`b``");
        assert_eq!(code("`a", true), "`` `a ``");
    }
}
