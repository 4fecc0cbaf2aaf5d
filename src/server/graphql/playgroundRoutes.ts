import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PLAYGROUND_TABS } from './playgroundExamples.ts';
import { GRAPHQL_PATH } from './registerGraphQL.ts';

export const PLAYGROUND_PATH = '/graphiql';

/**
 * The assets the playground loads, all from npm packages on this server (mercurius's
 * built-in GraphiQL fetches them from a CDN and shows a blank page offline).
 */
const ASSETS: Record<string, { module: string; file: string; type: string }> = {
  'react.production.min.js': { module: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.production.min.js': { module: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.min.js': { module: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.min.css': { module: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

const require = createRequire(import.meta.url);

export function playgroundRoutes(app: FastifyInstance): void {
  const cache = new Map<string, Promise<Buffer>>();
  const asset = (name: string) => {
    let content = cache.get(name);
    if (content === undefined) {
      const { module, file } = ASSETS[name]!;
      content = readFile(join(dirname(require.resolve(`${module}/package.json`)), file));
      content.catch(() => cache.delete(name));
      cache.set(name, content);
    }
    return content;
  };

  // The page and its assets are static and hold no data: queries it sends carry the credentials.
  app.get(PLAYGROUND_PATH, { config: { public: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(playgroundPage()),
  );

  for (const [name, { type }] of Object.entries(ASSETS)) {
    app.get(`${PLAYGROUND_PATH}/assets/${name}`, { config: { public: true } }, async (_request, reply) =>
      reply.type(`${type}; charset=utf-8`).header('cache-control', 'public, max-age=86400').send(await asset(name)),
    );
  }
}

/** JSON inside a <script>: `<` escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

function playgroundPage(): string {
  const assets = `${PLAYGROUND_PATH}/assets`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>arrowcube · GraphiQL</title>
  <link rel="stylesheet" href="${assets}/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading the playground…</div>
  <script src="${assets}/react.production.min.js"></script>
  <script src="${assets}/react-dom.production.min.js"></script>
  <script src="${assets}/graphiql.min.js"></script>
  <script>
    const tabs = ${scriptJson(PLAYGROUND_TABS)};
    const fetcher = GraphiQL.createFetcher({ url: new URL(${scriptJson(GRAPHQL_PATH)}, location.href).href });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultTabs: tabs,
        defaultQuery: tabs[0].query,
        defaultEditorToolsVisibility: false,
        shouldPersistHeaders: false,
      }),
    );
  </script>
</body>
</html>
`;
}
