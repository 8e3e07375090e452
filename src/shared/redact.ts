/**
 * Secrets never reach a log: tokens and keys are replaced before any line is written to
 * the event log, the JSONL stream or a transcript.
 */

const patterns: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{20,}\b/g, // Anthropic keys
  /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b/g, // OpenAI keys
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, // Slack tokens
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /(\bBearer\s+)[A-Za-z0-9._~+/-]{16,}=*/gi,
  /(https?:\/\/[^:/\s@]+:)[^@\s]{8,}(@)/g, // credentials in URLs
];

/** Shorter secret values are never redacted: they would match ordinary text. */
const MIN_SECRET_CHARS = 8;

/** Values of these environment variables are redacted wherever they appear verbatim. */
const secretEnvNames = /(TOKEN|SECRET|PASSWORD|API_KEY|APIKEY|PRIVATE_KEY)/i;

export function redact(text: string, extraSecrets: readonly string[] = envSecrets()): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= MIN_SECRET_CHARS) out = out.split(secret).join("[REDACTED]");
  }
  for (const pattern of patterns) {
    out = out.replace(pattern, (match, prefix?: string, suffix?: string) =>
      typeof prefix === "string" && match.startsWith(prefix)
        ? `${prefix}[REDACTED]${typeof suffix === "string" ? suffix : ""}`
        : "[REDACTED]",
    );
  }
  return out;
}

/**
 * Every pattern in one case-insensitive scan. A superset of what they match (`i` only
 * widens a pattern), which is all a yes/no test needs.
 */
const anyPattern = new RegExp(patterns.map((p) => `(?:${p.source})`).join("|"), "i");

/**
 * Whether `redact(text, extraSecrets)` could change `text`: one scan and no copies, for
 * callers that redact only what needs it. Never false when redact would replace
 * something; rarely true when it would not (e.g. a token in lower case).
 */
export function mayHoldSecret(
  text: string,
  extraSecrets: readonly string[] = envSecrets(),
): boolean {
  return (
    anyPattern.test(text) ||
    extraSecrets.some((secret) => secret.length >= MIN_SECRET_CHARS && text.includes(secret))
  );
}

const REFRESH_MS = 1000;
let cached: { env: NodeJS.ProcessEnv; at: number; values: string[] } | undefined;

/**
 * Secret-looking values from the environment. Reading `process.env` is slow (every access
 * crosses into C++), so the list is kept for a second: a token exported later is still
 * redacted, within a second.
 */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const now = Date.now();
  if (cached && cached.env === env && now - cached.at < REFRESH_MS) return cached.values;
  const values: string[] = [];
  for (const name in env) {
    const value = env[name];
    if (value && value.length >= MIN_SECRET_CHARS && secretEnvNames.test(name)) values.push(value);
  }
  cached = { env, at: now, values };
  return values;
}
