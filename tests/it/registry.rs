//! Registry import: whole files or nothing, every bad row named, history kept.

use crate::helpers::{assert_problem, spawn_app};
use serde_json::Value;

/// `n` valid households in Pasrepan's lokus desa, with KK numbers from `first`.
pub fn households_csv(first: u32, n: u32, status: &str) -> String {
    let desa = [
        "35.14.05.2005",
        "35.14.05.2007",
        "35.14.05.2001",
        "35.14.05.2016",
    ];
    let mut out = String::from("no_kk,nik_kepala,nama_kepala,kode_desa,desil,krs,status\n");
    for i in first..first + n {
        let d = desa[(i % 4) as usize];
        out.push_str(&format!(
            "35140500{i:08},35140501{i:08},Kepala {i},{d},{},{},{status}\n",
            1 + i % 7,
            i % 2
        ));
    }
    out
}

async fn import(app: &crate::helpers::TestApp, csv: String, query: &str) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/v1/households/import{query}")))
        .bearer_auth(&app.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
}

async fn households_then_members_import_and_reimport_is_a_no_op() {
    let app = spawn_app().await;
    let res = import(&app, households_csv(1, 50, "aktif"), "").await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(
        (report["kind"].as_str(), report["inserted"].as_u64()),
        (Some("households"), Some(50))
    );
    let members = "nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n\
                   3514054101250001,3514050000000001,Ani,2025-01-01,baduta,,,0\n\
                   3514055505950001,3514050000000001,Siti,1995-05-15,ibu_hamil,2026-06-01,2027-02-28,0\n";
    let res = import(&app, members.to_owned(), "").await;
    assert_eq!(res.status(), 200);
    let counts = app.store.count_registry().await.unwrap();
    assert_eq!((counts.households, counts.members), (50, 2));
    let again: Value = import(&app, households_csv(1, 50, "aktif"), "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["inserted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(50))
    );
}
story!(households_then_members_import_and_reimport_is_a_no_op);

async fn a_status_change_is_kept_with_the_day_it_took_effect() {
    let app = spawn_app().await;
    import(&app, households_csv(1, 3, "aktif"), "?effective=2026-01-01").await;
    let moved: Value = import(
        &app,
        households_csv(2, 1, "pindah"),
        "?effective=2026-10-15",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(moved["updated"], 1);
    let kk = relasi::domain::ids::Kk::parse("3514050000000002").unwrap();
    let history = app.store.household_history(&kk).await.unwrap();
    let days: Vec<(String, &str)> = history
        .iter()
        .map(|(d, s)| (d.to_string(), s.as_str()))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-01-01".to_owned(), "aktif"),
            ("2026-10-15".to_owned(), "pindah")
        ]
    );
}
story!(a_status_change_is_kept_with_the_day_it_took_effect);

/// The counts of an import's answer, by name.
fn counts(report: &Value, names: &[&str]) -> Vec<u64> {
    names.iter().map(|n| report[*n].as_u64().unwrap()).collect()
}

const CHANGES: [&str; 9] = [
    "rows",
    "inserted",
    "updated",
    "unchanged",
    "moved_desa",
    "moved_away",
    "deceased",
    "merged",
    "other_changes",
];

