//! HTTPS: a server with selpos's own certificate authority, reached under a host name (mapped
//! to 127.0.0.1; traffic stays on loopback) by a client that trusts only that CA.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use selpos_domain::access::Role;
use selpos_domain::users::UserInput;
use selpos_server::server::{self, Config, Running};
use selpos_server::tls::{self, TlsConfig};
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, TestDatabase, TestServer};
use std::net::SocketAddr;

const HOST: &str = "selpos.test";

struct TlsServer {
    running: Running,
    ca_pem: String,
    dir: tempfile::TempDir,
    _database: TestDatabase,
}

async fn start_tls(database: TestDatabase, dir: tempfile::TempDir) -> TlsServer {
    let running = server::start(Config {
        tls: Some(TlsConfig::LocalCa {
            dir: dir.path().to_path_buf(),
            extra_names: vec![HOST.into()],
        }),
        allow_loopback_printers: false,
        ..TestServer::config(database.url.clone(), false)
    })
    .await
    .expect("TLS server starts");
    let ca_pem = std::fs::read_to_string(dir.path().join(tls::CA_CERT_FILE)).expect("CA file");
    TlsServer {
        running,
        ca_pem,
        dir,
        _database: database,
    }
}

impl TlsServer {
    fn base(&self) -> String {
        format!("https://{HOST}:{}", self.running.addr.port())
    }

    /// A client that knows `selpos.test` as 127.0.0.1 and trusts only the local CA.
    fn client(&self) -> reqwest::Client {
        client_trusting(&self.ca_pem, self.running.addr)
    }
}

fn client_trusting(ca_pem: &str, addr: SocketAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .resolve(HOST, addr)
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA"))
        .cookie_store(true)
        .build()
        .expect("client")
}

async fn add_admin(running: &Running) {
    selpos_server::usecases::users::create(
        &running.db,
        &selpos_server::usecases::users::cli_operator(),
        &UserInput {
            login: ADMIN_LOGIN.into(),
            display_name: "テスト管理者".into(),
            role: Role::CouncilAdmin,
            facility_id: None,
            password: Some(ADMIN_PASSWORD.into()),
            pin: None,
            active: true,
            easy_till: false,
        },
    )
    .await
    .expect("admin");
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect()
}

