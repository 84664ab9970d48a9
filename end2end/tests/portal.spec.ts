// The customer portal in the browser: a business signs up, the merchant verifies it, it requests
// a quote, the merchant answers, the customer accepts and the order reaches the dashboard; a bulk
// order with a bad line shows the problem inline and is placed after the fix; an individual
// customer cannot reach the business pages (403 from the server, also when calling directly).
// The merchant and the customer use separate browser contexts (separate cookies).
import { expect, test } from "@playwright/test";
import {
  createProductViaApi,
  customerPage,
  customerSignUp,
  expectPath,
  merchantWithShop,
  pathname,
  rand,
  randomSku,
  verifyFromQueue,
  visit,
} from "./support";

test("a business signs up, is verified, and an accepted quote becomes an order", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("BOLT");
  const product = await createProductViaApi(page, shop, { title: `Bolt ${rand()}`, variants: [{ sku, price: "1.00", on_hand: "5000" }] });
  // 10 % off from 500 units: the merchant's answer starts from that price.
  const variantId = (product.variants as { id: number }[])[0].id;
  const terms = await page.request.put(`/api/v1/shops/${shop.slug}/variants/${variantId}/terms`, {
    data: { min_quantity: "1", pack_size: "1", price_breaks: "500: 10" },
  });
  expect(terms.status(), await terms.text()).toBe(200);

  const buyer = await customerPage(browser);
  const customer = await customerSignUp(buyer, shop, "business");
  await expect(buyer.getByTestId("verification")).toHaveText("Awaiting verification");
  // Until verified, the quote pages are refused by the server.
  const early = await buyer.goto(`/s/${shop.slug}/quotes/new`);
  expect(early?.status()).toBe(403);

  await verifyFromQueue(page, shop, customer);

  await visit(buyer, `/s/${shop.slug}/account`);
  await expect(buyer.getByTestId("verification")).toHaveText("Verified");
  await buyer.getByRole("link", { name: "Quotes", exact: true }).click();
  await expectPath(buyer, `/s/${shop.slug}/quotes`);
  await buyer.getByRole("link", { name: "Request a quote" }).click();
  await expectPath(buyer, `/s/${shop.slug}/quotes/new`);
  await buyer.getByLabel("Items (one per line: SKU, quantity)").fill(`${sku}, 1000`);
  await buyer.getByLabel("Message to the shop").fill("Monthly volume, please quote.");
  await buyer.getByRole("button", { name: "Send request" }).click();
  const quoteUrl = new RegExp(`^/s/${shop.slug}/quotes/(\\d+)$`);
  await expect.poll(() => pathname(buyer), { message: "expected the quote's page" }).toMatch(quoteUrl);
  const quoteId = pathname(buyer).match(quoteUrl)![1];
  await expect(buyer.getByTestId("quote-status")).toHaveText("Requested");

  // The merchant answers with a price and an expiry.
  await visit(page, `/shops/${shop.slug}/quotes`);
  const listed = page.getByRole("row").filter({ hasText: customer.company! });
  await expect(listed.getByTestId("quote-status")).toHaveText("Requested");
  await listed.getByRole("link").click();
  await expectPath(page, `/shops/${shop.slug}/quotes/${quoteId}`);
  await expect(page.getByText("Monthly volume, please quote.")).toBeVisible();
  // The answer starts from the volume price for 1,000 units, beside the stock there is.
  await expect(page.getByLabel(`Unit price for ${sku}`)).toHaveValue("0.90");
  await expect(page.getByTestId("volume-price")).toHaveText("EUR 0.90 for this quantity");
  await expect(page.getByTestId("line-stock")).toHaveText("5000 available");
  // Line and quote totals follow what is typed; a price far from the list price is pointed out.
  await page.getByLabel(`Unit price for ${sku}`).fill("0,30");
  await expect(page.getByTestId("price-warning")).toHaveText("70% under the list price");
  await expect(page.getByTestId("answer-total")).toHaveText(/300\.00/);
  await page.getByLabel(`Unit price for ${sku}`).fill("0.85");
  await expect(page.getByTestId("price-warning")).toHaveCount(0);
  await expect(page.getByTestId("line-total")).toHaveText(/850\.00/);
  await expect(page.getByTestId("answer-total")).toHaveText(/850\.00/);
  await page.getByLabel("Valid until").fill("2099-12-31");
  await page.getByLabel("Note to the customer").fill("Price for 1,000+");
  // The quoted units are held for the buyer until the offer expires.
  await page.getByLabel("Hold the quoted stock until the offer expires").check();
  await page.getByRole("button", { name: "Send quote" }).click();
  await expect(page.getByTestId("quote-status")).toHaveText("Quoted");
  await expect(page.getByTestId("quote-sent")).toHaveText(
    `Sent to ${customer.email}: version 1, total EUR 850.00, valid until 2099-12-31, stock held until then.`,
  );
  await expect(page.getByTestId("line-held")).toHaveText("1000 held for this quote");
  await expect(page.getByTestId("quote-held")).toHaveText(/^The quoted stock is held until 2099-12-31/);
  // A revision would keep holding it unless unticked.
  await expect(page.getByLabel("Hold the quoted stock until the offer expires")).toBeChecked();

  // The customer sees the offer and accepts it.
  await visit(buyer, `/s/${shop.slug}/quotes/${quoteId}`);
  await expect(buyer.getByTestId("quote-status")).toHaveText("Quoted");
  await expect(buyer.getByTestId("quoted-price")).toHaveText(/0\.85/);
  await expect(buyer.getByTestId("quote-total")).toHaveText(/850\.00/);
  await expect(buyer.getByTestId("quote-held")).toHaveText(/^The shop holds this stock for you until 2099-12-31/);
  // Accepting places an order: the dialog names the total before the buyer confirms.
  await buyer.getByRole("link", { name: "Accept and order…" }).click();
  const confirm = buyer.getByRole("dialog", { name: /^Order at the prices of Q-/ });
  await expect(confirm.getByTestId("accept-total")).toHaveText(/850\.00/);
  await confirm.getByRole("button", { name: /^Confirm the order of .*850\.00/ }).click();
  await expect(buyer.getByTestId("quote-status")).toHaveText("Accepted");
  const placed = buyer.getByRole("status").filter({ hasText: /order #\d+ was placed/ });
  await expect(placed).toBeVisible();
  const number = (await placed.textContent())!.match(/order #(\d+)/)![1];

  // The order is in the merchant's dashboard, from the portal, at the quoted price.
  await visit(page, `/shops/${shop.slug}/orders?channel=portal`);
  const orderRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: `#${number}`, exact: true }) });
  await expect(orderRow).toHaveCount(1);
  await expect(orderRow).toContainText("B2B");
  await expect(orderRow).toContainText(/850\.00/);
  await buyer.context().close();
});

