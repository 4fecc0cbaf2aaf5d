import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import {
  getNamedType,
  getOperationAST,
  GraphQLObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql/index.js';
import { LRUCache } from 'lru-cache';
import type { CubeEngine } from '../../engine/index.ts';
import { canSee, roleOf, type AccessScope } from '../../model/accessScope.ts';
import type { CubeData } from '../../model/data.ts';
import { QueryMetaType } from './sharedTypes.ts';

/**
 * Whole GraphQL responses by request: the same body from a caller with the same role
 * and row claims, over the same cube versions, gets the bytes served last time, before
 * mercurius parses or executes anything. The engine's result cache still pays for
 * argument coercion, the resolvers and serialisation on every request; this skips them.
 *
 * A hit must not claim to be fresh: every `meta { cached elapsedMs }` the request
 * selects (aliases and fragments included) is stored as `true` and as a placeholder
 * filled with the hit's own elapsed time. Only successful queries are kept — never
 * errors, partial answers, subscriptions or mutations.
 */

/** The stored response split around its elapsedMs values: a hit joins the parts with its own. */
type StoredResponse = readonly string[];

interface Pending {
  key: string;
  document?: DocumentNode;
  schema?: GraphQLSchema;
}

/** A number no answer is expected to hold; a response that does hold it is simply not kept. */
const ELAPSED_MARK = -1.2345678901234567e-299;
const ELAPSED_TEXT = JSON.stringify(ELAPSED_MARK);

/** Share of the engine's cache budget the responses get (small: a response is its JSON text). */
const BUDGET_SHARE = 0.25;

export class ResponseCache {
  private readonly lru: LRUCache<string, StoredResponse>;
  private readonly pending = new WeakMap<FastifyRequest, Pending>();

  constructor(bytes: number) {
    this.lru = new LRUCache({
      maxSize: bytes,
      sizeCalculation: (parts, key) => 2 * (key.length + parts.reduce((sum, part) => sum + part.length, 0)) + 64,
    });
  }

  clear(): void {
    this.lru.clear();
  }

  /**
   * preHandler of POST /graphql: true when it answered (a hit); else it remembers the key
   * to keep the answer under. `context`: what besides the body the answer depends on.
   */
  answer(request: FastifyRequest, reply: FastifyReply, context: string): boolean {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
    const key = `${context}\n${JSON.stringify(body)}`;
    const hit = this.lru.get(key);
    if (hit === undefined) {
      this.pending.set(request, { key });
      return false;
    }
    const elapsed = String(reply.elapsedTime);
    void reply.code(200).type('application/json; charset=utf-8').send(hit.length === 1 ? hit[0] : hit.join(elapsed));
    return true;
  }

  /** mercurius preExecution: the document and schema the stored copy is rewritten by. */
  noteExecution(request: FastifyRequest | undefined, schema: GraphQLSchema, document: DocumentNode): void {
    const pending = request === undefined ? undefined : this.pending.get(request);
    if (pending === undefined) return;
    pending.document = document;
    pending.schema = schema;
  }

  /** preSerialization of POST /graphql: keeps a successful query's answer. */
  keep(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const pending = this.pending.get(request);
    this.pending.delete(request);
    if (pending?.document === undefined || pending.schema === undefined || reply.statusCode !== 200) return;
    const response = payload as { data?: unknown; errors?: unknown } | null;
    if (response === null || typeof response !== 'object' || response.errors !== undefined || response.data == null) return;
    const operationName = (request.body as { operationName?: unknown }).operationName;
    const operation = getOperationAST(pending.document, typeof operationName === 'string' ? operationName : undefined);
    if (operation?.operation !== 'query') return;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of pending.document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    const marks = { count: 0 };
    const data = markMeta(response.data, [operation.selectionSet], pending.schema.getQueryType()!, fragments, marks);
    const parts = JSON.stringify({ ...response, data }).split(ELAPSED_TEXT);
    // More parts than marks: an answer held the mark itself, and a hit would rewrite it.
    if (parts.length - 1 === marks.count) this.lru.set(pending.key, parts);
  }
}

/**
 * Serves repeated GraphQL queries from a ResponseCache sized by the engine's cache
 * budget (none when the engine caches nothing, so "uncached" stays uncached). Call it
 * right after registering mercurius: it adds its hooks to the POST route as that is declared.
 */
export function registerResponseCache(app: FastifyInstance, engine: CubeEngine, path: string): ResponseCache | undefined {
  const bytes = Math.floor(engine.cacheBytes * BUDGET_SHARE);
  // Not above 0 (NaN included: an engine stand-in without a budget) means no cache.
  if (!(bytes > 0)) return undefined;
  const cache = new ResponseCache(bytes);
  // engine.cubes() is the same array until a version is loaded, so its versions are spelt once.
  const versions = new WeakMap<readonly CubeData[], string>();
  const context = (request: FastifyRequest) => {
    const cubes = engine.cubes();
    let loaded = versions.get(cubes);
    if (loaded === undefined) {
      loaded = cubes.map((cube) => `${cube.model.name}@${cube.version}`).join(',');
      versions.set(cubes, loaded);
    }
    return `${scopeKey(request.scope, cubes)}\n${loaded}`;
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url !== path || route.method !== 'POST') return;
    // Route hooks run after the app's: authentication, limits and body parsing come first.
    // Callback style: a hit sends and never calls done, so nothing else runs for it.
    route.preHandler = [
      ...hooksOf(route.preHandler),
      (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        if (!cache.answer(request, reply, context(request))) done();
      },
    ];
    route.preSerialization = [
      ...hooksOf(route.preSerialization),
      async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
        cache.keep(request, reply, payload);
        return payload;
      },
    ];
  });
  void app.register(async (instance) => {
    instance.graphql.addHook('preExecution', async (schema, document, context) => {
      cache.noteExecution((context as { reply?: FastifyReply }).reply?.request, schema, document);
    });
  });
  return cache;
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/**
 * Callers share entries only when they may see the same thing: the same role, and the
 * same values of the claims its row rules read. Other claims (a token's iat, exp, jti)
 * change nothing an answer holds, so a refreshed token keeps hitting.
 */
