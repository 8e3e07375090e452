/**
 * One place that knows, per view, which rows it lists and what the detail pane shows for
 * the selected row. The app asks for the current view's model; components only draw.
 */
import type { LoopState } from "../../store/projections/types.js";
import type { FeedLine } from "../data/feed.js";
import type { ViewId } from "../state/views.js";
import {
  type DetailContext,
  eventDetail,
  prDetail,
  taskDetail,
  tickDetail,
  verdictDetail,
  workerDetail,
} from "./detail.js";
import { feedRows } from "./events.js";
import type { Line, Row } from "./line.js";
import { prRows, sortedPrs } from "./prs.js";
import type { Rows } from "./rows.js";
import { taskRows } from "./tasks.js";
import { sortedTicks, tickKey, tickRows } from "./ticks.js";
import { sortedVerdicts, verdictKey, verdictRows } from "./verdicts.js";
import { sortedWorkers, workerKey, workerRows } from "./workers.js";

export interface ViewModel {
  /** Every row of the view, built as they are drawn. */
  rows: Rows;
  /** Title of the detail pane for the selected row. */
  title(row: Row | undefined): string;
  detail(row: Row | undefined, ctx: DetailContext): Line[];
  /** The attempt whose transcript the detail shows, if any. */
  transcriptOf(row: Row | undefined): { issue: number; attempt: number } | undefined;
}

export interface ViewInput {
  state: LoopState;
  feed: readonly FeedLine[];
  nowMs: number;
  /** Columns the Ticks view may use for its bars. */
  barWidth: number;
}

export function viewModel(view: ViewId, input: ViewInput): ViewModel {
  switch (view) {
    case "tasks":
      return tasksModel(input);
    case "workers":
      return workersModel(input);
    case "critic":
      return criticModel(input);
    case "prs":
      return prsModel(input);
    case "ticks":
      return ticksModel(input);
    case "events":
      return eventsModel(input);
  }
}

function taskTitle(state: LoopState, issue: number | undefined): string {
  if (issue === undefined) return "";
  const title = state.tasks.get(String(issue))?.title;
  return title ? `#${issue} ${title}` : `#${issue}`;
}

function latestAttemptOf(state: LoopState, issue: number | undefined) {
  if (issue === undefined) return undefined;
  const task = state.tasks.get(String(issue));
  return task && task.attempt > 0 ? { issue, attempt: task.attempt } : undefined;
}

function tasksModel({ state, nowMs }: ViewInput): ViewModel {
  return {
    rows: taskRows(state, nowMs),
    title: (row) => taskTitle(state, row?.issue),
    detail: (row, ctx) => taskDetail(row ? state.tasks.get(row.key) : undefined, ctx),
    transcriptOf: (row) => latestAttemptOf(state, row?.issue),
  };
}

function workersModel({ state, nowMs }: ViewInput): ViewModel {
  const workers = sortedWorkers(state);
  const find = (row: Row | undefined) => workers.find((w) => workerKey(w) === row?.key);
  return {
    rows: workerRows(state, nowMs),
    title: (row) => taskTitle(state, row?.issue),
    detail: (row, ctx) => workerDetail(find(row), ctx),
    transcriptOf: (row) => {
      const worker = find(row);
      return worker ? { issue: worker.issue, attempt: worker.attempt } : undefined;
    },
  };
}

function criticModel({ state }: ViewInput): ViewModel {
  const verdicts = sortedVerdicts(state);
  const find = (row: Row | undefined) => verdicts.find((v) => verdictKey(v) === row?.key);
  return {
    rows: verdictRows(state),
    title: (row) => {
      const verdict = find(row);
      return verdict ? `${taskTitle(state, verdict.issue)} · critic a${verdict.attempt}` : "";
    },
    detail: (row, ctx) => verdictDetail(find(row), ctx),
    transcriptOf: () => undefined,
  };
}

function prsModel({ state }: ViewInput): ViewModel {
  const prs = sortedPrs(state);
  const find = (row: Row | undefined) => prs.find((p) => String(p.pr) === row?.key);
  return {
    rows: prRows(state),
    title: (row) => (row ? `PR #${row.key} · ${taskTitle(state, row.issue)}` : ""),
    detail: (row, ctx) => prDetail(find(row), ctx),
    transcriptOf: (row) => latestAttemptOf(state, row?.issue),
  };
}

function ticksModel({ state, nowMs, barWidth }: ViewInput): ViewModel {
  const ticks = sortedTicks(state);
  const find = (row: Row | undefined) => ticks.find((t) => tickKey(t) === row?.key);
  return {
    rows: tickRows(state, nowMs, barWidth),
    title: (row) => {
      const tick = find(row);
      return tick ? `tick ${tick.tick}` : "";
    },
    detail: (row, ctx) => tickDetail(find(row), ctx),
    transcriptOf: () => undefined,
  };
}

function eventsModel({ feed }: ViewInput): ViewModel {
  const find = (row: Row | undefined) => feed.find((line) => String(line.id) === row?.key);
  return {
    rows: feedRows(feed),
    title: (row) => find(row)?.kind ?? "",
    detail: (row, ctx) => eventDetail(find(row), ctx.width),
    transcriptOf: () => undefined,
  };
}
