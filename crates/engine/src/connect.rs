//! Opening both sides of a server: the Склад Pro database and the CloudCart client.

use skladsync_cloudcart::{ApiKey, Client, ClientConfig};
use skladsync_warehouse::{Connection, Warehouse};

use crate::error::EngineError;
use crate::secrets::SecretStore;
use crate::settings::Server;

/// The placeholder for the database password in a stored URL or connection string.
pub const PASSWORD_PLACEHOLDER: &str = "{password}";

/// The connection with its password filled in from the secret store.
pub fn warehouse_connection(
    server: &Server,
    secrets: &dyn SecretStore,
) -> Result<Connection, EngineError> {
    let Some(name) = &server.warehouse.password else {
        return Ok(server.warehouse.connection.clone());
    };
    let password = secrets.get(name)?;
    let fill = |s: &str| s.replace(PASSWORD_PLACEHOLDER, &password);
    Ok(match &server.warehouse.connection {
        Connection::Sqlite { path } => Connection::Sqlite { path: path.clone() },
        Connection::MySql { url } => Connection::MySql { url: fill(url) },
        Connection::MsSql { connection_string } => Connection::MsSql {
            connection_string: fill(connection_string),
        },
        Connection::Odbc { connection_string } => Connection::Odbc {
            connection_string: fill(connection_string),
        },
    })
}

pub async fn open_warehouse(
    server: &Server,
    secrets: &dyn SecretStore,
) -> Result<Warehouse, EngineError> {
    let connection = warehouse_connection(server, secrets)?;
    Ok(Warehouse::connect(&connection).await?)
}

pub fn shop_client(server: &Server, secrets: &dyn SecretStore) -> Result<Client, EngineError> {
    let key = secrets.get(&server.shop.api_key)?;
    let config = ClientConfig::new(server.shop.base_url.clone(), ApiKey::new(key)?);
    Ok(Client::new(config)?)
}
