//! `/api/v2` writes: POST, PATCH and DELETE with CloudCart's validation rules.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::api::{Ctx, get_one};
use crate::error::{ApiError, ApiResult, Reply};
use crate::model::*;
use crate::query::Query;
use crate::render::Kind;
use crate::shop;
use crate::state::State;

/// Every webhook event the platform knows (20).
pub const WEBHOOK_EVENTS: [&str; 20] = [
    "category.created",
    "category.updated",
    "category.deleted",
    "vendor.created",
    "vendor.updated",
    "vendor.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
    "discount.created",
    "discount.updated",
    "discount.deleted",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "subscriber.created",
    "subscriber.updated",
    "subscriber.deleted",
    "order.created",
    "order.updated",
];

/// Order statuses a client may set with PATCH (custom statuses are allowed
/// too); the gateway-only ones are refused.
pub const API_SETTABLE_ORDER_STATUSES: [&str; 6] = [
    "pending",
    "authorized",
    "paid",
    "completed",
    "cancelled",
    "refunded",
];

/// Order attributes a PATCH may carry; anything else is a 422.
pub const ORDER_PATCHABLE_ATTRIBUTES: [&str; 6] = [
    "status",
    "usn",
    "invoice_number",
    "invoice_date",
    "note_administrator",
    "notify_customer",
];

struct Input {
    attrs: Map<String, Value>,
    rels: Map<String, Value>,
}

fn ptr(key: &str) -> String {
    format!("/data/attributes/{key}")
}
fn rptr(key: &str) -> String {
    format!("/data/relationships/{key}")
}

fn parse_doc(kind: Kind, body: &Value, url_id: Option<&str>) -> ApiResult<Input> {
    let data = body
        .get("data")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::invalid("/data", "The data member is required."))?;
    match data.get("type").and_then(Value::as_str) {
        None => {
            return Err(ApiError::invalid(
                "/data/type",
                "The type member is required.",
            ));
        }
        Some(t) if t != kind.type_name() => {
            return Err(ApiError::new(409).with_detail(format!(
                "The type \"{t}\" does not match the endpoint's type \"{}\".",
                kind.type_name()
            )));
        }
        _ => {}
    }
    if let Some(url_id) = url_id {
        match data.get("id") {
            None | Some(Value::Null) => {
                return Err(ApiError::invalid("/data/id", "The id member is required."));
            }
            Some(Value::String(s)) if s == url_id => {}
            Some(Value::String(_)) => {
                return Err(ApiError::new(409)
                    .with_detail("The id in the body does not match the id in the URL."));
            }
            Some(_) => return Err(ApiError::invalid("/data/id", "The id must be a string.")),
        }
    }
    let attrs = match data.get("attributes") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "/data/attributes",
                "The attributes member must be an object.",
            ));
        }
    };
    let rels = match data.get("relationships") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "/data/relationships",
                "The relationships member must be an object.",
            ));
        }
    };
    Ok(Input { attrs, rels })
}

/// Absent → None; null → Some(None); string → Some(Some(s)).
fn attr_str(a: &Map<String, Value>, key: &str, max: usize) -> ApiResult<Option<Option<String>>> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(Some(s.clone()))),
        Some(Value::String(_)) => Err(ApiError::invalid(
            &ptr(key),
            format!("The {key} may not be greater than {max} characters."),
        )),
        Some(_) => Err(ApiError::invalid(
            &ptr(key),
            format!("The {key} must be a string."),
        )),
    }
}

/// Money on writes: a JSON integer of minor units, nothing else (no
/// decimals, no strings).
pub fn attr_money(a: &Map<String, Value>, key: &str) -> ApiResult<Option<Option<i64>>> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|v| v >= 0) => Ok(Some(n.as_i64())),
        Some(_) => Err(ApiError::invalid(
            &ptr(key),
            format!(
                "The {key} must be a non-negative integer amount in minor units (e.g. 1999 for 19.99)."
            ),
        )),
    }
}

fn attr_int(a: &Map<String, Value>, key: &str) -> ApiResult<Option<Option<i64>>> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(Some(n.as_i64())),
        Some(_) => Err(ApiError::invalid(
            &ptr(key),
            format!("The {key} must be an integer."),
        )),
    }
}

fn attr_qty(a: &Map<String, Value>, key: &str) -> ApiResult<Option<Option<f64>>> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) => Ok(Some(n.as_f64())),
        Some(_) => Err(ApiError::invalid(
            &ptr(key),
            format!("The {key} must be a number."),
        )),
    }
}

fn attr_flag(a: &Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if s == "yes" || s == "no" => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(
            &ptr(key),
            format!("The {key} must be \"yes\" or \"no\"."),
        )),
    }
}

