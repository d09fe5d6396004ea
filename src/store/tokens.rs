//! Staff tokens, stored as hashes.

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Store, StoreError, new_id, now_ms};
use crate::auth::{Role, Staff, new_token, token_hash};

/// A staff token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub role: Role,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn info_of(row: &SqliteRow) -> TokenInfo {
    TokenInfo {
        id: row.get("id"),
        role: Role::parse(row.get::<&str, _>("role")).unwrap_or(Role::Csm),
        name: row.get("name"),
        created_at: row.get("created_at"),
        revoked_at: row.get("revoked_at"),
    }
}

impl Store {
    /// Makes a new token for `name` and stores its hash. The token itself is
    /// returned here and nowhere else, ever.
    pub async fn issue_token(
        &self,
        role: Role,
        name: &str,
    ) -> Result<(TokenInfo, String), StoreError> {
        let token = new_token(role)?;
        let info = TokenInfo {
            id: new_id("t_"),
            role,
            name: name.to_string(),
            created_at: now_ms(),
            revoked_at: None,
        };
        sqlx::query("INSERT INTO tokens (id, role, name, hash, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&info.id)
            .bind(role.as_str())
            .bind(name)
            .bind(token_hash(&token))
            .bind(info.created_at)
            .execute(&self.writer)
            .await?;
        Ok((info, token))
    }

    /// Who holds `token`, when it is a token in force.
    pub async fn staff(&self, token: &str) -> Result<Option<Staff>, StoreError> {
        let row = sqlx::query(
            "SELECT id, role, name, created_at, revoked_at FROM tokens WHERE hash = ? AND revoked_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(info_of).map(|t| Staff {
            token_id: t.id,
            role: t.role,
            name: t.name,
        }))
    }

    /// Every token, oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, role, name, created_at, revoked_at FROM tokens ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(info_of).collect())
    }

    /// Revokes a token; false when there is no such token in force.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&self.writer)
                .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_hash_is_kept_and_revoked_tokens_stop_working() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let store = Store::open(&path).await.unwrap();
        let (info, token) = store
            .issue_token(Role::Csm, "ann@example.com")
            .await
            .unwrap();
        let staff = store.staff(&token).await.unwrap().unwrap();
        assert_eq!(
            (staff.role, staff.name.as_str()),
            (Role::Csm, "ann@example.com")
        );
        assert!(store.staff("docent_csm_guess").await.unwrap().is_none());
        store.close().await;
        let raw = std::fs::read(&path).unwrap();
        let wal = std::fs::read(dir.path().join("d.db-wal")).unwrap_or_default();
        for bytes in [raw, wal] {
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "the token itself is stored"
            );
        }
        let store = Store::open(&path).await.unwrap();
        assert!(store.revoke_token(&info.id).await.unwrap());
        assert!(store.staff(&token).await.unwrap().is_none());
        assert!(store.tokens().await.unwrap()[0].revoked_at.is_some());
    }
}
