//! Layout pieces and error displays shared by every page.

use crate::auth::api::{session_email, LogOut};
use crate::error::AppError;
use crate::money::AmountStyle;
use codee::binary::PostcardCodec;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// How a page's data travels from the server render to the hydrating browser: postcard bytes,
/// base64 in the page's hydration script. Leptos' default is JSON, which the server then writes
/// as a quoted, escaped JavaScript string; for the 50-row orders list that encoding and
/// escaping cost more CPU than the rows' HTML. The types sent this way must not need a
/// self-describing format (no `untagged`, `flatten` or `skip_serializing_if`); a round-trip
/// test covers each of them.
pub type PageData = PostcardCodec;

/// A resource whose first value is sent to the browser as [`PageData`].
#[track_caller]
pub fn page_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, PageData>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// The page chrome for signed-in merchants: brand, account link and log-out button. A shop's
/// pages use [`top_bar`] and [`account_menu`] themselves, with the shop's own data
/// (`shops::pages::ShopLayout`).
#[component]
pub fn PageFrame(children: Children) -> impl IntoView {
    let log_out = ServerAction::<LogOut>::new();
    let user = page_resource(|| (), |_| session_email());
    let account = view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                user.await.ok().map(|email| account_menu(email, log_out))
            })}
        </Transition>
    };
    view! {
        {top_bar(account)}
        <main class="mx-auto max-w-6xl px-4 py-8">{children()}</main>
    }
}

/// The bar at the top of every merchant page: the brand, and `account` at the right end.
pub fn top_bar(account: impl IntoView) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl items-center justify-between px-4 py-3">
                <a href="/shops" class="text-lg font-semibold text-indigo-700">"Cartwright"</a>
                {account}
            </div>
        </header>
    }
}

/// The signed-in merchant's account link and log-out button, for [`top_bar`].
pub fn account_menu(email: String, log_out: ServerAction<LogOut>) -> impl IntoView {
    view! {
        <div class="flex items-center gap-4 text-sm">
            <a href="/account" class="text-slate-600 hover:text-slate-900">{email}</a>
            <ActionForm action=log_out>
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-100">
                    "Log out"
                </button>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    answer_not_found();
    view! {
        <Title text="Page not found"/>
        <section class="py-16 text-center">
            <h1 class="text-3xl font-bold">"Page not found"</h1>
            <p class="mt-2 text-slate-600">"There is nothing here, or you do not have access to it."</p>
            <a href="/shops" class="mt-6 inline-block text-indigo-700 underline">"Back to your shops"</a>
        </section>
    }
}

/// An error message as an ARIA alert.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    view! {
        <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {error.for_people()}
        </p>
    }
}

/// The full-page rendering of a failed load: a real 404 for unknown or foreign shops.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound(_) => view! { <NotFound/> }.into_any(),
        AppError::Unauthorized(_) => view! {
            <section class="py-16 text-center">
                <h1 class="text-2xl font-bold">"Please log in"</h1>
                <a href="/login" class="mt-4 inline-block text-indigo-700 underline">"Log in"</a>
            </section>
        }
        .into_any(),
        other => view! {
            <section class="py-8">
                <h1 class="text-2xl font-bold">"Something went wrong"</h1>
                <div class="mt-4"><ErrorAlert error=other/></div>
            </section>
        }
        .into_any(),
    }
}

