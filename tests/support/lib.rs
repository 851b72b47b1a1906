//! Support for the black-box tests: a real selpos server on an ephemeral port, on a fresh
//! SQLite file or a fresh PostgreSQL database, and a small JSON client for it.

pub mod browser;
pub mod chaos;
pub mod cluster;
pub mod load;
pub mod openapi;
pub mod printer;
pub mod world;

pub use world::{Cashier, HeartBazaar, NewEvent, NewFacility, NewProduct, Product, Till, World};

use reqwest::{Method, StatusCode};
use selpos_domain::access::Role;
use selpos_domain::users::UserInput;
use selpos_server::server::{self, Config, Running};
use serde_json::Value;
use std::path::PathBuf;

/// The PostgreSQL server the tests may use (a database is created per test).
pub const POSTGRES_ENV: &str = "SELPOS_TEST_POSTGRES_URL";

pub struct TestServer {
    pub base: String,
    pub kind: &'static str,
    running: Option<Running>,
    /// Signed in as [`ADMIN_LOGIN`]; the plain request helpers of the server use it.
    admin: ApiClient,
    database: Option<TestDatabase>,
    /// The local CA of a server speaking HTTPS: its clients trust it.
    ca_pem: Option<String>,
}

/// A client keeping cookies; trusting only `ca_pem` when given (a server speaking HTTPS).
fn http_client(ca_pem: Option<&str>) -> reqwest::Client {
    selpos_server::tls::install_crypto_provider();
    let mut builder = reqwest::Client::builder().cookie_store(true);
    if let Some(pem) = ca_pem {
        builder = builder
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA certificate"));
    }
    builder.build().expect("client")
}

