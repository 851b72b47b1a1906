//! Sign-in and PINs against a hostile venue Wi-Fi: rate limits per client address and per
//! login (429 with `Retry-After`), a flood of bad sign-ins that leaves the tills selling,
//! failures summarised in the audit log, approvals only from a tablet or the council, and PIN
//! guesses counted one by one and locked apart from the password.
//!
//! Other devices are loopback addresses (127.0.0.2 …) that the test's clients connect from.

use futures::future::join_all;
use reqwest::StatusCode;
use selpos_server::usecases::sessions::MAX_FAILURES;
use selpos_tests::{
    ADMIN_LOGIN, ADMIN_PASSWORD, ADMIN_PIN, ApiClient, Cashier, NewEvent, NewFacility, NewProduct,
    TestServer, Till, World, assert_error, db_test,
};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};

/// The loopback address 127.0.`a`.`b`: a device of its own.
fn device(a: u8, b: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, a, b))
}

/// A sign-in with a password from `from`: status, `Retry-After` (seconds) and body.
async fn sign_in_from(
    server: &TestServer,
    from: IpAddr,
    login: &str,
    password: &str,
) -> (StatusCode, Option<u64>, Value) {
    let client = ApiClient::from_address(&server.base, server.kind, from);
    let response = client
        .client
        .post(format!("{}/api/v1/session", server.base))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .expect("sign-in sent");
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body)
}

async fn till(server: &TestServer) -> Till {
    World::on(server)
        .facility(NewFacility::new(1, "A工房"))
        .product(NewProduct::reduced(0, "クッキー", 120))
        .event(NewEvent::bazaar("HB26"))
        .cashier(Cashier::volunteer())
        .open_till()
        .await
}

/// (failed_attempts, pin_failed_attempts) of `login`.
async fn failure_counts(server: &TestServer, login: &str) -> (i64, i64) {
    let mut tx = server.db().read().await.expect("tx");
    selpos_server::on_tx!(&mut tx, |conn| sqlx::query_as(
        "SELECT failed_attempts, pin_failed_attempts FROM users WHERE login = $1"
    )
    .bind(login)
    .fetch_one(&mut *conn)
    .await)
    .expect("user")
}

db_test!(
    a_flood_of_bad_sign_ins_leaves_the_tills_selling,
    demo = false,
    |server| {
        let till = till(&server).await;
        let cookie = till.products[0];
        // 200 bad sign-ins from 40 devices, at five unknown logins and the administrator,
        // all at once, while the register rings up its sales.
        let logins = ["ghost-0", "ghost-1", "ghost-2", "ghost-3", "ghost-4", ADMIN_LOGIN];
        let flood = join_all((0..200usize).map(|n| {
            let server = &server;
            async move {
                let from = device(0, 10 + (n % 40) as u8);
                sign_in_from(server, from, logins[n % logins.len()], "not-the-password").await
            }
        }));
        let sales = async {
            let mut recorded = 0;
            for _ in 0..30 {
                // `record` asserts 201: every sale made during the flood is recorded.
                till.record(&till.cash_sale(&cookie, 1)).await;
                recorded += 1;
            }
            recorded
        };
        let (answers, recorded) = tokio::join!(flood, sales);
        assert_eq!(recorded, 30);
        let count = |status: StatusCode| answers.iter().filter(|(s, _, _)| *s == status).count();
        let (refused, limited, busy) = (
            count(StatusCode::UNAUTHORIZED),
            count(StatusCode::TOO_MANY_REQUESTS),
            count(StatusCode::SERVICE_UNAVAILABLE),
        );
        assert_eq!(refused + limited + busy, 200, "[{}] {answers:?}", server.kind);
        assert!(
            refused > 0 && limited > 0,
            "[{}] {refused} refused, {limited} limited",
            server.kind
        );
        for (status, retry_after, body) in &answers {
            if *status != StatusCode::UNAUTHORIZED {
                assert!(
                    retry_after.is_some_and(|s| s >= 1),
                    "Retry-After on {status}: {body}"
                );
            }
        }
        let sales = till
            .cashier
            .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
            .await;
        assert!(sales.as_array().map_or(0, Vec::len) >= 30, "{sales}");

        // Summarised: one row per login while the window is open, not one per attempt.
        let failures = server
            .get_ok("/api/v1/audit?action=session.login_failed&limit=500")
            .await;
        let failures = failures.as_array().expect("rows");
        assert!(
            !failures.is_empty() && failures.len() <= logins.len(),
            "[{}] {} rows for 200 attempts",
            server.kind,
            failures.len()
        );
        assert!(
            failures
                .iter()
                .all(|row| !row.to_string().contains("not-the-password"))
        );
    }
);

