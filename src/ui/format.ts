/**
 * Short, fixed-width renderings of times, ages, money and counts for terminal rows.
 * Local time for clocks (the operator's wall clock); ages are relative to a given "now" so
 * replay shows ages as they were.
 */

/** `14:02:11` in local time; `--:--:--` for a missing or unparsable time. */
export function clockTime(at: string | number | undefined): string {
  const ms = toMs(at);
  if (ms === undefined) return "--:--:--";
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `14:02` in local time. */
export function shortTime(at: string | number | undefined): string {
  return clockTime(at).slice(0, 5);
}

/** `2026-11-20 13:48:02` in local time. */
export function dateTime(at: string | number | undefined): string {
  const ms = toMs(at);
  if (ms === undefined) return "----------  --:--:--";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clockTime(ms)}`;
}

/** A duration in the largest sensible unit: `850ms`, `12s`, `4m12s`, `3h05m`, `2d04h`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "-";
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)}ms`;
  const s = Math.floor(value / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d${pad2(h % 24)}h`;
}

/** Coarse age for lists: `12s`, `14m`, `3h`, `2d`. */
export function age(fromIso: string | undefined, nowMs: number): string {
  const from = toMs(fromIso);
  if (from === undefined) return "-";
  const s = Math.max(0, Math.floor((nowMs - from) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Milliseconds between an ISO time and now, or undefined when the time is unusable. */
export function ageMs(fromIso: string | undefined, nowMs: number): number | undefined {
  const from = toMs(fromIso);
  return from === undefined ? undefined : Math.max(0, nowMs - from);
}

/** `$4.31`; under a dollar `$.82`, as in TUI.md's sketch. */
export function money(usd: number | undefined): string {
  if (usd === undefined || !Number.isFinite(usd)) return "$-";
  const fixed = Math.max(0, usd).toFixed(2);
  return `$${fixed.startsWith("0.") ? fixed.slice(1) : fixed}`;
}

/** `48,211`. */
export function count(n: number): string {
  return Math.trunc(n).toLocaleString("en-US");
}

/** One line: newlines and tabs become spaces, control characters are dropped. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ").replace(/[\u0000-\u001f\u007f-\u009f]/g, "");
}

/** Text cut to `width` characters with an ellipsis. */
export function clip(text: string, width: number): string {
  if (width <= 0) return "";
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join("")}…`;
}

function toMs(at: string | number | undefined): number | undefined {
  if (at === undefined) return undefined;
  const ms = typeof at === "number" ? at : Date.parse(at);
  return Number.isFinite(ms) ? ms : undefined;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
