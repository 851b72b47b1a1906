//! Several selpos instances on one PostgreSQL (the council's server behind a reverse proxy)
//! behave as one: a session made on one is valid on the other, receipt numbers stay gap-free
//! per register whichever instance records, and one printer gets its jobs one at a time even
//! when two instances print on it at once (each job holds the printer's lock in PostgreSQL).

use reqwest::StatusCode;
use selpos_tests::{ApiClient, HeartBazaar, NewEvent, TestServer, World};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A receipt printer that counts how many connections it has open at once. A real one takes
/// one connection at a time; two at once is two jobs mixed on one roll. It reads each job
/// slowly, as a thermal printer does, so overlapping jobs would be caught.
struct CountingPrinter {
    addr: String,
    jobs: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingPrinter {
    async fn start() -> CountingPrinter {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address").to_string();
        let (jobs, most_at_once) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let open = Arc::new(AtomicUsize::new(0));
        let task = {
            let (jobs, most_at_once) = (jobs.clone(), most_at_once.clone());
            tokio::spawn(async move {
                while let Ok((mut socket, _)) = listener.accept().await {
                    let (jobs, most_at_once, open) = (jobs.clone(), most_at_once.clone(), open.clone());
                    tokio::spawn(async move {
                        let now_open = open.fetch_add(1, Ordering::SeqCst) + 1;
                        most_at_once.fetch_max(now_open, Ordering::SeqCst);
                        let mut request = [0u8; 3];
                        if socket.read_exact(&mut request).await.is_ok() {
                            let _ = socket.write_all(&[0x12]).await; // paper is there
                            tokio::time::sleep(Duration::from_millis(40)).await;
                            let mut job = Vec::new();
                            let _ = socket.read_to_end(&mut job).await;
                            if !job.is_empty() {
                                jobs.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            })
        };
        CountingPrinter {
            addr,
            jobs,
            most_at_once,
            task,
        }
    }
}

impl Drop for CountingPrinter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The same browser (its cookies, its CSRF token) talking to another instance.
fn same_tablet_on(client: &ApiClient, base: &str) -> ApiClient {
    let mut other = ApiClient::with_client(base, client.kind, client.client.clone());
    other.csrf = client.csrf.clone();
    other
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_behave_as_one() {
    const SALES_PER_INSTANCE: usize = 8;
    let Some(first) = TestServer::postgres(false).await else {
        return;
    };
    let printer = CountingPrinter::start().await;
    let council = json!({"name": "群馬県社会就労センター協議会", "tax_rounding": "down"});
    let till = HeartBazaar::open(
        World::on(&first)
            .council(council)
            .event(NewEvent::bazaar("HB26").printer(Some(&printer.addr))),
    )
    .await;
    let second = selpos_server::server::start(TestServer::config(first.database_url().into(), false))
        .await
        .expect("a second instance starts on the same database");

    // The tablet signed in on the first instance; its session works on the second.
    let tablets = [
        same_tablet_on(&till.cashier, &first.base),
        same_tablet_on(&till.cashier, &second.url()),
    ];
    let here = tablets[0].get_ok("/api/v1/session").await;
    let there = tablets[1].get_ok("/api/v1/session").await;
    assert_eq!(there["user"], here["user"], "{there}");
    assert_eq!(there["user"]["role"], "cashier", "{there}");

    // Both instances record sales of one register at the same time, then print every receipt
    // at the same time on the register's one printer.
    let sales = futures::future::join_all((0..2 * SALES_PER_INSTANCE).map(|n| {
        let (tablet, body) = (&tablets[n % 2], till.cash_sale(&till.products[n % 3], 1));
        async move { tablet.created("/api/v1/sales", &body).await }
    }))
    .await;
    let mut numbers: Vec<i64> = sales
        .iter()
        .map(|s| {
            let number = s["receipt_number"].as_str().expect("receipt number");
            let (_, no) = number.rsplit_once('-').expect("…-0001");
            no.parse::<i64>().expect("a number")
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=sales.len() as i64).collect::<Vec<_>>(), "gap-free");

    let prints = futures::future::join_all(sales.iter().enumerate().map(|(n, sale)| {
        let path = format!("/api/v1/sales/{}/print", sale["id"].as_str().expect("id"));
        let tablet = &tablets[n % 2];
        async move { tablet.post(&path, &json!({})).await }
    }))
    .await;
    for (status, answer) in &prints {
        assert_eq!(*status, StatusCode::OK, "{answer}");
        assert_eq!(answer["printed"], true, "{answer}");
    }
    assert_eq!(
        printer.jobs.load(Ordering::SeqCst),
        sales.len(),
        "every receipt printed"
    );
    assert_eq!(
        printer.most_at_once.load(Ordering::SeqCst),
        1,
        "two jobs reached the printer at once"
    );

    // Signing out on the second instance ends the session on the first as well.
    let (status, _) = tablets[1]
        .request(reqwest::Method::DELETE, "/api/v1/session", None)
        .await;
    assert!(status.is_success(), "{status}");
    let (status, answer): (StatusCode, Value) = tablets[0].get("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");

    second.stop().await.expect("the second instance stops");
    first.stop().await;
}