function scopeKey(scope: AccessScope | null, cubes: readonly CubeData[]): string {
  if (scope === null) return '';
  const read = new Set<string>();
  for (const { model } of cubes) {
    if (canSee(model, scope)) for (const rule of roleOf(model, scope)?.rows ?? []) read.add(rule.claim);
  }
  return JSON.stringify([scope.role, [...read].sort().map((claim) => [claim, scope.claims[claim] ?? null])]);
}

/**
 * A copy of `value` (the data under `type`) in which every selected QueryMeta `cached`
 * is true and every `elapsedMs` is ELAPSED_MARK; untouched parts are shared, not copied.
 */
function markMeta(
  value: unknown,
  selectionSets: readonly SelectionSetNode[],
  type: GraphQLObjectType,
  fragments: Record<string, FragmentDefinitionNode>,
  marks: { count: number },
): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => markMeta(item, selectionSets, type, fragments, marks));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const [key, nodes] of collectFields(selectionSets, fragments)) {
    if (!(key in source)) continue;
    const name = nodes[0]!.name.value;
    let next = source[key];
    if (type === QueryMetaType && (name === 'cached' || name === 'elapsedMs')) {
      next = name === 'cached' ? true : ELAPSED_MARK;
      if (name === 'elapsedMs') marks.count++;
    } else {
      const field = type.getFields()[name];
      const named = field === undefined ? undefined : getNamedType(field.type);
      if (!(named instanceof GraphQLObjectType)) continue;
      const inner = nodes.flatMap((node) => (node.selectionSet === undefined ? [] : [node.selectionSet]));
      next = markMeta(source[key], inner, named, fragments, marks);
    }
    if (next !== source[key]) {
      copy ??= { ...source };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

/** Field nodes by response key (alias or name), through fragments; the schema has no abstract types. */
function collectFields(
  selectionSets: readonly SelectionSetNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  fields = new Map<string, FieldNode[]>(),
  seen = new Set<string>(),
): Map<string, FieldNode[]> {
  for (const selectionSet of selectionSets) {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        fields.set(key, [...(fields.get(key) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collectFields([selection.selectionSet], fragments, fields, seen);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments[selection.name.value];
        if (fragment !== undefined) collectFields([fragment.selectionSet], fragments, fields, seen);
      }
    }
  }
  return fields;
}
