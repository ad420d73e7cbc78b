//! `/api/v2` routing and the read side (lists, single GETs, includes).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Reply};
use crate::query::{self, Query};
use crate::render::{self, Kind, Ref};
use crate::state::State;
use crate::writes;

/// Per-request facts the handlers need.
pub(crate) struct Ctx {
    /// `http://host:port/api/v2`
    pub base: String,
    pub show_links: bool,
    pub now: DateTime<Utc>,
}

/// A request as the router sees it.
pub(crate) struct ApiRequest<'a> {
    pub method: &'a str,
    /// Path below `/api/v2`, e.g. `/products/12`.
    pub path: &'a str,
    pub query: Query,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
}

/// Requests with a body must send exactly this media type.
fn content_type_ok(ct: Option<&str>) -> bool {
    ct.is_some_and(|c| c.trim().eq_ignore_ascii_case(crate::error::JSONAPI))
}

pub(crate) fn handle(st: &mut State, ctx: &Ctx, req: &ApiRequest) -> Reply {
    match route(st, ctx, req) {
        Ok(r) => r,
        Err(e) => e.into_reply(),
    }
}

fn allow(method: &str, allowed: &[&str]) -> ApiResult<()> {
    if allowed.contains(&method) {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed(allowed))
    }
}

fn route(st: &mut State, ctx: &Ctx, req: &ApiRequest) -> ApiResult<Reply> {
    let segs: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let method = req.method;
    if segs.first() == Some(&"order-status") && segs.len() == 1 {
        allow(method, &["GET"])?;
        return Ok(order_status_helper(st, &req.query));
    }
    let kind = segs
        .first()
        .and_then(|s| Kind::from_segment(s))
        .ok_or_else(ApiError::not_found)?;
    let (coll_methods, item_methods) = kind.methods();
    // Which methods the matched URL answers.
    let url_methods: &[&str] = match segs.len() {
        1 => coll_methods,
        2 => item_methods,
        3 if kind == Kind::Orders && segs[2] == "fulfill" => &["PATCH"],
        3 => &["GET"],
        4 if segs[2] == "relationships" && kind == Kind::Categories && segs[3] == "parent" => {
            &["GET", "PATCH"]
        }
        4 if segs[2] == "relationships" => &["GET"],
        _ => return Err(ApiError::not_found()),
    };
    allow(method, url_methods)?;
    let body = if req.body.iter().all(|b| b.is_ascii_whitespace()) {
        None
    } else {
        if !content_type_ok(req.content_type) {
            return Err(ApiError::new(415).with_detail(
                "Requests with a body must use the media type application/vnd.api+json.",
            ));
        }
        Some(
            serde_json::from_slice::<Value>(req.body)
                .map_err(|e| ApiError::new(400).with_detail(format!("Malformed JSON: {e}")))?,
        )
    };
    match (segs.len(), method) {
        (1, "GET") => list(st, ctx, kind, &req.query),
        (1, "POST") => writes::create(st, ctx, kind, need_body(body)?),
        (2, "GET") => get_one(st, ctx, kind, segs[1], &req.query),
        (2, "PATCH") => writes::update(st, ctx, kind, segs[1], need_body(body)?),
        (2, "DELETE") => writes::delete(st, ctx, kind, segs[1]),
        (3, "PATCH") => writes::fulfill(st, ctx, segs[1]),
        (3, "GET") => related(st, ctx, kind, segs[1], segs[2], &req.query, false),
        (4, "GET") => related(st, ctx, kind, segs[1], segs[3], &req.query, true),
        (4, "PATCH") => writes::patch_category_parent(st, ctx, segs[1], need_body(body)?),
        _ => Err(ApiError::not_found()),
    }
}

fn need_body(body: Option<Value>) -> ApiResult<Value> {
    body.ok_or_else(|| ApiError::new(400).with_detail("The request body is empty."))
}

