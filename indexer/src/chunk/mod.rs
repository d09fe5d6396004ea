//! Chunking: a file's text in, passages with line ranges and context out.
//!
//! Each chunker (code by syntax tree, Markdown by heading, plain text by paragraph)
//! produces [`Segment`]s: line ranges labelled with a symbol path or a heading
//! breadcrumb. This module merges tiny neighbours, splits long segments with
//! text-splitter (every piece keeps its label), and renders the final [`Chunk`]s.
//! Chunking never fails: trouble becomes a warning and a plainer chunking.

mod code;
mod markdown;
mod text;

use std::ops::Range;

use text_splitter::{CodeSplitter, MarkdownSplitter, TextSplitter};

use crate::lang::{Kind, Lang};

/// A line longer than this is split as plain text wherever it lands.
pub const MAX_CODE_LINE_BYTES: usize = 4_000;

/// Whether a code file looks generated or minified (its long lines hold most of
/// its bytes, or one line is enormous): such files are chunked as plain text
/// rather than by syntax tree. Returns the longest line and its length.
fn minified(lines: &LineIndex) -> Option<(usize, usize)> {
    let mut long_bytes = 0;
    let mut longest = (0, 0);
    for i in 0..lines.len() {
        let len = lines.byte_len(i, i);
        if len > MAX_CODE_LINE_BYTES {
            long_bytes += len;
        }
        if len > longest.1 {
            longest = (i, len);
        }
    }
    (longest.1 > 8 * MAX_CODE_LINE_BYTES || long_bytes * 2 > lines.text.len()).then_some(longest)
}

/// Chunk size limits, in bytes of source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkOptions {
    /// A segment longer than this is split into pieces.
    pub max_bytes: usize,
    /// Adjacent segments are merged while their combined size stays under this.
    pub merge_bytes: usize,
    /// Segments and split pieces smaller than this (an `impl` line, a lone
    /// attribute) join their neighbour even past the budgets.
    pub sliver_bytes: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions {
            max_bytes: 1_800,
            merge_bytes: 900,
            sliver_bytes: 160,
        }
    }
}

/// One retrievable passage of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub lang: Lang,
    pub kind: Kind,
    /// Symbol path of a code chunk, e.g. `impl<S> Router<S> > fn nest`.
    pub symbol: Option<String>,
    /// Heading breadcrumb of a doc chunk, e.g. `Routing > Nesting`.
    pub heading: Option<String>,
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, 1-based, inclusive.
    pub end_line: u32,
    /// One-line context shown above the passage: `path · symbol (part 2/3)`.
    pub header: String,
    /// The passage: the file's text from `start_line` to `end_line`.
    pub text: String,
}

/// The chunks of one file and what went wrong making them.
#[derive(Debug, Default)]
pub struct Chunked {
    pub chunks: Vec<Chunk>,
    pub warnings: Vec<String>,
    /// What a code file is about, from its module doc or leading comment
    /// (`Column oriented field storage for tantivy.`); searched with every chunk.
    pub summary: Option<String>,
}

/// Longest file summary, in bytes.
pub const MAX_SUMMARY_BYTES: usize = 300;

/// Chunks one file. `path` is the root-relative path used in headers.
pub fn chunk_file(path: &str, lang: Lang, text: &str, options: &ChunkOptions) -> Chunked {
    let lines = LineIndex::new(text);
    let mut warnings = Vec::new();
    let segments = match lang {
        Lang::Markdown => markdown::segments(&lines, 0..lines.len(), Kind::Doc, |l| l),
        Lang::Text | Lang::Toml | Lang::Yaml | Lang::Json => text::segments(&lines, lang),
        _ => match minified(&lines) {
            Some((line, len)) => {
                warnings.push(format!(
                    "line {} is {len} bytes long (generated or minified?); indexed as plain text",
                    line + 1
                ));
                text::segments(&lines, lang)
            }
            _ => code::segments(path, lang, &lines, options.max_bytes, &mut warnings),
        },
    };
    let summary = (lang.kind() == Kind::Code)
        .then(|| summary(lang, &lines, &segments))
        .flatten();
    let segments = merge(segments, &lines, options);
    let mut chunks = Vec::with_capacity(segments.len());
    for segment in &segments {
        render(path, lang, &lines, segment, options, &mut chunks);
    }
    Chunked {
        chunks,
        warnings,
        summary,
    }
}

