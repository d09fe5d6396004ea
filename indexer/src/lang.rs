//! What a file is: its language and the kind of chunk it yields.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A language Docent knows how to chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Markdown,
    Toml,
    Yaml,
    Json,
    Text,
}

/// What a chunk is for a reader: source code, documentation prose, or configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Code,
    Doc,
    Config,
}

/// File names without a telling extension that still hold documentation.
const DOC_FILE_STEMS: &[&str] = &[
    "readme",
    "changelog",
    "changes",
    "history",
    "news",
    "contributing",
    "authors",
    "notice",
    "license",
    "copying",
    "security",
    "upgrading",
    "migration",
];

impl Lang {
    /// Detects the language from a file name; `None` means the file is not indexed.
    pub fn detect(path: &Path) -> Option<Lang> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        let (stem, ext) = match lower.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem, ext),
            _ => (lower.as_str(), ""),
        };
        let lang = match ext {
            "rs" => Lang::Rust,
            "py" | "pyi" => Lang::Python,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "go" => Lang::Go,
            "md" | "markdown" | "mdx" | "mdown" => Lang::Markdown,
            "toml" => Lang::Toml,
            "yaml" | "yml" => Lang::Yaml,
            "json" | "jsonc" => Lang::Json,
            "txt" | "rst" | "adoc" | "asciidoc" | "text" => Lang::Text,
            _ => {
                // LICENSE-MIT, README-zh and friends.
                let head = stem.split(['-', '_']).next().unwrap_or(stem);
                if ext.is_empty() && DOC_FILE_STEMS.contains(&head) {
                    Lang::Text
                } else {
                    return None;
                }
            }
        };
        Some(lang)
    }

    /// The kind of chunk this language yields by default.
    pub fn kind(self) -> Kind {
        match self {
            Lang::Rust
            | Lang::Python
            | Lang::JavaScript
            | Lang::TypeScript
            | Lang::Tsx
            | Lang::Go => Kind::Code,
            Lang::Markdown | Lang::Text => Kind::Doc,
            Lang::Toml | Lang::Yaml | Lang::Json => Kind::Config,
        }
    }

    /// The stable lowercase name stored in the index and printed in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Go => "go",
            Lang::Markdown => "markdown",
            Lang::Toml => "toml",
            Lang::Yaml => "yaml",
            Lang::Json => "json",
            Lang::Text => "text",
        }
    }
}

impl Kind {
    /// The stable lowercase name stored in the index and printed in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Code => "code",
            Kind::Doc => "doc",
            Kind::Config => "config",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(name: &str) -> Option<Lang> {
        Lang::detect(Path::new(name))
    }

    #[test]
    fn detects_by_extension_and_by_doc_file_name() {
        assert_eq!(detect("src/lib.rs"), Some(Lang::Rust));
        assert_eq!(detect("a/b.TSX"), Some(Lang::Tsx));
        assert_eq!(detect("docs/guide.md"), Some(Lang::Markdown));
        assert_eq!(detect("CHANGELOG"), Some(Lang::Text));
        assert_eq!(detect("LICENSE-MIT"), Some(Lang::Text));
        assert_eq!(detect("Cargo.toml"), Some(Lang::Toml));
        assert_eq!(detect("logo.png"), None);
        assert_eq!(detect("Cargo.lock"), None);
        assert_eq!(detect(".gitignore"), None);
    }
}
