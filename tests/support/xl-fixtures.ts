/**
 * Where xl.cfg fixtures live. The repository's own (tests/fixtures/xl) are always there; Xen's
 * tools/examples files are an extra conformance check, found in $XSIM_XEN_EXAMPLES or in
 * ../shared/fixtures/xl beside the checkout, and absent on a bare clone.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** The repository's own fixtures: guest.hvm, guest.pv, guest.pvh (tests/fixtures/xl/README.md). */
export const XL_FIXTURES = join(REPO, "tests", "fixtures", "xl");

/** The names of Xen's example configs the conformance checks read. */
export const XEN_EXAMPLE_NAMES = ["xlexample.hvm", "xlexample.pvlinux", "xlexample.pvhlinux"] as const;

/** The directory holding Xen's example configs, or undefined when they are not beside the checkout. */
export function xenExamplesDirectory(): string | undefined {
  const candidates = [process.env.XSIM_XEN_EXAMPLES, join(REPO, "..", "shared", "fixtures", "xl")];
  return candidates.find(
    (dir): dir is string =>
      dir !== undefined && XEN_EXAMPLE_NAMES.every((name) => existsSync(join(dir, name))),
  );
}

/** A test title that says whether Xen's examples were found, so a skip is never silent. */
export function xenExamplesTitle(what: string): string {
  const dir = xenExamplesDirectory();
  return dir === undefined
    ? `${what} (Xen's example configs absent: set XSIM_XEN_EXAMPLES or put them in ../shared/fixtures/xl; not run)`
    : `${what} (Xen's example configs from ${dir})`;
}