test("a bulk order shows a bad line inline and is placed after the fix", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const bolt = randomSku("BOLT");
  const nut = randomSku("NUT");
  await createProductViaApi(page, shop, { title: `Bolt ${rand()}`, variants: [{ sku: bolt, price: "2.00", on_hand: "500" }] });
  await createProductViaApi(page, shop, { title: `Nut ${rand()}`, variants: [{ sku: nut, price: "0.50", on_hand: "500" }] });

  const buyer = await customerPage(browser);
  const customer = await customerSignUp(buyer, shop, "business");
  await verifyFromQueue(page, shop, customer);

  await visit(buyer, `/s/${shop.slug}/bulk`);
  const lines = buyer.getByLabel(/^Items \(one per line: SKU, quantity/);
  await lines.fill(`${bolt}, 20\nNO-SUCH-SKU, 3\n${nut}, 40`);
  await buyer.getByRole("button", { name: "Place order" }).click();
  await expect(buyer.getByRole("alert").filter({ hasText: "1 line(s) need attention" })).toBeVisible();
  const bad = buyer.getByTestId("bulk-line-error");
  await expect(bad).toHaveCount(1);
  await expect(bad).toContainText("unknown SKU NO-SUCH-SKU");
  await expect(bad.getByRole("cell").first()).toHaveText("2");
  await expect(buyer.getByTestId("bulk-line")).toHaveCount(2);
  await expect(buyer.getByTestId("bulk-placed")).toHaveCount(0);

  await lines.fill(`${bolt}, 20\n${nut}, 40`);
  // A double click places one order, and the pad is empty for the next one.
  await buyer.getByRole("button", { name: "Place order" }).dblclick();
  const placed = buyer.getByTestId("bulk-placed");
  await expect(placed).toBeVisible();
  await expect(placed).toContainText(/60\.00/);
  await expect(buyer.getByTestId("bulk-line-error")).toHaveCount(0);
  await expect(lines).toHaveValue("");

  await visit(buyer, `/s/${shop.slug}/account`);
  await expect(buyer.getByRole("table", { name: "Your orders" }).getByRole("row")).toHaveCount(2);
  await buyer.context().close();
});

