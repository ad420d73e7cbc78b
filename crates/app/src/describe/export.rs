//! The export's and the product pull's problems and notes.

use skladsync_engine::report::{ExportNote, ExportProblem, PullNote, PullProblem};
use skladsync_engine::settings::CompareBy;

use super::{Worded, list, money, number, say};
use crate::texts::Lang;

/// The field of a Склад Pro good the shop is compared by.
fn good_field(lang: Lang, c: CompareBy) -> &'static str {
    match (lang, c) {
        (Lang::Bg, CompareBy::BarcodeToBarcode1) => "Баркод 1",
        (Lang::Bg, CompareBy::SkuToBarcode2) => "Баркод 2",
        (Lang::Bg, CompareBy::SkuToCode) => "Код",
        (Lang::En, CompareBy::BarcodeToBarcode1) => "Barcode 1",
        (Lang::En, CompareBy::SkuToBarcode2) => "Barcode 2",
        (Lang::En, CompareBy::SkuToCode) => "Code",
    }
}

/// The field of a shop variant the goods are compared by.
fn shop_field(lang: Lang, c: CompareBy) -> &'static str {
    match (lang, c) {
        (Lang::Bg, CompareBy::BarcodeToBarcode1) => "баркод",
        (Lang::En, CompareBy::BarcodeToBarcode1) => "barcode",
        (_, _) => "SKU",
    }
}

