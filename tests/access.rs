//! Access control, walked route by route: every route of the OpenAPI document, called by every
//! role and by no one, must allow exactly the roles the table below names.

use reqwest::{Method, StatusCode};
use selpos_tests::{
    ADMIN_LOGIN, ADMIN_PIN, ApiClient, Cashier, NewEvent, NewFacility, NewProduct, TestServer, World, db_test,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const STAFF: (&str, &str) = ("staff-1", "staff-password-1");
const FACILITY_A: (&str, &str) = ("facility-a", "facility-a-pass");
const CASHIER: (&str, &str) = ("cashier-1", "2468");

/// What the test creates: two facilities with a product each, an event of facility A with a
/// register and the cashier on its tablet, a user and a spare tablet to act on, and a sale.
struct Fixtures {
    facility_a: i64,
    facility_b: i64,
    product_a: i64,
    product_b: i64,
    event: i64,
    register: i64,
    target_user: i64,
    spare_device: i64,
    sale: String,
}

fn facility(number: i64) -> Value {
    NewFacility::new(number, format!("事業所{number}")).body().clone()
}

fn product(facility_id: i64, name: &str) -> Value {
    NewProduct::reduced(0, name, 300).body(facility_id)
}

fn event_body(code: &str) -> NewEvent {
    NewEvent::bazaar(code)
        .name("バザール")
        .dates("2026-11-28", "2026-11-28")
        .participants([0])
}

/// Signs in every role. The cashier's client is first registered as a till by the admin.
async fn set_up(server: &TestServer) -> (Fixtures, BTreeMap<&'static str, ApiClient>) {
    let till = World::on(server)
        .facilities([NewFacility::new(1, "事業所1"), NewFacility::new(2, "事業所2")])
        .products([
            NewProduct::reduced(0, "Aのクッキー", 300),
            NewProduct::reduced(1, "Bの石けん", 300),
        ])
        .event(event_body("EV1"))
        .cashier(Cashier::new(CASHIER.0, "ボランティア", CASHIER.1))
        .device("レジ1タブレット")
        .open_till()
        .await;
    let admin = server.login(ADMIN_LOGIN, selpos_tests::ADMIN_PASSWORD).await;
    admin.created(
        "/api/v1/users",
        &json!({"login": STAFF.0, "display_name": "職員", "role": "council_staff", "password": STAFF.1, "pin": "1357"}),
    )
    .await;
    let target_user = admin
        .created(
            "/api/v1/users",
            &json!({"login": "target-user", "display_name": "対象", "role": "cashier", "pin": "9753"}),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    admin
        .created(
            "/api/v1/users",
            &json!({"login": FACILITY_A.0, "display_name": "A職員", "role": "facility_staff",
               "facility_id": till.facilities[0], "password": FACILITY_A.1}),
        )
        .await;
    let spare_device = admin
        .created(
            "/api/v1/devices",
            &json!({"register_id": till.register, "name": "予備"}),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    let sale = till.record(&sale_body(till.register, till.products[0].id)).await;
    let sale = sale["id"].as_str().expect("sale id").to_string();

    let mut clients = BTreeMap::new();
    clients.insert("anonymous", server.anonymous());
    clients.insert("council_admin", admin);
    clients.insert("council_staff", server.login(STAFF.0, STAFF.1).await);
    clients.insert("facility_staff", server.login(FACILITY_A.0, FACILITY_A.1).await);
    let world = Fixtures {
        facility_a: till.facilities[0],
        facility_b: till.facilities[1],
        product_a: till.products[0].id,
        product_b: till.products[1].id,
        event: till.event,
        register: till.register,
        target_user,
        spare_device,
        sale,
    };
    clients.insert("cashier", till.cashier);
    (world, clients)
}

fn sale_body(register: i64, product: i64) -> Value {
    json!({
        "id": uuid::Uuid::now_v7(), "register_id": register, "local_number": "R1-L1",
        "sold_at": "2026-11-28T01:00:00Z",
        "lines": [{"product_id": product, "quantity": 1, "unit_price": 300}],
        "tenders": [{"kind": "cash", "amount": 300}]
    })
}

const SELLERS: &[&str] = &["council_admin", "council_staff", "cashier"];
const CASHIER_ONLY: &[&str] = &["cashier"];

const ALL: &[&str] = &["council_admin", "council_staff", "facility_staff", "cashier"];
const COUNCIL: &[&str] = &["council_admin", "council_staff"];
const COUNCIL_AND_FACILITY: &[&str] = &["council_admin", "council_staff", "facility_staff"];
const ADMIN: &[&str] = &["council_admin"];

/// Routes that are public by design: signing in and a tablet's own status.
const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/v1/session"),
    ("post", "/api/v1/session/pin"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/device"),
    // The customer screen: its link's token is the key (404 for any other).
    ("get", "/api/v1/display/{token}"),
];

/// The permission matrix: who may call each route (on facility A's records).
fn allowed(method: &str, path: &str) -> Option<&'static [&'static str]> {
    Some(match (method, path) {
        ("get", "/api/v1/facilities") => ALL,
        ("post", "/api/v1/facilities") => COUNCIL,
        ("get", "/api/v1/facilities/{id}") => ALL,
        ("put", "/api/v1/facilities/{id}") => COUNCIL,
        ("get", "/api/v1/products") => ALL,
        ("post", "/api/v1/products") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/products/{id}") => ALL,
        ("put", "/api/v1/products/{id}") => COUNCIL_AND_FACILITY,
        // 商品写真: read as the product is; changed as the product is.
        ("get", "/api/v1/products/{id}/photo") => ALL,
        ("put", "/api/v1/products/{id}/photo") => COUNCIL_AND_FACILITY,
        ("delete", "/api/v1/products/{id}/photo") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/events") => ALL,
        ("post", "/api/v1/events") => COUNCIL,
        ("get", "/api/v1/events/{id}") => ALL,
        ("put", "/api/v1/events/{id}") => COUNCIL,
        ("get", "/api/v1/council") => ALL,
        ("put", "/api/v1/council") => ADMIN,
        ("get", "/api/v1/session") => ALL,
        ("get", "/api/v1/users") => ADMIN,
        ("post", "/api/v1/users") => ADMIN,
        ("get", "/api/v1/users/{id}") => ADMIN,
        ("put", "/api/v1/users/{id}") => ADMIN,
        ("get", "/api/v1/devices") => COUNCIL,
        ("post", "/api/v1/devices") => COUNCIL,
        ("post", "/api/v1/devices/{id}/revoke") => COUNCIL,
        // A manager's PIN on the spot: on a registered tablet (the cashier's) or by a council
        // user; facility staff at home may not probe PINs.
        ("post", "/api/v1/approvals") => SELLERS,
        ("get", "/api/v1/audit") => ADMIN,
        ("get", "/api/v1/registers/{id}/catalog") => SELLERS,
        // Only on a tablet registered to the register: here only the cashier's is.
        ("post", "/api/v1/sales") => CASHIER_ONLY,
        ("post", "/api/v1/sales/batch") => CASHIER_ONLY,
        ("get", "/api/v1/sales") => SELLERS,
        ("get", "/api/v1/sales/{id}") => SELLERS,
        ("post", "/api/v1/sales/{id}/void") => SELLERS,
        ("post", "/api/v1/sales/{id}/refund") => SELLERS,
        // Receipts: council users, or the cashier of the sale's register (the register here
        // has no printer: printing answers 409, never a server error).
        ("post", "/api/v1/sales/{id}/print") => SELLERS,
        ("get", "/api/v1/sales/{id}/receipt") => SELLERS,
        ("get", "/api/v1/sales/{id}/formal-receipt") => SELLERS,
        ("get", "/api/v1/registers/{id}/printer") => SELLERS,
        ("get", "/api/v1/events/{id}/sales") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/events/{id}/stock") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/events/{id}/stock") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/events/{id}/stock/count") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/events/{id}/stock/import") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/facilities/{id}/products/import") => COUNCIL_AND_FACILITY,
        // レジ開け・締め: council users anywhere, a cashier on their own tablet's register.
        ("get", "/api/v1/registers/{id}/session") => SELLERS,
        ("post", "/api/v1/registers/{id}/open") => SELLERS,
        ("post", "/api/v1/registers/{id}/payouts") => SELLERS,
        ("post", "/api/v1/registers/{id}/close") => SELLERS,
        ("get", "/api/v1/register-sessions/{id}") => SELLERS,
        // A float entered late or corrected: the council only.
        ("put", "/api/v1/register-sessions/{id}/float") => COUNCIL,
        ("get", "/api/v1/events/{id}/register-sessions") => COUNCIL,
        // お客様画面: the link by whoever may operate the register; what it shows, by its till.
        ("post", "/api/v1/registers/{id}/display-link") => SELLERS,
        ("put", "/api/v1/registers/{id}/display") => CASHIER_ONLY,
        // 精算: the council; facility staff their own statement.
        ("get", "/api/v1/events/{id}/settlement") => COUNCIL,
        ("get", "/api/v1/events/{id}/settlement/facilities/{facility_id}") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/events/{id}/settle") => COUNCIL,
        ("post", "/api/v1/events/{id}/adjustments") => COUNCIL,
        ("get", "/api/v1/events/{id}/dashboard") => COUNCIL,
        // 期間精算 of a standing shop: the council; facility staff the list and their statements.
        ("get", "/api/v1/events/{id}/periods") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/events/{id}/periods") => COUNCIL,
        ("get", "/api/v1/events/{id}/periods/preview") => COUNCIL,
        ("get", "/api/v1/events/{id}/periods/{period_id}") => COUNCIL,
        ("get", "/api/v1/events/{id}/periods/{period_id}/facilities/{facility_id}") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/events/{id}/periods/{period_id}/adjustments") => COUNCIL,
        // 工賃: the council, or facility staff for their own facility; the import is the council's.
        ("get", "/api/v1/facilities/{id}/wages") => COUNCIL_AND_FACILITY,
        ("put", "/api/v1/facilities/{id}/wages") => COUNCIL_AND_FACILITY,
        ("put", "/api/v1/facilities/{id}/wage-target") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/wages/table") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/wages/import") => COUNCIL,
        // The corrections of the published table: the council decides them.
        ("get", "/api/v1/wages/corrections") => COUNCIL,
        ("put", "/api/v1/wages/corrections/{id}") => COUNCIL,
        // 共同受注: the desk (council); facility staff see their own shares, answer them and
        // declare their capacity, and read their payout statements.
        ("get", "/api/v1/orders") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/orders") => COUNCIL,
        ("get", "/api/v1/orders/{id}") => COUNCIL_AND_FACILITY,
        ("put", "/api/v1/orders/{id}") => COUNCIL,
        ("post", "/api/v1/orders/{id}/status") => COUNCIL,
        ("put", "/api/v1/orders/{id}/fee") => COUNCIL,
        ("put", "/api/v1/orders/{id}/shares") => COUNCIL,
        ("get", "/api/v1/orders/{id}/suggestion") => COUNCIL,
        ("post", "/api/v1/orders/{id}/shares/{share_id}/answer") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/orders/{id}/payments") => COUNCIL,
        ("post", "/api/v1/orders/{id}/payout") => COUNCIL,
        ("post", "/api/v1/orders/{id}/adjustments") => COUNCIL,
        ("get", "/api/v1/orders/{id}/invoice") => COUNCIL,
        ("get", "/api/v1/orders/payouts") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/orders/report") => COUNCIL,
        ("get", "/api/v1/orders/capacities") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/orders/capacities") => COUNCIL_AND_FACILITY,
        // セルプ自販機: the council records; facility staff see their own machines and months.
        ("get", "/api/v1/vending/machines") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/vending/machines") => COUNCIL,
        ("put", "/api/v1/vending/machines/{id}") => COUNCIL,
        ("get", "/api/v1/vending/months") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/vending/months") => COUNCIL,
        ("post", "/api/v1/vending/months/import") => COUNCIL,
        ("get", "/api/v1/income") => COUNCIL_AND_FACILITY,
        // 共同購入: the council runs rounds, bills and records payments; facility staff see open
        // rounds, put their own quantities and read their own bills, invoices and balance.
        ("get", "/api/v1/purchases") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/purchases") => COUNCIL,
        ("get", "/api/v1/purchases/{id}") => COUNCIL_AND_FACILITY,
        ("put", "/api/v1/purchases/{id}") => COUNCIL,
        ("put", "/api/v1/purchases/{id}/orders") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/purchases/{id}/close") => COUNCIL,
        ("post", "/api/v1/purchases/{id}/cancel") => COUNCIL,
        ("post", "/api/v1/purchases/{id}/bill") => COUNCIL,
        ("get", "/api/v1/purchases/{id}/invoice") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/purchases/bills") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/purchases/bills/{id}/payments") => COUNCIL,
        ("get", "/api/v1/purchases/unpaid") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/purchases/statement") => COUNCIL_AND_FACILITY,
        // Gift pre-orders (issue 24): the council runs the seasons; orders are taken by the
        // council, facility staff (on invoice, their own) and a cashier at the till; facility
        // staff see their own orders, commission line and statement.
        ("get", "/api/v1/gifts/seasons") => ALL,
        ("post", "/api/v1/gifts/seasons") => COUNCIL,
        ("get", "/api/v1/gifts/seasons/{id}") => ALL,
        ("put", "/api/v1/gifts/seasons/{id}") => COUNCIL,
        ("post", "/api/v1/gifts/seasons/{id}/close") => COUNCIL,
        ("post", "/api/v1/gifts/seasons/{id}/catalogue") => COUNCIL,
        ("get", "/api/v1/gifts/seasons/{id}/orders") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/gifts/seasons/{id}/export") => COUNCIL,
        ("get", "/api/v1/gifts/seasons/{id}/commission") => COUNCIL_AND_FACILITY,
        ("get", "/api/v1/gifts/seasons/{id}/statements/{facility_id}") => COUNCIL_AND_FACILITY,
        ("post", "/api/v1/gifts/orders") => ALL,
        ("get", "/api/v1/gifts/orders/{id}") => ALL,
        ("post", "/api/v1/gifts/orders/{id}/recipients/{no}/cancel") => COUNCIL_AND_FACILITY,
        _ => return None,
    })
}

