// The benchmark's Go peer. gorilla/websocket comes from Debian (golang-github-gorilla-websocket-dev, 1.5.0
// on Debian 12), not from the network: the replace points at its source under /usr/share/gocode, so
// `GOPROXY=off go build` works offline, and no go.sum is needed for a directory.
module swarmd/benchmarks/peer-go

go 1.19

require github.com/gorilla/websocket v1.5.0

replace github.com/gorilla/websocket => /usr/share/gocode/src/github.com/gorilla/websocket
