// Per-user tokens for the end-to-end tests (api/guard/jwt_verifier.h): compact JWS built with
// node's crypto alone, so a test can sign exactly what an issuer would (HS256 with a secret,
// RS256 / ES256 with the test keys in tests/fixtures/jwt/) and also what no issuer should (an
// `alg: none` token, a wrong key, a tampered payload).
import { createHmac, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { sourceDir } from './paths.js';

// RFC 7515 §2: base64url without padding.
export function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

const segment = (object) => base64url(JSON.stringify(object));

// The current time as a NumericDate (whole Unix seconds).
export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

// The test keys (published: tests/fixtures/jwt/README.md), as PEM text.
export function fixtureKey(name) {
  return readFileSync(path.join(sourceDir, 'tests/fixtures/jwt', name), 'utf8');
}
export const fixturePath = (name) => path.join(sourceDir, 'tests/fixtures/jwt', name);

// Signs `payload` (an object) with `alg`: HS256 takes `key` as the secret (string or Buffer),
// RS256 / ES256 a private key PEM. `header` adds or overrides header fields (typ: "JWT" unless
// overridden; `header: {alg: ...}` lies about the algorithm without changing how it is signed).
export function signJwt(payload, { alg = 'HS256', key, header = {} } = {}) {
  const head = segment({ alg, typ: 'JWT', ...header });
  const body = segment(payload);
  const input = `${head}.${body}`;
  let signature;
  if (alg === 'HS256') {
    signature = createHmac('sha256', key).update(input).digest();
  } else if (alg === 'RS256') {
    signature = cryptoSign('sha256', Buffer.from(input), createPrivateKey(key));
  } else if (alg === 'ES256') {
    // JWS wants r || s (RFC 7518 §3.4), not the DER node produces by default.
    signature = cryptoSign('sha256', Buffer.from(input), { key: createPrivateKey(key), dsaEncoding: 'ieee-p1363' });
  } else {
    throw new Error(`signJwt: no signer for ${alg}`);
  }
  return `${input}.${base64url(signature)}`;
}

// An unsecured JWS (RFC 7515 Appendix A.5): `alg: none` and an empty signature.
export function unsignedJwt(payload, header = {}) {
  return `${segment({ alg: 'none', typ: 'JWT', ...header })}.${segment(payload)}.`;
}

// The claims of a walcast token: `exp` `ttl` seconds from now (negative: already expired),
// `scope`, optional `sub`, and `walcast` ({customer} or {orderIds}) when `rows` is given.
export function claims({ ttl = 300, scope = 'read', sub, rows, ...more } = {}) {
  const payload = { exp: nowSeconds() + ttl, scope, ...more };
  if (sub !== undefined) payload.sub = sub;
  if (rows !== undefined) payload.walcast = rows;
  return payload;
}

// An HS256 issuer bound to one secret: issuer.token({ttl, scope, sub, rows}).
export class Hs256Issuer {
  constructor(secret) {
    this.secret = secret;
  }

  token(options = {}) {
    return signJwt(claims(options), { alg: 'HS256', key: this.secret });
  }

  // The same claims, and their signed token (to compare `exp` with what the server answers).
  issue(options = {}) {
    const payload = claims(options);
    return { payload, token: signJwt(payload, { alg: 'HS256', key: this.secret }) };
  }
}
