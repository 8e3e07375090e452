import { useStdout } from "ink";
import { useEffect, useState } from "react";
import type { Size } from "../layout.js";

/** Fallback when the output is not a terminal (a pipe, a test stream without rows). */
const FALLBACK: Size = { columns: 80, rows: 24 };

/** The terminal's size, updated on every resize. */
export function useTerminalSize(): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState<Size>(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => {
      const now = sizeOf(stdout);
      setSize((before) =>
        before.columns === now.columns && before.rows === now.rows ? before : now,
      );
    };
    stdout.on("resize", onResize);
    onResize();
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}

function sizeOf(stream: NodeJS.WriteStream): Size {
  return {
    columns: positive(stream.columns) ?? FALLBACK.columns,
    rows: positive(stream.rows) ?? FALLBACK.rows,
  };
}

function positive(n: number | undefined): number | undefined {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined;
}
