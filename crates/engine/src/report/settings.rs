//! Settings that are wrong for the live database: which field, and what is wrong with it.

use serde::{Deserialize, Serialize};

/// A setting a problem is about. The app labels each in the words of the settings window;
/// [`SettingField::key`] is its key for `skladsync server set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingField {
    /// The database itself (its Склад Pro version).
    Database,
    /// The database password.
    DatabasePassword,
    ExportActiveUser,
    ExportObject,
    ExportObjectGroups,
    ExportPricesInEur,
    ExportVatClasses,
    ImportActiveUser,
    ImportObject,
    ImportPricesInEur,
    ImportFirstRunDays,
    ImportFiscalDevice,
    ImportOperatorCode,
    ImportPaymentTypes,
    ImportTimeZone,
    /// Where the webhook receiver listens.
    ImportWebhookBind,
    /// The address the shop calls with its webhooks.
    ImportWebhookUrl,
}

impl SettingField {
    /// The key of the field for `skladsync server set` (`None` for the database itself).
    pub fn key(self) -> Option<&'static str> {
        Some(match self {
            SettingField::Database => return None,
            SettingField::DatabasePassword => "warehouse.password",
            SettingField::ExportActiveUser => "export.active_user",
            SettingField::ExportObject => "export.object",
            SettingField::ExportObjectGroups => "export.object_groups",
            SettingField::ExportPricesInEur => "export.prices_in_eur",
            SettingField::ExportVatClasses => "export.vat_classes",
            SettingField::ImportActiveUser => "import.active_user",
            SettingField::ImportObject => "import.object",
            SettingField::ImportPricesInEur => "import.prices_in_eur",
            SettingField::ImportFirstRunDays => "import.first_run_days",
            SettingField::ImportFiscalDevice => "import.fiscal_device",
            SettingField::ImportOperatorCode => "import.operator_code",
            SettingField::ImportPaymentTypes => "import.payment_types",
            SettingField::ImportTimeZone => "import.time_zone",
            SettingField::ImportWebhookBind => "import.webhooks.bind",
            SettingField::ImportWebhookUrl => "import.webhooks.public_url",
        })
    }
}

/// What is wrong with a setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SettingIssue {
    /// Склад Pro 3.07.055 or older.
    UnsupportedVersion {
        version: String,
    },
    /// User 1 is Склад Pro's service user.
    ServiceUser,
    NoSuchUser {
        id: i64,
    },
    /// Required in a SUPTO database.
    RequiredInSupto,
    NoSuchObject {
        id: i64,
    },
    /// An object, or a group of objects for the quantities, must be chosen.
    ChooseObjectOrGroup,
    ChooseObject,
    /// The chosen object groups hold no objects.
    ObjectGroupsWithoutObjects,
    /// The object's price group is chosen as the price: an object is needed.
    ObjectNeededForPriceGroup,
    NoSuchObjectGroup {
        id: i64,
    },
    NoSuchVatGroup {
        id: i64,
    },
    NoSuchPaymentType {
        id: i64,
    },
    /// The database already keeps euro: prices would be converted twice.
    DatabaseAlreadyInEur,
    TooManyDays {
        days: u32,
        max: u32,
    },
    /// Not a fiscal device number (two capital Latin letters and six digits).
    NotFiscalDevice {
        value: String,
    },
    /// Only SUPTO editions take this setting.
    OnlyForSupto,
    /// Not an operator code (four digits or capital Latin letters).
    NotOperatorCode {
        value: String,
    },
    /// Required in SUPTO: four digits or capital Latin letters.
    OperatorCodeRequiredInSupto,
    UnknownTimeZone {
        name: String,
    },
    /// An SQL Server connection string cannot carry non-ASCII letters of the password.
    PasswordNotAscii,
    /// The password holds all of `}`, `"` and `'`: no quoting carries it.
    PasswordUnquotable,
    /// Needed for what was asked (e.g. the shop's webhooks need the address it calls).
    Required,
    /// Not an address to listen on (`host:port`, e.g. `0.0.0.0:8765`).
    NotListenAddress {
        value: String,
    },
    /// Not an `http://` or `https://` address.
    NotWebAddress {
        value: String,
    },
}

/// A setting that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingProblem {
    pub field: SettingField,
    pub issue: SettingIssue,
}
