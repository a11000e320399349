// faaslib's entry for Node.js functions: `node node_entry.mjs [--imports-from-runtime] <client>
// <handler>` starts aws-lambda-ric (<client>) as Lambda's Node.js runtimes start theirs, with two
// differences that make the npm client behave as those runtimes do:
// - with --imports-from-runtime (an ES module handler), a bare import falls back to the
//   node_modules folders of NODE_PATH, the layers' and the runtime's (node_resolve.mjs: a
//   loader hook, which costs ~50 ms of cold start);
// - on nodejs18.x to nodejs22.x, whose runtimes call (event, context, callback) handlers that
//   the client (nodejs24.x's) refuses, the client is given node_loader.mjs as its handler
//   module; the loader finds the function's own handler (the _HANDLER given here) and puts
//   _HANDLER back as it was.
import { register } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CALLBACK_RUNTIMES = ["AWS_Lambda_nodejs18.x", "AWS_Lambda_nodejs20.x", "AWS_Lambda_nodejs22.x"];
const importsFromRuntime = process.argv[2] === "--imports-from-runtime";
if (importsFromRuntime) process.argv.splice(2, 1);
const [client] = process.argv.splice(2, 1);

if (importsFromRuntime && typeof register === "function") {
  // a module in a folder beside node_modules/ resolves bare imports from that node_modules/
  const fallbackParents = (process.env.NODE_PATH ?? "")
    .split(path.delimiter)
    .filter((folder) => path.basename(folder) === "node_modules")
    .map((folder) => pathToFileURL(path.join(path.dirname(folder), "index.js")).href);
  register("./node_resolve.mjs", import.meta.url, { data: { fallbackParents } });
}
if (CALLBACK_RUNTIMES.includes(process.env.AWS_EXECUTION_ENV ?? "")) {
  globalThis[Symbol.for("faaslib.runtime.client")] = client; // the loader requires as it would
  process.env.FAASLIB_HANDLER = process.env._HANDLER ?? "";
  process.env._HANDLER = `${fileURLToPath(new URL("./node_loader", import.meta.url))}.handler`;
}
await import(client);
