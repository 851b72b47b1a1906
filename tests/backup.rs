//! `selpos backup` / `restore` on a live SQLite database: sales keep arriving during the copy,
//! and every sale acknowledged before the backup began is in it.

use selpos_tests::{TestServer, World};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_live_database_holds_every_acknowledged_sale() {
    let server = TestServer::sqlite(true).await;
    let till = World::on(&server).demo_bazaar().device("T").open_till().await;

    // A till selling without pause; the ids the server acknowledged, in order.
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let selling = {
        let acknowledged = acknowledged.clone();
        tokio::spawn(async move {
            let product = till.products[0];
            for _ in 0..400 {
                let sale = till.cash_sale(&product, 1);
                till.record(&sale).await;
                let id = sale["id"].as_str().expect("id").to_string();
                acknowledged.lock().expect("lock").push(id);
            }
        })
    };
    while acknowledged.lock().expect("lock").len() < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: HashSet<String> = acknowledged.lock().expect("lock").iter().cloned().collect();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("backup.db");
    let copy = selpos_server::backup::backup(server.db(), &file)
        .await
        .expect("backup");
    let after_backup = acknowledged.lock().expect("lock").len();
    selling.await.expect("till");
    assert!(after_backup < 400, "the copy was taken while sales kept arriving");
    assert!(copy.sales as usize >= before.len());

    let restored_url = format!("sqlite://{}", dir.path().join("restored.db").display());
    let restored = selpos_server::backup::restore(&file, &restored_url, false)
        .await
        .expect("restore");
    assert_eq!(restored.sales, copy.sales);
    let db = selpos_server::db::Db::connect(&restored_url)
        .await
        .expect("restored database opens");
    let selpos_server::db::Db::Sqlite(pool) = &db else {
        panic!("sqlite")
    };
    let ids: HashSet<String> = sqlx::query_scalar("SELECT id FROM sales")
        .fetch_all(pool)
        .await
        .expect("ids")
        .into_iter()
        .collect();
    let missing: Vec<&String> = before.iter().filter(|id| !ids.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup but missing: {missing:?}"
    );
    db.close().await;

    // Never over an existing file; a restore over a database needs --force.
    let again = selpos_server::backup::backup(server.db(), &file).await;
    assert!(again.is_err_and(|e| e.to_string().contains("exists")));
    let refused = selpos_server::backup::restore(&file, &restored_url, false).await;
    assert!(refused.is_err_and(|e| e.to_string().contains("--force")));
    std::fs::write(dir.path().join("junk.db"), b"not a database").expect("junk");
    let junk = selpos_server::backup::restore(&dir.path().join("junk.db"), &restored_url, true).await;
    assert!(junk.is_err(), "a damaged or foreign file is refused");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_is_backed_up_with_its_own_tools() {
    let Some(server) = TestServer::postgres(false).await else {
        return;
    };
    let file = tempfile::tempdir().expect("dir").path().join("x.db");
    let answer = selpos_server::backup::backup(server.db(), &file).await;
    assert!(answer.is_err_and(|e| e.to_string().contains("pg_dump")));
    server.stop().await;
}
