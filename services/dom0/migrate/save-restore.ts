import { open, rename, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Toolstack, DomainRecord } from "../toolstack.js";
import type { MigrationManager } from "./migration-manager.js";
import { StreamSender } from "./sender.js";
import { StreamReceiver } from "./receiver.js";
import { senderDomainOf } from "./domain-image.js";
import { completeStats, emptyStats, type MigrationStatsView } from "./stats.js";
import { createPolicy } from "../precopy/create-policy.js";
import { UNLIMITED_BANDWIDTH } from "../precopy/bandwidth.js";
import type { EngineScheduler, StreamSink } from "./stream-sink.js";
import type { DomainConfig } from "../xlcfg/domain-config.js";
import { ToolstackError } from "../errors.js";
import { toToolstackError } from "../xen-error-map.js";
import { domainPath } from "../../xenstore/paths.js";
import { checkRestorePath } from "./save-file-path.js";
import { StreamDecoder } from "../stream/stream-decoder.js";
import type { ConfinedPaths } from "../confined-paths.js";
import { StreamFormatError } from "../stream/errors.js";
import { fileError } from "./file-errors.js";

/** `xl save` (proto SaveRequest). */
export interface SaveRequest {
  domain: string;
  path: string;
  keepRunning: boolean;
}

/** `xl restore` (proto RestoreRequest). */
export interface RestoreRequest {
  path: string;
  paused: boolean;
}

export interface RestoreReply {
  domid: number;
  name: string;
  pagesVerified: number;
  memoryChecksum: string;
}

/** Bytes read from a save file at a time. */
export const RESTORE_READ_CHUNK_BYTES = 1024 * 1024;

/** Random bytes in a save's id (`save-DOMID-HEX`): two saves of one domain are told apart. */
const SAVE_ID_BYTE_COUNT = 4;

/**
 * `xl save [-c] dom file`: the guest is paused, its stream written to `file`; it then stops unless
 * -c. The file is confined to the host's state directory (or an allowed one, dom0/confined-paths.ts);
 * the stream goes to a new file beside it that replaces `file` only once complete, so a failed save
 * leaves whatever was there untouched.
 */
export async function saveToFile(
  toolstack: Toolstack,
  manager: MigrationManager,
  files: ConfinedPaths,
  request: SaveRequest,
  scheduler: EngineScheduler,
): Promise<MigrationStatsView> {
  const record = toolstack.requireDomain(request.domain);
  if (record.domid === 0) throw new ToolstackError("FAILED_PRECONDITION", "Domain-0 cannot be saved");
  if (!request.path) throw new ToolstackError("INVALID_ARGUMENT", "save needs a file path");
  const target = files.forWriting(request.path);
  const partialPath = `${target}.partial-${randomBytes(6).toString("hex")}`;
  manager.claimOutbound(record.domid, record.name);
  const domain = toolstack.domainOf(record);
  const wasPaused = domain.paused;
  const startMs = toolstack.clock.nowMs();
  const file = await open(partialPath, "wx", 0o600).catch((error: NodeJS.ErrnoException) => {
    manager.releaseOutbound(record.domid);
    throw new ToolstackError("INVALID_ARGUMENT", `cannot write ${request.path}: ${error.code ?? "error"}`);
  });
  const base = {
    // Its own id, as a migration's: `xsim migrations` lists it, `xsim migrate-cancel` finds it.
    migrationId: `save-${record.domid}-${randomBytes(SAVE_ID_BYTE_COUNT).toString("hex")}`,
    domain: record.name,
    source: toolstack.spec.hostId,
    destination: request.path,
    policy: "save",
    live: false,
    bandwidthLimit: "unlimited",
  };
  let stats: MigrationStatsView = { ...emptyStats(base, domain.memory.pageCount), status: "active" };
  manager.track(stats);
  // A save is cancelled as a migration is (Migration.Cancel), until its file is whole.
  const cancel = manager.openCancel(base.migrationId, record.name, "save");
  let sender: StreamSender | undefined;
  cancel.onRequested = () => {
    sender?.cancel();
    stats = { ...stats, status: "cancelling" };
    manager.track(stats);
  };
  try {
    const sink: StreamSink = {
      write: async (chunk, release) => {
        await file.write(chunk);
        release();
      },
      flush: () => Promise.resolve(),
      close: () => undefined,
    };
    sender = new StreamSender(senderDomainOf(toolstack, record), sink, {
      clock: toolstack.clock,
      scheduler,
      policy: createPolicy("xen"),
      bandwidth: UNLIMITED_BANDWIDTH,
      autoConverge: undefined,
      live: false,
    });
    const result = await sender.run();
    cancel.closeForHandover();
    await file.close();
    await rename(partialPath, target);
    const closedAtMs = toolstack.clock.nowMs();
    stats = {
      // A save's downtime runs from the pause to the file closed (the guest is destroyed or resumed after).
      ...completeStats(emptyStats(base, domain.memory.pageCount), result, {
        startMs,
        firstPageAtMs: result.firstPageAtMs,
        pausedAtMs: result.pausedAtMs,
        committedAtMs: closedAtMs,
      }),
      status: "completed" as const,
    };
    manager.releaseOutbound(record.domid);
    if (request.keepRunning) {
      if (!wasPaused) toolstack.resumeDomain(String(record.domid));
    } else toolstack.destroy(String(record.domid));
    return stats;
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partialPath, { force: true });
    manager.releaseOutbound(record.domid);
    if (!wasPaused && toolstack.records.get(record.domid) === record)
      toolstack.hypervisor.unpauseDomain(record.domid);
    const refusal = cancel.isRequested
      ? cancel.error()
      : fileError(error, "write", request.path, `nothing was saved and ${record.name} runs on`);
    const status = cancel.isRequested ? "cancelled" : "failed";
    const message = refusal instanceof Error ? refusal.message : String(refusal);
    stats = { ...stats, status, error: message, totalTimeMs: toolstack.clock.nowMs() - startMs };
    throw refusal;
  } finally {
    manager.closeCancel(base.migrationId);
    manager.finish(stats);
  }
}

