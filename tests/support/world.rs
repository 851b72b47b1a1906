//! The till world the black-box tests stand in: facilities with their products, an event they
//! take part in with its registers, and a tablet registered to the event's first register with
//! someone signed in on it. Every area builds it here, over HTTP as the test administrator:
//!
//! ```ignore
//! let till = World::on(&server)
//!     .facilities([NewFacility::new(1, "A工房").invoice_issuer(), NewFacility::new(2, "B農園")])
//!     .products([NewProduct::reduced(0, "クッキー", 120), NewProduct::reduced(1, "ジャム", 500)])
//!     .event(NewEvent::bazaar("HB26").commission_percent(1250))
//!     .cashier(Cashier::volunteer())
//!     .open_till()
//!     .await;
//! till.record(&till.sale(lines, tenders)).await;
//! ```
//!
//! [`WorldBuilder::build`] stops before the tablet (a [`World`]); [`WorldBuilder::open_till`]
//! registers it (a [`Till`]). [`WorldBuilder::demo_bazaar`] takes the demo data's bazaar
//! instead of creating an event. The parts ([`NewFacility`], [`NewProduct`], [`NewEvent`]) also
//! make records on their own, for tests whose subject is the master data.
//!
//! Past 600 lines on purpose: the specs, the builder and the built world are one vocabulary
//! that every test area reads; split them when a second world kind arrives.

use crate::{ADMIN_LOGIN, ADMIN_PASSWORD, ApiClient, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::ops::Deref;

/// The invoice registration number the tests' registered issuers have.
pub const INVOICE_NUMBER: &str = "T7000012050002";

/// The demo data's bazaar (server/src/demo.rs).
pub const DEMO_BAZAAR: &str = "HB-DEMO";

/// A facility to create: its `POST /api/v1/facilities` body.
#[derive(Clone, Debug)]
pub struct NewFacility(Value);

impl NewFacility {
    /// Facility `number`, of corporation type 2 with 20 users, not an invoice issuer.
    pub fn new(number: i64, name: impl Into<String>) -> NewFacility {
        NewFacility(json!({"number": number, "name": name.into(), "corporation_type": 2, "capacity": 20}))
    }

    pub fn corporation_type(self, corporation_type: i64) -> NewFacility {
        self.with("corporation_type", json!(corporation_type))
    }

    pub fn capacity(self, capacity: i64) -> NewFacility {
        self.with("capacity", json!(capacity))
    }

    /// A registered invoice issuer ([`INVOICE_NUMBER`]).
    pub fn invoice_issuer(self) -> NewFacility {
        self.with("invoice_number", json!(INVOICE_NUMBER))
            .with("invoice_issuer", json!(true))
    }

    /// Any other field of the body.
    pub fn with(mut self, field: &str, value: Value) -> NewFacility {
        self.0[field] = value;
        self
    }

    pub fn body(&self) -> &Value {
        &self.0
    }

    /// Creates it as `client`; answers its id.
    pub async fn create(&self, client: &ApiClient) -> i64 {
        id(&client.created("/api/v1/facilities", &self.0).await)
    }
}

/// A product to create, of the world's `facility`-th facility (counted from 0 in the order
/// they were given).
#[derive(Clone, Debug)]
pub struct NewProduct {
    facility: usize,
    body: Value,
}

impl NewProduct {
    /// `name` at `price` yen, taxed at `tax_rate` (`reduced` 8 %, `standard` 10 %).
    pub fn new(facility: usize, name: impl Into<String>, price: i64, tax_rate: &str) -> NewProduct {
        NewProduct {
            facility,
            body: json!({"name": name.into(), "price": price, "tax_rate": tax_rate}),
        }
    }

    /// Food and drink: taxed at 8 %.
    pub fn reduced(facility: usize, name: impl Into<String>, price: i64) -> NewProduct {
        NewProduct::new(facility, name, price, "reduced")
    }

    /// Taxed at 10 %.
    pub fn standard(facility: usize, name: impl Into<String>, price: i64) -> NewProduct {
        NewProduct::new(facility, name, price, "standard")
    }

    /// Any other field of the body.
    pub fn with(mut self, field: &str, value: Value) -> NewProduct {
        self.body[field] = value;
        self
    }

    /// The `POST /api/v1/products` body for a facility with this id.
    pub fn body(&self, facility_id: i64) -> Value {
        let mut body = self.body.clone();
        body["facility_id"] = json!(facility_id);
        body
    }

    /// Creates it for the facility `facility_id` as `client`.
    pub async fn create(&self, client: &ApiClient, facility_id: i64) -> Product {
        let created = client.created("/api/v1/products", &self.body(facility_id)).await;
        Product {
            id: id(&created),
            facility: facility_id,
            price: created["price"].as_i64().expect("price"),
        }
    }
}

/// A product as created: its id, its facility's id and its list price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub facility: i64,
    pub price: i64,
}

