//! Question analysis: content words, joined compounds, release intent.

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

/// Common English words that are not stopwords for retrieval but say nothing about
/// whether the docs cover a question ("lots", "though", "myself"): ignored by coverage.
const FILLER: &[&str] = &[
    "able",
    "actually",
    "almost",
    "although",
    "among",
    "another",
    "anybody",
    "anything",
    "anyway",
    "anywhere",
    "basically",
    "because",
    "behind",
    "beside",
    "besides",
    "both",
    "certainly",
    "definitely",
    "despite",
    "doesn",
    "each",
    "either",
    "enough",
    "especially",
    "etc",
    "every",
    "everyone",
    "everything",
    "everywhere",
    "exactly",
    "fine",
    "guess",
    "guys",
    "hence",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "hopefully",
    "however",
    "let",
    "lets",
    "likely",
    "lot",
    "lots",
    "may",
    "maybe",
    "meanwhile",
    "mine",
    "mostly",
    "must",
    "myself",
    "needed",
    "neither",
    "nevertheless",
    "nice",
    "nobody",
    "none",
    "nor",
    "nothing",
    "now",
    "nowhere",
    "ok",
    "okay",
    "onto",
    "otherwise",
    "ought",
    "ours",
    "ourselves",
    "out",
    "over",
    "perhaps",
    "pretty",
    "probably",
    "quite",
    "rather",
    "really",
    "regarding",
    "seem",
    "seemed",
    "seems",
    "shall",
    "she",
    "simply",
    "since",
    "somewhat",
    "such",
    "sure",
    "thank",
    "thats",
    "themselves",
    "thence",
    "thereafter",
    "thereby",
    "therefore",
    "think",
    "though",
    "throughout",
    "thus",
    "too",
    "truly",
    "unless",
    "unlike",
    "until",
    "upon",
    "very",
    "via",
    "wanted",
    "wants",
    "well",
    "whatever",
    "whenever",
    "whereas",
    "wherever",
    "whether",
    "whichever",
    "whoever",
    "whom",
    "whose",
    "within",
    "without",
    "wonder",
    "wondering",
    "yes",
    "yours",
    "yourself",
    "yourselves",
];

pub(crate) fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Whether a (lowercase) word is filler for coverage: a stopword or common English.
pub fn is_filler(word: &str) -> bool {
    is_stopword(word) || FILLER.binary_search(&word).is_ok()
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

/// The words of a question that say what it is about: content words minus
/// common English filler. Coverage is measured on these.
pub fn topic_words(query: &str) -> String {
    content_words(query)
        .split(' ')
        .filter(|w| !is_filler(&w.to_lowercase().replace('\'', "")))
        .collect::<Vec<_>>()
        .join(" ")
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

pub(crate) fn dedup(mut terms: Vec<String>) -> Vec<String> {
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
    fn word_lists_are_sorted_for_binary_search() {
        for list in [STOPWORDS, FILLER] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, list);
        }
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