/** Bytes of a save file read to find its DOMAIN_INFO record (it comes first), at most. */
export const SAVE_IDENTITY_BYTE_COUNT_MAX = 16 * 1024 * 1024;

/**
 * The name and uuid of the guest in a save file, read from its DOMAIN_INFO record before anything
 * is built (a restore reserves the name first). Undefined when the file names no uuid.
 */
export async function readSaveIdentity(path: string): Promise<{ name: string; uuid: string } | undefined> {
  await checkRestorePath(path);
  const decoder = new StreamDecoder();
  const stream = createReadStream(path, { highWaterMark: RESTORE_READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream) {
      decoder.push(chunk as Buffer);
      for (let record = decoder.next(); record !== undefined; record = decoder.next()) {
        if (record.kind !== "domain-info") continue;
        const config = record.info.config as Partial<DomainConfig> | undefined;
        const uuid = typeof record.info.uuid === "string" ? record.info.uuid : config?.uuid;
        return uuid && config?.name ? { name: config.name, uuid } : undefined;
      }
      if (decoder.offset > SAVE_IDENTITY_BYTE_COUNT_MAX) return undefined;
    }
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new ToolstackError("NOT_FOUND", `no save file at ${path}`);
    if (error instanceof StreamFormatError) throw notASaveImage(path, error);
    const mapped = toToolstackError(error);
    if (mapped instanceof ToolstackError && mapped.code === "INVALID_ARGUMENT")
      throw new ToolstackError("INVALID_ARGUMENT", `${path} is not a save image: ${mapped.message}`);
    throw mapped;
  } finally {
    stream.destroy();
  }
}

/**
 * `xl restore [-p] file`: builds the domain from the stream, verifies every page, then runs it.
 * The file is confined as for save; a file that is not a save stream is refused without quoting it.
 */
export async function restoreFromFile(
  toolstack: Toolstack,
  files: ConfinedPaths,
  request: RestoreRequest,
): Promise<RestoreReply> {
  const path = files.forReading(request.path);
  await checkRestorePath(path);
  let record: DomainRecord | undefined;
  const receiver = new StreamReceiver((info) => {
    const config = info.config as DomainConfig;
    record = toolstack.create(
      { ...config, uuid: typeof info.uuid === "string" ? info.uuid : config.uuid },
      { paused: true },
    );
    return toolstack.domainOf(record).memory;
  });
  try {
    const stream = createReadStream(path, { highWaterMark: RESTORE_READ_CHUNK_BYTES });
    for await (const chunk of stream) receiver.push(chunk as Buffer);
    // A file that ends early is bad input (INVALID_ARGUMENT), not an interrupted migration.
    if (!receiver.isEnded)
      throw new ToolstackError("INVALID_ARGUMENT", `${request.path}: truncated save file (no END record)`);
    const image = receiver.finish();
    if (!record) throw new ToolstackError("INVALID_ARGUMENT", `${request.path}: no domain in the stream`);
    for (const [path, value] of Object.entries(image.xenstoreData))
      toolstack.store.write(`${domainPath(record.domid)}/${path}`, value);
    if (!request.paused) toolstack.resumeDomain(String(record.domid));
    const memory = toolstack.domainOf(record).memory;
    return {
      domid: record.domid,
      name: record.name,
      pagesVerified: image.pageCountVerified,
      memoryChecksum: memory.checksum(),
    };
  } catch (error) {
    if (record && toolstack.records.get(record.domid) === record) toolstack.destroy(String(record.domid));
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ToolstackError("NOT_FOUND", `no save file at ${request.path}`);
    // The decoder's messages may quote the bytes it read (a bad marker in hex): never echo a file.
    if (error instanceof StreamFormatError) throw notASaveImage(request.path, error);
    const mapped = toToolstackError(fileError(error, "read", request.path, "nothing was restored"));
    if (mapped instanceof ToolstackError && mapped.code === "INVALID_ARGUMENT" && record === undefined)
      throw new ToolstackError("INVALID_ARGUMENT", `${request.path} is not a save image: ${mapped.message}`);
    throw mapped;
  }
}

/** The decoder's messages may quote the bytes it read (a bad marker in hex): never echo a file. */
function notASaveImage(path: string, error: StreamFormatError): ToolstackError {
  return new ToolstackError(
    "INVALID_ARGUMENT",
    `${path} is not a save image (stream format error at offset ${error.offset})`,
  );
}
