//! Servers and their settings: what the user edits (Utility Center's "сървъри"), saved as one
//! JSON file per installation with a schema version. Secrets are never in it: an API key or a
//! database password is a [`SecretRef`], looked up in a [`crate::SecretStore`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use skladsync_warehouse::{Connection, DocumentKind, PriceGroup};

use crate::bgtime::TimeZoneName;

/// The settings file's current schema version. Older files are migrated on load.
pub const SCHEMA_VERSION: u32 = 1;

/// The only server type there is (the label Utility Center shows).
pub const SERVER_TYPE: &str = "Warehouse Pro Import Export CloudCart";

pub use crate::ids::{
    GoodId, GoodsGroupId, ObjectGroupId, ObjectId, PaymentTypeId, ServerType, UserId, VatGroupId,
};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the settings file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the settings file {path} is damaged ({source}); a copy was kept as {backup}")]
    Damaged {
        path: PathBuf,
        backup: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "the settings file {path} was written by a newer skladsync (schema {found}, this one knows {SCHEMA_VERSION})"
    )]
    TooNew { path: PathBuf, found: u32 },
    #[error("the OS gives no configuration directory; pass a settings path")]
    NoConfigDir,
    /// The file on disk is damaged or newer: it is left exactly as it is.
    #[error("{0} Nothing is saved into it: repair or remove the file, or use the newer skladsync.")]
    NotOverwritten(Box<SettingsError>),
    /// A password typed into a connection would land in the file.
    #[error(
        "the database connection of server „{server}“ contains a password; it must be kept in \
         the secret store, with {{password}} in its place in the connection"
    )]
    PasswordInConnection { server: String },
}

impl SettingsError {
    /// Whether the file exists but cannot be used by this version: damaged or newer. Such a file
    /// is never written to.
    pub fn is_unusable_file(&self) -> bool {
        matches!(
            self,
            SettingsError::Damaged { .. }
                | SettingsError::TooNew { .. }
                | SettingsError::NotOverwritten(_)
        )
    }
}

/// A name under which a secret is kept in the secret store, e.g. `server/<id>/api-key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretRef(pub String);

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// All servers of this installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub schema_version: u32,
    #[serde(default)]
    pub servers: Vec<Server>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            schema_version: SCHEMA_VERSION,
            servers: Vec::new(),
        }
    }
}

/// One configured sync between one Склад Pro database and one CloudCart shop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Server {
    /// Stable id (used for secrets, the journal and the run lock); the name may change.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub server_type: ServerType,
    pub shop: ShopSettings,
    pub warehouse: WarehouseSettings,
    #[serde(default)]
    pub compare_by: CompareBy,
    #[serde(default)]
    pub import: ImportSettings,
    #[serde(default)]
    pub export: ExportSettings,
}

impl Server {
    /// A new server with the defaults Utility Center uses.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        shop_url: impl Into<String>,
        connection: Connection,
    ) -> Server {
        let id = id.into();
        Server {
            shop: ShopSettings {
                base_url: shop_url.into(),
                api_key: SecretRef(format!("server/{id}/api-key")),
            },
            warehouse: WarehouseSettings {
                connection,
                password: None,
                edition: EditionSetting::Detect,
            },
            id,
            name: name.into(),
            server_type: ServerType::default(),
            compare_by: CompareBy::default(),
            import: ImportSettings::default(),
            export: ExportSettings::default(),
        }
        .with_webhook_secret()
    }

    fn with_webhook_secret(mut self) -> Server {
        self.import.webhooks.secret = Some(self.default_webhook_secret());
        self
    }

    fn default_webhook_secret(&self) -> SecretRef {
        SecretRef(format!("server/{}/webhook-secret", self.id))
    }

    /// The name the webhook secret is kept under: the one in the settings, else
    /// `server/<id>/webhook-secret`.
    pub fn webhook_secret(&self) -> SecretRef {
        self.import
            .webhooks
            .secret
            .clone()
            .unwrap_or_else(|| self.default_webhook_secret())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopSettings {
    /// The address as pasted from the shop's Settings → API Keys.
    pub base_url: String,
    pub api_key: SecretRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarehouseSettings {
    /// Without the password: `{password}` in a URL or connection string is replaced by the
    /// secret named in `password` when connecting.
    pub connection: Connection,
    #[serde(default)]
    pub password: Option<SecretRef>,
    #[serde(default)]
    pub edition: EditionSetting,
}

/// Склад Pro edition: detected where the database says it, otherwise stated by the user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditionSetting {
    #[default]
    Detect,
    Normal,
    Supto,
}

/// How shop products and Склад Pro goods are matched ("Сравнявай по").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareBy {
    /// Shop Barcode ↔ BarCode1.
    #[default]
    BarcodeToBarcode1,
    /// Shop SKU ↔ BarCode2.
    SkuToBarcode2,
    /// Shop SKU ↔ Code.
    SkuToCode,
}

