import { defineConfig, devices } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// End-to-end tests against the release build (`cargo leptos build --release`).
// Playwright starts target/release/server itself, on its own port and with a fresh data
// directory, so tests never touch ./data and can run while `make run` is serving.
//
// Environment:
//   E2E_PORT         port of the test server (default 3411)
//   E2E_DATA_DIR     data directory for the server (default: a new temp dir per run);
//                    scripts/e2e.sh sets target/e2e/data and wipes it first
//   E2E_SERVER_LOG   file receiving the server's output (default: <data dir>.log)
//   E2E_WORKERS      parallel workers (default 2)
//   CHROMIUM_PATH    browser binary (default /usr/bin/chromium, the Debian package)
//   E2E_DNS_PORT     loopback port of the DNS stand-in that custom-domain verification asks
//                    (default 3453; tests/dns.ts), so no test ever asks a real DNS server

const root = path.resolve(__dirname, "..");
const port = Number(process.env.E2E_PORT ?? 3411);
const baseURL = `http://127.0.0.1:${port}`;
process.env.E2E_DNS_PORT ??= "3453";
const dnsPort = Number(process.env.E2E_DNS_PORT);

// The config is evaluated in the runner and again in every worker; create the data dir only
// once (in the runner) and hand it to the workers through the environment.
if (!process.env.E2E_DATA_DIR) {
  process.env.E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "cartwright-e2e-"));
}
const dataDir = path.resolve(process.env.E2E_DATA_DIR);
const serverLog = path.resolve(process.env.E2E_SERVER_LOG ?? `${dataDir}.log`);
fs.mkdirSync(dataDir, { recursive: true });

const serverBin = path.join(root, "target", "release", "server");
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  // Tests create their own random users and shops, so they may run in parallel.
  fullyParallel: true,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  timeout: 60_000,
  expect: { timeout: 15_000 },

  use: {
    baseURL,
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },

  projects: [
    {
      name: "chromium",
      testIgnore: /mobile\.spec\.ts/,
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
          ],
        },
      },
    },
    {
      // A phone: 390 × 844 CSS pixels, touch, mobile layout (tests/mobile.spec.ts).
      name: "mobile",
      testMatch: /mobile\.spec\.ts/,
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 390, height: 844 },
        isMobile: true,
        hasTouch: true,
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        },
      },
    },
  ],

  webServer: {
    // Run through the shell so the server's (chatty) output goes to a log file, not between
    // the test results.
    command:
      `exec ${quote(serverBin)} --data-dir ${quote(dataDir)} --addr 127.0.0.1:${port}` +
      ` >>${quote(serverLog)} 2>&1`,
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ROOT: path.join(root, "target", "site"),
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_OUTPUT_NAME: "cartwright",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_ENV: "PROD",
      CARTWRIGHT_DEV: "1",
      // Every browser of the run signs up from 127.0.0.1: far more than a real client would.
      CARTWRIGHT_SIGN_UPS_PER_HOUR: "100000",
      CARTWRIGHT_DNS_RESOLVER: `127.0.0.1:${dnsPort}`,
      RUST_LOG: process.env.RUST_LOG ?? "info",
    },
  },
});
