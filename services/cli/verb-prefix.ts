/**
 * xl's verb abbreviations (tools/xl/xl_cmdtable.c `cmdtable_lookup`): a verb may be shortened to
 * any prefix that only one verb starts with (`xsim vcpu-l` is vcpu-list), and a verb given in full
 * is taken even when it also starts a longer one. xl answers an ambiguous prefix with "command not
 * implemented"; xsim names the candidates instead.
 */

/** What the verb position of `argv` holds once abbreviations are expanded. */
export type VerbExpansion =
  | { kind: "unchanged" }
  | { kind: "expanded"; argv: string[]; verb: string }
  | { kind: "ambiguous"; prefix: string; candidates: string[] };

/**
 * Expands the verb in `argv` (the first word that is neither a global option nor its value).
 * `optionsWithValue` are the global options that take the next word as their value (`-H host`).
 */
export function expandVerbPrefix(
  argv: readonly string[],
  verbs: readonly string[],
  optionsWithValue: ReadonlySet<string>,
): VerbExpansion {
  const index = verbIndex(argv, optionsWithValue);
  const word = index === undefined ? undefined : argv[index];
  if (index === undefined || word === undefined || word === "" || verbs.includes(word))
    return { kind: "unchanged" };
  const candidates = verbs.filter((verb) => verb.startsWith(word));
  if (candidates.length === 0) return { kind: "unchanged" }; // commander reports the unknown verb
  if (candidates.length > 1) return { kind: "ambiguous", prefix: word, candidates };
  const verb = candidates[0]!;
  return { kind: "expanded", argv: [...argv.slice(0, index), verb, ...argv.slice(index + 1)], verb };
}

function verbIndex(argv: readonly string[], optionsWithValue: ReadonlySet<string>): number | undefined {
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index]!;
    if (word === "--") return index + 1 < argv.length ? index + 1 : undefined;
    if (!word.startsWith("-")) return index;
    if (optionsWithValue.has(word)) index++; // skip the option's value
  }
  return undefined;
}
