//! お客様画面 over real HTTP on SQLite and PostgreSQL: the till makes a link, publishes what it
//! shows, and the screen — signed in as no one — follows by the link's token; a stale or
//! hostile state never lands, a new link retires the old one, and no other till can write.

use reqwest::{Method, StatusCode};
use selpos_tests::world::pin_tablet;
use selpos_tests::{
    Cashier, NewEvent, NewFacility, NewProduct, TestServer, Till, World, assert_error, db_test, error_fields,
};
use serde_json::{Value, json};

const ORIGIN: &str = "http://192.168.10.5:3000";

async fn till(server: &TestServer) -> Till {
    World::on(server)
        .facility(NewFacility::new(1, "A工房"))
        .product(NewProduct::reduced(0, "クッキー", 300))
        .event(NewEvent::bazaar("HB26").registers(2))
        .cashier(Cashier::volunteer())
        .open_till()
        .await
}

fn cart(seq: i64, quantity: i64) -> Value {
    json!({"seq": seq, "phase": "cart", "lines": [{"name": "クッキー", "quantity": quantity, "amount": 300 * quantity}],
           "total": 300 * quantity, "tendered": 0})
}

/// Makes a link for the till's register; answers its token.
async fn link(till: &Till) -> String {
    let made = till
        .cashier
        .created(
            &format!("/api/v1/registers/{}/display-link", till.register),
            &json!({"origin": format!("{ORIGIN}/")}),
        )
        .await;
    let url = made["url"].as_str().expect("url");
    assert!(
        made["qr_svg"].as_str().is_some_and(|svg| svg.starts_with("<svg")),
        "{made}"
    );
    let token = url
        .strip_prefix(&format!("{ORIGIN}/display/"))
        .unwrap_or_else(|| panic!("{url}"));
    assert!(token.len() >= 32, "{token}");
    token.to_string()
}

async fn publish(till: &Till, state: &Value) -> (StatusCode, Value) {
    till.cashier
        .put(&format!("/api/v1/registers/{}/display", till.register), state)
        .await
}

db_test!(a_customer_screen_follows_its_till, demo = false, |server| {
    let till = till(&server).await;
    let token = link(&till).await;
    let screen = server.anonymous();
    let path = format!("/api/v1/display/{token}");

    // Before the till's first state: the names, nothing to show.
    let view = screen.get_ok(&path).await;
    assert!(view["state"].is_null(), "{view}");
    assert_eq!(view["register_name"], "レジ1", "{view}");

    let (status, body) = publish(&till, &cart(10, 2)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let view = screen.get_ok(&path).await;
    assert_eq!(view["state"]["lines"][0]["quantity"], 2, "{view}");
    assert_eq!(view["state"]["total"], 600);

    // A late request with an older state changes nothing.
    let (status, _) = publish(&till, &cart(9, 5)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(screen.get_ok(&path).await["state"]["seq"], 10);

    // Two racing: the newer stays, whichever commits last.
    let (newer, older) = (cart(30, 3), cart(20, 1));
    let (a, b) = tokio::join!(publish(&till, &newer), publish(&till, &older));
    assert_eq!((a.0, b.0), (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT));
    let view = screen.get_ok(&path).await;
    assert_eq!(
        (view["state"]["seq"].clone(), view["state"]["total"].clone()),
        (json!(30), json!(900))
    );

    // Paid: the change.
    let paid = json!({"seq": 40, "phase": "paid", "total": 900, "tendered": 1000, "change": 100});
    assert_eq!(publish(&till, &paid).await.0, StatusCode::NO_CONTENT);
    assert_eq!(screen.get_ok(&path).await["state"]["change"], 100);

    // Asked again with its ETag: 304 while unchanged, the new view once the till moves on.
    let first = screen.builder(Method::GET, &path).send().await.expect("get");
    let etag = first.headers()["etag"].to_str().expect("etag").to_string();
    let again = screen
        .builder(Method::GET, &path)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(publish(&till, &cart(50, 1)).await.0, StatusCode::NO_CONTENT);
    let moved = screen
        .builder(Method::GET, &path)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(moved.status(), StatusCode::OK);

    // A new link retires the old one; the state stays.
    let renewed = link(&till).await;
    let (status, body) = screen.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    let view = screen.get_ok(&format!("/api/v1/display/{renewed}")).await;
    assert_eq!(view["state"]["seq"], 50);
});

db_test!(hostile_screen_input_is_refused, demo = false, |server| {
    let till = till(&server).await;
    let token = link(&till).await;
    let register = till.register;
    let screen_path = format!("/api/v1/display/{token}");
    let publish_path = format!("/api/v1/registers/{register}/display");
    assert_eq!(publish(&till, &cart(5, 1)).await.0, StatusCode::NO_CONTENT);

    // Origins that are no origin.
    for origin in ["javascript:alert(1)", "http://host/path?x", "ftp://host", ""] {
        let (status, body) = till
            .cashier
            .post(
                &format!("/api/v1/registers/{register}/display-link"),
                &json!({"origin": origin}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{origin}: {body}");
        assert_eq!(error_fields(&body), ["origin"], "{origin}");
    }

    // States out of bounds, each refused whole.
    let mut too_many = cart(6, 1);
    too_many["lines"] = json!(vec![cart(6, 1)["lines"][0].clone(); 301]);
    for (what, state, fields) in [
        ("quantity 0", cart(6, 0), vec!["lines[0].quantity"]),
        ("negative seq", cart(-1, 1), vec!["seq"]),
        ("301 lines", too_many, vec!["lines"]),
        (
            "negative total",
            json!({"seq": 7, "phase": "cart", "total": -1}),
            vec!["total"],
        ),
    ] {
        let (status, body) = publish(&till, &state).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        assert_eq!(error_fields(&body), fields, "{what}");
    }
    let (status, body) = till
        .cashier
        .raw(
            Method::PUT,
            &publish_path,
            "application/json",
            br#"{"seq": 99999999999999999999999, "phase": "cart", "total": 1}"#.to_vec(),
        )
        .await;
    assert!(status.is_client_error(), "seq past i64: {status} {body}");
    let (status, body) = publish(&till, &json!({"seq": 8, "phase": "shouting", "total": 1})).await;
    assert!(status.is_client_error(), "unknown phase: {status} {body}");
    assert_eq!(
        server.anonymous().get_ok(&screen_path).await["state"]["seq"],
        5,
        "nothing landed"
    );

    // Another register's till may not write to this one's screen, nor a council user away
    // from the till.
    let second = Cashier::new("vol-2", "ボランティア2", "5678");
    server.created("/api/v1/users", &second.body()).await;
    let other = pin_tablet(&server, till.registers[1], "タブレット2", &second).await;
    let (status, _) = other.put(&publish_path, &cart(100, 1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server.put(&publish_path, &cart(101, 1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(server.anonymous().get_ok(&screen_path).await["state"]["seq"], 5);

    // Tokens that are no link: 404 in the error shape, never more.
    for bad in ["nothing-here", "..%2F..%2Fetc%2Fpasswd", &"a".repeat(500), "%00"] {
        let (status, body) = server.anonymous().get(&format!("/api/v1/display/{bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}: {body}");
    }
});