/// When a task starts ("Отложен старт").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum StartMode {
    /// При стартиране на сървъра — as soon as Start is pressed.
    #[default]
    OnServerStart,
    /// Every day at this time (hour, minute).
    AtTime { hour: u8, minute: u8 },
    /// Every N minutes.
    EveryMinutes { minutes: u32 },
    /// Непрекъснато: a poll every N seconds that writes only what changed (the export reads
    /// the warehouse's change mark; the import lists orders changed since its watermark).
    Continuous { seconds: u32 },
}

/// A time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyTime {
    pub hour: u8,
    pub minute: u8,
}

/// Импорт от CloudCart (orders come in the next part; modelled now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSettings {
    pub enabled: bool,
    pub start: StartMode,
    /// Активен потребител в Склад Pro.
    pub active_user: Option<UserId>,
    /// Обект за операции.
    pub object: Option<ObjectId>,
    /// Изтегляне на стоки от CloudCart: turns itself off after a successful pull.
    pub pull_products: bool,
    /// Цени в евро.
    pub prices_in_eur: bool,
    /// Вид на документа.
    pub document_kind: DocumentKind,
    /// Сериен номер на касов апарат (SUPTO).
    pub fiscal_device: Option<String>,
    /// Operator code for the УНП (4 digits or Latin capitals).
    pub operator_code: Option<String>,
    /// Shop order statuses at which an order becomes a Sale (Кога поръчката се трансформира в
    /// продажба); empty: never.
    pub sale_statuses: Vec<String>,
    /// Shop payment provider → Склад Pro payment type.
    pub payment_types: Vec<PaymentTypeMapping>,
    pub special_goods: SpecialGoods,
    /// The first import reaches this many days back (later runs continue from the last one).
    #[serde(default = "default_first_run_days")]
    pub first_run_days: u32,
    /// The zone whose local day dates documents, paid rows and cash-book rows.
    #[serde(default)]
    pub time_zone: TimeZoneName,
    /// Further goods for a whole-order discount, one for each other VAT rate: an order whose
    /// goods carry several rates gets one discount line per rate, each of a discount good of
    /// that rate (the one in `special_goods` or one of these).
    #[serde(default)]
    pub discount_goods_other_rates: Vec<GoodId>,
    /// An order with more lines than this is not imported (it waits in the queue with the
    /// reason): a guard against a broken or absurd order.
    #[serde(default = "default_max_lines")]
    pub max_lines: u32,
    /// The daily sweep reads the orders added in this many last days again, catching any the
    /// listing by change time missed.
    #[serde(default = "default_sweep_days")]
    pub sweep_days: u32,
    /// The webhook receiver of the orders (off by default).
    #[serde(default)]
    pub webhooks: WebhookSettings,
}

/// The webhook receiver of the orders: the shop calls `public_url` on every new or changed
/// order, and the engine imports that order at once, through the same import as the polls.
/// Off while `bind` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSettings {
    /// Where the receiver listens while the server runs, e.g. `0.0.0.0:8765`; `None`: no
    /// receiver.
    #[serde(default)]
    pub bind: Option<String>,
    /// The address the shop calls, which reaches `bind` (a public address, a tunnel or a
    /// reverse proxy), e.g. `https://sklad.example.bg/cloudcart`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The shared secret the shop sends with every delivery, kept in the secret store (`None`:
    /// `server/<id>/webhook-secret`).
    #[serde(default)]
    pub secret: Option<SecretRef>,
}

impl WebhookSettings {
    /// The address to listen on, when the receiver is on.
    pub fn bind(&self) -> Option<&str> {
        self.bind
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
    }

    /// The address the shop calls, when set.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }
}

fn default_first_run_days() -> u32 {
    7
}

