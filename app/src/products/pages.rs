//! Catalog pages: the product list (search, filters, sort, keyset pages), the new-product form,
//! the product editor with variants and stock adjustments, CSV import with live progress.

use super::api::*;
use super::model::{
    ImportState, ImportStatus, ProductDetail, ProductQuery, StockHistory, VariantDto,
};
use super::rules::ProductStatus;
use crate::components::use_amounts;
use crate::components::use_zone;
use crate::components::MoneyInput;
use crate::components::{ActionOutcome, ErrorAlert, BUTTON_CLASS, INPUT_CLASS, LABEL_CLASS};
use crate::error::AppError;
use crate::money::amount_text;
use crate::once::OnceForm;
use crate::shops::pages::{child_error, loading, use_slug, RefreshWithoutWasm, CARD};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::{
    SECONDARY_BUTTON_CLASS as SECONDARY_BUTTON, TD_CLASS as TD, TH_CLASS as TH,
};

pub(crate) fn use_id(name: &'static str) -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get(name)
            .and_then(|id| id.parse().ok())
            .unwrap_or(0)
    })
}

fn status_badge(status: ProductStatus) -> impl IntoView {
    let class = match status {
        ProductStatus::Active => "bg-emerald-100 text-emerald-800",
        ProductStatus::Draft => "bg-slate-100 text-slate-700",
        ProductStatus::Archived => "bg-amber-100 text-amber-800",
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{status.as_str()}</span> }
}

