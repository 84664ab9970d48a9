// Catalog and orders in the browser: products with variants, CSV import with per-line errors,
// the order lifecycle from placement to delivery, and the errors of refused transitions and
// orders beyond the stock. Every test makes its own merchant and shop (currency EUR, from
// createShop), so tests are independent and may run in parallel.
import { expect, test, type Page } from "@playwright/test";
import {
  alertWith,
  createProductViaApi,
  expectPath,
  merchantWithShop,
  orderStatus,
  pathname,
  placeOrder,
  rand,
  randomSku,
  submitNewOrder,
  visit,
  type Shop,
} from "./support";


test("a merchant creates a product with two variants", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const title = `Tee ${rand()}`;
  const small = randomSku("TEE-S");
  const medium = randomSku("TEE-M");

  await visit(page, `/shops/${shop.slug}/products`);
  await page.getByRole("link", { name: "New product", exact: true }).click();
  await expectPath(page, `/shops/${shop.slug}/products/new`);

  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Option 1 name", { exact: true }).fill("Size");
  await page.getByLabel("SKU", { exact: true }).fill(small);
  await page.getByLabel("Option 1 value", { exact: true }).fill("S");
  // A merchant who types a decimal comma sees what will be stored before sending, and an
  // amount with two readings is named as such.
  const price = page.getByLabel("Price", { exact: true });
  const stored = page.getByTestId("stored-amount").first();
  await price.fill("1,250");
  await expect(stored).toContainText("could mean 1250 or 1.250");
  await price.fill("12,50");
  await expect(stored).toHaveText("= 12.50");
  await page.getByLabel("Stock on hand", { exact: true }).fill("7");
  await page.getByRole("button", { name: "Create product" }).click();

  // The product's own page.
  const productPath = new RegExp(`^/shops/${shop.slug}/products/(\\d+)$`);
  await expect.poll(() => pathname(page), { message: "expected the new product's page" }).toMatch(productPath);
  await expect(page.getByRole("heading", { level: 2, name: title })).toBeVisible();
  const variants = page.getByRole("region", { name: "Variants", exact: true });
  await expect(variants.getByRole("columnheader", { name: "Size", exact: true })).toBeVisible();
  await expect(variants.getByRole("row").filter({ hasText: small }).getByRole("cell")).toHaveText([
    small,
    "S",
    "",
    /12\.50/,
    "7",
    "0",
    "7",
    "Stock history",
  ]);

  // A second variant.
  const add = page.getByRole("region", { name: "Add a variant", exact: true });
  await add.getByLabel("SKU", { exact: true }).fill(medium);
  await add.getByLabel("Option 1 value", { exact: true }).fill("M");
  await add.getByLabel("Price", { exact: true }).fill("14,00");
  await expect(add.getByTestId("stored-amount").first()).toHaveText("= EUR 14.00");
  await add.getByLabel("Stock on hand", { exact: true }).fill("3");
  await add.getByRole("button", { name: "Add variant", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Variant added." })).toBeVisible();

  const rows = variants.locator("tbody").getByRole("row");
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: small }).getByRole("cell")).toHaveText([small, "S", "", /12\.50/, "7", "0", "7", "Stock history"]);
  await expect(rows.filter({ hasText: medium }).getByRole("cell")).toHaveText([
    medium,
    "M",
    "",
    /14\.00/,
    "3",
    "0",
    "3",
    "Stock history",
  ]);

  // Both variants survive a reload.
  await page.reload();
  await expect(rows).toHaveCount(2);

  // The list shows the product with two variants and their stock together.
  await visit(page, `/shops/${shop.slug}/products`);
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: title, exact: true }) });
  await expect(row).toHaveCount(1);
  const cells = row.getByRole("cell");
  await expect(cells.nth(2), "Variants column").toHaveText("2");
  await expect(cells.nth(3), "Available column").toHaveText("10");
  await expect(cells.nth(4), "Price column").toHaveText(/12\.50.*14\.00/);
});

