/**
 * xentop's interactive keys (tools/xentop/xentop.c handle_key), as a pure state machine so it can
 * be tested without a terminal: q/Q/Esc quit, s/S move the sort to the next column, d/D prompt
 * "Delay(sec)" and Enter sets it (only a positive whole number, as set_delay's atoi > 0), Esc in the
 * prompt cancels it, Backspace edits it.
 */
import { TOP_COLUMNS } from "./top-format.js";

const ESCAPE = "\x1b";
const ENTER = "\r";
const BACKSPACE = ["\x7f", "\b"];
/** xentop.c PROMPT_VAL_LEN: the prompt holds fewer characters than this. */
export const PROMPT_VAL_LEN = 80;

export interface TopKeyState {
  quit: boolean;
  sortColumn: number;
  delaySeconds: number;
  /** The text typed after "Delay(sec)", while the prompt is open. */
  prompt?: string;
}

export function initialTopKeyState(delaySeconds: number): TopKeyState {
  return { quit: false, sortColumn: 0, delaySeconds };
}

export function handleTopKey(state: TopKeyState, key: string): TopKeyState {
  if (state.prompt !== undefined) return handlePromptKey(state, state.prompt, key);
  switch (key) {
    case "q":
    case "Q":
    case ESCAPE:
      return { ...state, quit: true };
    case "s":
    case "S":
      return { ...state, sortColumn: (state.sortColumn + 1) % TOP_COLUMNS.length };
    case "d":
    case "D":
      return { ...state, prompt: "" };
    default:
      return state;
  }
}

function handlePromptKey(state: TopKeyState, prompt: string, key: string): TopKeyState {
  const closed = { ...state, prompt: undefined };
  if (key === ESCAPE) return closed;
  if (key === ENTER) {
    const delay = /^\d+/.exec(prompt) ? parseInt(prompt, 10) : 0;
    return delay > 0 ? { ...closed, delaySeconds: delay } : closed;
  }
  if (BACKSPACE.includes(key)) return { ...state, prompt: prompt.slice(0, -1) };
  if (prompt.length + 1 < PROMPT_VAL_LEN && /^[\x20-\x7e]$/.test(key))
    return { ...state, prompt: prompt + key };
  return state;
}
