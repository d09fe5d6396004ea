//! Code chunking by syntax tree: one segment per item (function, method, type,
//! impl or class, macro), with the comments and attributes right above it, and
//! a symbol path such as `impl<S> Router<S> > fn nest`.
//!
//! Containers (impl, trait, class, module) that fit the chunk budget stay whole;
//! bigger ones are opened and their members become segments of their own.
//! Module docs (`//!` in Rust, a module docstring in Python) become doc segments,
//! chunked by Markdown heading.

use std::ops::ControlFlow;

use tree_sitter::{Language, Node, ParseOptions, Parser};

use super::{LineIndex, Segment, Split, markdown};
use crate::lang::{Kind, Lang};

/// Items longer than this are split by text rather than by syntax tree, which
/// would re-parse them at every level.
pub const MAX_SPLIT_BYTES: usize = 256 * 1024;
/// Containers are opened at most this deep (mod > impl > ...).
const MAX_DEPTH: usize = 12;
/// Parsing gives up after visiting this many bytes per source byte (a guard
/// against pathological inputs; tree-sitter normally reads each byte once or twice).
const MAX_PARSE_PASSES: usize = 16;
/// Trees deeper than this have their long items split as text.
const MAX_SPLIT_DEPTH: usize = 256;
/// Labels are cut to this many bytes.
const MAX_LABEL_BYTES: usize = 100;

/// The tree-sitter grammar of a code language.
pub fn grammar(lang: Lang) -> Option<Language> {
    Some(match lang {
        Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
        Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Lang::Go => tree_sitter_go::LANGUAGE.into(),
        _ => return None,
    })
}

/// What a syntax node is to the chunker.
enum Role<'t> {
    /// A leaf item with its label (`fn nest`).
    Item(String),
    /// An item with members that is opened when too big.
    Container(String, Node<'t>),
    /// A comment, attribute or decorator: belongs to the item that follows.
    Attachment,
    /// Module-level documentation.
    ModuleDoc,
    /// Anything else: imports, statements, stray tokens.
    Glue,
}

/// Segments a code file; falls back to plain-text segments with a warning when
/// the file cannot be parsed.
pub(crate) fn segments(
    path: &str,
    lang: Lang,
    lines: &LineIndex,
    max_bytes: usize,
    warnings: &mut Vec<String>,
) -> Vec<Segment> {
    let Some(language) = grammar(lang) else {
        return super::text::segments(lines, lang);
    };
    let mut parser = Parser::new();
    if parser.set_language(&language).is_err() {
        warnings.push(format!(
            "{} grammar failed to load; indexed as plain text",
            lang.as_str()
        ));
        return super::text::segments(lines, lang);
    }
    let source = lines.text.as_bytes();
    let budget = source.len().saturating_mul(MAX_PARSE_PASSES).max(1 << 20);
    let mut progress = |state: &tree_sitter::ParseState| {
        if state.current_byte_offset() > budget {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let tree = parser.parse_with_options(
        &mut |i, _| source.get(i..).unwrap_or_default(),
        None,
        Some(ParseOptions::new().progress_callback(&mut progress)),
    );
    let Some(tree) = tree else {
        warnings.push("parser gave up on this file; indexed as plain text".to_string());
        return super::text::segments(lines, lang);
    };
    let root = tree.root_node();
    if root.has_error() {
        let line = first_error_line(root).map_or(0, |l| l + 1);
        warnings.push(format!(
            "syntax errors (first near line {line}); items chunked where the tree is intact"
        ));
    }
    // text-splitter's CodeSplitter slows down with depth; very deep trees
    // (generated code, data literals) are split as text instead.
    let depth = max_depth(root);
    let split = if depth > MAX_SPLIT_DEPTH {
        warnings.push(format!(
            "syntax tree {depth} levels deep; long items split as text"
        ));
        Split::Text
    } else {
        Split::Code
    };
    let mut walker = Walker {
        lang,
        lines,
        source: lines.text,
        out: Vec::new(),
        module: module_symbol(path, lang),
        max_bytes,
        split,
    };
    walker.children(root, &[], 0);
    if walker.out.is_empty() && lines.len() > 0 {
        return super::text::segments(lines, lang);
    }
    walker.out
}

/// The depth of the deepest node, walked with a cursor (no recursion).
fn max_depth(root: Node) -> usize {
    let mut cursor = root.walk();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            deepest = deepest.max(depth);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return deepest;
            }
            depth -= 1;
        }
    }
}

/// Strips a Rust doc-comment marker so the doc's Markdown headings show.
fn strip_doc_marker(line: &str) -> &str {
    let trimmed = line.trim_start();
    trimmed
        .strip_prefix("//!")
        .or_else(|| trimmed.strip_prefix("///"))
        .map_or(line, |rest| rest.strip_prefix(' ').unwrap_or(rest))
}

