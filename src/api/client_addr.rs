//! The client's address for per-address rate limits: the connecting socket's address, unless
//! that is one of the configured reverse proxies (`RELASI_TRUSTED_PROXIES`), whose
//! `X-Forwarded-For` is then read from the right up to the first address that is not a proxy.

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// The reverse proxies whose `X-Forwarded-For` is believed. Empty by default: then the header
/// is ignored and the socket's address is the client (a client can write any header it likes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

/// Most entries in the list (a deployment has a handful of proxies, not a table).
const MAX_PROXIES: usize = 64;

impl TrustedProxies {
    /// Parses a list of addresses and CIDR ranges separated by commas or spaces
    /// (`10.0.0.5, 192.168.1.0/24, ::1`); empty text trusts no one.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let nets = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("not an address or CIDR range: {part:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if nets.len() > MAX_PROXIES {
            return Err(format!("at most {MAX_PROXIES} entries"));
        }
        Ok(TrustedProxies(Arc::new(nets)))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy; then each
    /// `X-Forwarded-For` hop from the right, stopping at the first one that is not a trusted
    /// proxy. An entry that is not an address ends the walk at the last trusted hop, so a
    /// malformed header never lets a client choose its own bucket.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// The rate limiters' key: the client address as [`TrustedProxies::client`] finds it.
#[derive(Clone, Debug)]
pub struct ClientKey(pub TrustedProxies);

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .or_else(|| req.extensions().get::<SocketAddr>().map(SocketAddr::ip))
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(self.0.client(peer, req.headers()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn with_no_trusted_proxy_the_header_is_ignored() {
        let none = TrustedProxies::parse("").unwrap();
        assert!(none.is_empty());
        assert_eq!(
            none.client(ip("10.0.0.5"), &headers(&["1.2.3.4"])),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_a_forged_hop_changes_nothing() {
        let proxies = TrustedProxies::parse("10.0.0.5, 192.168.0.0/16").unwrap();
        // client → 192.168.1.1 (inner proxy) → 10.0.0.5 (the one we talk to)
        let h = headers(&["6.6.6.6, 1.2.3.4", "192.168.1.1"]);
        assert_eq!(proxies.client(ip("10.0.0.5"), &h), ip("1.2.3.4"));
        // The same header from a peer that is not a proxy is ignored.
        assert_eq!(proxies.client(ip("8.8.8.8"), &h), ip("8.8.8.8"));
        // Garbage stops the walk at the last trusted hop.
        let junk = headers(&["1.2.3.4, not-an-ip"]);
        assert_eq!(proxies.client(ip("10.0.0.5"), &junk), ip("10.0.0.5"));
        // No header: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &HeaderMap::new()),
            ip("10.0.0.5")
        );
        // IPv4 seen as IPv4-mapped IPv6 is the same address.
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.5"), &headers(&["1.2.3.4"])),
            ip("1.2.3.4")
        );
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("::1 127.0.0.1/8").is_ok());
    }
}
