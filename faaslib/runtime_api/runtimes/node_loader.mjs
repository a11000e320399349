// faaslib's handler loader for nodejs18.x, nodejs20.x and nodejs22.x.
//
// aws-lambda-ric 4 (the client npm ships, with a prebuilt native part) serves the handlers of
// nodejs24.x: it refuses (event, context, callback) handlers, which Lambda's Node.js 18 to 22
// runtimes call. node_entry.mjs starts it with this module as the handler: the function's handler
// is loaded here by the client's rules (same lookup, same Runtime.* errors), handed over as it is
// when it is async, and wrapped into an async function that settles on its callback (and
// context.done/succeed/fail, as those runtimes give) when it takes one.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const handlerString = process.env.FAASLIB_HANDLER ?? "";
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
process.env._HANDLER = handlerString; // the function sees its own handler, as on Lambda
delete process.env.FAASLIB_HANDLER;

function runtimeError(name, message, stack) {
  const error = new Error(message);
  error.name = name;
  if (stack) error.stack = stack;
  return error;
}

async function loadModule(moduleRoot, moduleName) {
  const full = path.resolve(taskRoot, moduleRoot, moduleName);
  try {
    for (const extension of ["", ".js", ".mjs", ".cjs"]) {
      if (existsSync(full + extension)) return await import(full + extension);
    }
    const client = globalThis[Symbol.for("faaslib.runtime.client")];
    const require = createRequire(client ?? path.join(taskRoot, "index.js"));
    const paths = [taskRoot, path.join(taskRoot, moduleRoot)];
    return require(require.resolve(moduleName, { paths }));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw runtimeError("Runtime.UserCodeSyntaxError", String(error), error.stack);
    }
    if (error instanceof Error && error.code === "MODULE_NOT_FOUND") {
      throw runtimeError("Runtime.ImportModuleError", String(error));
    }
    throw error;
  }
}

async function loadHandler() {
  if (handlerString.includes("..")) {
    throw runtimeError(
      "Runtime.MalformedHandlerName",
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = path.basename(handlerString);
  const match = base.match(/^([^.]*)\.(.*)$/);
  if (!match) throw runtimeError("Runtime.MalformedHandlerName", "Bad handler");
  const moduleRoot = handlerString.substring(0, handlerString.indexOf(base)).replace(/\/$/, "");
  const module = await loadModule(moduleRoot, match[1]);
  const find = (from) =>
    match[2].split(".").reduce((nested, key) => (nested && typeof nested === "object" ? nested[key] : undefined), from);
  let found = find(module);
  if (!found && typeof module === "object" && module !== null && "default" in module) {
    found = find(module.default);
  }
  if (!found) {
    throw runtimeError("Runtime.HandlerNotFound", `${handlerString} is undefined or not exported`);
  }
  if (typeof found !== "function") {
    throw runtimeError("Runtime.HandlerNotFound", `${handlerString} is not a function`);
  }
  return found;
}

function settlingOnCallback(takesCallback) {
  return (event, context) =>
    new Promise((resolve, reject) => {
      let settled = false;
      const callback = (error, result) => {
        if (settled) return;
        settled = true;
        if (error !== undefined && error !== null) reject(error);
        else resolve(result);
      };
      context.done = callback;
      context.succeed = (result) => callback(null, result);
      context.fail = (error) => callback(error ?? "handled");
      try {
        const returned = takesCallback(event, context, callback);
        if (returned && typeof returned.then === "function") {
          returned.then((result) => callback(null, result), callback);
        }
      } catch (error) {
        callback(error);
      }
    });
}

const userHandler = await loadHandler();
const isStreaming = Boolean(userHandler[Symbol.for("aws.lambda.runtime.handler.streaming")]);
export const handler =
  userHandler.length >= 3 && !isStreaming ? settlingOnCallback(userHandler) : userHandler;
