//! What the warehouse holds, in the words of the glossary.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

/// The `system` table's version row, e.g. `3.07` or `3.07.100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramVersion {
    /// As stored, verbatim.
    pub raw: String,
    pub major: u32,
    pub minor: u32,
    /// The build (`055`, `100`, …) when the database says it; Warehouse Open and many Pro
    /// databases store only `3.07`.
    pub build: Option<u32>,
}

/// The oldest build the sync supports is the one after 3.07.055.
pub const OLDEST_UNSUPPORTED_BUILD: (u32, u32, u32) = (3, 7, 55);
/// SUPTO builds (Наредба Н-18) are 3.07.100 and newer.
pub const FIRST_SUPTO_BUILD: (u32, u32, u32) = (3, 7, 100);

impl ProgramVersion {
    pub fn parse(raw: &str) -> Option<ProgramVersion> {
        let raw = raw.trim();
        let mut parts = raw.split('.');
        let major = parts.next()?.trim().parse().ok()?;
        let minor = parts.next()?.trim().parse().ok()?;
        let build = match parts.next() {
            Some(b) => Some(b.trim().parse().ok()?),
            None => None,
        };
        Some(ProgramVersion {
            raw: raw.to_owned(),
            major,
            minor,
            build,
        })
    }

    fn cmp_build(&self, (ma, mi, b): (u32, u32, u32)) -> Option<std::cmp::Ordering> {
        let head = (self.major, self.minor).cmp(&(ma, mi));
        if head != std::cmp::Ordering::Equal {
            return Some(head);
        }
        self.build.map(|own| own.cmp(&b))
    }

    /// Newer than 3.07.055. `None` when the database does not say the build (only `3.07`).
    pub fn is_supported(&self) -> Option<bool> {
        self.cmp_build(OLDEST_UNSUPPORTED_BUILD)
            .map(|o| o == std::cmp::Ordering::Greater)
    }

    /// 3.07.100 or newer. `None` when the database does not say the build.
    pub fn is_supto(&self) -> Option<bool> {
        self.cmp_build(FIRST_SUPTO_BUILD)
            .map(|o| o != std::cmp::Ordering::Less)
    }
}

/// Database-wide settings of Склад Pro that change how documents are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// `configkey20`: selling prices include VAT (missing: no, Склад Pro's default).
    pub prices_include_vat: bool,
    /// `configkey12`: negative availability allowed.
    pub negative_stock_allowed: bool,
    /// `configkey23`: 0 average, 1 last purchase price, 2+ lots (FIFO, LIFO, …).
    pub items_management: i64,
    /// `configkey48`: document numbers per object.
    pub numbering_per_object: bool,
    /// Currency of ID 1 (`BGN`, `EUR`, …).
    pub base_currency: String,
}

impl DatabaseSettings {
    /// Lot-managed databases keep one store row per lot; the sync does not write sales there.
    pub fn uses_lots(&self) -> bool {
        self.items_management >= 2
    }
}

/// The service user ("Служебен потребител"): the only user that is not a person.
pub const SERVICE_USER_ID: i64 = 1;

/// The service good ("Служебна стока"), never a good for sale.
pub const SERVICE_GOOD_ID: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: i64,
}

/// An object (обект): a shop or warehouse location.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub group_id: i64,
    pub price_group: PriceGroup,
}

/// A group of any nomenclature (goods, objects, partners): hierarchical code, 3 letters a level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub id: i64,
    pub code: String,
    pub name: String,
}

impl Group {
    /// Levels of the code (3 letters a level; letters, not bytes: a code may hold Cyrillic).
    pub fn depth(&self) -> usize {
        self.code.chars().count() / 3
    }
    /// Code of the parent group, `None` at the top level.
    pub fn parent_code(&self) -> Option<&str> {
        parent_group_code(&self.code)
    }
    /// Whether `other` is this group or below it.
    pub fn contains(&self, other: &Group) -> bool {
        is_hierarchical(&self.code) && other.code.starts_with(&self.code)
    }
}

