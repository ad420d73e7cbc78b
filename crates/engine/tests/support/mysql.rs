//! A MariaDB/MySQL database made for one test and dropped after it (the engine's order tests
//! share it through `#[path]`).

use skladsync_warehouse::Connection;

/// Drops its database when it goes (after the warehouse connections are closed).
pub struct MySqlDrop(String, String);

impl Drop for MySqlDrop {
    fn drop(&mut self) {
        let (server, db) = (self.0.clone(), self.1.clone());
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
}

/// A new, empty database `skladsync_<prefix>_<pid>_<n>` on the server of
/// `SKLADSYNC_TEST_MYSQL_URL`.
pub async fn mysql_database(prefix: &str) -> (Connection, MySqlDrop) {
    use sqlx::Connection as _;
    let url = std::env::var("SKLADSYNC_TEST_MYSQL_URL").expect(
        "the MariaDB tests need SKLADSYNC_TEST_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/test",
    );
    let server = match url.rfind('/') {
        Some(i) if i > "mysql://".len() => url[..i].to_owned(),
        _ => url,
    };
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let db = format!(
        "skladsync_{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let mut c = sqlx::MySqlConnection::connect(&server).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE `{db}` CHARACTER SET utf8mb4"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    (
        Connection::MySql {
            url: format!("{server}/{db}"),
        },
        MySqlDrop(server, db),
    )
}
