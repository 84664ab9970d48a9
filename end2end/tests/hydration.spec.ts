// Every page hydrates without an error. A page whose server render and first browser render
// differ panics the Wasm ("Unrecoverable hydration error"), and from then on nothing on it reacts:
// a save goes through but the page keeps showing what it loaded. Each page of a shop with a
// product, an order, a business customer and a quote is opened, and any uncaught error fails.
import { expect, test, type Page } from "@playwright/test";
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

async function opensCleanly(page: Page, path: string): Promise<void> {
  const errors: string[] = [];
  const record = (error: Error) => errors.push(error.message);
  page.on("pageerror", record);
  try {
    await visit(page, path);
    // Resources that load after hydration render too; give them a moment to fail.
    await page.waitForLoadState("networkidle");
  } finally {
    page.off("pageerror", record);
  }
  expect(errors, `${path} hydrates without an error`).toEqual([]);
}

test("every dashboard and portal page hydrates without an error", async ({ page, browser }) => {
  const shop = await merchantWithShop(page);
  const sku = randomSku("HYD");
  const product = await createProductViaApi(page, shop, {
    title: `Hydrant ${rand()}`,
    option1_name: "Size",
    variants: [
      { sku, option1: "S", price: "3.00", on_hand: "500" },
      { sku: `${sku}-L`, option1: "L", price: "4.00", on_hand: "50" },
    ],
  });
  const variantId = (product.variants as { id: number }[])[0].id;
  const order = await placeOrder(page, shop, { email: `hyd-${rand()}@example.test`, lines: `${sku}, 2` });
  const buyer = await customerPage(browser);
  const customer = await customerSignUp(buyer, shop, "business");
  await verifyFromQueue(page, shop, customer);
  const customerId = Number(new URL(page.url()).pathname.split("/").pop());

  // A quote from the buyer, so the quote pages have one to show.
  await visit(buyer, `/s/${shop.slug}/quotes/new`);
  await buyer.getByLabel("Items (one per line: SKU, quantity)").fill(`${sku}, 100`);
  await buyer.getByRole("button", { name: "Send request" }).click();
  await expect.poll(() => new URL(buyer.url()).pathname).toMatch(/\/quotes\/\d+$/);
  const quotePath = new URL(buyer.url()).pathname;
  const quoteId = quotePath.split("/").pop();

  const base = `/shops/${shop.slug}`;
  for (const path of [
    base,
    `${base}/orders`,
    `${base}/orders?status=pending&sort=oldest`,
    `${base}/orders/new`,
    `${base}/orders/${order.id}`,
    `${base}/orders/${order.id}/cancel`,
    `${base}/products`,
    `${base}/products/new`,
    `${base}/products/${product.id}`,
    `${base}/products/${product.id}/stock/${variantId}`,
    `${base}/products/import`,
    `${base}/customers`,
    ...(Number.isFinite(customerId) ? [`${base}/customers/${customerId}`] : []),
    `${base}/quotes`,
    `${base}/quotes/${quoteId}`,
    `${base}/settings`,
    `${base}/analytics`,
    `${base}/orders/999999`,
    "/shops/no-such-shop-here/orders",
  ]) {
    await opensCleanly(page, path);
  }
  for (const path of [`/s/${shop.slug}`, `/s/${shop.slug}/account`, `/s/${shop.slug}/quotes`, quotePath, `/s/${shop.slug}/bulk`, `/s/${shop.slug}/cart`]) {
    await opensCleanly(buyer, path);
  }
  await buyer.context().close();
});
