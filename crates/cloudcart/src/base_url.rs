//! Normalising the store address the user pastes from Settings → API Keys.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::Error;

/// The path every API v2 resource lives under.
pub const API_PATH: &str = "/api/v2";

/// Turns what the user pasted into the API base URL `scheme://host[:port]/api/v2` (no trailing
/// slash).
///
/// Accepted: `mystore.cloudcart.net`, `https://mystore.cloudcart.net/`,
/// `https://mystore.cloudcart.net/api/v2/`, a custom domain, and `http://` only for loopback hosts
/// (`localhost`, `127.0.0.0/8`, `::1`) — used by the local sandbox. A missing scheme means `https`.
/// Refused, with a message saying why: other schemes, plain `http` to a remote host, user names or
/// passwords, query strings or fragments, and any path other than nothing, `/api` or `/api/v2`
/// (for example an `/admin/...` address copied from the browser).
pub fn normalize_base_url(input: &str) -> Result<Url, Error> {
    let bad = |reason: &str| Error::InvalidBaseUrl {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(bad("the address is empty"));
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err(bad("the address contains spaces"));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| bad(&format!("not a web address ({e})")))?;
    let loopback = match url.host() {
        None => return Err(bad("the address has no host name")),
        Some(Host::Domain(d)) => {
            if !d.contains('.') && !d.eq_ignore_ascii_case("localhost") {
                return Err(bad(
                    "the host name has no dot; expected e.g. mystore.cloudcart.net",
                ));
            }
            d.eq_ignore_ascii_case("localhost")
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "plain http is allowed only for a local test shop; use https://",
            ));
        }
        _ => return Err(bad("only https:// addresses are supported")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("the address must not contain a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "the address must not contain '?' or '#'; paste the API address from Settings → API Keys",
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    match path.as_str() {
        "" | "/api" | API_PATH => {}
        _ => {
            return Err(bad(
                "unexpected path; paste the store address or the API address ending in /api/v2",
            ));
        }
    }
    url.set_path(API_PATH);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        normalize_base_url(s).unwrap().to_string()
    }

    #[test]
    fn accepts_the_usual_forms() {
        let want = "https://mystore.cloudcart.net/api/v2";
        for s in [
            "mystore.cloudcart.net",
            " mystore.cloudcart.net ",
            "mystore.cloudcart.net/",
            "https://mystore.cloudcart.net",
            "https://mystore.cloudcart.net/",
            "https://mystore.cloudcart.net/api/v2",
            "https://mystore.cloudcart.net/api/v2/",
            "https://mystore.cloudcart.net/api",
            "HTTPS://MyStore.CloudCart.net/api/v2/",
            "mystore.cloudcart.net/api/v2",
        ] {
            assert_eq!(ok(s), want, "input {s:?}");
        }
        assert_eq!(ok("shop.example.bg"), "https://shop.example.bg/api/v2");
        assert_eq!(
            ok("https://shop.example.bg:8443/"),
            "https://shop.example.bg:8443/api/v2"
        );
    }

    #[test]
    fn http_only_for_loopback() {
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/api/v2");
        assert_eq!(
            ok("http://localhost:1/api/v2/"),
            "http://localhost:1/api/v2"
        );
        assert_eq!(ok("http://[::1]:9/"), "http://[::1]:9/api/v2");
        let err = normalize_base_url("http://mystore.cloudcart.net").unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "   ",
            "ftp://mystore.cloudcart.net",
            "https://",
            "https://user:pw@mystore.cloudcart.net",
            "https://mystore.cloudcart.net/admin/products",
            "https://mystore.cloudcart.net/api/v1",
            "https://mystore.cloudcart.net/api/v2/products",
            "https://mystore.cloudcart.net/?a=1",
            "https://mystore.cloudcart.net/#x",
            "my store.cloudcart.net",
            "mystore",
            "https://exa mple.com",
        ] {
            let err = normalize_base_url(s).expect_err(s);
            let text = err.to_string();
            assert!(text.contains("store address"), "{s:?}: {text}");
        }
    }
}
