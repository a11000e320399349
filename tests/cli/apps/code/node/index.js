exports.handler = async (event) => ({ doubled: event.n * 2, node: process.version });
