//! The server's settings: the connection of both sides, and the two task groups „Импорт от
//! CloudCart“ and „Експорт от Склад Pro“ with every setting of the engine.

use skladsync_engine::conn_string::{
    mssql_trusts_any_certificate, set_mssql_trust_any_certificate, take_typed_password,
};
use skladsync_engine::settings::{
    CompareBy, EditionSetting, MissingGoods, PriceSource, StockFormula, VatClassMapping,
};
use skladsync_engine::{Command, db_password_ref};
use skladsync_warehouse::{Connection, DocumentKind};

use super::widgets::{
    check_row, choice_row, good_picker_row, opt_text_row, pick_many, pick_one, start_mode_row,
    text_row,
};
use super::{App, Done, Probe};
use crate::secret_store::StoreKind;

const ACCESS_DRIVER: &str = "Microsoft Access Driver (*.mdb, *.accdb)";

/// The ODBC connection string of an Access file.
pub fn access_connection_string(path: &str) -> String {
    format!("Driver={{{ACCESS_DRIVER}}};DBQ={path};")
}

/// The file of an Access connection string, when it is one.
pub fn access_file(connection_string: &str) -> Option<String> {
    if !connection_string.contains(ACCESS_DRIVER) {
        return None;
    }
    let lower = connection_string.to_ascii_lowercase();
    let start = lower.find("dbq=")? + 4;
    let rest = &connection_string[start..];
    Some(rest.split(';').next().unwrap_or_default().to_owned())
}

