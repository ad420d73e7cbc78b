//! Order listings read one order at a time: an order that cannot be decoded (a field of an odd
//! type, a number no decimal holds, an item that is not even a resource) comes back as
//! [`ListedOrder::Undecodable`] with its id and an excerpt of its JSON, and the rest of the page
//! goes on.

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;

use crate::client::{Client, HasId, Paged};
use crate::convert::{self, ORDER_INCLUDE};
use crate::decode;
use crate::error::Error;
use crate::jsonapi::{Document, Resource};
use crate::model::{Id, Order};
use crate::money::MoneyUnits;
use crate::resources::{OrderDetail, order_date_filter_value};
use crate::transport::Request;

/// How much of an undecodable order's JSON is kept for the person who looks at it.
pub const EXCERPT_CHARS: usize = 400;

/// One item of an order listing.
#[derive(Debug, Clone)]
pub enum ListedOrder {
    Order(Box<Order>),
    Undecodable(UndecodableOrder),
}

/// An order the listing returned but that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct UndecodableOrder {
    /// The order's id, when even that could not be read: `None`.
    pub id: Option<Id>,
    pub updated_at: Option<DateTime<Utc>>,
    /// What could not be read, naming the field.
    pub reason: String,
    /// The start of the item's JSON.
    pub excerpt: String,
    /// The id, or a stable stand-in made from the JSON (for de-duplicating pages).
    key: Id,
}

impl UndecodableOrder {
    /// The id, or a stand-in (`?` and a hash of the JSON) when the item has none.
    pub fn key(&self) -> &Id {
        &self.key
    }
}

impl ListedOrder {
    pub fn updated_at(&self) -> Option<DateTime<Utc>> {
        match self {
            ListedOrder::Order(o) => o.updated_at,
            ListedOrder::Undecodable(u) => u.updated_at,
        }
    }
}

impl HasId for ListedOrder {
    fn id(&self) -> &Id {
        match self {
            ListedOrder::Order(o) => &o.id,
            ListedOrder::Undecodable(u) => &u.key,
        }
    }
}

fn excerpt(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= EXCERPT_CHARS {
        text
    } else {
        let mut s: String = text.chars().take(EXCERPT_CHARS).collect();
        s.push('…');
        s
    }
}