/// The furthest back the first import may reach, in days (a year and a day).
pub const MAX_FIRST_RUN_DAYS: u32 = 366;

fn default_max_lines() -> u32 {
    500
}

fn default_sweep_days() -> u32 {
    3
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            enabled: true,
            start: StartMode::OnServerStart,
            active_user: None,
            object: None,
            pull_products: false,
            prices_in_eur: false,
            document_kind: DocumentKind::Order,
            fiscal_device: None,
            operator_code: None,
            sale_statuses: Vec::new(),
            payment_types: Vec::new(),
            special_goods: SpecialGoods::default(),
            first_run_days: default_first_run_days(),
            time_zone: TimeZoneName::default(),
            discount_goods_other_rates: Vec::new(),
            max_lines: default_max_lines(),
            sweep_days: default_sweep_days(),
            webhooks: WebhookSettings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTypeMapping {
    /// The shop's payment provider key, e.g. `cod`, `bank_transfer`.
    pub provider: String,
    pub payment_type: PaymentTypeId,
}

/// The goods Склад Pro lines for delivery, a whole-order discount and a fee are written with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialGoods {
    pub delivery: Option<GoodId>,
    pub discount: Option<GoodId>,
    pub fee: Option<GoodId>,
}

/// What the shop gets as a product's quantity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockFormula {
    /// Quantity on hand in the objects.
    #[default]
    OnHand,
    /// On hand minus the quantities of open Orders (OperType 19). Do not let the shop also
    /// hold those orders against its stock, or they are subtracted twice.
    OnHandMinusOrders,
}

/// What happens to shop products whose goods left the chosen groups or were deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingGoods {
    #[default]
    LeaveAlone,
    /// Set their quantity to 0 so that the shop stops selling them.
    Deactivate,
}

/// The price group the shop gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum PriceSource {
    /// Цена на дребно (PriceOut2).
    #[default]
    Retail,
    /// The price group of the object for operations.
    ObjectPriceGroup,
    Group {
        group: PriceGroup,
    },
}

/// Експорт от Склад Pro.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSettings {
    pub enabled: bool,
    pub start: StartMode,
    pub active_user: Option<UserId>,
    /// Групи обекти за количества; empty: the object for operations.
    pub object_groups: Vec<ObjectGroupId>,
    /// Групи от стоки (with their sub-groups); empty: all goods.
    pub goods_groups: Vec<GoodsGroupId>,
    /// Обект за операции.
    pub object: Option<ObjectId>,
    /// Експорт стоки от Склад Pro: create shop products for goods the shop lacks.
    pub export_goods: bool,
    /// Експорт количества от Склад Pro.
    pub export_quantities: bool,
    /// Export prices (one way, Склад Pro → shop).
    pub export_prices: bool,
    /// Цени в евро: convert prices to EUR at 1.95583.
    pub prices_in_eur: bool,
    pub price: PriceSource,
    pub stock_formula: StockFormula,
    /// Shop VAT class → Склад Pro VAT group.
    pub vat_classes: Vec<VatClassMapping>,
    pub missing_goods: MissingGoods,
    /// The nightly reconciliation (while the export runs on a schedule): every shop variant's
    /// quantity and price compared with the warehouse at this time, differences written.
    /// `None`: never.
    #[serde(default = "default_reconcile_at")]
    pub reconcile_at: Option<DailyTime>,
}

