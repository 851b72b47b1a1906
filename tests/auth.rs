//! Signing in, sessions, CSRF, tablets, manager approvals and the audit trail.

use reqwest::{Method, StatusCode};
use selpos_tests::{
    ADMIN_LOGIN, ADMIN_PASSWORD, ADMIN_PIN, Cashier, NewEvent, NewFacility, World, assert_error, db_test,
};
use serde_json::{Value, json};

db_test!(
    wrong_passwords_are_refused_alike_and_lock_the_account,
    demo = false,
    |server| {
        let mut client = server.anonymous();
        let (status, unknown) = client
            .post(
                "/api/v1/session",
                &json!({"login": "nobody", "password": "whatever-123"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, wrong) = client
            .post(
                "/api/v1/session",
                &json!({"login": ADMIN_LOGIN, "password": "wrong-password"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            unknown, wrong,
            "an unknown login and a wrong password look the same"
        );
        assert_error(&wrong, "bad_credentials");

        for _ in 0..4 {
            client
                .post(
                    "/api/v1/session",
                    &json!({"login": ADMIN_LOGIN, "password": "wrong-password"}),
                )
                .await;
        }
        let (status, body) = client
            .post(
                "/api/v1/session",
                &json!({"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "locked after 5 failures: {body}"
        );
        assert!(assert_error(&body, "locked").contains("分後"));

        // The failures are in the audit log (read by the admin signed in before the lockout),
        // summarised: a row for each login's first failure, the count of the rest when its
        // window closes (signin.rs).
        let audit = server.get_ok("/api/v1/audit?action=session.login_failed").await;
        let logins: Vec<&str> = audit
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|row| row["actor_login"].as_str())
            .collect();
        assert_eq!(logins, [ADMIN_LOGIN, "nobody"], "{audit}");
        client.csrf = None;
    }
);

db_test!(
    sessions_use_strict_http_only_cookies_and_csrf_tokens,
    demo = false,
    |server| {
        let raw = reqwest::Client::new()
            .post(format!("{}/api/v1/session", server.base))
            .json(&json!({"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .expect("login");
        let cookies: Vec<String> = raw
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or("").to_string())
            .collect();
        let session = cookies
            .iter()
            .find(|c| c.starts_with("selpos_session="))
            .expect("session cookie");
        assert!(
            session.contains("HttpOnly") && session.contains("SameSite=Strict"),
            "{session}"
        );
        let csrf = cookies
            .iter()
            .find(|c| c.starts_with("selpos_csrf="))
            .expect("csrf cookie");
        assert!(!csrf.contains("HttpOnly"), "the app reads it: {csrf}");

        let mut client = server.login(ADMIN_LOGIN, ADMIN_PASSWORD).await;
        let token = client.csrf.take();
        let facility = json!({"number": 1, "name": "A", "corporation_type": 2, "capacity": 10});
        let (status, body) = client.post("/api/v1/facilities", &facility).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token: {body}");
        assert_error(&body, "csrf");
        client.csrf = Some("forged".into());
        let (status, _) = client.post("/api/v1/facilities", &facility).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "wrong CSRF token");
        client.csrf = token;
        let (status, _) = client.post("/api/v1/facilities", &facility).await;
        assert_eq!(status, StatusCode::CREATED);

        let me = client.get_ok("/api/v1/session").await;
        assert_eq!(me["user"]["login"], ADMIN_LOGIN);
        assert_eq!(me["user"]["role"], "council_admin");
        let (status, _) = client.request(Method::DELETE, "/api/v1/session", None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = client.get("/api/v1/session").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_error(&body, "unauthenticated");
    }
);

db_test!(
    cashiers_sign_in_with_a_pin_only_on_a_registered_tablet,
    demo = false,
    |server| {
        let world = World::on(&server)
            .facility(NewFacility::new(1, "A").capacity(10))
            .event(
                NewEvent::bazaar("EV")
                    .kind("marche")
                    .name("マルシェ")
                    .dates("2026-12-01", "2026-12-01")
                    .state("planned")
                    .commission_percent(500),
            )
            .cashier(Cashier::volunteer())
            .build()
            .await;
        let (facility, register) = (world.facilities[0], world.register);

        let mut tablet = server.anonymous();
        let (status, body) = tablet.sign_in_with_pin("vol", "2468").await;
        assert_eq!(status, StatusCode::CONFLICT, "not a registered tablet: {body}");
        let (status, _) = tablet
            .post("/api/v1/session", &json!({"login": "vol", "password": "2468"}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "cashiers have no password");

        tablet.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
        let device = tablet
            .post(
                "/api/v1/devices",
                &json!({"register_id": register, "name": "タブレット1"}),
            )
            .await
            .1;
        tablet.request(Method::DELETE, "/api/v1/session", None).await;
        let status_page = tablet.get_ok("/api/v1/device").await;
        assert_eq!(status_page["register"]["register_code"], "R1");
        assert_eq!(
            status_page["cashiers"],
            json!([{"login": "vol", "display_name": "ボランティア"}])
        );

        let (status, _) = tablet.sign_in_with_pin("vol", "1111").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "wrong PIN");
        let (status, body) = tablet.sign_in_with_pin("vol", "2468").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["register"]["event_code"], "EV");
        let (status, _) = tablet
            .post(
                "/api/v1/products",
                &json!({"facility_id": facility, "name": "x", "price": 1, "tax_rate": "reduced"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "cashiers only sell");

        // A revoked tablet's sessions end at once.
        let (status, _) = server
            .post(&format!("/api/v1/devices/{}/revoke", device["id"]), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = tablet.get("/api/v1/session").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = tablet.sign_in_with_pin("vol", "2468").await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
);

db_test!(disabling_a_user_ends_their_sessions, demo = false, |server| {
    let created = server.post("/api/v1/users", &json!({"login": "clerk", "display_name": "職員", "role": "council_staff", "password": "clerk-password"})).await.1;
    let clerk = server.login("clerk", "clerk-password").await;
    clerk.get_ok("/api/v1/facilities").await;
    let (status, _) = server
        .put(
            &format!("/api/v1/users/{}", created["id"]),
            &json!({"login": "clerk", "display_name": "職員", "role": "council_staff", "active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = clerk.get("/api/v1/facilities").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server
        .anonymous()
        .post(
            "/api/v1/session",
            &json!({"login": "clerk", "password": "clerk-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
});

db_test!(
    approvals_need_a_council_pin_and_are_used_once,
    demo = false,
    |server| {
        server
            .post(
                "/api/v1/users",
                &json!({"login": "vol", "display_name": "V", "role": "cashier", "pin": "2468"}),
            )
            .await;
        let sale = uuid::Uuid::now_v7();
        let body = |login: &str, pin: &str| {
            json!({"action": "refund", "approver_login": login, "pin": pin,
            "reason": "R1-0001 返品", "sale_id": sale})
        };
        let (status, _) = server.post("/api/v1/approvals", &body(ADMIN_LOGIN, "0000")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "wrong PIN");
        let (status, _) = server.post("/api/v1/approvals", &body("vol", "2468")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a cashier cannot approve");
        let mut unnamed = body(ADMIN_LOGIN, ADMIN_PIN);
        unnamed["sale_id"] = Value::Null;
        let (status, refused) = server.post("/api/v1/approvals", &unnamed).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a refund approval names its sale: {refused}"
        );
        assert_eq!(refused["error"]["fields"][0]["field"], "sale_id", "{refused}");
        let (status, approval) = server
            .post("/api/v1/approvals", &body(ADMIN_LOGIN, ADMIN_PIN))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        assert_eq!(approval["action"], "refund");
        assert_eq!(approval["sale_id"], sale.to_string());

        let id: uuid::Uuid = approval["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("uuid");
        let me = server.get_ok("/api/v1/session").await;
        let principal = selpos_domain::access::Principal {
            user_id: me["user"]["id"].as_i64().expect("id"),
            login: ADMIN_LOGIN.into(),
            role: selpos_domain::access::Role::CouncilAdmin,
            facility_id: None,
            register_id: None,
        };
        use selpos_domain::approvals::ApprovalAction;
        use selpos_server::usecases::approvals::{Wanted, consume};
        let wanted = |action, sale_id| Wanted {
            action,
            sale_id: Some(sale_id),
            amount: None,
            at: chrono::Utc::now(),
        };
        let db = server.db();
        let mut tx = db.write().await.expect("tx");
        let refusal = |r: Result<i64, selpos_server::error::Error>| match r {
            Err(selpos_server::error::Error::Refused { code, .. }) => code,
            other => panic!("refused expected, got {other:?}"),
        };
        let wrong_action = consume(&mut tx, &principal, id, wanted(ApprovalAction::Void, sale)).await;
        assert_eq!(
            refusal(wrong_action),
            "approval_other_action",
            "an approval is for its own action only"
        );
        let other_sale = consume(
            &mut tx,
            &principal,
            id,
            wanted(ApprovalAction::Refund, uuid::Uuid::now_v7()),
        )
        .await;
        assert_eq!(
            refusal(other_sale),
            "approval_other_sale",
            "and for its own sale only"
        );
        let approver = consume(&mut tx, &principal, id, wanted(ApprovalAction::Refund, sale)).await;
        assert_eq!(approver.ok(), Some(principal.user_id));
        let again = consume(&mut tx, &principal, id, wanted(ApprovalAction::Refund, sale)).await;
        assert_eq!(refusal(again), "approval_used", "used once");
        tx.commit().await.expect("commit");
        let audit = server.get_ok("/api/v1/audit?entity=approval").await;
        assert_eq!(audit[0]["action"], "approval.grant");
    }
);

db_test!(
    changes_are_audited_with_before_and_after_and_cannot_be_altered,
    demo = false,
    |server| {
        let facility = NewFacility::new(1, "A")
            .capacity(10)
            .create(server.admin_client())
            .await;
        let product = server
            .post(
                "/api/v1/products",
                &json!({"facility_id": facility, "name": "クッキー", "price": 300, "tax_rate": "reduced"}),
            )
            .await
            .1;
        let (status, _) = server
            .put(
                &format!("/api/v1/products/{}", product["id"]),
                &json!({"facility_id": facility, "name": "クッキー", "price": 350, "tax_rate": "reduced"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        let entries = server.get_ok("/api/v1/audit?entity=product").await;
        let update = &entries[0];
        assert_eq!(update["action"], "product.update");
        assert_eq!(update["actor_login"], ADMIN_LOGIN);
        assert_eq!(update["entity_id"], product["id"].to_string());
        assert_eq!(update["before"]["price"], 300);
        assert_eq!(update["after"]["price"], 350);
        assert_eq!(entries[1]["action"], "product.create");
        let by_actor = server
            .get_ok(&format!("/api/v1/audit?actor={ADMIN_LOGIN}&action=product"))
            .await;
        assert_eq!(by_actor.as_array().map(Vec::len), Some(2));

        // Not through the product (there is no route), and not even through SQL.
        let db = server.db();
        let mut tx = db.write().await.expect("tx");
        let update = selpos_server::on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE audit_log SET actor_login = 'someone'"
        )
        .execute(&mut *conn)
        .await
        .map(|_| ()));
        assert!(update.is_err(), "audit rows cannot be updated");
        drop(tx);
        let mut tx = db.write().await.expect("tx");
        let delete = selpos_server::on_tx!(&mut tx, |conn| sqlx::query("DELETE FROM audit_log")
            .execute(&mut *conn)
            .await
            .map(|_| ()));
        assert!(delete.is_err(), "audit rows cannot be deleted");
        drop(tx);
        assert_eq!(
            server
                .get_ok("/api/v1/audit?entity=product")
                .await
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }
);

db_test!(
    secrets_are_stored_only_as_argon2id_hashes,
    demo = false,
    |server| {
        let db = server.db();
        let mut tx = db.read().await.expect("tx");
        let hashes: Vec<(Option<String>, Option<String>)> =
            selpos_server::on_tx!(&mut tx, |conn| sqlx::query_as(
                "SELECT password_hash, pin_hash FROM users"
            )
            .fetch_all(&mut *conn)
            .await)
            .expect("users");
        assert!(!hashes.is_empty());
        for (password, pin) in hashes {
            for hash in [password, pin].into_iter().flatten() {
                assert!(hash.starts_with("$argon2id$"), "{hash}");
                assert!(!hash.contains(ADMIN_PASSWORD) && !hash.contains(ADMIN_PIN));
            }
        }
    }
);

db_test!(pages_carry_a_content_security_policy, demo = false, |server| {
    let response = reqwest::get(format!("{}/facilities", server.base))
        .await
        .expect("page");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    let html = response.text().await.expect("html");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("nonce in CSP");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the inline script carries the nonce"
    );
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
});

db_test!(
    signing_in_again_ends_the_previous_session_of_the_browser,
    demo = false,
    |server| {
        let sign_in = |cookie: Option<String>| {
            let mut request = reqwest::Client::new()
                .post(format!("{}/api/v1/session", server.base))
                .json(&json!({"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}));
            if let Some(cookie) = cookie {
                request = request.header(reqwest::header::COOKIE, cookie);
            }
            async move {
                let response = request.send().await.expect("sign in");
                assert_eq!(response.status(), StatusCode::OK);
                response
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|c| c.starts_with("selpos_session="))
                    .and_then(|c| c.split(';').next())
                    .expect("session cookie")
                    .to_string()
            }
        };
        let session_url = format!("{}/api/v1/session", server.base);
        let signed_in = |cookie: String| {
            let request = reqwest::Client::new()
                .get(&session_url)
                .header(reqwest::header::COOKIE, cookie);
            async move { request.send().await.expect("session").status() }
        };
        let first = sign_in(None).await;
        assert_eq!(signed_in(first.clone()).await, StatusCode::OK);
        // The same browser signs in again (the next shift): its old session is over.
        let second = sign_in(Some(first.clone())).await;
        assert_ne!(first, second);
        assert_eq!(
            signed_in(first).await,
            StatusCode::UNAUTHORIZED,
            "the old token is worth nothing"
        );
        assert_eq!(signed_in(second).await, StatusCode::OK);
    }
);
