//! Built-in HTTPS: `relasi serve` with `RELASI_TLS_CERT` and `RELASI_TLS_KEY` (a self-signed
//! certificate made by the openssl command of docs/deploy.md) answers over TLS to a client that
//! trusts that certificate and to no other; bad certificate files stop it at start, clearly.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Kills the server when the test ends, pass or fail.
struct Killed(std::process::Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// docs/deploy.md, "Built-in TLS": a self-signed certificate for a LAN pilot.
fn self_signed(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}-key.pem")),
    );
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "365", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

fn relasi_serve(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relasi"));
    cmd.arg("serve")
        .env("RUST_LOG", "warn")
        .env_remove("RELASI_DEPLOYMENT_ID")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/relasi.db", dir.display()),
        )
        .env("RELASI_BIND", "127.0.0.1:0")
        .env("RELASI_KEY_DIR", dir.join("keys"));
    cmd
}

/// Starts the server and returns it with the URL it printed.
fn started(mut cmd: Command) -> (Killed, String) {
    let mut child = Killed(cmd.stderr(Stdio::piped()).spawn().unwrap());
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut lines = stderr.lines().map(Result::unwrap);
    let url = lines
        .find_map(|l| l.split_once("siap / ready: ").map(|(_, u)| u.to_owned()))
        .expect("the server printed its address");
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

/// The server's refusal, as whoever started it reads it.
fn refused(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(!out.status.success(), "the server started");
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!text.contains("panicked"), "{text}");
    text
}

#[tokio::test]
async fn serve_speaks_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path(), "relasi");
    let mut cmd = relasi_serve(dir.path());
    cmd.env("RELASI_TLS_CERT", &cert)
        .env("RELASI_TLS_KEY", &key);
    let (_server, url) = started(cmd);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let http = crate::helpers::http_client();
    let pem = std::fs::read(&cert).unwrap();
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    for path in ["/healthz", "/readyz", "/toko"] {
        let res = trusting.get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    // By name too: the certificate names localhost.
    let port = url.rsplit(':').next().unwrap();
    let res = trusting
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // It is TLS: a client that does not trust the certificate, or speaks plain HTTP, gets nothing.
    let untrusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&self_signed_other(dir.path())).unwrap()])
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_err()
    );
    let plain = url.replace("https://", "http://");
    assert!(http.get(format!("{plain}/healthz")).send().await.is_err());
}

fn self_signed_other(dir: &Path) -> Vec<u8> {
    std::fs::read(self_signed(dir, "lain").0).unwrap()
}

#[tokio::test]
async fn bad_certificate_files_stop_the_server_at_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path(), "relasi");
    let (_, other_key) = self_signed(dir.path(), "lain");
    let missing = dir.path().join("tidak-ada.pem");
    let text = refused(
        relasi_serve(dir.path())
            .env("RELASI_TLS_CERT", &missing)
            .env("RELASI_TLS_KEY", &key),
    );
    assert!(
        text.contains("certificate") && text.contains("tidak-ada.pem"),
        "{text}"
    );
    // A key file in place of the certificate: no certificate in it.
    let text = refused(
        relasi_serve(dir.path())
            .env("RELASI_TLS_CERT", &key)
            .env("RELASI_TLS_KEY", &key),
    );
    assert!(text.contains("certificate"), "{text}");
    let text = refused(
        relasi_serve(dir.path())
            .env("RELASI_TLS_CERT", &cert)
            .env("RELASI_TLS_KEY", &cert),
    );
    assert!(text.contains("private key"), "{text}");
    // Another certificate's key.
    let text = refused(
        relasi_serve(dir.path())
            .env("RELASI_TLS_CERT", &cert)
            .env("RELASI_TLS_KEY", &other_key),
    );
    assert!(text.contains("with key"), "{text}");
    // One file without the other.
    let text = refused(relasi_serve(dir.path()).env("RELASI_TLS_CERT", &cert));
    assert!(text.contains("tls-key"), "{text}");
}
