/**
 * Errors an operator can act on: each says what was wrong and what to do. The CLI prints
 * `message` and `hint` and exits with `exitCode`, without a stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
