/** `xsim ha-status`: HA on, and each of `hostIds`' leases live and seeing all the others. */
export function everyLeaseLive(status: string, hostIds: readonly string[]): boolean {
  if (!/^HA enabled/.test(status)) return false;
  return hostIds.every((id) => {
    const [host, state, , , sees] =
      status
        .split("\n")
        .find((line) => line.startsWith(`${id} `))
        ?.split(/\s+/) ?? [];
    return host === id && state === "live" && (sees ?? "").split(",").length === hostIds.length - 1;
  });
}
