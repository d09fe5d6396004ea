//! Retrieval: a customer's question in, ranked passages out.
//!
//! The question is cut to its content words (question words and filler dropped),
//! analysed like the indexed fields, and run as a BM25 disjunction over the chunk
//! body, its symbol names, its heading breadcrumb and its path, each with a boost.
//! Results are diversified so one file cannot fill the whole list.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use docent_indexer::role::Role;
use docent_indexer::schema::{self, Fields};
use docent_indexer::store::{GenerationMeta, IndexDir};
use docent_indexer::tokenizer::{self, code_analyzer, stem_analyzer};
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::columnar::ColumnValues;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument};

/// Errors of the retrieval path.
#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    #[error(transparent)]
    Index(#[from] docent_indexer::Error),
    #[error("search failed: {0}")]
    Search(#[from] tantivy::TantivyError),
    #[error("the query has no searchable words")]
    EmptyQuery,
}

/// One retrieved passage, as the CLI's `--json` and the HTTP API print it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub kind: String,
    pub lang: String,
    pub symbol: Option<String>,
    pub heading: Option<String>,
    pub release: String,
    pub score: f32,
    pub text: String,
    /// Source root label; not part of the JSON contract.
    #[serde(skip)]
    pub root: String,
    /// One-line context header; not part of the JSON contract.
    #[serde(skip)]
    pub header: String,
    /// Stable chunk id; not part of the JSON contract.
    #[serde(skip)]
    pub id: String,
}

/// How results are ranked; the defaults are what `docent search` uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranking {
    pub body: f32,
    /// Comments, docstrings and doc text.
    pub prose: f32,
    /// The summary of the chunk's file.
    pub context: f32,

    pub symbol: f32,
    pub heading: f32,
    pub path: f32,
    /// At most this many passages of one file in a result list.
    pub per_file: usize,
    /// Weight of joined adjacent words (`fast fields` -> `fastfields`, `fast_fields`).
    pub compound: f32,
    /// Priors by role: how likely a passage of this sort answers a support question.
    pub test: f32,
    pub example: f32,
    pub doc: f32,
    pub config: f32,
    /// Release notes, for a question that is not about releases...
    pub changelog: f32,
    /// ...and for one that is ("what changed in 2.1?", "is X deprecated?").
    pub changelog_asked: f32,
    /// BM25 candidates re-ranked with priors.
    pub depth: usize,

    /// Share of a term's other field matches added to its best one (1: plain sum).
    pub tie: f32,
}

impl Ranking {
    /// Sets a parameter by name (`body=1.5`); for experiments from the CLI.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let float = || {
            value
                .parse::<f32>()
                .map_err(|e| format!("{name}={value}: {e}"))
        };
        let int = || {
            value
                .parse::<usize>()
                .map_err(|e| format!("{name}={value}: {e}"))
        };
        match name {
            "body" => self.body = float()?,
            "prose" => self.prose = float()?,
            "context" => self.context = float()?,

            "symbol" => self.symbol = float()?,
            "heading" => self.heading = float()?,
            "path" => self.path = float()?,
            "compound" => self.compound = float()?,
            "test" => self.test = float()?,
            "example" => self.example = float()?,
            "doc" => self.doc = float()?,
            "config" => self.config = float()?,
            "changelog" => self.changelog = float()?,
            "changelog_asked" => self.changelog_asked = float()?,
            "per_file" => self.per_file = int()?,
            "depth" => self.depth = int()?,

            "tie" => self.tie = float()?,

            _ => return Err(format!("unknown ranking parameter {name:?}")),
        }
        Ok(())
    }
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            body: 1.0,
            prose: 1.5,
            context: 1.0,

            symbol: 1.5,
            heading: 2.0,
            path: 1.0,
            per_file: 1,
            compound: 1.0,
            test: 0.3,
            example: 1.4,
            doc: 1.25,
            config: 1.0,
            changelog: 0.6,
            changelog_asked: 1.5,
            depth: 100,

            tie: 0.2,
        }
    }
}

/// Words that carry no topic in a support question.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "else",
    "even",
    "ever",
    "for",
    "from",
    "get",
    "gets",
    "getting",
    "got",
    "had",
    "has",
    "have",
    "having",
    "hello",
    "help",
    "hi",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "know",
    "like",
    "me",
    "might",
    "my",
    "need",
    "needs",
    "of",
    "on",
    "one",
    "or",
    "our",
    "please",
    "possible",
    "should",
    "so",
    "some",
    "someone",
    "something",
    "tell",
    "than",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "try",
    "trying",
    "us",
    "use",
    "using",
    "want",
    "was",
    "way",
    "we",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
];

fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Cuts a question to its content words; keeps everything if nothing would remain.
pub fn content_words(query: &str) -> String {
    let words: Vec<&str> = query
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .collect();
    let kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !is_stopword(&w.to_lowercase().replace('\'', "")))
        .collect();
    if kept.is_empty() {
        words.join(" ")
    } else {
        kept.join(" ")
    }
}

/// A searcher over the served generation of an index directory.
pub struct Retriever {
    reader: IndexReader,
    fields: Fields,
    meta: GenerationMeta,
    ranking: Ranking,
    code: TextAnalyzer,
    stem: TextAnalyzer,
}

impl Retriever {
    /// Opens the served generation of `dir`; refuses another schema version.
    pub fn open(dir: &Path) -> Result<Retriever, RetrievalError> {
        let open = IndexDir::new(dir).open_current()?;
        Self::from_index(open.index, open.fields, open.generation.meta)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        meta: GenerationMeta,
    ) -> Result<Retriever, RetrievalError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Retriever {
            reader,
            fields,
            meta,
            ranking: Ranking::default(),
            code: code_analyzer(),
            stem: stem_analyzer(),
        })
    }

    /// Replaces the ranking parameters (experiments and benchmarks).
    pub fn with_ranking(mut self, ranking: Ranking) -> Retriever {
        self.ranking = ranking;
        self
    }

    /// Metadata of the generation being searched.
    pub fn generation(&self) -> &GenerationMeta {
        &self.meta
    }

    /// Number of chunks in the generation.
    pub fn chunk_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The analysed terms of a question with their weights: each content word
    /// (and identifier part) at 1, joined adjacent words at `compound`.
    fn terms(&self, question: &str) -> Vec<(String, f32)> {
        let words = content_words(question);
        let mut code = self.code.clone();
        let mut stem = self.stem.clone();
        let mut units: Vec<(String, f32)> = dedup(tokenizer::tokens(&mut code, &words))
            .into_iter()
            .map(|t| (t, 1.0))
            .collect();
        if self.ranking.compound > 0.0 {
            for compound in compounds(&words) {
                if let Some(token) = tokenizer::tokens(&mut code, &compound).into_iter().next()
                    && !units.iter().any(|(u, _)| *u == token)
                {
                    units.push((token, self.ranking.compound));
                }
            }
        }
        let mut terms: Vec<(String, f32)> = Vec::with_capacity(units.len());
        for (unit, weight) in units {
            let stemmed = tokenizer::tokens(&mut stem, &unit)
                .into_iter()
                .next()
                .unwrap_or(unit);
            if !terms.iter().any(|(t, _)| *t == stemmed) {
                terms.push((stemmed, weight));
            }
        }
        terms
    }

    /// Builds the query for a question: one clause per query term, each the best
    /// of its matches in body, prose, file summary, heading, symbol names and path
    /// (plus `tie` times the others), so a term counts once however many fields it hits.
    pub fn query(&self, question: &str) -> Result<BooleanQuery, RetrievalError> {
        self.build(&self.terms(question))
    }

    fn build(&self, terms: &[(String, f32)]) -> Result<BooleanQuery, RetrievalError> {
        let ranking = self.ranking;
        let term = |field: Field, text: &str, boost: f32| -> Box<dyn Query> {
            let query = TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            );
            Box::new(BoostQuery::new(Box::new(query), boost))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len());
        for (text, weight) in terms {
            let mut disjuncts: Vec<Box<dyn Query>> = Vec::with_capacity(6);
            for (field, boost) in [
                (self.fields.body, ranking.body),
                (self.fields.prose, ranking.prose),
                (self.fields.context, ranking.context),
                (self.fields.heading, ranking.heading),
                (self.fields.symbol_terms, ranking.symbol),
                (self.fields.path_terms, ranking.path),
            ] {
                if boost > 0.0 {
                    disjuncts.push(term(field, text, boost * weight));
                }
            }
            if !disjuncts.is_empty() {
                let unit_query = DisjunctionMaxQuery::with_tie_breaker(disjuncts, ranking.tie);
                clauses.push((Occur::Should, Box::new(unit_query)));
            }
        }
        if clauses.is_empty() {
            return Err(RetrievalError::EmptyQuery);
        }
        Ok(BooleanQuery::new(clauses))
    }

    /// The `limit` best passages for a question.
    pub fn search(&self, question: &str, limit: usize) -> Result<Vec<Hit>, RetrievalError> {
        let limit = limit.max(1);
        let terms = self.terms(question);
        let searcher = self.reader.searcher();
        let per_file = self.ranking.per_file.max(1);
        let depth = self.ranking.depth.max(limit * 4).max(20);
        let about_releases = asks_about_releases(question);
        let collector = TopDocs::with_limit(depth).order_by_score();
        let top = searcher.search(&self.build(&terms)?, &collector)?;
        let top = self.rerank(&searcher, top, about_releases)?;
        // Diversify by file before loading any stored document.
        let mut per_path: HashMap<u64, usize> = HashMap::new();
        let mut hits = Vec::with_capacity(limit);
        for (score, address, file) in top {
            let seen = per_path.entry(file).or_default();
            if *seen >= per_file {
                continue;
            }
            *seen += 1;
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&doc, score));
            if hits.len() == limit {
                break;
            }
        }
        Ok(hits)
    }

    /// The prior of a role for this question.
    fn prior(&self, role: Role, about_releases: bool) -> f32 {
        let r = &self.ranking;
        match role {
            Role::Code => 1.0,
            Role::Test => r.test,
            Role::Example => r.example,
            Role::Doc => r.doc,
            Role::Config => r.config,
            Role::Changelog if about_releases => r.changelog_asked,
            Role::Changelog => r.changelog,
        }
    }

    /// Re-scores BM25 candidates: each is multiplied by its role's prior. Returns
    /// them best first, each with the hash of its file.
    fn rerank(
        &self,
        searcher: &Searcher,
        top: Vec<(f32, DocAddress)>,
        about_releases: bool,
    ) -> Result<Vec<(f32, DocAddress, u64)>, RetrievalError> {
        let mut columns: HashMap<u32, [Arc<dyn ColumnValues<u64>>; 2]> = HashMap::new();
        let mut scored: Vec<(f32, DocAddress, u64)> = Vec::with_capacity(top.len());
        for (score, address) in top {
            let [role_column, file_column] = match columns.get(&address.segment_ord) {
                Some(c) => c.clone(),
                None => {
                    let fast = searcher.segment_reader(address.segment_ord).fast_fields();
                    let c = [
                        fast.u64(schema::ROLE_FIELD)?
                            .first_or_default_col(Role::Code as u64),
                        fast.u64(schema::FILE_HASH_FIELD)?.first_or_default_col(0),
                    ];
                    columns.insert(address.segment_ord, c.clone());
                    c
                }
            };
            let role = Role::from_u64(role_column.get_val(address.doc_id));
            let file = file_column.get_val(address.doc_id);
            scored.push((score * self.prior(role, about_releases), address, file));
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(scored)
    }

    fn hit(&self, doc: &TantivyDocument, score: f32) -> Hit {
        let f = &self.fields;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let opt = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let line = |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0) as u32;
        Hit {
            path: text(f.path),
            start_line: line(f.start_line),
            end_line: line(f.end_line),
            kind: text(f.kind),
            lang: text(f.lang),
            symbol: opt(f.symbol),
            heading: opt(f.heading),
            release: self.meta.release.clone(),
            score,
            text: text(f.body),
            root: text(f.root),
            header: text(f.header),
            id: text(f.id),
        }
    }
}

