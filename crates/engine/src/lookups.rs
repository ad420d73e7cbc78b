//! What the settings window needs to know about both sides of a server, without holding any SQL
//! or HTTP itself: the pick lists of the live Склад Pro database and CloudCart shop, "test
//! connection" for each side, the SUPTO detection, the correspondence rows and the orders'
//! exception queue. Every failure is a [`LookupError`] the
//! window can put in the user's words.

use futures::TryStreamExt;
use skladsync_warehouse::{
    Group, Location, PaymentType, PriceGroup, SERVICE_USER_ID, User, VatGroup, Warehouse,
};

use crate::correspondence::CorrespondenceRow;
use crate::error::EngineError;
use crate::events::{Reporter, RunSummary};
use crate::journal::Journal;
use crate::orders::QueuedOrder;
use crate::report::OrderNote;
use crate::secrets::{SecretError, SecretStore};
use crate::settings::Server;

/// Why one side of a server cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum LookupError {
    /// The API key or database password is not in the secret store.
    #[error("no secret stored: {0}")]
    MissingSecret(String),
    /// The secret store itself failed.
    #[error("secret store: {0}")]
    SecretStore(String),
    /// CloudCart refused the key (HTTP 401/403) or the key is malformed.
    #[error("CloudCart refused the API key: {0}")]
    WrongKey(String),
    /// `X-RateLimit-Limit: 0`: a plan without API access, or not the primary domain.
    #[error("{0}")]
    NoApiAccess(String),
    /// The address is wrong or the shop does not answer.
    #[error("the shop cannot be reached at this address: {0}")]
    ShopUnreachable(String),
    /// Any other shop error.
    #[error("CloudCart: {0}")]
    Shop(String),
    /// The database cannot be reached (server down, wrong host, wrong file, wrong password).
    #[error("the database cannot be reached: {0}")]
    DatabaseUnreachable(String),
    /// The database has no Склад Pro tables.
    #[error("not a Склад Pro database: {0}")]
    NotWarehouse(String),
    /// Склад Pro 3.07.055 or older.
    #[error("Склад Pro {version} is older than supported (newer than 3.07.055 needed)")]
    TooOld { version: String },
    /// Any other database error.
    #[error("Склад Pro: {0}")]
    Warehouse(String),
    /// Anything else (the journal, the settings, a stopped run).
    #[error("{0}")]
    Other(String),
}

impl From<SecretError> for LookupError {
    fn from(e: SecretError) -> Self {
        match e {
            SecretError::Missing(n) => LookupError::MissingSecret(n),
            SecretError::Store(m) => LookupError::SecretStore(m),
        }
    }
}

impl From<skladsync_warehouse::Error> for LookupError {
    fn from(e: skladsync_warehouse::Error) -> Self {
        use skladsync_warehouse::{DbErrorKind, Error};
        match e {
            Error::Connect { message, .. } => LookupError::DatabaseUnreachable(message),
            Error::NotWarehouse(m) => LookupError::NotWarehouse(m),
            Error::Database(d) if d.kind == DbErrorKind::Connection => {
                LookupError::DatabaseUnreachable(d.message)
            }
            other => LookupError::Warehouse(other.to_string()),
        }
    }
}

impl From<skladsync_cloudcart::Error> for LookupError {
    fn from(e: skladsync_cloudcart::Error) -> Self {
        use skladsync_cloudcart::Error;
        match &e {
            Error::InvalidApiKey(_) => LookupError::WrongKey(e.to_string()),
            Error::Api { status, .. } if *status == 401 || *status == 403 => {
                LookupError::WrongKey(e.to_string())
            }
            Error::NoApiAccess { .. } => LookupError::NoApiAccess(e.to_string()),
            Error::InvalidBaseUrl { .. } | Error::Transport { .. } | Error::Timeout { .. } => {
                LookupError::ShopUnreachable(e.to_string())
            }
            Error::Api { status, .. } if *status == 404 => {
                LookupError::ShopUnreachable(e.to_string())
            }
            _ => LookupError::Shop(e.to_string()),
        }
    }
}

impl From<EngineError> for LookupError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Warehouse(w) => w.into(),
            EngineError::Shop(s) => s.into(),
            EngineError::Secret(s) => s.into(),
            other => LookupError::Other(other.to_string()),
        }
    }
}

/// The live Склад Pro database, as the settings window needs it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WarehouseInfo {
    /// `system.Version` as stored, e.g. `3.07.100`.
    pub version: String,
    /// SUPTO edition (3.07.100 or newer, or as stated in the settings, or УНП records found).
    pub supto: bool,
    pub backend: String,
    pub base_currency: String,
    /// Without the service user.
    pub users: Vec<User>,
    pub objects: Vec<Location>,
    pub object_groups: Vec<Group>,
    pub goods_groups: Vec<Group>,
    /// Every price group with the name Склад Pro shows.
    pub price_groups: Vec<(PriceGroup, String)>,
    pub payment_types: Vec<PaymentType>,
    pub vat_groups: Vec<VatGroup>,
}

