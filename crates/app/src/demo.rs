//! The demo: a seeded SQLite Склад Pro database in the data directory and the local sandbox shop,
//! with a ready "Demo" server — the whole program working with no accounts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
use skladsync_engine::settings::{Server, SettingsFile};
use skladsync_engine::{MemorySecretStore, SecretStore};
use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Warehouse};

/// The id of the demo server in the demo settings file.
pub const DEMO_SERVER_ID: &str = "demo";

pub struct Demo {
    pub sandbox: Sandbox,
    pub settings: SettingsFile,
    pub server: Server,
    pub secrets: Arc<dyn SecretStore>,
    pub warehouse: Warehouse,
    pub warehouse_path: PathBuf,
}

/// Build (once) the demo warehouse and start the sandbox shop; `reset` starts from scratch.
pub async fn start(data_dir: &Path, reset: bool) -> Result<Demo> {
    let dir = data_dir.join("demo");
    if reset && dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let warehouse_path = dir.join("demo-warehouse.db");
    let connection = Connection::Sqlite {
        path: warehouse_path.clone(),
    };
    let warehouse = if warehouse_path.exists() {
        Warehouse::connect(&connection).await?
    } else {
        let wh = Warehouse::create_blank(&connection, &BlankDatabase::default()).await?;
        wh.seed(&SeedOptions {
            goods: 500,
            objects: 4,
            partners: 40,
            ..Default::default()
        })
        .await?;
        wh
    };
    let sandbox = Sandbox::start(SandboxConfig {
        seed: Seed::Generated {
            products: 30,
            orders: 20,
            rng_seed: 11,
        },
        ..Default::default()
    })
    .await?;

    let settings = SettingsFile::at(dir.join("settings.json"));
    let mut all = settings.load()?;
    let mut server = match all.servers.iter().find(|s| s.id == DEMO_SERVER_ID) {
        Some(s) => s.clone(),
        None => {
            let mut s = Server::new(DEMO_SERVER_ID, "Demo", String::new(), connection.clone());
            let objects = warehouse.locations().await?;
            let shops = warehouse
                .object_groups()
                .await?
                .into_iter()
                .find(|g| g.name == "Магазини");
            s.export.object = objects.first().map(|o| o.id);
            s.export.object_groups = shops.map(|g| vec![g.id]).unwrap_or_default();
            s.export.active_user = warehouse.users().await?.first().map(|u| u.id);
            s.import.object = objects.first().map(|o| o.id);
            s.import.active_user = s.export.active_user;
            s
        }
    };
    // The sandbox listens on a new port each time.
    server.shop.base_url = sandbox.base_url();
    server.warehouse.connection = connection;
    all.servers.retain(|s| s.id != DEMO_SERVER_ID);
    all.servers.insert(0, server.clone());
    settings.save(&all)?;
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    secrets.set(&server.shop.api_key, sandbox.api_key())?;
    Ok(Demo {
        sandbox,
        settings,
        server,
        secrets,
        warehouse,
        warehouse_path,
    })
}
