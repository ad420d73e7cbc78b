//! ODBC (odbc-api): MS Access on Windows, any ODBC source elsewhere.
//!
//! odbc-api is blocking and an ODBC connection must not be used from two threads at once, so
//! every session owns one connection on its own dedicated thread (named `odbc-session`). The
//! async [`Session`] methods send a command over a channel and await the reply on a tokio
//! oneshot. When a session is dropped its worker thread is told so *after* every command sent
//! before: a worker that is idle (no transaction open, connection healthy) goes back to a small
//! pool of idle workers, and leaves it again (disconnecting) after [`IDLE_TIMEOUT`]; a worker
//! dropped in the middle of a transaction rolls back, disconnects and ends its thread.
//!
//! Parameters are always bound, never spliced into the SQL text: integers as `INTEGER` (or
//! `BIGINT` when they do not fit; Access has no `BIGINT`, so there they go as `DOUBLE`), floats
//! as `DOUBLE`, text as `VARCHAR` (narrow, UTF-8) or, on Windows, `WVARCHAR` (UTF-16, so that
//! Cyrillic survives the Access driver), dates as an ODBC `TIMESTAMP` struct, and NULL as a
//! NULL `VARCHAR`. Results are read by the type the driver reports for each column:
//! floating-point columns as `f64`, everything else as text, then integer columns are parsed to
//! [`Value::Int`], decimal columns to [`Value::Float`] (or `Int` when their scale is 0), date
//! columns to [`Value::DateTime`], and the rest stays [`Value::Text`]. A `BIT` column (Access
//! Yes/No) reads as `Int` 1/0: ODBC maps Access's -1 "true" to 1.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{Datelike, NaiveDateTime, Timelike};
use odbc_api::buffers::Indicator;
use odbc_api::parameter::{InputParameter, VarCharBox, VarWCharBox, WithDataType};
use odbc_api::sys::Timestamp;
use odbc_api::{
    Connection, ConnectionOptions, Cursor, DataType, IntoParameter, Nullable, ResultSetMetadata,
};
use tokio::sync::oneshot;

use super::{Backend, Session};
use crate::dialect::Dialect;
use crate::error::{DbError, DbErrorKind};
use crate::value::{Row, Value};

/// How many idle connections (each with its thread) are kept for reuse.
const MAX_IDLE: usize = 4;
/// An idle pooled connection is closed after this long, so that the database file (Access) is
/// not held open while the sync is doing nothing.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Text is sent and read as UTF-16 on Windows (where the Access driver needs it for non-ASCII
/// text) and as UTF-8 elsewhere, the same choice odbc-api makes for SQL text and messages.
const WIDE_TEXT: bool = cfg!(target_os = "windows");

type Pool = Mutex<Vec<Worker>>;

pub(crate) struct OdbcBackend {
    connection_string: String,
    dialect: Dialect,
    dbms_name: String,
    pool: Arc<Pool>,
}

impl OdbcBackend {
    /// Connects once to learn which DBMS is behind the ODBC source (and keeps that connection
    /// for the first session).
    pub(crate) async fn open(connection_string: &str) -> Result<OdbcBackend, DbError> {
        let pool: Arc<Pool> = Arc::new(Mutex::new(Vec::new()));
        let worker = Worker::spawn(connection_string.to_owned(), None).await?;
        let (reply, rx) = oneshot::channel();
        worker.send(Command::DbmsName { reply })?;
        let dbms_name = rx.await.map_err(|_| worker_gone())??;
        let dialect = Dialect::from_dbms_name(&dbms_name).ok_or_else(|| {
            DbError::other(format!(
                "the ODBC data source is a \"{dbms_name}\" database, which is not supported: \
                 Склад Pro lives on MS Access, MS SQL Server, MySQL or SQLite"
            ))
        })?;
        // The worker learns the dialect now; only then may it bind parameters.
        worker.send(Command::SetDialect(dialect))?;
        let tx = worker.tx.clone();
        let _ = tx.send(Command::Release {
            worker,
            pool: Arc::downgrade(&pool),
        });
        Ok(OdbcBackend {
            connection_string: connection_string.to_owned(),
            dialect,
            dbms_name,
            pool,
        })
    }

    /// The DBMS name the driver reported (`SQL_DBMS_NAME`).
    #[allow(dead_code)]
    pub(crate) fn dbms_name(&self) -> &str {
        &self.dbms_name
    }
}

#[async_trait]
impl Backend for OdbcBackend {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn name(&self) -> &'static str {
        match self.dialect {
            Dialect::Access => "MS Access (ODBC)",
            Dialect::Sqlite => "SQLite (ODBC)",
            Dialect::MySql => "MySQL (ODBC)",
            Dialect::MsSql => "MS SQL Server (ODBC)",
        }
    }

    async fn session(&self) -> Result<Box<dyn Session>, DbError> {
        Ok(Box::new(self.odbc_session().await?))
    }
}

impl OdbcBackend {
    /// An idle pooled connection, or a new one on a new thread.
    async fn odbc_session(&self) -> Result<OdbcSession, DbError> {
        let idle = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let worker = match idle {
            Some(w) => w,
            None => Worker::spawn(self.connection_string.clone(), Some(self.dialect)).await?,
        };
        Ok(OdbcSession {
            worker: Some(worker),
            pool: Arc::downgrade(&self.pool),
        })
    }
}

/// The async side's handle on one connection thread.
struct Worker {
    id: u64,
    tx: mpsc::Sender<Command>,
    /// Dropped by the thread when it ends (lets tests see that it did).
    #[cfg_attr(not(test), allow(dead_code))]
    alive: Weak<()>,
}

