//! Every text of the window, in Bulgarian (the default, in the words of Utility Center and
//! Склад Pro — see the glossary) and in English, side by side.

use serde::{Deserialize, Serialize};

/// The window's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Bg,
    En,
}

static CLI_LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

impl Lang {
    /// The language of the command line's output (`--lang`, `SKLADSYNC_LANG`; Bulgarian when
    /// not chosen).
    pub fn cli() -> Lang {
        CLI_LANG.get().copied().unwrap_or_default()
    }

    /// Chosen once, at the start of the program.
    pub fn set_cli(lang: Lang) {
        let _ = CLI_LANG.set(lang);
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Bg => &BG,
            Lang::En => &EN,
        }
    }
}

macro_rules! texts {
    ($($name:ident: $bg:expr, $en:expr;)*) => {
        /// One field per text; [`BG`] and [`EN`] fill them.
        pub struct Texts { $(pub $name: &'static str,)* }
        pub const BG: Texts = Texts { $($name: $bg,)* };
        pub const EN: Texts = Texts { $($name: $en,)* };
    };
}

texts! {
    app_title: "skladsync — Склад Pro ↔ CloudCart", "skladsync — Warehouse Pro ↔ CloudCart";
    language: "Език", "Language";
    start_with_computer: "Стартирай с компютъра", "Start with the computer";
    start_with_computer_hint: "skladsync serve тръгва при влизане в системата и работи без прозореца; прозорецът се свързва с него", "skladsync serve starts at login and works without the window; the window attaches to it";
    attached: "Свързан с работещата услуга skladsync serve", "Attached to the running skladsync serve";
    servers: "Сървъри", "Servers";
    new: "Нов", "New";
    edit: "Редакция", "Edit";
    delete: "Изтрий", "Delete";
    server_name: "Име на сървъра", "Server name";
    server_type: "Тип на сървъра", "Server type";
    ok: "OK", "OK";
    cancel: "Отказ", "Cancel";
    new_server_name: "Нов сървър", "New server";
    confirm_delete: "Да се изтрие ли сървърът", "Delete the server";
    no_server: "Изберете сървър или създайте нов с бутон „Нов“.", "Choose a server or make one with “New”.";
    tab_connection: "Връзка", "Connection";
    tab_import: "Импорт от CloudCart", "Import from CloudCart";
    tab_export: "Експорт от Склад Pro", "Export from Warehouse Pro";
    tab_actions: "Действия", "Actions";
    tab_check: "Проверка съответствие на стоките", "Correspondence check";
    tab_pull: "Изтегляне на стоки от CloudCart", "Pull products from CloudCart";
    shop: "Онлайн магазин (CloudCart)", "Online shop (CloudCart)";
    shop_url: "Адрес на магазина (API)", "Shop address (API)";
    api_key: "API ключ", "API key";
    save_key: "Запази ключа", "Save the key";
    key_saved: "Ключът е запазен", "The key is saved";
    key_stored_in: "Ключовете се пазят в", "Keys are kept in";
    store_keychain: "системния трезор за пароли", "the OS keychain";
    store_file: "файл само за този потребител (избрано от вас)", "a file readable only by this user (your choice)";
    store_session: "паметта — до затваряне на програмата", "memory — until the program closes";
    no_keychain: "Няма системен трезор за пароли (keychain). Ключовете се пазят само до затваряне на програмата.", "No OS keychain is available. Keys are kept only until the program closes.";
    use_file_store: "Пази ключовете във файл (само за този потребител)", "Keep keys in a file (this user only)";
    warehouse: "Склад Pro", "Warehouse Pro";
    backend: "Вид база данни", "Database type";
    backend_access: "MS Access (.mdb/.accdb)", "MS Access (.mdb/.accdb)";
    backend_mysql: "MySQL", "MySQL";
    backend_mssql: "MS SQL Server", "MS SQL Server";
    backend_odbc: "Друг ODBC източник", "Other ODBC source";
    backend_sqlite: "SQLite (демо)", "SQLite (demo)";
    db_file: "Файл на базата", "Database file";
    choose_file: "Избери…", "Browse…";
    mysql_url: "Адрес (mysql://потребител:{password}@хост:3306/база)", "URL (mysql://user:{password}@host:3306/database)";
    connection_string: "Низ за връзка ({password} на мястото на паролата)", "Connection string ({password} in place of the password)";
    db_password: "Парола за базата", "Database password";
    trust_any_certificate: "Приемай всеки сертификат на сървъра (небезопасно: без проверка кой е сървърът)", "Trust any server certificate (unsafe: the server is not verified)";
    save_password: "Запази паролата", "Save the password";
    edition: "Версия на Склад Pro", "Warehouse Pro edition";
    edition_detect: "Разпознай", "Detect";
    edition_normal: "Обикновена", "Normal";
    edition_supto: "СУПТО", "SUPTO";
    test_connection: "Тест на връзката", "Test connection";
    testing: "Проверка…", "Testing…";
    not_tested: "Връзката не е проверена.", "Not tested yet.";
    shop_ok: "Връзката с магазина е успешна", "Connected to the shop";
    warehouse_ok: "Връзката със Склад Pro е успешна", "Connected to Warehouse Pro";
    supto_yes: "СУПТО", "SUPTO";
    supto_no: "не-СУПТО", "non-SUPTO";
    err_missing_secret: "Няма запазен ключ или парола: въведете го и натиснете „Запази“.", "No key or password is stored: enter it and press “Save”.";
    err_secret_store: "Трезорът за пароли отказа", "The secret store failed";
    err_wrong_key: "CloudCart отказа API ключа: проверете го в магазина (Настройки › API ключове).", "CloudCart refused the API key: check it in the shop (Settings › API Keys).";
    err_no_api: "Планът на магазина е без API достъп или това не е основният домейн: използвайте точно адреса от Настройки › API ключове.", "The shop’s plan has no API access, or this is not its primary domain: use exactly the address under Settings › API Keys.";
    err_shop_unreachable: "Магазинът не отговаря на този адрес: проверете адреса (домейна).", "The shop does not answer at this address: check the address (domain).";
    err_shop: "Грешка от CloudCart", "CloudCart error";
    err_db_unreachable: "Базата данни не е достъпна: проверете сървъра, файла и паролата.", "The database cannot be reached: check the server, the file and the password.";
    err_not_warehouse: "Това не е база данни на Склад Pro.", "This is not a Warehouse Pro database.";
    err_too_old: "Версията на Склад Pro е твърде стара: нужна е по-нова от 3.07.055. Намерена", "Warehouse Pro is too old: newer than 3.07.055 is needed. Found";
    err_warehouse: "Грешка от Склад Pro", "Warehouse Pro error";
    pick_hint: "Тествайте връзката, за да изберете от списък.", "Test the connection to choose from a list.";
    none: "(няма)", "(none)";
    all: "Всички", "All";
    selected_n: "избрани", "selected";
    enabled: "Включена задача", "Task enabled";
    start_mode: "Отложен старт", "Delayed start";
    start_on_server: "При стартиране на сървъра", "On server start";
    start_at_time: "Всеки ден в", "Every day at";
    start_every: "На всеки N минути", "Every N minutes";
    start_continuous: "Непрекъснато", "Continuously";
    task_reconcile: "Нощно сверяване", "Nightly reconciliation";
    reconcile_at: "Нощно сверяване с магазина в", "Nightly reconciliation with the shop at";
    start_continuous_hint: "Следи за промени на всеки няколко секунди и изпраща само промененото; заявка към магазина се прави само при промяна", "Watches for changes every few seconds and sends only what changed; the shop gets a request only when something changed";
    poll_every: "проверка на всеки", "a check every";
    poll_every_seconds: "Проверка на всеки (секунди)", "Check every (seconds)";
    in_step_since: "В синхрон от", "In step since";
    last_push: "Последна промяна изпратена", "Last change sent";
    written: "записани", "written";
    requests_this_hour: "Заявки към магазина за последния час (от позволените)", "Shop requests in the last hour (of those allowed)";
    hour: "час", "hour";
    minute: "минута", "minute";
    minutes: "минути", "minutes";
    active_user: "Активен потребител в Склад Pro", "Active user in Warehouse Pro";
    written_as: "Документите се записват като", "Documents are written as";
    service_user: "служебния потребител (ID 1): не е избран активен потребител", "the service user (ID 1): no active user is chosen";
    object: "Обект за операции", "Object for operations";
    pull_products: "Изтегляне на стоки от CloudCart", "Pull products from CloudCart";
    prices_in_eur: "Цени в евро", "Prices in euro";
    document_kind: "Вид на документа", "Document type";
    doc_order: "Поръчка", "Order";
    doc_sale: "Продажба", "Sale";
    fiscal_device: "Сериен номер на касов апарат", "Cash-register serial number";
    operator_code: "Код на оператор (за УНП)", "Operator code (for the USN)";
    time_zone: "Часова зона", "Time zone";
    sale_statuses: "Кога поръчката се трансформира в продажба", "When an order becomes a sale";
    payment_types: "Типове плащане (начин на плащане в магазина ➡ тип плащане в Склад Pro)", "Payment types (shop payment method ➡ Warehouse Pro payment type)";
    suggest: "Попълни предложение", "Fill in a suggestion";
    suggest_hint: "Предложението се записва веднага; проверете го.", "The suggestion is saved at once; check it.";
    special_goods: "Служебни стоки", "Special goods";
    goods_search_hint: "Търсене по код, име или баркод", "Search by code, name or barcode";
    goods_loading: "Стоките се зареждат…", "Loading the goods…";
    goods_no_match: "Няма намерени стоки", "No goods found";
    goods_more: "Показани са първите 50 – уточнете търсенето", "Showing the first 50 – narrow the search";
    goods_not_found: "стоката липсва в Склад Pro", "the good is missing in Warehouse Pro";
    clear: "Изчисти", "Clear";
    delivery: "Доставка", "Delivery";
    discount: "Търговска отстъпка", "Discount";
    discount_other_rate: "Отстъпка, друга ставка ДДС", "Discount, other VAT rate";
    fee: "Такса", "Fee";
    object_groups: "Групи обекти за количества", "Object groups for quantities";
    goods_groups: "Групи от стоки", "Goods groups";
    export_goods: "Експорт стоки от Склад Pro", "Export goods";
    export_quantities: "Експорт количества от Склад Pro", "Export quantities";
    export_prices: "Експорт цени от Склад Pro", "Export prices";
    price_source: "Цена за магазина", "Price for the shop";
    price_retail: "Цена на дребно", "Retail price";
    price_object: "Ценовата група на обекта за операции", "The price group of the object for operations";
    stock_formula: "Количество в магазина", "Quantity in the shop";
    stock_on_hand: "Наличност", "Quantity on hand";
    stock_minus_orders: "Наличност минус отворени поръчки", "On hand minus open orders";
    missing_goods: "Стоки извън избраните групи", "Goods outside the chosen groups";
    missing_leave: "Не ги променяй", "Leave them alone";
    missing_zero: "Нулирай количеството им", "Set their quantity to 0";
    compare_by: "Сравнявай по", "Compare by";
    cmp_barcode: "Баркод ↔ Баркод 1", "Barcode ↔ Barcode 1";
    cmp_sku_barcode2: "SKU ↔ Баркод 2", "SKU ↔ Barcode 2";
    cmp_sku_code: "SKU ↔ Код", "SKU ↔ Code";
    vat_classes: "ДДС клас в магазина ➡ ДДС група", "Shop VAT class ➡ VAT group";
    add: "Добави", "Add";
    remove: "Премахни", "Remove";
    shop_class: "ДДС клас", "VAT class";
    shop_class_hint: "напр. standard", "e.g. standard";
    vat_group: "ДДС група", "VAT group";
    add_vat_class: "Добави ДДС клас", "Add a VAT class";
    start: "Старт", "Start";
    stop: "Стоп", "Stop";
    dry_run: "Пробно (без запис)", "Trial (write nothing)";
    running: "Работи", "Running";
    idle: "Не работи", "Idle";
    overview: "Преглед", "Overview";
    overview_title: "Работи ли всичко?", "Is everything working?";
    overview_server: "Сървър", "Server";
    overview_now: "Сега", "Now";
    overview_last: "Последно изпълнение", "Last run";
    overview_waiting: "Чакащи поръчки", "Waiting orders";
    overview_problems: "Проблеми", "Problems";
    overview_open: "Отвори", "Open";
    never_run: "още не е изпълнявана", "not run yet";
    next_run: "Следващо изпълнение", "Next run";
    rate: "скорост", "rate";
    per_second: "/с", "/s";
    time_left: "остават", "left";
    last_run: "Последно изпълнение", "Last run";
    done_ok: "Завърши успешно", "Finished";
    failed: "Неуспешно", "Failed";
    created: "създадени", "created";
    updated: "обновени", "updated";
    unchanged: "без промяна", "unchanged";
    deactivated: "нулирани", "set to 0";
    skipped: "пропуснати", "skipped";
    problems_count: "проблеми", "problems";
    problems: "Проблеми по стоки и поръчки (какво да се поправи)", "Problems per item (what to fix)";
    no_problems: "Няма проблеми.", "No problems.";
    item: "Стока или поръчка", "Item";
    what_to_fix: "Какво да се поправи", "What to fix";
    log: "Дневник", "Log";
    level: "Ниво", "Level";
    level_info: "Всички", "All";
    level_warning: "Предупреждения и грешки", "Warnings and errors";
    level_error: "Само грешки", "Errors only";
    history: "История на изпълненията", "Run history";
    refresh: "Обнови", "Refresh";
    when: "Кога", "When";
    task: "Задача", "Task";
    result: "Резултат", "Result";
    trial: "проба", "dry run";
    exceptions: "Поръчки за ръчна намеса", "Orders needing attention";
    no_exceptions: "Няма поръчки за ръчна намеса.", "No orders need attention.";
    order: "Поръчка", "Order";
    kind: "Вид", "Kind";
    reasons: "Причина — какво да се поправи", "Reason — what to fix";
    attempts: "Опити", "Attempts";
    dismissed: "махната от опашката", "taken off the queue";
    stopping: "Спиране…", "Stopping…";
    no_servers_in: "Няма сървъри в", "No servers in";
    may_import_again: "може да бъде внесена отново", "may be imported again";
    rows_written_to: "реда записани в", "rows written to";
    problems_written_to: "проблема записани в", "problems written to";
    retry: "Опитай пак", "Retry";
    retry_all: "Опитай пак всички", "Retry all";
    dismiss: "Премахни от списъка", "Remove from the list";
    q_rejected: "Не е внесена", "Not imported";
    q_operator: "За оператора", "For the operator";
    q_failed: "Грешка", "Error";
    first_run_days: "Първият импорт взема поръчките от последните (дни)", "The first import takes the orders of the last (days)";
    webhooks: "Webhooks за поръчки", "Order webhooks";
    webhooks_hint: "Магазинът извиква програмата при всяка нова или променена поръчка и тя се внася веднага; проверката по „Отложен старт“ остава. Нужен е адрес, до който магазинът стига от интернет (публичен адрес, тунел или reverse proxy към адреса за слушане).", "The shop calls the program on every new or changed order, and the order is imported at once; the checks by the “Delayed start” stay. The shop must reach an address from the internet (a public address, a tunnel or a reverse proxy to the listen address).";
    webhook_bind: "Адрес за слушане (напр. 0.0.0.0:8765; празно – изключено)", "Listen on (e.g. 0.0.0.0:8765; empty – off)";
    webhook_public_url: "Публичен адрес, който магазинът вика", "Public address the shop calls";
    webhook_secret: "Таен ключ за webhooks", "Webhook secret";
    webhook_secret_hint: "празно: създава се при активиране", "empty: one is made on activation";
    save_secret: "Запази тайния ключ", "Save the secret";
    secret_saved: "Тайният ключ е запазен", "The secret is saved";
    secret_created: "Създаден е нов таен ключ и е запазен", "A new secret was made and kept";
    activate_webhooks: "Активирай webhooks", "Activate webhooks";
    webhooks_in_shop: "В магазина", "In the shop";
    hook_active: "активен", "active";
    hook_disabled: "изключен от магазина (след неуспешни доставки)", "disabled by the shop (after failed deliveries)";
    hook_missing: "не е регистриран", "not registered";
    hook_created: "създаден", "created";
    hook_reenabled: "включен отново", "enabled again";
    hook_updated: "адресът и ключът са обновени", "address and secret updated";
    hook_removed: "премахнати излишни", "extra ones removed";
    hook_not_current: "вика друг адрес или с друг ключ: натиснете „Активирай webhooks“", "calls another address or with another secret: press “Activate webhooks”";
    receiver_listening: "Приемникът слуша на", "The receiver listens on";
    receiver_cannot_listen: "Приемникът не може да слуша на", "The receiver cannot listen on";
    receiver_stopped: "Приемникът работи, докато импортът е пуснат („Старт“ в „Действия“ или skladsync serve).", "The receiver runs while the import runs (“Start” in “Actions”, or skladsync serve).";
    receiver_accepted: "приети поръчки", "orders taken in";
    receiver_dropped: "повторени или стари", "repeated or old";
    receiver_refused: "отказани (грешен ключ)", "refused (wrong secret)";
    receiver_last: "последна доставка", "last delivery";
    check_run: "Провери", "Check";
    check_hint: "Сравнява стоките в Склад Pro с продуктите в магазина по настройката „Сравнявай по“.", "Compares Warehouse Pro goods with the shop’s products by the “Compare by” setting.";
    status: "Състояние", "Status";
    search: "Търсене", "Search";
    export_csv: "Запиши CSV", "Save CSV";
    export_xlsx: "Запиши .xlsx", "Save .xlsx";
    csv_saved: "Файлът е записан", "File saved";
    rows: "реда", "rows";
    key: "Код за сравнение", "Compare key";
    good: "Стока в Склад Pro", "Warehouse Pro good";
    code: "Код", "Code";
    sku: "SKU", "SKU";
    barcode: "Баркод", "Barcode";
    wh_price: "Цена Склад Pro", "Warehouse price";
    shop_price: "Цена магазин", "Shop price";
    wh_qty: "Кол. Склад Pro", "Warehouse qty";
    shop_qty: "Кол. магазин", "Shop qty";
    st_matched: "Съвпада", "Matched";
    st_only_wh: "Само в Склад Pro", "Only in Warehouse Pro";
    st_only_shop: "Само в магазина", "Only in the shop";
    st_dup_wh: "Повтаря се в Склад Pro", "Duplicated in Warehouse Pro";
    st_dup_shop: "Повтаря се в магазина", "Duplicated in the shop";
    st_no_key: "Без код за сравнение", "No compare key";
    pull_intro: "Еднократно изтегляне на всички продукти от магазина в Склад Pro. Стъпки: 1) преглед без запис; 2) изтегляне; 3) настройката „Изтегляне на стоки от CloudCart“ се изключва сама.", "One-time pull of every shop product into Warehouse Pro. Steps: 1) preview without writing; 2) pull; 3) the “Pull products from CloudCart” setting turns itself off.";
    pull_step1: "1. Преглед (пробно)", "1. Preview (trial)";
    pull_step2: "2. Изтегли стоките", "2. Pull the products";
    pull_done: "3. Готово: стоките са изтеглени и настройката „Изтегляне на стоки от CloudCart“ е изключена.", "3. Done: the products were pulled and “Pull products from CloudCart” is now off.";
    pull_not_off: "Изтеглянето завърши с проблеми: поправете ги (виж „Действия“) и изтеглете отново.", "The pull finished with problems: fix them (see “Actions”) and pull again.";
    pull_preview_result: "Прегледът показа", "The preview shows";
    saved_settings_error: "Настройките не можаха да се запишат", "The settings could not be saved";
    settings_file: "Файл с настройки", "Settings file";
}

impl Texts {
    pub fn match_status(&self, s: skladsync_engine::correspondence::MatchStatus) -> &'static str {
        use skladsync_engine::correspondence::MatchStatus as M;
        match s {
            M::Matched => self.st_matched,
            M::OnlyInWarehouse => self.st_only_wh,
            M::OnlyInShop => self.st_only_shop,
            M::DuplicateInWarehouse => self.st_dup_wh,
            M::DuplicateInShop => self.st_dup_shop,
            M::NoKey => self.st_no_key,
        }
    }

    pub fn queue_kind(&self, k: skladsync_engine::orders::QueueKind) -> &'static str {
        use skladsync_engine::orders::QueueKind as Q;
        match k {
            Q::Rejected => self.q_rejected,
            Q::Operator => self.q_operator,
            Q::Failed => self.q_failed,
        }
    }

    pub fn task(&self, t: skladsync_engine::Task) -> &'static str {
        use skladsync_engine::Task;
        match t {
            Task::Export => self.tab_export,
            Task::ProductPull => self.tab_pull,
            Task::Correspondence => self.tab_check,
            Task::OrderImport => self.tab_import,
            Task::QueueRetry => self.retry,
            Task::Reconcile => self.task_reconcile,
        }
    }

    /// A failed look-up in the user's words, with the technical detail after it.
    pub fn lookup_error(&self, e: &skladsync_engine::lookups::LookupError) -> String {
        use skladsync_engine::lookups::LookupError as L;
        match e {
            L::MissingSecret(d) => format!("{} ({d})", self.err_missing_secret),
            L::SecretStore(d) => format!("{}: {d}", self.err_secret_store),
            L::WrongKey(d) => format!("{} ({d})", self.err_wrong_key),
            L::NoApiAccess(_) => self.err_no_api.to_owned(),
            L::ShopUnreachable(d) => format!("{} ({d})", self.err_shop_unreachable),
            L::Shop(d) => format!("{}: {d}", self.err_shop),
            L::DatabaseUnreachable(d) => format!("{} ({d})", self.err_db_unreachable),
            L::NotWarehouse(d) => format!("{} ({d})", self.err_not_warehouse),
            L::TooOld { version } => format!("{} {version}.", self.err_too_old),
            L::Warehouse(d) => format!("{}: {d}", self.err_warehouse),
            L::Other(d) => d.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulgarian_is_default_and_labels_follow_the_glossary() {
        assert_eq!(Lang::default(), Lang::Bg);
        let t = Lang::default().texts();
        assert_eq!(t.new, "Нов");
        assert_eq!(t.edit, "Редакция");
        assert_eq!(t.delete, "Изтрий");
        assert_eq!(t.fiscal_device, "Сериен номер на касов апарат");
        assert_eq!(Lang::En.texts().new, "New");
    }
}
