//! What the CLI prints: sentences in Bahasa Indonesia (or English), or JSON for scripts.

use super::exit;
use chrono::Datelike;
use relasi_merchant::{
    Error, Keyring, ListsStatus, Receipt, ReceiptDoc, ReceiptExtras, SaleRecord, SyncRun,
    VerifiedVoucher,
};
use serde_json::{Value, json};

/// Output settings.
pub struct Out {
    /// `--lang en`.
    pub english: bool,
    /// `--json`.
    pub json: bool,
}

/// `Rp 25.000`: Indonesian digit grouping.
pub fn rupiah(amount: &str) -> String {
    let digits: Vec<char> = amount.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(*c);
    }
    format!("Rp {out}")
}

/// `30 Nov 2026 07:00 WIB`: a Unix second in the programme's zone (UTC when unknown).
pub fn local_time(unix_secs: i64, utc_offset_hours: Option<i64>, english: bool) -> String {
    const BULAN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
    ];
    const MONTH: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let offset = utc_offset_hours.unwrap_or(0);
    let Some(at) = chrono::DateTime::from_timestamp(unix_secs.saturating_add(offset * 3600), 0)
    else {
        return unix_secs.to_string();
    };
    let zone = match utc_offset_hours {
        None | Some(0) => "UTC".to_owned(),
        Some(7) => "WIB".to_owned(),
        Some(8) => "WITA".to_owned(),
        Some(9) => "WIT".to_owned(),
        Some(h) => format!("UTC{h:+}"),
    };
    let names = if english { MONTH } else { BULAN };
    let month = names
        .get(usize::try_from(at.month0()).unwrap_or(0))
        .copied()
        .unwrap_or("");
    format!(
        "{} {month} {} {} {zone}",
        at.day(),
        at.year(),
        at.format("%H:%M")
    )
}

fn state_word(state: &str, english: bool) -> &'static str {
    match (state, english) {
        ("pending", false) => "TERTUNDA",
        ("pending", true) => "PENDING",
        ("sending", false) => "BELUM TERJAWAB",
        ("sending", true) => "UNANSWERED",
        ("accepted", false) => "DITERIMA",
        ("accepted", true) => "ACCEPTED",
        (_, false) => "DITOLAK",
        (_, true) => "DECLINED",
    }
}

/// Checks a kept receipt's signature against the synced keys.
pub fn verify_receipt(keys: &Keyring, r: &ReceiptDoc) -> bool {
    let (Ok(voucher), Ok(amount), Ok(balance)) = (
        hex::decode(&r.voucher_id),
        r.amount.parse::<u64>(),
        r.balance_after.parse::<u64>(),
    ) else {
        return false;
    };
    let Ok(voucher_id) = <[u8; 16]>::try_from(voucher.as_slice()) else {
        return false;
    };
    let receipt = Receipt {
        kind: if r.kind == "reversal" {
            Receipt::REVERSAL
        } else {
            Receipt::DEBIT
        },
        redemption_id: r.redemption_id,
        voucher_id,
        merchant_id: r.merchant_id,
        amount_rp: amount,
        balance_after_rp: balance,
        created_at_us: r.created_at_us,
        reverses_id: r.reverses.unwrap_or(0),
    };
    keys.verify_receipt(&receipt, &r.receipt_kid, &r.receipt_signature)
        .is_ok()
}

impl Out {
    fn say(&self, id: &str, en: &str) -> String {
        if self.english {
            en.to_owned()
        } else {
            id.to_owned()
        }
    }

    /// One sentence, or the JSON value.
    pub fn line(&self, id: &str, en: &str, value: Value) {
        if self.json {
            println!("{value}")
        } else {
            println!("{}", self.say(id, en))
        }
    }

    /// Prints an error to stderr (JSON to stdout with `--json`); its exit code.
    pub fn error(&self, e: &Error) -> u8 {
        let code = e.code().map(|c| c.as_str().to_owned());
        if self.json {
            println!(
                "{}",
                json!({ "error": code, "message": e.message(self.english), "detail": e.to_string() })
            );
        } else {
            eprintln!(
                "{}: {} ({})",
                self.say("DITOLAK", "REFUSED"),
                e.message(self.english),
                code.unwrap_or_else(|| e.to_string())
            );
        }
        match e {
            Error::Unreachable(_) => exit::UNREACHABLE,
            Error::Local(_) => exit::LOCAL,
            Error::Input(_) => 2,
            _ => exit::REFUSED,
        }
    }

    /// After `keys sync`.
    pub fn lists(&self, s: &ListsStatus) {
        let v = json!({ "synced_at_unix": s.synced_at_unix, "revoked": s.revoked });
        let id = format!(
            "Kunci, daftar cabut ({} voucher) dan aturan offline tersinkron.",
            s.revoked
        );
        let en = format!(
            "Keys, revocations ({} vouchers) and offline rules synced.",
            s.revoked
        );
        self.line(&id, &en, v);
    }