/// Lenient boolean for webhook `active`: yes/no, true/false, 1/0, "1"/"0".
fn attr_boolish(a: &Map<String, Value>, key: &str) -> ApiResult<Option<bool>> {
    let bad = || ApiError::invalid(&ptr(key), format!("The {key} must be yes/no or 1/0."));
    match a.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(1) => Ok(Some(true)),
            Some(0) => Ok(Some(false)),
            _ => Err(bad()),
        },
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "yes" | "1" | "true" => Ok(Some(true)),
            "no" | "0" | "false" => Ok(Some(false)),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

/// A to-one relationship: absent → None; `{"data":null}` → Some(None);
/// `{"data":{"type","id"}}` → Some(Some(id)).
fn rel_one(rels: &Map<String, Value>, name: &str, ty: &str) -> ApiResult<Option<Option<u64>>> {
    let Some(r) = rels.get(name) else {
        return Ok(None);
    };
    let bad = |d: &str| ApiError::invalid(&rptr(name), d.to_string());
    let data = r
        .get("data")
        .ok_or_else(|| bad("The relationship must have a data member."))?;
    if data.is_null() {
        return Ok(Some(None));
    }
    let t = data.get("type").and_then(Value::as_str).unwrap_or("");
    if t != ty {
        return Err(bad(&format!(
            "The {name} relationship must be of type {ty}."
        )));
    }
    match data.get("id") {
        Some(Value::String(s)) => s
            .parse::<u64>()
            .map(|n| Some(Some(n)))
            .map_err(|_| bad(&format!("The selected {name} is invalid."))),
        _ => Err(bad("The relationship id must be a string.")),
    }
}

/// Latin transliteration of a name for `url_handle`.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for ch in s.to_lowercase().chars() {
        let t: &str = match ch {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "sht",
            'ъ' => "a",
            'ь' => "y",
            'ю' => "yu",
            'я' => "ya",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        out.push_str(t);
    }
    let mut slug = String::new();
    for part in out.split('-').filter(|p| !p.is_empty()) {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(part);
    }
    slug
}

fn created(st: &State, ctx: &Ctx, kind: Kind, id: &str) -> ApiResult<Reply> {
    let mut r = get_one(st, ctx, kind, id, &Query::default())?;
    r.status = 201;
    Ok(r.with_header(
        "Location",
        format!("{}/{}/{id}", ctx.base, kind.type_name()),
    ))
}

fn parse_id(id: &str) -> ApiResult<u64> {
    id.parse::<u64>().map_err(|_| ApiError::not_found())
}

pub(crate) fn create(st: &mut State, ctx: &Ctx, kind: Kind, body: Value) -> ApiResult<Reply> {
    let input = parse_doc(kind, &body, None)?;
    let id = match kind {
        Kind::Products => create_product(st, ctx, &input)?,
        Kind::Variants => create_variant(st, ctx, &input)?,
        Kind::VariantParameters => save_parameter(st, None, &input)?,
        Kind::VariantOptions => save_option(st, None, &input)?,
        Kind::Categories => save_category(st, ctx, None, &input)?,
        Kind::Customers => save_customer(st, ctx, None, &input)?,
        Kind::Webhooks => save_webhook(st, ctx, None, &input)?,
        _ => return Err(ApiError::method_not_allowed(&["GET"])),
    };
    created(st, ctx, kind, &id.to_string())
}

pub(crate) fn update(
    st: &mut State,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    body: Value,
) -> ApiResult<Reply> {
    if crate::render::one_row(&st.store, kind, id).is_none() {
        return Err(ApiError::not_found());
    }
    let n = parse_id(id)?;
    let input = parse_doc(kind, &body, Some(id))?;
    match kind {
        Kind::Products => update_product(st, ctx, n, &input)?,
        Kind::Variants => update_variant(st, ctx, n, &input)?,
        Kind::VariantParameters => {
            save_parameter(st, Some(n), &input)?;
        }
        Kind::VariantOptions => {
            save_option(st, Some(n), &input)?;
        }
        Kind::Categories => {
            save_category(st, ctx, Some(n), &input)?;
        }
        Kind::Customers => {
            save_customer(st, ctx, Some(n), &input)?;
        }
        Kind::Webhooks => {
            save_webhook(st, ctx, Some(n), &input)?;
        }
        Kind::Orders => update_order(st, ctx, n, &input)?,
        _ => return Err(ApiError::method_not_allowed(&["GET"])),
    }
    get_one(st, ctx, kind, id, &Query::default())
}

