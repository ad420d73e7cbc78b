//! Where the window keeps API keys and database passwords: the OS keychain (keyring) behind the
//! engine's [`SecretStore`]. Where no keychain exists the keys live in memory for the session,
//! unless the user opts in to a file readable only by them. Never in the settings file.
//!
//! The opt-in file is written to a temporary file with mode 0600 (set again on every write, so a
//! leftover temporary file with looser rights does not leak), synced to disk, and only then
//! renamed over the old one. It lives in the local data directory ([`secrets_file`]; on Windows
//! `%LOCALAPPDATA%`, not the roaming profile that follows the user to other machines).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use skladsync_engine::settings::SecretRef;
use skladsync_engine::{MemorySecretStore, SecretError, SecretStore};

const SERVICE: &str = "skladsync";

/// Which store holds the secrets now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    Keychain,
    /// The user's explicit choice: a 0600 JSON file.
    File(PathBuf),
    /// No keychain and no opt-in: secrets last until the program closes.
    Session,
}

pub struct AppSecretStore {
    kind: Mutex<StoreKind>,
    memory: MemorySecretStore,
    file: PathBuf,
}

impl AppSecretStore {
    /// The keychain when it works, else the opted-in file when it exists, else memory.
    /// `file` is where an opt-in would keep the secrets.
    pub fn detect(file: PathBuf) -> AppSecretStore {
        let kind = if file.exists() {
            StoreKind::File(file.clone())
        } else if keyring::Entry::store_status().is_ok() {
            StoreKind::Keychain
        } else {
            StoreKind::Session
        };
        AppSecretStore::with_kind(kind, file)
    }

    pub fn with_kind(kind: StoreKind, file: PathBuf) -> AppSecretStore {
        AppSecretStore {
            kind: Mutex::new(kind),
            memory: MemorySecretStore::default(),
            file,
        }
    }

    pub fn kind(&self) -> StoreKind {
        self.kind.lock().expect("secret kind").clone()
    }

    /// The user chose to keep secrets in a file: move this session's secrets there.
    pub fn opt_in_file(&self, names: &[SecretRef]) -> Result<(), SecretError> {
        let mut map = read_file(&self.file)?;
        for n in names {
            if let Ok(s) = self.memory.get(n) {
                map.insert(n.0.clone(), s);
            }
        }
        write_file(&self.file, &map)?;
        *self.kind.lock().expect("secret kind") = StoreKind::File(self.file.clone());
        Ok(())
    }
}

/// Where the opt-in secrets file lives: `secrets.json` in the OS *local* data directory. A file
/// left by an older version next to the settings (the roaming profile on Windows) is moved here.
pub fn secrets_file(settings_dir: Option<&Path>) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("bg", "skladsync", "skladsync")?;
    let file = dirs.data_local_dir().join("secrets.json");
    if let Some(old) = settings_dir.map(|d| d.join("secrets.json"))
        && old != file
        && old.exists()
        && !file.exists()
    {
        let moved = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::rename(&old, &file));
        if moved.is_err() {
            // Another volume: keep using the old file rather than lose the secrets.
            return Some(old);
        }
    }
    Some(file)
}

fn store_err(e: impl std::fmt::Display) -> SecretError {
    SecretError::Store(e.to_string())
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>, SecretError> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t).map_err(store_err),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(store_err(e)),
    }
}

fn write_file(path: &Path, map: &BTreeMap<String, String>) -> Result<(), SecretError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(store_err)?;
    }
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_string_pretty(map).map_err(store_err)?;
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        use std::io::Write;
        let mut f = options.open(&tmp).map_err(store_err)?;
        #[cfg(unix)]
        {
            // `mode` applies only when the file is created.
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(store_err)?;
        }
        f.write_all(text.as_bytes()).map_err(store_err)?;
        f.sync_all().map_err(store_err)?;
    }
    std::fs::rename(&tmp, path).map_err(store_err)?;
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        // The rename itself reaches the disk.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

