// The sandbox's runtime interface client for Node.js functions: `node bootstrap.mjs`.
//
// AWS's own client (aws-lambda-ric on npm) needs a C++ toolchain and cmake to build, so the
// sandbox speaks the Runtime API itself, with Node's standard library alone. It does what AWS's
// Node 18+ runtimes do, in their words:
// * the handler named by _HANDLER ("index.handler", "dir/file.handler") is loaded from the task
//   root as <name>, <name>.js, <name>.mjs or <name>.cjs; .js is an ES module when the nearest
//   package.json says "type": "module";
// * a module that is not there is Runtime.ImportModuleError "Error: Cannot find module 'x'",
//   a property that is not a function Runtime.HandlerNotFound "x.y is undefined or not
//   exported", code that does not parse Runtime.UserCodeSyntaxError; the error is posted to
//   /init/error and the process exits;
// * async handlers answer with what their promise settles to; callback handlers (and
//   context.done/succeed/fail) with what they pass, once the event loop is empty unless
//   context.callbackWaitsForEmptyEventLoop is false;
// * errors are posted as {"errorType", "errorMessage", "trace"} and logged as "Invoke Error";
//   an uncaught exception or unhandled rejection ends the invocation with its error and the
//   process with it, so the next call starts cold;
// * console.* lines read "<ISO time>\t<request id>\t<LEVEL>\t<message>", each one log event:
//   written as a frame to the sink named by _LAMBDA_TELEMETRY_LOG_FD (the sandbox's output
//   capture reads awslambdaric's frames there), else to stdout with newlines made \r.
import { closeSync, existsSync, readFileSync, statSync, writeSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const API_VERSION = "2018-06-01";
const [RUNTIME_API_HOST, RUNTIME_API_PORT] = (process.env.AWS_LAMBDA_RUNTIME_API ?? "").split(":");
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
// AWS's runtime is /var/runtime/index.mjs: its require stack names it in ImportModuleError.
const AWS_RUNTIME_ENTRY = "/var/runtime/index.mjs";
const TELEMETRY_FD_VARIABLE = "_LAMBDA_TELEMETRY_LOG_FD";
// awslambdaric's frame for a text record: magic and type, length, timestamp in microseconds.
const FRAME_TYPE_TEXT = 0xa55a0003;
const FRAME_HEADER_SIZE = 16;
// AWS's runtime exits with these after an uncaught exception / unhandled rejection.
const EXIT_UNCAUGHT_EXCEPTION = 129;
const EXIT_UNHANDLED_REJECTION = 128;
const EXIT_INIT_ERROR = 1;

const telemetryFd = takeTelemetryFd();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId;
// The invocation running, whose error an uncaught exception becomes; null between them.
let invocationRequestId = null;

function takeTelemetryFd() {
  // Read once and removed, as AWS's runtime does, so the handler cannot write frames itself.
  const value = process.env[TELEMETRY_FD_VARIABLE];
  delete process.env[TELEMETRY_FD_VARIABLE];
  const fd = Number.parseInt(value ?? "", 10);
  return Number.isInteger(fd) && fd >= 0 ? fd : null;
}

function writeLogEvent(message) {
  if (telemetryFd === null) {
    process.stdout.write(message.replaceAll("\n", "\r") + "\n");
    return;
  }
  const body = Buffer.from(message + "\n", "utf8");
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header.writeUInt32BE(FRAME_TYPE_TEXT, 0);
  header.writeUInt32BE(body.length, 4);
  header.writeBigUInt64BE(BigInt(Date.now()) * 1000n, 8);
  writeSync(telemetryFd, Buffer.concat([header, body]));
}

function logLine(level, args) {
  writeLogEvent(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${format(...args)}`);
}

function patchConsole() {
  const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => logLine(level, args);
  }
  console.trace = (...args) => {
    const stack = new Error().stack.split("\n").slice(2).join("\n");
    logLine("TRACE", [`Trace: ${format(...args)}\n${stack}`]);
  };
}

// Errors, as AWS's runtime formats them.

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
    // The stack's first line was written under the name "Error": write it again.
    Error.captureStackTrace(this, RuntimeError);
  }
}

function errorDocument(error, traceKey) {
  if (error instanceof Error) {
    const stack = typeof error.stack === "string" ? error.stack.split("\n") : [];
    return { errorType: error.name, errorMessage: error.message, [traceKey]: stack };
  }
  // A thrown string, number or object: its type names it, as on AWS.
  const message = typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  return { errorType: typeof error, errorMessage: message, [traceKey]: [] };
}

function logError(label, error) {
  logLine("ERROR", [`${label} \t${JSON.stringify(errorDocument(error, "stack"))}`]);
}

// The Runtime API.

function call(method, route, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: RUNTIME_API_HOST, port: RUNTIME_API_PORT, method, agent, path: `/${API_VERSION}/runtime/${route}`,
        headers: body === undefined ? {} : { "Content-Type": "application/json",
                                              "Content-Length": Buffer.byteLength(body) } },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ headers: response.headers,
                                           body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      });
    request.on("error", reject);
    request.end(body);
  });
}

function postError(route, error) {
  return call("POST", route, JSON.stringify(errorDocument(error, "trace")));
}

// Loading the handler.

function isEsmPackage(directory) {
  for (let folder = directory; ; folder = path.dirname(folder)) {
    const manifest = path.join(folder, "package.json");
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (path.dirname(folder) === folder) {
      return false;
    }
  }
}

function isFile(candidate) {
  try {
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

function classify(error) {
  if (error instanceof SyntaxError) {
    return new RuntimeError("Runtime.UserCodeSyntaxError", String(error));
  }
  if (error?.code === "MODULE_NOT_FOUND" || error?.code === "ERR_MODULE_NOT_FOUND") {
    return new RuntimeError("Runtime.ImportModuleError", String(error));
  }
  return error;
}

async function loadModule(moduleName) {
  const base = path.resolve(TASK_ROOT, moduleName);
  const require = createRequire(path.join(TASK_ROOT, "index.mjs"));
  const esm = isEsmPackage(path.dirname(base));
  const attempts = [
    [base, "require"],
    [`${base}.js`, esm ? "import" : "require"],
    [`${base}.mjs`, "import"],
    [`${base}.cjs`, "require"],
  ];
  for (const [candidate, how] of attempts) {
    if (!isFile(candidate)) {
      continue;
    }
    try {
      return how === "import" ? await import(pathToFileURL(candidate).href) : require(candidate);
    } catch (error) {
      throw classify(error);
    }
  }
  throw new RuntimeError("Runtime.ImportModuleError",
                         `Error: Cannot find module '${path.basename(moduleName)}'\n` +
                         `Require stack:\n- ${AWS_RUNTIME_ENTRY}`);
}

async function loadHandler(handlerSetting) {
  const slash = handlerSetting.lastIndexOf("/");
  const folder = handlerSetting.slice(0, slash + 1);
  const [fileName, ...names] = handlerSetting.slice(slash + 1).split(".");
  if (!fileName || names.length === 0) {
    throw new RuntimeError("Runtime.MalformedHandlerName", "Bad handler");
  }
  const loaded = await loadModule(folder + fileName);
  let handler = loaded;
  for (const name of names) {
    handler = handler?.[name];
  }
  if (handler === undefined || handler === null) {
    throw new RuntimeError("Runtime.HandlerNotFound",
                           `${handlerSetting} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${handlerSetting} is not a function`);
  }
  return handler;
}

// One invocation.

function contextFor(headers, settle) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const context = {
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: (error, result) => settle(error, result, context.callbackWaitsForEmptyEventLoop),
    succeed: (result) => context.done(null, result),
    fail: (error) => context.done(error),
  };
  const clientContext = headers["lambda-runtime-client-context"];
  if (clientContext) {
    context.clientContext = JSON.parse(clientContext);
  }
  const identity = headers["lambda-runtime-cognito-identity"];
  if (identity) {
    context.identity = JSON.parse(identity);
  }
  return context;
}

function runInvocation(handler, next, requestId) {
  return new Promise((finished) => {
    let settled = false;
    const post = async (error, result) => {
      if (error !== null && error !== undefined) {
        logError("Invoke Error", error);
        await postError(`invocation/${requestId}/error`, error);
      } else {
        const body = JSON.stringify(result === undefined ? null : result);
        await call("POST", `invocation/${requestId}/response`, body);
      }
      finished();
    };
    const settle = (error, result, waitForEmptyLoop) => {
      if (settled) {
        return;
      }
      settled = true;
      if (waitForEmptyLoop) {
        process.once("beforeExit", () => post(error, result));
      } else {
        post(error, result);
      }
    };
    invocationRequestId = requestId;
    const context = contextFor(next.headers, settle);
    process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"] ?? "";
    const callback = context.done;
    let returned;
    try {
      returned = handler(JSON.parse(next.body), context, callback);
    } catch (error) {
      settle(error, undefined, false);
      return;
    }
    if (typeof returned?.then === "function") {
      returned.then((result) => settle(null, result, false),
                    (error) => settle(error ?? "Error", undefined, false));
    } else if (handler.length < 3) {
      // A synchronous handler that calls nothing answers null once its work is done; one that
      // calls context.done first settles before this listener runs.
      process.once("beforeExit", () => settle(null, null, false));
    }
  });
}

function endOnUncaught(exitCode, error) {
  logError(exitCode === EXIT_UNCAUGHT_EXCEPTION ? "Uncaught Exception" : "Unhandled Promise Rejection",
           error);
  const route = invocationRequestId ? `invocation/${invocationRequestId}/error` : "init/error";
  postError(route, error).finally(() => process.exit(exitCode));
}

function watchUncaught() {
  process.on("uncaughtException", (error) => endOnUncaught(EXIT_UNCAUGHT_EXCEPTION, error));
  process.on("unhandledRejection", (reason) => {
    const error = new RuntimeError("Runtime.UnhandledPromiseRejection", String(reason));
    endOnUncaught(EXIT_UNHANDLED_REJECTION, error);
  });
}

// Points an SDK v2 (aws-sdk) that the function's package brings at the sandbox, as v3 already
// is through AWS_ENDPOINT_URL; loaded before the handler so it sees every require of it.
const SDK_V2_PRELOAD = "./sdk_v2_endpoint.cjs";

async function main() {
  patchConsole();
  createRequire(import.meta.url)(SDK_V2_PRELOAD);
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER ?? "");
  } catch (error) {
    logError("Uncaught Exception", error);
    await postError("init/error", error);
    process.exit(EXIT_INIT_ERROR);
  }
  watchUncaught();
  for (;;) {
    invocationRequestId = null;
    const next = await call("GET", "invocation/next");
    currentRequestId = next.headers["lambda-runtime-aws-request-id"];
    await runInvocation(handler, next, currentRequestId);
  }
}

main().catch((error) => {
  // The Runtime API went away: the sandbox stopped this worker.
  if (telemetryFd !== null) {
    closeSync(telemetryFd);
  }
  process.exitCode = error?.code === "ECONNREFUSED" || error?.code === "ECONNRESET" ? 0 : 1;
});
