//! Printers only where printers live: a register's printer is a printer on the venue's LAN (a
//! private address, link-local only if the council allows it) on one of the council's printer
//! ports (9100 unless set), never loopback, a public address or a host name. The test servers
//! allow loopback printers (their fake printer listens on 127.0.0.1); these tests run a server
//! configured as in production, and send no traffic anywhere but loopback.

use reqwest::StatusCode;
use selpos_server::server::Config;
use selpos_tests::{HeartBazaar, NewEvent, TestServer, World, assert_error, db_test, error_fields};
use serde_json::{Value, json};

/// As `selpos serve` runs in production: no `--allow-loopback-printers`.
fn production(config: &mut Config) {
    config.allow_loopback_printers = false;
}

async fn open_till(server: &TestServer) -> HeartBazaar {
    let council = json!({"name": "群馬県社会就労センター協議会", "tax_rounding": "down"});
    HeartBazaar::open(World::on(server).council(council).event(NewEvent::bazaar("HB26"))).await
}

/// Points register R1 at `printer`; the answer.
async fn set_printer(server: &TestServer, till: &HeartBazaar, printer: &str) -> (StatusCode, Value) {
    let mut body = till.event_input.clone();
    body["registers"][0]["printer_addr"] = json!(printer);
    server.put(&format!("/api/v1/events/{}", till.event), &body).await
}

fn refusal_code(answer: &Value) -> &str {
    answer["error"]["fields"][0]["code"].as_str().unwrap_or("")
}

db_test!(
    printer_addresses_are_printers_on_the_lan,
    demo = false,
    config = production,
    |server| {
        let till = open_till(&server).await;
        for (printer, code) in [
            ("127.0.0.1:5432", "loopback"),
            ("127.0.0.1:9100", "loopback"),
            ("[::1]:9100", "loopback"),
            ("8.8.8.8:9100", "not_private"),
            ("192.168.1.10:22", "port_not_allowed"),
            ("192.168.1.10:5432", "port_not_allowed"),
            ("localhost:9100", "host_name"),
            ("printer.example.com", "host_name"),
            ("0.0.0.0:9100", "unspecified"),
            ("224.0.0.1:9100", "multicast"),
            ("255.255.255.255:9100", "broadcast"),
            ("169.254.10.20:9100", "link_local"),
            ("http://192.168.1.10", "format"),
        ] {
            let (status, answer) = set_printer(&server, &till, printer).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{printer}: {answer}");
            assert_eq!(error_fields(&answer), ["registers[0].printer_addr"], "{printer}");
            assert_eq!(refusal_code(&answer), code, "{printer}: {answer}");
        }
        let (status, answer) = set_printer(&server, &till, "192.168.1.10:9100").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["registers"][0]["printer_addr"], "192.168.1.10:9100");
        let (status, answer) = set_printer(&server, &till, " 10.0.0.7 ").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["registers"][0]["printer_addr"], "10.0.0.7");
    }
);

db_test!(
    the_council_chooses_printer_ports_and_link_local_printers,
    demo = false,
    config = production,
    |server| {
        let till = open_till(&server).await;
        let council = server.get_ok("/api/v1/council").await;
        assert_eq!(council["printer_ports"], json!([9100]));
        assert_eq!(council["allow_link_local_printers"], false);

        let mut settings = json!({"name": "群馬県社会就労センター協議会", "tax_rounding": "down",
            "printer_ports": [9101, 9100], "allow_link_local_printers": true});
        let (status, council) = server.put("/api/v1/council", &settings).await;
        assert_eq!(status, StatusCode::OK, "{council}");
        assert_eq!(council["printer_ports"], json!([9100, 9101]));
        for printer in ["192.168.1.10:9101", "169.254.10.20"] {
            let (status, answer) = set_printer(&server, &till, printer).await;
            assert_eq!(status, StatusCode::OK, "{printer}: {answer}");
        }
        // Still never loopback, whatever the council allows.
        let (status, answer) = set_printer(&server, &till, "127.0.0.1:9101").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        for ports in [
            json!([22]),
            json!([0]),
            json!([]),
            json!((2000..2017).collect::<Vec<_>>()),
        ] {
            settings["printer_ports"] = ports.clone();
            let (status, answer) = server.put("/api/v1/council", &settings).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ports}: {answer}");
            assert_eq!(error_fields(&answer), ["printer_ports"], "{ports}");
        }

        // The settings tightened again: the saved address is refused at print time, before
        // anything connects, and the status says why.
        let (status, _) = set_printer(&server, &till, "192.168.1.10:9101").await;
        assert_eq!(status, StatusCode::OK);
        settings["printer_ports"] = json!([9100]);
        let (status, answer) = server.put("/api/v1/council", &settings).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let status = till
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/printer", till.register))
            .await;
        assert_eq!(status["reachable"], false, "{status}");
        assert!(
            status["message"].as_str().unwrap_or("").contains("ポート9101"),
            "{status}"
        );
        let sale = till.record(&till.cash_sale(&till.products[0], 1)).await;
        let (status, answer) = till
            .cashier
            .post(
                &format!("/api/v1/sales/{}/print", sale["id"].as_str().expect("id")),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert_error(&answer, "printer_address_invalid");
    }
);

/// The address this machine uses to reach a private network, if it has one (connecting a UDP
/// socket picks the route; no packet is sent).
fn own_private_address() -> Option<std::net::IpAddr> {
    [("0.0.0.0:0", "10.255.255.1:9"), ("[::]:0", "[fd00::ffff:1]:9")]
        .into_iter()
        .find_map(|(local, remote)| {
            let socket = std::net::UdpSocket::bind(local).ok()?;
            socket.connect(remote).ok()?;
            let ip = socket.local_addr().ok()?.ip();
            let private = match ip {
                std::net::IpAddr::V4(v4) => v4.is_private(),
                std::net::IpAddr::V6(v6) => v6.segments()[0] & 0xfe00 == 0xfc00,
            };
            private.then_some(ip)
        })
}

db_test!(
    the_servers_own_address_is_no_printer,
    demo = false,
    config = production,
    |server| {
        match own_private_address() {
            None => eprintln!("skipped: this machine has no private address"),
            Some(own) => {
                let till = open_till(&server).await;
                let printer = std::net::SocketAddr::new(own, 9100).to_string();
                let (status, answer) = set_printer(&server, &till, &printer).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{printer}: {answer}");
                assert_eq!(error_fields(&answer), ["registers[0].printer_addr"]);
                assert_eq!(refusal_code(&answer), "own_address", "{answer}");
            }
        }
    }
);
