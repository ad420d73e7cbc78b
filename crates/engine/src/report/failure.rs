//! Why a run could not go on, or why one item's write was refused: a kind the app words, and
//! the library's own detail (driver or HTTP text) shown after it.

use serde::{Deserialize, Serialize};
use skladsync_warehouse::{DbErrorKind, Error as WarehouseError};

use super::SettingProblem;

/// What went wrong with the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShopFailure {
    /// The shop address cannot be used.
    BadAddress { detail: String },
    /// The API key is malformed or refused (HTTP 401/403).
    BadKey { detail: String },
    /// `X-RateLimit-Limit: 0`: no API access on the plan, or not the primary domain.
    NoApiAccess { detail: String },
    /// Still over the rate limit after waiting as told.
    RateLimited { detail: String },
    /// No answer in time, or the connection failed.
    Unreachable { detail: String },
    /// The shop answered with an error status.
    Refused { status: u16, detail: String },
    /// The shop's answer has an unexpected shape.
    Unexpected { detail: String },
    /// Anything else the shop client reported.
    Other { detail: String },
}

impl From<&skladsync_cloudcart::Error> for ShopFailure {
    fn from(e: &skladsync_cloudcart::Error) -> Self {
        use skladsync_cloudcart::Error as E;
        let detail = e.to_string();
        match e {
            E::InvalidBaseUrl { .. } => ShopFailure::BadAddress { detail },
            E::InvalidApiKey(_) => ShopFailure::BadKey { detail },
            E::Api {
                status: 401 | 403, ..
            } => ShopFailure::BadKey { detail },
            E::NoApiAccess { .. } => ShopFailure::NoApiAccess { detail },
            E::RateLimited { .. } => ShopFailure::RateLimited { detail },
            E::Timeout { .. } | E::Transport { .. } => ShopFailure::Unreachable { detail },
            E::Api { status, .. } => ShopFailure::Refused {
                status: *status,
                detail,
            },
            E::Decode { .. } => ShopFailure::Unexpected { detail },
            _ => ShopFailure::Other { detail },
        }
    }
}

/// What went wrong with Склад Pro's database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DatabaseFailure {
    /// The database cannot be reached (server down, wrong host, file or password).
    Unreachable { detail: String },
    /// The database has no Склад Pro tables.
    NotWarehouse { detail: String },
    /// Another program holds a lock; running again later helps.
    Busy { detail: String },
    /// Склад Pro's data refused the write (a missing good, partner, object…).
    Refused { detail: String },
    /// Any other database error.
    Other { detail: String },
}

impl From<&WarehouseError> for DatabaseFailure {
    fn from(e: &WarehouseError) -> Self {
        let detail = e.to_string();
        match e {
            WarehouseError::Connect { message, .. } => DatabaseFailure::Unreachable {
                detail: message.clone(),
            },
            WarehouseError::NotWarehouse(m) => DatabaseFailure::NotWarehouse { detail: m.clone() },
            WarehouseError::Database(d) => match d.kind {
                DbErrorKind::Connection => DatabaseFailure::Unreachable {
                    detail: d.message.clone(),
                },
                DbErrorKind::Conflict => DatabaseFailure::Busy {
                    detail: d.message.clone(),
                },
                DbErrorKind::Duplicate | DbErrorKind::Other => DatabaseFailure::Other {
                    detail: d.message.clone(),
                },
            },
            WarehouseError::UnknownGood { .. }
            | WarehouseError::UnknownPartner { .. }
            | WarehouseError::UnknownObject { .. }
            | WarehouseError::UnknownPaymentType { .. }
            | WarehouseError::UnknownGoodsGroup { .. }
            | WarehouseError::InvalidInput { .. }
            | WarehouseError::DocumentNotFound(_)
            | WarehouseError::Fiscal(_)
            | WarehouseError::UsnTaken { .. }
            | WarehouseError::InsufficientStock(_) => DatabaseFailure::Refused { detail },
            _ => DatabaseFailure::Other { detail },
        }
    }
}

/// Why a run ended before its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Failure {
    Database {
        failure: DatabaseFailure,
    },
    Shop {
        failure: ShopFailure,
    },
    /// The settings are wrong for this database; each problem names its field.
    Settings {
        problems: Vec<SettingProblem>,
    },
    /// The API key or the database password is not stored, or the store failed.
    Secret {
        detail: String,
    },
    /// The settings file could not be read or written.
    SettingsFile {
        detail: String,
    },
    /// The program's own journal could not be read or written.
    Journal {
        detail: String,
    },
    /// The user stopped the run; it ended between two items.
    Stopped,
    /// The task ended unexpectedly (a bug): the detail says where.
    Crashed {
        detail: String,
    },
    /// A failure an earlier version of skladsync recorded in the history, as it worded it.
    Recorded {
        text: String,
    },
}
