//! The JSON:API envelope as CloudCart writes it: `data` as object, array or null; string or
//! numeric ids; kebab-case `meta.page`; unknown members ignored.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::Error as _;
use serde_json::{Map, Value};

use crate::decode::{self, Obj};
use crate::error::{ApiErrorDetail, Error};
use crate::model::Id;
use crate::money::WireAmount;

/// One resource object.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub kind: String,
    pub id: Id,
    pub attributes: Map<String, Value>,
    pub relationships: Map<String, Value>,
    context: String,
}

impl Resource {
    pub(crate) fn from_value(v: &Value) -> Result<Self, String> {
        let o = v.as_object().ok_or("a resource is not an object")?;
        let kind = o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let id = decode::id(o.get("id").unwrap_or(&Value::Null))?
            .ok_or_else(|| format!("a `{kind}` resource has no id"))?;
        let attributes = match o.get("attributes") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let relationships = match o.get("relationships") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let context = format!("{kind}/{id}");
        Ok(Resource {
            kind,
            id,
            attributes,
            relationships,
            context,
        })
    }

    pub(crate) fn attrs(&self) -> Obj<'_> {
        Obj::new(Some(&self.attributes), &self.context)
    }

    /// `(type, id)` linkage of one relationship, to-one or to-many.
    pub(crate) fn related(&self, rel: &str) -> Vec<(String, Id)> {
        let Some(data) = self.relationships.get(rel).and_then(|r| r.get("data")) else {
            return Vec::new();
        };
        let one = |v: &Value| -> Option<(String, Id)> {
            let kind = v.get("type")?.as_str()?.to_owned();
            let id = decode::id(v.get("id")?).ok()??;
            Some((kind, id))
        };
        match data {
            Value::Array(items) => items.iter().filter_map(one).collect(),
            Value::Object(_) => one(data).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The id of a to-one relationship (or the first of a to-many).
    pub(crate) fn related_id(&self, rel: &str) -> Option<Id> {
        self.related(rel).into_iter().next().map(|(_, id)| id)
    }
}

/// A parsed response document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Document {
    pub data: Vec<Resource>,
    pub included: Vec<Resource>,
    pub last_page: Option<u64>,
    /// Items of a `data` array that are not readable resources (not an object, no id), with
    /// why: a listing that decodes item by item reports them; the others fail on them.
    pub rejected: Vec<(Value, String)>,
    /// The request, for errors.
    pub context: String,
}

impl Document {
    pub(crate) fn parse(v: &Value, context: &str) -> Result<Self, Error> {
        let bad = |reason: String| Error::decode(context, reason);
        let o = v
            .as_object()
            .ok_or_else(|| bad("the response is not a JSON object".into()))?;
        let mut rejected = Vec::new();
        let data = match o.get("data") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| match Resource::from_value(item) {
                    Ok(r) => Some(r),
                    Err(reason) => {
                        rejected.push((item.clone(), reason));
                        None
                    }
                })
                .collect(),
            Some(one @ Value::Object(_)) => vec![Resource::from_value(one).map_err(bad)?],
            Some(other) => return Err(bad(format!("`data` is {other}"))),
        };
        let included = match o.get("included") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| Resource::from_value(i).ok())
                .collect(),
            _ => Vec::new(),
        };
        let page = o.get("meta").and_then(|m| m.get("page"));
        let last_page = page
            .and_then(|p| p.get("last-page").or_else(|| p.get("last_page")))
            .and_then(|v| decode::decimal(v).ok().flatten())
            .and_then(|d| u64::try_from(d).ok());
        Ok(Document {
            data,
            included,
            last_page,
            rejected,
            context: context.to_owned(),
        })
    }

    /// The first unreadable item of `data`, as the error of a listing read all or nothing.
    pub(crate) fn check_all_readable(&self) -> Result<(), Error> {
        match self.rejected.first() {
            Some((_, reason)) => Err(Error::decode(&self.context, reason.clone())),
            None => Ok(()),
        }
    }

    /// Included resources of the given types.
    pub(crate) fn included_of<'a>(
        &'a self,
        kinds: &'a [&str],
    ) -> impl Iterator<Item = &'a Resource> {
        self.included
            .iter()
            .filter(move |r| kinds.contains(&r.kind.as_str()))
    }
}

