import "server-only";
import { lookup } from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import type { WebhookTargets } from "@/lib/contract/webhooks";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

// Where webhooks may go. A team admin types any URL; without this, the portal would be a way into
// the host's loopback services, the cloud's metadata address and the private network. The check
// runs on every address the name resolves to, at connection time (the lookup the connection itself
// uses), so a name that resolves elsewhere later (DNS rebinding) is refused too.

const SETTING_KEY = "webhook_targets";

const ALLOWED_RANGES: Record<WebhookTargets, ReadonlySet<string>> = {
  public: new Set(["unicast"]),
  loopback: new Set(["unicast", "loopback"]),
  private: new Set(["unicast", "loopback", "private", "linkLocal", "uniqueLocal", "carrierGradeNat"]),
};

/** PORTAL_WEBHOOK_TARGETS, unless an instance admin chose otherwise on /admin. */
export async function webhookTargetsSetting(): Promise<WebhookTargets> {
  const row = await db().instanceSetting.findUnique({ where: { key: SETTING_KEY } });
  const value = row?.value;
  return value === "public" || value === "loopback" || value === "private" ? value : env().PORTAL_WEBHOOK_TARGETS;
}

export async function setWebhookTargets(value: WebhookTargets) {
  await db().instanceSetting.upsert({ where: { key: SETTING_KEY }, create: { key: SETTING_KEY, value }, update: { value, updatedAt: new Date() } });
}

/** Whether an address may be sent to under the setting. */
export function addressAllowed(address: string, targets: WebhookTargets) {
  if (!ipaddr.isValid(address)) return false;
  // ::ffff:127.0.0.1 is 127.0.0.1.
  const parsed = ipaddr.process(address);
  return ALLOWED_RANGES[targets].has(parsed.range());
}

export class RefusedTarget extends Error {
  constructor(readonly address: string) {
    super(`the address ${address} is not allowed for webhooks on this portal`);
  }
}

/** A `lookup` for the connection: resolves as usual, and fails when any address is not allowed. */
export function guardedLookup(targets: WebhookTargets): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const list = addresses as Array<{ address: string; family: number }>;
      const refused = list.find((entry) => !addressAllowed(entry.address, targets));
      if (refused || list.length === 0) return callback(new RefusedTarget(refused?.address ?? hostname), "", 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** Checks a URL at creation: the same answer the first delivery would get, but now. */
export async function checkTarget(url: string): Promise<string | null> {
  const targets = await webhookTargetsSetting();
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  const addresses = ipaddr.isValid(host)
    ? [host]
    : await new Promise<string[]>((resolve) => lookup(host, { all: true }, (error, found) => resolve(error ? [] : found.map((entry) => entry.address))));
  if (addresses.length === 0) return "the host name does not resolve";
  const refused = addresses.find((address) => !addressAllowed(address, targets));
  return refused ? `it resolves to ${refused}, a ${ipaddr.process(refused).range()} address this portal does not send webhooks to` : null;
}
