// Proof of e-mail and staff invitations by link (issue 14): a merchant signs up through the link
// mailed to their address (opened from the development mailbox) and invites staff; the invitee
// joins only through the mailed invitation, logged in with that proven address; knowing an
// invited address is not enough to sign up with it, let alone join.
import { expect, test } from "@playwright/test";
import { alertWith, createShop, expectPath, h1, logIn, newUser, openMailLink, requestSignUp, signUp, visit } from "./support";

test("an invitee joins through the mailed link; someone who only knows an invited address cannot", async ({
  browser,
  page,
}) => {
  // The merchant signs up through the mailed link: the address is proven, nothing is asked.
  await signUp(page);
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

  // The invitee, in a browser of their own: signs up (by link), opens the invitation, accepts.
  const staffContext = await browser.newContext();
  const staffPage = await staffContext.newPage();
  await signUp(staffPage, staff);
  await openMailLink(staffPage, staff.email, "/invitations/");
  const invitationPath = new URL(staffPage.url()).pathname;
  await expect(h1(staffPage)).toHaveText(`Join ${shop.name}`);
  await staffPage.getByRole("button", { name: "Accept invitation" }).click();
  await expectPath(staffPage, `/shops/${shop.slug}`);
  await expect(h1(staffPage)).toHaveText(shop.name);

  // A third browser knows the other invited address but not its mail: signing up with it makes
  // no account (the link goes to the address), so the password they chose logs nobody in, and
  // neither the shop nor the first invitee's used link lets them in.
  const otherContext = await browser.newContext();
  const otherPage = await otherContext.newPage();
  await requestSignUp(otherPage, squatted);
  await logIn(otherPage, squatted.email, squatted.password);
  await expect(alertWith(otherPage, "Invalid email or password")).toBeVisible();
  await expectPath(otherPage, "/login");
  await otherPage.goto(`/shops/${shop.slug}`);
  await expectPath(otherPage, "/login");
  await visit(otherPage, invitationPath);
  await expect(h1(otherPage)).toHaveText("You are invited");

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
