//! Settings problems in the words of the settings window.

use skladsync_engine::report::{SettingField, SettingIssue, SettingProblem};

use super::say;
use crate::texts::Lang;

/// A setting's label, with the tab it is on.
pub fn setting_field(lang: Lang, f: SettingField) -> String {
    let t = lang.texts();
    let (tab, label) = match f {
        SettingField::Database => return t.warehouse.to_owned(),
        SettingField::DatabasePassword => (t.tab_connection, t.db_password),
        SettingField::ExportActiveUser => (t.tab_export, t.active_user),
        SettingField::ExportObject => (t.tab_export, t.object),
        SettingField::ExportObjectGroups => (t.tab_export, t.object_groups),
        SettingField::ExportPricesInEur => (t.tab_export, t.prices_in_eur),
        SettingField::ExportVatClasses => (t.tab_export, t.vat_classes),
        SettingField::ImportActiveUser => (t.tab_import, t.active_user),
        SettingField::ImportObject => (t.tab_import, t.object),
        SettingField::ImportPricesInEur => (t.tab_import, t.prices_in_eur),
        SettingField::ImportFirstRunDays => (t.tab_import, t.first_run_days),
        SettingField::ImportFiscalDevice => (t.tab_import, t.fiscal_device),
        SettingField::ImportOperatorCode => (t.tab_import, t.operator_code),
        SettingField::ImportPaymentTypes => (t.tab_import, t.payment_types),
        SettingField::ImportTimeZone => (t.tab_import, t.time_zone),
        SettingField::ImportWebhookBind => (t.tab_import, t.webhook_bind),
        SettingField::ImportWebhookUrl => (t.tab_import, t.webhook_public_url),
    };
    format!("{tab} › {label}")
}

/// What is wrong with a setting, and what to do.
pub fn setting_issue(lang: Lang, i: &SettingIssue) -> String {
    match i {
        SettingIssue::UnsupportedVersion { version } => say!(
            lang,
            "версия {version} е по-стара от поддържаните (нужна е по-нова от 3.07.055)",
            "version {version} is older than the supported ones (newer than 3.07.055 is needed)"
        ),
        SettingIssue::ServiceUser => say!(
            lang,
            "служебният потребител не може да бъде избран",
            "the service user cannot be chosen"
        ),
        SettingIssue::NoSuchUser { id } => say!(
            lang,
            "потребител {id} не съществува",
            "user {id} does not exist"
        ),
        SettingIssue::RequiredInSupto => say!(lang, "задължителен е в СУПТО", "required in SUPTO"),
        SettingIssue::NoSuchObject { id } => say!(
            lang,
            "обект {id} не съществува или е изтрит",
            "object {id} does not exist or is deleted"
        ),
        SettingIssue::ChooseObjectOrGroup => say!(
            lang,
            "изберете обект или група обекти за количества",
            "choose an object, or object groups for the quantities"
        ),
        SettingIssue::ChooseObject => say!(lang, "изберете обект", "choose an object"),
        SettingIssue::ObjectGroupsWithoutObjects => say!(
            lang,
            "в избраните групи няма обекти",
            "the chosen groups hold no objects"
        ),
        SettingIssue::ObjectNeededForPriceGroup => say!(
            lang,
            "нужен е за ценовата група на обекта",
            "needed for the object's price group"
        ),
        SettingIssue::NoSuchObjectGroup { id } => say!(
            lang,
            "група {id} не съществува",
            "group {id} does not exist"
        ),
        SettingIssue::NoSuchVatGroup { id } => say!(
            lang,
            "ДДС група {id} не съществува",
            "VAT group {id} does not exist"
        ),
        SettingIssue::NoSuchPaymentType { id } => say!(
            lang,
            "тип плащане {id} не съществува",
            "payment type {id} does not exist"
        ),
        SettingIssue::DatabaseAlreadyInEur => say!(
            lang,
            "базата данни вече е в евро: изключете настройката, иначе цените ще се превалутират два пъти",
            "the database already keeps euro: turn the setting off, or prices are converted twice"
        ),
        SettingIssue::TooManyDays { days, max } => say!(
            lang,
            "{days} дни е повече от позволените {max}",
            "{days} days is more than the {max} allowed"
        ),
        SettingIssue::NotFiscalDevice { value } => say!(
            lang,
            "„{value}“ не е във вида XX000000 (две латински главни букви и шест цифри)",
            "“{value}” is not of the form XX000000 (two capital Latin letters and six digits)"
        ),
        SettingIssue::OnlyForSupto => say!(
            lang,
            "настройката е само за СУПТО (Склад Pro 3.07.100 или по-нов); изтрийте я или посочете СУПТО",
            "the setting is for SUPTO only (Warehouse Pro 3.07.100 or newer); clear it or choose SUPTO"
        ),
        SettingIssue::NotOperatorCode { value } => say!(
            lang,
            "„{value}“ не е от четири цифри или латински главни букви (напр. 0001)",
            "“{value}” is not four digits or capital Latin letters (e.g. 0001)"
        ),
        SettingIssue::OperatorCodeRequiredInSupto => say!(
            lang,
            "задължителен е в СУПТО: четири цифри или латински главни букви",
            "required in SUPTO: four digits or capital Latin letters"
        ),
        SettingIssue::UnknownTimeZone { name } => say!(
            lang,
            "„{name}“ не е часова зона от базата IANA (например Europe/Sofia)",
            "“{name}” is not a time zone of the IANA database (e.g. Europe/Sofia)"
        ),
        SettingIssue::PasswordNotAscii => say!(
            lang,
            "паролата за SQL Server има букви, които низът за връзка не може да носи: използвайте латински букви, цифри и знаци",
            "the SQL Server password has letters a connection string cannot carry: use Latin letters, digits and signs"
        ),
        SettingIssue::Required => say!(lang, "задължително е", "required"),
        SettingIssue::NotListenAddress { value } => say!(
            lang,
            "„{value}“ не е адрес за слушане: IP адрес и порт, напр. 0.0.0.0:8765 (всички мрежи) или 127.0.0.1:8765 (само този компютър)",
            "“{value}” is not an address to listen on: an IP address and a port, e.g. 0.0.0.0:8765 (every network) or 127.0.0.1:8765 (this computer only)"
        ),
        SettingIssue::NotWebAddress { value } => say!(
            lang,
            "„{value}“ не е адрес, започващ с https:// или http://",
            "“{value}” is not an address starting with https:// or http://"
        ),
        SettingIssue::PasswordUnquotable => say!(
            lang,
            "паролата съдържа едновременно }}, \" и ' и не може да се сложи в низа за връзка: сменете паролата",
            "the password contains all of }}, \" and ', which no connection string can carry: change the password"
        ),
    }
}

/// "Tab › Field: what is wrong".
pub fn setting_problem(lang: Lang, p: &SettingProblem) -> String {
    format!(
        "{}: {}",
        setting_field(lang, p.field),
        setting_issue(lang, &p.issue)
    )
}
