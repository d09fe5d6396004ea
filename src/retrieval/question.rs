//! Question analysis: content words, joined compounds, release intent.

/// Words that carry no topic in a support question.
const STOPWORDS: &[&str] = &[
    "a",
    "able",
    "about",
    "actually",
    "after",
    "again",
    "against",
    "ago",
    "all",
    "almost",
    "already",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "anybody",
    "anyone",
    "anything",
    "anyway",
    "anywhere",
    "are",
    "around",
    "as",
    "at",
    "away",
    "back",
    "basically",
    "be",
    "because",
    "become",
    "becomes",
    "been",
    "before",
    "behind",
    "being",
    "below",
    "beside",
    "besides",
    "best",
    "better",
    "between",
    "beyond",
    "both",
    "bring",
    "but",
    "by",
    "came",
    "can",
    "certainly",
    "come",
    "comes",
    "coming",
    "could",
    "currently",
    "definitely",
    "despite",
    "did",
    "do",
    "does",
    "doesn",
    "doing",
    "done",
    "each",
    "either",
    "else",
    "enough",
    "especially",
    "etc",
    "even",
    "ever",
    "every",
    "everyone",
    "everything",
    "everywhere",
    "exactly",
    "example",
    "fine",
    "first",
    "following",
    "for",
    "from",
    "further",
    "gave",
    "get",
    "gets",
    "getting",
    "give",
    "given",
    "gives",
    "giving",
    "go",
    "goes",
    "going",
    "gone",
    "good",
    "got",
    "great",
    "guess",
    "guys",
    "had",
    "happen",
    "happened",
    "happens",
    "has",
    "have",
    "having",
    "hello",
    "help",
    "hence",
    "her",
    "here",
    "hers",
    "herself",
    "hi",
    "him",
    "himself",
    "his",
    "hopefully",
    "how",
    "however",
    "i",
    "idea",
    "if",
    "im",
    "in",
    "instead",
    "into",
    "is",
    "it",
    "its",
    "just",
    "keep",
    "kind",
    "know",
    "last",
    "later",
    "least",
    "less",
    "let",
    "lets",
    "like",
    "likely",
    "little",
    "lot",
    "lots",
    "made",
    "make",
    "makes",
    "making",
    "many",
    "may",
    "maybe",
    "me",
    "mean",
    "means",
    "meanwhile",
    "might",
    "mine",
    "more",
    "most",
    "mostly",
    "much",
    "must",
    "my",
    "myself",
    "near",
    "nearly",
    "need",
    "needed",
    "needs",
    "neither",
    "never",
    "nevertheless",
    "next",
    "nice",
    "nobody",
    "none",
    "nor",
    "nothing",
    "now",
    "nowhere",
    "of",
    "often",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "onto",
    "or",
    "other",
    "others",
    "otherwise",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "particular",
    "perhaps",
    "please",
    "possible",
    "pretty",
    "probably",
    "quite",
    "rather",
    "really",
    "regarding",
    "right",
    "said",
    "same",
    "saw",
    "say",
    "says",
    "see",
    "seem",
    "seemed",
    "seems",
    "seen",
    "several",
    "shall",
    "she",
    "should",
    "simply",
    "since",
    "so",
    "some",
    "someone",
    "something",
    "sometimes",
    "somewhat",
    "soon",
    "sort",
    "still",
    "stuff",
    "such",
    "sure",
    "take",
    "taken",
    "takes",
    "tell",
    "than",
    "thank",
    "thanks",
    "that",
    "thats",
    "the",
    "their",
    "them",
    "themselves",
    "then",
    "thence",
    "there",
    "thereafter",
    "thereby",
    "therefore",
    "these",
    "they",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "throughout",
    "thus",
    "to",
    "together",
    "too",
    "took",
    "toward",
    "towards",
    "truly",
    "try",
    "trying",
    "twice",
    "under",
    "unless",
    "unlike",
    "until",
    "upon",
    "us",
    "use",
    "used",
    "using",
    "usually",
    "various",
    "very",
    "via",
    "want",
    "wanted",
    "wants",
    "was",
    "way",
    "we",
    "well",
    "went",
    "were",
    "what",
    "whatever",
    "whats",
    "when",
    "whenever",
    "where",
    "whereas",
    "wherever",
    "whether",
    "which",
    "whichever",
    "while",
    "who",
    "whoever",
    "whole",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "wonder",
    "wondering",
    "would",
    "yes",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

pub(crate) fn is_stopword(word: &str) -> bool {
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
pub(crate) fn compounds(words: &str) -> Vec<String> {
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
