//! A small W3C WebDriver client (<https://www.w3.org/TR/webdriver2/>) over plain HTTP to a `chromedriver` this
//! harness starts on 127.0.0.1, driving headless Debian `chromium`: navigate, find elements by CSS selector,
//! click, type, read text and attributes, take screenshots, and read the browser's console log
//! (`goog:loggingPrefs`, chromedriver's `/se/log`). Dropping [`Browser`] ends the session and chromedriver.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The W3C element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser is installed; under `CI=true` its absence fails the test instead of skipping it.
pub fn available() -> bool {
    let there = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !there {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: {CHROMIUM} and {CHROMEDRIVER} are required (.ci/install-deps.sh installs chromium and chromium-driver)"
        );
        eprintln!("skipped: {CHROMIUM} or {CHROMEDRIVER} is missing (.ci/install-deps.sh)");
    }
    there
}

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Browser {
    /// Starts chromedriver and a headless chromium session that accepts the test server's self-signed
    /// certificate and records every console message.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_mins(1)))
            .build()
            .into();
        let mut b = Self {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            agent,
        };
        let start = Instant::now();
        loop {
            if let Ok((_, v)) = b.raw("GET", "/status", None)
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1400", "--no-first-run", "--disable-extensions",
                         "--disable-background-networking", "--disable-component-update"]
            }
        }}});
        let v = b.call("POST", "/session", Some(&caps));
        v["sessionId"]
            .as_str()
            .expect("a session id")
            .clone_into(&mut b.session);
        b
    }

    fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
        let url = format!("{}{path}", self.base);
        let resp = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(&json!({})).to_string().as_bytes()),
        };
        let mut resp = resp.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        Ok((status, v))
    }

    /// A WebDriver command; a WebDriver error fails the test with its message.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, v) = self
            .raw(method, path, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"));
        assert!(
            status == 200,
            "webdriver {method} {path}: HTTP {status}: {}",
            v["value"]
        );
        v["value"].clone()
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(&json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.call("GET", &self.s("/url"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn title(&self) -> String {
        self.call("GET", &self.s("/title"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's HTML as the browser holds it now.
    pub fn source(&self) -> String {
        self.call("GET", &self.s("/source"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every element matching a CSS selector.
    pub fn all(&self, css: &str) -> Vec<Element<'_>> {
        self.call(
            "POST",
            &self.s("/elements"),
            Some(&json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| Element {
            b: self,
            id: e[ELEMENT].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
    }

    /// The first element matching a CSS selector; none fails the test.
    pub fn find(&self, css: &str) -> Element<'_> {
        self.all(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element {css} on {}", self.url()))
    }

    /// A PNG of the viewport, written to `path`.
    pub fn screenshot(&self, path: &Path) {
        let b64 = self.call("GET", &self.s("/screenshot"), None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// The console messages since the last call: (level, message).
    pub fn console(&self) -> Vec<(String, String)> {
        let v = self.call(
            "POST",
            &self.s("/se/log"),
            Some(&json!({"type": "browser"})),
        );
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or_default().to_owned(),
                    e["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.raw("DELETE", &self.s(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub struct Element<'a> {
    b: &'a Browser,
    id: String,
}

impl Element<'_> {
    pub fn click(&self) {
        self.b.call(
            "POST",
            &self.b.s(&format!("/element/{}/click", self.id)),
            None,
        );
    }

    pub fn send_keys(&self, text: &str) {
        self.b.call(
            "POST",
            &self.b.s(&format!("/element/{}/value", self.id)),
            Some(&json!({"text": text})),
        );
    }

    pub fn text(&self) -> String {
        self.b
            .call(
                "GET",
                &self.b.s(&format!("/element/{}/text", self.id)),
                None,
            )
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        self.b
            .call(
                "GET",
                &self.b.s(&format!("/element/{}/attribute/{name}", self.id)),
                None,
            )
            .as_str()
            .map(str::to_owned)
    }

    /// The number in the element's text.
    pub fn number(&self) -> i64 {
        let t = self.text();
        t.trim()
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {t:?}"))
    }
}