test("an individual customer cannot reach the quote or bulk pages, and buys through the cart", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("MUG");
  await createProductViaApi(page, shop, { title: `Mug ${rand()}`, variants: [{ sku, price: "12.50", on_hand: "10" }] });
  const person = await customerPage(browser);
  await customerSignUp(person, shop, "individual");
  await expect(person.getByRole("navigation", { name: "Portal" }).getByRole("link", { name: "Quotes" })).toHaveCount(0);
  await expect(person.getByRole("navigation", { name: "Portal" }).getByRole("link", { name: "Bulk order" })).toHaveCount(0);

  for (const path of ["quotes", "quotes/new", "bulk"]) {
    const response = await person.goto(`/s/${shop.slug}/${path}`);
    expect(response?.status(), path).toBe(403);
    await expect(person.getByRole("alert")).toContainText("individual account");
  }
  // Calling the business endpoints directly is refused the same way.
  const api = await person.request.post(`/api/v1/shops/${shop.slug}/quotes`, { data: { lines: "ANY-SKU, 1" } });
  expect(api.status()).toBe(403);
  expect((await api.json()).error.message).toContain("individual account");
  const bulk = await person.request.post(`/api/v1/shops/${shop.slug}/bulk-orders`, { data: { lines: "ANY-SKU, 1" } });
  expect(bulk.status()).toBe(403);

  // What an individual can do: browse at the shop's prices, fill a cart, check out.
  await visit(person, `/s/${shop.slug}`);
  const row = person.getByRole("row").filter({ hasText: sku });
  await expect(row).toContainText("12.50");
  await row.getByLabel(`Quantity of ${sku}`).fill("2");
  await row.getByRole("button", { name: "Add" }).click();
  await expect(person.getByRole("status").filter({ hasText: "Added to your cart" })).toBeVisible();
  await person.getByRole("navigation", { name: "Portal" }).getByRole("link", { name: "Cart" }).click();
  await expectPath(person, `/s/${shop.slug}/cart`);
  await expect(person.getByTestId("cart-subtotal")).toHaveText(/25\.00/);
  await person.getByLabel("Street and number").fill("1 Elm St");
  await person.getByLabel("City").fill("Springfield");
  await person.getByLabel("Country (e.g. DE)").fill("US");
  await person.getByRole("button", { name: "Place order (pay later)" }).click();
  await expect(person.getByTestId("checkout-placed")).toContainText(/Order #\d+ placed: .*25\.00/);
  await person.context().close();
});

