//! Reconciliations over HTTP: run the month (finance), list and read its versions and their
//! exports (finance, auditor).

use super::AppState;
use super::disclosure;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use crate::domain::auth::Role;
use crate::domain::ids::Period;
use crate::store::RunHead;
use crate::usecases::{programmes, reconciliation};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use relasi_codes::Code;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/reconciliations", get(list).post(run))
        .route("/v1/reconciliations/{file}", get(read))
}

const READERS: [Role; 2] = [Role::Finance, Role::Auditor];

#[derive(Deserialize)]
struct RunBody {
    period: String,
    programme: Option<u16>,
}

/// The run's head as the API shows it, with the report.
fn body_of(head: &RunHead, report: Value) -> Value {
    json!({
        "id": head.id, "period": head.period, "version": head.version,
        "content_sha256": head.content_sha256, "kid": head.kid, "signature": head.signature,
        "balanced": head.balanced, "exceptions": head.exceptions,
        "last_entry_id": head.last_entry_id, "registry_version": head.registry_version,
        "created_by": head.created_by, "created_at_us": head.created_at_us,
        "report": report,
    })
}

/// `POST /v1/reconciliations {period}` (finance of the whole district) → 201 the new version with its report.
async fn run(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RunBody>,
) -> ApiResult<Response> {
    caller.require_district_role(&[Role::Finance])?;
    let period = Period::parse(&body.period)?;
    let programme = programmes::resolve(&state.store, body.programme).await?;
    let signer = state.keys.signer().await?;
    let (head, report) = reconciliation::run(
        &state.store,
        &state.deployment,
        signer.as_deref(),
        &programme,
        period,
        &caller.actor(),
    )
    .await?;
    let report = serde_json::to_value(&report).unwrap_or_default();
    Ok((StatusCode::CREATED, Json(body_of(&head, report))).into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    period: Option<String>,
    programme: Option<u16>,
}

/// `GET /v1/reconciliations?period=` → `{runs:[…]}`, newest first, without their reports.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    caller.require_district_role(&READERS)?;
    let period = q.period.as_deref().map(Period::parse).transpose()?;
    let programme = programmes::resolve(&state.store, q.programme).await?;
    let runs = reconciliation::list(&state.store, &programme, period).await?;
    Ok(Json(json!({ "runs": runs })))
}

/// `GET /v1/reconciliations/{id}` (the run with its report), `{id}.json` (the signed canonical
/// bytes, for `docs/reconciliation.md`'s check), `{id}.csv`, `{id}.xlsx` and `{id}.pdf` (the berita acara summary).
async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    caller.require_district_role(&READERS)?;
    let (id, ext) = file.split_once('.').unwrap_or((file.as_str(), ""));
    let id: i64 = id.parse().map_err(|_| ApiError::new(Code::NotFound))?;
    let (head, report, content) = reconciliation::read(&state.store, id).await?;
    let name = format!("rekonsiliasi-{}-v{}", head.period, head.version);
    // Every rendering below the signed original masks KK numbers for a role without the need.
    let role = caller.principal.role;
    let report = disclosure::report_for(role, report);
    match ext {
        "" => {
            let value: Value = if disclosure::findings_in_clear(role) {
                serde_json::from_str(&content).unwrap_or_default()
            } else {
                serde_json::to_value(&report).unwrap_or_default()
            };
            Ok(Json(body_of(&head, value)).into_response())
        }
        // The stored canonical bytes, exactly: what content_sha256 is over and the key signed.
        // A signature can only be checked over the bytes it signed, so this file holds the
        // findings' KK numbers in clear for both reader roles (SECURITY.md).
        "json" => Ok(download(
            content.into_bytes(),
            "application/json",
            &format!("{name}.json"),
        )),
        "csv" => {
            let bytes = crate::render::report_csv::report_csv(&report)
                .map_err(|_| ApiError::new(Code::Internal))?;
            Ok(download(
                bytes,
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
            ))
        }
        "xlsx" => {
            let bytes = crate::render::report_xlsx::report_xlsx(&report, &head.content_sha256)
                .map_err(|_| ApiError::new(Code::Internal))?;
            Ok(download(bytes, XLSX, &format!("{name}.xlsx")))
        }
        "pdf" => {
            let bytes = crate::render::report_pdf::report_pdf(&report, &head);
            Ok(download(bytes, "application/pdf", &format!("{name}.pdf")))
        }
        _ => Err(ApiError::new(Code::NotFound)),
    }
}

/// The media type of an Excel workbook.
pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file to save, named for the month and version.
pub(super) fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
