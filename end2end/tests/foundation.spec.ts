// Foundation flows: accounts, sessions, shop creation + provisioning, the shop switcher and
// tenant isolation. Every test makes its own random merchant(s) and shops, so tests are
// independent and may run in parallel against the same server.
import { expect, test } from "@playwright/test";
import {
  alertWith,
  createShop,
  expectHydrated,
  expectPath,
  h1,
  logIn,
  logOut,
  newShop,
  newUser,
  shopSwitcher,
  signUp,
  submitNewShop,
  switchToShop,
  visit,
} from "./support";

const SHOP_SECTIONS = ["Overview", "Orders", "Products", "Customers", "Quotes", "Analytics", "Settings"];

test("sign up, create two shops, switch between them, log out", async ({ page }) => {
  await signUp(page);

  // First shop: provisioning completes, then its dashboard.
  const first = await createShop(page, newShop(), { currency: "EUR", timezone: "Europe/Berlin" });
  await page.getByRole("link", { name: "Open dashboard" }).click();
  await expectPath(page, `/shops/${first.slug}`);
  await expect(h1(page)).toHaveText(first.name);
  const nav = page.getByRole("navigation", { name: "Shop", exact: true });
  await expect(nav).toBeVisible();
  for (const section of SHOP_SECTIONS) {
    await expect(nav.getByRole("link", { name: section, exact: true }), `nav link ${section}`).toBeVisible();
  }
  // The current section is marked, and the mark follows a client-side navigation.
  await expect(nav.getByRole("link", { name: "Overview", exact: true })).toHaveAttribute("aria-current", "page");
  await nav.getByRole("link", { name: "Orders", exact: true }).click();
  await expectPath(page, `/shops/${first.slug}/orders`);
  await expect(nav.getByRole("link", { name: "Orders", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Overview", exact: true })).not.toHaveAttribute("aria-current", "page");

  // Second shop, different settings.
  const second = await createShop(page, newShop(), { currency: "GBP", timezone: "Europe/London" });
  await page.getByRole("link", { name: "Open dashboard" }).click();
  await expectPath(page, `/shops/${second.slug}`);
  await expect(h1(page)).toHaveText(second.name);

  // Both are listed on /shops and link to their dashboards.
  await visit(page, "/shops");
  await expect(h1(page)).toHaveText("Your shops");
  await expect(page.getByRole("link", { name: first.name, exact: true })).toHaveAttribute(
    "href",
    `/shops/${first.slug}`,
  );
  await expect(page.getByRole("link", { name: second.name, exact: true })).toHaveAttribute(
    "href",
    `/shops/${second.slug}`,
  );

  // The switcher lists both shops and moves between them.
  await page.getByRole("link", { name: second.name, exact: true }).click();
  await expectPath(page, `/shops/${second.slug}`);
  await expect(h1(page)).toHaveText(second.name);
  await expect(shopSwitcher(page).summary).toBeVisible();
  await switchToShop(page, first);
  await switchToShop(page, second);
  await switchToShop(page, first);
  // From a section, the switcher goes to the same section of the other shop.
  await visit(page, `/shops/${first.slug}/orders`);
  await shopSwitcher(page).summary.click();
  await shopSwitcher(page).details.getByRole("link", { name: second.name, exact: true }).click();
  await expectPath(page, `/shops/${second.slug}/orders`);
  await expect(h1(page)).toHaveText(second.name);

  // Log out: back at /login, and the protected pages send us there again.
  await logOut(page);
  await page.goto("/shops");
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`/shops/${first.slug}`);
  await expect(page).toHaveURL(/\/login/);
});

test("logging in with a wrong password shows an error, the right one logs in", async ({ page }) => {
  const user = await signUp(page);
  await logOut(page);

  await logIn(page, user.email, `${user.password}-wrong`);
  await expect(alertWith(page, "Invalid email or password")).toBeVisible();
  await expectPath(page, "/login");

  // An unknown email gets the same message (no account enumeration).
  await logIn(page, `nobody-${user.email}`, user.password);
  await expect(alertWith(page, "Invalid email or password")).toBeVisible();
  await expectPath(page, "/login");

  await logIn(page, user.email, user.password);
  await expectPath(page, "/shops");
  await expect(h1(page)).toHaveText("Your shops");
});

test("a taken or malformed slug is refused with a message", async ({ page }) => {
  await signUp(page);
  const shop = await createShop(page);

  // Same slug again (different name).
  await visit(page, "/shops/new");
  await submitNewShop(page, { name: `Copy of ${shop.name}`, slug: shop.slug });
  await expect(alertWith(page, "already taken")).toBeVisible();
  await expectPath(page, "/shops/new");

  // A slug that breaks the rules.
  await visit(page, "/shops/new");
  await submitNewShop(page, { name: "Badly named", slug: "Bad Slug!" });
  await expect(alertWith(page, /slug/i)).toBeVisible();
  await expectPath(page, "/shops/new");

  // Neither attempt created a shop.
  await visit(page, "/shops");
  await expect(page.getByRole("link", { name: `Copy of ${shop.name}`, exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Badly named", exact: true })).toHaveCount(0);
});

test("another merchant's shop is a 404 and cannot be reused", async ({ page, browser, baseURL }) => {
  await signUp(page);
  const shop = await createShop(page);

  const otherContext = await browser.newContext({ baseURL });
  try {
    const other = await otherContext.newPage();
    await signUp(other);
    await expect(other.getByRole("link", { name: shop.name, exact: true })).toHaveCount(0);

    for (const path of [`/shops/${shop.slug}`, `/shops/${shop.slug}/settings`]) {
      const response = await visit(other, path);
      expect(response?.status(), `HTTP status of ${path}`).toBe(404);
      await expect(h1(other)).toHaveText("Page not found");
      await expect(other.getByText(shop.name)).toHaveCount(0);
    }

    // A slug that exists looks the same as one that does not.
    const response = await visit(other, `/shops/${newShop().slug}`);
    expect(response?.status()).toBe(404);
    await expect(h1(other)).toHaveText("Page not found");

    // Slugs are global: the other merchant cannot take this one.
    await visit(other, "/shops/new");
    await expectHydrated(other);
    await submitNewShop(other, { name: `Not ${shop.name}`, slug: shop.slug });
    await expect(alertWith(other, "already taken")).toBeVisible();
  } finally {
    await otherContext.close();
  }

  // The owner still sees the shop.
  await visit(page, `/shops/${shop.slug}`);
  await expect(h1(page)).toHaveText(shop.name);
});

test("logged-out visitors are sent to the login page", async ({ page }) => {
  await page.goto("/shops");
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`/shops/${newShop().slug}`);
  await expect(page).toHaveURL(/\/login/);
  await expectHydrated(page);
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
});

test("every page names an icon the server has", async ({ page, request }) => {
  await visit(page, "/login");
  const href = await page.locator('link[rel="icon"]').getAttribute("href");
  expect(href, "the page names its icon").toBeTruthy();
  const icon = await request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
});
