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

/// Words that make a question one about releases on their own.
const RELEASE_WORDS: &[&str] = &[
    "breaking",
    "changed",
    "changelog",
    "deprecate",
    "deprecated",
    "deprecation",
    "migrate",
    "migration",
    "release",
    "released",
    "releases",
    "upgrade",
    "upgrading",
];

/// Words that make a question one about releases only next to a version
/// number ("what was added in 2.1") or in "what's new": "how do I add a new
/// webhook" is not about releases.
const WEAK_RELEASE_WORDS: &[&str] = &[
    "added", "changes", "fixed", "fixes", "latest", "new", "newest", "removed", "version",
    "versions",
];

/// Words that ask for the newest release when no version is named.
const LATEST_WORDS: &[&str] = &["current", "last", "latest", "new", "newest", "recent"];

fn lower_words(question: &str) -> Vec<String> {
    question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The words of a question that could be version numbers, punctuation
/// around them trimmed: `v2.1`, `2.1.0-rc.1`, `127.0.0.1`, `soon`.
fn version_words(question: &str) -> impl Iterator<Item = &str> {
    question
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|w| w.trim_matches(['.', '-']))
}

/// The version numbers a question names, as written without a leading `v`:
/// `2.1`, `v2.0.0`. A bare integer is not a version.
pub fn named_versions(question: &str) -> Vec<&str> {
    version_words(question)
        .map(|w| w.trim_start_matches(['v', 'V']))
        .filter(|w| w.contains('.') && w.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// The versions a question names that must be releases: in a question about
/// releases, or written as one (`v2`, `2.1.0`); a `2.5` second timeout is not.
pub fn release_versions(question: &str) -> Vec<&str> {
    let about_releases = asks_about_releases(question);
    version_words(question)
        .filter(|w| {
            let parts = version_parts(w).map_or(0, |p| p.len());
            (2..=3).contains(&parts) && (about_releases || parts == 3 || w.starts_with(['v', 'V']))
        })
        .map(|w| w.trim_start_matches(['v', 'V']))
        .collect()
}

/// Whether a question asks about releases: what changed, what is deprecated.
pub fn asks_about_releases(question: &str) -> bool {
    let words = lower_words(question);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    has(RELEASE_WORDS)
        || (has(WEAK_RELEASE_WORDS) && !named_versions(question).is_empty())
        || asks_whats_new(&words)
}

/// "what's new", "whats new", "what is new".
fn asks_whats_new(words: &[String]) -> bool {
    words
        .windows(2)
        .any(|w| matches!(w[0].as_str(), "whats" | "s" | "is") && w[1] == "new")
}

/// Which release a question about releases wants the changelog entries of.
#[derive(Debug, Clone, PartialEq)]
pub enum WantedRelease {
    /// The versions it names, each as its numeric parts (`2.1` is `[2, 1]`).
    Named(Vec<Vec<u64>>),
    /// The newest ("what's new", "what changed in the latest release").
    Latest,
}

/// The release a question wants, if it asks about one: the versions it
/// names, else the newest when it says latest/new/recent or "what changed";
/// none for questions like "is X deprecated?", which any release may answer.
pub fn wanted_release(question: &str) -> Option<WantedRelease> {
    if !asks_about_releases(question) {
        return None;
    }
    let named: Vec<Vec<u64>> = named_versions(question)
        .into_iter()
        .filter_map(version_parts)
        .collect();
    if !named.is_empty() {
        return Some(WantedRelease::Named(named));
    }
    let words = lower_words(question);
    let latest = words.iter().any(|w| LATEST_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|w| w[0] == "what" && w[1] == "changed");
    latest.then_some(WantedRelease::Latest)
}

/// The question without the words that ask for a release (`what changed in
/// 2.1`, `the latest release`): what is left is what it asks about within it.
pub fn without_release_words(question: &str) -> String {
    question
        .split_whitespace()
        .filter(|word| {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
            let lower = bare.to_lowercase();
            let lower = lower.trim_end_matches("'s");
            let named = !named_versions(bare).is_empty();
            !(named
                || RELEASE_WORDS.contains(&lower)
                || WEAK_RELEASE_WORDS.contains(&lower)
                || LATEST_WORDS.contains(&lower))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The numeric parts of a version string: `2.1.0-beta` is `[2, 1, 0]`; none
/// when it does not start with `N.N`.
pub fn version_parts(text: &str) -> Option<Vec<u64>> {
    let text = text.trim_start_matches(['v', 'V']);
    let mut parts = Vec::new();
    for part in text.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        let Ok(n) = digits.parse() else { break };
        parts.push(n);
        if digits.len() != part.len() {
            break;
        }
    }
    (parts.len() >= 2).then_some(parts)
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
        assert!(asks_about_releases("What's new?"));
        assert!(asks_about_releases("what was added in v2.0"));
        assert!(!asks_about_releases("how do I verify a webhook"));
        assert!(!asks_about_releases("how do I add a new webhook endpoint"));
        assert!(!asks_about_releases(
            "which versions of python are supported"
        ));
    }

    #[test]
    fn the_wanted_release_is_named_or_the_latest() {
        use WantedRelease::*;
        assert_eq!(
            wanted_release("what changed in 2.1?"),
            Some(Named(vec![vec![2, 1]]))
        );
        assert_eq!(
            wanted_release("was anything removed in v2.0.0-rc.1"),
            Some(Named(vec![vec![2, 0, 0]]))
        );
        assert_eq!(
            wanted_release("what's new in the latest release"),
            Some(Latest)
        );
        assert_eq!(wanted_release("what changed?"), Some(Latest));
        assert_eq!(wanted_release("is tracking_code deprecated?"), None);
        assert_eq!(wanted_release("how do I create a shipment"), None);
    }

    #[test]
    fn release_words_are_what_a_release_entry_answers() {
        assert_eq!(
            without_release_words("What's new in the latest release?"),
            "What's in the"
        );
        assert_eq!(
            without_release_words("what changed for webhooks in v2.1?"),
            "what for webhooks in"
        );
    }

    #[test]
    fn versions_are_their_numeric_parts() {
        assert_eq!(version_parts("2.1.0"), Some(vec![2, 1, 0]));
        assert_eq!(version_parts("v0.27.1-beta.2"), Some(vec![0, 27, 1]));
        assert_eq!(version_parts("2026-09-15"), None);
        assert_eq!(version_parts("3"), None);
        assert_eq!(named_versions("in 2.1? or v1.4.2."), vec!["2.1", "1.4.2"]);
        assert_eq!(release_versions("what changed in 7.3?"), vec!["7.3"]);
        assert_eq!(release_versions("does v2.1 retry a 503"), vec!["2.1"]);
        assert_eq!(
            release_versions("set a 2.5 s timeout on 127.0.0.1"),
            Vec::<&str>::new()
        );
        assert_eq!(release_versions("tokio 1.x with 1.4.2"), vec!["1.4.2"]);
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