/// An event to create, whose participants are (some of) the world's facilities.
#[derive(Clone, Debug)]
pub struct NewEvent {
    body: Value,
    /// Indices of the world's facilities; all of them when `None`.
    participants: Option<Vec<usize>>,
    /// Facilities (by index) that pay a fixed fee instead of the percentage.
    fixed_fees: Vec<(usize, i64)>,
}

impl NewEvent {
    /// An open bazaar ハートバザール on 28–29 November 2026 with a 10 % commission and one
    /// register, R1 レジ1, that every facility of the world takes part in.
    pub fn bazaar(code: impl Into<String>) -> NewEvent {
        NewEvent {
            body: json!({"code": code.into(), "kind": "bazaar", "name": "ハートバザール",
                "starts_on": "2026-11-28", "ends_on": "2026-11-29", "state": "open",
                "commission": {"kind": "percent", "basis_points": 1000},
                "registers": [{"code": "R1", "name": "レジ1"}]}),
            participants: None,
            fixed_fees: Vec::new(),
        }
    }

    /// The ぐんまSELP SHOP as a standing shop (no last day, settled by period) open since
    /// `first_day`, with the bazaar's commission and register.
    pub fn standing_shop(code: impl Into<String>, first_day: chrono::NaiveDate) -> NewEvent {
        NewEvent::bazaar(code)
            .kind("selp_shop")
            .name("ぐんまSELP SHOP")
            .dates(&first_day.to_string(), &first_day.to_string())
            .with("standing", json!(true))
    }

    pub fn kind(self, kind: &str) -> NewEvent {
        self.with("kind", json!(kind))
    }

    pub fn name(self, name: impl Into<String>) -> NewEvent {
        self.with("name", json!(name.into()))
    }

    /// First and last day (`YYYY-MM-DD`).
    pub fn dates(self, starts_on: &str, ends_on: &str) -> NewEvent {
        self.with("starts_on", json!(starts_on))
            .with("ends_on", json!(ends_on))
    }

    /// `planned`, `open`, `closed`.
    pub fn state(self, state: &str) -> NewEvent {
        self.with("state", json!(state))
    }

    /// The commission in hundredths of a percent (1000 = 10 %).
    pub fn commission_percent(self, basis_points: i64) -> NewEvent {
        self.with(
            "commission",
            json!({"kind": "percent", "basis_points": basis_points}),
        )
    }

    /// Only these of the world's facilities (by index) take part.
    pub fn participants(mut self, facilities: impl IntoIterator<Item = usize>) -> NewEvent {
        self.participants = Some(facilities.into_iter().collect());
        self
    }

    /// The `facility`-th facility pays a fixed fee of `yen` instead of the percentage.
    pub fn fixed_fee(mut self, facility: usize, yen: i64) -> NewEvent {
        self.fixed_fees.push((facility, yen));
        self
    }

