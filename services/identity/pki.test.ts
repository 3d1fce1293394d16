import { describe, expect, it, afterAll } from "vitest";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { connect, createServer, type TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureClusterCa, issueIdentity, loadIdentity, identityDir, type ServiceIdentity } from "./pki.js";
import { createClusterPki } from "./cluster-pki.js";
import { peerIdentityOf } from "./roles.js";

const dirs: string[] = [];
function newPki(hostIds: string[] = ["h1"]): string {
  const dir = mkdtempSync(join(tmpdir(), "xsim-pki-test-"));
  dirs.push(dir);
  createClusterPki(dir, { hostIds });
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A TLS handshake between two identities; resolves with what each side saw. */
async function handshake(server: ServiceIdentity, client: ServiceIdentity) {
  const tlsServer = createServer({
    ca: server.caPem,
    cert: server.certPem,
    key: server.keyPem,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const seen = new Promise<{ authorized: boolean; subject: unknown }>((resolve) =>
    tlsServer.on("secureConnection", (socket: TLSSocket) => {
      resolve({ authorized: socket.authorized, subject: socket.getPeerCertificate().subject });
      socket.end();
    }),
  );
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  const port = (tlsServer.address() as AddressInfo).port;
  try {
    const clientResult = await new Promise<string>((resolve) => {
      const socket = connect({
        port,
        host: "127.0.0.1",
        ca: client.caPem,
        cert: client.certPem,
        key: client.keyPem,
        checkServerIdentity: () => undefined,
      });
      socket.on("secureConnect", () => {
        resolve("ok");
        socket.end();
      });
      socket.on("error", (error: Error) => resolve(error.message));
    });
    return { clientResult, server: clientResult === "ok" ? await seen : undefined };
  } finally {
    tlsServer.close();
  }
}

describe("the cluster PKI", () => {
  it("issues certificates the CA verifies, with the role and name in the subject", () => {
    const dir = newPki(["host-7"]);
    const ca = new X509Certificate(readFileSync(join(dir, "ca.pem")));
    expect(ca.ca).toBe(true);
    const host = loadIdentity(dir, "host", "host-7");
    const certificate = new X509Certificate(host.certPem);
    expect(certificate.ca).toBe(false);
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(certificate.checkIssued(ca)).toBe(true);
    expect(certificate.subject.split("\n").sort()).toEqual(["CN=host-7", "O=xsim", "OU=host"]);
    const nats = new X509Certificate(loadIdentity(dir, "nats", "nats").certPem);
    expect(nats.checkHost("localhost")).toBe("localhost");
    expect(nats.checkIP("127.0.0.1")).toBe("127.0.0.1");
  });

  it("issues no host certificate named scheduler (its lease key would be the leader lease)", () => {
    expect(() => issueIdentity(newPki(), "host", "scheduler")).toThrow(/may not be named "scheduler"/);
  });

  it("keeps an existing CA, and every new cluster makes its own", () => {
    const dir = newPki();
    const caBefore = readFileSync(join(dir, "ca.pem"), "utf8");
    expect(ensureClusterCa(dir)).toBe(false);
    expect(readFileSync(join(dir, "ca.pem"), "utf8")).toBe(caBefore);
    expect(readFileSync(join(newPki(), "ca.pem"), "utf8")).not.toBe(caBefore);
  });

  it("refuses credentials another CA issued, a key that is not the certificate's, and missing files", () => {
    const dir = newPki(["h1", "h2"]);
    const other = newPki(["h1"]);
    const mine = identityDir(dir, "host", "h1");
    writeFileSync(join(mine, "cert.pem"), readFileSync(join(identityDir(other, "host", "h1"), "cert.pem")));
    expect(() => loadIdentity(dir, "host", "h1")).toThrow(/not issued by the cluster CA/);
    const h2 = identityDir(dir, "host", "h2");
    writeFileSync(
      join(h2, "key.pem"),
      readFileSync(join(identityDir(dir, "scheduler", "scheduler"), "key.pem")),
    );
    expect(() => loadIdentity(dir, "host", "h2")).toThrow(/is not the key of/);
    expect(() => loadIdentity(dir, "host", "nobody")).toThrow(/missing: no host credentials for "nobody"/);
  });

  it("does mutual TLS between members, and a stranger's certificate is not authorised", async () => {
    const dir = newPki(["h1"]);
    const stranger = newPki(["h1"]);
    const member = await handshake(
      loadIdentity(dir, "host", "h1"),
      loadIdentity(dir, "operator", "operator"),
    );
    expect(member.clientResult).toBe("ok");
    expect(member.server?.authorized).toBe(true);
    expect(peerIdentityOf(member.server?.subject as Record<string, string>)).toEqual({
      role: "operator",
      name: "operator",
    });
    const foreign = await handshake(loadIdentity(dir, "host", "h1"), {
      ...loadIdentity(stranger, "operator", "operator"),
      caPem: loadIdentity(dir, "host", "h1").caPem,
    });
    expect(foreign.server?.authorized).toBe(false);
    const wrongServer = await handshake(
      loadIdentity(stranger, "host", "h1"),
      loadIdentity(dir, "operator", "operator"),
    );
    expect(wrongServer.clientResult).toMatch(/certificate|signature/i);
  });

  it("issues a new host's credentials with the same CA", () => {
    const dir = newPki([]);
    const issued = issueIdentity(dir, "host", "late");
    expect(loadIdentity(dir, "host", "late").certPem).toBe(issued.certPem);
  });
});