pub fn export_problem(lang: Lang, p: &ExportProblem) -> Worded {
    let t = lang.texts();
    match p {
        ExportProblem::NoKey { compare_by } => {
            let f = good_field(lang, *compare_by);
            Worded::new(
                say!(lang, "няма {f}", "no {f}"),
                say!(
                    lang,
                    "въведете го в Склад Pro или сменете „{}“",
                    "enter it in Warehouse Pro or change “{}”",
                    t.compare_by
                ),
            )
        }
        ExportProblem::KeyNotUnique {
            compare_by,
            key,
            goods,
        } => {
            let f = good_field(lang, *compare_by);
            Worded::new(
                say!(
                    lang,
                    "{f} {key} се повтаря при стоки {}",
                    "{f} {key} is on goods {}",
                    list(goods)
                ),
                say!(lang, "направете го уникален", "make it unique"),
            )
        }
        ExportProblem::VariantsShareCode => Worded::new(
            say!(
                lang,
                "разновидностите имат общ код",
                "the variants share one code"
            ),
            say!(
                lang,
                "сравнявайте по баркод или по SKU ↔ Баркод 2",
                "compare by barcode or by SKU ↔ Barcode 2"
            ),
        ),
        ExportProblem::TooManyParameters { parameters, max } => Worded::new(
            say!(
                lang,
                "разновидността има {} параметъра ({})",
                "the variant has {} parameters ({})",
                parameters.len(),
                list(parameters)
            ),
            say!(
                lang,
                "магазинът приема най-много {max}",
                "the shop takes at most {max}"
            ),
        ),
        ExportProblem::MissingParameterValues { parameters } => Worded::new(
            say!(
                lang,
                "липсва стойност за {} в полетата Каталог",
                "no value for {} in the Catalog fields",
                list(parameters)
            ),
            say!(
                lang,
                "въведете „{}-…“ в Каталог",
                "enter “{}-…” in a Catalog field",
                parameters.first().map(String::as_str).unwrap_or_default()
            ),
        ),
        ExportProblem::SameVariantAs { options, good } => Worded::only(say!(
            lang,
            "същата разновидност ({}) е и стока {good}",
            "good {good} is the same variant ({})",
            options.join(" / ")
        )),
        ExportProblem::UnreadableRow { field, detail } => Worded::only(say!(
            lang,
            "полето {field} не може да бъде прочетено: {detail}",
            "the field {field} cannot be read: {detail}"
        )),
        ExportProblem::NoSuchVatGroup { vat_group } => Worded::new(
            say!(
                lang,
                "ДДС група {vat_group} не съществува",
                "VAT group {vat_group} does not exist"
            ),
            say!(
                lang,
                "задайте ДДС група на стоката в Склад Pro",
                "give the good a VAT group in Warehouse Pro"
            ),
        ),
        ExportProblem::VatGroupWithoutShopClass { vat_group } => Worded::new(
            say!(
                lang,
                "ДДС група {vat_group} няма съответен ДДС клас в магазина",
                "VAT group {vat_group} has no VAT class of the shop"
            ),
            say!(
                lang,
                "добавете го в „{}“",
                "add it under “{}”",
                t.vat_classes
            ),
        ),
        ExportProblem::NoPrice { price, shop_price } => Worded::new(
            say!(
                lang,
                "цената {} става {} в магазина",
                "the price {} becomes {} in the shop",
                money(lang, *price),
                number(lang, *shop_price)
            ),
            say!(
                lang,
                "въведете цена в Склад Pro",
                "enter a price in Warehouse Pro"
            ),
        ),
        ExportProblem::GoodsGroupGone => Worded::new(
            say!(
                lang,
                "вече не съществува в Склад Pro",
                "no longer exists in Warehouse Pro"
            ),
            say!(
                lang,
                "махнете я от „Групи от стоки“; останалите групи се изпращат",
                "remove it from “Goods groups”; the other groups are sent"
            ),
        ),
        ExportProblem::ShopKeyTwice {
            compare_by,
            variants,
        } => Worded::new(
            say!(
                lang,
                "{} е еднакъв при {} разновидности ({})",
                "the {} is the same on {} variants ({})",
                shop_field(lang, *compare_by),
                variants.len(),
                list(variants)
            ),
            say!(
                lang,
                "направете го уникален в магазина",
                "make it unique in the shop"
            ),
        ),
        ExportProblem::VariantDeletedInShop => Worded::only(say!(
            lang,
            "разновидността е изтрита в магазина; ще бъде създадена отново при следващия експорт",
            "the variant was deleted in the shop; the next export makes it again"
        )),
        ExportProblem::NotInShop => Worded::new(
            say!(lang, "няма я в магазина", "not in the shop"),
            say!(
                lang,
                "включете „Експорт стоки от Склад Pro“, за да бъде създадена",
                "turn on “Export goods from Warehouse Pro” to have it made"
            ),
        ),
        ExportProblem::ProductWithoutVariants => Worded::only(say!(
            lang,
            "продуктът в магазина няма разновидности",
            "the shop's product has no variants"
        )),
        ExportProblem::WouldUpdate { quantity, price } => {
            let was = |v: &Option<rust_decimal::Decimal>| {
                v.map(|d| number(lang, d)).unwrap_or_else(|| "—".into())
            };
            let mut what = Vec::new();
            if let Some((old, new)) = quantity {
                what.push(say!(
                    lang,
                    "количество {} → {}",
                    "quantity {} → {}",
                    was(old),
                    number(lang, *new)
                ));
            }
            if let Some((old, new)) = price {
                what.push(say!(
                    lang,
                    "цена {} → {}",
                    "price {} → {}",
                    was(old),
                    number(lang, *new)
                ));
            }
            Worded::only(say!(
                lang,
                "ще се обнови: {}",
                "would be updated: {}",
                what.join(", ")
            ))
        }
        ExportProblem::Reconciled { quantity, price } => {
            let was = |v: &Option<rust_decimal::Decimal>| {
                v.map(|d| number(lang, d)).unwrap_or_else(|| "—".into())
            };
            let mut what = Vec::new();
            if let Some((shop, now)) = quantity {
                what.push(say!(
                    lang,
                    "количество в магазина {}, в Склад Pro {}",
                    "quantity in the shop {}, in Warehouse Pro {}",
                    was(shop),
                    number(lang, *now)
                ));
            }
            if let Some((shop, now)) = price {
                what.push(say!(
                    lang,
                    "цена в магазина {}, от Склад Pro {}",
                    "price in the shop {}, from Warehouse Pro {}",
                    was(shop),
                    number(lang, *now)
                ));
            }
            Worded::only(say!(
                lang,
                "сверяване: {} — поправено в магазина",
                "reconciliation: {} — set right in the shop",
                what.join("; ")
            ))
        }
        ExportProblem::WouldZero => Worded::only(say!(
            lang,
            "количеството ще се нулира: стоката вече не е в избраните групи",
            "the quantity would be set to zero: the good left the chosen groups"
        )),
        ExportProblem::WouldRekey { key } => Worded::only(say!(
            lang,
            "ще получи новия код за сравнение {key}",
            "would get the new compare key {key}"
        )),
        ExportProblem::WouldCreate {
            in_existing_product,
            compare_by,
            key,
            price,
            quantity,
        } => {
            let how = match (lang, in_existing_product) {
                (Lang::Bg, true) => " като нова разновидност",
                (Lang::En, true) => " as a new variant",
                (_, false) => "",
            };
            Worded::only(say!(
                lang,
                "ще се създаде{how}: {} {key}, цена {}, количество {}",
                "would be made{how}: {} {key}, price {}, quantity {}",
                shop_field(lang, *compare_by),
                number(lang, *price),
                number(lang, *quantity)
            ))
        }
    }
}