/// A concrete request for a route: the path with ids filled in, and a valid body.
fn request_for(world: &Fixtures, method: &str, path: &str, n: usize) -> (String, Option<Value>) {
    if path.starts_with("/api/v1/sales/{id}") {
        let body = match path {
            "/api/v1/sales/{id}/void" => Some(json!({"id": uuid::Uuid::now_v7(), "reason": "テスト"})),
            "/api/v1/sales/{id}/refund" => Some(
                json!({"id": uuid::Uuid::now_v7(), "reason": "テスト", "lines": [{"line_no": 1, "quantity": 1}]}),
            ),
            _ => None,
        };
        return (path.replace("{id}", &world.sale), body);
    }
    if path == "/api/v1/events/{id}/stock/import" {
        let concrete = format!(
            "/api/v1/events/{}/stock/import?facility_id={}&id={}",
            world.event,
            world.facility_a,
            uuid::Uuid::now_v7()
        );
        return (concrete, Some(json!("JAN,数量")));
    }
    // Gift pre-orders (issue 24): an order's id is a UUID.
    if let Some(rest) = path.strip_prefix("/api/v1/gifts/orders/{id}") {
        let concrete = format!(
            "/api/v1/gifts/orders/{}{}",
            uuid::Uuid::now_v7(),
            rest.replace("{no}", "1")
        );
        return (concrete, (method == "post").then(|| json!({"reason": "テスト"})));
    }
    if path == "/api/v1/sales" && method == "post" {
        return (path.to_string(), Some(sale_body(world.register, world.product_a)));
    }
    if path == "/api/v1/sales/batch" {
        let batch = json!({"sales": [sale_body(world.register, world.product_a)]});
        return (path.to_string(), Some(batch));
    }
    let id = match path {
        p if p.starts_with("/api/v1/registers") => world.register,
        p if p.starts_with("/api/v1/facilities") => world.facility_a,
        p if p.starts_with("/api/v1/products") => world.product_a,
        p if p.starts_with("/api/v1/events") => world.event,
        p if p.starts_with("/api/v1/users") => world.target_user,
        p if p.starts_with("/api/v1/devices") => world.spare_device,
        _ => 0,
    };
    let mut concrete = path
        .replace("{id}", &id.to_string())
        .replace("{share_id}", "0")
        .replace("{period_id}", "0")
        .replace("{facility_id}", &world.facility_a.to_string());
    match path {
        "/api/v1/orders/report" | "/api/v1/vending/months" | "/api/v1/income" => {
            concrete.push_str("?fiscal_year=2025")
        }
        "/api/v1/events/{id}/periods/preview" => concrete.push_str("?through=2026-11-28"),
        "/api/v1/orders/payouts" => {
            concrete.push_str(&format!("?facility_id={}&month=2026-11", world.facility_a))
        }
        // 共同購入
        "/api/v1/purchases/{id}/invoice" => concrete.push_str(&format!("?facility_id={}", world.facility_a)),
        "/api/v1/purchases/statement" => {
            concrete.push_str(&format!("?facility_id={}&month=2026-11", world.facility_a))
        }
        _ => {}
    }
    if path.contains("wage") && !path.ends_with("/import") && !(method == "put" && path.ends_with("/wages")) {
        concrete.push_str("?fiscal_year=2025");
    }
    let body = match (method, path) {
        ("put", "/api/v1/facilities/{id}/wages") => {
            Some(json!({"year": 2025, "month": 4, "wages_paid": 100000,
            "user_months": 10, "user_days": 200, "opening_days": 20, "work_hours": 1000}))
        }
        ("put", "/api/v1/facilities/{id}/wage-target") => Some(json!({"monthly_target": 20000})),
        ("put", "/api/v1/wages/corrections/{id}") => Some(json!({"status": "rejected"})),
        ("post", "/api/v1/registers/{id}/open") => Some(json!({"id": uuid::Uuid::now_v7(), "counts": []})),
        ("put", "/api/v1/register-sessions/{id}/float") => {
            Some(json!({"id": uuid::Uuid::now_v7(), "counts": []}))
        }
        ("post", "/api/v1/registers/{id}/display-link") => Some(json!({"origin": "http://127.0.0.1:3000"})),
        ("put", "/api/v1/registers/{id}/display") => Some(
            json!({"seq": n, "phase": "cart", "lines": [{"name": "クッキー", "quantity": 1, "amount": 300}], "total": 300}),
        ),
        ("post", "/api/v1/registers/{id}/payouts") => {
            Some(json!({"id": uuid::Uuid::now_v7(), "amount": 100, "reason": "テスト"}))
        }
        ("post", "/api/v1/registers/{id}/close") => {
            Some(json!({"id": uuid::Uuid::now_v7(), "counts": [], "note": "テスト"}))
        }
        ("post", "/api/v1/events/{id}/periods") => Some(json!({"through": "2026-11-28"})),
        ("post", "/api/v1/events/{id}/periods/{period_id}/adjustments") => Some(
            json!({"id": uuid::Uuid::now_v7(), "facility_id": world.facility_a, "amount": 100, "reason": "テスト"}),
        ),
        ("post", "/api/v1/events/{id}/adjustments") => Some(
            json!({"id": uuid::Uuid::now_v7(), "facility_id": world.facility_a, "amount": 100, "reason": "テスト"}),
        ),
        ("post", "/api/v1/facilities") => Some(facility(100 + n as i64)),
        ("put", "/api/v1/facilities/{id}") => Some(facility(1)),
        ("post", "/api/v1/products") => Some(product(world.facility_a, &format!("新商品{n}"))),
        ("put", "/api/v1/products/{id}") => Some(product(world.facility_a, "Aのクッキー")),
        ("post", "/api/v1/events") => Some(event_body(&format!("NEW{n}")).body(&[world.facility_a])),
        ("put", "/api/v1/events/{id}") => Some(event_body("EV1").body(&[world.facility_a])),
        ("put", "/api/v1/council") => Some(json!({"name": "協議会"})),
        ("post", "/api/v1/events/{id}/stock") => Some(json!({"id": uuid::Uuid::now_v7(), "kind": "intake",
            "facility_id": world.facility_a, "lines": [{"product_id": world.product_a, "quantity": 2}]})),
        ("post", "/api/v1/events/{id}/stock/count") => Some(json!({"id": uuid::Uuid::now_v7(),
            "facility_id": world.facility_a, "lines": [{"product_id": world.product_a, "counted": 1}]})),
        ("post", "/api/v1/users") => Some(
            json!({"login": format!("new-user-{n}"), "display_name": "新", "role": "cashier", "pin": "1111"}),
        ),
        ("put", "/api/v1/users/{id}") => {
            Some(json!({"login": "target-user", "display_name": "対象", "role": "cashier"}))
        }
        ("post", "/api/v1/devices") => {
            Some(json!({"register_id": world.register, "name": format!("端末{n}")}))
        }
        ("post", "/api/v1/approvals") => Some(
            json!({"action": "void", "approver_login": ADMIN_LOGIN, "pin": ADMIN_PIN, "reason": "test",
                "sale_id": uuid::Uuid::now_v7()}),
        ),
        ("post", "/api/v1/orders") | ("put", "/api/v1/orders/{id}") => Some(json!({
            "subject": "弁当", "buyer": {"name": "県庁", "kind": "government"},
            "items": [{"description": "弁当", "unit": "個", "quantity": 10, "unit_price": 500, "tax_rate": "reduced"}],
            "fee": {"kind": "percent", "basis_points": 1000}})),
        ("post", "/api/v1/orders/{id}/status") => Some(json!({"status": "quoted"})),
        ("put", "/api/v1/orders/{id}/fee") => Some(json!({"fee": {"kind": "fixed", "yen": 1000}})),
        ("put", "/api/v1/orders/{id}/shares") => Some(json!({"shares": []})),
        ("post", "/api/v1/orders/{id}/shares/{share_id}/answer") => Some(json!({"answer": "confirm"})),
        ("post", "/api/v1/orders/{id}/payments") => {
            Some(json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-11-30", "amount": 100}))
        }
        ("post", "/api/v1/orders/{id}/payout") => Some(json!({"paid_out_on": "2026-11-30"})),
        ("post", "/api/v1/orders/{id}/adjustments") => Some(
            json!({"id": uuid::Uuid::now_v7(), "facility_id": world.facility_a, "amount": 100, "reason": "テスト"}),
        ),
        ("post", "/api/v1/orders/capacities") => {
            Some(json!({"facility_id": world.facility_a, "work": "弁当",
            "starts_on": "2026-11-01", "ends_on": "2026-11-30", "quantity": 100}))
        }
        ("post", "/api/v1/vending/machines") | ("put", "/api/v1/vending/machines/{id}") => Some(json!({
            "code": format!("V-{n}"), "location": "県庁", "operator": "ぐんま飲料", "facility_id": world.facility_a,
            "commission": {"kind": "per_can", "yen": 10}})),
        ("post", "/api/v1/vending/months") => {
            Some(json!({"machine_id": 0, "year": 2026, "month": 11, "cans": 1, "sales": 100}))
        }
        // 共同購入
        ("post", "/api/v1/purchases") | ("put", "/api/v1/purchases/{id}") => Some(json!({
            "title": format!("共同購入{n}"), "item_name": "消毒用アルコール 5L", "unit": "本", "unit_price": 3300,
            "tax_rate": "standard",
            "deadline": (chrono::Utc::now() + chrono::TimeDelta::days(7)).to_rfc3339()})),
        ("put", "/api/v1/purchases/{id}/orders") => {
            Some(json!({"orders": [{"facility_id": world.facility_a, "quantity": 1}]}))
        }
        ("post", "/api/v1/purchases/{id}/cancel") => Some(json!({"reason": "テスト"})),
        ("post", "/api/v1/purchases/bills/{id}/payments") => {
            Some(json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-11-30", "amount": 100}))
        }
        // Gift pre-orders (issue 24).
        ("post", "/api/v1/gifts/seasons") | ("put", "/api/v1/gifts/seasons/{id}") => Some(json!({
            "name": format!("2026 お歳暮 {n}"), "supplier": "ニッポンハム",
            "commission": {"kind": "percent", "basis_points": 1500}})),
        ("post", "/api/v1/gifts/orders") => Some(json!({
            "id": uuid::Uuid::now_v7(), "season_id": 0,
            "customer": {"name": "山田", "postal_code": "371-0026", "address": "前橋市", "phone": "027-000-0000"},
            "recipients": [{"name": "佐藤", "postal_code": "371-0026", "address": "前橋市", "item_code": "NH-50", "quantity": 1}],
            "payment": {"kind": "invoice"}})),
        (m, _) if m == "post" || m == "put" => Some(json!({})),
        _ => None,
    };
    (concrete, body)
}

fn method_of(name: &str) -> Method {
    match name {
        "post" => Method::POST,
        "put" => Method::PUT,
        "delete" => Method::DELETE,
        "patch" => Method::PATCH,
        _ => Method::GET,
    }
}

db_test!(
    every_route_allows_exactly_the_roles_in_the_matrix,
    demo = false,
    |server| {
        let (world, clients) = set_up(&server).await;
        let doc = server.get_ok("/api/openapi.json").await;
        let mut checked = 0;
        let mut n = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("methods").keys() {
                if PUBLIC.contains(&(method.as_str(), path.as_str())) {
                    continue;
                }
                let roles = allowed(method, path)
                    .unwrap_or_else(|| panic!("{method} {path} is not in the permission matrix: add it"));
                for (role, client) in &clients {
                    n += 1;
                    let (concrete, body) = request_for(&world, method, path, n);
                    let (status, answer) = client.request(method_of(method), &concrete, body.as_ref()).await;
                    let denied = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
                    let expected_allowed = roles.contains(role);
                    assert_eq!(
                        !denied, expected_allowed,
                        "[{}] {role} {method} {concrete}: {status} {answer}",
                        server.kind
                    );
                    if *role == "anonymous" {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "anonymous {method} {concrete}");
                    }
                    if !denied {
                        assert!(
                            !status.is_server_error(),
                            "[{}] {role} {method} {concrete}: {status} {answer}",
                            server.kind
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked >= 36 * 5, "only {checked} calls checked");
    }
);

db_test!(
    facility_staff_cannot_reach_another_facilitys_records,
    demo = false,
    |server| {
        let (world, clients) = set_up(&server).await;
        let a = &clients["facility_staff"];
        let b_product = format!("/api/v1/products/{}", world.product_b);
        let (status, _) = a.get(&b_product).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "read B's product");
        let (status, _) = a.put(&b_product, &product(world.facility_b, "乗っ取り")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "change B's product");
        let (status, _) = a
            .put(
                &format!("/api/v1/products/{}", world.product_a),
                &product(world.facility_b, "移動"),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "move A's product to B");
        let (status, _) = a
            .post("/api/v1/products", &product(world.facility_b, "Bに追加"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "create a product for B");
        let (status, _) = a
            .get(&format!("/api/v1/products?facility_id={}", world.facility_b))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "list B's products");
        let (status, _) = a.get(&format!("/api/v1/facilities/{}", world.facility_b)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "read facility B");

        let products = a.get_ok("/api/v1/products").await;
        let facilities: Vec<_> = products
            .as_array()
            .expect("list")
            .iter()
            .map(|p| p["facility_id"].clone())
            .collect();
        assert!(
            !facilities.is_empty() && facilities.iter().all(|f| *f == json!(world.facility_a)),
            "{products}"
        );
        let own = a.get_ok("/api/v1/facilities").await;
        assert_eq!(own.as_array().map(Vec::len), Some(1));
        assert_eq!(own[0]["id"], world.facility_a);

        // Unchanged by the attempts.
        let b = server.get_ok(&b_product).await;
        assert_eq!(b["name"], "Bの石けん");
        assert_eq!(b["facility_id"], world.facility_b);
    }
);
