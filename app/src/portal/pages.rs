//! The customer portal's pages under `/s/:shop`: catalog, sign-up, log-in, account with orders,
//! and for verified businesses quotes and bulk orders.
//!
//! What a page shows is decided on the server: the business pages load through guarded server
//! functions, so an individual gets a 403 page (and a visitor a 401 page) from the server. The
//! guard components below (`AuthOnly`, `BusinessOnly`, `IndividualOnly`) only shape navigation.

use super::api::*;
use super::model::{BulkOrderResult, PortalContext, PortalOrder};
use crate::bulk::rules::BulkCheck;
use crate::components::use_amounts;
use crate::components::use_zone;
use crate::components::{ConfirmStep, ErrorAlert, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS};
use crate::components::{
    SECONDARY_BUTTON_CLASS as SECONDARY_BUTTON, TD_CLASS as TD, TH_CLASS as TH,
};
use crate::customers::model::CustomerProfile;
use crate::customers::pages::verification_badge;
use crate::customers::rules::{AccountType, Verification};
use crate::dates::ShopZone;
use crate::error::AppError;
use crate::once::OnceForm;
use crate::products::pages::use_id;
use crate::quotes::model::QuoteDetail;
use crate::quotes::rules::QuoteStatus;
use crate::shops::pages::{loading, CARD};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

fn use_shop() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("shop").unwrap_or_default())
}

/// The portal context, provided by the layout to every page.
type ContextResource = Resource<Result<PortalContext, AppError>>;

/// Waits for the portal's context and provides the shop's time zone and amount style to the
/// views drawn after it in the same Suspend ([`use_zone`], [`use_amounts`]), so the portal's
/// times and amounts read as the shop's.
async fn shop_zone(context: ContextResource) {
    if let Ok(context) = context.await {
        provide_context(ShopZone::named(&context.timezone));
        provide_context(context.amount_style);
    }
}

/// A failed load as a whole page: 401 asks to log in, 403 says why, 404 is "not found".
fn portal_error(shop: &str, error: AppError) -> AnyView {
    match error {
        AppError::Unauthorized(_) => view! {
            <section class="py-12 text-center">
                <h2 class="text-xl font-semibold">"Please log in"</h2>
                <p class="mt-2 text-sm text-slate-600">"This page is for logged-in customers."</p>
                <a href=format!("/s/{shop}/login") class="mt-4 inline-block text-indigo-700 underline">"Log in"</a>
            </section>
        }
        .into_any(),
        AppError::Forbidden(message) => view! {
            <section class="py-12 text-center" data-testid="forbidden">
                <h2 class="text-xl font-semibold">"Not available for your account"</h2>
                <p role="alert" class="mt-2 text-sm text-slate-700">{message}</p>
                <a href=format!("/s/{shop}") class="mt-4 inline-block text-indigo-700 underline">"Back to the catalog"</a>
            </section>
        }
        .into_any(),
        AppError::NotFound(_) => {
            crate::components::answer_not_found();
            view! {
            <section class="py-12 text-center">
                <h2 class="text-xl font-semibold">"Not found"</h2>
                <a href=format!("/s/{shop}") class="mt-4 inline-block text-indigo-700 underline">"Back to the catalog"</a>
            </section>
            }
            .into_any()
        }
        other => view! { <ErrorAlert error=other/> }.into_any(),
    }
}

fn customer_of(context: &Option<Result<PortalContext, AppError>>) -> Option<CustomerProfile> {
    context.as_ref()?.as_ref().ok()?.customer.clone()
}

/// Shows its children to logged-in customers only (UI only: the server guards the data).
#[component]
pub fn AuthOnly(children: ChildrenFn) -> impl IntoView {
    let context = expect_context::<ContextResource>();
    move || customer_of(&context.get()).is_some().then(|| children())
}

/// Shows its children to verified business customers only (UI only).
#[component]
pub fn BusinessOnly(children: ChildrenFn) -> impl IntoView {
    let context = expect_context::<ContextResource>();
    move || {
        customer_of(&context.get())
            .is_some_and(|customer| customer.business_access)
            .then(|| children())
    }
}

/// Shows its children to individual customers only (UI only).
#[component]
pub fn IndividualOnly(children: ChildrenFn) -> impl IntoView {
    let context = expect_context::<ContextResource>();
    move || {
        customer_of(&context.get())
            .is_some_and(|customer| customer.account_type == AccountType::Individual)
            .then(|| children())
    }
}

#[component]
pub fn PortalLayout() -> impl IntoView {
    let shop = use_shop();
    let log_out = ServerAction::<PortalLogOut>::new();
    // Refetched on every navigation: logging in, signing up or joining changes who is here.
    let location = use_location();
    let context: ContextResource = Resource::new(
        move || (shop.get(), location.pathname.get(), log_out.version().get()),
        |(shop, ..)| get_portal_context(shop),
    );
    provide_context(context);
    let nav_link = "text-sm text-slate-700 hover:text-indigo-700";
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let name = context.await.map(|context| context.shop_name).unwrap_or_default();
                        view! {
                            <Title text=name.clone()/>
                            <a href=format!("/s/{}", shop.get_untracked()) class="text-lg font-semibold text-indigo-700">{name}</a>
                        }
                    })}
                </Transition>
                <nav aria-label="Portal" class="flex flex-wrap items-center gap-4">
                    <Transition fallback=|| ()>
                        {move || matches!(context.get(), Some(Ok(_))).then(|| view! {
                            <a class=nav_link href=format!("/s/{}", shop.get())>"Catalog"</a>
                        })}
                        <BusinessOnly>
                            <a class=nav_link href=move || format!("/s/{}/quotes", shop.get())>"Quotes"</a>
                            <a class=nav_link href=move || format!("/s/{}/bulk", shop.get())>"Bulk order"</a>
                        </BusinessOnly>
                        {move || customer_of(&context.get()).filter(|customer| customer.business_access && customer.company_role == "admin").map(|_| view! {
                            <a class=nav_link href=format!("/s/{}/company", shop.get())>"Company"</a>
                        })}
                        <AuthOnly>
                            <a class=nav_link href=move || format!("/s/{}/cart", shop.get())>"Cart"</a>
                            <a class=nav_link href=move || format!("/s/{}/account", shop.get())>"Account"</a>
                            <ActionForm action=log_out>
                                <input type="hidden" name="shop" value=move || shop.get()/>
                                <button type="submit" class=SECONDARY_BUTTON>"Log out"</button>
                            </ActionForm>
                        </AuthOnly>
                        // Only a shop that exists offers log-in and sign-up (a missing one is a 404).
                        {move || matches!(context.get(), Some(Ok(ref known)) if known.customer.is_none()).then(|| view! {
                            <a class=nav_link href=format!("/s/{}/login", shop.get())>"Log in"</a>
                            <a class=BUTTON_CLASS href=format!("/s/{}/signup", shop.get())>"Create account"</a>
                        })}
                    </Transition>
                </nav>
            </div>
        </header>
        <main class="mx-auto max-w-6xl px-4 py-8">
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match context.await {
                        Ok(_) => view! { <Outlet/> }.into_any(),
                        Err(error) => {
                            portal_error(&shop.get_untracked(), error)
                        }
                    }
                })}
            </Transition>
        </main>
    }
}

