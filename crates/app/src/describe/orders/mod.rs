//! The orders part's problems and notes: why an order waits in the queue and what fixes it, the
//! warnings about an imported order, and the import's log lines. The Bulgarian is in the words
//! of Utility Center and Склад Pro.

mod checks;
mod documents;
mod words;

use skladsync_engine::report::{OrderNote, OrderProblem};
use skladsync_warehouse::DocumentKind;

use super::{Worded, money, say};
use crate::texts::Lang;
use words::{document, quoted};

/// Why an order cannot be written (what is wrong, and what to do), or a warning about it.
pub fn order_problem(lang: Lang, p: &OrderProblem) -> Worded {
    use OrderProblem as P;
    let worded = match p {
        P::Undecodable { .. }
        | P::GoneFromShop
        | P::NotReadFromShop { .. }
        | P::IdTooLong { .. }
        | P::TooManyLines { .. }
        | P::OutOfBounds { .. }
        | P::NoLines
        | P::NoTotal
        | P::UnsupportedCurrency { .. }
        | P::UnknownTimeZone { .. }
        | P::LineWithoutKey { .. }
        | P::NoGoodWithKey { .. }
        | P::KeyOnSeveralGoods { .. }
        | P::NoSuchVatGroup { .. }
        | P::BadQuantity { .. }
        | P::LineWithoutPrice { .. }
        | P::TotalsDoNotAddUp { .. }
        | P::ConvertedTotalMismatch { .. }
        | P::TotalMismatch { .. }
        | P::ConversionRounding { .. }
        | P::Rounding { .. }
        | P::SpecialGoodNotChosen { .. }
        | P::NoSuchSpecialGood { .. }
        | P::SpecialGoodWithoutVatGroup { .. }
        | P::NoSuchDiscountGood { .. }
        | P::NoDiscountGoodForRate { .. }
        | P::PaymentNotMapped { .. }
        | P::NoSuchPaymentType { .. }
        | P::SaleWithLots
        | P::InvalidRegistration { .. }
        | P::InvalidVatNumber { .. } => checks::word(lang, p),
        P::PartnerDiffers { .. }
        | P::NotEnoughStock { .. }
        | P::DocumentRefused { .. }
        | P::DatabaseError { .. }
        | P::AlreadyWithUsn { .. }
        | P::CancelledBeforeImport { .. }
        | P::DocumentGone { .. }
        | P::CancelledAfterSale { .. }
        | P::EditedAfterSale { .. }
        | P::CancelledAfterOrder { .. }
        | P::SaleStatusWithUsn { .. }
        | P::EditedWithUsn { .. }
        | P::AmbiguousLegacyDocument { .. }
        | P::ClaimWithoutDocument { .. }
        | P::UnconfirmedDocument { .. }
        | P::UsnIgnored { .. }
        | P::UsnRegisterDamaged { .. }
        | P::UsnUnreadable { .. }
        | P::UsnTaken { .. }
        | P::UsnSequenceExhausted { .. }
        | P::NoFreeUsn
        | P::UsnDiffersInShop { .. }
        | P::UsnNotWritten { .. }
        | P::Queued { .. }
        | P::Recorded { .. } => documents::word(lang, p),
    };
    // Each group words every variant it is given (the tests word one of each).
    worded.unwrap_or_else(|| Worded::only(format!("{p:?}")))
}

/// A line of the import's log.
pub fn order_note(lang: Lang, n: &OrderNote) -> String {
    let doc = |kind: DocumentKind, number: i64| document(lang, kind, number);
    match n {
        OrderNote::WrittenAs { user, name, chosen } => {
            let name = quoted(lang, &name.clone().unwrap_or_else(|| format!("#{user}")));
            if *chosen {
                say!(
                    lang,
                    "Документите се записват като потребител {name} (ID {user})",
                    "Documents are written as the user {name} (ID {user})"
                )
            } else {
                say!(
                    lang,
                    "Няма избран активен потребител: документите се записват като служебния потребител {name} (ID {user})",
                    "No active user is chosen: documents are written as the service user {name} (ID {user})"
                )
            }
        }
        OrderNote::WaitingForOtherCopy => say!(
            lang,
            "Друго копие на програмата внася поръчки за този сървър; изчакване",
            "Another copy of the program is importing orders for this server; waiting"
        ),
        OrderNote::Created {
            order,
            document,
            number,
            total,
        } => say!(
            lang,
            "Поръчка {order}: {} ({})",
            "Order {order}: {} ({})",
            doc(*document, *number),
            money(lang, *total)
        ),
        OrderNote::Reconciled {
            order,
            document,
            number,
        } => say!(
            lang,
            "Поръчка {order}: вече е в Склад Pro като {}; връзката е възстановена",
            "Order {order}: already in Warehouse Pro as {}; its link is restored",
            doc(*document, *number)
        ),
        OrderNote::TakenFromOtherCopy { order } => say!(
            lang,
            "Поръчка {order}: друго копие на програмата я внесе току-що; документът му се взема",
            "Order {order}: another copy of the program has just imported it; its document is taken"
        ),
        OrderNote::ConvertedByOtherCopy { order } => say!(
            lang,
            "Поръчка {order}: друго копие на програмата я превърна в продажба",
            "Order {order}: another copy of the program turned it into a sale"
        ),
        OrderNote::Converted { order, from, to } => say!(
            lang,
            "Поръчка {order}: {} стана {}",
            "Order {order}: {} became {}",
            doc(DocumentKind::Order, *from),
            doc(DocumentKind::Sale, *to)
        ),
        OrderNote::ConversionFinished { order, sale } => say!(
            lang,
            "Поръчка {order}: довършено превръщане в {}",
            "Order {order}: the conversion into {} is finished",
            doc(DocumentKind::Sale, *sale)
        ),
        OrderNote::SweepFound { days, found } => say!(
            lang,
            "Проверката на поръчките от последните {days} дни намери {found} невнесени; внесени са",
            "The check of the orders of the last {days} days found {found} never imported; they are imported now"
        ),
        OrderNote::Counts {
            created,
            updated,
            unchanged,
            skipped,
        } => say!(
            lang,
            "Поръчки: нови {created}, променени {updated}, без промяна {unchanged}, в опашката или пропуснати {skipped}",
            "Orders: new {created}, changed {updated}, unchanged {unchanged}, queued or skipped {skipped}"
        ),
    }
}

#[cfg(test)]
mod tests;
