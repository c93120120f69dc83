// Points the AWS SDK for JavaScript v2 (`aws-sdk`) at the sandbox when a function's package
// brings it: loaded by the runtime before the handler.
//
// The SDK v3 that the runtime provides reads AWS_ENDPOINT_URL itself; v2 never does, so the
// tutorial's `new AWS.DynamoDB.DocumentClient()` would call the real AWS with the sandbox's keys.
// Every v2 entry point ("aws-sdk", "aws-sdk/clients/dynamodb", "aws-sdk/global") first loads
// aws-sdk/lib/node_loader.js, which ends by making the global AWS.config; right after that file
// runs, this sets the config's endpoint. A client made with its own `endpoint` keeps it, and no
// other module is touched: each CommonJS file still loads as before, only the name is compared.
// S3 on an endpoint without bucket subdomains needs path-style addresses, as on LocalStack.
"use strict";
const Module = require("node:module");
const path = require("node:path");

const ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL";
const V2_CONFIG_FILE = path.join("aws-sdk", "lib", "node_loader.js");
const V2_CORE_FILE = "core.js";

function pointAtEndpoint(loaderFilename, endpoint) {
  const AWS = require(path.join(path.dirname(loaderFilename), V2_CORE_FILE));
  AWS.config.update({ endpoint, s3ForcePathStyle: true });
}

function watchForSdkV2(endpoint) {
  const loadJavaScript = Module._extensions[".js"];
  Module._extensions[".js"] = function loadAndWatch(module, filename) {
    loadJavaScript.call(this, module, filename);
    if (filename.endsWith(path.sep + V2_CONFIG_FILE)) {
      pointAtEndpoint(filename, endpoint);
    }
  };
}

const endpoint = process.env[ENDPOINT_VARIABLE];
if (endpoint) {
  watchForSdkV2(endpoint);
}
