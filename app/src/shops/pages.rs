//! Shop pages: the list, the new-shop form with live provisioning steps, the per-shop layout
//! (navigation, shop switcher), the overview and the settings (details, domains, team, status).

use super::api::*;
use super::model::{ProvisioningStatus, ShopDetail, ShopFrame, ShopSummary};
use super::rules::{Role, ShopStatus, CURRENCIES, TIMEZONES};
use crate::auth::api::{LogOut, ResendVerification};
use crate::auth::pages::{encode_query_value, link_error_text, VerifyBanner};
use crate::components::use_amounts;
use crate::components::{
    account_menu, page_resource, top_bar, ActionOutcome, ConfirmStep, ErrorAlert, ErrorPage,
    NotFound, PageData, PageFrame, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS, SECONDARY_BUTTON_CLASS,
};
use crate::dates::ShopZone;
use crate::error::AppError;
use crate::money::AmountStyle;
use crate::once::OnceForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;
use leptos_router::hooks::use_params_map;

pub(crate) fn use_slug() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("slug").unwrap_or_default())
}

pub(crate) fn loading() -> impl IntoView {
    view! { <p class="text-sm text-slate-500" aria-live="polite">"Loading…"</p> }
}

fn status_badge(status: ShopStatus) -> impl IntoView {
    let class = match status {
        ShopStatus::Active => "bg-emerald-100 text-emerald-800",
        ShopStatus::Provisioning => "bg-amber-100 text-amber-800",
        ShopStatus::Suspended => "bg-red-100 text-red-800",
    };
    view! {
        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{status.as_str()}</span>
    }
}