/// Reads the error details of a non-success body: a JSON:API `errors[]`, the 429 body
/// `{"error","message","retry_after"}`, or (HTML from a proxy, anything else) a short excerpt.
pub(crate) fn parse_errors(status: u16, body: &[u8]) -> Vec<ApiErrorDetail> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        let excerpt: String = text.chars().take(200).collect();
        return vec![ApiErrorDetail {
            status: Some(status.to_string()),
            detail: Some(format!("non-JSON response: {excerpt}")),
            ..Default::default()
        }];
    };
    let s = |v: Option<&Value>| v.and_then(|v| decode::text(v).ok().flatten());
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        return errors
            .iter()
            .map(|e| ApiErrorDetail {
                status: s(e.get("status")),
                title: s(e.get("title")),
                detail: s(e.get("detail")).or_else(|| s(e.get("details"))),
                pointer: s(e.get("source").and_then(|x| x.get("pointer"))),
                parameter: s(e.get("source").and_then(|x| x.get("parameter"))),
            })
            .collect();
    }
    if v.get("error").is_some() || v.get("message").is_some() {
        return vec![ApiErrorDetail {
            status: Some(status.to_string()),
            title: s(v.get("error")),
            detail: s(v.get("message")),
            ..Default::default()
        }];
    }
    Vec::new()
}

/// The `retry_after` member of a 429 body, in seconds.
pub(crate) fn body_retry_after(body: &[u8]) -> Option<u64> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let d = decode::decimal(v.get("retry_after")?).ok()??;
    u64::try_from(d.trunc()).ok()
}

/// An attribute value as it goes on the wire. Decimals are written as their exact text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Wire {
    Str(String),
    Int(i64),
    Dec(Decimal),
    Json(Value),
}

impl From<WireAmount> for Wire {
    fn from(a: WireAmount) -> Self {
        match a {
            WireAmount::Integer(i) => Wire::Int(i),
            WireAmount::Decimal(d) => Wire::Dec(d),
        }
    }
}

impl Serialize for Wire {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Wire::Str(v) => s.serialize_str(v),
            Wire::Int(v) => s.serialize_i64(*v),
            Wire::Json(v) => v.serialize(s),
            Wire::Dec(d) => {
                let d = d.normalize();
                let text = if d.is_zero() {
                    "0".to_owned()
                } else {
                    d.to_string()
                };
                let raw =
                    serde_json::value::RawValue::from_string(text).map_err(S::Error::custom)?;
                raw.serialize(s)
            }
        }
    }
}

/// A request body `{"data":{"type","id"?,"attributes","relationships"?}}`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body {
    kind: &'static str,
    id: Option<String>,
    attributes: BTreeMap<&'static str, Wire>,
    relationships: BTreeMap<&'static str, Value>,
}

impl Body {
    pub(crate) fn new(kind: &'static str) -> Self {
        Body {
            kind,
            ..Default::default()
        }
    }

    /// PATCH bodies repeat the id inside `data`.
    pub(crate) fn with_id(mut self, id: &Id) -> Self {
        self.id = Some(id.as_str().to_owned());
        self
    }

    pub(crate) fn attr(mut self, key: &'static str, value: Wire) -> Self {
        self.attributes.insert(key, value);
        self
    }

    pub(crate) fn attr_opt(self, key: &'static str, value: Option<Wire>) -> Self {
        match value {
            Some(v) => self.attr(key, v),
            None => self,
        }
    }

    pub(crate) fn relate(mut self, rel: &'static str, kind: &str, id: &Id) -> Self {
        self.relationships.insert(
            rel,
            serde_json::json!({"data": {"type": kind, "id": id.as_str()}}),
        );
        self
    }