#[component]
pub fn ProductsPage() -> impl IntoView {
    let slug = use_slug();
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let map = query_map.read();
        let get = |key: &str| map.get(key).unwrap_or_default();
        ProductQuery {
            q: get("q"),
            status: get("status"),
            tag: get("tag"),
            sort: get("sort"),
            after: get("after"),
        }
    });
    let page = Resource::new(
        move || (slug.get(), query.get()),
        |(slug, query)| list_products(slug, query),
    );
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h2 class="text-lg font-semibold">"Products"</h2>
            <div class="flex gap-2">
                <a href=move || format!("/api/v1/shops/{}/products/export", slug.get()) class=SECONDARY_BUTTON download="">"Export CSV"</a>
                <a href=move || format!("/shops/{}/products/import", slug.get()) class=SECONDARY_BUTTON>"Import CSV"</a>
                <a href=move || format!("/shops/{}/products/new", slug.get()) class=BUTTON_CLASS>"New product"</a>
            </div>
        </div>
        <form method="get" class="mt-4 flex flex-wrap items-end gap-3" role="search">
            <div>
                <label for="product-search" class=LABEL_CLASS>"Search"</label>
                <input id="product-search" name="q" type="search" placeholder="Title, handle or SKU" value=move || query.get().q class=INPUT_CLASS/>
            </div>
            <div>
                <label for="product-status" class=LABEL_CLASS>"Status"</label>
                <select id="product-status" name="status" class=INPUT_CLASS>
                    <option value="">"All"</option>
                    {ProductStatus::ALL.into_iter().map(|status| view! {
                        <option value=status.as_str() selected=move || query.get().status == status.as_str()>{status.as_str()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="product-tag" class=LABEL_CLASS>"Tag"</label>
                <input id="product-tag" name="tag" type="text" value=move || query.get().tag class=INPUT_CLASS/>
            </div>
            <div>
                <label for="product-sort" class=LABEL_CLASS>"Sort"</label>
                <select id="product-sort" name="sort" class=INPUT_CLASS>
                    {[("title", "Title A–Z"), ("-title", "Title Z–A"), ("-updated", "Recently updated"), ("updated", "Least recently updated")].into_iter().map(|(value, label)| view! {
                        <option value=value selected=move || { let sort = query.get().sort; sort == value || (sort.is_empty() && value == "title") }>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=SECONDARY_BUTTON>"Apply"</button>
        </form>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.products.is_empty() => view! {
                        <p class="mt-6 text-sm text-slate-600">"No products match. Create one or import a CSV."</p>
                    }.into_any(),
                    Ok(page) => {
                        let currency = page.currency.clone();
                        let current = query.get();
                        let next = page.next_cursor.clone().map(|cursor| {
                            let params = [("q", current.q.clone()), ("status", current.status.clone()), ("tag", current.tag.clone()), ("sort", current.sort.clone()), ("after", cursor)];
                            format!("?{}", encode_query(&params))
                        });
                        let base = format!("/shops/{}/products", slug.get_untracked());
                        view! {
                            <table class="mt-4 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
                                <thead class="bg-slate-100">
                                    <tr><th class=TH>"Product"</th><th class=TH>"Status"</th><th class=TH>"Variants"</th><th class=TH>"Available"</th><th class=TH>"Price"</th><th class=TH>"Updated"</th></tr>
                                </thead>
                                <tbody>
                                    {page.products.into_iter().map(|product| {
                                        let price = if product.price_min_minor == product.price_max_minor {
                                            use_amounts().money(product.price_min_minor, &currency)
                                        } else {
                                            format!("{} – {}", use_amounts().money(product.price_min_minor, &currency), use_amounts().money(product.price_max_minor, &currency))
                                        };
                                        view! {
                                            <tr class="border-t border-slate-100">
                                                <td class=TD><a class="font-medium text-indigo-700 hover:underline" href=format!("{base}/{}", product.id)>{product.title}</a></td>
                                                <td class=TD>{status_badge(product.status)}</td>
                                                <td class=TD>{product.variant_count}</td>
                                                <td class=TD>{product.available}</td>
                                                <td class=TD>{price}</td>
                                                <td class=TD>{use_zone().date_time(product.updated_at_ms)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {next.map(|href| view! { <a href=href class="mt-4 inline-block text-sm text-indigo-700 underline">"Next page →"</a> })}
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

/// `key=value&…` with values percent-encoded; empty values left out.
pub(crate) fn encode_query(params: &[(&str, String)]) -> String {
    params
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            let encoded: String = value
                .bytes()
                .map(|byte| match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (byte as char).to_string()
                    }
                    other => format!("%{other:02X}"),
                })
                .collect();
            format!("{key}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The message of `error` when it is about `field`, for beside that field.
fn field_note(error: Option<Signal<Option<AppError>>>, field: &'static str) -> impl IntoView {
    move || {
        error.and_then(|error| match error.get() {
            Some(AppError::Invalid {
                field: refused,
                message,
            }) if refused == field => Some(view! {
                <p class="mt-1 text-xs text-red-700" data-field-error=field>{message}</p>
            }),
            _ => None,
        })
    }
}

/// The fields of a variant form; names are prefixed (`variant[sku]`) for nested form data.
#[component]
fn VariantFields(
    #[prop(into)] prefix: String,
    #[prop(optional)] variant: Option<VariantDto>,
    currency: String,
    #[prop(default = true)] with_stock: bool,
    /// The last refusal of this form: an invalid field's message shows beside that field.
    #[prop(optional, into)]
    error: Option<Signal<Option<AppError>>>,
) -> impl IntoView {
    let note = move |field: &'static str| field_note(error, field);
    let id = move |name: &str| format!("{prefix}-{name}");
    let name = |field: &str| format!("variant[{field}]");
    let value = variant.clone();
    let money_currency = currency.clone();
    let text = move |pick: fn(&VariantDto, &str) -> String| {
        value
            .as_ref()
            .map(|variant| pick(variant, &currency))
            .unwrap_or_default()
    };
    view! {
        <div class="grid gap-3 sm:grid-cols-4">
            <div>
                <label for=id("sku") class=LABEL_CLASS>"SKU"</label>
                <input id=id("sku") name=name("sku") type="text" required class=INPUT_CLASS value=text(|v, _| v.sku.clone())/>
                {note("sku")}
            </div>
            <div>
                <label for=id("option1") class=LABEL_CLASS>"Option 1 value"</label>
                <input id=id("option1") name=name("option1") type="text" class=INPUT_CLASS value=text(|v, _| v.option1.clone())/>
                {note("option1")}
            </div>
            <div>
                <label for=id("option2") class=LABEL_CLASS>"Option 2 value"</label>
                <input id=id("option2") name=name("option2") type="text" class=INPUT_CLASS value=text(|v, _| v.option2.clone())/>
                {note("option2")}
            </div>
            <div>
                <label for=id("price") class=LABEL_CLASS>"Price"</label>
                <MoneyInput id=id("price") name=name("price") currency=money_currency.clone() required=true value=text(|v, c| amount_text(v.price_minor, c))/>
                {note("price")}
            </div>
            <div>
                <label for=id("compare") class=LABEL_CLASS>"Compare-at price"</label>
                <MoneyInput id=id("compare") name=name("compare_at_price") currency=money_currency.clone() value=text(|v, c| v.compare_at_minor.map(|m| amount_text(m, c)).unwrap_or_default())/>
                {note("compare_at_price")}
            </div>
            <div>
                <label for=id("weight") class=LABEL_CLASS>"Weight (g)"</label>
                <input id=id("weight") name=name("weight_grams") type="text" inputmode="numeric" class=INPUT_CLASS value=text(|v, _| v.weight_grams.to_string())/>
                {note("weight_grams")}
            </div>
            <div>
                <label for=id("barcode") class=LABEL_CLASS>"Barcode"</label>
                <input id=id("barcode") name=name("barcode") type="text" class=INPUT_CLASS value=text(|v, _| v.barcode.clone())/>
                {note("barcode")}
            </div>
            {with_stock.then(|| view! {
                <div>
                    <label for=id("on-hand") class=LABEL_CLASS>"Stock on hand"</label>
                    <input id=id("on-hand") name=name("on_hand") type="text" inputmode="numeric" class=INPUT_CLASS value="0"/>
                    {note("on_hand")}
                </div>
            })}
        </div>
    }
}

/// Product-level fields; names are prefixed (`product[title]`).
#[component]
fn ProductFields(#[prop(optional)] product: Option<ProductDetail>) -> impl IntoView {
    let get = |pick: fn(&ProductDetail) -> String| product.as_ref().map(pick).unwrap_or_default();
    let status = product
        .as_ref()
        .map(|p| p.status)
        .unwrap_or(ProductStatus::Draft);
    view! {
        <div class="grid gap-3 sm:grid-cols-2">
            <div>
                <label for="product-title" class=LABEL_CLASS>"Title"</label>
                <input id="product-title" name="product[title]" type="text" required maxlength="200" class=INPUT_CLASS value=get(|p| p.title.clone())/>
            </div>
            <div>
                <label for="product-handle" class=LABEL_CLASS>"Handle"</label>
                <input id="product-handle" name="product[handle]" type="text" placeholder="Derived from the title" class=INPUT_CLASS value=get(|p| p.handle.clone())/>
            </div>
            <div class="sm:col-span-2">
                <label for="product-description" class=LABEL_CLASS>"Description"</label>
                <textarea id="product-description" name="product[description]" rows="3" class=INPUT_CLASS>{get(|p| p.description.clone())}</textarea>
            </div>
            <div>
                <label for="product-status-field" class=LABEL_CLASS>"Status"</label>
                <select id="product-status-field" name="product[status]" class=INPUT_CLASS>
                    {ProductStatus::ALL.into_iter().map(|option| view! { <option value=option.as_str() selected=option == status>{option.as_str()}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label for="product-tags" class=LABEL_CLASS>"Tags"</label>
                <input id="product-tags" name="product[tags]" type="text" placeholder="comma, separated" class=INPUT_CLASS value=get(|p| p.tags.join(", "))/>
            </div>
            <div class="sm:col-span-2">
                <label for="product-images" class=LABEL_CLASS>"Image URLs"</label>
                <textarea id="product-images" name="product[images]" rows="2" placeholder="One https:// address per line" class=INPUT_CLASS>{get(|p| p.images.join("\n"))}</textarea>
            </div>
            <div>
                <label for="product-option1" class=LABEL_CLASS>"Option 1 name"</label>
                <input id="product-option1" name="product[option1_name]" type="text" placeholder="e.g. Size" class=INPUT_CLASS value=get(|p| p.option1_name.clone())/>
            </div>
            <div>
                <label for="product-option2" class=LABEL_CLASS>"Option 2 name"</label>
                <input id="product-option2" name="product[option2_name]" type="text" placeholder="e.g. Colour" class=INPUT_CLASS value=get(|p| p.option2_name.clone())/>
            </div>
        </div>
    }
}

#[component]
pub fn NewProductPage() -> impl IntoView {
    let slug = use_slug();
    let create = ServerAction::<CreateProduct>::new();
    let pending = create.pending();
    view! {
        <h2 class="text-lg font-semibold">"New product"</h2>
        <OnceForm action=create attr:class=format!("mt-4 space-y-6 {CARD}")>
            <input type="hidden" name="slug" value=move || slug.get()/>
            <ProductFields/>
            <fieldset>
                <legend class="mb-2 text-sm font-semibold">"First variant"</legend>
                <VariantFields prefix="new-variant" currency=String::new()/>
            </fieldset>
            {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error/> })}
            <button type="submit" class=BUTTON_CLASS disabled=pending>{move || if pending.get() { "Creating…" } else { "Create product" }}</button>
        </OnceForm>
    }
}

#[component]
pub fn ProductPage() -> impl IntoView {
    let slug = use_slug();
    let id = use_id("id");
    let update = ServerAction::<UpdateProduct>::new();
    let add = ServerAction::<AddVariant>::new();
    let edit_variant = ServerAction::<UpdateVariant>::new();
    let adjust = ServerAction::<AdjustInventory>::new();
    // Which variant's form was sent last (its result shows under that form only); here, so
    // that it outlives the editor, which is drawn again when the product reloads.
    let edited = RwSignal::new(None::<i64>);
    let product = Resource::new(
        move || {
            (
                slug.get(),
                id.get(),
                update.version().get(),
                add.version().get(),
                edit_variant.version().get(),
                adjust.version().get(),
            )
        },
        |(slug, id, ..)| get_product(slug, id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(product) => view! {
                        <ProductEditor product slug=slug.get_untracked() update add edit_variant adjust edited/>
                    }
                    .into_any(),
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
        <crate::quotes::pages::VariantTermsSection product_id=id/>
    }
}

#[component]
fn ProductEditor(
    product: ProductDetail,
    slug: String,
    update: ServerAction<UpdateProduct>,
    add: ServerAction<AddVariant>,
    edit_variant: ServerAction<UpdateVariant>,
    adjust: ServerAction<AdjustInventory>,
    edited: RwSignal<Option<i64>>,
) -> impl IntoView {
    let currency = product.currency.clone();
    let variants = product.variants.clone();
    let option_names = (product.option1_name.clone(), product.option2_name.clone());
    let (add_slug, adjust_slug, update_slug) = (slug.clone(), slug.clone(), slug.clone());
    let (add_currency, edit_currency) = (currency.clone(), currency.clone());
    let adjust_variants = variants.clone();
    let edit_slug = slug.clone();
    let history_slug = slug.clone();
    let product_id = product.id;
    view! {
        <div class="flex items-center gap-3">
            <a href=format!("/shops/{slug}/products") class="text-sm text-indigo-700 underline">"← Products"</a>
            <h2 class="text-lg font-semibold">{product.title.clone()}</h2>
            {status_badge(product.status)}
        </div>
        <section class=format!("mt-4 {CARD}") aria-labelledby="variants-heading">
            <h3 id="variants-heading" class="text-base font-semibold">"Variants"</h3>
            <table class="mt-3 w-full text-sm">
                <thead class="bg-slate-100">
                    <tr>
                        <th class=TH>"SKU"</th>
                        <th class=TH>{if option_names.0.is_empty() { "Option 1".to_string() } else { option_names.0.clone() }}</th>
                        <th class=TH>{if option_names.1.is_empty() { "Option 2".to_string() } else { option_names.1.clone() }}</th>
                        <th class=TH>"Price"</th>
                        <th class=TH>"On hand"</th>
                        <th class=TH>"Reserved"</th>
                        <th class=TH>"Available"</th>
                        <th class=TH><span class="sr-only">"History"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {variants.iter().map(|variant| view! {
                        <tr class="border-t border-slate-100" data-sku=variant.sku.clone()>
                            <td class=TD>{variant.sku.clone()}</td>
                            <td class=TD>{variant.option1.clone()}</td>
                            <td class=TD>{variant.option2.clone()}</td>
                            <td class=TD>{use_amounts().money(variant.price_minor, &currency)}</td>
                            <td class=TD>{variant.on_hand}</td>
                            <td class=TD>{variant.reserved}</td>
                            <td class=TD>{variant.available}</td>
                            <td class=TD><a href=format!("/shops/{history_slug}/products/{product_id}/stock/{}", variant.id) class="text-indigo-700 underline" aria-label=format!("Stock history of {}", variant.sku)>"Stock history"</a></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <section class=CARD aria-labelledby="add-variant-heading">
                <h3 id="add-variant-heading" class="mb-3 text-base font-semibold">"Add a variant"</h3>
                <OnceForm action=add clear_on_success=true attr:class="space-y-4">
                    <input type="hidden" name="slug" value=add_slug/>
                    <input type="hidden" name="product_id" value=product.id/>
                    <VariantFields prefix="add-variant" currency=add_currency error=Signal::derive(move || add.value().get().and_then(Result::err))/>
                    <ActionOutcome value=move || add.value().get() success="Variant added."/>
                    <button type="submit" class=BUTTON_CLASS>"Add variant"</button>
                </OnceForm>
            </section>
            <section class=CARD aria-labelledby="adjust-heading">
                <h3 id="adjust-heading" class="mb-3 text-base font-semibold">"Adjust stock"</h3>
                <OnceForm action=adjust clear_on_success=true attr:class="space-y-3">
                    <input type="hidden" name="slug" value=adjust_slug/>
                    <div>
                        <label for="adjust-sku" class=LABEL_CLASS>"Variant"</label>
                        <select id="adjust-sku" name="sku" class=INPUT_CLASS>
                            {adjust_variants.iter().map(|variant| view! { <option value=variant.sku.clone()>{variant.sku.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <label for="adjust-delta" class=LABEL_CLASS>"Change (e.g. 10 or -2)"</label>
                        <input id="adjust-delta" name="delta" type="text" inputmode="numeric" required class=INPUT_CLASS/>
                    </div>
                    <div>
                        <label for="adjust-reason" class=LABEL_CLASS>"Reason"</label>
                        <input id="adjust-reason" name="reason" type="text" required placeholder="Received, damaged, count correction…" class=INPUT_CLASS/>
                    </div>
                    <ActionOutcome value=move || adjust.value().get() success="Stock adjusted."/>
                    <button type="submit" class=BUTTON_CLASS>"Adjust stock"</button>
                </OnceForm>
            </section>
        </div>
        <section class=format!("mt-6 {CARD}") aria-labelledby="details-heading">
            <h3 id="details-heading" class="mb-3 text-base font-semibold">"Product details"</h3>
            <OnceForm action=update attr:class="space-y-4">
                <input type="hidden" name="slug" value=update_slug/>
                <input type="hidden" name="id" value=product.id/>
                <input type="hidden" name="version" value=product.version/>
                <ProductFields product=product.clone()/>
                <ActionOutcome value=move || update.value().get() success="Saved."/>
                <button type="submit" class=BUTTON_CLASS>"Save product"</button>
            </OnceForm>
        </section>
        <section class=format!("mt-6 {CARD}") aria-labelledby="edit-variants-heading">
            <h3 id="edit-variants-heading" class="mb-3 text-base font-semibold">"Edit variants"</h3>
            {variants.into_iter().map(|variant| {
                let prefix = format!("edit-{}", variant.id);
                let (slug, currency, sku) = (edit_slug.clone(), edit_currency.clone(), variant.sku.clone());
                let variant_id = variant.id;
                // The one edit action serves every variant's form; `edited` says whose result it is.
                let result = move || {
                    (edited.get() == Some(variant_id))
                        .then(|| edit_variant.value().get())
                        .flatten()
                };
                let error = Signal::derive(move || result().and_then(Result::err));
                let saved_sku = sku.clone();
                let form_label = format!("Variant {sku}");
                view! {
                    <OnceForm action=edit_variant attr:class="mb-4 space-y-3 border-b border-slate-100 pb-4" attr:aria-label=form_label>
                        <input type="hidden" name="slug" value=slug/>
                        <input type="hidden" name="variant_id" value=variant.id/>
                        <VariantFields prefix variant=variant.clone() currency with_stock=false error/>
                        {move || match result() {
                            Some(Ok(())) => view! { <p role="status" class="text-sm text-emerald-700">{format!("{saved_sku} saved.")}</p> }.into_any(),
                            Some(Err(error)) => view! { <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{format!("{saved_sku} was not saved: {}", error.for_people())}</p> }.into_any(),
                            None => ().into_any(),
                        }}
                        <button type="submit" class=BUTTON_CLASS on:click=move |_| edited.set(Some(variant_id))>{format!("Save {sku}")}</button>
                    </OnceForm>
                }
            }).collect_view()}
        </section>
    }
}

/// A variant's stock now and every change that led to it (orders, returns, adjustments, imports).
#[component]
pub fn StockHistoryPage() -> impl IntoView {
    let slug = use_slug();
    let product_id = use_id("id");
    let variant_id = use_id("variant_id");
    let history = Resource::new(
        move || (slug.get(), product_id.get(), variant_id.get()),
        |(slug, product_id, variant_id)| get_stock_history(slug, product_id, variant_id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(history) => stock_history_view(&slug.get_untracked(), history),
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}

fn stock_history_view(slug: &str, history: StockHistory) -> AnyView {
    let StockHistory {
        product_id,
        product_title,
        variant,
        entries,
    } = history;
    view! {
        <a href=format!("/shops/{slug}/products/{product_id}") class="text-sm text-indigo-700 underline">{format!("← {product_title}")}</a>
        <h2 class="mt-2 text-lg font-semibold">{format!("Stock history of {}", variant.sku)}</h2>
        <dl class=format!("mt-4 grid grid-cols-3 gap-3 text-sm {CARD}")>
            <div><dt class="text-slate-500">"On hand"</dt><dd data-testid="stock-on-hand">{variant.on_hand}</dd></div>
            <div><dt class="text-slate-500">"Reserved (orders, quotes)"</dt><dd>{variant.reserved}</dd></div>
            <div><dt class="text-slate-500">"Available"</dt><dd>{variant.available}</dd></div>
        </dl>
        {if entries.is_empty() {
            view! { <p class="mt-4 text-sm text-slate-600">"No stock changes yet."</p> }.into_any()
        } else {
            view! {
                <div class="mt-4 overflow-x-auto">
                <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Stock changes">
                    <thead class="bg-slate-100"><tr><th class=TH>"When"</th><th class="px-3 py-2 text-right font-medium">"Change"</th><th class="px-3 py-2 text-right font-medium">"On hand after"</th><th class=TH>"Reason"</th><th class=TH>"By"</th></tr></thead>
                    <tbody>
                        {entries.into_iter().map(|entry| view! {
                            <tr class="border-t border-slate-100">
                                <td class=TD>{use_zone().date_time(entry.created_at_ms)}</td>
                                <td class="px-3 py-2 text-right">{if entry.delta > 0 { format!("+{}", entry.delta) } else { entry.delta.to_string() }}</td>
                                <td class="px-3 py-2 text-right">{entry.on_hand_after}</td>
                                <td class=TD>{entry.reason}</td>
                                <td class=TD>{entry.actor}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any()
        }}
    }
    .into_any()
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let slug = use_slug();
    view! {
        <h2 class="text-lg font-semibold">"Import products from CSV"</h2>
        <div class=format!("mt-4 space-y-4 {CARD}")>
            <p class="text-sm text-slate-600">
                "One row per variant. Columns (any order, header required): "
                <code class="text-xs">"handle, title, description, status, tags, images, option1_name, option1_value, option2_name, option2_value, sku, price, compare_at_price, weight_grams, barcode, on_hand"</code>
                ". sku and price are required; rows are matched by SKU, so importing the same file again changes nothing. Prices are decimals in the shop currency (12.50). Save as CSV UTF-8."
            </p>
            <form method="post" enctype="multipart/form-data" action=move || format!("/shops/{}/products/imports", slug.get()) class="space-y-4">
                <div>
                    <label for="import-file" class=LABEL_CLASS>"CSV file"</label>
                    <input id="import-file" name="file" type="file" accept=".csv,text/csv" required class="mt-1 block w-full cursor-pointer rounded-md border border-dashed border-slate-300 bg-slate-50 p-3 text-sm text-slate-700 file:mr-4 file:cursor-pointer file:rounded-md file:border-0 file:bg-indigo-600 file:px-4 file:py-2 file:text-sm file:font-medium file:text-white hover:file:bg-indigo-700"/>
                    <p class="mt-1 text-xs text-slate-500">"A .csv file saved as CSV UTF-8. The import runs in the background; the next page follows it."</p>
                </div>
                <button type="submit" class=BUTTON_CLASS>"Upload and import"</button>
            </form>
        </div>
    }
}

#[component]
pub fn ImportProgressPage() -> impl IntoView {
    let slug = use_slug();
    let id = use_id("id");
    let tick = RwSignal::new(0_u32);
    let status = Resource::new(
        move || (slug.get(), id.get(), tick.get()),
        |(slug, id, _)| get_import_status(slug, id),
    );
    // Whether the import is over (read in an effect: the interval runs outside any Suspense).
    let done = RwSignal::new(false);
    Effect::new(move |_| {
        let over = matches!(
            status.get(),
            Some(Ok(ImportStatus {
                state: ImportState::Finished | ImportState::Failed,
                ..
            })) | Some(Err(_))
        );
        done.set(over);
    });
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if !done.get_untracked() {
                    tick.update(|tick| *tick += 1);
                }
            },
            std::time::Duration::from_millis(500),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <h2 class="text-lg font-semibold">"Import"</h2>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => {
                        let running = matches!(status.state, ImportState::Queued | ImportState::Running);
                        let percent = if status.bytes_total > 0 { (status.bytes_read * 100 / status.bytes_total).clamp(0, 100) } else { 0 };
                        let refused = match status.rows_failed {
                            0 => String::new(),
                            1 => ", 1 row refused".to_string(),
                            rows => format!(", {rows} rows refused"),
                        };
                        let state_label = match status.state {
                            ImportState::Queued => "Waiting to start".to_string(),
                            ImportState::Running => "Importing…".to_string(),
                            ImportState::Finished => format!("Finished{refused}"),
                            ImportState::Failed => "Failed".to_string(),
                        };
                        // While running, how much of the file is read; once finished, how many of
                        // its rows went in (green) and how many were refused (red).
                        let outcome_bar = if running {
                            view! { <progress class="w-full" max="100" value=percent aria-label="Import progress">{format!("{percent}%")}</progress> }.into_any()
                        } else {
                            let imported = status.rows_created + status.rows_updated + status.rows_unchanged;
                            let total = (imported + status.rows_failed).max(1);
                            let imported_width = imported * 100 / total;
                            let label = format!("{imported} {} imported, {} refused", if imported == 1 { "row" } else { "rows" }, status.rows_failed);
                            view! {
                                <div role="img" aria-label=label class="flex h-3 w-full overflow-hidden rounded-full bg-slate-200">
                                    <div class="bg-emerald-500" style=format!("width: {imported_width}%")></div>
                                    <div class="bg-red-500" style=format!("width: {}%", if status.rows_failed > 0 { 100 - imported_width } else { 0 })></div>
                                </div>
                            }.into_any()
                        };
                        view! {
                            {running.then(|| view! { <RefreshWithoutWasm/> })}
                            <div class=format!("mt-4 space-y-4 {CARD}")>
                                <p class="text-sm"><span class="font-medium">{status.file_name.clone()}</span>" · "<span role="status" data-testid="import-state">{state_label}</span></p>
                                {outcome_bar}
                                <dl class="grid grid-cols-2 gap-2 text-sm sm:grid-cols-5">
                                    <div><dt class="text-slate-500">"Rows read"</dt><dd data-testid="rows-read">{status.rows_read}</dd></div>
                                    <div><dt class="text-slate-500">"Created"</dt><dd data-testid="rows-created">{status.rows_created}</dd></div>
                                    <div><dt class="text-slate-500">"Updated"</dt><dd data-testid="rows-updated">{status.rows_updated}</dd></div>
                                    <div><dt class="text-slate-500">"Unchanged"</dt><dd data-testid="rows-unchanged">{status.rows_unchanged}</dd></div>
                                    <div><dt class="text-slate-500">"Refused"</dt><dd data-testid="rows-failed">{status.rows_failed}</dd></div>
                                </dl>
                                {(!status.failure.is_empty()).then(|| view! { <p role="alert" class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{format!("The file was not imported: {}", status.failure)}</p> })}
                                {(!status.errors.is_empty()).then(|| view! {
                                    <table class="w-full text-sm" aria-label="Rows not imported">
                                        <thead class="bg-slate-100"><tr><th class=TH>"Line"</th><th class=TH>"SKU"</th><th class=TH>"Column"</th><th class=TH>"Problem"</th></tr></thead>
                                        <tbody>
                                            {status.errors.iter().map(|error| view! {
                                                <tr class="border-t border-slate-100"><td class=TD>{error.line}</td><td class=TD>{error.sku.clone()}</td><td class=TD>{error.field.clone()}</td><td class=TD>{error.message.clone()}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                })}
                                {(!running).then(|| view! { <a class="text-sm text-indigo-700 underline" href=format!("/shops/{}/products", slug.get_untracked())>"Back to products"</a> })}
                            </div>
                        }.into_any()
                    }
                    Err(error) => child_error(error),
                }
            })}
        </Transition>
    }
}