/// The opening of a code file's first doc segment, as prose.
fn summary(lang: Lang, lines: &LineIndex, segments: &[Segment]) -> Option<String> {
    let doc = segments.iter().find(|s| s.kind == Kind::Doc)?;
    let range = lines.byte_range(doc.start, doc.end);
    let prose = crate::prose::extract(lang, Kind::Code, &lines.text[range]);
    let prose = prose.trim();
    if prose.is_empty() {
        return None;
    }
    let mut cut = prose.len().min(MAX_SUMMARY_BYTES);
    while !prose.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(prose[..cut].to_string())
}

/// How a segment too long for one chunk is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// By syntax tree (text-splitter's `CodeSplitter`).
    Code,
    /// By Markdown structure.
    Markdown,
    /// By paragraphs, sentences and words.
    Text,
}

/// A labelled range of lines, before merging and splitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// First line, 0-based.
    pub start: usize,
    /// Last line, 0-based, inclusive.
    pub end: usize,
    pub kind: Kind,
    /// Symbol paths (` > `-joined) of the items in this segment.
    pub symbols: Vec<String>,
    /// Heading breadcrumb of the section this segment starts in.
    pub heading: Option<String>,
    pub split: Split,
}

impl Segment {
    pub fn new(start: usize, end: usize, kind: Kind, split: Split) -> Segment {
        Segment {
            start,
            end: end.max(start),
            kind,
            symbols: Vec::new(),
            heading: None,
            split,
        }
    }

    pub fn with_symbol(mut self, symbol: String) -> Segment {
        self.symbols.push(symbol);
        self
    }

    pub fn with_heading(mut self, heading: Option<String>) -> Segment {
        self.heading = heading;
        self
    }

    /// The symbol label shown for this segment: `a > b` for one item, the common
    /// parent and the leaves for several (`impl Client > fn get, fn post`).
    fn symbol(&self) -> Option<String> {
        match self.symbols.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(combined_label(many)),
        }
    }
}

