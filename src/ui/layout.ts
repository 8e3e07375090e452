/**
 * Where everything goes on the screen, computed from the terminal size alone so that no
 * frame is ever taller than the terminal (TUI.md: that makes Ink clear and flicker).
 */

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export interface Size {
  columns: number;
  rows: number;
}

export interface Layout {
  width: number;
  /** Lines drawn: one less than the terminal, so Ink never takes its clear-screen path. */
  height: number;
  /** Height of the list and detail panes. */
  mainHeight: number;
  listWidth: number;
  detailWidth: number;
  /** Height of the events pane; 0 when it is hidden. */
  eventsHeight: number;
}

export interface LayoutOptions {
  /** The scrubber line takes one line in replay. */
  replay: boolean;
  /** The Events view is the feed itself: no separate events pane. */
  eventsPane: boolean;
}

export function fitsScreen(size: Size): boolean {
  return size.columns >= MIN_COLUMNS && size.rows >= MIN_ROWS;
}

export function layout(size: Size, options: LayoutOptions): Layout {
  const height = size.rows - 1;
  // Status bar, tabs and footer, plus the scrubber in replay.
  const chrome = 3 + (options.replay ? 1 : 0);
  const body = Math.max(0, height - chrome);
  const eventsHeight = options.eventsPane ? clamp(Math.floor(body * 0.3), 4, 14) : 0;
  const listWidth = Math.floor(size.columns * 0.48);
  return {
    width: size.columns,
    height,
    mainHeight: body - eventsHeight,
    listWidth,
    detailWidth: size.columns - listWidth,
    eventsHeight,
  };
}

/** Rows a pane of `height` lines shows inside its border. */
export function inner(height: number): number {
  return Math.max(0, height - 2);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
