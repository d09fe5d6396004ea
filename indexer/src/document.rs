//! How a chunk becomes a tantivy document: its stable id, its searchable
//! fields (symbol names, prose, file card, included docs) and its role.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use tantivy::TantivyDocument;

use crate::chunk::{Chunk, Chunked};
use crate::schema::{self, Fields};

/// The stable id of a chunk: its root, path, lines and text.
pub fn chunk_id(root: &str, path: &str, chunk: &Chunk) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in [root.as_bytes(), b"\0", path.as_bytes(), b"\0"] {
        hasher.update(part);
    }
    hasher.update(&chunk.start_line.to_le_bytes());
    hasher.update(&chunk.end_line.to_le_bytes());
    hasher.update(chunk.text.as_bytes());
    format!("{:032x}", hasher.digest128())
}

/// Longest file card, in bytes.
const MAX_CARD_BYTES: usize = 2_000;

/// A file's card: its path, its summary (module doc opening) and the names of
/// everything in it (symbols, headings): what the file is about.
pub(crate) fn file_card(path: &str, chunked: &Chunked) -> String {
    let mut card = format!("{path} {}", chunked.summary.as_deref().unwrap_or_default());
    let mut seen = HashSet::new();
    let names = chunked
        .chunks
        .iter()
        .flat_map(|c| c.symbol.iter().chain(c.heading.iter()));
    for name in names {
        for word in schema::symbol_names(name).split(' ') {
            if card.len() >= MAX_CARD_BYTES {
                return card;
            }
            if !word.is_empty() && seen.insert(word.to_string()) {
                card.push(' ');
                card.push_str(word);
            }
        }
    }
    card
}

/// The text of the Markdown files a Rust chunk pulls into its docs with
/// `#[doc = include_str!("...")]`, so the item is found by its documentation.
/// Paths resolve against the chunk's file and must stay inside its root.
pub(crate) fn included_docs(
    root: &Path,
    file: &Path,
    text: &str,
    cache: &mut HashMap<PathBuf, String>,
) -> String {
    const MAX_INCLUDED_BYTES: u64 = 64 * 1024;
    let mut out = String::new();
    for line in text
        .lines()
        .filter(|l| l.contains("doc") && l.contains("include_str!"))
    {
        let Some(rest) = line.split("include_str!(").nth(1) else {
            continue;
        };
        let Some(literal) = rest
            .trim_start()
            .strip_prefix('"')
            .and_then(|r| r.split('"').next())
        else {
            continue;
        };
        let Some(dir) = file.parent() else { continue };
        let target = dir.join(literal);
        if !matches!(
            crate::lang::Lang::detect(&target),
            Some(crate::lang::Lang::Markdown | crate::lang::Lang::Text)
        ) {
            continue;
        }
        let text = cache.entry(target.clone()).or_insert_with(|| {
            let inside = target.canonicalize().is_ok_and(|t| t.starts_with(root));
            let small = fs::metadata(&target).is_ok_and(|m| m.len() <= MAX_INCLUDED_BYTES);
            if inside && small {
                fs::read_to_string(&target).unwrap_or_default()
            } else {
                String::new()
            }
        });
        out.push_str(text);
        out.push('\n');
    }
    out
}

pub(crate) fn document(
    fields: &Fields,
    root: &str,
    path: &str,
    key: &str,
    summary: Option<&str>,
    included: &str,
    chunk: &Chunk,
) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(fields.id, chunk_id(root, path, chunk));
    doc.add_text(fields.file, key);
    doc.add_text(fields.root, root);
    doc.add_text(fields.path, path);
    doc.add_text(fields.lang, chunk.lang.as_str());
    doc.add_text(fields.kind, chunk.kind.as_str());
    if let Some(symbol) = &chunk.symbol {
        doc.add_text(fields.symbol, symbol);
    }
    if let Some(heading) = &chunk.heading {
        doc.add_text(fields.heading, heading);
    }
    doc.add_u64(fields.start_line, u64::from(chunk.start_line));
    doc.add_u64(fields.end_line, u64::from(chunk.end_line));
    doc.add_text(fields.header, &chunk.header);
    doc.add_text(fields.body, &chunk.text);
    let prose = crate::prose::extract(chunk.lang, chunk.kind, &chunk.text);
    // The combined field: repeats weigh a heading, a symbol name or a path word
    // like several occurrences in the body, and prose (comments, docstrings,
    // doc text) twice its code.
    doc.add_text(fields.all, &chunk.text);
    doc.add_text(fields.all, &prose);
    let names = chunk.symbol.as_deref().map(schema::symbol_names);
    for _ in 0..ALL_REPEATS {
        if let Some(heading) = &chunk.heading {
            doc.add_text(fields.all, heading);
        }
        if let Some(names) = &names {
            doc.add_text(fields.all, names);
        }
        doc.add_text(fields.all, path);
    }
    if let Some(summary) = summary
        && chunk.kind == crate::lang::Kind::Code
    {
        doc.add_text(fields.all, summary);
    }
    if !included.is_empty() {
        doc.add_text(fields.all, included);
    }
    doc.add_u64(fields.role, crate::role::role(path, chunk) as u64);
    doc.add_u64(fields.file_hash, schema::file_hash(key));
    doc
}

/// How many times heading, symbol names and path are added to the `all` field.
const ALL_REPEATS: usize = 2;

/// A file's own document: its card, found by what the file is about. Shares the
/// `file` key with the file's chunks, so one delete removes them all.
pub(crate) fn file_document(
    fields: &Fields,
    root: &str,
    path: &str,
    key: &str,
    card: &str,
) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(fields.file, key);
    doc.add_text(fields.root, root);
    doc.add_text(fields.path, path);
    doc.add_text(fields.kind, schema::FILE_KIND);
    doc.add_text(fields.card, card);
    doc.add_u64(fields.role, crate::role::Role::Code as u64);
    doc.add_u64(fields.file_hash, schema::file_hash(key));
    doc
}
