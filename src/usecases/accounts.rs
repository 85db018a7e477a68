//! People and their tokens: creating API tokens and accounts with a grant (role, shop, area),
//! signing in with a name and a password (a session token with an expiry, lock-out after
//! repeated failures), and changing a password. Called by the CLI and the API alike.

use crate::domain::auth::{ApiTokenSecret, Grant};
use crate::domain::ids::{AccountId, ApiTokenId};
use crate::domain::password::{Password, decoy_phc};
use crate::domain::wilayah::WilayahCode;
use crate::problem::{Code, Problem};
use crate::store::{Store, TokenOptions, now_us};

/// The sign-in rules (server settings, `api::Config`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failed sign-ins in a row that lock an account.
    pub max_failures: i64,
    /// How long a locked account waits, seconds.
    pub lock_secs: i64,
    /// How long a session token lives, seconds.
    pub session_ttl_secs: i64,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            max_failures: 5,
            lock_secs: 15 * 60,
            session_ttl_secs: 12 * 3600,
        }
    }
}

/// A session handed out by a good sign-in.
#[derive(Debug)]
pub struct Session {
    /// The bearer token (shown once).
    pub secret: ApiTokenSecret,
    /// When it stops working, µs.
    pub expires_at_us: i64,
    /// What it may do.
    pub grant: Grant,
}

/// Every code of the area must be in the wilayah table (422 `unknown_wilayah` otherwise).
pub async fn check_area_known(store: &Store, grant: &Grant) -> Result<(), Problem> {
    let codes: Vec<WilayahCode> = grant.area.codes().to_vec();
    if !store.unknown_wilayah(&codes, None).await?.is_empty() {
        return Err(Problem::new(Code::UnknownWilayah));
    }
    if let Some(shop) = grant.merchant_id {
        store.merchant(shop).await?;
    }
    Ok(())
}

/// A new API token with its grant; the secret is returned once and stored as SHA-256 only.
pub async fn create_token(
    store: &Store,
    grant: &Grant,
    label: &str,
    expires_at_us: Option<i64>,
    actor: &str,
) -> Result<(ApiTokenId, ApiTokenSecret), Problem> {
    check_area_known(store, grant).await?;
    let secret = ApiTokenSecret::from_random(rand::random());
    let options = TokenOptions {
        label: label.to_owned(),
        expires_at_us,
        account: None,
    };
    let id = store.create_token(&secret, grant, &options, actor).await?;
    Ok((id, secret))
}

/// A new account: a name (3-64 characters of letters, digits, `.`, `_`, `-`), a password of
/// 10-128 characters (argon2id), and a grant.
pub async fn create_account(
    store: &Store,
    name: &str,
    password: &str,
    grant: &Grant,
    actor: &str,
) -> Result<AccountId, Problem> {
    if !valid_name(name) {
        return Err(Problem::new(Code::ValidationFailed)
            .detail("name: 3-64 letters, digits, '.', '_' or '-'"));
    }
    let password = Password::new_password(password).ok_or(Problem::new(Code::WeakPassword))?;
    check_area_known(store, grant).await?;
    let phc = hash(password).await?;
    Ok(store.create_account(name, &phc, grant, actor).await?)
}

fn valid_name(name: &str) -> bool {
    (3..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// argon2id on a blocking thread (tens of milliseconds of CPU by design).
async fn hash(password: Password) -> Result<String, Problem> {
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(|_| Problem::new(Code::Internal))?
        .map_err(|_| Problem::new(Code::Internal))
}

async fn verify(password: Password, phc: String) -> Result<bool, Problem> {
    tokio::task::spawn_blocking(move || password.verify(&phc))
        .await
        .map_err(|_| Problem::new(Code::Internal))
}

/// Signs in: 401 `login_failed` for an unknown name or a wrong password alike (the same work
/// is done for both), 429 `account_locked` while locked (even with the right password).
pub async fn login(
    store: &Store,
    policy: LoginPolicy,
    name: &str,
    password: &str,
) -> Result<Session, Problem> {
    let failed = || Problem::new(Code::LoginFailed);
    let password = Password::presented(password).ok_or_else(failed)?;
    let Some(account) = store.login_record(name).await? else {
        verify(password, decoy_phc().to_owned()).await?;
        return Err(failed());
    };
    let now = now_us();
    if account.locked_until_us.is_some_and(|until| until > now) {
        return Err(Problem::new(Code::AccountLocked));
    }
    if !verify(password, account.password_phc.clone()).await? {
        let lock_us = policy.lock_secs.saturating_mul(1_000_000);
        store
            .record_login_failure(account.id, policy.max_failures, lock_us)
            .await?;
        return Err(failed());
    }
    store.record_login_success(account.id).await?;
    let expires_at_us = now.saturating_add(policy.session_ttl_secs.saturating_mul(1_000_000));
    let secret = ApiTokenSecret::from_random(rand::random());
    let options = TokenOptions {
        label: "session".to_owned(),
        expires_at_us: Some(expires_at_us),
        account: Some(account.id),
    };
    let actor = format!("account#{}", account.id);
    store
        .create_token(&secret, &account.grant, &options, &actor)
        .await?;
    Ok(Session {
        secret,
        expires_at_us,
        grant: account.grant,
    })
}

/// Changes an account's password after checking the current one; every session of the
/// account ends (sign in again).
pub async fn change_password(
    store: &Store,
    account: AccountId,
    current: &str,
    new: &str,
) -> Result<(), Problem> {
    let phc = store
        .account_phc(account)
        .await?
        .ok_or(Problem::new(Code::Unauthorized))?;
    let current = Password::presented(current).ok_or(Problem::new(Code::LoginFailed))?;
    if !verify(current, phc).await? {
        return Err(Problem::new(Code::LoginFailed));
    }
    let new = Password::new_password(new).ok_or(Problem::new(Code::WeakPassword))?;
    let phc = hash(new).await?;
    let actor = format!("account#{account}");
    Ok(store.set_account_password(account, &phc, &actor).await?)
}
