//! Plain-text chunking: paragraphs (runs of non-blank lines), merged and split
//! by the common machinery. TOML tables (`[server]`) label what follows them.

use super::{LineIndex, Segment, Split};
use crate::lang::Lang;

pub(crate) fn segments(lines: &LineIndex, lang: Lang) -> Vec<Segment> {
    let kind = lang.kind();
    let mut out = Vec::new();
    let mut table: Option<String> = None;
    let mut start: Option<usize> = None;
    for i in 0..lines.len() {
        let line = lines.line(i).trim();
        if lang == Lang::Toml && line.starts_with('[') && line.ends_with(']') {
            if let Some(s) = start.take() {
                out.push(Segment::new(s, i - 1, kind, Split::Text).with_heading(table.clone()));
            }
            table = Some(line.trim_matches(['[', ']']).trim().to_string());
        }
        match (line.is_empty(), start) {
            (true, Some(s)) => {
                out.push(Segment::new(s, i - 1, kind, Split::Text).with_heading(table.clone()));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Segment::new(s, lines.len() - 1, kind, Split::Text).with_heading(table));
    }
    out
}