/// Which user the documents are written as, for the run log: the chosen active user, or, with
/// none chosen, Склад Pro's service user.
pub async fn documents_written_as(
    wh: &Warehouse,
    active_user: Option<i64>,
) -> Result<OrderNote, EngineError> {
    let user = active_user.unwrap_or(SERVICE_USER_ID);
    let name = wh.user(user).await?.map(|u| u.name);
    Ok(OrderNote::WrittenAs {
        user,
        name,
        chosen: active_user.is_some(),
    })
}

/// The live CloudCart shop, as the settings window needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ShopInfo {
    /// (provider key, title), e.g. (`cod`, `Наложен платеж`).
    pub payment_providers: Vec<(String, String)>,
    /// (status key, name).
    pub order_statuses: Vec<(String, String)>,
}

/// Connect to the server's Склад Pro database, check it, and read its pick lists.
pub async fn warehouse_info(
    server: &Server,
    secrets: &dyn SecretStore,
) -> Result<WarehouseInfo, LookupError> {
    let connection = crate::connect::warehouse_connection(server, secrets)?;
    let wh = Warehouse::connect(&connection).await?;
    read_warehouse_info(&wh, server).await
}

/// The pick lists of an open warehouse (also used by tests with a blank database).
pub async fn read_warehouse_info(
    wh: &Warehouse,
    server: &Server,
) -> Result<WarehouseInfo, LookupError> {
    let version = wh.program_version().await?;
    if version.is_supported() == Some(false) {
        return Err(LookupError::TooOld {
            version: version.raw,
        });
    }
    let supto = crate::validate::is_supto(wh, server)
        .await
        .map_err(LookupError::from)?;
    Ok(WarehouseInfo {
        version: version.raw,
        supto,
        backend: wh.backend_name().to_owned(),
        base_currency: wh.settings().base_currency.clone(),
        users: wh.users().await?,
        objects: wh.locations().await?,
        object_groups: wh.object_groups().await?,
        goods_groups: wh.goods_groups().await?,
        price_groups: PriceGroup::all().map(|p| (p, p.label())).collect(),
        payment_types: wh.payment_types().await?,
        vat_groups: wh.vat_groups().await?,
    })
}

/// Talk to the shop with the stored key and read its pick lists.
pub async fn shop_info(
    server: &Server,
    secrets: &dyn SecretStore,
) -> Result<ShopInfo, LookupError> {
    let shop = crate::connect::shop_client(server, secrets).map_err(LookupError::from)?;
    let statuses = shop.order_statuses().await?;
    let providers: Vec<_> = shop.payment_providers().try_collect().await?;
    Ok(ShopInfo {
        payment_providers: providers
            .into_iter()
            .map(|p| {
                let key = p.id.to_string();
                let title = p.title.or(p.provider).unwrap_or_else(|| key.clone());
                (key, title)
            })
            .collect(),
        order_statuses: statuses
            .into_iter()
            .map(|s| {
                let key = s.slug.clone().unwrap_or_else(|| s.id.to_string());
                let name = s.name.unwrap_or_else(|| key.clone());
                (key, name)
            })
            .collect(),
    })
}

/// One good of the warehouse, as a picker shows it (the special goods of the import).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GoodChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The non-empty barcodes.
    pub barcodes: Vec<String>,
}

/// Every good of the server's Склад Pro database (deleted goods left out), for the window's
/// searchable pickers.
pub async fn goods_choices(
    server: &Server,
    secrets: &dyn SecretStore,
) -> Result<Vec<GoodChoice>, LookupError> {
    let wh = crate::connect::open_warehouse(server, secrets).await?;
    read_goods_choices(&wh).await
}

/// The goods of an open warehouse as picker choices.
pub async fn read_goods_choices(wh: &Warehouse) -> Result<Vec<GoodChoice>, LookupError> {
    let read = wh.goods(&[], PriceGroup::RETAIL).await?;
    Ok(read
        .goods
        .into_iter()
        .map(|g| GoodChoice {
            id: g.id,
            code: g.code,
            name: g.name,
            barcodes: g
                .barcodes
                .into_iter()
                .flatten()
                .map(|b| b.trim().to_owned())
                .filter(|b| !b.is_empty())
                .collect(),
        })
        .collect())
}

/// Проверка съответствие на стоките, returning every row (for the window's table).
pub async fn correspondence_rows(
    server: &Server,
    secrets: &dyn SecretStore,
    reporter: &Reporter,
) -> Result<Vec<CorrespondenceRow>, LookupError> {
    let wh = crate::connect::open_warehouse(server, secrets).await?;
    let shop = crate::connect::shop_client(server, secrets)?;
    Ok(crate::correspondence::check(&wh, &shop, server, reporter).await?)
}

/// The orders' exception queue of a server, oldest first.
pub async fn exception_queue(
    journal: &Journal,
    server: &Server,
) -> Result<Vec<QueuedOrder>, LookupError> {
    Ok(crate::orders::exception_queue(journal, server).await?)
}

