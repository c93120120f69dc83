/**
 * Items API (Node.js): CRUD over a DynamoDB table for API Gateway's Lambda proxy integration (payload 1.0).
 *
 * Routes (resource templates as API Gateway sends them):
 *   GET /items            list items (up to 100; ?next= continues)
 *   POST /items           create an item from the JSON body; `id` is made when missing
 *   GET /items/{id}       read one item
 *   PUT /items/{id}       create or replace one item
 *   DELETE /items/{id}    delete one item
 * Environment: TABLE_NAME (required), KEY_NAME (partition key attribute, default "id").
 *
 * An ES module (index.mjs), handler index.handler. The AWS SDK for JavaScript v3 comes with
 * Lambda's Node.js 18+ runtimes, so the package holds only this file.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand,
} from '@aws-sdk/lib-dynamodb';

const PAGE_SIZE = 100;
const JSON_HEADERS = { 'Content-Type': 'application/json' };

// Made once per execution environment: warm starts reuse the client and its connections.
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

function tableName() {
  const name = process.env.TABLE_NAME;
  if (!name) {
    throw new Error('TABLE_NAME is not set: name the DynamoDB table in the environment');
  }
  return name;
}

function keyName() {
  return process.env.KEY_NAME || 'id';
}

/** The request cannot be served as sent. */
class BadRequest extends Error {}

// DynamoDB sets arrive as Set and binary as Uint8Array, which JSON.stringify would write as {}:
// sets become sorted arrays and binary base64, as the Python template writes them.
function jsonValue(_key, value) {
  if (value instanceof Set) {
    return [...value].sort((a, b) => String(a).localeCompare(String(b)));
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value).toString('base64');
  }
  return value;
}

/** A proxy response API Gateway accepts: body is always a string. */
function respond(status, body) {
  const payload = body === null ? '' : JSON.stringify(body, jsonValue);
  return { statusCode: status, headers: JSON_HEADERS, body: payload };
}

function parseBody(event) {
  let raw = event.body || '';
  if (event.isBase64Encoded) {
    raw = Buffer.from(raw, 'base64').toString('utf8');
  }
  let item;
  try {
    item = JSON.parse(raw);
  } catch (err) {
    throw new BadRequest(`body is not valid JSON: ${err.message}`);
  }
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new BadRequest('body must be a JSON object');
  }
  return item;
}

async function listItems(event) {
  const query = event.queryStringParameters || {};
  const scan = { TableName: tableName(), Limit: PAGE_SIZE };
  if (query.next) {
    scan.ExclusiveStartKey = JSON.parse(Buffer.from(query.next, 'base64url').toString('utf8'));
  }
  const page = await documents.send(new ScanCommand(scan));
  const body = { items: page.Items || [] };
  if (page.LastEvaluatedKey) {
    body.next = Buffer.from(JSON.stringify(page.LastEvaluatedKey, jsonValue)).toString('base64url');
  }
  return respond(200, body);
}

async function createItem(event) {
  const item = parseBody(event);
  if (!(keyName() in item)) {
    item[keyName()] = randomUUID();
  }
  await documents.send(new PutCommand({ TableName: tableName(), Item: item }));
  return respond(201, item);
}

async function readItem(itemId) {
  const found = await documents.send(new GetCommand({ TableName: tableName(), Key: { [keyName()]: itemId } }));
  if (!found.Item) {
    return respond(404, { message: `no item with ${keyName()} ${itemId}` });
  }
  return respond(200, found.Item);
}

async function replaceItem(event, itemId) {
  const item = parseBody(event);
  item[keyName()] = itemId;
  await documents.send(new PutCommand({ TableName: tableName(), Item: item }));
  return respond(200, item);
}

async function deleteItem(itemId) {
  await documents.send(new DeleteCommand({ TableName: tableName(), Key: { [keyName()]: itemId } }));
  return respond(204, null);
}

async function route(event) {
  const method = event.httpMethod || '';
  const itemId = (event.pathParameters || {}).id;
  if (itemId === undefined) {
    if (method === 'GET') return listItems(event);
    if (method === 'POST') return createItem(event);
  } else {
    if (method === 'GET') return readItem(itemId);
    if (method === 'PUT') return replaceItem(event, itemId);
    if (method === 'DELETE') return deleteItem(itemId);
  }
  return respond(405, { message: `${method} is not supported on ${event.resource}` });
}

/** Serve one API Gateway proxy request. */
export const handler = async (event) => {
  try {
    return await route(event);
  } catch (err) {
    if (err instanceof BadRequest) {
      return respond(400, { message: err.message });
    }
    if (err.$metadata === undefined) {
      throw err;
    }
    // Logged whole: an AccessDeniedException here names the action and table the execution
    // role lacks, which is what the console (and CloudWatch) show to fix it.
    console.error(`[ERROR] ${err.name}: ${err.message}`);
    return respond(500, { message: err.message, error: err.name });
  }
};
