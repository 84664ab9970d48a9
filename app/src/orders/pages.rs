//! Order pages: the list (search, filters, sort, keyset pages, bulk actions and bulk shipping),
//! manual order creation, and the order page with lines, payments, shipments, timeline and the
//! lifecycle actions allowed now.

use super::api::*;
use super::lifecycle::{FulfilmentStatus, PaymentStatus, PaymentTerms};
use super::model::{BulkOutcome, OrderDetail, OrderQuery, OrderRow};
use super::rules::{OrderStatus, CANCEL_REASONS, REFUND_REASONS};
use crate::components::use_amounts;
use crate::components::use_zone;
use crate::components::{page_resource, ErrorAlert, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS};
use crate::components::{ConfirmStep, MoneyInput};
use crate::customers::api::list_customers;
use crate::customers::model::CustomerQuery;
use crate::customers::rules::AccountType;
use crate::dates::ShopZone;
use crate::error::AppError;
use crate::html::HtmlBuf;
use crate::money::amount_text;
use crate::money::AmountStyle;
use crate::once::OnceForm;
use crate::products::api::search_variants;
use crate::products::pages::{encode_query, use_id};
use crate::shops::pages::{child_error, loading, use_slug, CARD};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::sync::Arc;

use crate::components::{
    SECONDARY_BUTTON_CLASS as SECONDARY_BUTTON, TD_CLASS as TD, TH_CLASS as TH,
};

const BADGE_CLASS: &str = "rounded-full px-2 py-0.5 text-xs font-medium";

fn status_colour(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "bg-amber-100 text-amber-800",
        OrderStatus::Paid => "bg-sky-100 text-sky-800",
        OrderStatus::Approved => "bg-indigo-100 text-indigo-800",
        OrderStatus::PartiallyShipped | OrderStatus::Shipped => "bg-violet-100 text-violet-800",
        OrderStatus::Delivered => "bg-emerald-100 text-emerald-800",
        OrderStatus::Cancelled | OrderStatus::Refunded => "bg-slate-200 text-slate-700",
    }
}

fn status_badge(status: OrderStatus) -> impl IntoView {
    view! { <span data-testid="order-status" class=format!("{BADGE_CLASS} {}", status_colour(status))>{status.label()}</span> }
}

/// Styles of the orders-list body (`style/tailwind.css`), set once on `<tbody>` so each of the
/// 50 rows carries bare `<td>`s: cells, the order link and the e-mail line under the name.
const ORDER_ROWS_CLASS: &str = "cw-order-rows";

/// Room for one row's HTML: a typical demo order's row is about 446 bytes, so a page's rows fit
/// the buffer without growing it.
const ROW_HTML_BYTES: usize = 480;

