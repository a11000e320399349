// Holds `mb` MiB outside V8's heap (Buffers), as image or file processing does.
const held = [];

export const handler = async (event) => {
  const blocks = [];
  for (let i = 0; i < event.mb; i++) blocks.push(Buffer.alloc(1 << 20, 1));
  held.push(blocks);
  held.length = 0;
  return blocks.length;
};
