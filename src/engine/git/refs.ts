/**
 * Branch names made from issue titles. A title is outside input (it can hold `$(…)`,
 * quotes, newlines, emoji, anything), so the slug keeps only `[a-z0-9-]`: always a valid
 * ref, never empty, never starting with `-`, and harmless even if it did reach a shell.
 */

export const MAX_SLUG_LENGTH = 40;

/** Letters NFKD does not decompose into ASCII, spelled the way people write them. */
const foldings: Record<string, string> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  ı: "i",
};

export function slugify(title: string, maxLength = MAX_SLUG_LENGTH): string {
  const ascii = title
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (ch) => foldings[ch] ?? "")
    .replace(/\p{M}+/gu, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return truncateAtWord(ascii, maxLength) || "issue";
}

/** Cuts at the last word boundary within the limit, unless that would lose over half. */
function truncateAtWord(slug: string, maxLength: number): string {
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength);
  const boundary = cut.lastIndexOf("-");
  const kept = boundary >= maxLength / 2 ? cut.slice(0, boundary) : cut;
  return kept.replace(/-+$/, "");
}

/** The branch an issue's attempts work on: `loop/<n>-<slug>`. */
export function branchForIssue(issue: number, title: string): string {
  if (!Number.isSafeInteger(issue) || issue < 1) {
    throw new RangeError(`issue number must be a positive integer (got ${issue})`);
  }
  return `loop/${issue}-${slugify(title)}`;
}

/**
 * A conservative reading of `git check-ref-format --branch`: every name accepted here is
 * accepted by git (a property test checks this against the real command).
 */
export function isValidBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (name === "@" || name === "HEAD" || name.startsWith("-")) return false;
  // Control characters, space, and the characters git reserves for revision syntax.
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  // Lone surrogates would reach git as U+FFFD, naming a different branch.
  if (/\p{Cs}/u.test(name)) return false;
  if (name.includes("..") || name.includes("@{") || name.includes("//")) return false;
  if (name.startsWith("/") || name.endsWith("/") || name.endsWith(".")) return false;
  return name
    .split("/")
    .every((part) => part.length > 0 && !part.startsWith(".") && !part.endsWith(".lock"));
}
