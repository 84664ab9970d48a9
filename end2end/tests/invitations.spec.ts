// Proof of e-mail and staff invitations by link (issue 14): a merchant verifies their address
// from the development mailbox and invites staff; the invitee joins only through the mailed link,
// logged in with that verified address; knowing an invited address is not enough to join.
import { expect, test } from "@playwright/test";
import { createShop, expectPath, h1, newUser, openMailLink, signUp, verifyEmail, visit } from "./support";

test("an invitee joins through the mailed link; someone who only knows an invited address cannot", async ({
  browser,
  page,
}) => {
  // The merchant signs up, is asked to verify, and verifies from the development mailbox.
  const owner = await signUp(page);
  await expect(page.getByRole("status").filter({ hasText: "Please verify your e-mail address" })).toBeVisible();
  await verifyEmail(page, owner.email);
  await visit(page, "/shops");
  await expect(page.getByText("Please verify your e-mail address")).toHaveCount(0);

  const shop = await createShop(page);
  await visit(page, `/shops/${shop.slug}/settings`);
  const staff = newUser();
  const squatted = newUser();
  const pending = page.getByRole("list", { name: "Pending invitations" });
  for (const invitee of [staff.email, squatted.email]) {
    await page.getByLabel("Invite staff by email", { exact: true }).fill(invitee);
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await expect(pending.getByText(invitee)).toBeVisible();
  }

  // The invitee, in a browser of their own: signs up, verifies, opens the invitation, accepts.
  const staffContext = await browser.newContext();
  const staffPage = await staffContext.newPage();
  await signUp(staffPage, staff);
  await openMailLink(staffPage, staff.email, "/invitations/");
  await expect(h1(staffPage)).toHaveText("Verify your e-mail address first");
  const invitationPath = new URL(staffPage.url()).pathname;
  await verifyEmail(staffPage, staff.email);
  await visit(staffPage, invitationPath);
  await expect(h1(staffPage)).toHaveText(`Join ${shop.name}`);
  await staffPage.getByRole("button", { name: "Accept invitation" }).click();
  await expectPath(staffPage, `/shops/${shop.slug}`);
  await expect(h1(staffPage)).toHaveText(shop.name);

  // A third browser knows the other invited address but not its link: registering the address
  // grants nothing, and the used link of the first invitee is dead for them.
  const otherContext = await browser.newContext();
  const otherPage = await otherContext.newPage();
  await signUp(otherPage, squatted);
  await expect(otherPage.getByText("You have no shops yet.", { exact: false })).toBeVisible();
  const response = await otherPage.goto(`/shops/${shop.slug}`);
  expect(response?.status()).toBe(404);
  await visit(otherPage, invitationPath);
  await expect(h1(otherPage)).toHaveText("This invitation did not work");

  // The owner sees the new member, and the squatted address still as a mere invitation.
  await visit(page, `/shops/${shop.slug}/settings`);
  await expect(page.getByRole("cell", { name: staff.email, exact: true })).toBeVisible();
  await expect(pending.getByText(squatted.email)).toBeVisible();
  await expect(pending.getByText(staff.email)).toHaveCount(0);
  await page.getByRole("button", { name: `Revoke invitation for ${squatted.email}` }).click();
  await expect(pending).toHaveCount(0);

  await staffContext.close();
  await otherContext.close();
});