    /// The offline verdict with the validity date (in the programme's zone when known) and,
    /// when reachable, the balance.
    pub fn check(
        &self,
        verdict: &Result<VerifiedVoucher, Error>,
        balance: &Result<Value, Error>,
        utc_offset_hours: Option<i64>,
    ) {
        let online = balance.as_ref().ok();
        if self.json {
            let v = match verdict {
                Ok(v) => {
                    json!({ "valid": true, "voucher_id": v.voucher_id, "face_value": v.face_value_rp.to_string(),
                    "programme": v.programme, "valid_until_unix": v.valid_until_unix, "offline_allowed": v.offline_allowed, "online": online })
                }
                Err(e) => {
                    json!({ "valid": false, "error": e.code().map(|c| c.as_str()), "message": e.message(self.english), "online": online })
                }
            };
            println!("{v}");
            return;
        }
        match verdict {
            Ok(v) => {
                println!("{}", self.say("SAH (offline)", "VALID (offline)"));
                println!("  voucher   {}", v.voucher_id);
                println!(
                    "  {} {}",
                    self.say("nilai    ", "face value"),
                    rupiah(&v.face_value_rp.to_string())
                );
                let offline = if v.offline_allowed {
                    self.say("boleh", "allowed")
                } else {
                    self.say("tidak boleh", "not allowed")
                };
                println!("  offline   {offline}");
                let until = i64::from(v.valid_until_unix);
                println!(
                    "  {} {}",
                    self.say("berlaku   ", "valid till"),
                    local_time(until, utc_offset_hours, self.english)
                );
            }
            Err(e) => println!(
                "{}: {}",
                self.say("TIDAK SAH", "NOT VALID"),
                e.message(self.english)
            ),
        }
        match online {
            Some(b) => println!(
                "  {} {} ({})",
                self.say("saldo    ", "balance  "),
                rupiah(b["balance"].as_str().unwrap_or("0")),
                b["status"].as_str().unwrap_or("")
            ),
            None => println!(
                "  {}",
                self.say(
                    "saldo: server tidak terjangkau",
                    "balance: server unreachable"
                )
            ),
        }
    }

    /// A receipt from the server.
    pub fn receipt(&self, r: &ReceiptDoc) {
        if self.json {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
            return;
        }
        let what = if r.kind == "reversal" {
            self.say("DIBATALKAN", "REVERSED")
        } else {
            self.say("DITERIMA", "ACCEPTED")
        };
        println!(
            "{what}: {} — {} {}",
            rupiah(&r.amount),
            self.say("sisa saldo", "balance"),
            rupiah(&r.balance_after)
        );
        println!(
            "  {} #{}  ({})",
            self.say("struk", "receipt"),
            r.redemption_id,
            r.created_at
        );
    }

    /// A receipt laid out to hand over: the time in the programme's zone, the shop's name when
    /// known, and the basket when this device made the sale.
    pub fn printable_receipt(
        &self,
        r: &ReceiptDoc,
        verified: Option<bool>,
        extras: &ReceiptExtras,
        shop_name: Option<&str>,
    ) {
        let time = local_time(
            r.created_at_us.div_euclid(1_000_000),
            extras.utc_offset_hours,
            self.english,
        );
        if self.json {
            let items: Vec<Value> = extras
                .items
                .iter()
                .map(|i| json!({ "category": i.category, "amount": i.amount }))
                .collect();
            println!(
                "{}",
                json!({ "receipt": r, "signature_valid": verified, "local_time": time, "shop_name": shop_name, "items": items })
            );
            return;
        }
        let rule = "-".repeat(36);
        self.receipt_head(r, &rule, &time);
        self.receipt_body(r, extras, shop_name);
        let sig = match verified {
            Some(true) => self.say("sah", "valid"),
            Some(false) => self.say("TIDAK SAH", "NOT VALID"),
            None => self.say("belum diperiksa", "not checked"),
        };
        println!(
            "{:<14}{} ({})\n{rule}",
            self.say("Tanda tangan", "Signature"),
            sig,
            r.receipt_kid
        );
    }

    fn receipt_head(&self, r: &ReceiptDoc, rule: &str, time: &str) {
        println!(
            "{rule}\n  RELASI — {}\n{rule}",
            self.say("Struk Voucher Nutrisi", "Nutrition Voucher Receipt")
        );
        let kind = if r.kind == "reversal" {
            self.say("Pembatalan", "Reversal")
        } else {
            self.say("Pembelian", "Purchase")
        };
        println!("{:<14}{kind}", self.say("Jenis", "Kind"));
        println!(
            "{:<14}#{}",
            self.say("No. struk", "Receipt no."),
            r.redemption_id
        );
        if let Some(rev) = r.reverses {
            println!("{:<14}#{rev}", self.say("Membatalkan", "Reverses"));
        }
        println!("{:<14}{time}", self.say("Waktu", "Time"));
        println!(
            "{:<14}{}",
            "Voucher",
            r.voucher_id
                .get(..8)
                .unwrap_or(&r.voucher_id)
                .to_ascii_uppercase()
        );
    }

