//! The audit log's filters (`GET /api/v1/audit`): by user, by kind or its group, by days in
//! Japan; each filter checked, with a message naming the wrong one.

use reqwest::StatusCode;
use selpos_tests::{ADMIN_LOGIN, NewFacility, NewProduct, World, db_test, error_fields};
use serde_json::{Value, json};

fn actions(entries: &Value) -> Vec<String> {
    entries
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_string())
        .collect()
}

db_test!(
    the_audit_log_filters_by_user_kind_and_day,
    demo = false,
    |server| {
        let world = World::on(&server)
            .facility(NewFacility::new(1, "A工房"))
            .product(NewProduct::reduced(0, "クッキー", 300))
            .build()
            .await;
        let product = &world.products[0];
        let (status, body) = server
            .put(
                &format!("/api/v1/products/{}", product.id),
                &json!({"facility_id": world.facilities[0], "name": "クッキー", "price": 350, "tax_rate": "reduced"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // By kind, and by the kind's group.
        let updates = server.get_ok("/api/v1/audit?action=product.update").await;
        assert_eq!(actions(&updates), ["product.update"]);
        let products = server.get_ok("/api/v1/audit?action=product").await;
        assert_eq!(actions(&products), ["product.update", "product.create"]);
        // By user.
        let mine = server
            .get_ok(&format!("/api/v1/audit?actor={ADMIN_LOGIN}&action=product"))
            .await;
        assert_eq!(actions(&mine).len(), 2);
        let nobody = server.get_ok("/api/v1/audit?actor=nobody").await;
        assert_eq!(actions(&nobody).len(), 0);
        // By days in Japan: today has them, a day long past has none.
        let today = selpos_domain::events::tokyo_date(chrono::Utc::now());
        let todays = server
            .get_ok(&format!(
                "/api/v1/audit?action=product&from_date={today}&until_date={today}"
            ))
            .await;
        assert_eq!(actions(&todays).len(), 2);
        let past = server
            .get_ok("/api/v1/audit?from_date=2020-01-01&until_date=2020-01-31")
            .await;
        assert_eq!(actions(&past).len(), 0);
        let tomorrow = today.succ_opt().expect("tomorrow");
        let from_tomorrow = server
            .get_ok(&format!("/api/v1/audit?from_date={tomorrow}"))
            .await;
        assert_eq!(actions(&from_tomorrow).len(), 0);

        // Checked: an unknown kind, a period ending before it starts, a day given twice, a
        // day that is not one.
        for (query, field) in [
            ("action=product.explode", "action"),
            ("action=drop%20table", "action"),
            ("from_date=2026-11-29&until_date=2026-11-28", "until_date"),
            ("from=2026-11-28T00:00:00Z&from_date=2026-11-28", "from_date"),
        ] {
            let (status, body) = server.get(&format!("/api/v1/audit?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert!(error_fields(&body).iter().any(|f| f == field), "{query}: {body}");
        }
        let (status, body) = server.get("/api/v1/audit?from_date=2026-13-01").await;
        assert!(status.is_client_error(), "{body}");
    }
);