impl SecretStore for AppSecretStore {
    fn get(&self, name: &SecretRef) -> Result<String, SecretError> {
        match self.kind() {
            StoreKind::Keychain => {
                let entry = keyring::Entry::new(SERVICE, &name.0).map_err(store_err)?;
                match entry.get_password() {
                    Ok(s) => Ok(s),
                    Err(keyring::Error::NoEntry) => Err(SecretError::Missing(name.0.clone())),
                    Err(e) => Err(store_err(e)),
                }
            }
            StoreKind::File(path) => read_file(&path)?
                .remove(&name.0)
                .ok_or_else(|| SecretError::Missing(name.0.clone())),
            StoreKind::Session => self.memory.get(name),
        }
    }

    fn set(&self, name: &SecretRef, secret: &str) -> Result<(), SecretError> {
        match self.kind() {
            StoreKind::Keychain => keyring::Entry::new(SERVICE, &name.0)
                .and_then(|e| e.set_password(secret))
                .map_err(store_err),
            StoreKind::File(path) => {
                let mut map = read_file(&path)?;
                map.insert(name.0.clone(), secret.to_owned());
                write_file(&path, &map)
            }
            StoreKind::Session => self.memory.set(name, secret),
        }
    }

    fn delete(&self, name: &SecretRef) -> Result<(), SecretError> {
        match self.kind() {
            StoreKind::Keychain => {
                match keyring::Entry::new(SERVICE, &name.0).and_then(|e| e.delete_credential()) {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(e) => Err(store_err(e)),
                }
            }
            StoreKind::File(path) => {
                let mut map = read_file(&path)?;
                map.remove(&name.0);
                write_file(&path, &map)
            }
            StoreKind::Session => self.memory.delete(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_then_opt_in_file_keeps_the_key_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.json");
        let store = AppSecretStore::with_kind(StoreKind::Session, file.clone());
        let name = SecretRef("server/a/api-key".into());
        store.set(&name, "KEY1").unwrap();
        assert!(!file.exists(), "nothing is written before the opt-in");
        store.opt_in_file(std::slice::from_ref(&name)).unwrap();
        assert_eq!(store.kind(), StoreKind::File(file.clone()));
        assert_eq!(store.get(&name).unwrap(), "KEY1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the file is readable by others: {mode:o}");
        }
        // A new start finds the opted-in file.
        let again = AppSecretStore::detect(file.clone());
        assert_eq!(again.get(&name).unwrap(), "KEY1");
        again.delete(&name).unwrap();
        assert!(matches!(again.get(&name), Err(SecretError::Missing(_))));
    }

    #[cfg(unix)]
    #[test]
    fn every_write_leaves_the_file_private_even_over_loose_leftovers() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.json");
        let loose = std::fs::Permissions::from_mode(0o644);
        // An older file and a leftover temporary file, both readable by others.
        std::fs::write(&file, "{}").unwrap();
        std::fs::set_permissions(&file, loose.clone()).unwrap();
        std::fs::write(file.with_extension("tmp"), "x").unwrap();
        std::fs::set_permissions(file.with_extension("tmp"), loose).unwrap();
        let store = AppSecretStore::with_kind(StoreKind::File(file.clone()), file.clone());
        let name = SecretRef("server/a/db-password".into());
        store.set(&name, "pw").unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        assert!(!file.with_extension("tmp").exists());
        assert_eq!(store.get(&name).unwrap(), "pw");
    }

    #[test]
    fn the_secrets_file_is_in_the_local_data_directory() {
        let dirs = directories::ProjectDirs::from("bg", "skladsync", "skladsync").unwrap();
        let file = secrets_file(None).unwrap();
        assert_eq!(file, dirs.data_local_dir().join("secrets.json"));
        #[cfg(any(target_os = "linux", windows))]
        assert_ne!(file.parent(), Some(dirs.config_dir()));
    }
}
