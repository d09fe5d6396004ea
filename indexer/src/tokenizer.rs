//! A code-aware tokenizer: `nest_service`, `nestService` and `NestService` all yield
//! `nest` and `service` as well as the whole identifier, lowercased.
//!
//! Words are maximal runs of alphanumeric characters and `_`, so `a::b::c`, `a.b`
//! and `a/b` split at their punctuation. Each word is emitted whole, then, when it
//! has more than one part, each part. Registered twice in the index: plain (symbols,
//! paths) and with English stemming (prose and code bodies).

use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};

/// Tokens longer than this many bytes are dropped (hashes, base64, minified blobs).
pub const MAX_TOKEN_BYTES: usize = 48;

/// Name of the plain code-aware analyzer in the index's tokenizer manager.
pub const CODE_ANALYZER: &str = "docent_code";
/// Name of the code-aware analyzer with English stemming.
pub const STEM_ANALYZER: &str = "docent_stem";

/// The code-aware analyzer without stemming.
pub fn code_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CodeTokenizer::default()).build()
}

/// The code-aware analyzer followed by English stemming.
pub fn stem_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CodeTokenizer::default())
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Splits text into identifier-aware, lowercased tokens.
#[derive(Clone, Default)]
pub struct CodeTokenizer {
    token: Token,
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = CodeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CodeTokenStream<'a> {
        self.token.reset();
        CodeTokenStream {
            text,
            cursor: 0,
            parts: Vec::new(),
            next_part: 0,
            token: &mut self.token,
            position: 0,
        }
    }
}

/// The token stream of [`CodeTokenizer`].
pub struct CodeTokenStream<'a> {
    text: &'a str,
    cursor: usize,
    /// Byte ranges (absolute) of the current word's parts still to emit.
    parts: Vec<(usize, usize)>,
    next_part: usize,
    token: &'a mut Token,
    position: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl CodeTokenStream<'_> {
    fn emit(&mut self, from: usize, to: usize) {
        let slice = &self.text[from..to];
        self.token.text.clear();
        if slice.is_ascii() {
            self.token.text.push_str(slice);
            self.token.text.make_ascii_lowercase();
        } else {
            self.token.text.push_str(&slice.to_lowercase());
        }
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.position += 1;
    }

    /// Finds the next word at or after the cursor; returns its byte range.
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let rest = &self.text[self.cursor..];
        let start = self.cursor + rest.find(is_word_char)?;
        let len = self.text[start..]
            .find(|c: char| !is_word_char(c))
            .unwrap_or(self.text.len() - start);
        self.cursor = start + len;
        Some((start, start + len))
    }
}

/// Appends to `out` the parts of the word `text[from..to]`: split at `_` and at
/// case changes (`fooBar` -> foo|Bar, `HTTPServer` -> HTTP|Server).
pub fn split_identifier(text: &str, from: usize, to: usize, out: &mut Vec<(usize, usize)>) {
    let word = &text[from..to];
    for (seg_start, seg) in word
        .split('_')
        .scan(0usize, |offset, seg| {
            let start = *offset;
            *offset += seg.len() + 1;
            Some((start, seg))
        })
        .filter(|(_, seg)| !seg.is_empty())
    {
        let base = from + seg_start;
        let mut part_start = 0;
        let mut chars = seg.char_indices().peekable();
        let mut prev: Option<char> = None;
        while let Some((i, c)) = chars.next() {
            if let Some(p) = prev {
                let next_lower = chars.peek().is_some_and(|(_, n)| n.is_lowercase());
                let boundary = c.is_uppercase()
                    && (p.is_lowercase() || p.is_numeric() || (p.is_uppercase() && next_lower));
                if boundary && i > part_start {
                    out.push((base + part_start, base + i));
                    part_start = i;
                }
            }
            prev = Some(c);
        }
        out.push((base + part_start, base + seg.len()));
    }
}

