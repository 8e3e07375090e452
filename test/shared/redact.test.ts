import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { envSecrets, mayHoldSecret, redact } from "../../src/shared/redact.js";

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

describe("mayHoldSecret", () => {
  /** Text with token shapes (whole, cut short, other case) among ordinary words and separators. */
  const fragment = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(" ", "\n", "\t", "\u0000", '"', "/", ":", "@", "=", "é"),
    fc
      .tuple(
        fc.constantFrom("ghp_", "gho_", "github_pat_", "sk-ant-", "sk-", "sk-proj-", "xoxb-"),
        fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/),
      )
      .map(([prefix, body]) => prefix + body),
    fc.stringMatching(/^AKIA[0-9A-Z]{10,20}$/),
    fc.stringMatching(/^[Bb]earer\s{1,2}[A-Za-z0-9._~+/-]{10,24}=*$/),
    fc.stringMatching(/^https?:\/\/[a-z-]{1,8}:[^@\s]{4,12}@[a-z.]{1,8}$/),
  );
  const text = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(""));

  it("is true whenever redact would replace something", () => {
    fc.assert(
      fc.property(
        text,
        fc.array(fc.string({ minLength: 6, maxLength: 12 }), { maxLength: 2 }),
        (t, secrets) => {
          const withSecret = secrets.length > 0 ? `${t}${secrets[0]}${t}` : t;
          for (const s of [t, withSecret]) {
            if (redact(s, secrets) !== s) expect(mayHoldSecret(s, secrets)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("is false for ordinary text", () => {
    expect(mayHoldSecret("npm test -- --run src/parser.test.ts (3)", [])).toBe(false);
    expect(mayHoldSecret("https://github.com/acme/app/pull/12", ["hunter2hunter2"])).toBe(false);
    expect(mayHoldSecret("key hunter2hunter2 leaked", ["hunter2hunter2"])).toBe(true);
  });
});
