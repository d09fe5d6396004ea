//! Retrieval: a customer's question in, ranked passages out.
//!
//! The question is cut to its content words (question words and filler dropped),
//! analysed like the indexed fields, and run as a BM25 disjunction: each term
//! scores by its best field among body, prose, file summary, heading, symbol
//! names and path. The top candidates are re-scored by their role's prior
//! (tests down, examples and docs up) and diversified to one passage per file.

mod changelog;
mod live;
mod question;
mod ranking;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use docent_indexer::role::Role;
use docent_indexer::schema::{self, Fields};
use docent_indexer::store::{GenerationMeta, IndexDir};
use docent_indexer::tokenizer::{self, stem_analyzer};
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::columnar::ColumnValues;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument};

use self::changelog::Changelogs;
pub use self::live::LiveRetriever;
pub use self::question::{
    WantedRelease, asks_about_releases, content_words, topic_words, wanted_release,
};
use self::question::{
    dedup, named_versions, release_versions, version_parts, without_release_words,
};
pub use self::ranking::Ranking;

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
    /// A changelog entry of the release the question asks about, or the
    /// index's change summary of it; not part of the JSON contract.
    #[serde(skip)]
    pub release_entry: bool,
}

/// A search candidate: score, address and the hash of its file.
type Candidate = (f32, DocAddress, u64);

/// The changelog entries a question about one release was focused on.
#[derive(Debug, Default)]
struct Focus {
    /// Changelog files that may give more than one passage.
    files: HashSet<u64>,
    entries: HashSet<DocAddress>,
}

/// Per-segment fast-field columns (role, file hash), opened once per search.
struct FastColumns<'s> {
    searcher: &'s Searcher,
    segments: HashMap<u32, [Arc<dyn ColumnValues<u64>>; 2]>,
}

impl<'s> FastColumns<'s> {
    fn new(searcher: &'s Searcher) -> FastColumns<'s> {
        FastColumns {
            searcher,
            segments: HashMap::new(),
        }
    }

    /// The role and file hash of a document.
    fn get(&mut self, address: DocAddress) -> Result<(Role, u64), RetrievalError> {
        if !self.segments.contains_key(&address.segment_ord) {
            let fast = self
                .searcher
                .segment_reader(address.segment_ord)
                .fast_fields();
            let columns = [
                fast.u64(schema::ROLE_FIELD)?
                    .first_or_default_col(Role::Code as u64),
                fast.u64(schema::FILE_HASH_FIELD)?.first_or_default_col(0),
            ];
            self.segments.insert(address.segment_ord, columns);
        }
        let [role, file] = &self.segments[&address.segment_ord];
        Ok((
            Role::from_u64(role.get_val(address.doc_id)),
            file.get_val(address.doc_id),
        ))
    }
}

/// One analysed term of a question.
#[derive(Debug, Clone, PartialEq)]
struct QueryTerm {
    /// The stemmed token, as the index stores it.
    text: String,
    weight: f32,
}

/// Weight of a conversation's earlier words relative to the question's.
const CONTEXT_WEIGHT: f32 = 0.4;

/// How well retrieved passages cover a question (see [`Retriever::coverage`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// Share of the question's weighted terms found in the first passage.
    pub top: f32,
    /// Share found in the first `k` passages together.
    pub all: f32,
    /// Content terms in the question.
    pub terms: usize,
    /// Terms the index has never seen.
    pub unknown: usize,
}

fn covered(terms: &[String], weights: &[f32], seen: &HashSet<String>) -> f32 {
    terms
        .iter()
        .zip(weights)
        .filter(|(t, _)| seen.contains(*t))
        .map(|(_, w)| w)
        .sum()
}

