// Calls a template's handler once per event in the JSON file argv[3], in one process (so the
// module is loaded once, as in a warm execution environment), and prints the replies as JSON.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const [entry, eventsFile] = process.argv.slice(2);
const module = entry.endsWith('.mjs')
  ? await import(pathToFileURL(entry).href)
  : createRequire(import.meta.url)(entry);
const context = { awsRequestId: 'c0ffee00-0000-4000-8000-000000000000' };
const replies = [];
for (const event of JSON.parse(readFileSync(eventsFile, 'utf8'))) {
  replies.push(await module.handler(event, context));
}
process.stdout.write(`\n${JSON.stringify(replies)}\n`);
