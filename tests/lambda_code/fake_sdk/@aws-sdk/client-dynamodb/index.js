// A stand-in for @aws-sdk/client-dynamodb in tests/lambda_code: the client is only handed on.
export class DynamoDBClient {
  constructor(config) {
    this.config = config;
  }
}
