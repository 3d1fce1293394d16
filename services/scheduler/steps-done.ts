import { ToolstackError, type ToolstackErrorCode } from "../dom0/errors.js";

/**
 * One step that a verb of several steps (host-evacuate, rebalance, host-declare-dead, ha-enable)
 * took before it stopped: once one has, the verb's refusal must say what it changed, never
 * "nothing was changed" (docs/STYLE errors: what and where). The words are made from these, and a
 * caller that must know (the VOPR's ledger) reads these, not the words.
 */
export interface StepDone {
  /** Past tense, as the words say it: "migrated", "halted", "disabled", "revoked the HA lease of". */
  action: string;
  /** The guest or host it acted on. */
  subject: string;
  /** Where to: a migration's destination host. */
  to?: string;
  /** Under which lease epoch (a host's lease revoked). */
  epoch?: string;
}

/**
 * A refusal of a verb cut short after some of its steps took effect: `done` lists them (in the
 * order taken). Never a NothingChangedError: a caller that counts on the state it knew must not.
 * `nextStep`, when given, ends the message ("run host-evacuate h1 again to finish, ..."): the advice
 * to a user at the CLI, which a caller that goes on by itself (a host's shutdown) leaves out
 * (`withoutNextStep`).
 */
export class CutShortError extends ToolstackError {
  constructor(
    code: ToolstackErrorCode,
    /** The message without its advice to the user. */
    readonly withoutNextStep: string,
    readonly done: readonly StepDone[],
    nextStep = "",
  ) {
    super(code, nextStep === "" ? withoutNextStep : `${withoutNextStep}; ${nextStep}`);
    this.name = "CutShortError";
  }
}

export function isCutShort(error: unknown): error is CutShortError {
  return error instanceof CutShortError;
}

/**
 * The steps as words, one clause per action in the order first taken: "disabled h1; migrated web
 * to h2, db to h3". Empty for none.
 */
export function stepsDoneWords(done: readonly StepDone[]): string {
  const byAction = new Map<string, string[]>();
  for (const step of done) {
    let subjects = byAction.get(step.action);
    if (subjects === undefined) byAction.set(step.action, (subjects = []));
    const to = step.to === undefined ? "" : ` to ${step.to}`;
    const epoch = step.epoch === undefined ? "" : ` (epoch ${step.epoch})`;
    subjects.push(`${step.subject}${to}${epoch}`);
  }
  return [...byAction].map(([action, subjects]) => `${action} ${subjects.join(", ")}`).join("; ");
}

/** The subjects of the steps with `action` (the guests migrated, halted...), in the order taken. */
export function subjectsOf(done: readonly StepDone[], action: string): string[] {
  return done.filter((step) => step.action === action).map((step) => step.subject);
}

/**
 * A refusal's words for one step of several: without its "nothing was changed" (true of that step,
 * false of the verb once an earlier step took effect) and what follows it up to the next clause
 * ("try again": the verb says what to do). "…; nothing was changed, it stays on this host (…)"
 * keeps "it stays on this host (…)".
 */
export function stepReason(message: string): string {
  return message
    .replace(/; nothing was changed(, try again)?$/, "")
    .replace(/; nothing was changed, /, "; ")
    .replace(/; whether the write was applied is unknown$/, "");
}
