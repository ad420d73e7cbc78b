//! The import settings that keep documents as Склад Pro keeps them: the time zone whose day
//! dates them, and the discount good at another VAT rate — driven headless by their labels.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skladsync::demo;
use skladsync::texts::BG;
use skladsync::ui::{App, AppInit, Probe};

fn harness(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

fn wait(h: &mut Harness<'_, App>, what: &str, secs: u64, cond: impl Fn(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        h.step();
        if cond(h.state_mut()) {
            h.step();
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text_input<'a>(h: &'a Harness<'_, App>, label: &'a str) -> egui_kittest::Node<'a> {
    h.get_by_role_and_label(Role::TextInput, label)
}

fn replace_text(h: &mut Harness<'_, App>, label: &str, text: &str) {
    text_input(h, label).focus();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    text_input(h, label).type_text(text);
    h.run_steps(3);
}

#[test]
fn the_time_zone_and_the_discount_good_at_another_rate_are_set_in_the_import_tab() {
    let dir = tempfile::tempdir().unwrap();
    let rt: Arc<tokio::runtime::Runtime> = skladsync::runtime().unwrap();
    let d = rt.block_on(demo::start(dir.path(), false)).unwrap();
    let id = d.server.id.clone();
    let journal = rt
        .block_on(skladsync_engine::Journal::open(
            &dir.path().join("journal.db"),
        ))
        .unwrap();
    let app = App::new(AppInit {
        runtime: rt.clone(),
        settings: d.settings.clone(),
        secrets: d.secrets.clone(),
        secret_store: None,
        journal: Some(journal),
        runner: None,
        attach: None,
        engine: None,
        select: Some(id.clone()),
        lang: Default::default(),
    });
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label(BG.tab_import).click();
    wait(&mut h, "the warehouse's goods", 30, |a| {
        matches!(a.views.get(&id).unwrap().goods, Probe::Ok(_))
    });

    // The demo dates documents in Sofia and has a discount good at 9 %.
    let saved = d.settings.load().unwrap();
    assert_eq!(saved.servers[0].import.time_zone.0, "Europe/Sofia");
    let nine = saved.servers[0].import.discount_goods_other_rates.clone();
    assert_eq!(nine.len(), 1);
    h.get_by_label("✔ SVC-DISCOUNT-9 — Търговска отстъпка 9 %");

    replace_text(&mut h, BG.time_zone, "Europe/London");
    let saved = d.settings.load().unwrap();
    assert_eq!(saved.servers[0].import.time_zone.0, "Europe/London");

    // Cleared, then picked again by its code.
    let clears: Vec<_> = h.get_all_by_label(BG.clear).collect();
    assert_eq!(clears.len(), 4, "delivery, discount, discount at 9 %, fee");
    clears[2].click();
    h.run_steps(3);
    let saved = d.settings.load().unwrap();
    assert!(
        saved.servers[0]
            .import
            .discount_goods_other_rates
            .is_empty()
    );
    text_input(&h, BG.discount_other_rate).focus();
    h.run_steps(2);
    text_input(&h, BG.discount_other_rate).type_text("SVC-DISCOUNT-9");
    h.run_steps(3);
    h.get_by_label("SVC-DISCOUNT-9 — Търговска отстъпка 9 %")
        .click();
    h.run_steps(3);
    let saved = d.settings.load().unwrap();
    assert_eq!(saved.servers[0].import.discount_goods_other_rates, nine);
}
