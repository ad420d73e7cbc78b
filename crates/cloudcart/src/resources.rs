//! The API calls the sync needs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures::{FutureExt, StreamExt, TryStreamExt};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::client::{Client, Paged, first};
use crate::convert::{self, ORDER_INCLUDE};
use crate::error::Error;
use crate::jsonapi::{Body, Document, Wire};
use crate::model::*;
use crate::transport::{Request, Retry};

fn yes_no(b: bool) -> Wire {
    Wire::Str(if b { "yes" } else { "no" }.to_owned())
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Filters of [`Client::products`]. Empty filters list every product.
#[derive(Debug, Clone, Default)]
pub struct ProductsQuery {
    /// `filter[sku]` (matched on the variants; returns the parent product).
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub category_id: Option<Id>,
    pub active: Option<bool>,
    /// `include=variants`.
    pub with_variants: bool,
}

/// Filters of [`Client::variants`].
#[derive(Debug, Clone, Default)]
pub struct VariantsQuery {
    pub sku: Option<String>,
    pub barcode: Option<String>,
    /// `filter[item_id]`: the variants of one product.
    pub product_id: Option<Id>,
}

/// A new product. `POST /products` creates no variant; see [`Client::create_simple_product`].
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: String,
    /// Required by CloudCart.
    pub category_id: Id,
    pub active: bool,
    /// Sent explicitly: the API defaults it to "no".
    pub tracking: bool,
    pub description: Option<String>,
    pub url_handle: Option<String>,
    /// The variant parameters of a product with variants (`parameter1`…`parameter3`, at most
    /// three); empty for a simple product.
    pub parameter_ids: Vec<Id>,
}

/// Product fields to change (only the `Some` ones are sent).
#[derive(Debug, Clone, Default)]
pub struct ProductUpdate {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub tracking: Option<bool>,
    pub description: Option<String>,
}

/// A new variant. Prices are major units (converted by the client's [`crate::MoneyUnits`]).
#[derive(Debug, Clone, Default)]
pub struct NewVariant {
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: Decimal,
    /// `None`: not sent (unlimited).
    pub quantity: Option<Decimal>,
    /// `option1..3`, one per parameter of the product; empty for a simple product.
    pub option_ids: Vec<Id>,
}

/// Variant fields to set (absolute values; only the `Some` ones are sent).
#[derive(Debug, Clone, Default)]
pub struct VariantUpdate {
    pub quantity: Option<Decimal>,
    pub price: Option<Decimal>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
}

/// How much of an order to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDetail {
    /// The order's own attributes only.
    #[default]
    Summary,
    /// Plus lines, payment, discounts, totals, taxes, shipping and both addresses.
    Full,
}

/// A new webhook (one row per event).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub event: String,
    pub active: bool,
    /// `true`: v2 payload for `order.*`.
    pub new_version: bool,
    pub request_headers: BTreeMap<String, String>,
}

/// Webhook fields to change. `request_headers` replaces all headers.
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    pub url: Option<String>,
    pub active: Option<bool>,
    pub request_headers: Option<BTreeMap<String, String>>,
}

