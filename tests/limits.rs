//! Timeouts and limits: a client that sends its request head a byte at a time is cut off after
//! the header-read timeout while the tills go on selling; a request that runs past the request
//! timeout gets 408; on shutdown, requests in flight finish before the server stops.

use reqwest::StatusCode;
use selpos_server::server::Config;
use selpos_tests::{ApiClient, HeartBazaar, NewEvent, TestServer, World, db_test};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The header-read timeout of these tests' servers (10 s in production).
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);

fn short_header_timeout(config: &mut Config) {
    config.limits.header_read_timeout = HEADER_TIMEOUT;
}

async fn open_till(server: &TestServer, printer: Option<&str>) -> HeartBazaar {
    let council = json!({"name": "群馬県社会就労センター協議会", "tax_rounding": "down"});
    let event = NewEvent::bazaar("HB26").printer(printer);
    HeartBazaar::open(World::on(server).council(council).event(event)).await
}

fn address(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

fn same_client(client: &ApiClient) -> ApiClient {
    ApiClient {
        base: client.base.clone(),
        kind: client.kind,
        client: client.client.clone(),
        csrf: client.csrf.clone(),
        check_answers: client.check_answers,
    }
}

db_test!(
    a_slow_header_is_cut_off_while_sales_go_on,
    demo = false,
    config = short_header_timeout,
    |server| {
        let till = open_till(&server, None).await;
        let (mut reader, mut writer) = TcpStream::connect(address(&server))
            .await
            .expect("connect")
            .into_split();
        // Whatever the server answers (if anything) before it closes the connection.
        let closed = tokio::spawn(async move {
            let mut answer = Vec::new();
            let _ = reader.read_to_end(&mut answer).await;
            String::from_utf8_lossy(&answer).into_owned()
        });
        writer
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: selpos\r\nX-Slow: ")
            .await
            .expect("the start of the head");
        // One byte a second, never the end of the head; a sale from the till between bytes. Ten
        // bytes take five times the timeout: the connection must be gone long before.
        let mut bytes_sent = 0;
        let mut sales = 0;
        while !closed.is_finished() && bytes_sent < 10 {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            bytes_sent += 1;
            till.record(&till.cash_sale(&till.products[0], 1)).await;
            sales += 1;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let answer = tokio::time::timeout(Duration::from_secs(10), closed)
            .await
            .expect("the server closed the connection")
            .expect("reader");
        assert!(
            bytes_sent < 10,
            "still open after {bytes_sent} one-second bytes (timeout {HEADER_TIMEOUT:?})"
        );
        assert!(
            !answer.contains(" 200 "),
            "the half-sent request was not served: {answer}"
        );
        // Every sale of the other client succeeded (record asserts 201) and is in the journal.
        let journal = server
            .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
            .await;
        assert_eq!(journal.as_array().map(Vec::len), Some(sales), "{journal}");
    }
);

/// A printer that takes connections and never answers nor reads: a print waits for its status
/// answer (0.5 s) and for the printer to close (1 s), so it outlasts a 1-second request timeout.
async fn silent_printer() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_request_timeout_gets_408() {
    let server = TestServer::on_with(selpos_tests::TestDatabase::sqlite(), false, |config| {
        config.limits.request_timeout = Duration::from_secs(1);
    })
    .await;
    let (printer, _printer) = silent_printer().await;
    let till = open_till(&server, Some(&printer)).await;
    let sale = till.record(&till.cash_sale(&till.products[0], 1)).await;
    let id = sale["id"].as_str().expect("id");
    let (status, answer) = till
        .cashier
        .post(&format!("/api/v1/sales/{id}/print"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{answer}");
    // The sale is recorded all the same, and the server goes on.
    let stored = till.cashier.get_ok(&format!("/api/v1/sales/{id}")).await;
    assert_eq!(stored["id"], id);
    server.stop().await;
}

/// A printer that answers a connection only when told to: a print to it is a request in
/// flight for as long as the test likes.
async fn held_printer() -> (
    String,
    tokio::sync::oneshot::Receiver<()>,
    tokio::sync::oneshot::Sender<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let (connected_tx, connected) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let _ = connected_tx.send(());
        let _ = released.await;
        let mut request = [0u8; 3];
        socket.read_exact(&mut request).await.expect("status request");
        socket.write_all(&[0x12]).await.expect("paper there");
        let mut job = Vec::new();
        let _ = socket.read_to_end(&mut job).await;
    });
    (addr, connected, release)
}

/// Stops `server` while a print is in flight: the print finishes (printed and recorded), new
/// connections are refused meanwhile, and only then does the server stop.
async fn shutdown_lets_requests_in_flight_finish(server: TestServer) {
    let (printer, connected, release) = held_printer().await;
    let till = open_till(&server, Some(&printer)).await;
    let sale = till.record(&till.cash_sale(&till.products[0], 1)).await;
    let print = format!("/api/v1/sales/{}/print", sale["id"].as_str().expect("id"));
    let cashier = same_client(&till.cashier);
    let in_flight = tokio::spawn(async move { cashier.post(&print, &json!({})).await });
    connected.await.expect("the print reached the printer");

    let addr = address(&server);
    let stopping = tokio::spawn(async move { server.release().await });
    // The server stops taking connections while the print is still waiting for the printer.
    loop {
        match TcpStream::connect(&addr).await {
            Err(_) => break,
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    assert!(!in_flight.is_finished(), "the print is still in flight");
    release.send(()).expect("printer");
    let (status, outcome) = in_flight.await.expect("print");
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["printed"], true, "{outcome}");
    let database = stopping.await.expect("stopped");
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish_sqlite() {
    shutdown_lets_requests_in_flight_finish(TestServer::sqlite(false).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish_postgres() {
    if let Some(server) = TestServer::postgres(false).await {
        shutdown_lets_requests_in_flight_finish(server).await;
    }
}

/// With room for two connections, two idle clients hold them; a third client waits (it is not
/// refused) until one of them goes, then is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_for_a_free_one() {
    let server = TestServer::on_with(selpos_tests::TestDatabase::sqlite(), false, |config| {
        config.limits.max_connections = 2;
    })
    .await;
    // (The test administrator's client may still hold a kept-alive connection from signing
    // in: then it and `first` are the two, and `second` waits too.)
    let mut first = TcpStream::connect(address(&server)).await.expect("first");
    let second = TcpStream::connect(address(&server)).await.expect("second");
    let base = server.base.clone();
    let third = tokio::spawn(async move {
        reqwest::Client::new()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .map(|r| r.status())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!third.is_finished(), "served beyond the limit");
    first.shutdown().await.expect("close");
    drop(first);
    drop(second);
    let status = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("served once a connection was free")
        .expect("task")
        .expect("request");
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}

db_test!(
    a_report_waits_at_its_gate_and_a_sale_does_not,
    demo = false,
    |server| {
        let bazaar = open_till(&server, None).await;
        let till = &bazaar.till;
        server.db().set_report_width(1);
        // Someone's report holds the one place at the gate.
        let held = server.db().report().await.expect("a report");
        let admin = same_client(server.admin_client());
        let dashboard = format!("/api/v1/events/{}/dashboard", till.event);
        let waiting = tokio::spawn(async move { admin.get(&dashboard).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the next report waits for the place");
        // The till sells meanwhile.
        let sale = tokio::time::timeout(
            Duration::from_secs(5),
            till.record(&till.cash_sale(&till.products[0], 1)),
        )
        .await
        .expect("a sale does not wait at the reports' gate");
        assert_eq!(sale["total"], till.products[0].price);
        drop(held);
        let (status, figures) = waiting.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{figures}");
        server
            .db()
            .set_report_width(selpos_server::db::reports::default_width());
    }
);

/// The nice value of every thread of this process named `name…` (from /proc).
#[cfg(target_os = "linux")]
fn niceness_of_threads(name: &str) -> Vec<i64> {
    let mut found = Vec::new();
    for thread in std::fs::read_dir("/proc/self/task").expect("threads").flatten() {
        let comm = std::fs::read_to_string(thread.path().join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(thread.path().join("stat")).unwrap_or_default();
        // After "(name) ", the state is field 3 and the nice value field 19.
        let nice = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split(' ').nth(16))
            .and_then(|n| n.parse().ok());
        if let (true, Some(nice)) = (comm.starts_with(name), nice) {
            found.push(nice);
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_on_sqlite_read_below_the_tills_priority() {
    let server = TestServer::sqlite(false).await;
    server.get_ok("/api/v1/audit").await;
    let report_threads = niceness_of_threads("selpos-report");
    assert!(
        !report_threads.is_empty(),
        "the audit list read on a report connection"
    );
    assert!(
        report_threads.iter().all(|&nice| nice >= 10),
        "report threads run at nice 10: {report_threads:?}"
    );
    let sale_threads = niceness_of_threads("sqlx-sqlite-wor");
    assert!(
        sale_threads.iter().all(|&nice| nice < 10),
        "the tills' connections keep their priority: {sale_threads:?}"
    );
    server.stop().await;
}
