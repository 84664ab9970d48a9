// Real not-found pages (issue 15, part 5): an unknown or foreign shop, order, product, customer
// or quote answers 404 with the 404 page; the portal of an unknown shop is a 404 that offers no
// sign-up.
import { expect, test } from "@playwright/test";
import { createShop, h1, signUp, visit } from "./support";

test("unknown shops and records are 404 pages with nothing of the page they replaced", async ({ page }) => {
  await signUp(page);
  const shop = await createShop(page);

  // Every page of an unknown shop: the 404 page alone, not its filters, forms or tabs.
  for (const path of ["", "/orders", "/orders/new", "/products", "/products/import", "/customers", "/quotes", "/settings", "/orders/1"]) {
    const url = `/shops/no-such-shop-here${path}`;
    const response = await visit(page, url);
    expect(response?.status(), url).toBe(404);
    await expect(h1(page), url).toHaveText("Page not found");
    await expect(page.locator("main form"), url).toHaveCount(0);
    await expect(page.getByRole("navigation", { name: "Shop" }), url).toHaveCount(0);
  }

  for (const path of ["orders/999999", "products/999999", "customers/999999", "quotes/999999"]) {
    const response = await visit(page, `/shops/${shop.slug}/${path}`);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" }), path).toBeVisible();
  }

  const portal = await visit(page, "/s/no-such-shop-here");
  expect(portal?.status()).toBe(404);
  await expect(page.getByRole("link", { name: "Create account" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Log in" })).toHaveCount(0);
});
