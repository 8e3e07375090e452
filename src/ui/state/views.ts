/** The six views of TUI.md, in tab order; the digit jumps straight to one. */
export const views = [
  { id: "tasks", digit: "1", title: "Tasks" },
  { id: "workers", digit: "2", title: "Workers" },
  { id: "critic", digit: "3", title: "Critic" },
  { id: "prs", digit: "4", title: "PRs" },
  { id: "ticks", digit: "5", title: "Ticks" },
  { id: "events", digit: "6", title: "Events" },
] as const;

export type ViewId = (typeof views)[number]["id"];

export const viewIds: readonly ViewId[] = views.map((v) => v.id);

export function viewTitle(id: ViewId): string {
  return views.find((v) => v.id === id)?.title ?? id;
}

/** One value per view, e.g. each view's cursor or filter. */
export type PerView<T> = Record<ViewId, T>;

export function perView<T>(value: T): PerView<T> {
  return Object.fromEntries(viewIds.map((id) => [id, value])) as PerView<T>;
}
