//! Accounts and their widget keys.

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Store, StoreError, now_ms};
use crate::accounts::{Account, Tier};
use crate::auth::new_widget_key;

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Upsert {
    Created,
    Updated,
    Unchanged,
}

/// A widget key and the account it speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WidgetKey {
    pub key: String,
    pub account_id: String,
    pub tier: Tier,
    pub origins: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn tier_of(row: &SqliteRow) -> Tier {
    Tier::parse(row.get::<&str, _>("tier")).unwrap_or(Tier::AiAssisted)
}

fn account_of(row: &SqliteRow) -> Account {
    Account {
        id: row.get("id"),
        name: row.get("name"),
        tier: tier_of(row),
        arr_cents: row.get("arr_cents"),
        renewal_date: row.get("renewal_date"),
        csm: row.get("csm"),
    }
}

fn key_of(row: &SqliteRow) -> WidgetKey {
    let origins: String = row.get("origins");
    WidgetKey {
        key: row.get("key"),
        account_id: row.get("account_id"),
        tier: tier_of(row),
        origins: serde_json::from_str(&origins).unwrap_or_default(),
        created_at: row.get("created_at"),
        revoked_at: row.get("revoked_at"),
    }
}

const ACCOUNT_COLUMNS: &str = "id, name, tier, arr_cents, renewal_date, csm";
const KEY_SELECT: &str = "SELECT k.key, k.account_id, a.tier, k.origins, k.created_at, k.revoked_at \
                          FROM widget_keys k JOIN accounts a ON a.id = k.account_id";

impl Store {
    /// Creates or updates accounts in one transaction; what happened to each.
    pub async fn upsert_accounts(&self, accounts: &[Account]) -> Result<Vec<Upsert>, StoreError> {
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        let mut outcomes = Vec::with_capacity(accounts.len());
        for a in accounts {
            let existing = sqlx::query(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?"
            ))
            .bind(&a.id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| account_of(&r));
            let outcome = match existing {
                Some(e) if &e == a => Upsert::Unchanged,
                Some(_) => Upsert::Updated,
                None => Upsert::Created,
            };
            if outcome != Upsert::Unchanged {
                sqlx::query(
                    "INSERT INTO accounts (id, name, tier, arr_cents, renewal_date, csm, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                     tier = excluded.tier, arr_cents = excluded.arr_cents, renewal_date = excluded.renewal_date, \
                     csm = excluded.csm, updated_at = excluded.updated_at",
                )
                .bind(&a.id)
                .bind(&a.name)
                .bind(a.tier.as_str())
                .bind(a.arr_cents)
                .bind(&a.renewal_date)
                .bind(&a.csm)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            outcomes.push(outcome);
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// All accounts, by id.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(account_of).collect())
    }

    /// One account.
    pub async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(account_of))
    }

    /// Makes a new widget key for an account, for the given (normalized)
    /// origins; `None` when there is no such account.
    pub async fn issue_widget_key(
        &self,
        account_id: &str,
        origins: &[String],
    ) -> Result<Option<WidgetKey>, StoreError> {
        let key = new_widget_key()?;
        let key = key.as_str();
        let mut tx = self.writer.begin().await?;
        let account = sqlx::query("SELECT tier FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(account) = account else {
            return Ok(None);
        };
        let now = now_ms();
        sqlx::query(
            "INSERT INTO widget_keys (key, account_id, origins, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(key)
        .bind(account_id)
        .bind(serde_json::to_string(origins).unwrap_or_else(|_| "[]".to_string()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(WidgetKey {
            key: key.to_string(),
            account_id: account_id.to_string(),
            tier: tier_of(&account),
            origins: origins.to_vec(),
            created_at: now,
            revoked_at: None,
        }))
    }

    /// A widget key that is in force (not revoked), with its account's tier.
    pub async fn widget_key(&self, key: &str) -> Result<Option<WidgetKey>, StoreError> {
        let row = sqlx::query(&format!(
            "{KEY_SELECT} WHERE k.key = ? AND k.revoked_at IS NULL"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(key_of))
    }

    /// The widget keys of an account, revoked ones included.
    pub async fn widget_keys(&self, account_id: &str) -> Result<Vec<WidgetKey>, StoreError> {
        let rows = sqlx::query(&format!(
            "{KEY_SELECT} WHERE k.account_id = ? ORDER BY k.created_at, k.key"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(key_of).collect())
    }

    /// Revokes a widget key; false when there is no such key in force.
    pub async fn revoke_widget_key(&self, key: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE widget_keys SET revoked_at = ? WHERE key = ? AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(key)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether any key in force allows `origin` (for CORS preflights, which
    /// carry no key).
    pub async fn origin_known(&self, origin: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 FROM widget_keys, json_each(widget_keys.origins) \
             WHERE revoked_at IS NULL AND json_each.value = ? LIMIT 1",
        )
        .bind(origin)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, tier: Tier) -> Account {
        Account {
            id: id.to_string(),
            name: format!("{id} Inc."),
            tier,
            arr_cents: 100,
            renewal_date: None,
            csm: None,
        }
    }

    #[tokio::test]
    async fn upserts_are_idempotent_and_keys_follow_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).await.unwrap();
        let a = account("acme", Tier::HighTouch);
        let b = account("globex", Tier::AiAssisted);
        let first = store
            .upsert_accounts(&[a.clone(), b.clone()])
            .await
            .unwrap();
        assert_eq!(first, [Upsert::Created, Upsert::Created]);
        let again = store
            .upsert_accounts(&[a.clone(), b.clone()])
            .await
            .unwrap();
        assert_eq!(again, [Upsert::Unchanged, Upsert::Unchanged]);
        let demoted = Account {
            tier: Tier::AiAssisted,
            ..a.clone()
        };
        assert_eq!(
            store.upsert_accounts(&[demoted]).await.unwrap(),
            [Upsert::Updated]
        );
        assert_eq!(store.accounts().await.unwrap().len(), 2);

        let origins = vec!["https://app.acme.test".to_string()];
        assert!(
            store
                .issue_widget_key("nobody", &origins)
                .await
                .unwrap()
                .is_none()
        );
        let issued = store
            .issue_widget_key("acme", &origins)
            .await
            .unwrap()
            .unwrap();
        let pk = issued.key.as_str();
        let key = store.widget_key(pk).await.unwrap().unwrap();
        assert_eq!(key.tier, Tier::AiAssisted, "the tier is the account's now");
        assert!(store.origin_known("https://app.acme.test").await.unwrap());
        assert!(!store.origin_known("https://evil.test").await.unwrap());
        assert!(store.revoke_widget_key(pk).await.unwrap());
        assert!(!store.revoke_widget_key(pk).await.unwrap());
        assert!(store.widget_key(pk).await.unwrap().is_none());
        assert!(!store.origin_known("https://app.acme.test").await.unwrap());
        assert_eq!(store.widget_keys("acme").await.unwrap().len(), 1);
    }
}
