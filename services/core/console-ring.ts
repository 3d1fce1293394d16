/**
 * A bounded log of lines, oldest dropped first: the hypervisor's console ring (Xen's conring, read
 * by `xl dmesg`) and a guest's console (`xl console`). Each line is stamped with the seconds since
 * `originMs` on the clock it is given, as Xen's `console_timestamps=boot` and Linux's printk do.
 */
export class ConsoleRing {
  /** Each line's stamp and text, formatted only when read (appends far outnumber reads). */
  private lineSeconds: number[] = [];
  private lineTexts: string[] = [];
  private appendedCount = 0;

  constructor(
    readonly lineCountMax: number,
    private readonly prefix: string,
  ) {
    if (!(Number.isInteger(lineCountMax) && lineCountMax > 0))
      throw new Error(`assertion failed: console ring of ${lineCountMax} lines`);
  }

  append(secondsSinceOrigin: number, message: string): void {
    // Most messages are one line (one per domain event): no array from split for them.
    if (!message.includes("\n")) this.pushLine(secondsSinceOrigin, message);
    else for (const part of message.split("\n")) this.pushLine(secondsSinceOrigin, part);
    // Trimmed in batches, so an append costs O(1) amortised.
    if (this.lineTexts.length >= 2 * this.lineCountMax) {
      this.lineSeconds = this.lineSeconds.slice(-this.lineCountMax);
      this.lineTexts = this.lineTexts.slice(-this.lineCountMax);
    }
  }

  private pushLine(secondsSinceOrigin: number, text: string): void {
    this.lineSeconds.push(secondsSinceOrigin);
    this.lineTexts.push(text);
    this.appendedCount++;
  }

  /** The last `lineCountMax` lines, oldest first. */
  read(): string[] {
    const first = Math.max(0, this.lineTexts.length - this.lineCountMax);
    const lines: string[] = [];
    for (let index = first; index < this.lineTexts.length; index++) {
      const stamp = `[${this.lineSeconds[index]!.toFixed(6).padStart(12)}]`;
      lines.push(`${this.prefix}${stamp} ${this.lineTexts[index]!}`);
    }
    return lines;
  }

  clear(): void {
    this.lineSeconds = [];
    this.lineTexts = [];
    this.appendedCount = 0;
  }

  get lineCount(): number {
    return Math.min(this.lineTexts.length, this.lineCountMax);
  }

  /** Lines dropped because the ring was full, since the last clear. */
  get droppedCount(): number {
    return this.appendedCount - this.lineCount;
  }
}
