//! Command-line glue: argument parsing, progress bars and printing. The work is
//! done by `docent_indexer` and the library modules. `admin` holds the
//! account, key and token commands.

mod admin;
mod gate;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use docent::answer::AskRequest;
use docent::config::{self, Config, Overrides};
use docent::eval::{self, Scores};
use docent::retrieval::{Hit, Ranking, Retriever};
use docent_indexer::IndexDir;
use docent_indexer::indexing::{IndexOptions, Progress, Report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// Docent answers your customers' questions from your docs and code.
#[derive(Debug, Parser)]
#[command(name = "docent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index docs and code into a new generation of the index.
    Index(IndexArgs),
    /// Search the index and print the best passages.
    Search(SearchArgs),
    /// Score retrieval on a JSONL question set (hit@1, hit@5, MRR@10).
    Eval(EvalArgs),
    /// Print the chunks one file yields, with their line ranges and labels.
    Chunks(ChunksArgs),
    /// Run the answer service over HTTP (indexes `corpus/` first when there is no index).
    Serve(ServeArgs),
    /// Answer one question in process, as `POST /v1/ask` would.
    Ask(AskArgs),
    /// Import and list accounts (customer organisations) and their tiers.
    #[command(subcommand)]
    Accounts(admin::AccountsCommand),
    /// Issue, list and revoke widget keys (`pk_…`) of accounts.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Issue, list and revoke staff tokens (roles csm and admin).
    #[command(subcommand)]
    Tokens(admin::TokensCommand),
}

/// Where the configuration and the database are; they override `docent.toml`
/// and `DOCENT_*`.
#[derive(Debug, Args)]
struct DataArgs {
    /// Configuration file (default: ./docent.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory for the database (default: .docent).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

/// Settings shared by `serve` and `ask`; they override `docent.toml` and `DOCENT_*`.
#[derive(Debug, Args)]
struct ServiceArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Index directory (default: <data>/index).
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Corpus indexed when no index exists (default: corpus).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Prompt directory (default: prompts, or the built-in prompts).
    #[arg(long, value_name = "DIR")]
    prompts: Option<PathBuf>,
    /// Answer time budget in milliseconds (default 3500).
    #[arg(long, value_name = "MS")]
    budget_ms: Option<u64>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    service: ServiceArgs,
    /// Listen address (default 127.0.0.1:8080).
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<String>,
}

#[derive(Debug, Args)]
struct AskArgs {
    #[command(flatten)]
    service: ServiceArgs,
    /// Continue a conversation.
    #[arg(long, value_name = "ID")]
    conversation_id: Option<String>,
    /// Print the answer as the API's JSON.
    #[arg(long)]
    json: bool,
    /// The question.
    #[arg(required = true, value_name = "QUESTION")]
    question: Vec<String>,
}

#[derive(Debug, Args)]
struct ChunksArgs {
    /// The file to chunk.
    file: PathBuf,
    /// Print chunk texts too.
    #[arg(long)]
    text: bool,
}

#[derive(Debug, Args)]
struct IndexLocation {
    /// Index directory.
    #[arg(
        long,
        value_name = "DIR",
        default_value = ".docent/index",
        env = "DOCENT_INDEX"
    )]
    index: PathBuf,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct IndexArgs {
    #[command(subcommand)]
    action: Option<IndexAction>,
    /// Source roots (directories or files) to index.
    #[arg(required = true, value_name = "ROOT")]
    roots: Vec<PathBuf>,
    #[command(flatten)]
    location: IndexLocation,
    /// Release label recorded with this generation (default: the previous label, or "dev").
    #[arg(long, value_name = "LABEL", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    release: Option<String>,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_file_bytes: u64,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Published generations to keep for rollback (older ones are removed at
    /// least a minute after they were superseded).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    keep: u16,
    /// Print the run's report as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// Quality gate: evaluate the new generation on this question set (JSONL,
    /// as for `docent eval`; repeatable) before publishing it.
    #[arg(long, value_name = "FILE.jsonl")]
    gate: Vec<PathBuf>,
    /// With --gate: refuse to publish when hit@5 is below this.
    #[arg(long, value_name = "X", requires = "gate", value_parser = fraction)]
    min_hit5: Option<f64>,
    /// With --gate: refuse to publish when hit@5 falls more than this below
    /// the served generation's on the same questions.
    #[arg(long, value_name = "D", requires = "gate", default_value_t = 0.05, value_parser = fraction)]
    max_drop: f64,
}

/// A number from 0 to 1.
fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("{text:?} is not a number from 0 to 1")),
    }
}

