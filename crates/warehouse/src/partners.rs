//! Partners: found by what people type into Склад Pro, created with Склад Pro's own defaults,
//! and updated without ever overwriting what the user entered there.

use crate::error::{Error, Result};
use crate::model::{Partner, PartnerData, PartnerKey, PriceGroup};
use crate::sql;
use crate::value::{Row, Value};
use crate::warehouse::{Tx, server_now};

/// `Type` of a new partner: 0, universal (Warehouse Open's default for a new partner; every
/// partner of the sample store has it). 1 is supplier, 2 client.
pub const NEW_PARTNER_TYPE: i64 = 0;
/// `IsVeryUsed` of a new partner: -1, as Warehouse Open's partner editor writes it (the
/// service partner has -2).
pub const NEW_PARTNER_IS_VERY_USED: i64 = -1;

/// The comparable core of an ЕИК/БУЛСТАТ, ЕГН or VAT number as people type it into Склад Pro:
/// without spaces, dots, hyphens and slashes, upper case, without a `BG` (or Cyrillic `БГ`)
/// prefix and without letters after the digits (`BG040 695 718 Е` → `040695718`). A foreign
/// VAT number keeps its letters (`DE 123.456.789` → `DE123456789`). Empty when nothing is left.
pub fn registration_key(s: &str) -> String {
    let n: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '/' | ','))
        .flat_map(char::to_uppercase)
        .collect();
    let n = n
        .strip_prefix("BG")
        .or_else(|| n.strip_prefix("БГ"))
        .unwrap_or(&n);
    let core = n.trim_end_matches(|c: char| c.is_alphabetic());
    if !core.is_empty() && core.chars().all(|c| c.is_ascii_digit()) {
        core.to_owned()
    } else {
        n.to_owned()
    }
}

/// A field where the partner in Склад Pro and the order disagree. The partner keeps its value;
/// the difference is for a person to review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerDifference {
    pub partner_id: i64,
    /// The `partners` column, e.g. `Company`.
    pub column: &'static str,
    /// The field as Склад Pro names it, e.g. `Име`.
    pub label: &'static str,
    pub in_warehouse: String,
    pub in_order: String,
}

impl std::fmt::Display for PartnerDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "партньор {}: {} в Склад Pro е „{}“, а в поръчката „{}“; оставено е това от Склад Pro",
            self.partner_id, self.label, self.in_warehouse, self.in_order
        )
    }
}

/// What saving a partner did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPartner {
    pub id: i64,
    /// Fields of an existing partner that differ from the data given (left as they were).
    pub differences: Vec<PartnerDifference>,
}

fn partner_from_row(r: &Row) -> Option<Partner> {
    Some(Partner {
        id: r.int(0)?,
        code: r.text(1).unwrap_or_default(),
        data: PartnerData {
            company: r.text(2).unwrap_or_default(),
            mol: r.text(3).unwrap_or_default(),
            city: r.text(4).unwrap_or_default(),
            address: r.text(5).unwrap_or_default(),
            phone: r.text(6).unwrap_or_default(),
            email: r.text(7).unwrap_or_default(),
            vat_number: r.text(8).unwrap_or_default(),
            eik: r.text(9).unwrap_or_default(),
        },
    })
}

fn is_deleted(r: &Row, i: usize) -> bool {
    r.int(i).unwrap_or(0) != 0
}

pub(crate) async fn find_partners_in(tx: &mut Tx<'_>, key: &PartnerKey) -> Result<Vec<Partner>> {
    let number = match key {
        PartnerKey::Eik(v) | PartnerKey::VatNumber(v) => v,
        PartnerKey::Email(v) => {
            let value = v.trim().to_lowercase();
            if value.is_empty() {
                return Ok(Vec::new());
            }
            let template = sql::partner_by(&tx.d.lower("`eMail`"));
            let rows = tx.rows(&template, &[Value::Text(value)]).await?;
            return Ok(rows
                .iter()
                .filter(|r| !is_deleted(r, 10))
                .filter_map(partner_from_row)
                .collect());
        }
    };
    let wanted = registration_key(number);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    // Typed the way the order gives it: the indexed columns answer at once.
    for column in ["`Bulstat`", "`TaxNo`"] {
        let rows = tx
            .rows(
                &sql::partner_by(column),
                &[Value::Text(number.trim().to_owned())],
            )
            .await?;
        let found: Vec<Partner> = rows
            .iter()
            .filter(|r| !is_deleted(r, 10))
            .filter_map(partner_from_row)
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    // Typed another way (`BG040 695 718 Е`): every number compared by its core.
    let ids: Vec<i64> = tx
        .rows(sql::PARTNER_NUMBERS, &[])
        .await?
        .iter()
        .filter(|r| !is_deleted(r, 3))
        .filter(|r| {
            [1, 2]
                .into_iter()
                .any(|i| r.text(i).is_some_and(|t| registration_key(&t) == wanted))
        })
        .filter_map(|r| r.int(0))
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(p) = tx
            .one(&sql::partner_by("`ID`"), &[Value::Int(id)])
            .await?
            .as_ref()
            .and_then(partner_from_row)
        {
            out.push(p);
        }
    }
    Ok(out)
}

/// Whether two values of a field say the same: numbers by their core, text without regard to
/// case and runs of spaces.
fn same(number: bool, a: &str, b: &str) -> bool {
    if number {
        registration_key(a) == registration_key(b)
    } else {
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        norm(a) == norm(b)
    }
}

