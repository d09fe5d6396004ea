//! The answer pipeline: question in; citations, streamed tokens and a stored,
//! cited answer (or an honest hand-off to a person) out, within a latency budget.
//!
//! ```text
//! question ─ intent ─ retrieve (off the async threads) ─ coverage ─┬─ escalate (asked for a
//!                                                                  │   person, account topic,
//!                                                                  │   low evidence)
//!                                                                  ├─ LLM: first token by the
//!                                                                  │   deadline, done by the budget
//!                                                                  └─ extractive (no LLM, or it
//!                                                                      failed): quoted passages
//! ─ confidence ─ store (one transaction) ─ done
//! ```
//! The core knows nothing of HTTP: events go to an optional channel the HTTP
//! layer turns into SSE, and `docent ask` prints the final [`Answer`].

pub mod confidence;
pub mod extractive;
mod feedback;
pub mod scope;
pub mod verified;

pub use self::feedback::FeedbackOutcome;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;

use self::confidence::Reason;
use self::scope::Intent;
use crate::accounts::{Policies, Tier};
use crate::clock::Clock;
use crate::llm::Llm;
use crate::metrics::Metrics;
use crate::prompts::{NO_ANSWER_MARKER, PromptPassage, PromptTurn, Prompts};
use crate::retrieval::{Coverage, Hit, LiveRetriever, RetrievalError, Retriever};
use crate::store::{Exchange, NewEscalation, Store, StoreError, new_id};

/// The account a customer speaks for (from their widget key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRef {
    pub id: String,
    pub tier: Tier,
}

/// A question from a customer.
#[derive(Debug, Clone, Default)]
pub struct AskRequest {
    pub question: String,
    pub conversation_id: Option<String>,
    /// `None`: an anonymous customer, held as AI-assisted.
    pub account: Option<AccountRef>,
}

impl AskRequest {
    /// The tier the question is answered under.
    pub fn tier(&self) -> Tier {
        self.account.as_ref().map_or(Tier::AiAssisted, |a| a.tier)
    }
}

/// A cited passage, numbered as the answer cites it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Citation {
    pub n: usize,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<String>,
    pub heading: Option<String>,
    pub release: String,
}

/// Where the time went, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timings {
    pub retrieval_ms: u64,
    /// Until the model's first token; `null` when no model answered.
    pub first_token_ms: Option<u64>,
    pub total_ms: u64,
}

/// How an answer was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Llm,
    Extractive,
    /// A CSM's verified answer to a question like this one.
    Verified,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Llm => "llm",
            Mode::Extractive => "extractive",
            Mode::Verified => "verified",
        }
    }
}

/// The answer to a question, as `/v1/ask` returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub conversation_id: String,
    pub message_id: String,
    pub answer: String,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub escalated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_id: Option<String>,
    pub mode: Mode,
    pub timings: Timings,
    /// Why confidence is lowered or the question escalated.
    pub reasons: Vec<Reason>,
    /// Version of the prompts, when the model answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_version: Option<String>,
    /// Who follows up, and by when, when the question went to a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<Handoff>,
    /// The verified answer served, when `mode` is `verified`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<VerifiedRef>,
}

/// Which verified answer was served, and who vouched for it when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedRef {
    pub id: String,
    pub verified_by: String,
    pub verified_at: i64,
}

/// What a customer is told when a person takes over their conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handoff {
    /// The CSM handling it, else the account's CSM, else the support team.
    pub who: String,
    /// The first response is due within this many hours of the escalation...
    pub sla_hours: f64,
    /// ...that is, by this time (Unix ms).
    pub due_at: i64,
}

/// Who follows up when no CSM is named.
pub const SUPPORT_TEAM: &str = "Our support team";

impl Handoff {
    /// The hand-off of a conversation's escalation under `policies`.
    pub fn of(e: &crate::store::ConversationEscalation, policies: &Policies) -> Handoff {
        let who = e
            .assignee
            .clone()
            .or_else(|| e.account_csm.clone())
            .unwrap_or_else(|| SUPPORT_TEAM.to_string());
        Handoff {
            who,
            sla_hours: policies.of(e.tier).sla.as_secs_f64() / 3600.0,
            due_at: e.sla_deadline,
        }
    }
}

