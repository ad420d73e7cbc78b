//! Settings checked against the live database: one typed problem per wrong field (the app
//! words it in the words of the settings window).

use skladsync_warehouse::Warehouse;

use crate::error::EngineError;
use crate::events::Task;
use crate::report::{SettingField as F, SettingIssue as I, SettingProblem};
use crate::settings::{EditionSetting, MAX_FIRST_RUN_DAYS, Server};

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

/// The problems found so far.
struct Problems(Vec<SettingProblem>);

/// The fields both task groups have.
struct Common {
    user: F,
    object: F,
    prices_in_eur: F,
}

impl Problems {
    fn add(&mut self, field: F, issue: I) {
        self.0.push(SettingProblem { field, issue });
    }

    /// The settings both task groups have: active user, object for operations, prices in EUR.
    fn common(
        &mut self,
        fields: Common,
        user: Option<i64>,
        object: Option<i64>,
        prices_in_eur: bool,
        facts: &Facts,
    ) {
        match user {
            Some(1) => self.add(fields.user, I::ServiceUser),
            Some(u) if !facts.users.contains(&u) => self.add(fields.user, I::NoSuchUser { id: u }),
            None if facts.supto => self.add(fields.user, I::RequiredInSupto),
            _ => {}
        }
        if let Some(o) = object.filter(|o| !facts.objects.contains(o)) {
            self.add(fields.object, I::NoSuchObject { id: o });
        }
        if prices_in_eur && facts.base_eur {
            self.add(fields.prices_in_eur, I::DatabaseAlreadyInEur);
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
) -> Result<Vec<SettingProblem>, EngineError> {
    let mut out = Problems(Vec::new());
    let version = wh.program_version().await?;
    if version.is_supported() == Some(false) {
        out.add(
            F::Database,
            I::UnsupportedVersion {
                version: version.raw.clone(),
            },
        );
    }
    let facts = Facts {
        users: wh.users().await?.iter().map(|u| u.id).collect(),
        objects: wh.locations().await?.iter().map(|o| o.id).collect(),
        base_eur: wh.settings().base_currency.eq_ignore_ascii_case("EUR"),
        supto: is_supto(wh, server).await?,
    };

    if matches!(task, Task::Export | Task::Correspondence | Task::Reconcile) {
        let e = &server.export;
        let fields = Common {
            user: F::ExportActiveUser,
            object: F::ExportObject,
            prices_in_eur: F::ExportPricesInEur,
        };
        let (user, object) = (e.active_user.map(|u| u.get()), e.object.map(|o| o.get()));
        out.common(fields, user, object, e.prices_in_eur, &facts);
        if e.object.is_none() && e.object_groups.is_empty() {
            out.add(F::ExportObject, I::ChooseObjectOrGroup);
        }
        let object_groups = wh.object_groups().await?;
        for og in e
            .object_groups
            .iter()
            .filter(|og| !object_groups.iter().any(|x| x.id == **og))
        {
            out.add(F::ExportObjectGroups, I::NoSuchObjectGroup { id: og.get() });
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
                F::ExportVatClasses,
                I::NoSuchVatGroup {
                    id: m.vat_group.get(),
                },
            );
        }
    }

    if matches!(task, Task::OrderImport | Task::ProductPull) {
        let i = &server.import;
        let fields = Common {
            user: F::ImportActiveUser,
            object: F::ImportObject,
            prices_in_eur: F::ImportPricesInEur,
        };
        let (user, object) = (i.active_user.map(|u| u.get()), i.object.map(|o| o.get()));
        out.common(fields, user, object, i.prices_in_eur, &facts);
        if i.object.is_none() {
            out.add(F::ImportObject, I::ChooseObject);
        }
        if task == Task::OrderImport {
            if i.first_run_days > MAX_FIRST_RUN_DAYS {
                out.add(
                    F::ImportFirstRunDays,
                    I::TooManyDays {
                        days: i.first_run_days,
                        max: MAX_FIRST_RUN_DAYS,
                    },
                );
            }
            match i.fiscal_device.as_deref().filter(|d| !d.is_empty()) {
                None if facts.supto => out.add(F::ImportFiscalDevice, I::RequiredInSupto),
                Some(d) if facts.supto && !is_fiscal_device(d) => out.add(
                    F::ImportFiscalDevice,
                    I::NotFiscalDevice { value: d.into() },
                ),
                Some(_) if !facts.supto => out.add(F::ImportFiscalDevice, I::OnlyForSupto),
                _ => {}
            }
            match i.operator_code.as_deref().filter(|c| !c.is_empty()) {
                None if facts.supto => {
                    out.add(F::ImportOperatorCode, I::OperatorCodeRequiredInSupto)
                }
                Some(c) if facts.supto && !is_operator_code(c) => out.add(
                    F::ImportOperatorCode,
                    I::NotOperatorCode { value: c.into() },
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
                    F::ImportPaymentTypes,
                    I::NoSuchPaymentType {
                        id: m.payment_type.get(),
                    },
                );
            }
            if let Err(e) = i.time_zone.zone() {
                out.add(F::ImportTimeZone, I::UnknownTimeZone { name: e.name });
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
