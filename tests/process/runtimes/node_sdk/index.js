// A handler using the AWS SDK for JavaScript v3 as it finds it on Lambda (from the runtime's
// node_modules), with no endpoint in the code: AWS_ENDPOINT_URL points the SDK at the app.
const { SQSClient, GetQueueUrlCommand, SendMessageCommand } = require("@aws-sdk/client-sqs");

const sqs = new SQSClient({});

exports.handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queue }));
  const sent = await sqs.send(
    new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(event.order) }),
  );
  return { messageId: sent.MessageId };
};
