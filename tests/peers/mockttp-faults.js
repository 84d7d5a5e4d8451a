// Fault-injecting reverse proxy for tests/tests/faults.rs, built on npm mockttp 4.6.5.
// A copy of ../shared/peers/mockttp-peer.js with two more kinds that fault AFTER the upstream
// applied the request (forward, let the upstream answer, then drop the client connection):
//   applied_close  forward, then FIN with no response
//   applied_reset  forward, then TCP RST with no response
// env: PORT=9300 UPSTREAM=http://127.0.0.1:4010 ; mockttp resolved through NODE_PATH.
// Arm faults for the next N matching requests:
//   POST /__fault?kind=reset|close|timeout|status|delay|midbody|applied_close|applied_reset&count=1&path=/x&code=503&retry_after=1&ms=1500
//   POST /__clear   (drop all armed faults)      GET /__seen  (request log: method path ts)
const mockttp = require('mockttp');
const { Readable } = require('node:stream');
const PORT = Number(process.env.PORT || 9300);
const UP = process.env.UPSTREAM || 'http://127.0.0.1:4010';
const seen = [];

(async () => {
  const server = mockttp.getLocal();
  await server.start(PORT);  // NB: mockttp has no host option; it listens on all interfaces
  const base = async () => {
    await server.forPost('/__fault').thenCallback(async (req) => {
      const q = new URL(req.url).searchParams;
      const kind = q.get('kind'), n = Number(q.get('count') || 1), path = q.get('path');
      let r = server.forAnyRequest().matching((rq) => !rq.path.startsWith('/__') && (!path || rq.path.split('?')[0] === path)).times(n);
      const code = Number(q.get('code') || 503);
      const headers = { 'content-type': 'application/json' };
      if (q.get('retry_after') !== null) headers['retry-after'] = q.get('retry_after');
      switch (kind) {
        case 'reset': await r.thenResetConnection(); break;            // TCP RST, no response
        case 'close': await r.thenCloseConnection(); break;            // clean FIN, no response
        case 'timeout': await r.thenTimeout(); break;                  // accepts, never answers
        case 'status': await r.thenReply(code, JSON.stringify({ error: `injected ${code}` }), headers); break;
        case 'delay': await r.delay(Number(q.get('ms') || 1000)).thenForwardTo(UP); break;
        case 'applied_close': await r.thenForwardTo(UP, { beforeResponse: () => 'close' }); break;
        case 'applied_reset': await r.thenForwardTo(UP, { beforeResponse: () => 'reset' }); break;
        case 'midbody': {                                              // headers + partial body, then abort
          const s = new Readable({ read() {} });
          s.on('error', () => {});  // the shared peer lacks this: an unhandled 'cut' kills node
          s.push('{"data":[{"id":1,"na'); setTimeout(() => s.destroy(new Error('cut')), 50);
          await r.thenStream(200, s, { 'content-type': 'application/json', 'content-length': '500' });
          break;
        }
        default: return { statusCode: 400, body: `unknown kind ${kind}` };
      }
      return { statusCode: 204 };
    });
    await server.forPost('/__clear').thenCallback(async () => { await server.reset(); await base(); return { statusCode: 204 }; });
    await server.forGet('/__seen').thenCallback(() => ({ statusCode: 200, json: seen }));
    await server.forUnmatchedRequest().thenForwardTo(UP);
  };
  await base();
  await server.on('request', (r) => { if (!r.path.startsWith('/__')) seen.push(`${r.method} ${r.path} ${r.timingEvents.startTime}`); });
  console.log(`mockttp fault proxy on http://127.0.0.1:${PORT} -> ${UP}`);
  const stop = async () => { await server.stop(); process.exit(0); };
  process.on('SIGTERM', stop); process.on('SIGINT', stop);
})();
