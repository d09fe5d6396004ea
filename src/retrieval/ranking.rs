//! Ranking parameters: field boosts, role priors, diversity. The defaults are
//! what `docent search` and `docent eval` use; `--set NAME=VALUE` overrides one.

/// How results are ranked; the defaults are what `docent search` uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranking {
    pub body: f32,
    /// Comments, docstrings and doc text.
    pub prose: f32,
    /// The summary of a code chunk's file.
    pub context: f32,
    /// Weight of the file's own score (its card: summary and item names) added
    /// to each of its chunks' scores.
    pub card: f32,
    /// Files scored by their cards.
    pub card_depth: usize,

    pub symbol: f32,
    pub heading: f32,
    pub path: f32,
    /// At most this many passages of one file in a result list.
    pub per_file: usize,
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
            "card" => self.card = float()?,
            "card_depth" => self.card_depth = int()?,

            "symbol" => self.symbol = float()?,
            "heading" => self.heading = float()?,
            "path" => self.path = float()?,
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
            card: 0.8,
            card_depth: 50,
            symbol: 1.5,
            heading: 2.0,
            path: 1.0,
            per_file: 1,
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
