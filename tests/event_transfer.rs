//! A venue laptop's event brought into the central database afterwards: an event run on SQLite
//! (two registers, cash and cashless, a void, a refund, a voucher surplus, stock deliveries, a
//! loss, a payout, a register close) is exported and imported into a fresh database whose
//! facilities and products have other ids (made in another order, with decoys); there it
//! settles to the yen as on the laptop, with its receipt numbers and stock. The same file again
//! is "already imported"; a tampered file is refused with nothing written. Into PostgreSQL
//! through the use cases, into SQLite through the `selpos` command line.

use reqwest::StatusCode;
use selpos_domain::event_transfer::Outcome;
use selpos_server::db::Db;
use selpos_server::usecases::event_transfer;
use selpos_server::usecases::users::cli_operator;
use selpos_tests::chaos::selpos_binary;
use selpos_tests::world::pin_tablet;
use selpos_tests::{Cashier, NewEvent, NewFacility, NewProduct, TestServer, Till, World};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const JAN: &str = "4006381333931";

/// What the laptop's event left behind, by the laptop's ids.
struct LaptopEvent {
    till: Till,
    /// cookie, soap, jam
    products: [i64; 3],
    /// The first sale (cash, with change).
    first_sale: Value,
}

fn counts(pairs: &[(i64, i64)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(d, n)| json!({"denomination": d, "count": n}))
            .collect(),
    )
}

fn stock_operation(kind: &str, facility: i64, lines: &[(i64, i64)], note: &str) -> Value {
    json!({"id": uuid::Uuid::now_v7(), "kind": kind, "facility_id": facility, "note": note,
        "lines": lines.iter().map(|(p, q)| json!({"product_id": p, "quantity": q})).collect::<Vec<_>>()})
}

