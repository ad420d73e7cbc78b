//! Backends: the engines a Склад Pro database lives on. A backend only moves [`Value`]s in and
//! out; every query and every rule is in the shared code above it.

use async_trait::async_trait;

use crate::dialect::Dialect;
use crate::error::DbError;
use crate::value::{Row, Value};

pub(crate) mod mssql;
pub(crate) mod mysql;
pub(crate) mod odbc;
pub(crate) mod sqlite;

/// A source of sessions on one database.
#[async_trait]
pub(crate) trait Backend: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// A human name of the engine, for messages.
    fn name(&self) -> &'static str;
    async fn session(&self) -> Result<Box<dyn Session>, DbError>;
}

/// One connection, used by one task at a time. SQL given here is already rendered for the
/// backend's dialect.
#[async_trait]
pub(crate) trait Session: Send {
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Returns the number of rows the statement changed.
    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    /// Begin a transaction that takes write locks early enough for two writers to queue
    /// instead of dead-locking where the engine allows it.
    async fn begin(&mut self) -> Result<(), DbError>;
    async fn commit(&mut self) -> Result<(), DbError>;
    async fn rollback(&mut self) -> Result<(), DbError>;
}
