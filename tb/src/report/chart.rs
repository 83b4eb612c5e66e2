//! The coverage chart of the HTML page: an inline SVG with one bar per rule family or code
//! metric (green: hit, grey: waived, pale red: open) and its figures beside it.

use super::doc::{pct, Bar, Bars};
use pulldown_cmark::Event;

const LABEL_W: u32 = 170;
const BAR_W: u32 = 420;
const ROW: u32 = 22;

/// The chart as HTML events: the drawing as raw HTML, every label as text, so the writer
/// escapes labels like all other text of the page.
pub fn svg(groups: &[Bars]) -> Vec<Event<'static>> {
    let mut body = Vec::new();
    let mut y = 0;
    for g in groups {
        element(&mut body, "text", &format!(" x=\"0\" y=\"{}\" class=\"h\"", y + 16), &g.title);
        y += ROW + 2;
        if g.bars.is_empty() {
            element(&mut body, "text", &format!(" x=\"{LABEL_W}\" y=\"{}\" class=\"m\"", y + 15), &g.empty);
            y += ROW;
        }
        for b in &g.bars {
            bar(&mut body, b, y);
            y += ROW;
        }
        y += 8;
    }
    let width = LABEL_W + BAR_W + 130;
    let mut out = vec![Event::Html(
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{y}\" viewBox=\"0 0 {width} {y}\" \
             role=\"img\" aria-label=\"coverage chart\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <style>.h {{ font-weight: bold; font-size: 13px; }} .m {{ fill: #6e7781; }}</style>\n"
        )
        .into(),
    )];
    out.extend(body);
    out.push(Event::Html("</svg>\n".into()));
    out
}

/// `<tag attrs>text</tag>`.
fn element(out: &mut Vec<Event<'static>>, tag: &str, attrs: &str, text: &str) {
    out.push(Event::Html(format!("<{tag}{attrs}>").into()));
    out.push(Event::Text(text.to_string().into()));
    out.push(Event::Html(format!("</{tag}>").into()));
}

fn bar(out: &mut Vec<Event<'static>>, b: &Bar, y: u32) {
    let total = b.total.max(1) as f64;
    let width = |n: u64| (BAR_W as f64 * n.min(b.total) as f64 / total).round() as u32;
    let hit_w = width(b.hit);
    let waived_w = width(b.hit + b.waived) - hit_w;
    let tip = format!("{}: {} of {} hit, {} waived", b.label, b.hit, b.total, b.waived);
    out.push(Event::Html("<g>".into()));
    element(out, "title", "", &tip);
    element(out, "text", &format!(" x=\"{}\" y=\"{}\" text-anchor=\"end\"", LABEL_W - 8, y + 13), &b.label);
    out.push(Event::Html(
        format!(
            "<rect x=\"{LABEL_W}\" y=\"{top}\" width=\"{BAR_W}\" height=\"16\" fill=\"#f5d5d5\"/>\
             <rect x=\"{LABEL_W}\" y=\"{top}\" width=\"{hit_w}\" height=\"16\" fill=\"#2da44e\"/>\
             <rect x=\"{}\" y=\"{top}\" width=\"{waived_w}\" height=\"16\" fill=\"#afb8c1\"/>\
             <text x=\"{}\" y=\"{}\">{} ({}/{})</text></g>\n",
            LABEL_W + hit_w,
            LABEL_W + BAR_W + 8,
            y + 13,
            pct(b.hit, b.total),
            b.hit,
            b.total,
            top = y + 1,
        )
        .into(),
    ));
}