/// `GET /order-status`: not JSON:API, not paginated, `?filter=<text>`.
fn order_status_helper(st: &State, q: &Query) -> Reply {
    let text = q.get("filter").unwrap_or("").to_lowercase();
    let data: Vec<Value> = st
        .store
        .order_statuses
        .iter()
        .filter(|s| {
            text.is_empty()
                || s.name.to_lowercase().contains(&text)
                || s.slug.to_lowercase().contains(&text)
        })
        .map(|s| json!({"id": s.id, "name": s.name, "slug": s.slug, "status_type": s.status_type}))
        .collect();
    Reply::json(200, json!({ "data": data }))
}

/// Whether single-resource documents carry `"jsonapi": {"version":"1.0"}`.
/// The recorded real collection response has none, so collections omit it.
pub const SINGLE_DOC_HAS_JSONAPI_MEMBER: bool = true;

fn single_doc(data: Value, included: Option<Vec<Value>>) -> Value {
    let mut doc = json!({ "data": data });
    if let Some(inc) = included {
        doc["included"] = Value::Array(inc);
    }
    if SINGLE_DOC_HAS_JSONAPI_MEMBER {
        doc["jsonapi"] = json!({ "version": "1.0" });
    }
    doc
}

fn self_base(ctx: &Ctx) -> Option<&str> {
    ctx.show_links.then_some(ctx.base.as_str())
}

/// Renders a row as a resource object, showing include-only relationships
/// named in `includes`.
fn object(
    st: &State,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    attrs: Map<String, Value>,
    includes: &[String],
) -> Value {
    let top: Vec<String> = includes
        .iter()
        .map(|p| p.split('.').next().unwrap_or("").to_string())
        .collect();
    render::resource_object(&st.store, kind, id, attrs, &top, self_base(ctx))
}

/// Resolves include paths from a set of primary resources.
fn collect_included(st: &State, ctx: &Ctx, primary: &[Ref], includes: &[String]) -> Vec<Value> {
    let mut seen: BTreeSet<(Kind, String)> = primary.iter().cloned().collect();
    let mut out = Vec::new();
    for path in includes {
        let mut frontier: Vec<Ref> = primary.to_vec();
        let parts: Vec<&str> = path.split('.').collect();
        for (depth, rel_name) in parts.iter().enumerate() {
            let mut next = Vec::new();
            for (k, id) in &frontier {
                for (name, rel) in render::relationships(&st.store, *k, id) {
                    if name == *rel_name {
                        next.extend(rel.refs());
                    }
                }
            }
            for r in &next {
                if seen.insert(r.clone())
                    && let Some(attrs) = render::one_row(&st.store, r.0, &r.1)
                {
                    // Nested include-only relationships of included rows.
                    let nested: Vec<String> = parts
                        .get(depth + 1)
                        .map(|s| s.to_string())
                        .into_iter()
                        .collect();
                    out.push(object(st, ctx, r.0, &r.1, attrs, &nested));
                }
            }
            frontier = next;
        }
    }
    out
}

fn matches_filter(
    st: &State,
    kind: Kind,
    id: &str,
    attrs: &Map<String, Value>,
    field: &str,
    value: &str,
) -> ApiResult<bool> {
    let param = || format!("filter[{field}]");
    // Named filters first.
    match (kind, field) {
        (Kind::Products, "sku") | (Kind::Products, "barcode") => {
            let pid: u64 = id.parse().unwrap_or(0);
            return Ok(st.store.variants_of(pid).iter().any(|v| {
                let f = if field == "sku" { &v.sku } else { &v.barcode };
                f.as_deref()
                    .is_some_and(|s| s.to_lowercase() == value.to_lowercase())
            }));
        }
        (Kind::Orders, "start_date")
        | (Kind::Orders, "end_date")
        | (Kind::OrderPayment, "start_date")
        | (Kind::OrderPayment, "end_date") => {
            let end = field == "end_date";
            let bound = query::parse_date_filter(value, end).ok_or_else(|| {
                ApiError::bad_parameter(422, &param(), "The value is not a valid date.")
            })?;
            let col = if kind == Kind::Orders {
                "date_added"
            } else {
                "date_created"
            };
            let at = attrs
                .get(col)
                .and_then(Value::as_str)
                .and_then(|s| query::parse_date_filter(s, false));
            return Ok(at.is_some_and(|t| if end { t <= bound } else { t >= bound }));
        }
        (_, "id") => {
            return Ok(value.split(',').any(|v| v.trim() == id));
        }
        _ => {}
    }
    match attrs.get(field) {
        Some(a) => Ok(query::value_matches(a, value)),
        None => Err(ApiError::bad_parameter(
            422,
            &param(),
            format!("Unknown filter \"{field}\"."),
        )),
    }
}

