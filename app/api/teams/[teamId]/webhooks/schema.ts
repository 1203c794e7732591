import { z } from "zod";
import { pageQuery } from "@/lib/db/keyset";
import { pathParams } from "@/lib/api/params";
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from "@/lib/contract/webhooks";

export const createWebhookBody = z
  .object({
    url: z
      .string()
      .trim()
      .max(2000)
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === "";
        } catch {
          return false;
        }
      }, "must be an http:// or https:// URL without credentials"),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
    format: z.enum(WEBHOOK_FORMATS).default("json"),
  })
  .strict();

export const webhookParams = pathParams("teamId", "webhookId");

export const listWebhooksQuery = pageQuery;

export const deliveriesQuery = pageQuery;
