/**
 * Splits a command written as one string (`npm run lint -- --max-warnings 0`) into an
 * argument array. There is no shell: no variables, no globbing, no pipes or `&&`. Quotes
 * ('…' and "…") and backslash escapes group words, and that is all. Unquoted shell
 * operators are rejected rather than passed on literally, because a command that looks
 * like it chains two programs but silently runs one with odd arguments is worse than an
 * error.
 */

export type SplitResult = { ok: true; argv: string[] } | { ok: false; error: string };

const operatorCharacters = new Set(["|", "&", ";", "<", ">", "(", ")", "`", "$"]);

export function splitCommandLine(line: string): SplitResult {
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= line.length) return { ok: false, error: "ends with a lone backslash" };
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
    } else if (operatorCharacters.has(ch)) {
      return {
        ok: false,
        error:
          `contains the shell character ${JSON.stringify(ch)}, but commands run without a shell: ` +
          'quote it, list separate commands separately, or write ["sh", "-c", "…"] explicitly',
      };
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return { ok: false, error: `has an unclosed ${quote} quote` };
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, error: "is empty" };
  return { ok: true, argv };
}