/// Import queued orders again after the user fixed the cause: one order, or all of them.
pub async fn retry_queued(
    server: &Server,
    secrets: &dyn SecretStore,
    journal: &Journal,
    order_id: Option<&str>,
    reporter: &Reporter,
) -> Result<RunSummary, LookupError> {
    let wh = crate::connect::open_warehouse(server, secrets).await?;
    let shop = crate::connect::shop_client(server, secrets)?;
    Ok(match order_id {
        Some(id) => {
            crate::orders::retry_queued(&wh, &shop, journal, server, id, reporter, false).await?
        }
        None => {
            crate::orders::retry_all_queued(&wh, &shop, journal, server, reporter, false).await?
        }
    })
}

/// Take an order out of the queue without importing it (handled by hand in Склад Pro).
pub async fn dismiss_queued(
    journal: &Journal,
    shop: &str,
    order_id: &str,
) -> Result<bool, LookupError> {
    Ok(crate::orders::dismiss_queued(journal, shop, order_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemorySecretStore;
    use skladsync_warehouse::{BlankDatabase, Connection};

    async fn blank(version: &str) -> (tempfile::TempDir, Server) {
        let dir = tempfile::tempdir().unwrap();
        let connection = Connection::Sqlite {
            path: dir.path().join("w.db"),
        };
        Warehouse::create_blank(
            &connection,
            &BlankDatabase {
                version: version.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let server = Server::new("t", "T", "http://127.0.0.1:1", connection);
        (dir, server)
    }

    #[tokio::test]
    async fn supto_old_and_too_old() {
        let secrets = MemorySecretStore::default();
        let (_d, s) = blank("3.07.100").await;
        let info = warehouse_info(&s, &secrets).await.unwrap();
        assert!(info.supto);
        assert_eq!(info.version, "3.07.100");
        assert_eq!(info.price_groups.len(), 10);

        let (_d, s) = blank("3.07.060").await;
        assert!(!warehouse_info(&s, &secrets).await.unwrap().supto);

        let (_d, s) = blank("3.07.055").await;
        assert_eq!(
            warehouse_info(&s, &secrets).await.unwrap_err(),
            LookupError::TooOld {
                version: "3.07.055".into()
            }
        );
    }

    #[tokio::test]
    async fn goods_choices_of_a_blank_database() {
        let secrets = MemorySecretStore::default();
        let (_d, s) = blank("3.07.100").await;
        let goods = goods_choices(&s, &secrets).await.unwrap();
        assert!(goods.iter().all(|g| g.id > 1));
    }

    #[tokio::test]
    async fn wrong_key_plan_without_api_and_not_a_warehouse() {
        use cloudcart_sandbox::{Sandbox, SandboxConfig};
        let (_d, mut s) = blank("3.07.100").await;
        let secrets = MemorySecretStore::default();

        let shop = Sandbox::start(SandboxConfig::default()).await.unwrap();
        s.shop.base_url = shop.base_url();
        secrets.set(&s.shop.api_key, shop.api_key()).unwrap();
        let info = shop_info(&s, &secrets).await.unwrap();
        assert!(!info.payment_providers.is_empty() && !info.order_statuses.is_empty());
        secrets
            .set(&s.shop.api_key, &"X".repeat(shop.api_key().len()))
            .unwrap();
        let e = shop_info(&s, &secrets).await.unwrap_err();
        assert!(matches!(e, LookupError::WrongKey(_)), "{e:?}");
        shop.shutdown().await;

        let no_api = Sandbox::start(SandboxConfig {
            rate_limit_per_minute: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();
        s.shop.base_url = no_api.base_url();
        secrets.set(&s.shop.api_key, no_api.api_key()).unwrap();
        let e = shop_info(&s, &secrets).await.unwrap_err();
        assert!(matches!(e, LookupError::NoApiAccess(_)), "{e:?}");
        no_api.shutdown().await;

        // An SQLite file without the Склад Pro tables.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let other = Server::new("o", "O", "", Connection::Sqlite { path });
        let e = warehouse_info(&other, &secrets).await.unwrap_err();
        assert!(matches!(e, LookupError::NotWarehouse(_)), "{e:?}");
    }

    #[tokio::test]
    async fn missing_key_and_unreachable_database() {
        let secrets = MemorySecretStore::default();
        let (_d, s) = blank("3.07.100").await;
        assert!(matches!(
            shop_info(&s, &secrets).await,
            Err(LookupError::MissingSecret(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        let empty = Connection::Sqlite {
            path: dir.path().join("none").join("missing.db"),
        };
        let s = Server::new("u", "U", "", empty);
        let e = warehouse_info(&s, &secrets).await.unwrap_err();
        assert!(
            matches!(
                e,
                LookupError::DatabaseUnreachable(_) | LookupError::NotWarehouse(_)
            ),
            "{e:?}"
        );
    }
}