enum Command {
    Query {
        sql: String,
        params: Vec<Value>,
        reply: oneshot::Sender<Result<Vec<Row>, DbError>>,
    },
    Execute {
        sql: String,
        params: Vec<Value>,
        reply: oneshot::Sender<Result<u64, DbError>>,
    },
    Begin {
        reply: oneshot::Sender<Result<(), DbError>>,
    },
    Commit {
        reply: oneshot::Sender<Result<(), DbError>>,
    },
    Rollback {
        reply: oneshot::Sender<Result<(), DbError>>,
    },
    DbmsName {
        reply: oneshot::Sender<Result<String, DbError>>,
    },
    SetDialect(Dialect),
    /// The session is gone: pool the worker, or end the thread.
    Release {
        worker: Worker,
        pool: Weak<Pool>,
    },
}

fn worker_gone() -> DbError {
    DbError::new(
        DbErrorKind::Connection,
        "the ODBC connection thread has stopped",
    )
}

impl Worker {
    /// Starts a thread, connects on it, and returns once the connection is made.
    async fn spawn(connection_string: String, dialect: Option<Dialect>) -> Result<Worker, DbError> {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        let (ready_tx, ready_rx) = oneshot::channel();
        let alive = Arc::new(());
        let alive_weak = Arc::downgrade(&alive);
        std::thread::Builder::new()
            .name("odbc-session".to_owned())
            .spawn(move || {
                let _alive = alive;
                run_worker(id, &connection_string, dialect, rx, ready_tx);
            })
            .map_err(|e| DbError::other(format!("cannot start an ODBC connection thread: {e}")))?;
        ready_rx.await.map_err(|_| worker_gone())??;
        Ok(Worker {
            id,
            tx,
            alive: alive_weak,
        })
    }

    fn send(&self, command: Command) -> Result<(), DbError> {
        self.tx.send(command).map_err(|_| worker_gone())
    }
}

struct OdbcSession {
    worker: Option<Worker>,
    pool: Weak<Pool>,
}

impl OdbcSession {
    async fn call<T>(
        &mut self,
        make: impl FnOnce(oneshot::Sender<Result<T, DbError>>) -> Command,
    ) -> Result<T, DbError> {
        let worker = self.worker.as_ref().ok_or_else(worker_gone)?;
        let (reply, rx) = oneshot::channel();
        worker.send(make(reply))?;
        rx.await.map_err(|_| worker_gone())?
    }
}

impl Drop for OdbcSession {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            let tx = worker.tx.clone();
            // Queued behind every command sent before, so the worker decides with the final
            // state. If the thread is already gone there is nothing to release.
            let _ = tx.send(Command::Release {
                worker,
                pool: self.pool.clone(),
            });
        }
    }
}

#[async_trait]
impl Session for OdbcSession {
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let (sql, params) = (sql.to_owned(), params.to_vec());
        self.call(|reply| Command::Query { sql, params, reply })
            .await
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let (sql, params) = (sql.to_owned(), params.to_vec());
        self.call(|reply| Command::Execute { sql, params, reply })
            .await
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.call(|reply| Command::Begin { reply }).await
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.call(|reply| Command::Commit { reply }).await
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.call(|reply| Command::Rollback { reply }).await
    }
}

// ---------------------------------------------------------------------------------------------
// The connection thread.

struct WorkerState<'c> {
    conn: Connection<'c>,
    dialect: Dialect,
    /// Begin/commit/roll back with SQL statements instead of the ODBC autocommit switch
    /// (SQLite, see [`WorkerState::begin`]).
    sql_transactions: bool,
    in_transaction: bool,
    /// The connection failed in a way that makes it unfit for reuse.
    broken: bool,
}

fn run_worker(
    id: u64,
    connection_string: &str,
    dialect: Option<Dialect>,
    rx: mpsc::Receiver<Command>,
    ready: oneshot::Sender<Result<(), DbError>>,
) {
    let conn = odbc_api::environment()
        .map_err(|e| to_db_error(Dialect::Access, e))
        .and_then(|env| {
            env.connect_with_connection_string(connection_string, ConnectionOptions::default())
                .map_err(|e| connect_error(to_db_error(dialect.unwrap_or(Dialect::Access), e)))
        });
    let conn = match conn {
        Ok(conn) => conn,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    if ready.send(Ok(())).is_err() {
        return;
    }
    let mut state = WorkerState {
        conn,
        // Placeholder until the backend learns the DBMS (only the first worker lacks it).
        dialect: dialect.unwrap_or(Dialect::Access),
        sql_transactions: dialect == Some(Dialect::Sqlite),
        in_transaction: false,
        broken: false,
    };
    // Set while the worker sits in the idle pool.
    let mut idle_in: Option<Weak<Pool>> = None;
    loop {
        let command = match &idle_in {
            None => match rx.recv() {
                Ok(c) => c,
                Err(_) => break,
            },
            Some(pool) => match rx.recv_timeout(IDLE_TIMEOUT) {
                Ok(c) => c,
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    if leave_pool(pool, id) {
                        break;
                    }
                    // Someone took this worker just now; its commands are on the way.
                    idle_in = None;
                    continue;
                }
            },
        };
        idle_in = None;
        match command {
            Command::Query { sql, params, reply } => {
                let r = state.track(run_query(&state.conn, state.dialect, &sql, &params));
                let _ = reply.send(r);
            }
            Command::Execute { sql, params, reply } => {
                let r = state.track(run_execute(&state.conn, state.dialect, &sql, &params));
                let _ = reply.send(r);
            }
            Command::Begin { reply } => {
                let r = state.begin();
                let _ = reply.send(r);
            }
            Command::Commit { reply } => {
                let r = state.commit();
                let _ = reply.send(r);
            }
            Command::Rollback { reply } => {
                let r = state.rollback();
                let _ = reply.send(r);
            }
            Command::DbmsName { reply } => {
                let r = state
                    .conn
                    .database_management_system_name()
                    .map_err(|e| to_db_error(state.dialect, e));
                let _ = reply.send(r);
            }
            Command::SetDialect(d) => {
                state.dialect = d;
                state.sql_transactions = d == Dialect::Sqlite;
            }
            Command::Release { worker, pool } => {
                if state.in_transaction {
                    // Dropped mid-transaction: undo, and do not reuse the connection.
                    let _ = state.rollback();
                    drop(worker);
                    break;
                }
                if state.broken || state.conn.is_dead().unwrap_or(true) {
                    drop(worker);
                    break;
                }
                let Some(p) = pool.upgrade() else {
                    drop(worker);
                    break;
                };
                let mut idle = p.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() >= MAX_IDLE {
                    drop(idle);
                    drop(worker);
                    break;
                }
                idle.push(worker);
                drop(idle);
                idle_in = Some(pool);
            }
        }
    }
    if state.in_transaction {
        let _ = state.rollback();
    }
    // Disconnect. odbc-api panics if disconnecting fails for another reason than an open
    // transaction (e.g. a link already lost); that must not take more than this thread down,
    // and the thread is ending anyway.
    let conn = state.conn;
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(conn)));
}

