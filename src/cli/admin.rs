//! `docent accounts`, `docent keys`, `docent tokens`: the admin work that must
//! be possible before any admin token exists (the first token is made here),
//! run against the database directly.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use docent::accounts::{self, Account};
use docent::auth::{Role, check_token_name, normalize_origin};
use docent::config::{self, Config, Overrides};
use docent::store::{Store, Upsert};

use super::{DataArgs, runtime};

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create or update accounts from a CSV or JSON file; a bad row is reported
    /// with its line, and the others are still imported.
    Import(ImportArgs),
    /// List the accounts.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// `.csv` with a header row (id,name,tier,arr,renewal_date,csm), or `.json`
    /// (an array of objects with those fields) or `.jsonl`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Issue a widget key for an account; prints it.
    Create {
        /// The account the key speaks for.
        #[arg(long, value_name = "ID")]
        account: String,
        /// A web origin the widget runs on (repeat for several), e.g. https://app.example.com.
        #[arg(long = "origin", value_name = "ORIGIN", required = true)]
        origins: Vec<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List an account's widget keys.
    List {
        #[arg(long, value_name = "ID")]
        account: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a widget key.
    Revoke {
        #[arg(value_name = "KEY")]
        key: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Issue a staff token; it is printed once and only its hash is stored.
    Create {
        /// `csm` (works the queue) or `admin` (accounts, keys, tokens).
        #[arg(long, value_parser = ["csm", "admin"])]
        role: String,
        /// Who holds it (e.g. ann@example.com); recorded as the actor of
        /// their queue actions and shown to customers beside CSM replies.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the tokens (id, role, name; never the token).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Runs `work` against the database `data` names.
fn with_store<T>(data: &DataArgs, work: impl AsyncFnOnce(&Store) -> Result<T>) -> Result<T> {
    let flags = Overrides {
        data: data.data.clone(),
        ..Overrides::default()
    };
    let config = Config::load(data.config.as_deref(), &config::process_env(), &flags)?;
    let path = config.database_path();
    runtime()?.block_on(async {
        let store = Store::open(&path)
            .await
            .with_context(|| format!("opening the database at {}", path.display()))?;
        let result = work(&store).await;
        store.close().await;
        result
    })
}

pub fn accounts(command: AccountsCommand) -> Result<()> {
    match command {
        AccountsCommand::Import(args) => import(args),
        AccountsCommand::List(args) => {
            let list = with_store(&args.data, async |s: &Store| Ok(s.accounts().await?))?;
            let mut out = std::io::stdout().lock();
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
                return Ok(());
            }
            for a in &list {
                writeln!(
                    out,
                    "{:<24} {:<12} {:>14} {:<11} {:<24} {}",
                    a.id,
                    a.tier,
                    format!("${}.{:02}", a.arr_cents / 100, a.arr_cents % 100),
                    a.renewal_date.as_deref().unwrap_or("-"),
                    a.csm.as_deref().unwrap_or("-"),
                    a.name
                )?;
            }
            Ok(())
        }
    }
}

fn import(args: ImportArgs) -> Result<()> {
    let name = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {name}"))?;
    let rows = accounts::read_file(&name, &text).with_context(|| format!("reading {name}"))?;
    let mut good: Vec<Account> = Vec::new();
    let mut refused = Vec::new();
    for row in rows {
        match row.account {
            Ok(a) => {
                // A later row for the same id wins, as it would row by row.
                good.retain(|g| g.id != a.id);
                good.push(a);
            }
            Err(e) => refused.push(format!("  line {}: {e}", row.line)),
        }
    }
    let outcomes = with_store(&args.data, async |s: &Store| {
        Ok(s.upsert_accounts(&good).await?)
    })?;
    let count = |u: Upsert| outcomes.iter().filter(|o| **o == u).count();
    println!(
        "{name}: {} created, {} updated, {} unchanged; {} refused",
        count(Upsert::Created),
        count(Upsert::Updated),
        count(Upsert::Unchanged),
        refused.len()
    );
    if !refused.is_empty() {
        eprintln!("{}", refused.join("\n"));
        bail!(
            "{} row(s) of {name} refused (the others were imported); fix them and import again",
            refused.len()
        );
    }
    Ok(())
}

pub fn keys(command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Create {
            account,
            origins,
            data,
        } => {
            let origins = origins
                .iter()
                .map(|o| normalize_origin(o))
                .collect::<Result<Vec<_>, _>>()?;
            let key = with_store(&data, async |s: &Store| {
                Ok(s.issue_widget_key(&account, &origins).await?)
            })?;
            match key {
                Some(k) => println!("{}", k.key),
                None => bail!("no account with id {account:?}; import it first"),
            }
            Ok(())
        }
        KeysCommand::List { account, data } => {
            let keys = with_store(&data, async |s: &Store| Ok(s.widget_keys(&account).await?))?;
            for k in keys {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}  {state:<7}  {}", k.key, k.origins.join(" "));
            }
            Ok(())
        }
        KeysCommand::Revoke { key, data } => {
            if with_store(&data, async |s: &Store| {
                Ok(s.revoke_widget_key(&key).await?)
            })? {
                println!("revoked {key}");
                Ok(())
            } else {
                bail!("no widget key {key:?} in force")
            }
        }
    }
}

pub fn tokens(command: TokensCommand) -> Result<()> {
    match command {
        TokensCommand::Create { role, name, data } => {
            let role = Role::parse(&role).context("role must be csm or admin")?;
            let name = check_token_name(&name)?.to_string();
            let (info, token) = with_store(&data, async |s: &Store| {
                Ok(s.issue_token(role, &name).await?)
            })?;
            eprintln!(
                "{} token {} for {}; it is shown once, only its hash is stored:",
                info.role, info.id, info.name
            );
            println!("{token}");
            Ok(())
        }
        TokensCommand::List { data } => {
            for t in with_store(&data, async |s: &Store| Ok(s.tokens().await?))? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}  {:<5}  {state:<7}  {}", t.id, t.role, t.name);
            }
            Ok(())
        }
        TokensCommand::Revoke { id, data } => {
            if with_store(&data, async |s: &Store| Ok(s.revoke_token(&id).await?))? {
                println!("revoked {id}");
                Ok(())
            } else {
                bail!("no token {id:?} in force")
            }
        }
    }
}
