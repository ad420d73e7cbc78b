//! Export and pull against a real MySQL/MariaDB Склад Pro database (SKLADSYNC_TEST_MYSQL_URL;
//! without it these tests are listed as ignored).

use cloudcart_sandbox::{Sandbox, SandboxConfig};
use skladsync_engine::settings::Server;
use skladsync_engine::*;
use skladsync_warehouse::*;

async fn fresh_mysql(name: &str) -> Connection {
    use sqlx::Connection as _;
    let url = std::env::var("SKLADSYNC_TEST_MYSQL_URL").expect("SKLADSYNC_TEST_MYSQL_URL");
    let server = match url.rfind('/') {
        Some(i) if i > "mysql://".len() => url[..i].to_owned(),
        _ => url,
    };
    let db = format!("skladsync_engine_{name}_{}", std::process::id());
    let mut c = sqlx::MySqlConnection::connect(&server).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS `{db}`; CREATE DATABASE `{db}` CHARACTER SET utf8mb4"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    Connection::MySql {
        url: format!("{server}/{db}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn export_and_pull_on_mariadb() {
    let connection = fresh_mysql("export").await;
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods: 30,
        objects: 2,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut server = Server::new("m1", "MariaDB", sandbox.base_url(), connection);
    server.export.object = Some(wh.locations().await.unwrap()[0].id.into());
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let shop = shop_client(&server, &secrets).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.db")).await.unwrap();

    let first = export::run_export(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    assert_eq!(first.created, 30, "{:?}", first.problems);
    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let variants = sandbox.state().variants();
    for g in &goods {
        let v = variants
            .iter()
            .find(|v| v.barcode == g.barcodes[0])
            .expect("in the shop");
        assert_eq!(rust_decimal::Decimal::new(v.price, 2), g.price.round_dp(2));
    }
    sandbox.state().clear_request_log();
    let second = export::run_export(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        (second.created, second.updated, second.unchanged),
        (0, 0, 30)
    );
    assert!(
        sandbox
            .state()
            .request_log()
            .iter()
            .all(|r| r.method == "GET")
    );

    // Pulled back into an empty MariaDB warehouse: thirty goods with the shop's barcodes.
    let empty_conn = fresh_mysql("pull").await;
    let empty = Warehouse::create_blank(&empty_conn, &BlankDatabase::default())
        .await
        .unwrap();
    empty
        .seed(&SeedOptions {
            goods: 0,
            objects: 1,
            partners: 0,
            ..Default::default()
        })
        .await
        .unwrap();
    server.import.object = Some(empty.locations().await.unwrap()[0].id.into());
    let pulled = pull::run_pull(
        &empty,
        &shop,
        &server,
        None,
        &Reporter::silent(Task::ProductPull),
        false,
    )
    .await
    .unwrap();
    assert_eq!(pulled.created, 30, "{:?}", pulled.problems);
    let back = empty.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    assert_eq!(back.len(), 30);
    for g in &goods {
        assert!(
            back.iter()
                .any(|b| b.barcodes[0] == g.barcodes[0] && b.price == g.price.round_dp(2))
        );
    }
}
