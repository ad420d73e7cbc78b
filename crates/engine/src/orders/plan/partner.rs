//! The partner of an order, from its billing address: the keys it is found by in Склад Pro and
//! the data written for it.

use skladsync_cloudcart::{Address, Order};
use skladsync_warehouse::{PartnerData, PartnerKey};

use crate::orders::ids;
use crate::report::OrderProblem;

fn text(s: &Option<String>) -> String {
    s.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

/// The partner of an order from its billing address: keys to find it by, the data to write,
/// and warnings about numbers whose check digits do not fit.
pub fn partner_of(order: &Order) -> (Vec<PartnerKey>, PartnerData, Vec<OrderProblem>) {
    let empty = Address::default();
    let b = order.billing_address.as_ref().unwrap_or(&empty);
    let mut warnings = Vec::new();
    let person = [text(&b.first_name), text(&b.last_name)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let person = if person.is_empty() {
        [
            text(&order.customer_first_name),
            text(&order.customer_last_name),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    } else {
        person
    };
    let company = text(&b.company_name);
    let email = text(&order.customer_email);
    let mut eik = String::new();
    let raw_reg = text(&b.company_registration_number);
    if !raw_reg.is_empty() {
        match ids::registration_kind(&raw_reg) {
            Some(_) => {
                let n = ids::normalize(&raw_reg);
                eik = n.strip_prefix("BG").unwrap_or(&n).to_owned();
            }
            None => warnings.push(OrderProblem::InvalidRegistration { value: raw_reg }),
        }
    }
    let mut vat_number = String::new();
    let raw_vat = text(&b.company_vat);
    if !raw_vat.is_empty() {
        let n = ids::normalize(&raw_vat);
        let looks_bg = n.starts_with("BG") || n.bytes().all(|c| c.is_ascii_digit());
        if looks_bg {
            if ids::is_bg_vat(&n) {
                vat_number = ids::canonical_bg_vat(&n);
            } else {
                warnings.push(OrderProblem::InvalidVatNumber { value: raw_vat });
            }
        } else {
            // A foreign (EU) VAT number: kept as given, its check digits are not ours to know.
            vat_number = n;
        }
    }
    let street = [text(&b.street), text(&b.street_number)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let address = [text(&b.post_code), street]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let is_company = !company.is_empty();
    let data = PartnerData {
        company: if is_company {
            company.clone()
        } else if !person.is_empty() {
            person.clone()
        } else {
            email.clone()
        },
        mol: if is_company {
            let p = text(&b.company_person);
            if p.is_empty() { person.clone() } else { p }
        } else {
            person.clone()
        },
        city: text(&b.city),
        address,
        phone: text(&b.phone),
        email: email.clone(),
        vat_number: vat_number.clone(),
        eik: eik.clone(),
    };
    let mut keys = Vec::new();
    if is_company {
        if !eik.is_empty() {
            keys.push(PartnerKey::Eik(eik));
        }
        if !vat_number.is_empty() {
            keys.push(PartnerKey::VatNumber(vat_number));
        }
    }
    if keys.is_empty() && !email.is_empty() {
        keys.push(PartnerKey::Email(email));
    }
    (keys, data, warnings)
}
