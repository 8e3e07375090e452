import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { Watchdog } from "../../../src/engine/workers/watchdog.js";

/** Real short timers: each test asserts what fired, never how precisely it was timed. */
describe("Watchdog", () => {
  const dogs: Watchdog[] = [];
  afterEach(() => {
    for (const dog of dogs.splice(0)) dog.stop();
  });

  function watch(stallTimeoutMs: number, wallTimeoutMs = 60_000) {
    const fired: string[] = [];
    const dog = new Watchdog({
      stallTimeoutMs,
      wallTimeoutMs,
      onStall: () => fired.push("stall"),
      onWallTimeout: () => fired.push("timeout"),
    });
    dogs.push(dog);
    dog.start();
    return { dog, fired };
  }

  async function until(condition: () => boolean, withinMs = 10_000): Promise<void> {
    const deadline = performance.now() + withinMs;
    while (!condition()) {
      if (performance.now() > deadline) throw new Error("condition not met in time");
      await sleep(10);
    }
  }

  it("declares a stall after silence", async () => {
    const { fired } = watch(150);
    await until(() => fired.length > 0);
    expect(fired).toEqual(["stall"]);
  });

  it("is kept awake by activity, and stalls once it stops", async () => {
    const { dog, fired } = watch(400);
    for (let i = 0; i < 12; i++) {
      await sleep(50);
      dog.activity();
    }
    expect(fired).toEqual([]);
    await until(() => fired.length > 0);
    expect(fired).toEqual(["stall"]);
  });

  it("does not stall while a tool is in flight, and stalls after it finishes", async () => {
    const { dog, fired } = watch(150);
    dog.toolStarted("t1");
    await sleep(600);
    expect(fired).toEqual([]);
    dog.toolFinished("t1");
    await until(() => fired.length > 0);
    expect(fired).toEqual(["stall"]);
  });

  it("keeps counting a tool in flight until its own id finishes", async () => {
    const { dog, fired } = watch(150);
    dog.toolStarted("a");
    dog.toolStarted("b");
    dog.toolFinished("a");
    dog.toolFinished("unknown");
    await sleep(600);
    expect(fired).toEqual([]);
  });

  it("does not stall during an announced retry wait, and stalls after it", async () => {
    const { dog, fired } = watch(150);
    dog.quietFor(1_500);
    await sleep(500);
    expect(fired).toEqual([]);
    await until(() => fired.length > 0);
    expect(fired).toEqual(["stall"]);
  });

  it("ends any run at the wall clock limit, activity or not", async () => {
    const { dog, fired } = watch(10_000, 300);
    dog.toolStarted("forever");
    const keepAlive = setInterval(() => dog.activity(), 20);
    await until(() => fired.length > 0);
    clearInterval(keepAlive);
    expect(fired).toEqual(["timeout"]);
  });

  it("fires once, and never after stop", async () => {
    const first = watch(50, 100);
    await until(() => first.fired.length > 0);
    await sleep(300);
    expect(first.fired).toHaveLength(1);

    const second = watch(50, 100);
    second.dog.stop();
    await sleep(300);
    expect(second.fired).toEqual([]);
  });
});
