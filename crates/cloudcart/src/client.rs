//! The client object, its configuration, paging and the create-with-lookup rule.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::info;
use url::Url;

use crate::api_key::ApiKey;
use crate::base_url::normalize_base_url;
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::jsonapi::Document;
use crate::model::Id;
use crate::money::{API_V2_MONEY_UNITS, MoneyUnits};
use crate::transport::{Request, Transport};

/// A paged listing: items arrive as pages of [`PAGE_SIZE`] are fetched.
pub type Paged<T> = BoxStream<'static, Result<T, Error>>;

/// `page[size]` of every listing (the API's maximum).
pub const PAGE_SIZE: u32 = 100;

/// Everything the client needs. Build with [`ClientConfig::new`] and adjust fields.
#[derive(Clone)]
pub struct ClientConfig {
    /// The store address as pasted (see [`crate::normalize_base_url`]).
    pub base_url: String,
    pub api_key: ApiKey,
    /// Units of money in API v2; default [`API_V2_MONEY_UNITS`].
    pub money_units: MoneyUnits,
    /// Time-out of one HTTP exchange. CloudCart cuts requests at 30 s with a 504.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Repeats after an ambiguous failure, where repeating is safe (see the crate README).
    pub max_retries: u32,
    /// How many 429 answers are waited out (`Retry-After`) before [`Error::RateLimited`].
    pub max_rate_limit_waits: u32,
    /// First back-off step; doubles per attempt, capped by `backoff_max`, with jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// `page[size]` of listings (1–100).
    pub page_size: u32,
    pub user_agent: String,
    /// The clock of the rate limiter and back-off.
    pub clock: Arc<dyn Clock>,
    /// Cancelling it ends every request of the client within moments with [`Error::Stopped`]:
    /// pacing and `Retry-After` waits, back-off before a retry and requests in flight alike.
    pub stop: CancellationToken,
    /// Told of every answer the shop gives (its `X-RateLimit-Limit`, when it says one): how a
    /// caller counts the requests it spends.
    pub on_answer: Option<AnswerHook>,
}

/// See [`ClientConfig::on_answer`].
pub type AnswerHook = Arc<dyn Fn(Option<u32>) + Send + Sync>;

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            api_key,
            money_units: API_V2_MONEY_UNITS,
            timeout: Duration::from_secs(40),
            connect_timeout: Duration::from_secs(10),
            max_retries: 4,
            max_rate_limit_waits: 3,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            page_size: PAGE_SIZE,
            user_agent: concat!("skladsync/", env!("CARGO_PKG_VERSION")).to_owned(),
            clock: Arc::new(SystemClock::new()),
            stop: CancellationToken::new(),
            on_answer: None,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("money_units", &self.money_units)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) units: MoneyUnits,
    pub(crate) page_size: u32,
    pub(crate) max_retries: u32,
}

/// The CloudCart API v2 client. Cheap to clone; clones share the rate limiter.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.transport.base().as_str())
            .finish_non_exhaustive()
    }
}

/// Something with an id, for de-duplicating pages that shift during a long listing.
pub(crate) trait HasId {
    fn id(&self) -> &Id;
}

macro_rules! has_id {
    ($($t:ty),*) => { $(impl HasId for $t { fn id(&self) -> &Id { &self.id } })* };
}
has_id!(
    crate::Product,
    crate::Variant,
    crate::VariantParameter,
    crate::VariantOption,
    crate::Category,
    crate::Order,
    crate::Customer,
    crate::PaymentProvider,
    crate::ShippingProvider,
    crate::Webhook
);

type DecodeFn<T> = Arc<dyn Fn(&Document, MoneyUnits) -> Result<Vec<T>, Error> + Send + Sync>;