fn fnv64(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn resource_json(r: &Resource) -> Value {
    serde_json::json!({
        "type": r.kind,
        "id": r.id.as_str(),
        "attributes": r.attributes,
    })
}

/// Every order of a listing page, each decoded on its own.
pub(crate) fn decode_listing(doc: &Document, units: MoneyUnits) -> Vec<ListedOrder> {
    let mut out = Vec::with_capacity(doc.data.len() + doc.rejected.len());
    for r in &doc.data {
        match convert::order(r, doc, units) {
            Ok(o) => out.push(ListedOrder::Order(Box::new(o))),
            Err(e) => {
                // The part that could not be read (an order line, the payment, …) first.
                let culprit = match &e {
                    Error::Decode { context, .. } => doc
                        .included
                        .iter()
                        .find(|i| format!("{}/{}", i.kind, i.id) == *context),
                    _ => None,
                };
                let mut text = culprit
                    .map(|c| excerpt(&resource_json(c)))
                    .unwrap_or_default();
                if !text.is_empty() {
                    text.push_str(" — ");
                }
                text.push_str(&excerpt(&resource_json(r)));
                out.push(ListedOrder::Undecodable(UndecodableOrder {
                    id: Some(r.id.clone()),
                    updated_at: r.attrs().timestamp("updated_at").ok().flatten(),
                    reason: e.to_string(),
                    excerpt: text,
                    key: r.id.clone(),
                }))
            }
        }
    }
    for (v, reason) in &doc.rejected {
        let id = v
            .get("id")
            .and_then(|i| decode::id(i).ok().flatten())
            .filter(|_| v.is_object());
        let updated_at = v
            .get("attributes")
            .and_then(|a| a.get("updated_at"))
            .and_then(|t| decode::timestamp(t).ok().flatten());
        let key = id
            .clone()
            .unwrap_or_else(|| Id::from(format!("?{:016x}", fnv64(&v.to_string()))));
        out.push(ListedOrder::Undecodable(UndecodableOrder {
            id,
            updated_at,
            reason: format!("{}: {reason}", doc.context),
            excerpt: excerpt(v),
            key,
        }));
    }
    out
}

/// Decode one page of an order listing (a JSON:API document), each order on its own. Public
/// for tests and fuzzing; the client's listings use the same code.
pub fn decode_orders_page(body: &Value, units: MoneyUnits) -> Result<Vec<ListedOrder>, Error> {
    let doc = Document::parse(body, "orders")?;
    Ok(decode_listing(&doc, units))
}

impl Client {
    fn order_listing_each(&self, req: Request, detail: OrderDetail) -> Paged<ListedOrder> {
        let req = match detail {
            OrderDetail::Summary => req,
            OrderDetail::Full => req.query("include", ORDER_INCLUDE),
        };
        self.paginate(req, |doc, units| Ok(decode_listing(doc, units)))
    }

    /// [`Client::orders_updated_since`], each order decoded on its own.
    pub fn orders_updated_since_each(
        &self,
        watermark: DateTime<Utc>,
        detail: OrderDetail,
    ) -> Paged<ListedOrder> {
        let req = Request::get("orders").query("sort", "-updated_at");
        self.order_listing_each(req, detail)
            .try_take_while(move |o| {
                futures::future::ready(Ok(o.updated_at().is_none_or(|t| t >= watermark)))
            })
            .boxed()
    }

    /// [`Client::orders_added_between`], each order decoded on its own.
    pub fn orders_added_between_each(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        detail: OrderDetail,
    ) -> Paged<ListedOrder> {
        let req = Request::get("orders")
            .query("filter[start_date]", order_date_filter_value(&from))
            .query("filter[end_date]", order_date_filter_value(&to))
            .query("sort", "date_added");
        self.order_listing_each(req, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::API_V2_MONEY_UNITS;
    use serde_json::json;

    #[test]
    fn one_bad_order_does_not_take_the_page_with_it() {
        let page = json!({"data": [
            {"type": "orders", "id": "1", "attributes": {"status": "pending", "price_total": 1000}},
            {"type": "orders", "id": "2", "attributes": {"price_total": {"odd": true},
                "updated_at": "2026-11-30T10:00:00+00:00"}},
            {"type": "orders", "attributes": {"price_total": 5}},
            "not an order",
            {"type": "orders", "id": 3, "attributes": {"price_total": "1e400"}},
            {"type": "orders", "id": 4, "attributes": {"price_total": 250}},
            {"type": "orders", "id": 5, "attributes": {"price_total": 250}},
        ],
        "included": [
            {"type": "order-products", "id": 51, "attributes": {"order_id": 5, "quantity": "много"}},
        ]});
        let items = decode_orders_page(&page, API_V2_MONEY_UNITS).unwrap();
        let good: Vec<&str> = items
            .iter()
            .filter_map(|i| match i {
                ListedOrder::Order(o) => Some(o.id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(good, vec!["1", "4"]);
        let bad: Vec<&UndecodableOrder> = items
            .iter()
            .filter_map(|i| match i {
                ListedOrder::Undecodable(u) => Some(u),
                _ => None,
            })
            .collect();
        assert_eq!(bad.len(), 5);
        let line = bad.iter().find(|u| u.key().as_str() == "5").unwrap();
        let (culprit, order) = (
            line.excerpt.find("много").unwrap(),
            line.excerpt.find("price_total").unwrap(),
        );
        assert!(
            culprit < order && line.reason.contains("order-products/51"),
            "the line that failed comes first: {line:?}"
        );
        assert_eq!(bad[0].id.as_ref().map(Id::as_str), Some("2"));
        assert!(bad[0].reason.contains("price_total"), "{}", bad[0].reason);
        assert!(bad[0].excerpt.contains("odd"), "{}", bad[0].excerpt);
        assert!(bad[0].updated_at.is_some());
        assert_eq!(bad[1].id.as_ref().map(Id::as_str), Some("3"));
        // No id: a stable stand-in key, different for different items.
        assert!(bad[3].id.is_none() && bad[4].id.is_none());
        assert!(bad[3].key().as_str().starts_with('?'));
        assert_ne!(bad[3].key(), bad[4].key());
    }

    #[test]
    fn excerpts_are_short() {
        let long = json!({"x": "я".repeat(5000)});
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
    }
}