    /// Registers R1 … Rn, named レジ1 … レジn.
    pub fn registers(self, n: usize) -> NewEvent {
        let registers: Vec<Value> = (1..=n)
            .map(|r| json!({"code": format!("R{r}"), "name": format!("レジ{r}")}))
            .collect();
        self.with("registers", json!(registers))
    }

    /// Register R1 prints on `printer` (none: no printer), on 80 mm paper (48 columns).
    pub fn printer(mut self, printer: Option<&str>) -> NewEvent {
        let register = &mut self.body["registers"][0];
        register["printer_addr"] = json!(printer);
        register["paper_columns"] = json!(48);
        self
    }

    /// Any other field of the body.
    pub fn with(mut self, field: &str, value: Value) -> NewEvent {
        self.body[field] = value;
        self
    }

    /// The `POST /api/v1/events` body, the world's facilities having these ids.
    pub fn body(&self, facilities: &[i64]) -> Value {
        let taking_part: Vec<usize> = match &self.participants {
            Some(chosen) => chosen.clone(),
            None => (0..facilities.len()).collect(),
        };
        let participants: Vec<Value> = taking_part
            .into_iter()
            .map(|i| {
                let mut participant = json!({"facility_id": facilities[i]});
                if let Some((_, yen)) = self.fixed_fees.iter().find(|(f, _)| *f == i) {
                    participant["commission_override"] = json!({"kind": "fixed", "yen": yen});
                }
                participant
            })
            .collect();
        let mut body = self.body.clone();
        body["participants"] = json!(participants);
        body
    }
}

/// A cashier: a user with a PIN and no password, who signs in only on a registered tablet.
#[derive(Clone, Debug)]
pub struct Cashier {
    pub login: String,
    pub display_name: String,
    pub pin: String,
}

impl Cashier {
    pub fn new(login: &str, display_name: &str, pin: &str) -> Cashier {
        Cashier {
            login: login.into(),
            display_name: display_name.into(),
            pin: pin.into(),
        }
    }

    /// `vol`, ボランティア, PIN 2468.
    pub fn volunteer() -> Cashier {
        Cashier::new("vol", "ボランティア", "2468")
    }

    /// The `POST /api/v1/users` body.
    pub fn body(&self) -> Value {
        json!({"login": self.login, "display_name": self.display_name, "role": "cashier", "pin": self.pin})
    }
}

/// What [`World::on`] is asked to make.
pub struct WorldBuilder<'a> {
    server: &'a TestServer,
    council: Option<Value>,
    existing_facilities: Vec<i64>,
    facilities: Vec<NewFacility>,
    products: Vec<NewProduct>,
    event: NewEvent,
    other_events: Vec<NewEvent>,
    cashier: Option<Cashier>,
    device: String,
    demo: bool,
}

impl<'a> WorldBuilder<'a> {
    /// The council's record (`PUT /api/v1/council`), saved first.
    pub fn council(mut self, council: Value) -> Self {
        self.council = Some(council);
        self
    }

    /// Facilities that exist already (the demo's): they come first among the world's
    /// facilities and take part in its event like the created ones.
    pub fn existing_facilities(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.existing_facilities.extend(ids);
        self
    }

    pub fn facility(mut self, facility: NewFacility) -> Self {
        self.facilities.push(facility);
        self
    }

    pub fn facilities(mut self, facilities: impl IntoIterator<Item = NewFacility>) -> Self {
        self.facilities.extend(facilities);
        self
    }

    pub fn product(mut self, product: NewProduct) -> Self {
        self.products.push(product);
        self
    }

    pub fn products(mut self, products: impl IntoIterator<Item = NewProduct>) -> Self {
        self.products.extend(products);
        self
    }

    /// The world's event; [`NewEvent::bazaar`]`("HB26")` when not given.
    pub fn event(mut self, event: NewEvent) -> Self {
        self.event = event;
        self
    }

    /// Another event, created after the world's own (its ids: [`World::other_events`]).
    pub fn other_event(mut self, event: NewEvent) -> Self {
        self.other_events.push(event);
        self
    }

