// An ES module handler, as `index.handler` names it on nodejs20.x.
export const handler = async (event, context) => {
  console.log("handling", JSON.stringify(event));
  return {
    echo: event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    memory: context.memoryLimitInMB,
    remainingPositive: context.getRemainingTimeInMillis() > 0,
    executionEnv: process.env.AWS_EXECUTION_ENV,
    node: process.versions.node.split(".")[0],
  };
};

export const fails = async (event) => {
  throw new TypeError(`no thumbnail for ${event.key}`);
};

export const nested = { deeper: { handler: async () => "found by its dotted path" } };