/// The best guess of the Склад Pro payment type for a shop payment method, for the user to
/// confirm: cash on delivery → a cash type; a bank transfer → a bank-transfer type; a card or
/// online payment → a card type (by the type's method, else its name); otherwise the first
/// non-cash type.
pub fn suggest_payment_type(
    provider: &str,
    title: &str,
    types: &[skladsync_warehouse::PaymentType],
) -> Option<i64> {
    let p = format!("{provider} {title}").to_lowercase();
    let named = |words: &[&str]| {
        types
            .iter()
            .find(|t| {
                let n = t.name.to_lowercase();
                words.iter().any(|w| n.contains(w))
            })
            .map(|t| t.id)
    };
    let by_method = |m: i64| types.iter().find(|t| t.method == m).map(|t| t.id);
    let has = |words: &[&str]| words.iter().any(|w| p.contains(w));
    if has(&["cod", "cash", "наложен", "в брой"]) {
        return types.iter().find(|t| t.is_cash()).map(|t| t.id);
    }
    if has(&["bank", "банк"])
        && let Some(id) = by_method(2).or_else(|| named(&["банк", "bank"]))
    {
        return Some(id);
    }
    if has(&[
        "card", "карт", "stripe", "paypal", "borica", "epay", "mypos",
    ]) && let Some(id) = by_method(3).or_else(|| named(&["карт", "card"]))
    {
        return Some(id);
    }
    types
        .iter()
        .find(|t| !t.is_cash())
        .or_else(|| types.first())
        .map(|t| t.id)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BackendKind {
    Access,
    MySql,
    MsSql,
    Odbc,
    Sqlite,
}

fn kind_of(c: &Connection) -> BackendKind {
    match c {
        Connection::Sqlite { .. } => BackendKind::Sqlite,
        Connection::MySql { .. } => BackendKind::MySql,
        Connection::MsSql { .. } => BackendKind::MsSql,
        Connection::Odbc { connection_string } if access_file(connection_string).is_some() => {
            BackendKind::Access
        }
        Connection::Odbc { .. } => BackendKind::Odbc,
    }
}

fn ids<T>(items: &[T], f: impl Fn(&T) -> (i64, String)) -> Vec<(i64, String)> {
    items.iter().map(f).collect()
}

impl App {
    fn secret_note(&self, ui: &mut egui::Ui) {
        let t = self.texts();
        let place = match self.secret_kind() {
            StoreKind::Keychain => t.store_keychain.to_owned(),
            StoreKind::File(p) => format!("{} ({})", t.store_file, p.display()),
            StoreKind::Session => t.store_session.to_owned(),
        };
        ui.weak(format!("{}: {place}", t.key_stored_in));
    }

    pub(super) fn connection_tab(&mut self, ui: &mut egui::Ui, id: &str) {
        let t = self.texts();
        let Some(mut s) = self.server(id).cloned() else {
            return;
        };
        let mut test_shop = false;
        let mut test_wh = false;
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading(t.shop);
            egui::Grid::new("shop-grid").num_columns(2).show(ui, |ui| {
                text_row(ui, t.shop_url, &mut s.shop.base_url);
                let l = ui.label(t.api_key);
                ui.horizontal(|ui| {
                    let v = self.views.entry(id.to_owned()).or_default();
                    ui.add(
                        egui::TextEdit::singleline(&mut v.key_input)
                            .password(true)
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    if ui.button(t.save_key).clicked() {
                        // The engine keeps it; its answer clears the field and tests the shop.
                        let secret = v.key_input.trim().to_owned();
                        v.key_note = None;
                        self.engine.send(Command::SetSecret {
                            name: s.shop.api_key.clone(),
                            secret,
                        });
                    }
                });
                ui.end_row();
            });
            let v = self.views.entry(id.to_owned()).or_default();
            match &v.key_note {
                Some(Ok(())) => {
                    ui.label(format!("✔ {}", t.key_saved));
                }
                Some(Err(e)) => {
                    ui.colored_label(ui.visuals().error_fg_color, format!("✖ {e}"));
                }
                None => {}
            }
            self.secret_note(ui);
            ui.horizontal(|ui| {
                if ui.button(format!("{} – {}", t.test_connection, t.shop)).clicked() {
                    test_shop = true;
                }
                let v = self.views.entry(id.to_owned()).or_default();
                match &v.shop {
                    Probe::NotTested => ui.weak(t.not_tested),
                    Probe::Testing => ui.spinner(),
                    Probe::Ok(info) => ui.label(format!(
                        "✔ {} ({} / {})",
                        t.shop_ok,
                        info.payment_providers.len(),
                        info.order_statuses.len()
                    )),
                    Probe::Failed(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, format!("✖ {}", t.lookup_error(e)))
                    }
                };
            });

            ui.add_space(12.0);
            ui.separator();
            ui.heading(t.warehouse);
            egui::Grid::new("wh-grid").num_columns(2).show(ui, |ui| {
                let kind = kind_of(&s.warehouse.connection);
                let label = |k: BackendKind| match k {
                    BackendKind::Access => t.backend_access,
                    BackendKind::MySql => t.backend_mysql,
                    BackendKind::MsSql => t.backend_mssql,
                    BackendKind::Odbc => t.backend_odbc,
                    BackendKind::Sqlite => t.backend_sqlite,
                };
                let l = ui.label(t.backend);
                let mut chosen = kind;
                egui::ComboBox::from_id_salt("backend")
                    .selected_text(label(kind))
                    .show_ui(ui, |ui| {
                        for k in [
                            BackendKind::Access,
                            BackendKind::MySql,
                            BackendKind::MsSql,
                            BackendKind::Odbc,
                            BackendKind::Sqlite,
                        ] {
                            ui.selectable_value(&mut chosen, k, label(k));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                if chosen != kind {
                    s.warehouse.connection = match chosen {
                        BackendKind::Access => Connection::Odbc {
                            connection_string: access_connection_string(""),
                        },
                        BackendKind::MySql => Connection::MySql {
                            url: "mysql://root:{password}@127.0.0.1:3306/warehouse".into(),
                        },
                        BackendKind::MsSql => Connection::MsSql {
                            connection_string: "server=tcp:127.0.0.1,1433;database=Warehouse;user=sa;password={password}".into(),
                        },
                        BackendKind::Odbc => Connection::Odbc {
                            connection_string: "DSN=Warehouse;PWD={password};".into(),
                        },
                        BackendKind::Sqlite => Connection::Sqlite {
                            path: "warehouse.db".into(),
                        },
                    };
                }
                let mut pick = false;
                let mut left_field = false;
                match &mut s.warehouse.connection {
                    Connection::Sqlite { path } => {
                        let mut p = path.display().to_string();
                        if text_row(ui, t.db_file, &mut p).changed() {
                            *path = p.into();
                        }
                    }
                    Connection::MySql { url } => {
                        left_field = text_row(ui, t.mysql_url, url).lost_focus();
                    }
                    Connection::MsSql { connection_string } => {
                        left_field =
                            text_row(ui, t.connection_string, connection_string).lost_focus();
                        let mut trust = mssql_trusts_any_certificate(connection_string);
                        ui.label("");
                        if ui.checkbox(&mut trust, t.trust_any_certificate).changed() {
                            *connection_string =
                                set_mssql_trust_any_certificate(connection_string, trust);
                        }
                        ui.end_row();
                    }
                    Connection::Odbc { connection_string } => {
                        if let Some(mut file) = access_file(connection_string) {
                            let l = ui.label(t.db_file);
                            ui.horizontal(|ui| {
                                if ui
                                    .add(egui::TextEdit::singleline(&mut file).desired_width(300.0))
                                    .labelled_by(l.id)
                                    .changed()
                                {
                                    *connection_string = access_connection_string(&file);
                                }
                                if ui.button(t.choose_file).clicked() {
                                    pick = true;
                                }
                            });
                            ui.end_row();
                        } else {
                            left_field =
                                text_row(ui, t.connection_string, connection_string).lost_focus();
                        }
                    }
                }
                // A password typed into the URL or string goes to the secret store when the
                // field is left; until then the settings file refuses it.
                if left_field && let Some((connection, password)) = take_typed_password(&s.warehouse.connection) {
                    let name = s
                        .warehouse
                        .password
                        .clone()
                        .unwrap_or_else(|| db_password_ref(&s));
                    self.engine.send(Command::SetSecret {
                        name: name.clone(),
                        secret: password,
                    });
                    s.warehouse.connection = connection;
                    s.warehouse.password = Some(name);
                }
                if pick {
                    let id = s.id.clone();
                    self.spawn(async move {
                        let file = rfd::AsyncFileDialog::new()
                            .add_filter("Microsoft Access", &["mdb", "accdb"])
                            .pick_file()
                            .await;
                        match file {
                            Some(f) => Done::PickedFile(id, f.path().to_owned()),
                            None => Done::Nothing,
                        }
                    });
                }
                if !matches!(s.warehouse.connection, Connection::Sqlite { .. }) {
                    let l = ui.label(t.db_password);
                    ui.horizontal(|ui| {
                        let v = self.views.entry(id.to_owned()).or_default();
                        ui.add(
                            egui::TextEdit::singleline(&mut v.password_input)
                                .password(true)
                                .desired_width(280.0),
                        )
                        .labelled_by(l.id);
                        if ui.button(t.save_password).clicked() {
                            let name = db_password_ref(&s);
                            self.engine.send(Command::SetSecret {
                                name: name.clone(),
                                secret: std::mem::take(&mut v.password_input),
                            });
                            s.warehouse.password = Some(name);
                        }
                    });
                    ui.end_row();
                }
                choice_row(
                    ui,
                    t.edition,
                    "edition",
                    &mut s.warehouse.edition,
                    &[EditionSetting::Detect, EditionSetting::Normal, EditionSetting::Supto],
                    |e| match e {
                        EditionSetting::Detect => t.edition_detect,
                        EditionSetting::Normal => t.edition_normal,
                        EditionSetting::Supto => t.edition_supto,
                    },
                );
            });
            ui.horizontal(|ui| {
                if ui
                    .button(format!("{} – {}", t.test_connection, t.warehouse))
                    .clicked()
                {
                    test_wh = true;
                }
                let v = self.views.entry(id.to_owned()).or_default();
                match &v.warehouse {
                    Probe::NotTested => ui.weak(t.not_tested),
                    Probe::Testing => ui.spinner(),
                    Probe::Ok(info) => ui.label(format!(
                        "✔ {}: {} {} ({}, {}, {})",
                        t.warehouse_ok,
                        t.warehouse,
                        info.version,
                        info.backend,
                        if info.supto { t.supto_yes } else { t.supto_no },
                        info.base_currency
                    )),
                    Probe::Failed(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, format!("✖ {}", t.lookup_error(e)))
                    }
                };
            });
            ui.add_space(12.0);
            ui.weak(format!("{}: {}", t.settings_file, self.file.path().display()));
        });
        self.update_server(s);
        if test_shop {
            self.test_shop(id);
        }
        if test_wh {
            self.test_warehouse(id);
        }
    }

    /// Whether the connected Склад Pro is SUPTO (its SUPTO-only settings are shown).
    pub fn is_supto(&self, id: &str) -> bool {
        self.views
            .get(id)
            .and_then(|v| v.warehouse.ok())
            .is_some_and(|i| i.supto)
    }

    pub(super) fn import_tab(&mut self, ui: &mut egui::Ui, id: &str) {
        let t = self.texts();
        let Some(mut s) = self.server(id).cloned() else {
            return;
        };
        let supto = self.is_supto(id);
        let v = self.views.entry(id.to_owned()).or_default();
        let wh = v.warehouse.ok().cloned();
        let shop = v.shop.ok().cloned();
        let users = wh
            .as_ref()
            .map(|w| ids(&w.users, |u| (u.id, u.name.clone())));
        let objects = wh
            .as_ref()
            .map(|w| ids(&w.objects, |o| (o.id, o.name.clone())));
        let payment_types = wh
            .as_ref()
            .map(|w| ids(&w.payment_types, |p| (p.id, p.name.clone())));
        if wh.is_some() && matches!(v.goods, Probe::NotTested) {
            self.load_goods(id);
        }
        let v = self.views.entry(id.to_owned()).or_default();
        let goods_probe = v.goods.clone();
        let mut queries = std::mem::take(&mut v.goods_query);
        egui::ScrollArea::vertical().show(ui, |ui| {
            let i = &mut s.import;
            egui::Grid::new("import-grid")
                .num_columns(2)
                .show(ui, |ui| {
                    check_row(ui, t.enabled, &mut i.enabled);
                    start_mode_row(ui, t, "import", &mut i.start, 60);
                    if supto {
                        pick_one(ui, t, t.active_user, &mut i.active_user, users.as_deref());
                    }
                    if i.active_user.is_none() && wh.is_some() {
                        ui.label(t.written_as);
                        ui.label(t.service_user);
                        ui.end_row();
                    }
                    pick_one(ui, t, t.object, &mut i.object, objects.as_deref());
                    check_row(ui, t.pull_products, &mut i.pull_products);
                    check_row(ui, t.prices_in_eur, &mut i.prices_in_eur);
                    choice_row(
                        ui,
                        t.document_kind,
                        "doc-kind",
                        &mut i.document_kind,
                        &[DocumentKind::Order, DocumentKind::Sale],
                        |k| match k {
                            DocumentKind::Order => t.doc_order,
                            DocumentKind::Sale => t.doc_sale,
                        },
                    );
                    if supto {
                        opt_text_row(ui, t.fiscal_device, &mut i.fiscal_device);
                        opt_text_row(ui, t.operator_code, &mut i.operator_code);
                    }
                    text_row(ui, t.time_zone, &mut i.time_zone.0);
                });

            ui.add_space(8.0);
            ui.strong(t.sale_statuses);
            match &shop {
                Some(shop) => {
                    ui.horizontal_wrapped(|ui| {
                        for (key, name) in &shop.order_statuses {
                            let mut on = i.sale_statuses.contains(key);
                            if ui.checkbox(&mut on, name).changed() {
                                if on {
                                    i.sale_statuses.push(key.clone());
                                } else {
                                    i.sale_statuses.retain(|k| k != key);
                                }
                            }
                        }
                    });
                }
                None => {
                    ui.weak(t.pick_hint);
                }
            }

            ui.add_space(8.0);
            ui.strong(t.payment_types);
            match (&shop, &payment_types) {
                (Some(shop), Some(types)) => {
                    ui.horizontal(|ui| {
                        if ui.button(t.suggest).clicked() {
                            let all = wh
                                .as_ref()
                                .map(|w| w.payment_types.as_slice())
                                .unwrap_or(&[]);
                            for (key, title) in &shop.payment_providers {
                                if i.payment_types.iter().any(|m| &m.provider == key) {
                                    continue;
                                }
                                if let Some(pt) = suggest_payment_type(key, title, all) {
                                    i.payment_types.push(
                                        skladsync_engine::settings::PaymentTypeMapping {
                                            provider: key.clone(),
                                            payment_type: pt.into(),
                                        },
                                    );
                                }
                            }
                        }
                        ui.weak(t.suggest_hint);
                    });
                    egui::Grid::new("pay-grid").num_columns(2).show(ui, |ui| {
                        for (key, title) in &shop.payment_providers {
                            let mut cur = i
                                .payment_types
                                .iter()
                                .find(|m| &m.provider == key)
                                .map(|m| m.payment_type);
                            let before = cur;
                            pick_one(ui, t, title, &mut cur, Some(types));
                            if cur != before {
                                i.payment_types.retain(|m| &m.provider != key);
                                if let Some(pt) = cur {
                                    i.payment_types.push(
                                        skladsync_engine::settings::PaymentTypeMapping {
                                            provider: key.clone(),
                                            payment_type: pt,
                                        },
                                    );
                                }
                            }
                        }
                    });
                }
                _ => {
                    ui.weak(t.pick_hint);
                }
            }

            ui.add_space(8.0);
            ui.strong(t.special_goods);
            match &goods_probe {
                Probe::Testing => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.weak(t.goods_loading);
                    });
                }
                Probe::Failed(e) => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("✖ {}", t.lookup_error(e)),
                    );
                }
                Probe::NotTested => {
                    ui.weak(t.pick_hint);
                }
                Probe::Ok(_) => {}
            }
            let goods = goods_probe.ok().map(|g| g.as_slice());
            let sg = &mut i.special_goods;
            let [q_delivery, q_discount, q_fee, q_other] = &mut queries;
            // A whole-order discount over goods of another VAT rate (9 %) goes on a discount
            // good of that rate; the row edits the first of them.
            let others = &mut i.discount_goods_other_rates;
            let mut other = others.first().copied();
            egui::Grid::new("special-grid")
                .num_columns(2)
                .show(ui, |ui| {
                    good_picker_row(ui, t, t.delivery, &mut sg.delivery, q_delivery, goods);
                    good_picker_row(ui, t, t.discount, &mut sg.discount, q_discount, goods);
                    good_picker_row(ui, t, t.discount_other_rate, &mut other, q_other, goods);
                    good_picker_row(ui, t, t.fee, &mut sg.fee, q_fee, goods);
                });
            match other {
                Some(g) if others.is_empty() => others.push(g),
                Some(g) => others[0] = g,
                None if !others.is_empty() => {
                    others.remove(0);
                }
                None => {}
            }
            self.webhooks_section(ui, id, &mut s);
        });
        self.view(id).goods_query = queries;
        self.update_server(s);
    }

    pub(super) fn export_tab(&mut self, ui: &mut egui::Ui, id: &str) {
        let t = self.texts();
        let Some(mut s) = self.server(id).cloned() else {
            return;
        };
        let supto = self.is_supto(id);
        let v = self.views.entry(id.to_owned()).or_default();
        let wh = v.warehouse.ok().cloned();
        let users = wh
            .as_ref()
            .map(|w| ids(&w.users, |u| (u.id, u.name.clone())));
        let objects = wh
            .as_ref()
            .map(|w| ids(&w.objects, |o| (o.id, o.name.clone())));
        let object_groups = wh
            .as_ref()
            .map(|w| ids(&w.object_groups, |g| (g.id, g.name.clone())));
        let goods_groups = wh.as_ref().map(|w| {
            ids(&w.goods_groups, |g| {
                // Indent by level: 3 letters of the code per level.
                let depth = g.code.chars().count().saturating_sub(3) / 3;
                (g.id, format!("{}{}", "  ".repeat(depth), g.name))
            })
        });
        let vat_groups = wh.as_ref().map(|w| {
            ids(&w.vat_groups, |g| {
                (g.id, format!("{} ({}%)", g.name, g.rate))
            })
        });
        egui::ScrollArea::vertical().show(ui, |ui| {
            let compare = &mut s.compare_by;
            let e = &mut s.export;
            egui::Grid::new("export-grid")
                .num_columns(2)
                .show(ui, |ui| {
                    check_row(ui, t.enabled, &mut e.enabled);
                    start_mode_row(ui, t, "export", &mut e.start, 5);
                    if supto {
                        pick_one(ui, t, t.active_user, &mut e.active_user, users.as_deref());
                    }
                    pick_many(
                        ui,
                        t,
                        t.object_groups,
                        &mut e.object_groups,
                        object_groups.as_deref(),
                        t.object,
                    );
                    pick_many(
                        ui,
                        t,
                        t.goods_groups,
                        &mut e.goods_groups,
                        goods_groups.as_deref(),
                        t.all,
                    );
                    pick_one(ui, t, t.object, &mut e.object, objects.as_deref());
                    check_row(ui, t.export_quantities, &mut e.export_quantities);
                    check_row(ui, t.export_goods, &mut e.export_goods);
                    check_row(ui, t.export_prices, &mut e.export_prices);
                    check_row(ui, t.prices_in_eur, &mut e.prices_in_eur);

                    choice_row(
                        ui,
                        t.compare_by,
                        "compare-by",
                        compare,
                        &[
                            CompareBy::BarcodeToBarcode1,
                            CompareBy::SkuToBarcode2,
                            CompareBy::SkuToCode,
                        ],
                        |c| match c {
                            CompareBy::BarcodeToBarcode1 => t.cmp_barcode,
                            CompareBy::SkuToBarcode2 => t.cmp_sku_barcode2,
                            CompareBy::SkuToCode => t.cmp_sku_code,
                        },
                    );

                    let l = ui.label(t.price_source);
                    let price_text = |p: &PriceSource| match p {
                        PriceSource::Retail => t.price_retail.to_owned(),
                        PriceSource::ObjectPriceGroup => t.price_object.to_owned(),
                        PriceSource::Group { group } => group.label(),
                    };
                    egui::ComboBox::from_id_salt("price-source")
                        .selected_text(price_text(&e.price))
                        .width(360.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut e.price, PriceSource::Retail, t.price_retail);
                            ui.selectable_value(
                                &mut e.price,
                                PriceSource::ObjectPriceGroup,
                                t.price_object,
                            );
                            for g in skladsync_warehouse::PriceGroup::all() {
                                if g == skladsync_warehouse::PriceGroup::RETAIL {
                                    continue;
                                }
                                ui.selectable_value(
                                    &mut e.price,
                                    PriceSource::Group { group: g },
                                    g.label(),
                                );
                            }
                        })
                        .response
                        .labelled_by(l.id);
                    ui.end_row();

                    choice_row(
                        ui,
                        t.stock_formula,
                        "stock-formula",
                        &mut e.stock_formula,
                        &[StockFormula::OnHand, StockFormula::OnHandMinusOrders],
                        |f| match f {
                            StockFormula::OnHand => t.stock_on_hand,
                            StockFormula::OnHandMinusOrders => t.stock_minus_orders,
                        },
                    );

                    choice_row(
                        ui,
                        t.missing_goods,
                        "missing-goods",
                        &mut e.missing_goods,
                        &[MissingGoods::LeaveAlone, MissingGoods::Deactivate],
                        |m| match m {
                            MissingGoods::LeaveAlone => t.missing_leave,
                            MissingGoods::Deactivate => t.missing_zero,
                        },
                    );

                    reconcile_row(ui, t, &mut e.reconcile_at);
                });

            ui.add_space(8.0);
            ui.strong(t.vat_classes);
            if vat_groups.is_none() {
                ui.weak(t.pick_hint);
            }
            let mut remove = None;
            egui::Grid::new("vat-grid").num_columns(5).show(ui, |ui| {
                for (n, m) in e.vat_classes.iter_mut().enumerate() {
                    let class_label = format!("{} {}", t.shop_class, n + 1);
                    let l = ui.label(&class_label);
                    ui.add(
                        egui::TextEdit::singleline(&mut m.shop_class)
                            .hint_text(t.shop_class_hint)
                            .desired_width(140.0),
                    )
                    .labelled_by(l.id);
                    let group_label = format!("{} {}", t.vat_group, n + 1);
                    let l = ui.label(&group_label);
                    let current = vat_groups
                        .as_deref()
                        .and_then(|g| g.iter().find(|(id, _)| *id == m.vat_group))
                        .map(|(_, name)| name.clone())
                        .unwrap_or_else(|| format!("#{}", m.vat_group));
                    match vat_groups.as_deref() {
                        Some(groups) => {
                            egui::ComboBox::from_id_salt(("vat-group", n))
                                .selected_text(current)
                                .width(220.0)
                                .show_ui(ui, |ui| {
                                    for (gid, name) in groups {
                                        ui.selectable_value(&mut m.vat_group, (*gid).into(), name);
                                    }
                                })
                                .response
                                .labelled_by(l.id);
                        }
                        None => {
                            ui.label(current).labelled_by(l.id);
                        }
                    }
                    if ui.button(t.remove).clicked() {
                        remove = Some(n);
                    }
                    ui.end_row();
                }
            });
            if let Some(n) = remove {
                e.vat_classes.remove(n);
            }
            if ui.button(t.add_vat_class).clicked() {
                e.vat_classes.push(VatClassMapping {
                    shop_class: String::new(),
                    vat_group: wh
                        .as_ref()
                        .and_then(|w| w.vat_groups.first())
                        .map_or(1, |g| g.id)
                        .into(),
                });
            }
        });
        self.update_server(s);
    }
}

