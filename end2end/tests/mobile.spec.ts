// Phone-sized screens (issue 15, part 6), run by the "mobile" project at 390 × 844: the
// dashboard's orders list, order page, products and customers, and the portal's catalog, cart,
// bulk order and quotes are usable. No page is wider than the screen (tables scroll inside
// their own box or stack), the orders list's filters fold away so its first row is near the
// top, and every action named here can be reached and used.
import { expect, test, type Locator, type Page } from "@playwright/test";
import {
  createProductViaApi,
  customerPage,
  customerSignUp,
  merchantWithShop,
  placeOrder,
  rand,
  randomSku,
  verifyFromQueue,
  visit,
} from "./support";

/** The page itself never scrolls sideways: whatever is wide scrolls inside its own box. */
async function fitsTheScreen(page: Page, what: string): Promise<void> {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    screen: document.documentElement.clientWidth,
  }));
  expect(widths.page, `${what}: the page is ${widths.page}px wide on a ${widths.screen}px screen`).toBeLessThanOrEqual(widths.screen);
}

/** Within the screen's width (once scrolled into view), so a thumb can reach it. */
async function reachable(locator: Locator, what: string): Promise<void> {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  expect(box, `${what} is on the page`).not.toBeNull();
  expect(box!.x, `${what} starts on screen`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} ends on screen`).toBeLessThanOrEqual(390);
}

test("the dashboard's orders, order page, products and customers work on a phone", async ({ page }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("LAMP");
  await createProductViaApi(page, shop, { title: `Reading lamp with a long name ${rand()}`, variants: [{ sku, price: "24.90", on_hand: "30" }] });
  const order = await placeOrder(page, shop, { email: `a-very-long-address-${rand()}@example.test`, lines: `${sku}, 2` });

  // The order page: actions reachable, nothing wider than the screen.
  await fitsTheScreen(page, "order page");
  await reachable(page.getByRole("button", { name: "Mark as paid", exact: true }), "Mark as paid");
  await reachable(page.getByRole("link", { name: "Cancel order…" }), "Cancel order");

  // The orders list: filters folded away, the first order near the top, its link reachable.
  await visit(page, `/shops/${shop.slug}/orders`);
  await fitsTheScreen(page, "orders list");
  await expect(page.getByLabel("Payment", { exact: true })).toBeHidden();
  const first = page.getByRole("link", { name: `#${order.number}`, exact: true });
  const top = (await first.boundingBox())!.y;
  expect(top, "the first order is near the top of the list").toBeLessThan(700);
  await reachable(first, "the order's link");
  // Opening the filters shows them, and they apply.
  await page.getByText("Filters", { exact: true }).click();
  await page.getByLabel("Payment", { exact: true }).selectOption("pending");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("link", { name: `#${order.number}`, exact: true })).toBeVisible();
  await fitsTheScreen(page, "orders list with filters open");

  await visit(page, `/shops/${shop.slug}/products`);
  await fitsTheScreen(page, "products list");
  await reachable(page.getByRole("link", { name: "New product", exact: true }), "New product");

  await visit(page, `/shops/${shop.slug}/customers`);
  await fitsTheScreen(page, "customers list");
});

test("the portal's catalog, cart, bulk order and quotes work on a phone", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("BOLT");
  await createProductViaApi(page, shop, { title: `Hex bolt M8 × 40 zinc-plated ${rand()}`, variants: [{ sku, price: "0.35", on_hand: "5000" }] });
  const buyer = await customerPage(browser);
  const customer = await customerSignUp(buyer, shop, "business");
  await verifyFromQueue(page, shop, customer);

  await visit(buyer, `/s/${shop.slug}`);
  await fitsTheScreen(buyer, "catalog");
  const row = buyer.getByRole("row").filter({ hasText: sku });
  await reachable(row.getByRole("button", { name: "Add" }), "Add");
  await row.getByLabel(`Quantity of ${sku}`).fill("100");
  await row.getByRole("button", { name: "Add" }).click();
  await expect(buyer.getByRole("status").filter({ hasText: /cart/i }).first()).toBeVisible();

  await visit(buyer, `/s/${shop.slug}/cart`);
  await fitsTheScreen(buyer, "cart");
  await reachable(buyer.getByRole("button", { name: /^Place order/ }), "Place order");

  await visit(buyer, `/s/${shop.slug}/bulk`);
  await fitsTheScreen(buyer, "bulk order");
  await reachable(buyer.getByRole("button", { name: "Place order" }), "Place order");

  await visit(buyer, `/s/${shop.slug}/quotes/new`);
  await fitsTheScreen(buyer, "new quote");
  await visit(buyer, `/s/${shop.slug}/quotes`);
  await fitsTheScreen(buyer, "quotes");
  await buyer.context().close();
});
