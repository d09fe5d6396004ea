//! Ranking parameters: field weights, file cards, role priors, diversity. The
//! defaults are what `docent search`, `docent eval` and the service use;
//! `--set NAME=VALUE` overrides one for an experiment.

/// How results are ranked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranking {
    /// Weight of the file's own score (its card: summary and item names) added
    /// to each of its chunks' scores.
    pub card: f32,
    /// Files scored by their cards.
    pub card_depth: usize,
    /// BM25 candidates re-ranked with priors.
    pub depth: usize,
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
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            card: 0.8,
            card_depth: 50,
            depth: 100,
            per_file: 1,
            test: 0.3,
            example: 1.4,
            doc: 1.25,
            config: 1.0,
            changelog: 0.6,
            changelog_asked: 1.5,
        }
    }
}

impl Ranking {
    /// Sets a parameter by name (`card=0.5`); for experiments from the CLI.
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
            "card" => self.card = float()?,
            "card_depth" => self.card_depth = int()?,
            "depth" => self.depth = int()?,
            "per_file" => self.per_file = int()?,
            "test" => self.test = float()?,
            "example" => self.example = float()?,
            "doc" => self.doc = float()?,
            "config" => self.config = float()?,
            "changelog" => self.changelog = float()?,
            "changelog_asked" => self.changelog_asked = float()?,
            _ => return Err(format!("unknown ranking parameter {name:?}")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_set_by_name_and_bad_ones_refused() {
        let mut r = Ranking::default();
        r.set("card", "0.5").unwrap();
        r.set("per_file", "2").unwrap();
        assert_eq!((r.card, r.per_file), (0.5, 2));
        assert!(r.set("card", "lots").is_err());
        assert!(r.set("nonsense", "1").is_err());
    }
}
