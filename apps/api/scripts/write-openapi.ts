/**
 * `npm run openapi`: builds the app (without listening or touching a database server),
 * takes the generated OpenAPI document and writes it to packages/shared/openapi.json.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openPglite } from '../src/platform/db/client.js';
import { createLogger } from '../src/platform/logger.js';

const target = fileURLToPath(new URL('../../../packages/shared/openapi.json', import.meta.url));

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
const database = await openPglite('memory');
const app = await buildApp({ config, database, logger: createLogger(config) });
await app.ready();
const spec = app.swagger();
writeFileSync(target, `${JSON.stringify(spec, null, 2)}\n`);
await app.close();
await database.close();
process.stdout.write(`wrote ${target}\n`);