/// What else `docent index` does besides indexing.
#[derive(Debug, Subcommand)]
enum IndexAction {
    /// Serve an earlier generation again: the one before the served one, or
    /// `--to N`. A running `docent serve` switches to it within a second.
    Rollback {
        #[command(flatten)]
        location: IndexLocation,
        /// The generation to serve (see `docent index list`).
        #[arg(long, value_name = "N")]
        to: Option<u64>,
    },
    /// List the generations kept for rollback, marking the served one.
    List {
        #[command(flatten)]
        location: IndexLocation,
    },
}

#[derive(Debug, Args)]
struct SearchArgs {
    #[command(flatten)]
    location: IndexLocation,
    /// Number of passages to print.
    #[arg(long, short = 'n', default_value_t = 5)]
    limit: usize,
    /// Print `{"hits":[...]}` JSON.
    #[arg(long)]
    json: bool,
    /// The question or keywords.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
}

#[derive(Debug, Args)]
struct EvalArgs {
    #[command(flatten)]
    location: IndexLocation,
    /// JSONL file of `{"q": "...", "gold": ["path", ...]}` or
    /// `{"q": "...", "out_of_scope": true}` lines (repeatable).
    #[arg(long, value_name = "FILE", required = true)]
    questions: Vec<PathBuf>,
    /// Print scores and per-question outcomes as JSON.
    #[arg(long)]
    json: bool,
    /// List every question with its rank, not only the misses.
    #[arg(long, short)]
    verbose: bool,
    /// Override a ranking parameter for an experiment (`--set body=1.5`; repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Also score escalation decisions (extractive mode): the share of answerable
    /// and of out-of-scope questions escalated.
    #[arg(long)]
    escalation: bool,
    /// Confidence threshold for `--escalation`.
    #[arg(long, default_value_t = Config::default().tiers.ai_assisted.confidence_threshold)]
    threshold: f32,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The service logs warnings and errors by default; one-shot commands only errors.
    let default_filter = if matches!(cli.command, Command::Serve(_)) {
        "warn"
    } else {
        "error"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOCENT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Index(args) => index(args),
        Command::Search(args) => search(args),
        Command::Eval(args) => run_eval(args),
        Command::Chunks(args) => chunks(args),
        Command::Serve(args) => serve(args),
        Command::Ask(args) => ask(args),
        Command::Accounts(command) => admin::accounts(command),
        Command::Keys(command) => admin::keys(command),
        Command::Tokens(command) => admin::tokens(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `docent search ... | head` closing the pipe early is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// An indicatif bar over bytes read, drawn only on a terminal.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, _files: u64, bytes: u64) {
        self.0.set_length(bytes);
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&self) {
        self.0.set_message("committing");
    }
}

fn index_action(action: IndexAction) -> Result<()> {
    match action {
        IndexAction::Rollback { location, to } => {
            let meta = IndexDir::new(&location.index).rollback(to)?;
            println!(
                "now serving generation {} (release {}, {} chunks)",
                meta.generation, meta.release, meta.chunks
            );
            Ok(())
        }
        IndexAction::List { location } => {
            let dir = IndexDir::new(&location.index);
            let served = dir.current()?.map(|g| g.meta.generation);
            let mut out = std::io::stdout().lock();
            for m in dir.list()? {
                let mark = if Some(m.generation) == served {
                    "*"
                } else {
                    " "
                };
                writeln!(
                    out,
                    "{mark} {:>6}  {:<16} {:>8} chunks  {:>6} files  published {}",
                    m.generation,
                    m.release,
                    m.chunks,
                    m.files,
                    docent::clock::format_utc(m.created_unix as i64 * 1000)
                )?;
            }
            Ok(())
        }
    }
}

fn index(args: IndexArgs) -> Result<()> {
    if let Some(action) = args.action {
        return index_action(action);
    }
    let options = IndexOptions {
        release: args.release,
        max_file_bytes: args.max_file_bytes,
        threads: args.threads,
        keep_generations: usize::from(args.keep),
        ..IndexOptions::default()
    };
    let target = if std::io::stderr().is_terminal() && !args.json {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(0), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let gate = if args.gate.is_empty() {
        None
    } else {
        Some(gate::QualityGate::new(
            &args.location.index,
            &args.gate,
            args.min_hit5.unwrap_or(0.0),
            args.max_drop,
        )?)
    };
    let report = docent_indexer::index_gated(
        &args.location.index,
        &args.roots,
        &options,
        &Bar(bar.clone()),
        gate.as_ref().map(|g| g as &dyn docent_indexer::Gate),
    );
    bar.finish_and_clear();
    // A refusal says it all in the error; a pass is worth a line.
    if let (Some(gate), Ok(_)) = (&gate, &report) {
        eprintln!("{}", gate.summary());
    }
    let report =
        report.with_context(|| format!("indexing into {}", args.location.index.display()))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print_report(&mut out, &args.location.index, &report)?;
    }
    Ok(())
}

fn print_report(out: &mut impl Write, dir: &std::path::Path, r: &Report) -> std::io::Result<()> {
    if r.up_to_date {
        writeln!(
            out,
            "up to date: generation {} (release {}) in {} already matches the sources",
            r.generation,
            r.release,
            dir.display()
        )?;
    } else {
        writeln!(
            out,
            "published generation {} (release {}) in {}",
            r.generation,
            r.release,
            dir.display()
        )?;
    }
    writeln!(
        out,
        "  files     {} in index: {} parsed, {} unchanged, {} removed",
        r.files, r.files_parsed, r.files_unchanged, r.files_removed
    )?;
    writeln!(
        out,
        "  chunks    {} in index, {} written",
        r.chunks, r.chunks_written
    )?;
    writeln!(
        out,
        "  bytes     {:.1} MB parsed in {:.2} s ({:.1} MB/s)",
        r.bytes_parsed as f64 / 1e6,
        r.seconds,
        r.mb_per_second()
    )?;
    if let Some(c) = &r.changes {
        let t = c.totals;
        writeln!(
            out,
            "  changes   files +{} ~{} -{}, symbols +{} ~{} -{} since generation {} ({}){}",
            t[0],
            t[1],
            t[2],
            t[3],
            t[4],
            t[5],
            c.previous_generation.unwrap_or(0),
            c.previous_release.as_deref().unwrap_or("?"),
            c.commit
                .as_deref()
                .map(|c| format!("; commit {}", &c[..c.len().min(12)]))
                .unwrap_or_default()
        )?;
    }
    if !r.skips.is_empty() {
        let skips: Vec<String> = r
            .skips
            .iter()
            .map(|(k, n)| format!("{}: {n}", k.as_str()))
            .collect();
        writeln!(out, "  skipped   {}", skips.join(", "))?;
    }
    writeln!(out, "  warnings  {}", r.warnings.len())?;
    const SHOWN: usize = 20;
    for w in r.warnings.iter().take(SHOWN) {
        writeln!(out, "    {}: {}", w.path, w.message)?;
    }
    if r.warnings.len() > SHOWN {
        writeln!(
            out,
            "    ... and {} more (--json lists all)",
            r.warnings.len() - SHOWN
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct SearchOutput<'a> {
    hits: &'a [Hit],
}

fn search(args: SearchArgs) -> Result<()> {
    let retriever = Retriever::open(&args.location.index)?;
    let query = args.query.join(" ");
    let hits = retriever.search(&query, args.limit)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&SearchOutput { hits: &hits })?
        )?;
        return Ok(());
    }
    if hits.is_empty() {
        writeln!(out, "no passages match {query:?}")?;
    }
    for (i, hit) in hits.iter().enumerate() {
        writeln!(
            out,
            "[{}] {}:{}-{}  {}  (score {:.2}, {} {})",
            i + 1,
            hit.path,
            hit.start_line,
            hit.end_line,
            hit.symbol
                .as_deref()
                .or(hit.heading.as_deref())
                .unwrap_or(""),
            hit.score,
            hit.kind,
            hit.lang
        )?;
        for line in hit.text.lines().take(6) {
            writeln!(out, "    {line}")?;
        }
        if hit.text.lines().count() > 6 {
            writeln!(out, "    ...")?;
        }
    }
    Ok(())
}

