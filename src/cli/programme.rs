//! `relasi programme create|show`.

use super::CLI_ACTOR;
use clap::{Args, Subcommand};
use relasi::domain::money::Rupiah;
use relasi::domain::programme::{Category, OfflineCeilings, ProgrammeSettings};
use relasi::store::Store;

#[derive(Subcommand, Debug)]
pub enum ProgrammeCommand {
    /// Create a programme. Settings not given take the defaults of SPEC "Eligibility".
    Create(Box<ProgrammeArgs>),
    /// Show programmes as JSON.
    Show {
        /// Only this programme number.
        #[arg(long)]
        number: Option<u16>,
    },
}

#[derive(Args, Debug)]
pub struct ProgrammeArgs {
    /// Name.
    #[arg(long)]
    name: String,
    /// Number carried in the tokens.
    #[arg(long)]
    number: u16,
    /// Programme year.
    #[arg(long)]
    year: i32,
    /// Highest eligible desil (default 4).
    #[arg(long)]
    max_desil: Option<u8>,
    /// Base voucher value, whole rupiah (default 100000).
    #[arg(long)]
    base: Option<String>,
    /// Added per sasaran member (default 50000).
    #[arg(long)]
    per_member: Option<String>,
    /// Largest voucher (default 300000).
    #[arg(long)]
    cap: Option<String>,
    /// Allowed categories, comma-separated (default: SPEC's five).
    #[arg(long, value_delimiter = ',')]
    categories: Vec<String>,
    /// Reversal window in hours (default 24).
    #[arg(long)]
    reversal_window_hours: Option<i64>,
    /// Local time offset from UTC in hours: WIB 7 (default), WITA 8, WIT 9.
    #[arg(long)]
    utc_offset_hours: Option<i8>,
    /// Allow offline acceptance.
    #[arg(long)]
    offline: bool,
    /// Offline: key and revocation lists older than this many hours back no offline sale (default 24).
    #[arg(long)]
    offline_max_list_age_hours: Option<i64>,
    /// Offline: most rupiah one voucher may spend offline at one shop in a day (default 100000).
    #[arg(long)]
    offline_voucher_day: Option<String>,
    /// Offline: most unsynced sales a shop may hold (default 20).
    #[arg(long)]
    offline_shop_count: Option<i64>,
    /// Offline: most unsynced rupiah a shop may hold (default 1000000).
    #[arg(long)]
    offline_shop_total: Option<String>,
}

impl ProgrammeArgs {
    /// The settings asked for, on top of the defaults (written once, in the domain).
    fn settings(&self) -> anyhow::Result<ProgrammeSettings> {
        let d = ProgrammeSettings::default();
        let rupiah = |text: &Option<String>, default: Rupiah| {
            text.as_deref().map_or(Ok(default), Rupiah::parse)
        };
        let settings = ProgrammeSettings {
            max_desil: self.max_desil.unwrap_or(d.max_desil),
            voucher_base: rupiah(&self.base, d.voucher_base)?,
            voucher_per_member: rupiah(&self.per_member, d.voucher_per_member)?,
            voucher_cap: rupiah(&self.cap, d.voucher_cap)?,
            categories: if self.categories.is_empty() {
                d.categories.clone()
            } else {
                self.categories
                    .iter()
                    .map(|c| Category::parse(c))
                    .collect::<Result<_, _>>()?
            },
            reversal_window_secs: self
                .reversal_window_hours
                .map_or(d.reversal_window_secs, |h| h.saturating_mul(3600)),
            utc_offset_hours: self.utc_offset_hours.unwrap_or(d.utc_offset_hours),
            offline_allowed: self.offline,
            offline: self.offline_ceilings(d.offline)?,
        };
        settings.validate()?;
        Ok(settings)
    }
}

impl ProgrammeArgs {
    /// The offline ceilings asked for, on top of the defaults.
    fn offline_ceilings(&self, d: OfflineCeilings) -> anyhow::Result<OfflineCeilings> {
        let rupiah = |text: &Option<String>, default: Rupiah| {
            text.as_deref().map_or(Ok(default), Rupiah::parse)
        };
        Ok(OfflineCeilings {
            max_list_age_secs: self
                .offline_max_list_age_hours
                .map_or(d.max_list_age_secs, |h| h.saturating_mul(3600)),
            voucher_day: rupiah(&self.offline_voucher_day, d.voucher_day)?,
            shop_count: self.offline_shop_count.unwrap_or(d.shop_count),
            shop_total: rupiah(&self.offline_shop_total, d.shop_total)?,
        })
    }
}

pub async fn programme(store: &Store, command: ProgrammeCommand) -> anyhow::Result<()> {
    match command {
        ProgrammeCommand::Create(a) => {
            let p = store
                .create_programme(a.number, &a.name, a.year, &a.settings()?, CLI_ACTOR)
                .await?;
            println!("{}", serde_json::to_string_pretty(&p)?);
        }
        ProgrammeCommand::Show { number } => {
            let shown: Vec<_> = store
                .programmes()
                .await?
                .into_iter()
                .filter(|p| number.is_none_or(|n| p.number == n))
                .collect();
            println!("{}", serde_json::to_string_pretty(&shown)?);
        }
    }
    Ok(())
}
