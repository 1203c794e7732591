import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeKey, openSecret, sealSecret } from "@/lib/secrets/box";

describe("secrets box", () => {
  const key = randomBytes(32);

  it("opens what it sealed, with a fresh nonce each time", () => {
    const a = sealSecret("ghp_example-token", key);
    const b = sealSecret("ghp_example-token", key);
    expect(a).not.toBe(b);
    expect(a).not.toContain("ghp_example");
    expect(openSecret(a, key)).toBe("ghp_example-token");
    expect(openSecret(sealSecret("", key), key)).toBe("");
  });

  it("refuses another key, an altered value and what is not a sealed value", () => {
    const sealed = sealSecret("secret", key);
    expect(() => openSecret(sealed, randomBytes(32))).toThrow();
    const [version, nonce, tag, body] = sealed.split(".");
    const flipped = Buffer.from(body!, "base64url");
    flipped[0]! ^= 1;
    expect(() => openSecret([version, nonce, tag, flipped.toString("base64url")].join("."), key)).toThrow();
    expect(() => openSecret("plain text", key)).toThrow("not a sealed secret");
  });

  it("takes a key as 64 hex digits or base64 of 32 bytes, nothing else", () => {
    expect(decodeKey(key.toString("hex"))).toEqual(key);
    expect(decodeKey(key.toString("base64url"))).toEqual(key);
    expect(() => decodeKey(randomBytes(16).toString("hex"))).toThrow();
  });
});
