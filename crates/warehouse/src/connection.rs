//! How to reach a Склад Pro database: the connection setting that picks the backend.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where the Склад Pro database is. Secrets (passwords) are part of the URL or connection
/// string given at run time; the settings file stores them elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum Connection {
    /// An SQLite file with the Склад Pro tables (the demo and the tests).
    Sqlite { path: PathBuf },
    /// `mysql://user:password@host:3306/database`
    MySql { url: String },
    /// An ADO.NET-style connection string, e.g.
    /// `server=tcp:host,1433;database=Warehouse;user=sa;password={…}` (the server's certificate
    /// is verified unless `TrustServerCertificate=true` says otherwise)
    MsSql { connection_string: String },
    /// An ODBC connection string, e.g.
    /// `Driver={Microsoft Access Driver (*.mdb, *.accdb)};DBQ=C:\ProgramData\Microinvest\Warehouse Pro\Microinvest.mdb;`
    Odbc { connection_string: String },
}

impl Connection {
    /// The engine's name, for messages.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Connection::Sqlite { .. } => "SQLite",
            Connection::MySql { .. } => "MySQL",
            Connection::MsSql { .. } => "MS SQL Server",
            Connection::Odbc { .. } => "ODBC",
        }
    }
}
