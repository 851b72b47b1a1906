//! Group commit on SQLite: writers that wait for the turn share one transaction (one fsync),
//! each still all-or-nothing with its own answer. To make a group certain, a test holds the
//! turn with a write transaction of its own until every writer it sent is queued, then commits:
//! the turn passes from writer to writer and the last one commits the group.

use reqwest::StatusCode;
use selpos_server::db::{Db, Tx};
use selpos_tests::{HeartBazaar, TestDatabase, World, assert_error, db_test};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Waits until `n` writers are queued for the turn on `db`'s file.
async fn until_waiting(db: &Db, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.writers_waiting() < n {
        assert!(
            Instant::now() < deadline,
            "{} writers queued, {n} expected",
            db.writers_waiting()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// No writer waits forever: every test step that waits on a group has a deadline.
async fn in_time<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not end in time"))
}

db_test!(
    concurrent_sales_share_a_commit_each_with_its_own_answer,
    demo = false,
    |server| {
        let till = HeartBazaar::open(World::on(&server)).await;
        let db = server.db().clone();
        // One group however slow the machine: no cap by size or age here.
        db.set_group_limits(1_000, Duration::from_secs(3600));
        // Sale i sells i + 1 cookies; every fourth sale is rung up 20 yen under the list price
        // by the volunteer, who has no approval: refused after its header is written.
        let bodies: Vec<(bool, Value)> = (0..24)
            .map(|i| {
                let refused = i % 4 == 3;
                let price = if refused { 100 } else { 120 };
                let quantity = i + 1;
                let lines = json!([{"product_id": till.cookie, "quantity": quantity, "unit_price": price}]);
                (
                    refused,
                    till.sale(lines, json!([{"kind": "cash", "amount": price * quantity}])),
                )
            })
            .collect();
        // A copy of the first sale, sent with it: one records it, the other answers it.
        let copy = bodies[0].1.clone();
        let mut posts: Vec<&Value> = bodies.iter().map(|(_, b)| b).collect();
        posts.push(&copy);
        let before = db.group_commits();

        let holder = if server.kind == "sqlite" {
            Some(db.write().await.expect("the turn"))
        } else {
            None
        };
        let (answers, ()) = tokio::join!(
            futures::future::join_all(posts.iter().map(|b| till.cashier.post("/api/v1/sales", b))),
            async {
                if let Some(holder) = holder {
                    until_waiting(&db, posts.len()).await;
                    in_time("the holder's commit", holder.commit())
                        .await
                        .expect("commit");
                }
            }
        );

        let mut recorded = Vec::new();
        for (i, ((refused, body), (status, answer))) in bodies.iter().zip(&answers).enumerate() {
            if *refused {
                assert_eq!(status.as_u16(), 409, "sale {i}: {answer}");
                assert_error(answer, "approval_required");
                let (status, _) = server
                    .get(&format!("/api/v1/sales/{}", body["id"].as_str().expect("id")))
                    .await;
                assert_eq!(status, StatusCode::NOT_FOUND, "sale {i} left nothing behind");
                continue;
            }
            assert!(status.is_success(), "sale {i} is recorded: {status} {answer}");
            // Its own answer: its id, its cookies, its total.
            assert_eq!(answer["id"], body["id"], "sale {i}");
            assert_eq!(answer["lines"][0]["quantity"], i + 1, "sale {i}");
            assert_eq!(answer["total"], 120 * (i as i64 + 1), "sale {i}");
            recorded.push(answer.clone());
        }
        // The copy and the first sale: one recorded (201), one replayed (200), one answer.
        let (first, copied) = (&answers[0], &answers[24]);
        let statuses = BTreeSet::from([first.0.as_u16(), copied.0.as_u16()]);
        assert_eq!(statuses, BTreeSet::from([200, 201]), "{first:?} {copied:?}");
        assert_eq!(first.1, copied.1, "the replay answers the sale as recorded");

        let journal = server
            .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
            .await;
        let journal = journal.as_array().expect("journal");
        assert_eq!(journal.len(), 18, "18 sales stored, nothing of the 6 refused");
        let numbers: BTreeSet<String> = journal
            .iter()
            .map(|s| s["receipt_number"].as_str().expect("number").to_string())
            .collect();
        let gap_free: BTreeSet<String> = (1..=18).map(|n| format!("HB26-R1-{n:04}")).collect();
        assert_eq!(numbers, gap_free, "receipt numbers gap-free");
        for answer in &recorded {
            let stored = journal.iter().find(|s| s["id"] == answer["id"]).expect("stored");
            assert_eq!(stored, answer, "the answer is the sale as stored");
        }
        let sold: i64 = (0..24).filter(|i| i % 4 != 3).map(|i| i + 1).sum();
        let mut tx = db.read().await.expect("tx");
        let stock = selpos_server::db::sales::stock_at_event(&mut tx, till.cookie, till.event)
            .await
            .expect("stock");
        assert_eq!(stock, -sold, "one movement per line of the stored sales only");

        if let (Some(before), Some(after)) = (before, db.group_commits()) {
            // The holder and the 18 sales recorded, in one transaction: one fsync.
            assert_eq!(after.groups - before.groups, 1, "{before:?} → {after:?}");
            assert_eq!(after.members - before.members, 19, "{before:?} → {after:?}");
        }
    }
);

/// A SQLite database of its own, migrated, for tests that drive the write path directly.
async fn sqlite() -> (TestDatabase, Db) {
    let database = TestDatabase::sqlite();
    let db = Db::connect(&database.url).await.expect("connect");
    db.set_group_limits(1_000, Duration::from_secs(3600));
    (database, db)
}

/// Inserts facility `number` in `tx`.
async fn add_facility(tx: &mut Tx, number: i64) -> Result<(), sqlx::Error> {
    let Tx::Sqlite(conn) = tx else {
        unreachable!("SQLite only")
    };
    sqlx::query(
        "INSERT INTO facilities (number, name, corporation_type, capacity, created_at, updated_at)
         VALUES ($1, $2, 1, 10, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .bind(number)
    .bind(format!("事業所{number}"))
    .execute(&mut **conn)
    .await
    .map(|_| ())
}

/// Defers `tx`'s foreign-key checks to COMMIT and inserts a product of no facility.
async fn orphan_product(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let Tx::Sqlite(conn) = tx else {
        unreachable!("SQLite only")
    };
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut **conn)
        .await?;
    sqlx::query(
        "INSERT INTO products (facility_id, name, price, tax_rate, created_at, updated_at)
         VALUES (999999, '幽霊', 100, 'reduced', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .execute(&mut **conn)
    .await
    .map(|_| ())
}

/// The facility numbers stored, as every connection sees them.
async fn facilities(db: &Db) -> BTreeSet<i64> {
    let Db::Sqlite(pool) = db else {
        unreachable!("SQLite only")
    };
    sqlx::query_scalar("SELECT number FROM facilities")
        .fetch_all(pool)
        .await
        .expect("facilities")
        .into_iter()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_dropped_or_cancelled_member_takes_only_its_own_writes_away() {
    let (_database, db) = sqlite().await;
    let before = db.group_commits().expect("sqlite");
    let mut holder = db.write().await.expect("the turn");
    add_facility(&mut holder, 1).await.expect("insert");

    let kept = |number: i64| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await?;
            add_facility(&mut tx, number).await?;
            tx.commit().await
        })
    };
    // Writes, then meets a constraint (facility 1's number is taken) and returns with `?`.
    let violating = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await?;
            add_facility(&mut tx, 3).await?;
            add_facility(&mut tx, 1).await?;
            tx.commit().await
        })
    };
    // Writes, then changes its mind.
    let rolled_back = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await?;
            add_facility(&mut tx, 4).await?;
            tx.rollback().await
        })
    };
    // Writes, then its request is cancelled while it holds the turn.
    let (writing, wrote) = tokio::sync::oneshot::channel();
    let cancelled = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await.expect("write");
            add_facility(&mut tx, 5).await.expect("insert");
            let _ = writing.send(());
            std::future::pending::<()>().await;
            drop(tx);
        })
    };
    let two = kept(2);
    let six = kept(6);
    until_waiting(&db, 5).await;
    let holder = tokio::spawn(holder.commit());
    in_time("the cancelled writer's turn", wrote)
        .await
        .expect("it wrote");
    cancelled.abort();

    in_time("the holder", holder)
        .await
        .expect("task")
        .expect("the holder commits");
    in_time("writer 2", two)
        .await
        .expect("task")
        .expect("writer 2 commits");
    in_time("writer 6", six)
        .await
        .expect("task")
        .expect("writer 6 commits");
    let refused = in_time("the violating writer", violating).await.expect("task");
    assert!(
        matches!(&refused, Err(sqlx::Error::Database(e)) if e.is_unique_violation()),
        "{refused:?}"
    );
    in_time("the writer that rolled back", rolled_back)
        .await
        .expect("task")
        .expect("a rollback answers once the group is committed");
    assert!(cancelled.await.is_err_and(|e| e.is_cancelled()));

    assert_eq!(facilities(&db).await, BTreeSet::from([1, 2, 6]));
    let after = db.group_commits().expect("sqlite");
    assert_eq!(after.groups - before.groups, 1, "one group: {after:?}");
    assert_eq!(after.members - before.members, 3, "{after:?}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_whose_last_member_is_dropped_still_commits() {
    let (_database, db) = sqlite().await;
    let before = db.group_commits().expect("sqlite");
    let mut holder = db.write().await.expect("the turn");
    add_facility(&mut holder, 1).await.expect("insert");
    // The last member: writes, then gives up (an error answered early), with nobody behind it.
    let last = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await.expect("write");
            add_facility(&mut tx, 2).await.expect("insert");
            drop(tx);
        })
    };
    until_waiting(&db, 1).await;
    in_time("the holder's commit", holder.commit())
        .await
        .expect("committed by the task the dropped member left behind");
    in_time("the last member", last).await.expect("task");
    assert_eq!(facilities(&db).await, BTreeSet::from([1]));
    let after = db.group_commits().expect("sqlite");
    assert_eq!(
        (after.groups - before.groups, after.members - before.members),
        (1, 1)
    );

    // A lone writer commits at once, and the file takes writes as before.
    let mut tx = db.write().await.expect("write");
    add_facility(&mut tx, 3).await.expect("insert");
    in_time("a lone commit", tx.commit()).await.expect("commit");
    assert_eq!(facilities(&db).await, BTreeSet::from([1, 3]));
    db.close().await;
}

