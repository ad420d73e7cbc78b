use std::fmt;

/// What kind of failure a database reported, as far as the shared code needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbErrorKind {
    /// A unique or primary key already holds the value.
    Duplicate,
    /// Another writer holds a lock, or the engine chose this transaction as a deadlock victim:
    /// the whole transaction may be run again.
    Conflict,
    /// The connection could not be made or was lost.
    Connection,
    Other,
}

/// A failure reported by a database engine or driver.
#[derive(Debug, Clone)]
pub struct DbError {
    pub kind: DbErrorKind,
    pub message: String,
}

impl DbError {
    pub fn new(kind: DbErrorKind, message: impl Into<String>) -> Self {
        DbError {
            kind,
            message: message.into(),
        }
    }
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(DbErrorKind::Other, message)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

/// Errors of the warehouse layer. Each names the item and, where there is one, the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot connect to the {backend} database: {message}")]
    Connect {
        backend: &'static str,
        message: String,
    },
    #[error("this is not a Склад Pro database: {0}")]
    NotWarehouse(String),
    #[error("database error: {0}")]
    Database(#[from] DbError),
    #[error("good {good_id} does not exist in Склад Pro (or is deleted); check the goods list")]
    UnknownGood { good_id: i64 },
    #[error("partner {partner_id} does not exist in Склад Pro")]
    UnknownPartner { partner_id: i64 },
    #[error("object {object_id} does not exist in Склад Pro")]
    UnknownObject { object_id: i64 },
    #[error("payment type {payment_type} does not exist in Склад Pro")]
    UnknownPaymentType { payment_type: i64 },
    #[error("goods group {group_id} does not exist in Склад Pro")]
    UnknownGoodsGroup { group_id: i64 },
    #[error("{item}: {message}")]
    InvalidInput { item: String, message: String },
    /// The УНП (or its device's sequence number) is already on another document: another
    /// importer or Склад Pro took it meanwhile; the next number is free to take.
    #[error("УНП `{usn}` is already used by another document")]
    UsnTaken { usn: String },
    #[error("document {0} was not found")]
    DocumentNotFound(String),
    #[error(
        "document {0} carries a УНП and is fiscal: Склад Pro SUPTO rules forbid changing or annulling it here"
    )]
    Fiscal(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{}", shortages_text(.0))]
    InsufficientStock(Vec<Shortage>),
    #[error(
        "no free document number was found for {0} after many attempts; another program may be reserving numbers"
    )]
    NumberingExhausted(String),
    /// Another writer (another copy of the sync, on this machine or another) already wrote what
    /// this claim stands for; nothing was written.
    #[error("claim `{key}` is held: another writer already wrote this document")]
    Claimed { key: String },
}

/// A good a Sale would take below zero in its object, where the database does not allow
/// negative availability (`configkey12`).
#[derive(Debug, Clone, PartialEq)]
pub struct Shortage {
    pub good_id: i64,
    pub good_name: String,
    pub object_id: i64,
    pub object_name: String,
    /// What the object has of the good, less what open Orders there hold.
    pub available: rust_decimal::Decimal,
    /// What the document takes.
    pub needed: rust_decimal::Decimal,
}

impl fmt::Display for Shortage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "good {} `{}` in object {} `{}`: {} available, {} needed",
            self.good_id,
            self.good_name,
            self.object_id,
            self.object_name,
            self.available.normalize(),
            self.needed.normalize()
        )
    }
}

fn shortages_text(s: &[Shortage]) -> String {
    let list: Vec<String> = s.iter().map(Shortage::to_string).collect();
    format!(
        "the database does not allow negative availability and the stock is short: {}; add the goods in Склад Pro, then retry",
        list.join("; ")
    )
}

impl Error {
    pub(crate) fn invalid(item: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            item: item.into(),
            message: message.into(),
        }
    }

    pub(crate) fn is_conflict(&self) -> bool {
        matches!(
            self,
            Error::Database(DbError {
                kind: DbErrorKind::Conflict,
                ..
            })
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
