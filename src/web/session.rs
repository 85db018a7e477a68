//! The one session mechanism of every page (ARCHITECTURE.md "Pages and sessions"): signing in
//! with an API token puts that token in an `HttpOnly; SameSite=Strict` cookie (`Secure` except
//! on a loopback host); pages and their scripts then call the same `/v1` API with that cookie,
//! and every unsafe request (POST, …) must carry the session's CSRF token
//! (`X-CSRF-Token` header or a `csrf` form field) and, when the browser sends one, a
//! same-origin `Origin`. Tokens never appear in URLs.

use super::i18n::{Lang, Msg, cookie};
use super::{Chrome, page};
use crate::api::AppState;
use crate::domain::auth::{ApiTokenSecret, Principal, Role};
use crate::domain::ids::ApiTokenId;
use crate::usecases::accounts;
use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "relasi_sesi";
/// How long a page session lasts (a shop signs in once a month).
pub const SESSION_MAX_AGE_SECS: u64 = 30 * 24 * 3600;
/// The CSRF header scripts send.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of a session: derived from its secret, so the server keeps no state, and
/// useless without the cookie it belongs to.
pub fn csrf_token(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"relasi-csrf\0");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())[..32].to_owned()
}

/// The session secret from the cookie, if any.
pub fn session_secret(headers: &HeaderMap) -> Option<ApiTokenSecret> {
    cookie(headers, SESSION_COOKIE).and_then(|v| ApiTokenSecret::presented(&v))
}

/// Whether a request may change something with cookie authentication: the CSRF token matches
/// and the `Origin` (when sent) is this host.
pub fn unsafe_request_allowed(
    headers: &HeaderMap,
    secret: &ApiTokenSecret,
    form_csrf: Option<&str>,
) -> bool {
    let expected = csrf_token(secret.expose());
    let presented = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .or(form_csrf);
    presented == Some(expected.as_str()) && same_origin(headers)
}

/// `Origin` absent, or naming the `Host` the request came to.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host)
}

/// Whether a method changes nothing.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn loopback(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(n, _)| n);
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

fn session_cookie(value: &str, max_age: u64, headers: &HeaderMap) -> HeaderValue {
    // Browsers treat loopback as a secure context; everywhere else the cookie needs TLS.
    let secure = if loopback(headers) { "" } else { "; Secure" };
    let text = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("relasi_sesi=; Max-Age=0"))
}

/// A signed-in page visitor.
#[derive(Clone, Debug)]
pub struct PageSession {
    /// Which token (for the audit trail).
    pub token_id: ApiTokenId,
    /// Role and shop.
    pub principal: Principal,
    /// The CSRF token to render into the page.
    pub csrf: String,
    /// The session's secret (to check a plain form's CSRF field).
    secret: ApiTokenSecret,
}

impl PageSession {
    /// How the audit chain names this visitor (as `Caller::actor` does).
    pub fn actor(&self) -> String {
        format!("{}#{}", self.principal.role.as_str(), self.token_id.0)
    }

    /// Whether a plain form's change may go ahead: its `csrf` field matches this session and
    /// the `Origin` (when sent) is this host.
    pub fn form_allowed(&self, headers: &HeaderMap, form_csrf: &str) -> bool {
        unsafe_request_allowed(headers, &self.secret, Some(form_csrf))
    }
}

/// The page a role lands on after signing in.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::Merchant => "/toko",
        Role::Kader => "/kader",
        Role::Finance | Role::Auditor => "/keuangan",
        Role::Admin | Role::Issuer => "/admin",
    }
}

/// Where a page without a session sends its visitor.
#[derive(Debug)]
pub struct SignInFirst(String);

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/masuk?next={}", self.0)).into_response()
    }
}

/// A page path that is safe to return to after signing in (`/toko`, never `//evil`).
fn local_path(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 100
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b));
    if ok { path.to_owned() } else { "/".to_owned() }
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = SignInFirst;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SignInFirst> {
        let back = SignInFirst(local_path(parts.uri.path()));
        let secret = session_secret(&parts.headers)
            .ok_or_else(|| SignInFirst(local_path(parts.uri.path())))?;
        match state.store.principal_for(&secret).await {
            Ok(Some((token_id, principal))) => Ok(PageSession {
                token_id,
                principal,
                csrf: csrf_token(secret.expose()),
                secret,
            }),
            _ => Err(back),
        }
    }
}

