//! `selpos backup` / `restore` on a live SQLite database: sales keep arriving during the copy,
//! and every sale acknowledged before the backup began is in it.

use selpos_tests::{Product, TestServer, Till, World};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// A cash sale of one `product` sold now: the demo bazaar starts today, whatever day that is.
fn sale_now(till: &Till, product: &Product) -> serde_json::Value {
    till.sale_at(
        &chrono::Utc::now().to_rfc3339(),
        serde_json::json!([{"product_id": product.id, "quantity": 1, "unit_price": product.price}]),
        serde_json::json!([{"kind": "cash", "amount": product.price}]),
    )
}

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
                let sale = sale_now(&till, &product);
                till.record(&sale).await;
                let id = sale["id"].as_str().expect("id").to_string();
                acknowledged.lock().expect("lock").push(id);
            }
        })
    };
    while acknowledged.lock().expect("lock").len() < 50 {
        assert!(!selling.is_finished(), "the till stopped selling");
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

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

async fn sales_in(url: &str) -> i64 {
    let db = selpos_server::db::Db::connect(url).await.expect("opens");
    let selpos_server::db::Db::Sqlite(pool) = &db else {
        panic!("sqlite")
    };
    let sales: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sales")
        .fetch_one(pool)
        .await
        .expect("count");
    db.close().await;
    sales
}

/// A backup holds password and PIN hashes: only its owner may read it, and a folder the backup
/// makes is its owner's only. A folder that was there is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::sqlite(true).await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let file = dir.path().join("backup.db");
    selpos_server::backup::backup(server.db(), &file)
        .await
        .expect("backup");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(dir.path()), 0o755, "an existing folder is not changed");

    let nested = dir.path().join("usb").join("selpos");
    let file = nested.join("2026-11-28.db");
    let copy = selpos_server::backup::backup(server.db(), &file)
        .await
        .expect("backup");
    assert!(copy.sales > 0 || copy.schema_version > 0);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&nested), 0o700);
    assert_eq!(mode(&dir.path().join("usb")), 0o700);
    server.stop().await;
}

/// `restore` never swaps the file under a running selpos (which would go on writing into the
/// file it has open), not even with `--force`; once selpos is stopped, `--force` keeps the
/// database it replaces as `NAME.before-restore-TIMESTAMP`, sales made after the backup and all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_database_in_use_and_keeps_what_it_replaces() {
    let server = TestServer::sqlite(true).await;
    let till = World::on(&server).demo_bazaar().device("T").open_till().await;
    let product = till.products[0];
    till.record(&sale_now(&till, &product)).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("backup.db");
    let copy = selpos_server::backup::backup(server.db(), &file)
        .await
        .expect("backup");
    // Sales after the backup: the restore takes them away, the set-aside file keeps them.
    till.record(&sale_now(&till, &product)).await;
    till.record(&sale_now(&till, &product)).await;

    let url = server.database_url().to_owned();
    for force in [false, true] {
        let refused = selpos_server::backup::restore(&file, &url, force)
            .await
            .expect_err("selpos has it open");
        assert!(
            refused.to_string().contains("open in another process"),
            "{refused:#}"
        );
    }
    // Still the live database, still selling.
    till.record(&sale_now(&till, &product)).await;
    let database = server.release().await;
    let live_sales = sales_in(&database.url).await;
    assert_eq!(live_sales, copy.sales + 3);

    let refused = selpos_server::backup::restore(&file, &database.url, false)
        .await
        .expect_err("exists");
    assert!(refused.to_string().contains("--force"), "{refused:#}");
    let restored = selpos_server::backup::restore(&file, &database.url, true)
        .await
        .expect("restored");
    assert_eq!(restored.sales, copy.sales);
    assert_eq!(sales_in(&database.url).await, copy.sales);
    assert_eq!(mode(&restored.path), 0o600);

    let folder = restored.path.parent().expect("folder");
    let set_aside: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("selpos.db.before-restore-") && !n.ends_with("-wal") && !n.ends_with("-shm")
            })
        })
        .collect();
    assert_eq!(set_aside.len(), 1, "{set_aside:?}");
    let kept = format!("sqlite://{}", set_aside[0].display());
    assert_eq!(sales_in(&kept).await, live_sales, "the replaced database, whole");
    database.drop_database().await;
}
