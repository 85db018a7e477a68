//! The front door `/` (what this server is, its programmes, links to its pages and API docs,
//! a link to the families' balance check) and the offline API docs page `/api`, rendered from the same
//! OpenAPI route table as `/openapi.json`.

use super::i18n::{Lang, Msg};
use super::{Chrome, page};
use crate::api::AppState;
use crate::api::openapi::{Body, ROUTES};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use relasi_codes::Code;

#[derive(Template)]
#[template(path = "beranda.html")]
struct Beranda {
    c: Chrome,
    /// (name, year) of each programme.
    programmes: Vec<(String, i32)>,
    /// (path, label) of each page a person opens.
    pages: Vec<(&'static str, &'static str)>,
}

/// One row of the docs page.
#[derive(Debug)]
struct OpRow {
    method: String,
    path: &'static str,
    summary: &'static str,
    roles: String,
    statuses: String,
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiDocs {
    c: Chrome,
    version: &'static str,
    groups: Vec<(&'static str, Vec<OpRow>)>,
    codes: Vec<(&'static str, u16, &'static str, &'static str)>,
}

/// `GET /` and `GET /api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(beranda))
        .route("/api", get(api_docs))
}

/// Pages a person opens from the front door: every documented page reached by a plain GET.
fn pages() -> Vec<(&'static str, &'static str)> {
    ROUTES
        .iter()
        .filter(|op| op.method == "get" && matches!(op.ok.1, Body::Html))
        .filter(|op| !op.path.contains('{') && op.path != "/")
        .map(|op| (op.path, op.summary))
        .collect()
}

async fn beranda(State(state): State<AppState>, lang: Lang) -> Response {
    // The front door answers even when the database does not (readiness says why).
    let programmes = match state.store.programmes().await {
        Ok(all) => all.into_iter().map(|p| (p.name, p.year)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "front door: programmes unavailable");
            Vec::new()
        }
    };
    let template = Beranda {
        c: Chrome::new(lang, Msg::HomeTitle),
        programmes,
        pages: pages(),
    };
    page(StatusCode::OK, &template)
}

async fn api_docs(lang: Lang) -> Response {
    let mut groups: Vec<(&'static str, Vec<OpRow>)> = Vec::new();
    for op in ROUTES {
        let row = OpRow {
            method: op.method.to_uppercase(),
            path: op.path,
            summary: op.summary,
            roles: op.roles.join(", "),
            statuses: statuses(op),
        };
        match groups.iter_mut().find(|(tag, _)| *tag == op.tag) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((op.tag, vec![row])),
        }
    }
    let codes = Code::ALL
        .iter()
        .map(|c| (c.as_str(), c.status(), c.title(), c.title_en()))
        .collect();
    let template = ApiDocs {
        c: Chrome::new(lang, Msg::ApiTitle),
        version: "3.1.0",
        groups,
        codes,
    };
    page(StatusCode::OK, &template)
}

/// `201 · 401 unauthorized · …`: the answers of one route as the document lists them.
fn statuses(op: &crate::api::openapi::Op) -> String {
    let doc = crate::api::openapi::document();
    let responses = &doc["paths"][op.path][op.method]["responses"];
    responses
        .as_object()
        .map(|r| {
            r.iter()
                .map(|(status, v)| {
                    let codes = v["description"].as_str().unwrap_or("");
                    if codes.starts_with("`code`") {
                        format!("{status} {}", codes.trim_start_matches("`code`: "))
                    } else {
                        status.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default()
}
