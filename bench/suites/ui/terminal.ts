/**
 * A terminal for measuring the UI without one: a TTY-like output of a fixed size that
 * keeps what was written and wakes waiters on each write, and a TTY-like input to type
 * keys into. Ink renders to them exactly as to a real terminal.
 */
import { EventEmitter } from "node:events";

/** Select Graphic Rendition sequences: colours and text styles. */
const SGR = /\u001b\[[\d;]*m/g;

/** The terminal every UI figure is measured in. */
export const BENCH_TERMINAL = { columns: 120, rows: 40 } as const;

/** The text a frame shows: without its colours and styles. */
export function screenText(raw: string): string {
  return raw.replace(SGR, "");
}

/** A frame with all of the main screen: the list pane and the events pane. */
export function isFullFrame(text: string): boolean {
  return text.includes("┌ Tasks") && text.includes("┌ Events");
}

export class BenchStdout extends EventEmitter {
  readonly isTTY = true;
  private waiters: { check: (chunk: string) => boolean; resolve: () => void }[] = [];
  writes = 0;
  bytes = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }

  /** A colour terminal, as the operator's: the UI styles its text as it would there. */
  hasColors(): boolean {
    return true;
  }

  write = (chunk: string | Uint8Array): boolean => {
    const raw = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    this.writes += 1;
    this.bytes += raw.length;
    // Waiters look for what the screen shows: the text, not how it is coloured.
    const text = screenText(raw);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check(text)) return true;
      w.resolve();
      return false;
    });
    return true;
  };

  /** Resolves at the first write (from now on) whose text satisfies `check`. */
  next(check: (chunk: string) => boolean): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }
}

export class BenchStdin extends EventEmitter {
  readonly isTTY = true;
  private pending: string | null = null;

  type(keys: string): void {
    this.pending = keys;
    this.emit("readable");
  }

  read = (): string | null => {
    const data = this.pending;
    this.pending = null;
    return data;
  };

  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}
