//! Sign-up, log-in and account pages. Forms are `ActionForm`s, so they work before hydration.

use super::api::{
    account_status, verify_email, ChangePassword, ConfirmSignUp, LogIn, ResendVerification, SignUp,
};
use crate::components::{
    page_resource, ActionOutcome, ErrorAlert, PageFrame, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS,
    SECONDARY_BUTTON_CLASS,
};
use crate::error::AppError;
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
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let sent = move || sign_up.value().get().and_then(Result::ok);
    view! {
        <Show
            when=move || sent().is_none()
            fallback=move || view! {
                <AuthCard title="Check your inbox">
                    <p role="status" class="text-sm text-slate-700">
                        {move || sent().map(|receipt| format!("We sent a link to {}. Open it to confirm the address and finish creating your account; it works for 48 hours.", receipt.email))}
                    </p>
                    <p class="mt-4 text-sm text-slate-600">"No mail after a few minutes? Look in the spam folder, or sign up again to get a new link. If the address already has an account, the mail says so."</p>
                    <p class="mt-4 text-sm text-slate-600">
                        <a href=move || with_next("/login", &next()) class="text-indigo-700 underline">"Go to log in"</a>
                    </p>
                </AuthCard>
            }
        >
            <AuthCard title="Create your account">
                <ActionForm action=sign_up attr:class="space-y-4">
                    <input type="hidden" name="next" prop:value=next/>
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
                    "Already have an account? "
                    <a href=move || with_next("/login", &next()) class="text-indigo-700 underline">"Log in"</a>
                </p>
            </AuthCard>
        </Show>
    }
}

/// `/signup/confirm?token=…`: the link of a sign-up mail. Nothing happens on opening it (mail
/// scanners open links); the button confirms.
#[component]
pub fn ConfirmSignUpPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmSignUp>::new();
    let pending = confirm.pending();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <AuthCard title="Finish creating your account">
            <ActionForm action=confirm attr:class="space-y-4">
                <input type="hidden" name="token" prop:value=token/>
                <p class="text-sm text-slate-700">"Enter the password you chose when signing up to confirm this e-mail address; your account is then ready."</p>
                <div>
                    <label for="confirm-password" class=LABEL_CLASS>"Password"</label>
                    <input id="confirm-password" name="password" type="password" autocomplete="current-password" required class=INPUT_CLASS/>
                </div>
                {move || confirm.value().get().and_then(Result::err).map(|error| view! {
                    <p role="alert" class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{link_error_text(&error)}</p>
                })}
                <button type="submit" class=BUTTON_CLASS disabled=pending>
                    {move || if pending.get() { "Opening your account…" } else { "Confirm and open my account" }}
                </button>
            </ActionForm>
            <p class="mt-4 text-sm text-slate-600">
                "Already confirmed? " <a href="/login" class="text-indigo-700 underline">"Log in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let pending = change.pending();
    let resend = ServerAction::<ResendVerification>::new();
    let account = page_resource(|| (), |_| account_status());
    view! {
        <Title text="Account"/>
        <PageFrame>
            <h1 class="text-2xl font-bold">"Account"</h1>
            <section class="mt-6 max-w-md rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="email-heading">
                <h2 id="email-heading" class="mb-4 text-lg font-semibold">"E-mail address"</h2>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match account.await {
                            Ok(account) if account.email_verified => view! {
                                <p class="text-sm">{account.email}" · "<span class="font-medium text-emerald-700">"verified"</span></p>
                            }.into_any(),
                            Ok(account) => view! {
                                <p class="text-sm">{account.email.clone()}" · "<span class="font-medium text-amber-700">"not verified yet"</span></p>
                                <p class="mt-2 text-sm text-slate-600">"Open the link we mailed you. Until then, inviting staff and adding custom domains wait."</p>
                                <ActionForm action=resend attr:class="mt-4 space-y-2">
                                    <ActionOutcome value=move || resend.value().get() success=format!("A new verification link is on its way to {}.", account.email)/>
                                    <button type="submit" class=SECONDARY_BUTTON_CLASS disabled=resend.pending()>"Resend verification mail"</button>
                                </ActionForm>
                            }.into_any(),
                            Err(error) => view! { <ErrorAlert error/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
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

/// `path?next=<next>` when there is somewhere to return to.
fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_string()
    } else {
        format!("{path}?next={}", encode_query_value(next))
    }
}

/// Percent-encodes a query value (letters, digits and `-_.~/` stay as they are).
pub(crate) fn encode_query_value(raw: &str) -> String {
    raw.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `/verify-email?token=…`: opens the link (logged in or not) and says how it went.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let outcome = Resource::new(token, verify_email);
    view! {
        <Title text="E-mail verification"/>
        <main class="mx-auto max-w-md px-4 py-16">
            <a href="/" class="text-lg font-semibold text-indigo-700">"Cartwright"</a>
            <div class="mt-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                <Transition fallback=|| view! { <p aria-live="polite">"Checking the link…"</p> }>
                    {move || Suspend::new(async move {
                        match outcome.await {
                            Ok(email) => view! {
                                <h1 class="mb-4 text-2xl font-bold">"E-mail address verified"</h1>
                                <p class="text-sm text-slate-700">{format!("{email} is verified. You can now invite staff, accept invitations and add custom domains.")}</p>
                                <a href="/shops" class=format!("mt-6 inline-block {BUTTON_CLASS}")>"Go to your shops"</a>
                            }.into_any(),
                            Err(error) => view! {
                                <h1 class="mb-4 text-2xl font-bold">"This link did not work"</h1>
                                <p role="alert" class="text-sm text-red-800">{link_error_text(&error)}</p>
                                <a href="/account" class="mt-6 inline-block text-indigo-700 underline">"Go to your account"</a>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </main>
    }
}

/// The message of a refused link, without the field prefix of invalid input.
pub(crate) fn link_error_text(error: &AppError) -> String {
    match error {
        AppError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// A short note for a merchant whose e-mail address is not verified yet (nothing otherwise).
#[component]
pub fn VerifyBanner() -> impl IntoView {
    let account = page_resource(|| (), |_| account_status());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) if !account.email_verified => Some(view! {
                        <p role="status" class="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                            {format!("Please verify your e-mail address {}: open the link we mailed you. Inviting staff and adding custom domains wait until then. ", account.email)}
                            <a href="/account" class="underline">"Resend the mail"</a>
                        </p>
                    }),
                    _ => None,
                }
            })}
        </Transition>
    }
}
