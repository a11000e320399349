// A CommonJS handler in both of Node.js's classic styles.
exports.handler = async (event) => ({ style: "async", echo: event });

exports.callback = (event, context, callback) => {
  setImmediate(() => callback(null, { style: "callback", echo: event }));
};

exports.callbackError = (event, context, callback) => {
  callback(new RangeError("quantity out of range"));
};
