/** Webhook deliveries are verified with the Standard Webhooks scheme (the `standardwebhooks` package). */

import assert from "node:assert/strict";
import { test } from "node:test";

import { Webhook } from "standardwebhooks";

import { InvalidWebhookSignature, verifyWebhook } from "../src/index.js";

const SECRET = `whsec_${Buffer.from("a-subscription-signing-secret-32b").toString("base64")}`;
const EVENT = { type: "v1.export-job.created", data: { id: "7c1f4a5e-7b2d-4c89-9a2e-5d6f7a8b9c0d" } };

function delivery(body: string, sent: Date, secret = SECRET): Record<string, string> {
  return {
    "Webhook-Id": "msg_1",
    "Webhook-Timestamp": String(Math.floor(sent.getTime() / 1000)),
    "Webhook-Signature": new Webhook(secret).sign("msg_1", sent, body),
  };
}

test("a signed delivery is accepted and decoded, from a string, bytes, or fetch's Headers", () => {
  const body = JSON.stringify(EVENT);
  const headers = delivery(body, new Date());
  assert.deepEqual(verifyWebhook(body, headers, SECRET), EVENT);
  assert.deepEqual(verifyWebhook(new TextEncoder().encode(body), new Headers(headers), SECRET), EVENT);
});

const TAMPERED: [string, (body: string, headers: Record<string, string>) => [string, Record<string, string>]][] = [
  ["body changed", (body, headers) => [body.replace("created", "deleted"), headers]],
  ["forged signature", (body, headers) => [body, { ...headers, "Webhook-Signature": "v1,AAAA" }]],
  ["unsigned", (body, { "Webhook-Signature": _, ...headers }) => [body, headers]],
];

for (const [name, tamper] of TAMPERED) {
  test(`a delivery is refused: ${name}`, () => {
    const body = JSON.stringify(EVENT);
    const [changed, headers] = tamper(body, delivery(body, new Date()));
    assert.throws(() => verifyWebhook(changed, headers, SECRET), InvalidWebhookSignature);
  });
}

test("an old delivery is refused as a replay", () => {
  const body = JSON.stringify(EVENT);
  const anHourAgo = new Date(Date.now() - 3600_000);
  assert.throws(() => verifyWebhook(body, delivery(body, anHourAgo), SECRET), /too old/);
});

test("another subscription's secret does not verify", () => {
  const body = JSON.stringify(EVENT);
  const other = `whsec_${Buffer.from("another-subscriptions-secret-32b!").toString("base64")}`;
  assert.throws(() => verifyWebhook(body, delivery(body, new Date(), other), SECRET), InvalidWebhookSignature);
});
