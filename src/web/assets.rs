//! Static assets compiled into the binary and served under content-hashed names
//! (`/assets/app.3f9c1a0b2e.css`) with a one-year immutable cache lifetime: a new build changes
//! the name, so a phone never runs yesterday's script against today's page. Nothing is fetched
//! from anywhere else.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its logical name, e.g. `app.css`.
    pub name: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// Its media type.
    pub content_type: &'static str,
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        Asset {
            name: $name,
            bytes: include_bytes!(concat!("assets/", $name)),
            content_type: $type,
        }
    };
}

/// Every asset of every page. Add a page's files here.
pub static ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("print.css", "text/css; charset=utf-8"),
    asset!("relasi.js", "text/javascript; charset=utf-8"),
    asset!("masuk.js", "text/javascript; charset=utf-8"),
    asset!("saldo.js", "text/javascript; charset=utf-8"),
    asset!("kader.js", "text/javascript; charset=utf-8"),
    asset!("admin.js", "text/javascript; charset=utf-8"),
    asset!("wilayah.js", "text/javascript; charset=utf-8"),
    asset!("mitra.js", "text/javascript; charset=utf-8"),
    asset!("kunci.js", "text/javascript; charset=utf-8"),
    asset!("akun.js", "text/javascript; charset=utf-8"),
    asset!("lokus.js", "text/javascript; charset=utf-8"),
    asset!("anggaran.js", "text/javascript; charset=utf-8"),
    asset!("toko.js", "text/javascript; charset=utf-8"),
    asset!("toko-sw.js", "text/javascript; charset=utf-8"),
];

/// `name.HASH.ext`, HASH the first 10 hex digits of the content's SHA-256.
fn hashed_name(asset: &Asset) -> String {
    let digest = hex::encode(Sha256::digest(asset.bytes));
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{}.{ext}", &digest[..10]),
        None => format!("{}.{}", asset.name, &digest[..10]),
    }
}

fn hashed() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| ASSETS.iter().map(hashed_name).collect())
}

/// The URL of an asset by its logical name (`/assets/app.3f9c1a0b2e.css`). An unknown name is
/// a programming error caught by the tests of each page; it yields a URL that answers 404.
pub fn url(name: &str) -> String {
    ASSETS
        .iter()
        .zip(hashed())
        .find(|(a, _)| a.name == name)
        .map_or_else(
            || format!("/assets/missing-{name}"),
            |(_, h)| format!("/assets/{h}"),
        )
}

/// An asset by logical name (for handlers that serve one under a fixed URL, such as a service
/// worker, which must keep its URL).
pub fn by_name(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// `GET /assets/{hashed name}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().zip(hashed()).find(|(_, h)| **h == file) {
        Some((asset, _)) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let css = url("app.css");
        assert!(
            css.starts_with("/assets/app.")
                && css.ends_with(".css")
                && css.len() == "/assets/app..css".len() + 10
        );
        assert!(url("nope.js").contains("missing"));
        for a in ASSETS {
            assert!(!a.bytes.is_empty(), "{}", a.name);
        }
    }
}
