//! The merchant's quote pages: the list (by status) and a quote with its lines, the answer form
//! (a price per line, an expiry, a note: each answer is a new version), history and messages.

use super::api::*;
use super::rules::QuoteStatus;
use crate::components::use_amounts;
use crate::components::use_zone;
use crate::components::MoneyInput;
use crate::components::{ErrorAlert, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS};
use crate::components::{
    SECONDARY_BUTTON_CLASS as SECONDARY_BUTTON, TD_CLASS as TD, TH_CLASS as TH,
};
use crate::money::amount_text;
use crate::once::OnceForm;
use crate::portal::pages::quote_history;
use crate::products::pages::use_id;
use crate::shops::pages::{child_error, loading, use_slug, CARD};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn QuotesPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let quotes = Resource::new(
        move || (slug.get(), status.get()),
        |(slug, status)| list_quotes(slug, status),
    );
    view! {
        <h2 class="text-lg font-semibold">"Quotes"</h2>
        <form method="get" class="mt-4 flex items-end gap-3">
            <div>
                <label for="quote-status" class=LABEL_CLASS>"Status"</label>
                <select id="quote-status" name="status" class=INPUT_CLASS>
                    <option value="" selected=move || status.get().is_empty()>"All"</option>
                    {QuoteStatus::ALL.into_iter().map(|option| view! {
                        <option value=option.as_str() selected=move || status.get() == option.as_str()>{option.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=SECONDARY_BUTTON>"Apply"</button>
        </form>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match quotes.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="mt-6 text-sm text-slate-600">"No quotes."</p> }.into_any(),
                    Ok(rows) => {
                        let base = format!("/shops/{}/quotes", slug.get_untracked());
                        view! {
                            <table class="mt-4 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Quotes">
                                <thead class="bg-slate-100"><tr>
                                    <th class=TH>"Quote"</th><th class=TH>"Company"</th><th class=TH>"Status"</th><th class=TH>"Lines"</th><th class=TH>"Valid until"</th><th class=TH>"Updated"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|quote| view! {
                                        <tr class="border-t border-slate-100">
                                            <td class=TD><a class="font-medium text-indigo-700 hover:underline" href=format!("{base}/{}", quote.id)>{format!("Q-{}", quote.number)}</a></td>
                                            <td class=TD>{quote.company_name.clone()}<span class="block text-xs text-slate-500">{quote.customer_email.clone()}</span></td>
                                            <td class=TD data-testid="quote-status">{quote.status.label()}</td>
                                            <td class=TD>{quote.line_count}</td>
                                            <td class=TD>{quote.expires_at_ms.map(|ms| use_zone().date(ms)).unwrap_or_default()}</td>
                                            <td class=TD>{use_zone().date_time(quote.updated_at_ms)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

/// A typed unit price in minor units, if it reads as one.
fn typed_price(text: &str, currency: &str) -> Option<i64> {
    crate::money::parse_amount(text, currency, "unit_price").ok()
}

/// The quote's total from the typed unit prices, if every one reads as an amount.
fn quote_total(prices: &[RwSignal<String>], quantities: &[i64], currency: &str) -> Option<i64> {
    prices
        .iter()
        .zip(quantities)
        .try_fold(0_i64, |total, (price, quantity)| {
            let price = typed_price(&price.read(), currency)?;
            total.checked_add(price.checked_mul(*quantity)?)
        })
}

/// A note when a quoted price is far from the list price: under half or over one and a half.
pub(crate) fn far_from_list(price: i64, list_price: i64) -> Option<String> {
    if list_price <= 0 {
        return None;
    }
    let percent = (price - list_price).saturating_mul(100) / list_price;
    (!(-50..=50).contains(&percent)).then(|| {
        if percent < 0 {
            format!("{}% under the list price", -percent)
        } else {
            format!("{percent}% over the list price")
        }
    })
}

#[component]
pub fn QuotePage() -> impl IntoView {
    let slug = use_slug();
    let id = use_id("id");
    let answer = ServerAction::<AnswerQuote>::new();
    let message = ServerAction::<MerchantQuoteMessage>::new();
    let quote = Resource::new(
        move || {
            (
                slug.get(),
                id.get(),
                answer.version().get(),
                message.version().get(),
            )
        },
        |(slug, id, ..)| get_quote(slug, id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match quote.await {
                    Ok(quote) => {
                        let slug_value = slug.get_untracked();
                        let currency = quote.currency.clone();
                        let offer = quote.versions.first().cloned();
                        let can_answer = !matches!(quote.status, QuoteStatus::Accepted | QuoteStatus::Declined);
                        let message_slug = slug_value.clone();
                        let history = quote_history(&quote);
                        // What is typed in each unit price, for the totals beside the fields.
                        // The last offer's prices; for a first answer, the price the company would
                        // pay for that quantity now (its price list and volume breaks).
                        let starting_prices: Vec<i64> = quote.lines.iter().enumerate().map(|(index, line)| {
                            offer.as_ref()
                                .and_then(|offer| offer.unit_prices_minor.get(index).copied())
                                .or(line.suggested_price_minor)
                                .unwrap_or(line.list_price_minor)
                        }).collect();
                        let prices: Vec<RwSignal<String>> = starting_prices.iter().map(|current| {
                            let current = *current;
                            RwSignal::new(amount_text(current, &currency))
                        }).collect();
                        let quantities: Vec<i64> = quote.lines.iter().map(|line| line.quantity).collect();
                        let total_currency = currency.clone();
                        let (sent_version, sent_to, sent_currency) = (offer.clone(), quote.customer_email.clone(), currency.clone());
                        // A revision keeps holding the stock unless the merchant unticks it.
                        let held_now = quote.held_until_ms.is_some();
                        let held_line = quote.held_until_ms.map(|until| view! {
                            <p class="text-sm text-emerald-700" data-testid="quote-held">{format!("The quoted stock is held until {}.", use_zone().date_time(until))}</p>
                        });
                        view! {
                            <div class="flex flex-wrap items-center gap-3">
                                <h2 class="text-lg font-semibold">{format!("Quote Q-{}", quote.number)}</h2>
                                <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium" data-testid="quote-status">{quote.status.label()}</span>
                            </div>
                            <p class="text-sm text-slate-600">{format!("{} · {} ({})", quote.company_name, quote.customer_name, quote.customer_email)}{(!quote.needed_by.is_empty()).then(|| format!(" · needed by {}", quote.needed_by))}</p>
                            {quote.order_id.zip(quote.order_number).map(|(order_id, number)| view! {
                                <p role="status" class="mt-2 text-sm text-emerald-700">"Accepted: "<a class="underline" href=format!("/shops/{slug_value}/orders/{order_id}")>{format!("order #{number}")}</a></p>
                            })}
                            {held_line}
                            <OnceForm action=answer attr:class=format!("mt-4 space-y-4 {CARD}") attr:aria-label="Answer">
                                <input type="hidden" name="slug" value=slug_value.clone()/>
                                <input type="hidden" name="id" value=quote.id/>
                                <input type="hidden" name="answer[expected_version]" value=quote.version/>
                                // At phone width the table scrolls inside the card, price fields included.
                                <div class="overflow-x-auto">
                                <table class="w-full text-sm" aria-label="Quote lines">
                                    <thead class="bg-slate-100"><tr>
                                        <th class=TH>"SKU"</th><th class=TH>"Item"</th><th class="px-3 py-2 text-right font-medium">"Quantity"</th><th class="px-3 py-2 text-right font-medium">"List price"</th><th class=TH>"Stock"</th><th class=TH>"Unit price"</th><th class="px-3 py-2 text-right font-medium">"Line total"</th>
                                    </tr></thead>
                                    <tbody>
                                        {quote.lines.iter().enumerate().map(|(index, line)| {
                                            let current = starting_prices[index];
                                            let volume_price = line.suggested_price_minor
                                                .filter(|price| *price != line.list_price_minor)
                                                .map(|price| view! { <span class="block text-xs text-slate-500" data-testid="volume-price">{format!("{} for this quantity", use_amounts().money(price, &currency))}</span> });
                                            let held = line.held;
                                            let stock = line.available.map(|available| {
                                                let short = available < line.quantity;
                                                view! {
                                                    <span data-testid="line-stock" class=if short { "text-amber-800" } else { "" }>
                                                        {if short { format!("only {available} available") } else { format!("{available} available") }}
                                                    </span>
                                                    {(held > 0).then(|| view! { <span class="block text-xs text-emerald-700" data-testid="line-held">{format!("{held} held for this quote")}</span> })}
                                                }
                                            });
                                            let typed = prices[index];
                                            let (quantity, list_price) = (line.quantity, line.list_price_minor);
                                            let (line_currency, warn_currency) = (currency.clone(), currency.clone());
                                            let line_total = move || typed_price(&typed.read(), &line_currency)
                                                .map(|price| use_amounts().money(price.saturating_mul(quantity), &line_currency))
                                                .unwrap_or_default();
                                            let warning = move || typed_price(&typed.read(), &warn_currency)
                                                .and_then(|price| far_from_list(price, list_price))
                                                .map(|note| view! { <span class="block text-xs text-amber-800" data-testid="price-warning">{note}</span> });
                                            view! {
                                                <tr class="border-t border-slate-100">
                                                    <td class=format!("{TD} font-mono text-xs")>{line.sku.clone()}</td>
                                                    <td class=TD>{line.title.clone()}</td>
                                                    <td class="px-3 py-2 text-right">{line.quantity}</td>
                                                    <td class="px-3 py-2 text-right">{use_amounts().money(line.list_price_minor, &currency)}{volume_price}</td>
                                                    <td class=TD>{stock}</td>
                                                    <td class=TD><MoneyInput id=format!("unit-price-{index}") name=format!("answer[unit_prices][{index}]") label=format!("Unit price for {}", line.sku) currency=currency.clone() value=amount_text(current, &currency) required=true disabled=!can_answer typed/>{warning}</td>
                                                    <td class="px-3 py-2 text-right" data-testid="line-total">{line_total}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                                <p class="text-right text-sm font-semibold" data-testid="answer-total">{move || match quote_total(&prices, &quantities, &total_currency) {
                                    Some(total) => format!("Total {}", use_amounts().money(total, &total_currency)),
                                    None => "Total: check the unit prices".to_string(),
                                }}</p>
                                {can_answer.then(|| view! {
                                    <div class="flex flex-wrap items-end gap-3">
                                        <div>
                                            <label for="quote-expires" class=LABEL_CLASS>"Valid until"</label>
                                            <input id="quote-expires" name="answer[expires_on]" type="date" required=true class=INPUT_CLASS/>
                                        </div>
                                        <div class="grow">
                                            <label for="quote-note" class=LABEL_CLASS>"Note to the customer"</label>
                                            <input id="quote-note" name="answer[note]" type="text" class=INPUT_CLASS/>
                                        </div>
                                        <label class="flex items-center gap-2 py-2 text-sm">
                                            <input type="checkbox" name="answer[hold_stock]" value="true" checked=held_now class="h-4 w-4"/>
                                            "Hold the quoted stock until the offer expires"
                                        </label>
                                        <button type="submit" class=BUTTON_CLASS>{if offer.is_some() { "Send revised quote" } else { "Send quote" }}</button>
                                    </div>
                                })}
                                {move || match answer.value().get() {
                                    Some(Err(error)) => Some(view! { <ErrorAlert error/> }.into_any()),
                                    // What went to the customer, in one line (the page reloaded with it,
                                    // so the latest version is what was sent).
                                    Some(Ok(())) => sent_version.clone().map(|version| view! {
                                        <p role="status" class="text-sm text-emerald-700" data-testid="quote-sent">
                                            {format!("Sent to {}: version {}, total {}, valid until {}{}.", sent_to, version.version, use_amounts().money(version.total_minor, &sent_currency), use_zone().date(version.expires_at_ms), if held_now { ", stock held until then" } else { "" })}
                                        </p>
                                    }.into_any()),
                                    None => None,
                                }}
                            </OnceForm>
                            {history}
                            <OnceForm action=message clear_on_success=true attr:class="mt-4 space-y-2">
                                <input type="hidden" name="slug" value=message_slug.clone()/>
                                <input type="hidden" name="id" value=quote.id/>
                                <label for="merchant-reply" class=LABEL_CLASS>"Write to the customer"</label>
                                <textarea id="merchant-reply" name="body" rows="3" required=true class=INPUT_CLASS></textarea>
                                {move || message.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                                <button type="submit" class=SECONDARY_BUTTON>"Send message"</button>
                            </OnceForm>
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

/// The business terms of a product's variants (minimum quantity, pack size, price breaks),
/// shown on the product page. Its resource is made with the page (not inside the product's
/// Suspend), so that the server and the hydrating browser create their resources in the same
/// order; the section shows once the terms loaded (nothing for an unknown product, whose page
/// is the 404 page).
#[component]
pub fn VariantTermsSection(product_id: Memo<i64>) -> impl IntoView {
    let slug = use_slug();
    let save = ServerAction::<SaveVariantTerms>::new();
    let terms = Resource::new(
        move || (slug.get(), product_id.get(), save.version().get()),
        |(slug, id, _)| get_variant_terms(slug, id),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(rows) = terms.await else {
                    return ().into_any();
                };
                let slug_value = slug.get_untracked();
                view! {
                    <section class=format!("mt-8 {CARD}") aria-labelledby="terms-heading">
                        <h3 id="terms-heading" class="text-base font-semibold">"Business terms"</h3>
                        <p class="text-xs text-slate-500">"Apply to bulk orders and quotes of business customers. Price breaks: one per line, \"quantity: percent off\" (e.g. 10: 5)."</p>
                        {move || save.value().get().and_then(Result::err).map(|error| view! { <div class="mt-2"><ErrorAlert error/></div> })}
                        {rows.into_iter().map(|row| {
                            let breaks: String = row.price_breaks.iter().map(|rule| format!("{}: {}\n", rule.min_quantity, rule.discount_bp as f64 / 100.0)).collect();
                            let sku = row.sku.clone();
                            let form_slug = slug_value.clone();
                            view! {
                                <OnceForm action=save attr:class="mt-4 grid gap-3 border-t border-slate-100 pt-4 sm:grid-cols-4" attr:aria-label=format!("Business terms for {sku}")>
                                    <input type="hidden" name="slug" value=form_slug.clone()/>
                                    <input type="hidden" name="variant_id" value=row.variant_id/>
                                    <p class="font-mono text-xs sm:col-span-4">{row.sku.clone()}</p>
                                    <div>
                                        <label class=LABEL_CLASS for=format!("min-{}", row.variant_id)>"Minimum quantity"</label>
                                        <input id=format!("min-{}", row.variant_id) name="min_quantity" value=row.min_quantity class=INPUT_CLASS/>
                                    </div>
                                    <div>
                                        <label class=LABEL_CLASS for=format!("pack-{}", row.variant_id)>"Pack size"</label>
                                        <input id=format!("pack-{}", row.variant_id) name="pack_size" value=row.pack_size class=INPUT_CLASS/>
                                    </div>
                                    <div>
                                        <label class=LABEL_CLASS for=format!("breaks-{}", row.variant_id)>"Price breaks"</label>
                                        <textarea id=format!("breaks-{}", row.variant_id) name="price_breaks" rows="2" class=INPUT_CLASS>{breaks}</textarea>
                                    </div>
                                    <div class="self-end"><button type="submit" class=SECONDARY_BUTTON>"Save terms"</button></div>
                                </OnceForm>
                            }
                        }).collect_view()}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::far_from_list;

    #[test]
    fn a_price_far_from_the_list_price_is_pointed_out() {
        assert_eq!(far_from_list(1_000, 1_000), None);
        assert_eq!(far_from_list(600, 1_000), None);
        assert_eq!(
            far_from_list(400, 1_000).as_deref(),
            Some("60% under the list price")
        );
        assert_eq!(
            far_from_list(1_600, 1_000).as_deref(),
            Some("60% over the list price")
        );
        assert_eq!(far_from_list(5, 0), None);
    }
}