/// The event as a venue runs it on its laptop, closed at the end.
async fn run_event(laptop: &TestServer) -> LaptopEvent {
    let till = World::on(laptop)
        .facilities([
            NewFacility::new(1, "A工房").invoice_issuer(),
            NewFacility::new(2, "B農園"),
        ])
        .products([
            NewProduct::reduced(0, "クッキー", 120).with("jan", json!(JAN)),
            NewProduct::standard(0, "石けん", 780),
            NewProduct::reduced(1, "ジャム", 500),
        ])
        .event(
            NewEvent::bazaar("HB26")
                .registers(2)
                .commission_percent(1250)
                .fixed_fee(1, 3000),
        )
        .cashier(Cashier::volunteer())
        .open_till()
        .await;
    let [cookie, soap, jam] = [till.products[0].id, till.products[1].id, till.products[2].id];
    let [a, b] = [till.facilities[0], till.facilities[1]];
    let second = Cashier::new("vol2", "ボランティア2", "1357");
    laptop.created("/api/v1/users", &second.body()).await;
    let r2 = pin_tablet(laptop, till.registers[1], "T2", &second).await;

    // 搬入 before the doors open.
    let stock = format!("/api/v1/events/{}/stock", till.event);
    laptop
        .created(
            &stock,
            &stock_operation("intake", a, &[(cookie, 30), (soap, 10)], "搬入"),
        )
        .await;
    laptop
        .created(&stock, &stock_operation("intake", b, &[(jam, 12)], "搬入"))
        .await;
    // R1 opens with a ¥10,000 float; R2 is opened by its first sale.
    let (status, body) = till
        .cashier
        .post(
            &format!("/api/v1/registers/{}/open", till.register),
            &json!({"id": uuid::Uuid::now_v7(), "counts": counts(&[(1000, 10)])}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let line = |product: i64, quantity: i64, price: i64| json!({"product_id": product, "quantity": quantity, "unit_price": price});
    let at = |minute: u32| format!("2026-11-28T01:{minute:02}:00Z");
    let first_sale = till
        .record(&till.sale_at(
            &at(0),
            json!([line(cookie, 2, 120)]),
            json!([{"kind": "cash", "amount": 1000}]),
        ))
        .await;
    till.record(&till.sale_at(
        &at(5),
        json!([line(soap, 1, 780), line(jam, 1, 500)]),
        json!([{"kind": "credit_card", "amount": 1280}]),
    ))
    .await;
    let mistaken = till
        .record(&till.sale_at(
            &at(10),
            json!([line(jam, 1, 500)]),
            json!([{"kind": "cash", "amount": 500}]),
        ))
        .await;
    // A voucher over the total: the surplus is kept (釣銭なし).
    till.record(&till.sale_at(
        &at(15),
        json!([line(soap, 1, 780)]),
        json!([{"kind": "gift_voucher", "amount": 1000}]),
    ))
    .await;
    let r2_sale = |minute: u32, lines: Value, tenders: Value| {
        let mut body = till.sale_at(&at(minute), lines, tenders);
        body["register_id"] = json!(till.registers[1]);
        body["local_number"] = json!(format!("R2-L{minute}"));
        body
    };
    let qr = r2_sale(
        20,
        json!([line(cookie, 5, 120)]),
        json!([{"kind": "qr_payment", "amount": 600}]),
    );
    let qr = r2.created("/api/v1/sales", &qr).await;
    let mixed = r2_sale(
        25,
        json!([line(soap, 1, 780), line(cookie, 1, 120)]),
        json!([{"kind": "cash", "amount": 900}]),
    );
    r2.created("/api/v1/sales", &mixed).await;

    // A void with a manager's approval on R1; a refund of two cookies by the council on R2's sale.
    let mistaken_id = mistaken["id"].as_str().expect("id").to_string();
    let approval = till.cashier.approve("void", &json!(mistaken_id)).await;
    till.cashier
        .created(
            &format!("/api/v1/sales/{mistaken_id}/void"),
            &json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い", "approval_id": approval}),
        )
        .await;
    laptop
        .created(
            &format!("/api/v1/sales/{}/refund", qr["id"].as_str().expect("id")),
            &json!({"id": uuid::Uuid::now_v7(), "reason": "破損", "lines": [{"line_no": 1, "quantity": 2}]}),
        )
        .await;
    // 出金 from R1, a lost cookie, the jam that is left taken home.
    till.cashier
        .created(
            &format!("/api/v1/registers/{}/payouts", till.register),
            &json!({"id": uuid::Uuid::now_v7(), "amount": 300, "reason": "氷代"}),
        )
        .await;
    laptop
        .created(
            &stock,
            &stock_operation("loss", a, &[(cookie, 1)], "落として破損"),
        )
        .await;
    laptop
        .created(&stock, &stock_operation("return", b, &[(jam, 9)], "搬出"))
        .await;
    // レジ締め of R1, ¥10 short with a note; R2 is left open.
    let (status, report) = till
        .cashier
        .post(
            &format!("/api/v1/registers/{}/close", till.register),
            &json!({"id": uuid::Uuid::now_v7(), "counts": counts(&[(1000, 9), (500, 1), (100, 4), (10, 3)]),
                "note": "10円不足"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report["cash"]["expected"],
        10000 + 240 - 300 + 500 - 500,
        "{report}"
    );
    let (status, body) = till.set_state(laptop, "closed").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    LaptopEvent {
        till,
        products: [cookie, soap, jam],
        first_sale,
    }
}

/// The central database's master data, made in another order (and with decoys) so that no id
/// agrees with the laptop's: answers the ids of the cookie, soap and jam.
async fn central_catalogue(central: &TestServer) -> [i64; 3] {
    let admin = central.admin_client();
    NewFacility::new(99, "Z商店").create(admin).await;
    let b = NewFacility::new(2, "B農園").create(admin).await;
    let a = NewFacility::new(1, "A工房").invoice_issuer().create(admin).await;
    let jam = NewProduct::reduced(0, "ジャム", 500).create(admin, b).await;
    // B's own soap: the laptop's soap is A's, matched by name within its facility.
    NewProduct::standard(0, "石けん", 780).create(admin, b).await;
    let soap = NewProduct::standard(0, "石けん", 780).create(admin, a).await;
    // Renamed here since: matched by its JAN.
    let cookie = NewProduct::reduced(0, "クッキー(大)", 120)
        .with("jan", json!(JAN))
        .create(admin, a)
        .await;
    [cookie.id, soap.id, jam.id]
}

/// A JSON answer without the ids that differ between databases and the time it was made;
/// times to the microsecond (PostgreSQL keeps no more).
fn without_ids(value: &Value) -> Value {
    match value {
        Value::String(text) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(at) => json!(at.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            Err(_) => value.clone(),
        },
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "event_id" | "facility_id" | "register_id" | "generated_at" | "fee_invoice_date"
                    )
                })
                .map(|(k, v)| (k.clone(), without_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_ids).collect()),
        other => other.clone(),
    }
}

/// Rows of the tables an import writes: all equal before and after a refused import.
async fn table_counts(db: &Db) -> BTreeMap<&'static str, i64> {
    let mut out = BTreeMap::new();
    for table in [
        "events",
        "registers",
        "users",
        "sales",
        "sale_lines",
        "stock_operations",
        "stock_movements",
        "register_sessions",
        "approvals",
        "audit_log",
        "register_counters",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = selpos_server::on_db!(db, |pool| sqlx::query_scalar(&sql)
            .fetch_one(pool)
            .await
            .expect("count"));
        out.insert(table, n);
    }
    out
}

