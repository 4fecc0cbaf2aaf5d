import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthConfig, type AuthConfig } from '../../src/server/auth/authConfig.ts';

/**
 * Credentials for tests, made with node:crypto alone (not the server's JWT library),
 * and an auth configuration file that accepts them.
 */
export const HS256_SECRET = 'test-secret-of-more-than-thirty-two-characters';
export const HEAD_OFFICE_KEY = 'head-office-key-0123456789';
export const ADMIN_KEY = 'admin-key-0123456789abcdef';
export const RSA_KID = 'test-rsa-1';

export interface Credentials {
  config: AuthConfig;
  configFile: string;
  /** The RSA private key whose public half the JWKS file publishes under RSA_KID. */
  rsaKey: KeyObject;
  remove(): Promise<void>;
}

export async function credentials(): Promise<Credentials> {
  const dir = await mkdtemp(join(tmpdir(), 'arrowcube-auth-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: RSA_KID, alg: 'RS256', use: 'sig' }] }));
  const configFile = join(dir, 'auth.yaml');
  await writeFile(
    configFile,
    [
      'apiKeys:',
      '  - { name: dashboard, key: "${HEAD_OFFICE_KEY}", claims: { role: head_office } }',
      '  - { name: ops, key: "${ADMIN_KEY}", claims: { role: admin } }',
      'jwt:',
      '  secret: "${JWT_SECRET}"',
      '  jwks: jwks.json',
      '  issuer: https://login.example-bank.cn',
      '',
    ].join('\n'),
  );
  const config = await loadAuthConfig(configFile, { HEAD_OFFICE_KEY, ADMIN_KEY, JWT_SECRET: HS256_SECRET });
  return { config, configFile, rsaKey: privateKey, remove: () => rm(dir, { recursive: true, force: true }) };
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A JWT with the given claims, valid for an hour and issued by the configured issuer unless overridden. */
export function hs256(claims: Record<string, unknown>, secret = HS256_SECRET, header: Record<string, unknown> = {}): string {
  const input = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...header }))}.${base64url(JSON.stringify(withDefaults(claims)))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function rs256(claims: Record<string, unknown>, key: KeyObject, kid = RSA_KID): string {
  const input = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${base64url(JSON.stringify(withDefaults(claims)))}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** An unsigned token (`alg: none`), which must never be accepted. */
export function unsigned(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(withDefaults(claims)))}.`;
}

function withDefaults(claims: Record<string, unknown>): Record<string, unknown> {
  return { iss: 'https://login.example-bank.cn', iat: now(), exp: now() + 3600, ...claims };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
