import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";

// A local webhook receiver on loopback: records every request (headers and raw body), answers with
// the status a test chose for the next requests to a path (default 200), and checks signatures the way a
// receiver should (HMAC-SHA256 of "<timestamp>.<body>", compared in constant time).

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

export async function webhookReceiver() {
  const received: Received[] = [];
  const answers = new Map<string, number[]>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // kept raw
      }
      received.push({ path: request.url ?? "", headers: request.headers, body, json, at: Date.now() });
      response.statusCode = answers.get(request.url ?? "")?.shift() ?? 200;
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    received,
    /** The statuses the next requests to this path get, in order (then 200). */
    answerNext(path: string, ...statuses: number[]) {
      answers.set(path, [...(answers.get(path) ?? []), ...statuses]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function signatureValid(secret: string, request: Received) {
  const timestamp = String(request.headers["x-portal-timestamp"] ?? "");
  const signature = String(request.headers["x-portal-signature"] ?? "");
  const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${request.body}`).digest("hex")}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}