#[derive(Template)]
#[template(path = "masuk.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    failed: Option<Msg>,
}

impl LoginPage {
    /// Why the last sign-in failed, in the page's language.
    fn failed_text(&self) -> Option<&'static str> {
        self.failed.map(|m| self.c.t(m))
    }
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// `GET /masuk?next=/toko`: the sign-in form.
pub(super) async fn login_form(lang: Lang, Query(q): Query<NextQuery>) -> Response {
    let next = local_path(q.next.as_deref().unwrap_or("/"));
    page(
        StatusCode::OK,
        &LoginPage {
            c: Chrome::new(lang, Msg::LoginTitle),
            next,
            failed: None,
        },
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    /// A shop's (or any) API token.
    token: Option<String>,
    /// An account's name and password.
    name: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

/// `POST /masuk`: an account's name and password (a session token with the account's expiry)
/// or an API token (shops) becomes the session cookie; the visitor goes on to `next`, or to
/// their role's page.
pub(super) async fn login(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = local_path(form.next.as_deref().unwrap_or("/"));
    let signed = if !same_origin(&headers) {
        Err(Msg::LoginFailed)
    } else if let (Some(name), Some(password)) = (&form.name, &form.password)
        && !name.trim().is_empty()
    {
        account_session(&state, name.trim(), password).await
    } else {
        token_session(&state, form.token.as_deref().unwrap_or("")).await
    };
    match signed {
        Ok((secret, role, max_age)) => {
            let to = if next == "/" { landing(role) } else { &next };
            let mut res = Redirect::to(to).into_response();
            res.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(secret.expose(), max_age, &headers),
            );
            res
        }
        Err(why) => page(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                c: Chrome::new(lang, Msg::LoginTitle),
                next,
                failed: Some(why),
            },
        ),
    }
}

/// A session from an account's name and password (the use case counts failures and locks).
async fn account_session(
    state: &AppState,
    name: &str,
    password: &str,
) -> Result<(ApiTokenSecret, Role, u64), Msg> {
    let policy = state.config.login;
    match accounts::login(&state.store, policy, name, password).await {
        Ok(session) => {
            let max_age = u64::try_from(policy.session_ttl_secs).unwrap_or(0);
            Ok((session.secret, session.grant.role, max_age))
        }
        Err(p) if p.code() == crate::problem::Code::AccountLocked => Err(Msg::LoginLocked),
        Err(_) => Err(Msg::LoginPasswordFailed),
    }
}

/// A session from an API token (a shop's phone, or a pairing link).
async fn token_session(state: &AppState, token: &str) -> Result<(ApiTokenSecret, Role, u64), Msg> {
    let secret = ApiTokenSecret::presented(token.trim()).ok_or(Msg::LoginFailed)?;
    match state.store.principal_for(&secret).await {
        Ok(Some((_, principal))) => Ok((secret, principal.role, SESSION_MAX_AGE_SECS)),
        _ => Err(Msg::LoginFailed),
    }
}

#[derive(Deserialize)]
pub(super) struct LogoutForm {
    csrf: Option<String>,
}

/// `POST /keluar`: ends the session (the CSRF token guards it like any change).
pub(super) async fn logout(headers: HeaderMap, Form(form): Form<LogoutForm>) -> Response {
    if let Some(secret) = session_secret(&headers)
        && !unsafe_request_allowed(&headers, &secret, form.csrf.as_deref())
    {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut res = Redirect::to("/masuk").into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0, &headers));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/toko"), "/toko");
        assert_eq!(local_path("//evil.example"), "/");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/toko?x=<script>"), "/");
    }

    #[test]
    fn the_csrf_token_is_tied_to_the_session() {
        assert_eq!(csrf_token("rls_a"), csrf_token("rls_a"));
        assert_ne!(csrf_token("rls_a"), csrf_token("rls_b"));
        assert_eq!(csrf_token("rls_a").len(), 32);
    }
}