    /// The cashier (created after the events) who signs in on the tablet with the PIN; without
    /// one, the tablet is signed in as the test administrator.
    pub fn cashier(mut self, cashier: Cashier) -> Self {
        self.cashier = Some(cashier);
        self
    }

    /// The tablet's name (タブレット when not given).
    pub fn device(mut self, name: &str) -> Self {
        self.device = name.into();
        self
    }

    /// The demo data's bazaar (HB-DEMO, on a server started with demo data) with its register
    /// R1, its facilities and facility 1's products: nothing is created.
    pub fn demo_bazaar(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Creates the world (with the cashier's user, but no tablet).
    pub async fn build(self) -> World {
        if self.demo {
            assert!(
                self.facilities.is_empty() && self.products.is_empty() && self.council.is_none(),
                "the demo bazaar is taken as it is"
            );
            return World::demo(self.server).await;
        }
        let admin = self.server.admin_client();
        if let Some(council) = &self.council {
            let (status, body) = admin.put("/api/v1/council", council).await;
            assert_eq!(status, StatusCode::OK, "[{}] council: {body}", admin.kind);
        }
        let mut facilities = self.existing_facilities.clone();
        for facility in &self.facilities {
            facilities.push(facility.create(admin).await);
        }
        let mut products = Vec::new();
        for product in &self.products {
            products.push(product.create(admin, facilities[product.facility]).await);
        }
        let event_input = self.event.body(&facilities);
        let event = admin.created("/api/v1/events", &event_input).await;
        let registers: Vec<i64> = event["registers"]
            .as_array()
            .expect("registers")
            .iter()
            .map(id)
            .collect();
        for (sent, stored) in event_input["registers"]
            .as_array()
            .into_iter()
            .flatten()
            .zip(event["registers"].as_array().into_iter().flatten())
        {
            if let Some(printer) = sent.get("printer_addr") {
                assert_eq!(&stored["printer_addr"], printer, "{event}");
            }
        }
        let mut other_events = Vec::new();
        for other in &self.other_events {
            other_events.push(id(&admin
                .created("/api/v1/events", &other.body(&facilities))
                .await));
        }
        if let Some(cashier) = &self.cashier {
            admin.created("/api/v1/users", &cashier.body()).await;
        }
        World {
            facilities,
            products,
            event: id(&event),
            event_input,
            register: registers[0],
            registers,
            other_events,
        }
    }

    /// Creates the world and a tablet registered to its first register, signed in as the
    /// cashier (with the PIN) or, without one, as the test administrator.
    pub async fn open_till(self) -> Till {
        let (server, cashier, device) = (self.server, self.cashier.clone(), self.device.clone());
        let world = self.build().await;
        let cashier = match cashier {
            Some(cashier) => pin_tablet(server, world.register, &device, &cashier).await,
            None => {
                let mut till = server.anonymous();
                register_tablet(&mut till, world.register, &device).await;
                till
            }
        };
        Till { world, cashier }
    }
}

/// Facilities, products, an event with registers: what a till sells from.
#[derive(Clone, Debug)]
pub struct World {
    /// Facility ids, in the order given.
    pub facilities: Vec<i64>,
    /// Products, in the order given.
    pub products: Vec<Product>,
    pub event: i64,
    /// The event as `PUT /api/v1/events/{id}` takes it back.
    pub event_input: Value,
    /// The first register (R1).
    pub register: i64,
    pub registers: Vec<i64>,
    pub other_events: Vec<i64>,
}

impl World {
    /// What to make on `server`: nothing yet.
    pub fn on(server: &TestServer) -> WorldBuilder<'_> {
        WorldBuilder {
            server,
            council: None,
            existing_facilities: Vec::new(),
            facilities: Vec::new(),
            products: Vec::new(),
            event: NewEvent::bazaar("HB26"),
            other_events: Vec::new(),
            cashier: None,
            device: "タブレット".into(),
            demo: false,
        }
    }

    async fn demo(server: &TestServer) -> World {
        let events = server.get_ok("/api/v1/events").await;
        let bazaar = events
            .as_array()
            .and_then(|list| list.iter().find(|e| e["code"] == DEMO_BAZAAR))
            .unwrap_or_else(|| panic!("no {DEMO_BAZAAR} in {events}"));
        let registers: Vec<i64> = bazaar["registers"]
            .as_array()
            .expect("registers")
            .iter()
            .map(id)
            .collect();
        let r1 = bazaar["registers"]
            .as_array()
            .and_then(|list| list.iter().find(|r| r["code"] == "R1"))
            .expect("register R1");
        let products = server.get_ok("/api/v1/products?facility_id=1").await;
        World {
            facilities: bazaar["participants"]
                .as_array()
                .expect("participants")
                .iter()
                .map(|p| p["facility_id"].as_i64().expect("facility"))
                .collect(),
            products: products
                .as_array()
                .expect("products")
                .iter()
                .map(|p| Product {
                    id: id(p),
                    facility: 1,
                    price: p["price"].as_i64().expect("price"),
                })
                .collect(),
            event: id(bazaar),
            event_input: event_input(bazaar),
            register: id(r1),
            registers,
            other_events: Vec::new(),
        }
    }

    /// A sale of `lines` paid with `tenders` on the first register, sold at `sold_at`.
    pub fn sale_at(&self, sold_at: &str, lines: Value, tenders: Value) -> Value {
        json!({"id": uuid::Uuid::now_v7(), "register_id": self.register, "local_number": "R1-L1",
               "sold_at": sold_at, "lines": lines, "tenders": tenders})
    }

    /// A sale of `lines` paid with `tenders`, sold on the event's first day at 11:00 in Tokyo
    /// (or now, if that is still to come: the demo bazaar starts today).
    pub fn sale(&self, lines: Value, tenders: Value) -> Value {
        let first_day = self.event_input["starts_on"]
            .as_str()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .expect("the event's first day");
        // 11:00 in Tokyo is 02:00 UTC.
        let eleven = first_day.and_hms_opt(2, 0, 0).expect("a time").and_utc();
        let sold_at = eleven.min(chrono::Utc::now());
        self.sale_at(
            &sold_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            lines,
            tenders,
        )
    }

    /// `quantity` of `product` at its list price, paid in cash to the yen.
    pub fn cash_sale(&self, product: &Product, quantity: i64) -> Value {
        self.sale(
            json!([{"product_id": product.id, "quantity": quantity, "unit_price": product.price}]),
            json!([{"kind": "cash", "amount": product.price * quantity}]),
        )
    }

    /// Closes the first register with the cash it expects, closes the event and settles it.
    pub async fn close_and_settle(&self, server: &TestServer) {
        self.close_register(server).await;
        let (status, body) = self.set_state(server, "closed").await;
        assert!(status.is_success(), "{body}");
        let (status, body) = server
            .post(&format!("/api/v1/events/{}/settle", self.event), &json!({}))
            .await;
        assert!(status.is_success(), "settle: {body}");
    }

    /// Closes the first register (レジ締め) with the cash it expects.
    pub async fn close_register(&self, server: &TestServer) {
        let session = server
            .get_ok(&format!("/api/v1/registers/{}/session", self.register))
            .await;
        let expected = session["report"]["cash"]["expected"].as_i64().expect("expected");
        let (status, body) = server
            .post(
                &format!("/api/v1/registers/{}/close", self.register),
                &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 1, "count": expected}]}),
            )
            .await;
        assert!(status.is_success(), "close: {body}");
    }

    /// Moves the event to `state` (open, closed) through `PUT /api/v1/events/{id}`.
    pub async fn set_state(&self, server: &TestServer, state: &str) -> (StatusCode, Value) {
        let mut input = self.event_input.clone();
        input["state"] = json!(state);
        server
            .put(&format!("/api/v1/events/{}", self.event), &input)
            .await
    }
}

