import { createHash, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import * as der from "./der.js";

/**
 * X.509 v3 certificates (RFC 5280) signed with ECDSA P-256 / SHA-256, built with node:crypto alone:
 * the cluster CA and the certificates it issues to hosts, the scheduler, the operator and nats-server.
 */

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organizationalUnit: "2.5.4.11",
  organization: "2.5.4.10",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** Bytes of a random serial number (RFC 5280: at most 20 octets, positive). */
const SERIAL_BYTE_COUNT = 16;
/** notBefore is set this far in the past, for clocks of different machines that disagree a little. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;

/** A distinguished name as xensim uses it: O=organization, OU=role, CN=name. */
export interface DistinguishedName {
  organization: string;
  organizationalUnit: string;
  commonName: string;
}

export interface CertificateRequest {
  subject: DistinguishedName;
  subjectPublicKey: KeyObject;
  issuer: DistinguishedName;
  issuerPrivateKey: KeyObject;
  /** The issuer's public key, for the authority key identifier (the subject's own for a root). */
  issuerPublicKey: KeyObject;
  isCa: boolean;
  validityDays: number;
  /** DNS names and IP addresses this certificate is valid for (servers that clients verify by name). */
  altNames?: readonly string[];
  now?: Date;
}

/** Issues one certificate; returns it PEM-encoded. */
export function issueCertificate(request: CertificateRequest): string {
  const now = request.now ?? new Date();
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter = new Date(now.getTime() + request.validityDays * 24 * 3600 * 1000);
  const serial = randomBytes(SERIAL_BYTE_COUNT);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive and of full length
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(serial),
    algorithm,
    encodeName(request.issuer),
    der.sequence(der.time(notBefore), der.time(notAfter)),
    encodeName(request.subject),
    spki(request.subjectPublicKey),
    der.explicit(3, der.sequence(...extensions(request))),
  );
  const signature = sign("sha256", tbs, request.issuerPrivateKey); // DER ECDSA-Sig-Value
  const certificate = der.sequence(tbs, algorithm, der.bitString(signature));
  const base64 = certificate.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

function encodeName(name: DistinguishedName): Buffer {
  const rdn = (type: string, value: string) => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(
    rdn(OID.organization, name.organization),
    rdn(OID.organizationalUnit, name.organizationalUnit),
    rdn(OID.commonName, name.commonName),
  );
}

function spki(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: "spki", format: "der" });
}

/** The key identifier of RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  // The SPKI of an EC P-256 key ends with the 65-byte uncompressed point (the BIT STRING's content).
  const point = spki(publicKey).subarray(-65);
  return createHash("sha1").update(point).digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(id), der.octetString(value));
}

function extensions(request: CertificateRequest): Buffer[] {
  const list = [
    extension(OID.basicConstraints, true, der.sequence(...(request.isCa ? [der.boolean(true)] : []))),
    // keyCertSign + cRLSign (bits 5, 6) for the CA; digitalSignature (bit 0) for the others.
    extension(
      OID.keyUsage,
      true,
      request.isCa ? der.bitString(Buffer.from([0x06]), 1) : der.bitString(Buffer.from([0x80]), 7),
    ),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(request.subjectPublicKey))),
    extension(
      OID.authorityKeyIdentifier,
      false,
      der.sequence(der.implicitPrimitive(0, keyIdentifier(request.issuerPublicKey))),
    ),
  ];
  if (!request.isCa)
    list.push(
      extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth))),
    );
  if (request.altNames && request.altNames.length > 0)
    list.push(extension(OID.subjectAltName, false, der.sequence(...request.altNames.map(altName))));
  return list;
}

/** GeneralName: dNSName [2] IA5String or iPAddress [7] OCTET STRING (IPv4 only here). */
function altName(name: string): Buffer {
  if (isIP(name) === 4) return der.implicitPrimitive(7, Buffer.from(name.split(".").map(Number)));
  return der.implicitPrimitive(2, Buffer.from(name, "ascii"));
}
