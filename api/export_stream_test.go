package api_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"matchmaker/api"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// cutLog tells when the service logs that an export was cut.
type cutLog chan slog.Record

func (h cutLog) Enabled(context.Context, slog.Level) bool { return true }
func (h cutLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "export cut short" {
		select {
		case h <- r.Clone():
		default:
		}
	}
	return nil
}
func (h cutLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cutLog) WithGroup(string) slog.Handler      { return h }

// smallBuffers makes the sockets' buffers a few kilobytes, so that a client
// that reads slowly, or not at all, holds the server's writes back at once
// instead of after megabytes of kernel buffers.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// An export of a megabyte read slowly takes longer than the request timeout
// and the server's write timeout, and is sent whole, because it keeps moving;
// a client that stops reading is cut once the timeout passes without
// progress, and its stream ends short.
func TestExportOutlivesRequestTimeoutButNotAStall(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := t.Context()
		store := profilestest.OpenStore(t, db)
		_, key, err := store.CreateKey(ctx, profiles.KeyInput{Name: "exporter", Role: profiles.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		const cities = 3000
		puts := make([]profiles.Put[profiles.CityInput], cities)
		for i := range puts {
			puts[i].In = profiles.CityInput{Name: fmt.Sprintf("%04d %s", i, strings.Repeat("Villeneuve ", 26)),
				Country: "FR", Region: "europe", Languages: []string{"fr"}}
		}
		if _, err := store.PutCities(ctx, puts); err != nil {
			t.Fatal(err)
		}
		// Long enough that the first rows come within it on a loaded machine
		// (the race detector, other packages' tests): at 500 ms, PostgreSQL's
		// first page of rows once came after it, and the export was cut
		// before it began.
		const timeout = 2 * time.Second
		cuts := make(cutLog, 1)
		h := api.New(api.Config{Store: store, Logger: slog.New(cuts), RequestTimeout: timeout,
			RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}, Background: ctx})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h, WriteTimeout: timeout}
		go srv.Serve(smallBuffers{ln})
		t.Cleanup(func() { srv.Close() })
		dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		}}
		client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}
		get := func() *http.Response {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+"/v1/exports/cities?format=csv", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			return res
		}

		t.Run("slow but moving", func(t *testing.T) {
			start := time.Now()
			res := get()
			defer res.Body.Close()
			var body strings.Builder
			buf := make([]byte, 8<<10)
			for {
				n, err := res.Body.Read(buf)
				body.Write(buf[:n])
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("after %d bytes in %v: %v", body.Len(), time.Since(start), err)
				}
				time.Sleep(40 * time.Millisecond) // a slow reader, by design: over twice the timeout for the whole
			}
			took := time.Since(start)
			recs, err := csv.NewReader(strings.NewReader(body.String())).ReadAll()
			if err != nil || len(recs) != cities+1 {
				t.Fatalf("export of %d bytes: %d records, %v", body.Len(), len(recs), err)
			}
			if took < 2*timeout {
				t.Errorf("the export took %v: too fast to show that it outlives a %v timeout", took, timeout)
			}
			select {
			case r := <-cuts:
				t.Errorf("a moving export was cut: %v", r.Message)
			default:
			}
		})

		t.Run("stalled client", func(t *testing.T) {
			res := get()
			defer res.Body.Close()
			if _, err := io.ReadFull(res.Body, make([]byte, 8<<10)); err != nil {
				t.Fatal(err)
			}
			stalled := time.Now()
			select {
			case <-cuts:
			case <-time.After(20 * time.Second):
				t.Fatal("an export to a client that stopped reading was not cut")
			}
			if d := time.Since(stalled); d < timeout {
				t.Errorf("cut %v after the client stopped reading, before the %v timeout", d, timeout)
			}
			if _, err := io.ReadAll(res.Body); err == nil {
				t.Error("the cut export ended as if it were whole")
			}
		})
	})
}