/// A fresh database for one test: a SQLite file in a temporary folder (removed on drop), or a
/// new database on the PostgreSQL server named by `SELPOS_TEST_POSTGRES_URL` (dropped by
/// [`TestDatabase::drop_database`]).
pub struct TestDatabase {
    pub url: String,
    pub kind: &'static str,
    _sqlite_dir: Option<tempfile::TempDir>,
    postgres_cleanup: Option<(String, String)>,
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        TestDatabase {
            url: format!("sqlite://{}", dir.path().join("selpos.db").display()),
            kind: "sqlite",
            _sqlite_dir: Some(dir),
            postgres_cleanup: None,
        }
    }

    /// `None` when `SELPOS_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            eprintln!("skipped on PostgreSQL: {POSTGRES_ENV} is not set");
            return None;
        };
        Some(TestDatabase::postgres_on(&admin_url).await)
    }

    /// A new database on the PostgreSQL server of `admin_url` (one of its databases).
    pub async fn postgres_on(admin_url: &str) -> TestDatabase {
        let admin_url = admin_url.to_string();
        let name = format!("selpos_test_{}", uuid::Uuid::new_v4().simple());
        admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        TestDatabase {
            url: replace_database(&admin_url, &name),
            kind: "postgres",
            _sqlite_dir: None,
            postgres_cleanup: Some((admin_url, name)),
        }
    }

    pub async fn drop_database(mut self) {
        if let Some((admin_url, name)) = self.postgres_cleanup.take() {
            admin(
                &admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

/// Where `cargo xtask build` puts the site (`site.json` and the bundles, style sheet and
/// service worker it lists).
pub fn site_root() -> PathBuf {
    std::env::var_os("SELPOS_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site")))
}

/// The bundle a script path belongs to: `/pkg/till.1f2e….js` (or unbuilt `/pkg/till.js`) is
/// `till`.
pub fn bundle_named(script: &str) -> &str {
    let file = script.strip_prefix("/pkg/").unwrap_or_default();
    file.split('.').next().unwrap_or_default()
}

/// The script a page loads its bundle from (its `modulepreload` link).
pub fn script_of(html: &str) -> Option<&str> {
    let link = html.find("rel=\"modulepreload\"")?;
    let tag_start = html[..link].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let href = tag.find("href=\"")? + "href=\"".len();
    Some(&tag[href..href + tag[href..].find('"')?])
}

impl TestServer {
    /// The configuration of a test server: the fake printers of the tests listen on 127.0.0.1,
    /// so loopback printers are allowed (production never allows them); plain HTTP.
    pub fn config(database_url: String, demo: bool) -> Config {
        Config {
            addr: "127.0.0.1:0".parse().expect("address"),
            database_url,
            demo,
            site_root: Some(site_root()),
            secure_cookies: false,
            allow_loopback_printers: true,
            limits: Default::default(),
            tls: None,
        }
    }

    /// A server on `database`, with the test administrator created.
    pub async fn on(database: TestDatabase, demo: bool) -> TestServer {
        TestServer::on_with(database, demo, |_| {}).await
    }

    /// A server on `database` with its configuration changed by `tweak` (the default is
    /// [`TestServer::config`]), with the test administrator created.
    pub async fn on_with(database: TestDatabase, demo: bool, tweak: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::on_configured(database, demo, tweak, None).await
    }

    /// A server speaking HTTPS with selpos's own CA, made in `tls_dir`, its certificate also
    /// for `names`; this server's clients trust that CA (and no other).
    pub async fn on_https(
        database: TestDatabase,
        demo: bool,
        tls_dir: &std::path::Path,
        names: &[&str],
    ) -> TestServer {
        let tls = selpos_server::tls::TlsConfig::LocalCa {
            dir: tls_dir.to_path_buf(),
            extra_names: names.iter().map(|n| n.to_string()).collect(),
        };
        let https = |config: &mut Config| config.tls = Some(tls);
        TestServer::on_configured(database, demo, https, Some(tls_dir.to_path_buf())).await
    }

    /// The server of [`TestServer::on_with`]; its clients trust the CA in `tls_dir` if given.
    async fn on_configured(
        database: TestDatabase,
        demo: bool,
        tweak: impl FnOnce(&mut Config),
        tls_dir: Option<PathBuf>,
    ) -> TestServer {
        let kind = database.kind;
        let mut config = TestServer::config(database.url.clone(), demo);
        tweak(&mut config);
        let running = server::start(config)
            .await
            .unwrap_or_else(|e| panic!("{kind} server did not start: {e:#}"));
        let ca_pem = tls_dir
            .map(|dir| std::fs::read_to_string(dir.join(selpos_server::tls::CA_CERT_FILE)).expect("CA"));
        let base = running.url();
        let operator = selpos_server::usecases::users::cli_operator();
        let admin = UserInput {
            login: ADMIN_LOGIN.into(),
            display_name: "テスト管理者".into(),
            role: Role::CouncilAdmin,
            facility_id: None,
            password: Some(ADMIN_PASSWORD.into()),
            pin: Some(ADMIN_PIN.into()),
            active: true,
            easy_till: false,
        };
        selpos_server::usecases::users::create(&running.db, &operator, &admin)
            .await
            .unwrap_or_else(|e| panic!("[{kind}] test admin: {e:?}"));
        let mut server = TestServer {
            admin: ApiClient::with_client(&base, kind, http_client(ca_pem.as_deref())),
            base,
            kind,
            running: Some(running),
            database: Some(database),
            ca_pem,
        };
        server.admin.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
        server
    }

    /// The local CA's certificate (PEM) of a server started with [`TestServer::on_https`].
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The client signed in as the test administrator.
    pub fn admin_client(&self) -> &ApiClient {
        &self.admin
    }

    /// A client that is not signed in.
    pub fn anonymous(&self) -> ApiClient {
        ApiClient::with_client(&self.base, self.kind, http_client(self.ca_pem.as_deref()))
    }

    /// A client signed in with a password.
    pub async fn login(&self, login: &str, password: &str) -> ApiClient {
        let mut client = self.anonymous();
        client.sign_in(login, password).await;
        client
    }

    /// The URL of the database behind the server.
    pub fn database_url(&self) -> &str {
        &self.database.as_ref().expect("database").url
    }

    /// The database behind the server, for checks below the API.
    pub fn db(&self) -> &selpos_server::db::Db {
        &self.running.as_ref().expect("running").db
    }

    /// A server on a new SQLite file in a temporary folder.
    pub async fn sqlite(demo: bool) -> TestServer {
        TestServer::on(TestDatabase::sqlite(), demo).await
    }

    /// A server on a new database of the PostgreSQL server named by `SELPOS_TEST_POSTGRES_URL`,
    /// or `None` when it is not set.
    pub async fn postgres(demo: bool) -> Option<TestServer> {
        Some(TestServer::on(TestDatabase::postgres().await?, demo).await)
    }

    /// Stops the server and hands back its database, kept as it is.
    pub async fn release(mut self) -> TestDatabase {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("server stopped cleanly");
        }
        self.database.take().expect("database")
    }

    pub async fn stop(self) {
        self.release().await.drop_database().await;
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.admin.get(path).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.admin.post(path, body).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.admin.put(path, body).await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.admin.raw(method, path, content_type, body).await
    }

    pub async fn get_ok(&self, path: &str) -> Value {
        self.admin.get_ok(path).await
    }

    /// POSTs as the test administrator and expects 201; answers the created record.
    pub async fn created(&self, path: &str, body: &Value) -> Value {
        self.admin.created(path, body).await
    }

    /// Creates the user `body` describes (as the test administrator) and signs them in with
    /// its login and password.
    pub async fn new_user(&self, body: &Value) -> ApiClient {
        self.created("/api/v1/users", body).await;
        let login = body["login"].as_str().expect("login");
        let password = body["password"].as_str().expect("password");
        self.login(login, password).await
    }
}

