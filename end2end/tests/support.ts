// Shared helpers for the end-to-end tests: random test data and the common UI flows.
// Locators follow the UI contract (roles, labels, accessible names), not CSS classes.
import { expect, test, type Browser, type Locator, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";

/** 10 random hex characters: unique enough for emails and slugs across runs. */
export const rand = (): string => randomBytes(5).toString("hex");

export type User = { name: string; email: string; password: string };
export type Shop = { name: string; slug: string };

export function newUser(): User {
  const r = rand();
  return { name: `Merchant ${r}`, email: `m-${r}@example.test`, password: `pw-${rand()}-Secret!` };
}

export function newShop(): Shop {
  const r = rand();
  return { name: `Shop ${r}`, slug: `shop-${r}` };
}

/** The current URL's path, e.g. "/shops". */
export const pathname = (page: Page): string => new URL(page.url()).pathname;

/** Waits until the browser is at exactly this path (client-side navigations included). */
export async function expectPath(page: Page, path: string): Promise<void> {
  await expect.poll(() => pathname(page), { message: `expected to be at ${path}` }).toBe(path);
}

/** Waits until the Wasm has hydrated the page (the app sets <body data-hydrated="true">). */
export async function expectHydrated(page: Page): Promise<void> {
  await expect(page.locator("body"), "page did not hydrate (is target/site/pkg served?)").toHaveAttribute(
    "data-hydrated",
    "true",
  );
}

/** Navigates and waits for hydration, so clicks reach the Leptos event handlers. */
export async function visit(page: Page, url: string) {
  const response = await page.goto(url);
  await expectHydrated(page);
  return response;
}

export const h1 = (page: Page): Locator => page.getByRole("heading", { level: 1 });

/** An ARIA alert containing `text` (there may be other alerts on the page). */
export const alertWith = (page: Page, text: string | RegExp): Locator =>
  page.getByRole("alert").filter({ hasText: text });

/** Fills and sends the sign-up form; ends on its "Check your inbox" answer (no account yet). */
export async function requestSignUp(page: Page, user: User = newUser()): Promise<User> {
  await visit(page, "/signup");
  await page.getByLabel("Name", { exact: true }).fill(user.name);
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(h1(page)).toHaveText("Check your inbox");
  await expect(page.getByRole("status").filter({ hasText: user.email.toLowerCase() })).toBeVisible();
  return user;
}

/**
 * Signs up the way a person does: the form, then the link from the development mailbox, opened
 * with the chosen password. Ends on the shops page, logged in, with a verified address.
 */
export async function signUp(page: Page, user: User = newUser()): Promise<User> {
  await requestSignUp(page, user);
  await openMailLink(page, user.email, "/signup/confirm");
  await expectHydrated(page);
  await expect(h1(page)).toHaveText("Finish creating your account");
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Confirm and open my account" }).click();
  await expectPath(page, "/shops");
  await expect(h1(page)).toHaveText("Your shops");
  return user;
}

/**
 * Follows the newest link to `path` (e.g. "/verify-email", "/invitations/") in a mail to
 * `email`, from the development mailbox (the server runs in development mode, without SMTP).
 */
export async function openMailLink(page: Page, email: string, path: string): Promise<void> {
  await page.goto("/dev/mailbox");
  const mail = page.locator("article").filter({ hasText: email }).filter({ hasText: path }).first();
  // The link's text is its address; the subject links (to /dev/mailbox/<id>) do not match.
  await mail.getByRole("link", { name: path }).first().click();
  await expect
    .poll(() => pathname(page).startsWith(path), { message: `expected the link to ${path}` })
    .toBe(true);
}

/** Opens the verification link mailed to `email` and checks that it worked. */
export async function verifyEmail(page: Page, email: string): Promise<void> {
  await openMailLink(page, email, "/verify-email");
  await expect(h1(page)).toHaveText("E-mail address verified");
}

export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await visit(page, "/login");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

export async function logOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await expectPath(page, "/login");
}

/** Selects `preferred` if the select offers it, else its first non-empty option. */
export async function chooseOption(select: Locator, preferred: string): Promise<string> {
  const values = await select
    .locator("option")
    .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
  const value = values.includes(preferred) ? preferred : values.find((v) => v !== "");
  expect(value, `${await select.getAttribute("name")} has no options`).toBeTruthy();
  await select.selectOption(value!);
  return value!;
}

