/**
 * The xl.cfg parser: the lexer of tools/libs/util/libxlu_cfg_l.l and the grammar of libxlu_cfg_y.y,
 * for the format of docs/man/xl.cfg.5.pod.in. Pure: text in, statements and settings out.
 *   file       := { [assignment] (NEWLINE | ';') } [assignment] EOF
 *   assignment := KEY ('=' | '+=') value            KEY matches [a-z][._0-9a-z]*
 *   value      := STRING | NUMBER | '[' nl* [value nl* {',' nl* value nl*} [',' nl*]] ']'
 *   STRING     := "..." or '...' on one line, with backslash escapes (string-escapes.ts)
 *   NUMBER     := decimal, 0-prefixed octal or 0x hex (libxlu lexes [0-9][0-9a-fx]*)
 * A '#' comment runs to the end of the line. Lists nest, mix kinds, span lines, allow a trailing
 * comma. Any other character outside quotes (+ - . ( ) :) is a lexical error: "likely Python".
 * The last `=` of a key wins and `+=` appends (settings.ts). Errors are XlCfgError at file:line:col.
 */
import { Lexer, type Token } from "./lexer.js";
import { applyStatementsTo, type XlCfgFile, type XlCfgStatement, type XlCfgValue } from "./settings.js";
import { XlCfgError } from "./errors.js";

/** Deepest list nesting we accept; real configs use two levels (vnuma). */
export const LIST_DEPTH_MAX = 16;

export function parseXlCfg(text: string, fileName: string): XlCfgFile {
  const statements = parseXlCfgStatements(text, fileName);
  return { fileName, statements, settings: applyStatementsTo(new Map(), statements) };
}

/** The statements of a source in order, without applying them. */
export function parseXlCfgStatements(text: string, fileName: string): XlCfgStatement[] {
  return new Parser(new Lexer(text, fileName)).file();
}

class Parser {
  private current: Token;

  constructor(private readonly lexer: Lexer) {
    this.current = lexer.next();
  }

  file(): XlCfgStatement[] {
    const statements: XlCfgStatement[] = [];
    for (let token = this.peek(); token.kind !== "eof"; token = this.peek()) {
      if (token.kind === "newline" || token.kind === ";") {
        this.advance();
        continue;
      }
      statements.push(this.assignment());
      this.endOfStatement();
    }
    return statements;
  }

  private assignment(): XlCfgStatement {
    const key = this.take();
    if (key.kind !== "ident") throw new XlCfgError(key.position, `expected a key, found ${describe(key)}`);
    const op = this.take();
    if (op.kind !== "=" && op.kind !== "+=") {
      throw new XlCfgError(key.position, `expected '=' after key "${key.text}", found ${describe(op)}`);
    }
    const value = this.value(0);
    if (value === undefined) {
      const found = this.peek();
      const reason = `expected a value after '${op.text}', found ${describe(found)}${quoteHint(found)}`;
      throw new XlCfgError(found.position, reason);
    }
    return { key: key.text, op: op.kind, value, keyPosition: key.position };
  }

  private endOfStatement(): void {
    const token = this.peek();
    if (token.kind === "eof") return;
    if (token.kind !== "newline" && token.kind !== ";") {
      throw new XlCfgError(
        token.position,
        `expected a newline or ';' after the value, found ${describe(token)}`,
      );
    }
    this.advance();
  }

  /** A value, or undefined (consuming nothing) when the next token cannot start one. */
  private value(depth: number): XlCfgValue | undefined {
    const token = this.peek();
    switch (token.kind) {
      case "string":
        this.advance();
        return { kind: "string", value: token.value, position: token.position };
      case "number":
        this.advance();
        return { kind: "number", value: token.value, text: token.text, position: token.position };
      case "[":
        this.advance();
        return this.list(token, depth + 1);
      default:
        return undefined;
    }
  }

  private list(open: Token, depth: number): XlCfgValue {
    if (depth > LIST_DEPTH_MAX)
      throw new XlCfgError(open.position, `lists nested deeper than ${LIST_DEPTH_MAX}`);
    const items: XlCfgValue[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peek().kind === "]") break;
      const item = this.value(depth);
      if (item === undefined) throw this.listError(open, "a value or ']'");
      items.push(item);
      this.skipNewlines();
      if (this.peek().kind === "]") break;
      if (this.peek().kind !== ",") throw this.listError(open, "',' or ']'");
      this.advance();
    }
    this.advance();
    return { kind: "list", items, position: open.position };
  }

  private listError(open: Token, expected: string): XlCfgError {
    const found = this.peek();
    const at = `${open.position.line}:${open.position.column}`;
    if (found.kind === "eof") return new XlCfgError(open.position, "unclosed list: '[' has no matching ']'");
    const hint = expected.startsWith("a value") ? quoteHint(found) : "";
    const reason = `expected ${expected} in the list opened at ${at}, found ${describe(found)}${hint}`;
    return new XlCfgError(found.position, reason);
  }

  private skipNewlines(): void {
    while (this.peek().kind === "newline") this.advance();
  }

  private peek(): Token {
    return this.current;
  }

  private advance(): void {
    if (this.current.kind !== "eof") this.current = this.lexer.next();
  }

  private take(): Token {
    const token = this.current;
    this.advance();
    return token;
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "end of file";
    case "newline":
      return token.text.startsWith("#") ? "a comment" : "end of line";
    case "ident":
      return `'${token.text}'`;
    case "string":
      return `string ${token.text}`;
    case "number":
      return `number ${token.text}`;
    default:
      return `'${token.text}'`;
  }
}

function quoteHint(found: Token): string {
  return found.kind === "ident" ? " (a string value must be quoted)" : "";
}