impl Client {
    /// Checks the address and key and builds the client. Sends nothing.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let base = normalize_base_url(&config.base_url)?;
        if !(1..=100).contains(&config.page_size) {
            return Err(Error::InvalidInput("page_size must be 1..=100".into()));
        }
        let transport = Transport::new(&config, base, &config.api_key)?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                units: config.money_units,
                page_size: config.page_size,
                max_retries: config.max_retries,
            }),
        })
    }

    /// The normalised API base, e.g. `https://mystore.cloudcart.net/api/v2`.
    pub fn base_url(&self) -> &Url {
        self.inner.transport.base()
    }

    /// The money units this client converts with.
    pub fn money_units(&self) -> MoneyUnits {
        self.inner.units
    }

    pub(crate) async fn send(&self, req: &Request) -> Result<Value, Error> {
        self.inner.transport.send(req).await
    }

    pub(crate) async fn send_doc(&self, req: &Request) -> Result<Document, Error> {
        let v = self.send(req).await?;
        Document::parse(&v, &req.context())
    }

    /// A listing as a stream of items, page by page (`page[size]`), de-duplicated by id.
    pub(crate) fn paginate<T>(
        &self,
        req: Request,
        decode: impl Fn(&Document, MoneyUnits) -> Result<Vec<T>, Error> + Send + Sync + 'static,
    ) -> Paged<T>
    where
        T: HasId + Send + 'static,
    {
        let client = self.clone();
        let decode: DecodeFn<T> = Arc::new(decode);
        let size = self.inner.page_size;
        stream::try_unfold(Some((1u64, HashSet::<Id>::new())), move |state| {
            let client = client.clone();
            let req = req.clone();
            let decode = decode.clone();
            async move {
                let Some((page, mut seen)) = state else {
                    return Ok(None);
                };
                let r = req
                    .query("page[number]", page.to_string())
                    .query("page[size]", size.to_string());
                let doc = client.send_doc(&r).await?;
                let count = doc.data.len() + doc.rejected.len();
                let items: Vec<T> = decode(&doc, client.inner.units)?
                    .into_iter()
                    .filter(|t| seen.insert(t.id().clone()))
                    .collect();
                let done = count == 0
                    || match doc.last_page {
                        Some(last) => page >= last,
                        None => count < size as usize,
                    };
                let next = if done { None } else { Some((page + 1, seen)) };
                Ok(Some((items, next)))
            }
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }

    /// POSTs a create under the rule "never write twice": after an ambiguous failure (time-out,
    /// broken connection, 5xx, unreadable success body) the object is looked up again with
    /// `lookup`; only if it is not there is the POST repeated (with back-off), up to
    /// `max_retries` times.
    pub(crate) async fn create<'l, T>(
        &self,
        req: Request,
        decode: impl Fn(&Document, MoneyUnits) -> Result<T, Error>,
        // A closure returning a boxed `Send` future (not an async closure): callers' futures
        // must stay `Send` for runtimes that box them as `'static`.
        lookup: impl Fn() -> futures::future::BoxFuture<'l, Result<Option<T>, Error>>,
    ) -> Result<T, Error> {
        let mut attempt = 0;
        loop {
            let err = match self.send_doc(&req).await {
                Ok(doc) => match decode(&doc, self.inner.units) {
                    Ok(t) => return Ok(t),
                    // Created, but the answer is unusable: read it back.
                    Err(e) => return lookup().await?.ok_or(e),
                },
                Err(e) if e.is_ambiguous() => e,
                Err(e) => return Err(e),
            };
            if let Some(found) = lookup().await? {
                info!(%err, "the create went through despite the error; using the stored object");
                return Ok(found);
            }
            if attempt >= self.inner.max_retries {
                return Err(err);
            }
            attempt += 1;
            tracing::warn!(%err, attempt, "create failed and nothing was stored; trying again");
            self.inner.transport.sleep_backoff(attempt).await;
        }
    }
}

/// The first resource of a document, decoded.
pub(crate) fn first<T>(
    doc: &Document,
    f: impl Fn(&crate::jsonapi::Resource) -> Result<T, Error>,
    context: &str,
) -> Result<T, Error> {
    let r = doc
        .data
        .first()
        .ok_or_else(|| Error::decode(context, "the response has no `data`"))?;
    f(r)
}