pub(crate) async fn save_partner_in(
    tx: &mut Tx<'_>,
    id: Option<i64>,
    data: &PartnerData,
    user_id: i64,
) -> Result<SavedPartner> {
    if data.company.trim().is_empty() {
        return Err(Error::invalid(
            "partner",
            "the company or person name is empty",
        ));
    }
    match id {
        Some(id) => update_partner(tx, id, data).await,
        None => {
            let id = insert_partner(tx, data, user_id).await?;
            Ok(SavedPartner {
                id,
                differences: Vec::new(),
            })
        }
    }
}

/// (position in `PARTNER_FOR_UPDATE`, column, its print copy's position, label, new value, is a
/// number).
type FieldSpec<'a> = (
    usize,
    &'static str,
    Option<usize>,
    &'static str,
    &'a str,
    bool,
);

/// Fill the partner's empty fields from `data` (a print copy together with its field, when the
/// copy is empty too); a field Склад Pro already holds is never overwritten, and a different
/// value is returned as a [`PartnerDifference`]. Like Склад Pro's own edit, the partner's
/// `UserRealTime` is left alone.
async fn update_partner(tx: &mut Tx<'_>, id: i64, data: &PartnerData) -> Result<SavedPartner> {
    let row = tx
        .one(sql::PARTNER_FOR_UPDATE, &[Value::Int(id)])
        .await?
        .ok_or(Error::UnknownPartner { partner_id: id })?;
    let fields: [FieldSpec; 8] = [
        (0, "Company", Some(1), "Име", &data.company, false),
        (2, "MOL", Some(3), "МОЛ", &data.mol, false),
        (4, "City", Some(5), "Град", &data.city, false),
        (6, "Address", Some(7), "Адрес", &data.address, false),
        (8, "Phone", Some(9), "Телефон", &data.phone, false),
        (10, "eMail", None, "e-mail", &data.email, false),
        (11, "TaxNo", None, "ДДС номер", &data.vat_number, true),
        (12, "Bulstat", None, "ЕИК", &data.eik, true),
    ];
    const PRINT: [&str; 5] = ["Company2", "MOL2", "City2", "Address2", "Phone2"];
    let mut columns: Vec<&'static str> = Vec::new();
    let mut values = Vec::new();
    let mut differences = Vec::new();
    for (pos, column, print, label, new, number) in fields {
        let new = new.trim();
        if new.is_empty() {
            continue;
        }
        match row.text(pos) {
            None => {
                columns.push(column);
                values.push(Value::text(new));
                if let Some(p) = print.filter(|p| row.text(*p).is_none()) {
                    columns.push(PRINT[(p - 1) / 2]);
                    values.push(Value::text(new));
                }
            }
            Some(old) if !same(number, &old, new) => differences.push(PartnerDifference {
                partner_id: id,
                column,
                label,
                in_warehouse: old,
                in_order: new.to_owned(),
            }),
            Some(_) => {}
        }
    }
    if !columns.is_empty() {
        values.push(Value::Int(id));
        tx.exec(&sql::update_partner(&columns), &values).await?;
    }
    Ok(SavedPartner { id, differences })
}

async fn insert_partner(tx: &mut Tx<'_>, p: &PartnerData, user_id: i64) -> Result<i64> {
    let now = server_now(tx).await?;
    let blank = || Value::text("");
    let id = tx
        .insert(
            "partners",
            sql::PARTNER_INSERT_COLUMNS,
            vec![
                blank(),
                Value::text(&p.company),
                Value::text(&p.company),
                Value::text(&p.mol),
                Value::text(&p.mol),
                Value::text(&p.city),
                Value::text(&p.city),
                Value::text(&p.address),
                Value::text(&p.address),
                Value::text(&p.phone),
                Value::text(&p.phone),
                blank(),
                Value::text(&p.email),
                Value::text(&p.vat_number),
                Value::text(&p.eik),
                blank(),
                blank(),
                blank(),
                blank(),
                blank(),
                blank(),
                Value::Int(PriceGroup::RETAIL.stored()),
                Value::Float(0.0),
                Value::Int(NEW_PARTNER_TYPE),
                Value::Int(NEW_PARTNER_IS_VERY_USED),
                Value::Int(user_id),
                Value::Int(1),
                Value::DateTime(now),
                Value::Int(0),
                blank(),
                blank(),
                blank(),
                Value::Int(0),
            ],
        )
        .await?;
    // A partner's code is free text; the new row's ID is unique and short.
    tx.exec(
        sql::SET_PARTNER_CODE,
        &[Value::Text(id.to_string()), Value::Int(id)],
    )
    .await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_numbers_as_people_type_them() {
        for (typed, core) in [
            ("040 695 718 Е", "040695718"),
            ("BG040 695 718 Е", "040695718"),
            ("bg 175.074.752", "175074752"),
            ("БГ175074752", "175074752"),
            ("175-074-752", "175074752"),
            ("1750747520004", "1750747520004"),
            ("DE 123.456.789", "DE123456789"),
            ("ATU12345678", "ATU12345678"),
            (" ", ""),
        ] {
            assert_eq!(registration_key(typed), core, "{typed}");
        }
        assert!(same(true, "BG040 695 718 Е", "040695718"));
        assert!(!same(true, "040695718", "040695719"));
        assert!(same(false, "Тракия  ЕООД", "тракия еоод"));
    }
}
