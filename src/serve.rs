//! Start-up of the answer service: configuration, the index (built from the
//! corpus when there is none), the database, the model, then HTTP until SIGINT
//! or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use docent_indexer::IndexDir;
use docent_indexer::indexing::{IndexOptions, NoProgress};
use docent_indexer::schema::SCHEMA_VERSION;

use crate::answer::{Engine, Settings};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::http::rate_limit::RateLimiter;
use crate::http::{AppState, app};
use crate::metrics::Metrics;
use crate::prompts::Prompts;
use crate::reindex::{self, Reindexer};
use crate::retrieval::{LiveRetriever, Retriever};
use crate::store::Store;

/// Extra time a client may wait beyond the answer budget.
pub const DEADLINE_SLACK: Duration = Duration::from_millis(250);

/// Builds the answer engine from the configuration: opens (or first builds)
/// the index, opens the database, loads prompts and the model.
pub async fn engine(config: &Config) -> Result<Engine> {
    let index = config.index_dir();
    // No index, or one this version cannot read: build it from the corpus.
    let problem = match IndexDir::new(&index).current() {
        Ok(Some(g)) if g.meta.schema_version == SCHEMA_VERSION => None,
        Ok(Some(g)) => Some(format!(
            "the index at {} has schema version {}",
            index.display(),
            g.meta.schema_version
        )),
        Ok(None) => Some(format!("no index at {}", index.display())),
        Err(e) => Some(e.to_string()),
    };
    if let Some(problem) = problem {
        let corpus = config.corpus.clone();
        anyhow::ensure!(
            corpus.is_dir(),
            "{problem}, and no corpus directory {} to build one from; run `docent index ROOT --index {}` or pass --corpus DIR",
            corpus.display(),
            index.display()
        );
        eprintln!("{problem}: indexing {} first", corpus.display());
        let options = IndexOptions {
            release: Some(config.corpus_release.clone()),
            ..IndexOptions::default()
        };
        let dir = index.clone();
        let report = tokio::task::spawn_blocking(move || {
            docent_indexer::index(&dir, &[corpus], &options, &NoProgress)
        })
        .await
        .context("indexing task")??;
        eprintln!(
            "indexed {} files into {} chunks (generation {}, release {})",
            report.files, report.chunks, report.generation, report.release
        );
    }
    let retriever = Retriever::open(&index)
        .with_context(|| format!("opening the index at {}", index.display()))?;
    let db = config.database_path();
    let store = Store::open(&db)
        .await
        .with_context(|| format!("opening the database at {}", db.display()))?;
    let prompts = Prompts::load_or_builtin(&config.prompts).context("loading prompts")?;
    let llm = crate::llm::from_config(config).context("configuring the LLM")?;
    let metrics = Arc::new(Metrics::default());
    metrics.index(retriever.generation().generation, retriever.chunk_count());
    Ok(Engine {
        retriever: Arc::new(LiveRetriever::new(&index, retriever)),
        llm,
        prompts: Arc::new(prompts),
        store,
        settings: Settings {
            budget: Duration::from_millis(config.budget_ms),
            first_token: Duration::from_millis(config.first_token_ms),
            passages: config.passages,
            policies: config.tiers.policies(),
            max_question_chars: config.max_question_chars,
            prompt_tokens: config.prompt_budget() as usize,
        },
        metrics,
        clock: Arc::new(SystemClock),
    })
}

/// The HTTP state around an engine.
pub fn state(config: &Config, engine: Engine) -> AppState {
    let metrics = Arc::clone(&engine.metrics);
    AppState {
        engine: Arc::new(engine),
        metrics,
        limiter: Arc::new(RateLimiter::new(
            config.rate_limit_per_minute,
            config.rate_limit_burst,
        )),
        body_limit: config.body_limit_bytes,
        ask_deadline: Duration::from_millis(config.budget_ms) + DEADLINE_SLACK,
        require_widget_key: config.require_widget_key,
        reindexer: Arc::new(Reindexer::new(
            vec![config.corpus.clone()],
            IndexOptions {
                keep_generations: config.keep_generations,
                ..IndexOptions::default()
            },
        )),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("shutting down: finishing requests in flight");
}

/// Runs the service until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> Result<()> {
    eprintln!(
        "docent {} starting with:\n{}",
        env!("CARGO_PKG_VERSION"),
        config.describe()
    );
    let engine = engine(&config).await?;
    let store = engine.store.clone();
    let generation = engine.retriever.get().generation().clone();
    let state = state(&config, engine);
    // Verified answers citing sources changed while the service was down.
    if let Err(e) = state.engine.check_verified().await {
        tracing::error!(error = %e, "could not check verified answers");
    }
    tokio::spawn(reindex::watch(
        Arc::clone(&state.engine),
        reindex::WATCH_PERIOD,
    ));
    let addr: SocketAddr = config.addr.parse().context("addr")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    eprintln!(
        "serving generation {} (release {}, {} chunks) on http://{}",
        generation.generation,
        generation.release,
        generation.chunks,
        listener.local_addr().unwrap_or(addr)
    );
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving HTTP")?;
    store.close().await;
    Ok(())
}