/// What the pipeline emits while it works.
#[derive(Debug, Clone)]
pub enum Event {
    /// The passages the answer draws on, before any token.
    Citations(Vec<Citation>),
    /// Answer text as it is produced.
    Delta(String),
    /// The model failed after streaming some text: discard what was shown.
    Reset(&'static str),
    /// The stored answer; `answer` in it is authoritative.
    Done(Box<Answer>),
}

/// Why a question was not answered at all (nothing is stored).
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("the question is empty")]
    EmptyQuestion,
    #[error("the question is {chars} characters long; the limit is {max}")]
    QuestionTooLong { chars: usize, max: usize },
    #[error("no conversation with id {0:?}")]
    UnknownConversation(String),
    #[error("no answer with message id {0:?}")]
    UnknownMessage(String),
    #[error(transparent)]
    Retrieval(#[from] RetrievalError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Tunables of the pipeline.
#[derive(Debug, Clone)]
pub struct Settings {
    pub budget: Duration,
    pub first_token: Duration,
    pub passages: usize,
    /// SLAs and confidence thresholds by tier.
    pub policies: Policies,
    pub max_question_chars: usize,
    /// Most (estimated) tokens of prompt sent to the model.
    pub prompt_tokens: usize,
}

/// The retrieval half of an answer: passages, coverage and the escalation
/// decision it implies. `docent eval --escalation` scores this.
#[derive(Debug, Clone)]
pub struct Triage {
    pub intent: Intent,
    pub hits: Vec<Hit>,
    pub coverage: Coverage,
    pub confidence: f32,
    pub reasons: Vec<Reason>,
    /// The release of the generation searched (a swap mid-answer changes
    /// nothing: the answer is of the generation it started on).
    pub release: String,
}

impl Triage {
    /// Whether the question goes to a person whatever a model would say.
    pub fn must_escalate(&self, threshold: f32) -> bool {
        self.intent != Intent::Product || self.confidence < threshold
    }
}

/// Retrieval, coverage and intent for a question: everything the escalation
/// decision needs, without a model. CPU-bound; call off the async threads.
pub fn triage(
    retriever: &Retriever,
    question: &str,
    context: Option<&str>,
    passages: usize,
) -> Result<Triage, RetrievalError> {
    let intent = scope::classify(question);
    let hits = match retriever.search_in_context(question, context, passages) {
        Ok(hits) => hits,
        Err(RetrievalError::EmptyQuery) => Vec::new(),
        Err(e) => return Err(e),
    };
    let coverage = retriever.coverage(question, &hits, extractive::QUOTED_PASSAGES)?;
    let (mut confidence, mut reasons) = confidence::from_retrieval(&coverage, hits.len());
    match intent {
        Intent::AskedForHuman => reasons.insert(0, Reason::AskedForHuman),
        Intent::Account => {
            confidence = confidence.min(0.1);
            reasons.insert(0, Reason::AccountQuestion);
        }
        Intent::Product => {}
    }
    Ok(Triage {
        release: retriever.generation().release.clone(),
        intent,
        hits,
        coverage,
        confidence,
        reasons,
    })
}

/// What an exchange records besides the answer.
struct Asked {
    new_conversation: bool,
    account_id: Option<String>,
    tier: Tier,
    at: i64,
    question: String,
    model: Option<String>,
    release: String,
    llm_fallback: Option<String>,
    escalation: Option<NewEscalation>,
}

/// The answer service's core.
pub struct Engine {
    /// The served generation; a new one is swapped in when published.
    pub retriever: Arc<LiveRetriever>,
    pub llm: Option<Arc<dyn Llm>>,
    pub prompts: Arc<Prompts>,
    pub store: Store,
    pub settings: Settings,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
}

/// The hand-off message for an escalation reason.
fn handoff(reason: Reason) -> &'static str {
    match reason {
        Reason::AskedForHuman => {
            "I've passed this conversation to your account team. A person will follow up here."
        }
        Reason::AccountQuestion => {
            "Billing, pricing, refunds and contracts are handled by your account team. I've passed \
             your question on; a person will follow up here."
        }
        _ => {
            "I couldn't find a reliable answer to this in the documentation, so I've passed your \
             question to your account team. A person will follow up here."
        }
    }
}

