//! Prose of a chunk: the natural-language text a question is most likely to
//! share words with. All of a doc chunk; the comments and docstrings of a code
//! chunk. Indexed in its own field so explanation outweighs identifiers.

use crate::lang::{Kind, Lang};

/// Extracts the prose of a chunk's text.
pub fn extract(lang: Lang, kind: Kind, text: &str) -> String {
    match kind {
        Kind::Doc => text.to_string(),
        Kind::Config => String::new(),
        Kind::Code => match lang {
            Lang::Python => python_prose(text),
            _ => c_like_prose(text),
        },
    }
}

/// `//`, `///`, `//!`, `/* */` and `*`-continued block comment lines.
fn c_like_prose(text: &str) -> String {
    let mut out = String::new();
    let mut in_block = false;
    for line in text.lines() {
        let t = line.trim_start();
        let content = if in_block {
            if let Some(end) = t.find("*/") {
                in_block = false;
                &t[..end]
            } else {
                t
            }
        } else if let Some(rest) = t.strip_prefix("//") {
            rest
        } else if let Some(rest) = t.strip_prefix("/*") {
            match rest.find("*/") {
                Some(end) => &rest[..end],
                None => {
                    in_block = true;
                    rest
                }
            }
        } else {
            continue;
        };
        let content = content.trim_start_matches(['/', '!', '*']).trim();
        if !content.is_empty() {
            out.push_str(content);
            out.push('\n');
        }
    }
    out
}

/// `#` comments and triple-quoted strings (docstrings).
fn python_prose(text: &str) -> String {
    let mut out = String::new();
    let mut in_string: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(quote) = in_string {
            match t.find(quote) {
                Some(end) => {
                    out.push_str(&t[..end]);
                    in_string = None;
                }
                None => out.push_str(t),
            }
            out.push('\n');
            continue;
        }
        if let Some(rest) = t.strip_prefix('#') {
            out.push_str(rest.trim());
            out.push('\n');
            continue;
        }
        let rest = t.trim_start_matches(['r', 'b', 'u', 'f', 'R', 'B', 'U', 'F']);
        for quote in ["\"\"\"", "'''"] {
            if let Some(body) = rest.strip_prefix(quote) {
                match body.find(quote) {
                    Some(end) => out.push_str(&body[..end]),
                    None => {
                        out.push_str(body);
                        in_string = Some(quote);
                    }
                }
                out.push('\n');
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_comments_from_c_like_code() {
        let text = "/// Sends a request.\n/// Retries on 429.\npub fn send() {\n    // one attempt\n    let x = 1; // not this\n    /* block\n     * more */\n}\n";
        assert_eq!(
            extract(Lang::Rust, Kind::Code, text),
            "Sends a request.\nRetries on 429.\none attempt\nblock\nmore\n"
        );
    }

    #[test]
    fn takes_docstrings_and_comments_from_python() {
        let text = "def f():\n    \"\"\"Verify a webhook.\n\n    Uses HMAC.\n    \"\"\"\n    # compare\n    return 1\n";
        assert_eq!(
            extract(Lang::Python, Kind::Code, text),
            "Verify a webhook.\n\nUses HMAC.\n\ncompare\n"
        );
    }

    #[test]
    fn doc_chunks_are_all_prose_and_config_none() {
        assert_eq!(extract(Lang::Markdown, Kind::Doc, "# A\nb"), "# A\nb");
        assert_eq!(extract(Lang::Toml, Kind::Config, "a = 1"), "");
    }
}
