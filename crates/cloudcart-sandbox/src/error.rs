//! JSON:API error documents and the sandbox's internal reply type.

use serde_json::{Value, json};

/// What a handler answers: a status, an optional JSON body and extra headers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
    /// `Content-Type` of the body.
    pub content_type: &'static str,
}

pub const JSONAPI: &str = "application/vnd.api+json";

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
            content_type: JSONAPI,
        }
    }
    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
            content_type: JSONAPI,
        }
    }
    pub fn with_header(mut self, k: &str, v: impl Into<String>) -> Reply {
        self.headers.push((k.to_string(), v.into()));
        self
    }
}

/// One JSON:API error object.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub pointer: Option<String>,
    pub parameter: Option<String>,
    pub extra_headers: Vec<(String, String)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn title_for(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthenticated",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

impl ApiError {
    pub fn new(status: u16) -> ApiError {
        ApiError {
            status,
            title: Some(title_for(status).to_string()),
            detail: None,
            pointer: None,
            parameter: None,
            extra_headers: Vec::new(),
        }
    }
    pub fn unauthenticated() -> ApiError {
        ApiError::new(401)
    }
    pub fn not_found() -> ApiError {
        ApiError::new(404)
    }
    pub fn method_not_allowed(allowed: &[&str]) -> ApiError {
        let mut e = ApiError::new(405);
        e.extra_headers.push(("Allow".into(), allowed.join(", ")));
        e
    }
    /// 422 with `source.pointer`.
    pub fn invalid(pointer: &str, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(422);
        e.detail = Some(detail.into());
        e.pointer = Some(pointer.to_string());
        e
    }
    /// 422 (or another status) with `source.parameter` for query errors.
    pub fn bad_parameter(status: u16, parameter: &str, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(status);
        e.detail = Some(detail.into());
        e.parameter = Some(parameter.to_string());
        e
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> ApiError {
        self.detail = Some(detail.into());
        self
    }
    pub fn without_title(mut self) -> ApiError {
        self.title = None;
        self
    }

    pub fn to_json(&self) -> Value {
        let mut obj = serde_json::Map::new();
        obj.insert("status".into(), json!(self.status.to_string()));
        if let Some(t) = &self.title {
            obj.insert("title".into(), json!(t));
        }
        if let Some(d) = &self.detail {
            obj.insert("detail".into(), json!(d));
        }
        if let Some(p) = &self.pointer {
            obj.insert("source".into(), json!({ "pointer": p }));
        } else if let Some(p) = &self.parameter {
            obj.insert("source".into(), json!({ "parameter": p }));
        }
        json!({ "errors": [Value::Object(obj)] })
    }

    pub fn into_reply(self) -> Reply {
        let mut r = Reply::json(self.status, self.to_json());
        r.headers.extend(self.extra_headers);
        r
    }
}