/// Shows the outcome of the last submission of a form: an alert on error, a note on success.
#[component]
pub fn ActionOutcome<F>(value: F, #[prop(into)] success: String) -> impl IntoView
where
    F: Fn() -> Option<Result<(), AppError>> + Send + Sync + 'static,
{
    move || match value() {
        Some(Err(error)) => view! { <ErrorAlert error/> }.into_any(),
        Some(Ok(())) => view! {
            <p role="status" class="text-sm text-emerald-700">{success.clone()}</p>
        }
        .into_any(),
        None => ().into_any(),
    }
}

/// A destructive action behind a confirmation (issue 15, part 4). Without Wasm it is a link to
/// the action's confirmation page (`href`), which shows the same form on its own; once
/// hydrated the link opens that form in a modal dialog instead. Either way nothing happens
/// until the form inside is sent.
#[component]
pub fn ConfirmStep(
    /// The confirmation page.
    #[prop(into)]
    href: String,
    /// The link's text ("Cancel order…").
    #[prop(into)]
    label: String,
    /// The dialog's heading.
    #[prop(into)]
    title: String,
    #[prop(optional, into)] class: String,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let open = move |event: leptos::ev::MouseEvent| {
        if let Some(dialog) = dialog.get() {
            event.prevent_default();
            let _ = dialog.show_modal();
        }
    };
    let close = move |_| {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    let dialog_label = title.clone();
    let link_class = if class.is_empty() {
        SECONDARY_BUTTON_CLASS.to_string()
    } else {
        class
    };
    view! {
        <a href=href class=format!("{link_class} inline-block") on:click=open>{label}</a>
        <dialog node_ref=dialog aria-label=dialog_label class="cw-dialog">
            <div class="flex items-start justify-between gap-4">
                <h2 class="text-lg font-semibold">{title}</h2>
                <button type="button" class="text-sm text-slate-600 underline" on:click=close>"Close"</button>
            </div>
            <div class="mt-3">{children()}</div>
        </dialog>
    }
}

/// Form controls and buttons: short component classes defined in `style/tailwind.css`, so the
/// same list of utilities is not repeated on every element of every page.
pub const INPUT_CLASS: &str = "cw-input";
pub const BUTTON_CLASS: &str = "cw-button";
pub const LABEL_CLASS: &str = "cw-label";
pub const SECONDARY_BUTTON_CLASS: &str = "cw-button-secondary";
/// Table header and data cells.
pub const TH_CLASS: &str = "px-3 py-2 text-left font-medium";
pub const TD_CLASS: &str = "px-3 py-2";

#[cfg(test)]
mod tests {
    use super::PageData;
    use crate::error::AppError;
    use crate::orders::lifecycle::{FulfilmentStatus, OrderState, PaymentStatus, PaymentTerms};
    use crate::orders::model::{
        Address, OrderDetail, OrderEventDto, OrderLineDto, OrderPage, OrderRow, PaymentDto,
        ShipmentDto,
    };
    use crate::orders::rules::{OrderStatus, OrderTotals};
    use crate::shops::model::{ShopFrame, ShopSummary};
    use crate::shops::rules::{Role, ShopStatus};
    use codee::{Decoder, Encoder};
    use serde::{de::DeserializeOwned, Serialize};
    use std::fmt::Debug;

    /// Encodes and decodes a resource value the way the server render and the hydrating
    /// browser do, and checks that nothing changed on the way.
    fn assert_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
        let bytes = <PageData as Encoder<T>>::encode(&value).expect("encodes");
        let decoded: T = <PageData as Decoder<T>>::decode(&bytes).expect("decodes");
        assert_eq!(decoded, value);
    }

    fn row(id: i64, status: OrderStatus, customer_type: &str) -> OrderRow {
        OrderRow {
            id,
            number: 1000 + id,
            placed_at_ms: 1_767_225_600_000 + id,
            customer_name: "Zoë O'Brien <b>".into(),
            customer_email: "zoe@example.com".into(),
            customer_type: customer_type.into(),
            status,
            channel: "portal".into(),
            total_minor: -5 + id * 1_999,
            payment_status: PaymentStatus::PartiallyRefunded,
            fulfilment_status: FulfilmentStatus::Fulfilled,
            payment_due_at_ms: (id % 2 == 0).then_some(1_767_225_600_000),
            overdue: id % 2 == 0,
        }
    }

    #[test]
    fn page_data_carries_the_orders_list_and_its_errors() {
        assert_round_trip::<Result<OrderPage, AppError>>(Ok(OrderPage {
            currency: "EUR".into(),
            orders: vec![
                row(1, OrderStatus::Pending, "individual"),
                row(2, OrderStatus::Refunded, "business"),
            ],
            next_cursor: Some("1767225600002:2".into()),
            prev_cursor: Some("1767225600001:1".into()),
            match_count: 1_000,
            more_matches: true,
        }));
        assert_round_trip::<Result<OrderPage, AppError>>(Ok(OrderPage {
            currency: "JPY".into(),
            orders: Vec::new(),
            next_cursor: None,
            prev_cursor: None,
            match_count: 0,
            more_matches: false,
        }));
        assert_round_trip::<Result<OrderPage, AppError>>(Err(AppError::invalid(
            "from",
            "use YYYY-MM-DD",
        )));
        assert_round_trip::<Result<OrderPage, AppError>>(Err(AppError::Internal));
    }

    #[test]
    fn page_data_carries_an_order_with_everything_on_it() {
        let address = Address {
            name: "Acme GmbH".into(),
            line1: "Hauptstraße 1".into(),
            line2: String::new(),
            city: "Berlin".into(),
            region: String::new(),
            postal_code: "10115".into(),
            country: "DE".into(),
        };
        assert_round_trip::<Result<OrderDetail, AppError>>(Ok(OrderDetail {
            id: 7,
            number: 1007,
            status: OrderStatus::PartiallyShipped,
            state: OrderState::Open,
            payment_status: PaymentStatus::Pending,
            fulfilment_status: FulfilmentStatus::PartiallyFulfilled,
            approved_at_ms: Some(1_767_225_600_000),
            payment_terms: PaymentTerms::Net30,
            payment_due_at_ms: Some(1_769_817_600_000),
            overdue: false,
            version: 4,
            channel: "dashboard".into(),
            currency: "EUR".into(),
            customer_id: Some(3),
            customer_email: "buyer@acme.example".into(),
            customer_name: "Ada".into(),
            customer_type: "business".into(),
            company_name: "Acme GmbH".into(),
            shipping_address: address.clone(),
            billing_address: Address::default(),
            lines: vec![OrderLineDto {
                id: 1,
                variant_id: None,
                sku: "TEE-M".into(),
                title: "Tee, M".into(),
                unit_price_minor: 1_999,
                quantity: 3,
                shipped_quantity: 1,
                returned_quantity: 1,
                line_total_minor: 5_997,
            }],
            totals: OrderTotals {
                subtotal_minor: 5_997,
                discount_minor: 500,
                shipping_minor: 490,
                tax_minor: 0,
                total_minor: 5_987,
            },
            paid_minor: 5_987,
            refunded_minor: 0,
            notes: "Leave at the gate".into(),
            tags: vec!["wholesale".into(), "rush".into()],
            payments: vec![PaymentDto {
                kind: "payment".into(),
                amount_minor: 5_987,
                method: "card".into(),
                note: String::new(),
                actor: "owner@shop.example".into(),
                created_at_ms: 1_767_225_600_000,
            }],
            shipments: vec![ShipmentDto {
                id: 3,
                carrier: "DHL".into(),
                tracking_number: "JD014600003828".into(),
                tracking_url: "https://example.com/t/JD014600003828".into(),
                items: vec![("TEE-M".into(), 1)],
                actor: "owner@shop.example".into(),
                created_at_ms: 1_767_225_700_000,
            }],
            events: vec![OrderEventDto {
                kind: "shipped".into(),
                message: "Shipped 1 item".into(),
                actor: "owner@shop.example".into(),
                created_at_ms: 1_767_225_700_000,
            }],
            actions: vec!["ship".into(), "cancel".into()],
            placed_at_ms: 1_767_225_600_000,
            updated_at_ms: 1_767_225_700_000,
        }));
    }

    #[test]
    fn page_data_carries_the_frame_data() {
        assert_round_trip::<Result<String, AppError>>(Ok("owner@shop.example".into()));
        assert_round_trip::<Result<String, AppError>>(Err(AppError::unauthenticated()));
        let acme = ShopSummary {
            slug: "acme".into(),
            name: "Acme".into(),
            currency: "EUR".into(),
            timezone: "Europe/Berlin".into(),
            amount_style: crate::money::AmountStyle::SpaceComma,
            status: ShopStatus::Suspended,
            role: Role::Staff,
        };
        assert_round_trip::<Result<Vec<ShopSummary>, AppError>>(Ok(vec![acme.clone()]));
        assert_round_trip::<Result<ShopFrame, AppError>>(Ok(ShopFrame {
            email: "owner@shop.example".into(),
            shops: vec![acme],
        }));
        assert_round_trip::<Result<ShopFrame, AppError>>(Ok(ShopFrame {
            email: "new@shop.example".into(),
            shops: Vec::new(),
        }));
        assert_round_trip::<Result<ShopFrame, AppError>>(Err(AppError::unauthenticated()));
    }
}