/// Whether `text` spells out version `version` (`2.1` in `since 2.1` or
/// `2.1.0`, not in `12.1` or `2.10`).
fn mentions_version(text: &str, version: &str) -> bool {
    text.match_indices(version).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + version.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// A searcher over the served generation of an index directory.
pub struct Retriever {
    reader: IndexReader,
    fields: Fields,
    meta: GenerationMeta,
    /// The generation's directory (its manifest is read on demand).
    dir: PathBuf,
    ranking: Ranking,
    stem: TextAnalyzer,
    /// Changelog passages by release, read on the first question that names one.
    changelogs: OnceLock<Changelogs>,
}

impl Retriever {
    /// Opens the served generation of `dir`; refuses another schema version.
    pub fn open(dir: &Path) -> Result<Retriever, RetrievalError> {
        let open = IndexDir::new(dir).open_current()?;
        Self::from_index(open.index, open.fields, open.generation)
    }

    /// Opens generation directory `generation` of index `dir`, served or not
    /// (a candidate the quality gate checks before it is published).
    pub fn open_generation(dir: &Path, generation: &Path) -> Result<Retriever, RetrievalError> {
        let open = IndexDir::new(dir).open_generation(generation)?;
        Self::from_index(open.index, open.fields, open.generation)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        generation: docent_indexer::Generation,
    ) -> Result<Retriever, RetrievalError> {
        let docent_indexer::Generation { dir, meta } = generation;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Retriever {
            reader,
            fields,
            meta,
            dir,
            ranking: Ranking::default(),
            stem: stem_analyzer(),
            changelogs: OnceLock::new(),
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

    /// The content hash of every file in the generation, by the path its
    /// citations use (relative to its root). Reads the manifest.
    pub fn source_hashes(&self) -> Result<HashMap<String, String>, RetrievalError> {
        let manifest = docent_indexer::manifest::Manifest::load(&self.dir)?;
        Ok(manifest
            .files
            .into_iter()
            .filter(|(_, f)| f.skipped.is_none())
            .map(|(key, f)| {
                let path = key
                    .split_once('/')
                    .map_or(key.as_str(), |(_, p)| p)
                    .to_string();
                (path, f.hash)
            })
            .collect())
    }

    /// Number of chunks in the generation.
    pub fn chunk_count(&self) -> u64 {
        self.meta.chunks
    }

    /// The analysed terms of a question, each at weight 1: content words and
    /// identifier parts, stemmed as the index stores them.
    fn terms(&self, question: &str) -> Vec<QueryTerm> {
        let mut stem = self.stem.clone();
        dedup(tokenizer::tokens(&mut stem, &content_words(question)))
            .into_iter()
            .map(|text| QueryTerm { text, weight: 1.0 })
            .collect()
    }

    /// Builds the query for a question: each term in the combined field (text,
    /// prose, heading, symbol names, path, file summary), summed, so block-max
    /// WAND can skip what cannot reach the top.
    pub fn query(&self, question: &str) -> Result<BooleanQuery, RetrievalError> {
        self.build(&self.terms(question))
    }

    fn build(&self, terms: &[QueryTerm]) -> Result<BooleanQuery, RetrievalError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len());
        for QueryTerm { text, weight } in terms {
            let query = TermQuery::new(
                Term::from_field_text(self.fields.all, text),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(query), *weight)),
            ));
        }
        if clauses.is_empty() {
            return Err(RetrievalError::EmptyQuery);
        }
        Ok(BooleanQuery::new(clauses))
    }

    /// The `limit` best passages for a question.
    pub fn search(&self, question: &str, limit: usize) -> Result<Vec<Hit>, RetrievalError> {
        self.search_in_context(question, None, limit)
    }

    /// Like [`Retriever::search`], with earlier turns of a conversation as context:
    /// their words count, at a fraction of the question's weight.
    pub fn search_in_context(
        &self,
        question: &str,
        context: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Hit>, RetrievalError> {
        let limit = limit.max(1);
        let mut terms = self.terms(question);
        if let Some(context) = context {
            for mut term in self.terms(context) {
                if !terms.iter().any(|t| t.text == term.text) {
                    term.weight *= CONTEXT_WEIGHT;
                    terms.push(term);
                }
            }
        }
        let searcher = self.reader.searcher();
        let per_file = self.ranking.per_file.max(1);
        let depth = self.ranking.depth.max(limit * 4).max(20);
        let about_releases = asks_about_releases(question);
        let collector = TopDocs::with_limit(depth).order_by_score();
        let top = searcher.search(&self.build(&terms)?, &collector)?;
        let files = self.file_scores(&searcher, &terms)?;
        let top = self.rerank(&searcher, top, &files, about_releases)?;
        let wanted = wanted_release(question);
        let (top, focus) = match &wanted {
            Some(wanted) => self.focus_release(&searcher, top, wanted)?,
            None => (top, Focus::default()),
        };
        // Diversify by file before loading any stored document.
        let mut per_path: HashMap<u64, usize> = HashMap::new();
        let mut hits = Vec::with_capacity(limit);
        for (score, address, file) in top {
            let seen = per_path.entry(file).or_default();
            let allowed = if focus.files.contains(&file) {
                per_file.max(changelog::PER_RELEASE)
            } else {
                per_file
            };
            if *seen >= allowed {
                continue;
            }
            *seen += 1;
            let doc: TantivyDocument = searcher.doc(address)?;
            let mut hit = self.hit(&doc, score);
            hit.release_entry = focus.entries.contains(&address);
            hits.push(hit);
            if hits.len() == limit {
                break;
            }
        }
        if about_releases {
            let top_score = hits.first().map_or(1.0, |h| h.score);
            let notes = self.release_notes(question, top_score, wanted.is_some());
            let keep = limit.saturating_sub(notes.len());
            hits.truncate(keep);
            hits.splice(0..0, notes);
        }
        Ok(hits)
    }

    /// Puts the changelog entries of the release a question wants first (just
    /// above the best candidate, in file order) and drops that changelog's
    /// entries of other releases. Returns the re-ranked candidates and what
    /// was put first.
    fn focus_release(
        &self,
        searcher: &Searcher,
        mut top: Vec<Candidate>,
        wanted: &WantedRelease,
    ) -> Result<(Vec<Candidate>, Focus), RetrievalError> {
        let changelogs = match self.changelogs.get() {
            Some(changelogs) => changelogs,
            None => {
                let loaded = Changelogs::load(searcher, &self.fields)?;
                self.changelogs.get_or_init(|| loaded)
            }
        };
        let candidates: Vec<u64> = top.iter().map(|(_, _, file)| *file).collect();
        let picked = changelogs.select(wanted, &candidates);
        if picked.is_empty() {
            return Ok((top, Focus::default()));
        }
        let best = top
            .first()
            .map_or(1.0, |(score, _, _)| *score)
            .max(f32::EPSILON);
        let focus: HashSet<u64> = picked.iter().map(|(_, file)| *file).collect();
        let chosen: HashSet<DocAddress> = picked.iter().map(|(address, _)| *address).collect();
        top.retain(|(_, address, file)| {
            let other_release = focus.contains(file) && changelogs.is_entry(*address);
            !chosen.contains(address) && !other_release
        });
        for (i, (address, file)) in picked.into_iter().enumerate() {
            top.push((best * (1.05 - 0.01 * i as f32), address, file));
        }
        top.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok((
            top,
            Focus {
                files: focus,
                entries: chosen,
            },
        ))
    }

    /// For a question about releases, the change summaries the index keeps
    /// (files and symbols added, changed, removed): of the releases the
    /// question names (`2.1` names `2.1.0`), else of the latest. Each is a
    /// passage at `RELEASES/<label>.md`, a path that exists only in the index,
    /// marked a release entry when the question wants that release (`wanted`;
    /// not for "is X deprecated?").
    fn release_notes(&self, question: &str, score: f32, wanted: bool) -> Vec<Hit> {
        let history = &self.meta.releases;
        if history.is_empty() {
            return Vec::new();
        }
        let named = named_versions(question);
        let matches = |label: &str| {
            let parts = version_parts(label);
            named.iter().any(|n| {
                label == *n
                    || parts
                        .as_ref()
                        .zip(version_parts(n))
                        .is_some_and(|(l, n)| l.starts_with(&n))
            })
        };
        let mut releases: Vec<&str> = Vec::new();
        for c in history.iter().filter(|c| matches(&c.release)) {
            if !releases.contains(&c.release.as_str()) {
                releases.push(&c.release);
            }
        }
        // A named release the index has no record of gets no summary (the
        // changelog may still cover it); otherwise the latest's.
        if releases.is_empty() && named.is_empty() {
            releases.extend(history.last().map(|c| c.release.as_str()));
        }
        releases
            .into_iter()
            .map(|release| {
                let text: Vec<String> = history
                    .iter()
                    .filter(|c| c.release == release)
                    .map(|c| c.markdown())
                    .collect();
                let text = text.join("\n");
                Hit {
                    path: format!("RELEASES/{release}.md"),
                    start_line: 1,
                    end_line: text.lines().count().max(1) as u32,
                    kind: "doc".to_string(),
                    lang: "markdown".to_string(),
                    symbol: None,
                    heading: Some(format!("Changes in release {release}")),
                    release: release.to_string(),
                    score,
                    text,
                    root: String::new(),
                    header: format!("RELEASES/{release}.md · changes recorded by the indexer"),
                    id: format!("release:{release}"),
                    release_entry: wanted,
                }
            })
            .collect()
    }

    /// How much of the question's vocabulary the passages contain, each term
    /// weighted by its rarity in the index (a term the index has never seen
    /// weighs most): `top` for the first passage, `all` for the first `k`.
    pub fn coverage(
        &self,
        question: &str,
        hits: &[Hit],
        k: usize,
    ) -> Result<Coverage, RetrievalError> {
        let mut stem = self.stem.clone();
        // A release's own changelog entries (or change summary) first answer
        // the words that ask for that release; the rest must still be found.
        // Otherwise a version the question names ("what changed in 7.3?") is
        // one more term, found only where a passage spells it out.
        let about_release = hits.first().is_some_and(|h| h.release_entry);
        let (asked, versions) = if about_release {
            (without_release_words(question), Vec::new())
        } else {
            (question.to_string(), release_versions(question))
        };
        let terms: Vec<String> = dedup(tokenizer::tokens(&mut stem, &topic_words(&asked)));
        if terms.is_empty() && versions.is_empty() {
            return Ok(if about_release {
                Coverage {
                    top: 1.0,
                    all: 1.0,
                    terms: 0,
                    unknown: 0,
                }
            } else {
                Coverage::default()
            });
        }
        let searcher = self.reader.searcher();
        let n = searcher.num_docs() as f32;
        let rarity = |df: f32| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let mut weights = Vec::with_capacity(terms.len() + versions.len());
        let mut unknown = 0;
        for term in &terms {
            let df = searcher.doc_freq(&Term::from_field_text(self.fields.all, term))? as f32;
            if df == 0.0 {
                unknown += 1;
            }
            weights.push(rarity(df));
        }
        weights.extend(versions.iter().map(|_| rarity(0.0)));
        let scored: Vec<String> = terms
            .iter()
            .cloned()
            .chain(versions.iter().map(|v| v.to_string()))
            .collect();
        let mut seen: HashSet<String> = HashSet::new();
        let mut covered_top = 0.0;
        let mut covered_all = 0.0;
        for (i, hit) in hits.iter().take(k.max(1)).enumerate() {
            for text in [&hit.text, &hit.path]
                .into_iter()
                .chain(hit.symbol.as_ref())
                .chain(hit.heading.as_ref())
            {
                seen.extend(tokenizer::tokens(&mut stem, text));
                seen.extend(
                    versions
                        .iter()
                        .filter(|v| mentions_version(text, v))
                        .map(|v| v.to_string()),
                );
            }
            if i == 0 {
                covered_top = covered(&scored, &weights, &seen);
            }
        }
        if !hits.is_empty() {
            covered_all = covered(&scored, &weights, &seen);
        }
        let total: f32 = weights.iter().sum();
        let share = |covered: f32| if total > 0.0 { covered / total } else { 0.0 };
        Ok(Coverage {
            top: share(covered_top),
            all: share(covered_all),
            terms: scored.len(),
            unknown,
        })
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
        files: &HashMap<u64, f32>,
        about_releases: bool,
    ) -> Result<Vec<Candidate>, RetrievalError> {
        let mut columns = FastColumns::new(searcher);
        let mut scored: Vec<Candidate> = Vec::with_capacity(top.len());
        for (score, address) in top {
            let (role, file) = columns.get(address)?;
            let file_score = files.get(&file).copied().unwrap_or(0.0);
            let score = (score + self.ranking.card * file_score) * self.prior(role, about_releases);
            scored.push((score, address, file));
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(scored)
    }

    /// Scores files by their cards (summary and item names): what each file is
    /// about, as evidence for its chunks. Keyed by file hash.
    fn file_scores(
        &self,
        searcher: &Searcher,
        terms: &[QueryTerm],
    ) -> Result<HashMap<u64, f32>, RetrievalError> {
        let mut scores = HashMap::new();
        if self.ranking.card <= 0.0 {
            return Ok(scores);
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|QueryTerm { text, weight, .. }| {
                let term = Term::from_field_text(self.fields.card, text);
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), *weight)) as Box<dyn Query>,
                )
            })
            .collect();
        let collector = TopDocs::with_limit(self.ranking.card_depth.max(1)).order_by_score();
        let mut columns = FastColumns::new(searcher);
        for (score, address) in searcher.search(&BooleanQuery::new(clauses), &collector)? {
            scores.insert(columns.get(address)?.1, score);
        }
        Ok(scores)
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
            release_entry: false,
        }
    }
}
