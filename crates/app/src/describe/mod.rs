//! The engine's typed output in the user's words, Bulgarian or English: phases, items,
//! problems (what is wrong, and what to do), notes, failures — and money, formatted here and
//! nowhere else.

mod export;
mod orders;
mod settings;
mod webhooks;

use rust_decimal::{Decimal, RoundingStrategy};
use skladsync_engine::report::{
    Currency, DatabaseFailure, Failure, Item, Money, Note, Phase, Problem, ShopFailure,
};
use skladsync_engine::{ItemProblem, Level, RunSummary};

pub use orders::{order_note, order_problem};
pub use settings::{setting_field, setting_problem};
pub use webhooks::{hook, receiver, webhook_error};

use crate::texts::{Lang, Texts};

/// `format!` in the chosen language.
macro_rules! say {
    ($lang:expr, $bg:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::texts::Lang::Bg => format!($bg $(, $arg)*),
            $crate::texts::Lang::En => format!($en $(, $arg)*),
        }
    };
}
pub(crate) use say;

/// A problem in words: what is wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worded {
    pub what: String,
    pub fix: Option<String>,
}

impl Worded {
    pub fn new(what: String, fix: String) -> Worded {
        Worded {
            what,
            fix: Some(fix),
        }
    }
    pub fn only(what: String) -> Worded {
        Worded { what, fix: None }
    }
    /// One line: "what — fix".
    pub fn line(&self) -> String {
        match &self.fix {
            Some(f) => format!("{} — {f}", self.what),
            None => self.what.clone(),
        }
    }
}

/// An amount: two decimals always, the currency shown, a decimal comma in Bulgarian
/// (`12,50 лв.`, `12,50 €`; `12.50 BGN`, `12.50 EUR`).
pub fn money(lang: Lang, m: Money) -> String {
    let amount = m
        .amount
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let digits = format!("{amount:.2}");
    match (lang, m.currency) {
        (Lang::Bg, Currency::Bgn) => format!("{} лв.", digits.replace('.', ",")),
        (Lang::Bg, Currency::Eur) => format!("{} €", digits.replace('.', ",")),
        (Lang::En, Currency::Bgn) => format!("{digits} BGN"),
        (Lang::En, Currency::Eur) => format!("{digits} EUR"),
    }
}