/** Fills and submits the new-shop form (the browser must be at /shops/new). */
export async function submitNewShop(
  page: Page,
  shop: Shop,
  opts: { currency?: string; timezone?: string } = {},
): Promise<void> {
  await page.getByLabel("Shop name", { exact: true }).fill(shop.name);
  await page.getByLabel("Slug", { exact: true }).fill(shop.slug);
  await chooseOption(page.getByLabel("Currency", { exact: true }), opts.currency ?? "EUR");
  await chooseOption(page.getByLabel("Timezone", { exact: true }), opts.timezone ?? "Europe/Berlin");
  await page.getByRole("button", { name: "Create shop" }).click();
}

export const PROVISIONING_STEPS = [
  "Registry entry created",
  "Database created",
  "Schema migrated",
  "Shop active",
] as const;

/**
 * Creates a shop through the UI, starting from /shops and its "New shop" link, then checks the
 * provisioning page: four steps in order, each visible and eventually done, then
 * "Open dashboard". Leaves the browser on the provisioning page.
 */
export async function createShop(
  page: Page,
  shop: Shop = newShop(),
  opts: { currency?: string; timezone?: string } = {},
): Promise<Shop> {
  await visit(page, "/shops");
  await page.getByRole("link", { name: "New shop", exact: true }).click();
  await expectPath(page, "/shops/new");
  await expectHydrated(page);
  await submitNewShop(page, shop, opts);

  await expectPath(page, `/shops/${shop.slug}/provisioning`);
  const steps = page.getByRole("list", { name: "Provisioning steps" }).getByRole("listitem");
  await expect(steps).toHaveCount(PROVISIONING_STEPS.length);
  await expect(steps).toHaveText(PROVISIONING_STEPS.map((label) => new RegExp(label)));
  for (const [i, label] of PROVISIONING_STEPS.entries()) {
    const step = steps.nth(i);
    await expect(step, `step "${label}"`).toBeVisible();
    await expect(step, `step "${label}" should be done`).toHaveAttribute("data-state", "done", {
      timeout: 30_000,
    });
  }
  await expect(page.getByRole("link", { name: "Open dashboard" })).toBeVisible();
  return shop;
}

/** The shop switcher: a <details> whose <summary> is named "Switch shop". */
export function shopSwitcher(page: Page): { details: Locator; summary: Locator } {
  const named = page
    .locator('summary[aria-label="Switch shop"]')
    .or(page.locator("summary").filter({ hasText: /^\s*Switch shop\s*$/ }));
  const details = page.locator("details").filter({ has: named });
  return { details, summary: details.locator(":scope > summary") };
}

/** Opens the shop switcher and follows the link to the named shop. */
export async function switchToShop(page: Page, shop: Shop): Promise<void> {
  const { details, summary } = shopSwitcher(page);
  await expect(summary).toHaveAccessibleName("Switch shop");
  await summary.click();
  await details.getByRole("link", { name: shop.name, exact: true }).click();
  await expectPath(page, `/shops/${shop.slug}`);
  await expect(h1(page)).toHaveText(shop.name);
}

// ---- Catalog and orders ----

export type NewVariant = { sku: string; price: string; on_hand: string; option1?: string; option2?: string };

/**
 * Creates a product through the JSON API with the browser's session cookie (page.request shares
 * the context's cookies). Returns the created product (its `id` among the fields).
 */
export async function createProductViaApi(
  page: Page,
  shop: Shop,
  product: { title: string; status?: string; option1_name?: string; variants: NewVariant[] },
): Promise<{ id: number; [key: string]: unknown }> {
  const response = await page.request.post(`/api/v1/shops/${shop.slug}/products`, {
    data: { status: "active", ...product },
  });
  expect(response.status(), `POST products: ${await response.text()}`).toBe(201);
  return response.json();
}

/** A SKU nobody else uses: `<prefix>-<random>` in capitals. */
export const randomSku = (prefix = "SKU"): string => `${prefix}-${rand().toUpperCase()}`;

/** Fills the new-order form (the browser must be at /shops/<slug>/orders/new) and submits it. */
export async function submitNewOrder(page: Page, order: { email: string; lines: string; name?: string }) {
  await page.getByLabel("Customer email", { exact: true }).fill(order.email);
  if (order.name) await page.getByLabel("Customer name", { exact: true }).fill(order.name);
  await page.getByLabel("Items (one per line: SKU, quantity)", { exact: true }).fill(order.lines);
  await page.getByRole("button", { name: "Place order" }).click();
}