pub(crate) fn delete(st: &mut State, ctx: &Ctx, kind: Kind, id: &str) -> ApiResult<Reply> {
    if crate::render::one_row(&st.store, kind, id).is_none() {
        return Err(ApiError::not_found());
    }
    let n = parse_id(id)?;
    let not_deletable = || ApiError::new(422).with_detail("Not Deletable");
    let now = ctx.now;
    match kind {
        Kind::Products => {
            let payload = {
                let p = st.store.products.get(&n).ok_or_else(ApiError::not_found)?;
                shop::product_payload(&st.store, p)
            };
            if let Some(p) = st.store.products.get_mut(&n) {
                p.deleted_at = Some(now);
            }
            shop::fire(st, now, "product.deleted", payload);
        }
        Kind::Variants => {
            let item = st.store.remove_variant(n).map(|v| v.item_id);
            if let Some(item) = item {
                st.store.recompute_product(item, now);
            }
        }
        Kind::VariantParameters => {
            if st
                .store
                .products
                .values()
                .any(|p| p.deleted_at.is_none() && p.parameter_ids.contains(&Some(n)))
            {
                return Err(not_deletable());
            }
            st.store.variant_parameters.remove(&n);
            st.store.variant_options.retain(|_, o| o.parameter_id != n);
        }
        Kind::VariantOptions => {
            if st
                .store
                .variants
                .values()
                .any(|v| v.option_ids.contains(&Some(n)))
            {
                return Err(not_deletable());
            }
            st.store.variant_options.remove(&n);
        }
        Kind::Categories => {
            if st
                .store
                .products
                .values()
                .any(|p| p.deleted_at.is_none() && p.category_id == Some(n))
            {
                return Err(not_deletable());
            }
            if let Some(c) = st.store.categories.remove(&n) {
                for child in st.store.categories.values_mut() {
                    if child.parent_id == Some(n) {
                        child.parent_id = None;
                    }
                }
                shop::fire(st, now, "category.deleted", shop::category_payload(&c));
            }
        }
        Kind::Customers => {
            st.store.customers.remove(&n);
        }
        Kind::Webhooks => {
            st.store.webhooks.remove(&n);
            st.queue.retain(|d| d.webhook_id != n);
        }
        _ => return Err(ApiError::method_not_allowed(&["GET"])),
    }
    Ok(Reply::no_content())
}

// ---------------------------------------------------------------- products

const PRODUCT_FLAGS: [&str; 8] = [
    "active",
    "draft",
    "digital",
    "sale",
    "new",
    "tracking",
    "shipping",
    "continue_selling",
];

fn apply_product_attrs(p: &mut Product, a: &Map<String, Value>) -> ApiResult<()> {
    if let Some(name) = attr_str(a, "name", 191)? {
        let name = name.unwrap_or_default();
        if name.trim().chars().count() < 2 {
            return Err(ApiError::invalid(
                &ptr("name"),
                "The name must be at least 2 characters.",
            ));
        }
        p.name = name;
    }
    if let Some(h) = attr_str(a, "url_handle", 191)? {
        p.url_handle = h.unwrap_or_default();
    }
    if let Some(d) = attr_str(a, "description", 65535)? {
        p.description = d;
    }
    if let Some(d) = attr_str(a, "short_description", 65535)? {
        p.short_description = d;
    }
    if let Some(c) = attr_str(a, "tax_class", 191)? {
        p.tax_class = c;
    }
    for flag in PRODUCT_FLAGS {
        if let Some(v) = attr_flag(a, flag)? {
            match flag {
                "active" => p.active = v,
                "draft" => p.draft = v,
                "digital" => p.digital = v,
                "sale" => p.sale = v,
                "new" => p.new = v,
                "tracking" => p.tracking = v,
                "shipping" => p.shipping = v,
                _ => p.continue_selling = v,
            }
        }
    }
    if let Some(v) = attr_int(a, "threshold")? {
        p.threshold = v.unwrap_or(0);
    }
    if let Some(v) = attr_int(a, "minimum")? {
        p.minimum = v.unwrap_or(1);
    }
    if let Some(v) = attr_int(a, "sort_order")? {
        p.sort_order = v.unwrap_or(0);
    }
    if let Some(v) = attr_int(a, "featured")? {
        p.featured = v.unwrap_or(0);
    }
    Ok(())
}

fn product_params(
    st: &State,
    input: &Input,
    current: [Option<u64>; 3],
) -> ApiResult<[Option<u64>; 3]> {
    let mut params = current;
    for (i, name) in ["parameter1", "parameter2", "parameter3"]
        .iter()
        .enumerate()
    {
        if let Some(v) = rel_one(&input.rels, name, "variant-parameters")? {
            if let Some(pid) = v
                && !st.store.variant_parameters.contains_key(&pid)
            {
                return Err(ApiError::invalid(
                    &rptr(name),
                    format!("The selected {name} is invalid."),
                ));
            }
            params[i] = v;
        }
    }
    Ok(params)
}

fn product_category(st: &State, input: &Input) -> ApiResult<Option<Option<u64>>> {
    let c = rel_one(&input.rels, "category", "categories")?;
    if let Some(Some(cid)) = c
        && !st.store.categories.contains_key(&cid)
    {
        return Err(ApiError::invalid(
            &rptr("category"),
            "The selected category is invalid.",
        ));
    }
    Ok(c)
}