test("each variant's save says what happened beside it, and its stock history is a click away", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const first = randomSku("CUP-S");
  const second = randomSku("CUP-L");
  const product = await createProductViaApi(page, shop, {
    title: `Cup ${rand()}`,
    option1_name: "Size",
    variants: [
      { sku: first, option1: "S", price: "4.00", on_hand: "10" },
      { sku: second, option1: "L", price: "6.00", on_hand: "5" },
    ],
  });
  await visit(page, `/shops/${shop.slug}/products/${product.id}`);

  // A refused save: the message names the SKU, under that variant's form, and the bad field
  // carries the reason beside it; the other variant's form says nothing.
  const secondForm = page.getByRole("form", { name: `Variant ${second}` });
  const firstForm = page.getByRole("form", { name: `Variant ${first}` });
  await secondForm.getByLabel("Weight (g)").fill("heavy");
  await secondForm.getByRole("button", { name: `Save ${second}` }).click();
  await expect(secondForm.getByRole("alert")).toContainText(`${second} was not saved`);
  await expect(secondForm.locator('[data-field-error="weight_grams"]')).toBeVisible();
  await expect(firstForm.getByRole("alert")).toHaveCount(0);

  // Corrected, with a decimal comma in the price: saved, said under the same form.
  await secondForm.getByLabel("Weight (g)").fill("350");
  await secondForm.getByLabel("Price", { exact: true }).fill("6,50");
  await secondForm.getByRole("button", { name: `Save ${second}` }).click();
  await expect(page.getByRole("form", { name: `Variant ${second}` }).getByRole("status").filter({ hasText: `${second} saved.` })).toBeVisible();
  await expect(page.getByRole("form", { name: `Variant ${first}` }).getByRole("status")).toHaveCount(0);
  const variants = page.getByRole("region", { name: "Variants", exact: true });
  await expect(variants.getByRole("row").filter({ hasText: second })).toContainText("EUR 6.50");

  // Stock adjusted, then read back on the variant's stock history.
  const adjust = page.getByRole("region", { name: "Adjust stock", exact: true });
  await adjust.getByLabel("Variant").selectOption(first);
  await adjust.getByLabel("Change (e.g. 10 or -2)").fill("-3");
  await adjust.getByLabel("Reason").fill("Broken in the stockroom");
  await adjust.getByRole("button", { name: "Adjust stock" }).click();
  await expect(adjust.getByRole("status")).toHaveText("Stock adjusted.");
  await page.getByRole("link", { name: `Stock history of ${first}` }).click();
  await expect(page.getByRole("heading", { name: `Stock history of ${first}` })).toBeVisible();
  await expect(page.getByTestId("stock-on-hand")).toHaveText("7");
  const changes = page.getByRole("table", { name: "Stock changes" }).locator("tbody").getByRole("row");
  await expect(changes.first()).toContainText("Broken in the stockroom");
  await expect(changes.first().getByRole("cell").nth(1)).toHaveText("-3");
  await page.goBack();
  await expect(page.getByRole("form", { name: `Variant ${first}` })).toBeVisible();
});