/// Нощно сверяване: on or off, and its time.
fn reconcile_row(
    ui: &mut egui::Ui,
    t: &crate::texts::Texts,
    at: &mut Option<skladsync_engine::settings::DailyTime>,
) {
    let l = ui.label(t.reconcile_at);
    ui.horizontal(|ui| {
        let mut on = at.is_some();
        if ui.checkbox(&mut on, "").labelled_by(l.id).changed() {
            *at = on.then_some(skladsync_engine::settings::DailyTime { hour: 3, minute: 0 });
        }
        if let Some(time) = at {
            let h = ui.label(t.hour);
            ui.add(egui::DragValue::new(&mut time.hour).range(0..=23))
                .labelled_by(h.id);
            let m = ui.label(t.minute);
            ui.add(egui::DragValue::new(&mut time.minute).range(0..=59))
                .labelled_by(m.id);
        }
    });
    ui.end_row();
}

#[cfg(test)]
mod tests {
    use super::*;
    use skladsync_warehouse::PaymentType;

    fn pt(id: i64, name: &str, method: i64) -> PaymentType {
        PaymentType {
            id,
            name: name.into(),
            method,
        }
    }

    #[test]
    fn payment_suggestions_and_access_strings() {
        let types = [
            pt(1, "В брой", 1),
            pt(4, "Ваучер", 4),
            pt(2, "Банков превод", 2),
            pt(3, "Дебитна/Кредитна карта", 3),
        ];
        assert_eq!(
            suggest_payment_type("cod", "Наложен платеж", &types),
            Some(1)
        );
        assert_eq!(suggest_payment_type("bank_transfer", "", &types), Some(2));
        assert_eq!(suggest_payment_type("stripe", "Карта", &types), Some(3));
        assert_eq!(suggest_payment_type("other", "Друго", &types), Some(4));
        let named_only = [pt(1, "В брой", 1), pt(7, "Карта", 0)];
        assert_eq!(suggest_payment_type("card", "", &named_only), Some(7));
        assert_eq!(suggest_payment_type("cod", "", &[]), None);

        let c = access_connection_string(r"C:\Data\Microinvest.mdb");
        assert_eq!(
            c,
            r"Driver={Microsoft Access Driver (*.mdb, *.accdb)};DBQ=C:\Data\Microinvest.mdb;"
        );
        assert_eq!(access_file(&c).as_deref(), Some(r"C:\Data\Microinvest.mdb"));
        assert_eq!(access_file("DSN=x;"), None);
    }
}
