//! Officers' accounts: a name, an argon2id PHC string and a grant; failed sign-ins counted
//! toward a lock-out; sessions are `api_tokens` rows that name the account. The admin's list
//! (never a password hash), unlocking and disabling.

use super::tokens::grant_from_row;
use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::auth::Grant;
use crate::domain::ids::AccountId;

/// What a sign-in needs to know about an account.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    /// Id.
    pub id: AccountId,
    /// The stored argon2id PHC string.
    pub password_phc: String,
    /// Role, shop and area its sessions get.
    pub grant: Grant,
    /// Locked until, µs (after too many failures).
    pub locked_until_us: Option<i64>,
}

type LoginRow = (i64, String, String, Option<i64>, String, Option<i64>);

/// An account as an admin's list shows it: never its password hash.
#[derive(Clone, Debug)]
pub struct AccountInfo {
    /// Id.
    pub id: AccountId,
    /// The name it signs in with.
    pub name: String,
    /// Role, shop and area.
    pub grant: Grant,
    /// Created, µs.
    pub created_at_us: i64,
    /// Failed sign-ins in a row.
    pub failed_logins: i64,
    /// Locked until, µs.
    pub locked_until_us: Option<i64>,
    /// Disabled at, µs.
    pub disabled_at_us: Option<i64>,
    /// The newest sign-in (when its session began), µs.
    pub last_sign_in_us: Option<i64>,
}