/// A quantity or another plain number: as many decimals as it has, a decimal comma in
/// Bulgarian.
pub fn number(lang: Lang, d: Decimal) -> String {
    let s = d.normalize().to_string();
    match lang {
        Lang::Bg => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A list of words, comma-separated.
pub(crate) fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn phase(lang: Lang, p: Phase) -> &'static str {
    let (bg, en) = match p {
        Phase::Connecting => (
            "Свързване със Склад Pro и магазина",
            "Connecting to Warehouse Pro and the shop",
        ),
        Phase::ReadingWarehouseGoods => (
            "Четене на стоките от Склад Pro",
            "Reading the goods of Warehouse Pro",
        ),
        Phase::ReadingShopProducts => (
            "Четене на продуктите от магазина",
            "Reading the shop's products",
        ),
        Phase::ReadingShopOrders => (
            "Четене на поръчките от магазина",
            "Reading the shop's orders",
        ),
        Phase::ImportingOrders => ("Внасяне на поръчките", "Importing the orders"),
        Phase::SweepingRecentOrders => (
            "Проверка на поръчките от последните дни",
            "Checking the orders of the last days",
        ),
        Phase::TryingShopWrites => (
            "Проба: какво би се записало в магазина",
            "Dry run: what would be written to the shop",
        ),
        Phase::WritingShop => ("Запис в магазина", "Writing to the shop"),
        Phase::TryingWarehouseWrites => (
            "Проба: какво би се записало в Склад Pro",
            "Dry run: what would be written to Warehouse Pro",
        ),
        Phase::WritingWarehouse => ("Запис в Склад Pro", "Writing to Warehouse Pro"),
    };
    match lang {
        Lang::Bg => bg,
        Lang::En => en,
    }
}

/// What a problem is about.
pub fn item(lang: Lang, i: &Item) -> String {
    let quoted = |name: &str| match lang {
        Lang::Bg => format!(" „{name}“"),
        Lang::En => format!(" “{name}”"),
    };
    let named = |name: &str| {
        if name.is_empty() {
            String::new()
        } else {
            quoted(name)
        }
    };
    match i {
        Item::Good { id, name, key } => {
            let key = key
                .as_deref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default();
            say!(lang, "стока {id}{}{key}", "good {id}{}{key}", named(name))
        }
        Item::NewGood { name } => say!(lang, "нова стока{}", "new good{}", quoted(name)),
        Item::GoodsGroup { id } => say!(lang, "група стоки {id}", "goods group {id}"),
        Item::Row { table, id } => say!(lang, "{table}, ред с ID {id}", "{table}, row ID {id}"),
        Item::Product { id, name } => {
            let id = if id.is_empty() {
                String::new()
            } else {
                format!(" {id}")
            };
            say!(lang, "продукт{id}{}", "product{id}{}", named(name))
        }
        Item::ProductVariant {
            product,
            name,
            variant,
        } => say!(
            lang,
            "продукт {product}{}, разновидност {variant}",
            "product {product}{}, variant {variant}",
            named(name)
        ),
        Item::Variant { id, key } => match id {
            Some(id) => say!(
                lang,
                "магазин: разновидност {id} ({key})",
                "shop: variant {id} ({key})"
            ),
            None => say!(lang, "магазин: код {key}", "shop: code {key}"),
        },
        Item::Order { id } => say!(lang, "поръчка {id}", "order {id}"),
        Item::Pair { key, good, variant } => {
            if !key.is_empty() {
                return key.clone();
            }
            let good = good.map(|g| g.to_string()).unwrap_or_else(|| "—".into());
            let variant = variant.clone().unwrap_or_else(|| "—".into());
            say!(
                lang,
                "стока {good} / разновидност {variant}",
                "good {good} / variant {variant}"
            )
        }
    }
}

/// A problem with one item: what is wrong and what to do.
pub fn problem(lang: Lang, p: &Problem) -> Worded {
    match p {
        Problem::Export(e) => export::export_problem(lang, e),
        Problem::Pull(e) => export::pull_problem(lang, e),
        Problem::Order(o) => order_problem(lang, o),
        Problem::Check(s) => Worded::only(lang.texts().match_status(*s).to_owned()),
        Problem::Shop(f) => shop_failure(lang, f),
        Problem::Database(f) => database_failure(lang, f),
    }
}

/// One problem line of a log: "item: what — fix".
pub fn item_problem(lang: Lang, p: &ItemProblem) -> String {
    format!(
        "{}: {}",
        item(lang, &p.item),
        problem(lang, &p.problem).line()
    )
}

/// A log line that is not about one item.
pub fn note(lang: Lang, n: &Note) -> String {
    match n {
        Note::Export(e) => export::export_note(lang, e),
        Note::Pull(p) => export::pull_note(lang, p),
        Note::Order(o) => order_note(lang, o),
        Note::CheckCounts {
            matched,
            mismatched,
        } => say!(
            lang,
            "Съвпадат: {matched}; несъответствия: {mismatched}",
            "Matched: {matched}; mismatched: {mismatched}"
        ),
    }
}

/// The counts of a finished run: "created 3, updated 2, …".
pub fn summary(t: &Texts, s: &RunSummary) -> String {
    format!(
        "{} {}, {} {}, {} {}, {} {}, {} {}{}",
        t.created,
        s.created,
        t.updated,
        s.updated,
        t.unchanged,
        s.unchanged,
        t.deactivated,
        s.deactivated,
        t.skipped,
        s.skipped,
        if s.dry_run {
            format!(" ({})", t.trial)
        } else {
            String::new()
        }
    )
}

pub fn level(lang: Lang, l: Level) -> &'static str {
    match (lang, l) {
        (Lang::Bg, Level::Info) => "информация",
        (Lang::Bg, Level::Warning) => "внимание",
        (Lang::Bg, Level::Error) => "грешка",
        (Lang::En, Level::Info) => "info",
        (Lang::En, Level::Warning) => "warning",
        (Lang::En, Level::Error) => "error",
    }
}

pub fn shop_failure(lang: Lang, f: &ShopFailure) -> Worded {
    match f {
        ShopFailure::BadAddress { detail } => Worded::new(
            say!(
                lang,
                "адресът на магазина не става ({detail})",
                "the shop address cannot be used ({detail})"
            ),
            say!(
                lang,
                "поставете адреса от Настройки → API ключове на магазина",
                "paste the address shown under the shop's Settings → API Keys"
            ),
        ),
        ShopFailure::BadKey { detail } => Worded::new(
            say!(
                lang,
                "магазинът не приема API ключа ({detail})",
                "the shop refuses the API key ({detail})"
            ),
            say!(
                lang,
                "поставете нов ключ от Настройки → API ключове на магазина",
                "paste a new key from the shop's Settings → API Keys"
            ),
        ),
        ShopFailure::NoApiAccess { detail } => Worded::new(
            say!(
                lang,
                "планът на магазина няма достъп до API или адресът не е основният домейн ({detail})",
                "the shop's plan has no API access, or the address is not the primary domain ({detail})"
            ),
            say!(
                lang,
                "използвайте точно адреса за API от Настройки → API ключове",
                "use exactly the API address shown under Settings → API Keys"
            ),
        ),
        ShopFailure::RateLimited { detail } => Worded::new(
            say!(
                lang,
                "магазинът все още ограничава заявките ({detail})",
                "the shop still limits the requests ({detail})"
            ),
            say!(lang, "стартирайте отново по-късно", "run it again later"),
        ),
        ShopFailure::Unreachable { detail } => Worded::new(
            say!(
                lang,
                "магазинът не отговаря ({detail})",
                "the shop does not answer ({detail})"
            ),
            say!(
                lang,
                "проверете интернет връзката и адреса на магазина",
                "check the internet connection and the shop address"
            ),
        ),
        ShopFailure::Refused { status, detail } => Worded::only(say!(
            lang,
            "магазинът отказа (HTTP {status}): {detail}",
            "the shop refused (HTTP {status}): {detail}"
        )),
        ShopFailure::Unexpected { detail } => Worded::only(say!(
            lang,
            "неочакван отговор от магазина: {detail}",
            "an unexpected answer from the shop: {detail}"
        )),
        ShopFailure::Other { detail } => {
            Worded::only(say!(lang, "магазин: {detail}", "shop: {detail}"))
        }
    }
}