/// A group code without its last level (three letters, not bytes), `None` when that leaves
/// nothing.
pub fn parent_group_code(code: &str) -> Option<&str> {
    let (start, _) = code.char_indices().rev().nth(2)?;
    (start > 0).then(|| &code[..start])
}

pub(crate) fn is_hierarchical(code: &str) -> bool {
    !code.is_empty() && code.len().is_multiple_of(3) && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// The next sibling code after `last` (`AAZ` → `ABA`), or the first child of `parent`.
pub fn next_group_code(parent: &str, siblings: &[&str]) -> String {
    let last = siblings
        .iter()
        .filter(|c| c.len() == parent.len() + 3 && c.starts_with(parent) && is_hierarchical(c))
        .map(|c| &c[parent.len()..])
        .max();
    let suffix = match last {
        None => "AAA".to_owned(),
        Some(s) => {
            let mut b: Vec<u8> = s.bytes().collect();
            let mut i = b.len();
            loop {
                if i == 0 {
                    // ZZZ: no room left at this level; the caller reports it.
                    return String::new();
                }
                i -= 1;
                if b[i] == b'Z' {
                    b[i] = b'A';
                } else {
                    b[i] += 1;
                    break;
                }
            }
            String::from_utf8(b).unwrap_or_default()
        }
    };
    format!("{parent}{suffix}")
}

/// Price groups: the `PriceOut1..10` columns (`PriceOut2` is the retail price).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PriceGroup(u8);

impl PriceGroup {
    /// Цена на едро — `PriceOut1`.
    pub const WHOLESALE: PriceGroup = PriceGroup(0);
    /// Цена на дребно — `PriceOut2`.
    pub const RETAIL: PriceGroup = PriceGroup(1);

    /// From the value stored in `objects.PriceGroup`/`partners.PriceGroup` (0…9).
    pub fn from_stored(v: i64) -> Option<PriceGroup> {
        (0..=9).contains(&v).then_some(PriceGroup(v as u8))
    }
    pub fn stored(self) -> i64 {
        self.0.into()
    }
    pub fn column(self) -> &'static str {
        const COLS: [&str; 10] = [
            "PriceOut1",
            "PriceOut2",
            "PriceOut3",
            "PriceOut4",
            "PriceOut5",
            "PriceOut6",
            "PriceOut7",
            "PriceOut8",
            "PriceOut9",
            "PriceOut10",
        ];
        COLS[self.0 as usize]
    }
    /// The Bulgarian name Склад Pro shows.
    pub fn label(self) -> String {
        match self.0 {
            0 => "Цена на едро".into(),
            1 => "Цена на дребно".into(),
            n => format!("Ценова група {}", n - 1),
        }
    }
    pub fn all() -> impl Iterator<Item = PriceGroup> {
        (0..10).map(PriceGroup)
    }
}

/// A good (стока) as the sync reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Good {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub barcodes: [Option<String>; 3],
    pub catalogs: [Option<String>; 3],
    pub measure: String,
    pub vat_group_id: i64,
    pub group_id: i64,
    /// The price of the price group asked for, as stored (with or without VAT per
    /// [`DatabaseSettings::prices_include_vat`]).
    pub price: Decimal,
    pub purchase_price: Decimal,
}