/// Words that make a question one about releases and changes.
const RELEASE_WORDS: &[&str] = &[
    "added",
    "breaking",
    "changed",
    "changelog",
    "changes",
    "deprecated",
    "deprecation",
    "latest",
    "migrate",
    "migration",
    "new",
    "release",
    "released",
    "releases",
    "removed",
    "upgrade",
    "upgrading",
    "version",
    "versions",
];

/// Whether a question asks about releases: what changed, what is deprecated.
pub fn asks_about_releases(question: &str) -> bool {
    question
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| RELEASE_WORDS.contains(&w.to_lowercase().as_str()))
}

/// Adjacent content words joined, as identifiers spell them: `fast fields` ->
/// `fastfields` and `fast_fields`.
fn compounds(words: &str) -> Vec<String> {
    let words: Vec<String> = words
        .split_whitespace()
        .filter(|w| w.chars().all(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect();
    let mut out = Vec::new();
    for pair in words.windows(2) {
        out.push(format!("{}{}", pair[0], pair[1]));
        out.push(format!("{}_{}", pair[0], pair[1]));
    }
    out
}

fn dedup(mut terms: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_questions_are_recognised() {
        assert!(asks_about_releases("What changed in 2.1?"));
        assert!(asks_about_releases("is the offset parameter deprecated"));
        assert!(!asks_about_releases("how do I verify a webhook"));
    }

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        let mut sorted = STOPWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOPWORDS);
    }

    #[test]
    fn content_words_drop_question_filler() {
        assert_eq!(
            content_words("Why do my webhook signatures not verify?"),
            "webhook signatures not verify"
        );
        assert_eq!(content_words("how do I"), "how do I");
        assert_eq!(
            content_words("What's Router::nest_service for?"),
            "Router nest_service"
        );
    }
}