test("importing a CSV shows the bad row's line and reason", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const r = rand();
  const good1 = { title: `Mug ${r}`, sku: randomSku("MUG") };
  const bad = { title: `Cup ${r}`, sku: randomSku("CUP") };
  const good2 = { title: `Bowl ${r}`, sku: randomSku("BOWL") };
  // Line 1 is the header; line 3 has a price with three decimals.
  const csv = [
    "title,status,sku,price,on_hand",
    `${good1.title},active,${good1.sku},8.00,4`,
    `${bad.title},active,${bad.sku},12.345,2`,
    `${good2.title},active,${good2.sku},15.00,6`,
  ].join("\n") + "\n";

  await visit(page, `/shops/${shop.slug}/products/import`);
  await page.getByLabel("CSV file").setInputFiles({
    name: "products.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  await page.getByRole("button", { name: "Upload and import" }).click();

  await expect
    .poll(() => pathname(page), { message: "expected the import's progress page" })
    .toMatch(new RegExp(`^/shops/${shop.slug}/products/imports/\\d+$`));
  const state = page.getByTestId("import-state");
  await expect(state).toHaveRole("status");
  await expect(state).toHaveText("Finished, 1 row refused", { timeout: 30_000 });
  // The finished bar shows the refused row as refused, not a solid green bar.
  await expect(page.getByRole("img", { name: "2 rows imported, 1 refused" })).toBeVisible();
  await expect(page.getByText("products.csv", { exact: true })).toBeVisible();
  await expect(page.getByTestId("rows-read")).toHaveText("3");
  await expect(page.getByTestId("rows-created")).toHaveText("2");
  await expect(page.getByTestId("rows-failed")).toHaveText("1");

  const refused = page.getByRole("table", { name: "Rows not imported" });
  const refusedRows = refused.locator("tbody").getByRole("row");
  await expect(refusedRows).toHaveCount(1);
  const refusedCells = refusedRows.first().getByRole("cell");
  await expect(refusedCells.nth(0), "Line").toHaveText("3");
  await expect(refusedCells.nth(1), "SKU").toHaveText(bad.sku);
  await expect(refusedCells.nth(2), "Column").toHaveText("price");
  await expect(refusedCells.nth(3), "Problem").not.toBeEmpty();

  // The two good rows are products now; the bad one is not.
  await page.getByRole("link", { name: "Back to products" }).click();
  await expectPath(page, `/shops/${shop.slug}/products`);
  await expect(page.getByRole("link", { name: good1.title, exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: good2.title, exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: bad.title, exact: true })).toHaveCount(0);
});

test("an order goes from placement through approval, shipping and delivery", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("LAMP");
  const product = await createProductViaApi(page, shop, {
    title: `Lamp ${rand()}`,
    variants: [{ sku, price: "10.00", on_hand: "5" }],
  });

  const order = await placeOrder(page, shop, { email: `buyer-${rand()}@example.test`, lines: `${sku}, 2` });
  await expect(orderStatus(page)).toHaveText("Pending");
  const items = page.getByRole("region", { name: "Items", exact: true });
  await expect(items.getByRole("row").filter({ hasText: sku }).getByRole("cell").nth(3), "Qty").toHaveText("2");
  await expect(page.getByTestId("order-total")).toHaveText(/20\.00/);

  await page.getByRole("button", { name: "Mark as paid", exact: true }).click();
  await expect(orderStatus(page)).toHaveText("Paid");

  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(orderStatus(page)).toHaveText("Approved");

  const tracking = `JD${rand().toUpperCase()}`;
  const ship = page.getByRole("region", { name: "Ship items", exact: true });
  await ship.getByLabel("Carrier", { exact: true }).fill("DHL");
  await ship.getByLabel("Tracking number", { exact: true }).fill(tracking);
  await ship.getByRole("button", { name: "Ship", exact: true }).click();
  await expect(orderStatus(page)).toHaveText("Shipped");
  await expect(page.getByRole("region", { name: "Shipments", exact: true }).getByText(tracking)).toBeVisible();
  await expect(page.getByRole("region", { name: "Ship items", exact: true })).toHaveCount(0);

  await page.getByRole("button", { name: "Mark delivered", exact: true }).click();
  await expect(orderStatus(page)).toHaveText("Delivered");

  // The timeline, newest first, and it is stored: a reload shows the same.
  const expectedTimeline = [
    /Marked as delivered · Shipped → Delivered/,
    new RegExp(`Shipped 2 items with DHL, tracking ${tracking} · Approved → Shipped`),
    /Approved for fulfilment · Paid → Approved/,
    /Payment of .*20\.00.* recorded.* · Pending → Paid/,
    /Order placed \(dashboard\): 2 items/,
  ];
  const timeline = page.getByRole("list", { name: "Order timeline" }).getByRole("listitem");
  await expect(timeline).toHaveText(expectedTimeline);
  await visit(page, `/shops/${shop.slug}/orders/${order.id}`);
  await expect(orderStatus(page)).toHaveText("Delivered");
  await expect(timeline).toHaveText(expectedTimeline);

  // Shipping took the two items off the shelf and released the reservation.
  await visit(page, `/shops/${shop.slug}/products/${product.id}`);
  const variantRow = page.getByRole("region", { name: "Variants", exact: true }).getByRole("row").filter({ hasText: sku });
  const variantCells = variantRow.getByRole("cell");
  await expect(variantCells.nth(4), "On hand").toHaveText("3");
  await expect(variantCells.nth(5), "Reserved").toHaveText("0");
  await expect(variantCells.nth(6), "Available").toHaveText("3");
});