/// One label for several symbol paths: their common parent, then each item,
/// with members folded under their container (`impl X > fn a, fn b; mod tests > fn t`).
fn combined_label(symbols: &[String]) -> String {
    let split: Vec<Vec<&str>> = symbols.iter().map(|s| s.split(" > ").collect()).collect();
    let shortest = split.iter().map(Vec::len).min().unwrap_or(0);
    let mut common = 0;
    while common < shortest && split.iter().all(|p| p[common] == split[0][common]) {
        common += 1;
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for parts in split.iter().filter(|p| p.len() > common) {
        let rest = parts[common..].join(" > ");
        match groups.last_mut() {
            Some((root, leaves)) if rest.starts_with(&format!("{root} > ")) => {
                leaves.push(rest[root.len() + 3..].to_string());
            }
            _ => groups.push((rest, Vec::new())),
        }
    }
    let rendered: Vec<String> = groups
        .into_iter()
        .map(|(root, leaves)| {
            if leaves.is_empty() {
                root
            } else {
                format!("{root} > {}", dedup_keep_order(leaves).join(", "))
            }
        })
        .collect();
    let rendered = dedup_keep_order(rendered);
    let separator = if rendered.iter().any(|r| r.contains(" > ")) {
        "; "
    } else {
        ", "
    };
    let rendered = rendered.join(separator);
    let prefix = split[0][..common].join(" > ");
    match (prefix.is_empty(), rendered.is_empty()) {
        (true, _) => rendered,
        (false, true) => prefix,
        (false, false) => format!("{prefix} > {rendered}"),
    }
}

fn dedup_keep_order(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Merges runs of small adjacent segments of the same kind up to `merge_bytes`.
fn merge(segments: Vec<Segment>, lines: &LineIndex, options: &ChunkOptions) -> Vec<Segment> {
    let is_test = |s: &Segment| s.symbols.iter().any(|sym| crate::role::is_test_symbol(sym));
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    for segment in segments {
        if let Some(last) = out.last_mut()
            && last.kind == segment.kind
            // Tests stay apart from the code they test: their role differs.
            && is_test(last) == is_test(&segment)
            && (lines.byte_len(last.start, segment.end.max(last.end)) <= options.merge_bytes
                || lines.byte_len(last.start, last.end) < options.sliver_bytes)
        {
            last.end = segment.end.max(last.end);
            last.symbols.extend(segment.symbols);
            if last.heading.is_none() {
                last.heading = segment.heading;
            }
            continue;
        }
        out.push(segment);
    }
    out
}

/// Turns a segment into one chunk, or into several pieces when it is too long.
fn render(
    path: &str,
    lang: Lang,
    lines: &LineIndex,
    segment: &Segment,
    options: &ChunkOptions,
    out: &mut Vec<Chunk>,
) {
    // Citations are tight: no blank lines at either end.
    let (mut start, mut end) = (
        segment.start,
        segment.end.min(lines.len().saturating_sub(1)),
    );
    while start < end && lines.line(start).trim().is_empty() {
        start += 1;
    }
    while end > start && lines.line(end).trim().is_empty() {
        end -= 1;
    }
    let range = lines.byte_range(start, end);
    let text = &lines.text[range.clone()];
    if text.trim().is_empty() {
        return;
    }
    let symbol = segment.symbol();
    let label = symbol.as_deref().or(segment.heading.as_deref());
    let make = |start_line: usize, end_line: usize, text: &str, part: Option<(usize, usize)>| {
        let mut header = String::from(path);
        if let Some(label) = label {
            header.push_str(" · ");
            header.push_str(label);
        }
        if let Some((i, n)) = part {
            header.push_str(&format!(" (part {i}/{n})"));
        }
        Chunk {
            lang,
            kind: segment.kind,
            symbol: symbol.clone(),
            heading: segment.heading.clone(),
            start_line: start_line as u32 + 1,
            end_line: end_line as u32 + 1,
            header,
            text: text.to_string(),
        }
    };
    if text.len() <= options.max_bytes {
        out.push(make(start, end, text, None));
        return;
    }
    let pieces = split_long(lang, segment.split, text, options);
    let n = pieces.len();
    for (i, piece) in pieces.into_iter().enumerate() {
        let piece = lines.widen_to_lines(range.start + piece.start..range.start + piece.end);
        let (start, end) = (
            lines.line_of(piece.start),
            lines.line_of(piece.end.saturating_sub(1)),
        );
        out.push(make(start, end, &lines.text[piece], Some((i + 1, n))));
    }
}

/// Splits `text` into byte ranges of at most about `max_bytes` with text-splitter,
/// by syntax tree for code, by Markdown structure for docs, by prose otherwise.
/// Text with very long lines (minified, generated) is cut by [`split_plain`],
/// which is linear whatever the input.
fn split_long(lang: Lang, split: Split, text: &str, options: &ChunkOptions) -> Vec<Range<usize>> {
    let (max_bytes, sliver) = (options.max_bytes, options.sliver_bytes);
    fn ranges<'t>(it: impl Iterator<Item = (usize, &'t str)>) -> Vec<Range<usize>> {
        it.map(|(start, piece)| start..start + piece.len())
            .collect()
    }
    let long_lines = text.lines().any(|l| l.len() > MAX_CODE_LINE_BYTES);
    let grammar = code::grammar(lang);
    let pieces = match (split, grammar) {
        _ if long_lines => split_plain(text, max_bytes),
        (Split::Code, Some(language)) if text.len() <= code::MAX_SPLIT_BYTES => {
            match CodeSplitter::new(language, max_bytes) {
                Ok(splitter) => ranges(splitter.chunk_indices(text)),
                Err(_) => ranges(TextSplitter::new(max_bytes).chunk_indices(text)),
            }
        }
        (Split::Markdown, _) => ranges(MarkdownSplitter::new(max_bytes).chunk_indices(text)),
        _ => ranges(TextSplitter::new(max_bytes).chunk_indices(text)),
    };
    if pieces.is_empty() {
        return std::iter::once(0..text.len()).collect();
    }
    // text-splitter may cut deep in the tree and leave slivers; re-join
    // neighbours while they fit, so pieces are as large as the budget allows,
    // and let a sliver join its neighbour even a little past the budget.
    let mut joined: Vec<Range<usize>> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match joined.last_mut() {
            Some(last)
                if piece.end.saturating_sub(last.start) <= max_bytes
                    || (last.len().min(piece.len()) < sliver
                        && piece.end.saturating_sub(last.start) <= max_bytes + sliver) =>
            {
                last.end = piece.end.max(last.end)
            }
            _ => joined.push(piece),
        }
    }
    joined
}

