//! Where the CLI keeps the shop's login (a file only its user can read) and its state.

use relasi_merchant::{Client, Error, Terminal};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize)]
struct Login {
    server: String,
    token: String,
    /// The shop's name for its printed receipts (`login --name`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

/// The folder: the one given, else `$XDG_CONFIG_HOME/relasi-merchant`, else
/// `~/.config/relasi-merchant`.
pub fn home(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join("relasi-merchant")
    })
}

/// Writes `config.json` with mode 0600 in a 0700 folder (the token is a secret).
pub fn save(home: &Path, server: &str, token: &str, name: Option<&str>) -> Result<(), Error> {
    use std::io::Write;
    let local = |e: std::io::Error| Error::Local(format!("{}: {e}", home.display()));
    std::fs::create_dir_all(home).map_err(local)?;
    let body = serde_json::to_vec_pretty(&Login {
        server: server.to_owned(),
        token: token.to_owned(),
        name: name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
    })
    .map_err(|e| Error::Local(e.to_string()))?;
    let path = home.join("config.json");
    let tmp = home.join("config.json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700)).map_err(local)?;
    }
    let mut file = options.open(&tmp).map_err(local)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(local)?;
    }
    file.write_all(&body)
        .and_then(|()| file.sync_all())
        .map_err(local)?;
    std::fs::rename(&tmp, &path).map_err(local)
}

fn login(home: &Path) -> Result<Login, Error> {
    let text = std::fs::read_to_string(home.join("config.json")).map_err(|_| {
        Error::Local(
            "belum masuk / not logged in: relasi-merchant login --server URL --token T".into(),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Local(e.to_string()))
}

/// The terminal of the saved login (an error asking to log in first when there is none).
pub async fn terminal(home: &Path) -> Result<Terminal, Error> {
    let login = login(home)?;
    let client = Client::new(&login.server, &login.token)?;
    Terminal::open(&home.join("toko.db"), client).await
}

/// The shop's name saved at login, if one was given.
pub fn shop_name(home: &Path) -> Option<String> {
    login(home).ok().and_then(|l| l.name)
}