test("an invalid transition shows the error", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("PEN");
  await createProductViaApi(page, shop, { title: `Pen ${rand()}`, variants: [{ sku, price: "3.00", on_hand: "10" }] });
  const order = await placeOrder(page, shop, { email: `buyer-${rand()}@example.test`, lines: `${sku}, 1` });
  await expect(orderStatus(page)).toHaveText("Pending");

  await visit(page, `/shops/${shop.slug}/orders`);
  const bulk = page.getByRole("form", { name: "Bulk actions" });
  await bulk.getByRole("checkbox", { name: `Select order #${order.number}`, exact: true }).check();
  await bulk.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(
    alertWith(page, `Order #${order.number}: Cannot approve an order that is pending (it must be paid first, or be on payment terms)`),
  ).toBeVisible();

  // Nothing changed.
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: `#${order.number}`, exact: true }) });
  await expect(row.getByTestId("order-status")).toHaveText("Pending");
  await visit(page, `/shops/${shop.slug}/orders/${order.id}`);
  await expect(orderStatus(page)).toHaveText("Pending");
});

test("an order for more than the stock is refused, naming the SKU", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("CHAIR");
  await createProductViaApi(page, shop, { title: `Chair ${rand()}`, variants: [{ sku, price: "45.00", on_hand: "5" }] });

  await visit(page, `/shops/${shop.slug}/orders/new`);
  await submitNewOrder(page, { email: `buyer-${rand()}@example.test`, lines: `${sku}, 6` });
  await expect(alertWith(page, `not enough stock for ${sku} (5 available, 6 ordered)`)).toBeVisible();
  await expectPath(page, `/shops/${shop.slug}/orders/new`);

  // No order was placed and nothing stays reserved.
  await visit(page, `/shops/${shop.slug}/orders`);
  await expect(page.getByText("No orders match these filters.")).toBeVisible();
});

test("a double-clicked Place order gives one order", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("BOLT");
  await createProductViaApi(page, shop, { title: `Bolt ${rand()}`, variants: [{ sku, price: "2.00", on_hand: "50" }] });

  await visit(page, `/shops/${shop.slug}/orders/new`);
  await page.getByLabel("Customer email", { exact: true }).fill(`ada-${rand()}@example.test`);
  await page.getByLabel("Items (one per line: SKU, quantity)", { exact: true }).fill(`${sku}, 3`);
  await page.getByRole("button", { name: "Place order" }).dblclick();
  const orderUrl = new RegExp(`^/shops/${shop.slug}/orders/(\\d+)$`);
  await expect.poll(() => pathname(page), { message: "expected the new order's page" }).toMatch(orderUrl);

  const listed = await page.request.get(`/api/v1/shops/${shop.slug}/orders`);
  expect(listed.status()).toBe(200);
  const orders = (await listed.json()).orders;
  expect(orders, JSON.stringify(orders)).toHaveLength(1);
  // Back on the form, it starts empty: nothing of the placed order is there to send again.
  await page.goBack();
  await expectPath(page, `/shops/${shop.slug}/orders/new`);
  await expect(page.getByLabel("Items (one per line: SKU, quantity)", { exact: true })).toHaveValue("");
});

