//! Fuzz targets on stable Rust, for every parser of outside input: the voucher token decoder
//! (`RLS1:` text and raw bytes), the registry CSV parser (households and members) and the
//! redemption JSON (body, amounts, basket, canonical request). Each target replays its committed
//! corpus (`fuzz/corpus/<target>/`), then mutates it (bit flips, byte edits, splices, repeats)
//! with proptest until its time budget is spent: `RELASI_FUZZ_SECS` seconds per target
//! (`.ci/run` sets it; unset, a few hundred cases each). proptest shrinks any input that fails.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed test

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use relasi::domain::programme::Category;
use relasi::domain::registry::{self, Known};
use relasi::domain::sale::{SaleBody, basket, canonical_sale, sale_amount};
use relasi_token::{DeploymentId, SignedToken, VerifyingKey};
use std::time::{Duration, Instant};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = format!("{}/fuzz/corpus/{target}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "{dir} holds the corpus");
    seeds
}

/// One edit of an input: (kind, position, byte).
fn mutate(seed: &[u8], edits: &[(u8, usize, u8)], other: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for &(kind, at, byte) in edits {
        let at = if out.is_empty() {
            0
        } else {
            at % (out.len() + 1)
        };
        match kind % 6 {
            0 if at < out.len() => out[at] ^= 1 << (byte % 8),
            1 if at < out.len() => out[at] = byte,
            2 => out.insert(at, byte),
            3 if at < out.len() => {
                out.remove(at);
            }
            4 => {
                let from = usize::from(byte) % (other.len() + 1);
                out.splice(at..at, other[from..].iter().copied().take(64));
            }
            _ => {
                let piece: Vec<u8> = out[at..].iter().copied().take(16).collect();
                out.splice(at..at, piece);
            }
        }
    }
    out
}

fn budget() -> Duration {
    let secs = std::env::var("RELASI_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    Duration::from_secs(secs.unwrap_or(0))
}

/// Replays the corpus, then fuzzes `check` for the budget (at least one batch of cases).
fn fuzz(target: &str, check: fn(&[u8])) {
    let seeds = corpus(target);
    for seed in &seeds {
        check(seed);
    }
    let deadline = Instant::now() + budget();
    let strategy = (
        0..seeds.len(),
        0..seeds.len(),
        prop::collection::vec(any::<(u8, usize, u8)>(), 0..12),
    );
    let mut batches = 0u64;
    loop {
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |(a, b, edits)| {
                check(&mutate(&seeds[a], &edits, &seeds[b]));
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{target}: {e}"));
        batches += 1;
        if Instant::now() >= deadline {
            break;
        }
    }
    eprintln!("fuzz {target}: {} cases", batches * 256);
}

fn token(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(token) = SignedToken::parse_text(text)
    {
        assert_eq!(
            SignedToken::from_bytes(&token.to_bytes()).as_ref(),
            Ok(&token)
        );
        let key = VerifyingKey::from_bytes(&[0x42; 32]);
        if let (Ok(key), Ok(deployment)) = (key, DeploymentId::parse("fuzz")) {
            let _ = token.verify(&deployment, [&key]);
        }
    }
    if let Ok(token) = SignedToken::from_bytes(data) {
        assert_eq!(token.to_bytes().as_slice(), data);
        assert_eq!(
            SignedToken::parse_text(&token.to_text()).as_ref(),
            Ok(&token)
        );
    }
}

fn registry_csv(data: &[u8]) {
    let known = Known {
        desa: ["35.14.05.2005", "35.14.05.2007"].map(str::to_owned).into(),
        kk: ["3514050000000001"].map(str::to_owned).into(),
        max_rows: registry::MAX_ROWS,
    };
    let _ = registry::detect(data);
    match registry::parse_households(data, &known) {
        Ok(rows) => assert!(
            rows.iter()
                .all(|h| known.desa.contains(h.kode_desa.as_str()))
        ),
        Err(refused) => assert!(!refused.errors.is_empty()),
    }
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    match registry::parse_members(data, &known, today) {
        Ok(rows) => assert!(rows.iter().all(|m| known.kk.contains(m.no_kk.as_str()))),
        Err(refused) => assert!(!refused.errors.is_empty()),
    }
}

fn redemption_json(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<SaleBody>(data) else {
        return;
    };
    let request = body.into_request();
    let _ = canonical_sale(&request, None);
    let Ok(total) = sale_amount(&request.amount) else {
        return;
    };
    let categories = Category::defaults();
    if let Ok(lines) = basket(&request.items, total, &categories, &categories) {
        let sum: i64 = lines.iter().map(|(_, a)| a.as_i64()).sum();
        assert_eq!(
            sum,
            total.as_i64(),
            "an accepted basket adds up to the total"
        );
    }
}

#[test]
fn fuzz_token_decoder() {
    fuzz("token", token);
}

#[test]
fn fuzz_registry_csv() {
    fuzz("registry_csv", registry_csv);
}

#[test]
fn fuzz_redemption_json() {
    fuzz("redemption_json", redemption_json);
}
