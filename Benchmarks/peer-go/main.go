// Command peer-go is the benchmark's second reference: the same minimal channel-broadcast hub as
// Benchmarks/peer/peer.js, on Go's gorilla/websocket (Debian golang-github-gorilla-websocket-dev),
// speaking just enough of swarmd's protocol v1 for scripts/bench. No durability, no authorization, no
// replay: a yardstick, written the way gorilla's own examples are (one reader and one writer goroutine per
// connection, a buffered send channel between them), neither hobbled nor tuned.
//
// Build offline from Debian's packages (go.mod points gorilla/websocket at /usr/share/gocode), as
// scripts/bench does:
//
//	cd Benchmarks/peer-go && GOPROXY=off go build -o ../../.build/peer-go .
//
// For the attachments scenario it also takes files, as peer.js does and as minimally as an uploader can
// and still persist and hash: POST /upload streams the body into a file in DIR while hashing it (SHA-256),
// fsyncs it once at the end and answers 201 {"id","sha256","size"}; GET /download/<id> streams the file
// back.
//
// Run: .build/peer-go [port [DIR]]   (port 0 or none: any free port; DIR: where uploads go, a new folder
// under the system's temporary one if not given)
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// maxPayload is peer.js's maxPayload: a larger message closes the connection (1009).
const maxPayload = 65536

// sendQueue is how many frames may wait for a connection's writer. When it is full the sender waits
// rather than dropping or closing: peer.js (ws) buffers without bound, and a benchmark's subscriber that
// falls behind must slow the publisher, not lose events.
const sendQueue = 256

// upgrader: no compression (peer.js: perMessageDeflate false) and any Origin, as ws accepts any. The
// read and write buffers are gorilla's defaults (the HTTP server's 4 KB buffers are reused).
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// conn is one WebSocket connection: its reader goroutine handles frames, its writer goroutine is the only
// one that writes data frames, fed through send.
type conn struct {
	ws   *websocket.Conn
	send chan []byte
	done chan struct{} // closed when the connection ends, so no sender waits on a full queue forever
	subs []string      // channels it is subscribed to; guarded by hub.mu
}

// hub is the peer's whole state. One mutex stands for Node's single thread: seq, the ticket counter and
// the order of events on a channel are what peer.js has, and events reach each subscriber in seq order.
type hub struct {
	mu       sync.Mutex
	channels map[string]map[*conn]struct{} // channel name -> subscribers
	comments map[string]int                // ticket id -> comments so far
	conns    map[*conn]struct{}            // every open connection, closed on SIGTERM
	seq      int
	tickets  int
}

// frame is what a client sends; fields peer.js reads, the rest ignored. id and body are echoed as they
// came (any JSON value), so they stay raw. Where JavaScript would take any value (a ticket that is a
// number, channels that are a string), this peer answers invalid_field: no client of the benchmark
// sends those.
type frame struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id"`
	Channels []string        `json:"channels"`
	Ticket   string          `json:"ticket"`
	Body     json.RawMessage `json:"body"`
}

// The frames the peer sends, with peer.js's key order so the bytes on the wire match its frames.
type welcome struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id,omitempty"`
	Agent    string          `json:"agent"`
	Role     string          `json:"role"`
	Server   string          `json:"server"`
	Protocol int             `json:"protocol"`
	Seq      int             `json:"seq"`
}

type ack struct {
	Type   string          `json:"type"`
	ID     json.RawMessage `json:"id,omitempty"`
	Seq    int             `json:"seq"`
	Ticket string          `json:"ticket,omitempty"`
}

type pong struct {
	Type string          `json:"type"`
	ID   json.RawMessage `json:"id,omitempty"`
}

