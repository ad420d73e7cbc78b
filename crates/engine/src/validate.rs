//! Settings checked against the live database: one clear message per wrong field, in the
//! words of the settings window.

use std::fmt;

use skladsync_warehouse::Warehouse;

use crate::error::EngineError;
use crate::events::Task;
use crate::settings::{EditionSetting, MAX_FIRST_RUN_DAYS, Server};

/// A setting that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The setting's label, e.g. "Експорт от Склад Pro › Обект за операции".
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// `^[A-Z]{2}\d{6}$`: the individual number of a fiscal device.
pub fn is_fiscal_device(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// `^[0-9A-Z]{4}$`: the operator part of a УНП.
pub fn is_operator_code(s: &str) -> bool {
    s.len() == 4
        && s.bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

/// Whether the database is a SUPTO edition: from the version when it says, else the user's
/// statement, else the УНП records found in it.
pub async fn is_supto(wh: &Warehouse, server: &Server) -> Result<bool, EngineError> {
    Ok(match server.warehouse.edition {
        EditionSetting::Normal => false,
        EditionSetting::Supto => true,
        EditionSetting::Detect => match wh.program_version().await?.is_supto() {
            Some(s) => s,
            None => wh.usn_records_present().await?,
        },
    })
}

/// The problems found so far, each under its setting's label.
struct Problems(Vec<FieldProblem>);

impl Problems {
    fn add(&mut self, group: &str, field: &str, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field: format!("{group} › {field}"),
            message: message.into(),
        });
    }

    /// The settings both task groups have: active user, object for operations, prices in EUR.
    fn common(
        &mut self,
        group: &str,
        user: Option<i64>,
        object: Option<i64>,
        prices_in_eur: bool,
        facts: &Facts,
    ) {
        const USER: &str = "Активен потребител в Склад Pro";
        match user {
            Some(1) => self.add(group, USER, "служебният потребител не може да бъде избран"),
            Some(u) if !facts.users.contains(&u) => {
                self.add(group, USER, format!("потребител {u} не съществува"))
            }
            None if facts.supto => self.add(group, USER, "задължителен е в СУПТО"),
            _ => {}
        }
        if let Some(o) = object.filter(|o| !facts.objects.contains(o)) {
            self.add(
                group,
                "Обект за операции",
                format!("обект {o} не съществува или е изтрит"),
            );
        }
        if prices_in_eur && facts.base_eur {
            self.add(
                group,
                "Цени в евро",
                "базата данни вече е в евро: изключете настройката, иначе цените ще се превалутират два пъти",
            );
        }
    }
}

/// What the checks need to know of the database.
struct Facts {
    users: Vec<i64>,
    objects: Vec<i64>,
    base_eur: bool,
    supto: bool,
}

/// Check the settings a task needs, against the live database.
pub async fn validate(
    wh: &Warehouse,
    server: &Server,
    task: Task,
) -> Result<Vec<FieldProblem>, EngineError> {
    let mut out = Problems(Vec::new());
    let version = wh.program_version().await?;
    if version.is_supported() == Some(false) {
        out.0.push(FieldProblem {
            field: "Склад Pro".into(),
            message: format!(
                "версия {} е по-стара от поддържаните (нужна е по-нова от 3.07.055)",
                version.raw
            ),
        });
    }
    let facts = Facts {
        users: wh.users().await?.iter().map(|u| u.id).collect(),
        objects: wh.locations().await?.iter().map(|o| o.id).collect(),
        base_eur: wh.settings().base_currency.eq_ignore_ascii_case("EUR"),
        supto: is_supto(wh, server).await?,
    };

    if matches!(task, Task::Export | Task::Correspondence) {
        let e = &server.export;
        let g = "Експорт от Склад Pro";
        out.common(g, e.active_user, e.object, e.prices_in_eur, &facts);
        if e.object.is_none() && e.object_groups.is_empty() {
            out.add(
                g,
                "Обект за операции",
                "изберете обект или група обекти за количества",
            );
        }
        let object_groups = wh.object_groups().await?;
        for og in e
            .object_groups
            .iter()
            .filter(|og| !object_groups.iter().any(|x| x.id == **og))
        {
            out.add(
                g,
                "Групи обекти за количества",
                format!("група {og} не съществува"),
            );
        }
        // A goods group that no longer exists is reported by the export itself, which goes on
        // with the other groups.
        let vat = wh.vat_groups().await?;
        for m in e
            .vat_classes
            .iter()
            .filter(|m| !vat.iter().any(|v| v.id == m.vat_group))
        {
            out.add(
                g,
                "ДДС групи",
                format!("ДДС група {} не съществува", m.vat_group),
            );
        }
    }

    if matches!(task, Task::OrderImport | Task::ProductPull) {
        let i = &server.import;
        let g = "Импорт от CloudCart";
        out.common(g, i.active_user, i.object, i.prices_in_eur, &facts);
        if i.object.is_none() {
            out.add(g, "Обект за операции", "изберете обект");
        }
        if task == Task::OrderImport {
            if i.first_run_days > MAX_FIRST_RUN_DAYS {
                out.add(
                    g,
                    "Първият импорт взема поръчките от последните (дни)",
                    format!(
                        "{} дни е повече от позволените {MAX_FIRST_RUN_DAYS}",
                        i.first_run_days
                    ),
                );
            }
            const DEVICE: &str = "Сериен номер на касов апарат";
            match i.fiscal_device.as_deref().filter(|d| !d.is_empty()) {
                None if facts.supto => out.add(g, DEVICE, "задължителен е в СУПТО"),
                Some(d) if facts.supto && !is_fiscal_device(d) => out.add(
                    g,
                    DEVICE,
                    format!("„{d}“ не е във вида XX000000 (две латински главни букви и шест цифри)"),
                ),
                Some(_) if !facts.supto => out.add(
                    g,
                    DEVICE,
                    "настройката е само за СУПТО (Склад Pro 3.07.100 или по-нов); изтрийте я или посочете СУПТО",
                ),
                _ => {}
            }
            const OPERATOR: &str = "Код на оператор (УНП)";
            match i.operator_code.as_deref().filter(|c| !c.is_empty()) {
                None if facts.supto => out.add(
                    g,
                    OPERATOR,
                    "задължителен е в СУПТО: четири цифри или латински главни букви",
                ),
                Some(c) if facts.supto && !is_operator_code(c) => out.add(
                    g,
                    OPERATOR,
                    format!("„{c}“ не е от четири цифри или латински главни букви (напр. 0001)"),
                ),
                _ => {}
            }
            let types = wh.payment_types().await?;
            for m in i
                .payment_types
                .iter()
                .filter(|m| !types.iter().any(|t| t.id == m.payment_type))
            {
                out.add(
                    g,
                    "Типове плащане",
                    format!("тип плащане {} не съществува", m.payment_type),
                );
            }
            if let Err(e) = i.time_zone.zone() {
                out.add(g, "Часова зона", e);
            }
        }
    }
    Ok(out.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fiscal_device_format() {
        assert!(super::is_fiscal_device("DT000600"));
        assert!(!super::is_fiscal_device("DT00060"));
        assert!(!super::is_fiscal_device("dt000600"));
        assert!(super::is_operator_code("0001") && super::is_operator_code("OP01"));
        assert!(!super::is_operator_code("op01") && !super::is_operator_code("00001"));
    }
}