    pub(crate) fn has_attributes(&self) -> bool {
        !self.attributes.is_empty()
    }

    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        #[derive(Serialize)]
        struct Data<'a> {
            #[serde(rename = "type")]
            kind: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            id: Option<&'a str>,
            attributes: &'a BTreeMap<&'static str, Wire>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            relationships: &'a BTreeMap<&'static str, Value>,
        }
        #[derive(Serialize)]
        struct Envelope<'a> {
            data: Data<'a>,
        }
        serde_json::to_vec(&Envelope {
            data: Data {
                kind: self.kind,
                id: self.id.as_deref(),
                attributes: &self.attributes,
                relationships: &self.relationships,
            },
        })
        .map_err(|e| Error::InvalidInput(format!("cannot encode the request body: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::str::FromStr;

    #[test]
    fn data_as_object_array_or_null() {
        let one = json!({"data": {"type": "variant-parameters", "id": 7, "attributes": {"name": "Size"}}});
        let d = Document::parse(&one, "t").unwrap();
        assert_eq!(d.data.len(), 1);
        assert_eq!(d.data[0].id.as_str(), "7");
        let many = json!({"data": [{"type": "x", "id": "1"}, {"type": "x", "id": "2", "extra": true}],
                          "meta": {"page": {"last-page": 3, "from": null}}});
        let d = Document::parse(&many, "t").unwrap();
        assert_eq!(d.data.len(), 2);
        assert_eq!(d.last_page, Some(3));
        let none = json!({"data": null});
        assert!(Document::parse(&none, "t").unwrap().data.is_empty());
        assert!(Document::parse(&json!([1]), "t").is_err());
        let bad = json!({"data": [{"type": "x", "id": "1"}, 7, {"type": "x"}]});
        let d = Document::parse(&bad, "t").unwrap();
        assert_eq!(d.data.len(), 1);
        assert_eq!(d.rejected.len(), 2);
        assert!(d.check_all_readable().is_err());
    }

    #[test]
    fn relationships_to_one_and_many() {
        let r = Resource::from_value(&json!({"type": "orders", "id": "5", "relationships": {
            "payment": {"data": {"type": "order-payment", "id": "9"}},
            "products": {"data": [{"type": "order-products", "id": 1}, {"type": "order-products", "id": "2"}]},
            "nothing": {"data": null}}}))
        .unwrap();
        assert_eq!(r.related_id("payment").unwrap().as_str(), "9");
        assert_eq!(r.related("products").len(), 2);
        assert!(r.related("nothing").is_empty());
        assert!(r.related("absent").is_empty());
    }

    #[test]
    fn error_bodies() {
        let e = parse_errors(422, br#"{"errors":[{"status":"422","title":"Unprocessable Entity","detail":"The usn has already been taken.","source":{"pointer":"/data/attributes/usn"}}]}"#);
        assert_eq!(
            e[0].to_string(),
            "The usn has already been taken. [/data/attributes/usn]"
        );
        let e = parse_errors(
            429,
            br#"{"error":"Too Many Requests","message":"slow down","retry_after":60}"#,
        );
        assert_eq!(e[0].detail.as_deref(), Some("slow down"));
        assert_eq!(body_retry_after(br#"{"retry_after":60}"#), Some(60));
        let e = parse_errors(403, b"<html>forbidden by administrative rules</html>");
        assert!(e[0].detail.as_deref().unwrap().contains("forbidden"));
        assert!(parse_errors(500, b"").is_empty());
    }

    #[test]
    fn bodies_never_carry_floats() {
        let b = Body::new("variants")
            .with_id(&Id::from("101"))
            .attr("quantity", Wire::Dec(Decimal::from_str("2.500").unwrap()))
            .attr("price", Wire::Int(1899))
            .attr("sku", Wire::Str("A-1".into()));
        let text = String::from_utf8(b.to_bytes().unwrap()).unwrap();
        assert_eq!(
            text,
            r#"{"data":{"type":"variants","id":"101","attributes":{"price":1899,"quantity":2.5,"sku":"A-1"}}}"#
        );
        let big = Body::new("variants").attr(
            "quantity",
            Wire::Dec(Decimal::from_str("12345678901234567.891").unwrap()),
        );
        let text = String::from_utf8(big.to_bytes().unwrap()).unwrap();
        assert!(text.contains("12345678901234567.891"), "{text}");
    }
}