/// A [`World`] with a tablet registered to its first register and signed in.
pub struct Till {
    pub world: World,
    /// The tablet: signed in as the world's cashier, or as the test administrator.
    pub cashier: ApiClient,
}

impl Deref for Till {
    type Target = World;

    fn deref(&self) -> &World {
        &self.world
    }
}

impl Till {
    /// Posts the sale `body` from the tablet and expects 201; answers the recorded sale.
    pub async fn record(&self, body: &Value) -> Value {
        self.cashier.created("/api/v1/sales", body).await
    }
}

/// The heart bazaar of the sales and receipt tests: facility A工房 (an invoice issuer) with a
/// cookie (¥120, 8 %) and a soap (¥780, 10 %), facility B農園 (exempt) with a jam (¥500, 8 %),
/// the open event HB26 with its register R1, and the volunteer signed in on its tablet.
pub struct HeartBazaar {
    pub till: Till,
    pub facility_a: i64,
    pub facility_b: i64,
    pub cookie: i64,
    pub soap: i64,
    pub jam: i64,
}

impl HeartBazaar {
    /// Adds the heart bazaar's facilities, goods and cashier to `world` and opens the till.
    pub async fn open(world: WorldBuilder<'_>) -> HeartBazaar {
        let till = world
            .facilities([
                NewFacility::new(1, "A工房").invoice_issuer(),
                NewFacility::new(2, "B農園").corporation_type(5).capacity(10),
            ])
            .products([
                NewProduct::reduced(0, "クッキー", 120),
                NewProduct::standard(0, "石けん", 780),
                NewProduct::reduced(1, "ジャム", 500),
            ])
            .cashier(Cashier::volunteer())
            .open_till()
            .await;
        let ([facility_a, facility_b], [cookie, soap, jam]) = (
            [till.facilities[0], till.facilities[1]],
            [till.products[0].id, till.products[1].id, till.products[2].id],
        );
        HeartBazaar {
            till,
            facility_a,
            facility_b,
            cookie,
            soap,
            jam,
        }
    }
}