#[component]
pub fn ShopsPage() -> impl IntoView {
    let shops = page_resource(|| (), |_| list_shops());
    view! {
        <Title text="Your shops"/>
        <PageFrame>
            <div class="flex items-center justify-between">
                <h1 class="text-2xl font-bold">"Your shops"</h1>
                <a href="/shops/new" class=BUTTON_CLASS>"New shop"</a>
            </div>
            <VerifyBanner/>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match shops.await {
                        Ok(shops) if shops.is_empty() => view! {
                            <p class="mt-8 text-slate-600">"You have no shops yet. Create your first one to start selling."</p>
                        }.into_any(),
                        Ok(shops) => view! {
                            <ul class="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                                {shops.into_iter().map(|shop| view! {
                                    <li class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                                        <a href=format!("/shops/{}", shop.slug) class="text-lg font-semibold text-indigo-700 hover:underline">{shop.name.clone()}</a>
                                        <p class="mt-1 text-sm text-slate-500">{format!("{} · {} · {}", shop.slug, shop.currency, shop.role.as_str())}</p>
                                        <div class="mt-2">{status_badge(shop.status)}</div>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </PageFrame>
    }
}

#[component]
pub fn NewShopPage() -> impl IntoView {
    let create = ServerAction::<CreateShop>::new();
    let pending = create.pending();
    view! {
        <Title text="New shop"/>
        <PageFrame>
            <h1 class="text-2xl font-bold">"New shop"</h1>
            <OnceForm action=create attr:class="mt-6 max-w-lg space-y-4 rounded-lg border border-slate-200 bg-white p-6">
                <div>
                    <label for="shop-name" class=LABEL_CLASS>"Shop name"</label>
                    <input id="shop-name" name="name" type="text" required maxlength="80" class=INPUT_CLASS/>
                </div>
                <div>
                    <label for="shop-slug" class=LABEL_CLASS>"Slug"</label>
                    <input id="shop-slug" name="slug" type="text" required class=INPUT_CLASS aria-describedby="slug-help"/>
                    <p id="slug-help" class="mt-1 text-xs text-slate-500">"3–40 lowercase letters, digits and hyphens. Used in addresses: /shops/your-slug and your-slug.<base domain>."</p>
                </div>
                <div class="grid grid-cols-2 gap-4">
                    <div>
                        <label for="shop-currency" class=LABEL_CLASS>"Currency"</label>
                        <select id="shop-currency" name="currency" class=INPUT_CLASS>
                            {CURRENCIES.iter().map(|(code, _)| view! { <option value=*code>{*code}</option> }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <label for="shop-timezone" class=LABEL_CLASS>"Timezone"</label>
                        <select id="shop-timezone" name="timezone" class=INPUT_CLASS>
                            {TIMEZONES.iter().map(|zone| view! { <option value=*zone>{*zone}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                <button type="submit" class=BUTTON_CLASS disabled=pending>
                    {move || if pending.get() { "Creating…" } else { "Create shop" }}
                </button>
            </OnceForm>
        </PageFrame>
    }
}

/// A counter the shop layout watches to reload its header after a change.
#[derive(Clone, Copy)]
struct ShopChanged(RwSignal<usize>);

/// The merchant and their shops, loaded once by the shop layout for its header and for
/// [`KnownShop`].
#[derive(Clone, Copy)]
struct ShopFrameResource(Resource<Result<ShopFrame, AppError>, PageData>);

/// The frame of every `/shops/<slug>/…` page: the top bar with the signed-in merchant, then the
/// shop's name, switcher and section navigation. Both come from one resource in one Suspense
/// boundary (the server renders each boundary's view more than once), and the page itself
/// follows outside it, so reloading the header does not rebuild the page.
#[component]
pub fn ShopLayout() -> impl IntoView {
    let slug = use_slug();
    // The frame does not depend on the slug (it lists all the merchant's shops), so switching
    // shops does not reload it; after a page changed what the header shows (a rename, a
    // suspension), the header alone loads it again (`refreshed`), and the page stays as it is.
    let frame = page_resource(|| (), |_| get_shop_frame());
    provide_context(ShopFrameResource(frame));
    let changed = ShopChanged(RwSignal::new(0));
    provide_context(changed);
    let refreshed = page_resource(
        move || changed.0.get(),
        |version| async move {
            if version == 0 {
                Ok(None)
            } else {
                get_shop_frame().await.map(Some)
            }
        },
    );
    let log_out = ServerAction::<LogOut>::new();
    view! {
        <Transition fallback=|| shop_frame(None, loading().into_any())>
            {move || Suspend::new(async move {
                let current = slug.get();
                let loaded = match refreshed.await {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => frame.await,
                    Err(error) => Err(error),
                };
                match loaded {
                    Ok(ShopFrame { email, shops }) => {
                        // [`KnownShop`] shows the 404 page in place of the page for a shop that
                        // is not the merchant's.
                        let header = match shops.iter().find(|shop| shop.slug == current).cloned() {
                            Some(shop) => view! { <ShopHeader shop=shop shops=shops/> }.into_any(),
                            None => ().into_any(),
                        };
                        shop_frame(Some(account_menu(email, log_out).into_any()), header)
                    }
                    Err(error) => shop_frame(None, view! { <ErrorPage error/> }.into_any()),
                }
            })}
        </Transition>
        <main class="mx-auto max-w-6xl px-4 pb-8 pt-6"><Outlet/></main>
    }
}

/// The shop whose page this is, as the merchant's frame lists it (name, currency, time zone,
/// role), for the pages inside [`KnownShop`]; it follows the slug when the merchant switches shops
/// on the same page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CurrentShop {
    shop: Memo<Option<ShopSummary>>,
    /// The shop's time zone, looked up once per shop rather than for every time shown.
    pub(crate) zone: Memo<Option<ShopZone>>,
}

/// The current shop's summary; `None` outside [`KnownShop`].
pub(crate) fn use_current_shop() -> Option<ShopSummary> {
    use_context::<CurrentShop>().and_then(|current| current.shop.get())
}

/// Every page of a shop, around it in the routes: the page once the shop is known to be one of
/// the merchant's, the 404 page (status 404, nothing of the page) for an unknown or foreign
/// shop, nothing when the frame did not load (the layout shows why).
///
/// The page is made inside one `Suspend` that is not wrapped in a closure. The server walks a
/// Suspense boundary's children several times before it renders them (to find the resources
/// they read), and each walk calls a closure again: a page made in a closure was made three
/// times on the server, with three times its queries, and its resources numbered out of step
/// with the hydrating browser's, whose page then panicked whenever the data changed between
/// those calls (an import finishing). A bare `Suspend` runs its future once.
#[component]
pub fn KnownShop(children: Children) -> impl IntoView {
    let slug = use_slug();
    let frame = expect_context::<ShopFrameResource>().0;
    // The page's times follow the shop's time zone (`use_zone`), its amounts the shop's style
    // (`use_amounts`); its details are at hand (`use_current_shop`). Only the page reads these,
    // and it is made once the frame is there; the frame never loads again (its source is
    // constant), so it is read untracked (a tracked read outside a Suspense would be one the
    // hydrating browser cannot account for). The slug is tracked: switching shops on the same
    // page keeps the page and changes its shop.
    let current = Memo::new(move |_| {
        let current = slug.get();
        frame.with_untracked(|frame| {
            frame
                .as_ref()
                .and_then(|frame| frame.as_ref().ok())
                .and_then(|frame| frame.shops.iter().find(|shop| shop.slug == current))
                .cloned()
        })
    });
    let zone = Memo::new(move |_| {
        current.with(|shop| shop.as_ref().map(|shop| ShopZone::named(&shop.timezone)))
    });
    provide_context(CurrentShop {
        shop: current,
        zone,
    });
    view! {
        <Transition fallback=loading>
            {Suspend::new(async move {
                let slug = slug.get_untracked();
                match frame.await {
                    Ok(frame) if frame.shops.iter().any(|shop| shop.slug == slug) => children(),
                    Ok(_) => view! { <NotFound/> }.into_any(),
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
    }
}

/// The top bar, with the account menu once the merchant is known, and the shop's header above
/// the page's `<main>`, in the same column.
fn shop_frame(account: Option<AnyView>, header: AnyView) -> impl IntoView {
    view! {
        {top_bar(account)}
        <div class="mx-auto max-w-6xl px-4 pt-8">{header}</div>
    }
}

/// The section part of a shop page's path (`/shops/a/orders/17` → `/orders`), kept when switching
/// to another shop; a record's page is not, since its id belongs to the first shop.
pub(crate) fn section_of(path: &str) -> String {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("shops"), Some(_), Some(section)) if !section.is_empty() => format!("/{section}"),
        _ => String::new(),
    }
}

#[component]
fn ShopHeader(shop: ShopSummary, shops: Vec<ShopSummary>) -> impl IntoView {
    let base = format!("/shops/{}", shop.slug);
    // The page stays mounted when switching shops, so the menu is closed explicitly on a choice.
    let switcher = NodeRef::<leptos::html::Details>::new();
    let close_switcher = move |_| {
        if let Some(details) = switcher.get() {
            let _ = details.remove_attribute("open");
        }
    };
    // Plain links (the router still handles their clicks) marked by one shared memo of the
    // path, instead of a router `<A>` per section that each resolves and watches the location.
    let location = use_location();
    let current_path = Memo::new(move |_| {
        location
            .pathname
            .with(|path| path.trim_end_matches('/').to_string())
    });
    let sections = [
        ("Overview", base.clone()),
        ("Orders", format!("{base}/orders")),
        ("Products", format!("{base}/products")),
        ("Customers", format!("{base}/customers")),
        ("Quotes", format!("{base}/quotes")),
        ("Analytics", format!("{base}/analytics")),
        ("Settings", format!("{base}/settings")),
    ];
    view! {
        <Title text=shop.name.clone()/>
        <div class="flex flex-wrap items-center justify-between gap-4">
            <div class="flex items-center gap-3">
                <h1 class="text-2xl font-bold">{shop.name.clone()}</h1>
                {status_badge(shop.status)}
            </div>
            <div class="flex items-center gap-3">
            <a href=format!("/s/{}", shop.slug) class="text-sm text-indigo-700 underline" target="_blank" rel="noopener">"Open the portal ↗"</a>
            <details class="relative" node_ref=switcher>
                <summary aria-label="Switch shop" class="cursor-pointer list-none rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm">
                    {format!("{} ▾", shop.name)}
                </summary>
                <ul class="absolute right-0 z-10 mt-1 w-56 rounded-md border border-slate-200 bg-white py-1 shadow-lg">
                    {shops.into_iter().map(|other| {
                        // The same section in the other shop (its records are not the same).
                        let href = move || format!("/shops/{}{}", other.slug, section_of(&current_path.get()));
                        view! {
                            <li>
                                <a href=href on:click=close_switcher class="block px-3 py-1.5 text-sm hover:bg-slate-100">{other.name.clone()}</a>
                            </li>
                        }
                    }).collect_view()}
                    <li class="border-t border-slate-100">
                        <a href="/shops/new" class="block px-3 py-1.5 text-sm text-indigo-700 hover:bg-slate-100">"+ New shop"</a>
                    </li>
                </ul>
            </details>
            </div>
        </div>
        {(shop.status == ShopStatus::Suspended).then(|| view! {
            <p role="status" class="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                "This shop is suspended: its storefront is offline until an owner reactivates it in Settings."
            </p>
        })}
        <nav aria-label="Shop" class="mt-4 flex flex-wrap gap-1 border-b border-slate-200">
            {sections.into_iter().map(|(label, href)| {
                let is_current = {
                    let href = href.clone();
                    move || (current_path.get() == href).then_some("page")
                };
                view! {
                    <a href=href aria-current=is_current class="rounded-t-md px-3 py-2 text-sm text-slate-600 hover:text-slate-900 aria-[current=page]:border-b-2 aria-[current=page]:border-indigo-600 aria-[current=page]:font-semibold aria-[current=page]:text-indigo-700">
                        {label}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

/// What a page under a shop shows when its data did not load: the 404 page for an unknown or
/// foreign record (an order, product, customer or quote id), nothing when the session ended (the
/// layout says so), the message otherwise.
pub(crate) fn child_error(error: AppError) -> AnyView {
    match error {
        AppError::NotFound(_) => view! { <NotFound/> }.into_any(),
        AppError::Unauthorized(_) => ().into_any(),
        other => view! { <ErrorAlert error=other/> }.into_any(),
    }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let slug = use_slug();
    let overview = Resource::new(move || slug.get(), get_shop_overview);
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => {
                        let currency = overview.shop.currency.clone();
                        let stats = [
                            ("Products", overview.product_count.to_string()),
                            ("Customers", overview.customer_count.to_string()),
                            ("Orders", overview.order_count.to_string()),
                            ("Revenue", use_amounts().money(overview.revenue_minor, &currency)),
                        ];
                        view! {
                            <section aria-label="Key figures" class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                                {stats.into_iter().map(|(label, value)| view! {
                                    <div class="rounded-lg border border-slate-200 bg-white p-4">
                                        <p class="text-sm text-slate-500">{label}</p>
                                        <p class="mt-1 text-2xl font-semibold">{value}</p>
                                    </div>
                                }).collect_view()}
                            </section>
                            <section class="mt-8">
                                <h2 class="text-lg font-semibold">"Recent orders"</h2>
                                {if overview.recent_orders.is_empty() {
                                    view! { <p class="mt-2 text-sm text-slate-600">"No orders yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="mt-3 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
                                            <thead class="bg-slate-100 text-left">
                                                <tr><th class="px-3 py-2">"Order"</th><th class="px-3 py-2">"Customer"</th><th class="px-3 py-2">"Status"</th><th class="px-3 py-2 text-right">"Total"</th></tr>
                                            </thead>
                                            <tbody>
                                                {overview.recent_orders.into_iter().map(|order| view! {
                                                    <tr class="border-t border-slate-100">
                                                        <td class="px-3 py-2"><a class="font-medium text-indigo-700 hover:underline" href=format!("/shops/{}/orders/{}", overview.shop.slug, order.id)>{format!("#{}", order.number)}</a></td>
                                                        <td class="px-3 py-2">{order.customer_name}</td>
                                                        <td class="px-3 py-2">{order.status}</td>
                                                        <td class="px-3 py-2 text-right">{use_amounts().money(order.total_minor, &currency)}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn ProvisioningPage() -> impl IntoView {
    let slug = use_slug();
    let tick = RwSignal::new(0_u32);
    let status = Resource::new(
        move || (slug.get(), tick.get()),
        |(slug, _)| get_provisioning_status(slug),
    );
    // Poll until the shop is active (only in the browser; without Wasm the page refreshes itself).
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                let finished = matches!(
                    status.get_untracked(),
                    Some(Ok(ProvisioningStatus { status, .. })) if status != ShopStatus::Provisioning
                );
                if !finished {
                    tick.update(|tick| *tick += 1);
                }
            },
            std::time::Duration::from_millis(400),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <h2 class="text-lg font-semibold">"Setting up your shop"</h2>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => {
                        let finished = status.status != ShopStatus::Provisioning;
                        let href = format!("/shops/{}", status.slug);
                        view! {
                            <ol aria-label="Provisioning steps" class="mt-4 space-y-2">
                                {status.steps.into_iter().map(|step| {
                                    let state = if step.done { "done" } else { "pending" };
                                    view! {
                                        <li data-state=state class="flex items-center gap-2 text-sm">
                                            <span aria-hidden="true" class=if step.done { "text-emerald-600" } else { "text-slate-400" }>
                                                {if step.done { "✔" } else { "…" }}
                                            </span>
                                            <span>{step.step.label()}</span>
                                            <span class="sr-only">{format!("({state})")}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                            {if finished {
                                view! { <a href=href class=format!("mt-6 inline-block {BUTTON_CLASS}")>"Open dashboard"</a> }.into_any()
                            } else {
                                view! { <RefreshWithoutWasm/> }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

/// Without Wasm a progress page cannot poll, so it asks the browser to reload it. The
/// `<meta http-equiv="refresh">` sits inside `<noscript>` as raw HTML: a browser with scripting
/// enabled parses it as text (never live, also after a client-side navigation), and only a browser
/// without scripting reloads. An HTTP `Refresh` header would reload hydrated pages too (once, a
/// second after loading, in the middle of whatever the user is doing).
#[component]
pub(crate) fn RefreshWithoutWasm() -> impl IntoView {
    view! { <noscript inner_html=r#"<meta http-equiv="refresh" content="1">"#></noscript> }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Analytics,
}

/// Sections whose full tools are still being built show an honest empty state.
#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    let (title, text) = match section {
        Section::Analytics => ("Analytics", "Sales analytics are being built."),
    };
    view! {
        <h2 class="text-lg font-semibold">{title}</h2>
        <p class="mt-2 text-sm text-slate-600">{text}</p>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let slug = use_slug();
    let update = ServerAction::<UpdateShop>::new();
    let add_domain = ServerAction::<AddDomain>::new();
    let remove_domain = ServerAction::<RemoveDomain>::new();
    let verify_domain = ServerAction::<VerifyDomain>::new();
    let invite = ServerAction::<InviteMember>::new();
    let remove_member = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let suspend = ServerAction::<SetShopSuspended>::new();
    let detail = Resource::new(
        move || {
            (
                slug.get(),
                update.version().get(),
                add_domain.version().get(),
                remove_domain.version().get(),
                verify_domain.version().get(),
                invite.version().get(),
                remove_member.version().get(),
                suspend.version().get(),
                revoke.version().get(),
            )
        },
        |(slug, ..)| get_shop_detail(slug),
    );
    if let Some(changed) = use_context::<ShopChanged>() {
        Effect::watch(
            move || update.version().get() + suspend.version().get(),
            move |versions, _, _| changed.0.set(*versions),
            false,
        );
    }
    let actions = SettingsActions {
        update,
        add_domain,
        remove_domain,
        verify_domain,
        invite,
        remove_member,
        suspend,
        revoke,
    };
    view! {
        <VerifyBanner/>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <SettingsForms detail actions/> }.into_any(),
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

/// What suspending a shop stops, and the button that does it.
#[component]
fn SuspendForm(
    slug: String,
    name: String,
    action: ServerAction<SetShopSuspended>,
    next: Option<String>,
) -> impl IntoView {
    view! {
        <OnceForm action attr:class="space-y-3" attr:aria-label="Suspend shop">
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="suspended" value="true"/>
            {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
            <p class="text-sm">"While the shop is suspended:"</p>
            <ul class="list-disc space-y-1 pl-5 text-sm text-slate-700">
                <li>"its customer portal and its own domains answer “not found”: customers cannot log in, order, check out, request or accept quotes;"</li>
                <li>"its public catalog is gone from the storefront API;"</li>
                <li>"you and your staff keep the dashboard: orders, products and customers stay as they are, and nothing is deleted."</li>
            </ul>
            <p class="text-sm text-slate-600">"You can reactivate it at any time from these settings."</p>
            <button type="submit" class="rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700">{format!("Suspend {name}")}</button>
            {move || action.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
        </OnceForm>
    }
}

/// `/shops/<slug>/settings/suspend`: the suspension's confirmation as a page of its own (for
/// browsers without Wasm); back to the settings afterwards.
#[component]
pub fn SuspendPage() -> impl IntoView {
    let slug = use_slug();
    let suspend = ServerAction::<SetShopSuspended>::new();
    let detail = Resource::new(move || slug.get(), get_shop_detail);
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => {
                        let slug = slug.get_untracked();
                        let back = format!("/shops/{slug}/settings");
                        view! {
                            <a href=back.clone() class="text-sm text-indigo-700 underline">"← Settings"</a>
                            <h2 class="mt-2 text-lg font-semibold">{format!("Suspend {}", detail.shop.name)}</h2>
                            <div class=format!("mt-4 max-w-xl {CARD}")>
                                {if detail.shop.status == ShopStatus::Suspended {
                                    view! { <p role="status" class="text-sm">"The shop is suspended already."</p> }.into_any()
                                } else {
                                    view! { <SuspendForm slug name=detail.shop.name.clone() action=suspend next=Some(back)/> }.into_any()
                                }}
                            </div>
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct SettingsActions {
    update: ServerAction<UpdateShop>,
    add_domain: ServerAction<AddDomain>,
    remove_domain: ServerAction<RemoveDomain>,
    verify_domain: ServerAction<VerifyDomain>,
    invite: ServerAction<InviteMember>,
    remove_member: ServerAction<RemoveMember>,
    suspend: ServerAction<SetShopSuspended>,
    revoke: ServerAction<RevokeInvitation>,
}

pub(crate) const CARD: &str = "rounded-lg border border-slate-200 bg-white p-6";

#[component]
fn SettingsForms(detail: ShopDetail, actions: SettingsActions) -> impl IntoView {
    let is_owner = detail.shop.role == Role::Owner;
    let slug = detail.shop.slug.clone();
    let (domain_slug, team_slug, status_slug) = (slug.clone(), slug.clone(), slug.clone());
    let detail_name = detail.shop.name.clone();
    let (domain_list_slug, member_list_slug) = (slug.clone(), slug.clone());
    let invitation_slug = slug.clone();
    let current_zone = detail.shop.timezone.clone();
    let current_amounts = detail.shop.amount_style;
    let suspended = detail.shop.status == ShopStatus::Suspended;
    view! {
        <div class="grid gap-6 lg:grid-cols-2">
            <section class=CARD aria-labelledby="details-heading">
                <h2 id="details-heading" class="mb-4 text-lg font-semibold">"Shop details"</h2>
                <OnceForm action=actions.update attr:class="space-y-4">
                    <input type="hidden" name="slug" value=slug.clone()/>
                    <div>
                        <label for="settings-name" class=LABEL_CLASS>"Shop name"</label>
                        <input id="settings-name" name="name" type="text" required value=detail.shop.name.clone() class=INPUT_CLASS disabled=!is_owner/>
                    </div>
                    <div>
                        <label for="settings-timezone" class=LABEL_CLASS>"Timezone"</label>
                        <select id="settings-timezone" name="timezone" class=INPUT_CLASS disabled=!is_owner>
                            {TIMEZONES.iter().map(|zone| view! {
                                <option value=*zone selected=*zone == current_zone>{*zone}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <label for="settings-amounts" class=LABEL_CLASS>"How amounts are written"</label>
                        <select id="settings-amounts" name="amount_style" class=INPUT_CLASS disabled=!is_owner>
                            {AmountStyle::ALL.into_iter().map(|style| view! {
                                <option value=style.as_str() selected=style == current_amounts>{style.example()}</option>
                            }).collect_view()}
                        </select>
                        <p class="mt-1 text-xs text-slate-500">"On the shop's pages and its portal. Amounts are read in any of these ways whatever the choice."</p>
                    </div>
                    <p class="text-sm text-slate-600">{format!("Currency: {} (chosen when the shop was created)", detail.shop.currency)}</p>
                    <ActionOutcome value=move || actions.update.value().get() success="Saved."/>
                    {is_owner.then(|| view! { <button type="submit" class=BUTTON_CLASS>"Save details"</button> })}
                </OnceForm>
            </section>

            <section class=CARD aria-labelledby="domains-heading">
                <h2 id="domains-heading" class="mb-4 text-lg font-semibold">"Domains"</h2>
                <ul class="space-y-2 text-sm">
                    {detail.domains.into_iter().map(move |domain| {
                        let custom = domain.kind == "custom";
                        let removable = is_owner && custom;
                        let slug = domain_list_slug.clone();
                        let verify_slug = slug.clone();
                        let hostname = domain.hostname.clone();
                        let verify_hostname = hostname.clone();
                        let pending = domain.verification.clone();
                        view! {
                            <li class="space-y-1">
                                <div class="flex items-center justify-between">
                                    <span>{domain.hostname.clone()} <span class="text-slate-500">{format!(" ({})", domain.kind)}</span></span>
                                    {removable.then(|| view! {
                                        <OnceForm action=actions.remove_domain>
                                            <input type="hidden" name="slug" value=slug/>
                                            <input type="hidden" name="hostname" value=hostname.clone()/>
                                            <button type="submit" class="text-red-700 underline" aria-label=format!("Remove domain {hostname}")>"Remove"</button>
                                        </OnceForm>
                                    })}
                                </div>
                                {(custom && domain.verified).then(|| view! {
                                    <p class="text-xs text-emerald-700">"Verified"</p>
                                })}
                                {pending.map(|record| view! {
                                    <div class="flex items-center justify-between gap-2">
                                        <p class="text-xs text-amber-800">
                                            "Awaiting verification: add a TXT record "
                                            <code class="break-all">{record.record_name}</code>
                                            " with "
                                            <code class="break-all">{record.record_value}</code>
                                        </p>
                                        {is_owner.then(|| view! {
                                            <OnceForm action=actions.verify_domain>
                                                <input type="hidden" name="slug" value=verify_slug/>
                                                <input type="hidden" name="hostname" value=verify_hostname.clone()/>
                                                <button type="submit" class="text-sky-700 underline" aria-label=format!("Verify domain {verify_hostname}") disabled=move || actions.verify_domain.pending().get()>
                                                    {move || if actions.verify_domain.pending().get() { "Verifying…" } else { "Verify" }}
                                                </button>
                                            </OnceForm>
                                        })}
                                    </div>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <ActionOutcome value=move || actions.verify_domain.value().get() success="Domain verified."/>
                {is_owner.then(|| view! {
                    <OnceForm action=actions.add_domain clear_on_success=true attr:class="mt-4 space-y-2">
                        <input type="hidden" name="slug" value=domain_slug/>
                        <label for="custom-domain" class=LABEL_CLASS>"Custom domain"</label>
                        <input id="custom-domain" name="hostname" type="text" placeholder="shop.example.com" required class=INPUT_CLASS/>
                        <ActionOutcome value=move || actions.add_domain.value().get() success="Domain added."/>
                        <button type="submit" class=BUTTON_CLASS>"Add domain"</button>
                    </OnceForm>
                })}
            </section>

            <section class=CARD aria-labelledby="team-heading">
                <h2 id="team-heading" class="mb-4 text-lg font-semibold">"Team"</h2>
                <table class="w-full text-sm">
                    <thead class="text-left text-slate-500"><tr><th>"Name"</th><th>"Email"</th><th>"Role"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                    <tbody>
                        {detail.members.into_iter().map(move |member| {
                            let removable = is_owner && member.role == Role::Staff;
                            let slug = member_list_slug.clone();
                            let email = member.email.clone();
                            view! {
                                <tr class="border-t border-slate-100">
                                    <td class="py-1.5">{member.name.clone()}</td>
                                    <td>{member.email.clone()}</td>
                                    <td>{member.role.as_str()}</td>
                                    <td class="text-right">
                                        {removable.then(|| view! {
                                            <OnceForm action=actions.remove_member>
                                                <input type="hidden" name="slug" value=slug/>
                                                <input type="hidden" name="email" value=email.clone()/>
                                                <button type="submit" class="text-red-700 underline" aria-label=format!("Remove {email}")>"Remove"</button>
                                            </OnceForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {(!detail.pending_invitations.is_empty()).then(|| view! {
                    <h3 id="invitations-heading" class="mt-4 text-sm font-semibold">"Pending invitations"</h3>
                    <ul aria-labelledby="invitations-heading" class="mt-1 space-y-1 text-sm">
                        {detail.pending_invitations.into_iter().map(move |invitation| {
                            let slug = invitation_slug.clone();
                            let email = invitation.email.clone();
                            let state = if invitation.expired {
                                "link expired".to_string()
                            } else {
                                format!("link sent, expires {}", crate::components::use_zone().date(invitation.expires_at_ms))
                            };
                            view! {
                                <li class="flex items-center justify-between">
                                    <span>{invitation.email.clone()}<span class="text-slate-500">{format!(" ({state})")}</span></span>
                                    <OnceForm action=actions.revoke>
                                        <input type="hidden" name="slug" value=slug/>
                                        <input type="hidden" name="email" value=email.clone()/>
                                        <button type="submit" class="text-red-700 underline" aria-label=format!("Revoke invitation for {email}")>"Revoke"</button>
                                    </OnceForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
                {is_owner.then(|| view! {
                    <OnceForm action=actions.invite clear_on_success=true attr:class="mt-4 space-y-2">
                        <input type="hidden" name="slug" value=team_slug/>
                        <label for="invite-email" class=LABEL_CLASS>"Invite staff by email"</label>
                        <input id="invite-email" name="email" type="email" required class=INPUT_CLASS/>
                        <ActionOutcome value=move || actions.invite.value().get() success="Invitation sent. They join once they accept it from the mail."/>
                        <ActionOutcome value=move || actions.remove_member.value().get() success="Member removed."/>
                        // Outside the pending list, which is gone once its last invitation is revoked.
                        <ActionOutcome value=move || actions.revoke.value().get() success="Invitation revoked: its link no longer works."/>
                        <button type="submit" class=BUTTON_CLASS>"Invite"</button>
                    </OnceForm>
                })}
            </section>

            {is_owner.then(|| view! {
                <section class=CARD aria-labelledby="status-heading">
                    <h2 id="status-heading" class="mb-4 text-lg font-semibold">"Shop status"</h2>
                    <p class="mb-4 text-sm text-slate-600">
                        {if suspended { "The shop is suspended: its storefront is offline." } else { "The shop is active." }}
                    </p>
                    <ActionOutcome value=move || actions.suspend.value().get() success="Status changed."/>
                    {if suspended {
                        view! {
                            <OnceForm action=actions.suspend>
                                <input type="hidden" name="slug" value=status_slug/>
                                <input type="hidden" name="suspended" value="false"/>
                                <button type="submit" class=BUTTON_CLASS>"Reactivate shop"</button>
                            </OnceForm>
                        }.into_any()
                    } else {
                        let shop_name = detail_name.clone();
                        view! {
                            <ConfirmStep href=format!("/shops/{status_slug}/settings/suspend") label="Suspend shop…" title=format!("Suspend {shop_name}")>
                                <SuspendForm slug=status_slug.clone() name=shop_name.clone() action=actions.suspend next=None/>
                            </ConfirmStep>
                        }.into_any()
                    }}
                </section>
            })}
        </div>
    }
}

/// `/invitations/<token>`: the invited person, logged in with the invited (verified) address,
/// accepts here. Anyone else is told why not.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let invitation = Resource::new(move || token.get(), get_invitation);
    let accept = ServerAction::<AcceptInvitation>::new();
    let resend = ServerAction::<ResendVerification>::new();
    let log_out = ServerAction::<LogOut>::new();
    view! {
        <Title text="Invitation"/>
        <PageFrame>
            <section class="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-6">
                <Transition fallback=loading>
                    {move || Suspend::new(async move {
                        let token = token.get_untracked();
                        match invitation.await {
                            Ok(invitation) if invitation.email_verified => view! {
                                <h1 class="mb-4 text-2xl font-bold">{format!("Join {}", invitation.shop_name)}</h1>
                                <p class="text-sm text-slate-700">{format!("{} invited {} to work on this shop as {}.", invitation.invited_by, invitation.email, invitation.role.as_str())}</p>
                                <OnceForm action=accept attr:class="mt-6 space-y-2">
                                    <input type="hidden" name="token" value=token/>
                                    {move || accept.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                                    <button type="submit" class=BUTTON_CLASS disabled=accept.pending()>"Accept invitation"</button>
                                </OnceForm>
                            }.into_any(),
                            Ok(invitation) => view! {
                                <h1 class="mb-4 text-2xl font-bold">"Verify your e-mail address first"</h1>
                                <p class="text-sm text-slate-700">{format!("Open the verification link we mailed to {}, then come back to this page to join {}.", invitation.email, invitation.shop_name)}</p>
                                <ActionForm action=resend attr:class="mt-4 space-y-2">
                                    <ActionOutcome value=move || resend.value().get() success="A new verification link is on its way."/>
                                    <button type="submit" class=SECONDARY_BUTTON_CLASS>"Resend verification mail"</button>
                                </ActionForm>
                            }.into_any(),
                            Err(AppError::Unauthorized(_)) => {
                                let next = encode_query_value(&format!("/invitations/{token}"));
                                view! {
                                    <h1 class="mb-4 text-2xl font-bold">"You are invited"</h1>
                                    <p class="text-sm text-slate-700">"Log in, or create an account, with the e-mail address this invitation was sent to. You come back here to accept it."</p>
                                    <div class="mt-6 flex gap-4">
                                        <a href=format!("/login?next={next}") class=BUTTON_CLASS>"Log in"</a>
                                        <a href=format!("/signup?next={next}") class=SECONDARY_BUTTON_CLASS>"Create an account"</a>
                                    </div>
                                }.into_any()
                            }
                            Err(error @ AppError::Forbidden(_)) => view! {
                                <h1 class="mb-4 text-2xl font-bold">"This invitation is not for you"</h1>
                                <p role="alert" class="text-sm text-red-800">{link_error_text(&error)}</p>
                                <ActionForm action=log_out attr:class="mt-6">
                                    <button type="submit" class=SECONDARY_BUTTON_CLASS>"Log out"</button>
                                </ActionForm>
                            }.into_any(),
                            Err(error) => view! {
                                <h1 class="mb-4 text-2xl font-bold">"This invitation did not work"</h1>
                                <p role="alert" class="text-sm text-red-800">{link_error_text(&error)}</p>
                                <a href="/shops" class="mt-6 inline-block text-indigo-700 underline">"Go to your shops"</a>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </PageFrame>
    }
}

#[cfg(test)]
mod tests {
    use super::section_of;

    #[test]
    fn switching_shops_keeps_the_section_but_not_the_record() {
        assert_eq!(section_of("/shops/north/orders"), "/orders");
        assert_eq!(section_of("/shops/north/orders/17"), "/orders");
        assert_eq!(section_of("/shops/north/products/import"), "/products");
        assert_eq!(section_of("/shops/north"), "");
        assert_eq!(section_of("/shops/north/"), "");
        assert_eq!(section_of("/account"), "");
    }
}
