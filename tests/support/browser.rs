//! A real headless Chromium (Debian's chromium + chromium-driver) for the browser tests.

use crate::World;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const WAIT: Duration = Duration::from_secs(30);

/// A chromedriver process and a browser session, ended (with the browser) on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// How often a click or typing finds its element again when the page replaced it meanwhile.
const STALE_RETRIES: u32 = 5;

/// The element was replaced between finding and using it: the till's bundle renders its page
/// afresh over the server's first paint, and a page re-renders when its data arrives.
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    e.to_string().contains("stale element")
}

impl Browser {
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// A browser started with these Chromium switches besides the usual ones.
    pub async fn start_with(extra_args: &[String]) -> Browser {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "browser tests need Debian's chromium and chromium-driver: run `cargo xtask test`, which installs them"
        );
        let site = crate::site_root().join("site.json");
        assert!(
            site.exists(),
            "the site is not built ({}): run `cargo xtask test`",
            site.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        // Its own process group, which the browser joins: see `Drop`.
        let driver = Command::new(CHROMEDRIVER)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver started");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,800",
            "--lang=ja",
        ]
        .map(String::from)
        .to_vec();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend_from_slice(extra_args);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::rustls()
                .expect("tls")
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        _profile: profile,
                    };
                }
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("chromedriver did not accept a session: {last_error:?}");
    }

    /// Opens `url` and waits until the WASM app has hydrated the page.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("page opened");
        self.hydrated().await;
    }

    /// The bundle the page was loaded with: `selpos` (the whole app) or `till`.
    pub async fn bundle(&self) -> String {
        let href = self
            .js("return document.querySelector('link[rel=modulepreload]').getAttribute('href')")
            .await;
        crate::bundle_named(href.as_str().unwrap_or_default()).to_string()
    }

    /// Clicks a link to another page and waits until that page, at `path`, is interactive.
    pub async fn follow(&self, locator: Locator<'_>, path: &str) {
        self.click(locator).await;
        let started = Instant::now();
        loop {
            let url = self.client.current_url().await.expect("url");
            if url.path() == path {
                break;
            }
            assert!(started.elapsed() < WAIT, "{locator:?} led to {url}, not {path}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.hydrated().await;
    }

    /// Signs in on `base`/login with a login and password; waits until the session shows.
    pub async fn sign_in_at(&self, base: &str, login: &str, password: &str) {
        self.open(&format!("{base}/login")).await;
        self.type_into("form.login input[name='login']", login).await;
        self.type_into("form.login input[name='password']", password)
            .await;
        self.click(Locator::Css("form.login button[type='submit']")).await;
        self.find(Locator::Css("header .who .user")).await;
    }

    /// On a registered tablet's cashier sign-in: picks the cashier whose name starts with
    /// `cashier`, types `pin`, and waits for the till it leads to (its slim bar, at /register).
    pub async fn sign_in_with_pin(&self, cashier: &str, pin: &str) {
        self.click(Locator::XPath(&format!(
            "//div[@class='cashiers']/button[starts-with(normalize-space(.), '{cashier}')]"
        )))
        .await;
        self.type_into("input[name='pin']", pin).await;
        self.click(Locator::XPath(
            "//form[.//div[@class='cashiers']]//button[@type='submit']",
        ))
        .await;
        self.find(Locator::Css("header.till-bar .who .user")).await;
        assert_eq!(self.client.current_url().await.expect("url").path(), "/register");
    }

    /// Fills the login form on the page as the test administrator and submits it.
    pub async fn sign_in_as_admin(&self) {
        self.type_into("form.login input[name='login']", crate::ADMIN_LOGIN)
            .await;
        self.type_into("form.login input[name='password']", crate::ADMIN_PASSWORD)
            .await;
        self.click(Locator::Css("form.login button[type='submit']")).await;
    }

    pub async fn hydrated(&self) {
        self.find(Locator::Css("body[data-hydrated='true']")).await;
    }

    pub async fn find(&self, locator: Locator<'_>) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("{locator:?}: {e}"))
    }

    pub async fn click(&self, locator: Locator<'_>) {
        for attempt in 1.. {
            match self.find(locator).await.click().await {
                Ok(()) => return,
                Err(e) if is_stale(&e) && attempt < STALE_RETRIES => {}
                Err(e) => panic!("click {locator:?}: {e}"),
            }
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        for attempt in 1.. {
            match self.find(Locator::Css(css)).await.send_keys(text).await {
                Ok(()) => return,
                Err(e) if is_stale(&e) && attempt < STALE_RETRIES => {}
                Err(e) => panic!("type into {css}: {e}"),
            }
        }
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.find(Locator::Css(css)).await.text().await.expect("text")
    }

    /// Waits until the element's text satisfies `ok`, answering the last text seen.
    pub async fn wait_text(&self, css: &str, within: Duration, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&text) || started.elapsed() > within {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Puts `sales` (the till's stored form, JSON: `{"sale": …, "total": …, "rejection": null}`)
    /// into this page's queue of unsent sales, in one transaction, as if rung up offline.
    pub async fn queue_sales(&self, sales: &[String]) {
        let script = r#"
            const [sales, done] = [arguments[0], arguments[arguments.length - 1]];
            const open = indexedDB.open('selpos-register', 1);
            open.onerror = () => done('open failed');
            open.onsuccess = () => {
                const tx = open.result.transaction(['queue'], 'readwrite');
                for (const s of sales) tx.objectStore('queue').add(s);
                tx.oncomplete = () => done('ok');
                tx.onerror = () => done('write failed');
            };
        "#;
        let answer = self
            .client
            .execute_async(script, vec![json!(sales)])
            .await
            .expect("queue filled");
        assert_eq!(answer, json!("ok"));
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// With `SELPOS_SCREENSHOTS=<dir>` set, saves what the page shows as `<dir>/<name>.png` (the
    /// README's pictures of the till are taken by the browser tests this way).
    pub async fn screenshot_for_readme(&self, name: &str) {
        let Some(dir) = std::env::var_os("SELPOS_SCREENSHOTS") else {
            return;
        };
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
    }

    /// Runs axe-core on the page as it is now (WCAG 2.0–2.2, A and AA) and adds the touch-target
    /// rule of issue 21 (every control at least 44 × 44 CSS pixels; links inside running text
    /// excepted): answers one line per violation, empty when the page passes.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        if self.js("return typeof window.axe").await != "object" {
            self.js(&axe_script()).await;
        }
        let answer = self
            .client
            .execute_async(AXE_RUN, vec![])
            .await
            .unwrap_or_else(|e| panic!("axe failed: {e}"));
        serde_json::from_value(answer).expect("violations")
    }

    /// Waits until the service worker has kept the till page for offline use (with the files
    /// it names, in its cache `selpos-till-v2`).
    pub async fn wait_for_offline_copy(&self) {
        let started = Instant::now();
        while self
            .js("return caches.open('selpos-till-v2').then(c => c.match('/register')).then(r => !!r).catch(() => false)")
            .await
            != true
        {
            assert!(started.elapsed() < WAIT, "the service worker kept nothing");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Runs a DevTools protocol command on the page (through chromedriver) and answers its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
    }

    /// Throttles the page's network as the DevTools protocol does (`None`: full speed).
    pub async fn throttle(&self, link: Option<Link>) {
        let conditions = match link {
            Some(link) => json!({"offline": false, "latency": link.round_trip_ms,
                "downloadThroughput": link.down_bytes_per_s, "uploadThroughput": link.up_bytes_per_s}),
            None => json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        };
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.emulateNetworkConditions", conditions).await;
    }

    /// Cuts (or restores) this page's network through the DevTools protocol.
    pub async fn network_down(&self, down: bool) {
        let conditions =
            json!({"offline": down, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.emulateNetworkConditions", conditions).await;
    }

    /// Forgets everything a first visit would not have for `origin`: the HTTP cache, the
    /// service worker with its caches, and IndexedDB (the till's kept catalogue). Sign-in
    /// cookies stay.
    pub async fn forget_site_data(&self, origin: &str) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.clearBrowserCache", json!({})).await;
        self.cdp(
            "Storage.clearDataForOrigin",
            json!({"origin": origin, "storageTypes": "cache_storage,service_workers,indexeddb"}),
        )
        .await;
    }

    /// The CSP nonce of the till page the service worker keeps (each page the server renders
    /// has its own: it tells the kept copy from a fresh one).
    pub async fn kept_till_nonce(&self) -> Value {
        self.js(r#"return caches.open('selpos-till-v2')
            .then(c => c.match('/register')).then(r => r.text())
            .then(html => (html.match(/nonce="([^"]+)"/) || [])[1] || null)"#)
            .await
    }

    /// The CSP nonce of the page shown now.
    pub async fn page_nonce(&self) -> Value {
        self.js("return (document.querySelector('script[nonce]') || {}).nonce || null")
            .await
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A network link as DevTools emulates it.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub round_trip_ms: u32,
    pub down_bytes_per_s: u64,
    pub up_bytes_per_s: u64,
}

impl Link {
    /// `mbit` megabits per second both ways, with `round_trip_ms` round trips.
    pub fn mbit(mbit: f64, round_trip_ms: u32) -> Link {
        let bytes = (mbit * 1_000_000.0 / 8.0) as u64;
        Link {
            round_trip_ms,
            down_bytes_per_s: bytes,
            up_bytes_per_s: bytes,
        }
    }
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: one DevTools protocol command.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// A failed assertion must not leave chromedriver and its browser running: end the whole
/// process group chromedriver leads (killing chromedriver alone orphans Chromium).
impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// axe-core's script: `SELPOS_AXE_JS` (set by `cargo xtask test`), else where the xtask puts it.
pub fn axe_script() -> String {
    let path = std::env::var_os("SELPOS_AXE_JS").map_or_else(
        || {
            std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/axe/package/axe.min.js"
            ))
        },
        std::path::PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not at {} ({e}): `cargo xtask test` fetches it, or set SELPOS_AXE_JS",
            path.display()
        )
    })
}

/// axe with WCAG 2.2 AA's rules, then the 44-pixel touch targets; the answer is a list of
/// "rule: help — element" lines.
const AXE_RUN: &str = r#"
    const done = arguments[arguments.length - 1];
    const small = [];
    const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
    for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')) {
        if (!visible(e) || e.closest('p, li.text, td.text, .hint, rt')) continue;
        if (e.tagName === 'A' && !e.closest('nav, table, .toolbar, .actions, .button-row') && !e.classList.contains('button')) continue;
        const target = e.closest('label') || e;
        const r = target.getBoundingClientRect();
        if (r.width < 44 - 0.5 || r.height < 44 - 0.5) {
            const name = (e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : ''));
            small.push(`target-44: ${name} "${(e.textContent || e.value || '').trim().slice(0, 30)}" is ${Math.round(r.width)}×${Math.round(r.height)}`);
        }
    }
    axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']})
        .then(r => done(small.concat(r.violations.flatMap(v => v.nodes.slice(0, 8).map(n =>
            `${v.id}: ${v.help} — ${n.target.join(' ')}${n.any.length ? ' (' + n.any.map(c => c.message).join('; ').slice(0, 160) + ')' : ''}`)))))
        .catch(e => done([`axe-error: ${e}`]));
"#;

/// [`set_up_the_till_asking_for_the_float`], then 「あとで入力」: the till sells at once (its
/// first sale opens the register with a ¥0 float).
pub async fn set_up_the_till(server: &crate::TestServer, base: &str, browser: &Browser) -> World {
    let till = set_up_the_till_asking_for_the_float(server, base, browser).await;
    browser.click(Locator::Css("#float-prompt #float-later")).await;
    let started = Instant::now();
    while browser.client.find(Locator::Css("#float-prompt")).await.is_ok() {
        assert!(started.elapsed() < WAIT, "the float prompt stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    till
}

/// As the council admin: register this browser as the HB-DEMO R1 till on /devices, sign out,
/// sign in as the demo cashier with the PIN, which leads to the till; it asks for the float
/// (the register was never opened). The browser reaches the server at `base` (directly, or
/// through a relay standing in for the Wi-Fi). Answers the demo bazaar's world.
pub async fn set_up_the_till_asking_for_the_float(
    server: &crate::TestServer,
    base: &str,
    browser: &Browser,
) -> World {
    set_up_the_till_as(server, base, browser, "ボランティア", "1234").await
}

/// [`set_up_the_till_asking_for_the_float`] for the demo cashier whose name starts with
/// `cashier`, signing in with `pin`; answers once the till (of either kind) shows.
pub async fn set_up_the_till_as(
    server: &crate::TestServer,
    base: &str,
    browser: &Browser,
    cashier: &str,
    pin: &str,
) -> World {
    let till = World::on(server).demo_bazaar().build().await;

    register_this_tablet(browser, base, till.register).await;

    // Signing out of a registered tablet leads to its cashier sign-in.
    browser.click(Locator::Css("header .who button")).await;
    browser.sign_in_with_pin(cashier, pin).await;
    browser
        .find(Locator::Css("button.product, button.easy-tile"))
        .await;
    browser.find(Locator::Css("#float-prompt")).await;
    till
}

/// As the council admin: sign in, and register this browser as the till of `register` on
/// /devices (the admin stays signed in).
pub async fn register_this_tablet(browser: &Browser, base: &str, register: i64) {
    browser.open(&format!("{base}/login")).await;
    browser.sign_in_as_admin().await;
    browser.find(Locator::Css("header .who .user")).await;

    browser.open(&format!("{base}/devices")).await;
    browser.find(Locator::Css("#device-list")).await;
    let option = format!("select[name='register_id'] option[value='{}']", register);
    browser.find(Locator::Css(&option)).await;
    browser
        .find(Locator::Css("select[name='register_id']"))
        .await
        .select_by_value(&register.to_string())
        .await
        .expect("register chosen");
    browser
        .type_into("input[name='device_name']", "バザール レジ1 タブレット")
        .await;
    browser
        .click(Locator::Css("form.editor button[type='submit']"))
        .await;
    let banner = browser.text_of(".banner.ok").await;
    assert!(banner.contains("登録しました"), "{banner}");
}

/// Sets an input's or select's value as a person would (the page hears `input` and `change`).
pub async fn set_value(browser: &Browser, css: &str, value: &str) {
    let script = format!(
        r#"const e = document.querySelector({css});
        const proto = e instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
        Object.getOwnPropertyDescriptor(proto, 'value').set.call(e, {value});
        e.dispatchEvent(new Event('input', {{bubbles: true}}));
        e.dispatchEvent(new Event('change', {{bubbles: true}}));
        return e.value;"#,
        css = json!(css),
        value = json!(value),
    );
    assert_eq!(browser.js(&script).await, json!(value), "{css}");
}
