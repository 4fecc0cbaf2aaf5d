import fastifyJwt from '@fastify/jwt';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessScope } from '../../model/accessScope.ts';
import { RequestError } from '../httpError.ts';
import { hashKey, type AuthConfig } from './authConfig.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null when the server runs without authentication. */
    scope: AccessScope | null;
  }
  interface FastifyContextConfig {
    /** Served without credentials (health checks, the playground's static page). */
    public?: boolean;
    /** Served only to the configured admin roles (operator routes such as reload). */
    admin?: boolean;
  }
}

const API_KEY_HEADER = 'x-api-key';

/**
 * Authenticates every request but the public ones into `request.scope`, which every
 * route hands to the engine. Without a configuration the server is open: no scope,
 * everything visible (serve() then binds loopback by default and says so).
 */
export function registerAuth(app: FastifyInstance, config: AuthConfig | null): void {
  app.decorateRequest('scope', null);
  if (config === null) return;

  if (config.jwt !== undefined) {
    const { secret, publicKeys, issuer, audience } = config.jwt;
    const algorithms = [...(secret === undefined ? [] : ['HS256']), ...(publicKeys.size === 0 ? [] : ['RS256'])];
    void app.register(fastifyJwt, {
      // The key follows the token's declared algorithm, so an RSA public key is never
      // used as an HMAC secret (algorithm confusion), and `alg: none` has no key.
      secret: async (_request: FastifyRequest, token: unknown) => {
        const header = (token as { header?: { alg?: unknown; kid?: unknown } }).header ?? {};
        if (header.alg === 'HS256' && secret !== undefined) return secret;
        const key = header.alg === 'RS256' ? publicKeys.get(typeof header.kid === 'string' ? header.kid : '') : undefined;
        if (key === undefined) throw unauthorized('TOKEN_INVALID', `no key for a token signed with ${String(header.alg)} (key id "${String(header.kid ?? '')}")`);
        return key.export({ format: 'pem', type: 'spki' }).toString();
      },
      decode: { complete: true },
      verify: {
        algorithms: algorithms as ['HS256'],
        // A token that never expires cannot be revoked by waiting.
        requiredClaims: ['exp'],
        ...(issuer === undefined ? {} : { allowedIss: issuer }),
        ...(audience === undefined ? {} : { allowedAud: audience }),
      },
    });
  }

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true) return;
    request.scope = await authenticate(request, config);
    // The matched route decides, not the URL as sent: the router decodes `/v1/%61dmin/…`.
    if (request.routeOptions.config?.admin === true) requireAdmin(request.scope, config);
  });
}

async function authenticate(request: FastifyRequest, config: AuthConfig): Promise<AccessScope> {
  const apiKey = request.headers[API_KEY_HEADER];
  if (typeof apiKey === 'string') {
    const hash = hashKey(apiKey);
    const holder = config.apiKeys.find((candidate) => timingSafeEqual(candidate.sha256, hash));
    if (holder === undefined) throw unauthorized('API_KEY_INVALID', 'the API key is not valid');
    return scopeOf(holder.name, holder.claims, config.roleClaim);
  }
  const authorization = request.headers.authorization;
  if (authorization === undefined || config.jwt === undefined || !/^Bearer\s+\S/i.test(authorization)) {
    const accepted = [config.apiKeys.length > 0 ? `an ${API_KEY_HEADER} header` : '', config.jwt ? 'Authorization: Bearer <JWT>' : '']
      .filter(Boolean)
      .join(' or ');
    throw unauthorized('AUTH_REQUIRED', `credentials required: send ${accepted}`);
  }
  let payload: Record<string, unknown>;
  try {
    payload = await request.jwtVerify<Record<string, unknown>>();
  } catch (error) {
    if (error instanceof RequestError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') throw unauthorized('TOKEN_EXPIRED', 'the token has expired');
    throw unauthorized('TOKEN_INVALID', `the token is not valid: ${(error as Error).message}`);
  }
  const subject = typeof payload.sub === 'string' ? payload.sub : 'jwt';
  return scopeOf(subject, payload, config.roleClaim);
}

function scopeOf(principal: string, claims: Record<string, unknown>, roleClaim: string): AccessScope {
  const role = claims[roleClaim];
  return { principal, role: typeof role === 'string' ? role : '', claims };
}

function unauthorized(code: 'AUTH_REQUIRED' | 'API_KEY_INVALID' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED', message: string): RequestError {
  return new RequestError(401, { code, message }, { 'www-authenticate': 'Bearer' });
}

/** Admin routes answer any caller of an open server, otherwise the configured admin roles only. */
function requireAdmin(scope: AccessScope, config: AuthConfig): void {
  if (!config.adminRoles.includes(scope.role)) {
    throw new RequestError(403, { code: 'ACCESS_DENIED', message: `role "${scope.role}" may not use admin routes` });
  }
}
