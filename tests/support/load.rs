//! A busy bazaar for load and fault tests: an open event with facilities, products and
//! registers, and realistic baskets for its tills (1–6 lines from 1–3 facilities; cash with
//! change, card or QR).

use crate::{ADMIN_LOGIN, ADMIN_PASSWORD, ApiClient, TestServer};
use rand::Rng;
use rand::rngs::StdRng;
use selpos_domain::Yen;
use selpos_domain::sales::payment::{Tender, TenderKind};
use selpos_domain::sales::{SaleInput, SaleLineInput};
use serde_json::{Value, json};

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
        let admin = server.admin_client();
        let mut products = Vec::new();
        let mut participants = Vec::new();
        for f in 0..FACILITIES {
            let (status, facility) = admin
                .post("/api/v1/facilities", &json!({"number": 1000 * tag + f, "name": format!("事業所{tag}-{f}"), "corporation_type": 2, "capacity": 20}))
                .await;
            assert_eq!(status.as_u16(), 201, "{facility}");
            let facility = facility["id"].as_i64().expect("facility");
            participants.push(json!({"facility_id": facility}));
            let mut own = Vec::new();
            for p in 0..PRODUCTS_PER_FACILITY {
                let price = 100 + 60 * p as i64 + f as i64 * 10;
                let rate = if p % 2 == 0 { "reduced" } else { "standard" };
                let (status, product) = admin
                    .post("/api/v1/products", &json!({"facility_id": facility, "name": format!("商品{f}-{p}"), "price": price, "tax_rate": rate}))
                    .await;
                assert_eq!(status.as_u16(), 201, "{product}");
                own.push((product["id"].as_i64().expect("product"), price));
            }
            products.push(own);
        }
        let register_inputs: Vec<Value> = (0..registers)
            .map(|r| json!({"code": format!("R{}", r + 1), "name": format!("レジ{}", r + 1)}))
            .collect();
        let (status, event) = admin
            .post("/api/v1/events", &json!({"code": format!("LOAD{tag}"), "kind": "bazaar", "name": "負荷", "starts_on": "2026-11-28",
                "ends_on": "2026-11-29", "state": "open", "commission": {"kind": "percent", "basis_points": 1000},
                "participants": participants, "registers": register_inputs}))
            .await;
        assert_eq!(status.as_u16(), 201, "{event}");
        Bazaar {
            event_id: event["id"].as_i64().expect("event"),
            registers: event["registers"]
                .as_array()
                .expect("registers")
                .iter()
                .map(|r| r["id"].as_i64().expect("id"))
                .collect(),
            products,
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
                SaleLineInput {
                    product_id,
                    quantity: rng.random_range(1..=3),
                    unit_price: Yen(price),
                    discount: None,
                }
            })
            .collect();
        let total: i64 = lines.iter().map(|l| l.unit_price.0 * l.quantity).sum();
        let tender = match rng.random_range(0..3) {
            0 => Tender {
                kind: TenderKind::Cash,
                amount: Yen((total + 999) / 1000 * 1000),
            },
            1 => Tender {
                kind: TenderKind::CreditCard,
                amount: Yen(total),
            },
            _ => Tender {
                kind: TenderKind::QrPayment,
                amount: Yen(total),
            },
        };
        SaleInput {
            id: uuid::Uuid::now_v7(),
            register_id: register,
            local_number: String::new(),
            sold_at: chrono::Utc::now(),
            lines,
            tenders: vec![tender],
            approval_id: None,
        }
    }
}

/// Registers a tablet for `register` on `till` (signed in as the test administrator) and
/// signs in again, which binds the session to that tablet.
pub async fn register_tablet(till: &mut ApiClient, register: i64) {
    till.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let (status, body) = till
        .post(
            "/api/v1/devices",
            &json!({"register_id": register, "name": format!("tablet {register}")}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "[{}] register a tablet: {body}", till.kind);
    till.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
}
