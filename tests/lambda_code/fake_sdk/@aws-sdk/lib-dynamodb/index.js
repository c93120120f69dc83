// A stand-in for @aws-sdk/lib-dynamodb in tests/lambda_code: one in-memory table, items kept as
// plain objects the way DynamoDBDocumentClient returns them. FAKE_DYNAMODB_PAGE caps a scan's
// page; FAKE_DYNAMODB_DENY makes every call fail as an AccessDeniedException with that message.
const items = new Map();

function keyOf(key) {
  return JSON.stringify(Object.entries(key));
}

class Command {
  constructor(input) {
    this.input = input;
  }
}

export class PutCommand extends Command {
  run() {
    const name = process.env.KEY_NAME || 'id';
    items.set(keyOf({ [name]: this.input.Item[name] }), structuredClone(this.input.Item));
    return {};
  }
}

export class GetCommand extends Command {
  run() {
    const found = items.get(keyOf(this.input.Key));
    return found === undefined ? {} : { Item: structuredClone(found) };
  }
}

export class DeleteCommand extends Command {
  run() {
    items.delete(keyOf(this.input.Key));
    return {};
  }
}

export class ScanCommand extends Command {
  run() {
    const limit = Math.min(this.input.Limit, Number(process.env.FAKE_DYNAMODB_PAGE || Infinity));
    const keys = [...items.keys()].sort();
    const start = this.input.ExclusiveStartKey ? keys.indexOf(keyOf(this.input.ExclusiveStartKey)) + 1 : 0;
    const page = keys.slice(start, start + limit);
    const reply = { Items: page.map((key) => structuredClone(items.get(key))) };
    if (start + limit < keys.length) {
      reply.LastEvaluatedKey = Object.fromEntries(JSON.parse(page[page.length - 1]));
    }
    return reply;
  }
}

export class DynamoDBDocumentClient {
  static from(client) {
    return new DynamoDBDocumentClient(client);
  }

  constructor(client) {
    this.client = client;
  }

  async send(command) {
    const denial = process.env.FAKE_DYNAMODB_DENY;
    if (denial) {
      throw Object.assign(new Error(denial), {
        name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 },
      });
    }
    return command.run();
  }
}
