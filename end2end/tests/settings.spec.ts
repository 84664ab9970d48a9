// Shop settings in the browser: details, custom domains, team, suspend and reactivate. The header
// (name, status) follows every change without a reload.
import { expect, test, type Page } from "@playwright/test";
import { publishTxt, startDnsStandIn } from "./dns";
import { createShop, h1, rand, signUp, visit } from "./support";

test("an owner renames the shop, adds and verifies a domain, invites staff and suspends the shop", async ({ page }) => {
  const stopDns = await startDnsStandIn();
  try {
    await settingsFlow(page);
  } finally {
    await stopDns();
  }
});

async function settingsFlow(page: Page) {
  // Custom domains and invitations wait for a verified e-mail address: signing up by the
  // mailed link verifies it.
  const owner = await signUp(page);
  const shop = await createShop(page);
  await visit(page, `/shops/${shop.slug}/settings`);

  const renamed = `Renamed ${rand()}`;
  await page.getByLabel("Shop name", { exact: true }).fill(renamed);
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(h1(page)).toHaveText(renamed);

  const domain = `shop-${rand()}.example.org`;
  await page.getByLabel("Custom domain", { exact: true }).fill(domain);
  await page.getByRole("button", { name: "Add domain" }).click();
  await expect(page.getByRole("button", { name: `Remove domain ${domain}` })).toBeVisible();
  // The domain waits for its TXT record; without it, "Verify" explains what is missing.
  const awaiting = page.getByText(`Awaiting verification: add a TXT record _cartwright-verify.${domain} with`);
  await expect(awaiting).toBeVisible();
  const token = (await awaiting.locator("code").nth(1).textContent()) ?? "";
  expect(token).toMatch(/^[0-9a-f]{32}$/);
  await page.getByRole("button", { name: `Verify domain ${domain}` }).click();
  await expect(page.getByRole("alert").filter({ hasText: "No TXT record" })).toBeVisible();
  publishTxt(`_cartwright-verify.${domain}`, [token]);
  await page.getByRole("button", { name: `Verify domain ${domain}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "Domain verified." })).toBeVisible();
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();
  await page.getByLabel("Custom domain", { exact: true }).fill("not a domain");
  await page.getByRole("button", { name: "Add domain" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "hostname" })).toBeVisible();

  const invitee = `staff-${rand()}@example.test`;
  await page.getByLabel("Invite staff by email", { exact: true }).fill(invitee);
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  // Invited by mail: pending (owners see it) until the invitee accepts the link.
  const pending = page.getByRole("list", { name: "Pending invitations" });
  await expect(pending.getByText(invitee)).toBeVisible();

  // Suspending asks first, naming what stops working.
  await page.getByRole("link", { name: "Suspend shop…" }).click();
  const confirm = page.getByRole("dialog", { name: /^Suspend / });
  await expect(confirm).toContainText("customers cannot log in, order, check out");
  await confirm.getByRole("button", { name: /^Suspend / }).click();
  await expect(page.getByText("The shop is suspended: its storefront is offline.")).toBeVisible();
  await expect(page.getByText("suspended", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Reactivate shop" }).click();
  await expect(page.getByText("The shop is active.")).toBeVisible();
  await expect(page.getByText("active", { exact: true })).toBeVisible();

  // Everything survives a reload: it was stored, not just shown.
  await visit(page, `/shops/${shop.slug}/settings`);
  await expect(h1(page)).toHaveText(renamed);
  await expect(page.getByRole("button", { name: `Remove domain ${domain}` })).toBeVisible();
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();
  await expect(pending.getByText(invitee)).toBeVisible();

  // Revoking an invitation removes it (its link stops working).
  await page.getByRole("button", { name: `Revoke invitation for ${invitee}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "Invitation revoked" })).toBeVisible();
  await expect(pending).toHaveCount(0);
}

test("an owner has amounts written the shop's way, on the dashboard and in the portal", async ({ page }) => {
  await signUp(page);
  const shop = await createShop(page);
  const product = await page.request.post(`/api/v1/shops/${shop.slug}/products`, {
    data: { title: `Kettle ${rand()}`, status: "active", variants: [{ sku: `KET-${rand()}`, price: "1234,50", on_hand: "4" }] },
  });
  expect(product.status(), await product.text()).toBe(201);

  await visit(page, `/shops/${shop.slug}/settings`);
  await page.getByLabel("How amounts are written").selectOption({ label: "1.234,56" });
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();

  await visit(page, `/shops/${shop.slug}/products`);
  await expect(page.getByText("EUR 1.234,50").first()).toBeVisible();
  await visit(page, `/s/${shop.slug}`);
  await expect(page.getByText("EUR 1.234,50").first()).toBeVisible();
  // A typed price is previewed in the same style.
  await visit(page, `/shops/${shop.slug}/products/new`);
  await page.getByLabel("Price", { exact: true }).fill("99.5");
  await expect(page.getByTestId("stored-amount").first()).toHaveText("= 99,50");
});