/// The central event's id by its code.
async fn event_id(server: &TestServer, code: &str) -> i64 {
    let events = server.get_ok("/api/v1/events").await;
    events
        .as_array()
        .and_then(|list| list.iter().find(|e| e["code"] == code))
        .and_then(|e| e["id"].as_i64())
        .unwrap_or_else(|| panic!("no event {code} in {events}"))
}

/// The central event is the laptop's: the same settlement to the yen, the same register
/// sessions, the same stock of each product, the sales with their ids and receipt numbers, and
/// each register's receipt numbers 1…n with its counter at n.
async fn assert_same_event(
    laptop: &LaptopEvent,
    laptop_server: &TestServer,
    central: &TestServer,
    ids: [i64; 3],
) {
    let kind = central.kind;
    let here = event_id(central, "HB26").await;
    let settlement =
        async |server: &TestServer, id: i64| server.get_ok(&format!("/api/v1/events/{id}/settlement")).await;
    let on_laptop = settlement(laptop_server, laptop.till.event).await;
    let imported = settlement(central, here).await;
    assert_eq!(imported["state"], "closed");
    assert_eq!(
        without_ids(&imported),
        without_ids(&on_laptop),
        "[{kind}] the settlement preview differs"
    );
    assert_eq!(on_laptop["totals"]["net"], 3560, "{on_laptop}");
    assert_eq!(on_laptop["voucher_surplus"], 220);

    let sessions = async |server: &TestServer, id: i64| {
        server
            .get_ok(&format!("/api/v1/events/{id}/register-sessions"))
            .await
    };
    assert_eq!(
        without_ids(&sessions(central, here).await),
        without_ids(&sessions(laptop_server, laptop.till.event).await),
        "[{kind}] register sessions"
    );

    let stock = async |server: &TestServer, id: i64| {
        let stock = server.get_ok(&format!("/api/v1/events/{id}/stock")).await;
        stock["products"]
            .as_array()
            .expect("products")
            .iter()
            .map(|p| {
                let mut figures = p.clone();
                // The cookie is named otherwise here; the rest must agree.
                figures.as_object_mut().expect("a product").remove("name");
                (p["product_id"].as_i64().expect("id"), without_ids(&figures))
            })
            .collect::<BTreeMap<i64, Value>>()
    };
    let (laptop_stock, central_stock) = (
        stock(laptop_server, laptop.till.event).await,
        stock(central, here).await,
    );
    for (there, here) in laptop.products.iter().zip(ids) {
        let mut central = central_stock[&here].clone();
        central["product_id"] = json!(there);
        assert_eq!(central, laptop_stock[there], "[{kind}] stock of product {there}");
    }
    assert_eq!(
        laptop_stock[&laptop.products[0]]["on_hand"],
        30 - 2 - 5 - 1 + 2 - 1
    );

    let first_id = laptop.first_sale["id"].as_str().expect("id");
    let first = central.get_ok(&format!("/api/v1/sales/{first_id}")).await;
    assert_eq!(first["receipt_number"], laptop.first_sale["receipt_number"]);
    assert_eq!(first["total"], 240);
    assert_eq!(first["lines"][0]["product_id"], ids[0], "the central product");

    let numbers: Vec<(i64, i64, i64)> = selpos_server::on_db!(central.db(), |pool| sqlx::query_as(
        "SELECT s.register_id, s.receipt_no, c.last_receipt_no FROM sales s
         JOIN registers r ON r.id = s.register_id JOIN register_counters c ON c.register_id = r.id
         WHERE r.event_id = $1 ORDER BY s.register_id, s.receipt_no"
    )
    .bind(here)
    .fetch_all(pool)
    .await
    .expect("receipt numbers"));
    let mut by_register: BTreeMap<i64, (Vec<i64>, i64)> = BTreeMap::new();
    for (register, no, last) in numbers {
        let entry = by_register.entry(register).or_insert((Vec::new(), last));
        entry.0.push(no);
    }
    assert_eq!(by_register.len(), 2, "[{kind}] both registers");
    for (register, (numbers, last)) in by_register {
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(numbers, expected, "[{kind}] register {register} gap-free");
        assert_eq!(
            last,
            numbers.len() as i64,
            "[{kind}] register {register}'s counter"
        );
    }
}

