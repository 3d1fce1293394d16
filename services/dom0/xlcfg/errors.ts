/** Where something sits in a config source: the file name (or `<command line>`), 1-based line and column. */
export interface XlCfgPosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A bad xl.cfg file or xl create override: an expected user error. The message starts with
 * `<file>:<line>:<column>: ` like a compiler's, e.g. `guest.cfg:3:12: unterminated string`.
 */
export class XlCfgError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message without the position prefix. */
  readonly reason: string;

  constructor(position: XlCfgPosition, reason: string) {
    super(`${position.file}:${position.line}:${position.column}: ${reason}`);
    this.name = "XlCfgError";
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
    this.reason = reason;
  }
}
