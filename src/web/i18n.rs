//! The one message catalogue of the pages: every word a page shows, Bahasa Indonesia first and
//! English second, and how a request picks its language (`?lang=`, the `relasi_lang` cookie,
//! then `Accept-Language`; Indonesian by default). Problem titles come from `relasi_codes`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use relasi_codes::Code;
use serde_json::{Map, Value};
use std::convert::Infallible;

/// A page's language.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Lang {
    /// Bahasa Indonesia (the default).
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// `id` or `en` (the `lang` attribute).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The text of a message.
    pub fn t(self, m: Msg) -> &'static str {
        match self {
            Lang::Id => m.id(),
            Lang::En => m.en(),
        }
    }

    /// Messages for a page's script, as a JSON object keyed by the messages' keys (rendered
    /// into a `<script type="application/json">` block, which CSP lets the script read).
    pub fn json(self, messages: &[Msg]) -> String {
        let map: Map<String, Value> = messages
            .iter()
            .map(|m| (m.key().to_owned(), Value::from(self.t(*m))))
            .collect();
        // `<` escaped so a message can never close the script element.
        Value::Object(map).to_string().replace('<', "\\u003c")
    }

    /// Like [`Lang::json`], plus the title of every catalogue code under `code.<code>`, for a
    /// script that shows refusals it judged itself (no problem+json to take a title from).
    pub fn json_with_codes(self, messages: &[Msg]) -> String {
        let mut map: Map<String, Value> = messages
            .iter()
            .map(|m| (m.key().to_owned(), Value::from(self.t(*m))))
            .collect();
        for code in Code::ALL {
            let title = match self {
                Lang::Id => code.title(),
                Lang::En => code.title_en(),
            };
            map.insert(format!("code.{}", code.as_str()), Value::from(title));
        }
        Value::Object(map).to_string().replace('<', "\\u003c")
    }

    /// The language a request asks for.
    pub fn of(query: Option<&str>, headers: &HeaderMap) -> Lang {
        let from_query = query.and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .and_then(Lang::parse)
        });
        let from_cookie = || {
            cookie(headers, LANG_COOKIE)
                .as_deref()
                .and_then(Lang::parse)
        };
        let from_header = || {
            let accept = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
            let first = accept.split(',').next()?.trim().to_ascii_lowercase();
            first.starts_with("en").then_some(Lang::En)
        };
        from_query
            .or_else(from_cookie)
            .or_else(from_header)
            .unwrap_or_default()
    }

    fn parse(text: &str) -> Option<Lang> {
        match text {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The cookie that remembers a chosen language.
pub const LANG_COOKIE: &str = "relasi_lang";

/// One cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Infallible> {
        Ok(Lang::of(parts.uri.query(), &parts.headers))
    }
}