/// The laptop's file with `change` made to its JSON.
fn tampered(bytes: &[u8], change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(bytes).expect("the export is JSON");
    change(&mut value);
    serde_json::to_vec(&value).expect("json")
}

fn problem_codes(
    result: Result<selpos_domain::event_transfer::ImportReport, selpos_server::error::Error>,
) -> Vec<String> {
    match result {
        Err(selpos_server::error::Error::Validation(errors)) => {
            errors.0.into_iter().map(|e| e.code).collect()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_event_lands_in_postgres_as_if_it_had_run_there() {
    let Some(central) = TestServer::postgres(false).await else {
        return;
    };
    let laptop = TestServer::sqlite(false).await;
    let event = run_event(&laptop).await;
    let ids = central_catalogue(&central).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("HB26.json");
    let operator = cli_operator();

    // Refused while open, then exported once closed: owner-only.
    let mut reopened = event.till.event_input.clone();
    reopened["state"] = json!("open");
    let (status, body) = laptop
        .put(&format!("/api/v1/events/{}", event.till.event), &reopened)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refused = event_transfer::export_to_file(laptop.db(), &operator, "HB26", &path).await;
    assert!(
        matches!(&refused, Err(selpos_server::error::Error::Conflict(m)) if m.contains("終了")),
        "{refused:?}"
    );
    assert!(!path.exists());
    let (status, body) = event.till.set_state(&laptop, "closed").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let exported = event_transfer::export_to_file(laptop.db(), &operator, "HB26", &path)
        .await
        .expect("export");
    assert_eq!(
        (
            exported.counts.sales,
            exported.counts.voids,
            exported.counts.refunds
        ),
        (6, 1, 1)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).expect("file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let bytes = std::fs::read(&path).expect("read");

    // Tampered files: refused, with nothing written.
    let before = table_counts(central.db()).await;
    let bad_version = tampered(&bytes, |v| v["version"] = json!(2));
    let lines_off = tampered(&bytes, |v| {
        let net = v["sales"][0]["lines"][0]["net"].as_i64().expect("net");
        v["sales"][0]["lines"][0]["net"] = json!(net + 1);
    });
    let other_name = tampered(&bytes, |v| {
        for f in v["facilities"].as_array_mut().expect("facilities") {
            if f["number"] == 1 {
                f["name"] = json!("A工房(別)");
            }
        }
    });
    for (file, code) in [
        (bad_version, "unsupported_version"),
        (lines_off, "does_not_add_up"),
        (other_name, "name_mismatch"),
    ] {
        let codes = problem_codes(event_transfer::import(central.db(), &operator, &file, false).await);
        assert!(codes.iter().any(|c| c == code), "{code}: {codes:?}");
    }
    // A dry run checks everything against the database and keeps nothing.
    let dry = event_transfer::import(central.db(), &operator, &bytes, true)
        .await
        .expect("dry run");
    assert!(dry.dry_run && !dry.written, "{dry:?}");
    assert_eq!(table_counts(central.db()).await, before, "nothing written");

    let report = event_transfer::import(central.db(), &operator, &bytes, false)
        .await
        .expect("import");
    assert!(report.written, "{report:?}");
    assert_eq!(report.outcome, Outcome::Created);
    assert_eq!(report.users_created, ["vol", "vol2"]);
    assert_same_event(&event, &laptop, &central, ids).await;

    // The cashiers arrived as disabled cashiers without secrets; their sales keep their names.
    let users = central.get_ok("/api/v1/users").await;
    let vol = users
        .as_array()
        .and_then(|u| u.iter().find(|u| u["login"] == "vol"))
        .expect("vol");
    assert_eq!((&vol["role"], &vol["active"]), (&json!("cashier"), &json!(false)));
    let audit = central.get_ok("/api/v1/audit?action=event.import").await;
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    let voids = central.get_ok("/api/v1/audit?action=sale.void").await;
    assert_eq!(
        voids.as_array().map(Vec::len),
        Some(1),
        "the laptop's audit came along: {voids}"
    );

    // The same file again: recognised, nothing written.
    let after = table_counts(central.db()).await;
    let again = event_transfer::import(central.db(), &operator, &bytes, false)
        .await
        .expect("again");
    assert!(
        again.outcome == Outcome::AlreadyImported && !again.written,
        "{again:?}"
    );
    assert_eq!(table_counts(central.db()).await, after);

    // Settled here, it feeds the statements as any event does.
    let settled = central
        .post(
            &format!("/api/v1/events/{}/settle", event_id(&central, "HB26").await),
            &json!({}),
        )
        .await;
    assert_eq!(settled.0, StatusCode::CONFLICT, "R2 is still open: {}", settled.1);

    laptop.stop().await;
    central.stop().await;
}

/// Runs `selpos ARGS`; answers success, stdout and stderr.
async fn selpos(args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(selpos_binary())
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("selpos runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_event_fills_an_unused_event_of_another_sqlite_through_the_command_line() {
    let laptop = TestServer::sqlite(false).await;
    let central = TestServer::sqlite(false).await;
    let event = run_event(&laptop).await;
    let ids = central_catalogue(&central).await;
    // Prepared here before the day, never used: one register, no facility yet.
    let planned = json!({"code": "HB26", "kind": "bazaar", "name": "(準備中)", "starts_on": "2026-11-28",
        "ends_on": "2026-11-28", "state": "planned", "commission": {"kind": "percent", "basis_points": 1000},
        "participants": [], "registers": [{"code": "R1", "name": "予定レジ"}]});
    let prepared = central.created("/api/v1/events", &planned).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("export").join("HB26.json");
    std::fs::create_dir(dir.path().join("export")).expect("dir");
    let file_arg = file.to_str().expect("path");

    let (ok, out, err) = selpos(&[
        "export-event",
        "HB26",
        file_arg,
        "--database-url",
        laptop.database_url(),
    ])
    .await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("6 sales, 1 voids, 1 refunds"), "{out}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).expect("file").permissions().mode() & 0o777,
        0o600
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("export"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");

    let bytes = std::fs::read(&file).expect("read");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, tampered(&bytes, |v| v["version"] = json!(99))).expect("write");
    let before = table_counts(central.db()).await;
    let (ok, out, err) = selpos(&[
        "import-event",
        bad.to_str().expect("path"),
        "--database-url",
        central.database_url(),
    ])
    .await;
    assert!(!ok, "{out}");
    assert!(
        err.contains("バージョン(99)") && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(table_counts(central.db()).await, before);

    let import = ["import-event", file_arg, "--database-url", central.database_url()];
    let (ok, out, err) = selpos(&import).await;
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("filled the unused event") && out.contains("user vol created"),
        "{out}"
    );
    assert_eq!(
        event_id(&central, "HB26").await,
        prepared["id"].as_i64().expect("id")
    );
    assert_same_event(&event, &laptop, &central, ids).await;

    let (ok, out, err) = selpos(&import).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("already imported"), "{out}");
    let (ok, out, err) = selpos(&[
        "import-event",
        file_arg,
        "--format",
        "json",
        "--database-url",
        central.database_url(),
    ])
    .await;
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(
        (&report["outcome"], &report["written"]),
        (&json!("already_imported"), &json!(false))
    );

    // An event of that code with other records is refused, naming what differs.
    let other = TestServer::sqlite(false).await;
    let [_, soap, _] = central_catalogue(&other).await;
    let soap = other.get_ok(&format!("/api/v1/products/{soap}")).await;
    let used = World::on(&other)
        .existing_facilities([soap["facility_id"].as_i64().expect("facility")])
        .event(NewEvent::bazaar("HB26"))
        .open_till()
        .await;
    used.record(&used.sale_at(
        "2026-11-28T02:00:00Z",
        json!([{"product_id": soap["id"], "quantity": 1, "unit_price": 780}]),
        json!([{"kind": "cash", "amount": 780}]),
    ))
    .await;
    let codes = problem_codes(event_transfer::import(other.db(), &cli_operator(), &bytes, false).await);
    assert!(codes.iter().any(|c| c == "different_content"), "{codes:?}");

    laptop.stop().await;
    central.stop().await;
    other.stop().await;
}

/// The laptop's file with `n` more copies of its first sale on the same register (new ids,
/// receipt numbers continuing): an event larger than one multi-row `INSERT`.
fn with_copies(bytes: &[u8], n: usize) -> Vec<u8> {
    tampered(bytes, |v| {
        let first = v["sales"][0].clone();
        let register = first["register"].clone();
        let last = v["sales"]
            .as_array()
            .expect("sales")
            .iter()
            .filter(|s| s["register"] == register)
            .filter_map(|s| s["receipt_no"].as_i64())
            .max()
            .expect("a receipt");
        let moved: Vec<Value> = v["stock_movements"]
            .as_array()
            .expect("movements")
            .iter()
            .filter(|m| m["sale_id"] == first["id"])
            .cloned()
            .collect();
        let prefix = first["receipt_number"]
            .as_str()
            .and_then(|r| r.rsplit_once('-'))
            .map(|(p, _)| p.to_string())
            .expect("receipt number");
        for k in 1..=n as i64 {
            let id = json!(uuid::Uuid::now_v7());
            let mut sale = first.clone();
            sale["id"] = id.clone();
            sale["receipt_no"] = json!(last + k);
            sale["receipt_number"] = json!(format!("{prefix}-{:04}", last + k));
            v["sales"].as_array_mut().expect("sales").push(sale);
            for m in &moved {
                let mut m = m.clone();
                m["sale_id"] = id.clone();
                v["stock_movements"].as_array_mut().expect("movements").push(m);
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_of_many_sales_is_written_in_chunks_on_each_database() {
    let laptop = TestServer::sqlite(false).await;
    run_event(&laptop).await;
    let exported = event_transfer::export(laptop.db(), &cli_operator(), "HB26")
        .await
        .expect("export");
    let copies = 1_200;
    let bytes = with_copies(&selpos_domain::event_transfer::to_json(&exported), copies);
    let mut centrals = vec![TestServer::sqlite(false).await];
    centrals.extend(TestServer::postgres(false).await);
    for central in centrals {
        central_catalogue(&central).await;
        let started = std::time::Instant::now();
        let report = event_transfer::import(central.db(), &cli_operator(), &bytes, false)
            .await
            .expect("import");
        println!(
            "[{}] {} records imported in {:?}",
            central.kind,
            copies + 8,
            started.elapsed()
        );
        assert_eq!(report.counts.sales, 6 + copies, "{report:?}");
        let here = event_id(&central, "HB26").await;
        let (sales, lines, movements, last): (i64, i64, i64, i64) = selpos_server::on_db!(
            central.db(),
            |pool| {
                sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM sales WHERE event_id = $1),
                        (SELECT COUNT(*) FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.event_id = $1),
                        (SELECT COUNT(*) FROM stock_movements WHERE event_id = $1),
                        (SELECT MAX(c.last_receipt_no) FROM register_counters c
                         JOIN registers r ON r.id = c.register_id WHERE r.event_id = $1)"
            )
            .bind(here)
            .fetch_one(pool)
            .await
            .expect("counts")
            }
        );
        let records = 8 + copies as i64;
        assert_eq!(sales, records, "[{}]", central.kind);
        assert_eq!(lines, 10 + copies as i64, "[{}]", central.kind);
        assert_eq!(movements, 10 + 5 + copies as i64, "[{}]", central.kind);
        assert_eq!(last, 5 + copies as i64, "[{}] R1's counter", central.kind);
        central.stop().await;
    }
    laptop.stop().await;
}
