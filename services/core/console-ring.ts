/**
 * A bounded log of lines, oldest dropped first: the hypervisor's console ring (Xen's conring, read
 * by `xl dmesg`) and a guest's console (`xl console`). Each line is stamped with the seconds since
 * `originMs` on the clock it is given, as Xen's `console_timestamps=boot` and Linux's printk do.
 */
export class ConsoleRing {
  private lines: string[] = [];
  private appendedCount = 0;

  constructor(
    readonly lineCountMax: number,
    private readonly prefix: string,
  ) {
    if (!(Number.isInteger(lineCountMax) && lineCountMax > 0))
      throw new Error(`assertion failed: console ring of ${lineCountMax} lines`);
  }

  append(secondsSinceOrigin: number, message: string): void {
    const stamp = `[${secondsSinceOrigin.toFixed(6).padStart(12)}]`;
    // Most messages are one line (one per domain event): no array from split for them.
    if (!message.includes("\n")) this.pushLine(stamp, message);
    else for (const part of message.split("\n")) this.pushLine(stamp, part);
    // Trimmed in batches, so an append costs O(1) amortised.
    if (this.lines.length >= 2 * this.lineCountMax) this.lines = this.lines.slice(-this.lineCountMax);
  }

  private pushLine(stamp: string, text: string): void {
    this.lines.push(`${this.prefix}${stamp} ${text}`);
    this.appendedCount++;
  }

  /** The last `lineCountMax` lines, oldest first. */
  read(): string[] {
    return this.lines.slice(-this.lineCountMax);
  }

  clear(): void {
    this.lines = [];
    this.appendedCount = 0;
  }

  get lineCount(): number {
    return Math.min(this.lines.length, this.lineCountMax);
  }

  /** Lines dropped because the ring was full, since the last clear. */
  get droppedCount(): number {
    return this.appendedCount - this.lineCount;
  }
}
