import { createHmac, timingSafeEqual } from "node:crypto";

/** Default maximum age of a delivery, in seconds. */
export const DEFAULT_TOLERANCE = 300;

export type VerificationFailure =
  | "missing_header"
  | "bad_format"
  | "timestamp_out_of_tolerance"
  | "no_matching_signature";

export class WebhookVerificationError extends Error {
  constructor(readonly reason: VerificationFailure, message: string) {
    super(message);
  }
}

/**
 * Verifies a webhook delivery and returns the parsed event.
 *
 * `payload` must be the raw body (a Buffer or string). With Express, mount
 * `express.raw({ type: "application/json" })` on the webhook route; `express.json()`
 * parses the body and the signature will never match.
 */
export function verifyWebhook(
  payload: Buffer | string,
  header: string,
  secret: string,
  tolerance: number = DEFAULT_TOLERANCE,
): unknown {
  if (!header) throw new WebhookVerificationError("missing_header", "missing Shiplane-Signature header");
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t") timestamp = Number(value);
    else if (key === "v1" && value) signatures.push(value);
  }
  if (timestamp === undefined || Number.isNaN(timestamp) || signatures.length === 0) {
    throw new WebhookVerificationError("bad_format", "expected t=...,v1=...");
  }
  if (Math.abs(Date.now() / 1000 - timestamp) > tolerance) {
    throw new WebhookVerificationError("timestamp_out_of_tolerance", `delivery is older than ${tolerance}s; check your clock`);
  }
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  const ok = signatures.some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), Buffer.from(expected)));
  if (!ok) throw new WebhookVerificationError("no_matching_signature", "no v1 signature matches: wrong secret or re-serialized body?");
  return JSON.parse(body.toString("utf8"));
}
