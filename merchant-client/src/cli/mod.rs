//! The commands of `relasi-merchant` and what each prints.

mod config;
mod print;

use clap::{Parser, Subcommand};
use print::Out;
use relasi_merchant::{Client, Error, Keyring, Sale, SaleOutcome, Terminal, decode, now_unix};
use std::path::PathBuf;

/// Exit codes (documented in the README and `--help`).
pub mod exit {
    /// Done.
    pub const OK: u8 = 0;
    /// Refused or declined.
    pub const REFUSED: u8 = 1;
    /// Queued offline.
    pub const QUEUED: u8 = 3;
    /// Server unreachable.
    pub const UNREACHABLE: u8 = 4;
    /// Local problem.
    pub const LOCAL: u8 = 5;
    /// Sync stopped with sales waiting.
    pub const SYNC_STOPPED: u8 = 6;
}

#[derive(Parser, Debug)]
#[command(
    name = "relasi-merchant",
    version,
    about = "RELASI untuk toko mitra / for partner shops",
    after_help = "Kode keluar / exit codes: 0 selesai/done, 1 ditolak/refused, 2 salah pakai/usage, \
                  3 tertunda (antre offline)/queued offline, 4 server tak terjangkau/unreachable, \
                  5 masalah lokal/local problem, 6 sinkron berhenti/sync stopped"
)]
pub struct Cli {
    /// Folder for the login and the local state (default: $RELASI_MERCHANT_HOME, else ~/.config/relasi-merchant).
    #[arg(long, global = true, env = "RELASI_MERCHANT_HOME")]
    home: Option<PathBuf>,
    /// Language of messages: id (Bahasa Indonesia) or en.
    #[arg(long, global = true, default_value = "id", value_parser = ["id", "en"])]
    lang: String,
    /// Print JSON for scripts instead of sentences.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simpan server dan token toko / save the server and the shop's token.
    Login {
        /// Server URL, e.g. https://relasi.example.go.id
        #[arg(long)]
        server: String,
        /// The shop's merchant token.
        #[arg(long)]
        token: String,
        /// The shop's name, printed on its receipts.
        #[arg(long)]
        name: Option<String>,
    },
    /// Kunci, daftar cabut, aturan offline / keys, revocations, offline rules.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Periksa voucher (offline, lalu saldo online) / check a voucher.
    Check {
        /// An image file of the card (PNG/JPEG) or the QR text.
        voucher: String,
    },
    /// Jual: debit voucher / sell: debit a voucher.
    Redeem {
        /// An image file of the card (PNG/JPEG) or the QR text.
        voucher: String,
        /// Amount in whole rupiah.
        #[arg(long)]
        amount: i64,
        /// Basket line kategori=jumlah (repeatable); default one line of the first category.
        #[arg(long = "item")]
        items: Vec<String>,
    },
    /// Batalkan penjualan / reverse a sale.
    Reverse {
        /// The sale's redemption id.
        id: u64,
    },
    /// Antrean offline / the offline queue.
    Queue {
        #[command(subcommand)]
        command: QueueCommand,
    },
    /// Kirim antrean ke server / send the queue to the server.
    Sync,
    /// Penjualan hari ini atau tanggal lain / the day's sales.
    Sales {
        /// YYYY-MM-DD (default today, programme time).
        #[arg(long)]
        date: Option<String>,
    },
    /// Cetak struk / print a receipt.
    Receipt {
        /// The redemption id.
        id: u64,
    },
    /// Periksa voucher dengan berkas kunci / verify against a keys file (no login needed).
    Verify {
        /// File with the JSON of GET /v1/keys.
        #[arg(long)]
        keys: PathBuf,
        /// The QR text (RLS1:…) or an image file.
        token: String,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Ambil kunci, daftar cabut dan aturan offline / fetch keys, revocations and offline rules.
    Sync,
}

#[derive(Subcommand, Debug)]
enum QueueCommand {
    /// Tampilkan antrean / list the queue.
    List,
}

/// Runs one command; the exit code.
pub async fn run(cli: Cli) -> u8 {
    let out = Out {
        english: cli.lang == "en",
        json: cli.json,
    };
    let home = config::home(cli.home.clone());
    match dispatch(cli.command, &home, &out).await {
        Ok(code) => code,
        Err(e) => out.error(&e),
    }
}

async fn dispatch(command: Command, home: &std::path::Path, out: &Out) -> Result<u8, Error> {
    match command {
        Command::Login {
            server,
            token,
            name,
        } => {
            Client::new(&server, &token)?;
            config::save(home, &server, &token, name.as_deref())?;
            out.line(
                "Tersimpan. Jalankan: relasi-merchant keys sync",
                "Saved. Next: relasi-merchant keys sync",
                serde_json::json!({"saved": true}),
            );
            Ok(exit::OK)
        }
        Command::Verify { keys, token } => verify_file(&keys, &token, out),
        Command::Receipt { id } => {
            let terminal = config::terminal(home).await?;
            print_receipt(&terminal, id, config::shop_name(home), out).await
        }
        other => {
            let terminal = config::terminal(home).await?;
            with_terminal(other, &terminal, out).await
        }
    }
}

async fn with_terminal(command: Command, t: &Terminal, out: &Out) -> Result<u8, Error> {
    let now = now_unix();
    match command {
        Command::Keys {
            command: KeysCommand::Sync,
        } => {
            let status = t.sync_lists(now).await?;
            out.lists(&status);
            Ok(exit::OK)
        }
        Command::Check { voucher } => check(t, &voucher, out).await,
        Command::Redeem {
            voucher,
            amount,
            items,
        } => redeem(t, &voucher, amount, &items, out).await,
        Command::Reverse { id } => {
            let receipt = t.reverse(id).await?;
            out.receipt(&receipt);
            Ok(exit::OK)
        }
        Command::Queue {
            command: QueueCommand::List,
        } => {
            out.queue(&t.queue().await?);
            Ok(exit::OK)
        }
        Command::Sync => {
            let run = t.sync(now).await?;
            out.sync(&run);
            Ok(if run.stopped.is_some() {
                exit::SYNC_STOPPED
            } else {
                exit::OK
            })
        }
        Command::Sales { date } => {
            out.sales(&t.client().sales(date.as_deref()).await?);
            Ok(exit::OK)
        }
        Command::Login { .. } | Command::Verify { .. } | Command::Receipt { .. } => Ok(exit::OK),
    }
}

async fn print_receipt(
    t: &Terminal,
    id: u64,
    shop_name: Option<String>,
    out: &Out,
) -> Result<u8, Error> {
    let Some(r) = t.receipt(id).await? else {
        return Err(Error::Input(format!(
            "receipt {id} is not on this device / struk {id} tidak ada di perangkat ini"
        )));
    };
    let verified = t
        .keyring()
        .await
        .ok()
        .map(|k| print::verify_receipt(&k, &r));
    let extras = t.receipt_extras(id).await?;
    out.printable_receipt(&r, verified, &extras, shop_name.as_deref());
    Ok(exit::OK)
}

async fn check(t: &Terminal, voucher: &str, out: &Out) -> Result<u8, Error> {
    let text = decode::from_text_or_file(voucher)?;
    let verdict = t.check(&text, now_unix()).await;
    let balance = t.client().balance(&text).await;
    let offset = match (&verdict, t.offline_settings().await) {
        (Ok(v), Ok(s)) => s.programme(v.programme).map(|r| r.utc_offset_hours),
        _ => None,
    };
    out.check(&verdict, &balance, offset);
    Ok(if verdict.is_ok() {
        exit::OK
    } else {
        exit::REFUSED
    })
}

fn parse_items(items: &[String]) -> Result<Vec<(String, i64)>, Error> {
    items
        .iter()
        .map(|line| {
            let (category, amount) = line
                .split_once('=')
                .ok_or_else(|| Error::Input(format!("--item {line}: kategori=jumlah")))?;
            let amount = amount
                .trim()
                .parse::<i64>()
                .map_err(|_| Error::Input(format!("--item {line}: jumlah rupiah bulat")))?;
            Ok((category.trim().to_owned(), amount))
        })
        .collect()
}

async fn redeem(
    t: &Terminal,
    voucher: &str,
    amount_rp: i64,
    items: &[String],
    out: &Out,
) -> Result<u8, Error> {
    let qr_text = decode::from_text_or_file(voucher)?;
    let sale = Sale {
        qr_text,
        amount_rp,
        items: parse_items(items)?,
    };
    match t.sell(&sale, now_unix()).await? {
        SaleOutcome::Accepted(receipt) => {
            out.receipt(&receipt);
            Ok(exit::OK)
        }
        SaleOutcome::Queued(record) => {
            out.queued(&record);
            Ok(exit::QUEUED)
        }
    }
}

fn verify_file(keys: &std::path::Path, token: &str, out: &Out) -> Result<u8, Error> {
    let text = std::fs::read_to_string(keys)
        .map_err(|e| Error::Local(format!("{}: {e}", keys.display())))?;
    let keyring = Keyring::from_json(&text).map_err(|e| Error::Input(e.to_string()))?;
    let qr = decode::from_text_or_file(token)?;
    let verdict = keyring.verify(&qr, now_unix()).map_err(Error::from);
    out.check(&verdict, &Err(Error::Input("offline".into())), None);
    Ok(if verdict.is_ok() {
        exit::OK
    } else {
        exit::REFUSED
    })
}
