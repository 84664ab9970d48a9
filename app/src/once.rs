//! One effect per intent (issue 15, part 2), the form side: every state-changing form carries an
//! idempotency token made when the form is rendered, in its `form_token` field. The server keeps
//! the first answer to each token (`server::idempotency`), so a double click, a resubmitted
//! page or a retried call returns that answer and creates nothing. Once a submit succeeds the
//! form gets a new token (the next submit is a new intent), and it may clear itself.

use leptos::html::Form;
use leptos::prelude::*;
use leptos::server_fn::{client::Client, codec::PostUrl, request::ClientReq, Http, ServerFn};
use serde::de::DeserializeOwned;

/// The form field that carries the token; every server function behind a [`OnceForm`] takes
/// an argument of this name (`#[server(default)] form_token: String`) so that the hydrated
/// form sends it too. The server function itself ignores it: the idempotency layer in front
/// of it reads it.
pub const FORM_TOKEN_FIELD: &str = "form_token";

/// A new token: 128 random bits as 32 hex digits. Without randomness it is empty: no token is
/// better than a predictable one (the server treats a form without a token as an ordinary
/// request).
pub fn new_form_token() -> String {
    match random_bytes() {
        Some(bytes) => bytes.iter().map(|byte| format!("{byte:02x}")).collect(),
        None => String::new(),
    }
}

#[cfg(feature = "ssr")]
fn random_bytes() -> Option<[u8; 16]> {
    let mut bytes = [0u8; 16];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => Some(bytes),
        Err(error) => {
            tracing::error!(%error, "no randomness for a form token");
            None
        }
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn random_bytes() -> Option<[u8; 16]> {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window()?.crypto().ok()?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes)
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn random_bytes() -> Option<[u8; 16]> {
    // Only plain unit tests of this crate build without either side.
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut first = state.build_hasher();
    first.write_u8(1);
    let mut second = state.build_hasher();
    second.write_u8(2);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&first.finish().to_le_bytes());
    bytes[8..].copy_from_slice(&second.finish().to_le_bytes());
    Some(bytes)
}

/// An [`ActionForm`] that carries a form token, marks itself busy while its submit is in
/// flight (its buttons then take no clicks, see `style/tailwind.css`), and after a successful
/// submit takes a new token and, with `clear_on_success`, resets its fields.
///
/// Attributes given to it (`attr:class`, `attr:aria-label`) go to the `<form>`.
#[component]
pub fn OnceForm<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
    /// Reset the fields after a successful submit (for forms that make something new each
    /// time: a message, a shipment, an order pad); edit forms keep what was saved.
    #[prop(optional)]
    clear_on_success: bool,
    children: Children,
) -> impl IntoView
where
    ServFn: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, OutputProtocol>>
        + Clone
        + Send
        + Sync
        + 'static,
    <<ServFn::Client as Client<ServFn::Error>>::Request as ClientReq<ServFn::Error>>::FormData:
        From<leptos::web_sys::FormData>,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<<ServFn as ServerFn>::Error>,
{
    let token = RwSignal::new(new_form_token());
    let form = NodeRef::<Form>::new();
    let pending = action.pending();
    let version = action.version();
    let value = action.value();
    Effect::new(move |seen: Option<usize>| {
        let now = version.get();
        if seen.is_some_and(|seen| seen != now)
            && value.with_untracked(|value| matches!(value, Some(Ok(_))))
        {
            if clear_on_success {
                if let Some(form) = form.get_untracked() {
                    form.reset();
                }
            }
            token.set(new_form_token());
        }
        now
    });
    view! {
        <ActionForm action node_ref=form attr:aria-busy=move || pending.get().to_string()>
            <input type="hidden" name=FORM_TOKEN_FIELD value=move || token.get()/>
            {children()}
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_hex_digits_and_differ() {
        let first = new_form_token();
        let second = new_form_token();
        for token in [&first, &second] {
            assert_eq!(token.len(), 32, "{token}");
            assert!(
                token.bytes().all(|byte| byte.is_ascii_hexdigit()),
                "{token}"
            );
        }
        assert_ne!(first, second);
    }
}
