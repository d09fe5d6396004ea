//! The index schema: one place for field names, analyzers and the version number.
//! Changing anything here that changes what is written bumps [`SCHEMA_VERSION`];
//! readers refuse an index of another version and ask for a re-index.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::tokenizer::{CODE_ANALYZER, STEM_ANALYZER, code_analyzer, stem_analyzer};

/// Version of the on-disk format: schema, analyzers, and chunking rules.
pub const SCHEMA_VERSION: u32 = 2;

/// The `kind` of a file's own document, which carries its card.
pub const FILE_KIND: &str = "file";

/// Name of the role fast field.
pub const ROLE_FIELD: &str = "role";
/// Name of the file-hash fast field.
pub const FILE_HASH_FIELD: &str = "file_hash";

/// The fields of a chunk document.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Stable chunk id (hex).
    pub id: Field,
    /// `root/path`, untokenized: the key deletes use.
    pub file: Field,
    /// Label of the source root the file came from.
    pub root: Field,
    /// Path relative to its root, stored as is.
    pub path: Field,
    pub lang: Field,
    pub kind: Field,
    /// Symbol path as displayed (`impl Router<S> > fn nest`).
    pub symbol: Field,
    /// Heading breadcrumb as displayed.
    pub heading: Field,
    pub start_line: Field,
    pub end_line: Field,
    /// One-line context header.
    pub header: Field,
    /// The chunk text as cited, stored.
    pub body: Field,
    /// Everything searchable about the chunk in one field, BM25F-style: the text
    /// once and its prose (comments, docstrings, doc text) again; heading,
    /// symbol names and path twice; the file's summary; Markdown an item
    /// includes as its docs. Not stored.
    pub all: Field,
    /// Only on a file's own document (kind `file`): the file's card, its summary
    /// and the names of its items. Searched to score files, not chunks.
    pub card: Field,
    /// A 64-bit hash of `file`, a fast field: groups chunks by file when ranking.
    pub file_hash: Field,
    /// The chunk's [`crate::role::Role`], a fast field.
    pub role: Field,
}

fn text(analyzer: &str, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// Builds the schema and its field map.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        file: b.add_text_field("file", STRING),
        root: b.add_text_field("root", STORED),
        path: b.add_text_field("path", STRING | STORED),
        lang: b.add_text_field("lang", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        symbol: b.add_text_field("symbol", STORED),
        heading: b.add_text_field("heading", STORED),
        start_line: b.add_u64_field("start_line", STORED | INDEXED),
        end_line: b.add_u64_field("end_line", STORED),
        header: b.add_text_field("header", STORED),
        body: b.add_text_field("body", STORED),
        all: b.add_text_field("all", text(STEM_ANALYZER, false)),
        card: b.add_text_field("card", text(STEM_ANALYZER, false)),
        file_hash: b.add_u64_field(FILE_HASH_FIELD, FAST),
        role: b.add_u64_field(ROLE_FIELD, FAST),
    };
    (b.build(), fields)
}

/// Looks up the field map in an opened index's schema.
pub fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let f = |name: &str| schema.get_field(name);
    Ok(Fields {
        id: f("id")?,
        file: f("file")?,
        root: f("root")?,
        path: f("path")?,
        lang: f("lang")?,
        kind: f("kind")?,
        symbol: f("symbol")?,
        heading: f("heading")?,
        start_line: f("start_line")?,
        end_line: f("end_line")?,
        header: f("header")?,
        body: f("body")?,
        all: f("all")?,
        card: f("card")?,
        file_hash: f(FILE_HASH_FIELD)?,
        role: f(ROLE_FIELD)?,
    })
}

/// Registers Docent's analyzers with an index; needed before reading or writing.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(CODE_ANALYZER, code_analyzer());
    index.tokenizers().register(STEM_ANALYZER, stem_analyzer());
}

/// Words of a symbol label that say what kind of item it is rather than which.
const SYMBOL_KEYWORDS: &[&str] = &[
    "fn",
    "impl",
    "struct",
    "enum",
    "trait",
    "mod",
    "type",
    "const",
    "static",
    "union",
    "class",
    "def",
    "func",
    "function",
    "interface",
    "namespace",
    "var",
    "let",
    "macro_rules",
    "for",
    "async",
    "pub",
    "unsafe",
    "extern",
    "dyn",
    "where",
    "mut",
    "crate",
    "self",
    "export",
];

/// The searchable names of a symbol label: `impl<S> Router<S> > fn nest` -> `S Router S nest`.
pub fn symbol_names(symbol: &str) -> String {
    symbol
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !SYMBOL_KEYWORDS.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The 64-bit hash of a file key stored in [`Fields::file_hash`].
pub fn file_hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// The file key used for deletes.
pub fn file_key(root: &str, path: &str) -> String {
    format!("{root}/{path}")
}