fn create_product(st: &mut State, ctx: &Ctx, input: &Input) -> ApiResult<u64> {
    if !input.attrs.contains_key("name") {
        return Err(ApiError::invalid(
            &ptr("name"),
            "The name field is required.",
        ));
    }
    let category = match product_category(st, input)? {
        Some(Some(c)) => c,
        _ => {
            return Err(ApiError::invalid(
                &rptr("category"),
                "The category field is required.",
            ));
        }
    };
    let params = product_params(st, input, [None; 3])?;
    let mut p = Product {
        active: "yes".into(),
        draft: "no".into(),
        digital: "no".into(),
        sale: "no".into(),
        new: "no".into(),
        tracking: "no".into(),
        shipping: "no".into(),
        continue_selling: "no".into(),
        minimum: 1,
        category_id: Some(category),
        parameter_ids: params,
        date_added: ctx.now,
        date_modified: ctx.now,
        ..Default::default()
    };
    apply_product_attrs(&mut p, &input.attrs)?;
    let id = st.store.next_id("products");
    p.id = id;
    if p.url_handle.is_empty() {
        p.url_handle = format!("{}-{id}", slugify(&p.name));
    }
    st.store.products.insert(id, p);
    if st.product_webhooks_on_api_writes {
        fire_product(st, ctx, "product.created", id);
    }
    Ok(id)
}

fn fire_product(st: &mut State, ctx: &Ctx, event: &str, id: u64) {
    if let Some(p) = st.store.products.get(&id) {
        let payload = shop::product_payload(&st.store, p);
        shop::fire(st, ctx.now, event, payload);
    }
}