pub const ADMIN_LOGIN: &str = "test-admin";
pub const ADMIN_PASSWORD: &str = "test-admin-password";
pub const ADMIN_PIN: &str = "4242";

/// An HTTP client with its own cookies (a browser, in effect), sending the CSRF token it was
/// given at sign-in on every state-changing request.
pub struct ApiClient {
    pub base: String,
    pub kind: &'static str,
    pub client: reqwest::Client,
    pub csrf: Option<String>,
    /// Check every answer against the OpenAPI document (see [`openapi`]); on unless a test
    /// turns it off for answers that are not the server's own (a fault-injecting proxy).
    pub check_answers: bool,
}

impl ApiClient {
    pub fn new(base: &str, kind: &'static str) -> ApiClient {
        // reqwest's rustls takes the process's provider (aws-lc-rs, as the server uses).
        selpos_server::tls::install_crypto_provider();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        ApiClient::with_client(base, kind, client)
    }

    /// A client whose connections come from the loopback address `from` (127.0.0.2, …):
    /// another device on the venue's network, as far as per-address limits go.
    pub fn from_address(base: &str, kind: &'static str, from: std::net::IpAddr) -> ApiClient {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .local_address(from)
            .build()
            .expect("client");
        ApiClient::with_client(base, kind, client)
    }

    /// A client on `client` (which must keep cookies), e.g. one tuned for faults.
    pub fn with_client(base: &str, kind: &'static str, client: reqwest::Client) -> ApiClient {
        ApiClient {
            base: base.to_string(),
            kind,
            client,
            csrf: None,
            check_answers: true,
        }
    }

    pub async fn signed_in(base: &str, kind: &'static str, login: &str, password: &str) -> ApiClient {
        let mut client = ApiClient::new(base, kind);
        client.sign_in(login, password).await;
        client
    }

    /// Signs in with a password and keeps the session's CSRF token.
    pub async fn sign_in(&mut self, login: &str, password: &str) {
        let (status, body) = self
            .post(
                "/api/v1/session",
                &serde_json::json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "[{}] sign in as {login}: {body}",
            self.kind
        );
        self.csrf = body["csrf_token"].as_str().map(String::from);
    }

    /// Signs in with a PIN (on a registered tablet) and keeps the CSRF token.
    pub async fn sign_in_with_pin(&mut self, login: &str, pin: &str) -> (StatusCode, Value) {
        let (status, body) = self
            .post(
                "/api/v1/session/pin",
                &serde_json::json!({"login": login, "pin": pin}),
            )
            .await;
        if status == StatusCode::OK {
            self.csrf = body["csrf_token"].as_str().map(String::from);
        }
        (status, body)
    }

    /// A request to `path` on this client's server, carrying its CSRF token.
    pub fn builder(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match &self.csrf {
            Some(csrf) => request.header("x-csrf-token", csrf),
            None => request,
        }
    }

    /// Sends a JSON request; answers the status and the JSON body (`Null` when empty).
    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let mut request = self.builder(method.clone(), path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request sent");
        self.read(&method, path, response).await
    }

