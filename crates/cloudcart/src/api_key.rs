//! The store's API key, kept out of every `Debug`, `Display` and log line.

use std::fmt;

use crate::error::Error;

/// A CloudCart API key (Settings → API Keys; sent as `X-CloudCart-ApiKey`).
///
/// `Debug` prints `ApiKey(<redacted>)` and there is no `Display`: the key can only be read through
/// [`ApiKey::expose_secret`], which the client calls once to build the (sensitive-marked) header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key as the user pasted it. Surrounding white space is removed; an empty key, or one
    /// with characters that cannot travel in an HTTP header, is refused.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(Error::InvalidApiKey("the key is empty"));
        }
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidApiKey(
                "the key contains spaces or characters other than visible ASCII",
            ));
        }
        Ok(ApiKey(trimmed.to_owned()))
    }

    /// The key itself, e.g. to store it in the OS keyring. Never log the result.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = ApiKey::new("  ABCDEF0123456789SECRET  ").unwrap();
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(!shown.contains("ABCDEF"), "{shown}");
        assert_eq!(key.expose_secret(), "ABCDEF0123456789SECRET");
    }

    #[test]
    fn debug_of_a_containing_struct_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            key: ApiKey,
        }
        let h = Holder {
            key: ApiKey::new("TOPSECRETKEY").unwrap(),
        };
        assert!(!format!("{h:?}").contains("TOPSECRETKEY"));
    }

    #[test]
    fn rejects_empty_and_unprintable() {
        assert!(ApiKey::new("   ").is_err());
        assert!(ApiKey::new("AB CD").is_err());
        assert!(ApiKey::new("AB\nCD").is_err());
        let err = ApiKey::new("ÄÖ").unwrap_err().to_string();
        assert!(
            !err.contains("ÄÖ"),
            "the error must not echo the key: {err}"
        );
    }
}
