//! The changes of a soak, at random from its seed: sales at the till and their annulments,
//! price changes and new goods in Склад Pro; orders placed, paid, shipped, moved between
//! statuses, reversed and cancelled in the shop; shop faults switched on and off.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cloudcart_sandbox::{Fault, FaultRule, PlaceOrder, PlaceOrderLine, Shopper};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rust_decimal::Decimal;
use skladsync_warehouse::{
    DocumentKind, Error as WhError, Good, GoodData, NewDocument, NewLine, PartnerChoice, PriceGroup,
};

use super::setup::World;
use super::tally::Tally;

/// What the soak did to one shop order.
#[derive(Debug, Clone, Default)]
pub struct ShopOrder {
    /// The order was paid at some point (it may have become a Sale then).
    pub ever_paid: bool,
    /// Cancelled, refunded or voided by the merchant.
    pub cancelled: bool,
}

/// How many changes of each kind were made.
#[derive(Debug, Default)]
pub struct Counts {
    pub till_sales: u64,
    pub till_sales_refused: u64,
    pub annulments: u64,
    pub price_changes: u64,
    pub new_goods: u64,
    pub orders_placed: u64,
    pub orders_placed_paid: u64,
    pub orders_with_discount: u64,
    pub orders_refused_by_shop: u64,
    pub payments: u64,
    pub payment_reversals: u64,
    pub fulfilments: u64,
    pub status_changes: u64,
    pub cancellations: u64,
    pub fault_bursts: u64,
    pub fault_spells: u64,
}

pub struct Chaos<'a> {
    world: &'a World,
    rng: StdRng,
    pub orders: BTreeMap<u64, ShopOrder>,
    /// Sales written at the till and not annulled: their numbers.
    till: Vec<i64>,
    pub counts: Counts,
    /// Writes Склад Pro should have taken but did not (the soak's own failures).
    pub errors: Vec<String>,
    /// A spell of faults on until then.
    spell_until: Option<Instant>,
    /// New faults may be switched on.
    faults: bool,
    next_barcode: u64,
}

const SHOPPERS: [(&str, &str); 6] = [
    ("Мария", "Иванова"),
    ("Георги", "Петров"),
    ("Елена", "Димитрова"),
    ("Стоян", "Николов"),
    ("Радост", "Тодорова"),
    ("Николай", "Христов"),
];

/// Statuses an unpaid order may be moved between without becoming a Sale or being cancelled.
const OPEN_STATUSES: [&str; 3] = ["pending", "authorized", "order-awaiting-confirmation"];
const CANCEL_STATUSES: [&str; 3] = ["cancelled", "refunded", "voided"];

fn data_of(g: &Good, price: Decimal) -> GoodData {
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    GoodData {
        code: g.code.clone(),
        name: g.name.clone(),
        barcodes: [
            text(&g.barcodes[0]),
            text(&g.barcodes[1]),
            text(&g.barcodes[2]),
        ],
        catalogs: [
            text(&g.catalogs[0]),
            text(&g.catalogs[1]),
            text(&g.catalogs[2]),
        ],
        measure: g.measure.clone(),
        price_group: PriceGroup::RETAIL,
        price,
        vat_group_id: g.vat_group_id,
        group_id: g.group_id,
    }
}

/// Whether every change and request is printed as it happens.
fn tracing() -> bool {
    std::env::var_os("SKLADSYNC_SOAK_TRACE").is_some()
}

macro_rules! trace {
    ($($arg:tt)*) => {
        if tracing() {
            println!("{:?} {}", chrono::Local::now().time(), format!($($arg)*));
        }
    };
}