impl Good {
    /// The good as the [`GoodData`] that saves it back unchanged, its price being the one read
    /// for `price_group`.
    pub fn to_data(&self, price_group: PriceGroup) -> GoodData {
        GoodData {
            code: self.code.clone(),
            name: self.name.clone(),
            barcodes: self.barcodes.clone().map(Option::unwrap_or_default),
            catalogs: self.catalogs.clone().map(Option::unwrap_or_default),
            measure: self.measure.clone(),
            price_group,
            price: self.price,
            vat_group_id: self.vat_group_id,
            group_id: self.group_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VatGroup {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentType {
    pub id: i64,
    pub name: String,
    /// 1 cash, 2 bank transfer, 3 card, 4 voucher.
    pub method: i64,
}

impl PaymentType {
    pub fn is_cash(&self) -> bool {
        self.method == 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// A partner (партньор) as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: i64,
    pub code: String,
    pub data: PartnerData,
}

/// The fields of a partner the sync writes. Print copies (`Company2`, `MOL2`, …) are written
/// from these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerData {
    pub company: String,
    pub mol: String,
    pub city: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// ДДС номер (`TaxNo`).
    pub vat_number: String,
    /// ЕИК/БУЛСТАТ (`Bulstat`).
    pub eik: String,
}

/// How to find a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerKey {
    Eik(String),
    VatNumber(String),
    Email(String),
}

/// The fields of a good the sync writes.
#[derive(Debug, Clone, PartialEq)]
pub struct GoodData {
    pub code: String,
    pub name: String,
    pub barcodes: [String; 3],
    pub catalogs: [String; 3],
    pub measure: String,
    pub price_group: PriceGroup,
    pub price: Decimal,
    pub vat_group_id: i64,
    pub group_id: i64,
}

/// The document types the sync writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DocumentKind {
    /// Поръчка — OperType 19: no store change, no payments.
    Order,
    /// Продажба — OperType 2: store decremented, payments.
    Sale,
}

impl DocumentKind {
    pub fn oper_type(self) -> i64 {
        match self {
            DocumentKind::Order => 19,
            DocumentKind::Sale => 2,
        }
    }
    /// Types sharing one number series (a Sale shares its series with consignment sales, 16).
    pub fn series(self) -> &'static [i64] {
        match self {
            DocumentKind::Order => &[19],
            DocumentKind::Sale => &[2, 16],
        }
    }
    /// The `nextacct` prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            DocumentKind::Order => "OR",
            DocumentKind::Sale => "S",
        }
    }
    /// The store direction of a line.
    pub fn sign(self) -> i64 {
        match self {
            DocumentKind::Order => 0,
            DocumentKind::Sale => -1,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Order => "Поръчка",
            DocumentKind::Sale => "Продажба",
        }
    }
    pub fn from_oper_type(t: i64) -> Option<DocumentKind> {
        match t {
            19 => Some(DocumentKind::Order),
            2 => Some(DocumentKind::Sale),
            _ => None,
        }
    }
}

/// Where a partner for a document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerChoice {
    Existing(i64),
    /// Found by the first key that matches, updated with the data; created when none matches.
    Upsert {
        keys: Vec<PartnerKey>,
        data: Box<PartnerData>,
    },
}

/// One line of a new document.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLine {
    pub good_id: i64,
    /// Negative for a discount line, as Склад Pro writes one (a positive price).
    pub quantity: Decimal,
    /// Unit price after discount, as the database keeps prices (with or without VAT).
    pub price: Decimal,
    /// Line discount in percent.
    pub discount_percent: Decimal,
}

/// A payment received for a sale.
#[derive(Debug, Clone, PartialEq)]
pub struct PaidAmount {
    pub amount: Decimal,
    pub date: NaiveDate,
    /// Card/bank transaction reference.
    pub transaction_number: String,
}

/// A УНП (unique sale number) record for SUPTO databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsnRecord {
    /// The fiscal device's individual number.
    pub device: String,
    /// The per-device sequence number (last 7 digits of the УНП).
    pub sequence: i64,
    /// The full УНП, e.g. `DT000600-0001-0000123`.
    pub usn: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub object_id: i64,
    pub user_id: i64,
    pub partner: PartnerChoice,
    pub date: NaiveDate,
    pub lines: Vec<NewLine>,
    /// The shop's order reference, written to every line's Note so that the document can be
    /// found from the warehouse alone.
    pub reference: String,
    /// Payment type of the due row (Sale only).
    pub payment_type_id: i64,
    /// Payments already received (Sale only).
    pub paid: Vec<PaidAmount>,
    pub usn: Option<UsnRecord>,
    /// The number of the Order (in the same object) this Sale replaces: its lines are not
    /// counted as held by open Orders when the stock is checked.
    pub converts_order: Option<i64>,
}

