import { describe, expect, it } from "vitest";
import { busConformance } from "./bus.case.js";
import { MemoryBus } from "./memory-bus.js";
import { subjectMatches } from "../../contracts/bus.js";

busConformance("MemoryBus", () => {
  const bus = new MemoryBus();
  return Promise.resolve({ publisher: bus, subscriber: bus, close: () => bus.close() });
});

describe("subjectMatches", () => {
  it("follows NATS wildcard rules", () => {
    expect(subjectMatches("a.*.c", "a.b.c")).toBe(true);
    expect(subjectMatches("a.*", "a.b.c")).toBe(false);
    expect(subjectMatches("a.>", "a")).toBe(false);
    expect(subjectMatches("a.>", "a.b.c")).toBe(true);
    expect(subjectMatches("a.b", "a.b")).toBe(true);
    expect(subjectMatches("a.b", "a.b.c")).toBe(false);
  });
});