/// The rows of the orders list as one escaped HTML string (see [`crate::html`]): they carry no
/// reactivity, and as Leptos elements they cost more than the rest of the page together. Their
/// styles come from [`ORDER_ROWS_CLASS`] on the body, which halves the page's size.
pub(crate) fn order_rows_html(
    orders: &[OrderRow],
    base: &str,
    currency: &str,
    zone: &ShopZone,
    style: AmountStyle,
) -> String {
    let mut html = HtmlBuf::with_capacity(orders.len() * ROW_HTML_BYTES);
    for order in orders {
        // Numbers need no escaping; the base path (from the shop's slug) is escaped.
        html.raw(r#"<tr><td><input type="checkbox" name="selected["#)
            .int(order.id)
            .raw(r#"]" value=""#)
            .int(order.id)
            .raw(r#"" aria-label="Select order #"#)
            .int(order.number)
            .raw(r#""></td><td><a href=""#)
            .text(base)
            .raw("/")
            .int(order.id)
            .raw(r#"">#"#)
            .int(order.number)
            .raw("</a></td><td>")
            .date_time(order.placed_at_ms, zone)
            .raw("</td><td>")
            .text(&order.customer_name)
            .raw("<small>")
            .text(&order.customer_email)
            .raw("</small></td><td>")
            .raw(if order.customer_type == "business" {
                "B2B"
            } else {
                "B2C"
            })
            .raw("</td><td>")
            .text(&order.channel)
            .raw(r#"</td><td><span data-testid="order-status" class=""#)
            .raw(BADGE_CLASS)
            .raw(" ")
            .raw(status_colour(order.status))
            .raw(r#"">"#)
            .text(order.status.label())
            .raw("</span>");
        if order.overdue {
            html.raw(r#" <span data-testid="order-overdue" class=""#)
                .raw(BADGE_CLASS)
                .raw(r#" bg-red-100 text-red-800">Overdue</span>"#);
        }
        html.raw(r#"<small data-testid="order-payment-fulfilment">"#)
            .text(order.payment_status.label())
            .raw(" · ")
            .text(order.fulfilment_status.label())
            .raw("</small></td><td>")
            .money(order.total_minor, currency, style)
            .raw("</td></tr>");
    }
    html.into_string()
}

fn outcomes_view(result: Option<Result<Vec<BulkOutcome>, AppError>>) -> AnyView {
    match result {
        None => ().into_any(),
        Some(Err(error)) => view! { <ErrorAlert error/> }.into_any(),
        Some(Ok(outcomes)) => view! {
            <ul aria-label="Bulk results" class="space-y-1 text-sm">
                {outcomes.into_iter().map(|outcome| {
                    let (role, class) = if outcome.ok { ("status", "text-emerald-700") } else { ("alert", "text-red-700") };
                    view! { <li role=role class=class>{outcome.message}</li> }
                }).collect_view()}
            </ul>
        }.into_any(),
    }
}

/// A table body with one cell across the list's eight columns: loading, no orders, an error.
fn table_note(note: impl IntoView + 'static) -> AnyView {
    view! {
        <tbody><tr><td colspan="8" class="px-3 py-4">{note}</td></tr></tbody>
    }
    .into_any()
}

/// The orders list's link to another page: the current filters and one cursor (`after` for the
/// next page, `before` for the previous one).
fn page_href(current: &OrderQuery, direction: &'static str, cursor: String) -> String {
    let params = [
        ("q", current.q.clone()),
        ("status", current.status.clone()),
        ("payment", current.payment.clone()),
        ("fulfilment", current.fulfilment.clone()),
        ("overdue", current.overdue.clone()),
        ("channel", current.channel.clone()),
        ("customer_type", current.customer_type.clone()),
        ("from", current.from.clone()),
        ("to", current.to.clone()),
        ("sort", current.sort.clone()),
        (direction, cursor),
    ];
    format!("?{}", encode_query(&params))
}

/// The query string of the filter form an event happened in (`q=…&status=…`), in the browser.
#[cfg(feature = "hydrate")]
fn form_query(event: &leptos::ev::Event) -> Option<String> {
    use wasm_bindgen::JsCast;
    let form = event
        .current_target()?
        .dyn_into::<web_sys::HtmlFormElement>()
        .ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    Some(String::from(params.to_string()))
}

#[cfg(not(feature = "hydrate"))]
fn form_query(_event: &leptos::ev::Event) -> Option<String> {
    None
}

/// Ticks or clears every order's box on the page, as the "select all" box is.
fn select_all_rows(event: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let checked = event_target_checked(&event);
        let Ok(boxes) =
            document().query_selector_all("tbody input[type=checkbox][name^='selected[']")
        else {
            return;
        };
        for index in 0..boxes.length() {
            if let Some(input) = boxes
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                input.set_checked(checked);
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let slug = use_slug();
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let map = query_map.read();
        let get = |key: &str| map.get(key).unwrap_or_default();
        OrderQuery {
            q: get("q"),
            status: get("status"),
            payment: get("payment"),
            fulfilment: get("fulfilment"),
            overdue: get("overdue"),
            channel: get("channel"),
            customer_type: get("customer_type"),
            from: get("from"),
            to: get("to"),
            sort: get("sort"),
            after: get("after"),
            before: get("before"),
        }
    });
    // Controls that only work with Wasm (select all, filters that apply on change) appear once
    // hydrated; effects run in the browser only.
    let hydrated = crate::components::use_hydrated();
    let navigate = leptos_router::hooks::use_navigate();
    // Once hydrated, a changed filter applies at once: the form's fields become the query of a
    // client-side navigation (the same URL the Apply button's plain GET gives).
    let apply_filters = move |event: &leptos::ev::Event| {
        if let Some(search) = form_query(event) {
            event.prevent_default();
            navigate(&format!("?{search}"), Default::default());
        }
    };
    let bulk = ServerAction::<BulkOrders>::new();
    let bulk_ship = ServerAction::<BulkShipOrders>::new();
    let page = page_resource(
        move || {
            (
                slug.get(),
                query.get(),
                bulk.version().get(),
                bulk_ship.version().get(),
            )
        },
        |(slug, query, ..)| list_orders(slug, query),
    );
    // The rows' HTML, built once per page of results. On the server the `Transition` below runs
    // its children three times (twice while it finds the resources they wait for, then to
    // render); the last two runs have the data, and building the 50 rows in both was about 7 %
    // of the page's profile.
    let zone = use_zone();
    let style = use_amounts();
    let rows_html = Memo::new(move |_| {
        let base = format!("/shops/{}/orders", slug.get());
        page.with(|result| match result {
            Some(Ok(page)) => Arc::<str>::from(order_rows_html(
                &page.orders,
                &base,
                &page.currency,
                &zone,
                style,
            )),
            _ => Arc::from(""),
        })
    });
    let mut statuses = vec![("", "All")];
    statuses.extend(
        OrderStatus::ALL
            .into_iter()
            .map(|status| (status.as_str(), status.label())),
    );
    let mut payments = vec![("", "All")];
    payments.extend(
        PaymentStatus::ALL
            .iter()
            .map(|status| (status.as_str(), status.label())),
    );
    let mut fulfilments = vec![("", "All")];
    fulfilments.extend(
        FulfilmentStatus::ALL
            .iter()
            .map(|status| (status.as_str(), status.label())),
    );
    // One reactive closure for the whole form: it is redrawn when the query changes (a
    // client-side navigation between filters), and the server renders plain options.
    let filters = move || {
        let current = query.get();
        let select = |name: &'static str,
                      id: &'static str,
                      label: &'static str,
                      options: Vec<(&'static str, &'static str)>,
                      chosen: &str| {
            let chosen = chosen.to_string();
            view! {
                <div>
                    <label for=id class=LABEL_CLASS>{label}</label>
                    <select id=id name=name class=INPUT_CLASS>
                        {options.into_iter().map(|(value, text)| view! {
                            <option value=value selected=chosen == value>{text}</option>
                        }).collect_view()}
                    </select>
                </div>
            }
        };
        let sort = if current.sort.is_empty() {
            "newest"
        } else {
            current.sort.as_str()
        };
        let chosen = [
            &current.status,
            &current.payment,
            &current.fulfilment,
            &current.overdue,
            &current.channel,
            &current.customer_type,
            &current.from,
            &current.to,
        ]
        .into_iter()
        .filter(|value| !value.is_empty())
        .count();
        let unfold = chosen > 0 || !current.q.is_empty();
        view! {
            // Folded behind "Filters" on a phone (open when some are set); always open on wider
            // screens (`.cw-filters` in style/tailwind.css).
            <details class="cw-filters mt-4" open=unfold>
            <summary>{if chosen == 0 { "Filters".to_string() } else { format!("Filters ({chosen})") }}</summary>
            <form method="get" class="mt-3 flex flex-wrap items-end gap-3 sm:mt-0" role="search" on:change={
                let apply = apply_filters.clone();
                move |event| apply(&event)
            } on:submit={
                let apply = apply_filters.clone();
                move |event: leptos::ev::SubmitEvent| apply(&event)
            }>
                <div>
                    <label for="order-search" class=LABEL_CLASS>"Search"</label>
                    <input id="order-search" name="q" type="search" placeholder="Number, email, name or SKU" value=current.q.clone() class=INPUT_CLASS/>
                </div>
                {select("status", "order-status", "Status", statuses.clone(), &current.status)}
                {select("payment", "order-payment", "Payment", payments.clone(), &current.payment)}
                {select("fulfilment", "order-fulfilment", "Fulfilment", fulfilments.clone(), &current.fulfilment)}
                <div class="flex items-center gap-2 pb-2">
                    <input id="order-overdue" name="overdue" type="checkbox" value="true" checked=matches!(current.overdue.as_str(), "true" | "on") class="h-4 w-4"/>
                    <label for="order-overdue" class="text-sm">"Overdue only"</label>
                </div>
                {select("channel", "order-channel", "Channel", vec![("", "All"), ("dashboard", "Dashboard"), ("portal", "Portal"), ("api", "API"), ("marketplace", "Marketplace")], &current.channel)}
                {select("customer_type", "order-customer-type", "Customer", vec![("", "All"), ("business", "Business (B2B)"), ("individual", "Individual (B2C)")], &current.customer_type)}
                <div>
                    <label for="order-from" class=LABEL_CLASS>"From"</label>
                    <input id="order-from" name="from" type="date" value=current.from.clone() class=INPUT_CLASS/>
                </div>
                <div>
                    <label for="order-to" class=LABEL_CLASS>"To"</label>
                    <input id="order-to" name="to" type="date" value=current.to.clone() class=INPUT_CLASS/>
                </div>
                {select("sort", "order-sort", "Sort", vec![("newest", "Newest first"), ("oldest", "Oldest first"), ("total_desc", "Highest total"), ("total_asc", "Lowest total")], sort)}
                <button type="submit" class=SECONDARY_BUTTON>"Apply"</button>
            </form>
            </details>
        }
    };
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h2 class="text-lg font-semibold">"Orders"</h2>
            <a href=move || format!("/shops/{}/orders/new", slug.get()) class=BUTTON_CLASS>"New order"</a>
        </div>
        {filters}
        // Only the table's body and foot wait for the page of orders: on the server the
        // `Transition` builds its children's view twice, and the form around them is the same
        // for every page.
        <OnceForm action=bulk attr:class="mt-4" attr:aria-label="Bulk actions">
            <input type="hidden" name="slug" value=move || slug.get()/>
            <div class="mb-2 flex flex-wrap items-center gap-2 text-sm">
                <span class="text-slate-600">"With selected:"</span>
                <button type="submit" name="action" value="mark_paid" class=SECONDARY_BUTTON>"Mark paid"</button>
                <button type="submit" name="action" value="approve" class=SECONDARY_BUTTON>"Approve"</button>
                <button type="submit" name="action" value="cancel" class=SECONDARY_BUTTON>"Cancel"</button>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match &*page.by_ref().await {
                            Ok(page) => view! {
                                <span data-testid="order-count" class="ml-auto text-slate-600" aria-live="polite">{page.match_count_text()}</span>
                            }.into_any(),
                            Err(_) => ().into_any(),
                        }
                    })}
                </Transition>
            </div>
            {move || outcomes_view(bulk.value().get())}
            <table class="mt-2 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
                <thead class="bg-slate-100">
                    <tr>
                        <th class=TH>
                            {move || if hydrated.get() {
                                view! { <input type="checkbox" aria-label="Select all orders on this page" on:change=select_all_rows class="h-4 w-4"/> }.into_any()
                            } else {
                                view! { <span class="sr-only">"Select"</span> }.into_any()
                            }}
                        </th>
                        <th class=TH>"Order"</th><th class=TH>"Placed"</th><th class=TH>"Customer"</th><th class=TH>"Type"</th><th class=TH>"Channel"</th><th class=TH>"Status"</th><th class="px-3 py-2 text-right font-medium">"Total"</th>
                    </tr>
                </thead>
                <Transition fallback=|| table_note(loading())>
                    {move || Suspend::new(async move {
                        // By reference: awaiting the resource itself would clone the 50 rows.
                        // The guard is gone before `rows_html` reads the resource again.
                        let (next_cursor, prev_cursor) = match &*page.by_ref().await {
                            Ok(page) if page.orders.is_empty() => {
                                return table_note(view! { <p class="text-slate-600">"No orders match these filters."</p> });
                            }
                            Ok(page) => (page.next_cursor.clone(), page.prev_cursor.clone()),
                            Err(error) => return table_note(child_error(error.clone())),
                        };
                        let current = query.get_untracked();
                        let next = next_cursor.map(|cursor| page_href(&current, "after", cursor));
                        let prev = prev_cursor.map(|cursor| page_href(&current, "before", cursor));
                        view! {
                            <tbody class=ORDER_ROWS_CLASS inner_html=rows_html.get()></tbody>
                            {(next.is_some() || prev.is_some()).then(|| view! {
                                <tfoot>
                                    <tr><td colspan="8" class="px-3 py-3">
                                        <nav aria-label="Pages of orders" class="flex gap-6">
                                            {prev.map(|href| view! { <a href=href rel="prev" class="text-indigo-700 underline">"← Previous page"</a> })}
                                            {next.map(|href| view! { <a href=href rel="next" class="text-indigo-700 underline">"Next page →"</a> })}
                                        </nav>
                                    </td></tr>
                                </tfoot>
                            })}
                        }
                        .into_any()
                    })}
                </Transition>
            </table>
        </OnceForm>
        <section class=format!("mt-8 {CARD}") aria-labelledby="bulk-ship-heading">
            <h3 id="bulk-ship-heading" class="text-base font-semibold">"Mark orders shipped"</h3>
            <OnceForm action=bulk_ship attr:class="mt-3 space-y-3">
                <input type="hidden" name="slug" value=move || slug.get()/>
                <label for="bulk-tracking" class=LABEL_CLASS>"Tracking numbers (one order per line: order number, carrier, tracking number[, tracking URL])"</label>
                <textarea id="bulk-tracking" name="tracking" rows="4" class=INPUT_CLASS placeholder="1001, DHL, JD014600003828"></textarea>
                {move || outcomes_view(bulk_ship.value().get())}
                <button type="submit" class=BUTTON_CLASS>"Mark shipped"</button>
            </OnceForm>
        </section>
    }
}

#[component]
pub fn NewOrderPage() -> impl IntoView {
    let slug = use_slug();
    let create = ServerAction::<CreateOrder>::new();
    let pending = create.pending();
    let field = |id: &'static str, name: &'static str, label: &'static str, required: bool| {
        view! {
            <div>
                <label for=id class=LABEL_CLASS>{label}</label>
                <input id=id name=name type="text" required=required class=INPUT_CLASS/>
            </div>
        }
    };
    // Searches that help fill the form once hydrated: known customers by what is typed in the
    // email field, and sellable variants to add as lines. Without Wasm the form works as typed.
    let hydrated = crate::components::use_hydrated();
    let customer_search = RwSignal::new(String::new());
    let customers = LocalResource::new(move || {
        let (slug, search) = (slug.get(), customer_search.get());
        async move {
            if search.trim().chars().count() < 2 {
                return Ok(Vec::new());
            }
            list_customers(
                slug,
                CustomerQuery {
                    q: search,
                    ..CustomerQuery::default()
                },
            )
            .await
        }
    });
    let item_search = RwSignal::new(String::new());
    let items = LocalResource::new(move || {
        let (slug, search) = (slug.get(), item_search.get());
        async move {
            if search.trim().is_empty() {
                return Ok(Vec::new());
            }
            search_variants(slug, search).await
        }
    });
    let name_input = NodeRef::<leptos::html::Input>::new();
    let type_select = NodeRef::<leptos::html::Select>::new();
    let company_input = NodeRef::<leptos::html::Input>::new();
    let lines_area = NodeRef::<leptos::html::Textarea>::new();
    // A known customer's email fills the fields still empty with what the shop knows of them.
    let fill_customer = move |email: String| {
        let matches = customers.get().and_then(Result::ok).unwrap_or_default();
        let Some(known) = matches
            .iter()
            .find(|customer| customer.email.eq_ignore_ascii_case(email.trim()))
        else {
            return;
        };
        if let Some(input) = name_input.get() {
            if input.value().trim().is_empty() {
                input.set_value(&known.name);
            }
        }
        if known.account_type == AccountType::Business {
            if let Some(select) = type_select.get() {
                select.set_value("business");
            }
            if let Some(input) = company_input.get() {
                if input.value().trim().is_empty() {
                    input.set_value(&known.company_name);
                }
            }
        }
    };
    let add_item = move |_| {
        let sku = item_search.get_untracked().trim().to_string();
        if sku.is_empty() {
            return;
        }
        if let Some(area) = lines_area.get() {
            let mut text = area.value();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!("{sku}, 1\n"));
            area.set_value(&text);
        }
        item_search.set(String::new());
    };
    let currency = StoredValue::new(
        crate::shops::pages::use_current_shop()
            .map(|shop| shop.currency)
            .unwrap_or_default(),
    );
    view! {
        <h2 class="text-lg font-semibold">"New order"</h2>
        <OnceForm action=create attr:class=format!("mt-4 space-y-6 {CARD}")>
            <input type="hidden" name="slug" value=move || slug.get()/>
            <fieldset class="grid gap-3 sm:grid-cols-2">
                <legend class="mb-2 text-sm font-semibold">"Customer"</legend>
                <div>
                    <label for="order-email" class=LABEL_CLASS>"Customer email"</label>
                    <input id="order-email" name="customer_email" type="text" required class=INPUT_CLASS list="order-known-customers" autocomplete="off"
                        on:input=move |event| customer_search.set(event_target_value(&event))
                        on:change=move |event| fill_customer(event_target_value(&event))/>
                    <datalist id="order-known-customers">
                        {move || customers.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|customer| {
                            let label = [customer.name.clone(), customer.company_name.clone()].into_iter().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" · ");
                            view! { <option value=customer.email.clone()>{label}</option> }
                        }).collect_view()}
                    </datalist>
                </div>
                <div>
                    <label for="order-name" class=LABEL_CLASS>"Customer name"</label>
                    <input id="order-name" name="customer_name" type="text" class=INPUT_CLASS node_ref=name_input/>
                </div>
                <div>
                    <label for="order-type" class=LABEL_CLASS>"Customer type"</label>
                    <select id="order-type" name="customer_type" class=INPUT_CLASS node_ref=type_select>
                        <option value="individual">"Individual (B2C)"</option>
                        <option value="business">"Business (B2B)"</option>
                    </select>
                </div>
                <div>
                    <label for="order-company" class=LABEL_CLASS>"Company (business customers)"</label>
                    <input id="order-company" name="company_name" type="text" class=INPUT_CLASS node_ref=company_input/>
                </div>
                <div>
                    <label for="order-terms" class=LABEL_CLASS>"Payment terms (business customers)"</label>
                    <select id="order-terms" name="payment_terms" class=INPUT_CLASS>
                        {PaymentTerms::ALL.iter().map(|terms| view! { <option value=terms.as_str()>{terms.label()}</option> }).collect_view()}
                    </select>
                </div>
            </fieldset>
            <fieldset class="grid gap-3 sm:grid-cols-2">
                <legend class="mb-2 text-sm font-semibold">"Shipping address"</legend>
                <input type="hidden" name="address[name]" value=""/>
                <input type="hidden" name="address[line2]" value=""/>
                <input type="hidden" name="address[region]" value=""/>
                {field("order-line1", "address[line1]", "Street and number", false)}
                {field("order-city", "address[city]", "City", false)}
                {field("order-postal", "address[postal_code]", "Postal code", false)}
                {field("order-country", "address[country]", "Country (2 letters)", false)}
            </fieldset>
            {move || hydrated.get().then(|| view! {
                <div class="flex flex-wrap items-end gap-2">
                    <div class="min-w-0 flex-1">
                        <label for="order-item-search" class=LABEL_CLASS>"Find a product (SKU or title)"</label>
                        <input id="order-item-search" type="search" list="order-item-choices" autocomplete="off" class=INPUT_CLASS
                            prop:value=move || item_search.get()
                            on:input=move |event| item_search.set(event_target_value(&event))/>
                        <datalist id="order-item-choices">
                            {move || {
                                let currency = currency.get_value();
                                items.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|choice| {
                                    let label = format!("{} · {} available · {}", choice.title, choice.available, use_amounts().money(choice.price_minor, &currency));
                                    view! { <option value=choice.sku.clone()>{label}</option> }
                                }).collect_view()
                            }}
                        </datalist>
                    </div>
                    <button type="button" class=SECONDARY_BUTTON on:click=add_item>"Add to items"</button>
                </div>
            })}
            <div>
                <label for="order-lines" class=LABEL_CLASS>"Items (one per line: SKU, quantity)"</label>
                <textarea id="order-lines" name="lines" rows="4" required class=INPUT_CLASS placeholder="TEE-M-RED, 2" node_ref=lines_area></textarea>
            </div>
            <div class="grid gap-3 sm:grid-cols-3">
                {field("order-discount", "discount", "Discount", false)}
                {field("order-shipping", "shipping", "Shipping", false)}
                {field("order-tax", "tax", "Tax", false)}
            </div>
            <div>
                <label for="order-notes" class=LABEL_CLASS>"Notes"</label>
                <textarea id="order-notes" name="notes" rows="2" class=INPUT_CLASS></textarea>
            </div>
            {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
            <button type="submit" class=BUTTON_CLASS disabled=pending>{move || if pending.get() { "Placing…" } else { "Place order" }}</button>
        </OnceForm>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let slug = use_slug();
    let id = use_id("id");
    let transition = ServerAction::<TransitionOrder>::new();
    let order = page_resource(
        move || (slug.get(), id.get(), transition.version().get()),
        |(slug, id, _)| get_order(slug, id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderView order slug=slug.get_untracked() transition/> }.into_any(),
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

/// `/shops/<slug>/orders/<id>/cancel` and `…/refund`: the confirmation of a destructive action
/// as a page of its own, for browsers without Wasm (with it, the order page opens the same form
/// in a dialog). After the action it goes back to the order.
#[component]
pub fn OrderStepPage() -> impl IntoView {
    let slug = use_slug();
    let id = use_id("id");
    let params = use_params_map();
    let step = Memo::new(move |_| params.read().get("step").unwrap_or_default());
    let transition = ServerAction::<TransitionOrder>::new();
    let order = page_resource(
        move || (slug.get(), id.get(), transition.version().get()),
        |(slug, id, _)| get_order(slug, id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                let order = match order.await {
                    Ok(order) => order,
                    Err(error) => return child_error(error),
                };
                let slug = slug.get_untracked();
                let back = format!("/shops/{slug}/orders/{}", order.id);
                let step = step.get_untracked();
                let allowed = |action: &str| order.actions.iter().any(|allowed| allowed == action);
                let (title, form) = match step.as_str() {
                    "cancel" => (
                        format!("Cancel order #{}", order.number),
                        allowed("cancel").then(|| view! { <CancelForm order=order.clone() slug=slug.clone() transition next=Some(back.clone())/> }.into_any()),
                    ),
                    "refund" => (
                        format!("Refund on order #{}", order.number),
                        (allowed("refund") && order.paid_minor > order.refunded_minor).then(|| view! { <RefundForm order=order.clone() slug=slug.clone() transition next=Some(back.clone())/> }.into_any()),
                    ),
                    _ => return child_error(AppError::not_found()),
                };
                view! {
                    <a href=back.clone() class="text-sm text-indigo-700 underline">{format!("← Order #{}", order.number)}</a>
                    <h2 class="mt-2 text-lg font-semibold">{title}</h2>
                    <div class=format!("mt-4 max-w-xl {CARD}")>
                        {form.unwrap_or_else(|| view! {
                            <p role="status" class="text-sm text-slate-700">{format!("Order #{} is {} now: this cannot be done any more.", order.number, order.status.label().to_lowercase())}</p>
                        }.into_any())}
                    </div>
                }.into_any()
            })}
        </Transition>
    }
}

/// A choice of reasons as a required select (the first option asks to choose).
fn reason_select(
    id: &'static str,
    reasons: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    view! {
        <label for=id class=LABEL_CLASS>"Reason"</label>
        <select id=id name="reason" required=true class=INPUT_CLASS>
            <option value="">"Choose a reason"</option>
            {reasons.iter().map(|(code, label)| view! { <option value=*code>{*label}</option> }).collect_view()}
        </select>
    }
}

/// Cancelling: a reason, details, and what happens to the reserved items.
#[component]
fn CancelForm(
    order: OrderDetail,
    slug: String,
    transition: ServerAction<TransitionOrder>,
    next: Option<String>,
) -> impl IntoView {
    let items: i64 = order
        .lines
        .iter()
        .map(|line| line.quantity - line.shipped_quantity)
        .sum();
    view! {
        <OnceForm action=transition attr:class="space-y-3" attr:aria-label="Cancel order">
            {hidden_fields(slug, order.id, order.version, "cancel")}
            {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
            <div>{reason_select("cancel-reason", &CANCEL_REASONS)}</div>
            <div>
                <label for="cancel-note" class=LABEL_CLASS>"Details (optional)"</label>
                <input id="cancel-note" name="note" type="text" class=INPUT_CLASS/>
            </div>
            <fieldset class="space-y-1 text-sm">
                <legend class="font-medium">{format!("The {items} reserved items")}</legend>
                <label class="flex items-center gap-2"><input type="radio" name="restock" value="yes" checked=true/>"Put them back in stock"</label>
                <label class="flex items-center gap-2"><input type="radio" name="restock" value="no"/>"Write them off (lost or damaged)"</label>
            </fieldset>
            {order.paid_minor > order.refunded_minor && order.paid_minor > 0}
                .then(|| view! { <p class="text-sm text-amber-800">{format!("{} was paid: cancelling does not refund it; refund it from the order afterwards.", use_amounts().money(order.paid_minor - order.refunded_minor, &order.currency))}</p> })
            <button type="submit" class="rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700">{format!("Cancel order #{}", order.number)}</button>
            {move || transition.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
        </OnceForm>
    }
}

/// Refunding: the amount (typed, never pre-filled), a reason, what came back into stock and
/// whether to tell the customer.
#[component]
fn RefundForm(
    order: OrderDetail,
    slug: String,
    transition: ServerAction<TransitionOrder>,
    next: Option<String>,
) -> impl IntoView {
    let refundable = order.paid_minor - order.refunded_minor;
    let returnable: Vec<_> = order
        .lines
        .iter()
        .filter(|line| line.shipped_quantity > line.returned_quantity)
        .cloned()
        .collect();
    view! {
        <OnceForm action=transition attr:class="space-y-3" attr:aria-label="Refund">
            {hidden_fields(slug, order.id, order.version, "refund")}
            {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
            <div>
                <label for="refund-amount" class=LABEL_CLASS>{format!("Amount to refund (up to {})", use_amounts().money(refundable, &order.currency))}</label>
                <MoneyInput id="refund-amount" name="amount" currency=order.currency.clone() required=true/>
            </div>
            <div>{reason_select("refund-reason", &REFUND_REASONS)}</div>
            <div>
                <label for="refund-note" class=LABEL_CLASS>"Details (optional)"</label>
                <input id="refund-note" name="note" type="text" class=INPUT_CLASS/>
            </div>
            {(!returnable.is_empty()).then(|| view! {
                <fieldset class="space-y-2 text-sm">
                    <legend class="font-medium">"Items that came back, to put back in stock"</legend>
                    {returnable.iter().map(|line| {
                        let input_id = format!("return-line-{}", line.id);
                        view! {
                            <div class="flex items-center gap-2">
                                <label for=input_id.clone() class="w-48">{format!("{} back in stock", line.sku)}</label>
                                <input id=input_id name=format!("returns[{}]", line.id) type="number" min="0" max=line.shipped_quantity - line.returned_quantity value="0" class="w-24 rounded-md border border-slate-300 px-2 py-1"/>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            })}
            <label class="flex items-center gap-2 text-sm"><input type="checkbox" name="notify" value="yes" checked=true/>"Tell the customer by e-mail"</label>
            <button type="submit" class="rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700">"Refund"</button>
            {move || transition.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
        </OnceForm>
    }
}

/// The hidden inputs every lifecycle form carries: which order, which version was seen, what to do.
fn hidden_fields(slug: String, id: i64, version: i64, action: &'static str) -> impl IntoView {
    view! {
        <input type="hidden" name="slug" value=slug/>
        <input type="hidden" name="id" value=id/>
        <input type="hidden" name="expected_version" value=version/>
        <input type="hidden" name="action" value=action/>
    }
}

#[component]
fn OrderView(
    order: OrderDetail,
    slug: String,
    transition: ServerAction<TransitionOrder>,
) -> impl IntoView {
    let currency = order.currency.clone();
    let money = {
        let currency = currency.clone();
        move |minor: i64| use_amounts().money(minor, &currency)
    };
    let (id, version) = (order.id, order.version);
    let allowed = |action: &str| order.actions.iter().any(|allowed| allowed == action);
    let simple_action = |action: &'static str, label: &'static str| {
        let slug = slug.clone();
        allowed(action).then(move || {
            view! {
                <OnceForm action=transition>
                    {hidden_fields(slug, id, version, action)}
                    <button type="submit" class=BUTTON_CLASS>{label}</button>
                </OnceForm>
            }
        })
    };
    let (cancel_slug, ship_slug, refund_slug) = (slug.clone(), slug.clone(), slug.clone());
    let pay_slug = slug.clone();
    let remaining_lines: Vec<_> = order
        .lines
        .iter()
        .filter(|line| line.shipped_quantity < line.quantity)
        .cloned()
        .collect();
    let refundable = order.paid_minor - order.refunded_minor;
    let totals = order.totals;
    let can_cancel = allowed("cancel");
    let can_refund = allowed("refund") && refundable > 0;
    let (cancel_order, refund_order) = (order.clone(), order.clone());
    view! {
        <div class="flex flex-wrap items-center gap-3">
            <a href=format!("/shops/{slug}/orders") class="text-sm text-indigo-700 underline">"← Orders"</a>
            <h2 class="text-lg font-semibold">{format!("Order #{}", order.number)}</h2>
            {status_badge(order.status)}
            <span class="text-sm text-slate-500">{format!("placed {} via {}", use_zone().date_time(order.placed_at_ms), order.channel)}</span>
        </div>
        <dl class="mt-2 flex flex-wrap gap-x-6 gap-y-1 text-sm" aria-label="Payment and fulfilment">
            <div class="flex gap-1"><dt class="text-slate-500">"Payment:"</dt><dd data-testid="payment-status" class="font-medium">{order.payment_status.label()}</dd></div>
            <div class="flex gap-1"><dt class="text-slate-500">"Fulfilment:"</dt><dd data-testid="fulfilment-status" class="font-medium">{order.fulfilment_status.label()}</dd></div>
            {order.payment_terms.is_invoice().then(|| view! {
                <div class="flex gap-1"><dt class="text-slate-500">"Terms:"</dt><dd data-testid="payment-terms">{order.payment_terms.label()}</dd></div>
            })}
            {order.payment_due_at_ms.map(|due| view! {
                <div class="flex gap-1"><dt class="text-slate-500">"Due:"</dt><dd data-testid="payment-due">{use_zone().date_time(due)}</dd></div>
            })}
            {order.overdue.then(|| view! {
                <span data-testid="order-overdue" class=format!("{BADGE_CLASS} bg-red-100 text-red-800")>"Overdue"</span>
            })}
        </dl>
        {move || transition.value().get().and_then(Result::err).map(|error| view! { <div class="mt-3"><ErrorAlert error/></div> })}
        <section aria-label="Actions" class="mt-4 flex flex-wrap items-start gap-3">
            {allowed("mark_paid").then(|| {
                let currency = currency.clone();
                let due = totals.total_minor - order.paid_minor;
                view! {
                    <OnceForm action=transition attr:class="flex flex-wrap items-end gap-2" attr:aria-label="Record a payment">
                        {hidden_fields(pay_slug.clone(), id, version, "mark_paid")}
                        <div>
                            <label for="payment-amount" class=LABEL_CLASS>{format!("Payment received (due {})", use_amounts().money(due, &currency))}</label>
                            <MoneyInput id="payment-amount" name="amount" currency=currency.clone() required=false value=amount_text(due, &currency)/>
                        </div>
                        <button type="submit" class=BUTTON_CLASS>"Mark as paid"</button>
                    </OnceForm>
                }
            })}
            {simple_action("approve", if order.payment_terms.is_invoice() && !order.payment_status.is_settled() { "Approve (invoice, unpaid)" } else { "Approve" })}
            {simple_action("deliver", "Mark delivered")}
            {can_cancel.then(move || view! {
                <ConfirmStep href=format!("/shops/{cancel_slug}/orders/{id}/cancel") label="Cancel order…" title=format!("Cancel order #{}", cancel_order.number)>
                    <CancelForm order=cancel_order slug=cancel_slug.clone() transition next=None/>
                </ConfirmStep>
            })}
        </section>
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <section class=format!("lg:col-span-2 {CARD}") aria-labelledby="lines-heading">
                <h3 id="lines-heading" class="text-base font-semibold">"Items"</h3>
                <table class="mt-3 w-full text-sm">
                    <thead class="bg-slate-100"><tr><th class=TH>"SKU"</th><th class=TH>"Item"</th><th class=TH>"Price"</th><th class=TH>"Qty"</th><th class=TH>"Shipped"</th><th class="px-3 py-2 text-right font-medium">"Total"</th></tr></thead>
                    <tbody>
                        {order.lines.iter().map(|line| view! {
                            <tr class="border-t border-slate-100">
                                <td class=TD>{line.sku.clone()}</td>
                                <td class=TD>{line.title.clone()}</td>
                                <td class=TD>{money(line.unit_price_minor)}</td>
                                <td class=TD>{line.quantity}</td>
                                <td class=TD>{line.shipped_quantity}</td>
                                <td class="px-3 py-2 text-right">{money(line.line_total_minor)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <dl class="mt-4 ml-auto w-64 space-y-1 text-sm">
                    <div class="flex justify-between"><dt>"Subtotal"</dt><dd>{money(totals.subtotal_minor)}</dd></div>
                    <div class="flex justify-between"><dt>"Discount"</dt><dd>{format!("−{}", money(totals.discount_minor))}</dd></div>
                    <div class="flex justify-between"><dt>"Shipping"</dt><dd>{money(totals.shipping_minor)}</dd></div>
                    <div class="flex justify-between"><dt>"Tax"</dt><dd>{money(totals.tax_minor)}</dd></div>
                    <div class="flex justify-between font-semibold"><dt>"Total"</dt><dd data-testid="order-total">{money(totals.total_minor)}</dd></div>
                    <div class="flex justify-between text-slate-600"><dt>"Paid"</dt><dd>{money(order.paid_minor)}</dd></div>
                    <div class="flex justify-between text-slate-600"><dt>"Refunded"</dt><dd>{money(order.refunded_minor)}</dd></div>
                </dl>
            </section>
            <section class=CARD aria-labelledby="customer-heading">
                <h3 id="customer-heading" class="text-base font-semibold">"Customer"</h3>
                <p class="mt-2 text-sm">{match order.customer_id {
                    Some(customer) => view! { <a class="font-medium text-indigo-700 hover:underline" href=format!("/shops/{slug}/customers/{customer}")>{if order.customer_name.is_empty() { order.customer_email.clone() } else { order.customer_name.clone() }}</a> }.into_any(),
                    None => view! { <span>{order.customer_name.clone()}</span> }.into_any(),
                }}</p>
                <p class="text-sm text-slate-600">{order.customer_email.clone()}</p>
                <p class="text-sm text-slate-600">{if order.customer_type == "business" { format!("Business (B2B) · {}", order.company_name) } else { "Individual (B2C)".to_string() }}</p>
                <h4 class="mt-4 text-sm font-semibold">"Ship to"</h4>
                <p class="text-sm text-slate-600">{if order.shipping_address.is_empty() { "—".to_string() } else { order.shipping_address.one_line() }}</p>
                {(!order.notes.is_empty()).then(|| view! { <h4 class="mt-4 text-sm font-semibold">"Notes"</h4><p class="text-sm text-slate-600">{order.notes.clone()}</p> })}
            </section>
        </div>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            {allowed("ship").then(move || view! {
                <section class=CARD aria-labelledby="ship-heading">
                    <h3 id="ship-heading" class="text-base font-semibold">"Ship items"</h3>
                    <OnceForm action=transition attr:class="mt-3 space-y-3">
                        {hidden_fields(ship_slug, id, version, "ship")}
                        <div class="grid gap-3 sm:grid-cols-2">
                            <div>
                                <label for="ship-carrier" class=LABEL_CLASS>"Carrier"</label>
                                <input id="ship-carrier" name="carrier" type="text" required class=INPUT_CLASS/>
                            </div>
                            <div>
                                <label for="ship-tracking" class=LABEL_CLASS>"Tracking number"</label>
                                <input id="ship-tracking" name="tracking_number" type="text" required class=INPUT_CLASS/>
                            </div>
                            <div class="sm:col-span-2">
                                <label for="ship-url" class=LABEL_CLASS>"Tracking URL (optional)"</label>
                                <input id="ship-url" name="tracking_url" type="url" class=INPUT_CLASS/>
                            </div>
                        </div>
                        <fieldset>
                            <legend class="text-sm font-medium">"Quantities to ship"</legend>
                            {remaining_lines.iter().map(|line| {
                                let input_id = format!("ship-line-{}", line.id);
                                view! {
                                    <div class="mt-2 flex items-center gap-2 text-sm">
                                        <label for=input_id.clone() class="w-48">{line.sku.clone()}</label>
                                        <input id=input_id name=format!("quantities[{}]", line.id) type="number" min="0" max=line.quantity - line.shipped_quantity value=line.quantity - line.shipped_quantity class="w-24 rounded-md border border-slate-300 px-2 py-1"/>
                                    </div>
                                }
                            }).collect_view()}
                        </fieldset>
                        <button type="submit" class=BUTTON_CLASS>"Ship"</button>
                    </OnceForm>
                </section>
            })}
            {can_refund.then(move || view! {
                <section class=CARD aria-labelledby="refund-heading">
                    <h3 id="refund-heading" class="text-base font-semibold">"Refund"</h3>
                    <p class="mt-2 text-sm text-slate-600">{format!("Up to {} can be refunded.", use_amounts().money(refundable, &currency))}</p>
                    <div class="mt-3">
                        <ConfirmStep href=format!("/shops/{refund_slug}/orders/{id}/refund") label="Refund…" title=format!("Refund on order #{}", refund_order.number)>
                            <RefundForm order=refund_order slug=refund_slug.clone() transition next=None/>
                        </ConfirmStep>
                    </div>
                </section>
            })}
        </div>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <section class=CARD aria-labelledby="shipments-heading">
                <h3 id="shipments-heading" class="text-base font-semibold">"Shipments"</h3>
                {if order.shipments.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-600">"Nothing shipped yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-2 space-y-2 text-sm">
                            {order.shipments.iter().map(|shipment| {
                                let items = shipment.items.iter().map(|(sku, quantity)| format!("{quantity} × {sku}")).collect::<Vec<_>>().join(", ");
                                let tracking = shipment.tracking_number.clone();
                                view! {
                                    <li>
                                        <span class="font-medium">{shipment.carrier.clone()}</span>" "
                                        {if shipment.tracking_url.is_empty() {
                                            view! { <span>{tracking}</span> }.into_any()
                                        } else {
                                            view! { <a class="text-indigo-700 underline" href=shipment.tracking_url.clone() rel="noopener noreferrer" target="_blank">{tracking}</a> }.into_any()
                                        }}
                                        <span class="block text-xs text-slate-500">{format!("{items} · {}", use_zone().date_time(shipment.created_at_ms))}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <h3 class="mt-4 text-base font-semibold">"Payments"</h3>
                {if order.payments.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-600">"No payments recorded."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-2 space-y-1 text-sm">
                            {order.payments.iter().map(|payment| view! {
                                <li>{format!("{} {} · {} · {}", if payment.kind == "refund" { "Refund" } else { "Payment" }, money(payment.amount_minor), payment.method, use_zone().date_time(payment.created_at_ms))}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class=CARD aria-labelledby="timeline-heading">
                <h3 id="timeline-heading" class="text-base font-semibold">"Timeline"</h3>
                <ol class="mt-2 space-y-2 text-sm" aria-label="Order timeline">
                    {order.events.iter().rev().map(|event| view! {
                        <li>
                            <span>{event.message.clone()}</span>
                            <span class="block text-xs text-slate-500">{format!("{} · {}", event.actor, use_zone().date_time(event.created_at_ms))}</span>
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: i64, name: &str, status: OrderStatus) -> OrderRow {
        OrderRow {
            id,
            number: 1000 + id,
            placed_at_ms: 1_795_334_005_779,
            customer_name: name.into(),
            customer_email: "buyer@example.com".into(),
            customer_type: "business".into(),
            status,
            channel: "portal".into(),
            total_minor: 26_256,
            payment_status: if status == OrderStatus::Pending {
                PaymentStatus::Pending
            } else {
                PaymentStatus::Paid
            },
            fulfilment_status: if status == OrderStatus::Delivered {
                FulfilmentStatus::Delivered
            } else {
                FulfilmentStatus::Unfulfilled
            },
            payment_due_at_ms: None,
            overdue: status == OrderStatus::Pending,
        }
    }

    #[test]
    fn order_rows_carry_the_order_fields_and_escape_customer_text() {
        let html = order_rows_html(
            &[
                order(7, "<script>alert(1)</script> & Co", OrderStatus::Delivered),
                order(8, "Rosa García", OrderStatus::Pending),
            ],
            "/shops/north/orders",
            "EUR",
            &ShopZone::named("America/New_York"),
            AmountStyle::Comma,
        );
        assert_eq!(html.matches("<tr>").count(), 2);
        assert_eq!(html.matches("</tr>").count(), 2);
        assert!(html.contains(r#"name="selected[7]" value="7" aria-label="Select order #1007""#));
        assert!(html.contains(r#"href="/shops/north/orders/7">#1007</a>"#));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("Rosa García<small>buyer@example.com</small>"));
        assert!(html.contains(">B2B<"));
        assert!(html.contains(r#"data-testid="order-status" class="rounded-full px-2 py-0.5 text-xs font-medium bg-emerald-100 text-emerald-800">Delivered<"#));
        assert!(html.contains(">Pending<"));
        assert!(html.contains("EUR 262,56"));
        // The time on the shop's clocks (New York, 5 hours behind UTC in November).
        assert!(html.contains(&ShopZone::named("America/New_York").date_time(1_795_334_005_779)));
        assert!(!html.contains(&crate::dates::format_date_time(1_795_334_005_779)));
        assert!(html
            .contains(r#"<small data-testid="order-payment-fulfilment">Paid · Delivered</small>"#));
        assert!(html.contains("Payment pending · Unfulfilled"));
        assert_eq!(
            html.matches(r#"data-testid="order-overdue""#).count(),
            1,
            "only #1008 is overdue"
        );
    }
}