/// A group's COMMIT fails honestly when one member defers its foreign-key checks
/// (`PRAGMA defer_foreign_keys`, which selpos itself never sets) and leaves a product of a
/// facility that does not exist: SQLite refuses the COMMIT of the whole transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_group_commit_answers_every_member_with_an_error() {
    let (_database, db) = sqlite().await;
    let before = db.group_commits().expect("sqlite");
    let mut holder = db.write().await.expect("the turn");
    add_facility(&mut holder, 1).await.expect("insert");
    let deferring = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await?;
            orphan_product(&mut tx).await?;
            tx.commit().await
        })
    };
    let after_it = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut tx = db.write().await?;
            add_facility(&mut tx, 3).await?;
            tx.commit().await
        })
    };
    until_waiting(&db, 2).await;
    let holder = in_time("the holder's commit", holder.commit()).await;
    let deferring = in_time("the deferring member", deferring).await.expect("task");
    let after_it = in_time("the member after it", after_it).await.expect("task");
    for (who, answer) in [
        ("holder", &holder),
        ("deferring", &deferring),
        ("after it", &after_it),
    ] {
        let message = format!("{:?}", answer.as_ref().expect_err(who));
        assert!(message.contains("FOREIGN KEY"), "{who}: {message}");
    }
    assert_eq!(
        facilities(&db).await,
        BTreeSet::new(),
        "nothing of the group is stored"
    );
    let Db::Sqlite(pool) = &db else { unreachable!() };
    let products: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(products, 0);
    assert_eq!(db.group_commits(), Some(before), "no group committed");

    // The next writer starts afresh.
    let mut tx = db.write().await.expect("write");
    add_facility(&mut tx, 4).await.expect("insert");
    in_time("a commit after the failure", tx.commit())
        .await
        .expect("commit");
    assert_eq!(facilities(&db).await, BTreeSet::from([4]));
    db.close().await;
}