/// Takes this worker out of the idle pool. False when it is no longer there (a session took
/// it and will send commands).
fn leave_pool(pool: &Weak<Pool>, id: u64) -> bool {
    let Some(pool) = pool.upgrade() else {
        return true;
    };
    let mut idle = pool.lock().unwrap_or_else(|e| e.into_inner());
    match idle.iter().position(|w| w.id == id) {
        Some(i) => {
            idle.swap_remove(i);
            true
        }
        None => false,
    }
}

impl WorkerState<'_> {
    fn track<T>(&mut self, r: Result<T, DbError>) -> Result<T, DbError> {
        if let Err(e) = &r
            && e.kind == DbErrorKind::Connection
        {
            self.broken = true;
        }
        r
    }

    /// Runs one transaction-control statement (the SQLite way, see [`Self::begin`]).
    fn control(&self, sql: &str) -> Result<(), DbError> {
        self.conn
            .execute(sql, (), None)
            .map(drop)
            .map_err(|e| to_db_error(self.dialect, e))
    }

    fn begin(&mut self) -> Result<(), DbError> {
        if self.in_transaction {
            return Err(DbError::other(
                "a transaction is already open on this session",
            ));
        }
        let r = if self.sql_transactions {
            // The SQLite ODBC driver begins a DEFERRED transaction when autocommit is turned
            // off; two writers that both read first then wait on each other until the busy
            // timeout. IMMEDIATE takes the write lock at once, so a second writer queues (as
            // in the sqlx SQLite backend). The driver stays in autocommit mode and passes the
            // statements through.
            self.control("BEGIN IMMEDIATE")
        } else {
            self.conn
                .set_autocommit(false)
                .map_err(|e| to_db_error(self.dialect, e))
        };
        let r = self.track(r);
        if r.is_ok() {
            self.in_transaction = true;
        }
        r
    }

    fn commit(&mut self) -> Result<(), DbError> {
        if !self.in_transaction {
            return Err(DbError::other("commit without an open transaction"));
        }
        // On failure the transaction stays open, so that the caller can roll it back.
        if self.sql_transactions {
            let r = self.control("COMMIT");
            self.track(r)?;
            self.in_transaction = false;
            return Ok(());
        }
        let r = self.conn.commit().map_err(|e| to_db_error(self.dialect, e));
        self.track(r)?;
        self.in_transaction = false;
        let r = self
            .conn
            .set_autocommit(true)
            .map_err(|e| to_db_error(self.dialect, e));
        if r.is_err() {
            self.broken = true;
        }
        r
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        let r = if self.sql_transactions {
            self.control("ROLLBACK")
        } else {
            self.conn
                .rollback()
                .and_then(|()| self.conn.set_autocommit(true))
                .map_err(|e| to_db_error(self.dialect, e))
        };
        if r.is_err() {
            // Whatever state the driver is in now, it is not one to hand to someone else.
            self.broken = true;
        }
        r
    }
}

// ---------------------------------------------------------------------------------------------
// Statements.

fn run_query(
    conn: &Connection<'_>,
    dialect: Dialect,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>, DbError> {
    let err = |e| to_db_error(dialect, e);
    let bound = bind_params(dialect, params);
    let mut stmt = conn.preallocate().map_err(err)?;
    let Some(mut cursor) = stmt.execute(sql, bound.as_slice()).map_err(err)? else {
        return Ok(Vec::new());
    };
    let columns = cursor.num_result_cols().map_err(err)?;
    let columns = u16::try_from(columns).unwrap_or(0);
    let mut kinds = Vec::with_capacity(columns as usize);
    for i in 1..=columns {
        kinds.push(ColumnKind::of(cursor.col_data_type(i).map_err(err)?));
    }
    let mut rows = Vec::new();
    let mut text = Vec::<u8>::new();
    let mut wide = Vec::<u16>::new();
    while let Some(mut row) = cursor.next_row().map_err(err)? {
        let mut cells = Vec::with_capacity(kinds.len());
        for (i, kind) in kinds.iter().enumerate() {
            let col = i as u16 + 1;
            let value = match kind {
                ColumnKind::Float => {
                    let mut f = Nullable::<f64>::null();
                    row.get_data(col, &mut f).map_err(err)?;
                    f.into_opt().map(Value::Float).unwrap_or(Value::Null)
                }
                ColumnKind::Binary => {
                    if row.get_binary(col, &mut text).map_err(err)? {
                        Value::Text(String::from_utf8_lossy(&text).into_owned())
                    } else {
                        Value::Null
                    }
                }
                _ => {
                    let present = if WIDE_TEXT {
                        row.get_wide_text(col, &mut wide).map_err(err)?
                    } else {
                        row.get_text(col, &mut text).map_err(err)?
                    };
                    if !present {
                        Value::Null
                    } else {
                        let s = if WIDE_TEXT {
                            String::from_utf16_lossy(&wide)
                        } else {
                            String::from_utf8_lossy(&text).into_owned()
                        };
                        kind.decode_text(s)
                    }
                }
            };
            cells.push(value);
        }
        rows.push(Row(cells));
    }
    Ok(rows)
}

fn run_execute(
    conn: &Connection<'_>,
    dialect: Dialect,
    sql: &str,
    params: &[Value],
) -> Result<u64, DbError> {
    let err = |e| to_db_error(dialect, e);
    let bound = bind_params(dialect, params);
    let mut stmt = conn.preallocate().map_err(err)?;
    // A cursor, if the statement made one, is closed at once.
    drop(stmt.execute(sql, bound.as_slice()).map_err(err)?);
    let count = stmt.row_count().map_err(err)?;
    Ok(count.map(|c| c as u64).unwrap_or(0))
}

/// How a result column is read and turned into a [`Value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnKind {
    Int,
    Float,
    Decimal { scale: i16 },
    DateTime,
    Text,
    Binary,
}

