//! Extractive answers: the most relevant lines of the best passages, quoted
//! verbatim and cited, labelled as excerpts. Never invented text.

use std::collections::HashSet;

use docent_indexer::tokenizer::{self, stem_analyzer};

use crate::retrieval::{Hit, content_words};

/// Passages quoted in an extractive answer.
pub const QUOTED_PASSAGES: usize = 3;
/// Lines quoted from each passage at most.
const QUOTED_LINES: usize = 10;

/// The opening line of every extractive answer.
pub const EXCERPT_LABEL: &str =
    "These excerpts from the documentation and code look relevant (quoted, not generated):";

/// The window of at most `QUOTED_LINES` lines of `text` holding the most question
/// terms: (first line index, last line index), 0-based inclusive.
fn best_window(lines: &[&str], terms: &HashSet<String>) -> (usize, usize) {
    if lines.len() <= QUOTED_LINES {
        return (0, lines.len().saturating_sub(1));
    }
    let mut analyzer = stem_analyzer();
    let hits: Vec<usize> = lines
        .iter()
        .map(|l| {
            tokenizer::tokens(&mut analyzer, l)
                .iter()
                .filter(|t| terms.contains(*t))
                .count()
        })
        .collect();
    let mut best = (0, 0usize);
    let mut sum: usize = hits[..QUOTED_LINES].iter().sum();
    best.1 = sum;
    for start in 1..=lines.len() - QUOTED_LINES {
        sum = sum + hits[start + QUOTED_LINES - 1] - hits[start - 1];
        if sum > best.1 {
            best = (start, sum);
        }
    }
    (best.0, best.0 + QUOTED_LINES - 1)
}

/// The extractive answer for a question from its passages (already numbered
/// 1..n in order): the best lines of the first few, each with its citation.
pub fn answer(question: &str, hits: &[Hit]) -> String {
    let mut analyzer = stem_analyzer();
    let terms: HashSet<String> = tokenizer::tokens(&mut analyzer, &content_words(question))
        .into_iter()
        .collect();
    let mut out = String::from(EXCERPT_LABEL);
    for (i, hit) in hits.iter().take(QUOTED_PASSAGES).enumerate() {
        let n = i + 1;
        let lines: Vec<&str> = hit.text.lines().collect();
        let (first, last) = best_window(&lines, &terms);
        let label = hit.symbol.as_deref().or(hit.heading.as_deref());
        let start = hit.start_line as usize + first;
        let end = hit.start_line as usize + last;
        out.push_str(&format!("\n\n[{n}] `{}:{start}-{end}`", hit.path));
        if let Some(label) = label {
            out.push_str(&format!(" ({label})"));
        }
        let excerpt = &lines[first..=last.min(lines.len().saturating_sub(1))];
        if hit.kind == "code" {
            let fence = if excerpt.iter().any(|l| l.contains("```")) {
                "~~~~"
            } else {
                "```"
            };
            out.push_str(&format!("\n{fence}{}\n", hit.lang));
            for line in excerpt {
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(fence);
        } else {
            out.push('\n');
            for line in excerpt {
                out.push_str("\n> ");
                out.push_str(line);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(path: &str, kind: &str, start: u32, text: &str) -> Hit {
        Hit {
            path: path.into(),
            start_line: start,
            end_line: start + text.lines().count() as u32 - 1,
            kind: kind.into(),
            lang: if kind == "code" {
                "rust".into()
            } else {
                "markdown".into()
            },
            symbol: None,
            heading: Some("Webhooks".into()),
            release: "2.1.0".into(),
            score: 1.0,
            text: text.into(),
            root: "corpus".into(),
            release_entry: false,
            header: String::new(),
            id: String::new(),
        }
    }

    #[test]
    fn quotes_verbatim_lines_with_exact_citations() {
        let doc: String = (1..=30)
            .map(|i| {
                if i == 20 {
                    "Verify the signature with the secret.\n".to_string()
                } else {
                    format!("filler line {i}\n")
                }
            })
            .collect();
        let hits = vec![
            hit("docs/webhooks.md", "doc", 100, &doc),
            hit("src/lib.rs", "code", 5, "fn verify() {}\n"),
        ];
        let text = answer("how do I verify the signature?", &hits);
        assert!(text.starts_with(EXCERPT_LABEL));
        assert!(text.contains("\n\n[2] `src/lib.rs:5-5`"), "{text}");
        assert!(
            text.contains("> Verify the signature with the secret."),
            "{text}"
        );
        // The window holding line 20 of the passage, which starts at file line 100.
        let cite = text.lines().find(|l| l.starts_with("[1]")).unwrap();
        let range: Vec<u32> = cite
            .split(':')
            .nth(1)
            .unwrap()
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .split('-')
            .map(|n| n.trim_end_matches('`').parse().unwrap())
            .collect();
        assert!(
            range[0] <= 119 && 119 <= range[1] && range[1] - range[0] < 10,
            "{cite}"
        );
        assert!(text.contains("```rust\nfn verify() {}\n```"));
    }
}
