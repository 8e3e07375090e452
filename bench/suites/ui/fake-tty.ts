/**
 * Preloaded into the real bin (`node --import fake-tty.js dist/cli.js tui …`) so that it
 * runs its TUI over pipes as it would in a colour terminal of the bench's size: the bench
 * reads the frames from the pipe and types keys into the other. Only what Node would
 * report for a terminal is set; the bin itself runs unchanged.
 */
import { BENCH_TERMINAL } from "./terminal.js";

Object.assign(process.stdout, {
  isTTY: true,
  columns: BENCH_TERMINAL.columns,
  rows: BENCH_TERMINAL.rows,
  hasColors: () => true,
});
Object.assign(process.stdin, { isTTY: true, setRawMode: () => process.stdin });
