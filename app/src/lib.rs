//! Cartwright's shared application: routes, pages, server functions, DTOs and domain rules,
//! compiled for the server (`ssr`) and for the browser (`hydrate`).

pub mod auth;
pub mod bulk;
pub mod components;
pub mod customers;
pub mod dates;
pub mod error;
pub mod html;
pub mod money;
pub mod once;
pub mod orders;
pub mod portal;
pub mod products;
pub mod quotes;
#[cfg(feature = "ssr")]
pub mod services;
pub mod shops;

use components::{NotFound, PageFrame};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};
use shops::pages::KnownShop;

/// Cookie carrying the short-lived access token (JWT).
pub const ACCESS_COOKIE: &str = "cw_access";
/// Cookie carrying the rotating refresh token.
pub const REFRESH_COOKIE: &str = "cw_refresh";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Without it every page asks for /favicon.ico and gets a 404.
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Marks the page as interactive once the Wasm has hydrated it (used by browser tests).
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/cartwright.css"/>
        <Title formatter=|title: String| {
            if title.is_empty() { "Cartwright".to_string() } else { format!("{title} · Cartwright") }
        }/>
        <Router>
            <Routes fallback=|| view! { <PageFrame><NotFound/></PageFrame> }>
                <Route path=path!("/") view=auth::pages::HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=auth::pages::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=auth::pages::SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/signup/confirm") view=auth::pages::ConfirmSignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=auth::pages::AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/verify-email") view=auth::pages::VerifyEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/invitations/:token") view=shops::pages::InvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/shops") view=shops::pages::ShopsPage ssr=SsrMode::Async/>
                <Route path=path!("/shops/new") view=shops::pages::NewShopPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/shops/:slug") view=shops::pages::ShopLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=|| view! { <KnownShop><shops::pages::OverviewPage/></KnownShop> }/>
                    <Route path=path!("provisioning") view=|| view! { <KnownShop><shops::pages::ProvisioningPage/></KnownShop> }/>
                    <Route path=path!("settings") view=|| view! { <KnownShop><shops::pages::SettingsPage/></KnownShop> }/>
                    <Route path=path!("settings/suspend") view=|| view! { <KnownShop><shops::pages::SuspendPage/></KnownShop> }/>
                    <Route path=path!("orders") view=|| view! { <KnownShop><orders::pages::OrdersPage/></KnownShop> }/>
                    <Route path=path!("orders/new") view=|| view! { <KnownShop><orders::pages::NewOrderPage/></KnownShop> }/>
                    <Route path=path!("orders/:id") view=|| view! { <KnownShop><orders::pages::OrderPage/></KnownShop> }/>
                    <Route path=path!("orders/:id/:step") view=|| view! { <KnownShop><orders::pages::OrderStepPage/></KnownShop> }/>
                    <Route path=path!("products") view=|| view! { <KnownShop><products::pages::ProductsPage/></KnownShop> }/>
                    <Route path=path!("products/new") view=|| view! { <KnownShop><products::pages::NewProductPage/></KnownShop> }/>
                    <Route path=path!("products/import") view=|| view! { <KnownShop><products::pages::ImportPage/></KnownShop> }/>
                    <Route path=path!("products/imports/:id") view=|| view! { <KnownShop><products::pages::ImportProgressPage/></KnownShop> }/>
                    <Route path=path!("products/:id") view=|| view! { <KnownShop><products::pages::ProductPage/></KnownShop> }/>
                    <Route path=path!("products/:id/stock/:variant_id") view=|| view! { <KnownShop><products::pages::StockHistoryPage/></KnownShop> }/>
                    <Route path=path!("customers") view=|| view! { <KnownShop><customers::pages::CustomersPage/></KnownShop> }/>
                    <Route path=path!("customers/:id") view=|| view! { <KnownShop><customers::pages::CustomerPage/></KnownShop> }/>
                    <Route path=path!("quotes") view=|| view! { <KnownShop><quotes::pages::QuotesPage/></KnownShop> }/>
                    <Route path=path!("quotes/:id") view=|| view! { <KnownShop><quotes::pages::QuotePage/></KnownShop> }/>
                    <Route path=path!("analytics") view=|| view! { <KnownShop><shops::pages::SectionPage section=shops::pages::Section::Analytics/></KnownShop> }/>
                </ParentRoute>
                <ParentRoute path=path!("/s/:shop") view=portal::pages::PortalLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=portal::pages::PortalCatalogPage/>
                    <Route path=path!("signup") view=portal::pages::PortalSignUpPage/>
                    <Route path=path!("signup/confirm") view=portal::pages::PortalConfirmSignUpPage/>
                    <Route path=path!("login") view=portal::pages::PortalLogInPage/>
                    <Route path=path!("account") view=portal::pages::PortalAccountPage/>
                    <Route path=path!("quotes") view=portal::pages::PortalQuotesPage/>
                    <Route path=path!("quotes/new") view=portal::pages::PortalNewQuotePage/>
                    <Route path=path!("quotes/:id") view=portal::pages::PortalQuotePage/>
                    <Route path=path!("quotes/:id/accept") view=portal::pages::PortalAcceptQuotePage/>
                    <Route path=path!("bulk") view=portal::pages::PortalBulkPage/>
                    <Route path=path!("company") view=portal::pages::PortalCompanyPage/>
                    <Route path=path!("cart") view=portal::pages::PortalCartPage/>
                    <Route path=path!("orders/:id") view=portal::pages::PortalOrderPage/>
                    <Route path=path!("invite/:token") view=portal::pages::PortalInvitationPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
