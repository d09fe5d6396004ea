//! Markdown chunking: one segment per heading section, labelled with the heading
//! breadcrumb (`Routing > Nesting`). Headings inside fenced code do not count.

use std::ops::Range;

use super::{LineIndex, Segment, Split};
use crate::lang::Kind;

/// A heading found at a line: its level (1-6) and title.
fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let level = trimmed.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let title = rest.trim().trim_end_matches('#').trim_end();
    Some((level, title))
}

/// A setext underline: `===` makes level 1, `---` level 2.
fn setext_level(line: &str) -> Option<usize> {
    let t = line.trim();
    if t.len() >= 2 && t.bytes().all(|b| b == b'=') {
        Some(1)
    } else if t.len() >= 2 && t.bytes().all(|b| b == b'-') {
        Some(2)
    } else {
        None
    }
}

/// The fence marker opening or closing a fenced code block: (char, run length).
fn fence(line: &str) -> Option<(u8, usize)> {
    let t = line.trim_start();
    let first = *t.as_bytes().first()?;
    if first != b'`' && first != b'~' {
        return None;
    }
    let run = t.bytes().take_while(|&b| b == first).count();
    (run >= 3).then_some((first, run))
}

fn clean_title(title: &str) -> String {
    title.replace('`', "").trim().to_string()
}

/// Segments the lines in `range` by heading. `strip` removes a per-line prefix
/// first (a Rust doc comment's `//!`).
pub(crate) fn segments(
    lines: &LineIndex,
    range: Range<usize>,
    kind: Kind,
    strip: fn(&str) -> &str,
) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut section_start = range.start;
    let mut heading: Option<String> = None;
    let mut open_fence: Option<(u8, usize)> = None;
    let mut i = range.start;
    // YAML front matter belongs to the first section.
    if i == 0 && range.end > 1 && strip(lines.line(0)).trim_end() == "---" {
        i = (1..range.end)
            .find(|&j| strip(lines.line(j)).trim_end() == "---")
            .map_or(range.start, |j| j + 1);
    }
    let mut previous_blank = true;
    while i < range.end {
        let line = strip(lines.line(i));
        if let Some((c, n)) = fence(line) {
            match open_fence {
                None => open_fence = Some((c, n)),
                Some((oc, on)) if oc == c && n >= on && line.trim()[n..].trim().is_empty() => {
                    open_fence = None
                }
                Some(_) => {}
            }
            previous_blank = false;
            i += 1;
            continue;
        }
        if open_fence.is_some() {
            i += 1;
            continue;
        }
        let found = atx_heading(line)
            .map(|(level, title)| (level, clean_title(title)))
            .or_else(|| {
                let next = (i + 1 < range.end).then(|| strip(lines.line(i + 1)))?;
                let level = setext_level(next)?;
                let text = line.trim();
                (previous_blank
                    && !text.is_empty()
                    && atx_heading(line).is_none()
                    && !text.starts_with(['-', '*', '>', '|']))
                .then(|| (level, clean_title(text)))
            });
        if let Some((level, title)) = found {
            if i > section_start {
                out.push(
                    Segment::new(section_start, i - 1, kind, Split::Markdown)
                        .with_heading(heading.clone()),
                );
            }
            section_start = i;
            stack.retain(|(l, _)| *l < level);
            stack.push((level, title));
            let crumbs: Vec<&str> = stack
                .iter()
                .map(|(_, t)| t.as_str())
                .filter(|t| !t.is_empty())
                .collect();
            heading = (!crumbs.is_empty()).then(|| crumbs.join(" > "));
        }
        previous_blank = line.trim().is_empty();
        i += 1;
    }
    if range.end > section_start {
        out.push(
            Segment::new(section_start, range.end - 1, kind, Split::Markdown).with_heading(heading),
        );
    }
    out
}
