// The benchmark's reference: the simplest channel-broadcast hub on Node's `ws` (Debian node-ws), speaking just
// enough of swarmd's protocol v1 for scripts/bench. No durability, no authorization, no replay: a yardstick.
// Run: NODE_PATH=/usr/share/nodejs node Benchmarks/peer/peer.js [port]   (0 or none: any free port)
'use strict';
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0), path: '/v1/ws',
    perMessageDeflate: false, maxPayload: 65536 });
const channels = new Map(); // channel name -> Set of sockets
const comments = new Map(); // ticket id -> comments so far
let seq = 0;
let tickets = 0;
const send = (ws, frame) => ws.send(JSON.stringify(frame));

wss.on('listening', () => console.log(`listening on ws://127.0.0.1:${wss.address().port}/v1/ws`));
wss.on('connection', (ws, request) => {
    ws.subs = [];
    // Authorization: Bearer on the upgrade: welcome comes first, as from swarmd (any token is good here).
    if (request.headers.authorization) send(ws, { type: 'welcome', agent: 'peer', role: 'agent', server: 'peer', protocol: 1, seq });
    ws.on('close', () => ws.subs.forEach((name) => channels.get(name).delete(ws)));
    ws.on('message', (data) => {
        let f;
        try { f = JSON.parse(data); } catch { return send(ws, { type: 'error', code: 'bad_frame', message: 'a frame must be valid JSON' }); }
        try { handle(ws, f); } catch { send(ws, { type: 'error', id: f && f.id, code: 'invalid_field', message: 'bad fields' }); }
    });
});

function handle(ws, f) {
    if (f.type === 'hello') return send(ws, { type: 'welcome', id: f.id, agent: 'peer', role: 'agent', server: 'peer', protocol: 1, seq });
    if (f.type === 'subscribe') {
        for (const name of f.channels) {
            if (!channels.has(name)) channels.set(name, new Set());
            if (!channels.get(name).has(ws)) { channels.get(name).add(ws); ws.subs.push(name); }
        }
        return send(ws, { type: 'ack', id: f.id, seq });
    }
    if (f.type === 'ticket.open') { seq += 1; tickets += 1; return send(ws, { type: 'ack', id: f.id, seq, ticket: `T-${tickets}` }); }
    if (f.type === 'comment.add') {
        const at = new Date().toISOString();
        const number = (comments.get(f.ticket) || 0) + 1;
        comments.set(f.ticket, number);
        seq += 1;
        const channel = `ticket:${f.ticket}`;
        const event = { actor: 'peer', at, comment: { at, author: 'peer', body: f.body, number }, ticket: f.ticket, type: 'comment.added' };
        const frame = JSON.stringify({ channel, event, seq, type: 'event' }); // encoded once, sent to all
        for (const sub of channels.get(channel) || []) sub.send(frame);
        return send(ws, { type: 'ack', id: f.id, seq });
    }
    if (f.type === 'ping') return send(ws, { type: 'pong', id: f.id });
    send(ws, { type: 'error', id: f.id, code: 'unknown_type', message: `unknown frame type '${f.type}'` });
}