test("an invoice order on net 30 is shipped before it is paid and later marked paid", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("BOLT");
  await createProductViaApi(page, shop, { title: `Bolt ${rand()}`, variants: [{ sku, price: "2.00", on_hand: "500" }] });
  const buyer = await customerPage(browser);
  const customer = await customerSignUp(buyer, shop, "business");
  await verifyFromQueue(page, shop, customer);

  // The merchant gives the company net 30 on its customer page.
  const terms = page.getByRole("form", { name: "Payment terms" });
  await terms.getByLabel("Payment terms").selectOption("net_30");
  await terms.getByRole("button", { name: "Save terms" }).click();
  await expect(terms.getByRole("status")).toHaveText("Payment terms saved.");
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Payment terms" })).toHaveValue("net_30");

  // The buyer orders; the order is on net 30, unpaid.
  await visit(buyer, `/s/${shop.slug}/bulk`);
  await buyer.getByLabel(/^Items \(one per line: SKU, quantity/).fill(`${sku}, 25`);
  await buyer.getByRole("button", { name: "Place order" }).click();
  const placed = buyer.getByTestId("bulk-placed");
  await expect(placed).toBeVisible();
  const number = (await placed.textContent())!.match(/#(\d+)/)![1];

  await visit(page, `/shops/${shop.slug}/orders?payment=pending`);
  await page.getByRole("link", { name: `#${number}`, exact: true }).click();
  await expect(page.getByTestId("payment-terms")).toHaveText("Net 30");
  await expect(page.getByTestId("payment-status")).toHaveText("Payment pending");
  await expect(page.getByTestId("payment-due")).toBeVisible();

  // Approved and shipped before payment.
  await page.getByRole("button", { name: "Approve (invoice, unpaid)" }).click();
  await expect(page.getByTestId("order-status")).toHaveText("Approved");
  await page.getByLabel("Carrier").fill("DHL");
  const tracking = `JD${rand()}`;
  await page.getByLabel("Tracking number").fill(tracking);
  await page.getByRole("button", { name: "Ship", exact: true }).click();
  await expect(page.getByTestId("fulfilment-status")).toHaveText("Fulfilled");
  await expect(page.getByTestId("payment-status")).toHaveText("Payment pending");
  await expect(page.getByTestId("order-overdue")).toHaveCount(0);

  // The buyer opens the order from their account: what is due and when, the parcel's tracking.
  await visit(buyer, `/s/${shop.slug}/account`);
  await buyer.getByRole("link", { name: `#${number}`, exact: true }).click();
  await expect(buyer.getByRole("heading", { name: `Order #${number}` })).toBeVisible();
  await expect(buyer.getByTestId("portal-order-payment")).toContainText("Net 30 · EUR 50.00 due by");
  await expect(buyer.getByTestId("portal-order-fulfilment")).toHaveText("Fulfilled");
  await expect(buyer.getByTestId("portal-order-total")).toHaveText("EUR 50.00");
  await expect(buyer.getByRole("table", { name: "Order lines" })).toContainText(sku);
  await expect(buyer.getByRole("list", { name: "Parcels" })).toContainText(tracking);
  await expect(buyer.getByText("Approve")).toHaveCount(0);

  // The money arrives: the merchant marks it paid.
  await page.getByRole("button", { name: "Mark as paid" }).click();
  await expect(page.getByTestId("payment-status")).toHaveText("Paid");
  await visit(page, `/shops/${shop.slug}/orders?payment=pending`);
  await expect(page.getByRole("link", { name: `#${number}`, exact: true })).toHaveCount(0);
  await buyer.context().close();
});

test("the verification queue counts the waiting businesses and verifies or rejects in place", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const first = await customerPage(browser);
  const firstCustomer = await customerSignUp(first, shop, "business");
  const second = await customerPage(browser);
  const secondCustomer = await customerSignUp(second, shop, "business");

  await visit(page, `/shops/${shop.slug}/customers?verification=pending`);
  await expect(page.getByTestId("queue-count")).toHaveText("2 businesses awaiting verification");
  await page.getByRole("form", { name: `Verify ${firstCustomer.company}` }).getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("queue-count")).toHaveText("1 business awaiting verification");
  const reject = page.getByRole("form", { name: `Reject ${secondCustomer.company}` });
  await reject.getByRole("textbox").fill("Tax id does not match the company");
  await reject.getByRole("button", { name: "Reject" }).click();
  await expect(page.getByText("No customers match.")).toBeVisible();

  await visit(page, `/shops/${shop.slug}/customers?verification=verified`);
  await expect(page.getByRole("row").filter({ hasText: firstCustomer.email })).toHaveCount(1);
  await first.context().close();
  await second.context().close();
});