async fn a_reimport_counts_the_households_that_are_new_moved_or_deceased() {
    let app = spawn_app().await;
    let first: Value = import(
        &app,
        households_csv(1, 10, "aktif"),
        "?effective=2026-01-01",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(counts(&first, &CHANGES), [10, 10, 0, 0, 0, 0, 0, 0, 0]);
    // KK 3 moves from desa 35.14.05.2016 to Sibon, the head of KK 5 died, KK 11 is new.
    let mut lines: Vec<String> = households_csv(1, 10, "aktif")
        .lines()
        .map(str::to_owned)
        .collect();
    lines[3] = lines[3].replace("35.14.05.2016", "35.14.05.2005");
    lines[5] = lines[5].replace(",aktif", ",meninggal");
    lines.push(
        households_csv(11, 1, "aktif")
            .lines()
            .nth(1)
            .unwrap()
            .to_owned(),
    );
    let csv = lines.join("\n") + "\n";
    let second: Value = import(&app, csv, "?effective=2026-10-01")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        counts(&second, &CHANGES),
        [11, 1, 2, 8, 1, 0, 1, 0, 0],
        "{second}"
    );
    // Then one moves away, one merges into another KK, one's desil is corrected: each is
    // counted once, and the earlier changes are now as given.
    lines[4] = lines[4].replace(",aktif", ",pindah");
    lines[6] = lines[6].replace(",aktif", ",gabung");
    lines[7] = lines[7].replace("Kepala 7,35.14.05.2016,1,", "Kepala 7,35.14.05.2016,2,");
    let third: Value = import(&app, lines.join("\n") + "\n", "?effective=2026-11-01")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        counts(&third, &CHANGES),
        [11, 0, 3, 8, 0, 1, 0, 1, 1],
        "{third}"
    );
    let audit = app.store.audit_records().await.unwrap();
    let last = &audit.last().unwrap().event;
    assert_eq!(last.action, "households.import");
    let detail: Value = serde_json::from_str(&last.detail).unwrap();
    assert_eq!(
        (detail["moved_away"].as_u64(), detail["merged"].as_u64()),
        (Some(1), Some(1))
    );
}
story!(a_reimport_counts_the_households_that_are_new_moved_or_deceased);

async fn one_bad_row_among_a_thousand_refuses_the_file_and_names_the_row() {
    let app = spawn_app().await;
    let chain_before = app.store.audit_records().await.unwrap().len();
    let mut lines: Vec<String> = households_csv(1, 1000, "aktif")
        .lines()
        .map(str::to_owned)
        .collect();
    // Line 642 of the file (header is line 1): a desa that does not exist.
    lines[641] = lines[641].replace("35.14.05.20", "35.14.05.29");
    let res = import(&app, lines.join("\n") + "\n", "").await;
    let problem = assert_problem(res, 422, "registry_invalid").await;
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    assert_eq!(errors[0]["line"], 642);
    assert_eq!(errors[0]["field"], "kode_desa");
    assert!(
        !problem.to_string().contains("35140500"),
        "no KK in the answer"
    );
    let counts = app.store.count_registry().await.unwrap();
    assert_eq!((counts.households, counts.members), (0, 0));
    assert_eq!(app.store.audit_records().await.unwrap().len(), chain_before);
    // As Excel saves it (CRLF), with a blank line before the bad row: still the line an
    // editor or spreadsheet shows (the blank line is line 642, the bad row 643).
    lines.insert(641, String::new());
    let problem = assert_problem(
        import(&app, lines.join("\r\n") + "\r\n", "").await,
        422,
        "registry_invalid",
    )
    .await;
    assert_eq!(problem["errors"][0]["line"], 643, "{problem}");
}
story!(one_bad_row_among_a_thousand_refuses_the_file_and_names_the_row);

async fn members_need_their_household_and_csv_needs_its_content_type() {
    let app = spawn_app().await;
    let members = "nik,no_kk,nama,tanggal_lahir,sasaran,mulai,selesai,stunting\n\
                   3514054101250001,3514050000000001,Ani,2025-01-01,baduta,,,0\n";
    let problem = assert_problem(
        import(&app, members.to_owned(), "").await,
        422,
        "registry_invalid",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "no_kk");
    let res = app
        .http
        .post(app.url("/v1/households/import"))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(households_csv(1, 2, "aktif"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
    assert_problem(
        import(&app, "a,b\n1,2\n".to_owned(), "").await,
        422,
        "registry_invalid",
    )
    .await;
    let kader = app.token(relasi::domain::auth::Role::Kader).await;
    let res = app
        .http
        .post(app.url("/v1/households/import"))
        .bearer_auth(kader)
        .header("content-type", "text/csv")
        .body(households_csv(1, 2, "aktif"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;
    let counts = app.store.count_registry().await.unwrap();
    assert_eq!((counts.households, counts.members), (0, 0));
}
story!(members_need_their_household_and_csv_needs_its_content_type);

async fn a_large_file_passes_the_default_json_limit() {
    // 20,000 rows ≈ 1.2 MB: above the 1 MiB JSON limit, well below the import limit.
    let app = spawn_app().await;
    let csv = households_csv(1, 20_000, "aktif");
    assert!(csv.len() > 1024 * 1024);
    let res = import(&app, csv, "").await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.store.count_registry().await.unwrap().households, 20_000);
}
story!(a_large_file_passes_the_default_json_limit);
