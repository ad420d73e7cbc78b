//! MS SQL Server through tiberius: the Склад Pro databases on SQL Server (Express).
//!
//! The connection string is ADO.NET style (`server=tcp:host,1433;database=…;user=…;
//! password=…;TrustServerCertificate=true`). `server=host\INSTANCE` names are resolved through
//! the SQL Server Browser. tiberius 0.13 encrypts and verifies the server's certificate by
//! default. A server with a self-signed certificate: `TrustServerCertificateCA=<file>` (verified
//! against that certificate), or `TrustServerCertificate=true`, which trusts any certificate —
//! an explicit choice the window labels as unsafe. New rows' ids are read with
//! `SCOPE_IDENTITY()` in the insert's batch ([`crate::dialect::Dialect::insert_returning_id`]).
//! `Command Timeout=<seconds>` (0 = none; default here 300) and `Connect Timeout=<seconds>`
//! (default 15) are read from the string too.
//!
//! Parameters: integers go as `int` (or `bigint` when they do not fit), floats as `float`, text
//! as `nvarchar` (so Cyrillic survives whatever the collation), dates as `datetime` (the type of
//! Склад Pro's `smalldatetime`/`datetime` columns, compared without conversion surprises), NULL
//! as a NULL `nvarchar` (it converts implicitly to every column type Склад Pro uses). Results:
//! integer types → [`Value::Int`]; `float`/`real`/`money` → [`Value::Float`]; `decimal`/`numeric`
//! → `Float` (or `Int` when the scale is 0, e.g. `@@IDENTITY`); date types → [`Value::DateTime`];
//! `bit` → `Int` 1/0 (SQL Server's true is 1, not Access's -1); text, GUID, XML, `time` and
//! binary (lossy UTF-8) → [`Value::Text`].
//!
//! Each new connection sets `LOCK_TIMEOUT` to 30 s, so that a writer blocked by another gets
//! error 1222 (a [`DbErrorKind::Conflict`], to retry) instead of a command timeout that would
//! break the connection. Idle connections are kept in a small pool.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tiberius::{ColumnData, Config, FromSql, SqlBrowser, ToSql};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use super::{Backend, Session};
use crate::dialect::Dialect;
use crate::error::{DbError, DbErrorKind};
use crate::value::{Row, Value};

type Client = tiberius::Client<Compat<TcpStream>>;

/// How many idle connections are kept.
const MAX_IDLE: usize = 4;
/// A connection idle for longer than this is checked with `SELECT 1` before it is reused.
const CHECK_AFTER: Duration = Duration::from_secs(30);
/// A connection idle for longer than this is closed rather than reused.
const MAX_IDLE_TIME: Duration = Duration::from_secs(600);
const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a statement waits for another transaction's lock before failing with 1222.
const LOCK_TIMEOUT_MS: u32 = 30_000;

struct Pool {
    config: Config,
    connect_timeout: Duration,
    idle: Mutex<Vec<(Client, Instant)>>,
}

pub(crate) struct MsSqlBackend {
    pool: Arc<Pool>,
}

impl MsSqlBackend {
    pub(crate) async fn open(connection_string: &str) -> Result<MsSqlBackend, DbError> {
        let mut config = Config::from_ado_string(connection_string).map_err(|e| {
            DbError::other(format!(
                "the SQL Server connection string is not valid: {e}"
            ))
        })?;
        let timeouts = Timeouts::parse(connection_string)?;
        config.command_timeout(timeouts.command);
        config.handshake_timeout(Some(timeouts.connect));
        let pool = Arc::new(Pool {
            config,
            connect_timeout: timeouts.connect,
            idle: Mutex::new(Vec::new()),
        });
        // Connect once now, so that a wrong server, login or certificate shows at once.
        let client = pool.connect().await?;
        pool.put_back(client);
        Ok(MsSqlBackend { pool })
    }
}