fn update_product(st: &mut State, ctx: &Ctx, id: u64, input: &Input) -> ApiResult<()> {
    let mut p = st
        .store
        .live_product(id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    if let Some(c) = product_category(st, input)? {
        match c {
            Some(c) => p.category_id = Some(c),
            None => {
                return Err(ApiError::invalid(
                    &rptr("category"),
                    "The category field is required.",
                ));
            }
        }
    }
    let params = product_params(st, input, p.parameter_ids)?;
    apply_product_attrs(&mut p, &input.attrs)?;
    let params_changed = params != p.parameter_ids;
    p.parameter_ids = params;
    p.date_modified = ctx.now;
    st.store.products.insert(id, p);
    if params_changed {
        // Changing parameterN deletes every variant of the product.
        st.store.remove_variants_of(id);
        st.store.recompute_product(id, ctx.now);
    }
    if st.product_webhooks_on_api_writes {
        fire_product(st, ctx, "product.updated", id);
    }
    Ok(())
}

// ---------------------------------------------------------------- variants

fn apply_variant_attrs(v: &mut Variant, a: &Map<String, Value>) -> ApiResult<()> {
    if let Some(s) = attr_str(a, "sku", 191)? {
        v.sku = s;
    }
    if let Some(s) = attr_str(a, "barcode", 191)? {
        v.barcode = s;
    }
    if let Some(p) = attr_money(a, "price")? {
        v.price = p.unwrap_or(0);
    }
    if let Some(p) = attr_money(a, "delivery_price")? {
        v.delivery_price = p;
    }
    if let Some(q) = attr_qty(a, "quantity")? {
        v.quantity = q;
    }
    if let Some(w) = attr_int(a, "weight")? {
        v.weight = w;
    }
    if let Some(m) = attr_int(a, "minimum")? {
        v.minimum = m.unwrap_or(1);
    }
    Ok(())
}

fn create_variant(st: &mut State, ctx: &Ctx, input: &Input) -> ApiResult<u64> {
    let pid = match rel_one(&input.rels, "product", "products")? {
        Some(Some(p)) => p,
        _ => {
            return Err(ApiError::invalid(
                &rptr("product"),
                "The product field is required.",
            ));
        }
    };
    let product =
        st.store.live_product(pid).cloned().ok_or_else(|| {
            ApiError::invalid(&rptr("product"), "The selected product is invalid.")
        })?;
    let mut options: [Option<u64>; 3] = [None; 3];
    let mut given = 0;
    for (i, name) in ["option1", "option2", "option3"].iter().enumerate() {
        if let Some(Some(o)) = rel_one(&input.rels, name, "variant-options")? {
            options[i] = Some(o);
            given += 1;
        }
    }
    let required = product.parameter_count();
    if given != required {
        return Err(ApiError::invalid(
            "/data/relationships",
            format!(
                "You are trying to save variant with {given} options, but your product requires {required}"
            ),
        ));
    }
    for (i, slot) in options.iter().enumerate() {
        let Some(oid) = *slot else { continue };
        let name = format!("option{}", i + 1);
        let opt = st.store.variant_options.get(&oid).ok_or_else(|| {
            ApiError::invalid(&rptr(&name), format!("The selected {name} is invalid."))
        })?;
        if product.parameter_ids[i] != Some(opt.parameter_id) {
            return Err(ApiError::invalid(
                &rptr(&name),
                format!(
                    "The {name} does not belong to the product's parameter{}.",
                    i + 1
                ),
            ));
        }
    }
    let existing = st.store.variants_of(pid);
    if required == 0 && !existing.is_empty() {
        return Err(ApiError::invalid(
            &rptr("product"),
            "The product already has a default variant.",
        ));
    }
    if existing.iter().any(|v| v.option_ids == options) {
        return Err(ApiError::invalid(
            "/data/relationships",
            "A variant with these options already exists.",
        ));
    }
    let mut v = Variant {
        item_id: pid,
        minimum: 1,
        option_ids: options,
        ..Default::default()
    };
    apply_variant_attrs(&mut v, &input.attrs)?;
    let id = st.store.next_id("variants");
    v.id = id;
    st.store.insert_variant(v);
    st.store.recompute_product(pid, ctx.now);
    if st.product_webhooks_on_api_writes {
        fire_product(st, ctx, "product.updated", pid);
    }
    Ok(id)
}

fn update_variant(st: &mut State, ctx: &Ctx, id: u64, input: &Input) -> ApiResult<()> {
    let mut v = st
        .store
        .variants
        .get(&id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    apply_variant_attrs(&mut v, &input.attrs)?;
    let pid = v.item_id;
    st.store.insert_variant(v);
    st.store.recompute_product(pid, ctx.now);
    if st.product_webhooks_on_api_writes {
        fire_product(st, ctx, "product.updated", pid);
    }
    Ok(())
}

// ------------------------------------------------- parameters and options

const DISPLAY_TYPES: [&str; 6] = ["select", "radio", "image", "color", "2d", "numeric_alpha"];

fn save_parameter(st: &mut State, id: Option<u64>, input: &Input) -> ApiResult<u64> {
    let a = &input.attrs;
    let mut p = match id {
        Some(id) => st
            .store
            .variant_parameters
            .get(&id)
            .cloned()
            .unwrap_or_default(),
        None => VariantParameter {
            visible: 1,
            in_listing: 1,
            show_label: 1,
            ..Default::default()
        },
    };
    match attr_str(a, "name", 191)? {
        Some(Some(n)) => {
            if n.trim().chars().count() < 3 {
                return Err(ApiError::invalid(
                    &ptr("name"),
                    "The name must be at least 3 characters.",
                ));
            }
            let taken = st
                .store
                .variant_parameters
                .values()
                .any(|o| Some(o.id) != id && o.name.to_lowercase() == n.to_lowercase());
            if taken {
                return Err(ApiError::invalid(
                    &ptr("name"),
                    "The name has already been taken.",
                ));
            }
            p.name = n;
        }
        Some(None) | None if id.is_none() => {
            return Err(ApiError::invalid(
                &ptr("name"),
                "The name field is required.",
            ));
        }
        _ => {}
    }
    match attr_str(a, "display_type", 32)? {
        Some(Some(t)) if DISPLAY_TYPES.contains(&t.as_str()) => p.display_type = t,
        Some(_) => {
            return Err(ApiError::invalid(
                &ptr("display_type"),
                format!(
                    "The display_type must be one of: {}.",
                    DISPLAY_TYPES.join(", ")
                ),
            ));
        }
        None if id.is_none() => {
            return Err(ApiError::invalid(
                &ptr("display_type"),
                "The display_type field is required.",
            ));
        }
        None => {}
    }
    for (key, slot) in [
        ("sort", &mut p.sort),
        ("visible", &mut p.visible),
        ("in_listing", &mut p.in_listing),
        ("show_label", &mut p.show_label),
    ] {
        if let Some(v) = attr_int(a, key)? {
            *slot = v.unwrap_or(0);
        }
    }
    let id = match id {
        Some(id) => id,
        None => st.store.next_id("variant-parameters"),
    };
    p.id = id;
    st.store.variant_parameters.insert(id, p);
    Ok(id)
}

fn save_option(st: &mut State, id: Option<u64>, input: &Input) -> ApiResult<u64> {
    let a = &input.attrs;
    let mut o = match id {
        Some(id) => st
            .store
            .variant_options
            .get(&id)
            .cloned()
            .unwrap_or_default(),
        None => VariantOption {
            visible: 1,
            ..Default::default()
        },
    };
    match rel_one(&input.rels, "parameter", "variant-parameters")? {
        Some(Some(pid)) if st.store.variant_parameters.contains_key(&pid) => {
            if id.is_some() && pid != o.parameter_id {
                return Err(ApiError::invalid(
                    &rptr("parameter"),
                    "The parameter of an option cannot be changed.",
                ));
            }
            o.parameter_id = pid;
        }
        Some(Some(_)) => {
            return Err(ApiError::invalid(
                &rptr("parameter"),
                "The selected parameter is invalid.",
            ));
        }
        _ if id.is_none() => {
            return Err(ApiError::invalid(
                &rptr("parameter"),
                "The parameter field is required.",
            ));
        }
        _ => {}
    }
    match attr_str(a, "name", 191)? {
        Some(Some(n)) if !n.trim().is_empty() => {
            let taken = st.store.variant_options.values().any(|x| {
                Some(x.id) != id
                    && x.parameter_id == o.parameter_id
                    && x.name.to_lowercase() == n.to_lowercase()
            });
            if taken {
                return Err(ApiError::invalid(
                    &ptr("name"),
                    "The name has already been taken.",
                ));
            }
            o.name = n;
        }
        Some(_) => {
            return Err(ApiError::invalid(
                &ptr("name"),
                "The name field is required.",
            ));
        }
        None if id.is_none() => {
            return Err(ApiError::invalid(
                &ptr("name"),
                "The name field is required.",
            ));
        }
        None => {}
    }
    if let Some(c) = attr_str(a, "color", 6)? {
        if let Some(c) = &c
            && (!c.chars().all(|ch| ch.is_ascii_hexdigit()) || c.len() != 6)
        {
            return Err(ApiError::invalid(
                &ptr("color"),
                "The color must be a hex colour without #.",
            ));
        }
        o.color = c;
    }
    if let Some(v) = attr_int(a, "sort")? {
        o.sort = v.unwrap_or(0);
    }
    if let Some(v) = attr_int(a, "visible")? {
        o.visible = v.unwrap_or(0);
    }
    let id = match id {
        Some(id) => id,
        None => st.store.next_id("variant-options"),
    };
    o.id = id;
    st.store.variant_options.insert(id, o);
    Ok(id)
}

// -------------------------------------------------------------- categories

fn save_category(st: &mut State, ctx: &Ctx, id: Option<u64>, input: &Input) -> ApiResult<u64> {
    let a = &input.attrs;
    let mut c = match id {
        Some(id) => st.store.categories.get(&id).cloned().unwrap_or_default(),
        None => Category {
            created_at: ctx.now,
            ..Default::default()
        },
    };
    match attr_str(a, "name", 191)? {
        Some(Some(n)) if n.trim().chars().count() >= 2 => c.name = n,
        Some(_) => {
            return Err(ApiError::invalid(
                &ptr("name"),
                "The name must be at least 2 characters.",
            ));
        }
        None if id.is_none() => {
            return Err(ApiError::invalid(
                &ptr("name"),
                "The name field is required.",
            ));
        }
        None => {}
    }
    if let Some(h) = attr_str(a, "url_handle", 191)? {
        c.url_handle = h.unwrap_or_default();
    }
    if let Some(d) = attr_str(a, "description", 65535)? {
        c.description = d;
    }
    if let Some(o) = attr_int(a, "order")? {
        c.order = o.unwrap_or(0);
    }
    if let Some(parent) = rel_one(&input.rels, "parent", "categories")? {
        set_parent(st, id, &mut c, parent)?;
    }
    let new_id = match id {
        Some(id) => id,
        None => st.store.next_id("categories"),
    };
    c.id = new_id;
    if c.url_handle.is_empty() {
        c.url_handle = format!("{}-{new_id}", slugify(&c.name));
    }
    c.updated_at = ctx.now;
    let payload = shop::category_payload(&c);
    st.store.categories.insert(new_id, c);
    let event = if id.is_some() {
        "category.updated"
    } else {
        "category.created"
    };
    shop::fire(st, ctx.now, event, payload);
    Ok(new_id)
}

fn set_parent(st: &State, id: Option<u64>, c: &mut Category, parent: Option<u64>) -> ApiResult<()> {
    if let Some(pid) = parent {
        if !st.store.categories.contains_key(&pid) || Some(pid) == id {
            return Err(ApiError::invalid(
                &rptr("parent"),
                "The selected parent is invalid.",
            ));
        }
        // No cycles.
        let mut cur = Some(pid);
        while let Some(x) = cur {
            if Some(x) == id {
                return Err(ApiError::invalid(
                    &rptr("parent"),
                    "A category cannot be moved under its own descendant.",
                ));
            }
            cur = st.store.categories.get(&x).and_then(|c| c.parent_id);
        }
    }
    c.parent_id = parent;
    Ok(())
}

/// `PATCH /categories/{id}/relationships/parent`.
pub(crate) fn patch_category_parent(
    st: &mut State,
    ctx: &Ctx,
    id: &str,
    body: Value,
) -> ApiResult<Reply> {
    let n = parse_id(id)?;
    let mut c = st
        .store
        .categories
        .get(&n)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let mut rels = Map::new();
    rels.insert("parent".into(), body);
    let parent = rel_one(&rels, "parent", "categories")?.unwrap_or(None);
    set_parent(st, Some(n), &mut c, parent)?;
    c.updated_at = ctx.now;
    let payload = shop::category_payload(&c);
    st.store.categories.insert(n, c);
    shop::fire(st, ctx.now, "category.updated", payload);
    Ok(Reply::no_content())
}

// --------------------------------------------------------------- customers

fn save_customer(st: &mut State, ctx: &Ctx, id: Option<u64>, input: &Input) -> ApiResult<u64> {
    let a = &input.attrs;
    let mut c = match id {
        Some(id) => st.store.customers.get(&id).cloned().unwrap_or_default(),
        None => Customer {
            active: "yes".into(),
            marketing: "no".into(),
            banned: "no".into(),
            date_added: ctx.now,
            ..Default::default()
        },
    };
    match attr_str(a, "email", 191)? {
        Some(Some(e)) if e.contains('@') => {
            let taken = st
                .store
                .customers
                .values()
                .any(|x| Some(x.id) != id && x.email.eq_ignore_ascii_case(&e));
            if taken {
                return Err(ApiError::invalid(
                    &ptr("email"),
                    "The email has already been taken.",
                ));
            }
            c.email = e;
        }
        Some(_) => {
            return Err(ApiError::invalid(
                &ptr("email"),
                "The email must be a valid email address.",
            ));
        }
        None if id.is_none() => {
            return Err(ApiError::invalid(
                &ptr("email"),
                "The email field is required.",
            ));
        }
        None => {}
    }
    if let Some(v) = attr_str(a, "first_name", 191)? {
        c.first_name = v.unwrap_or_default();
    }
    if let Some(v) = attr_str(a, "last_name", 191)? {
        c.last_name = v.unwrap_or_default();
    }
    if let Some(v) = attr_str(a, "alternative_phone", 64)? {
        c.phone = v;
    }
    if let Some(v) = attr_str(a, "note", 65535)? {
        c.note = v;
    }
    for flag in ["active", "marketing", "banned"] {
        if let Some(v) = attr_flag(a, flag)? {
            match flag {
                "active" => c.active = v,
                "marketing" => c.marketing = v,
                _ => c.banned = v,
            }
        }
    }
    let new_id = match id {
        Some(id) => id,
        None => st.store.next_id("customers"),
    };
    c.id = new_id;
    c.updated_at = ctx.now;
    st.store.customers.insert(new_id, c);
    Ok(new_id)
}

// ------------------------------------------------------------------ orders

fn update_order(st: &mut State, ctx: &Ctx, id: u64, input: &Input) -> ApiResult<()> {
    let a = &input.attrs;
    for key in a.keys() {
        if !ORDER_PATCHABLE_ATTRIBUTES.contains(&key.as_str()) {
            return Err(ApiError::invalid(
                &ptr(key),
                format!("The {key} attribute cannot be changed through the API."),
            ));
        }
    }
    let mut o = st
        .store
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let before = o.clone();
    if o.date_archived.is_some() && !a.is_empty() {
        return Err(ApiError::invalid(
            "/data/attributes",
            "Archived orders cannot be changed.",
        ));
    }
    // usn: set once, unique.
    if let Some(usn) = attr_str(a, "usn", 191)? {
        write_once(
            st,
            id,
            &mut o.usn,
            usn,
            "usn",
            "You can set USN only once",
            |o| &o.usn,
        )?;
    }
    if let Some(inv) = attr_str(a, "invoice_number", 191)? {
        let was = o.invoice_number.clone();
        write_once(
            st,
            id,
            &mut o.invoice_number,
            inv,
            "invoice_number",
            "You can set the invoice number only once",
            |o| &o.invoice_number,
        )?;
        if was.is_none() && o.invoice_number.is_some() && o.invoice_date.is_none() {
            o.invoice_date = Some(ctx.now);
        }
    }
    if let Some(d) = attr_str(a, "invoice_date", 64)? {
        o.invoice_date = match d {
            None => None,
            Some(s) => Some(crate::query::parse_date_filter(&s, false).ok_or_else(|| {
                ApiError::invalid(
                    &ptr("invoice_date"),
                    "The invoice_date is not a valid date.",
                )
            })?),
        };
    }
    if let Some(n) = attr_str(a, "note_administrator", 65535)? {
        o.note_administrator = n;
    }
    if a.contains_key("notify_customer") {
        let v = attr_boolish(a, "notify_customer")?.unwrap_or(true);
        o.notify_customer = if v { "yes" } else { "no" }.into();
    }
    if let Some(status) = attr_str(a, "status", 64)? {
        let status = status
            .ok_or_else(|| ApiError::invalid(&ptr("status"), "The status field is required."))?;
        check_status_change(st, &o, &status)?;
        if status != o.status {
            if status == "paid" {
                o.payment.status = "completed".into();
                o.payment.date_modified = ctx.now;
            }
            o.status = status;
            if o.status == "paid" && o.status_fulfillment == "fulfilled" {
                o.status = "completed".into();
            }
        }
    }
    if o != before {
        o.updated_at = ctx.now;
        st.store.orders.insert(id, o);
        shop::fire_order_event(st, ctx.now, "order.updated", id);
    }
    Ok(())
}

/// A single-write, unique order field: the same value again is a no-op;
/// a different value once set is a 422.
fn write_once(
    st: &State,
    id: u64,
    slot: &mut Option<String>,
    new: Option<String>,
    key: &str,
    once_message: &str,
    get: fn(&Order) -> &Option<String>,
) -> ApiResult<()> {
    let new = new.filter(|s| !s.is_empty());
    match (slot.as_deref(), new.as_deref()) {
        (Some(cur), Some(n)) if cur == n => Ok(()),
        (None, None) => Ok(()),
        (Some(_), _) => Err(ApiError::invalid(&ptr(key), once_message)),
        (None, Some(n)) => {
            let taken = st
                .store
                .orders
                .values()
                .any(|o| o.id != id && get(o).as_deref() == Some(n));
            if taken {
                return Err(ApiError::invalid(
                    &ptr(key),
                    format!("The {key} has already been taken."),
                ));
            }
            *slot = Some(n.to_string());
            Ok(())
        }
    }
}

fn check_status_change(st: &State, o: &Order, status: &str) -> ApiResult<()> {
    let bad = |d: &str| ApiError::invalid(&ptr("status"), d.to_string());
    let def = st
        .store
        .order_statuses
        .iter()
        .find(|s| s.slug == status)
        .ok_or_else(|| bad("The selected status is invalid."))?;
    if !API_SETTABLE_ORDER_STATUSES.contains(&status) && def.status_type != "custom" {
        return Err(bad("The selected status cannot be set through the API."));
    }
    if status == o.status {
        return Ok(());
    }
    if status == "completed"
        && (o.status_fulfillment != "fulfilled"
            || !(o.status == "paid" || o.payment.status == "completed"))
    {
        return Err(bad(
            "An order can be completed only when it is paid and fulfilled.",
        ));
    }
    if status == "cancelled" && (o.status == "paid" || o.status == "completed") {
        return Err(bad("A paid or completed order cannot be cancelled."));
    }
    Ok(())
}

/// `PATCH /orders/{id}/fulfill`: the whole order is shipped.
pub(crate) fn fulfill(st: &mut State, ctx: &Ctx, id: &str) -> ApiResult<Reply> {
    let n = parse_id(id)?;
    let o = st.store.orders.get(&n).ok_or_else(ApiError::not_found)?;
    if o.status_fulfillment == "fulfilled" {
        return Err(ApiError::invalid(
            "/data",
            "The order is already fulfilled.",
        ));
    }
    shop::set_fulfilled(st, ctx.now, n).map_err(|e| ApiError::new(422).with_detail(e))?;
    get_one(st, ctx, Kind::Orders, id, &Query::default())
}

// ---------------------------------------------------------------- webhooks

fn save_webhook(st: &mut State, ctx: &Ctx, id: Option<u64>, input: &Input) -> ApiResult<u64> {
    let a = &input.attrs;
    let mut w = match id {
        Some(id) => st.store.webhooks.get(&id).cloned().unwrap_or_default(),
        None => Webhook {
            active: true,
            new_version: 1,
            api_key_id: 1,
            created_at: ctx.now,
            ..Default::default()
        },
    };
    match attr_str(a, "url", 2048)? {
        Some(Some(u)) if u.starts_with("http://") || u.starts_with("https://") => w.url = u,
        Some(_) => {
            return Err(ApiError::invalid(
                &ptr("url"),
                "The url must be a valid http(s) URL.",
            ));
        }
        None if id.is_none() => {
            return Err(ApiError::invalid(&ptr("url"), "The url field is required."));
        }
        None => {}
    }
    match attr_str(a, "event", 64)? {
        Some(Some(e)) if WEBHOOK_EVENTS.contains(&e.as_str()) => w.event = e,
        Some(_) => {
            return Err(ApiError::invalid(
                &ptr("event"),
                format!("List of valid events: {}", WEBHOOK_EVENTS.join(", ")),
            )
            .without_title());
        }
        None if id.is_none() => {
            return Err(ApiError::invalid(
                &ptr("event"),
                "The event field is required.",
            ));
        }
        None => {}
    }
    if let Some(active) = attr_boolish(a, "active")? {
        w.active = active;
    }
    match a.get("new_version") {
        None => {}
        Some(v) => match v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        {
            Some(n @ (0 | 1)) => w.new_version = n as u8,
            _ => {
                return Err(ApiError::invalid(
                    &ptr("new_version"),
                    "The new_version must be 0 or 1.",
                ));
            }
        },
    }
    match a.get("request_headers") {
        None => {}
        Some(Value::Null) => w.request_headers = BTreeMap::new(),
        Some(Value::Object(m)) => {
            let mut h = BTreeMap::new();
            for (k, v) in m {
                let Some(v) = v.as_str() else {
                    return Err(ApiError::invalid(
                        &format!("{}/{k}", ptr("request_headers")),
                        "Header values must be strings.",
                    ));
                };
                h.insert(k.clone(), v.to_string());
            }
            // Headers are replaced as a whole on every save.
            w.request_headers = h;
        }
        Some(_) => {
            return Err(ApiError::invalid(
                &ptr("request_headers"),
                "The request_headers must be an object of header names to values.",
            ));
        }
    }
    let new_id = match id {
        Some(id) => id,
        None => st.store.next_id("webhooks"),
    };
    w.id = new_id;
    w.updated_at = ctx.now;
    st.store.webhooks.insert(new_id, w);
    Ok(new_id)
}
