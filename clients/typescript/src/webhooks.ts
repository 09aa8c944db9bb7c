/**
 * Verifying a webhook delivery with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature` headers; HMAC-SHA256 over `id.timestamp.body`), by the `standardwebhooks` package.
 */

import { Webhook, WebhookVerificationError } from "standardwebhooks";

import { ExportApiError } from "./errors.js";

/** The delivery is not signed with the subscription's secret, or is too old (a replay). */
export class InvalidWebhookSignature extends ExportApiError {
  override name = "InvalidWebhookSignature";
}

/**
 * The decoded event of a delivery whose signature holds; throws InvalidWebhookSignature otherwise.
 *
 * `payload` must be the raw body as received: re-serialised JSON no longer matches its signature.
 * `secret` is the subscription's signing secret (`whsec_...`).
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: Headers | Record<string, string>,
  secret: string,
): unknown {
  // standardwebhooks signs strings and Buffers only; a Uint8Array from fetch's arrayBuffer() is neither.
  const body = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
  const lowered: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) {
    lowered[name.toLowerCase()] = value;
  }
  try {
    return new Webhook(secret).verify(body, lowered);
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      throw new InvalidWebhookSignature(`webhook rejected: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
