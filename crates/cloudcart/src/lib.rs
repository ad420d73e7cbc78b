//! Typed async client of the CloudCart REST API v2 (JSON:API).
//!
//! * [`Client`] — built from a [`ClientConfig`] (store address as pasted, [`ApiKey`]).
//! * Listings are [`Paged`] streams (`page[size]=100`).
//! * Requests are paced under the store's rate limit and retried only where repeating cannot
//!   write twice; see `README.md` of this crate for the rules.
//! * Money is `rust_decimal::Decimal` in major units everywhere; [`MoneyUnits`] is the one place
//!   where wire amounts are converted.
//!
//! The crate knows nothing of the warehouse.

mod api_key;
mod base_url;
mod client;
mod clock;
mod convert;
mod decode;
mod error;
mod jsonapi;
mod listing;
mod model;
mod money;
mod ratelimit;
mod resources;
mod transport;
mod webhook_payload;

pub use api_key::ApiKey;
pub use base_url::{API_PATH, normalize_base_url};
pub use client::{AnswerHook, Client, ClientConfig, PAGE_SIZE, Paged};
pub use clock::{Clock, SystemClock};
pub use convert::PRODUCT_TAX_CLASS_FIELDS;
pub use decode::NAIVE_TIMESTAMP_ZONE;
pub use error::{ApiErrorDetail, Error};
pub use listing::{EXCERPT_CHARS, ListedOrder, UndecodableOrder, decode_orders_page};
pub use model::{
    Address, Category, Customer, Id, Order, OrderDiscount, OrderLine, OrderPayment, OrderShipping,
    OrderStatus, OrderTax, OrderTotal, PaymentProvider, Product, ShippingProvider, Variant,
    VariantOption, VariantParameter, Webhook,
};
pub use money::{
    API_V2_MONEY_UNITS, MINOR_UNIT_DECIMALS, MoneyUnits, WEBHOOK_MONEY_UNITS, WireAmount,
};
pub use ratelimit::{ASSUMED_LIMIT, WINDOW, WINDOW_MARGIN};
pub use resources::{
    NewProduct, NewVariant, NewWebhook, OrderDetail, ProductUpdate, ProductsQuery, VariantUpdate,
    VariantsQuery, WebhookUpdate, order_date_filter_value,
};
pub use transport::{
    API_KEY_HEADER, DEFAULT_RETRY_AFTER, JSON_API, MAX_RETRY_AFTER, RETRYABLE_STATUSES,
};
pub use webhook_payload::{decode_order_webhook, decode_product_webhook};