pub fn export_note(lang: Lang, n: &ExportNote) -> String {
    match n {
        ExportNote::OnlyChanges => say!(
            lang,
            "Магазинът е познат от дневника: изпращат се само промените",
            "The journal knows the shop: only the changes are sent"
        ),
        ExportNote::NothingMatched => say!(
            lang,
            "Нито една стока не беше съпоставена с магазина: проверете „{}“ и групите стоки",
            "Not one good was matched with the shop: check “{}” and the goods groups",
            lang.texts().compare_by
        ),
    }
}

pub fn pull_problem(lang: Lang, p: &PullProblem) -> Worded {
    match p {
        PullProblem::NoKey { compare_by } => {
            let f = shop_field(lang, *compare_by);
            Worded::new(
                say!(lang, "няма {f} в магазина", "no {f} in the shop"),
                say!(
                    lang,
                    "въведете го, за да може стоката да бъде съпоставена",
                    "enter it, so that the good can be matched"
                ),
            )
        }
        PullProblem::TooManyParameters { max } => Worded::only(say!(
            lang,
            "повече от {max} параметъра",
            "more than {max} parameters"
        )),
        PullProblem::VatClassUnmapped {
            shop_class,
            vat_group,
        } => Worded::new(
            say!(
                lang,
                "ДДС класът „{}“ на продукта няма ДДС група в „ДДС групи“: стоката получава стандартната ДДС група {vat_group}",
                "the product's VAT class “{}” has no VAT group in the VAT mapping: the good gets the standard VAT group {vat_group}",
                shop_class.as_deref().unwrap_or("—")
            ),
            say!(lang, "проверете я в Склад Pro", "check it in Warehouse Pro"),
        ),
        PullProblem::Refused { detail } => Worded::only(say!(
            lang,
            "Склад Pro отказа стоката: {detail}",
            "Warehouse Pro refused the good: {detail}"
        )),
        PullProblem::WouldUpdate { name, barcodes } => Worded::only(say!(
            lang,
            "ще се обнови: име „{name}“, баркодове {}",
            "would be updated: name “{name}”, barcodes {}",
            barcodes
                .iter()
                .filter(|b| !b.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )),
        PullProblem::WouldCreate {
            key,
            price,
            catalogs,
        } => Worded::only(say!(
            lang,
            "ще се създаде: {key}, цена {}, каталог {}",
            "would be made: {key}, price {}, catalog {}",
            number(lang, *price),
            catalogs
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

pub fn pull_note(lang: Lang, n: &PullNote) -> String {
    match n {
        PullNote::DoneAndTurnedOff => say!(
            lang,
            "Изтеглянето на стоки завърши успешно; настройката „Изтегляне на стоки от CloudCart“ е изключена",
            "The product pull ended clean; the setting “Pull products from CloudCart” is turned off"
        ),
        PullNote::HadErrors => say!(
            lang,
            "Изтеглянето завърши с грешки: поправете ги и стартирайте отново (съществуващите стоки само се обновяват)",
            "The pull ended with errors: fix them and run it again (existing goods are only updated)"
        ),
    }
}