fn first_error_line(node: Node) -> Option<usize> {
    let mut cursor = node.walk();
    loop {
        let current = cursor.node();
        if current.is_error() || current.is_missing() {
            return Some(current.start_position().row);
        }
        if current.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// The module a file defines, as a symbol: `src/routing/mod.rs` -> `routing`.
fn module_symbol(path: &str, lang: Lang) -> String {
    // The module path starts after the last source directory: `sdk/rust/src/a/b.rs` -> `a::b`.
    let trimmed = ["src/", "lib/"]
        .iter()
        .filter_map(|dir| {
            path.strip_prefix(dir).or_else(|| {
                path.rfind(&format!("/{dir}"))
                    .map(|i| &path[i + dir.len() + 1..])
            })
        })
        .min_by_key(|rest| rest.len())
        .unwrap_or(path);
    let without_ext = trimmed.rsplit_once('.').map_or(trimmed, |(stem, _)| stem);
    let mut parts: Vec<&str> = without_ext.split('/').filter(|p| !p.is_empty()).collect();
    if matches!(
        parts.last(),
        Some(&"mod") | Some(&"__init__") | Some(&"index")
    ) {
        parts.pop();
    }
    if lang == Lang::Rust && matches!(parts.as_slice(), [] | ["lib"] | ["main"]) {
        return "crate".to_string();
    }
    let sep = if lang == Lang::Rust { "::" } else { "." };
    parts.join(sep)
}

struct Walker<'a, 't> {
    lang: Lang,
    lines: &'a LineIndex<'t>,
    source: &'t str,
    out: Vec<Segment>,
    module: String,
    max_bytes: usize,
    /// How long items are split: by syntax tree unless the tree is too deep.
    split: Split,
}

impl<'t> Walker<'_, 't> {
    fn text(&self, node: Node) -> &'t str {
        self.source.get(node.byte_range()).unwrap_or_default()
    }

    fn field_text(&self, node: Node, field: &str) -> Option<&'t str> {
        node.child_by_field_name(field).map(|n| self.text(n))
    }

    /// A label: `kind name`, whitespace collapsed and cut to a sane length.
    fn label(&self, kind: &str, name: Option<&str>) -> String {
        let mut label = String::from(kind);
        if let Some(name) = name {
            if !label.is_empty() {
                label.push(' ');
            }
            let mut last_space = false;
            for c in name.chars() {
                if c.is_whitespace() {
                    if !last_space {
                        label.push(' ');
                    }
                    last_space = true;
                } else {
                    label.push(c);
                    last_space = false;
                }
            }
        }
        if label.len() > MAX_LABEL_BYTES {
            let mut cut = MAX_LABEL_BYTES;
            while !label.is_char_boundary(cut) {
                cut -= 1;
            }
            label.truncate(cut);
            label.push('…');
        }
        label
    }

    fn named(&self, node: Node<'t>, kind: &str) -> String {
        self.label(kind, self.field_text(node, "name"))
    }

    fn role(&self, node: Node<'t>) -> Role<'t> {
        match self.lang {
            Lang::Rust => self.rust_role(node),
            Lang::Python => self.python_role(node),
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => self.js_role(node),
            Lang::Go => self.go_role(node),
            _ => Role::Glue,
        }
    }

    fn rust_role(&self, node: Node<'t>) -> Role<'t> {
        let body = node.child_by_field_name("body");
        match node.kind() {
            "function_item" | "function_signature_item" => Role::Item(self.named(node, "fn")),
            "struct_item" => Role::Item(self.named(node, "struct")),
            "enum_item" => Role::Item(self.named(node, "enum")),
            "union_item" => Role::Item(self.named(node, "union")),
            "type_item" => Role::Item(self.named(node, "type")),
            "const_item" => Role::Item(self.named(node, "const")),
            "static_item" => Role::Item(self.named(node, "static")),
            "macro_definition" => Role::Item(self.named(node, "macro_rules!")),
            "macro_invocation" => Role::Item(
                self.label(
                    "",
                    self.field_text(node, "macro")
                        .map(|m| format!("{m}!"))
                        .as_deref(),
                ),
            ),
            "trait_item" => match body {
                Some(body) => Role::Container(self.named(node, "trait"), body),
                None => Role::Item(self.named(node, "trait")),
            },
            "impl_item" => {
                let ty = self.field_text(node, "type").unwrap_or("?");
                let name = match self.field_text(node, "trait") {
                    Some(tr) => format!("{tr} for {ty}"),
                    None => ty.to_string(),
                };
                let label = self.label("impl", Some(&name));
                match body {
                    Some(body) => Role::Container(label, body),
                    None => Role::Item(label),
                }
            }
            "mod_item" | "foreign_mod_item" => match body {
                Some(body) => Role::Container(self.named(node, "mod"), body),
                None => Role::Glue,
            },
            "line_comment" | "block_comment" => {
                if node.child_by_field_name("inner").is_some() {
                    Role::ModuleDoc
                } else {
                    Role::Attachment
                }
            }
            "attribute_item" => Role::Attachment,
            // `#![doc = include_str!("../README.md")]` and friends belong to the module doc.
            "inner_attribute_item" if self.text(node).contains("doc") => Role::ModuleDoc,
            "expression_statement" => match node.named_child(0) {
                Some(inner) if inner.kind() == "macro_invocation" => self.rust_role(inner),
                _ => Role::Glue,
            },
            _ => Role::Glue,
        }
    }

    fn python_role(&self, node: Node<'t>) -> Role<'t> {
        match node.kind() {
            "function_definition" => Role::Item(self.named(node, "def")),
            "class_definition" => match node.child_by_field_name("body") {
                Some(body) => Role::Container(self.named(node, "class"), body),
                None => Role::Item(self.named(node, "class")),
            },
            "decorated_definition" => match node.child_by_field_name("definition") {
                Some(def) => self.python_role(def),
                None => Role::Glue,
            },
            "comment" => Role::Attachment,
            "expression_statement"
                if node.prev_named_sibling().is_none()
                    && node.parent().is_some_and(|p| p.kind() == "module")
                    && node.named_child(0).is_some_and(|s| s.kind() == "string") =>
            {
                Role::ModuleDoc
            }
            _ => Role::Glue,
        }
    }

    fn js_role(&self, node: Node<'t>) -> Role<'t> {
        match node.kind() {
            "function_declaration" | "generator_function_declaration" | "function_signature" => {
                Role::Item(self.named(node, "function"))
            }
            "class_declaration" | "abstract_class_declaration" | "class" => {
                match node.child_by_field_name("body") {
                    Some(body) => Role::Container(self.named(node, "class"), body),
                    None => Role::Item(self.named(node, "class")),
                }
            }
            "method_definition" | "abstract_method_signature" | "method_signature" => {
                Role::Item(self.label("", self.field_text(node, "name")))
            }
            "interface_declaration" => Role::Item(self.named(node, "interface")),
            "type_alias_declaration" => Role::Item(self.named(node, "type")),
            "enum_declaration" => Role::Item(self.named(node, "enum")),
            "internal_module" | "module" => match node.child_by_field_name("body") {
                Some(body) => Role::Container(self.named(node, "namespace"), body),
                None => Role::Glue,
            },
            "lexical_declaration" | "variable_declaration" => {
                let kind = node.child(0).map_or("const", |k| self.text(k));
                let name = node
                    .named_child(0)
                    .filter(|d| d.kind() == "variable_declarator")
                    .and_then(|d| self.field_text(d, "name"));
                Role::Item(self.label(kind, name))
            }
            "export_statement" | "ambient_declaration" => {
                let inner = node.child_by_field_name("declaration").or_else(|| {
                    node.named_children(&mut node.walk())
                        .find(|c| c.kind() != "comment")
                });
                match inner {
                    Some(inner) if inner.kind() != "export_clause" => self.js_role(inner),
                    _ => Role::Glue,
                }
            }
            "comment" | "decorator" => Role::Attachment,
            _ => Role::Glue,
        }
    }

    fn go_role(&self, node: Node<'t>) -> Role<'t> {
        let first_spec_name = |node: Node<'t>| {
            let mut cursor = node.walk();
            let spec = node.named_children(&mut cursor).next();
            let spec = match spec {
                Some(list) if list.kind() == "var_spec_list" => list.named_child(0),
                other => other,
            };
            spec.and_then(|s| self.field_text(s, "name"))
        };
        match node.kind() {
            "function_declaration" => Role::Item(self.named(node, "func")),
            "method_declaration" => {
                let receiver = self.field_text(node, "receiver").unwrap_or("()");
                let name = self.field_text(node, "name").unwrap_or("?");
                Role::Item(self.label("func", Some(&format!("{receiver} {name}"))))
            }
            "type_declaration" => Role::Item(self.label("type", first_spec_name(node))),
            "const_declaration" => Role::Item(self.label("const", first_spec_name(node))),
            "var_declaration" => Role::Item(self.label("var", first_spec_name(node))),
            "comment" => Role::Attachment,
            _ => Role::Glue,
        }
    }

    fn row_range(node: Node) -> (usize, usize) {
        let start = node.start_position().row;
        let end = node.end_position();
        let end_row = if end.column == 0 && end.row > start {
            end.row - 1
        } else {
            end.row
        };
        (start, end_row)
    }

    fn push_item(&mut self, start: usize, end: usize, path: &[String], label: String) {
        let symbol = path
            .iter()
            .cloned()
            .chain(std::iter::once(label))
            .collect::<Vec<_>>()
            .join(" > ");
        self.out
            .push(Segment::new(start, end, Kind::Code, self.split).with_symbol(symbol));
    }

    fn push_glue(&mut self, start: usize, end: usize, path: &[String]) {
        let mut segment = Segment::new(start, end, Kind::Code, self.split);
        if !path.is_empty() {
            segment.symbols.push(path.join(" > "));
        }
        self.out.push(segment);
    }

    /// Module docs (`//!` lines, a module docstring) are Markdown: chunked by heading.
    fn push_module_doc(&mut self, start: usize, end: usize) {
        let before = self.out.len();
        self.out.extend(markdown::segments(
            self.lines,
            start..end + 1,
            Kind::Doc,
            strip_doc_marker,
        ));
        for segment in &mut self.out[before..] {
            segment.symbols.push(self.module.clone());
        }
    }

    /// Walks the named children of `parent`, emitting segments in source order.
    fn children(&mut self, parent: Node<'t>, path: &[String], depth: usize) {
        let mut cursor = parent.walk();
        let children: Vec<Node<'t>> = parent.named_children(&mut cursor).collect();
        // First row of a pending run of attachments, and of a pending run of glue.
        let mut attached: Option<usize> = None;
        let mut glue: Option<(usize, usize)> = None;
        let mut doc: Option<(usize, usize)> = None;
        for node in children {
            let (start, end) = Self::row_range(node);
            let role = self.role(node);
            if !matches!(role, Role::ModuleDoc)
                && let Some((s, e)) = doc.take()
            {
                self.push_module_doc(s, e);
            }
            match role {
                Role::Attachment => {
                    attached.get_or_insert(start);
                }
                Role::ModuleDoc => {
                    if let Some((s, e)) = glue.take() {
                        self.push_glue(s, e, path);
                    }
                    let s = attached.take().unwrap_or(start);
                    doc = Some(match doc {
                        Some((ds, _)) => (ds, end),
                        None => (s, end),
                    });
                }
                Role::Glue => {
                    // A comment block opening a file, followed by imports rather
                    // than an item, describes the file: a module doc.
                    if depth == 0
                        && self.out.is_empty()
                        && glue.is_none()
                        && doc.is_none()
                        && let Some(s) = attached
                        && start > s
                    {
                        attached = None;
                        self.push_module_doc(s, start - 1);
                    }
                    let s = attached.take().unwrap_or(start);
                    glue = Some(match glue {
                        Some((gs, _)) => (gs, end),
                        None => (s, end),
                    });
                }
                Role::Item(label) => {
                    if let Some((s, e)) = glue.take() {
                        self.push_glue(s, e, path);
                    }
                    let s = attached.take().unwrap_or(start);
                    self.push_item(s, end, path, label);
                }
                Role::Container(label, body) => {
                    if let Some((s, e)) = glue.take() {
                        self.push_glue(s, e, path);
                    }
                    let s = attached.take().unwrap_or(start);
                    let fits = self.lines.byte_len(s, end) <= self.max_bytes;
                    if fits || depth >= MAX_DEPTH || body.named_child_count() == 0 {
                        self.push_item(s, end, path, label.clone());
                        // A container kept whole still names its members, so they are searchable.
                        let mut members = body.walk();
                        let prefix = path
                            .iter()
                            .cloned()
                            .chain(std::iter::once(label))
                            .collect::<Vec<_>>()
                            .join(" > ");
                        for member in body.named_children(&mut members) {
                            if let Role::Item(name) | Role::Container(name, _) = self.role(member)
                                && let Some(segment) = self.out.last_mut()
                            {
                                segment.symbols.push(format!("{prefix} > {name}"));
                            }
                        }
                        continue;
                    }
                    let mut inner: Vec<String> = path.to_vec();
                    inner.push(label.clone());
                    let body_row = body.start_position().row;
                    // The signature lines, up to where the members begin.
                    let first_member = body
                        .named_child(0)
                        .map_or(body_row, |c| c.start_position().row);
                    let head_end = first_member.saturating_sub(1).max(s);
                    if first_member > s {
                        self.push_item(s, head_end, path, label);
                    }
                    self.children(body, &inner, depth + 1);
                }
            }
        }
        if let Some((s, e)) = doc.take() {
            self.push_module_doc(s, e);
        }
        if let Some((s, e)) = glue.take() {
            self.push_glue(s, e, path);
        }
        if let Some(s) = attached {
            // Trailing comments with nothing after them.
            let end = Self::row_range(parent).1;
            self.push_glue(s, end, path);
        }
    }
}
