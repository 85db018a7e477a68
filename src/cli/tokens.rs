//! `relasi token` (API tokens: create with a role, shop, area and expiry; list; revoke) and
//! `relasi account` (officers with a name and a password).

use super::{CLI_ACTOR, refused};
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;
use relasi::domain::auth::{ApiTokenSecret, Area, Grant, Principal, Role};
use relasi::domain::ids::{ApiTokenId, MerchantId};
use relasi::domain::wilayah::WilayahCode;
use relasi::store::{Store, TokenInfo};
use relasi::usecases::accounts;
use std::io::BufRead;

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token; prints it alone on stdout (shown once, stored hashed).
    Create {
        #[command(flatten)]
        grant: GrantArgs,
        /// A note saying who holds it.
        #[arg(long, default_value = "")]
        label: String,
        /// When it stops working: a span (`90d`, `12h`) or an instant (`2026-12-31T17:00:00Z`).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens (never their secrets, which are not stored).
    List,
    /// Revoke a token by id: refused from its next request on, on every instance.
    Revoke {
        /// The id `relasi token list` shows.
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Create an officer's account. The password is read from RELASI_ACCOUNT_PASSWORD, else
    /// from the first line of stdin (never from the command line, which reaches shell history).
    Create {
        /// The name the officer signs in with.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        grant: GrantArgs,
    },
}

/// Role, shop and area, as flags.
#[derive(clap::Args, Debug)]
pub struct GrantArgs {
    /// Role.
    #[arg(long, value_enum)]
    role: Role,
    /// The shop, for a merchant.
    #[arg(long)]
    merchant: Option<i64>,
    /// A kader's desa codes (one or more).
    #[arg(long, num_args = 1..)]
    desa: Vec<String>,
    /// An officer's area: kecamatan (or kabupaten) codes; none means the whole district.
    #[arg(long, num_args = 1..)]
    area: Vec<String>,
}

impl GrantArgs {
    fn grant(&self) -> anyhow::Result<Grant> {
        let codes = self
            .desa
            .iter()
            .chain(&self.area)
            .map(|c| WilayahCode::parse(c).map_err(|e| anyhow::anyhow!("{c}: {e}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let area = Area::of(codes).map_err(|e| anyhow::anyhow!("{e}"))?;
        Grant::new(self.role, self.merchant.map(MerchantId), area)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

pub async fn token(store: &Store, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            grant,
            label,
            expires,
        } => {
            let expires_at_us = expires.as_deref().map(parse_expiry).transpose()?;
            let (_, secret) =
                accounts::create_token(store, &grant.grant()?, &label, expires_at_us, CLI_ACTOR)
                    .await
                    .map_err(refused)?;
            println!("{}", secret.expose());
        }
        TokenCommand::List => list(store).await?,
        TokenCommand::Revoke { id } => {
            let operator = Principal::operator();
            let revoked = accounts::revoke_token(store, &operator, ApiTokenId(id), CLI_ACTOR)
                .await
                .map_err(refused)?;
            if !revoked {
                bail!("token {id}: sudah dicabut / revoked already");
            }
            eprintln!("token {id} dicabut / revoked");
        }
    }
    Ok(())
}

/// `90d`, `12h`, `30m` from now, or an RFC 3339 instant; in the past is refused.
fn parse_expiry(text: &str) -> anyhow::Result<i64> {
    let now = Utc::now();
    let span = |n: &str, unit: fn(i64) -> Duration| -> anyhow::Result<DateTime<Utc>> {
        let n: i64 = n.parse().context("--expires: a number before d, h or m")?;
        Ok(now + unit(n))
    };
    let at = match text.char_indices().last() {
        Some((i, 'd')) => span(&text[..i], Duration::days)?,
        Some((i, 'h')) => span(&text[..i], Duration::hours)?,
        Some((i, 'm')) => span(&text[..i], Duration::minutes)?,
        _ => DateTime::parse_from_rfc3339(text)
            .context("--expires: 90d, 12h, 30m or 2026-12-31T17:00:00Z")?
            .with_timezone(&Utc),
    };
    if at <= now {
        bail!("--expires lies in the past");
    }
    Ok(at.timestamp_micros())
}

async fn list(store: &Store) -> anyhow::Result<()> {
    let operator = Principal::operator();
    let mut before = None;
    loop {
        let page = accounts::list_tokens(store, &operator, before, true)
            .await
            .map_err(refused)?;
        for t in &page.rows {
            print_token(t);
        }
        match page.next_before {
            Some(next) => before = Some(next),
            None => return Ok(()),
        }
    }
}

fn print_token(t: &TokenInfo) {
    let at = |t: Option<i64>| {
        t.and_then(DateTime::from_timestamp_micros)
            .map_or("-".to_owned(), |t| t.to_rfc3339())
    };
    let area = t.grant.area.to_stored();
    println!(
        "{}\t{}\t{}\t{}\tcreated {}\texpires {}\trevoked {}\t{}{}",
        t.id.0,
        t.grant.role.as_str(),
        t.grant
            .merchant_id
            .map_or("-".to_owned(), |m| m.to_string()),
        if area.is_empty() { "*" } else { &area },
        at(Some(t.created_at_us)),
        at(t.expires_at_us),
        at(t.revoked_at_us),
        t.account.map_or(String::new(), |a| format!("account {a} ")),
        t.label,
    );
}

pub async fn account(store: &Store, command: AccountCommand) -> anyhow::Result<()> {
    let AccountCommand::Create { name, grant } = command;
    let password = match std::env::var("RELASI_ACCOUNT_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let id = accounts::create_account(store, &name, &password, &grant.grant()?, CLI_ACTOR)
        .await
        .map_err(refused)?;
    println!("{id}");
    Ok(())
}

/// A new API token for the whole district (the demo's tokens).
pub async fn create_token(
    store: &Store,
    role: Role,
    merchant: Option<MerchantId>,
    label: &str,
) -> anyhow::Result<ApiTokenSecret> {
    let grant =
        Grant::new(role, merchant, Area::everywhere()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (_, secret) = accounts::create_token(store, &grant, label, None, CLI_ACTOR)
        .await
        .map_err(refused)?;
    Ok(secret)
}
