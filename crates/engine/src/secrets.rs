//! Where API keys and database passwords live: never in the settings file. The app puts the OS
//! keychain behind [`SecretStore`]; tests and headless runs use [`MemorySecretStore`] or
//! [`EnvSecretStore`].

use std::collections::HashMap;
use std::sync::Mutex;

use crate::settings::SecretRef;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("no secret is stored under {0}; enter it again in the server's settings")]
    Missing(String),
    #[error("the secret store failed: {0}")]
    Store(String),
}

/// A small store of named secrets.
pub trait SecretStore: Send + Sync {
    fn get(&self, name: &SecretRef) -> Result<String, SecretError>;
    fn set(&self, name: &SecretRef, secret: &str) -> Result<(), SecretError>;
    fn delete(&self, name: &SecretRef) -> Result<(), SecretError>;
}

/// Secrets held in memory for the life of the process.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    secrets: Mutex<HashMap<String, String>>,
}

impl SecretStore for MemorySecretStore {
    fn get(&self, name: &SecretRef) -> Result<String, SecretError> {
        self.secrets
            .lock()
            .expect("secret store lock")
            .get(&name.0)
            .cloned()
            .ok_or_else(|| SecretError::Missing(name.0.clone()))
    }
    fn set(&self, name: &SecretRef, secret: &str) -> Result<(), SecretError> {
        self.secrets
            .lock()
            .expect("secret store lock")
            .insert(name.0.clone(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, name: &SecretRef) -> Result<(), SecretError> {
        self.secrets
            .lock()
            .expect("secret store lock")
            .remove(&name.0);
        Ok(())
    }
}

/// Secrets from environment variables, for servers and CI: `server/abc/api-key` is read from
/// `SKLADSYNC_SECRET_SERVER_ABC_API_KEY`. Read-only.
#[derive(Debug, Default)]
pub struct EnvSecretStore;

impl EnvSecretStore {
    pub fn variable(name: &SecretRef) -> String {
        let mut v = String::from("SKLADSYNC_SECRET_");
        for c in name.0.chars() {
            v.push(if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            });
        }
        v
    }
}

impl SecretStore for EnvSecretStore {
    fn get(&self, name: &SecretRef) -> Result<String, SecretError> {
        std::env::var(Self::variable(name)).map_err(|_| {
            SecretError::Missing(format!(
                "{} (environment variable {})",
                name.0,
                Self::variable(name)
            ))
        })
    }
    fn set(&self, _name: &SecretRef, _secret: &str) -> Result<(), SecretError> {
        Err(SecretError::Store(
            "environment secrets are read-only".into(),
        ))
    }
    fn delete(&self, _name: &SecretRef) -> Result<(), SecretError> {
        Err(SecretError::Store(
            "environment secrets are read-only".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let s = MemorySecretStore::default();
        let name = SecretRef("server/1/api-key".into());
        assert!(matches!(s.get(&name), Err(SecretError::Missing(_))));
        s.set(&name, "KEY").unwrap();
        assert_eq!(s.get(&name).unwrap(), "KEY");
        s.delete(&name).unwrap();
        assert!(s.get(&name).is_err());
        assert_eq!(
            EnvSecretStore::variable(&name),
            "SKLADSYNC_SECRET_SERVER_1_API_KEY"
        );
    }
}