fn run_eval(args: EvalArgs) -> Result<()> {
    let mut ranking = Ranking::default();
    for setting in &args.set {
        let (name, value) = setting
            .split_once('=')
            .with_context(|| format!("--set {setting}: expected NAME=VALUE"))?;
        ranking.set(name, value).map_err(anyhow::Error::msg)?;
    }
    let retriever = Retriever::open(&args.location.index)?.with_ranking(ranking);
    let mut questions = Vec::new();
    for file in &args.questions {
        questions.extend(eval::load_questions(file)?);
    }
    let answerable = questions.iter().any(|q| !q.out_of_scope);
    let scores = answerable
        .then(|| eval::evaluate(&retriever, &questions))
        .transpose()?;
    let passages = Config::default().passages;
    let escalation = args
        .escalation
        .then(|| eval::evaluate_escalation(&retriever, &questions, passages, args.threshold))
        .transpose()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::json!({"retrieval": scores, "escalation": escalation});
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        return Ok(());
    }
    if let Some(scores) = &scores {
        print_scores(&mut out, scores, args.verbose)?;
    }
    if let Some(e) = &escalation {
        for w in e.outcomes.iter().filter(|o| o.is_wrong() || args.verbose) {
            let kind = match (w.out_of_scope, w.escalated) {
                (true, false) => "ANSWERED",
                (false, true) => "ESCALATED",
                (_, true) => "escalated",
                (_, false) => "answered",
            };
            writeln!(
                out,
                "{kind:>9}  {:.2}  {}  [{}]",
                w.confidence,
                w.q,
                w.reasons.join(", ")
            )?;
        }
        writeln!(
            out,
            "escalated: {:.1}% of {} answerable, {:.1}% of {} out of scope (threshold {})",
            e.answerable_escalated * 100.0,
            e.answerable,
            e.out_of_scope_escalated * 100.0,
            e.out_of_scope,
            args.threshold
        )?;
    }
    Ok(())
}

