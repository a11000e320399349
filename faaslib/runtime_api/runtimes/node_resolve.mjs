// faaslib's module resolution hook for ES module handlers: a bare import that the function's
// own folders do not have is looked up in the node_modules folders of NODE_PATH, in order (the
// layers' nodejs/node_modules, then the runtime's), as on Lambda, where `import { S3Client }
// from "@aws-sdk/client-s3"` finds the SDK the runtime includes. NODE_PATH itself means
// nothing to `import`, only to `require`.
let fallbackParents = [];

export async function initialize(data) {
  fallbackParents = data?.fallbackParents ?? [];
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const isBare = !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !isBare) throw error;
    for (const parentURL of fallbackParents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (fallbackError) {
        if (fallbackError?.code !== "ERR_MODULE_NOT_FOUND") throw fallbackError;
      }
    }
    throw error;
  }
}
