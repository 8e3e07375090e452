import { describe, expect, it } from "vitest";
import {
  InterruptibleWaits,
  WaitInterrupted,
} from "../../../../src/engine/forge/github/interruptible-waits.js";

describe("InterruptibleWaits", () => {
  it("ends every wait in progress at once, with the reason", async () => {
    const waits = new InterruptibleWaits();
    const started = Date.now();
    const pending = [waits.sleep(3_600_000), waits.sleep(60_000)].map((p) =>
      p.then(
        () => "slept",
        (err: unknown) => err,
      ),
    );
    expect(waits.interrupt("halt --now")).toBe(2);
    const outcomes = await Promise.all(pending);
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(WaitInterrupted);
      expect((outcome as WaitInterrupted).message).toBe("the wait was interrupted: halt --now");
    }
  });

  it("leaves waits that start afterwards alone, and finished waits are not counted", async () => {
    const waits = new InterruptibleWaits();
    await waits.sleep(5);
    expect(waits.interrupt("halt --now")).toBe(0);
    await expect(waits.sleep(5)).resolves.toBeUndefined();
  });
});
