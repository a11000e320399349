// The same handler as node_sdk/index.js as an ES module: on Lambda, `import` finds the SDK the
// runtime includes, though NODE_PATH means nothing to it.
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

const sqs = new SQSClient({});

export const handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queue }));
  const sent = await sqs.send(
    new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(event.order) }),
  );
  return { messageId: sent.MessageId };
};
