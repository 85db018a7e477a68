//! The forms of `/admin/akun`, one plain CSRF-checked POST with an `aksi`: `akun` (create an
//! account), `buka` (unlock), `sandi` (reset a password), `nonaktif` (disable), `token`
//! (create a token: the answer is the page that shows its secret once) and `cabut` (revoke a
//! token). Each calls the use case the API calls; a refusal shows the page again with why.

use super::admin::refusal;
use super::akun::{Asked, Clock, TokenLine, render, token_line};
use super::i18n::{Lang, Msg};
use super::session::{PageSession, SignInFirst};
use super::{Chrome, page};
use crate::api::AppState;
use crate::domain::auth::{ApiTokenSecret, Area, Grant, Role};
use crate::domain::ids::{AccountId, ApiTokenId, MerchantId};
use crate::domain::wilayah::WilayahCode;
use crate::problem::{Code, Problem};
use crate::usecases::accounts;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Every field of every form of the page (each form sends the ones it has).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AkunForm {
    csrf: String,
    aksi: String,
    id: String,
    nama: String,
    sandi: String,
    peran: String,
    wilayah: String,
    catatan: String,
    hari: String,
    toko: String,
}

/// What a form did: back to the list saying so, or a new token's secret to show once.
enum Done {
    Back(&'static str),
    Secret(ApiTokenSecret, TokenLine),
}

#[derive(Template)]
#[template(path = "akun-token.html")]
struct SecretPage {
    c: Chrome,
    secret: String,
    token: TokenLine,
}

/// `POST /admin/akun` (admin): does the form's `aksi`, then shows the list again (303), or the
/// new token's secret (200), or the page with the refusal.
pub(super) async fn act(
    State(state): State<AppState>,
    lang: Lang,
    session: Result<PageSession, SignInFirst>,
    headers: HeaderMap,
    Form(form): Form<AkunForm>,
) -> Response {
    // Answered only after the form is read, so the connection stays usable.
    let session = match session {
        Ok(session) => session,
        Err(sign_in) => return sign_in.into_response(),
    };
    let done = if session.form_allowed(&headers, &form.csrf) {
        act_on(&state, lang, &session, &form).await
    } else {
        Err(Problem::new(Code::CsrfFailed))
    };
    match done {
        Ok(Done::Back(what)) => {
            Redirect::to(&format!("/admin/akun?selesai={what}")).into_response()
        }
        Ok(Done::Secret(secret, token)) => {
            let template = SecretPage {
                c: Chrome::signed_in(lang, Msg::AkunSecretTitle, &session),
                secret: secret.expose().to_owned(),
                token,
            };
            page(StatusCode::OK, &template)
        }
        Err(problem) => {
            let alert = Some(refusal(lang, &problem));
            render(&state, lang, &session, &Asked::default(), None, alert).await
        }
    }
}

fn invalid(field: &'static str) -> Problem {
    Problem::new(Code::ValidationFailed).detail(field)
}

/// A number field: none when empty.
fn number(text: &str, field: &'static str) -> Result<Option<i64>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| invalid(field))
}

fn id(form: &AkunForm) -> Result<i64, Problem> {
    number(&form.id, "id")?.ok_or_else(|| invalid("id"))
}

/// The role, the area picked (none: the whole district) and the shop of a create form.
fn grant_of(form: &AkunForm) -> Result<Grant, Problem> {
    let role = Role::parse(form.peran.trim()).ok_or_else(|| invalid("peran"))?;
    let picked = form.wilayah.trim();
    let codes = if picked.is_empty() {
        Vec::new()
    } else {
        vec![WilayahCode::parse(picked)?]
    };
    let shop = number(&form.toko, "toko")?.map(MerchantId);
    Ok(Grant::new(role, shop, Area::of(codes)?)?)
}

async fn act_on(
    state: &AppState,
    lang: Lang,
    session: &PageSession,
    form: &AkunForm,
) -> Result<Done, Problem> {
    let (store, who, actor) = (&state.store, &session.principal, session.actor());
    match form.aksi.as_str() {
        "akun" => {
            let (name, grant) = (form.nama.trim(), grant_of(form)?);
            accounts::admin_create_account(store, who, name, &form.sandi, &grant, &actor).await?;
            Ok(Done::Back("akun"))
        }
        "buka" => {
            accounts::unlock(store, who, AccountId(id(form)?), &actor).await?;
            Ok(Done::Back("buka"))
        }
        "sandi" => {
            let account = AccountId(id(form)?);
            accounts::reset_password(store, who, account, &form.sandi, &actor).await?;
            Ok(Done::Back("sandi"))
        }
        "nonaktif" => {
            accounts::disable(store, who, AccountId(id(form)?), &actor).await?;
            Ok(Done::Back("nonaktif"))
        }
        "cabut" => {
            accounts::revoke_token(store, who, ApiTokenId(id(form)?), &actor).await?;
            Ok(Done::Back("cabut"))
        }
        "token" => {
            let (grant, days) = (grant_of(form)?, number(&form.hari, "hari")?);
            let (id, secret) =
                accounts::admin_create_token(store, who, &grant, &form.catatan, days, &actor)
                    .await?;
            let made = store.api_token(id).await?;
            Ok(Done::Secret(
                secret,
                token_line(lang, made, Clock::read(state).await?),
            ))
        }
        _ => Err(invalid("aksi")),
    }
}
