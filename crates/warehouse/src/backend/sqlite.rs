//! SQLite through sqlx: the embedded demo and test database, with the same tables and columns
//! as Склад Pro (Warehouse Open ships its schema for SQLite too).

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Database, Row as _, SqlSafeStr, Sqlite, SqlitePool, TypeInfo, ValueRef};

use sqlx_core::transaction::TransactionManager;

use super::{Backend, Session};
use crate::dialect::Dialect;
use crate::error::{DbError, DbErrorKind};
use crate::value::{Row, Value};

pub(crate) struct SqliteBackend {
    pool: SqlitePool,
}

impl SqliteBackend {
    pub(crate) async fn open(path: &Path, create: bool) -> Result<Self, DbError> {
        // A file name, not a URL: `?`, `%` and `#` in a folder name are just letters.
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(to_db_error)?;
        Ok(SqliteBackend { pool })
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn name(&self) -> &'static str {
        "SQLite"
    }
    async fn session(&self) -> Result<Box<dyn Session>, DbError> {
        let conn = self.pool.acquire().await.map_err(to_db_error)?;
        Ok(Box::new(SqliteSession { conn }))
    }
}

struct SqliteSession {
    conn: PoolConnection<Sqlite>,
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, Sqlite, <Sqlite as Database>::Arguments>,
    params: &'q [Value],
) -> sqlx::query::Query<'q, Sqlite, <Sqlite as Database>::Arguments> {
    for p in params {
        q = match p {
            Value::Null => q.bind(None::<i64>),
            Value::Int(i) => q.bind(*i),
            Value::Float(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.as_str()),
            Value::DateTime(d) => q.bind(d.format("%Y-%m-%d %H:%M:%S").to_string()),
        };
    }
    q
}

#[async_trait]
impl Session for SqliteSession {
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let q = bind(sqlx::query(AssertSqlSafe(sql.to_owned())), params);
        let rows = q.fetch_all(&mut *self.conn).await.map_err(to_db_error)?;
        rows.iter().map(decode_row).collect()
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let q = bind(sqlx::query(AssertSqlSafe(sql.to_owned())), params);
        let done = q.execute(&mut *self.conn).await.map_err(to_db_error)?;
        Ok(done.rows_affected())
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        // IMMEDIATE takes the write lock at once, so a second writer waits (busy_timeout)
        // instead of failing when it upgrades a read lock.
        <Sqlite as Database>::TransactionManager::begin(
            &mut self.conn,
            Some("BEGIN IMMEDIATE".into_sql_str()),
        )
        .await
        .map_err(to_db_error)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        <Sqlite as Database>::TransactionManager::commit(&mut self.conn)
            .await
            .map_err(to_db_error)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        <Sqlite as Database>::TransactionManager::rollback(&mut self.conn)
            .await
            .map_err(to_db_error)
    }
}

fn decode_row(row: &sqlx::sqlite::SqliteRow) -> Result<Row, DbError> {
    let mut cells = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let raw = row.try_get_raw(i).map_err(to_db_error)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => {
                    Value::Int(row.try_get_unchecked::<i64, _>(i).map_err(to_db_error)?)
                }
                "REAL" | "NUMERIC" => {
                    Value::Float(row.try_get_unchecked::<f64, _>(i).map_err(to_db_error)?)
                }
                "BLOB" => Value::Text(
                    String::from_utf8_lossy(
                        &row.try_get_unchecked::<Vec<u8>, _>(i)
                            .map_err(to_db_error)?,
                    )
                    .into_owned(),
                ),
                _ => Value::Text(row.try_get_unchecked::<String, _>(i).map_err(to_db_error)?),
            }
        };
        cells.push(value);
    }
    Ok(Row(cells))
}

pub(crate) fn to_db_error(e: sqlx::Error) -> DbError {
    let kind = match &e {
        sqlx::Error::Database(d) => {
            let code = d.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
            if d.is_unique_violation() {
                DbErrorKind::Duplicate
            } else if code & 0xff == 5 || code & 0xff == 6 {
                DbErrorKind::Conflict
            } else {
                DbErrorKind::Other
            }
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            DbErrorKind::Connection
        }
        _ => DbErrorKind::Other,
    };
    DbError::new(kind, e.to_string())
}
