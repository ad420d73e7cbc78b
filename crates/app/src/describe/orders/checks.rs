//! The problems found when an order is checked before anything is written: its data and
//! bounds, its lines and their goods, its totals, the special goods, the payment and the
//! partner's numbers.

use skladsync_engine::report::{Money, OrderProblem};

use super::super::{Worded, list, money, number, say};
use super::words::{charge, key_field, key_name, order_value, quoted, special_field};
use crate::texts::Lang;

/// The words of one of this module's problems (`None`: another module's).
pub(super) fn word(lang: Lang, p: &OrderProblem) -> Option<Worded> {
    let q = |s: &str| quoted(lang, s);
    let m = |a: &Money| money(lang, *a);
    let n = |d: &rust_decimal::Decimal| number(lang, *d);
    let enter_by_hand = || {
        say!(
            lang,
            "проверете поръчката в магазина; ако е вярна, въведете я ръчно в Склад Pro",
            "check the order in the shop; if it is right, enter it by hand in Warehouse Pro"
        )
    };
    Some(match p {
        OrderProblem::Undecodable { reason, excerpt } => {
            let excerpt = match excerpt {
                Some(e) => say!(lang, "; начало на данните: {e}", "; the data begins: {e}"),
                None => String::new(),
            };
            Worded::new(
                say!(
                    lang,
                    "данните на поръчката от магазина не могат да бъдат прочетени ({reason}){excerpt}",
                    "the shop's data of the order cannot be read ({reason}){excerpt}"
                ),
                say!(
                    lang,
                    "поправете поръчката в магазина (след промяната тя се внася сама) или я въведете ръчно в Склад Pro и я махнете от опашката",
                    "correct the order in the shop (once changed, it is imported by itself), or enter it by hand in Warehouse Pro and remove it from the queue"
                ),
            )
        }
        OrderProblem::GoneFromShop => Worded::new(
            say!(
                lang,
                "поръчката вече не съществува в магазина",
                "the order no longer exists in the shop"
            ),
            say!(lang, "махнете я от опашката", "remove it from the queue"),
        ),
        OrderProblem::NotReadFromShop { detail } => Worded::only(say!(
            lang,
            "не беше прочетена от магазина ({detail}); остава в опашката",
            "it could not be read from the shop ({detail}); it stays in the queue"
        )),
        OrderProblem::IdTooLong { start, max } => Worded::new(
            say!(
                lang,
                "номерът на поръчката е по-дълъг от {max} знака ({})",
                "the order number is longer than {max} characters ({})",
                q(&format!("{start}…"))
            ),
            say!(
                lang,
                "въведете поръчката ръчно в Склад Pro",
                "enter the order by hand in Warehouse Pro"
            ),
        ),
        OrderProblem::TooManyLines { lines, max } => Worded::new(
            say!(
                lang,
                "поръчката има {lines} реда, а най-много се внасят {max}",
                "the order has {lines} lines, and at most {max} are imported"
            ),
            say!(
                lang,
                "въведете поръчката ръчно в Склад Pro или увеличете границата (max_lines) в настройките за импорт",
                "enter the order by hand in Warehouse Pro, or raise the limit (max_lines) in the import settings"
            ),
        ),
        OrderProblem::OutOfBounds {
            value,
            number,
            max,
            max_decimals,
        } => Worded::new(
            say!(
                lang,
                "{} {} е извън границите (до {max}, до {max_decimals} знака след запетаята)",
                "{} {} is out of bounds (at most {max}, with at most {max_decimals} decimal places)",
                order_value(lang, value),
                n(number)
            ),
            enter_by_hand(),
        ),
        OrderProblem::NoLines => Worded::new(
            say!(lang, "поръчката няма редове", "the order has no lines"),
            say!(
                lang,
                "прочетете я отново от магазина; ако наистина е празна, пропуснете я",
                "read it again from the shop; if it really is empty, skip it"
            ),
        ),
        OrderProblem::NoTotal => Worded::new(
            say!(
                lang,
                "магазинът не даде обща сума на поръчката",
                "the shop gave no total for the order"
            ),
            say!(
                lang,
                "прочетете поръчката отново (Опитай пак)",
                "read the order again (Retry)"
            ),
        ),
        OrderProblem::UnsupportedCurrency { order, database } => Worded::new(
            say!(
                lang,
                "поръчката е във валута {order}, а базата данни е в {database}",
                "the order is in {order} and the database in {database}"
            ),
            say!(
                lang,
                "внасят се само поръчки в лева или евро; въведете поръчката ръчно",
                "only orders in leva or euro are imported; enter the order by hand"
            ),
        ),
        OrderProblem::UnknownTimeZone { name } => Worded::new(
            say!(
                lang,
                "часовата зона {} в настройките не е известна",
                "the time zone {} of the settings is not known",
                q(name)
            ),
            say!(
                lang,
                "поправете часовата зона в настройките за импорт (Europe/Sofia)",
                "correct the time zone in the import settings (Europe/Sofia)"
            ),
        ),
        OrderProblem::LineWithoutKey { compare_by, line } => {
            let (name, field) = (key_name(lang, *compare_by), key_field(lang, *compare_by));
            Worded::new(
                say!(
                    lang,
                    "ред {} няма {name} в магазина",
                    "line {} has no {name} in the shop",
                    q(line)
                ),
                say!(
                    lang,
                    "въведете {name} на продукта в магазина и в полето {} на стоката в Склад Pro",
                    "enter the product's {name} in the shop, and in the good's field {} in Warehouse Pro",
                    q(field)
                ),
            )
        }
        OrderProblem::NoGoodWithKey {
            compare_by,
            key,
            line,
        } => {
            let (name, field) = (key_name(lang, *compare_by), key_field(lang, *compare_by));
            Worded::new(
                say!(
                    lang,
                    "няма стока с {field} {key} ({})",
                    "no good has {field} {key} ({})",
                    q(line)
                ),
                say!(
                    lang,
                    "добавете стоката в Склад Pro с {field} {key} или поправете {name} в магазина, после „Опитай пак“",
                    "add the good in Warehouse Pro with {field} {key}, or correct the {name} in the shop, then “Retry”"
                ),
            )
        }
        OrderProblem::KeyOnSeveralGoods {
            compare_by,
            key,
            goods,
        } => {
            let field = key_field(lang, *compare_by);
            Worded::new(
                say!(
                    lang,
                    "{field} {key} е на {} стоки ({})",
                    "{field} {key} is on {} goods ({})",
                    goods.len(),
                    list(goods)
                ),
                say!(
                    lang,
                    "направете {field} уникален в Склад Pro",
                    "make {field} unique in Warehouse Pro"
                ),
            )
        }
        OrderProblem::NoSuchVatGroup {
            good,
            name,
            vat_group,
        } => Worded::new(
            say!(
                lang,
                "стока {good} {} е с ДДС група {vat_group}, която не съществува",
                "good {good} {} has VAT group {vat_group}, which does not exist",
                q(name)
            ),
            say!(
                lang,
                "задайте ДДС група на стоката в Склад Pro",
                "set the good's VAT group in Warehouse Pro"
            ),
        ),
        OrderProblem::BadQuantity {
            compare_by,
            key,
            quantity,
        } => {
            let name = key_name(lang, *compare_by);
            Worded::new(
                say!(
                    lang,
                    "ред {name} {key}: количество {}",
                    "line {name} {key}: quantity {}",
                    n(quantity)
                ),
                say!(
                    lang,
                    "поправете количеството в магазина",
                    "correct the quantity in the shop"
                ),
            )
        }
        OrderProblem::LineWithoutPrice { compare_by, key } => {
            let name = key_name(lang, *compare_by);
            Worded::new(
                say!(
                    lang,
                    "ред {name} {key} няма цена",
                    "line {name} {key} has no price"
                ),
                say!(
                    lang,
                    "прочетете поръчката отново; ако цената липсва, въведете поръчката ръчно",
                    "read the order again; if the price is missing, enter the order by hand"
                ),
            )
        }
        OrderProblem::TotalsDoNotAddUp {
            lines,
            discount,
            delivery,
            fees,
            shop_total,
        } => {
            let sum = Money::new(
                lines.amount + discount.amount + delivery.amount + fees.amount,
                shop_total.currency,
            );
            let off = Money::new(shop_total.amount - sum.amount, shop_total.currency);
            Worded::new(
                say!(
                    lang,
                    "сумите не се връзват: редове {} + отстъпка {} + доставка {} + такси {} = {}, а магазинът казва {} (разлика {})",
                    "the amounts do not add up: lines {} + discount {} + delivery {} + fees {} = {}, and the shop says {} (a difference of {})",
                    m(lines),
                    m(discount),
                    m(delivery),
                    m(fees),
                    m(&sum),
                    m(shop_total),
                    m(&off)
                ),
                say!(
                    lang,
                    "проверете поръчката в магазина; ако е правилна, въведете я ръчно в Склад Pro",
                    "check the order in the shop; if it is right, enter it by hand in Warehouse Pro"
                ),
            )
        }
        OrderProblem::ConvertedTotalMismatch {
            document,
            shop_total,
            converted,
            difference,
        } => Worded::new(
            say!(
                lang,
                "сумата на документа {} не отговаря на сумата в магазина {} (= {}; разлика {})",
                "the document's total {} does not match the shop's total {} (= {}; a difference of {})",
                m(document),
                m(shop_total),
                m(converted),
                m(difference)
            ),
            say!(
                lang,
                "проверете цените в поръчката; ако са правилни, въведете я ръчно в Склад Pro",
                "check the prices in the order; if they are right, enter it by hand in Warehouse Pro"
            ),
        ),
        OrderProblem::TotalMismatch {
            document,
            shop_total,
            difference,
        } => Worded::new(
            say!(
                lang,
                "сумата на документа {} не е равна на сумата в магазина {} (разлика {})",
                "the document's total {} is not the shop's total {} (a difference of {})",
                m(document),
                m(shop_total),
                m(difference)
            ),
            say!(
                lang,
                "проверете ДДС групите на стоките и цените в поръчката; ако са правилни, въведете поръчката ръчно",
                "check the goods' VAT groups and the prices in the order; if they are right, enter the order by hand"
            ),
        ),
        OrderProblem::ConversionRounding {
            document,
            shop_total,
            converted,
            difference,
        } => Worded::only(say!(
            lang,
            "превалутиране: документът е {}, сумата в магазина {} = {} (разлика {} от закръгляне на единичните цени)",
            "currency conversion: the document is {}, the shop's total {} = {} (a difference of {} from rounding the unit prices)",
            m(document),
            m(shop_total),
            m(converted),
            m(difference)
        )),
        OrderProblem::Rounding {
            document,
            shop_total,
            difference,
        } => Worded::only(say!(
            lang,
            "закръгляне: документът е {}, сумата в магазина {} (разлика {} от закръглянето на всеки ред, както го закръгля Склад Pro)",
            "rounding: the document is {}, the shop's total {} (a difference of {} from rounding each line, as Warehouse Pro rounds it)",
            m(document),
            m(shop_total),
            m(difference)
        )),
        OrderProblem::SpecialGoodNotChosen { special, fee } => {
            let field = q(special_field(lang, *special));
            Worded::new(
                say!(
                    lang,
                    "поръчката има {}, а специалната стока {field} не е избрана",
                    "the order has {}, and no good is chosen as the special good {field}",
                    charge(lang, *special, fee.as_deref())
                ),
                say!(
                    lang,
                    "изберете стока за {field} в настройките за импорт",
                    "choose a good for {field} in the import settings"
                ),
            )
        }
        OrderProblem::NoSuchSpecialGood { special, id } => {
            let field = q(special_field(lang, *special));
            Worded::new(
                say!(
                    lang,
                    "специалната стока {field} (ID {id}) не съществува в Склад Pro",
                    "the special good {field} (ID {id}) does not exist in Warehouse Pro"
                ),
                say!(
                    lang,
                    "изберете съществуваща стока за {field} в настройките за импорт",
                    "choose an existing good for {field} in the import settings"
                ),
            )
        }
        OrderProblem::SpecialGoodWithoutVatGroup { special, vat_group } => {
            let field = q(special_field(lang, *special));
            Worded::new(
                say!(
                    lang,
                    "специалната стока {field} е с несъществуваща ДДС група {vat_group}",
                    "the special good {field} has VAT group {vat_group}, which does not exist"
                ),
                say!(
                    lang,
                    "задайте ДДС група на стоката в Склад Pro",
                    "set the good's VAT group in Warehouse Pro"
                ),
            )
        }
        OrderProblem::NoSuchDiscountGood { id } => Worded::new(
            say!(
                lang,
                "стоката за отстъпка с ID {id} не съществува в Склад Pro",
                "the discount good with ID {id} does not exist in Warehouse Pro"
            ),
            say!(
                lang,
                "изберете съществуваща стока сред стоките за отстъпка с други ставки ДДС в настройките за импорт",
                "choose an existing good among the discount goods of other VAT rates in the import settings"
            ),
        ),
        OrderProblem::NoDiscountGoodForRate {
            amount,
            rate,
            good,
            good_rate,
        } => Worded::new(
            say!(
                lang,
                "поръчката има обща отстъпка {} върху стоки с ДДС {} %, а стоката за отстъпка {} е с ДДС {} %",
                "the order has a whole-order discount of {} on goods with {} % VAT, and the discount good {} has {} % VAT",
                m(amount),
                n(rate),
                q(good),
                n(good_rate)
            ),
            say!(
                lang,
                "добавете в Склад Pro стока за отстъпка с ДДС {} % и я изберете сред стоките за отстъпка с други ставки ДДС в настройките за импорт",
                "add a discount good with {} % VAT in Warehouse Pro, and choose it among the discount goods of other VAT rates in the import settings",
                n(rate)
            ),
        ),
        OrderProblem::PaymentNotMapped { provider } => match provider {
            Some(p) => Worded::new(
                say!(
                    lang,
                    "начинът на плащане {} няма съответен тип плащане",
                    "the payment method {} has no payment type",
                    q(p)
                ),
                say!(
                    lang,
                    "добавете {} в „Типове плащане“ в настройките за импорт",
                    "add {} under “Payment types” in the import settings",
                    q(p)
                ),
            ),
            None => Worded::new(
                say!(
                    lang,
                    "начинът на плащане „(няма)“ няма съответен тип плащане",
                    "the order has no payment method, and none is mapped to a payment type"
                ),
                say!(
                    lang,
                    "добавете начин на плащане без име в „Типове плащане“ в настройките за импорт или въведете поръчката ръчно",
                    "add a payment method without a name under “Payment types” in the import settings, or enter the order by hand"
                ),
            ),
        },
        OrderProblem::NoSuchPaymentType { id, provider } => Worded::new(
            say!(
                lang,
                "тип плащане {id} (за {}) не съществува в Склад Pro",
                "payment type {id} (for {}) does not exist in Warehouse Pro",
                q(provider)
            ),
            say!(
                lang,
                "изберете съществуващ тип плащане в настройките за импорт",
                "choose an existing payment type in the import settings"
            ),
        ),
        OrderProblem::SaleWithLots => Worded::new(
            say!(
                lang,
                "базата данни води стоките по партиди (FIFO/LIFO/…): програмата пише там само Поръчки",
                "the database keeps goods by lots (FIFO/LIFO/…): the program writes only Orders there"
            ),
            say!(
                lang,
                "махнете статусите от „Кога поръчката се трансформира в продажба“ и изберете вид „Поръчка“; продажбата направете в Склад Pro",
                "remove the statuses from “When an order becomes a sale” and choose the type “Order”; make the sale in Warehouse Pro"
            ),
        ),
        OrderProblem::InvalidRegistration { value } => Worded::new(
            say!(
                lang,
                "ЕИК/ЕГН {} е невалиден (контролната цифра не съвпада): партньорът е записан без Булстат",
                "the company id (EIK/EGN) {} is not valid (its check digit does not match): the partner is written without it",
                q(value)
            ),
            say!(
                lang,
                "поправете го в Склад Pro",
                "correct it in Warehouse Pro"
            ),
        ),
        OrderProblem::InvalidVatNumber { value } => Worded::new(
            say!(
                lang,
                "ДДС номер {} е невалиден: партньорът е записан без ДДС номер",
                "the VAT number {} is not valid: the partner is written without a VAT number",
                q(value)
            ),
            say!(
                lang,
                "поправете го в Склад Pro",
                "correct it in Warehouse Pro"
            ),
        ),
        _ => return None,
    })
}