/// Cuts text into pieces of at most `max_bytes`, preferring to end a piece
/// after whitespace or punctuation in its last quarter. Linear time.
fn split_plain(text: &str, max_bytes: usize) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / max_bytes.max(1) + 1);
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + max_bytes.max(1)).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end < text.len() {
            let floor = start + (end - start) * 3 / 4;
            if let Some(cut) = (floor..end).rev().find(|&i| {
                matches!(
                    bytes[i - 1],
                    b' ' | b'\n' | b'\t' | b',' | b';' | b'.' | b')' | b'}' | b']'
                )
            }) {
                end = cut;
            }
        }
        if end <= start {
            // A single character wider than the budget.
            end = text[start..]
                .chars()
                .next()
                .map_or(text.len(), |c| start + c.len_utf8());
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// Byte offsets of the lines of a text.
pub(crate) struct LineIndex<'t> {
    pub text: &'t str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(
            memchr_newlines(text)
                .map(|i| i + 1)
                .filter(|&i| i < text.len()),
        );
        if text.is_empty() {
            starts.clear();
        }
        LineIndex { text, starts }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// The text of line `i` (0-based) without its line break.
    pub fn line(&self, i: usize) -> &'t str {
        let range = self.byte_range(i, i);
        &self.text[range]
    }

    /// Bytes of lines `start..=end`, without the final line break.
    pub fn byte_range(&self, start: usize, end: usize) -> Range<usize> {
        if self.starts.is_empty() {
            return 0..0;
        }
        let end = end.min(self.starts.len() - 1);
        let from = self.starts[start.min(end)];
        let to = self.starts.get(end + 1).copied().unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        let mut to = to;
        while to > from && matches!(bytes[to - 1], b'\n' | b'\r') {
            to -= 1;
        }
        from..to
    }

    pub fn byte_len(&self, start: usize, end: usize) -> usize {
        self.byte_range(start, end).len()
    }

    /// The 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Extends a byte range to whole lines when only whitespace lies between it
    /// and the line edges, so split pieces keep their indentation.
    fn widen_to_lines(&self, range: Range<usize>) -> Range<usize> {
        let line = self.line_of(range.start);
        let line_start = self.starts.get(line).copied().unwrap_or(0);
        let start = if self.text[line_start..range.start].trim().is_empty() {
            line_start
        } else {
            range.start
        };
        let last = self.line_of(range.end.saturating_sub(1).max(range.start));
        let line_end = self.byte_range(last, last).end;
        let end = if range.end <= line_end && self.text[range.end..line_end].trim().is_empty() {
            line_end
        } else {
            range.end
        };
        start..end
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
}