impl Pool {
    async fn connect(&self) -> Result<Client, DbError> {
        let mut config = self.config.clone();
        // Azure SQL may redirect once to another node.
        for _ in 0..2 {
            let tcp = tokio::time::timeout(self.connect_timeout, TcpStream::connect_named(&config))
                .await
                .map_err(|_| {
                    DbError::new(
                        DbErrorKind::Connection,
                        format!(
                            "no answer from SQL Server at {} within {} s",
                            config.get_addr(),
                            self.connect_timeout.as_secs()
                        ),
                    )
                })?
                .map_err(to_db_error)?;
            match tiberius::Client::connect(config.clone(), tcp.compat_write()).await {
                Ok(mut client) => {
                    client
                        .simple_query(format!("SET LOCK_TIMEOUT {LOCK_TIMEOUT_MS}"))
                        .await
                        .map_err(to_db_error)?
                        .into_results()
                        .await
                        .map_err(to_db_error)?;
                    return Ok(client);
                }
                Err(tiberius::error::Error::Routing { host, port }) => {
                    config.host(&host);
                    config.port(port);
                }
                Err(e) => return Err(to_db_error(e)),
            }
        }
        Err(DbError::new(
            DbErrorKind::Connection,
            "SQL Server redirected the connection more than once",
        ))
    }

    /// An idle connection that still answers, or a new one.
    async fn checkout(&self) -> Result<Client, DbError> {
        loop {
            let entry = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let Some((mut client, since)) = entry else {
                return self.connect().await;
            };
            let idle_for = since.elapsed();
            if idle_for > MAX_IDLE_TIME {
                continue;
            }
            if idle_for > CHECK_AFTER && !ping(&mut client).await {
                continue;
            }
            return Ok(client);
        }
    }

    fn put_back(&self, client: Client) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push((client, Instant::now()));
        }
    }
}

async fn ping(client: &mut Client) -> bool {
    match client.simple_query("SELECT 1").await {
        Ok(stream) => stream.into_results().await.is_ok(),
        Err(_) => false,
    }
}

/// Timeouts tiberius does not read from the connection string itself.
#[derive(Debug, PartialEq)]
struct Timeouts {
    command: Option<Duration>,
    connect: Duration,
}

impl Timeouts {
    fn parse(connection_string: &str) -> Result<Timeouts, DbError> {
        let mut t = Timeouts {
            command: Some(DEFAULT_COMMAND_TIMEOUT),
            connect: DEFAULT_CONNECT_TIMEOUT,
        };
        for part in connection_string.split(';') {
            let Some((key, value)) = part.split_once('=') else {
                continue;
            };
            let key: String = key
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            let seconds = || {
                value.trim().parse::<u64>().map_err(|_| {
                    DbError::other(format!(
                        "\"{}\" in the SQL Server connection string must be a number of seconds",
                        part.trim()
                    ))
                })
            };
            match key.as_str() {
                "commandtimeout" => {
                    let s = seconds()?;
                    t.command = (s > 0).then(|| Duration::from_secs(s));
                }
                "connecttimeout" | "connectiontimeout" | "timeout" => {
                    let s = seconds()?;
                    t.connect = if s == 0 {
                        Duration::from_secs(24 * 3600)
                    } else {
                        Duration::from_secs(s)
                    };
                }
                _ => {}
            }
        }
        Ok(t)
    }
}

#[async_trait]
impl Backend for MsSqlBackend {
    fn dialect(&self) -> Dialect {
        Dialect::MsSql
    }

    fn name(&self) -> &'static str {
        "MS SQL Server"
    }

    async fn session(&self) -> Result<Box<dyn Session>, DbError> {
        let client = self.pool.checkout().await?;
        Ok(Box::new(MsSqlSession {
            client: Some(client),
            pool: self.pool.clone(),
            in_transaction: false,
            clean: true,
        }))
    }
}

struct MsSqlSession {
    client: Option<Client>,
    pool: Arc<Pool>,
    in_transaction: bool,
    /// False while a call runs and after a connection failure: a call whose future was
    /// dropped halfway leaves the connection in the middle of a response.
    clean: bool,
}

