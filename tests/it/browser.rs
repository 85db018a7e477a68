//! The one harness of the page tests: Debian's `chromium` driven over WebDriver
//! (`chromium-driver`), headless, with a fresh profile, a 360 px wide window and an optional
//! fake camera. `scripts/test` and `.ci/run` install both when missing; elsewhere a page test
//! without them says it was skipped (in CI it fails).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running browser and its driver; both end when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn installed(bin: &str) -> bool {
    Path::new(bin).exists()
}

impl Browser {
    /// Chromium with a fake camera playing `camera` (a .y4m file), or `None` when the browser is
    /// not installed outside CI.
    pub async fn start(camera: Option<&Path>) -> Option<Browser> {
        if !installed("/usr/bin/chromium") || !installed("/usr/bin/chromedriver") {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "chromium and chromium-driver must be installed in CI"
            );
            eprintln!(
                "skipped: chromium or chromium-driver is not installed (scripts/test installs them)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Its own process group, so a failed test can end the driver and the browser together.
        let driver = {
            use std::os::unix::process::CommandExt;
            Command::new("/usr/bin/chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--no-first-run".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=360,780".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--use-fake-ui-for-media-stream".into(),
            "--use-fake-device-for-media-stream".into(),
        ];
        if let Some(file) = camera {
            args.push(format!(
                "--use-file-for-fake-video-capture={}",
                file.display()
            ));
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": args,
                "prefs": { "intl.accept_languages": "id-ID,id" },
                // A cheap Android phone's viewport (headless windows do not go below ~500 px).
                "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 780, "pixelRatio": 1.0, "touch": false } },
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("chromedriver did not start: {e}"),
            }
        };
        Some(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Evaluates a JavaScript expression.
    pub async fn eval(&self, expression: &str) -> Value {
        self.client
            .execute(&format!("return ({expression});"), vec![])
            .await
            .unwrap()
    }

    /// Waits (at most `secs`) until a JavaScript expression is truthy.
    pub async fn wait_for(&self, expression: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.eval(&format!("!!({expression})")).await;
            if v == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let body = self.eval("document.body.innerText").await;
                panic!(
                    "timed out waiting for {expression}; the page says:\n{}",
                    body.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of an element.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Presses a button: focused and activated with the Enter key, as a keyboard user would.
    /// (chromedriver's pointer clicks land at wrong coordinates under mobile emulation once the
    /// page has scrolled, and a missed click says nothing.)
    pub async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap();
        element.send_keys("\u{E007}").await.unwrap();
    }

    /// Types into an element.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }

    /// Saves a screenshot as `docs/img/NAME.png` in the repository.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("docs/img")
            .join(format!("{name}.png"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Signs in on `/masuk` with a token and waits for `path` to be ready.
    pub async fn sign_in(&self, base: &str, path: &str, token: &str) {
        self.client.goto(&format!("{base}{path}")).await.unwrap();
        self.wait_for("document.getElementById('token')", 10).await;
        self.type_into("#token", token).await;
        self.click("#token-form button[type=submit]").await;
        self.wait_for("document.body.dataset.ready === '1'", 30)
            .await;
    }

    /// Signs in on `/masuk` with an account's name and password; waits for the page it lands on.
    pub async fn sign_in_account(&self, base: &str, name: &str, password: &str) {
        self.client.goto(&format!("{base}/masuk")).await.unwrap();
        self.wait_for("document.getElementById('nama')", 10).await;
        self.type_into("#nama", name).await;
        self.type_into("#sandi", password).await;
        self.click("#akun-form button[type=submit]").await;
        self.wait_for(
            "location.pathname !== '/masuk' && document.readyState === 'complete'",
            30,
        )
        .await;
    }

    /// Accessibility basics: every input has a label, nothing is wider than the 360 px window,
    /// every visible button or input is at least 44 px tall.
    pub async fn assert_accessible(&self) {
        let unlabelled = self.eval("[...document.querySelectorAll('input:not([type=hidden]),textarea,select')].filter(e => !e.labels || e.labels.length === 0).map(e => e.id)").await;
        assert_eq!(unlabelled, json!([]), "inputs without a label");
        let width = self
            .eval("document.documentElement.scrollWidth")
            .await
            .as_i64()
            .unwrap();
        assert!(width <= 360, "the page is {width} px wide");
        let small = self.eval("[...document.querySelectorAll('button,input:not([type=hidden]),textarea')].filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44 && !e.classList.contains('link')).map(e => e.id || e.textContent)").await;
        assert_eq!(small, json!([]), "touch targets under 44 px");
    }

    /// Ends the session and the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    /// Ends the driver's whole process group (the driver and the browser it started), also when
    /// a test failed before `close`.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// A Y4M video (4:2:0, 10 frames) of `picture` centred on a white 640×480 frame: what the fake
/// camera shows.
pub fn y4m_of(picture: &image::GrayImage, path: &Path) {
    let (w, h) = (640_u32, 480_u32);
    let mut frame = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let x = (w.saturating_sub(picture.width())) / 2;
    let y = (h.saturating_sub(picture.height())) / 2;
    image::imageops::overlay(&mut frame, picture, i64::from(x), i64::from(y));
    let mut out = format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    let chroma = vec![128_u8; (w * h / 2) as usize];
    for _ in 0..10 {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(frame.as_raw());
        out.extend_from_slice(&chroma);
    }
    std::fs::write(path, out).unwrap();
}
