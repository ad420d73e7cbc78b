//! Problems and notes of the orders part of the engine.

use serde::{Deserialize, Serialize};

/// A problem with one item, found by the orders part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderProblem {
    /// Not yet typed (being replaced by typed variants).
    Untyped { message: String },
}

/// A line of the log of the orders part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderNote {
    /// Not yet typed (being replaced by typed variants).
    Untyped { message: String },
}
