import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { envSecrets, redact } from "../../src/shared/redact.js";

describe("redact", () => {
  it("replaces well-known token shapes", () => {
    const samples = [
      `ghp_${"a".repeat(36)}`,
      `github_pat_${"A1_".repeat(10)}`,
      `sk-ant-api03-${"x".repeat(40)}`,
      `sk-proj-${"y".repeat(40)}`,
      "xoxb-1234567890-abcdefghij",
      "AKIAIOSFODNN7EXAMPLE",
    ];
    for (const secret of samples) {
      const out = redact(`token=${secret} end`, []);
      expect(out).not.toContain(secret);
      expect(out).toContain("[REDACTED]");
      expect(out.endsWith(" end")).toBe(true);
    }
  });

  it("keeps the scheme around bearer tokens and URL credentials", () => {
    expect(redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456", [])).toBe(
      "Authorization: Bearer [REDACTED]",
    );
    expect(redact("push to https://x-access-token:s3cr3tvalue99@github.com/o/r.git", [])).toBe(
      "push to https://x-access-token:[REDACTED]@github.com/o/r.git",
    );
  });

  it("redacts the values of secret-named environment variables wherever they appear", () => {
    const env = { MY_API_KEY: "hunter2hunter2", PATH: "/usr/bin:/bin", SHORT_TOKEN: "abc" };
    const secrets = envSecrets(env);
    expect(secrets).toEqual(["hunter2hunter2"]);
    expect(redact("key is hunter2hunter2, path /usr/bin:/bin", secrets)).toBe(
      "key is [REDACTED], path /usr/bin:/bin",
    );
  });

  it("leaves text without secrets unchanged and never grows a secret back", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const plain = text.replace(/[A-Za-z0-9_-]{16,}/g, "");
        expect(redact(plain, [])).toBe(plain);
      }),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ minLength: 8 }).filter((s) => !s.includes("[REDACTED]")),
        fc.string(),
        (a, secret, b) => {
          expect(redact(`${a}${secret}${b}`, [secret])).not.toContain(secret);
        },
      ),
    );
  });
});