/// Gives the server-rendered page the status 404 (a no-op in the browser).
/// `false` on the server and while the browser hydrates, `true` once the Wasm runs (effects run
/// in the browser only): for controls that do nothing without it (select all, live searches).
pub fn use_hydrated() -> RwSignal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    hydrated
}

/// How the shop whose page this is writes amounts ([`crate::shops::pages::KnownShop`] and the
/// portal provide it); `1,234.56` outside a shop.
pub fn use_amounts() -> AmountStyle {
    crate::shops::pages::use_current_shop()
        .map(|shop| shop.amount_style)
        .or_else(use_context::<AmountStyle>)
        .unwrap_or_default()
}

/// The time zone of the shop whose page this is ([`crate::shops::pages::KnownShop`] provides
/// it to the dashboard's pages); UTC outside a shop.
pub fn use_zone() -> crate::dates::ShopZone {
    use_context::<crate::shops::pages::CurrentShop>()
        .and_then(|current| current.zone.get())
        .or_else(use_context::<crate::dates::ShopZone>)
        .unwrap_or_default()
}

pub fn answer_not_found() {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
}

/// What a money field's text will be stored as, for the note beside it: `= EUR 12.50`, or why it
/// cannot be read (the server's own rule, [`crate::money::parse_amount`]); blank for no text.
pub fn money_preview(text: &str, currency: &str, style: AmountStyle) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    match crate::money::parse_amount(text, currency, "amount") {
        // A form that does not know the shop's currency (a new product) shows the amount alone.
        Ok(minor) if currency.is_empty() => {
            let mut text = String::from("= ");
            style.push_amount(&mut text, minor, crate::money::currency_exponent(currency));
            text
        }
        Ok(minor) => format!("= {}", style.money(minor, currency)),
        Err(AppError::Invalid { message, .. }) => message,
        Err(other) => other.to_string(),
    }
}

