//! A busy bazaar for load and fault tests: an open event with facilities, products and
//! registers, and realistic baskets for its tills (1–6 lines from 1–3 facilities; cash with
//! change, card or QR).

use crate::{ApiClient, NewEvent, NewFacility, NewProduct, TestServer, World};
use rand::Rng;
use rand::rngs::StdRng;
use selpos_domain::Yen;
use selpos_domain::access::{Principal, Role};
use selpos_domain::sales::payment::{Tender, TenderKind};
use selpos_domain::sales::{SaleInput, SaleLineInput};

/// Facilities taking part in a [`Bazaar`].
pub const FACILITIES: usize = 12;
/// Products of each facility.
pub const PRODUCTS_PER_FACILITY: usize = 4;

pub struct Bazaar {
    pub event_id: i64,
    pub registers: Vec<i64>,
    /// Products by facility: (product id, price).
    pub products: Vec<Vec<(i64, i64)>>,
}

impl Bazaar {
    /// Creates an open bazaar with `registers` registers and its own [`FACILITIES`]
    /// facilities (numbered from `1000 × tag`, so several bazaars fit in one database).
    pub async fn create(server: &TestServer, registers: usize, tag: usize) -> Bazaar {
        let facilities =
            (0..FACILITIES).map(|f| NewFacility::new((1000 * tag + f) as i64, format!("事業所{tag}-{f}")));
        let products = (0..FACILITIES).flat_map(|f| {
            (0..PRODUCTS_PER_FACILITY).map(move |p| {
                let price = 100 + 60 * p as i64 + f as i64 * 10;
                let rate = if p % 2 == 0 { "reduced" } else { "standard" };
                NewProduct::new(f, format!("商品{f}-{p}"), price, rate)
            })
        });
        let world = World::on(server)
            .facilities(facilities)
            .products(products)
            .event(
                NewEvent::bazaar(format!("LOAD{tag}"))
                    .name("負荷")
                    .registers(registers),
            )
            .build()
            .await;
        Bazaar {
            event_id: world.event,
            registers: world.registers,
            products: world
                .products
                .chunks(PRODUCTS_PER_FACILITY)
                .map(|own| own.iter().map(|p| (p.id, p.price)).collect())
                .collect(),
        }
    }

    /// A realistic basket for `register`: 1–6 lines from 1–3 facilities, cash (with change),
    /// card or QR.
    pub fn basket(&self, rng: &mut StdRng, register: i64) -> SaleInput {
        let facilities: Vec<usize> = (0..rng.random_range(1..=3))
            .map(|_| rng.random_range(0..self.products.len()))
            .collect();
        let lines: Vec<SaleLineInput> = (0..rng.random_range(1..=6))
            .map(|i| {
                let own = &self.products[facilities[i % facilities.len()]];
                let (product_id, price) = own[rng.random_range(0..own.len())];
                line(rng, product_id, price)
            })
            .collect();
        let kind = match rng.random_range(0..3) {
            0 => TenderKind::Cash,
            1 => TenderKind::CreditCard,
            _ => TenderKind::QrPayment,
        };
        sale_now(register, lines, |total| Tender {
            kind,
            amount: match kind {
                TenderKind::Cash => Yen((total.0 + 999) / 1000 * 1000),
                _ => total,
            },
        })
    }
}

/// A signed-in tablet at each register of `w`, each a device of its own (sign-in is rate
/// limited per address: tablet n comes from 127.0.1.n+1).
pub async fn tablets(server: &TestServer, w: &Bazaar) -> Vec<(i64, std::sync::Arc<ApiClient>)> {
    let mut tills = Vec::new();
    for (n, &register) in w.registers.iter().enumerate() {
        let from = std::net::Ipv4Addr::new(127, 0, 1, 1 + n as u8);
        let mut till = ApiClient::from_address(&server.base, server.kind, from.into());
        crate::world::register_tablet(&mut till, register, &format!("tablet {register}")).await;
        tills.push((register, std::sync::Arc::new(till)));
    }
    tills
}

/// Posts a realistic basket of `w` for `register` from `till` and answers how long it took to
/// be recorded (201; anything else fails the benchmark, naming `during`).
pub async fn timed_sale(
    till: &ApiClient,
    w: &Bazaar,
    rng: &mut StdRng,
    register: i64,
    during: &str,
) -> std::time::Duration {
    let body = serde_json::to_value(w.basket(rng, register)).expect("json");
    let t = std::time::Instant::now();
    let (status, answer) = till.post("/api/v1/sales", &body).await;
    let took = t.elapsed();
    assert_eq!(status.as_u16(), 201, "a sale {during}: {answer}");
    took
}

/// A line of 1–3 of `product_id` at `price`.
pub fn line(rng: &mut StdRng, product_id: i64, price: i64) -> SaleLineInput {
    SaleLineInput {
        product_id,
        quantity: rng.random_range(1..=3),
        unit_price: Yen(price),
        discount: None,
        eat_in: false,
    }
}

/// A sale of `lines` on `register`, sold now, paid with the tender `pay` makes for its total.
pub fn sale_now(register: i64, lines: Vec<SaleLineInput>, pay: impl FnOnce(Yen) -> Tender) -> SaleInput {
    let total: i64 = lines.iter().map(|l| l.unit_price.0 * l.quantity).sum();
    SaleInput {
        id: uuid::Uuid::now_v7(),
        register_id: register,
        local_number: String::new(),
        sold_at: chrono::Utc::now(),
        tenders: vec![pay(Yen(total))],
        lines,
        approval_id: None,
        cashier_login: None,
    }
}

/// The test administrator (user `user_id`) at `register`, as the use cases see a tablet's
/// session: for recording sales in process, with no HTTP.
pub fn admin_at(user_id: i64, register: i64) -> Principal {
    Principal {
        user_id,
        login: "bench".into(),
        role: Role::CouncilAdmin,
        facility_id: None,
        register_id: Some(register),
    }
}
