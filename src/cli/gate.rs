//! `docent index --gate FILE.jsonl --min-hit5 X [--max-drop D]`: a new
//! generation is evaluated on a question set before it is published, and
//! refused when its hit@5 is below X or falls more than D below the served
//! generation's on the same questions.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use docent::eval::{self, Question};
use docent::retrieval::Retriever;
use docent_indexer::{Gate, IndexDir};

pub struct QualityGate {
    questions: Vec<Question>,
    min_hit5: f64,
    max_drop: f64,
    /// The served generation's hit@5 on the same questions, if one is served.
    served: Option<(u64, f64)>,
    /// What the check found, for the summary.
    verdict: Mutex<Option<String>>,
}

impl QualityGate {
    /// Loads the questions and scores the served generation on them.
    pub fn new(index: &Path, files: &[PathBuf], min_hit5: f64, max_drop: f64) -> Result<Self> {
        let mut questions = Vec::new();
        for file in files {
            questions.extend(eval::load_questions(file)?);
        }
        questions.retain(|q| !q.out_of_scope);
        anyhow::ensure!(
            !questions.is_empty(),
            "--gate: the question set has no answerable questions to score"
        );
        let served = match IndexDir::new(index).current() {
            Ok(Some(_)) => match Retriever::open(index) {
                Ok(r) => {
                    let scores = eval::evaluate(&r, &questions)
                        .context("scoring the served generation for --gate")?;
                    Some((r.generation().generation, scores.hit_at_5))
                }
                // Another schema: nothing comparable is served.
                Err(_) => None,
            },
            _ => None,
        };
        Ok(QualityGate {
            questions,
            min_hit5,
            max_drop,
            served,
            verdict: Mutex::new(None),
        })
    }

    /// One line on what the gate did (or that nothing was new to check).
    pub fn summary(&self) -> String {
        let verdict = self.verdict.lock().unwrap_or_else(|p| p.into_inner());
        verdict
            .clone()
            .unwrap_or_else(|| "gate: nothing new to check (no generation was written)".to_string())
    }

    fn judge(&self, hit5: f64) -> Result<String, String> {
        let served = match self.served {
            Some((generation, before)) => {
                format!(" (served generation {generation}: {before:.3})")
            }
            None => String::new(),
        };
        let line = format!(
            "gate: hit@5 {hit5:.3} on {} questions{served}; minimum {:.3}, largest drop {:.3}",
            self.questions.len(),
            self.min_hit5,
            self.max_drop
        );
        if hit5 < self.min_hit5 {
            return Err(format!("{line}: hit@5 is below the minimum"));
        }
        if let Some((_, before)) = self.served
            && before - hit5 > self.max_drop + 1e-9
        {
            return Err(format!(
                "{line}: hit@5 fell by {:.3} from the served generation",
                before - hit5
            ));
        }
        Ok(format!("{line}: passed"))
    }
}

impl Gate for QualityGate {
    fn check(&self, index: &IndexDir, candidate: &Path) -> Result<(), String> {
        let retriever = Retriever::open_generation(index.path(), candidate)
            .map_err(|e| format!("cannot open the new generation: {e}"))?;
        let scores = eval::evaluate(&retriever, &self.questions).map_err(|e| e.to_string())?;
        let verdict = self.judge(scores.hit_at_5);
        let mut slot = self.verdict.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(match &verdict {
            Ok(line) | Err(line) => line.clone(),
        });
        verdict.map(|_| ())
    }
}