macro_rules! messages {
    ($( $(#[$doc:meta])* $variant:ident = $key:literal, $id:literal, $en:literal; )+) => {
        /// A message of the catalogue.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub enum Msg { $( $(#[$doc])* $variant, )+ }

        impl Msg {
            /// Every message.
            pub const ALL: &'static [Msg] = &[ $( Msg::$variant, )+ ];
            /// Its key (for scripts).
            pub const fn key(self) -> &'static str { match self { $( Msg::$variant => $key, )+ } }
            /// Bahasa Indonesia.
            pub const fn id(self) -> &'static str { match self { $( Msg::$variant => $id, )+ } }
            /// English.
            pub const fn en(self) -> &'static str { match self { $( Msg::$variant => $en, )+ } }
        }
    };
}

messages! {
    // Every page.
    /// The product's name.
    AppName = "app_name", "RELASI — Voucher Belanja Nutrisi", "RELASI — Nutrition Vouchers";
    /// Switch to the other language.
    OtherLanguage = "other_language", "English", "Bahasa Indonesia";
    /// Sign out.
    Logout = "logout", "Keluar", "Sign out";
    /// Skip link.
    SkipToContent = "skip_to_content", "Langsung ke isi", "Skip to content";
    /// A page that does not exist.
    NotFound = "not_found", "Halaman tidak ditemukan", "Page not found";
    // Signing in.
    /// Title of the sign-in page.
    LoginTitle = "login_title", "Masuk", "Sign in";
    /// What to type.
    LoginTokenLabel = "login_token_label", "Token akses", "Access token";
    /// Where the token comes from.
    LoginTokenHelp = "login_token_help", "Token diberikan oleh admin program (dimulai dengan rls_).", "The programme admin gives you the token (it starts with rls_).";
    /// The button.
    LoginButton = "login_button", "Masuk", "Sign in";
    /// A token that is not valid.
    LoginFailed = "login_failed", "Token tidak dikenal atau sudah dicabut.", "Unknown or revoked token.";
    /// Account name.
    LoginNameLabel = "login_name_label", "Nama pengguna", "User name";
    /// Password.
    LoginPasswordLabel = "login_password_label", "Kata sandi", "Password";
    /// Wrong name or password.
    LoginPasswordFailed = "login_password_failed", "Nama pengguna atau kata sandi salah.", "Wrong user name or password.";
    /// Locked.
    LoginLocked = "login_locked", "Terlalu banyak percobaan: akun dikunci sementara. Coba lagi nanti.", "Too many attempts: the account is locked for a while. Try again later.";
    /// The token form's heading.
    LoginTokenTitle = "login_token_title", "Toko: masuk dengan token", "Shops: sign in with a token";
    /// The token form's button.
    LoginTokenButton = "login_token_button", "Masuk dengan token", "Sign in with the token";
    /// A token of a role this page is not for.
    LoginWrongRole = "login_wrong_role", "Token ini tidak untuk halaman ini.", "This token is not for this page.";
    // The front door (/) and the API docs page (/api).
    /// Title of the front door.
    HomeTitle = "home_title", "Beranda", "Home";
    /// What this server is.
    HomeIntro = "home_intro", "Server ini menjalankan RELASI, Voucher Belanja Nutrisi untuk keluarga berisiko stunting: keluarga membelanjakan voucher bulanan di toko mitra, dinas membayar toko dan mempertanggungjawabkan anggaran setiap bulan.", "This server runs RELASI, nutrition shopping vouchers for families at risk of stunting: families spend a monthly voucher at partner shops; the district pays the shops and accounts for the budget every month.";
    /// Programmes heading.
    HomeProgrammes = "home_programmes", "Program", "Programmes";
    /// No programme yet.
    HomeNoProgramme = "home_no_programme", "Belum ada program di server ini.", "No programme on this server yet.";
    /// Year label.
    HomeYear = "home_year", "Tahun", "Year";
    /// Pages heading.
    HomePages = "home_pages", "Halaman", "Pages";
    /// API heading.
    HomeApi = "home_api", "API untuk integrator", "API for integrators";
    /// Link to the API docs.
    HomeApiDocs = "home_api_docs", "Dokumentasi API", "API documentation";
    /// Link to the OpenAPI document.
    HomeApiJson = "home_api_json", "Dokumen OpenAPI 3.1 (JSON)", "OpenAPI 3.1 document (JSON)";
    /// Balance check heading.
    HomeBalanceTitle = "home_balance_title", "Cek saldo voucher", "Check a voucher's balance";
    /// Balance check help.
    HomeBalanceHelp = "home_balance_help", "Keluarga memindai QR kartu dengan kamera ponsel atau mengetik kodenya; tidak ada data pribadi yang ditampilkan.", "Families scan the card's QR with a phone camera or type its code; nothing personal is shown.";
    /// Balance check button.
    HomeBalanceButton = "home_balance_button", "Cek saldo", "Check balance";
    /// API docs page title.
    ApiTitle = "api_title", "Dokumentasi API", "API documentation";
    /// API docs intro.
    ApiIntro = "api_intro", "Semua rute server ini, dibuat dari kode yang sama yang melayaninya. Jumlah uang berupa string rupiah utuh; kesalahan berupa application/problem+json dengan kode tetap. Autentikasi: Authorization: Bearer <token>.", "Every route of this server, generated from the code that serves it. Amounts are strings of whole rupiah; errors are application/problem+json with a stable code. Authentication: Authorization: Bearer <token>.";
    /// Roles column.
    ApiRoles = "api_roles", "Peran", "Roles";
    /// A public route.
    ApiPublic = "api_public", "publik", "public";
    /// Answers column.
    ApiAnswers = "api_answers", "Jawaban", "Answers";
    /// Error codes heading.
    ApiErrorCodes = "api_error_codes", "Kode kesalahan", "Error codes";
    // The shop's scanner page (/toko).
    /// Page title.
    TokoTitle = "toko_title", "Kasir voucher", "Voucher checkout";
    /// Online badge.
    TokoOnline = "toko_online", "Daring", "Online";
    /// Offline badge.
    TokoOffline = "toko_offline", "Luring (tanpa sinyal)", "Offline (no signal)";
    /// Pending count label.
    TokoPendingCount = "toko_pending_count", "Tertunda", "Pending";
    /// Sync button.
    TokoSync = "toko_sync", "Kirim antrean", "Send queue";
    /// Scan heading.
    TokoScanTitle = "toko_scan_title", "Pindai voucher", "Scan a voucher";
    /// Start camera.
    TokoCameraStart = "toko_camera_start", "Buka kamera", "Open camera";
    /// Stop camera.
    TokoCameraStop = "toko_camera_stop", "Tutup kamera", "Close camera";
    /// Camera refused or missing.
    TokoCameraFailed = "toko_camera_failed", "Kamera tidak dapat dibuka. Ketik kode voucher di bawah.", "The camera cannot be opened. Type the voucher code below.";
    /// Looking for a QR.
    TokoCameraLooking = "toko_camera_looking", "Arahkan kamera ke QR pada kartu…", "Point the camera at the card's QR…";
    /// Manual code label.
    TokoCodeLabel = "toko_code_label", "Kode voucher (RLS1:…)", "Voucher code (RLS1:…)";
    /// Check button.
    TokoCheck = "toko_check", "Periksa", "Check";
    /// Voucher heading.
    TokoVoucherTitle = "toko_voucher_title", "Voucher", "Voucher";
    /// Face value.
    TokoFaceValue = "toko_face_value", "Nilai", "Face value";
    /// Balance.
    TokoBalance = "toko_balance", "Saldo", "Balance";
    /// Balance unknown offline.
    TokoBalanceUnknown = "toko_balance_unknown", "tidak diketahui (luring)", "unknown (offline)";
    /// Valid until.
    TokoValidUntil = "toko_valid_until", "Berlaku sampai", "Valid until";
    /// Offline verdict label.
    TokoVerdict = "toko_verdict", "Pemeriksaan offline", "Offline check";
    /// Verdict: valid.
    TokoVerdictOk = "toko_verdict_ok", "Tanda tangan sah", "Signature valid";
    /// Verdict: may be sold offline.
    TokoOfflineAllowed = "toko_offline_allowed", "boleh dijual tanpa sinyal", "may be sold offline";
    /// Verdict: online only.
    TokoOfflineNotAllowed = "toko_offline_not_allowed", "hanya dengan sinyal", "online only";
    /// Basket heading.
    TokoBasketTitle = "toko_basket_title", "Belanja per kategori", "Basket by category";
    /// Amount of a line.
    TokoAmountOf = "toko_amount_of", "Jumlah", "Amount";
    /// Remove a line.
    TokoRemove = "toko_remove", "Hapus", "Remove";
    /// Total.
    TokoTotal = "toko_total", "Total", "Total";
    /// Pay.
    TokoPay = "toko_pay", "Bayar dengan voucher", "Pay with voucher";
    /// Sending.
    TokoSending = "toko_sending", "Mengirim…", "Sending…";
    /// Accepted.
    TokoAccepted = "toko_accepted", "Berhasil", "Accepted";
    /// Queued offline.
    TokoQueued = "toko_queued", "Tertunda: disimpan di ponsel, dikirim saat ada sinyal", "Pending: kept on this phone, sent when the signal returns";
    /// Declined.
    TokoDeclined = "toko_declined", "Ditolak", "Declined";
    /// Remaining balance.
    TokoBalanceAfter = "toko_balance_after", "Sisa saldo", "Balance left";
    /// Receipt number.
    TokoReceiptNo = "toko_receipt_no", "No. struk", "Receipt no.";
    /// New sale.
    TokoNewSale = "toko_new_sale", "Transaksi baru", "New sale";
    /// Today's sales.
    TokoTodayTitle = "toko_today_title", "Penjualan hari ini", "Today's sales";
    /// Time column.
    TokoTime = "toko_time", "Waktu", "Time";
    /// Amount column.
    TokoAmount = "toko_amount", "Jumlah", "Amount";
    /// State column.
    TokoState = "toko_state", "Status", "State";
    /// Reverse.
    TokoReverse = "toko_reverse", "Batalkan", "Reverse";
    /// Reversed.
    TokoReversed = "toko_reversed", "Dibatalkan", "Reversed";
    /// Confirm a reversal.
    TokoReverseConfirm = "toko_reverse_confirm", "Batalkan penjualan ini?", "Reverse this sale?";
    /// Pending state.
    TokoStatePending = "toko_state_pending", "Tertunda", "Pending";
    /// Accepted state.
    TokoStateAccepted = "toko_state_accepted", "Diterima", "Accepted";
    /// Declined state.
    TokoStateDeclined = "toko_state_declined", "Ditolak", "Declined";
    /// Nothing sold yet.
    TokoNoSales = "toko_no_sales", "Belum ada penjualan.", "No sales yet.";
    /// Needs a script.
    TokoNeedsScript = "toko_needs_script", "Halaman kasir memerlukan JavaScript.", "The checkout page needs JavaScript.";
    /// Offline refusals (client side), by code.
    TokoOfflineRefused = "toko_offline_refused", "Tidak bisa dijual tanpa sinyal", "Cannot be sold offline";
    /// Input that is no voucher.
    TokoNotVoucher = "toko_not_voucher", "QR bukan voucher RELASI yang sah", "Not a valid RELASI voucher QR";
    /// Lists too old for an offline verdict.
    TokoListsStale = "toko_lists_stale", "Daftar kunci dan pencabutan sudah usang: sambungkan ke internet lalu kirim antrean", "Key and revocation lists are out of date: go online and send the queue";
    /// Lists synced at.
    TokoListsAge = "toko_lists_age", "Daftar kunci diperbarui", "Key lists updated";
    // The family's balance page.
    /// Title.
    SaldoTitle = "saldo_title", "Cek saldo kartu", "Check a card's balance";
    /// What the page does.
    SaldoIntro = "saldo_intro", "Arahkan kamera HP ke kode QR di kartu, atau ketik kode kartu. Tidak ada data pribadi yang ditampilkan.", "Point your phone's camera at the card's QR code, or type the card's code. Nothing personal is shown.";
    /// The code field.
    SaldoCodeLabel = "saldo_code_label", "Kode kartu (RLS1:…)", "Card code (RLS1:…)";
    /// Check button.
    SaldoCheck = "saldo_check", "Cek saldo", "Check balance";
    /// Scan button.
    SaldoScan = "saldo_scan", "Pindai kartu dengan kamera", "Scan the card with the camera";
    /// While asking.
    SaldoChecking = "saldo_checking", "Memeriksa…", "Checking…";
    /// Camera unavailable.
    SaldoCameraFailed = "saldo_camera_failed", "Kamera tidak bisa dipakai di sini: ketik kodenya.", "The camera cannot be used here: type the code.";
    /// Balance.
    SaldoBalance = "saldo_balance", "Sisa saldo", "Balance left";
    /// Face value.
    SaldoFaceValue = "saldo_face_value", "Nilai voucher", "Voucher value";
    /// Status.
    SaldoStatus = "saldo_status", "Status", "Status";
    /// Valid until.
    SaldoValidUntil = "saldo_valid_until", "Berlaku sampai", "Valid until";
    /// Recent use.
    SaldoRecent = "saldo_recent", "Pemakaian terakhir", "Recent use";
    /// No use yet.
    SaldoNoRecent = "saldo_no_recent", "Belum dipakai.", "Not used yet.";
    /// Date column.
    SaldoDate = "saldo_date", "Tanggal", "Date";
    /// Shop column.
    SaldoShop = "saldo_shop", "Toko", "Shop";
    /// Amount column.
    SaldoAmount = "saldo_amount", "Jumlah", "Amount";
    /// Status words.
    SaldoStatusActive = "saldo_status_active", "Aktif", "Active";
    /// Expired.
    SaldoStatusExpired = "saldo_status_expired", "Sudah tidak berlaku", "Expired";
    /// Revoked or replaced.
    SaldoStatusRevoked = "saldo_status_revoked", "Dicabut (kartu hilang atau diganti)", "Revoked (card lost or replaced)";
    /// Not yet valid.
    SaldoStatusNotYet = "saldo_status_not_yet", "Belum berlaku", "Not valid yet";
    /// A sale.
    SaldoKindDebit = "saldo_kind_debit", "Belanja", "Purchase";
    /// A reversal.
    SaldoKindReversal = "saldo_kind_reversal", "Pembatalan", "Reversal";
    /// A move to a replacement card.
    SaldoKindMove = "saldo_kind_move", "Pindah ke kartu pengganti", "Moved to a replacement card";
    // The kader's page (/kader).
    /// Title.
    KaderTitle = "kader_title", "Serah terima kartu", "Card hand-over";
    /// Desa.
    KaderDesa = "kader_desa", "Desa", "Desa (village)";
    /// Period.
    KaderPeriod = "kader_period", "Periode", "Period";
    /// Cards handed over.
    KaderGiven = "kader_given", "Sudah diserahkan", "Handed over";
    /// Recorded now.
    KaderRecorded = "kader_recorded", "Serah terima tercatat", "Hand-overs recorded";
    /// Card sheet download.
    KaderCardSheet = "kader_card_sheet", "Unduh lembar kartu (PDF)", "Download the card sheet (PDF)";
    /// Hand-over list download.
    KaderHandoverList = "kader_handover_list", "Unduh daftar serah terima (CSV)", "Download the hand-over list (CSV)";
    /// The form's heading.
    KaderRecordTitle = "kader_record_title", "Catat kartu yang sudah diterima keluarga", "Record the cards families received";
    /// What to do.
    KaderRecordHelp = "kader_record_help", "Centang keluarga yang menerima kartunya, pilih tanggal, lalu simpan. Kartu yang sudah dicatat tidak bisa diubah.", "Tick the families that received their card, pick the date, then save. A recorded card cannot be changed.";
    /// Date.
    KaderDate = "kader_date", "Tanggal diterima", "Date received";
    /// Scan.
    KaderScan = "kader_scan", "Pindai kartu dengan kamera", "Scan a card with the camera";
    /// Scanning.
    KaderScanLooking = "kader_scan_looking", "Arahkan kamera ke QR pada kartu…", "Point the camera at the card's QR…";
    /// Scanned.
    KaderScanDone = "kader_scan_done", "Kartu tercatat sudah diserahkan.", "Card recorded as handed over.";
    /// Camera failed.
    KaderScanFailed = "kader_scan_failed", "Kamera tidak bisa dipakai: centang daftar di bawah.", "The camera cannot be used: tick the list below.";
    /// No cards.
    KaderNoCards = "kader_no_cards", "Belum ada kartu untuk desa ini pada periode ini.", "No cards for this desa in this period yet.";
    /// Handed over on.
    KaderGivenOn = "kader_given_on", "Diserahkan", "Handed over";
    /// Save.
    KaderSave = "kader_save", "Simpan serah terima", "Save the hand-overs";
    // The office pages (/admin).
    /// Dashboard title.
    AdminTitle = "admin_title", "Dasbor", "Dashboard";
    /// The office navigation.
    AdminNav = "admin_nav", "Halaman kantor", "Office pages";
    /// Show (a period).
    AdminShow = "admin_show", "Tampilkan", "Show";
    /// Working.
    AdminWorking = "admin_working", "Sedang diproses…", "Working…";
    /// Households.
    DashHouseholds = "dash_households", "KK aktif terdaftar", "Active households";
    /// Eligible.
    DashEligible = "dash_eligible", "KK layak", "Eligible households";
    /// What eligible means, and its dash.
    DashEligibleHelp = "dash_eligible_help", "KK layak: dinilai saat penerbitan siklus ini, per hari pertama bulannya (— = belum diterbitkan).", "Eligible: as this cycle's issuance judged them on the month's first day (— = not issued yet).";
    /// Chart: eligible and issued.
    DashChartEligible = "dash_chart_eligible", "KK layak dan voucher terbit per kecamatan", "Eligible households and vouchers issued by kecamatan";
    /// Issued.
    DashIssued = "dash_issued", "Voucher terbit", "Vouchers issued";
    /// Issued value.
    DashIssuedValue = "dash_issued_value", "Nilai terbit", "Value issued";
    /// Redeemed.
    DashRedeemed = "dash_redeemed", "Terpakai", "Redeemed";
    /// Redeemed last month.
    DashRedeemedLast = "dash_redeemed_last", "Terpakai", "Redeemed";
    /// Remaining.
    DashRemaining = "dash_remaining", "Sisa nilai", "Value remaining";
    /// Chart: issued.
    DashChartIssued = "dash_chart_issued", "Nilai terbit per kecamatan: bulan ini dan bulan lalu", "Value issued by kecamatan: this month and last";
    /// Chart: redeemed.
    DashChartRedeemed = "dash_chart_redeemed", "Terpakai per kecamatan: bulan ini dan bulan lalu", "Redeemed by kecamatan: this month and last";
    /// Table.
    DashTable = "dash_table", "Per kecamatan dan desa", "By kecamatan and desa";
    /// Area column.
    DashArea = "dash_area", "Wilayah", "Area";
    // The finance page (/keuangan).
    /// Title.
    FinTitle = "fin_title", "Rekonsiliasi dan pembayaran", "Reconciliation and settlement";
    /// Period picker.
    FinPeriod = "fin_period", "Periode", "Period";
    /// Run button.
    FinRun = "fin_run", "Jalankan rekonsiliasi", "Run the reconciliation";
    /// What a run is.
    FinRunHelp = "fin_run_help", "Setiap kali dijalankan menjadi versi baru; versi sebelumnya tidak pernah berubah.", "Each run is a new version; earlier versions never change.";
    /// No run yet.
    FinNoRun = "fin_no_run", "Belum ada rekonsiliasi untuk periode ini.", "No reconciliation for this period yet.";
    /// Status: balanced.
    FinBalanced = "fin_balanced", "Seimbang: tidak ada pengecualian", "Balanced: no exceptions";
    /// Status: exceptions.
    FinExceptionsCount = "fin_exceptions_count", "pengecualian perlu dijelaskan", "exceptions to explain";
    /// Version.
    FinVersion = "fin_version", "Versi", "Version";
    /// Other versions.
    FinVersions = "fin_versions", "Versi bulan ini", "Versions of this month";
    /// Digest.
    FinSha = "fin_sha", "SHA-256 laporan", "Report SHA-256";
    /// Signed by.
    FinSigned = "fin_signed", "Ditandatangani kunci", "Signed by key";
    /// Not signed.
    FinUnsigned = "fin_unsigned", "Tidak bertanda tangan (tidak ada kunci aktif)", "Unsigned (no active key)";
    /// Made by.
    FinMadeBy = "fin_made_by", "Dibuat oleh", "Made by";
    /// Voucher value.
    FinIssued = "fin_issued", "Nilai voucher", "Voucher value";
    /// Net spend.
    FinRedeemed = "fin_redeemed", "Belanja bersih", "Net spend";
    /// Balance left.
    FinBalance = "fin_balance", "Sisa saldo", "Balance left";
    /// Vouchers.
    FinVouchers = "fin_vouchers", "Voucher", "Vouchers";
    /// Chart: spend by kecamatan.
    FinChartSpend = "fin_chart_spend", "Nilai voucher (biru) dan belanja (hijau) per kecamatan", "Voucher value (blue) and spend (green) by kecamatan";
    /// Chart: daily.
    FinChartDaily = "fin_chart_daily", "Belanja per hari", "Sales per day";
    /// Roll-up.
    FinRollup = "fin_rollup", "Rekap desa → kecamatan → kabupaten", "Roll-up desa → kecamatan → kabupaten";
    /// Roll-up help.
    FinRollupHelp = "fin_rollup_help", "Pilih nama desa untuk melihat transaksinya.", "Choose a desa's name to see its sales.";
    /// Households served.
    FinServed = "fin_served", "KK berbelanja", "Households served";
    /// Day.
    FinDay = "fin_day", "Tanggal", "Day";
    /// Number of sales.
    FinCount = "fin_count", "Transaksi", "Sales";
    /// Amount.
    FinAmount = "fin_amount", "Nilai", "Amount";
    /// Exceptions.
    FinExceptions = "fin_exceptions", "Pengecualian dan buktinya", "Exceptions and their evidence";
    /// None.
    FinNoExceptions = "fin_no_exceptions", "Tidak ada pengecualian.", "No exceptions.";
    /// Open for evidence.
    FinEvidenceHelp = "fin_evidence_help", "Buka satu pengecualian untuk melihat baris buktinya.", "Open an exception to see its evidence rows.";
    /// Sale id column.
    FinSale = "fin_sale", "No. transaksi", "Sale no.";
    /// Voucher column.
    FinVoucher = "fin_voucher", "Voucher", "Voucher";
    /// Shop column.
    FinShop = "fin_shop", "Toko", "Shop";
    /// Time column.
    FinWhen = "fin_when", "Waktu (lokal)", "Time (local)";
    /// KK column.
    FinKk = "fin_kk", "No. KK", "KK no.";
    /// Desa column.
    FinDesa = "fin_desa", "Desa", "Desa";
    /// Kind column.
    FinKind = "fin_kind", "Jenis", "Kind";
    /// A sale.
    FinKindSale = "fin_kind_sale", "belanja", "sale";
    /// A reversal.
    FinKindReversal = "fin_kind_reversal", "pembatalan", "reversal";
    /// Journal vs stored.
    FinJournal = "fin_journal", "Menurut jurnal", "Per journal";
    /// Stored balance.
    FinStored = "fin_stored", "Saldo tersimpan", "Stored balance";
    /// Shops.
    FinShops = "fin_shops", "Per toko", "By shop";
    /// Gross.
    FinGross = "fin_gross", "Belanja", "Sales";
    /// Reversals.
    FinReversals = "fin_reversals", "Pembatalan", "Reversals";
    /// Net.
    FinNet = "fin_net", "Dibayar", "Net payable";
    /// Outside area.
    FinOutside = "fin_outside", "Di luar wilayah", "Outside its area";
    /// Downloads.
    FinDownloads = "fin_downloads", "Unduh laporan", "Download the report";
    /// Settlements.
    FinSettlements = "fin_settlements", "Pembayaran toko", "Paying the shops";
    /// Create.
    FinSettle = "fin_settle", "Buat pembayaran sampai periode ini", "Settle up to this period";
    /// What creating does.
    FinSettleHelp = "fin_settle_help", "Setiap transaksi yang belum pernah dibayar masuk sekali ke draf; toko dapat memeriksa dan menandai barisnya sebelum disetujui.", "Every sale not paid before goes once into a draft; shops check and may flag their lines before approval.";
    /// None.
    FinNoSettlements = "fin_no_settlements", "Belum ada pembayaran.", "No settlements yet.";
    /// Settlement heading.
    FinSettlement = "fin_settlement", "Pembayaran", "Settlement";
    /// Status.
    FinStatus = "fin_status", "Status", "Status";
    /// Draft.
    FinDraft = "fin_draft", "Draf", "Draft";
    /// Approved.
    FinApproved = "fin_approved", "Disetujui", "Approved";
    /// Paid.
    FinPaid = "fin_paid", "Dibayar", "Paid";
    /// Approve.
    FinApprove = "fin_approve", "Setujui", "Approve";
    /// Mark paid.
    FinMarkPaid = "fin_mark_paid", "Tandai sudah dibayar", "Mark paid";
    /// Reference.
    FinReference = "fin_reference", "Referensi transfer bank", "Bank transfer reference";
    /// Total.
    FinTotal = "fin_total", "Jumlah", "Total";
    /// To transfer.
    FinTransfer = "fin_transfer", "Ditransfer", "To transfer";
    /// Owed by a shop.
    FinOwed = "fin_owed", "Utang toko, dipotong dari pembayaran berikutnya", "Owed by the shop, deducted from its next payment";
    /// A shop owed money without bank details.
    FinNoBank = "fin_no_bank", "Rekening bank belum diisi: tidak masuk berkas bayar", "No bank details: left out of the payout file";
    /// Owed before, deducted.
    FinCarried = "fin_carried", "Utang sebelumnya dipotong", "Owed before, deducted";
    /// A line's net.
    FinNetLine = "fin_net_line", "Bersih", "Net";
    /// Flags.
    FinFlags = "fin_flags", "Tanda dari toko", "Flags from shops";
    /// Payout file.
    FinPayoutCsv = "fin_payout_csv", "Berkas transfer bank (CSV)", "Bank transfer file (CSV)";
    /// Statement.
    FinStatementPdf = "fin_statement_pdf", "Laporan per toko (PDF)", "Statement per shop (PDF)";
    /// Done: run.
    FinRan = "fin_ran", "Rekonsiliasi selesai; versi baru tersimpan.", "Reconciliation done; a new version is stored.";
    /// Done: settled.
    FinSettled = "fin_settled", "Draf pembayaran dibuat.", "Settlement draft made.";
    /// Done: approved.
    FinApprovedDone = "fin_approved_done", "Pembayaran disetujui.", "Settlement approved.";
    /// Done: paid.
    FinPaidDone = "fin_paid_done", "Pembayaran dicatat lunas.", "Settlement marked paid.";
    /// Auditor.
    FinReadOnly = "fin_read_only", "Hanya baca: auditor melihat semuanya tetapi tidak mengubah apa pun.", "Read only: auditors see everything and change nothing.";
    /// Desa page.
    FinDesaTitle = "fin_desa_title", "Transaksi desa", "Sales of a desa";
    /// No sales.
    FinNoSales = "fin_no_sales", "Tidak ada transaksi pada periode ini.", "No sales in this period.";
    /// Next page.
    FinNext = "fin_next", "Halaman berikutnya", "Next page";
    /// Back.
    FinBack = "fin_back", "Kembali ke rekonsiliasi", "Back to the reconciliation";
    /// Rule: ledger.
    RuleLedgerBreak = "rule_ledger_break", "Jurnal voucher tidak sama dengan saldonya", "A voucher's journal does not match its balance";
    /// Rule: budget.
    RuleOverCommitted = "rule_over_committed", "Pagu anggaran terlampaui", "Budget line over-committed";
    /// Rule.
    RuleHouseholdMoved = "rule_household_moved", "Belanja setelah keluarga pindah", "Sale after the household moved";
    /// Rule.
    RuleHouseholdDeceased = "rule_household_deceased", "Belanja setelah kepala keluarga meninggal", "Sale after the head of household died";
    /// Rule.
    RuleHouseholdMerged = "rule_household_merged", "Belanja setelah KK digabung", "Sale after the household merged";
    /// Rule.
    RuleNoMemberCounts = "rule_no_member_counts", "Tidak ada anggota sasaran lagi pada hari belanja", "No target member left on the day of the sale";
    /// Rule.
    RuleNikInTwoKk = "rule_nik_in_two_kk", "Satu NIK di dua KK yang sama-sama mendapat voucher", "One NIK in two KKs that both got vouchers";
    /// Rule.
    RuleTwoVouchersOneKk = "rule_two_vouchers_one_kk", "Dua voucher untuk satu KK", "Two vouchers for one KK";
    /// Rule.
    RuleOutOfArea = "rule_out_of_area", "Belanja di luar wilayah layanan toko", "Sales outside the shop's service area";
    /// Rule.
    RuleDrainedAtClosing = "rule_drained_at_closing", "Voucher dihabiskan sekaligus menjelang tutup", "Voucher drained in one sale near closing time";
    /// Rule.
    RuleBurst = "rule_burst", "Banyak transaksi dalam beberapa menit di satu toko", "Many sales within minutes at one shop";
    /// Rule.
    RuleDesaDominated = "rule_desa_dominated", "Satu toko melayani sebagian besar voucher desa", "One shop serving most of a desa's vouchers";
    /// Rule.
    RuleFullValueCluster = "rule_full_value_cluster", "Banyak belanja senilai penuh voucher di satu toko", "Many full-value sales at one shop";
    /// Rule.
    RuleHighReversalRate = "rule_high_reversal_rate", "Tingkat pembatalan tinggi", "High reversal rate";
    /// Rule.
    RuleNotHandedOver = "rule_not_handed_over", "Belanja dengan kartu yang tidak pernah tercatat diserahkan", "Sales on cards never recorded as handed over";
    /// Import title.
    ImportTitle = "import_title", "Impor registri", "Registry import";
    /// Import help.
    ImportHelp = "import_help", "Unggah households.csv atau members.csv. Jika ada baris yang salah, tidak ada yang disimpan; setiap baris salah disebut dengan nomor barisnya seperti di spreadsheet (judul kolom = baris 1).", "Upload households.csv or members.csv. If any row is wrong nothing is saved; every bad row is named by its line as a spreadsheet shows it (the header is line 1).";
    /// File.
    ImportFile = "import_file", "Berkas CSV", "CSV file";
    /// Effective date.
    ImportEffective = "import_effective", "Berlaku sejak", "Effective from";
    /// Button.
    ImportButton = "import_button", "Unggah dan impor", "Upload and import";
    /// Done.
    ImportDone = "import_done", "Registri diimpor.", "Registry imported.";
    /// Refused.
    ImportRefused = "import_refused", "Berkas ditolak; tidak ada yang disimpan. Perbaiki baris berikut lalu unggah lagi:", "File refused; nothing was saved. Fix these lines and upload again:";
    /// Line column.
    ImportLine = "import_line", "Baris", "Line";
    /// Field column.
    ImportField = "import_field", "Kolom", "Field";
    /// Reason column.
    ImportReason = "import_reason", "Alasan", "Reason";
    /// Rows read.
    ImportRows = "import_rows", "Baris data dibaca", "Data rows read";
    /// New.
    ImportNew = "import_new", "Baru", "New";
    /// Moved to another desa.
    ImportMovedDesa = "import_moved_desa", "Pindah desa", "Moved desa";
    /// Status became pindah.
    ImportMovedAway = "import_moved_away", "Pindah keluar", "Moved away";
    /// Status became meninggal.
    ImportDeceased = "import_deceased", "Meninggal", "Deceased";
    /// Status became gabung.
    ImportMerged = "import_merged", "Gabung KK", "Merged";
    /// Changed otherwise.
    ImportOther = "import_other", "Berubah lain", "Other changes";
    /// Unchanged.
    ImportUnchanged = "import_unchanged", "Tetap", "Unchanged";
    /// Cycles title.
    CyclesTitle = "cycles_title", "Siklus dan kartu", "Cycles and cards";
    /// Open.
    CycleOpen = "cycle_open", "Buka siklus", "Open the cycle";
    /// Issue.
    CycleIssue = "cycle_issue", "Terbitkan voucher", "Issue vouchers";
    /// Opened.
    CycleOpened = "cycle_opened", "Siklus dibuka.", "Cycle opened.";
    /// Issued.
    CycleIssued = "cycle_issued", "Voucher diterbitkan", "Vouchers issued";
    /// Eligible.
    CycleEligible = "cycle_eligible", "Keluarga layak", "Eligible households";
    /// Skipped: not eligible.
    CycleSkippedIneligible = "cycle_skipped_ineligible", "Tidak layak", "Not eligible";
    /// Skipped: no money.
    CycleSkippedBudget = "cycle_skipped_budget", "Tanpa dana (pagu habis)", "Unfunded (budget exhausted)";
    /// Total value.
    CycleTotalValue = "cycle_total_value", "Nilai total", "Total value";
    /// Per desa.
    CyclesPerDesa = "cycles_per_desa", "Kartu dan daftar serah terima per desa", "Card sheets and hand-over lists by desa";
    /// None.
    CyclesNone = "cycles_none", "Belum ada voucher pada periode ini.", "No vouchers in this period yet.";
    /// Card sheet.
    CyclesCards = "cycles_cards", "Lembar kartu (PDF)", "Card sheet (PDF)";
    /// Hand-over list.
    CyclesList = "cycles_list", "Daftar serah terima (CSV)", "Hand-over list (CSV)";
    /// Lost cards title.
    LostTitle = "lost_title", "Kartu hilang", "Lost cards";
    /// What to do.
    LostHelp = "lost_help", "Cari kartu dengan nomornya (tercetak di kartu dan di daftar serah terima). Mengganti kartu mencabut kartu lama dan memindahkan sisa saldonya ke kartu baru.", "Find the card by its number (printed on the card and on the hand-over list). Replacing a card revokes the old one and moves its balance to a new card.";
    /// Card number.
    LostNumber = "lost_number", "Nomor kartu", "Card number";
    /// Find.
    LostFind = "lost_find", "Cari", "Find";
    /// None found.
    LostNone = "lost_none", "Tidak ada kartu dengan nomor itu di wilayah Anda.", "No card with that number in your area.";
    /// Replace.
    LostReplace = "lost_replace", "Ganti kartu (saldo pindah ke kartu baru)", "Replace the card (the balance moves to a new card)";
    /// Revoke.
    LostRevoke = "lost_revoke", "Cabut saja", "Revoke only";
    /// New card.
    LostNewCard = "lost_new_card", "Kartu baru", "New card";
    /// Print.
    LostPrint = "lost_print", "Cetak kartu baru", "Print the new card";
    /// Replaced.
    LostReplaced = "lost_replaced", "Kartu diganti. Cetak kartu baru dan serahkan ke keluarga.", "Card replaced. Print the new card and hand it to the family.";
    /// Revoked.
    LostRevoked = "lost_revoked", "Kartu dicabut.", "Card revoked.";
    // The merchants page and the wilayah picker.
    /// Wilayah picker: province.
    WilayahProvinsi = "wilayah_provinsi", "Provinsi", "Province";
    /// Wilayah picker: district.
    WilayahKabupaten = "wilayah_kabupaten", "Kabupaten/Kota", "District/City";
    /// Wilayah picker: sub-district.
    WilayahKecamatan = "wilayah_kecamatan", "Kecamatan", "Sub-district";
    /// Wilayah picker: village.
    WilayahDesa = "wilayah_desa", "Desa/Kelurahan", "Village";
    /// Wilayah picker: nothing chosen yet.
    WilayahChoose = "wilayah_choose", "— pilih —", "— choose —";
    /// Wilayah picker: not deep enough.
    WilayahMissing = "wilayah_missing", "Pilih wilayahnya dari daftar sampai tingkat yang diminta.", "Pick the area from the lists, down to the level asked for.";
    /// Merchants page title.
    ShopsTitle = "shops_title", "Toko mitra", "Partner shops";
    /// Merchants page help.
    ShopsHelp = "shops_help", "Toko yang terdaftar di wilayah Anda. Toko yang ditangguhkan tidak dapat menerima voucher sampai diaktifkan lagi.", "The shops registered in your area. A suspended shop cannot accept vouchers until it is reactivated.";
    /// No shops.
    ShopsNone = "shops_none", "Belum ada toko di wilayah Anda.", "No shops in your area yet.";
    /// Register a shop.
    ShopsRegister = "shops_register", "Daftarkan toko", "Register a shop";
    /// Shop name.
    ShopsName = "shops_name", "Nama toko", "Shop name";
    /// The shop's desa.
    ShopsDesa = "shops_desa", "Desa tempat toko", "The shop's desa";
    /// Service area.
    ShopsServiceArea = "shops_service_area", "Wilayah layanan", "Service area";
    /// Service area help.
    ShopsServiceHelp = "shops_service_help", "Keluarga dari wilayah ini boleh berbelanja di toko. Jika kosong: hanya desa tempat toko.", "Families of these areas may shop here. If empty: only the shop's own desa.";
    /// Add the picked area to the service area.
    ShopsAddArea = "shops_add_area", "Tambah wilayah ini", "Add this area";
    /// Remove an area from the list.
    ShopsRemove = "shops_remove", "Hapus", "Remove";
    /// Categories.
    ShopsCategories = "shops_categories", "Kategori yang dijual", "Categories sold";
    /// Bank account.
    ShopsBank = "shops_bank", "Rekening bank untuk pembayaran (boleh diisi nanti)", "Bank account for payment (may be added later)";
    /// Bank name.
    ShopsBankName = "shops_bank_name", "Nama bank", "Bank";
    /// Account number.
    ShopsBankAccount = "shops_bank_account", "Nomor rekening", "Account number";
    /// Account holder.
    ShopsBankHolder = "shops_bank_holder", "Nama pemilik rekening", "Account holder";
    /// Status: active.
    ShopsActive = "shops_active", "Aktif", "Active";
    /// Status: suspended.
    ShopsSuspendedStatus = "shops_suspended_status", "Ditangguhkan", "Suspended";
    /// Suspend a shop.
    ShopsSuspend = "shops_suspend", "Tangguhkan", "Suspend";
    /// Reactivate a shop.
    ShopsReactivate = "shops_reactivate", "Aktifkan lagi", "Reactivate";
    /// Print a pairing QR.
    ShopsPair = "shops_pair", "QR untuk ponsel toko", "QR for the shop's phone";
    /// Pairing help.
    ShopsPairHelp = "shops_pair_help", "Pindai QR ini dengan kamera ponsel toko: ponsel masuk ke halaman toko. QR ini berisi kunci masuk toko; serahkan hanya kepada pemilik toko.", "Scan this QR with the shop's phone camera: the phone signs in to the shop page. The QR holds the shop's sign-in key; hand it to the shop owner only.";
    /// Print.
    ShopsPrint = "shops_print", "Cetak", "Print";
    /// Registered.
    ShopsRegistered = "shops_registered", "Toko didaftarkan.", "Shop registered.";
    /// Bank refused after registration.
    ShopsBankRefused = "shops_bank_refused", "Toko didaftarkan, tetapi rekening bank ditolak:", "Shop registered, but the bank details were refused:";
    /// Suspended.
    ShopsSuspended = "shops_suspended", "Toko ditangguhkan: penjualannya ditolak mulai sekarang.", "Shop suspended: its sales are refused from now on.";
    /// Reactivated.
    ShopsReactivated = "shops_reactivated", "Toko aktif lagi.", "Shop active again.";
    // The signing keys page.
    /// Keys page title.
    KeysTitle = "keys_title", "Kunci penanda tangan", "Signing keys";
    /// Keys page help.
    KeysHelp = "keys_help", "Kunci yang menandatangani voucher. Kunci aktif menandatangani voucher baru; kunci yang dipensiunkan tidak menandatangani lagi tetapi voucher lamanya tetap sah sampai batas verifikasi; kunci yang dicabut tidak diterima lagi sama sekali.", "The keys that sign vouchers. The active key signs new vouchers; a retired key signs no more but its vouchers stay valid until its verify limit; nothing a revoked key signed is accepted.";
    /// No keys.
    KeysNone = "keys_none", "Belum ada kunci: voucher belum dapat diterbitkan.", "No key yet: vouchers cannot be issued.";
    /// Key status: active.
    KeysActive = "keys_active", "Aktif", "Active";
    /// Key status: retired.
    KeysRetired = "keys_retired", "Dipensiunkan", "Retired";
    /// Key status: revoked.
    KeysRevoked = "keys_revoked", "Dicabut", "Revoked";
    /// Window start.
    KeysSigningFrom = "keys_signing_from", "Menandatangani sejak", "Signs from";
    /// Window end.
    KeysSigningUntil = "keys_signing_until", "Menandatangani sampai", "Signs until";
    /// Verify limit.
    KeysVerifyUntil = "keys_verify_until", "Voucher sah sampai", "Verifies until";
    /// Generate.
    KeysGenerate = "keys_generate", "Buat kunci pertama", "Create the first key";
    /// Generate help.
    KeysGenerateHelp = "keys_generate_help", "Berkas kunci rahasia ditulis di folder kunci server ini; basis data hanya menyimpan kunci publiknya.", "The private key file is written to this server's key folder; the database keeps only the public key.";
    /// Rotate.
    KeysRotate = "keys_rotate", "Ganti kunci (rotasi)", "Rotate the key";
    /// Rotate help.
    KeysRotateHelp = "keys_rotate_help", "Kunci baru menandatangani voucher berikutnya. Kunci lama berhenti menandatangani dan voucher lamanya tetap sah selama jumlah hari di bawah (bulan lalu ditambah rekonsiliasi: 62 hari).", "A new key signs the next vouchers. The old key stops signing and its vouchers stay valid for the days below (last month plus reconciliation: 62 days).";
    /// Verify days.
    KeysVerifyDays = "keys_verify_days", "Voucher kunci lama tetap sah (hari)", "Old key's vouchers stay valid (days)";
    /// Revoke.
    KeysRevoke = "keys_revoke", "Cabut kunci ini", "Revoke this key";
    /// Revoke confirmation.
    KeysRevokeConfirm = "keys_revoke_confirm", "Cabut kunci ini? Semua voucher yang ditandatanganinya langsung ditolak di semua toko.", "Revoke this key? Every voucher it signed is refused at every shop at once.";
    /// Made.
    KeysMade = "keys_made", "Kunci baru aktif:", "New key active:";
    /// Revoked.
    KeysRevokedDone = "keys_revoked_done", "Kunci dicabut:", "Key revoked:";
    /// Accounts page title.
    AkunTitle = "akun_title", "Akun dan token", "Accounts and tokens";
    /// Accounts page help.
    AkunHelp = "akun_help", "Akun orang dan token API di wilayah Anda. Kata sandi dan rahasia token tidak pernah ditampilkan di sini.", "People's accounts and API tokens in your area. Passwords and token secrets are never shown here.";
    /// Accounts list heading.
    AkunAccounts = "akun_accounts", "Akun", "Accounts";
    /// No accounts.
    AkunNone = "akun_none", "Belum ada akun di wilayah Anda.", "No accounts in your area yet.";
    /// Name.
    AkunName = "akun_name", "Nama masuk", "Sign-in name";
    /// Name rule.
    AkunNameHelp = "akun_name_help", "3-64 huruf, angka, titik, garis bawah atau tanda hubung, misalnya kader.sibon", "3-64 letters, digits, dots, underscores or hyphens, e.g. kader.sibon";
    /// Role.
    AkunRole = "akun_role", "Peran", "Role";
    /// Area.
    AkunArea = "akun_area", "Wilayah", "Area";
    /// Area help.
    AkunAreaHelp = "akun_area_help", "Kosongkan untuk seluruh kabupaten. Kader: pilih sampai desa.", "Leave empty for the whole district. Kader: pick down to the desa.";
    /// The whole district.
    AkunEverywhere = "akun_everywhere", "Seluruh kabupaten", "The whole district";
    /// State.
    AkunState = "akun_state", "Status", "State";
    /// Active.
    AkunActive = "akun_active", "Aktif", "Active";
    /// Locked.
    AkunLocked = "akun_locked", "Terkunci (terlalu banyak gagal masuk)", "Locked (too many failed sign-ins)";
    /// Disabled.
    AkunDisabled = "akun_disabled", "Nonaktif", "Disabled";
    /// Last sign-in.
    AkunLastSignIn = "akun_last_sign_in", "Terakhir masuk", "Last sign-in";
    /// Never.
    AkunNever = "akun_never", "Belum pernah", "Never";
    /// Unlock.
    AkunUnlock = "akun_unlock", "Buka kunci", "Unlock";
    /// New password.
    AkunNewPassword = "akun_new_password", "Kata sandi baru (10-128 karakter)", "New password (10-128 characters)";
    /// Reset password.
    AkunReset = "akun_reset", "Atur ulang kata sandi", "Reset the password";
    /// Disable.
    AkunDisable = "akun_disable", "Nonaktifkan akun", "Disable the account";
    /// Disable confirmation.
    AkunDisableConfirm = "akun_disable_confirm", "Nonaktifkan akun ini? Akun tidak bisa masuk lagi dan semua sesinya berakhir.", "Disable this account? It cannot sign in again and every session ends.";
    /// Create account heading.
    AkunCreate = "akun_create", "Buat akun", "Create an account";
    /// Password.
    AkunPassword = "akun_password", "Kata sandi (10-128 karakter)", "Password (10-128 characters)";
    /// Tokens heading.
    AkunTokens = "akun_tokens", "Token API", "API tokens";
    /// Tokens help.
    AkunTokensHelp = "akun_tokens_help", "Token untuk program lain dan ponsel toko. Token yang dicabut ditolak mulai permintaan berikutnya, di semua server.", "Tokens for other programs and shop phones. A revoked token is refused from its next request on, on every server.";
    /// No tokens.
    AkunNoTokens = "akun_no_tokens", "Belum ada token di wilayah Anda.", "No tokens in your area yet.";
    /// Label.
    AkunLabel = "akun_label", "Catatan pemegang (bukan data pribadi)", "Holder's note (no personal data)";
    /// Days.
    AkunDays = "akun_days", "Berlaku (hari; kosong: sampai dicabut)", "Valid for (days; empty: until revoked)";
    /// Shop number.
    AkunShop = "akun_shop", "Nomor toko (hanya untuk peran toko)", "Shop number (shop role only)";
    /// Created.
    AkunCreated = "akun_created", "Dibuat", "Created";
    /// Expires.
    AkunExpires = "akun_expires", "Berakhir", "Expires";
    /// Until revoked.
    AkunNoExpiry = "akun_no_expiry", "Sampai dicabut", "Until revoked";
    /// Revoked.
    AkunRevoked = "akun_revoked", "Dicabut", "Revoked";
    /// Expired.
    AkunExpired = "akun_expired", "Kedaluwarsa", "Expired";
    /// Revoke.
    AkunRevoke = "akun_revoke", "Cabut token", "Revoke the token";
    /// Revoke confirmation.
    AkunRevokeConfirm = "akun_revoke_confirm", "Cabut token ini? Token langsung ditolak.", "Revoke this token? It is refused at once.";
    /// Create token heading.
    AkunCreateToken = "akun_create_token", "Buat token", "Create a token";
    /// The secret's heading.
    AkunSecretTitle = "akun_secret_title", "Token baru", "New token";
    /// Copy it now.
    AkunSecretNote = "akun_secret_note", "Salin sekarang, tidak akan ditampilkan lagi. Simpan di tempat aman dan serahkan hanya kepada pemegangnya.", "Copy it now, it will not be shown again. Keep it somewhere safe and hand it to its holder only.";
    /// Back.
    AkunBack = "akun_back", "Kembali ke akun dan token", "Back to accounts and tokens";
    /// Done: account created.
    AkunDoneCreated = "akun_done_created", "Akun dibuat.", "Account created.";
    /// Done: unlocked.
    AkunDoneUnlocked = "akun_done_unlocked", "Akun dibuka kuncinya.", "Account unlocked.";
    /// Done: password reset.
    AkunDoneReset = "akun_done_reset", "Kata sandi diganti; semua sesi akun itu berakhir.", "Password changed; every session of that account ended.";
    /// Done: disabled.
    AkunDoneDisabled = "akun_done_disabled", "Akun dinonaktifkan.", "Account disabled.";
    /// Done: revoked.
    AkunDoneRevoked = "akun_done_revoked", "Token dicabut.", "Token revoked.";
    /// More rows.
    AkunMore = "akun_more", "Berikutnya", "Next";
    /// Role: admin.
    RoleAdmin = "role_admin", "Admin program", "Programme admin";
    /// Role: issuer.
    RoleIssuer = "role_issuer", "Penerbit voucher", "Voucher issuer";
    /// Role: kader.
    RoleKader = "role_kader", "Kader", "Kader";
    /// Role: merchant.
    RoleMerchant = "role_merchant", "Toko mitra", "Partner shop";
    /// Role: finance.
    RoleFinance = "role_finance", "Keuangan", "Finance";
    /// Role: auditor.
    RoleAuditor = "role_auditor", "Auditor", "Auditor";
    // The lokus page (/admin/lokus).
    /// Lokus page title.
    LokusTitle = "lokus_title", "Desa lokus", "Lokus desa";
    /// What lokus desa are.
    LokusHelp = "lokus_help", "Desa prioritas program per tahun. Jika suatu tahun punya daftar lokus, hanya keluarga di desa lokus yang dapat menerima voucher pada tahun itu.", "The programme's priority villages, by year. When a year has a lokus list, only families living in its lokus desa can receive vouchers that year.";
    /// The year field.
    LokusYear = "lokus_year", "Tahun", "Year";
    /// No lokus desa yet.
    LokusNone = "lokus_none", "Belum ada desa lokus untuk tahun ini di wilayah Anda.", "No lokus desa for this year in your area yet.";
    /// How many (after the number).
    LokusCount = "lokus_count", "desa lokus", "lokus desa";
    /// The list was cut short.
    LokusMore = "lokus_more", "Daftar terpotong: tahun ini punya lebih banyak desa lokus daripada yang dapat ditampilkan di sini.", "The list is cut short: this year has more lokus desa than can be shown here.";
    /// The adding form's heading.
    LokusAdd = "lokus_add", "Tambah desa lokus", "Add lokus desa";
    /// How to add several.
    LokusAddHelp = "lokus_add_help", "Pilih desa dari daftar wilayah lalu tekan «Masukkan ke daftar»; ulangi untuk desa lain, lalu simpan semuanya sekaligus. Desa yang sudah lokus tidak berubah.", "Pick a desa from the area lists and press “Put on the list”; repeat for other desa, then save them all at once. Desa that are lokus already stay as they are.";
    /// The picker's legend.
    LokusPick = "lokus_pick", "Desa", "Desa";
    /// Puts the picked desa on the list.
    LokusPut = "lokus_put", "Masukkan ke daftar", "Put on the list";
    /// The list of desa to mark.
    LokusChosen = "lokus_chosen", "Desa yang akan ditandai", "Desa to mark";
    /// Nothing on the list yet.
    LokusChosenNone = "lokus_chosen_none", "Belum ada desa di daftar.", "No desa on the list yet.";
    /// Takes a desa off the list (before saving).
    LokusUnpick = "lokus_unpick", "Keluarkan", "Take off";
    /// The save button.
    LokusSave = "lokus_save", "Simpan sebagai desa lokus", "Save as lokus desa";
    /// Saved (before the number).
    LokusAdded = "lokus_added", "Desa lokus baru ditandai:", "New lokus desa marked:";
    /// No desa sent.
    LokusNoDesa = "lokus_no_desa", "Pilih paling sedikit satu desa dari daftar wilayah, lalu masukkan ke daftar.", "Pick at least one desa from the area lists and put it on the list.";
    /// A year out of range.
    LokusBadYear = "lokus_bad_year", "Tahun harus antara 2000 dan 2199.", "The year must be between 2000 and 2199.";
    /// Pick down to a desa.
    LokusPickDesa = "lokus_pick_desa", "Pilih wilayahnya sampai tingkat desa dahulu.", "Pick the area down to a desa first.";
    // The budget page (/admin/anggaran).
    /// Budget page title.
    BudgetTitle = "budget_title", "Anggaran", "Budget lines";
    /// What the page shows.
    BudgetHelp = "budget_help", "Pagu anggaran program. Setiap voucher dibebankan ke satu pagu yang mencakup desa keluarganya; terpakai adalah nilai voucher yang sudah diterbitkan dari pagu itu, sisa adalah yang masih dapat dipakai.", "The programme's budget lines. Each voucher is charged to one line covering the family's desa; committed is the value of the vouchers issued from the line, remaining is what is still free.";
    /// No lines.
    BudgetNone = "budget_none", "Belum ada pagu anggaran di wilayah Anda.", "No budget lines in your area yet.";
    /// Source column.
    BudgetSource = "budget_source", "Sumber dana", "Funding source";
    /// Area column.
    BudgetArea = "budget_area", "Wilayah", "Area";
    /// Ceiling column.
    BudgetCeiling = "budget_ceiling", "Pagu", "Ceiling";
    /// Committed column.
    BudgetCommitted = "budget_committed", "Terpakai", "Committed";
    /// Remaining column.
    BudgetRemaining = "budget_remaining", "Sisa", "Remaining";
    /// The bar's words (after the percentage).
    BudgetUsedShare = "budget_used_share", "% terpakai", "% committed";
    /// The totals row.
    BudgetTotal = "budget_total", "Jumlah", "Total";
    /// The form's heading.
    BudgetAdd = "budget_add", "Tambah pagu anggaran", "Add a budget line";
    /// The picker's legend.
    BudgetAreaPick = "budget_area_pick", "Wilayah pagu", "The line's area";
    /// Which level to pick.
    BudgetAreaHelp = "budget_area_help", "Pilih kabupaten untuk seluruh program, atau kecamatan atau desa untuk pagu yang lebih sempit.", "Pick the kabupaten for the whole programme, or a kecamatan or desa for a narrower line.";
    /// Amount field.
    BudgetAmount = "budget_amount", "Pagu (rupiah)", "Ceiling (rupiah)";
    /// How to write it.
    BudgetAmountHelp = "budget_amount_help", "Rupiah utuh, misalnya 25000000 atau 25.000.000.", "Whole rupiah, e.g. 25000000 or 25.000.000.";
    /// The save button.
    BudgetSave = "budget_save", "Simpan pagu", "Save the line";
    /// Saved.
    BudgetAdded = "budget_added", "Pagu anggaran ditambahkan.", "Budget line added.";
    /// A bad amount.
    BudgetBadAmount = "budget_bad_amount", "Pagu harus berupa rupiah utuh tanpa koma atau huruf, misalnya 25000000 atau 25.000.000. Tidak ada yang disimpan.", "The ceiling must be whole rupiah without commas or letters, e.g. 25000000 or 25.000.000. Nothing was saved.";
    /// No area picked.
    BudgetNoArea = "budget_no_area", "Pilih wilayah pagu dari daftar wilayah. Tidak ada yang disimpan.", "Pick the line's area from the area lists. Nothing was saved.";
    /// A bad source.
    BudgetBadSource = "budget_bad_source", "Pilih sumber dana: APBD, Dana Desa, CSR atau APBN.", "Choose the funding source: APBD, Dana Desa, CSR or APBN.";
    /// A year that is not the programme's.
    BudgetBadYear = "budget_bad_year", "Pagu hanya dapat ditambahkan untuk tahun program.", "Budget lines can only be added for the programme's year.";
    /// APBD.
    SourceApbd = "source_apbd", "APBD (kabupaten)", "APBD (district budget)";
    /// Dana Desa.
    SourceDanaDesa = "source_dana_desa", "Dana Desa", "Dana Desa (village fund)";
    /// CSR.
    SourceCsr = "source_csr", "CSR (perusahaan)", "CSR (company funds)";
    /// APBN.
    SourceApbn = "source_apbn", "APBN (nasional)", "APBN (national budget)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_a_unique_key_and_two_languages() {
        let mut keys = std::collections::HashSet::new();
        for m in Msg::ALL {
            assert!(keys.insert(m.key()), "{m:?} key twice");
            assert!(!m.id().is_empty() && !m.en().is_empty());
        }
    }

    #[test]
    fn the_language_comes_from_the_query_then_the_cookie_then_the_header() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of(None, &h), Lang::Id);
        h.insert(
            header::ACCEPT_LANGUAGE,
            "en-GB,en;q=0.9".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(Lang::of(None, &h), Lang::En);
        h.insert(
            header::COOKIE,
            "a=b; relasi_lang=id"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(Lang::of(None, &h), Lang::Id);
        assert_eq!(Lang::of(Some("x=1&lang=en"), &h), Lang::En);
        assert!(!Lang::Id.json(&[Msg::AppName]).contains('<'));
    }
}