type InfoRow = (
    i64,
    String,
    String,
    Option<i64>,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn info_of(row: InfoRow) -> StoreResult<AccountInfo> {
    let (id, name, role, merchant, areas, created, failed, locked, disabled, last) = row;
    Ok(AccountInfo {
        id: AccountId(id),
        name,
        grant: grant_from_row(&role, merchant, &areas)?,
        created_at_us: created,
        failed_logins: failed,
        locked_until_us: locked,
        disabled_at_us: disabled,
        last_sign_in_us: last,
    })
}

impl Store {
    /// A new account (names are unique: 409 `already_exists`).
    pub async fn create_account(
        &self,
        name: &str,
        password_phc: &str,
        grant: &Grant,
        actor: &str,
    ) -> StoreResult<AccountId> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "insert into accounts (name, password_phc, role, merchant_id, areas, created_at_us) \
                 values ($1, $2, $3, $4, $5, $6) returning id",
            )
            .bind(name.to_owned())
            .bind(password_phc.to_owned())
            .bind(grant.role.as_str())
            .bind(grant.merchant_id.map(|m| m.0))
            .bind(grant.area.to_stored())
            .bind(now_us())
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(&AuditEvent::new(actor, "account.create", format!("account:{id}"),
                &serde_json::json!({ "role": grant.role, "merchant_id": grant.merchant_id,
                    "areas": grant.area.to_stored() }))).await?;
            tx.commit().await?;
            Ok(AccountId(id))
        })
    }

    /// The account of this name, unless it is disabled.
    pub async fn login_record(&self, name: &str) -> StoreResult<Option<LoginRecord>> {
        let row: Option<LoginRow> = with_pool!(self, pool => sqlx::query_as(
            "select id, password_phc, role, merchant_id, areas, locked_until_us from accounts \
             where name = $1 and disabled_at_us is null"
        ).bind(name.to_owned()).fetch_optional(pool).await)?;
        row.map(|(id, phc, role, merchant, areas, locked)| {
            Ok(LoginRecord {
                id: AccountId(id),
                password_phc: phc,
                grant: grant_from_row(&role, merchant, &areas)?,
                locked_until_us: locked,
            })
        })
        .transpose()
    }

    /// The account's record by id (for a password change).
    pub async fn account_phc(&self, id: AccountId) -> StoreResult<Option<String>> {
        let row: Option<(String,)> = with_pool!(self, pool => sqlx::query_as(
            "select password_phc from accounts where id = $1 and disabled_at_us is null"
        ).bind(id.0).fetch_optional(pool).await)?;
        Ok(row.map(|(phc,)| phc))
    }

    /// Counts a failed sign-in; at `max_failures` in a row the account locks for `lock_us`.
    pub async fn record_login_failure(
        &self,
        id: AccountId,
        max_failures: i64,
        lock_us: i64,
    ) -> StoreResult<()> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "update accounts set failed_logins = failed_logins + 1, locked_until_us = \
                 case when failed_logins + 1 >= $2 then $3 else locked_until_us end where id = $1",
            ).bind(id.0).bind(max_failures).bind(now_us().saturating_add(lock_us))
            .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A good sign-in: the failure count starts again.
    pub async fn record_login_success(&self, id: AccountId) -> StoreResult<()> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("update accounts set failed_logins = 0, locked_until_us = null where id = $1")
                .bind(id.0).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A new password; every session of the account ends with it.
    pub async fn set_account_password(
        &self,
        id: AccountId,
        password_phc: &str,
        actor: &str,
    ) -> StoreResult<()> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("update accounts set password_phc = $2, failed_logins = 0, locked_until_us = null where id = $1")
                .bind(id.0).bind(password_phc.to_owned()).execute(&mut *tx).await?;
            sqlx::query("update api_tokens set revoked_at_us = $2 where account_id = $1 and revoked_at_us is null")
                .bind(id.0).bind(now_us()).execute(&mut *tx).await?;
            tx.append_audit(&AuditEvent::new(actor, "account.password", format!("account:{}", id.0),
                &serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Accounts newest first, `limit` of them with ids below `before`.
    pub async fn accounts_page(&self, before: i64, limit: i64) -> StoreResult<Vec<AccountInfo>> {
        let rows: Vec<InfoRow> = with_pool!(self, pool => sqlx::query_as(
            "select a.id, a.name, a.role, a.merchant_id, a.areas, a.created_at_us, a.failed_logins, \
             a.locked_until_us, a.disabled_at_us, \
             (select max(t.created_at_us) from api_tokens t where t.account_id = a.id) \
             from accounts a where a.id < $1 order by a.id desc limit $2"
        ).bind(before).bind(limit).fetch_all(pool).await)?;
        rows.into_iter().map(info_of).collect()
    }

    /// One account (404 `NotFound` when there is none).
    pub async fn account_info(&self, id: AccountId) -> StoreResult<AccountInfo> {
        let row: Option<InfoRow> = with_pool!(self, pool => sqlx::query_as(
            "select a.id, a.name, a.role, a.merchant_id, a.areas, a.created_at_us, a.failed_logins, \
             a.locked_until_us, a.disabled_at_us, \
             (select max(t.created_at_us) from api_tokens t where t.account_id = a.id) \
             from accounts a where a.id = $1"
        ).bind(id.0).fetch_optional(pool).await)?;
        row.map(info_of).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Ends a lock-out: the failure count starts again (audited).
    pub async fn unlock_account(&self, id: AccountId, actor: &str) -> StoreResult<()> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("update accounts set failed_logins = 0, locked_until_us = null where id = $1")
                .bind(id.0).execute(&mut *tx).await?;
            tx.append_audit(&AuditEvent::new(actor, "account.unlock", format!("account:{}", id.0),
                &serde_json::json!({}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Disables an account for good: it cannot sign in and every session ends. Repeating it
    /// changes nothing (and is not audited again).
    pub async fn disable_account(&self, id: AccountId, actor: &str) -> StoreResult<()> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let now = now_us();
            let changed = sqlx::query(
                "update accounts set disabled_at_us = $2 where id = $1 and disabled_at_us is null",
            ).bind(id.0).bind(now).execute(&mut *tx).await?.rows_affected() == 1;
            if changed {
                sqlx::query("update api_tokens set revoked_at_us = $2 where account_id = $1 and revoked_at_us is null")
                    .bind(id.0).bind(now).execute(&mut *tx).await?;
                tx.append_audit(&AuditEvent::new(actor, "account.disable", format!("account:{}", id.0),
                    &serde_json::json!({}))).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
