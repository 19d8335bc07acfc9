// Preloaded into the Portkey gateway (node --require) by bench/gateway/run.sh.
// Portkey's start-server.js calls @hono/node-server's serve() without a hostname, so it listens on
// every interface and has no option to change that; the benchmark binds 127.0.0.1 only.
'use strict';
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || typeof first === 'string') {
    // listen(port[, host][, backlog][, callback]): replace or insert the host
    if (args.length > 1 && (args[1] === undefined || typeof args[1] === 'string')) args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