/// Refusals answered at once: the test counts on the budget's refill, not on its own pace.
fn refusals_at_once(config: &mut selpos_server::server::Config) {
    config.limits.refusal_delay = std::time::Duration::ZERO;
}

db_test!(
    too_many_attempts_answer_429_in_japanese_with_retry_after,
    demo = false,
    config = refusals_at_once,
    |server| {
        // One device tries logins one after another: its budget runs out.
        let from = device(0, 2);
        let mut answers = Vec::new();
        for n in 0..25 {
            answers.push(sign_in_from(&server, from, &format!("guess-{n}"), "password-123").await);
        }
        let first_refusal = answers
            .iter()
            .position(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS)
            .expect("refused at last");
        assert!(first_refusal >= 10, "the first attempts are checked: {answers:?}");
        assert!(
            answers[..first_refusal]
                .iter()
                .all(|(s, _, _)| *s == StatusCode::UNAUTHORIZED)
        );
        let (_, retry_after, body) = &answers[first_refusal];
        let message = assert_error(body, "rate_limited");
        assert!(message.contains("秒後にもう一度"), "{message}");
        assert!(
            retry_after.is_some_and(|s| (1..=60).contains(&s)),
            "{retry_after:?}"
        );
        // Even the right password waits its turn there; another device signs in.
        let (status, _, _) = sign_in_from(&server, from, ADMIN_LOGIN, ADMIN_PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let (status, _, body) = sign_in_from(&server, device(0, 3), ADMIN_LOGIN, ADMIN_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // One login guessed from many devices: its failures run out.
        let mut statuses = Vec::new();
        for n in 0..20u8 {
            let (status, retry_after, body) =
                sign_in_from(&server, device(1, n), "ghost", "password-123").await;
            statuses.push(status);
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert_error(&body, "rate_limited");
                assert!(retry_after.is_some());
                break;
            }
        }
        assert_eq!(
            statuses.last(),
            Some(&StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        assert!(
            statuses.len() > 10,
            "the login's budget is 10 failures: {statuses:?}"
        );
    }
);

/// Failures are in the audit log as summaries: the first of a window at once, the rest as
/// one row with their count when the window closes (here: when the server stops).
async fn failures_are_summarised(server: TestServer) {
    for n in 0..8u8 {
        let (status, _, _) = sign_in_from(&server, device(2, n), "ghost", "tried-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let rows = server
        .get_ok("/api/v1/audit?actor=ghost&action=session.login_failed")
        .await;
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "[{}] {rows}", server.kind);
    assert_eq!(rows[0]["after"]["attempts"], 1);
    assert_eq!(rows[0]["after"]["kind"], "password");
    let database = server.release().await;
    let db = selpos_server::db::Db::connect(&database.url)
        .await
        .expect("database");
    let filter = selpos_server::db::audit::AuditFilter {
        actor_login: Some("ghost".into()),
        action: Some("session.login_failed".into()),
        limit: 100,
        ..Default::default()
    };
    let rows = selpos_server::db::audit::list(&mut db.read().await.expect("tx"), &filter)
        .await
        .expect("audit");
    db.close().await;
    let attempts: Vec<i64> = rows
        .iter()
        .map(|r| r.after.as_ref().and_then(|a| a["attempts"].as_i64()).unwrap_or(0))
        .collect();
    assert_eq!(
        attempts,
        [7, 1],
        "[{}] newest first: the summary, then the first",
        database.kind
    );
    assert!(
        rows.iter()
            .all(|r| !format!("{:?}", r.after).contains("tried-password"))
    );
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_summarised_in_the_audit_log_sqlite() {
    failures_are_summarised(TestServer::sqlite(false).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_summarised_in_the_audit_log_postgres() {
    if let Some(server) = TestServer::postgres(false).await {
        failures_are_summarised(server).await;
    }
}

fn approval(pin: &str) -> Value {
    json!({"action": "stock_adjustment", "approver_login": ADMIN_LOGIN, "pin": pin, "reason": "棚卸"})
}

db_test!(
    parallel_pin_guesses_are_counted_one_by_one_and_lock_only_the_pin,
    demo = false,
    |server| {
        let till = till(&server).await;
        let guess = approval("0000");
        let guesses = join_all((0..20).map(|_| till.cashier.post("/api/v1/approvals", &guess))).await;
        let checked = guesses
            .iter()
            .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
            .count();
        assert_eq!(checked as i64, MAX_FAILURES, "[{}] {guesses:?}", server.kind);
        // The others are refused unchecked: by the PIN's lock, or — once the lock's refusals
        // have used up the login's failure budget too — at the door, whichever comes first.
        for (status, body) in guesses.iter().filter(|(s, _)| *s != StatusCode::UNAUTHORIZED) {
            assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS, "{body}");
            let code = body["error"]["code"].as_str().unwrap_or_default();
            assert!(matches!(code, "locked" | "rate_limited"), "{body}");
            assert_error(body, code);
        }
        assert_eq!(
            failure_counts(&server, ADMIN_LOGIN).await,
            (0, MAX_FAILURES),
            "every guess checked was counted, on the PIN only"
        );
        // The PIN is locked, even the right one …
        let (status, _) = till.cashier.post("/api/v1/approvals", &approval(ADMIN_PIN)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        // … and the administrator still signs in with the password.
        let (status, _, body) = sign_in_from(&server, device(0, 4), ADMIN_LOGIN, ADMIN_PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a PIN lockout never blocks the password: {body}"
        );
    }
);

db_test!(
    a_password_lockout_leaves_the_pin_working,
    demo = false,
    |server| {
        let till = till(&server).await;
        for _ in 0..MAX_FAILURES {
            let (status, _, _) = sign_in_from(&server, device(0, 5), ADMIN_LOGIN, "wrong-password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let (status, retry_after, body) =
            sign_in_from(&server, device(0, 6), ADMIN_LOGIN, ADMIN_PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(assert_error(&body, "locked").contains("分後"));
        assert!(retry_after.is_some_and(|s| s >= 60), "{retry_after:?}");
        assert_eq!(failure_counts(&server, ADMIN_LOGIN).await, (MAX_FAILURES, 0));
        let (status, body) = till.cashier.post("/api/v1/approvals", &approval(ADMIN_PIN)).await;
        assert_eq!(status, StatusCode::CREATED, "the PIN is not locked: {body}");
    }
);

db_test!(
    approvals_come_from_a_tablet_or_a_council_user,
    demo = false,
    |server| {
        let facility = NewFacility::new(1, "A工房").create(server.admin_client()).await;
        let staff = server
            .new_user(
                &json!({"login": "facility-a", "display_name": "A職員", "role": "facility_staff",
                "facility_id": facility, "password": "facility-a-pass"}),
            )
            .await;
        let (status, body) = staff.post("/api/v1/approvals", &approval(ADMIN_PIN)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "facility staff at home: {body}");
        let (status, body) = staff.post("/api/v1/approvals", &approval("0000")).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "no PIN is checked for them: {body}"
        );
        assert_eq!(failure_counts(&server, ADMIN_LOGIN).await, (0, 0));
        let (status, body) = server.post("/api/v1/approvals", &approval(ADMIN_PIN)).await;
        assert_eq!(status, StatusCode::CREATED, "a council user: {body}");
    }
);

db_test!(a_refusal_at_the_door_is_answered_slowly, demo = false, |server| {
    // One device floods at once: its budget runs out and the rest wait for their answer.
    let from = device(0, 7);
    let attempts = join_all((0..30).map(|n| {
        let server = &server;
        async move {
            let started = std::time::Instant::now();
            let answer = sign_in_from(server, from, &format!("flood-{n}"), "password-123").await;
            (answer.0, started.elapsed())
        }
    }))
    .await;
    let refused: Vec<_> = attempts
        .iter()
        .filter(|(status, _)| *status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(refused.len() >= 5, "the budget is 20 at once: {attempts:?}");
    for (_, took) in refused {
        assert!(
            *took >= selpos_server::throttle::REFUSAL_DELAY,
            "a refusal waits before it is answered: {took:?}"
        );
    }
});