/// A money input that says, as the merchant types, what will be stored (`= EUR 12.50`) or why
/// the text cannot be read, before the form is sent. Without Wasm the note shows the initial
/// value and the server's answer does the rest.
#[component]
pub fn MoneyInput(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] currency: String,
    #[prop(optional, into)] value: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] disabled: bool,
    #[prop(optional, into)] label: Option<String>,
    /// Shares what is typed (for a total computed beside the field); starts at `value`.
    #[prop(optional)]
    typed: Option<RwSignal<String>>,
) -> impl IntoView {
    let shared = typed.unwrap_or_else(|| RwSignal::new(value.clone()));
    let (typed, set_typed) = (shared.read_only(), shared.write_only());
    let note_id = format!("{id}-stored");
    let style = use_amounts();
    let preview = move || money_preview(&typed.read(), &currency, style);
    view! {
        <input
            id=id
            name=name
            type="text"
            inputmode="decimal"
            autocomplete="off"
            required=required
            disabled=disabled
            value=value
            aria-label=label
            aria-describedby=note_id.clone()
            class=INPUT_CLASS
            on:input=move |event| set_typed.set(event_target_value(&event))
        />
        <span id=note_id class="mt-1 block min-h-4 text-xs text-slate-600" aria-live="polite" data-testid="stored-amount">{preview}</span>
    }
}

#[cfg(test)]
mod money_preview_tests {
    use super::money_preview;
    use crate::money::AmountStyle::{Comma, Point};

    #[test]
    fn the_note_says_what_will_be_stored_or_why_not() {
        assert_eq!(money_preview("12,50", "EUR", Point), "= EUR 12.50");
        assert_eq!(money_preview("1.250,00", "EUR", Point), "= EUR 1,250.00");
        assert_eq!(
            money_preview("1.250,00", "EUR", Comma),
            "= EUR 1.250,00",
            "in the shop's style"
        );
        assert_eq!(money_preview("1,250.00", "EUR", Comma), "= EUR 1.250,00");
        assert_eq!(money_preview("  ", "EUR", Point), "");
        assert_eq!(
            money_preview("12,50", "", Point),
            "= 12.50",
            "no currency known"
        );
        assert!(money_preview("1,250", "EUR", Point).contains("could mean"));
        assert!(money_preview("12 EUR", "EUR", Point).contains("is not an amount"));
    }
}