impl Drop for MsSqlSession {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && self.clean
            && !self.in_transaction
        {
            self.pool.put_back(client);
        }
        // Otherwise the client is dropped: closing the connection makes the server roll back
        // whatever transaction was open.
    }
}

impl MsSqlSession {
    fn client(&mut self) -> Result<&mut Client, DbError> {
        self.clean = false;
        self.client.as_mut().ok_or_else(|| {
            DbError::new(
                DbErrorKind::Connection,
                "the SQL Server connection is closed",
            )
        })
    }

    fn finish<T>(&mut self, r: Result<T, DbError>) -> Result<T, DbError> {
        self.clean = !matches!(&r, Err(e) if e.kind == DbErrorKind::Connection);
        r
    }

    async fn batch(&mut self, sql: &'static str) -> Result<(), DbError> {
        let client = self.client()?;
        let r = async {
            client
                .simple_query(sql)
                .await
                .map_err(to_db_error)?
                .into_results()
                .await
                .map_err(to_db_error)
                .map(drop)
        }
        .await;
        self.finish(r)
    }
}

#[async_trait]
impl Session for MsSqlSession {
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let client = self.client()?;
        let bound: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&dyn ToSql> = bound.iter().map(|p| p as &dyn ToSql).collect();
        let r = async {
            let rows = client
                .query(sql, &refs)
                .await
                .map_err(to_db_error)?
                .into_first_result()
                .await
                .map_err(to_db_error)?;
            rows.into_iter()
                .map(|row| row.into_iter().map(|c| column_to_value(&c)).collect())
                .map(|cells: Result<Vec<Value>, DbError>| cells.map(Row))
                .collect()
        }
        .await;
        self.finish(r)
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let client = self.client()?;
        let bound: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&dyn ToSql> = bound.iter().map(|p| p as &dyn ToSql).collect();
        let r = client
            .execute(sql, &refs)
            .await
            .map(|done| done.total())
            .map_err(to_db_error);
        self.finish(r)
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        if self.in_transaction {
            return Err(DbError::other(
                "a transaction is already open on this session",
            ));
        }
        self.batch("BEGIN TRAN").await?;
        self.in_transaction = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        // On failure the transaction stays open, so that the caller can roll it back.
        self.batch("COMMIT TRAN").await?;
        self.in_transaction = false;
        Ok(())
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        // The server may have rolled back already (a deadlock victim, XACT_ABORT).
        let r = self.batch("IF @@TRANCOUNT > 0 ROLLBACK TRAN").await;
        if r.is_err() {
            // Not known to be rolled back: never hand this connection to someone else.
            self.clean = false;
        }
        self.in_transaction = false;
        r
    }
}

// ---------------------------------------------------------------------------------------------
// Values in and out.

/// A [`Value`] bound as a tiberius parameter.
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> ColumnData<'_> {
        value_to_column_data(self.0)
    }
}

fn value_to_column_data(value: &Value) -> ColumnData<'_> {
    match value {
        Value::Null => ColumnData::String(None),
        Value::Int(i) => match i32::try_from(*i) {
            Ok(small) => ColumnData::I32(Some(small)),
            Err(_) => ColumnData::I64(Some(*i)),
        },
        Value::Float(f) => ColumnData::F64(Some(*f)),
        Value::Text(s) => ColumnData::String(Some(Cow::Borrowed(s.as_str()))),
        Value::DateTime(d) => match sql_datetime(d) {
            Some(dt) => ColumnData::DateTime(Some(dt)),
            // Outside `datetime`'s years 1753–9999: datetime2 holds it.
            None => d.to_sql(),
        },
    }
}

