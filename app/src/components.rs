//! Layout pieces and error displays shared by every page.

use crate::auth::api::{session_email, LogOut};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// The page chrome for signed-in merchants: brand, account link and log-out button.
#[component]
pub fn PageFrame(children: Children) -> impl IntoView {
    let log_out = ServerAction::<LogOut>::new();
    let user = Resource::new(|| (), |_| session_email());
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl items-center justify-between px-4 py-3">
                <a href="/shops" class="text-lg font-semibold text-indigo-700">"Cartwright"</a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        user.await.ok().map(|email| view! {
                            <div class="flex items-center gap-4 text-sm">
                                <a href="/account" class="text-slate-600 hover:text-slate-900">{email}</a>
                                <ActionForm action=log_out>
                                    <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-100">
                                        "Log out"
                                    </button>
                                </ActionForm>
                            </div>
                        })
                    })}
                </Transition>
            </div>
        </header>
        <main class="mx-auto max-w-6xl px-4 py-8">{children()}</main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
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
            {error.to_string()}
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

pub const INPUT_CLASS: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
pub const BUTTON_CLASS: &str = "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60";
pub const LABEL_CLASS: &str = "block text-sm font-medium text-slate-700";
pub const SECONDARY_BUTTON_CLASS: &str = "rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50";
/// Table header and data cells.
pub const TH_CLASS: &str = "px-3 py-2 text-left font-medium";
pub const TD_CLASS: &str = "px-3 py-2";