    fn receipt_body(&self, r: &ReceiptDoc, extras: &ReceiptExtras, shop_name: Option<&str>) {
        let shop = match shop_name {
            Some(name) => format!("{name} (#{})", r.merchant_id),
            None => format!("#{}", r.merchant_id),
        };
        println!("{:<14}{shop}", self.say("Toko", "Shop"));
        for line in &extras.items {
            println!(
                "  {:<22}{:>12}",
                line.category.replace('_', " "),
                rupiah(&line.amount)
            );
        }
        println!("{:<14}{}", self.say("Jumlah", "Amount"), rupiah(&r.amount));
        println!(
            "{:<14}{}",
            self.say("Sisa saldo", "Balance"),
            rupiah(&r.balance_after)
        );
    }

    /// A sale queued offline.
    pub fn queued(&self, s: &SaleRecord) {
        let id = format!(
            "TERTUNDA: server tidak terjangkau; penjualan {} disimpan offline (antrean #{}). Jalankan `relasi-merchant sync` saat ada sinyal.",
            rupiah(&s.amount_rp.to_string()),
            s.seq
        );
        let en = format!(
            "PENDING: server unreachable; the {} sale is queued offline (#{}). Run `relasi-merchant sync` when online.",
            rupiah(&s.amount_rp.to_string()),
            s.seq
        );
        self.line(&id, &en, json!({ "queued": true, "seq": s.seq, "idempotency_key": s.idempotency_key, "amount": s.amount_rp.to_string(), "state": s.state }));
    }

    /// The queue.
    pub fn queue(&self, rows: &[SaleRecord]) {
        if self.json {
            let v: Vec<Value> = rows.iter().map(|s| json!({ "seq": s.seq, "state": s.state, "voucher_id": s.voucher_id, "amount": s.amount_rp.to_string(), "idempotency_key": s.idempotency_key, "created_at_unix": s.created_at_unix })).collect();
            println!("{}", Value::Array(v));
            return;
        }
        if rows.is_empty() {
            println!("{}", self.say("Antrean kosong.", "The queue is empty."));
        }
        for s in rows {
            println!(
                "#{:<4} {:<15} {:>14}  voucher {}",
                s.seq,
                state_word(&s.state, self.english),
                rupiah(&s.amount_rp.to_string()),
                &s.voucher_id[..8.min(s.voucher_id.len())]
            );
        }
    }

    /// Each outcome of a sync.
    pub fn sync(&self, run: &SyncRun) {
        if self.json {
            let v: Vec<Value> = run.reports.iter().map(|r| json!({ "seq": r.sale.seq, "state": r.sale.state, "code": r.sale.outcome_code.map(|c| c.as_str()), "redemption_id": r.sale.redemption_id, "idempotency_key": r.sale.idempotency_key })).collect();
            println!(
                "{}",
                json!({ "outcomes": v, "stopped": run.stopped.as_ref().map(|e| e.message(self.english)) })
            );
            return;
        }
        for r in &run.reports {
            let why = r
                .sale
                .outcome_code
                .map(|c| {
                    if self.english {
                        c.title_en()
                    } else {
                        c.title()
                    }
                })
                .unwrap_or("");
            println!(
                "#{:<4} {:<10} {:>14} {why}",
                r.sale.seq,
                state_word(&r.sale.state, self.english),
                rupiah(&r.sale.amount_rp.to_string())
            );
        }
        match &run.stopped {
            Some(e) => println!(
                "{}: {}",
                self.say("Berhenti, sisa antrean menunggu", "Stopped, the rest waits"),
                e.message(self.english)
            ),
            None => println!("{}", self.say("Antrean terkirim.", "Queue sent.")),
        }
    }

    /// The day's sales.
    pub fn sales(&self, day: &Value) {
        if self.json {
            println!("{day}");
            return;
        }
        println!(
            "{} {}",
            self.say("Penjualan", "Sales of"),
            day["date"].as_str().unwrap_or("")
        );
        for e in day["entries"].as_array().into_iter().flatten() {
            let kind = if e["kind"] == "reversal" {
                self.say("batal", "reversal")
            } else {
                self.say("jual ", "sale    ")
            };
            let reversed = if e["reversed_by"].is_null() {
                String::new()
            } else {
                self.say(" (dibatalkan)", " (reversed)")
            };
            println!(
                "#{:<6} {kind} {:>14} {}{reversed}",
                e["redemption_id"],
                rupiah(e["amount"].as_str().unwrap_or("0")),
                e["created_at"].as_str().unwrap_or("")
            );
        }
        println!(
            "{}: {}",
            self.say("Bersih", "Net"),
            rupiah(day["net"].as_str().unwrap_or("0"))
        );
    }
}