/**
 * Places an order through /shops/<slug>/orders/new and waits for its page. Returns the order's
 * id (from the URL) and number (from the "Order #<number>" heading).
 */
export async function placeOrder(
  page: Page,
  shop: Shop,
  order: { email: string; lines: string; name?: string },
): Promise<{ id: number; number: number }> {
  await visit(page, `/shops/${shop.slug}/orders/new`);
  await submitNewOrder(page, order);
  const orderUrl = new RegExp(`^/shops/${shop.slug}/orders/(\\d+)$`);
  await expect.poll(() => pathname(page), { message: "expected the new order's page" }).toMatch(orderUrl);
  const id = Number(pathname(page).match(orderUrl)![1]);
  const heading = page.getByRole("heading", { name: /^Order #\d+$/ });
  await expect(heading).toBeVisible();
  const number = Number((await heading.textContent())!.replace(/^Order #/, ""));
  return { id, number };
}

/** The order page's status badge. */
export const orderStatus = (page: Page): Locator => page.getByTestId("order-status");

// ---- Customers of a shop's portal (a second browser context) ----

/** A fresh merchant with a fresh, provisioned shop. */
export async function merchantWithShop(page: Page): Promise<Shop> {
  await signUp(page);
  return createShop(page);
}

/** A second browser context for the customer, at the same server (and viewport). */
export async function customerPage(browser: Browser): Promise<Page> {
  const use = test.info().project.use;
  const context = await browser.newContext({ baseURL: use.baseURL, viewport: use.viewport, isMobile: use.isMobile, hasTouch: use.hasTouch });
  return context.newPage();
}

export type Customer = { email: string; name: string; company?: string };

/** Signs up on the portal's sign-up page; ends on the account page. */
export async function customerSignUp(page: Page, shop: Shop, kind: "individual" | "business"): Promise<Customer> {
  const r = rand();
  const customer: Customer = { email: `c-${r}@example.test`, name: `Buyer ${r}` };
  await visit(page, `/s/${shop.slug}/signup`);
  await page.getByLabel(kind === "business" ? "Business" : "Individual", { exact: true }).check();
  await page.getByLabel("Your name", { exact: true }).fill(customer.name);
  await page.getByLabel("E-mail", { exact: true }).fill(customer.email);
  const password = `pw-${rand()}-Secret!`;
  await page.getByLabel("Password (at least 10 characters)", { exact: true }).fill(password);
  if (kind === "business") {
    customer.company = `Hopper Tools ${r}`;
    await page.getByLabel("Company name", { exact: true }).fill(customer.company);
    await page.getByLabel("Tax id (EU VAT number or US EIN)", { exact: true }).fill("DE 136 695 976");
    await page.getByLabel("Billing address", { exact: true }).fill("Hauptstr. 1");
    await page.getByLabel("Postal code", { exact: true }).fill("10115");
    await page.getByLabel("City", { exact: true }).fill("Berlin");
    await page.getByLabel("Country (e.g. DE)", { exact: true }).fill("DE");
  }
  await page.getByRole("button", { name: "Create account" }).click();
  // No account until the link mailed to the address is opened with the chosen password.
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: customer.email })).toBeVisible();
  await openMailLink(page, customer.email, `/s/${shop.slug}/signup/confirm`);
  await expectHydrated(page);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Confirm and open my account" }).click();
  await expectPath(page, `/s/${shop.slug}/account`);
  await expect(page.getByText(customer.email)).toBeVisible();
  return customer;
}

/** The merchant verifies the business from the verification queue. */
export async function verifyFromQueue(merchant: Page, shop: Shop, customer: Customer): Promise<void> {
  await visit(merchant, `/shops/${shop.slug}/customers`);
  await merchant.getByRole("link", { name: "Verification queue" }).click();
  const row = merchant.getByRole("row").filter({ hasText: customer.email });
  await expect(row.getByTestId("verification")).toHaveText("Awaiting verification");
  await row.getByRole("link", { name: customer.name }).click();
  await expect(merchant.getByRole("heading", { name: customer.name })).toBeVisible();
  await merchant.getByRole("button", { name: "Verify business" }).click();
  await expect(merchant.getByTestId("verification")).toHaveText("Verified");
}

