//! The built-in national wilayah list: a fresh database knows every code of Indonesia, with no
//! import; updates from a file keep renamed and split areas' history.

use crate::helpers::{assert_problem, spawn_app, test_db};
use relasi::domain::wilayah::WilayahCode;
use serde_json::{Value, json};
use std::process::Command;

fn code(text: &str) -> WilayahCode {
    WilayahCode::parse(text).unwrap()
}

async fn a_fresh_database_knows_every_area_of_the_country_once() {
    let db = test_db().await;
    let store = db.store().await;
    let raw = db.raw().await;
    for (level, count) in [(1, 38), (2, 514), (3, 7_285), (4, 83_762)] {
        let n: i64 = match level {
            1 => {
                raw.scalar("select count(*) from wilayah where level = 1")
                    .await
            }
            2 => {
                raw.scalar("select count(*) from wilayah where level = 2")
                    .await
            }
            3 => {
                raw.scalar("select count(*) from wilayah where level = 3")
                    .await
            }
            _ => {
                raw.scalar("select count(*) from wilayah where level = 4")
                    .await
            }
        };
        assert_eq!(n, count, "level {level}");
    }
    let kelurahan = store.wilayah(&code("35.78.01.1001")).await.unwrap();
    assert_eq!(kelurahan.name, "Karang Pilang");
    assert_eq!(
        store.wilayah(&code("35.78")).await.unwrap().name,
        "Kota Surabaya"
    );
    // Every parent link holds, and a second migrate loads nothing again.
    assert_eq!(
        raw.scalar("select count(*) from wilayah w where w.level > 1 and not exists (select 1 from wilayah p where p.code = w.parent_code)").await,
        0
    );
    store.migrate().await.unwrap();
    assert_eq!(raw.scalar("select count(*) from wilayah_sources").await, 1);
    assert_eq!(store.count_wilayah().await.unwrap(), 91_599);
}
story!(a_fresh_database_knows_every_area_of_the_country_once);

async fn lokus_and_budgets_accept_a_surabaya_kelurahan_with_no_import() {
    // The CLI on a database it creates itself.
    let db = test_db().await;
    let out = Command::new(env!("CARGO_BIN_EXE_relasi"))
        .args(["lokus", "add", "2026", "35.78.01.1001", "35.78.01.1002"])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = db.store().await;
    assert_eq!(store.lokus(2026).await.unwrap().len(), 2);
    // The API.
    let app = spawn_app().await;
    let line = json!({ "year": 2026, "sumber_dana": "APBD", "kode_wilayah": "35.78", "amount": "5000000" });
    let res = app.post("/v1/budgets", &app.admin, &line).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let desa = json!({ "year": 2026, "desa": ["35.78.01.1001", "11.01.01.2001"] });
    let res = app.post("/v1/lokus", &app.admin, &desa).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let unknown = json!({ "year": 2026, "desa": ["35.78.01.1999"] });
    assert_problem(
        app.post("/v1/lokus", &app.admin, &unknown).await,
        422,
        "unknown_desa",
    )
    .await;
}
story!(lokus_and_budgets_accept_a_surabaya_kelurahan_with_no_import);

async fn an_update_file_renames_and_splits_and_keeps_the_history() {
    let db = test_db().await;
    let store = db.store().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kepmendagri-2026.csv");
    std::fs::write(
        &file,
        "code,name,level,kind,asal\n\
         35.78.01.1001,Karangpilang,4,desa,\n\
         35.78.01.1099,Kebraon Baru,4,desa,35.78.01.1002\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_relasi"))
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["wilayah", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let load: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(load, json!({ "inserted": 1, "renamed": 1, "splits": 1 }));
    // A later migrate does not put the built-in name back.
    store.migrate().await.unwrap();
    assert_eq!(
        store.wilayah(&code("35.78.01.1001")).await.unwrap().name,
        "Karangpilang"
    );
    let shown = run(&["wilayah", "show", "35.78.01.1001"]);
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["history"][0]["change"], "renamed");
    assert_eq!(shown["history"][0]["was"], "Karang Pilang");
    let split = store.wilayah_history(&code("35.78.01.1099")).await.unwrap();
    assert_eq!(split[0].0, "split_from");
    assert_eq!(split[0].1, "35.78.01.1002");
    // The area it split from is still there; a file with an orphan is refused whole.
    assert!(store.wilayah(&code("35.78.01.1002")).await.is_ok());
    std::fs::write(
        &file,
        "code,name,level,kind\n35.98.01,Tidak Ada,3,kecamatan\n",
    )
    .unwrap();
    let refused = run(&["wilayah", "import", file.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(store.wilayah(&code("35.98.01")).await.is_err());
}
story!(an_update_file_renames_and_splits_and_keeps_the_history);