fn print_scores(out: &mut impl Write, scores: &Scores, verbose: bool) -> std::io::Result<()> {
    for o in &scores.outcomes {
        if o.rank.is_some_and(|r| r <= 5) && !verbose {
            continue;
        }
        let rank = o.rank.map_or("miss".to_string(), |r| format!("#{r}"));
        writeln!(out, "{rank:>5}  {}", o.q)?;
        if o.rank.is_none_or(|r| r > 5) {
            writeln!(out, "       gold: {}", o.gold.join(", "))?;
            writeln!(out, "       top5: {}", o.top.join(", "))?;
        }
    }
    writeln!(
        out,
        "questions {}  hit@1 {:.3}  hit@5 {:.3}  MRR@10 {:.3}",
        scores.questions, scores.hit_at_1, scores.hit_at_5, scores.mrr_at_10
    )
}

fn chunks(args: ChunksArgs) -> Result<()> {
    let lang = docent_indexer::Lang::detect(&args.file)
        .with_context(|| format!("{}: not a file type Docent indexes", args.file.display()))?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let shown = args.file.display().to_string();
    let chunked = docent_indexer::chunk_file(&shown, lang, &text, &Default::default());
    for w in &chunked.warnings {
        eprintln!("warning: {w}");
    }
    let mut out = std::io::stdout().lock();
    for c in &chunked.chunks {
        writeln!(
            out,
            "{:>5}-{:<5} {:<6} {:>6}B  {}",
            c.start_line,
            c.end_line,
            c.kind.as_str(),
            c.text.len(),
            c.symbol.as_deref().or(c.heading.as_deref()).unwrap_or("-")
        )?;
        if args.text {
            writeln!(out, "{}\n", c.text)?;
        }
    }
    Ok(())
}

fn load_config(args: &ServiceArgs, addr: Option<String>) -> Result<Config> {
    let flags = Overrides {
        addr,
        data: args.data.data.clone(),
        index: args.index.clone(),
        corpus: args.corpus.clone(),
        prompts: args.prompts.clone(),
        budget_ms: args.budget_ms,
    };
    Ok(Config::load(
        args.data.config.as_deref(),
        &config::process_env(),
        &flags,
    )?)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn serve(args: ServeArgs) -> Result<()> {
    let config = load_config(&args.service, args.addr)?;
    runtime()?.block_on(docent::serve::serve(config))
}

fn ask(args: AskArgs) -> Result<()> {
    let config = load_config(&args.service, None)?;
    let request = AskRequest {
        question: args.question.join(" "),
        conversation_id: args.conversation_id,
        account: None,
    };
    let answer = runtime()?.block_on(async {
        let engine = docent::serve::engine(&config).await?;
        let answer = engine.ask(request, None).await;
        engine.store.close().await;
        anyhow::Ok(answer?)
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)?;
        return Ok(());
    }
    writeln!(out, "{}\n", answer.answer)?;
    for c in &answer.citations {
        let label = c.symbol.as_deref().or(c.heading.as_deref()).unwrap_or("");
        writeln!(
            out,
            "[{}] {}:{}-{}  {label}",
            c.n, c.path, c.start_line, c.end_line
        )?;
    }
    writeln!(
        out,
        "\nmode {}  confidence {:.2}{}  conversation {}  ({} ms)",
        answer.mode.as_str(),
        answer.confidence,
        if answer.escalated { "  escalated" } else { "" },
        answer.conversation_id,
        answer.timings.total_ms
    )?;
    Ok(())
}