impl<'a> Chaos<'a> {
    pub fn new(world: &'a World, rng: StdRng) -> Chaos<'a> {
        Chaos {
            world,
            rng,
            orders: BTreeMap::new(),
            till: Vec::new(),
            counts: Counts::default(),
            errors: Vec::new(),
            spell_until: None,
            faults: true,
            next_barcode: 0,
        }
    }

    /// Make changes for `duration`, then switch every fault off. The shop recovers a little
    /// before the changes stop (the last half, at most 20 s, is without new faults: a 429 can
    /// keep the client waiting for its window for up to a minute).
    pub async fn run(&mut self, duration: Duration, tally: &mut Tally) {
        let began = Instant::now();
        let end = began + duration;
        let faults_until = end - (duration / 2).min(Duration::from_secs(20));
        let mut drained = Instant::now();
        let mut told = Instant::now();
        while Instant::now() < end {
            if told.elapsed() >= Duration::from_secs(60) {
                told = Instant::now();
                let c = &self.counts;
                println!(
                    "soak: {} s — till sales {}, shop orders {}, cancelled {}, price changes {}, \
                     fault bursts {} and spells {}; requests {}",
                    began.elapsed().as_secs(),
                    c.till_sales,
                    c.orders_placed,
                    c.cancellations,
                    c.price_changes,
                    c.fault_bursts,
                    c.fault_spells,
                    tally.requests.total
                );
            }
            self.faults = Instant::now() < faults_until;
            self.step().await;
            if self.spell_until.is_some_and(|t| Instant::now() >= t) {
                trace!("faults off");
                self.world.sandbox.state().clear_faults();
                self.spell_until = None;
            }
            if drained.elapsed() >= Duration::from_secs(1) {
                tally.drain(&self.world.sandbox);
                drained = Instant::now();
                if tracing() {
                    let st = self.world.engine.status();
                    let s = st.servers.get(super::setup::SERVER);
                    println!(
                        "{:?} requests {} running {:?} phase {:?} next {:?} last {:?}",
                        chrono::Local::now().time(),
                        tally.requests.total,
                        s.and_then(|s| s.running),
                        s.and_then(|s| s.phase),
                        s.and_then(|s| s.scheduled),
                        s.and_then(|s| s.last.as_ref().map(|l| l.0)),
                    );
                }
            }
            let pause = self.rng.random_range(50..400);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        self.world.sandbox.state().clear_faults();
        tally.drain(&self.world.sandbox);
    }

    async fn step(&mut self) {
        // Weights of the changes, in the order of the match below.
        const WEIGHTS: [u32; 12] = [22, 22, 8, 4, 3, 3, 6, 7, 4, 1, 2, 1];
        let total: u32 = WEIGHTS.iter().sum();
        let mut roll = self.rng.random_range(0..total);
        let mut pick = 0;
        while roll >= WEIGHTS[pick] {
            roll -= WEIGHTS[pick];
            pick += 1;
        }
        match pick {
            0 => self.till_sale().await,
            1 => self.place_order(),
            2 => self.pay(),
            3 => self.fulfil(),
            4 => self.reverse_payment(),
            5 => self.change_status(),
            6 => self.cancel(),
            7 => self.change_price().await,
            8 => self.annul().await,
            9 => self.new_good().await,
            10 => self.fault_burst(),
            _ => self.fault_spell(),
        }
    }

    async fn goods(&mut self) -> Vec<Good> {
        match self
            .world
            .wh
            .goods(&self.world.export_groups, PriceGroup::RETAIL)
            .await
        {
            Ok(read) => read.goods,
            Err(e) => {
                self.errors.push(format!("reading the goods: {e}"));
                Vec::new()
            }
        }
    }

    /// A sale at the till, as Склад Pro writes one: 1–3 units of a good in stock.
    async fn till_sale(&mut self) {
        let w = self.world;
        let goods = self.goods().await;
        let stock = match w.wh.quantities(&[w.object]).await {
            Ok(q) => q.quantities,
            Err(e) => {
                self.errors.push(format!("reading the quantities: {e}"));
                return;
            }
        };
        let in_stock: Vec<&Good> = goods
            .iter()
            .filter(|g| stock.get(&g.id).is_some_and(|q| *q >= Decimal::ONE))
            .collect();
        let Some(good) = in_stock.choose(&mut self.rng).copied() else {
            return;
        };
        let quantity = Decimal::from(self.rng.random_range(1..=3i64));
        let result =
            w.wh.create_document(&NewDocument {
                kind: DocumentKind::Sale,
                object_id: w.object,
                user_id: w.user,
                partner: PartnerChoice::Existing(w.partner),
                date: chrono::Local::now().date_naive(),
                lines: vec![NewLine {
                    good_id: good.id,
                    quantity,
                    price: good.price,
                    discount_percent: Decimal::ZERO,
                }],
                reference: format!("каса {}", self.counts.till_sales + 1),
                payment_type_id: 1,
                paid: vec![],
                usn: None,
                converts_order: None,
            })
            .await;
        match result {
            Ok(doc) => {
                trace!("till: Sale {} of {quantity} × good {}", doc.number, good.id);
                self.counts.till_sales += 1;
                self.till.push(doc.number);
            }
            // More than is there (less open Orders) where negative availability is not allowed.
            Err(WhError::InsufficientStock(_)) => self.counts.till_sales_refused += 1,
            Err(e) => self.errors.push(format!("a sale at the till: {e}")),
        }
    }

    /// A shopper checks out 1–3 goods in stock in the shop.
    fn place_order(&mut self) {
        let state = self.world.sandbox.state();
        let variants: Vec<(u64, f64)> = state
            .variants()
            .into_iter()
            .filter_map(|v| Some((v.id, v.quantity?)))
            .filter(|(_, q)| *q >= 1.0)
            .collect();
        if variants.is_empty() {
            return;
        }
        let n = self.rng.random_range(1..=3).min(variants.len());
        let chosen: Vec<(u64, f64)> = variants
            .choose_multiple(&mut self.rng, n)
            .copied()
            .collect();
        let lines: Vec<PlaceOrderLine> = chosen
            .into_iter()
            .map(|(id, q)| PlaceOrderLine {
                variant_id: id,
                quantity: f64::from(self.rng.random_range(1..=2u32)).min(q.floor()),
            })
            .collect();
        let provider = *[
            "cod",
            "cod",
            "cod",
            "bank_transfer",
            "bank_transfer",
            "borica",
            "borica",
        ]
        .choose(&mut self.rng)
        .expect("a provider");
        // Each shopper always with the same name, e-mail and phone (the partner found again).
        let who = self.rng.random_range(0..SHOPPERS.len());
        let (first, last) = SHOPPERS[who];
        let discount = self
            .rng
            .random_bool(0.15)
            .then(|| *[5, 10, 15].choose(&mut self.rng).expect("a discount"));
        let order = PlaceOrder {
            lines,
            customer: Some(Shopper {
                first_name: first.into(),
                last_name: last.into(),
                email: format!("soak{who}@example.bg"),
                phone: Some(format!("+35988800{who:04}")),
                city: "Пловдив".into(),
                post_code: "4000".into(),
                street: "ул. Капитан Райчо".into(),
                street_number: Some("7".into()),
                company: None,
            }),
            payment_provider: Some(provider.into()),
            discount_percent: discount,
            ..Default::default()
        };
        match state.place_order(order) {
            Ok(id) => {
                trace!(
                    "shop: order {id} ({provider}) {:?}",
                    state.order(id).map(|o| o
                        .products
                        .iter()
                        .map(|l| (l.variant_id, l.quantity))
                        .collect::<Vec<_>>())
                );
                self.counts.orders_placed += 1;
                // A card payment is paid at checkout.
                let paid = provider == "borica";
                if paid {
                    self.counts.orders_placed_paid += 1;
                }
                if discount.is_some() {
                    self.counts.orders_with_discount += 1;
                }
                self.orders.insert(
                    id,
                    ShopOrder {
                        ever_paid: paid,
                        cancelled: false,
                    },
                );
            }
            // Another order took the stock first.
            Err(_) => self.counts.orders_refused_by_shop += 1,
        }
    }

    /// An order of the soak's, by a condition on the shop's order and the soak's notes.
    fn some_order(
        &mut self,
        ok: impl Fn(&cloudcart_sandbox::model::Order, &ShopOrder) -> bool,
    ) -> Option<u64> {
        let state = self.world.sandbox.state();
        let ids: Vec<u64> = self
            .orders
            .iter()
            .filter(|(id, mine)| !mine.cancelled && state.order(**id).is_some_and(|o| ok(&o, mine)))
            .map(|(id, _)| *id)
            .collect();
        ids.choose(&mut self.rng).copied()
    }

    fn pay(&mut self) {
        let Some(id) = self.some_order(|o, _| OPEN_STATUSES.contains(&o.status.as_str())) else {
            return;
        };
        if self.world.sandbox.state().set_order_paid(id, true).is_ok() {
            trace!("shop: order {id} paid");
            self.counts.payments += 1;
            if let Some(o) = self.orders.get_mut(&id) {
                o.ever_paid = true;
            }
        }
    }

    fn fulfil(&mut self) {
        let Some(id) = self.some_order(|o, _| o.status_fulfillment != "fulfilled") else {
            return;
        };
        if self.world.sandbox.state().set_order_fulfilled(id).is_ok() {
            trace!("shop: order {id} shipped");
            self.counts.fulfilments += 1;
        }
    }

    /// The payment of a paid order is reversed (the order goes back to pending).
    fn reverse_payment(&mut self) {
        let Some(id) = self.some_order(|o, _| o.status == "paid") else {
            return;
        };
        if self.world.sandbox.state().set_order_paid(id, false).is_ok() {
            trace!("shop: order {id} payment reversed");
            self.counts.payment_reversals += 1;
        }
    }

    /// An unpaid order moves between the open statuses.
    fn change_status(&mut self) {
        let Some(id) = self.some_order(|o, _| OPEN_STATUSES.contains(&o.status.as_str())) else {
            return;
        };
        let status = *OPEN_STATUSES.choose(&mut self.rng).expect("a status");
        if self
            .world
            .sandbox
            .state()
            .set_order_status(id, status)
            .is_ok()
        {
            trace!("shop: order {id} {status}");
            self.counts.status_changes += 1;
        }
    }

    fn cancel(&mut self) {
        let Some(id) = self.some_order(|_, _| true) else {
            return;
        };
        let status = *CANCEL_STATUSES.choose(&mut self.rng).expect("a status");
        if self
            .world
            .sandbox
            .state()
            .set_order_status(id, status)
            .is_ok()
        {
            trace!("shop: order {id} {status}");
            self.counts.cancellations += 1;
            if let Some(o) = self.orders.get_mut(&id) {
                o.cancelled = true;
            }
        }
    }

    /// A good's retail price changes by up to 15 % either way.
    async fn change_price(&mut self) {
        let goods = self.goods().await;
        let Some(good) = goods.choose(&mut self.rng).cloned() else {
            return;
        };
        let percent = Decimal::from(self.rng.random_range(85..=115i64));
        let price = (good.price * percent / Decimal::ONE_HUNDRED)
            .round_dp(2)
            .max(Decimal::new(50, 2));
        match self
            .world
            .wh
            .save_good(Some(good.id), &data_of(&good, price))
            .await
        {
            Ok(_) => {
                trace!("price: good {} {} → {price}", good.id, good.price);
                self.counts.price_changes += 1;
            }
            Err(e) => self.errors.push(format!("a price change: {e}")),
        }
    }

    /// A sale written at the till is annulled: the goods come back.
    async fn annul(&mut self) {
        if self.till.is_empty() {
            return;
        }
        let i = self.rng.random_range(0..self.till.len());
        let number = self.till.swap_remove(i);
        let w = self.world;
        match w
            .wh
            .annul_document(DocumentKind::Sale, number, w.object, w.user)
            .await
        {
            Ok(()) => {
                trace!("till: Sale {number} annulled");
                self.counts.annulments += 1;
            }
            Err(e) => self.errors.push(format!("annulling sale {number}: {e}")),
        }
    }

    /// A new good in a group the shop gets (without stock: the shop shows it sold out).
    async fn new_good(&mut self) {
        self.next_barcode += 1;
        let n = self.next_barcode;
        let tag: u32 = self.rng.random_range(0..100_000);
        let data = GoodData {
            code: format!("SOAK{tag:05}{n:03}"),
            name: format!("Нова стока {tag} {n}"),
            barcodes: [format!("29{tag:05}{n:06}"), String::new(), String::new()],
            catalogs: Default::default(),
            measure: "бр.".into(),
            price_group: PriceGroup::RETAIL,
            price: Decimal::new(self.rng.random_range(100..10_000), 2),
            vat_group_id: 1,
            group_id: self.world.new_goods_group,
        };
        match self.world.wh.save_good(None, &data).await {
            Ok(id) => {
                trace!("new good {id} {}", data.barcodes[0]);
                self.counts.new_goods += 1;
            }
            Err(e) => self.errors.push(format!("a new good: {e}")),
        }
    }

    fn fault(&mut self, times: u32) -> FaultRule {
        // A 429 stops the client for up to a minute (its window must clear): fewer of them.
        let fault = match self.rng.random_range(0..7) {
            0 | 1 => Fault::ServerError {
                status: *[500, 502, 503, 504]
                    .choose(&mut self.rng)
                    .expect("a status"),
                times,
            },
            2 => Fault::TooManyRequestsRetryAfter {
                retry_after_secs: 1,
                times,
            },
            3 | 4 => Fault::DropConnection { times },
            _ => Fault::DropConnectionAfterCommit { times },
        };
        let rule = FaultRule::from(fault);
        if self.rng.random_bool(0.5) {
            let path = *["/api/v2/variants", "/api/v2/orders", "/api/v2/products"]
                .choose(&mut self.rng)
                .expect("a path");
            rule.on_path(path)
        } else {
            rule
        }
    }

    /// A few requests fail in a row.
    fn fault_burst(&mut self) {
        if !self.faults {
            return;
        }
        let times = self.rng.random_range(1..=5);
        let rule = self.fault(times);
        trace!("fault: {rule:?}");
        self.world.sandbox.state().set_fault(rule);
        self.counts.fault_bursts += 1;
    }

    /// For 2–8 seconds, each request fails with some chance.
    fn fault_spell(&mut self) {
        if self.spell_until.is_some() || !self.faults {
            return;
        }
        let p = self.rng.random_range(0.2..0.6);
        let rule = self.fault(u32::MAX).with_probability(p);
        trace!("fault spell: {rule:?}");
        self.world.sandbox.state().set_fault(rule);
        self.spell_until =
            Some(Instant::now() + Duration::from_millis(self.rng.random_range(2000..8000)));
        self.counts.fault_spells += 1;
    }
}
