import { useEffect, useState } from "react";
import type { UiSource } from "../data/source.js";

/** Worker lines shown in the detail pane: the last few, as TUI.md asks. */
export const TRANSCRIPT_LINES = 8;

/**
 * The last lines of an attempt's transcript, re-read when the attempt changes or
 * `refresh` does. Unchanged lines cause no render; lines read for another attempt are
 * never shown for this one.
 */
export function useTranscriptTail(
  source: UiSource,
  target: { issue: number; attempt: number } | undefined,
  refresh: number | string,
): string[] {
  const [loaded, setLoaded] = useState<{ key: string; lines: string[] }>({ key: "", lines: [] });
  const key = target ? `${target.issue}:${target.attempt}` : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` only says "read again"
  useEffect(() => {
    if (key === "") return;
    const [issue, attempt] = key.split(":").map(Number) as [number, number];
    let current = true;
    const keep = (lines: string[]) => {
      if (!current) return;
      // What is shown for this attempt: lines read for another one count as none.
      setLoaded((before) => {
        const shown = before.key === key ? before.lines : [];
        return sameLines(shown, lines) ? before : { key, lines };
      });
    };
    source.transcriptTail(issue, attempt, TRANSCRIPT_LINES).then(keep, () => keep([]));
    return () => {
      current = false;
    };
  }, [source, key, refresh]);
  return loaded.key === key ? loaded.lines : [];
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}
