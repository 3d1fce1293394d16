import {
  generateKeyPairSync,
  createPrivateKey,
  createPublicKey,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueCertificate, type DistinguishedName } from "./x509.js";
import { type Role, ROLES, subjectOf, CLUSTER_ORGANIZATION } from "./roles.js";

/**
 * The cluster's identity on disk, made at set-up (`xsim up`, compose's `pki` service, a test):
 *
 *   <pki>/ca.pem, <pki>/ca-key.pem          the cluster CA (its key only where certificates are issued)
 *   <pki>/hosts/<hostId>/{cert,key}.pem     one per host: CN=<hostId>, OU=host
 *   <pki>/<role>/{cert,key}.pem             scheduler, operator (the CLI user), nats (nats-server)
 *
 * Nothing here is ever checked in: every cluster makes its own CA.
 */

/** Validity of the cluster CA and of what it issues. */
export const CA_VALIDITY_DAYS = 3650;
export const CERTIFICATE_VALIDITY_DAYS = 825;

/** One service's credentials: the CA it trusts, its certificate and key (PEM). */
export interface ServiceIdentity {
  role: Role;
  name: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

export class PkiError extends Error {}

/** The one host id no certificate is issued for (docs/specs/ha.md: `lease.scheduler` is the leader lease). */
export const RESERVED_HOST_NAME = "scheduler";

export function identityDir(pkiDir: string, role: Role, name: string): string {
  return role === "host" ? join(pkiDir, "hosts", name) : join(pkiDir, role);
}

const CA_NAME: DistinguishedName = {
  organization: CLUSTER_ORGANIZATION,
  organizationalUnit: "ca",
  commonName: "xsim cluster CA",
};

/** Makes a new cluster CA in `pkiDir` unless one is there; returns whether it made one. */
export function ensureClusterCa(pkiDir: string): boolean {
  if (existsSync(join(pkiDir, "ca.pem")) && existsSync(join(pkiDir, "ca-key.pem"))) return false;
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = newKeyPair();
  const certPem = issueCertificate({
    subject: CA_NAME,
    subjectPublicKey: publicKey,
    issuer: CA_NAME,
    issuerPrivateKey: privateKey,
    issuerPublicKey: publicKey,
    isCa: true,
    validityDays: CA_VALIDITY_DAYS,
  });
  writeFileSync(join(pkiDir, "ca-key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), {
    mode: 0o600,
  });
  writeFileSync(join(pkiDir, "ca.pem"), certPem, { mode: 0o644 });
  return true;
}

/** Issues (or re-issues) one service's certificate and key with the CA in `pkiDir`. */
export function issueIdentity(
  pkiDir: string,
  role: Role,
  name: string,
  altNames: readonly string[] = [],
): ServiceIdentity {
  if (!ROLES.includes(role)) throw new PkiError(`unknown role "${role}": use ${ROLES.join(", ")}`);
  // A host's lease is `lease.<hostId>` (docs/specs/ha.md); the scheduler's leader lease is `lease.scheduler`.
  if (role === "host" && name === RESERVED_HOST_NAME)
    throw new PkiError(`a host may not be named "${name}": its HA lease key is the scheduler's`);
  const caKeyPath = join(pkiDir, "ca-key.pem");
  if (!existsSync(caKeyPath)) throw new PkiError(`${caKeyPath} is missing: cannot issue certificates`);
  const caKey = createPrivateKey(readFileSync(caKeyPath));
  const caPem = readFileSync(join(pkiDir, "ca.pem"), "utf8");
  const { publicKey, privateKey } = newKeyPair();
  const certPem = issueCertificate({
    subject: subjectOf(role, name),
    subjectPublicKey: publicKey,
    issuer: CA_NAME,
    issuerPrivateKey: caKey,
    issuerPublicKey: createPublicKey(caKey),
    isCa: false,
    validityDays: CERTIFICATE_VALIDITY_DAYS,
    altNames,
  });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const dir = identityDir(pkiDir, role, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, "key.pem"), keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "cert.pem"), certPem, { mode: 0o644 });
  return { role, name, caPem, certPem, keyPem };
}

/** Reads one service's credentials; a clear error names what is missing or does not match. */
export function loadIdentity(pkiDir: string, role: Role, name: string): ServiceIdentity {
  const dir = identityDir(pkiDir, role, name);
  const paths = { ca: join(pkiDir, "ca.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  for (const path of Object.values(paths))
    if (!existsSync(path))
      throw new PkiError(`${path} is missing: no ${role} credentials for "${name}" in ${pkiDir}`);
  const caPem = readFileSync(paths.ca, "utf8");
  const certPem = readFileSync(paths.cert, "utf8");
  const keyPem = readFileSync(paths.key, "utf8");
  const certificate = new X509Certificate(certPem);
  if (!certificate.verify(new X509Certificate(caPem).publicKey))
    throw new PkiError(`${paths.cert} was not issued by the cluster CA ${paths.ca}`);
  if (!certificate.checkPrivateKey(createPrivateKey(keyPem)))
    throw new PkiError(`${paths.key} is not the key of ${paths.cert}`);
  return { role, name, caPem, certPem, keyPem };
}

function newKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" });
}
