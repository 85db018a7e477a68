//! The pages: server-rendered HTML from askama templates (`src/web/templates/`), assets
//! compiled into the binary under content-hashed names, one message catalogue, one session
//! mechanism. Pages are clients of the same `/v1` API (their scripts call it with the session
//! cookie); a page handler only reads what its template shows. See ARCHITECTURE.md "Pages".

pub mod admin;
pub mod akun;
mod akun_form;
pub mod anggaran;
pub mod assets;
pub mod beranda;
pub mod format;
pub mod i18n;
pub mod kader;
pub mod keuangan;
pub mod kunci;
pub mod lokus;
pub mod mitra;
pub mod saldo;
pub mod session;
pub mod toko;

use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use i18n::{LANG_COOKIE, Lang, Msg};

/// What every page's layout needs: its language, title, CSRF token and asset URLs.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// The page's language.
    pub lang: Lang,
    /// The page's title.
    pub title: Msg,
    /// The session's CSRF token (empty on pages without a session).
    pub csrf: String,
    /// Whether someone is signed in (shows "sign out").
    pub signed_in: bool,
}

impl Chrome {
    /// A page without a session.
    pub fn new(lang: Lang, title: Msg) -> Chrome {
        Chrome {
            lang,
            title,
            csrf: String::new(),
            signed_in: false,
        }
    }

    /// A page of a signed-in visitor.
    pub fn signed_in(lang: Lang, title: Msg, session: &session::PageSession) -> Chrome {
        Chrome {
            lang,
            title,
            csrf: session.csrf.clone(),
            signed_in: true,
        }
    }

    /// A message in the page's language.
    pub fn t(&self, m: Msg) -> &'static str {
        self.lang.t(m)
    }

    /// The page's title in its language.
    pub fn title_text(&self) -> &'static str {
        self.lang.t(self.title)
    }

    /// The hashed URL of an asset.
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// The language to switch to.
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Id => "en",
            Lang::En => "id",
        }
    }
}

/// The policy every page is served with: only this origin's scripts, styles, images and
/// connections; camera frames and blobs for the scanner; no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; \
     worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Renders a template as a page: HTML, the security headers, never cached (pages carry a
/// session's CSRF token; their assets are what is cached).
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            // `no-referrer` would make browsers send `Origin: null` on form posts, which
            // `session::same_origin` refuses; paths carry no secrets.
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Remembers a language chosen with `?lang=` in a cookie, so the next page keeps it.
async fn remember_lang(req: Request, next: Next) -> Response {
    let chosen = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
        .filter(|l| matches!(*l, "id" | "en"))
        .map(str::to_owned);
    let mut res = next.run(req).await;
    if let Some(lang) = chosen
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={lang}; Path=/; SameSite=Strict; Max-Age=31536000"
        ))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The routes shared by every page: assets and signing in and out. Pages merge their own. The
/// sign-in form draws on the same per-address budget as `POST /v1/login`.
pub fn router(sign_in_limit: &crate::api::RateLimit) -> Router<AppState> {
    let sign_in = Router::new().route("/masuk", axum::routing::post(session::login));
    Router::new()
        .route("/assets/{file}", get(assets::serve))
        .route("/masuk", get(session::login_form))
        .merge(sign_in_limit.apply(sign_in))
        .route("/keluar", axum::routing::post(session::logout))
        .layer(middleware::from_fn(remember_lang))
}
