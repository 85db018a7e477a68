//! API tokens and sessions: stored as SHA-256 of the secret with their grant (role, shop, area)
//! and expiry, looked up on every request (so a revoked or expired token is refused at once on
//! every instance: nothing is cached).

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::auth::{ApiTokenSecret, Area, Grant, Principal, Role};
use crate::domain::ids::{AccountId, ApiTokenId, MerchantId};
use relasi_codes::Code;

/// How a token is made besides its grant.
#[derive(Clone, Debug, Default)]
pub struct TokenOptions {
    /// Who holds it (a note; never personal data).
    pub label: String,
    /// When it stops working by itself.
    pub expires_at_us: Option<i64>,
    /// The account a session belongs to.
    pub account: Option<AccountId>,
}

/// A token as `relasi token list` and the admin's list show it (never the secret, which is not stored).
#[derive(Clone, Debug)]
pub struct TokenInfo {
    /// Id.
    pub id: ApiTokenId,
    /// Role, shop and area.
    pub grant: Grant,
    /// The holder's note.
    pub label: String,
    /// Created, µs.
    pub created_at_us: i64,
    /// Ends by itself at, µs.
    pub expires_at_us: Option<i64>,
    /// Revoked at, µs.
    pub revoked_at_us: Option<i64>,
    /// The account of a session.
    pub account: Option<AccountId>,
}

type PrincipalRow = (i64, String, Option<i64>, String, Option<i64>);
type TokenRow = (
    i64,
    String,
    Option<i64>,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Role, shop and area from stored columns; a row that does not parse is corrupt.
pub(super) fn grant_from_row(role: &str, merchant: Option<i64>, areas: &str) -> StoreResult<Grant> {
    let role = Role::parse(role).ok_or(StoreError::Corrupt("api token role"))?;
    let area = Area::from_stored(areas).map_err(|_| StoreError::Corrupt("token area"))?;
    Grant::new(role, merchant.map(MerchantId), area).map_err(|_| StoreError::Corrupt("token grant"))
}

fn token_info(row: TokenRow) -> StoreResult<TokenInfo> {
    let (id, role, merchant, areas, label, created, expires, revoked, account) = row;
    Ok(TokenInfo {
        id: ApiTokenId(id),
        grant: grant_from_row(&role, merchant, &areas)?,
        label,
        created_at_us: created,
        expires_at_us: expires,
        revoked_at_us: revoked,
        account: account.map(AccountId),
    })
}

impl Store {
    /// Stores a new token's hash for the whole deployment (no area, no expiry).
    pub async fn create_api_token(
        &self,
        secret: &ApiTokenSecret,
        role: Role,
        merchant: Option<MerchantId>,
        label: &str,
        actor: &str,
    ) -> StoreResult<ApiTokenId> {
        let grant = Grant::new(role, merchant, Area::everywhere())
            .map_err(|_| StoreError::Invalid(Code::ValidationFailed))?;
        let options = TokenOptions {
            label: label.to_owned(),
            ..TokenOptions::default()
        };
        self.create_token(secret, &grant, &options, actor).await
    }

    /// Stores a new token's hash with its grant, expiry and account.
    pub async fn create_token(
        &self,
        secret: &ApiTokenSecret,
        grant: &Grant,
        options: &TokenOptions,
        actor: &str,
    ) -> StoreResult<ApiTokenId> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "insert into api_tokens (token_sha256, role, merchant_id, label, created_at_us, \
                 areas, expires_at_us, account_id) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
            )
            .bind(secret.hash())
            .bind(grant.role.as_str())
            .bind(grant.merchant_id.map(|m| m.0))
            .bind(options.label.clone())
            .bind(now_us())
            .bind(grant.area.to_stored())
            .bind(options.expires_at_us)
            .bind(options.account.map(|a| a.0))
            .fetch_one(&mut *tx)
            .await?;
            // A session is not an admin change; tokens made by people are.
            if options.account.is_none() {
                tx.append_audit(&AuditEvent::new(actor, "token.create", format!("api_token:{id}"),
                    &serde_json::json!({ "role": grant.role, "merchant_id": grant.merchant_id,
                        "areas": grant.area.to_stored(), "label": options.label,
                        "expires_at_us": options.expires_at_us }))).await?;
            }
            tx.commit().await?;
            Ok(ApiTokenId(id))
        })
    }

    /// The principal behind a presented secret, if the token exists, is not revoked and has not
    /// expired.
    pub async fn principal_for(
        &self,
        secret: &ApiTokenSecret,
    ) -> StoreResult<Option<(ApiTokenId, Principal)>> {
        let row: Option<PrincipalRow> = with_pool!(self, pool => sqlx::query_as(
            "select id, role, merchant_id, areas, account_id from api_tokens where token_sha256 = $1 \
             and revoked_at_us is null and (expires_at_us is null or expires_at_us > $2)"
        ).bind(secret.hash()).bind(now_us()).fetch_optional(pool).await)?;
        let Some((id, role, merchant, areas, account)) = row else {
            return Ok(None);
        };
        let grant = grant_from_row(&role, merchant, &areas)?;
        Ok(Some((
            ApiTokenId(id),
            Principal {
                role: grant.role,
                merchant_id: grant.merchant_id,
                area: grant.area,
                account_id: account.map(AccountId),
            },
        )))
    }

    /// Tokens newest first, `limit` of them with ids below `before`; sessions only when asked.
    pub async fn api_tokens_page(
        &self,
        before: i64,
        limit: i64,
        sessions: bool,
    ) -> StoreResult<Vec<TokenInfo>> {
        let rows: Vec<TokenRow> = with_pool!(self, pool => sqlx::query_as(
            "select id, role, merchant_id, areas, label, created_at_us, expires_at_us, revoked_at_us, \
             account_id from api_tokens where id < $1 and ($3 or account_id is null) \
             order by id desc limit $2"
        ).bind(before).bind(limit).bind(sessions).fetch_all(pool).await)?;
        rows.into_iter().map(token_info).collect()
    }

    /// One token (`NotFound` when there is none).
    pub async fn api_token(&self, id: ApiTokenId) -> StoreResult<TokenInfo> {
        let row: Option<TokenRow> = with_pool!(self, pool => sqlx::query_as(
            "select id, role, merchant_id, areas, label, created_at_us, expires_at_us, revoked_at_us, \
             account_id from api_tokens where id = $1"
        ).bind(id.0).fetch_optional(pool).await)?;
        row.map(token_info).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Revokes a token: refused from the next request on. False when unknown or revoked already.
    pub async fn revoke_api_token(&self, id: ApiTokenId, actor: &str) -> StoreResult<bool> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "update api_tokens set revoked_at_us = $2 where id = $1 and revoked_at_us is null",
            ).bind(id.0).bind(now_us()).execute(&mut *tx).await?.rows_affected() == 1;
            if done {
                tx.append_audit(&AuditEvent::new(actor, "token.revoke", format!("api_token:{}", id.0),
                    &serde_json::json!({}))).await?;
            }
            tx.commit().await?;
            Ok(done)
        })
    }
}
