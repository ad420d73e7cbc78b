//! MySQL / MariaDB through sqlx: the real Склад Pro MySQL layout.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::prelude::ToPrimitive;
use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError, MySqlPoolOptions, MySqlSslMode};
use sqlx::pool::PoolConnection;
use sqlx::{
    AssertSqlSafe, Database, Executor, MySql, MySqlPool, Row as _, SqlSafeStr, TypeInfo, ValueRef,
};

use sqlx_core::transaction::TransactionManager;

use super::{Backend, Session};
use crate::dialect::Dialect;
use crate::error::{DbError, DbErrorKind};
use crate::value::{Row, Value};

pub(crate) struct MySqlBackend {
    pool: MySqlPool,
}

impl MySqlBackend {
    pub(crate) async fn open(url: &str) -> Result<Self, DbError> {
        let options = connect_options(url)?;
        let pool = MySqlPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // Read what others committed since the transaction began: the document
                    // number search then meets fewer taken numbers.
                    conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(to_db_error)?;
        Ok(MySqlBackend { pool })
    }
}

/// The options of a `mysql://` URL. A URL that asks for TLS (`ssl-mode=required` or
/// `verify_ca`) gets `VERIFY_IDENTITY`: the certificate must be valid for the host named in the
/// URL. Without `ssl-mode` (sqlx's `PREFERRED`) the connection is encrypted when the server
/// offers it, without a check of who the server is — the usual local Склад Pro install, whose
/// MySQL makes itself a certificate no one signed. See [`TLS_ASKED_MEANS_VERIFIED`].
pub(crate) fn connect_options(url: &str) -> Result<MySqlConnectOptions, DbError> {
    let options = MySqlConnectOptions::from_str(url).map_err(to_db_error)?;
    Ok(match options.get_ssl_mode() {
        MySqlSslMode::Required | MySqlSslMode::VerifyCa if TLS_ASKED_MEANS_VERIFIED => {
            options.ssl_mode(MySqlSslMode::VerifyIdentity)
        }
        _ => options,
    })
}

/// Whether asking for TLS in the URL also means checking the server's certificate and name
/// (MySQL's own `REQUIRED` encrypts without checking). Unconfirmed choice: see the README.
pub(crate) const TLS_ASKED_MEANS_VERIFIED: bool = true;

#[async_trait]
impl Backend for MySqlBackend {
    fn dialect(&self) -> Dialect {
        Dialect::MySql
    }
    fn name(&self) -> &'static str {
        "MySQL"
    }
    async fn session(&self) -> Result<Box<dyn Session>, DbError> {
        let conn = self.pool.acquire().await.map_err(to_db_error)?;
        Ok(Box::new(MySqlSession { conn }))
    }
}

struct MySqlSession {
    conn: PoolConnection<MySql>,
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, MySql, <MySql as Database>::Arguments>,
    params: &'q [Value],
) -> sqlx::query::Query<'q, MySql, <MySql as Database>::Arguments> {
    for p in params {
        q = match p {
            Value::Null => q.bind(None::<i64>),
            Value::Int(i) => q.bind(*i),
            Value::Float(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.as_str()),
            Value::DateTime(d) => q.bind(*d),
        };
    }
    q
}

#[async_trait]
impl Session for MySqlSession {
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
        <MySql as Database>::TransactionManager::begin(
            &mut self.conn,
            Some("START TRANSACTION".into_sql_str()),
        )
        .await
        .map_err(to_db_error)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        <MySql as Database>::TransactionManager::commit(&mut self.conn)
            .await
            .map_err(to_db_error)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        <MySql as Database>::TransactionManager::rollback(&mut self.conn)
            .await
            .map_err(to_db_error)
    }
}

fn decode_row(row: &sqlx::mysql::MySqlRow) -> Result<Row, DbError> {
    let mut cells = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let raw = row.try_get_raw(i).map_err(to_db_error)?;
        if raw.is_null() {
            cells.push(Value::Null);
            continue;
        }
        let name = raw.type_info().name().to_owned();
        let value = match name.as_str() {
            "BOOLEAN" | "TINYINT" | "SMALLINT" | "INT" | "MEDIUMINT" | "BIGINT"
            | "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "INT UNSIGNED" | "MEDIUMINT UNSIGNED"
            | "YEAR" => Value::Int(row.try_get_unchecked::<i64, _>(i).map_err(to_db_error)?),
            "BIGINT UNSIGNED" => {
                let v = row.try_get_unchecked::<u64, _>(i).map_err(to_db_error)?;
                i64::try_from(v)
                    .map(Value::Int)
                    .unwrap_or(Value::Float(v as f64))
            }
            "DOUBLE" => Value::Float(row.try_get_unchecked::<f64, _>(i).map_err(to_db_error)?),
            "FLOAT" => Value::Float(
                row.try_get_unchecked::<f32, _>(i)
                    .map_err(to_db_error)?
                    .into(),
            ),
            "DECIMAL" => {
                let d = row
                    .try_get_unchecked::<rust_decimal::Decimal, _>(i)
                    .map_err(to_db_error)?;
                d.to_f64().map(Value::Float).unwrap_or(Value::Null)
            }
            "DATETIME" | "TIMESTAMP" => row
                .try_get_unchecked::<NaiveDateTime, _>(i)
                .map(Value::DateTime)
                .unwrap_or(Value::Null),
            "DATE" => row
                .try_get_unchecked::<NaiveDate, _>(i)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(Value::DateTime)
                .unwrap_or(Value::Null),
            _ => match row.try_get_unchecked::<String, _>(i) {
                Ok(s) => Value::Text(s),
                Err(_) => Value::Text(
                    String::from_utf8_lossy(
                        &row.try_get_unchecked::<Vec<u8>, _>(i)
                            .map_err(to_db_error)?,
                    )
                    .into_owned(),
                ),
            },
        };
        cells.push(value);
    }
    Ok(Row(cells))
}

pub(crate) fn to_db_error(e: sqlx::Error) -> DbError {
    let kind = match &e {
        sqlx::Error::Database(d) => {
            let number = d
                .try_downcast_ref::<MySqlDatabaseError>()
                .map(|m| m.number());
            if d.is_unique_violation() {
                DbErrorKind::Duplicate
            } else if matches!(number, Some(1205) | Some(1213)) {
                // lock wait timeout, deadlock
                DbErrorKind::Conflict
            } else {
                DbErrorKind::Other
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_) => DbErrorKind::Connection,
        _ => DbErrorKind::Other,
    };
    DbError::new(kind, e.to_string())
}

#[cfg(test)]
mod tls_tests {
    use super::*;

    #[test]
    fn asking_for_tls_verifies_the_host() {
        let mode = |url: &str| connect_options(url).unwrap().get_ssl_mode();
        for asked in ["required", "REQUIRED", "verify_ca"] {
            assert!(
                matches!(
                    mode(&format!("mysql://u@db.example/wh?ssl-mode={asked}")),
                    MySqlSslMode::VerifyIdentity
                ),
                "{asked}"
            );
        }
        assert!(matches!(
            mode("mysql://u@db.example/wh?ssl-mode=verify_identity"),
            MySqlSslMode::VerifyIdentity
        ));
        assert!(matches!(
            mode("mysql://u@db.example/wh?ssl-mode=disabled"),
            MySqlSslMode::Disabled
        ));
        assert!(matches!(
            mode("mysql://u@db.example/wh"),
            MySqlSslMode::Preferred
        ));
    }
}
