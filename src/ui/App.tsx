/**
 * The operator console (TUI.md): status bar, view tabs, list and detail panes, the events
 * pane, the footer; the help overlay and the replay scrubber. Everything it shows comes
 * from a `UiSource`; everything the operator does goes through the keymap and one reducer.
 */
import { Box, useApp } from "ink";
import { useEffect, useMemo } from "react";
import { type Clock, systemClock } from "../shared/clock.js";
import { DetailPane } from "./components/DetailPane.js";
import { EventsPane, skipped } from "./components/EventsPane.js";
import { Footer } from "./components/Footer.js";
import { HelpOverlay } from "./components/HelpOverlay.js";
import { Pane } from "./components/Pane.js";
import { RowList } from "./components/RowList.js";
import { Scrubber } from "./components/Scrubber.js";
import { StatusBar } from "./components/StatusBar.js";
import { Tabs } from "./components/Tabs.js";
import { TooSmall } from "./components/TooSmall.js";
import type { LiveView, UiSource } from "./data/source.js";
import { age } from "./format.js";
import { useClock } from "./hooks/useClock.js";
import { REPLAY_FEED_LINES, useDisplay } from "./hooks/useDisplay.js";
import { useFollowedCursor } from "./hooks/useFollowedCursor.js";
import { useFollowedHead } from "./hooks/useFollowedHead.js";
import { useKeys } from "./hooks/useKeys.js";
import { useLiveView } from "./hooks/useLiveView.js";
import { useReplayPlayer } from "./hooks/useReplayPlayer.js";
import { useTerminalSize } from "./hooks/useTerminalSize.js";
import { useTranscriptTail } from "./hooks/useTranscriptTail.js";
import { useUiReducer } from "./hooks/useUiReducer.js";
import { fitsScreen, inner, layout } from "./layout.js";
import { applyFilter } from "./select/rows.js";
import { viewModel } from "./select/view-model.js";
import type { KeyContext } from "./state/keymap.js";
import type { UiState } from "./state/ui-state.js";
import { viewTitle } from "./state/views.js";

export interface AppProps {
  source: UiSource;
  clock?: Clock;
}

/**
 * How often the clock and the ages (heartbeats, running attempts, "last seen") move on when
 * no event arrives: often enough to see a worker go quiet while workers run, else once a
 * minute for the clock. Every other render is caused by an event or a key.
 */
const AGES_WHILE_WORKING_MS = 10_000;
const AGES_IDLE_MS = 60_000;
/** Columns of a Ticks row that are not the bar (tick number, time, duration, outcomes). */
const TICK_ROW_TEXT = 36;