type errorFrame struct {
	Type    string          `json:"type"`
	ID      json.RawMessage `json:"id,omitempty"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
}

type comment struct {
	At     string          `json:"at"`
	Author string          `json:"author"`
	Body   json.RawMessage `json:"body,omitempty"`
	Number int             `json:"number"`
}

type commentAdded struct {
	Actor   string  `json:"actor"`
	At      string  `json:"at"`
	Comment comment `json:"comment"`
	Ticket  string  `json:"ticket"`
	Type    string  `json:"type"`
}

type event struct {
	Channel string       `json:"channel"`
	Event   commentAdded `json:"event"`
	Seq     int          `json:"seq"`
	Type    string       `json:"type"`
}

// encode is JSON.stringify: no HTML escaping (Go's default turns < > & into \u003c...), no newline.
func encode(v any) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		panic(err) // only our own structs and already-valid raw JSON come here
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// enqueue hands a frame to c's writer; it waits while the queue is full, unless the connection has ended.
func (c *conn) enqueue(b []byte) {
	select {
	case c.send <- b:
	case <-c.done:
	}
}

func (h *hub) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil) // answers a bad upgrade itself
	if err != nil {
		return
	}
	ws.SetReadLimit(maxPayload)
	c := &conn{ws: ws, send: make(chan []byte, sendQueue), done: make(chan struct{})}
	h.mu.Lock()
	h.conns[c] = struct{}{}
	// Authorization: Bearer on the upgrade: welcome comes first, as from swarmd (any token is good here).
	if r.Header.Get("Authorization") != "" {
		c.send <- encode(welcome{Type: "welcome", Agent: "peer", Role: "agent", Server: "peer", Protocol: 1, Seq: h.seq})
	}
	h.mu.Unlock()
	go c.write()
	h.read(c)
}

// write is c's writer: one WebSocket frame per queued message, each written as it comes (one write
// system call a frame, as ws does for each send).
func (c *conn) write() {
	for {
		select {
		case b := <-c.send:
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				// The reader sees the closed socket and cleans up; until it has, keep taking frames,
				// or a publisher waiting on this full queue would hold the hub's lock forever.
				c.ws.Close()
				for {
					select {
					case <-c.send:
					case <-c.done:
						return
					}
				}
			}
		case <-c.done:
			return
		}
	}
}

// read is c's reader: it handles each frame in turn until the connection ends, then forgets c.
func (h *hub) read(c *conn) {
	defer func() {
		h.mu.Lock()
		for _, name := range c.subs {
			delete(h.channels[name], c)
		}
		delete(h.conns, c)
		close(c.done)
		h.mu.Unlock()
		c.ws.Close()
	}()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		h.handle(c, data)
	}
}

func (h *hub) handle(c *conn, data []byte) {
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		var syntax *json.SyntaxError
		var wrong *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			c.enqueue(encode(errorFrame{Type: "error", Code: "bad_frame", Message: "a frame must be valid JSON"}))
			return
		case errors.As(err, &wrong) && wrong.Field == "":
			// Not an object (5, "x", [..]): peer.js reads an undefined type, so unknown_type below.
			f = frame{}
		default:
			// A field of the wrong shape (channels not a list, ...): peer.js's catch around handle().
			c.enqueue(encode(errorFrame{Type: "error", ID: f.ID, Code: "invalid_field", Message: "bad fields"}))
			return
		}
	} else if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		// null: peer.js fails reading null.type and answers with id: null.
		c.enqueue(encode(errorFrame{Type: "error", ID: json.RawMessage("null"), Code: "invalid_field", Message: "bad fields"}))
		return
	}
	switch f.Type {
	case "hello":
		h.mu.Lock()
		seq := h.seq
		h.mu.Unlock()
		c.enqueue(encode(welcome{Type: "welcome", ID: f.ID, Agent: "peer", Role: "agent", Server: "peer", Protocol: 1, Seq: seq}))
	case "subscribe":
		if f.Channels == nil {
			c.enqueue(encode(errorFrame{Type: "error", ID: f.ID, Code: "invalid_field", Message: "bad fields"}))
			return
		}
		h.mu.Lock()
		for _, name := range f.Channels {
			subs := h.channels[name]
			if subs == nil {
				subs = map[*conn]struct{}{}
				h.channels[name] = subs
			}
			if _, ok := subs[c]; !ok {
				subs[c] = struct{}{}
				c.subs = append(c.subs, name)
			}
		}
		seq := h.seq
		h.mu.Unlock()
		c.enqueue(encode(ack{Type: "ack", ID: f.ID, Seq: seq}))
	case "ticket.open":
		h.mu.Lock()
		h.seq++
		h.tickets++
		a := ack{Type: "ack", ID: f.ID, Seq: h.seq, Ticket: "T-" + strconv.Itoa(h.tickets)}
		h.mu.Unlock()
		c.enqueue(encode(a))
	case "comment.add":
		at := time.Now().UTC().Format("2006-01-02T15:04:05.000Z") // Date.toISOString()
		channel := "ticket:" + f.Ticket
		h.mu.Lock()
		h.comments[f.Ticket]++
		h.seq++
		seq := h.seq
		e := event{Channel: channel, Seq: seq, Type: "event", Event: commentAdded{
			Actor: "peer", At: at, Ticket: f.Ticket, Type: "comment.added",
			Comment: comment{At: at, Author: "peer", Body: f.Body, Number: h.comments[f.Ticket]}}}
		b := encode(e) // encoded once, the same bytes to every subscriber
		// Queued under the lock, so each subscriber gets the channel's events in seq order.
		for sub := range h.channels[channel] {
			sub.enqueue(b)
		}
		h.mu.Unlock()
		c.enqueue(encode(ack{Type: "ack", ID: f.ID, Seq: seq}))
	case "ping":
		c.enqueue(encode(pong{Type: "pong", ID: f.ID}))
	default:
		t := f.Type
		if t == "" {
			t = "undefined" // what peer.js's template string makes of a missing type
		}
		c.enqueue(encode(errorFrame{Type: "error", ID: f.ID, Code: "unknown_type", Message: "unknown frame type '" + t + "'"}))
	}
}

// files is where uploads go, each in a file named by its id (1, 2, ...).
type files struct {
	dir     string
	uploads atomic.Int64
}

// uploaded is the answer to an upload, with peer.js's key order.
type uploaded struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// upload streams the body into a new file through a SHA-256 hash, as it comes (io.Copy's 32 KiB buffer:
// no more is read than the disk takes), and fsyncs the file before answering, as the hub answers after
// its commit.
func (fs *files) upload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	id := strconv.FormatInt(fs.uploads.Add(1), 10)
	f, err := os.Create(filepath.Join(fs.dir, id))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	hash := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, hash), r.Body)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(encode(uploaded{ID: id, SHA256: hex.EncodeToString(hash.Sum(nil)), Size: size}))
}

// download streams file <id> back: http.ServeContent sets Content-Length and copies the file to the
// socket (sendfile(2) on Linux, as Go's net/http does for any *os.File).
func (fs *files) download(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path[len("/download/"):]
	if _, err := strconv.ParseUint(id, 10, 63); err != nil {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(fs.dir, id))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// shutdown ends every connection with 1001 (going away) and closes it; WriteControl and Close may be
// called beside the writer goroutine.
func (h *hub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	deadline := time.Now().Add(time.Second)
	for c := range h.conns {
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), deadline)
		c.ws.Close()
	}
}

func main() {
	port := 0
	if len(os.Args) > 1 {
		p, err := strconv.Atoi(os.Args[1])
		if err != nil || p < 0 || p > 65535 || len(os.Args) > 3 {
			fmt.Fprintf(os.Stderr, "usage: peer-go [port [DIR]]   (port 0 or none: any free port)\n")
			os.Exit(2)
		}
		port = p
	}
	fs := &files{}
	if len(os.Args) > 2 {
		fs.dir = os.Args[2]
	} else {
		dir, err := os.MkdirTemp("", "peer-go-files-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer-go:", err)
			os.Exit(1)
		}
		fs.dir = dir
	}
	h := &hub{channels: map[string]map[*conn]struct{}{}, comments: map[string]int{}, conns: map[*conn]struct{}{}}
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer-go:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/ws", h.serveWS)
	mux.HandleFunc("/upload", fs.upload)
	mux.HandleFunc("/download/", fs.download)
	server := &http.Server{Handler: mux}

	// SIGTERM (scripts/bench's stop) or SIGINT: stop listening, close every connection, exit 0.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	finished := make(chan struct{})
	go func() {
		<-signals
		server.Close() // the listener; hijacked WebSocket connections are not the server's any more
		h.shutdown()
		close(finished)
	}()

	fmt.Printf("listening on ws://127.0.0.1:%d/v1/ws\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "peer-go:", err)
		os.Exit(1)
	}
	<-finished // Serve returned because of the signal: wait until every connection is closed
}
