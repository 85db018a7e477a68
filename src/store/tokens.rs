//! API tokens: stored as SHA-256 of the secret, looked up on every request.

use super::{AuditWriter, Engine, Store, StoreError, StoreResult, now_us, with_pool, with_writer};
use crate::domain::audit::AuditEvent;
use crate::domain::auth::{ApiTokenSecret, Principal, Role};
use crate::domain::ids::{ApiTokenId, MerchantId};
use relasi_codes::Code;

impl Store {
    /// Stores a new token's hash. A merchant token must name an existing shop; other roles none.
    pub async fn create_api_token(
        &self,
        secret: &ApiTokenSecret,
        role: Role,
        merchant: Option<MerchantId>,
        label: &str,
        actor: &str,
    ) -> StoreResult<ApiTokenId> {
        if (role == Role::Merchant) != merchant.is_some() {
            return Err(StoreError::Invalid(Code::ValidationFailed));
        }
        with_writer!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "insert into api_tokens (token_sha256, role, merchant_id, label, created_at_us) \
                 values ($1, $2, $3, $4, $5) returning id",
            )
            .bind(secret.hash())
            .bind(role.as_str())
            .bind(merchant.map(|m| m.0))
            .bind(label.to_owned())
            .bind(now_us())
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(&AuditEvent::new(actor, "token.create", format!("api_token:{id}"),
                &serde_json::json!({ "role": role, "merchant_id": merchant, "label": label }))).await?;
            tx.commit().await?;
            Ok(ApiTokenId(id))
        })
    }

    /// The principal behind a presented secret, if the token exists and is not revoked.
    pub async fn principal_for(
        &self,
        secret: &ApiTokenSecret,
    ) -> StoreResult<Option<(ApiTokenId, Principal)>> {
        let row: Option<(i64, String, Option<i64>)> = with_pool!(self, pool => sqlx::query_as(
            "select id, role, merchant_id from api_tokens where token_sha256 = $1 and revoked_at_us is null"
        ).bind(secret.hash()).fetch_optional(pool).await)?;
        Ok(row.and_then(|(id, role, merchant)| {
            Some((
                ApiTokenId(id),
                Principal {
                    role: Role::parse(&role)?,
                    merchant_id: merchant.map(MerchantId),
                },
            ))
        }))
    }
}
