import { parseIntegerLiteral } from "./number-literal.js";
import { decodeEscape } from "./string-escapes.js";
import { XlCfgError, type XlCfgPosition } from "./errors.js";

/** Tokens of tools/libs/util/libxlu_cfg_l.l. A comment is part of the newline token that ends it. */
export type Token =
  | { kind: "ident"; text: string; position: XlCfgPosition }
  | { kind: "string"; text: string; value: string; position: XlCfgPosition }
  | { kind: "number"; text: string; value: number; position: XlCfgPosition }
  | { kind: "newline" | ";" | "=" | "+=" | "[" | "]" | "," | "eof"; text: string; position: XlCfgPosition };

/** Character classes by code unit (a test per character of every key: no regex for one character). */
const isLowerLetter = (code: number) => code >= 0x61 && code <= 0x7a; // [a-z]
const isDigit = (code: number) => code >= 0x30 && code <= 0x39; // [0-9]
const isIdentPart = (code: number) => isLowerLetter(code) || isDigit(code) || code === 0x2e || code === 0x5f; // [._0-9a-z]
const isNumberPart = (code: number) => isDigit(code) || (code >= 0x61 && code <= 0x66) || code === 0x78; // [0-9a-fx]
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
    const code = c.charCodeAt(0);
    if (isLowerLetter(code)) return { kind: "ident", text: this.takeWhile(isIdentPart), position };
    if (isDigit(code)) return this.number(position);
    if (c === '"' || c === "'") return this.quoted(c, position);
    throw new XlCfgError(position, unexpectedCharacterReason(c));
  }

  private number(position: XlCfgPosition): Token {
    const text = this.takeWhile(isNumberPart);
    const literal = parseIntegerLiteral(text);
    if (!literal.ok) throw new XlCfgError(position, literal.reason);
    return { kind: "number", text, value: literal.value, position };
  }

  /** A quoted string on one line; `position` is the opening quote. */
  private quoted(quote: string, position: XlCfgPosition): Token {
    const start = this.index;
    this.advance();
    let value = "";
    let runStart = this.index; // characters taken as they are, added to value in one slice
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "\n") throw new XlCfgError(position, "unterminated string");
      if (c === quote) break;
      if (c !== "\\") {
        this.advance();
        continue;
      }
      value += this.source.slice(runStart, this.index);
      const escapePosition = this.here();
      const next = this.peek(1);
      if (next === undefined || next === "\n") throw new XlCfgError(position, "unterminated string");
      const escape = decodeEscape(this.source, this.index + 1);
      if (!escape.ok) throw new XlCfgError(escapePosition, escape.reason);
      value += escape.text;
      this.take(1 + escape.length);
      runStart = this.index;
    }
    value += this.source.slice(runStart, this.index);
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

  /** The characters from here that `inClass` takes, none of them a newline. */
  private takeWhile(inClass: (code: number) => boolean): string {
    const start = this.index;
    while (this.index < this.source.length && inClass(this.source.charCodeAt(this.index))) this.index++;
    this.column += this.index - start;
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