fn list(st: &State, ctx: &Ctx, kind: Kind, q: &Query) -> ApiResult<Reply> {
    let (number, size) = q.page()?;
    let sort = q.sort(kind)?;
    let includes = q.includes(kind)?;
    let filters = q.filters();
    let single = filters
        .iter()
        .any(|(f, _)| kind.single_record_filters().contains(&f.as_str()));
    // Unfiltered listings in id order render only the page asked for.
    let id_order = sort.is_empty() || sort.iter().all(|(f, desc)| f == "id" && !desc);
    if filters.is_empty() && id_order && !single {
        let skip = ((number - 1) * size) as usize;
        if let Some((total, page_rows)) = render::page_of_rows(&st.store, kind, skip, size as usize)
        {
            return Ok(page_reply(
                st, ctx, kind, q, &includes, number, size, total, page_rows,
            ));
        }
    }
    let mut rows = render::all_rows(&st.store, kind);
    for (field, value) in &filters {
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            if matches_filter(st, kind, &row.0, &row.1, field, value)? {
                kept.push(row);
            }
        }
        rows = kept;
    }
    if !sort.is_empty() {
        rows.sort_by(|a, b| {
            for (field, desc) in &sort {
                let va = query::sort_value(&a.0, &a.1, field);
                let vb = query::sort_value(&b.0, &b.1, field);
                let mut o = query::compare_values(&va, &vb);
                if *desc {
                    o = o.reverse();
                }
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    if single {
        let first = rows.into_iter().next();
        let (data, refs) = match first {
            Some((id, attrs)) => (
                object(st, ctx, kind, &id, attrs, &includes),
                vec![(kind, id)],
            ),
            None => (Value::Null, Vec::new()),
        };
        let inc = (!includes.is_empty()).then(|| collect_included(st, ctx, &refs, &includes));
        return Ok(Reply::json(200, single_doc(data, inc)));
    }
    let total = rows.len() as u64;
    let start = ((number - 1) * size).min(total);
    let end = (start + size).min(total);
    let page_rows: Vec<(String, Map<String, Value>)> = rows
        .into_iter()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect();
    Ok(page_reply(
        st, ctx, kind, q, &includes, number, size, total, page_rows,
    ))
}

/// The collection document of one page.
#[allow(clippy::too_many_arguments)]
fn page_reply(
    st: &State,
    ctx: &Ctx,
    kind: Kind,
    q: &Query,
    includes: &[String],
    number: u64,
    size: u64,
    total: u64,
    page_rows: Vec<(String, Map<String, Value>)>,
) -> Reply {
    let last_page = total.div_ceil(size).max(1);
    let start = ((number - 1) * size).min(total);
    let end = (start + page_rows.len() as u64).min(total);
    let refs: Vec<Ref> = page_rows.iter().map(|(id, _)| (kind, id.clone())).collect();
    let data: Vec<Value> = page_rows
        .into_iter()
        .map(|(id, attrs)| object(st, ctx, kind, &id, attrs, includes))
        .collect();
    let (from, to) = if end > start {
        (json!(start + 1), json!(end))
    } else {
        (Value::Null, Value::Null)
    };
    let mut doc = json!({
        "meta": {"page": {
            "current-page": number, "per-page": size, "from": from, "to": to,
            "total": total, "last-page": last_page,
        }},
        "links": page_links(ctx, kind, q, number, size, last_page),
        "data": data,
    });
    if !includes.is_empty() {
        doc["included"] = Value::Array(collect_included(st, ctx, &refs, includes));
    }
    Reply::json(200, doc)
}

/// Top-level pagination links (present without `X-Show-Links`, per the
/// recorded response); brackets are percent-encoded.
fn page_links(ctx: &Ctx, kind: Kind, q: &Query, number: u64, size: u64, last: u64) -> Value {
    let other: Vec<String> = q
        .pairs
        .iter()
        .filter(|(k, _)| k != "page[number]" && k != "page[size]")
        .map(|(k, v)| format!("{}={}", query::encode(k), query::encode(v)))
        .collect();
    let url = |n: u64| {
        let mut parts = other.clone();
        parts.push(format!("{}={n}", query::encode("page[number]")));
        parts.push(format!("{}={size}", query::encode("page[size]")));
        format!("{}/{}?{}", ctx.base, kind.type_name(), parts.join("&"))
    };
    let mut links = json!({ "first": url(1), "last": url(last) });
    if number > 1 {
        links["prev"] = json!(url((number - 1).min(last)));
    }
    if number < last {
        links["next"] = json!(url(number + 1));
    }
    links
}

pub(crate) fn get_one(st: &State, ctx: &Ctx, kind: Kind, id: &str, q: &Query) -> ApiResult<Reply> {
    let includes = q.includes(kind)?;
    let attrs = render::one_row(&st.store, kind, id).ok_or_else(ApiError::not_found)?;
    let data = object(st, ctx, kind, id, attrs, &includes);
    let inc = (!includes.is_empty())
        .then(|| collect_included(st, ctx, &[(kind, id.to_string())], &includes));
    Ok(Reply::json(200, single_doc(data, inc)))
}

/// `/{res}/{id}/{rel}` (related objects) and `/{res}/{id}/relationships/{rel}`.
fn related(
    st: &State,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    rel: &str,
    q: &Query,
    linkage_only: bool,
) -> ApiResult<Reply> {
    if render::one_row(&st.store, kind, id).is_none() {
        return Err(ApiError::not_found());
    }
    let rels = render::relationships(&st.store, kind, id);
    let (_, r) = rels
        .into_iter()
        .find(|(n, _)| *n == rel)
        .ok_or_else(ApiError::not_found)?;
    if linkage_only {
        return Ok(Reply::json(200, single_doc(r.linkage(), None)));
    }
    let render_ref = |(k, rid): &Ref| {
        render::one_row(&st.store, *k, rid).map(|a| object(st, ctx, *k, rid, a, &[]))
    };
    let data = match &r {
        render::Rel::One(o) => o.as_ref().and_then(render_ref).unwrap_or(Value::Null),
        render::Rel::Many(v) => {
            let (number, size) = q.page()?;
            let total = v.len() as u64;
            let items: Vec<Value> = v
                .iter()
                .skip(((number - 1) * size) as usize)
                .take(size as usize)
                .filter_map(render_ref)
                .collect();
            let start = ((number - 1) * size).min(total);
            let end = (start + size).min(total);
            let (from, to) = if end > start {
                (json!(start + 1), json!(end))
            } else {
                (Value::Null, Value::Null)
            };
            return Ok(Reply::json(
                200,
                json!({
                    "meta": {"page": {"current-page": number, "per-page": size, "from": from,
                        "to": to, "total": total, "last-page": total.div_ceil(size).max(1)}},
                    "data": items,
                }),
            ));
        }
    };
    Ok(Reply::json(200, single_doc(data, None)))
}