test("cancel and refund ask first, with a reason, and work without Wasm too", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("CUP");
  await createProductViaApi(page, shop, { title: `Cup ${rand()}`, variants: [{ sku, price: "10.00", on_hand: "20" }] });

  // Cancel: a link that opens a dialog; nothing happens until its form is sent with a reason.
  const first = await placeOrder(page, shop, { email: `buyer-${rand()}@example.test`, lines: `${sku}, 2` });
  await page.getByRole("link", { name: "Cancel order…" }).click();
  const cancel = page.getByRole("dialog", { name: `Cancel order #${first.number}` });
  await expect(cancel).toBeVisible();
  await cancel.getByRole("button", { name: `Cancel order #${first.number}` }).click();
  await expect(orderStatus(page), "no reason chosen: the browser keeps the form").toHaveText("Pending");
  await cancel.getByLabel("Reason").selectOption("duplicate");
  await cancel.getByRole("button", { name: `Cancel order #${first.number}` }).click();
  await expect(orderStatus(page)).toHaveText("Cancelled");
  await expect(page.getByRole("list", { name: "Order timeline" })).toContainText("Cancelled (Duplicate order)");

  // Refund: the amount is typed, not pre-filled; a decimal comma is understood.
  const second = await placeOrder(page, shop, { email: `buyer-${rand()}@example.test`, lines: `${sku}, 3` });
  await page.getByRole("button", { name: "Mark as paid", exact: true }).click();
  await expect(page.getByTestId("payment-status")).toHaveText("Paid");
  await page.getByRole("link", { name: "Refund…" }).click();
  const refund = page.getByRole("dialog", { name: `Refund on order #${second.number}` });
  await expect(refund.getByLabel(/^Amount to refund/)).toHaveValue("");
  await refund.getByLabel(/^Amount to refund/).fill("7,50");
  await expect(refund.getByTestId("stored-amount")).toHaveText("= EUR 7.50");
  await refund.getByLabel("Reason").selectOption("goodwill");
  await refund.getByRole("button", { name: "Refund", exact: true }).click();
  await expect(page.getByTestId("payment-status")).toHaveText("Partially refunded");

  // Without Wasm the link is a page of its own, and the action comes back to the order.
  const plain = await browser.newContext({ baseURL: test.info().project.use.baseURL, javaScriptEnabled: false, storageState: await page.context().storageState() });
  const noWasm = await plain.newPage();
  const third = await placeOrder(page, shop, { email: `buyer-${rand()}@example.test`, lines: `${sku}, 1` });
  await noWasm.goto(`/shops/${shop.slug}/orders/${third.id}`);
  await noWasm.getByRole("link", { name: "Cancel order…" }).click();
  await expect.poll(() => pathname(noWasm)).toBe(`/shops/${shop.slug}/orders/${third.id}/cancel`);
  await noWasm.getByLabel("Reason").selectOption("customer");
  await noWasm.getByLabel("Write them off (lost or damaged)").check();
  await noWasm.getByRole("button", { name: `Cancel order #${third.number}` }).click();
  await expect.poll(() => pathname(noWasm)).toBe(`/shops/${shop.slug}/orders/${third.id}`);
  await expect(orderStatus(noWasm)).toHaveText("Cancelled");
  await expect(noWasm.getByRole("list", { name: "Order timeline" })).toContainText("written off");
  await plain.close();
});

