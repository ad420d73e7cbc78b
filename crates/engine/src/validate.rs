//! Settings checked against the live database: one clear message per wrong field, in the
//! words of the settings window.

use std::fmt;

use skladsync_warehouse::Warehouse;

use crate::error::EngineError;
use crate::events::Task;
use crate::settings::{EditionSetting, Server};

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

/// Check the settings a task needs (all of them for [`Task::Correspondence`]'s callers that
/// pass `None`-like tasks is not needed: every task checks its own group).
pub async fn validate(
    wh: &Warehouse,
    server: &Server,
    task: Task,
) -> Result<Vec<FieldProblem>, EngineError> {
    let mut out = Vec::new();
    let mut bad = |field: &str, message: String| {
        out.push(FieldProblem {
            field: field.to_owned(),
            message,
        })
    };

    let version = wh.program_version().await?;
    if version.is_supported() == Some(false) {
        bad(
            "Склад Pro",
            format!(
                "версия {} е по-стара от поддържаните (нужна е по-нова от 3.07.055)",
                version.raw
            ),
        );
    }
    let supto = is_supto(wh, server).await?;
    let users = wh.users().await?;
    let objects = wh.locations().await?;
    let base_eur = wh.settings().base_currency.eq_ignore_ascii_case("EUR");

    let export_task = task == Task::Export || task == Task::Correspondence;
    let import_task = task == Task::OrderImport || task == Task::ProductPull;

    if export_task {
        let e = &server.export;
        let g = "Експорт от Склад Pro";
        if let Some(u) = e.active_user {
            if u == 1 {
                bad(
                    &format!("{g} › Активен потребител в Склад Pro"),
                    "служебният потребител не може да бъде избран".into(),
                );
            } else if !users.iter().any(|x| x.id == u) {
                bad(
                    &format!("{g} › Активен потребител в Склад Pro"),
                    format!("потребител {u} не съществува"),
                );
            }
        }
        if let Some(o) = e.object {
            if !objects.iter().any(|x| x.id == o) {
                bad(
                    &format!("{g} › Обект за операции"),
                    format!("обект {o} не съществува или е изтрит"),
                );
            }
        } else if e.object_groups.is_empty() {
            bad(
                &format!("{g} › Обект за операции"),
                "изберете обект или група обекти за количества".into(),
            );
        }
        let object_groups = wh.object_groups().await?;
        for og in &e.object_groups {
            if !object_groups.iter().any(|x| x.id == *og) {
                bad(
                    &format!("{g} › Групи обекти за количества"),
                    format!("група {og} не съществува"),
                );
            }
        }
        // A goods group that no longer exists is reported by the export itself, which goes on
        // with the other groups.
        if e.prices_in_eur && base_eur {
            bad(
                &format!("{g} › Цени в евро"),
                "базата данни вече е в евро: изключете настройката, иначе цените ще се превалутират два пъти".into(),
            );
        }
        let vat = wh.vat_groups().await?;
        for m in &e.vat_classes {
            if !vat.iter().any(|v| v.id == m.vat_group) {
                bad(
                    &format!("{g} › ДДС групи"),
                    format!("ДДС група {} не съществува", m.vat_group),
                );
            }
        }
        if supto && e.active_user.is_none() {
            bad(
                &format!("{g} › Активен потребител в Склад Pro"),
                "задължителен е в СУПТО".into(),
            );
        }
    }

    if import_task {
        let i = &server.import;
        let g = "Импорт от CloudCart";
        match i.object {
            Some(o) if !objects.iter().any(|x| x.id == o) => bad(
                &format!("{g} › Обект за операции"),
                format!("обект {o} не съществува или е изтрит"),
            ),
            None => bad(&format!("{g} › Обект за операции"), "изберете обект".into()),
            _ => {}
        }
        if let Some(u) = i.active_user {
            if u == 1 {
                bad(
                    &format!("{g} › Активен потребител в Склад Pro"),
                    "служебният потребител не може да бъде избран".into(),
                );
            } else if !users.iter().any(|x| x.id == u) {
                bad(
                    &format!("{g} › Активен потребител в Склад Pro"),
                    format!("потребител {u} не съществува"),
                );
            }
        }
        if i.prices_in_eur && base_eur {
            bad(
                &format!("{g} › Цени в евро"),
                "базата данни вече е в евро: изключете настройката, иначе цените ще се превалутират два пъти".into(),
            );
        }
        if task == Task::OrderImport {
            if supto {
                match i.fiscal_device.as_deref() {
                    None | Some("") => bad(
                        &format!("{g} › Сериен номер на касов апарат"),
                        "задължителен е в СУПТО".into(),
                    ),
                    Some(d) if !is_fiscal_device(d) => bad(
                        &format!("{g} › Сериен номер на касов апарат"),
                        format!(
                            "„{d}“ не е във вида XX000000 (две латински главни букви и шест цифри)"
                        ),
                    ),
                    _ => {}
                }
                if i.active_user.is_none() {
                    bad(
                        &format!("{g} › Активен потребител в Склад Pro"),
                        "задължителен е в СУПТО".into(),
                    );
                }
            } else if i.fiscal_device.as_deref().is_some_and(|d| !d.is_empty()) {
                bad(
                    &format!("{g} › Сериен номер на касов апарат"),
                    "настройката е само за СУПТО (Склад Pro 3.07.100 или по-нов); изтрийте я или посочете СУПТО".into(),
                );
            }
            let types = wh.payment_types().await?;
            for m in &i.payment_types {
                if !types.iter().any(|t| t.id == m.payment_type) {
                    bad(
                        &format!("{g} › Типове плащане"),
                        format!("тип плащане {} не съществува", m.payment_type),
                    );
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fiscal_device_format() {
        assert!(super::is_fiscal_device("DT000600"));
        assert!(!super::is_fiscal_device("DT00060"));
        assert!(!super::is_fiscal_device("dt000600"));
    }
}