    /// Sends raw bytes with a content type, for malformed requests.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        // A fresh connection: after a refused oversized body the server closes this one, and a
        // pooled reuse would race that close.
        let response = self
            .builder(method.clone(), path)
            .header("content-type", content_type)
            .header("connection", "close")
            .body(body)
            .send()
            .await
            .expect("request sent");
        self.read(&method, path, response).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, None).await
    }

    /// A GET whose answer is not JSON (CSV, pages): status and raw body.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        let content_type = content_type(&response);
        let bytes = response.bytes().await.expect("body").to_vec();
        self.check(&Method::GET, path, status, content_type.as_deref(), &bytes);
        (status, bytes)
    }

    /// Reads an answer as JSON (`Null` when empty, a string when not JSON), checked against the
    /// OpenAPI document.
    async fn read(&self, method: &Method, path: &str, response: reqwest::Response) -> (StatusCode, Value) {
        let status = response.status();
        let content_type = content_type(&response);
        let bytes = response.bytes().await.expect("response body");
        self.check(method, path, status, content_type.as_deref(), &bytes);
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, body)
    }

    fn check(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
    ) {
        if self.check_answers {
            openapi::check_answer(
                self.kind,
                method.as_str(),
                path,
                status.as_u16(),
                content_type,
                body,
            );
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.request(Method::PUT, path, Some(body)).await
    }

    /// POSTs and expects 201; answers the created record.
    pub async fn created(&self, path: &str, body: &Value) -> Value {
        let (status, created) = self.post(path, body).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "[{}] POST {path}: {created}",
            self.kind
        );
        created
    }

    /// A manager's approval of `action` (void, refund, price_override) on sale `sale_id`,
    /// given on this client's tablet by the test administrator's PIN; answers its id.
    pub async fn approve(&self, action: &str, sale_id: &Value) -> String {
        self.approve_because(action, sale_id, "テスト").await
    }

    /// [`ApiClient::approve`], giving `reason`; `sale_id` is `Value::Null` for an action that
    /// names no sale (a stock adjustment).
    pub async fn approve_because(&self, action: &str, sale_id: &Value, reason: &str) -> String {
        let (status, approval) = self
            .post(
                "/api/v1/approvals",
                &serde_json::json!({"action": action, "approver_login": ADMIN_LOGIN, "pin": ADMIN_PIN,
                    "reason": reason, "sale_id": sale_id}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "[{}] approval: {approval}",
            self.kind
        );
        approval["id"].as_str().expect("approval id").to_string()
    }

    /// GETs `path` and expects 200.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "[{}] GET {path}: {body}", self.kind);
        body
    }
}

fn content_type(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

/// Runs one statement on the PostgreSQL server's admin database.
async fn admin(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    let result = async {
        let mut conn = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::query(sql).execute(&mut conn).await?;
        conn.close().await
    }
    .await;
    result.unwrap_or_else(|e| panic!("PostgreSQL at {POSTGRES_ENV}: {sql}: {e}"));
}

/// `postgres://u@h:5432/test?x` → `postgres://u@h:5432/NAME?x`
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Asserts that `body` is the API's error shape with `code`, and returns its message.
pub fn assert_error(body: &Value, code: &str) -> String {
    let error = body
        .get("error")
        .unwrap_or_else(|| panic!("not the error shape: {body}"));
    assert_eq!(error["code"], code, "{body}");
    let message = error["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message: {body}"));
    assert!(!message.is_empty());
    message.to_string()
}

/// The field names of a validation error.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f["field"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `run` on a fresh server on SQLite, then on one on PostgreSQL unless
/// `SELPOS_TEST_POSTGRES_URL` is not set (the benches' two databases).
pub async fn on_each_database<F, R>(demo: bool, run: F)
where
    F: Fn(TestServer) -> R,
    R: std::future::Future<Output = ()>,
{
    run(TestServer::sqlite(demo).await).await;
    match TestServer::postgres(demo).await {
        Some(server) => run(server).await,
        None => println!("(PostgreSQL skipped: {POSTGRES_ENV} is not set)"),
    }
}

/// Defines `NAME::sqlite` and `NAME::postgres`, each running `body` with `server` bound to a
/// fresh server (with demo data when `demo` is true) of that database.
#[macro_export]
macro_rules! db_test {
    ($name:ident, demo = $demo:expr, config = $tweak:expr, |$server:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $server =
                    $crate::TestServer::on_with($crate::TestDatabase::sqlite(), $demo, $tweak).await;
                $body
                $server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(database) = $crate::TestDatabase::postgres().await else { return };
                let $server = $crate::TestServer::on_with(database, $demo, $tweak).await;
                $body
                $server.stop().await;
            }
        }
    };
    ($name:ident, demo = $demo:expr, |$server:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $server = $crate::TestServer::sqlite($demo).await;
                $body
                $server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($server) = $crate::TestServer::postgres($demo).await else { return };
                $body
                $server.stop().await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
