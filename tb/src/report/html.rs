//! `report.html`: one self-contained page (inline CSS, an inline SVG chart, no scripts, no
//! external resources). Its body is the Markdown of `report.md`, block by block, turned into
//! HTML by pulldown-cmark, which also escapes every text. This module adds what Markdown cannot
//! say: anchors, colours (tones), the verdict badge, folds, folded failure reports and the
//! chart. The page is also well-formed XML, so a strict XML parser reads it: the tests rely on
//! that.

use super::doc::{printable, Block, Cell, Doc, Heading, Tone};
use super::{chart, markdown};
use pulldown_cmark::{html::push_html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

const CSS: &str = "
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em; color: #1d232a; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { border-bottom: 2px solid #d8dee4; padding-bottom: .2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; vertical-align: top; font-variant-numeric: tabular-nums; }
th { background: #f3f5f7; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; background: #f3f5f7; padding: 0 .25em; border-radius: 3px; word-break: break-all; }
.verdict { display: inline-block; font-weight: 700; padding: .1em .7em; border-radius: 6px; color: #fff; }
.pass { background: #1a7f37; }
.fail { background: #cf222e; }
.ok { color: #1a7f37; font-weight: 600; }
.bad { color: #cf222e; font-weight: 600; }
.muted { color: #6e7781; }
ul { columns: 2; margin: .3em 0; }
details { margin: .4em 0; }
summary { cursor: pointer; }
pre { background: #f6f8fa; padding: .5em; overflow-x: auto; max-width: 60em; }
footer { margin-top: 3em; color: #6e7781; font-size: .85em; }
";

/// The page.
pub fn render(doc: &Doc) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
    );
    write(&mut h, [text(&doc.title)]);
    h.push_str("</title>\n<style>");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n");
    for b in &doc.blocks {
        block(&mut h, b);
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn block(h: &mut String, b: &Block) {
    match b {
        Block::Heading(head) => write(h, heading(head)),
        Block::Chart(groups) => write(h, chart::svg(groups)),
        Block::Fold { title, blocks } => {
            h.push_str("<details open=\"open\"><summary>");
            write(h, [text(title)]);
            h.push_str("</summary>\n");
            for b in blocks {
                block(h, b);
            }
            h.push_str("</details>\n");
        }
        _ => {
            let md = markdown::block(b);
            write(h, styled(b, &md));
        }
    }
}

/// Append events as HTML, every character printable.
fn write<'a>(h: &mut String, events: impl IntoIterator<Item = Event<'a>>) {
    push_html(
        h,
        events.into_iter().map(|e| match e {
            Event::Text(s) => Event::Text(s.chars().map(printable).collect::<String>().into()),
            e => e,
        }),
    );
}

fn text(s: &str) -> Event<'_> {
    Event::Text(s.into())
}

fn html<'a>(s: impl Into<CowStr<'a>>) -> Event<'a> {
    Event::Html(s.into())
}

/// A CSS class for a tone; plain text has none.
fn class(tone: Tone) -> Option<&'static str> {
    match tone {
        Tone::Plain => None,
        Tone::Ok => Some("ok"),
        Tone::Bad => Some("bad"),
        Tone::Muted => Some("muted"),
    }
}

/// A heading with its anchor (as `id`) and, for the verdict, a coloured badge.
fn heading(head: &Heading) -> Vec<Event<'_>> {
    let level = HeadingLevel::try_from(head.level as usize).unwrap_or(HeadingLevel::H3);
    let id = head.anchor.as_deref().map(CowStr::from);
    let mut out = vec![Event::Start(Tag::Heading { level, id, classes: vec![], attrs: vec![] }), text(&head.text)];
    if let Some(passed) = head.badge {
        let (class, word) = if passed { ("pass", "PASS") } else { ("fail", "FAIL") };
        out.push(html(format!(" <span class=\"verdict {class}\">{word}</span>")));
    }
    out.push(Event::End(TagEnd::Heading(level)));
    out
}

/// pulldown-cmark's reading of a block's Markdown, with the block's tones and details added.
fn styled<'a>(b: &'a Block, md: &'a str) -> Vec<Event<'a>> {
    // Body cells of a table in reading order, as the parser meets them.
    let mut cells: Box<dyn Iterator<Item = &Cell>> = match b {
        Block::Table(t) => Box::new(t.rows.iter().flatten()),
        _ => Box::new(std::iter::empty()),
    };
    let (open, close) = match b {
        Block::Footer(_) => ("<footer>".to_string(), "</footer>\n"),
        Block::Paragraph(tone, _) => match class(*tone) {
            Some(c) => (format!("<p class=\"{c}\">"), "</p>\n"),
            None => ("<p>".to_string(), "</p>\n"),
        },
        _ => (String::new(), ""),
    };
    let mut in_head = false;
    let mut cell: Option<&Cell> = None;
    let mut out = Vec::new();
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            // The Markdown has no HTML of its own: whatever reads as HTML came from the input
            // and stays text.
            Event::Html(s) | Event::InlineHtml(s) => out.push(Event::Text(s)),
            Event::Start(Tag::Paragraph) => out.push(html(open.clone())),
            Event::End(TagEnd::Paragraph) => out.push(html(close)),
            Event::Start(Tag::TableHead) => {
                in_head = true;
                out.push(e);
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                out.push(e);
            }
            Event::Start(Tag::TableCell) if !in_head => {
                cell = cells.next();
                out.push(e);
                if let Some(c) = cell.and_then(|c| class(c.tone)) {
                    out.push(html(format!("<span class=\"{c}\">")));
                }
            }
            Event::End(TagEnd::TableCell) if !in_head => {
                if cell.and_then(|c| class(c.tone)).is_some() {
                    out.push(html("</span>"));
                }
                if let Some(d) = cell.and_then(|c| c.detail.as_ref()) {
                    out.extend([html("<details><summary>"), text(&d.title), html("</summary><pre>")]);
                    out.extend([text(&d.text), html("</pre></details>")]);
                }
                out.push(e);
            }
            e => out.push(e),
        }
    }
    out
}
