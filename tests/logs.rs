//! A database URL's password never reaches a log line, an error or the help text: selpos runs
//! as a process, with everything logged, and its output is searched for the secret.

use selpos_tests::TestDatabase;
use selpos_tests::chaos::{SelposProcess, selpos_binary};
use std::process::Output;

/// Stands for the password; nothing else in the output contains it.
const SECRET: &str = "pw-Zq81-never-logged";

/// `url` (`postgres://USER@HOST/DB`) with [`SECRET`] as its password, in the user part and as
/// a query parameter (sqlx takes both; the test cluster trusts every connection anyway).
fn with_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (user, host) = rest.split_once('@').expect("a user in the test URL");
    format!("{scheme}://{user}:{SECRET}@{host}?sslmode=prefer&password={SECRET}")
}

async fn selpos(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(selpos_binary());
    command
        .args(args)
        .env("RUST_LOG", "trace")
        .stdin(std::process::Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().await.expect("selpos runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_hidden(what: &str, output: &str) {
    assert!(
        !output.contains(SECRET),
        "{what} shows the database password:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_passwords_never_reach_logs_errors_or_help() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let url = with_password(&database.url);

    // A running server, everything logged at trace level, used a little.
    let mut server = SelposProcess::start_logging(&url, "trace").await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .expect("healthz");
    assert!(health.status().is_success());
    let refused = client
        .post(format!("{}/api/v1/session", server.url()))
        .json(&serde_json::json!({"login": "nobody", "password": "wrong-password"}))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    server.kill().await;
    let log = server.log_text();
    assert!(
        log.contains("database ready") && log.contains(":***@"),
        "the log names the database, redacted:\n{log}"
    );
    assert_hidden("the server's log", &log);

    // Commands that fail because of the database say why without the password.
    let missing = with_password(&database.url.replace("selpos_test_", "selpos_missing_"));
    let cases = [
        (
            "a database that does not exist",
            vec!["demo", "--database-url", &missing],
        ),
        (
            "a PostgreSQL backup",
            vec!["backup", "/nonexistent/x.db", "--database-url", &url],
        ),
        (
            "an unsupported database",
            vec![
                "demo",
                "--database-url",
                "mysql://selp:pw-Zq81-never-logged@db/selpos",
            ],
        ),
    ];
    for (what, args) in cases {
        let output = selpos(&args, &[]).await;
        assert!(!output.status.success(), "{what}: {}", text(&output));
        assert!(!output.stderr.is_empty(), "{what} says why");
        assert_hidden(what, &text(&output));
    }

    // The help text does not show the value DATABASE_URL has.
    let help = selpos(&["serve", "--help"], &[("DATABASE_URL", &url)]).await;
    assert!(help.status.success());
    assert!(text(&help).contains("DATABASE_URL"), "{}", text(&help));
    assert_hidden("the help text", &text(&help));

    database.drop_database().await;
}