#[tokio::test]
async fn https_with_the_local_ca_secure_cookies_hsts_and_the_ca_download() {
    let server = start_tls(TestDatabase::sqlite(), tempfile::tempdir().expect("dir")).await;
    assert!(server.running.https);
    add_admin(&server.running).await;
    let client = server.client();
    let base = server.base();

    // Signing in over HTTPS: both cookies are Secure; HSTS and the other headers are sent.
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("sign in over HTTPS");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let cookies = set_cookies(&headers);
    assert!(cookies.len() >= 2, "session and CSRF cookies: {cookies:?}");
    for cookie in &cookies {
        assert!(cookie.split(';').any(|part| part.trim() == "Secure"), "{cookie}");
    }
    assert_eq!(
        headers
            .get(reqwest::header::STRICT_TRANSPORT_SECURITY)
            .expect("HSTS"),
        "max-age=31536000"
    );
    assert_eq!(
        headers
            .get(reqwest::header::REFERRER_POLICY)
            .expect("Referrer-Policy"),
        "same-origin"
    );
    assert!(
        headers
            .get("permissions-policy")
            .expect("Permissions-Policy")
            .to_str()
            .expect("ascii")
            .contains("camera=()")
    );
    // The session works over HTTPS.
    let me = client
        .get(format!("{base}/api/v1/session"))
        .send()
        .await
        .expect("session");
    assert_eq!(me.status(), StatusCode::OK);

    // The CA, public, as tablets install it; a client given only what it served trusts the server.
    let ca = reqwest::Client::builder()
        .resolve(HOST, server.running.addr)
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(server.ca_pem.as_bytes()).expect("CA"))
        .build()
        .expect("anonymous client")
        .get(format!("{base}/ca.crt"))
        .send()
        .await
        .expect("/ca.crt");
    assert_eq!(ca.status(), StatusCode::OK);
    assert_eq!(
        ca.headers().get(reqwest::header::CONTENT_TYPE).expect("type"),
        "application/x-x509-ca-cert"
    );
    let der = ca.bytes().await.expect("body");
    let from_download = reqwest::Client::builder()
        .resolve(HOST, server.running.addr)
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_der(&der).expect("DER certificate"))
        .build()
        .expect("client");
    let health = from_download
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("trusting the downloaded CA");
    assert_eq!(health.status(), StatusCode::OK);

    // The setup page: Japanese steps, a QR code and the CA's fingerprint.
    let page = client
        .get(format!("{base}/setup/ca"))
        .send()
        .await
        .expect("setup page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("証明書"), "{html}");
    assert!(html.contains("<svg"), "a QR code");
    assert!(html.contains(&format!("{base}/ca.crt")), "{html}");
    assert!(html.contains(&selpos_server::tls::fingerprint(&der)));

    // A client that does not trust the local CA gets no answer at all.
    let stranger = reqwest::Client::builder()
        .resolve(HOST, server.running.addr)
        .tls_built_in_root_certs(false)
        .build()
        .expect("client");
    assert!(stranger.get(format!("{base}/healthz")).send().await.is_err());
    // Nor does one that speaks plain HTTP to the HTTPS port.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/healthz", server.running.addr))
        .send()
        .await;
    assert!(plain.map(|r| r.status() != StatusCode::OK).unwrap_or(true));
    server.running.stop().await.expect("stop");
}

#[tokio::test]
async fn the_ca_is_kept_across_restarts_and_its_certificate_names_the_host() {
    let dir = tempfile::tempdir().expect("dir");
    let first = start_tls(TestDatabase::sqlite(), dir).await;
    let ca_pem = first.ca_pem.clone();
    let server_pem = std::fs::read_to_string(first.dir.path().join(tls::SERVER_CERT_FILE)).expect("cert");
    let subjects = tls::subjects_of(&server_pem).expect("subjects");
    assert!(subjects.names.iter().any(|n| n == HOST), "{subjects:?}");
    assert!(subjects.names.iter().any(|n| n == "selpos.local"));
    assert!(subjects.addresses.contains(&"127.0.0.1".parse().expect("ip")));
    let TlsServer { running, dir, .. } = first;
    running.stop().await.expect("stop");

    // Started again on the same folder: the same CA (the tablets keep trusting it).
    let again = start_tls(TestDatabase::sqlite(), dir).await;
    assert_eq!(again.ca_pem, ca_pem);
    let health = client_trusting(&ca_pem, again.running.addr)
        .get(format!("{}/healthz", again.base()))
        .send()
        .await
        .expect("the old CA still trusted");
    assert_eq!(health.status(), StatusCode::OK);
    again.running.stop().await.expect("stop");
}

#[tokio::test]
async fn plain_http_on_loopback_has_no_hsts_nor_secure_cookies() {
    let server = TestServer::sqlite(false).await;
    assert!(server.base.starts_with("http://127.0.0.1:"));
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/session", server.base))
        .json(&serde_json::json!({"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert!(headers.get(reqwest::header::STRICT_TRANSPORT_SECURITY).is_none());
    assert_eq!(
        headers
            .get(reqwest::header::REFERRER_POLICY)
            .expect("Referrer-Policy"),
        "same-origin"
    );
    assert!(headers.get("permissions-policy").is_some());
    for cookie in set_cookies(headers) {
        assert!(!cookie.split(';').any(|part| part.trim() == "Secure"), "{cookie}");
    }
    // No local CA here.
    let (status, _) = server.anonymous().get_bytes("/ca.crt").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}