fn breaks_text(breaks: &[crate::bulk::rules::PriceBreak]) -> String {
    breaks
        .iter()
        .map(|rule| {
            format!(
                "{}+: −{}",
                rule.min_quantity,
                percent_text(rule.discount_bp)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn percent_text(basis_points: i64) -> String {
    if basis_points % 100 == 0 {
        format!("{} %", basis_points / 100)
    } else {
        format!("{}.{:02} %", basis_points / 100, basis_points % 100)
    }
}

#[component]
pub fn PortalCatalogPage() -> impl IntoView {
    let shop = use_shop();
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let add = ServerAction::<PortalChangeCart>::new();
    let context = expect_context::<ContextResource>();
    let catalog = Resource::new(
        move || (shop.get(), search.get()),
        |(shop, q)| get_portal_catalog(shop, q),
    );
    view! {
        <div class="flex flex-wrap items-end justify-between gap-3">
            <h1 class="text-2xl font-semibold">"Catalog"</h1>
            <form method="get" role="search" class="flex items-end gap-2">
                <div>
                    <label for="catalog-search" class=LABEL_CLASS>"Search"</label>
                    <input id="catalog-search" name="q" type="search" value=move || search.get() class=INPUT_CLASS/>
                </div>
                <button type="submit" class=SECONDARY_BUTTON>"Search"</button>
            </form>
        </div>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let logged_in = context.await.ok().and_then(|context| context.customer).is_some();
                match catalog.await {
                    Ok(catalog) if catalog.variants.is_empty() => view! { <p class="mt-6 text-sm text-slate-600">"No products match."</p> }.into_any(),
                    Ok(catalog) => {
                        let currency = catalog.currency.clone();
                        let shop_value = shop.get_untracked();
                        view! {
                            {move || match add.value().get() {
                                Some(Ok(())) => view! { <p role="status" class="mt-4 text-sm text-emerald-700">"Added to your cart. "<a class="underline" href=format!("/s/{}/cart", shop.get_untracked())>"View cart"</a></p> }.into_any(),
                                Some(Err(error)) => view! { <div class="mt-4"><ErrorAlert error/></div> }.into_any(),
                                None => ().into_any(),
                            }}
                            <table class="mt-4 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm" aria-label="Products">
                                <thead class="bg-slate-100"><tr>
                                    <th class=TH>"Product"</th><th class=TH>"SKU"</th><th class="px-3 py-2 text-right font-medium">"Price"</th>
                                    <th class=TH>"Volume pricing"</th><th class=TH>"Order in"</th><th class="px-3 py-2 text-right font-medium">"In stock"</th>
                                    <th class=TH><span class="sr-only">"Add to cart"</span></th>
                                </tr></thead>
                                <tbody>
                                    {catalog.variants.into_iter().map(|variant| {
                                        let terms = match (variant.min_quantity, variant.pack_size) {
                                            (1, 1) => "any quantity".to_string(),
                                            (min, 1) => format!("min. {min}"),
                                            (1, pack) => format!("packs of {pack}"),
                                            (min, pack) => format!("packs of {pack}, min. {min}"),
                                        };
                                        let row_shop = shop_value.clone();
                                        let sku = variant.sku.clone();
                                        let add_label = format!("Quantity of {sku}");
                                        view! {
                                            <tr class="border-t border-slate-100">
                                                <td class=TD>{variant.title}</td>
                                                <td class=format!("{TD} font-mono text-xs")>{variant.sku}</td>
                                                <td class="px-3 py-2 text-right">{use_amounts().money(variant.price_minor, &currency)}</td>
                                                <td class=TD>{breaks_text(&variant.price_breaks)}</td>
                                                <td class=TD>{terms}</td>
                                                <td class="px-3 py-2 text-right">{variant.available}</td>
                                                <td class=TD>
                                                    {logged_in.then(|| view! {
                                                        <OnceForm action=add attr:class="flex items-center gap-2">
                                                            <input type="hidden" name="shop" value=row_shop.clone()/>
                                                            <input type="hidden" name="sku" value=sku.clone()/>
                                                            <input type="hidden" name="mode" value="add"/>
                                                            <input name="quantity" value=variant.min_quantity.max(variant.pack_size) aria-label=add_label.clone() class="w-20 rounded-md border border-slate-300 px-2 py-1"/>
                                                            <button type="submit" class=SECONDARY_BUTTON>"Add"</button>
                                                        </OnceForm>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn text_field(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    required: bool,
) -> impl IntoView {
    view! {
        <div>
            <label for=id class=LABEL_CLASS>{label}</label>
            <input id=id name=name type=kind required=required class=INPUT_CLASS/>
        </div>
    }
}

#[component]
pub fn PortalSignUpPage() -> impl IntoView {
    let shop = use_shop();
    let sign_up = ServerAction::<PortalSignUp>::new();
    let pending = sign_up.pending();
    let sent = move || sign_up.value().get().and_then(Result::ok);
    view! {
        <Show
            when=move || sent().is_none()
            fallback=move || view! {
                <h1 class="text-2xl font-semibold">"Check your inbox"</h1>
                <div class=format!("mt-6 max-w-xl space-y-4 {CARD}")>
                    <p role="status" class="text-sm text-slate-700">
                        {move || sent().map(|receipt| format!("We sent a link to {}. Open it to confirm the address and finish creating your account; it works for 48 hours.", receipt.email))}
                    </p>
                    <p class="text-sm text-slate-600">"No mail after a few minutes? Look in the spam folder, or sign up again to get a new link. If the address already has an account at this shop, the mail says so."</p>
                    <p class="text-sm text-slate-600"><a class="text-indigo-700 underline" href=move || format!("/s/{}/login", shop.get())>"Go to log in"</a></p>
                </div>
            }
        >
            <h1 class="text-2xl font-semibold">"Create your account"</h1>
            <ActionForm action=sign_up attr:class=format!("mt-6 max-w-xl space-y-4 {CARD}")>
                <input type="hidden" name="shop" value=move || shop.get()/>
                <fieldset>
                    <legend class=LABEL_CLASS>"Account type"</legend>
                    <div class="mt-2 flex gap-6 text-sm">
                        <label class="flex items-center gap-2"><input type="radio" name="account_type" value="individual" checked=true/>"Individual"</label>
                        <label class="flex items-center gap-2"><input type="radio" name="account_type" value="business"/>"Business"</label>
                    </div>
                </fieldset>
                {text_field("signup-name", "name", "Your name", "text", true)}
                {text_field("signup-email", "email", "E-mail", "email", true)}
                {text_field("signup-password", "password", "Password (at least 10 characters)", "password", true)}
                <fieldset class="space-y-4 rounded-md border border-slate-200 p-4">
                    <legend class="px-1 text-sm font-medium text-slate-700">"Business accounts"</legend>
                    <p class="text-xs text-slate-500">"Business accounts are verified by the shop before quotes and bulk orders open."</p>
                    {text_field("signup-company", "company_name", "Company name", "text", false)}
                    {text_field("signup-tax-id", "tax_id", "Tax id (EU VAT number or US EIN)", "text", false)}
                    {text_field("signup-line1", "billing_address[line1]", "Billing address", "text", false)}
                    <div class="grid grid-cols-3 gap-3">
                        {text_field("signup-postal", "billing_address[postal_code]", "Postal code", "text", false)}
                        {text_field("signup-city", "billing_address[city]", "City", "text", false)}
                        {text_field("signup-country", "billing_address[country]", "Country (e.g. DE)", "text", false)}
                    </div>
                </fieldset>
                {move || sign_up.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                <button type="submit" class=BUTTON_CLASS disabled=move || pending.get()>"Create account"</button>
                <p class="text-sm text-slate-600">"Already have an account? "<a class="text-indigo-700 underline" href=move || format!("/s/{}/login", shop.get())>"Log in"</a></p>
            </ActionForm>
        </Show>
    }
}

/// `/s/<shop>/signup/confirm?token=…`: the link of a customer's sign-up mail. Opening it does
/// nothing (mail scanners open links); the button confirms.
#[component]
pub fn PortalConfirmSignUpPage() -> impl IntoView {
    let shop = use_shop();
    let query = use_query_map();
    let confirm = ServerAction::<PortalConfirmSignUp>::new();
    let pending = confirm.pending();
    view! {
        <h1 class="text-2xl font-semibold">"Finish creating your account"</h1>
        <ActionForm action=confirm attr:class=format!("mt-6 max-w-md space-y-4 {CARD}")>
            <input type="hidden" name="shop" value=move || shop.get()/>
            <input type="hidden" name="token" value=move || query.read().get("token").unwrap_or_default()/>
            <p class="text-sm text-slate-700">"Enter the password you chose when signing up to confirm this e-mail address; your account is then ready."</p>
            {text_field("confirm-password", "password", "Password", "password", true)}
            {move || confirm.value().get().and_then(Result::err).map(|error| view! {
                <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{crate::auth::pages::link_error_text(&error)}</p>
            })}
            <button type="submit" class=BUTTON_CLASS disabled=move || pending.get()>
                {move || if pending.get() { "Opening your account…" } else { "Confirm and open my account" }}
            </button>
            <p class="text-sm text-slate-600">"Already confirmed? "<a class="text-indigo-700 underline" href=move || format!("/s/{}/login", shop.get())>"Log in"</a></p>
        </ActionForm>
    }
}

#[component]
pub fn PortalLogInPage() -> impl IntoView {
    let shop = use_shop();
    let query = use_query_map();
    let log_in = ServerAction::<PortalLogIn>::new();
    let pending = log_in.pending();
    view! {
        <h1 class="text-2xl font-semibold">"Log in"</h1>
        <ActionForm action=log_in attr:class=format!("mt-6 max-w-md space-y-4 {CARD}")>
            <input type="hidden" name="shop" value=move || shop.get()/>
            <input type="hidden" name="next" value=move || query.read().get("next").unwrap_or_default()/>
            {text_field("login-email", "email", "E-mail", "email", true)}
            {text_field("login-password", "password", "Password", "password", true)}
            {move || log_in.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
            <button type="submit" class=BUTTON_CLASS disabled=move || pending.get()>"Log in"</button>
            <p class="text-sm text-slate-600">"New here? "<a class="text-indigo-700 underline" href=move || format!("/s/{}/signup", shop.get())>"Create an account"</a></p>
        </ActionForm>
    }
}

#[component]
pub fn PortalAccountPage() -> impl IntoView {
    let shop = use_shop();
    let context = expect_context::<ContextResource>();
    let orders = Resource::new(move || shop.get(), portal_orders);
    view! {
        <h1 class="text-2xl font-semibold">"Your account"</h1>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                let shop_value = shop.get_untracked();
                shop_zone(context).await;
                let Some(customer) = context.await.ok().and_then(|context| context.customer) else {
                    return portal_error(&shop_value, AppError::unauthenticated());
                };
                let business = customer.business_access;
                let company = customer.company.clone();
                let orders = orders.await;
                view! {
                    <section class=format!("mt-4 space-y-2 {CARD}")>
                        <p><span class="font-medium">{customer.name.clone()}</span>" · "{customer.email.clone()}</p>
                        <p class="text-sm text-slate-600">{format!("{} account", customer.account_type.label())}</p>
                        {company.map(|company| view! {
                            <div class="text-sm">
                                <p>{company.name.clone()}" · "{company.tax_id.clone()}" "{verification_badge(company.verification)}</p>
                                {(company.verification == Verification::Pending).then(|| view! {
                                    <p class="mt-1 text-slate-600">"The shop is checking your business details. Quotes and bulk orders open once it has verified them."</p>
                                })}
                                {(company.verification == Verification::Rejected).then(|| view! {
                                    <p role="alert" class="mt-1 text-red-700">{format!("The shop did not verify your business: {}", company.rejection_reason)}</p>
                                })}
                            </div>
                        })}
                    </section>
                    <h2 class="mt-8 text-lg font-semibold">"Your orders"</h2>
                    {match orders {
                        Ok(page) if page.orders.is_empty() => view! { <p class="mt-2 text-sm text-slate-600">"No orders yet."</p> }.into_any(),
                        Ok(page) => {
                            let currency = page.currency.clone();
                            view! {
                                <table class="mt-2 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Your orders">
                                    <thead class="bg-slate-100"><tr><th class=TH>"Order"</th><th class=TH>"Placed"</th><th class=TH>"Status"</th><th class="px-3 py-2 text-right font-medium">"Total"</th><th class=TH></th></tr></thead>
                                    <tbody>
                                        {page.orders.into_iter().map(|order| view! {
                                            <tr class="border-t border-slate-100">
                                                <td class=TD><a class="text-indigo-700 underline" href=format!("/s/{shop_value}/orders/{}", order.id)>{format!("#{}", order.number)}</a></td>
                                                <td class=TD>{use_zone().date_time(order.placed_at_ms)}</td>
                                                <td class=TD>{order.status.label()}</td>
                                                <td class="px-3 py-2 text-right">{use_amounts().money(order.total_minor, &currency)}</td>
                                                <td class=TD>{business.then(|| view! { <a class="text-indigo-700 underline" href=format!("/s/{shop_value}/bulk?reorder={}", order.id)>"Reorder"</a> })}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    }}
                }.into_any()
            })}
        </Transition>
    }
}

/// One of the buyer's orders: what was ordered at what price, the totals, what is paid and due,
/// where it ships and each parcel's tracking.
#[component]
pub fn PortalOrderPage() -> impl IntoView {
    let shop = use_shop();
    let id = use_id("id");
    let order = Resource::new(
        move || (shop.get(), id.get()),
        |(shop, id)| portal_order(shop, id),
    );
    let context = expect_context::<ContextResource>();
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                match order.await {
                    Ok(order) => portal_order_view(&shop_value, order),
                    Err(error) => portal_error(&shop_value, error),
                }
            })}
        </Transition>
    }
}

fn portal_order_view(shop: &str, order: PortalOrder) -> AnyView {
    let currency = order.currency.clone();
    let money = move |minor: i64| use_amounts().money(minor, &currency);
    let due = order.totals.total_minor - order.paid_minor;
    let address = &order.shipping_address;
    let address_lines: Vec<String> = [
        address.name.clone(),
        address.line1.clone(),
        address.line2.clone(),
        format!("{} {}", address.postal_code, address.city)
            .trim()
            .to_string(),
        address.country.clone(),
    ]
    .into_iter()
    .filter(|line| !line.trim().is_empty())
    .collect();
    let payment = match (order.payment_terms.is_invoice(), order.payment_due_at_ms) {
        (true, Some(due_at)) if due > 0 => format!(
            "{} · {} due by {}",
            order.payment_terms.label(),
            money(due),
            use_zone().date(due_at)
        ),
        _ => order.payment_status.label().to_string(),
    };
    view! {
        <Title text=format!("Order #{}", order.number)/>
        <a href=format!("/s/{shop}/account") class="text-sm text-indigo-700 underline">"← Your orders"</a>
        <div class="mt-2 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold">{format!("Order #{}", order.number)}</h1>
            <span data-testid="portal-order-status" class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium">{order.status.label()}</span>
            {order.overdue.then(|| view! { <span class="rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800">"Overdue"</span> })}
        </div>
        <p class="mt-1 text-sm text-slate-600">{format!("Placed {}", use_zone().date_time(order.placed_at_ms))}{(!order.company_name.is_empty()).then(|| format!(" for {}", order.company_name))}</p>
        <dl class=format!("mt-4 grid gap-3 sm:grid-cols-3 {CARD}")>
            <div><dt class="text-xs text-slate-500">"Payment"</dt><dd data-testid="portal-order-payment">{payment}</dd></div>
            <div><dt class="text-xs text-slate-500">"Delivery"</dt><dd data-testid="portal-order-fulfilment">{order.fulfilment_status.label()}</dd></div>
            <div><dt class="text-xs text-slate-500">"Ships to"</dt><dd class="text-sm">{address_lines.join(", ")}</dd></div>
        </dl>
        <div class="mt-4 overflow-x-auto">
        <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Order lines">
            <thead class="bg-slate-100"><tr><th class=TH>"SKU"</th><th class=TH>"Item"</th><th class="px-3 py-2 text-right font-medium">"Quantity"</th><th class="px-3 py-2 text-right font-medium">"Unit price"</th><th class="px-3 py-2 text-right font-medium">"Total"</th></tr></thead>
            <tbody>
                {order.lines.iter().map(|line| view! {
                    <tr class="border-t border-slate-100">
                        <td class=TD>{line.sku.clone()}</td>
                        <td class=TD>{line.title.clone()}</td>
                        <td class="px-3 py-2 text-right">{line.quantity}</td>
                        <td class="px-3 py-2 text-right">{money(line.unit_price_minor)}</td>
                        <td class="px-3 py-2 text-right">{money(line.line_total_minor)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
            <tfoot class="border-t border-slate-200">
                {[("Subtotal", order.totals.subtotal_minor), ("Discount", -order.totals.discount_minor), ("Shipping", order.totals.shipping_minor), ("Tax", order.totals.tax_minor)]
                    .into_iter()
                    .filter(|(label, minor)| *minor != 0 || *label == "Subtotal")
                    .map(|(label, minor)| view! { <tr><td colspan="4" class="px-3 py-1 text-right text-slate-600">{label}</td><td class="px-3 py-1 text-right">{money(minor)}</td></tr> })
                    .collect_view()}
                <tr><td colspan="4" class="px-3 py-2 text-right font-semibold">"Total"</td><td data-testid="portal-order-total" class="px-3 py-2 text-right font-semibold">{money(order.totals.total_minor)}</td></tr>
                {(order.paid_minor > 0).then(|| view! { <tr><td colspan="4" class="px-3 py-1 text-right text-slate-600">"Paid"</td><td class="px-3 py-1 text-right">{money(order.paid_minor)}</td></tr> })}
                {(order.refunded_minor > 0).then(|| view! { <tr><td colspan="4" class="px-3 py-1 text-right text-slate-600">"Refunded"</td><td class="px-3 py-1 text-right">{money(order.refunded_minor)}</td></tr> })}
            </tfoot>
        </table>
        </div>
        <h2 class="mt-6 text-lg font-semibold">"Parcels"</h2>
        {if order.shipments.is_empty() {
            view! { <p class="mt-1 text-sm text-slate-600">"Nothing has shipped yet."</p> }.into_any()
        } else {
            view! {
                <ul class="mt-2 space-y-2" aria-label="Parcels">
                    {order.shipments.into_iter().map(|parcel| {
                        let items = parcel.items.iter().map(|(sku, quantity)| format!("{quantity} × {sku}")).collect::<Vec<_>>().join(", ");
                        let tracking = if parcel.tracking_url.starts_with("https://") {
                            view! { <a href=parcel.tracking_url.clone() class="text-indigo-700 underline" rel="noopener noreferrer" target="_blank">{parcel.tracking_number.clone()}</a> }.into_any()
                        } else {
                            view! { <span>{parcel.tracking_number.clone()}</span> }.into_any()
                        };
                        view! {
                            <li class=format!("text-sm {CARD}")>
                                <p>{format!("{} · shipped {} · ", parcel.carrier, use_zone().date(parcel.shipped_at_ms))}{tracking}</p>
                                <p class="text-slate-600">{items}</p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
    .into_any()
}

fn quote_badge(status: QuoteStatus) -> impl IntoView {
    let class = match status {
        QuoteStatus::Requested => "bg-amber-100 text-amber-800",
        QuoteStatus::Quoted | QuoteStatus::Revised => "bg-sky-100 text-sky-800",
        QuoteStatus::Accepted => "bg-emerald-100 text-emerald-800",
        QuoteStatus::Declined | QuoteStatus::Expired => "bg-slate-200 text-slate-700",
    };
    view! { <span data-testid="quote-status" class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{status.label()}</span> }
}

#[component]
pub fn PortalQuotesPage() -> impl IntoView {
    let shop = use_shop();
    let quotes = Resource::new(move || shop.get(), portal_quotes);
    let context = expect_context::<ContextResource>();
    view! {
        <div class="flex items-center justify-between">
            <h1 class="text-2xl font-semibold">"Quotes"</h1>
            <a class=BUTTON_CLASS href=move || format!("/s/{}/quotes/new", shop.get())>"Request a quote"</a>
        </div>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                match quotes.await {
                    Ok(quotes) if quotes.is_empty() => view! { <p class="mt-6 text-sm text-slate-600">"No quotes yet."</p> }.into_any(),
                    Ok(quotes) => view! {
                        <table class="mt-4 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Quotes">
                            <thead class="bg-slate-100"><tr><th class=TH>"Quote"</th><th class=TH>"Status"</th><th class=TH>"Lines"</th><th class=TH>"Valid until"</th><th class=TH>"Updated"</th></tr></thead>
                            <tbody>
                                {quotes.into_iter().map(|quote| view! {
                                    <tr class="border-t border-slate-100">
                                        <td class=TD><a class="font-medium text-indigo-700 underline" href=format!("/s/{shop_value}/quotes/{}", quote.id)>{format!("Q-{}", quote.number)}</a></td>
                                        <td class=TD>{quote_badge(quote.status)}</td>
                                        <td class=TD>{quote.line_count}</td>
                                        <td class=TD>{quote.expires_at_ms.map(|ms| use_zone().date(ms)).unwrap_or_default()}</td>
                                        <td class=TD>{use_zone().date_time(quote.updated_at_ms)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => {
                        portal_error(&shop_value, error)
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub fn PortalNewQuotePage() -> impl IntoView {
    let context = expect_context::<ContextResource>();
    let shop = use_shop();
    let guard = Resource::new(move || shop.get(), portal_business);
    let request = ServerAction::<PortalRequestQuote>::new();
    let pending = request.pending();
    view! {
        <h1 class="text-2xl font-semibold">"Request a quote"</h1>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                match guard.await {
                    Ok(_) => view! {
                        <OnceForm action=request attr:class=format!("mt-6 max-w-2xl space-y-4 {CARD}")>
                            <input type="hidden" name="shop" value=shop_value.clone()/>
                            <div>
                                <label for="quote-lines" class=LABEL_CLASS>"Items (one per line: SKU, quantity)"</label>
                                <textarea id="quote-lines" name="lines" rows="6" required=true class=format!("{INPUT_CLASS} font-mono") placeholder="BOLT-10, 500"></textarea>
                            </div>
                            <div>
                                <label for="quote-message" class=LABEL_CLASS>"Message to the shop"</label>
                                <textarea id="quote-message" name="message" rows="3" class=INPUT_CLASS></textarea>
                            </div>
                            <div>
                                <label for="quote-needed-by" class=LABEL_CLASS>"Needed by"</label>
                                <input id="quote-needed-by" name="needed_by" type="date" class=INPUT_CLASS/>
                            </div>
                            {move || request.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                            <button type="submit" class=BUTTON_CLASS disabled=move || pending.get()>"Send request"</button>
                        </OnceForm>
                    }.into_any(),
                    Err(error) => {
                        portal_error(&shop_value, error)
                    }
                }
            })}
        </Transition>
    }
}

/// The lines of a quote with the prices of its current offer (if any).
fn quote_lines_table(quote: &QuoteDetail) -> impl IntoView {
    let offer = quote.versions.first().cloned();
    let currency = quote.currency.clone();
    view! {
        <table class="mt-4 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Quote lines">
            <thead class="bg-slate-100"><tr>
                <th class=TH>"SKU"</th><th class=TH>"Item"</th><th class="px-3 py-2 text-right font-medium">"Quantity"</th>
                <th class="px-3 py-2 text-right font-medium">"List price"</th><th class="px-3 py-2 text-right font-medium">"Quoted price"</th>
                <th class="px-3 py-2 text-right font-medium">"Line total"</th>
            </tr></thead>
            <tbody>
                {quote.lines.iter().enumerate().map(|(index, line)| {
                    let quoted = offer.as_ref().and_then(|offer| offer.unit_prices_minor.get(index).copied());
                    view! {
                        <tr class="border-t border-slate-100">
                            <td class=format!("{TD} font-mono text-xs")>{line.sku.clone()}</td>
                            <td class=TD>{line.title.clone()}</td>
                            <td class="px-3 py-2 text-right">{line.quantity}</td>
                            <td class="px-3 py-2 text-right">{use_amounts().money(line.list_price_minor, &currency)}</td>
                            <td class="px-3 py-2 text-right" data-testid="quoted-price">{quoted.map(|price| use_amounts().money(price, &currency)).unwrap_or_else(|| "—".into())}</td>
                            <td class="px-3 py-2 text-right">{quoted.map(|price| use_amounts().money(price * line.quantity, &currency)).unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {offer.map(|offer| view! {
            <p class="mt-2 text-right text-sm font-medium" data-testid="quote-total">{format!("Total {}", use_amounts().money(offer.total_minor, &quote.currency))}</p>
        })}
    }
}

/// Earlier versions and the message thread, shown to both sides.
pub fn quote_history(quote: &QuoteDetail) -> impl IntoView {
    let currency = quote.currency.clone();
    view! {
        {(quote.versions.len() > 1).then(|| view! {
            <h2 class="mt-8 text-lg font-semibold">"Versions"</h2>
            <ol class="mt-2 space-y-1 text-sm" aria-label="Versions">
                {quote.versions.iter().map(|version| view! {
                    <li>{format!("Version {} · {} · valid until {} · total {}{}", version.version, use_zone().date_time(version.created_at_ms), use_zone().date(version.expires_at_ms), use_amounts().money(version.total_minor, &currency), if version.note.is_empty() { String::new() } else { format!(" · {}", version.note) })}</li>
                }).collect_view()}
            </ol>
        })}
        <h2 class="mt-8 text-lg font-semibold">"Messages"</h2>
        <ol class="mt-2 space-y-2" aria-label="Messages">
            {quote.messages.iter().map(|message| view! {
                <li class="rounded-md border border-slate-200 bg-white p-3 text-sm">
                    <p class="text-xs text-slate-500">{format!("{} ({}) · {}", message.author, message.author_kind, use_zone().date_time(message.created_at_ms))}</p>
                    <p class="mt-1 whitespace-pre-wrap">{message.body.clone()}</p>
                </li>
            }).collect_view()}
        </ol>
    }
}

#[component]
pub fn PortalQuotePage() -> impl IntoView {
    let shop = use_shop();
    let id = use_id("id");
    let decide = ServerAction::<PortalDecideQuote>::new();
    let message = ServerAction::<PortalQuoteMessage>::new();
    let quote = Resource::new(
        move || {
            (
                shop.get(),
                id.get(),
                decide.version().get(),
                message.version().get(),
            )
        },
        |(shop, id, ..)| portal_quote(shop, id),
    );
    let context = expect_context::<ContextResource>();
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                match quote.await {
                    Ok(quote) => {
                        let can_decide = quote.status.has_offer();
                        let offer = quote.versions.first().cloned();
                        let (decide_shop, message_shop) = (shop_value.clone(), shop_value.clone());
                        let (quote_id, quote_version, quote_number) = (quote.id, quote.version, quote.number);
                        let accept_quote = quote.clone();
                        let accept_shop = shop_value.clone();
                        view! {
                            <div class="flex flex-wrap items-center gap-3">
                                <h1 class="text-2xl font-semibold">{format!("Quote Q-{}", quote.number)}</h1>
                                {quote_badge(quote.status)}
                            </div>
                            {(!quote.needed_by.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-600">{format!("Needed by {}", quote.needed_by)}</p> })}
                            {offer.as_ref().map(|offer| view! {
                                <p class="mt-1 text-sm text-slate-600">{format!("Offer version {}, valid until {}", offer.version, use_zone().date(offer.expires_at_ms))}{(!offer.note.is_empty()).then(|| format!(" — {}", offer.note))}</p>
                            })}
                            {quote.held_until_ms.filter(|_| can_decide).map(|until| view! {
                                <p class="mt-1 text-sm text-emerald-700" data-testid="quote-held">{format!("The shop holds this stock for you until {}.", use_zone().date_time(until))}</p>
                            })}
                            {quote_lines_table(&quote)}
                            {quote.order_number.map(|number| view! { <p role="status" class="mt-4 text-sm text-emerald-700">{format!("Accepted: order #{number} was placed at these prices.")}</p> })}
                            {can_decide.then(move || view! {
                                <div class="mt-4 flex flex-wrap items-start gap-3">
                                    <ConfirmStep href=format!("/s/{decide_shop}/quotes/{quote_id}/accept") label="Accept and order…" title=format!("Order at the prices of Q-{quote_number}") class=BUTTON_CLASS>
                                        <AcceptQuoteForm quote=accept_quote shop=accept_shop action=decide next=None/>
                                    </ConfirmStep>
                                    <OnceForm action=decide>
                                        <input type="hidden" name="shop" value=decide_shop.clone()/>
                                        <input type="hidden" name="id" value=quote_id/>
                                        <input type="hidden" name="expected_version" value=quote_version/>
                                        <button type="submit" name="decision" value="decline" class=SECONDARY_BUTTON>"Decline"</button>
                                    </OnceForm>
                                </div>
                            })}
                            {move || decide.value().get().and_then(Result::err).map(|error| view! { <div class="mt-2"><ErrorAlert error/></div> })}
                            {quote_history(&quote)}
                            <OnceForm action=message clear_on_success=true attr:class="mt-4 space-y-2">
                                <input type="hidden" name="shop" value=message_shop.clone()/>
                                <input type="hidden" name="id" value=quote.id/>
                                <label for="quote-reply" class=LABEL_CLASS>"Write to the shop"</label>
                                <textarea id="quote-reply" name="body" rows="3" required=true class=INPUT_CLASS></textarea>
                                {move || message.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                                <button type="submit" class=SECONDARY_BUTTON>"Send message"</button>
                            </OnceForm>
                        }.into_any()
                    }
                    Err(error) => {
                        portal_error(&shop_value, error)
                    }
                }
            })}
        </Transition>
    }
}

/// Accepting a quote places an order: the form says for how much before the buyer confirms.
#[component]
fn AcceptQuoteForm(
    quote: QuoteDetail,
    shop: String,
    action: ServerAction<PortalDecideQuote>,
    next: Option<String>,
) -> impl IntoView {
    let total = quote
        .versions
        .first()
        .map(|offer| use_amounts().money(offer.total_minor, &quote.currency))
        .unwrap_or_default();
    let items: i64 = quote.lines.iter().map(|line| line.quantity).sum();
    view! {
        <OnceForm action attr:class="space-y-3" attr:aria-label="Accept the quote">
            <input type="hidden" name="shop" value=shop/>
            <input type="hidden" name="id" value=quote.id/>
            <input type="hidden" name="expected_version" value=quote.version/>
            {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
            <p class="text-sm">{format!("This places an order for {items} items ({} lines) at the quoted prices.", quote.lines.len())}</p>
            <p class="text-base font-semibold" data-testid="accept-total">{format!("Total {total}")}</p>
            <p class="text-sm text-slate-600">"The order is placed at once, on your company's payment terms."</p>
            <button type="submit" name="decision" value="accept" class=BUTTON_CLASS>{format!("Confirm the order of {total}")}</button>
            {move || action.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
        </OnceForm>
    }
}

/// `/s/<shop>/quotes/<id>/accept`: the acceptance's confirmation as a page of its own (for
/// browsers without Wasm); back to the quote afterwards.
#[component]
pub fn PortalAcceptQuotePage() -> impl IntoView {
    let context = expect_context::<ContextResource>();
    let shop = use_shop();
    let id = use_id("id");
    let decide = ServerAction::<PortalDecideQuote>::new();
    let quote = Resource::new(
        move || (shop.get(), id.get()),
        |(shop, id)| portal_quote(shop, id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                match quote.await {
                    Ok(quote) => {
                        let back = format!("/s/{shop_value}/quotes/{}", quote.id);
                        view! {
                            <a href=back.clone() class="text-sm text-indigo-700 underline">{format!("← Quote Q-{}", quote.number)}</a>
                            <h1 class="mt-2 text-2xl font-semibold">{format!("Order at the prices of Q-{}", quote.number)}</h1>
                            <div class=format!("mt-4 max-w-xl {CARD}")>
                                {if quote.status.has_offer() {
                                    view! { <AcceptQuoteForm quote shop=shop_value.clone() action=decide next=Some(back)/> }.into_any()
                                } else {
                                    view! { <p role="status" class="text-sm">"This quote has no offer to accept (any more)."</p> }.into_any()
                                }}
                            </div>
                        }.into_any()
                    }
                    Err(error) => portal_error(&shop_value, error),
                }
            })}
        </Transition>
    }
}

fn bulk_results(result: BulkOrderResult) -> impl IntoView {
    let BulkOrderResult {
        check,
        placed,
        currency,
    } = result;
    let BulkCheck {
        lines,
        unreadable,
        subtotal_minor,
    } = check;
    let problem_count = unreadable.len()
        + lines
            .iter()
            .filter(|line| !line.problems.is_empty())
            .count();
    view! {
        {placed.map(|submission| match submission.order {
            Some(order) => view! {
                <p role="status" class="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="bulk-placed">
                    {format!("Order #{} placed: {} (invoice, pay later).", order.number, use_amounts().money(order.total_minor, &order.currency))}
                </p>
            }.into_any(),
            None => view! {
                <p role="status" class="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800" data-testid="bulk-waiting">{submission.message}</p>
            }.into_any(),
        })}
        {(problem_count > 0).then(|| view! {
            <p role="alert" class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{format!("{problem_count} line(s) need attention before the order can be placed.")}</p>
        })}
        <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Checked lines">
            <thead class="bg-slate-100"><tr>
                <th class=TH>"Line"</th><th class=TH>"SKU"</th><th class=TH>"Item"</th><th class="px-3 py-2 text-right font-medium">"Quantity"</th>
                <th class="px-3 py-2 text-right font-medium">"Unit price"</th><th class="px-3 py-2 text-right font-medium">"Total"</th><th class=TH>"Problem"</th>
            </tr></thead>
            <tbody>
                {unreadable.into_iter().map(|problem| view! {
                    <tr class="border-t border-slate-100 bg-red-50" data-testid="bulk-line-error">
                        <td class=TD>{problem.line}</td><td class=TD colspan="5">{problem.text}</td>
                        <td class="px-3 py-2 text-red-700">{problem.message}</td>
                    </tr>
                }).collect_view()}
                {lines.into_iter().map(|line| {
                    let bad = !line.problems.is_empty();
                    let line_label = if line.merged_lines.is_empty() { line.line.to_string() } else { format!("{} (+{})", line.line, line.merged_lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")) };
                    let discount = (line.discount_bp > 0).then(|| format!(" (−{})", percent_text(line.discount_bp)));
                    view! {
                        <tr class=if bad { "border-t border-slate-100 bg-red-50" } else { "border-t border-slate-100" } data-testid=if bad { "bulk-line-error" } else { "bulk-line" }>
                            <td class=TD>{line_label}</td>
                            <td class=format!("{TD} font-mono text-xs")>{line.sku}</td>
                            <td class=TD>{line.title}</td>
                            <td class="px-3 py-2 text-right">{line.quantity}</td>
                            <td class="px-3 py-2 text-right">{(line.variant_id.is_some()).then(|| use_amounts().money(line.unit_price_minor, &currency))}{discount}</td>
                            <td class="px-3 py-2 text-right">{(line.variant_id.is_some()).then(|| use_amounts().money(line.line_total_minor, &currency))}</td>
                            <td class="px-3 py-2 text-red-700">{line.problems.join("; ")}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="text-right text-sm font-medium">{format!("Subtotal {}", use_amounts().money(subtotal_minor, &currency))}</p>
    }
}

#[component]
pub fn PortalBulkPage() -> impl IntoView {
    let shop = use_shop();
    let query = use_query_map();
    let reorder_id = Memo::new(move |_| {
        query
            .read()
            .get("reorder")
            .and_then(|id| id.parse::<i64>().ok())
    });
    let guard = Resource::new(move || shop.get(), portal_business);
    let prefill = Resource::new(
        move || (shop.get(), reorder_id.get()),
        |(shop, reorder)| async move {
            match reorder {
                Some(order_id) => portal_reorder(shop, order_id).await,
                None => Ok(String::new()),
            }
        },
    );
    let bulk = ServerAction::<PortalBulkOrder>::new();
    let pending = bulk.pending();
    let lines = RwSignal::new(String::new());
    let context = expect_context::<ContextResource>();
    // A placed order empties the pad: the next order starts from nothing, and a second click
    // on "Place order" has no lines to send (the form's token is new by then, too).
    Effect::new(move || {
        let placed = bulk
            .value()
            .with(|value| matches!(value, Some(Ok(result)) if result.placed.is_some()));
        if placed {
            lines.set(String::new());
        }
    });
    view! {
        <h1 class="text-2xl font-semibold">"Bulk order"</h1>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                if let Err(error) = guard.await {
                    return portal_error(&shop_value, error);
                }
                if let Ok(text) = prefill.await {
                    if !text.is_empty() && lines.get_untracked().is_empty() {
                        lines.set(text);
                    }
                }
                view! {
                    <OnceForm action=bulk attr:class=format!("mt-6 space-y-4 {CARD}")>
                        <input type="hidden" name="shop" value=shop_value.clone()/>
                        <div>
                            <label for="bulk-lines" class=LABEL_CLASS>"Items (one per line: SKU, quantity; a CSV with sku,quantity columns works too)"</label>
                            <textarea id="bulk-lines" name="lines" rows="10" required=true class=format!("{INPUT_CLASS} font-mono")
                                prop:value=move || lines.get()
                                on:input=move |event| lines.set(event_target_value(&event))>{lines.get_untracked()}</textarea>
                        </div>
                        <CsvLoader lines/>
                        <div>
                            <label for="bulk-notes" class=LABEL_CLASS>"Purchase order number or note"</label>
                            <input id="bulk-notes" name="notes" type="text" class=INPUT_CLASS/>
                        </div>
                        <div class="flex gap-3">
                            <button type="submit" name="intent" value="check" class=SECONDARY_BUTTON disabled=move || pending.get()>"Check lines"</button>
                            <button type="submit" name="intent" value="place" class=BUTTON_CLASS disabled=move || pending.get()>"Place order"</button>
                        </div>
                    </OnceForm>
                    <section class="mt-6 space-y-3" aria-label="Bulk order check">
                        {move || match bulk.value().get() {
                            None => ().into_any(),
                            Some(Ok(result)) => bulk_results(result).into_any(),
                            Some(Err(error)) => view! { <ErrorAlert error/> }.into_any(),
                        }}
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

/// Reads a chosen CSV file into the lines box (in the browser; nothing is uploaded until the
/// lines are checked).
#[component]
fn CsvLoader(lines: RwSignal<String>) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    let on_change = move |event: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => {
                    problem.set(None);
                    lines.set(text.as_string().unwrap_or_default());
                }
                Err(_) => problem.set(Some("The file could not be read".into())),
            }
        });
    };
    #[cfg(not(feature = "hydrate"))]
    let on_change = move |_: leptos::ev::Event| {
        let _ = (lines, problem);
    };
    view! {
        <div>
            <label for="bulk-file" class=LABEL_CLASS>"Or load a CSV file"</label>
            <input id="bulk-file" type="file" accept=".csv,text/csv,text/plain" class="mt-1 block text-sm" on:change=on_change/>
            {move || problem.get().map(|message| view! { <p role="alert" class="text-sm text-red-700">{message}</p> })}
        </div>
    }
}

/// The company admin's page: members with their limits and spending, invitations, and buyers'
/// orders waiting for approval. The server answers 403 to anyone but the company's admin.
#[component]
pub fn PortalCompanyPage() -> impl IntoView {
    let context = expect_context::<ContextResource>();
    let shop = use_shop();
    let invite = ServerAction::<PortalInviteBuyer>::new();
    let limit = ServerAction::<PortalSetBuyerLimit>::new();
    let decide = ServerAction::<PortalDecideCompanyOrder>::new();
    let account = Resource::new(
        move || {
            (
                shop.get(),
                invite.version().get(),
                limit.version().get(),
                decide.version().get(),
            )
        },
        |(shop, ..)| portal_company(shop),
    );
    view! {
        <h1 class="text-2xl font-semibold">"Company account"</h1>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                let account = match account.await {
                    Ok(account) => account,
                    Err(error) => {
                        return portal_error(&shop_value, error);
                    }
                };
                let currency = account.currency.clone();
                let invite_shop = shop_value.clone();
                view! {
                    <p class="mt-1 text-sm text-slate-600">{account.company.name.clone()}</p>
                    <h2 class="mt-6 text-lg font-semibold">"Members"</h2>
                    <table class="mt-2 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Members">
                        <thead class="bg-slate-100"><tr><th class=TH>"Member"</th><th class=TH>"Role"</th><th class="px-3 py-2 text-right font-medium">"Spent this period"</th><th class=TH>"Spending limit"</th></tr></thead>
                        <tbody>
                            {account.buyers.into_iter().map(|buyer| {
                                let row_shop = shop_value.clone();
                                let current = buyer.spending_limit_minor.map(|minor| crate::money::amount_text(minor, &currency)).unwrap_or_default();
                                let quarter = buyer.limit_period == "quarter";
                                let (limit_label, period_label) = (format!("Spending limit for {}", buyer.email), format!("Period for {}", buyer.email));
                                view! {
                                    <tr class="border-t border-slate-100">
                                        <td class=TD>{buyer.name.clone()}<span class="block text-xs text-slate-500">{buyer.email.clone()}{buyer.invited.then_some(" (invited)")}</span></td>
                                        <td class=TD>{buyer.role.clone()}</td>
                                        <td class="px-3 py-2 text-right">{use_amounts().money(buyer.spent_in_period_minor, &currency)}</td>
                                        <td class=TD>
                                            {if buyer.role == "buyer" {
                                                view! {
                                                    <OnceForm action=limit attr:class="flex items-end gap-2" attr:aria-label=format!("Limit for {}", buyer.email)>
                                                        <input type="hidden" name="shop" value=row_shop.clone()/>
                                                        <input type="hidden" name="buyer_id" value=buyer.id/>
                                                        <input name="spending_limit" value=current.clone() placeholder="no limit" aria-label=limit_label.clone() class="w-28 rounded-md border border-slate-300 px-2 py-1"/>
                                                        <select name="period" aria-label=period_label.clone() class="rounded-md border border-slate-300 px-2 py-1">
                                                            <option value="month" selected=!quarter>"per month"</option>
                                                            <option value="quarter" selected=quarter>"per quarter"</option>
                                                        </select>
                                                        <button type="submit" class=SECONDARY_BUTTON>"Save"</button>
                                                    </OnceForm>
                                                }.into_any()
                                            } else {
                                                view! { <span class="text-slate-500">"no limit (admin)"</span> }.into_any()
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {move || limit.value().get().and_then(Result::err).map(|error| view! { <div class="mt-2"><ErrorAlert error/></div> })}
                    <OnceForm action=invite clear_on_success=true attr:class=format!("mt-6 flex flex-wrap items-end gap-3 {CARD}") attr:aria-label="Invite a buyer">
                        <input type="hidden" name="shop" value=invite_shop.clone()/>
                        <div><label for="invite-name" class=LABEL_CLASS>"Buyer's name"</label><input id="invite-name" name="name" required=true class=INPUT_CLASS/></div>
                        <div><label for="invite-email" class=LABEL_CLASS>"Buyer's e-mail"</label><input id="invite-email" name="email" type="email" required=true class=INPUT_CLASS/></div>
                        <button type="submit" class=BUTTON_CLASS>"Invite buyer"</button>
                    </OnceForm>
                    {move || match invite.value().get() {
                        Some(Ok(invitation)) => view! { <p role="status" class="mt-2 text-sm text-emerald-700">{format!("Send {} this link to join: ", invitation.email)}<code data-testid="invitation-link">{invitation.link}</code></p> }.into_any(),
                        Some(Err(error)) => view! { <div class="mt-2"><ErrorAlert error/></div> }.into_any(),
                        None => ().into_any(),
                    }}
                    <h2 class="mt-8 text-lg font-semibold">"Orders waiting for your approval"</h2>
                    {move || decide.value().get().and_then(Result::err).map(|error| view! { <div class="mt-2"><ErrorAlert error/></div> })}
                    <ul class="mt-2 space-y-2" aria-label="Approvals">
                        {account.approvals.into_iter().map(|approval| {
                            let approval_shop = shop_value.clone();
                            let waiting = approval.status == "waiting";
                            view! {
                                <li class="rounded-md border border-slate-200 bg-white p-3 text-sm">
                                    <p>{format!("{} ({}) · {} · {}", approval.buyer_name, approval.buyer_email, use_amounts().money(approval.total_minor, &currency), approval.status)}{approval.order_number.map(|number| format!(" · order #{number}"))}</p>
                                    <pre class="mt-1 whitespace-pre-wrap font-mono text-xs text-slate-600">{approval.lines.clone()}</pre>
                                    {waiting.then(|| view! {
                                        <OnceForm action=decide attr:class="mt-2 flex gap-2">
                                            <input type="hidden" name="shop" value=approval_shop.clone()/>
                                            <input type="hidden" name="id" value=approval.id/>
                                            <button type="submit" name="decision" value="approve" class=BUTTON_CLASS>"Approve and order"</button>
                                            <button type="submit" name="decision" value="decline" class=SECONDARY_BUTTON>"Decline"</button>
                                        </OnceForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </Transition>
    }
}

/// An invited buyer chooses their name and password.
#[component]
pub fn PortalInvitationPage() -> impl IntoView {
    let shop = use_shop();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let accept = ServerAction::<PortalAcceptInvitation>::new();
    view! {
        <h1 class="text-2xl font-semibold">"Join your company's account"</h1>
        <ActionForm action=accept attr:class=format!("mt-6 max-w-md space-y-4 {CARD}")>
            <input type="hidden" name="shop" value=move || shop.get()/>
            <input type="hidden" name="token" value=move || token.get()/>
            {text_field("invite-accept-name", "name", "Your name", "text", true)}
            {text_field("invite-accept-password", "password", "Password (at least 10 characters)", "password", true)}
            {move || accept.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
            <button type="submit" class=BUTTON_CLASS>"Join"</button>
        </ActionForm>
    }
}

#[component]
pub fn PortalCartPage() -> impl IntoView {
    let context = expect_context::<ContextResource>();
    let shop = use_shop();
    let change = ServerAction::<PortalChangeCart>::new();
    let checkout = ServerAction::<PortalCheckout>::new();
    let cart = Resource::new(
        move || (shop.get(), change.version().get(), checkout.version().get()),
        |(shop, ..)| portal_cart(shop),
    );
    view! {
        <h1 class="text-2xl font-semibold">"Cart"</h1>
        {move || match checkout.value().get() {
            Some(Ok(submission)) => match submission.order {
                Some(order) => view! { <p role="status" class="mt-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="checkout-placed">{format!("Order #{} placed: {} (invoice, pay later).", order.number, use_amounts().money(order.total_minor, &order.currency))}</p> }.into_any(),
                None => view! { <p role="status" class="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">{submission.message}</p> }.into_any(),
            },
            Some(Err(error)) => view! { <div class="mt-4"><ErrorAlert error/></div> }.into_any(),
            None => ().into_any(),
        }}
        {move || change.value().get().and_then(Result::err).map(|error| view! { <div class="mt-4"><ErrorAlert error/></div> })}
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                shop_zone(context).await;
                let shop_value = shop.get_untracked();
                let cart = match cart.await {
                    Ok(cart) => cart,
                    Err(error) => {
                        return portal_error(&shop_value, error);
                    }
                };
                if cart.check.lines.is_empty() {
                    return view! { <p class="mt-6 text-sm text-slate-600">"Your cart is empty. "<a class="text-indigo-700 underline" href=format!("/s/{shop_value}")>"Browse the catalog"</a></p> }.into_any();
                }
                let currency = cart.currency.clone();
                let subtotal = cart.check.subtotal_minor;
                let orderable = cart.check.is_orderable();
                let business = cart.business;
                let checkout_shop = shop_value.clone();
                view! {
                    <table class="mt-4 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Cart">
                        <thead class="bg-slate-100"><tr>
                            <th class=TH>"Item"</th><th class=TH>"SKU"</th><th class=TH>"Quantity"</th>
                            <th class="px-3 py-2 text-right font-medium">"Unit price"</th><th class="px-3 py-2 text-right font-medium">"Total"</th><th class=TH>"Problem"</th>
                        </tr></thead>
                        <tbody>
                            {cart.check.lines.into_iter().map(|line| {
                                let row_shop = shop_value.clone();
                                let sku = line.sku.clone();
                                let label = format!("Quantity of {sku}");
                                let discount = (line.discount_bp > 0).then(|| format!(" (−{})", percent_text(line.discount_bp)));
                                view! {
                                    <tr class="border-t border-slate-100">
                                        <td class=TD>{line.title.clone()}</td>
                                        <td class=format!("{TD} font-mono text-xs")>{line.sku.clone()}</td>
                                        <td class=TD>
                                            <OnceForm action=change attr:class="flex items-center gap-2">
                                                <input type="hidden" name="shop" value=row_shop.clone()/>
                                                <input type="hidden" name="sku" value=sku.clone()/>
                                                <input type="hidden" name="mode" value="set"/>
                                                <input name="quantity" value=line.quantity aria-label=label.clone() class="w-20 rounded-md border border-slate-300 px-2 py-1"/>
                                                <button type="submit" class=SECONDARY_BUTTON>"Update"</button>
                                            </OnceForm>
                                        </td>
                                        <td class="px-3 py-2 text-right">{use_amounts().money(line.unit_price_minor, &currency)}{discount}</td>
                                        <td class="px-3 py-2 text-right">{use_amounts().money(line.line_total_minor, &currency)}</td>
                                        <td class="px-3 py-2 text-red-700">{line.problems.join("; ")}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="mt-2 text-right text-sm font-medium" data-testid="cart-subtotal">{format!("Subtotal {}", use_amounts().money(subtotal, &cart.currency))}</p>
                    <OnceForm action=checkout attr:class=format!("mt-6 max-w-xl space-y-4 {CARD}") attr:aria-label="Checkout">
                        <input type="hidden" name="shop" value=checkout_shop.clone()/>
                        {if business {
                            view! { <p class="text-sm text-slate-600">"Ships to your company's billing address; invoiced to your company."</p> }.into_any()
                        } else {
                            view! {
                                <div class="space-y-3">
                                    {text_field("ship-line1", "shipping_address[line1]", "Street and number", "text", true)}
                                    <div class="grid grid-cols-3 gap-3">
                                        {text_field("ship-postal", "shipping_address[postal_code]", "Postal code", "text", false)}
                                        {text_field("ship-city", "shipping_address[city]", "City", "text", true)}
                                        {text_field("ship-country", "shipping_address[country]", "Country (e.g. DE)", "text", true)}
                                    </div>
                                </div>
                            }.into_any()
                        }}
                        {text_field("checkout-notes", "notes", "Note or purchase order number", "text", false)}
                        <button type="submit" class=BUTTON_CLASS disabled=!orderable>"Place order (pay later)"</button>
                    </OnceForm>
                }.into_any()
            })}
        </Transition>
    }
}
