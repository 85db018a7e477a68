//! The deployment id: set once, read by every signer and verifier.

use super::{Store, StoreResult, now_us, with_pool, with_writer};
use relasi_token::DeploymentId;

impl Store {
    /// The deployment id, if one was set.
    pub async fn deployment_id(&self) -> StoreResult<Option<DeploymentId>> {
        let row: Option<(String,)> = with_pool!(self, pool => sqlx::query_as("select deployment_id from deployment").fetch_optional(pool).await)?;
        Ok(row.and_then(|(id,)| DeploymentId::parse(&id).ok()))
    }

    /// Sets the deployment id unless one is set already; returns the one in force.
    pub async fn init_deployment(&self, proposed: &DeploymentId) -> StoreResult<DeploymentId> {
        with_writer!(self, pool => sqlx::query(
            "insert into deployment (singleton, deployment_id, created_at_us) values (true, $1, $2) \
             on conflict (singleton) do nothing"
        ).bind(proposed.as_str().to_owned()).bind(now_us()).execute(pool).await.map(|r| r.rows_affected()))?;
        self.deployment_id()
            .await?
            .ok_or(super::StoreError::NotFound)
    }
}