/// A `datetime`: days since 1900-01-01 and 1/300 s ticks since midnight, rounded as SQL
/// Server rounds.
fn sql_datetime(d: &NaiveDateTime) -> Option<tiberius::time::DateTime> {
    let base = NaiveDate::from_ymd_opt(1900, 1, 1)?;
    let mut days = (d.date() - base).num_days();
    let nanos = u64::from(d.num_seconds_from_midnight()) * 1_000_000_000
        + u64::from(d.nanosecond().min(999_999_999));
    let mut ticks = (nanos * 300 + 500_000_000) / 1_000_000_000;
    if ticks >= 300 * 86_400 {
        ticks -= 300 * 86_400;
        days += 1;
    }
    // 1753-01-01 and 9999-12-31 relative to 1900-01-01.
    if !(-53_690..=2_958_463).contains(&days) {
        return None;
    }
    Some(tiberius::time::DateTime::new(days as i32, ticks as u32))
}

fn conversion_error(e: tiberius::error::Error) -> DbError {
    DbError::other(format!("cannot read a value SQL Server sent: {e}"))
}

fn naive_datetime(data: ColumnData<'static>) -> Result<Value, DbError> {
    Ok(NaiveDateTime::from_sql(&data)
        .map_err(conversion_error)?
        .map(Value::DateTime)
        .unwrap_or(Value::Null))
}

