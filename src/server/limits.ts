import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getHeapStatistics } from 'node:v8';
import { RequestError } from './httpError.ts';

/**
 * How much one client may ask and how busy the server may get before it refuses work.
 * A request over a limit is answered at once (429 RATE_LIMITED, 503 OVERLOADED, both
 * with Retry-After) instead of queueing behind the others until everything times out.
 */
export interface LimitsOptions {
  /** Requests one authenticated principal may make per window; 0: unlimited. */
  requestsPerPrincipal: number;
  /**
   * Requests one client address may make per window when it is not authenticated; 0:
   * unlimited. Off by default: without authentication the server listens on 127.0.0.1
   * for its own machine, and one address is every user behind a proxy (or a benchmark).
   */
  requestsPerAddress: number;
  rateWindowMs: number;
  /** Mean event-loop delay (ms) past which requests are shed; 0: not checked. */
  maxEventLoopDelayMs: number;
  /** V8 heap in use past which requests are shed; 0: not checked. */
  maxHeapUsedBytes: number;
  /** Resident memory past which requests are shed; 0: not checked (cubes live outside the heap, so size it to them). */
  maxRssBytes: number;
  /** How often the pressure figures are sampled. */
  sampleIntervalMs: number;
  /** Retry-After of a shed request. */
  overloadRetryAfterSeconds: number;
}

export const DEFAULT_LIMITS: LimitsOptions = {
  requestsPerPrincipal: 1200,
  requestsPerAddress: 0,
  rateWindowMs: 60_000,
  maxEventLoopDelayMs: 1000,
  maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * 0.9),
  maxRssBytes: 0,
  sampleIntervalMs: 1000,
  overloadRetryAfterSeconds: 10,
};

/**
 * Routes no limit applies to: a liveness probe that got 429 or 503 from a busy but
 * healthy server would have it restarted, and answering one costs nothing.
 */
const UNLIMITED_ROUTES = new Set(['/healthz']);

function isUnlimited(request: FastifyRequest): boolean {
  return UNLIMITED_ROUTES.has(request.routeOptions.url ?? '');
}

/**
 * Registers rate limiting and load shedding. Call it before declaring routes. The rate
 * limit runs in preParsing, after every onRequest hook, so authentication has set
 * `request.scope` by then, and before the body is read, so a throttled client
 * costs no parsing.
 */
export function registerLimits(app: FastifyInstance, options: Partial<LimitsOptions> = {}): void {
  const limits = { ...DEFAULT_LIMITS, ...options };
  registerLoadShedding(app, limits);
  registerRateLimit(app, limits);
}

function registerLoadShedding(app: FastifyInstance, limits: LimitsOptions): void {
  void app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedBytes,
    maxRssBytes: limits.maxRssBytes,
    sampleInterval: limits.sampleIntervalMs,
    pressureHandler: async (request, _reply, type) => {
      if (isUnlimited(request)) return;
      request.log.warn({ pressure: type }, 'request shed under pressure');
      throw new RequestError(
        503,
        {
          code: 'OVERLOADED',
          message: 'the server is overloaded and did not start this request',
          hint: `retry in ${limits.overloadRetryAfterSeconds} s`,
        },
        { 'retry-after': String(limits.overloadRetryAfterSeconds) },
      );
    },
  });
}

function registerRateLimit(app: FastifyInstance, limits: LimitsOptions): void {
  if (limits.requestsPerPrincipal <= 0 && limits.requestsPerAddress <= 0) return;
  const maxOf = (request: FastifyRequest) => (request.scope === null ? limits.requestsPerAddress : limits.requestsPerPrincipal);
  // Registered route by route (onRoute) the plugin would miss routes declared before it
  // finished loading; one hook of our own covers every route, whenever declared.
  void app.register(rateLimit, {
    global: false,
    timeWindow: limits.rateWindowMs,
    max: (request) => maxOf(request),
    keyGenerator: (request) => (request.scope === null ? `address ${request.ip}` : `principal ${request.scope.principal}`),
    allowList: (request) => isUnlimited(request) || maxOf(request) <= 0,
    errorResponseBuilder: (_request, context) =>
      new RequestError(429, {
        code: 'RATE_LIMITED',
        message: `more than ${context.max} requests in ${limits.rateWindowMs / 1000} s`,
        hint: `retry in ${context.after}`,
      }),
  });
  let limit: ReturnType<FastifyInstance['rateLimit']> | undefined;
  // Callback style, and the plugin skipped when no limit applies (an unauthenticated
  // caller, by default): this runs before every request, and each promise costs it time.
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (maxOf(request) <= 0) {
      done(null, payload);
      return;
    }
    limit ??= app.rateLimit();
    limit.call(app, request, reply).then(() => done(null, payload), done);
  });
}
