//! The Microinvest Warehouse Pro (Склад Pro) database: its schema, and the reads and writes the
//! sync needs, over MySQL, SQLite, MS SQL Server and ODBC (MS Access). Knows nothing of the shop.
//!
//! [`Warehouse`] is the one interface; [`Connection`] picks the backend.

mod backend;
mod changes;
mod checks;
mod claim;
pub mod config;
mod connection;
mod dialect;
mod error;
mod model;
pub mod money;
mod partners;
mod schema;
mod seed;
mod selected;
mod sql;
mod stock;
pub mod usn;
mod value;
mod warehouse;
mod write;

pub use changes::{ChangeMark, Changes, FullComparison, WATCHED_GOOD_COLUMNS};
pub use checks::{MAX_BARCODE_CHARS, MAX_TEXT_CHARS};
pub use claim::{CLAIM_KEY_CHARS, CLAIM_MARK, CLAIM_TABLE, Claim};
pub use connection::Connection;
pub use dialect::Dialect;
pub use error::{DbError, DbErrorKind, Error, Result, Shortage};
pub use model::*;
pub use partners::{
    NEW_PARTNER_IS_VERY_USED, NEW_PARTNER_TYPE, PartnerDifference, SavedPartner, registration_key,
};
pub use seed::{SeedOptions, SeedSummary};
pub use selected::GOODS_PER_QUERY;
pub use stock::NON_INVENTORY_FLAG;
pub use value::{Row, Value};
pub use warehouse::{BlankDatabase, Warehouse};

/// The DDL this crate generates for an engine (for documentation and the SQL text tests).
pub fn create_table_statements(dialect: Dialect) -> Vec<String> {
    schema::create_statements(dialect)
}