/// One cell as a [`Value`].
fn column_to_value(data: &ColumnData<'_>) -> Result<Value, DbError> {
    // (tiberius implements some of the chrono conversions for `ColumnData<'static>` only, so
    // the date arms copy the value into one.)
    Ok(match data {
        ColumnData::U8(v) => v.map(|v| Value::Int(v.into())).unwrap_or(Value::Null),
        ColumnData::I16(v) => v.map(|v| Value::Int(v.into())).unwrap_or(Value::Null),
        ColumnData::I32(v) => v.map(|v| Value::Int(v.into())).unwrap_or(Value::Null),
        ColumnData::I64(v) => v.map(Value::Int).unwrap_or(Value::Null),
        // Through the shortest text form, so that real 0.1 reads as 0.1, not 0.10000000149.
        ColumnData::F32(v) => v
            .map(|v| Value::Float(v.to_string().parse().unwrap_or(f64::from(v))))
            .unwrap_or(Value::Null),
        ColumnData::F64(v) => v.map(Value::Float).unwrap_or(Value::Null),
        ColumnData::Bit(v) => v.map(|b| Value::Int(i64::from(b))).unwrap_or(Value::Null),
        ColumnData::String(v) => v
            .as_ref()
            .map(|s| Value::Text(s.to_string()))
            .unwrap_or(Value::Null),
        ColumnData::Guid(v) => v
            .map(|g| Value::Text(g.to_string().to_uppercase()))
            .unwrap_or(Value::Null),
        ColumnData::Binary(v) => v
            .as_ref()
            .map(|b| Value::Text(String::from_utf8_lossy(b).into_owned()))
            .unwrap_or(Value::Null),
        ColumnData::Numeric(v) => match v {
            None => Value::Null,
            Some(n) => {
                if n.scale() == 0
                    && let Ok(i) = i64::try_from(n.value())
                {
                    Value::Int(i)
                } else {
                    let f = Decimal::try_from_i128_with_scale(n.value(), u32::from(n.scale()))
                        .ok()
                        .and_then(|d| d.to_f64())
                        .unwrap_or_else(|| f64::from(*n));
                    Value::Float(f)
                }
            }
        },
        ColumnData::Xml(v) => v
            .as_ref()
            .map(|x| Value::Text(x.to_string()))
            .unwrap_or(Value::Null),
        ColumnData::DateTime(v) => naive_datetime(ColumnData::DateTime(*v))?,
        ColumnData::SmallDateTime(v) => naive_datetime(ColumnData::SmallDateTime(*v))?,
        ColumnData::DateTime2(v) => naive_datetime(ColumnData::DateTime2(*v))?,
        ColumnData::Date(v) => NaiveDate::from_sql(&ColumnData::Date(*v))
            .map_err(conversion_error)?
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(Value::DateTime)
            .unwrap_or(Value::Null),
        ColumnData::Time(v) => NaiveTime::from_sql(&ColumnData::Time(*v))
            .map_err(conversion_error)?
            .map(|t| Value::Text(t.format("%H:%M:%S%.f").to_string()))
            .unwrap_or(Value::Null),
        ColumnData::DateTimeOffset(v) => {
            chrono::DateTime::<chrono::FixedOffset>::from_sql(&ColumnData::DateTimeOffset(*v))
                .map_err(conversion_error)?
                .map(|d| Value::DateTime(d.naive_local()))
                .unwrap_or(Value::Null)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// What a SQL Server error number means to the shared code.
fn classify_server_error(code: u32) -> DbErrorKind {
    match code {
        // Violation of PRIMARY KEY / UNIQUE constraint; duplicate key row in a unique index.
        2627 | 2601 => DbErrorKind::Duplicate,
        // Deadlock victim; lock request time out; snapshot update conflict.
        1205 | 1222 | 3960 => DbErrorKind::Conflict,
        // Cannot open database; login failed; database in use / not available.
        4060 | 18456 | 18452 | 926 | 942 => DbErrorKind::Connection,
        _ => DbErrorKind::Other,
    }
}

fn to_db_error(e: tiberius::error::Error) -> DbError {
    use tiberius::error::Error as E;
    match &e {
        E::Server(t) => DbError::new(
            classify_server_error(t.code()),
            format!("SQL Server error {}: {}", t.code(), t.message()),
        ),
        E::Io { .. } | E::Tls(_) | E::Routing { .. } | E::Protocol(_) => {
            DbError::new(DbErrorKind::Connection, e.to_string())
        }
        _ => DbError::other(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn classifies_server_errors() {
        assert_eq!(classify_server_error(2627), DbErrorKind::Duplicate);
        assert_eq!(classify_server_error(2601), DbErrorKind::Duplicate);
        assert_eq!(classify_server_error(1205), DbErrorKind::Conflict);
        assert_eq!(classify_server_error(1222), DbErrorKind::Conflict);
        assert_eq!(classify_server_error(18456), DbErrorKind::Connection);
        assert_eq!(classify_server_error(515), DbErrorKind::Other);
        assert_eq!(classify_server_error(547), DbErrorKind::Other);
        assert_eq!(classify_server_error(208), DbErrorKind::Other);
    }

    #[test]
    fn classifies_driver_errors() {
        use tiberius::error::Error as E;
        let io = E::Io {
            kind: std::io::ErrorKind::ConnectionReset,
            message: "reset".into(),
        };
        assert_eq!(to_db_error(io).kind, DbErrorKind::Connection);
        let timeout = E::Io {
            kind: std::io::ErrorKind::TimedOut,
            message: "timed out".into(),
        };
        assert_eq!(to_db_error(timeout).kind, DbErrorKind::Connection);
        assert_eq!(
            to_db_error(E::Tls("bad certificate".into())).kind,
            DbErrorKind::Connection
        );
        assert_eq!(
            to_db_error(E::Conversion("nope".into())).kind,
            DbErrorKind::Other
        );
    }

    #[test]
    fn binds_values_as_sql_server_types() {
        assert_eq!(value_to_column_data(&Value::Null), ColumnData::String(None));
        assert_eq!(
            value_to_column_data(&Value::Int(7)),
            ColumnData::I32(Some(7))
        );
        assert_eq!(
            value_to_column_data(&Value::Int(1 << 40)),
            ColumnData::I64(Some(1 << 40))
        );
        assert_eq!(
            value_to_column_data(&Value::Float(0.5)),
            ColumnData::F64(Some(0.5))
        );
        let text = Value::Text("Ябълки «Златна»".into());
        assert_eq!(
            value_to_column_data(&text),
            ColumnData::String(Some(Cow::Borrowed("Ябълки «Златна»")))
        );
        // datetime: days since 1900-01-01 and 1/300 s ticks.
        let d = dt(2012, 1, 14, 15, 36, 50);
        let days = (d.date() - NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()).num_days() as i32;
        let ticks = (15 * 3600 + 36 * 60 + 50) * 300;
        assert_eq!(
            value_to_column_data(&Value::DateTime(d)),
            ColumnData::DateTime(Some(tiberius::time::DateTime::new(days, ticks)))
        );
        // And it reads back as the same moment.
        let back = column_to_value(&value_to_column_data(&Value::DateTime(d))).unwrap();
        assert_eq!(back, Value::DateTime(d));
        // Before 1753: datetime2.
        assert!(matches!(
            value_to_column_data(&Value::DateTime(dt(1600, 1, 1, 0, 0, 0))),
            ColumnData::DateTime2(Some(_))
        ));
    }

    #[test]
    fn datetime_ticks_round_and_carry() {
        // 10 ms = 3 ticks exactly; 23:59:59.999 rounds up to the next day's midnight.
        let d = dt(2024, 2, 28, 0, 0, 0) + chrono::TimeDelta::milliseconds(10);
        let v = sql_datetime(&d).unwrap();
        assert_eq!(v, tiberius::time::DateTime::new(v.days(), 3));
        let late = dt(2024, 2, 28, 23, 59, 59) + chrono::TimeDelta::milliseconds(999);
        let next = sql_datetime(&dt(2024, 2, 29, 0, 0, 0)).unwrap();
        assert_eq!(sql_datetime(&late).unwrap(), next);
        assert!(sql_datetime(&dt(1753, 1, 1, 0, 0, 0)).is_some());
        assert!(sql_datetime(&dt(1752, 12, 31, 0, 0, 0)).is_none());
        assert!(sql_datetime(&dt(9999, 12, 31, 23, 59, 59)).is_some());
    }

    #[test]
    fn decodes_column_data() {
        fn c(d: ColumnData<'_>) -> Value {
            column_to_value(&d).unwrap()
        }
        assert_eq!(c(ColumnData::U8(Some(255))), Value::Int(255));
        assert_eq!(c(ColumnData::I16(Some(-3))), Value::Int(-3));
        assert_eq!(c(ColumnData::I32(Some(1 << 30))), Value::Int(1 << 30));
        assert_eq!(c(ColumnData::I64(Some(i64::MAX))), Value::Int(i64::MAX));
        assert_eq!(c(ColumnData::F32(Some(0.1))), Value::Float(0.1));
        assert_eq!(c(ColumnData::F64(Some(0.1 + 0.2))), Value::Float(0.1 + 0.2));
        assert_eq!(c(ColumnData::Bit(Some(true))), Value::Int(1));
        assert_eq!(c(ColumnData::Bit(Some(false))), Value::Int(0));
        assert_eq!(
            c(ColumnData::String(Some(Cow::Owned("Склад".into())))),
            Value::Text("Склад".into())
        );
        assert_eq!(
            c(ColumnData::Binary(Some(Cow::Owned(b"ab\xff".to_vec())))),
            Value::Text("ab\u{fffd}".into())
        );
        let g = tiberius::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(
            c(ColumnData::Guid(Some(g))),
            Value::Text("01234567-89AB-CDEF-0123-456789ABCDEF".into())
        );
        use tiberius::numeric::Numeric;
        assert_eq!(
            c(ColumnData::Numeric(Some(Numeric::new_with_scale(
                123_400, 4
            )))),
            Value::Float(12.34)
        );
        assert_eq!(
            c(ColumnData::Numeric(Some(Numeric::new_with_scale(42, 0)))),
            Value::Int(42)
        );
        // Too large for rust_decimal's 96 bits: still a float.
        let huge = Numeric::new_with_scale(10_i128.pow(37), 2);
        assert_eq!(c(ColumnData::Numeric(Some(huge))), Value::Float(1e35));
        // smalldatetime: days since 1900 and minutes.
        let sdt = tiberius::time::SmallDateTime::new(40_920, 15 * 60 + 36);
        assert_eq!(
            c(ColumnData::SmallDateTime(Some(sdt))),
            Value::DateTime(dt(2012, 1, 14, 15, 36, 0))
        );
        let d2 = dt(2024, 2, 29, 23, 59, 58) + chrono::TimeDelta::microseconds(123_400);
        assert_eq!(c(d2.to_sql()), Value::DateTime(d2));
        let date = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        assert_eq!(c(date.to_sql()), Value::DateTime(dt(2025, 1, 1, 0, 0, 0)));
        for null in [
            ColumnData::U8(None),
            ColumnData::I16(None),
            ColumnData::I32(None),
            ColumnData::I64(None),
            ColumnData::F32(None),
            ColumnData::F64(None),
            ColumnData::Bit(None),
            ColumnData::String(None),
            ColumnData::Guid(None),
            ColumnData::Binary(None),
            ColumnData::Numeric(None),
            ColumnData::Xml(None),
            ColumnData::DateTime(None),
            ColumnData::SmallDateTime(None),
            ColumnData::DateTime2(None),
            ColumnData::Date(None),
            ColumnData::Time(None),
            ColumnData::DateTimeOffset(None),
        ] {
            assert_eq!(c(null), Value::Null);
        }
    }

    #[test]
    fn reads_timeouts_from_the_connection_string() {
        let t = Timeouts::parse("server=tcp:h,1433;user=sa;password=x").unwrap();
        assert_eq!(t.command, Some(DEFAULT_COMMAND_TIMEOUT));
        assert_eq!(t.connect, DEFAULT_CONNECT_TIMEOUT);
        let t = Timeouts::parse("server=h;Command Timeout=0;Connect Timeout=5").unwrap();
        assert_eq!(t.command, None);
        assert_eq!(t.connect, Duration::from_secs(5));
        let t = Timeouts::parse("server=h;CommandTimeout=600").unwrap();
        assert_eq!(t.command, Some(Duration::from_secs(600)));
        assert!(Timeouts::parse("server=h;Command Timeout=soon").is_err());
    }

    #[tokio::test]
    async fn unreachable_server_is_a_connection_error() {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let e = MsSqlBackend::open(
            "server=tcp:127.0.0.1,1;user=sa;password=x;TrustServerCertificate=true;Connect Timeout=5",
        )
        .await
        .err()
        .expect("must fail");
        assert_eq!(e.kind, DbErrorKind::Connection, "{e}");
        let e = MsSqlBackend::open("server=tcp:h,notaport")
            .await
            .err()
            .expect("must fail");
        assert_eq!(e.kind, DbErrorKind::Other, "{e}");
    }

    /// Runs against a real SQL Server when `SKLADSYNC_TEST_MSSQL_URL` holds an ADO.NET
    /// connection string (a user allowed to CREATE TABLE in the database).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mssql_live_roundtrip() {
        let Ok(url) = std::env::var("SKLADSYNC_TEST_MSSQL_URL") else {
            eprintln!("skipped: SKLADSYNC_TEST_MSSQL_URL is not set");
            return;
        };
        let backend = MsSqlBackend::open(&url)
            .await
            .expect("connect to SQL Server");
        let table = format!(
            "skladsync_test_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let result = live_body(&backend, &table).await;
        let mut s = backend.session().await.unwrap();
        s.execute(&format!("DROP TABLE [{table}]"), &[])
            .await
            .unwrap();
        if let Err(e) = result {
            panic!("{e}");
        }
    }

    async fn live_body(backend: &MsSqlBackend, table: &str) -> Result<(), String> {
        let fail = |what: &str, e: DbError| format!("{what}: {e} ({:?})", e.kind);
        assert_eq!(backend.dialect(), Dialect::MsSql);
        let mut s = backend.session().await.map_err(|e| fail("session", e))?;
        s.execute(
            &format!(
                "CREATE TABLE [{table}] ([ID] INT NOT NULL PRIMARY KEY, [Big] BIGINT NULL, \
                 [F] FLOAT NULL, [S] NVARCHAR(255) NULL, [SD] SMALLDATETIME NULL, \
                 [DT] DATETIME NULL, [N] NVARCHAR(50) NULL, [Sm] SMALLINT NULL, [B] BIT NULL, \
                 [M] MONEY NULL, [Dec] DECIMAL(18, 4) NULL)"
            ),
            &[],
        )
        .await
        .map_err(|e| fail("create table", e))?;
        let when = dt(2012, 1, 14, 15, 36, 0);
        let when_s = dt(2012, 1, 14, 15, 36, 50);
        let big = 9_007_199_254_740_993_i64;
        let f = 0.1 + 0.2;
        let text = "Склад Pro — стока №1 «Ябълки» ёЁ";
        let insert = format!(
            "INSERT INTO [{table}] ([ID], [Big], [F], [S], [SD], [DT], [N], [Sm], [B], [M], [Dec]) \
             VALUES (@P1, @P2, @P3, @P4, @P5, @P6, @P7, @P8, @P9, @P10, @P11)"
        );
        let n = s
            .execute(
                &insert,
                &[
                    Value::Int(1),
                    Value::Int(big),
                    Value::Float(f),
                    Value::Text(text.into()),
                    Value::DateTime(when),
                    Value::DateTime(when_s),
                    Value::Null,
                    Value::Int(-2),
                    Value::Int(1),
                    Value::Float(12.34),
                    Value::Float(5.5),
                ],
            )
            .await
            .map_err(|e| fail("insert", e))?;
        assert_eq!(n, 1);
        let rows = s
            .query(
                &format!(
                    "SELECT [Big], [F], [S], [SD], [DT], [N], [Sm], [B], [M], [Dec] FROM [{table}] \
                     WHERE [S] = @P1 AND [SD] = @P2"
                ),
                &[Value::Text(text.into()), Value::DateTime(when)],
            )
            .await
            .map_err(|e| fail("select", e))?;
        assert_eq!(
            rows,
            vec![Row(vec![
                Value::Int(big),
                Value::Float(f),
                Value::Text(text.into()),
                Value::DateTime(when),
                Value::DateTime(when_s),
                Value::Null,
                Value::Int(-2),
                Value::Int(1),
                Value::Float(12.34),
                Value::Float(5.5),
            ])]
        );

        // Duplicate key.
        let e = s
            .execute(
                &format!("INSERT INTO [{table}] ([ID]) VALUES (@P1)"),
                &[Value::Int(1)],
            )
            .await
            .expect_err("duplicate insert must fail");
        assert_eq!(e.kind, DbErrorKind::Duplicate, "{e}");

        // Commit persists, rollback discards, a dropped transaction is rolled back.
        let one = format!("INSERT INTO [{table}] ([ID]) VALUES (@P1)");
        s.begin().await.map_err(|e| fail("begin", e))?;
        s.execute(&one, &[Value::Int(2)])
            .await
            .map_err(|e| fail("insert 2", e))?;
        s.commit().await.map_err(|e| fail("commit", e))?;
        s.begin().await.map_err(|e| fail("begin", e))?;
        s.execute(&one, &[Value::Int(3)])
            .await
            .map_err(|e| fail("insert 3", e))?;
        s.rollback().await.map_err(|e| fail("rollback", e))?;
        drop(s);
        {
            let mut s = backend.session().await.map_err(|e| fail("session", e))?;
            s.begin().await.map_err(|e| fail("begin", e))?;
            s.execute(&one, &[Value::Int(4)])
                .await
                .map_err(|e| fail("insert 4", e))?;
        }
        let mut s = backend.session().await.map_err(|e| fail("session", e))?;
        let rows = s
            .query(&format!("SELECT [ID] FROM [{table}] ORDER BY [ID]"), &[])
            .await
            .map_err(|e| fail("select ids", e))?;
        assert_eq!(
            rows,
            vec![Row(vec![Value::Int(1)]), Row(vec![Value::Int(2)])]
        );
        let n = s
            .execute(
                &format!("UPDATE [{table}] SET [N] = @P1 WHERE [ID] > @P2"),
                &[Value::Text("x".into()), Value::Int(0)],
            )
            .await
            .map_err(|e| fail("update", e))?;
        assert_eq!(n, 2);
        Ok(())
    }
}