test("the orders list counts, pages back and forth, selects a page at once and filters on change", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("NUT");
  await createProductViaApi(page, shop, { title: `Nut ${rand()}`, variants: [{ sku, price: "1.00", on_hand: "500" }] });
  // 52 orders through the API: a first page of 50 and a second of 2.
  for (let index = 0; index < 52; index++) {
    const response = await page.request.post(`/api/v1/shops/${shop.slug}/orders`, {
      data: {
        customer_email: `buyer-${index}-${rand()}@example.test`,
        customer_name: `Buyer ${index}`,
        shipping_address: { line1: "1 Rue de la Paix", city: "Paris", postal_code: "75002", country: "FR" },
        lines: [{ sku, quantity: 1 }],
      },
    });
    expect(response.status(), await response.text()).toBe(201);
  }

  await visit(page, `/shops/${shop.slug}/orders`);
  await expect(page.getByTestId("order-count")).toHaveText("52 orders");
  const rowBoxes = page.locator("tbody").getByRole("checkbox");
  await expect(rowBoxes).toHaveCount(50);
  await page.getByRole("checkbox", { name: "Select all orders on this page" }).check();
  for (const box of await rowBoxes.all()) await expect(box).toBeChecked();
  await page.getByRole("checkbox", { name: "Select all orders on this page" }).uncheck();
  await expect(rowBoxes.first()).not.toBeChecked();

  const firstPageTop = await page.locator("tbody tr").first().getByRole("link").first().textContent();
  await page.getByRole("link", { name: "Next page →" }).click();
  await expect(rowBoxes).toHaveCount(2);
  await expect(page.getByRole("link", { name: "Next page →" })).toHaveCount(0);
  await page.getByRole("link", { name: "← Previous page" }).click();
  await expect(rowBoxes).toHaveCount(50);
  await expect(page.locator("tbody tr").first().getByRole("link").first()).toHaveText(firstPageTop!);
  await expect(page.getByRole("link", { name: "← Previous page" })).toHaveCount(0);

  // A chosen filter applies without the Apply button, and the count follows it.
  await page.getByLabel("Status", { exact: true }).selectOption("delivered");
  await expect.poll(() => new URL(page.url()).searchParams.get("status")).toBe("delivered");
  await expect(page.getByTestId("order-count")).toHaveText("0 orders");
  await expect(page.getByText("No orders match these filters.")).toBeVisible();
  await page.goBack();
  await expect(page.getByTestId("order-count")).toHaveText("52 orders");
});

test("the new-order form finds products and known customers, and names every problem at once", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("LAMP");
  const title = `Desk lamp ${rand()}`;
  await createProductViaApi(page, shop, { title, variants: [{ sku, price: "30.00", on_hand: "9" }] });
  const email = `grace-${rand()}@example.test`;
  await placeOrder(page, shop, { email, name: "Grace Hopper", lines: `${sku}, 1` });

  // Every problem in one answer: a bad email, an amount with two readings and an unknown SKU.
  await visit(page, `/shops/${shop.slug}/orders/new`);
  await page.getByLabel("Customer email", { exact: true }).fill("not-an-email");
  await page.getByLabel("Shipping", { exact: true }).fill("12,345");
  await page.getByLabel("Items (one per line: SKU, quantity)", { exact: true }).fill("NO-SUCH-SKU, 1");
  await page.getByRole("button", { name: "Place order" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Customer email");
  await expect(alert).toContainText("Shipping");
  await expect(alert).toContainText("unknown SKU NO-SUCH-SKU");
  await expect(page.getByLabel("Customer email", { exact: true })).toHaveValue("not-an-email");

  // The product search adds a line; the known customer's email brings their name.
  await page.getByLabel("Items (one per line: SKU, quantity)", { exact: true }).fill("");
  const search = page.getByLabel("Find a product (SKU or title)");
  await search.fill(title.slice(0, 9));
  await expect(page.locator("#order-item-choices option")).toHaveCount(1);
  await expect(page.locator("#order-item-choices option")).toHaveAttribute("value", sku);
  await search.fill(sku);
  await page.getByRole("button", { name: "Add to items" }).click();
  await expect(page.getByLabel("Items (one per line: SKU, quantity)", { exact: true })).toHaveValue(`${sku}, 1\n`);
  const emailField = page.getByLabel("Customer email", { exact: true });
  await emailField.fill(email.slice(0, 10));
  await expect(page.locator("#order-known-customers option")).toHaveCount(1);
  await emailField.fill(email);
  await emailField.blur();
  await expect(page.getByLabel("Customer name", { exact: true })).toHaveValue("Grace Hopper");
  await page.getByLabel("Shipping", { exact: true }).fill("4,90");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page.getByRole("heading", { name: /^Order #\d+$/ })).toBeVisible();
  await expect(page.getByText("EUR 34.90").first()).toBeVisible();
});
