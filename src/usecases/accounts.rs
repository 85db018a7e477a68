//! People and their tokens: creating API tokens and accounts with a grant (role, shop, area),
//! signing in with a name and a password (a session token with an expiry, lock-out after
//! repeated failures), changing a password, and the admin's side: listing accounts and tokens
//! (never a secret or a hash), unlocking, resetting a password, disabling, revoking. An admin
//! manages what lies inside its own area (`Area::holds`). Called by the CLI, the API and the
//! accounts page alike.

use crate::domain::auth::{ApiTokenSecret, Area, Grant, Principal, Role};
use crate::domain::ids::{AccountId, ApiTokenId};
use crate::domain::password::{Password, decoy_phc};
use crate::domain::wilayah::WilayahCode;
use crate::problem::{Code, Problem};
use crate::store::{AccountInfo, Store, StoreError, TokenInfo, TokenOptions, now_us};

/// Most rows one page of the admin's lists holds.
pub const PAGE_ROWS: i64 = 200;
/// Longest token label, characters.
pub const MAX_LABEL_CHARS: usize = 100;
/// Longest lifetime a token may be given, days (ten years).
pub const MAX_TOKEN_DAYS: i64 = 3650;

/// One page of a list, newest first, and where the next one begins (`before`).
#[derive(Debug)]
pub struct Page<T> {
    /// The rows the caller may see.
    pub rows: Vec<T>,
    /// The `before` of the next page, when there may be one.
    pub next_before: Option<i64>,
}

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

/// 403 `forbidden` unless `who` is an admin.
fn require_admin(who: &Principal) -> Result<(), Problem> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(Problem::new(Code::Forbidden))
    }
}

/// 403 unless `who` is an admin whose area holds `area` (`forbidden`, `outside_area`).
pub fn may_manage(who: &Principal, area: &Area) -> Result<(), Problem> {
    require_admin(who)?;
    if !who.area.holds(area) {
        return Err(Problem::new(Code::OutsideArea));
    }
    Ok(())
}

fn not_found(e: StoreError) -> Problem {
    match e {
        StoreError::NotFound => Problem::new(Code::NotFound),
        other => other.into(),
    }
}

/// Where a page of a list ends and the next one begins.
fn paged<T>(all: Vec<T>, id: impl Fn(&T) -> i64, keep: impl Fn(&T) -> bool) -> Page<T> {
    let full = i64::try_from(all.len()).unwrap_or(i64::MAX) >= PAGE_ROWS;
    let next_before = all.last().map(&id).filter(|_| full);
    Page {
        rows: all.into_iter().filter(|r| keep(r)).collect(),
        next_before,
    }
}

/// An admin's new account: [`create_account`] for a grant inside the admin's area.
pub async fn admin_create_account(
    store: &Store,
    who: &Principal,
    name: &str,
    password: &str,
    grant: &Grant,
    actor: &str,
) -> Result<AccountId, Problem> {
    may_manage(who, &grant.area)?;
    create_account(store, name, password, grant, actor).await
}

/// An admin's new API token: [`create_token`] for a grant inside the admin's area, living
/// `days` days (1 to [`MAX_TOKEN_DAYS`]) or until revoked. The secret is answered once.
pub async fn admin_create_token(
    store: &Store,
    who: &Principal,
    grant: &Grant,
    label: &str,
    days: Option<i64>,
    actor: &str,
) -> Result<(ApiTokenId, ApiTokenSecret), Problem> {
    may_manage(who, &grant.area)?;
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(Problem::new(Code::ValidationFailed).detail("label: at most 100 characters"));
    }
    let expires_at_us = match days {
        None => None,
        Some(d) if (1..=MAX_TOKEN_DAYS).contains(&d) => {
            Some(now_us().saturating_add(d.saturating_mul(86_400_000_000)))
        }
        Some(_) => {
            return Err(Problem::new(Code::ValidationFailed).detail("days: 1 to 3650"));
        }
    };
    create_token(store, grant, label, expires_at_us, actor).await
}

/// The accounts inside the admin's area, newest first, a page below `before`.
pub async fn list_accounts(
    store: &Store,
    who: &Principal,
    before: Option<i64>,
) -> Result<Page<AccountInfo>, Problem> {
    require_admin(who)?;
    let all = store
        .accounts_page(before.unwrap_or(i64::MAX), PAGE_ROWS)
        .await?;
    Ok(paged(all, |a| a.id.0, |a| who.area.holds(&a.grant.area)))
}

/// The account, if `who` may manage it.
async fn managed_account(
    store: &Store,
    who: &Principal,
    id: AccountId,
) -> Result<AccountInfo, Problem> {
    require_admin(who)?;
    let account = store.account_info(id).await.map_err(not_found)?;
    may_manage(who, &account.grant.area)?;
    Ok(account)
}

/// Ends an account's lock-out at once (the failure count starts again).
pub async fn unlock(
    store: &Store,
    who: &Principal,
    id: AccountId,
    actor: &str,
) -> Result<(), Problem> {
    managed_account(store, who, id).await?;
    Ok(store.unlock_account(id, actor).await?)
}

/// An admin sets a new password (10-128 characters, argon2id) for someone who forgot theirs:
/// the lock-out ends and every session of the account ends.
pub async fn reset_password(
    store: &Store,
    who: &Principal,
    id: AccountId,
    new: &str,
    actor: &str,
) -> Result<(), Problem> {
    managed_account(store, who, id).await?;
    let new = Password::new_password(new).ok_or(Problem::new(Code::WeakPassword))?;
    let phc = hash(new).await?;
    Ok(store.set_account_password(id, &phc, actor).await?)
}

/// Disables an account for good: no sign-in, every session ended. Repeating it is harmless.
pub async fn disable(
    store: &Store,
    who: &Principal,
    id: AccountId,
    actor: &str,
) -> Result<(), Problem> {
    managed_account(store, who, id).await?;
    Ok(store.disable_account(id, actor).await?)
}

/// The API tokens inside the admin's area (sessions only when asked), newest first, a page
/// below `before`. Never a secret: only its hash is stored, and that is not read.
pub async fn list_tokens(
    store: &Store,
    who: &Principal,
    before: Option<i64>,
    sessions: bool,
) -> Result<Page<TokenInfo>, Problem> {
    require_admin(who)?;
    let all = store
        .api_tokens_page(before.unwrap_or(i64::MAX), PAGE_ROWS, sessions)
        .await?;
    Ok(paged(all, |t| t.id.0, |t| who.area.holds(&t.grant.area)))
}

/// Revokes a token: refused from its next request on, on every instance (tokens are looked
/// up on every request); false when it was revoked already (nothing changes); 404 when
/// unknown.
pub async fn revoke_token(
    store: &Store,
    who: &Principal,
    id: ApiTokenId,
    actor: &str,
) -> Result<bool, Problem> {
    require_admin(who)?;
    let token = store.api_token(id).await.map_err(not_found)?;
    may_manage(who, &token.grant.area)?;
    Ok(store.revoke_api_token(id, actor).await?)
}
