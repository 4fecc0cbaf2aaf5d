import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CubeError } from '../../errors.ts';
import { substituteEnv } from '../../model/substituteEnv.ts';

/**
 * Who may call the server, from a YAML file (`--auth FILE` or ARROWCUBE_AUTH): API
 * keys with the claims they stand for, and JWTs signed with a shared secret (HS256)
 * or by keys published in a JWKS file (RS256). What each role then sees is declared
 * with the cubes (`security:` in the definitions).
 */
const Claims = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

const AuthFileSchema = z
  .object({
    roleClaim: z.string().min(1).default('role').describe('claim naming the caller\'s role'),
    adminRoles: z.array(z.string().min(1)).default(['admin']).describe('roles allowed to call /v1/admin/*'),
    apiKeys: z
      .array(
        z
          .object({
            name: z.string().min(1).describe('who holds the key (logged, rate-limited by)'),
            key: z.string().min(16, 'an API key needs at least 16 characters').optional(),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the hex sha256 of the key').optional(),
            claims: Claims,
          })
          .strict()
          .refine((entry) => (entry.key === undefined) !== (entry.sha256 === undefined), 'give exactly one of key, sha256'),
      )
      .default([]),
    jwt: z
      .object({
        secret: z.string().min(32, 'an HS256 secret needs at least 32 characters').optional(),
        jwks: z.string().min(1).optional().describe('JWKS file with the RS256 public keys'),
        issuer: z.string().min(1).optional(),
        audience: z.string().min(1).optional(),
      })
      .strict()
      .refine((jwt) => jwt.secret !== undefined || jwt.jwks !== undefined, 'give a secret (HS256), a jwks file (RS256) or both')
      .optional(),
  })
  .strict()
  .refine((file) => file.apiKeys.length > 0 || file.jwt !== undefined, 'configure apiKeys, jwt or both');

export interface ApiKey {
  name: string;
  sha256: Buffer;
  claims: Record<string, string | string[]>;
}

export interface AuthConfig {
  roleClaim: string;
  adminRoles: string[];
  apiKeys: ApiKey[];
  jwt?: {
    secret?: string;
    /** RS256 public keys by key id ('' for a key without one). */
    publicKeys: Map<string, KeyObject>;
    issuer?: string;
    audience?: string;
  };
}

export async function loadAuthConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<AuthConfig> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw invalid(file, `cannot read it (${error.code ?? error.message})`);
  });
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw invalid(file, (error as Error).message.split('\n')[0]!);
  }
  // Substituted after parsing, so a secret's characters cannot change the YAML's meaning.
  const raw = mapStrings(document, (value) =>
    substituteEnv(value, env, (message) => {
      throw invalid(file, message);
    }),
  );
  const parsed = AuthFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(file, `${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const { roleClaim, adminRoles, apiKeys, jwt } = parsed.data;
  return {
    roleClaim,
    adminRoles,
    apiKeys: apiKeys.map(({ name, key, sha256, claims }) => ({
      name,
      sha256: key === undefined ? Buffer.from(sha256!, 'hex') : hashKey(key),
      claims,
    })),
    ...(jwt === undefined
      ? {}
      : {
          jwt: {
            ...(jwt.secret === undefined ? {} : { secret: jwt.secret }),
            publicKeys: jwt.jwks === undefined ? new Map() : await readJwks(resolve(dirname(file), jwt.jwks), file),
            ...(jwt.issuer === undefined ? {} : { issuer: jwt.issuer }),
            ...(jwt.audience === undefined ? {} : { audience: jwt.audience }),
          },
        }),
  };
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}

/** One line for the startup banner: which kinds of credentials are accepted. */
export function describeAuth(config: AuthConfig): string {
  const kinds = [
    config.apiKeys.length > 0 ? `${config.apiKeys.length} API key${config.apiKeys.length === 1 ? '' : 's'}` : '',
    config.jwt?.secret !== undefined ? 'JWT HS256' : '',
    config.jwt !== undefined && config.jwt.publicKeys.size > 0 ? `JWT RS256 (${config.jwt.publicKeys.size} key${config.jwt.publicKeys.size === 1 ? '' : 's'})` : '',
  ];
  return kinds.filter(Boolean).join(', ');
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

const JwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.literal('RSA'), kid: z.string().optional(), n: z.string(), e: z.string() })).min(1),
});

async function readJwks(path: string, file: string): Promise<Map<string, KeyObject>> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw invalid(file, `jwt.jwks: cannot read ${path} (${error.code ?? error.message})`);
  });
  let parsed;
  try {
    parsed = JwksSchema.safeParse(JSON.parse(text));
  } catch {
    throw invalid(file, `jwt.jwks: ${path} is not JSON`);
  }
  if (!parsed.success) throw invalid(file, `jwt.jwks: ${path} is not a JWKS of RSA keys ({ "keys": [{ "kty": "RSA", "kid", "n", "e" }] })`);
  const keys = new Map<string, KeyObject>();
  for (const jwk of parsed.data.keys) {
    try {
      keys.set(jwk.kid ?? '', createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
    } catch {
      throw invalid(file, `jwt.jwks: key "${jwk.kid ?? ''}" in ${path} is not a valid RSA public key`);
    }
  }
  return keys;
}

function invalid(file: string, message: string): CubeError {
  return new CubeError('CONFIG_INVALID', `${file}: ${message}`);
}
