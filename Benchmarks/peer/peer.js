// The benchmark's reference: the simplest channel-broadcast hub on Node's `ws` (Debian node-ws), speaking just
// enough of swarmd's protocol v1 for scripts/bench. No durability, no authorization, no replay: a yardstick.
// For the attachments scenario it also takes files, as minimally as an uploader can and still persist and hash:
// POST /upload streams the body into a file in DIR while hashing it (SHA-256), fsyncs it once at the end and
// answers 201 {"id","sha256","size"}; GET /download/<id> streams the file back.
// Run: NODE_PATH=/usr/share/nodejs node Benchmarks/peer/peer.js [port [DIR]]   (port 0 or none: any free port;
// DIR: where uploads go, a new folder under the system's temporary one if not given)
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { Transform, pipeline } = require('stream');
const { WebSocketServer } = require('ws');

const files = process.argv[3] || fs.mkdtempSync(path.join(os.tmpdir(), 'peer-files-'));
let uploads = 0;
const server = http.createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/upload') return upload(request, response);
    const download = request.method === 'GET' && /^\/download\/([0-9]+)$/.exec(request.url);
    if (download) return serveFile(download[1], response);
    response.writeHead(404).end();
});
// No time limit on a request (Node's default is 300 s), as none in the Go peer and the hub: a slow upload under
// load must not be cut off by the yardstick.
server.requestTimeout = 0;
const wss = new WebSocketServer({ server, path: '/v1/ws', perMessageDeflate: false, maxPayload: 65536 });
const channels = new Map(); // channel name -> Set of sockets
const comments = new Map(); // ticket id -> comments so far
let seq = 0;
let tickets = 0;
const send = (ws, frame) => ws.send(JSON.stringify(frame));

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () =>
    console.log(`listening on ws://127.0.0.1:${server.address().port}/v1/ws`));
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

// The body through a hash into the file, as it comes (pipeline's backpressure: no more is read than the disk
// takes); the file fsynced before the answer, as the hub's answer follows its commit.
function upload(request, response) {
    uploads += 1;
    const id = String(uploads);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const hashing = new Transform({ transform(chunk, encoding, done) { hash.update(chunk); size += chunk.length; done(null, chunk); } });
    const fd = fs.openSync(path.join(files, id), 'w');
    const fail = (error) => { fs.close(fd, () => {}); response.writeHead(500).end(String(error)); };
    pipeline(request, hashing, fs.createWriteStream(null, { fd, autoClose: false }), (error) => {
        if (error) return fail(error);
        fs.fsync(fd, (error) => {
            if (error) return fail(error);
            fs.close(fd, () => {
                response.writeHead(201, { 'Content-Type': 'application/json' });
                response.end(JSON.stringify({ id, sha256: hash.digest('hex'), size }));
            });
        });
    });
}

function serveFile(id, response) {
    const file = path.join(files, id);
    fs.stat(file, (error, stat) => {
        if (error) return response.writeHead(404).end();
        response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': stat.size });
        pipeline(fs.createReadStream(file), response, () => {});
    });
}