fn citations(hits: &[Hit]) -> Vec<Citation> {
    hits.iter()
        .enumerate()
        .map(|(i, h)| Citation {
            n: i + 1,
            path: h.path.clone(),
            start_line: h.start_line,
            end_line: h.end_line,
            symbol: h.symbol.clone(),
            heading: h.heading.clone(),
            release: h.release.clone(),
        })
        .collect()
}

/// What the customer is shown when their question goes to a person: the
/// hand-off, and for weak evidence the passages that came closest.
fn hand_off_text(reason: Reason, cites: &[Citation]) -> String {
    let mut shown = handoff(reason).to_string();
    let weak = matches!(
        reason,
        Reason::LowRetrievalEvidence
            | Reason::ModelNoAnswer
            | Reason::NoCitations
            | Reason::InvalidCitations
    );
    if weak && !cites.is_empty() {
        shown.push_str("\n\nMeanwhile, these passages may be related:");
        for c in cites.iter().take(3) {
            shown.push_str(&format!(
                "\n- [{}] `{}:{}-{}`",
                c.n, c.path, c.start_line, c.end_line
            ));
        }
    }
    shown
}

/// The escalation stored for a CSM: the reason, the draft answer, the
/// passages with their citations, and the deadline of the first response.
fn escalation_record(
    reason: Reason,
    draft: &str,
    hits: &[Hit],
    cites: &[Citation],
    sla_deadline: i64,
) -> NewEscalation {
    let passages: Vec<serde_json::Value> = hits
        .iter()
        .zip(cites)
        .map(|(h, c)| serde_json::json!({"citation": c, "text": h.text}))
        .collect();
    NewEscalation {
        id: new_id("e_"),
        reason: reason.as_str().to_string(),
        draft: draft.to_string(),
        passages_json: serde_json::to_string(&passages).unwrap_or_else(|_| "[]".to_string()),
        sla_deadline,
    }
}

/// Characters per token assumed when sizing prompts: English prose and code
/// average three to four; the lower figure errs toward a smaller prompt.
const CHARS_PER_TOKEN_ESTIMATE: usize = 3;

/// An estimate of the tokens chat messages take.
fn estimate_tokens(messages: &[crate::llm::ChatMessage]) -> usize {
    messages
        .iter()
        .map(|m| m.content.chars().count().div_ceil(CHARS_PER_TOKEN_ESTIMATE) + 4)
        .sum()
}

fn millis(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// How a model attempt ended.
enum ModelOutcome {
    Answered {
        text: String,
        first_token: Duration,
    },
    /// `first_token` is set when the model had started answering.
    Failed {
        why: String,
        first_token: Option<Duration>,
        /// It ran out of time (rather than erring).
        timed_out: bool,
    },
}

/// Reads the no-answer marker in a model's answer. Small models sometimes
/// write an answer and add the marker anyway: only an answer that is little
/// more than the marker counts as "no answer"; otherwise the marker is removed.
fn read_no_answer(text: &str) -> (String, bool) {
    if !text.contains(NO_ANSWER_MARKER) {
        return (text.to_string(), false);
    }
    let rest = text.replace(NO_ANSWER_MARKER, "");
    let letters = rest.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 40 {
        (text.to_string(), true)
    } else {
        (rest.trim().to_string(), false)
    }
}

/// Whether a finished model answer is usable text at all.
fn looks_like_garbage(text: &str) -> bool {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return true;
    }
    let letters = trimmed.chars().filter(|c| c.is_alphabetic()).count();
    letters * 3 < trimmed.chars().count() && !trimmed.contains(NO_ANSWER_MARKER)
}

