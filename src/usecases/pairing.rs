//! Pairing a shop's phone: a fresh merchant token inside a link that the phone's own camera app
//! opens, so a shop signs in to `/toko` by scanning a QR the admin prints instead of typing the
//! token. The token rides in the link's fragment (`#pasang=…`), which browsers never send to a
//! server, so it reaches no access log; the sign-in page's script moves it into the form, wipes
//! it from the address bar and history, and signs in.

use crate::domain::auth::{ApiTokenSecret, Role};
use crate::domain::ids::MerchantId;
use crate::domain::merchant::MerchantStatus;
use crate::problem::Problem;
use crate::render::qr;
use crate::store::Store;
use rand::Rng;
use relasi_codes::Code;
use std::fmt;

/// Longest base URL accepted.
pub const MAX_BASE_URL: usize = 200;
/// The fragment key the sign-in page looks for.
pub const FRAGMENT_KEY: &str = "pasang";

/// A shop's pairing: the link with its token (a secret: shown once, like `token create`).
pub struct Pairing {
    /// The shop.
    pub merchant_id: MerchantId,
    /// The shop's name, to print beside the QR.
    pub merchant_name: String,
    /// `BASE/masuk#pasang=rls_…`.
    pub link: String,
}

impl fmt::Debug for Pairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pairing")
            .field("merchant_id", &self.merchant_id)
            .field("link", &"<redacted>")
            .finish()
    }
}

impl Pairing {
    /// The QR of the link as SVG.
    pub fn qr_svg(&self) -> Result<String, Problem> {
        qr::svg(&self.link).map_err(|_| Problem::new(Code::Internal))
    }

    /// The QR of the link as PNG.
    pub fn qr_png(&self) -> Result<Vec<u8>, Problem> {
        qr::png(&self.link).map_err(|_| Problem::new(Code::Internal))
    }
}

/// The server's public address as the phone reaches it: `http(s)://host[:port][/prefix]`.
pub fn base_url(text: &str) -> Result<String, Problem> {
    let base = text.trim().trim_end_matches('/');
    let scheme_ok = base.starts_with("https://") || base.starts_with("http://");
    let host = base.split_once("://").map_or("", |(_, rest)| rest);
    let clean = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-:/[]_".contains(&b));
    if !scheme_ok || host.is_empty() || !clean || base.len() > MAX_BASE_URL {
        return Err(Problem::new(Code::ValidationFailed).detail(
            "base_url: alamat server http(s)://host[:port] tanpa ? atau # / \
             the server's address http(s)://host[:port] without ? or #",
        ));
    }
    Ok(base.to_owned())
}

/// Creates a merchant token for an active shop's phone and the link that carries it.
pub async fn pair(
    store: &Store,
    merchant: MerchantId,
    base_url_text: &str,
    actor: &str,
) -> Result<Pairing, Problem> {
    let base = base_url(base_url_text)?;
    let shop = store.merchant(merchant).await?;
    if shop.status != MerchantStatus::Active {
        return Err(Problem::new(Code::MerchantInactive));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = ApiTokenSecret::from_random(bytes);
    store
        .create_api_token(
            &secret,
            Role::Merchant,
            Some(merchant),
            "pasangan HP toko",
            actor,
        )
        .await?;
    Ok(Pairing {
        merchant_id: merchant,
        merchant_name: shop.name,
        link: format!("{base}/masuk#{FRAGMENT_KEY}={}", secret.expose()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_server_addresses_are_bases() {
        assert_eq!(
            base_url("https://toko.example/").unwrap(),
            "https://toko.example"
        );
        assert_eq!(
            base_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "toko.example",
            "ftp://x",
            "https://",
            "https://x/?a=1",
            "https://x/#y",
            "javascript:alert(1)",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }
}
