//! Fresh Склад Pro databases on each engine, for the one shared suite.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Value, Warehouse};

/// A blank database on one engine; dropped (MySQL) or deleted (files) when the test ends.
pub struct TestDb {
    pub connection: Connection,
    _dir: Option<tempfile::TempDir>,
    mysql_cleanup: Option<(String, String)>,
    mssql_cleanup: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, db)) = self.mysql_cleanup.take() {
            // Best effort, on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    use sqlx::Connection as _;
                    if let Ok(mut c) = sqlx::MySqlConnection::connect(&server).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS `{db}`"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
        if let Some((server, db)) = self.mssql_cleanup.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async move {
                    let _ = mssql_batch(&server, &format!("ALTER DATABASE [{db}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{db}]")).await;
                });
            })
            .join();
        }
    }
}

/// Run a batch on the MS SQL server of SKLADSYNC_TEST_MSSQL_URL (creating and dropping test
/// databases).
pub async fn mssql_batch(ado: &str, sql: &str) -> Result<(), String> {
    use tokio_util::compat::TokioAsyncWriteCompatExt;
    let config = tiberius::Config::from_ado_string(ado).map_err(|e| e.to_string())?;
    let tcp = tokio::net::TcpStream::connect(config.get_addr())
        .await
        .map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut client = tiberius::Client::connect(config, tcp.compat_write())
        .await
        .map_err(|e| e.to_string())?;
    client
        .simple_query(sql)
        .await
        .map_err(|e| e.to_string())?
        .into_results()
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    MySql,
    Odbc,
    MsSql,
}

/// The MySQL server URL without a database, from SKLADSYNC_TEST_MYSQL_URL.
pub fn mysql_server() -> String {
    let url = std::env::var("SKLADSYNC_TEST_MYSQL_URL")
        .expect("SKLADSYNC_TEST_MYSQL_URL is set for MySQL tests");
    match url.rfind('/') {
        Some(i) if i > "mysql://".len() => url[..i].to_owned(),
        _ => url,
    }
}

pub async fn empty_database(engine: Engine) -> TestDb {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("warehouse.db");
            TestDb {
                connection: Connection::Sqlite { path },
                _dir: Some(dir),
                mysql_cleanup: None,
                mssql_cleanup: None,
            }
        }
        Engine::Odbc => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("warehouse-odbc.db");
            TestDb {
                connection: Connection::Odbc {
                    connection_string: format!(
                        "Driver={{SQLite3}};Database={};Timeout=30000;",
                        path.display()
                    ),
                },
                _dir: Some(dir),
                mysql_cleanup: None,
                mssql_cleanup: None,
            }
        }
        Engine::MsSql => {
            let server = std::env::var("SKLADSYNC_TEST_MSSQL_URL")
                .expect("SKLADSYNC_TEST_MSSQL_URL is set for MS SQL tests");
            let db = unique("skladsync_t");
            mssql_batch(
                &server,
                &format!("CREATE DATABASE [{db}] COLLATE Cyrillic_General_CI_AS"),
            )
            .await
            .unwrap();
            TestDb {
                connection: Connection::MsSql {
                    connection_string: format!("{};database={db}", server.trim_end_matches(';')),
                },
                _dir: None,
                mysql_cleanup: None,
                mssql_cleanup: Some((server, db)),
            }
        }
        Engine::MySql => {
            use sqlx::Connection as _;
            let server = mysql_server();
            let db = unique("skladsync_t");
            let mut c = sqlx::MySqlConnection::connect(&server)
                .await
                .expect("MySQL server answers");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )))
            .execute(&mut c)
            .await
            .unwrap();
            TestDb {
                connection: Connection::MySql {
                    url: format!("{server}/{db}"),
                },
                _dir: None,
                mysql_cleanup: Some((server, db)),
                mssql_cleanup: None,
            }
        }
    }
}

pub async fn blank(engine: Engine, blank: &BlankDatabase) -> (TestDb, Warehouse) {
    let db = empty_database(engine).await;
    let wh = Warehouse::create_blank(&db.connection, blank)
        .await
        .expect("blank database");
    (db, wh)
}

pub async fn seeded(engine: Engine, options: &SeedOptions) -> (TestDb, Warehouse) {
    let (db, wh) = blank(engine, &BlankDatabase::default()).await;
    wh.seed(options).await.expect("seed");
    (db, wh)
}

/// One integer from a diagnostic query.
pub async fn scalar(wh: &Warehouse, template: &str, params: &[Value]) -> i64 {
    wh.query(template, params).await.unwrap()[0]
        .int(0)
        .unwrap_or(0)
}

pub async fn count(wh: &Warehouse, table: &str) -> i64 {
    scalar(wh, &format!("SELECT COUNT(*) FROM `{table}`"), &[]).await
}

/// Where the Warehouse Open sample store is (read at test time, never copied).
pub fn fixture(name: &str) -> Option<std::path::PathBuf> {
    let base = std::env::var_os("SKLADSYNC_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            // Read at run time: a test binary reused from another clone's build must not look
            // in that clone.
            std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
                .join("../../../shared/fixtures/warehouse-open")
        });
    let path = base.join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: fixture {} is not present", path.display());
        None
    }
}