impl Engine {
    /// Checks a question and returns it trimmed.
    fn validate<'q>(&self, question: &'q str) -> Result<&'q str, AskError> {
        let question = question.trim();
        if question.is_empty() {
            return Err(AskError::EmptyQuestion);
        }
        let chars = question.chars().count();
        if chars > self.settings.max_question_chars {
            return Err(AskError::QuestionTooLong {
                chars,
                max: self.settings.max_question_chars,
            });
        }
        Ok(question)
    }

    /// Refuses a request that cannot be answered: an empty or too long question,
    /// or a conversation that does not exist. Stores nothing.
    pub async fn check(&self, request: &AskRequest) -> Result<(), AskError> {
        self.validate(&request.question)?;
        if let Some(id) = &request.conversation_id {
            self.conversation_of(id, request.account.as_ref()).await?;
        }
        Ok(())
    }

    /// Checks that conversation `id` exists and belongs to `account` (another
    /// account's conversation is as unknown as a missing one).
    pub async fn conversation_of(
        &self,
        id: &str,
        account: Option<&AccountRef>,
    ) -> Result<(), AskError> {
        match self.store.conversation(id).await? {
            Some(c) if c.account_id.as_deref() == account.map(|a| a.id.as_str()) => Ok(()),
            _ => Err(AskError::UnknownConversation(id.to_string())),
        }
    }

    /// Retrieval, coverage and the escalation decision, off the async threads.
    pub async fn triage(
        &self,
        question: &str,
        context: Option<String>,
    ) -> Result<Triage, AskError> {
        let retriever = self.retriever.get();
        let passages = self.settings.passages;
        let q = question.to_string();
        let triage = tokio::task::spawn_blocking(move || {
            triage(&retriever, &q, context.as_deref(), passages)
        })
        .await
        .map_err(|e| AskError::Internal(e.to_string()))??;
        Ok(triage)
    }

    /// Answers a question: emits events to `events` (when given) as it goes, stores
    /// the exchange, and returns the stored answer.
    pub async fn ask(
        &self,
        request: AskRequest,
        events: Option<mpsc::Sender<Event>>,
    ) -> Result<Answer, AskError> {
        let started = Instant::now();
        let question = self.validate(&request.question)?.to_string();
        let emit = |event: Event| {
            let events = events.clone();
            async move {
                if let Some(tx) = events {
                    // A client that went away does not stop the answer being stored.
                    let _ = tx.send(event).await;
                }
            }
        };

        // The conversation so far informs retrieval and the prompt.
        let asked_at = self.clock.now_ms();
        let tier = request.tier();
        let policy = self.settings.policies.of(tier);
        let (conversation_id, new_conversation, history) = match &request.conversation_id {
            Some(id) => {
                self.conversation_of(id, request.account.as_ref()).await?;
                (id.clone(), false, self.store.history(id, 6).await?)
            }
            None => (new_id("c_"), true, Vec::new()),
        };
        let context = history
            .iter()
            .rev()
            .find(|m| m.role == "customer")
            .map(|m| m.text.clone());

        // A CSM has answered this question before: that answer comes first.
        if let Some(v) = self.verified_for(&question).await? {
            let citations: Vec<Citation> =
                serde_json::from_value(v.citations.clone()).unwrap_or_default();
            emit(Event::Citations(citations.clone())).await;
            emit(Event::Delta(v.answer.clone())).await;
            let answer = Answer {
                conversation_id,
                message_id: new_id("m_"),
                answer: v.answer.clone(),
                citations,
                confidence: 1.0,
                escalated: false,
                escalation_id: None,
                mode: Mode::Verified,
                timings: Timings {
                    retrieval_ms: millis(started.elapsed()),
                    first_token_ms: None,
                    total_ms: millis(started.elapsed()),
                },
                reasons: Vec::new(),
                prompt_version: None,
                handoff: None,
                verified: Some(VerifiedRef {
                    id: v.id.clone(),
                    verified_by: v.updated_by.clone(),
                    verified_at: v.updated_at,
                }),
            };
            let asked = Asked {
                new_conversation,
                account_id: request.account.as_ref().map(|a| a.id.clone()),
                tier,
                at: asked_at,
                question,
                model: None,
                release: self.retriever.get().generation().release.clone(),
                llm_fallback: None,
                escalation: None,
            };
            self.metrics.answer_mode("verified");
            let answer = self.store_answer(answer, asked).await?;
            emit(Event::Done(Box::new(answer.clone()))).await;
            return Ok(answer);
        }

        let triage = self.triage(&question, context).await?;
        let retrieval = started.elapsed();
        let cites = citations(&triage.hits);
        emit(Event::Citations(cites.clone())).await;

        let mut reasons = triage.reasons.clone();
        let mut confidence = triage.confidence;
        let mut mode = Mode::Extractive;
        let mut first_token = None;
        let mut llm_fallback = None;
        let mut prompt_version = None;
        let extractive_text = extractive::answer(&question, &triage.hits);

        let escalate_now = triage.must_escalate(policy.threshold);
        // The answer, or when escalating, the draft the CSM starts from.
        let text = if escalate_now {
            extractive_text.clone()
        } else if let Some(llm) = &self.llm {
            let (messages, shown) = self.prompt(&question, &history, &triage.hits)?;
            prompt_version = Some(self.prompts.version().to_string());
            match self
                .run_model(llm.as_ref(), messages, started, &events)
                .await
            {
                ModelOutcome::Answered {
                    text,
                    first_token: t,
                } => {
                    first_token = Some(millis(t));
                    let marked = text.contains(NO_ANSWER_MARKER);
                    let (text, no_answer) = read_no_answer(&text);
                    if marked && !no_answer {
                        // The streamed text carried the marker: send it clean.
                        emit(Event::Reset("rewritten")).await;
                        emit(Event::Delta(text.clone())).await;
                    }
                    let (c, r) = confidence::after_model(confidence, &text, shown, no_answer);
                    confidence = c;
                    reasons.extend(r);
                    mode = Mode::Llm;
                    self.metrics.answer_mode("llm");
                    if no_answer {
                        // The draft for the CSM is what the docs say nearby.
                        extractive_text.clone()
                    } else {
                        text
                    }
                }
                ModelOutcome::Failed {
                    why,
                    first_token: t,
                    timed_out,
                } => {
                    if t.is_some() {
                        emit(Event::Reset("llm_failed")).await;
                    }
                    first_token = t.map(millis);
                    llm_fallback = Some(why);
                    reasons.push(if timed_out {
                        Reason::LlmTimeout
                    } else {
                        Reason::LlmUnavailable
                    });
                    emit(Event::Delta(extractive_text.clone())).await;
                    extractive_text.clone()
                }
            }
        } else {
            emit(Event::Delta(extractive_text.clone())).await;
            extractive_text.clone()
        };
        if mode == Mode::Extractive {
            self.metrics.answer_mode("extractive");
        }

        let escalated = escalate_now || confidence < policy.threshold;
        let (answer_text, escalation) = if escalated {
            let reason = reasons
                .first()
                .copied()
                .unwrap_or(Reason::LowRetrievalEvidence);
            if !escalate_now && mode == Mode::Llm {
                // The model answered but not convincingly: the customer sees the hand-off.
                emit(Event::Reset("low_confidence")).await;
            }
            let shown = hand_off_text(reason, &cites);
            if escalate_now || mode == Mode::Llm {
                emit(Event::Delta(shown.clone())).await;
            }
            self.metrics.escalation(reason.as_str());
            let deadline = asked_at + policy.sla.as_millis() as i64;
            let escalation = escalation_record(reason, &text, &triage.hits, &cites, deadline);
            (shown, Some(escalation))
        } else {
            (text, None)
        };

        let answer = Answer {
            conversation_id,
            message_id: new_id("m_"),
            answer: answer_text,
            citations: cites,
            confidence: (confidence * 1000.0).round() / 1000.0,
            escalated,
            escalation_id: escalation.as_ref().map(|e| e.id.clone()),
            mode,
            timings: Timings {
                retrieval_ms: millis(retrieval),
                first_token_ms: first_token,
                total_ms: millis(started.elapsed()),
            },
            reasons,
            prompt_version: prompt_version.clone(),
            handoff: None,
            verified: None,
        };
        let asked = Asked {
            new_conversation,
            account_id: request.account.as_ref().map(|a| a.id.clone()),
            tier,
            at: asked_at,
            question,
            model: self.llm.as_ref().map(|l| l.model().to_string()),
            release: triage.release.clone(),
            llm_fallback,
            escalation,
        };
        let answer = self.store_answer(answer, asked).await?;
        emit(Event::Done(Box::new(answer.clone()))).await;
        Ok(answer)
    }

    /// Stores an exchange (one transaction) and returns the answer to send,
    /// with its hand-off when it went to a person.
    async fn store_answer(&self, answer: Answer, asked: Asked) -> Result<Answer, AskError> {
        let exchange = Exchange {
            conversation_id: answer.conversation_id.clone(),
            new_conversation: asked.new_conversation,
            account_id: asked.account_id,
            tier: asked.tier,
            at: asked.at,
            question_id: new_id("m_"),
            question: asked.question,
            answer_id: answer.message_id.clone(),
            answer: answer.answer.clone(),
            mode: answer.mode.as_str(),
            confidence: answer.confidence,
            reasons: answer
                .reasons
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            citations_json: serde_json::to_string(&answer.citations)
                .unwrap_or_else(|_| "[]".to_string()),
            retrieval_ms: answer.timings.retrieval_ms,
            first_token_ms: answer.timings.first_token_ms,
            total_ms: answer.timings.total_ms,
            prompt_version: answer.prompt_version.clone(),
            model: asked.model,
            release: asked.release,
            llm_fallback: asked.llm_fallback,
            escalation: asked.escalation,
        };
        self.store.record(&exchange).await?;
        let mut answer = answer;
        if answer.escalated {
            answer.handoff = self.handoff(&answer.conversation_id).await?;
        }
        Ok(answer)
    }

    /// The hand-off of a conversation that is (or was) with a person.
    pub async fn handoff(&self, conversation_id: &str) -> Result<Option<Handoff>, AskError> {
        let escalation = self.store.conversation_escalation(conversation_id).await?;
        Ok(escalation.map(|e| Handoff::of(&e, &self.settings.policies)))
    }

    /// The chat messages for a question: its numbered passages and the
    /// conversation so far (each earlier turn cut to 600 characters), sized to
    /// the prompt budget: passages are taken best first while they fit, and
    /// the first is cut to fit when even it alone does not. Returns the
    /// messages and how many passages they number.
    fn prompt(
        &self,
        question: &str,
        history: &[crate::store::StoredMessage],
        hits: &[Hit],
    ) -> Result<(Vec<crate::llm::ChatMessage>, usize), AskError> {
        let render = |passages: &[PromptPassage], turns: &[PromptTurn]| {
            self.prompts
                .messages(question, passages, turns)
                .map_err(|e| AskError::Internal(e.to_string()))
        };
        let budget = self.settings.prompt_tokens;
        let mut turns: Vec<PromptTurn> = history
            .iter()
            .map(|m| PromptTurn {
                role: m.role.clone(),
                text: m.text.chars().take(600).collect(),
            })
            .collect();
        // Older turns go first when even the question does not leave room.
        while !turns.is_empty() && estimate_tokens(&render(&[], &turns)?) > budget / 2 {
            turns.remove(0);
        }
        let passage = |i: usize, h: &Hit, text: String| PromptPassage {
            n: i + 1,
            path: h.path.clone(),
            start_line: h.start_line,
            end_line: h.end_line,
            label: h.symbol.clone().or_else(|| h.heading.clone()),
            text,
        };
        let mut passages: Vec<PromptPassage> = Vec::with_capacity(hits.len());
        for (i, h) in hits.iter().enumerate() {
            passages.push(passage(i, h, h.text.clone()));
            if estimate_tokens(&render(&passages, &turns)?) > budget {
                passages.pop();
                break;
            }
        }
        if passages.is_empty()
            && let Some(h) = hits.first()
        {
            let overhead = estimate_tokens(&render(&[passage(0, h, String::new())], &turns)?);
            let room = budget.saturating_sub(overhead) * CHARS_PER_TOKEN_ESTIMATE;
            let cut: String = h.text.chars().take(room).collect();
            passages.push(passage(0, h, cut));
        }
        let n = passages.len();
        Ok((render(&passages, &turns)?, n))
    }

    /// Streams the model's answer within the deadlines, forwarding tokens.
    async fn run_model(
        &self,
        llm: &dyn Llm,
        messages: Vec<crate::llm::ChatMessage>,
        started: Instant,
        events: &Option<mpsc::Sender<Event>>,
    ) -> ModelOutcome {
        let first_deadline = tokio::time::Instant::from_std(started + self.settings.first_token);
        // Leave time to fall back, store and reply within the budget.
        let margin = Duration::from_millis(150).min(self.settings.budget / 4);
        let final_deadline =
            tokio::time::Instant::from_std(started + self.settings.budget - margin);
        let failed =
            |why: &str, first_token: Option<Duration>, metrics: &Metrics, kind: &'static str| {
                metrics.llm_failure(kind);
                ModelOutcome::Failed {
                    why: why.to_string(),
                    first_token,
                    timed_out: kind.ends_with("timeout"),
                }
            };
        let mut stream = match tokio::time::timeout_at(first_deadline, llm.stream(messages)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return failed(&e.to_string(), None, &self.metrics, e.kind()),
            Err(_) => {
                let why = "no first token before the deadline";
                return failed(why, None, &self.metrics, "first_token_timeout");
            }
        };
        let mut text = String::new();
        let mut first_token = None;
        loop {
            let deadline = if first_token.is_none() {
                first_deadline
            } else {
                final_deadline
            };
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(Some(Ok(token))) => {
                    if first_token.is_none() {
                        first_token = Some(started.elapsed());
                    }
                    text.push_str(&token);
                    if let Some(tx) = events {
                        let _ = tx.send(Event::Delta(token)).await;
                    }
                }
                Ok(Some(Err(e))) => {
                    return failed(&e.to_string(), first_token, &self.metrics, e.kind());
                }
                Ok(None) => break,
                Err(_) if first_token.is_none() => {
                    let why = "no first token before the deadline";
                    return failed(why, None, &self.metrics, "first_token_timeout");
                }
                Err(_) => {
                    let why = "the answer did not finish within the budget";
                    return failed(why, first_token, &self.metrics, "budget_timeout");
                }
            }
        }
        match first_token {
            Some(first_token) if !looks_like_garbage(&text) => {
                ModelOutcome::Answered { text, first_token }
            }
            _ => {
                let why = "the model's answer has no words (empty, or only citations and symbols)";
                failed(why, first_token, &self.metrics, "garbage")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_answer_marker_counts_only_when_it_is_the_answer() {
        assert!(read_no_answer("[[NO-ANSWER]]").1);
        assert!(read_no_answer("Sorry. [[NO-ANSWER]]").1);
        let (text, no) = read_no_answer(
            "Verify the raw request body with the endpoint's secret [1], not a parsed copy. [[NO-ANSWER]]",
        );
        assert!(!no);
        assert!(
            !text.contains("NO-ANSWER") && text.ends_with("parsed copy."),
            "{text}"
        );
        assert_eq!(
            read_no_answer("plain [1]"),
            ("plain [1]".to_string(), false)
        );
    }

    #[test]
    fn answers_without_words_are_garbage() {
        assert!(looks_like_garbage("[1]"));
        assert!(looks_like_garbage("  \n "));
        assert!(!looks_like_garbage("[[NO-ANSWER]]"));
        assert!(!looks_like_garbage("Use cursors [1]."));
    }
}