impl TokenStream for CodeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some(&(from, to)) = self.parts.get(self.next_part) {
                self.next_part += 1;
                if to - from <= MAX_TOKEN_BYTES {
                    self.emit(from, to);
                    return true;
                }
                continue;
            }
            let Some((from, to)) = self.next_word() else {
                return false;
            };
            self.parts.clear();
            self.next_part = 0;
            split_identifier(self.text, from, to, &mut self.parts);
            // A word that is its own only part is emitted once, as the whole word.
            if self.parts.len() == 1 && self.parts[0] == (from, to) {
                self.parts.clear();
            }
            if to - from <= MAX_TOKEN_BYTES {
                self.emit(from, to);
                return true;
            }
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Runs `analyzer` over `text` and collects the token texts (tests and query building).
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(text: &str) -> Vec<String> {
        tokens(&mut code_analyzer(), text)
    }

    #[test]
    fn splits_snake_camel_pascal_and_paths() {
        assert_eq!(code("nest_service"), ["nest_service", "nest", "service"]);
        assert_eq!(code("nestService"), ["nestservice", "nest", "service"]);
        assert_eq!(code("HTTPServer"), ["httpserver", "http", "server"]);
        assert_eq!(code("axum::routing::get"), ["axum", "routing", "get"]);
        assert_eq!(code("utf8Decoder"), ["utf8decoder", "utf8", "decoder"]);
        assert_eq!(code("__init__"), ["__init__", "init"]);
        assert_eq!(code("Plain words, here."), ["plain", "words", "here"]);
    }

    #[test]
    fn stems_prose() {
        let stems = tokens(&mut stem_analyzer(), "Routing requests to handlers");
        assert_eq!(stems, ["rout", "request", "to", "handler"]);
    }

    #[test]
    fn drops_overlong_tokens_but_keeps_their_parts() {
        let long = "a".repeat(60);
        assert!(code(&long).is_empty());
        let ident = format!("{}_{}", "x".repeat(30), "y".repeat(30));
        assert_eq!(code(&ident), ["x".repeat(30), "y".repeat(30)]);
    }

    #[test]
    fn handles_non_ascii() {
        assert_eq!(code("Größe_Ärger"), ["größe_ärger", "größe", "ärger"]);
    }

    proptest! {
        #[test]
        fn tokens_are_lowercase_nonempty_and_point_into_the_text(text in "\\PC{0,200}") {
            let mut analyzer = code_analyzer();
            let mut stream = analyzer.token_stream(&text);
            let mut last_position = None;
            while let Some(token) = stream.next() {
                prop_assert!(!token.text.is_empty());
                prop_assert!(token.text.len() <= MAX_TOKEN_BYTES * 4);
                prop_assert!(token.offset_from < token.offset_to);
                prop_assert!(token.offset_to <= text.len());
                let source = &text[token.offset_from..token.offset_to];
                prop_assert_eq!(&source.to_lowercase(), &token.text);
                if let Some(last) = last_position {
                    prop_assert!(token.position > last);
                }
                last_position = Some(token.position);
            }
        }

        // Parts have two or more characters: `aAB` is rightly read as `a` + acronym `AB`.
        #[test]
        fn every_identifier_is_kept_whole_and_in_parts(
            parts in proptest::collection::vec("[a-z][a-z0-9]{1,8}", 1..5)
        ) {
            let snake = parts.join("_");
            let tokens = code(&snake);
            prop_assert_eq!(&tokens[0], &snake);
            for part in &parts {
                prop_assert!(tokens.contains(part));
            }
            let camel: String = parts.iter().enumerate().map(|(i, p)| {
                if i == 0 { p.clone() } else { p[..1].to_uppercase() + &p[1..] }
            }).collect();
            let tokens = code(&camel);
            prop_assert_eq!(&tokens[0], &camel.to_lowercase());
            for part in &parts {
                prop_assert!(tokens.contains(part), "{} missing from {:?}", part, tokens);
            }
        }
    }
}
