/**
 * A seed's run is CPU-bound and deterministic: this bound only stops a hang (a simulation that runs
 * away hits runSimulation's own SIMULATION_MS_MAX first). It is wide because the CPU is shared: seed
 * 190 took 78 s on a loaded 2-core machine, where a 120 s bound was close to a false failure.
 */
export const VOPR_SEED_TIMEOUT_MS = 600_000;
