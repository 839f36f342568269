//go:build !loadtest

// The load test (tag loadtest) measures the encoder production runs.

package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"sync"
)

// Every answer the API's tests receive is encoded by encoding/json too: an
// answer whose bytes differ from encoding/json's fails the test that asked
// for it with a 500, whose logged panic shows both. A test binary asked to
// run benchmarks (-test.bench, as make bench does with no test) skips the
// check, so that the benchmarks measure the encoder production runs; the
// tests of such a run skip it too.
func init() {
	fast := encodeFast
	encodeAnswer = func(buf *bytes.Buffer, v any, indent string) error {
		start := buf.Len()
		if err := fast(buf, v, indent); err != nil || benchmarking() {
			return err
		}
		var std bytes.Buffer
		enc := json.NewEncoder(&std)
		if indent != "" {
			enc.SetIndent("", indent)
		}
		if err := enc.Encode(v); err != nil {
			panic(fmt.Sprintf("encoding/json fails on an answer the fast encoder wrote (%T): %v", v, err))
		}
		if got := buf.Bytes()[start:]; !bytes.Equal(got, std.Bytes()) {
			panic(fmt.Sprintf("the fast encoder writes another answer than encoding/json (%T):\n%s\nencoding/json:\n%s", v, got, std.Bytes()))
		}
		return nil
	}
}

// benchmarking reports whether this test binary was asked to run benchmarks.
// The flags are parsed before any test or benchmark runs, so before the
// first answer is encoded.
var benchmarking = sync.OnceValue(func() bool {
	f := flag.Lookup("test.bench")
	return f != nil && f.Value.String() != ""
})
