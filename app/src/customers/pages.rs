//! The merchant's customer pages: the list with filters (type, verification), the verification
//! queue (pending businesses, oldest first) and a customer's page with the decision, orders and
//! quotes.

use super::api::*;
use super::model::CustomerQuery;
use super::rules::{AccountType, Verification};
use crate::components::use_amounts;
use crate::components::use_zone;
use crate::components::{ErrorAlert, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS};
use crate::components::{
    SECONDARY_BUTTON_CLASS as SECONDARY_BUTTON, TD_CLASS as TD, TH_CLASS as TH,
};
use crate::once::OnceForm;
use crate::orders::lifecycle::PaymentTerms;
use crate::products::pages::use_id;
use crate::shops::pages::{child_error, loading, use_slug, CARD};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub fn verification_badge(verification: Verification) -> impl IntoView {
    let class = match verification {
        Verification::Verified => "bg-emerald-100 text-emerald-800",
        Verification::Pending => "bg-amber-100 text-amber-800",
        Verification::Rejected => "bg-red-100 text-red-800",
        Verification::NotRequired => "bg-slate-100 text-slate-700",
    };
    view! { <span data-testid="verification" class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{verification.label()}</span> }
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let slug = use_slug();
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let map = query_map.read();
        CustomerQuery {
            q: map.get("q").unwrap_or_default(),
            account_type: map.get("account_type").unwrap_or_default(),
            verification: map.get("verification").unwrap_or_default(),
        }
    });
    let decide = ServerAction::<DecideBusiness>::new();
    let customers = Resource::new(
        move || (slug.get(), query.get(), decide.version().get()),
        |(slug, query, _)| list_customers(slug, query),
    );
    let option = move |value: &'static str,
                       text: &'static str,
                       pick: fn(&CustomerQuery) -> String| {
        view! { <option value=value selected=move || pick(&query.get()) == value>{text}</option> }
    };
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h2 class="text-lg font-semibold">"Customers"</h2>
            <a class=SECONDARY_BUTTON href=move || format!("/shops/{}/customers?verification=pending", slug.get())>"Verification queue"</a>
        </div>
        <form method="get" role="search" class="mt-4 flex flex-wrap items-end gap-3">
            <div>
                <label for="customer-search" class=LABEL_CLASS>"Search"</label>
                <input id="customer-search" name="q" type="search" placeholder="Email, name or company" value=move || query.get().q class=INPUT_CLASS/>
            </div>
            <div>
                <label for="customer-type" class=LABEL_CLASS>"Type"</label>
                <select id="customer-type" name="account_type" class=INPUT_CLASS>
                    {option("", "All", |q| q.account_type.clone())}
                    {option("business", "Business", |q| q.account_type.clone())}
                    {option("individual", "Individual", |q| q.account_type.clone())}
                </select>
            </div>
            <div>
                <label for="customer-verification" class=LABEL_CLASS>"Verification"</label>
                <select id="customer-verification" name="verification" class=INPUT_CLASS>
                    {option("", "All", |q| q.verification.clone())}
                    {option("pending", "Awaiting verification", |q| q.verification.clone())}
                    {option("verified", "Verified", |q| q.verification.clone())}
                    {option("rejected", "Rejected", |q| q.verification.clone())}
                </select>
            </div>
            <button type="submit" class=SECONDARY_BUTTON>"Apply"</button>
        </form>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match customers.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="mt-6 text-sm text-slate-600">"No customers match."</p> }.into_any(),
                    Ok(rows) => {
                        let slug_value = slug.get_untracked();
                        let base = format!("/shops/{slug_value}/customers");
                        let queue = query.get_untracked().verification == "pending";
                        let count = rows.len();
                        view! {
                            {queue.then(|| view! {
                                <p class="mt-4 text-sm font-medium" data-testid="queue-count">{if count == 1 { "1 business awaiting verification".to_string() } else { format!("{count} businesses awaiting verification") }}</p>
                            })}
                            {move || decide.value().get().and_then(Result::err).map(|error| view! { <div class="mt-3"><ErrorAlert error/></div> })}
                            <table class="mt-4 w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Customers">
                                <thead class="bg-slate-100"><tr>
                                    <th class=TH>"Customer"</th><th class=TH>"Type"</th><th class=TH>"Company"</th><th class=TH>"Tax id"</th><th class=TH>"Verification"</th><th class=TH>"Since"</th>
                                    {queue.then(|| view! { <th class=TH>"Decide"</th> })}
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| {
                                        let (verify_slug, reject_slug) = (slug_value.clone(), slug_value.clone());
                                        let who = row.company_name.clone();
                                        let (verify_label, reject_label, reason_label) = (format!("Verify {who}"), format!("Reject {who}"), format!("Why {who} is rejected"));
                                        view! {
                                            <tr class="border-t border-slate-100">
                                                <td class=TD><a class="font-medium text-indigo-700 hover:underline" href=format!("{base}/{}", row.id)>{row.name.clone()}</a><span class="block text-xs text-slate-500">{row.email.clone()}</span></td>
                                                <td class=TD>{row.account_type.label()}</td>
                                                <td class=TD>{row.company_name.clone()}</td>
                                                <td class=format!("{TD} font-mono text-xs")>{row.tax_id.clone()}</td>
                                                <td class=TD>{(row.account_type == AccountType::Business).then(|| verification_badge(row.verification))}</td>
                                                <td class=TD>{use_zone().date_time(row.created_at_ms)}</td>
                                                {queue.then(|| view! {
                                                    <td class=TD>
                                                        <div class="flex flex-wrap items-start gap-2">
                                                            <OnceForm action=decide attr:aria-label=verify_label>
                                                                <input type="hidden" name="slug" value=verify_slug/>
                                                                <input type="hidden" name="id" value=row.id/>
                                                                <input type="hidden" name="decision" value="verify"/>
                                                                <button type="submit" class=BUTTON_CLASS>"Verify"</button>
                                                            </OnceForm>
                                                            <OnceForm action=decide attr:class="flex items-center gap-1" attr:aria-label=reject_label>
                                                                <input type="hidden" name="slug" value=reject_slug/>
                                                                <input type="hidden" name="id" value=row.id/>
                                                                <input type="hidden" name="decision" value="reject"/>
                                                                <input name="reason" type="text" required=true placeholder="Reason (shown to them)" aria-label=reason_label class=INPUT_CLASS/>
                                                                <button type="submit" class=SECONDARY_BUTTON>"Reject"</button>
                                                            </OnceForm>
                                                        </div>
                                                    </td>
                                                })}
                                            </tr>
                                        }
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

/// A payment-terms option as the merchant picks it.
fn terms_choice(terms: PaymentTerms) -> &'static str {
    match terms {
        PaymentTerms::Prepaid => "Prepaid (paid before approval)",
        PaymentTerms::DueOnReceipt => "Invoice, due on receipt",
        PaymentTerms::Net15 => "Invoice, net 15 days",
        PaymentTerms::Net30 => "Invoice, net 30 days",
        PaymentTerms::Net60 => "Invoice, net 60 days",
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let slug = use_slug();
    let id = use_id("id");
    let decide = ServerAction::<DecideBusiness>::new();
    let price_list = ServerAction::<SaveCustomerPriceList>::new();
    let terms = ServerAction::<SetCustomerPaymentTerms>::new();
    let detail = Resource::new(
        move || {
            (
                slug.get(),
                id.get(),
                decide.version().get(),
                price_list.version().get(),
                terms.version().get(),
            )
        },
        |(slug, id, ..)| get_customer(slug, id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => {
                        let slug_value = slug.get_untracked();
                        let customer = detail.customer.clone();
                        let currency = detail.currency.clone();
                        let company = detail.company.clone();
                        let (verify_slug, reject_slug) = (slug_value.clone(), slug_value.clone());
                        let list_slug = slug_value.clone();
                        let terms_slug = slug_value.clone();
                        let (list_name, list_lines) = detail.price_list.clone().map(|list| {
                            let lines: String = list.items.iter().map(|(sku, price)| format!("{sku}, {}\n", crate::money::amount_text(*price, &currency))).collect();
                            (list.name, lines)
                        }).unwrap_or_default();
                        view! {
                            <h2 class="text-lg font-semibold">{customer.name.clone()}</h2>
                            <p class="text-sm text-slate-600">{format!("{} · {} account{}", customer.email, customer.account_type.label(), if customer.has_login { "" } else { " (no portal log-in)" })}</p>
                            {company.map(|company| {
                                let address = company.billing_address.clone();
                                let pending = company.verification != Verification::Verified;
                                let rejectable = company.verification != Verification::Rejected;
                                view! {
                                    <section class=format!("mt-4 space-y-3 {CARD}") aria-label="Business">
                                        <p class="font-medium">{company.name.clone()}" "{verification_badge(company.verification)}</p>
                                        <p class="text-sm">"Tax id: "<span class="font-mono">{company.tax_id.clone()}</span></p>
                                        <p class="text-sm text-slate-600">{[address.line1, address.postal_code, address.city, address.country].into_iter().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(", ")}</p>
                                        {(!company.rejection_reason.is_empty()).then(|| view! { <p class="text-sm text-red-700">{format!("Rejected: {}", company.rejection_reason)}</p> })}
                                        <div class="flex flex-wrap items-start gap-6">
                                            {pending.then(|| view! {
                                                <OnceForm action=decide>
                                                    <input type="hidden" name="slug" value=verify_slug.clone()/>
                                                    <input type="hidden" name="id" value=customer.id/>
                                                    <input type="hidden" name="decision" value="verify"/>
                                                    <button type="submit" class=BUTTON_CLASS>"Verify business"</button>
                                                </OnceForm>
                                            })}
                                            {rejectable.then(|| view! {
                                                <OnceForm action=decide attr:class="flex items-end gap-2">
                                                    <input type="hidden" name="slug" value=reject_slug.clone()/>
                                                    <input type="hidden" name="id" value=customer.id/>
                                                    <input type="hidden" name="decision" value="reject"/>
                                                    <div>
                                                        <label for="reject-reason" class=LABEL_CLASS>"Reason (shown to the customer)"</label>
                                                        <input id="reject-reason" name="reason" type="text" class=INPUT_CLASS/>
                                                    </div>
                                                    <button type="submit" class=SECONDARY_BUTTON>"Reject"</button>
                                                </OnceForm>
                                            })}
                                        </div>
                                        {move || decide.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                                        <OnceForm action=terms attr:class="flex flex-wrap items-end gap-2 border-t border-slate-100 pt-3" attr:aria-label="Payment terms">
                                            <input type="hidden" name="slug" value=terms_slug.clone()/>
                                            <input type="hidden" name="id" value=customer.id/>
                                            <div>
                                                <label for="payment-terms" class=LABEL_CLASS>"Payment terms"</label>
                                                <select id="payment-terms" name="payment_terms" class=INPUT_CLASS>
                                                    {PaymentTerms::ALL.iter().map(|option| view! {
                                                        <option value=option.as_str() selected=company.payment_terms == Some(*option)>{terms_choice(*option)}</option>
                                                    }).collect_view()}
                                                </select>
                                            </div>
                                            <button type="submit" class=SECONDARY_BUTTON>"Save terms"</button>
                                            <p class="w-full text-xs text-slate-500">"On an invoice term, the company's portal orders can be approved and shipped before they are paid; they are due that many days after the order and show as overdue after it."</p>
                                            {move || match terms.value().get() {
                                                Some(Err(error)) => view! { <ErrorAlert error/> }.into_any(),
                                                Some(Ok(())) => view! { <p role="status" class="w-full text-sm text-emerald-700">"Payment terms saved."</p> }.into_any(),
                                                None => ().into_any(),
                                            }}
                                        </OnceForm>
                                        <OnceForm action=price_list attr:class="space-y-2 border-t border-slate-100 pt-3" attr:aria-label="Price list">
                                            <input type="hidden" name="slug" value=list_slug.clone()/>
                                            <input type="hidden" name="id" value=customer.id/>
                                            <div>
                                                <label for="price-list-name" class=LABEL_CLASS>"Business price list (empty: catalog prices)"</label>
                                                <input id="price-list-name" name="name" value=list_name.clone() class=INPUT_CLASS/>
                                            </div>
                                            <div>
                                                <label for="price-list-lines" class=LABEL_CLASS>"Prices (one per line: SKU, price)"</label>
                                                <textarea id="price-list-lines" name="lines" rows="4" class=format!("{INPUT_CLASS} font-mono")>{list_lines.clone()}</textarea>
                                            </div>
                                            <button type="submit" class=SECONDARY_BUTTON>"Save price list"</button>
                                            {move || price_list.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
                                        </OnceForm>
                                    </section>
                                }
                            })}
                            <h3 class="mt-8 text-base font-semibold">"Orders"</h3>
                            {if detail.orders.is_empty() {
                                view! { <p class="mt-2 text-sm text-slate-600">"No orders."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="mt-2 space-y-1 text-sm" aria-label="Orders">
                                        {detail.orders.into_iter().map(|order| view! {
                                            <li><a class="text-indigo-700 underline" href=format!("/shops/{slug_value}/orders/{}", order.id)>{format!("#{}", order.number)}</a>{format!(" · {} · {} · {}", use_zone().date_time(order.placed_at_ms), order.status.label(), use_amounts().money(order.total_minor, &currency))}</li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <h3 class="mt-8 text-base font-semibold">"Quotes"</h3>
                            {if detail.quotes.is_empty() {
                                view! { <p class="mt-2 text-sm text-slate-600">"No quotes."</p> }.into_any()
                            } else {
                                let slug_value = slug.get_untracked();
                                view! {
                                    <ul class="mt-2 space-y-1 text-sm" aria-label="Quotes">
                                        {detail.quotes.into_iter().map(|quote| view! {
                                            <li><a class="text-indigo-700 underline" href=format!("/shops/{slug_value}/quotes/{}", quote.id)>{format!("Q-{}", quote.number)}</a>{format!(" · {}", quote.status.label())}</li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}
