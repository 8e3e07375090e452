/**
 * A legacy record's `ts` as the log's `occurred_at` (UTC ISO-8601 with milliseconds).
 *
 * Parsed by hand rather than with `Date.parse`, whose handling of anything but the exact
 * ISO format depends on the engine and of zone-less times on the machine's time zone: the
 * same file must give the same events everywhere.
 * - ISO-8601 date-times (`T` or space, optional seconds and fraction, `Z` or `±hh[:]mm`);
 *   a time without a zone is taken as UTC (what the Python runner writes); fractions past
 *   milliseconds are cut.
 * - Numbers are epoch seconds (Python's `time.time()`), or milliseconds when too large to
 *   be seconds.
 * Anything else gives undefined: the caller decides what such a record's time is.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** Past this, a number is milliseconds rather than seconds (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Already what we store, and what the Python runner writes. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function normaliseLegacyTs(ts: unknown): string | undefined {
  if (typeof ts === "number") return fromEpoch(ts);
  if (typeof ts !== "string") return undefined;
  if (CANONICAL.test(ts) && isValidCanonical(ts)) return ts;
  const m = ISO.exec(ts.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return inRange(date.getTime() - offsetMin * 60_000);
}

/** Field ranges of a string already in the canonical shape (this runs once per mirrored line). */
function isValidCanonical(ts: string): boolean {
  // Its fields are all digits: read from char codes, no substrings.
  const field = (from: number, to: number) => {
    let n = 0;
    for (let i = from; i < to; i++) n = n * 10 + ts.charCodeAt(i) - 48;
    return n;
  };
  const year = field(0, 4);
  const month = field(5, 7);
  const day = field(8, 10);
  return (
    year >= 1970 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    field(11, 13) <= 23 &&
    field(14, 16) <= 59 &&
    field(17, 19) <= 59
  );
}

function fromEpoch(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  return inRange(Math.abs(n) < SECONDS_LIMIT ? Math.round(n * 1000) : Math.round(n));
}

function inRange(ms: number): string | undefined {
  return ms >= 0 && ms <= MAX_MS ? new Date(ms).toISOString() : undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}