export function App({ source, clock = systemClock }: AppProps) {
  const size = useTerminalSize();
  const live = useLiveView(source);
  const [ui, dispatch, currentUi] = useUiReducer();
  useFollowedHead(ui.replay, live.head, dispatch);
  const tick = useClock(
    clock,
    ui.replay === undefined && ui.frozenAt === undefined,
    live.state.workers.size > 0 ? AGES_WHILE_WORKING_MS : AGES_IDLE_MS,
  );
  const lay = layout(size, { replay: ui.replay !== undefined, eventsPane: ui.view !== "events" });
  const feedLines = ui.view === "events" ? REPLAY_FEED_LINES : inner(lay.eventsHeight);
  const display = useDisplay(source, live, ui, clock, tick, feedLines);
  useReplayPlayer(ui.replay, live.head, dispatch);
  const { exit } = useApp();
  useEffect(() => {
    if (ui.quit) exit();
  }, [ui.quit, exit]);

  const expanded = ui.mode === "detail";
  const detailWidth = expanded ? lay.width : lay.detailWidth;
  const barWidth = Math.max(6, lay.listWidth - 2 - TICK_ROW_TEXT);

  // `display.key` names the displayed state; the state object itself is folded in place,
  // so its identity does not tell when it changed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on display.key, see above
  const model = useMemo(
    () =>
      viewModel(ui.view, {
        state: display.state,
        feed: display.feed,
        nowMs: display.nowMs,
        barWidth,
      }),
    [ui.view, display.key, barWidth],
  );
  const filter = ui.filters[ui.view];
  const rows = useMemo(() => applyFilter(model.rows, filter), [model, filter]);
  const cursor = useFollowedCursor(ui, rows, dispatch);
  const selected = rows.at(cursor);
  const target = model.transcriptOf(selected);
  const transcript = useTranscriptTail(
    source,
    display.mode === "live" ? target : undefined,
    // Re-read with every change and every age tick: a worker writes its transcript far
    // more often than the engine writes events.
    `${live.version}:${tick}`,
  );
  const detailLines = model.detail(selected, {
    state: display.state,
    width: detailWidth - 2,
    nowMs: display.nowMs,
    transcript,
  });

  const ctx: KeyContext = {
    rows: rows.length,
    page: inner(lay.mainHeight),
    detailLines: detailLines.length,
    head: live.head,
    ...(selected?.issue !== undefined ? { selectedIssue: selected.issue } : {}),
    ...commandsUnavailable(live, display.nowMs),
  };
  useKeys(currentUi, ctx, dispatch, source);

  // Quitting draws nothing: Ink draws the tree once more as it unmounts, and a whole screen
  // costs tens of milliseconds for a frame no one sees (the alternate screen is left next).
  if (ui.quit) return null;
  if (!fitsScreen(size)) return <TooSmall size={size} />;
  const counted =
    filter === ""
      ? `${viewTitle(ui.view)} ${model.rows.length}`
      : `${viewTitle(ui.view)} ${rows.length} of ${model.rows.length} /${filter}`;
  const listTitle = ui.view === "events" ? counted + skipped(live.malformedLines) : counted;
  return (
    <Box flexDirection="column" width={lay.width} height={lay.height}>
      <StatusBar
        label={live.label}
        engine={live.engine}
        state={display.state}
        nowMs={display.nowMs}
        mode={display.mode}
        width={lay.width}
      />
      <Tabs
        current={ui.view}
        counts={{ [ui.view]: rows.length }}
        filter={filter}
        width={lay.width}
      />
      {ui.mode === "help" ? (
        <HelpOverlay width={lay.width} height={lay.mainHeight + lay.eventsHeight} />
      ) : (
        <>
          <Box height={lay.mainHeight} width={lay.width}>
            {expanded ? null : (
              <Pane title={listTitle} width={lay.listWidth} height={lay.mainHeight} focused>
                <RowList
                  rows={rows}
                  cursor={cursor}
                  height={inner(lay.mainHeight)}
                  width={lay.listWidth - 2}
                  empty={filter ? `nothing matches "${filter}"` : emptyText(ui.view)}
                />
              </Pane>
            )}
            <DetailPane
              title={model.title(selected)}
              lines={detailLines}
              scroll={expanded ? ui.detailScroll : 0}
              width={detailWidth}
              height={lay.mainHeight}
              focused={expanded}
            />
          </Box>
          {lay.eventsHeight > 0 ? (
            <EventsPane
              feed={display.feed}
              width={lay.width}
              height={lay.eventsHeight}
              malformed={live.malformedLines}
            />
          ) : null}
        </>
      )}
      {ui.replay ? (
        <Scrubber replay={ui.replay} head={live.head} state={display.state} width={lay.width} />
      ) : null}
      <Footer ui={ui} width={lay.width} />
    </Box>
  );
}

function commandsUnavailable(live: LiveView, nowMs: number): { commandsUnavailable?: string } {
  if (live.readOnly) return { commandsUnavailable: live.readOnly };
  if (live.engine.state === "running") return {};
  const seen = live.engine.lastSeenAt;
  return {
    commandsUnavailable: seen
      ? `no engine running (last seen ${age(seen, nowMs)} ago)`
      : "no engine running",
  };
}

function emptyText(view: UiState["view"]): string {
  switch (view) {
    case "tasks":
      return "no tasks yet";
    case "workers":
      return "no workers running";
    case "critic":
      return "no critic verdicts yet";
    case "prs":
      return "no pull requests yet";
    case "ticks":
      return "no ticks yet";
    case "events":
      return "no events yet";
  }
}
