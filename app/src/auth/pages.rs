//! Sign-up, log-in and account pages. Forms are `ActionForm`s, so they work before hydration.

use super::api::{ChangePassword, LogIn, SignUp};
use crate::components::{
    ActionOutcome, ErrorAlert, PageFrame, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/` sends signed-in merchants to their shops (the server redirects before this renders).
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Welcome"/>
        <main class="mx-auto max-w-xl px-4 py-24 text-center">
            <h1 class="text-4xl font-bold text-indigo-700">"Cartwright"</h1>
            <p class="mt-4 text-slate-600">"The back office for merchants who run several shops."</p>
            <div class="mt-8 flex justify-center gap-4">
                <a href="/login" class=BUTTON_CLASS>"Log in"</a>
                <a href="/signup" class="rounded-md border border-slate-300 px-4 py-2 text-sm">"Create an account"</a>
            </div>
        </main>
    }
}

#[component]
fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <main class="mx-auto max-w-md px-4 py-16">
            <a href="/" class="text-lg font-semibold text-indigo-700">"Cartwright"</a>
            <div class="mt-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                <h1 class="mb-6 text-2xl font-bold">{title}</h1>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let log_in = ServerAction::<LogIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let pending = log_in.pending();
    view! {
        <AuthCard title="Log in">
            <ActionForm action=log_in attr:class="space-y-4">
                <input type="hidden" name="next" prop:value=next/>
                <div>
                    <label for="login-email" class=LABEL_CLASS>"Email"</label>
                    <input id="login-email" name="email" type="email" autocomplete="email" required class=INPUT_CLASS/>
                </div>
                <div>
                    <label for="login-password" class=LABEL_CLASS>"Password"</label>
                    <input id="login-password" name="password" type="password" autocomplete="current-password" required class=INPUT_CLASS/>
                </div>
                {move || log_in.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                <button type="submit" class=BUTTON_CLASS disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="mt-4 text-sm text-slate-600">
                "New here? " <a href="/signup" class="text-indigo-700 underline">"Create an account"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let sign_up = ServerAction::<SignUp>::new();
    let pending = sign_up.pending();
    view! {
        <AuthCard title="Create your account">
            <ActionForm action=sign_up attr:class="space-y-4">
                <div>
                    <label for="signup-name" class=LABEL_CLASS>"Name"</label>
                    <input id="signup-name" name="name" type="text" autocomplete="name" required class=INPUT_CLASS/>
                </div>
                <div>
                    <label for="signup-email" class=LABEL_CLASS>"Email"</label>
                    <input id="signup-email" name="email" type="email" autocomplete="email" required class=INPUT_CLASS/>
                </div>
                <div>
                    <label for="signup-password" class=LABEL_CLASS>"Password"</label>
                    <input id="signup-password" name="password" type="password" autocomplete="new-password" required minlength="10" class=INPUT_CLASS/>
                    <p class="mt-1 text-xs text-slate-500">"At least 10 characters."</p>
                </div>
                {move || sign_up.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                <button type="submit" class=BUTTON_CLASS disabled=pending>
                    {move || if pending.get() { "Creating account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="mt-4 text-sm text-slate-600">
                "Already have an account? " <a href="/login" class="text-indigo-700 underline">"Log in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let pending = change.pending();
    view! {
        <Title text="Account"/>
        <PageFrame>
            <h1 class="text-2xl font-bold">"Account"</h1>
            <section class="mt-6 max-w-md rounded-lg border border-slate-200 bg-white p-6">
                <h2 class="mb-4 text-lg font-semibold">"Change password"</h2>
                <ActionForm action=change attr:class="space-y-4">
                    <div>
                        <label for="current-password" class=LABEL_CLASS>"Current password"</label>
                        <input id="current-password" name="current_password" type="password" autocomplete="current-password" required class=INPUT_CLASS/>
                    </div>
                    <div>
                        <label for="new-password" class=LABEL_CLASS>"New password"</label>
                        <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="10" class=INPUT_CLASS/>
                    </div>
                    <ActionOutcome value=move || change.value().get() success="Password changed. Other sessions have been signed out."/>
                    <button type="submit" class=BUTTON_CLASS disabled=pending>"Change password"</button>
                </ActionForm>
            </section>
        </PageFrame>
    }
}