pub fn database_failure(lang: Lang, f: &DatabaseFailure) -> Worded {
    match f {
        DatabaseFailure::Unreachable { detail } => Worded::new(
            say!(
                lang,
                "базата на Склад Pro не е достъпна ({detail})",
                "the Warehouse Pro database cannot be reached ({detail})"
            ),
            say!(
                lang,
                "проверете сървъра, файла, потребителя и паролата във „Връзка“",
                "check the server, file, user and password under “Connection”"
            ),
        ),
        DatabaseFailure::NotWarehouse { detail } => Worded::new(
            say!(
                lang,
                "това не е база на Склад Pro ({detail})",
                "this is not a Warehouse Pro database ({detail})"
            ),
            say!(
                lang,
                "изберете базата, с която работи Склад Pro",
                "choose the database Warehouse Pro works with"
            ),
        ),
        DatabaseFailure::Busy { detail } => Worded::new(
            say!(
                lang,
                "базата е заета от друга програма ({detail})",
                "the database is busy with another program ({detail})"
            ),
            say!(
                lang,
                "нищо не е записано наполовина; стартирайте отново след малко",
                "nothing is half-written; run it again in a moment"
            ),
        ),
        DatabaseFailure::Refused { detail } => Worded::only(say!(
            lang,
            "Склад Pro отказа записа: {detail}",
            "Warehouse Pro refused the write: {detail}"
        )),
        DatabaseFailure::Other { detail } => Worded::only(say!(
            lang,
            "грешка на базата данни: {detail}",
            "database error: {detail}"
        )),
    }
}

/// Why a run ended before its end.
pub fn failure(lang: Lang, f: &Failure) -> String {
    match f {
        Failure::Database { failure } => database_failure(lang, failure).line(),
        Failure::Shop { failure } => shop_failure(lang, failure).line(),
        Failure::Settings { problems } => {
            let lines: Vec<String> = problems.iter().map(|p| setting_problem(lang, p)).collect();
            say!(
                lang,
                "настройките не са пълни: {}",
                "the settings are not complete: {}",
                lines.join("; ")
            )
        }
        Failure::Secret { detail } => say!(
            lang,
            "API ключът или паролата за базата не са запазени ({detail}): въведете ги отново в „Връзка“",
            "the API key or the database password is not stored ({detail}): enter it again under “Connection”"
        ),
        Failure::SettingsFile { detail } => say!(
            lang,
            "файлът с настройки не може да бъде използван: {detail}",
            "the settings file cannot be used: {detail}"
        ),
        Failure::Journal { detail } => say!(
            lang,
            "дневникът на програмата не може да бъде използван: {detail}",
            "the program's journal cannot be used: {detail}"
        ),
        Failure::Stopped => say!(
            lang,
            "спряно от потребителя (между два записа: нищо не е записано наполовина)",
            "stopped by the user (between two writes: nothing is half-written)"
        ),
        Failure::Crashed { detail } => say!(
            lang,
            "задачата спря неочаквано ({detail}); изпратете дневника на поддръжката",
            "the task stopped unexpectedly ({detail}); send the log to support"
        ),
        Failure::Recorded { text } => text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_has_two_decimals_its_currency_and_a_bulgarian_comma() {
        assert_eq!(money(Lang::Bg, Money::bgn(dec!(12.5))), "12,50 лв.");
        assert_eq!(money(Lang::Bg, Money::eur(dec!(3))), "3,00 €");
        assert_eq!(money(Lang::En, Money::bgn(dec!(0.005))), "0.01 BGN");
        assert_eq!(money(Lang::En, Money::eur(dec!(-1234.567))), "-1234.57 EUR");
        assert_eq!(number(Lang::Bg, dec!(2.500)), "2,5");
        assert_eq!(number(Lang::En, dec!(2.500)), "2.5");
    }

    #[test]
    fn every_phase_is_worded_in_both_languages() {
        use Phase::*;
        for p in [
            Connecting,
            ReadingWarehouseGoods,
            ReadingShopProducts,
            ReadingShopOrders,
            ImportingOrders,
            SweepingRecentOrders,
            TryingShopWrites,
            WritingShop,
            TryingWarehouseWrites,
            WritingWarehouse,
        ] {
            assert_ne!(phase(Lang::Bg, p), phase(Lang::En, p));
            assert!(!phase(Lang::En, p).chars().any(|c| ('а'..='я').contains(&c)));
        }
    }
}
