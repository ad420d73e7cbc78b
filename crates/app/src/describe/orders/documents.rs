//! The problems met when an order's document is written or is already in Склад Pro: stock,
//! refusals, changes in the shop, documents of another copy or version, the УНП; the queue.

use skladsync_engine::report::OrderProblem;
use skladsync_warehouse::DocumentKind;

use super::super::{Worded, say};
use super::order_problem;
use super::words::{difference, document, partner_field, quoted, shortage};
use crate::texts::Lang;

/// The words of one of this module's problems (`None`: another module's).
pub(super) fn word(lang: Lang, p: &OrderProblem) -> Option<Worded> {
    let q = |s: &str| quoted(lang, s);
    let doc = |kind: DocumentKind, number: i64| document(lang, kind, number);
    let order = |number: i64| document(lang, DocumentKind::Order, number);
    let sale = |number: i64| document(lang, DocumentKind::Sale, number);
    Some(match p {
        OrderProblem::PartnerDiffers {
            partner,
            field,
            in_warehouse,
            in_order,
        } => Worded::only(say!(
            lang,
            "партньор {partner}: {} в Склад Pro е {}, а в поръчката {}; оставено е това от Склад Pro",
            "partner {partner}: the {} in Warehouse Pro is {} and in the order {}; Warehouse Pro's is kept",
            partner_field(lang, field),
            q(in_warehouse),
            q(in_order)
        )),
        OrderProblem::NotEnoughStock { shortages } => {
            let each: Vec<String> = shortages.iter().map(|s| shortage(lang, s)).collect();
            Worded::new(
                say!(
                    lang,
                    "Склад Pro не позволява отрицателна наличност, а количеството не стига: {}",
                    "Warehouse Pro does not allow negative stock, and the quantity is not enough: {}",
                    each.join("; ")
                ),
                say!(
                    lang,
                    "заприходете стоката в Склад Pro (или разрешете работа с отрицателна наличност), после „Опитай пак“",
                    "receive the goods in Warehouse Pro (or allow negative stock), then “Retry”"
                ),
            )
        }
        OrderProblem::DocumentRefused { detail } => Worded::new(
            say!(
                lang,
                "Склад Pro отказа документа: {detail}",
                "Warehouse Pro refused the document: {detail}"
            ),
            say!(
                lang,
                "поправете причината в Склад Pro или в настройките, после „Опитай пак“",
                "fix the cause in Warehouse Pro or in the settings, then “Retry”"
            ),
        ),
        OrderProblem::DatabaseError { detail } => Worded::new(
            say!(
                lang,
                "грешка на базата данни: {detail}",
                "database error: {detail}"
            ),
            say!(
                lang,
                "нищо от поръчката не е записано; „Опитай пак“, когато базата е достъпна",
                "nothing of the order was written; “Retry” when the database can be reached"
            ),
        ),
        OrderProblem::AlreadyWithUsn {
            usn,
            oper_type,
            document,
            number,
        } => {
            let written = match document {
                Some(kind) => doc(*kind, *number),
                None => say!(
                    lang,
                    "документ вид {oper_type} № {number:010}",
                    "document of type {oper_type} No. {number:010}"
                ),
            };
            Worded::only(say!(
                lang,
                "вече е в Склад Pro с УНП {usn} ({written}, внесен от друга програма): не се внася втори път",
                "already in Warehouse Pro with USN {usn} ({written}, imported by another program): not imported a second time"
            ))
        }
        OrderProblem::CancelledBeforeImport { status } => Worded::only(say!(
            lang,
            "отказана в магазина ({status}) преди да бъде внесена: не се внася",
            "cancelled in the shop ({status}) before it was imported: not imported"
        )),
        OrderProblem::DocumentGone { document, number } => Worded::new(
            say!(
                lang,
                "{} за поръчката вече не съществува в Склад Pro (анулиран ли е?)",
                "{} of the order no longer exists in Warehouse Pro (was it annulled?)",
                doc(*document, *number)
            ),
            say!(
                lang,
                "ако поръчката трябва да се внесе отново, освободете я („skladsync queue release“) и изберете „Опитай пак“; иначе „Махни от опашката“",
                "if the order is to be imported again, release it (“skladsync queue release”) and choose “Retry”; otherwise remove it from the queue"
            ),
        ),
        OrderProblem::CancelledAfterSale { status, number } => Worded::new(
            say!(
                lang,
                "поръчката е {} в магазина, а вече е {}",
                "the order is {} in the shop, and it is already {}",
                q(status),
                sale(*number)
            ),
            say!(
                lang,
                "продажбата не се променя и не се изтрива: направете Рекламация в Склад Pro, която се позовава на нея",
                "a sale is neither changed nor deleted: make a Refund in Warehouse Pro that refers to it"
            ),
        ),
        OrderProblem::EditedAfterSale { number } => Worded::new(
            say!(
                lang,
                "поръчката е променена в магазина след {}",
                "the order was changed in the shop after {}",
                sale(*number)
            ),
            say!(
                lang,
                "продажбата не се променя: направете Рекламация или нова продажба в Склад Pro за разликата",
                "a sale is not changed: make a Refund or a new sale in Warehouse Pro for the difference"
            ),
        ),
        OrderProblem::CancelledAfterOrder {
            status,
            number,
            has_usn,
        } => Worded::new(
            say!(
                lang,
                "поръчката е {} в магазина; {} е оставена в Склад Pro",
                "the order is {} in the shop; {} is left in Warehouse Pro",
                q(status),
                order(*number)
            ),
            if *has_usn {
                say!(
                    lang,
                    "документът има УНП и не се изтрива: отразете отказа в Склад Pro по правилата на СУПТО",
                    "the document has a USN and is not deleted: record the cancellation in Warehouse Pro by the SUPTO rules"
                )
            } else {
                say!(
                    lang,
                    "анулирайте поръчката в Склад Pro, ако стоката няма да бъде продадена",
                    "annul the order in Warehouse Pro if the goods will not be sold"
                )
            },
        ),
        OrderProblem::SaleStatusWithUsn {
            status,
            number,
            usn,
        } => Worded::new(
            say!(
                lang,
                "поръчката стигна до статус {}, а {} носи УНП {usn}",
                "the order reached the status {}, and {} carries USN {usn}",
                q(status),
                order(*number)
            ),
            say!(
                lang,
                "превърнете поръчката в продажба в Склад Pro, за да остане УНП с продажбата",
                "turn the order into a sale in Warehouse Pro, so that the USN stays with the sale"
            ),
        ),
        OrderProblem::EditedWithUsn { number } => Worded::new(
            say!(
                lang,
                "поръчката е променена в магазина; {} носи УНП",
                "the order was changed in the shop; {} carries a USN",
                order(*number)
            ),
            say!(
                lang,
                "внесена поръчка с УНП не се променя: отразете промяната в Склад Pro",
                "an imported order with a USN is not changed: record the change in Warehouse Pro"
            ),
        ),
        OrderProblem::AmbiguousLegacyDocument {
            document,
            number,
            legacy_reference,
            reference,
            order,
        } => Worded::new(
            say!(
                lang,
                "в Склад Pro има {} с бележка {} (от по-стара версия, без името на магазина) със същия клиент и сума; не е ясно дали е тази поръчка или поръчка със същия номер от друг магазин",
                "Warehouse Pro has {} with the note {} (from an earlier version, without the shop's name) with the same customer and total; it is not clear whether it is this order or an order of the same number from another shop",
                doc(*document, *number),
                q(legacy_reference)
            ),
            say!(
                lang,
                "ако документът е за тази поръчка, сменете бележката му на {} и изберете „Опитай пак“; ако е за друг магазин — сменете я на {} и изберете „Опитай пак“",
                "if the document is this order's, change its note to {} and choose “Retry”; if it is another shop's, change it to {} and choose “Retry”",
                q(reference),
                q(&say!(
                    lang,
                    "CC:<адрес на другия магазин>:{order}",
                    "CC:<the other shop's address>:{order}"
                ))
            ),
        ),
        OrderProblem::ClaimWithoutDocument { claim, reference } => Worded::new(
            say!(
                lang,
                "поръчката вече е внесена (в Склад Pro е записано {}), но документът ѝ с бележка {} не е намерен (анулиран ли е?)",
                "the order is already imported (Warehouse Pro holds {}), but its document with the note {} is not found (was it annulled?)",
                q(claim),
                q(reference)
            ),
            say!(
                lang,
                "ако поръчката трябва да бъде отново в Склад Pro, освободете я („skladsync queue release“) и изберете „Опитай пак“; иначе я махнете от опашката",
                "if the order is to be in Warehouse Pro again, release it (“skladsync queue release”) and choose “Retry”; otherwise remove it from the queue"
            ),
        ),
        OrderProblem::UnconfirmedDocument {
            document,
            number,
            reference,
            differences,
        } => {
            let why: Vec<String> = differences.iter().map(|d| difference(lang, d)).collect();
            Worded::new(
                say!(
                    lang,
                    "в Склад Pro има {} с бележка {}, но не е сигурно, че е за тази поръчка: {}",
                    "Warehouse Pro has {} with the note {}, but it is not certain that it is this order's: {}",
                    doc(*document, *number),
                    q(reference),
                    why.join("; ")
                ),
                say!(
                    lang,
                    "проверете документа в Склад Pro: ако е за тази поръчка, поправете разликата и изберете „Опитай пак“; ако не е — сменете бележката му и изберете „Опитай пак“",
                    "check the document in Warehouse Pro: if it is this order's, fix the difference and choose “Retry”; if it is not, change its note and choose “Retry”"
                ),
            )
        }
        OrderProblem::UsnIgnored { usn } => Worded::only(say!(
            lang,
            "поръчката вече носи УНП {usn} (от друга програма?); внася се без него, защото базата не е СУПТО",
            "the order already carries USN {usn} (from another program?); it is imported without it, because the database is not SUPTO"
        )),
        OrderProblem::UsnRegisterDamaged { usn } => Worded::new(
            say!(
                lang,
                "УНП {usn} в регистъра е повреден",
                "USN {usn} in the register is damaged"
            ),
            say!(lang, "свържете се с поддръжката", "contact support"),
        ),
        OrderProblem::UsnUnreadable { usn } => Worded::new(
            say!(
                lang,
                "УНП {usn} на поръчката не може да бъде разчетен",
                "the order's USN {usn} cannot be read"
            ),
            say!(
                lang,
                "проверете УНП в магазина",
                "check the USN in the shop"
            ),
        ),
        OrderProblem::UsnTaken { usn } => Worded::new(
            say!(
                lang,
                "УНП {usn} на поръчката вече е даден на друга поръчка в регистъра",
                "the order's USN {usn} is already given to another order in the register"
            ),
            say!(
                lang,
                "проверете поръчките в магазина: УНП е уникален",
                "check the orders in the shop: a USN is unique"
            ),
        ),
        OrderProblem::UsnSequenceExhausted { device, sequence } => Worded::new(
            say!(
                lang,
                "поредните номера на касов апарат {device} са изчерпани ({sequence})",
                "the sequence numbers of cash register {device} are used up ({sequence})"
            ),
            say!(
                lang,
                "изберете друг касов апарат в настройките",
                "choose another cash register in the settings"
            ),
        ),
        OrderProblem::NoFreeUsn => Worded::new(
            say!(
                lang,
                "не беше намерен свободен УНП",
                "no free USN was found"
            ),
            say!(lang, "опитайте пак", "try again"),
        ),
        OrderProblem::UsnDiffersInShop {
            document_usn,
            shop_usn,
        } => Worded::new(
            say!(
                lang,
                "документът е с УНП {document_usn}, а поръчката в магазина вече е с УНП {shop_usn}",
                "the document has USN {document_usn}, and the order in the shop already has USN {shop_usn}"
            ),
            say!(
                lang,
                "проверете коя програма е внесла поръчката; УНП в магазина не може да се смени",
                "check which program imported the order; the USN in the shop cannot be changed"
            ),
        ),
        OrderProblem::UsnNotWritten { usn, detail } => Worded::only(say!(
            lang,
            "УНП {usn} не беше записан в магазина ({detail}); ще бъде записан при следващото пускане",
            "USN {usn} was not written to the shop ({detail}); it is written on the next run"
        )),
        OrderProblem::Queued { queue, reasons } => {
            let each: Vec<String> = reasons
                .iter()
                .map(|r| order_problem(lang, r).line())
                .collect();
            Worded::only(format!(
                "{}: {}",
                lang.texts().queue_kind(*queue),
                each.join("; ")
            ))
        }
        OrderProblem::Recorded { problem, fix } => Worded {
            what: problem.clone(),
            fix: (!fix.trim().is_empty()).then(|| fix.clone()),
        },
        _ => return None,
    })
}