/// A document: all operations rows with one (OperType, Acct[, ObjectID]).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub kind: DocumentKind,
    pub number: i64,
    pub object_id: i64,
    pub partner_id: i64,
    pub date: Option<NaiveDateTime>,
    pub reference: String,
    /// The due amount: the sum of the line totals with VAT, each rounded to cents as Склад Pro
    /// rounds them.
    pub total: Decimal,
    pub lines: Vec<DocumentLine>,
}

impl Document {
    /// The number as Склад Pro shows it, padded to 10 digits.
    pub fn display_number(&self) -> String {
        format!("{:010}", self.number)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentLine {
    pub good_id: i64,
    pub quantity: Decimal,
    pub price: Decimal,
    pub vat: Decimal,
    pub discount_percent: Decimal,
}

/// A problem found in the data while reading: the table, the row and the field, and what is
/// wrong. Reading goes on; the item is skipped or the field left empty as the message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataProblem {
    pub table: &'static str,
    pub row_id: i64,
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for DataProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ID {} field {}: {}",
            self.table, self.row_id, self.field, self.message
        )
    }
}

/// Goods as read, with the problems found on the way.
#[derive(Debug, Clone, Default)]
pub struct GoodsRead {
    pub goods: Vec<Good>,
    pub problems: Vec<DataProblem>,
}

/// Quantities per good, with the problems found on the way.
#[derive(Debug, Clone, Default)]
pub struct QuantitiesRead {
    pub quantities: std::collections::HashMap<i64, Decimal>,
    pub problems: Vec<DataProblem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let v = ProgramVersion::parse("3.07").unwrap();
        assert_eq!((v.is_supported(), v.is_supto()), (None, None));
        let v = ProgramVersion::parse("3.07.055").unwrap();
        assert_eq!((v.is_supported(), v.is_supto()), (Some(false), Some(false)));
        let v = ProgramVersion::parse("3.07.056").unwrap();
        assert_eq!((v.is_supported(), v.is_supto()), (Some(true), Some(false)));
        let v = ProgramVersion::parse("3.07.100").unwrap();
        assert_eq!((v.is_supported(), v.is_supto()), (Some(true), Some(true)));
        let v = ProgramVersion::parse("3.06.900").unwrap();
        assert_eq!(v.is_supported(), Some(false));
        assert!(ProgramVersion::parse("abc").is_none());
    }

    #[test]
    fn cyrillic_group_codes_are_cut_by_letters() {
        let g = Group {
            id: 1,
            code: "ГРУПА1".into(),
            name: "x".into(),
        };
        assert_eq!(g.depth(), 2);
        assert_eq!(g.parent_code(), Some("ГРУ"));
        assert_eq!(parent_group_code("ГРУ"), None);
        assert_eq!(parent_group_code("Ж"), None);
        assert_eq!(parent_group_code("AAAБББ"), Some("AAA"));
    }

    #[test]
    fn group_codes() {
        assert_eq!(next_group_code("", &[]), "AAA");
        assert_eq!(next_group_code("", &["AAA", "AAZ", "-1", "AAAAAA"]), "ABA");
        assert_eq!(
            next_group_code("ABD", &["ABDAAA", "ABDAAB", "AAA"]),
            "ABDAAC"
        );
        assert_eq!(next_group_code("", &["AZZ"]), "BAA");
        assert_eq!(next_group_code("", &["ZZZ"]), "");
        let parent = Group {
            id: 2,
            code: "ABD".into(),
            name: "x".into(),
        };
        let child = Group {
            id: 3,
            code: "ABDAAA".into(),
            name: "y".into(),
        };
        assert!(parent.contains(&child) && !child.contains(&parent));
        assert_eq!(child.parent_code(), Some("ABD"));
    }

    #[test]
    fn price_groups() {
        assert_eq!(PriceGroup::RETAIL.column(), "PriceOut2");
        assert_eq!(PriceGroup::from_stored(9).unwrap().column(), "PriceOut10");
        assert_eq!(
            PriceGroup::from_stored(2).unwrap().label(),
            "Ценова група 1"
        );
        assert!(PriceGroup::from_stored(10).is_none());
    }
}
