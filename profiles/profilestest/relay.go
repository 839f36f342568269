package profilestest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Relay forwards TCP connections from a local port to a database server, so
// that a test can take the server away from one client and give it back while
// the server keeps running for the others. Cut drops every connection and
// refuses new ones, as a stopped server does; Restore accepts again on the same
// port, as a restarted one does; Blackhole accepts connections and never
// answers, as an unreachable host that drops packets does.
type Relay struct {
	upstream string
	addr     string

	mu    sync.Mutex
	ln    net.Listener // nil while cut
	hold  bool         // accept, but neither forward nor answer
	conns map[net.Conn]struct{}
}

// Addr is the relay's local address, host:port.
func (r *Relay) Addr() string { return r.addr }

// StartRelay relays a local port to the PostgreSQL server of dsn until the test
// ends, and returns it with dsn rewritten to go through it.
func StartRelay(t testing.TB, dsn string) (*Relay, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("relay: parse %s: %v", dsn, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream = net.JoinHostPort(u.Hostname(), "5432")
	}
	r := &Relay{upstream: upstream, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	go r.accept(ln)
	t.Cleanup(r.Cut)
	u.Host = r.addr
	return r, u.String()
}

func (r *Relay) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go r.forward(c)
	}
}

func (r *Relay) forward(c net.Conn) {
	r.mu.Lock()
	if r.hold {
		r.conns[c] = struct{}{} // closed by the next Cut
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	u, err := net.DialTimeout("tcp", r.upstream, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !r.track(c, u) {
		c.Close()
		u.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(u, c); done <- struct{}{} }()
	go func() { io.Copy(c, u); done <- struct{}{} }()
	<-done
	c.Close()
	u.Close()
	r.mu.Lock()
	delete(r.conns, c)
	delete(r.conns, u)
	r.mu.Unlock()
}

// track records a relayed pair, unless the relay was cut meanwhile.
func (r *Relay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln == nil {
		return false
	}
	for _, c := range cs {
		r.conns[c] = struct{}{}
	}
	return true
}

// Cut drops every relayed connection and refuses new ones.
func (r *Relay) Cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
	}
	for c := range r.conns {
		c.Close()
		delete(r.conns, c)
	}
}

// Restore accepts connections again on the same port.
func (r *Relay) Restore(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		return
	}
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatalf("relay: listen again on %s: %v", r.addr, err)
	}
	r.ln, r.hold = ln, false
	go r.accept(ln)
}

// Blackhole drops every relayed connection, then accepts new ones and never
// answers them.
func (r *Relay) Blackhole(t testing.TB) {
	t.Helper()
	r.Cut()
	r.Restore(t)
	r.mu.Lock()
	r.hold = true
	r.mu.Unlock()
}
