//! Opening both sides of a server: the Склад Pro database and the CloudCart client.

use skladsync_cloudcart::{ApiKey, Client, ClientConfig};
use skladsync_warehouse::{Connection, Warehouse};
use tokio_util::sync::CancellationToken;

use crate::conn_string::{SpliceError, splice_password, take_typed_password};
use crate::error::EngineError;
use crate::report::{SettingField, SettingIssue, SettingProblem};
use crate::secrets::{SecretError, SecretStore};
use crate::settings::{SecretRef, Server};

/// The placeholder for the database password in a stored URL or connection string.
pub const PASSWORD_PLACEHOLDER: &str = "{password}";

/// The connection with its password filled in from the secret store, escaped for its format
/// (see [`crate::conn_string`]).
pub fn warehouse_connection(
    server: &Server,
    secrets: &dyn SecretStore,
) -> Result<Connection, EngineError> {
    let Some(name) = &server.warehouse.password else {
        return Ok(server.warehouse.connection.clone());
    };
    let password = secrets.get(name)?;
    splice_password(&server.warehouse.connection, &password).map_err(|e| {
        EngineError::InvalidSettings(vec![SettingProblem {
            field: SettingField::DatabasePassword,
            issue: match e {
                SpliceError::NotAscii => SettingIssue::PasswordNotAscii,
                SpliceError::Unquotable => SettingIssue::PasswordUnquotable,
            },
        }])
    })
}

/// The name under which a server's database password is kept.
pub fn db_password_ref(server: &Server) -> SecretRef {
    SecretRef(format!("server/{}/db-password", server.id))
}

/// A password typed into the server's database URL or connection string goes into the secret
/// store, and `{password}` takes its place. `Ok(true)` when one was moved.
pub fn move_typed_password(
    server: &mut Server,
    secrets: &dyn SecretStore,
) -> Result<bool, SecretError> {
    let Some((connection, password)) = take_typed_password(&server.warehouse.connection) else {
        return Ok(false);
    };
    let name = server
        .warehouse
        .password
        .clone()
        .unwrap_or_else(|| db_password_ref(server));
    secrets.set(&name, &password)?;
    server.warehouse.connection = connection;
    server.warehouse.password = Some(name);
    Ok(true)
}

pub async fn open_warehouse(
    server: &Server,
    secrets: &dyn SecretStore,
) -> Result<Warehouse, EngineError> {
    let connection = warehouse_connection(server, secrets)?;
    Ok(Warehouse::connect(&connection).await?)
}

pub fn shop_client(server: &Server, secrets: &dyn SecretStore) -> Result<Client, EngineError> {
    shop_client_stopped_by(server, secrets, CancellationToken::new())
}

/// The shop client whose waits and requests end with
/// [`skladsync_cloudcart::Error::Stopped`] as soon as `stop` is cancelled.
pub fn shop_client_stopped_by(
    server: &Server,
    secrets: &dyn SecretStore,
    stop: CancellationToken,
) -> Result<Client, EngineError> {
    let key = secrets.get(&server.shop.api_key)?;
    let mut config = ClientConfig::new(server.shop.base_url.clone(), ApiKey::new(key)?);
    config.stop = stop;
    config.on_answer = Some(crate::meter::hook(&server.id));
    Ok(Client::new(config)?)
}