/// The value of `filter[start_date]` / `filter[end_date]` on orders: `YYYY-MM-DD HH:MM:SS`, UTC.
/// (Unconfirmed whether the API reads a time part and which zone; see the README.)
pub fn order_date_filter_value(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

impl Client {
    fn decode_all<T>(
        doc: &Document,
        f: impl Fn(&crate::jsonapi::Resource) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        doc.check_all_readable()?;
        doc.data.iter().map(f).collect()
    }

    // ----- products ---------------------------------------------------------------------

    /// `GET /products`, sorted by id.
    pub fn products(&self, q: ProductsQuery) -> Paged<Product> {
        let mut req = Request::get("products").query("sort", "id");
        if let Some(s) = q.sku {
            req = req.query("filter[sku]", s);
        }
        if let Some(b) = q.barcode {
            req = req.query("filter[barcode]", b);
        }
        if let Some(c) = q.category_id {
            req = req.query("filter[category_id]", c.to_string());
        }
        if let Some(a) = q.active {
            req = req.query("filter[active]", if a { "yes" } else { "no" });
        }
        if q.with_variants {
            req = req.query("include", "variants");
        }
        self.paginate(req, |doc, units| {
            Self::decode_all(doc, |r| convert::product(r, doc, units))
        })
    }

    /// `GET /products/{id}?include=variants`.
    pub async fn product(&self, id: &Id) -> Result<Product, Error> {
        let req = Request::get(format!("products/{id}")).query("include", "variants");
        let doc = self.send_doc(&req).await?;
        let units = self.inner.units;
        first(&doc, |r| convert::product(r, &doc, units), &req.context())
    }

    /// `POST /products`. On an ambiguous failure, a product with the same name in the same
    /// category and without variants (i.e. just created and not yet completed) is taken as
    /// this create's result instead of posting again.
    pub async fn create_product(&self, new: &NewProduct) -> Result<Product, Error> {
        let mut body = Body::new("products")
            .attr("name", Wire::Str(new.name.clone()))
            .attr("active", yes_no(new.active))
            .attr("tracking", yes_no(new.tracking))
            .attr_opt("description", new.description.clone().map(Wire::Str))
            .attr_opt("url_handle", new.url_handle.clone().map(Wire::Str))
            .relate("category", "categories", &new.category_id);
        if new.parameter_ids.len() > 3 {
            return Err(Error::InvalidInput(format!(
                "a product has at most 3 variant parameters, {} were given",
                new.parameter_ids.len()
            )));
        }
        const PARAMETER_RELS: [&str; 3] = ["parameter1", "parameter2", "parameter3"];
        for (rel, id) in PARAMETER_RELS.iter().zip(&new.parameter_ids) {
            body = body.relate(rel, "variant-parameters", id);
        }
        let req = Request::with_body(Method::POST, "products", body.to_bytes()?, Retry::Unsafe);
        let ctx = req.context();
        self.create(
            req,
            |doc, units| first(doc, |r| convert::product(r, doc, units), &ctx),
            || self.find_unfinished_product(new).boxed(),
        )
        .await
    }

    async fn find_unfinished_product(&self, new: &NewProduct) -> Result<Option<Product>, Error> {
        let req = Request::get("products")
            .query("filter[name]", new.name.clone())
            .query("filter[category_id]", new.category_id.to_string())
            .query("include", "variants")
            .query("sort", "-id");
        let found: Vec<Product> = self
            .paginate(req, |doc, units| {
                Self::decode_all(doc, |r| convert::product(r, doc, units))
            })
            .try_filter(|p| {
                futures::future::ready(
                    p.name == new.name
                        && p.category_id.as_ref().is_none_or(|c| *c == new.category_id)
                        && p.variants.is_empty()
                        && p.default_variant_id.is_none(),
                )
            })
            .take(1)
            .try_collect()
            .await?;
        Ok(found.into_iter().next())
    }

    /// Creates a simple product: `POST /products`, then its one variant (`POST /variants`).
    /// Both steps follow the never-write-twice rule, so a repeated call after a failure
    /// completes a half-made product instead of making a second one.
    pub async fn create_simple_product(
        &self,
        new: &NewProduct,
        variant: &NewVariant,
    ) -> Result<Product, Error> {
        let product = self.create_product(new).await?;
        let v = self.create_variant(&product.id, variant).await?;
        let mut product = product;
        product.variants = vec![v];
        Ok(product)
    }

    /// `PATCH /products/{id}` with the given fields.
    pub async fn update_product(&self, id: &Id, update: &ProductUpdate) -> Result<Product, Error> {
        let body = Body::new("products")
            .with_id(id)
            .attr_opt("name", update.name.clone().map(Wire::Str))
            .attr_opt("active", update.active.map(yes_no))
            .attr_opt("tracking", update.tracking.map(yes_no))
            .attr_opt("description", update.description.clone().map(Wire::Str));
        let req = Request::with_body(
            Method::PATCH,
            format!("products/{id}"),
            body.to_bytes()?,
            Retry::Safe,
        );
        let doc = self.send_doc(&req).await?;
        let units = self.inner.units;
        first(&doc, |r| convert::product(r, &doc, units), &req.context())
    }

    // ----- variants ---------------------------------------------------------------------

    /// `GET /variants`, sorted by id.
    pub fn variants(&self, q: VariantsQuery) -> Paged<Variant> {
        let mut req = Request::get("variants").query("sort", "id");
        if let Some(s) = q.sku {
            req = req.query("filter[sku]", s);
        }
        if let Some(b) = q.barcode {
            req = req.query("filter[barcode]", b);
        }
        if let Some(p) = q.product_id {
            req = req.query("filter[item_id]", p.to_string());
        }
        self.paginate(req, |doc, units| {
            Self::decode_all(doc, |r| convert::variant(r, units))
        })
    }

    /// `GET /variants/{id}`.
    pub async fn variant(&self, id: &Id) -> Result<Variant, Error> {
        let req = Request::get(format!("variants/{id}"));
        let doc = self.send_doc(&req).await?;
        let units = self.inner.units;
        first(&doc, |r| convert::variant(r, units), &req.context())
    }

    /// `POST /variants`. On an ambiguous failure the product's variants are read again and a
    /// variant with the same SKU (else barcode, else the same options) is taken as the result.
    pub async fn create_variant(
        &self,
        product_id: &Id,
        new: &NewVariant,
    ) -> Result<Variant, Error> {
        let units = self.inner.units;
        let mut body = Body::new("variants")
            .attr("price", units.to_wire(new.price)?.into())
            .attr_opt("quantity", new.quantity.map(Wire::Dec))
            .attr_opt("sku", new.sku.clone().map(Wire::Str))
            .attr_opt("barcode", new.barcode.clone().map(Wire::Str))
            .relate("product", "products", product_id);
        const OPTION_RELS: [&str; 3] = ["option1", "option2", "option3"];
        if new.option_ids.len() > OPTION_RELS.len() {
            return Err(Error::InvalidInput(
                "a variant has at most 3 options".into(),
            ));
        }
        for (rel, id) in OPTION_RELS.iter().zip(&new.option_ids) {
            body = body.relate(rel, "variant-options", id);
        }
        let req = Request::with_body(Method::POST, "variants", body.to_bytes()?, Retry::Unsafe);
        let ctx = req.context();
        self.create(
            req,
            |doc, units| first(doc, |r| convert::variant(r, units), &ctx),
            || self.find_variant_like(product_id, new).boxed(),
        )
        .await
    }

    async fn find_variant_like(
        &self,
        product_id: &Id,
        new: &NewVariant,
    ) -> Result<Option<Variant>, Error> {
        let existing: Vec<Variant> = self
            .variants(VariantsQuery {
                product_id: Some(product_id.clone()),
                ..Default::default()
            })
            .try_collect()
            .await?;
        let wanted_options: Vec<Option<Id>> = new.option_ids.iter().cloned().map(Some).collect();
        let same_options = |v: &Variant| {
            let have: Vec<Option<Id>> = v
                .option_ids
                .iter()
                .filter(|o| o.is_some())
                .cloned()
                .collect();
            have == wanted_options
        };
        Ok(existing
            .into_iter()
            .find(|v| match (&new.sku, &new.barcode) {
                (Some(sku), _) => v.sku.as_deref() == Some(sku.as_str()),
                (None, Some(bc)) => v.barcode.as_deref() == Some(bc.as_str()),
                (None, None) => same_options(v),
            }))
    }

    /// `PATCH /variants/{id}` setting absolute values (idempotent, so retried when safe).
    pub async fn update_variant(&self, id: &Id, update: &VariantUpdate) -> Result<Variant, Error> {
        let units = self.inner.units;
        let body = Body::new("variants")
            .with_id(id)
            .attr_opt("quantity", update.quantity.map(Wire::Dec))
            .attr_opt(
                "price",
                update
                    .price
                    .map(|p| units.to_wire(p))
                    .transpose()?
                    .map(Wire::from),
            )
            .attr_opt("sku", update.sku.clone().map(Wire::Str))
            .attr_opt("barcode", update.barcode.clone().map(Wire::Str));
        if !body.has_attributes() {
            return self.variant(id).await;
        }
        let req = Request::with_body(
            Method::PATCH,
            format!("variants/{id}"),
            body.to_bytes()?,
            Retry::Safe,
        );
        let doc = self.send_doc(&req).await?;
        first(&doc, |r| convert::variant(r, units), &req.context())
    }

    // ----- variant parameters and options -----------------------------------------------

    /// `GET /variant-parameters`.
    pub fn variant_parameters(&self) -> Paged<VariantParameter> {
        self.paginate(
            Request::get("variant-parameters").query("sort", "id"),
            |doc, _| Self::decode_all(doc, convert::variant_parameter),
        )
    }

    /// `GET /variant-parameters?filter[name]=…` (answered as a single object, a list or null).
    pub async fn find_variant_parameter(
        &self,
        name: &str,
    ) -> Result<Option<VariantParameter>, Error> {
        let req = Request::get("variant-parameters").query("filter[name]", name);
        let doc = match self.send_doc(&req).await {
            Ok(doc) => doc,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        for r in &doc.data {
            let p = convert::variant_parameter(r)?;
            if same_name(&p.name, name) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// Finds the parameter by name or creates it (`display_type` e.g. `select`).
    pub async fn get_or_create_variant_parameter(
        &self,
        name: &str,
        display_type: &str,
    ) -> Result<VariantParameter, Error> {
        if let Some(p) = self.find_variant_parameter(name).await? {
            return Ok(p);
        }
        let body = Body::new("variant-parameters")
            .attr("name", Wire::Str(name.to_owned()))
            .attr("display_type", Wire::Str(display_type.to_owned()));
        let req = Request::with_body(
            Method::POST,
            "variant-parameters",
            body.to_bytes()?,
            Retry::Unsafe,
        );
        let ctx = req.context();
        self.create(
            req,
            |doc, _| first(doc, convert::variant_parameter, &ctx),
            || self.find_variant_parameter(name).boxed(),
        )
        .await
    }

    /// `GET /variant-options`, optionally of one parameter.
    pub fn variant_options(&self, parameter_id: Option<&Id>) -> Paged<VariantOption> {
        let mut req = Request::get("variant-options").query("sort", "id");
        if let Some(p) = parameter_id {
            req = req.query("filter[parameter_id]", p.to_string());
        }
        self.paginate(req, |doc, _| Self::decode_all(doc, convert::variant_option))
    }

    /// `GET /variant-options?filter[parameter_id]=…&filter[name]=…` (names compare
    /// case-insensitively, as CloudCart's uniqueness rule does).
    pub async fn find_variant_option(
        &self,
        parameter_id: &Id,
        name: &str,
    ) -> Result<Option<VariantOption>, Error> {
        let req = Request::get("variant-options")
            .query("filter[parameter_id]", parameter_id.to_string())
            .query("filter[name]", name);
        let doc = match self.send_doc(&req).await {
            Ok(doc) => doc,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        for r in &doc.data {
            let o = convert::variant_option(r)?;
            let parent_ok = o.parameter_id.as_ref().is_none_or(|p| p == parameter_id);
            if parent_ok && same_name(&o.name, name) {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    /// Finds the option of the parameter by name or creates it.
    pub async fn get_or_create_variant_option(
        &self,
        parameter_id: &Id,
        name: &str,
    ) -> Result<VariantOption, Error> {
        if let Some(o) = self.find_variant_option(parameter_id, name).await? {
            return Ok(o);
        }
        let body = Body::new("variant-options")
            .attr("name", Wire::Str(name.to_owned()))
            .relate("parameter", "variant-parameters", parameter_id);
        let req = Request::with_body(
            Method::POST,
            "variant-options",
            body.to_bytes()?,
            Retry::Unsafe,
        );
        let ctx = req.context();
        self.create(
            req,
            |doc, _| first(doc, convert::variant_option, &ctx),
            || self.find_variant_option(parameter_id, name).boxed(),
        )
        .await
    }

    // ----- categories -------------------------------------------------------------------

    /// `GET /categories`.
    pub fn categories(&self) -> Paged<Category> {
        self.paginate(Request::get("categories").query("sort", "id"), |doc, _| {
            Self::decode_all(doc, convert::category)
        })
    }

    /// `GET /categories/{id}`.
    pub async fn category(&self, id: &Id) -> Result<Category, Error> {
        let req = Request::get(format!("categories/{id}"));
        let doc = self.send_doc(&req).await?;
        first(&doc, convert::category, &req.context())
    }

    /// The category with this name (case-insensitive) directly under `parent` (`None`: a
    /// top-level category).
    pub async fn find_category(
        &self,
        name: &str,
        parent: Option<&Id>,
    ) -> Result<Option<Category>, Error> {
        let req = Request::get("categories")
            .query("filter[name]", name)
            .query("sort", "id");
        let parent = parent.cloned();
        let found: Vec<Category> = self
            .paginate(req, |doc, _| Self::decode_all(doc, convert::category))
            .try_filter(|c| {
                futures::future::ready(same_name(&c.name, name) && c.parent_id == parent)
            })
            .take(1)
            .try_collect()
            .await?;
        Ok(found.into_iter().next())
    }

    /// Finds the category by name under `parent` or creates it there.
    pub async fn get_or_create_category(
        &self,
        name: &str,
        parent: Option<&Id>,
    ) -> Result<Category, Error> {
        if let Some(c) = self.find_category(name, parent).await? {
            return Ok(c);
        }
        let mut body = Body::new("categories").attr("name", Wire::Str(name.to_owned()));
        if let Some(p) = parent {
            body = body.relate("parent", "categories", p);
        }
        let req = Request::with_body(Method::POST, "categories", body.to_bytes()?, Retry::Unsafe);
        let ctx = req.context();
        self.create(
            req,
            |doc, _| first(doc, convert::category, &ctx),
            || self.find_category(name, parent).boxed(),
        )
        .await
    }

    // ----- orders -----------------------------------------------------------------------

    fn order_listing(&self, req: Request, detail: OrderDetail) -> Paged<Order> {
        let req = match detail {
            OrderDetail::Summary => req,
            OrderDetail::Full => req.query("include", ORDER_INCLUDE),
        };
        self.paginate(req, |doc, units| {
            Self::decode_all(doc, |r| convert::order(r, doc, units))
        })
    }

    /// Orders added in `[from, to]` (`filter[start_date]`/`filter[end_date]`), oldest first.
    /// The API filters on `date_added`; the zone it reads is unconfirmed, so callers should
    /// overlap windows and de-duplicate by id.
    pub fn orders_added_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        detail: OrderDetail,
    ) -> Paged<Order> {
        let req = Request::get("orders")
            .query("filter[start_date]", order_date_filter_value(&from))
            .query("filter[end_date]", order_date_filter_value(&to))
            .query("sort", "date_added");
        self.order_listing(req, detail)
    }

    /// Orders changed at or after `watermark`, newest first (`sort=-updated_at`); paging stops
    /// at the first order older than the watermark (there is no `updated_at` filter).
    pub fn orders_updated_since(
        &self,
        watermark: DateTime<Utc>,
        detail: OrderDetail,
    ) -> Paged<Order> {
        let req = Request::get("orders").query("sort", "-updated_at");
        self.order_listing(req, detail)
            .try_take_while(move |o| {
                futures::future::ready(Ok(o.updated_at.is_none_or(|t| t >= watermark)))
            })
            .boxed()
    }

    /// One order with everything: lines, payment, discounts, totals, taxes, shipping (and its
    /// provider), billing and shipping address.
    pub async fn order(&self, id: &Id) -> Result<Order, Error> {
        let req = Request::get(format!("orders/{id}")).query("include", ORDER_INCLUDE);
        let doc = self.send_doc(&req).await?;
        let units = self.inner.units;
        first(&doc, |r| convert::order(r, &doc, units), &req.context())
    }

    /// `PATCH /orders/{id}` with `status` (a code or a custom slug). Setting an absolute status is
    /// idempotent, so it is retried when safe. The API applies its own gates (422).
    pub async fn set_order_status(&self, id: &Id, status: &str) -> Result<Order, Error> {
        let body = Body::new("orders")
            .with_id(id)
            .attr("status", Wire::Str(status.to_owned()));
        let req = Request::with_body(
            Method::PATCH,
            format!("orders/{id}"),
            body.to_bytes()?,
            Retry::Safe,
        );
        let doc = self.send_doc(&req).await?;
        let units = self.inner.units;
        first(&doc, |r| convert::order(r, &doc, units), &req.context())
    }

    /// Writes the order's `usn` (write-once). Never blindly repeated: after an ambiguous failure
    /// or a 422, the order is read again — if it already carries this USN the call succeeded;
    /// if it carries another one, [`Error::UsnAlreadySet`]; if none, the PATCH is tried again.
    pub async fn set_order_usn(&self, id: &Id, usn: &str) -> Result<Order, Error> {
        let body = Body::new("orders")
            .with_id(id)
            .attr("usn", Wire::Str(usn.to_owned()));
        let req = Request::with_body(
            Method::PATCH,
            format!("orders/{id}"),
            body.to_bytes()?,
            Retry::Unsafe,
        );
        let units = self.inner.units;
        let mut attempt = 0;
        loop {
            let err = match self.send_doc(&req).await {
                Ok(doc) => match first(&doc, |r| convert::order(r, &doc, units), &req.context()) {
                    Ok(o) => return Ok(o),
                    Err(e) => e,
                },
                Err(e) if e.is_ambiguous() || e.status() == Some(422) => e,
                Err(e) => return Err(e),
            };
            let current = self.order(id).await?;
            match current.usn.as_deref() {
                Some(have) if have == usn => return Ok(current),
                Some(have) => {
                    return Err(Error::UsnAlreadySet {
                        order_id: id.clone(),
                        existing: have.to_owned(),
                    });
                }
                None if err.status() == Some(422) || attempt >= self.inner.max_retries => {
                    return Err(err);
                }
                None => {}
            }
            attempt += 1;
            self.inner.transport.sleep_backoff(attempt).await;
        }
    }

    // ----- customers --------------------------------------------------------------------

    /// `GET /customers`, sorted by id.
    pub fn customers(&self) -> Paged<Customer> {
        self.paginate(Request::get("customers").query("sort", "id"), |doc, _| {
            Self::decode_all(doc, convert::customer)
        })
    }

    /// `GET /customers/{id}`.
    pub async fn customer(&self, id: &Id) -> Result<Customer, Error> {
        let req = Request::get(format!("customers/{id}"));
        let doc = self.send_doc(&req).await?;
        first(&doc, convert::customer, &req.context())
    }

    /// `GET /customers?filter[email]=…` (single-record mode).
    pub async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>, Error> {
        let req = Request::get("customers").query("filter[email]", email);
        let doc = match self.send_doc(&req).await {
            Ok(doc) => doc,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        for r in &doc.data {
            let c = convert::customer(r)?;
            if c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email.trim()))
            {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    // ----- providers and statuses -------------------------------------------------------

    /// `GET /payment-providers`.
    pub fn payment_providers(&self) -> Paged<PaymentProvider> {
        self.paginate(Request::get("payment-providers"), |doc, _| {
            Self::decode_all(doc, convert::payment_provider)
        })
    }

    /// `GET /shipping-providers`.
    pub fn shipping_providers(&self) -> Paged<ShippingProvider> {
        self.paginate(Request::get("shipping-providers"), |doc, _| {
            Self::decode_all(doc, convert::shipping_provider)
        })
    }

    /// `GET /order-status`: the store's statuses, built-in and custom (not paged).
    pub async fn order_statuses(&self) -> Result<Vec<OrderStatus>, Error> {
        let req = Request::get("order-status");
        let v = self.send(&req).await?;
        convert::order_statuses(&v, &req.context())
    }

    // ----- webhooks ---------------------------------------------------------------------

    /// `GET /webhooks`.
    pub fn webhooks(&self) -> Paged<Webhook> {
        self.paginate(Request::get("webhooks").query("sort", "id"), |doc, _| {
            Self::decode_all(doc, convert::webhook)
        })
    }

    /// `GET /webhooks/{id}`.
    pub async fn webhook(&self, id: &Id) -> Result<Webhook, Error> {
        let req = Request::get(format!("webhooks/{id}"));
        let doc = self.send_doc(&req).await?;
        first(&doc, convert::webhook, &req.context())
    }

    /// `POST /webhooks`. On an ambiguous failure a webhook with the same event and URL is
    /// taken as the result.
    pub async fn create_webhook(&self, new: &NewWebhook) -> Result<Webhook, Error> {
        let headers: serde_json::Map<String, Value> = new
            .request_headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let body = Body::new("webhooks")
            .attr("url", Wire::Str(new.url.clone()))
            .attr("event", Wire::Str(new.event.clone()))
            .attr("active", yes_no(new.active))
            .attr("new_version", Wire::Int(i64::from(new.new_version)))
            .attr("request_headers", Wire::Json(Value::Object(headers)));
        let req = Request::with_body(Method::POST, "webhooks", body.to_bytes()?, Retry::Unsafe);
        let ctx = req.context();
        self.create(
            req,
            |doc, _| first(doc, convert::webhook, &ctx),
            || self.find_webhook(&new.event, &new.url).boxed(),
        )
        .await
    }

    async fn find_webhook(&self, event: &str, url: &str) -> Result<Option<Webhook>, Error> {
        let req = Request::get("webhooks")
            .query("filter[event]", event)
            .query("sort", "id");
        let found: Vec<Webhook> = self
            .paginate(req, |doc, _| Self::decode_all(doc, convert::webhook))
            .try_filter(|w| futures::future::ready(w.event == event && w.url == url))
            .take(1)
            .try_collect()
            .await?;
        Ok(found.into_iter().next())
    }

    /// `PATCH /webhooks/{id}` (absolute values; retried when safe).
    pub async fn update_webhook(&self, id: &Id, update: &WebhookUpdate) -> Result<Webhook, Error> {
        let headers = update.request_headers.as_ref().map(|h| {
            Wire::Json(Value::Object(
                h.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ))
        });
        let body = Body::new("webhooks")
            .with_id(id)
            .attr_opt("url", update.url.clone().map(Wire::Str))
            .attr_opt("active", update.active.map(yes_no))
            .attr_opt("request_headers", headers);
        let req = Request::with_body(
            Method::PATCH,
            format!("webhooks/{id}"),
            body.to_bytes()?,
            Retry::Safe,
        );
        let doc = self.send_doc(&req).await?;
        first(&doc, convert::webhook, &req.context())
    }

    /// `DELETE /webhooks/{id}`. A retry that finds the webhook gone counts as success.
    pub async fn delete_webhook(&self, id: &Id) -> Result<(), Error> {
        self.send(&Request::delete(format!("webhooks/{id}")))
            .await?;
        Ok(())
    }
}