/// 03:00, when the shops sell least.
fn default_reconcile_at() -> Option<DailyTime> {
    Some(DailyTime { hour: 3, minute: 0 })
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings {
            enabled: true,
            start: StartMode::OnServerStart,
            active_user: None,
            object_groups: Vec::new(),
            goods_groups: Vec::new(),
            object: None,
            export_goods: true,
            export_quantities: true,
            export_prices: true,
            prices_in_eur: false,
            price: PriceSource::Retail,
            stock_formula: StockFormula::OnHand,
            vat_classes: Vec::new(),
            missing_goods: MissingGoods::LeaveAlone,
            reconcile_at: default_reconcile_at(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatClassMapping {
    pub shop_class: String,
    pub vat_group: VatGroupId,
}

/// Where the settings live: one file per installation.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    /// `settings.json` in the OS configuration directory.
    pub fn default_location() -> Result<SettingsFile, SettingsError> {
        let dirs = directories::ProjectDirs::from("bg", "skladsync", "skladsync")
            .ok_or(SettingsError::NoConfigDir)?;
        Ok(SettingsFile::at(dirs.config_dir().join("settings.json")))
    }

    /// A file at an explicit path (tests, portable installs).
    pub fn at(path: impl Into<PathBuf>) -> SettingsFile {
        SettingsFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read the settings; a missing file is an empty list of servers. An older schema is
    /// migrated; a damaged file is kept aside, never overwritten silently.
    pub fn load(&self) -> Result<Settings, SettingsError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(source) => {
                return Err(SettingsError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let damaged = |source: serde_json::Error| {
            let backup = self.path.with_extension("json.damaged");
            let _ = std::fs::copy(&self.path, &backup);
            SettingsError::Damaged {
                path: self.path.clone(),
                backup,
                source,
            }
        };
        let mut value: serde_json::Value = serde_json::from_str(&text).map_err(damaged)?;
        let found = value
            .get("schema_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(0) as u32;
        if found > SCHEMA_VERSION {
            return Err(SettingsError::TooNew {
                path: self.path.clone(),
                found,
            });
        }
        migrate(&mut value, found);
        serde_json::from_value(value).map_err(damaged)
    }

    /// Write atomically: a temporary file, then a rename. A file on disk that is damaged or
    /// newer is never overwritten ([`SettingsError::NotOverwritten`]), and a password typed into
    /// a database connection is never written ([`SettingsError::PasswordInConnection`]; see
    /// [`crate::move_typed_password`]).
    pub fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        if let Err(e) = self.load()
            && e.is_unusable_file()
        {
            return Err(SettingsError::NotOverwritten(Box::new(e)));
        }
        if let Some(server) = settings
            .servers
            .iter()
            .find(|s| crate::conn_string::take_typed_password(&s.warehouse.connection).is_some())
        {
            return Err(SettingsError::PasswordInConnection {
                server: server.name.clone(),
            });
        }
        let write_err = |source| SettingsError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        let mut s = settings.clone();
        s.schema_version = SCHEMA_VERSION;
        let text = serde_json::to_string_pretty(&s).expect("settings serialise");
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(write_err)?;
        std::fs::rename(&tmp, &self.path).map_err(write_err)
    }
}

/// Bring an older settings document up to [`SCHEMA_VERSION`].
fn migrate(value: &mut serde_json::Value, from: u32) {
    if from < 1 {
        // Version 0 (no schema_version field) had the same shape; it only gains the field.
        if let Some(obj) = value.as_object_mut() {
            obj.insert("schema_version".into(), serde_json::Value::from(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_migration() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::at(dir.path().join("s.json"));
        assert_eq!(file.load().unwrap(), Settings::default());
        let mut s = Settings::default();
        s.servers.push(Server::new(
            "a1",
            "Магазин",
            "https://shop.cloudcart.net",
            Connection::Sqlite {
                path: "x.db".into(),
            },
        ));
        file.save(&s).unwrap();
        assert_eq!(file.load().unwrap(), s);

        // A version-0 file (no schema_version) loads.
        let mut v = serde_json::to_value(&s).unwrap();
        v.as_object_mut().unwrap().remove("schema_version");
        std::fs::write(file.path(), v.to_string()).unwrap();
        assert_eq!(file.load().unwrap(), s);

        std::fs::write(file.path(), r#"{"schema_version": 99}"#).unwrap();
        assert!(matches!(
            file.load(),
            Err(SettingsError::TooNew { found: 99, .. })
        ));
        // A newer file is left as it is.
        assert!(matches!(
            file.save(&s),
            Err(SettingsError::NotOverwritten(ref e)) if matches!(**e, SettingsError::TooNew { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(file.path()).unwrap(),
            r#"{"schema_version": 99}"#
        );
        std::fs::write(file.path(), "{not json").unwrap();
        assert!(matches!(file.load(), Err(SettingsError::Damaged { .. })));
        assert!(dir.path().join("s.json.damaged").exists());
        // So is a damaged one.
        let e = file.save(&s).unwrap_err();
        assert!(matches!(e, SettingsError::NotOverwritten(_)), "{e}");
        assert!(e.to_string().contains("damaged"), "{e}");
        assert_eq!(std::fs::read_to_string(file.path()).unwrap(), "{not json");
    }
}
