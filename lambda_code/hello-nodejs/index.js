/**
 * Hello world (Node.js): answers with a greeting and echoes the event it got.
 *
 * CommonJS, as a .js file is unless package.json says "type": "module"; handler index.handler.
 */
'use strict';

/** Greet whoever the event names ({"name": "..."}), else the world. */
exports.handler = async (event, context) => {
  const name = event && typeof event === 'object' && !Array.isArray(event) && 'name' in event
    ? event.name
    : 'world';
  console.log(`hello invoked for ${name}`);
  return {
    statusCode: 200,
    body: JSON.stringify({ message: `Hello, ${name}!`, requestId: context.awsRequestId }),
  };
};
