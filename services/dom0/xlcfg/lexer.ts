import { parseIntegerLiteral } from "./number-literal.js";
import { decodeEscape } from "./string-escapes.js";
import { XlCfgError, type XlCfgPosition } from "./errors.js";

/** Tokens of tools/libs/util/libxlu_cfg_l.l. A comment is part of the newline token that ends it. */
export type Token =
  | { kind: "ident"; text: string; position: XlCfgPosition }
  | { kind: "string"; text: string; value: string; position: XlCfgPosition }
  | { kind: "number"; text: string; value: number; position: XlCfgPosition }
  | { kind: "newline" | ";" | "=" | "+=" | "[" | "]" | "," | "eof"; text: string; position: XlCfgPosition };

const IDENT_START = /[a-z]/;
const IDENT_PART = /[._0-9a-z]/;
const NUMBER_START = /[0-9]/;
const NUMBER_PART = /[0-9a-fx]/;
type Punctuation = "=" | ";" | "[" | "]" | ",";
const PUNCTUATION: ReadonlySet<string> = new Set<Punctuation>(["=", ";", "[", "]", ","]);
/** Characters that make libxlu flag the file as "likely python" (libxlu_cfg_l.l). */
const PYTHON_CHARACTERS = new Set(["+", "-", ".", "(", ")", ":"]);

/** Splits a whole xl.cfg source into tokens, ending with one `eof` token. */
export function tokenize(source: string, file: string): Token[] {
  const lexer = new Lexer(source, file);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === "eof") return tokens;
  }
}

/** Produces tokens one at a time, so the first error in file order is the one reported. */
export class Lexer {
  private index = 0;
  private line = 1;
  private column = 1;

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {}

  next(): Token {
    while (this.peek() === " " || this.peek() === "\t") this.advance();
    const position = this.here();
    const c = this.peek();
    if (c === undefined) return { kind: "eof", text: "", position };
    if (c === "#" || c === "\n") return { kind: "newline", text: this.takeLineEnd(), position };
    if (c === "+" && this.peek(1) === "=") return { kind: "+=", text: this.take(2), position };
    if (isPunctuation(c)) return { kind: c, text: this.take(1), position };
    if (IDENT_START.test(c)) return { kind: "ident", text: this.takeWhile(IDENT_PART), position };
    if (NUMBER_START.test(c)) return this.number(position);
    if (c === '"' || c === "'") return this.quoted(c, position);
    throw new XlCfgError(position, unexpectedCharacterReason(c));
  }

  private number(position: XlCfgPosition): Token {
    const text = this.takeWhile(NUMBER_PART);
    const literal = parseIntegerLiteral(text);
    if (!literal.ok) throw new XlCfgError(position, literal.reason);
    return { kind: "number", text, value: literal.value, position };
  }

  /** A quoted string on one line; `position` is the opening quote. */
  private quoted(quote: string, position: XlCfgPosition): Token {
    const start = this.index;
    this.advance();
    let value = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "\n") throw new XlCfgError(position, "unterminated string");
      if (c === quote) break;
      if (c !== "\\") {
        value += c;
        this.advance();
        continue;
      }
      const escapePosition = this.here();
      const next = this.peek(1);
      if (next === undefined || next === "\n") throw new XlCfgError(position, "unterminated string");
      const escape = decodeEscape(this.source, this.index + 1);
      if (!escape.ok) throw new XlCfgError(escapePosition, escape.reason);
      value += escape.text;
      this.take(1 + escape.length);
    }
    this.advance();
    return { kind: "string", text: this.source.slice(start, this.index), value, position };
  }

  /** A newline, or a comment up to and including its newline (or the end of the file). */
  private takeLineEnd(): string {
    const start = this.index;
    while (this.peek() !== undefined && this.peek() !== "\n") this.advance();
    if (this.peek() === "\n") this.advance();
    return this.source.slice(start, this.index);
  }

  private takeWhile(pattern: RegExp): string {
    const start = this.index;
    for (let c = this.peek(); c !== undefined && pattern.test(c); c = this.peek()) this.advance();
    return this.source.slice(start, this.index);
  }

  private take(count: number): string {
    const start = this.index;
    for (let i = 0; i < count; i++) this.advance();
    return this.source.slice(start, this.index);
  }

  private peek(offset = 0): string | undefined {
    return this.source[this.index + offset];
  }

  private advance(): void {
    if (this.source[this.index] === "\n") {
      this.line++;
      this.column = 1;
    } else {
      this.column++;
    }
    this.index++;
  }

  private here(): XlCfgPosition {
    return { file: this.file, line: this.line, column: this.column };
  }
}

function isPunctuation(c: string): c is Punctuation {
  return PUNCTUATION.has(c);
}

function unexpectedCharacterReason(c: string): string {
  if (PYTHON_CHARACTERS.has(c)) {
    return `unexpected '${c}': this file is likely Python, which xl.cfg does not support (no expressions or operators)`;
  }
  if (c === "\r") return "unexpected carriage return: DOS (CRLF) line endings are not accepted";
  if (/[A-Z_]/.test(c)) return `unexpected '${c}': keys match [a-z][._0-9a-z]* and other text must be quoted`;
  return `unexpected character '${c}'`;
}