impl Deref for HeartBazaar {
    type Target = Till;

    fn deref(&self) -> &Till {
        &self.till
    }
}

/// Registers a tablet called `name` for `register` on `till` as the test administrator, and
/// signs in again, which binds the session to that tablet.
pub async fn register_tablet(till: &mut ApiClient, register: i64, name: &str) {
    till.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    till.created("/api/v1/devices", &json!({"register_id": register, "name": name}))
        .await;
    till.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
}

/// A tablet called `name` registered for `register` by the test administrator, who signs out
/// for `cashier` to sign in with the PIN.
pub async fn pin_tablet(server: &TestServer, register: i64, name: &str, cashier: &Cashier) -> ApiClient {
    let mut till = server.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    till.created("/api/v1/devices", &json!({"register_id": register, "name": name}))
        .await;
    let (status, _) = till.request(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "[{}] sign out", server.kind);
    let (status, body) = till.sign_in_with_pin(&cashier.login, &cashier.pin).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "[{}] {} PIN sign-in: {body}",
        server.kind,
        cashier.login
    );
    assert_eq!(body["register"]["register_id"], register, "{body}");
    till
}

/// An event as the API answers it, as `PUT /api/v1/events/{id}` takes it back.
pub fn event_input(event: &Value) -> Value {
    let mut input = event.clone();
    let object = input.as_object_mut().expect("an event");
    for key in ["id", "created_at", "updated_at"] {
        object.remove(key);
    }
    let registers: Vec<Value> = event["registers"]
        .as_array()
        .expect("registers")
        .iter()
        .map(|r| {
            json!({"code": r["code"], "name": r["name"], "printer_addr": r["printer_addr"],
                "paper_columns": r["paper_columns"]})
        })
        .collect();
    input["registers"] = json!(registers);
    input
}

fn id(record: &Value) -> i64 {
    record["id"].as_i64().unwrap_or_else(|| panic!("no id: {record}"))
}
