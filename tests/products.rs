//! Product codes and the product CSV over real HTTP, on SQLite and PostgreSQL (issue 21):
//! in-store codes (JAN prefix 02, 20–29) are unique within a facility only, real JANs in the
//! whole catalogue; a CSV uploaded again updates the products it matches instead of adding
//! them twice.

use reqwest::{Method, StatusCode};
use selpos_tests::{NewFacility, TestServer, assert_error, db_test, error_fields};
use serde_json::{Value, json};

/// A valid in-store code (prefix 20) and a real JAN.
const IN_STORE: &str = "2000000000015";
const JAN: &str = "4901234567894";

fn product(facility_id: i64, name: &str, price: i64, jan: Option<&str>) -> Value {
    json!({"facility_id": facility_id, "name": name, "price": price, "tax_rate": "reduced", "jan": jan})
}

async fn facilities(server: &TestServer) -> (i64, i64) {
    let admin = server.admin_client();
    (
        NewFacility::new(1, "A工房").create(admin).await,
        NewFacility::new(2, "B農園").create(admin).await,
    )
}

async fn upload(server: &TestServer, facility: i64, csv: &str) -> (StatusCode, Value) {
    server
        .raw(
            Method::POST,
            &format!("/api/v1/facilities/{facility}/products/import"),
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await
}

fn outcomes(answer: &Value) -> Vec<String> {
    answer["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or("").to_string())
        .collect()
}

db_test!(
    in_store_codes_are_unique_per_facility_and_jans_in_the_catalogue,
    demo = false,
    |server| {
        let (a, b) = facilities(&server).await;
        // The same in-store code in two facilities: two products.
        let bread_a = server
            .created("/api/v1/products", &product(a, "食パン", 300, Some(IN_STORE)))
            .await;
        let bread_b = server
            .created("/api/v1/products", &product(b, "ロールパン", 250, Some(IN_STORE)))
            .await;
        assert_eq!(bread_a["jan"], IN_STORE);
        assert_eq!(bread_b["jan"], IN_STORE);
        // Twice in one facility: refused.
        let (status, body) = server
            .post("/api/v1/products", &product(a, "別のパン", 200, Some(IN_STORE)))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            assert_error(&body, "conflict").contains("インストアコード"),
            "{body}"
        );
        // Moved onto a facility that uses the code already: refused too.
        let (status, body) = server
            .put(
                &format!("/api/v1/products/{}", bread_b["id"]),
                &product(a, "ロールパン", 250, Some(IN_STORE)),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");

        // A real JAN stays unique across the catalogue.
        server
            .created("/api/v1/products", &product(a, "クッキー", 300, Some(JAN)))
            .await;
        let (status, body) = server
            .post("/api/v1/products", &product(b, "クッキー", 300, Some(JAN)))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(assert_error(&body, "conflict").contains("JAN"), "{body}");

        // Searching by the code finds both facilities' products; each facility its own.
        let found = server.get_ok(&format!("/api/v1/products?q={IN_STORE}")).await;
        assert_eq!(found.as_array().map(Vec::len), Some(2), "{found}");
        let of_b = server
            .get_ok(&format!("/api/v1/products?facility_id={b}&q={IN_STORE}"))
            .await;
        assert_eq!(of_b[0]["name"], "ロールパン", "{of_b}");

        // The code edited away and back keeps working (the code moves between its columns).
        let mut edited = product(b, "ロールパン", 250, Some("4006381333931"));
        let (status, body) = server
            .put(&format!("/api/v1/products/{}", bread_b["id"]), &edited)
            .await;
        assert_eq!(
            (status, &body["jan"]),
            (StatusCode::OK, &json!("4006381333931")),
            "{body}"
        );
        edited["jan"] = json!(IN_STORE);
        let (status, body) = server
            .put(&format!("/api/v1/products/{}", bread_b["id"]), &edited)
            .await;
        assert_eq!(
            (status, &body["jan"]),
            (StatusCode::OK, &json!(IN_STORE)),
            "{body}"
        );

        // A register's catalogue has both, each under its facility.
        let event = json!({"code": "HB26", "kind": "bazaar", "name": "ハートバザール", "venue": "前橋",
            "starts_on": "2026-11-28", "ends_on": "2026-11-29",
            "commission": {"kind": "percent", "basis_points": 1000},
            "participants": [{"facility_id": a}, {"facility_id": b}],
            "registers": [{"code": "R1", "name": "レジ1"}]});
        let event = server.created("/api/v1/events", &event).await;
        let catalog = server
            .get_ok(&format!(
                "/api/v1/registers/{}/catalog",
                event["registers"][0]["id"]
            ))
            .await;
        let mut coded: Vec<(i64, String)> = catalog["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|i| i["jan"] == IN_STORE)
            .map(|i| {
                (
                    i["facility_id"].as_i64().unwrap_or(0),
                    i["name"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        coded.sort();
        assert_eq!(coded, [(a, "食パン".to_string()), (b, "ロールパン".to_string())]);
    }
);

db_test!(
    a_product_csv_uploaded_twice_updates_instead_of_adding,
    demo = false,
    |server| {
        let (a, b) = facilities(&server).await;
        // B uses the in-store code too: that is no clash for A.
        server
            .created("/api/v1/products", &product(b, "ロールパン", 250, Some(IN_STORE)))
            .await;
        let csv = format!(
            "商品名,ふりがな,価格,税率,JAN,分類\n\
             クッキー,くっきー,300,8,{JAN},焼き菓子\n\
             食パン,しょくぱん,400,8,{IN_STORE},パン\n\
             布ぞうり,ぬのぞうり,900,10,,手芸\n"
        );
        let (status, first) = upload(&server, a, &csv).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(
            (&first["added"], &first["updated"], &first["unchanged"]),
            (&json!(3), &json!(0), &json!(0))
        );
        assert_eq!(outcomes(&first), ["added", "added", "added"]);
        assert_eq!(first["rows"][1]["line"], 3);
        assert_eq!(first["rows"][1]["product"]["jan"], IN_STORE);

        // The same file again: nothing added, nothing changed.
        let (status, again) = upload(&server, a, &csv).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(outcomes(&again), ["unchanged", "unchanged", "unchanged"]);
        for i in 0..3 {
            assert_eq!(
                again["rows"][i]["product"]["id"],
                first["rows"][i]["product"]["id"]
            );
        }
        let listed = server.get_ok(&format!("/api/v1/products?facility_id={a}")).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");

        // An edited catalogue: a new price (by JAN), a renamed product (by JAN), a JAN given to
        // a product that had none (by name), and one more product.
        let edited = format!(
            "商品名,ふりがな,価格,税率,JAN,分類\n\
             クッキー,くっきー,350,8,{JAN},焼き菓子\n\
             山型食パン,やまがたしょくぱん,400,8,{IN_STORE},パン\n\
             布ぞうり,ぬのぞうり,900,10,4006381333931,手芸\n\
             しおり,しおり,150,10,,雑貨\n"
        );
        let (status, answer) = upload(&server, a, &edited).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(outcomes(&answer), ["updated", "updated", "updated", "added"]);
        assert_eq!(
            (&answer["added"], &answer["updated"], &answer["unchanged"]),
            (&json!(1), &json!(3), &json!(0))
        );
        assert_eq!(answer["rows"][0]["product"]["price"], 350);
        assert_eq!(
            answer["rows"][0]["product"]["id"],
            first["rows"][0]["product"]["id"]
        );
        assert_eq!(answer["rows"][1]["product"]["name"], "山型食パン");
        assert_eq!(answer["rows"][2]["product"]["jan"], "4006381333931");
        let listed = server.get_ok(&format!("/api/v1/products?facility_id={a}")).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(4), "{listed}");
        // The price change is the product's, as an edit on the page would make it.
        let cookie = server
            .get_ok(&format!("/api/v1/products/{}", first["rows"][0]["product"]["id"]))
            .await;
        assert_eq!(cookie["price"], 350);

        // A file with fewer columns leaves the others as they are.
        let (status, answer) = upload(&server, a, "商品名,価格,税率\nしおり,150,10\n").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(outcomes(&answer), ["unchanged"]);
        assert_eq!(answer["rows"][0]["product"]["category"], "雑貨");

        // All or nothing, as before: a row taking B's real JAN, another a bad price.
        server
            .created(
                "/api/v1/products",
                &product(b, "ジャム", 500, Some("4912345678904")),
            )
            .await;
        let bad = "商品名,価格,税率,JAN\nクッキー,400,8,4901234567894\nジャム,500,8,4912345678904\n布ぞうり,abc,10,\n";
        let (status, body) = upload(&server, a, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["rows[4].price", "rows[3].jan"]);
        let cookie = server
            .get_ok(&format!("/api/v1/products/{}", first["rows"][0]["product"]["id"]))
            .await;
        assert_eq!(cookie["price"], 350, "nothing written");
    }
);