impl ColumnKind {
    fn of(data_type: DataType) -> ColumnKind {
        match data_type {
            DataType::Integer
            | DataType::SmallInt
            | DataType::TinyInt
            | DataType::BigInt
            | DataType::Bit => ColumnKind::Int,
            DataType::Float { .. } | DataType::Real | DataType::Double => ColumnKind::Float,
            DataType::Numeric { scale, .. } | DataType::Decimal { scale, .. } => {
                ColumnKind::Decimal { scale }
            }
            DataType::Date | DataType::Timestamp { .. } => ColumnKind::DateTime,
            // ODBC 2 codes some drivers still report: SQL_DATE (9) and SQL_TIMESTAMP (11).
            DataType::Other { data_type, .. } if data_type.0 == 9 || data_type.0 == 11 => {
                ColumnKind::DateTime
            }
            DataType::Binary { .. }
            | DataType::Varbinary { .. }
            | DataType::LongVarbinary { .. } => ColumnKind::Binary,
            _ => ColumnKind::Text,
        }
    }

    /// Turns a cell fetched as text into the value its column type promises, keeping the text
    /// when it does not parse (SQLite stores anything in any column).
    fn decode_text(self, s: String) -> Value {
        match self {
            ColumnKind::Int => match s.trim().parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => match s.trim().parse::<f64>() {
                    Ok(f) => Value::Float(f),
                    Err(_) => Value::Text(s),
                },
            },
            ColumnKind::Decimal { scale } => {
                let t = s.trim();
                if scale <= 0
                    && let Ok(i) = t.parse::<i64>()
                {
                    return Value::Int(i);
                }
                match t.replace(',', ".").parse::<f64>() {
                    Ok(f) => Value::Float(f),
                    Err(_) => Value::Text(s),
                }
            }
            ColumnKind::Float => match s.trim().parse::<f64>() {
                Ok(f) => Value::Float(f),
                Err(_) => Value::Text(s),
            },
            ColumnKind::DateTime => match Value::Text(s.clone()).as_datetime() {
                Some(d) => Value::DateTime(d),
                None => Value::Text(s),
            },
            ColumnKind::Text | ColumnKind::Binary => Value::Text(s),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters.

fn bind_params(dialect: Dialect, params: &[Value]) -> Vec<Box<dyn InputParameter>> {
    params.iter().map(|p| bind_param(dialect, p)).collect()
}

fn bind_param(dialect: Dialect, value: &Value) -> Box<dyn InputParameter> {
    match value {
        Value::Null => Box::new(VarCharBox::null()),
        Value::Int(i) => match i32::try_from(*i) {
            Ok(small) => Box::new(small),
            // The Access driver knows no BIGINT; a double holds every integer up to 2^53.
            Err(_) if dialect == Dialect::Access => Box::new(*i as f64),
            Err(_) => Box::new(*i),
        },
        Value::Float(f) => Box::new(*f),
        Value::Text(s) => text_param(s),
        // SQLite has no date type: Склад Pro (and the sqlx backend) store "YYYY-MM-DD HH:MM:SS"
        // text, and compare it as text. The SQLite ODBC driver would store a TIMESTAMP
        // parameter as "… HH:MM:SS.000", which compares unequal, so SQLite gets the text.
        Value::DateTime(d) if dialect == Dialect::Sqlite => text_param(&sqlite_datetime(d)),
        Value::DateTime(d) => Box::new(timestamp_param(dialect, d)),
    }
}

fn sqlite_datetime(d: &NaiveDateTime) -> String {
    let millis = d.nanosecond() / 1_000_000 % 1000;
    if millis == 0 {
        d.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        format!("{}.{millis:03}", d.format("%Y-%m-%d %H:%M:%S"))
    }
}

fn text_param(s: &str) -> Box<dyn InputParameter> {
    if s.is_empty() {
        // An empty buffer would be bound as VARCHAR(0), which Access and older SQL Server
        // drivers reject; bind one element holding a zero-length value instead.
        if WIDE_TEXT {
            return Box::new(VarWCharBox::from_buffer(
                vec![0u16].into_boxed_slice(),
                Indicator::Length(0),
            ));
        }
        return Box::new(VarCharBox::from_buffer(
            vec![0u8].into_boxed_slice(),
            Indicator::Length(0),
        ));
    }
    if WIDE_TEXT {
        Box::new(VarWCharBox::from_str_slice(s))
    } else {
        Box::new(s.to_owned().into_parameter())
    }
}

/// An ODBC `TIMESTAMP` parameter. Whole seconds are sent with precision 0; a fraction, to the
/// millisecond, with precision 3 — except for Access, whose Date/Time holds whole seconds and
/// whose driver rejects fractions, so there the fraction is dropped.
fn timestamp_param(dialect: Dialect, d: &NaiveDateTime) -> WithDataType<Timestamp> {
    let millis = if dialect == Dialect::Access {
        0
    } else {
        d.nanosecond() / 1_000_000 % 1000
    };
    let ts = Timestamp {
        year: d.year() as i16,
        month: d.month() as u16,
        day: d.day() as u16,
        hour: d.hour() as u16,
        minute: d.minute() as u16,
        second: d.second() as u16,
        fraction: millis * 1_000_000,
    };
    let precision = if millis == 0 { 0 } else { 3 };
    WithDataType::new(ts, DataType::Timestamp { precision })
}

// ---------------------------------------------------------------------------------------------
// Errors.

fn to_db_error(dialect: Dialect, e: odbc_api::Error) -> DbError {
    let kind = match &e {
        odbc_api::Error::Diagnostics { record, .. } => classify(
            dialect,
            record.state.as_str(),
            record.native_error,
            &record.to_string(),
        ),
        odbc_api::Error::NoDiagnostics { .. } => DbErrorKind::Other,
        _ => DbErrorKind::Other,
    };
    DbError::new(kind, e.to_string().trim_end().to_owned())
}

/// A failure while connecting is a connection failure whatever the driver calls it.
fn connect_error(mut e: DbError) -> DbError {
    e.kind = DbErrorKind::Connection;
    e
}

/// Classifies an ODBC diagnostic by SQLSTATE, with the native error and the message text where
/// drivers are vague (SQLite and Access report most failures as `HY000`).
fn classify(dialect: Dialect, state: &str, native: i32, message: &str) -> DbErrorKind {
    let m = message.to_lowercase();
    let mssql = dialect == Dialect::MsSql;
    // Unique / primary key.
    if state == "23505"
        || m.contains("unique constraint failed")
        || m.contains("is not unique")
        || m.contains("must be unique")
        || (mssql && matches!(native, 2627 | 2601))
        || (dialect == Dialect::MySql && native == 1062)
    {
        return DbErrorKind::Duplicate;
    }
    if state == "23000" {
        // Integrity violation: a duplicate unless the text or number says NOT NULL, foreign or
        // check constraint. (Access messages may be localised; they then count as duplicates.)
        let other_constraint = m.contains("null")
            || m.contains("foreign key")
            || m.contains("reference")
            || m.contains("check constraint")
            || (mssql && matches!(native, 515 | 547));
        return if other_constraint {
            DbErrorKind::Other
        } else {
            DbErrorKind::Duplicate
        };
    }
    // Locks, deadlocks, timeouts.
    if matches!(state, "40001" | "40P01" | "HYT00")
        || (mssql && matches!(native, 1205 | 1222))
        || (dialect == Dialect::MySql && matches!(native, 1205 | 1213))
        || m.contains("database is locked")
        || m.contains("database table is locked")
        || m.contains("busy")
        || m.contains("deadlock")
        || m.contains("currently locked")
        || m.contains("could not lock")
        || m.contains("couldn't lock")
        || m.contains("lock request time out")
    {
        return DbErrorKind::Conflict;
    }
    // Connection: SQLSTATE class 08, connection timeout, and the driver manager's own IM
    // class (no such driver or data source).
    if state.starts_with("08") || state == "HYT01" || state.starts_with("IM") {
        return DbErrorKind::Connection;
    }
    DbErrorKind::Other
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::path::Path;

    fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn classifies_diagnostics() {
        use DbErrorKind::*;
        let c = classify;
        assert_eq!(
            c(
                Dialect::Sqlite,
                "HY000",
                19,
                "[SQLite]UNIQUE constraint failed: t.id (19)"
            ),
            Duplicate
        );
        assert_eq!(
            c(
                Dialect::Sqlite,
                "HY000",
                5,
                "[SQLite]database is locked (5)"
            ),
            Conflict
        );
        assert_eq!(
            c(
                Dialect::Access,
                "23000",
                -1605,
                "The changes you requested to the table were not successful because they would create duplicate values"
            ),
            Duplicate
        );
        assert_eq!(
            c(Dialect::Access, "23000", -1605, "Промените не бяха успешни"),
            Duplicate
        );
        assert_eq!(
            c(
                Dialect::Access,
                "HY000",
                -1102,
                "Could not update; currently locked."
            ),
            Conflict
        );
        assert_eq!(
            c(
                Dialect::MsSql,
                "23000",
                2627,
                "Violation of PRIMARY KEY constraint"
            ),
            Duplicate
        );
        assert_eq!(
            c(
                Dialect::MsSql,
                "23000",
                2601,
                "Cannot insert duplicate key row"
            ),
            Duplicate
        );
        assert_eq!(
            c(Dialect::MsSql, "23000", 515, "Cannot insert the value NULL"),
            Other
        );
        assert_eq!(
            c(
                Dialect::MsSql,
                "23000",
                547,
                "The INSERT statement conflicted"
            ),
            Other
        );
        assert_eq!(
            c(
                Dialect::MsSql,
                "40001",
                1205,
                "chosen as the deadlock victim"
            ),
            Conflict
        );
        assert_eq!(
            c(
                Dialect::MsSql,
                "HY000",
                1222,
                "Lock request time out period exceeded."
            ),
            Conflict
        );
        assert_eq!(
            c(Dialect::MsSql, "08S01", 0, "Communication link failure"),
            Connection
        );
        assert_eq!(
            c(Dialect::Access, "IM002", 0, "Data source name not found"),
            Connection
        );
        assert_eq!(c(Dialect::Sqlite, "HYT00", 0, "Timeout expired"), Conflict);
        assert_eq!(c(Dialect::Sqlite, "42000", 1, "syntax error"), Other);
        assert_eq!(
            c(Dialect::MySql, "23505", 0, "duplicate key value"),
            Duplicate
        );
    }

    #[test]
    fn column_types_pick_the_value_kind() {
        assert_eq!(ColumnKind::of(DataType::Integer), ColumnKind::Int);
        assert_eq!(ColumnKind::of(DataType::Bit), ColumnKind::Int);
        assert_eq!(ColumnKind::of(DataType::Double), ColumnKind::Float);
        assert_eq!(
            ColumnKind::of(DataType::Timestamp { precision: 0 }),
            ColumnKind::DateTime
        );
        assert_eq!(
            ColumnKind::of(DataType::WVarchar { length: None }),
            ColumnKind::Text
        );
        assert_eq!(
            ColumnKind::Int.decode_text("9007199254740993".into()),
            Value::Int(9007199254740993)
        );
        assert_eq!(ColumnKind::Int.decode_text("0.5".into()), Value::Float(0.5));
        assert_eq!(
            ColumnKind::Decimal { scale: 4 }.decode_text("12.3400".into()),
            Value::Float(12.34)
        );
        assert_eq!(
            ColumnKind::Decimal { scale: 0 }.decode_text("42".into()),
            Value::Int(42)
        );
        assert_eq!(
            ColumnKind::DateTime.decode_text("2024-02-29 23:59:58.000".into()),
            Value::DateTime(dt(2024, 2, 29, 23, 59, 58))
        );
        assert_eq!(
            ColumnKind::DateTime.decode_text("soon".into()),
            Value::Text("soon".into())
        );
    }

    #[test]
    fn timestamps_carry_milliseconds_except_on_access() {
        let d = dt(2024, 3, 1, 12, 34, 56) + chrono::TimeDelta::milliseconds(789);
        let p = timestamp_param(Dialect::Sqlite, &d);
        assert_eq!((p.value.second, p.value.fraction), (56, 789_000_000));
        assert_eq!(p.data_type, DataType::Timestamp { precision: 3 });
        let p = timestamp_param(Dialect::Access, &d);
        assert_eq!((p.value.second, p.value.fraction), (56, 0));
        assert_eq!(p.data_type, DataType::Timestamp { precision: 0 });
        assert_eq!(sqlite_datetime(&d), "2024-03-01 12:34:56.789");
        assert_eq!(
            sqlite_datetime(&dt(2024, 3, 1, 0, 0, 0)),
            "2024-03-01 00:00:00"
        );
    }

    // --- Live tests over unixODBC + the SQLite3 ODBC driver -------------------------------

    fn sqlite_driver_installed() -> bool {
        let Ok(env) = odbc_api::environment() else {
            return false;
        };
        let Ok(drivers) = env.drivers() else {
            return false;
        };
        drivers.iter().any(|d| d.description == "SQLite3")
    }

    /// Skips (visibly) when the SQLite3 ODBC driver is missing.
    macro_rules! require_driver {
        () => {
            if !sqlite_driver_installed() {
                eprintln!("skipped: the SQLite3 ODBC driver is not installed (odbcinst -q -d)");
                return;
            }
        };
    }

    fn conn_str(path: &Path) -> String {
        format!(
            "Driver={{SQLite3}};Database={};Timeout=30000;",
            path.display()
        )
    }

    async fn open_db(dir: &tempfile::TempDir) -> OdbcBackend {
        let backend = OdbcBackend::open(&conn_str(&dir.path().join("x.db")))
            .await
            .expect("open over ODBC");
        let mut s = backend.session().await.unwrap();
        s.execute(
            "CREATE TABLE \"t\" (\"id\" INTEGER PRIMARY KEY, \"i\" INTEGER, \"f\" DOUBLE, \
             \"s\" VARCHAR(255), \"d\" DATETIME, \"n\" VARCHAR(50))",
            &[],
        )
        .await
        .unwrap();
        backend
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn odbc_sqlite_detects_dialect() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let backend = open_db(&dir).await;
        assert_eq!(backend.dialect(), Dialect::Sqlite);
        assert_eq!(backend.name(), "SQLite (ODBC)");
        assert!(backend.dbms_name().to_lowercase().contains("sqlite"));
    }

    #[tokio::test]
    async fn odbc_unknown_data_source_is_a_connection_error() {
        require_driver!();
        let e = OdbcBackend::open("Driver={No Such Driver 42};Database=x;")
            .await
            .err()
            .expect("must fail");
        assert_eq!(e.kind, DbErrorKind::Connection, "{e}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn odbc_sqlite_round_trips_every_value_kind() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let backend = open_db(&dir).await;
        let mut s = backend.session().await.unwrap();
        let when = dt(2012, 1, 14, 15, 36, 50);
        let big = 9_007_199_254_740_993_i64; // 2^53 + 1: not exact as f64
        let f = 0.1 + 0.2;
        let text = "Склад Pro — стока №1 «Ябълки» ёЁ";
        let n = s
            .execute(
                "INSERT INTO \"t\" (\"id\", \"i\", \"f\", \"s\", \"d\", \"n\") VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    Value::Int(1),
                    Value::Int(big),
                    Value::Float(f),
                    Value::Text(text.into()),
                    Value::DateTime(when),
                    Value::Null,
                ],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        s.execute(
            "INSERT INTO \"t\" (\"id\", \"i\", \"f\", \"s\", \"d\", \"n\") VALUES (?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(2),
                Value::Int(-7),
                Value::Float(-1.5e-9),
                Value::Text(String::new()),
                Value::DateTime(when + chrono::TimeDelta::milliseconds(250)),
                Value::Text(" ".into()),
            ],
        )
        .await
        .unwrap();

        let rows = s
            .query(
                "SELECT \"i\", \"f\", \"s\", \"d\", \"n\", \"id\" FROM \"t\" ORDER BY \"id\"",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        // The SQLite ODBC driver stores doubles exactly but reads them back through SQLite's
        // 15-digit text form: 0.1 + 0.2 comes back as 0.3. (Access and SQL Server drivers
        // return the double itself.) Prices and quantities need far fewer digits.
        let Value::Float(back) = rows[0].0[1] else {
            panic!("not a float: {:?}", rows[0].0[1]);
        };
        assert!((back - f).abs() < 1e-15, "{back} != {f}");
        assert_eq!(
            rows[0].0,
            vec![
                Value::Int(big),
                Value::Float(back),
                Value::Text(text.into()),
                Value::DateTime(when),
                Value::Null,
                Value::Int(1),
            ]
        );
        // Stored exactly, as the text Склад Pro uses for dates in SQLite.
        let rows2 = s
            .query(
                "SELECT COUNT(*) FROM \"t\" WHERE \"f\" = 0.1 + 0.2 AND \"d\" = '2012-01-14 15:36:50'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(rows2[0].int(0), Some(1));
        assert_eq!(rows[1].0[0], Value::Int(-7));
        assert_eq!(rows[1].0[1], Value::Float(-1.5e-9));
        assert_eq!(rows[1].0[2], Value::Text(String::new()));
        assert_eq!(
            rows[1].0[3],
            Value::DateTime(when + chrono::TimeDelta::milliseconds(250))
        );
        assert_eq!(rows[1].0[4], Value::Text(" ".into()));

        // Parameters in WHERE, with Cyrillic and a date.
        let rows = s
            .query(
                "SELECT \"id\" FROM \"t\" WHERE \"s\" = ? AND \"d\" = ?",
                &[Value::Text(text.into()), Value::DateTime(when)],
            )
            .await
            .unwrap();
        assert_eq!(rows, vec![Row(vec![Value::Int(1)])]);

        // Rows affected.
        let n = s
            .execute(
                "UPDATE \"t\" SET \"n\" = ? WHERE \"id\" > ?",
                &[Value::Text("x".into()), Value::Int(0)],
            )
            .await
            .unwrap();
        assert_eq!(n, 2);
        let n = s
            .execute("DELETE FROM \"t\" WHERE \"id\" = ?", &[Value::Int(99)])
            .await
            .unwrap();
        assert_eq!(n, 0);

        // Expressions without a declared type come back as something `Value` coerces.
        let rows = s.query("SELECT last_insert_rowid()", &[]).await.unwrap();
        assert_eq!(rows[0].int(0), Some(2));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn odbc_sqlite_duplicate_key_is_duplicate() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let backend = open_db(&dir).await;
        let mut s = backend.session().await.unwrap();
        let insert = "INSERT INTO \"t\" (\"id\", \"s\") VALUES (?, ?)";
        s.execute(insert, &[Value::Int(1), Value::Text("a".into())])
            .await
            .unwrap();
        let e = s
            .execute(insert, &[Value::Int(1), Value::Text("b".into())])
            .await
            .unwrap_err();
        assert_eq!(e.kind, DbErrorKind::Duplicate, "{e}");
        let e = s.query("SELECT nope FROM \"t\"", &[]).await.unwrap_err();
        assert_eq!(e.kind, DbErrorKind::Other, "{e}");
        // The session is still usable after errors.
        let rows = s.query("SELECT COUNT(*) FROM \"t\"", &[]).await.unwrap();
        assert_eq!(rows[0].int(0), Some(1));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn odbc_sqlite_commit_persists_and_rollback_discards() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let backend = open_db(&dir).await;
        let insert = "INSERT INTO \"t\" (\"id\") VALUES (?)";
        {
            let mut s = backend.session().await.unwrap();
            s.begin().await.unwrap();
            s.execute(insert, &[Value::Int(1)]).await.unwrap();
            s.commit().await.unwrap();
            s.begin().await.unwrap();
            s.execute(insert, &[Value::Int(2)]).await.unwrap();
            let rows = s.query("SELECT COUNT(*) FROM \"t\"", &[]).await.unwrap();
            assert_eq!(rows[0].int(0), Some(2), "own uncommitted row is visible");
            s.rollback().await.unwrap();
            // Autocommit again after the transaction.
            s.execute(insert, &[Value::Int(3)]).await.unwrap();
        }
        let mut s = backend.session().await.unwrap();
        let rows = s
            .query("SELECT \"id\" FROM \"t\" ORDER BY \"id\"", &[])
            .await
            .unwrap();
        assert_eq!(
            rows,
            vec![Row(vec![Value::Int(1)]), Row(vec![Value::Int(3)])]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn odbc_sqlite_dropped_session_rolls_back_and_its_thread_ends() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let backend = open_db(&dir).await;
        let alive = {
            let mut s = backend.odbc_session().await.unwrap();
            s.begin().await.unwrap();
            s.execute("INSERT INTO \"t\" (\"id\") VALUES (?)", &[Value::Int(1)])
                .await
                .unwrap();
            s.worker.as_ref().unwrap().alive.clone()
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while alive.strong_count() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the session thread did not end"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut s = backend.session().await.unwrap();
        let rows = s.query("SELECT COUNT(*) FROM \"t\"", &[]).await.unwrap();
        assert_eq!(rows[0].int(0), Some(0));
        // A clean session goes back to the pool instead.
        let before = backend.pool.lock().unwrap().len();
        drop(s);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while backend.pool.lock().unwrap().len() == before {
            assert!(
                std::time::Instant::now() < deadline,
                "the idle session was not pooled"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The ODBC autocommit/commit/rollback path (Access, SQL Server), driven directly on
    /// this thread: SQLite itself uses SQL statements for transactions.
    #[test]
    fn odbc_api_transactions_commit_and_roll_back() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let conn = odbc_api::environment()
            .unwrap()
            .connect_with_connection_string(
                &conn_str(&dir.path().join("x.db")),
                ConnectionOptions::default(),
            )
            .unwrap();
        let mut w = WorkerState {
            conn,
            dialect: Dialect::Sqlite,
            sql_transactions: false,
            in_transaction: false,
            broken: false,
        };
        let count = |w: &WorkerState<'_>| {
            run_query(&w.conn, w.dialect, "SELECT COUNT(*) FROM \"t\"", &[]).unwrap()[0]
                .int(0)
                .unwrap()
        };
        let insert = "INSERT INTO \"t\" (\"id\") VALUES (?)";
        run_execute(
            &w.conn,
            w.dialect,
            "CREATE TABLE \"t\" (\"id\" INTEGER PRIMARY KEY)",
            &[],
        )
        .unwrap();
        w.begin().unwrap();
        run_execute(&w.conn, w.dialect, insert, &[Value::Int(1)]).unwrap();
        w.commit().unwrap();
        w.begin().unwrap();
        run_execute(&w.conn, w.dialect, insert, &[Value::Int(2)]).unwrap();
        assert_eq!(count(&w), 2);
        w.rollback().unwrap();
        assert_eq!(count(&w), 1);
        // Autocommit is back on: a second connection sees this row at once.
        run_execute(&w.conn, w.dialect, insert, &[Value::Int(3)]).unwrap();
        let other = odbc_api::environment()
            .unwrap()
            .connect_with_connection_string(
                &conn_str(&dir.path().join("x.db")),
                ConnectionOptions::default(),
            )
            .unwrap();
        let rows = run_query(&other, Dialect::Sqlite, "SELECT COUNT(*) FROM \"t\"", &[]).unwrap();
        assert_eq!(rows[0].int(0), Some(2));
        assert!(!w.broken);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn odbc_sqlite_locked_database_is_conflict() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let backend = open_db(&dir).await;
        let impatient = OdbcBackend::open(&format!(
            "Driver={{SQLite3}};Database={};Timeout=200;",
            dir.path().join("x.db").display()
        ))
        .await
        .unwrap();
        let mut holder = backend.session().await.unwrap();
        holder.begin().await.unwrap();
        holder
            .execute("INSERT INTO \"t\" (\"id\") VALUES (?)", &[Value::Int(1)])
            .await
            .unwrap();
        let mut other = impatient.session().await.unwrap();
        let e = other.begin().await.unwrap_err();
        assert_eq!(e.kind, DbErrorKind::Conflict, "{e}");
        holder.commit().await.unwrap();
        other.begin().await.unwrap();
        other
            .execute("INSERT INTO \"t\" (\"id\") VALUES (?)", &[Value::Int(2)])
            .await
            .unwrap();
        other.commit().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn odbc_sqlite_two_writers_do_not_corrupt() {
        require_driver!();
        let dir = tempfile::tempdir().unwrap();
        let backend = Arc::new(open_db(&dir).await);
        const PER_WRITER: i64 = 25;
        let mut tasks = Vec::new();
        for writer in 0..2_i64 {
            let backend = backend.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = backend.session().await.unwrap();
                let mut conflicts = 0;
                let mut done = 0;
                while done < PER_WRITER {
                    // Read, then write: the pattern that makes SQLite refuse one of two
                    // writers at once (a Conflict), which the caller retries.
                    let attempt = async {
                        s.begin().await?;
                        let rows = s.query("SELECT MAX(\"id\") FROM \"t\"", &[]).await?;
                        let next = rows[0].int(0).unwrap_or(0) + 1;
                        s.execute(
                            "INSERT INTO \"t\" (\"id\", \"i\", \"s\") VALUES (?, ?, ?)",
                            &[
                                Value::Int(next),
                                Value::Int(writer),
                                Value::Text("запис".into()),
                            ],
                        )
                        .await?;
                        s.commit().await
                    }
                    .await;
                    match attempt {
                        Ok(()) => done += 1,
                        Err(e)
                            if matches!(e.kind, DbErrorKind::Conflict | DbErrorKind::Duplicate) =>
                        {
                            conflicts += 1;
                            s.rollback().await.unwrap();
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        Err(e) => panic!("writer {writer}: {e}"),
                    }
                }
                conflicts
            }));
        }
        let mut conflicts = 0;
        for t in tasks {
            conflicts += t.await.unwrap();
        }
        eprintln!("two writers: {conflicts} conflicts retried");
        let mut s = backend.session().await.unwrap();
        let rows = s
            .query(
                "SELECT COUNT(*), COUNT(DISTINCT \"id\"), MAX(\"id\") FROM \"t\"",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(rows[0].int(0), Some(2 * PER_WRITER));
        assert_eq!(rows[0].int(1), Some(2 * PER_WRITER));
        assert_eq!(rows[0].int(2), Some(2 * PER_WRITER));
        for writer in 0..2 {
            let rows = s
                .query(
                    "SELECT COUNT(*) FROM \"t\" WHERE \"i\" = ?",
                    &[Value::Int(writer)],
                )
                .await
                .unwrap();
            assert_eq!(rows[0].int(0), Some(PER_WRITER));
        }
        let rows = s.query("PRAGMA integrity_check", &[]).await.unwrap();
        assert_eq!(rows[0].text(0).as_deref(), Some("ok"));
    }
}
